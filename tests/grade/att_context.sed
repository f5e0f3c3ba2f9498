# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: attention
# dX without the path through the context (alpha_k dc).
# expect: ^dX_att +FAIL
# expect: ^dh_att +PASS
# expect: ^X +PASS +FAIL
s/dX\[k \* d + j\] += ds\[k\] \* u\[j\] + alpha\[k\] \* dc\[j\];/dX[k * d + j] += ds[k] * u[j];/
