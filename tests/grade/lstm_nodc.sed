# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: lstm
# dc'_t without dc_t.
# expect: ^W_f +FAIL +FAIL +[^ ]+ +ignores dc_t
s/double dct = dc\[i\] + dh\[i\]/double dct = dh[i]/
