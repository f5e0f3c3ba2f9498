# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: attention
# The recurrent part sends dh_{t-1} back with the wrong sign; the direct
# part keeps its points.
# expect: ^dh_prev +FAIL .*has the wrong sign
# expect: ^dh_att +PASS
# expect: ^V_c +PASS
s/dh_prev\[j\] += Wm\[i \* n + j\] \* da\[i\];/dh_prev[j] -= Wm[i * n + j] * da[i];/
