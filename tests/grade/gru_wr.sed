# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: gru
# dh_{t-1} without W_r^T da_r: the missing path through W_r.
# expect: ^dh_prev +FAIL .*misses the path through W_r
/P(WR), P(UR)/{n;s/dh_prev, dx/NULL, dx/;}
