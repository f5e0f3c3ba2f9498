# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: gru
# dh_{t-1} without r_t * (W_h^T da_h): the reset product's path is named.
# expect: ^dh_prev +FAIL .*misses the path through the reset product
# expect: ^W_h +PASS +FAIL
s/dh_prev\[i\] += (1.0 - z\[i\]) \* dh\[i\] + r\[i\] \* drh\[i\];/dh_prev[i] += (1.0 - z[i]) * dh[i];/
