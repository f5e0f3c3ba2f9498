# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: lstm
# dc_{t-1} = dc'_t, without the forget gate.
# expect: ^dc_prev +FAIL .*misses the forget gate
# expect: ^dh_prev +PASS
s/ds_prev\[n + i\] += dct \* f\[i\];/ds_prev[n + i] += dct;/
