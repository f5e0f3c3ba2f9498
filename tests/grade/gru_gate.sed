# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: gru
# The update gate without sigma' = z(1 - z).
# expect: ^W_z +FAIL +FAIL +[^ ]+ +each unit's da off by its own factor: missing a term from the gate
# expect: ^U_z +FAIL +FAIL +[^ ]+ +each unit's da
s/daz\[i\] = dh\[i\] \* (hh\[i\] - h_prev\[i\]) \* z\[i\] \* (1.0 - z\[i\]);/daz[i] = dh[i] * (hh[i] - h_prev[i]);/
