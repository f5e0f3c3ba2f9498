# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: gru
# dh_{t-1} without (1 - z_t) * dh_t.
# expect: ^dh_prev +FAIL .*misses the direct path
s/dh_prev\[i\] += (1.0 - z\[i\]) \* dh\[i\] + r\[i\] \* drh\[i\];/dh_prev[i] += r[i] * drh[i];/
