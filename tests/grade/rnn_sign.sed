# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# dh_{t-1} with the wrong sign: only dh_prev fails on one step (the
# blocks keep their one-step points), every block fails over sequences.
# expect: ^dh_prev +FAIL +- +- +dh_\{t-1\} \(ds_prev\) has the wrong sign
# expect: ^W +PASS +FAIL +[^ ]+ +right on one step, wrong through time
# expect: ^score 4/9 \(one step 4/5, whole sequence 0/4\)
s/dh_prev\[j\] += Wm\[i \* n + j\] \* da\[i\];/dh_prev[j] -= Wm[i * n + j] * da[i];/
