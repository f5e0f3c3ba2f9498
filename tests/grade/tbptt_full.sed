# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# No truncation at all.
# expect: ^W +FAIL +[^ ]+ +this is full BPTT
s/size_t steps = k < t ? k : t;/size_t steps = t; (void)k;/
