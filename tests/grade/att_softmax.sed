# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: attention
# The softmax's derivative without its mean term: the direct part fails.
# expect: ^dh_att +FAIL
# expect: ^W_a +FAIL +FAIL +[^ ]+ +each column off by its own factor: du is wrong
# expect: ^V_c +PASS +PASS
# expect: ^dh_prev +PASS
s/ds\[k\] = alpha\[k\] \* (ds\[k\] - mean);/ds[k] = alpha[k] * ds[k];/
