# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# A time loop that starts over at t = 1 for ever, every call in range: the
# count of step() calls gives it away at once.
# expect: ^FAIL: step\(\) called [0-9]+ times for T = [0-9]+, k = [0-9]+ .*an endless loop
# expect: ^score 0/6
s/for (size_t t = 1; t <= p->T; t++)/for (size_t t = 1; t <= p->T; t = t == p->T ? 1 : t + 1)/
