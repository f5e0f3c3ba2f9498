# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# A window one step too short.
# expect: ^W +FAIL +[^ ]+ +time index off by one: the window is one step too short
s/size_t steps = k < t ? k : t;/size_t steps = k - 1 < t ? k - 1 : t;/
