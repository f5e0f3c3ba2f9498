# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# 0/0 at h_0 = 0: a NaN at step 1 fails the blocks with a hint (exit 1).
# expect: ^W +PASS +FAIL +[^ ]+ +NaN in W at step 1 of [0-9]+: a division by a state that can be 0
s/da\[i\] = dh\[i\] \* (1.0 - h\[i\] \* h\[i\]);/da[i] = dh[i] * (1.0 - h[i] * h[i]) * (h_prev[0] \/ h_prev[0]);/
