# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# A time loop t = 1 ... T + 1: term(T + 1) fails the exercise.
# expect: ^FAIL: term\(8\) called \(T = 7, k = 3\): out of range 1\.\.7
# expect: ^score 0/6
s/for (size_t t = 1; t <= p->T; t++)/for (size_t t = 1; t <= p->T + 1; t++)/
