# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# A window reaching down to step 0: step(0) fails the exercise.
# expect: ^FAIL: step\(0\) called .*the window reaches below step 1
# expect: ^score 0/6
s/size_t steps = k < t ? k : t;/size_t steps = k < t ? k : t + 1;/
