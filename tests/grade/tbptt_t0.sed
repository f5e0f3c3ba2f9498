# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# A time loop t = 0 ... T: term(0) fails the exercise.
# expect: ^FAIL: term\(0\) called \(T = [0-9]+, k = [0-9]+\): out of range
# expect: ^score 0/6
s/for (size_t t = 1; t <= p->T; t++)/for (size_t t = 0; t <= p->T; t++)/
