# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# dW overwritten instead of accumulated.
# expect: ^W +FAIL +FAIL +[^ ]+ +overwritten instead of added to
s/gW\[i \* n + j\] += da\[i\] \* h_prev\[j\]/gW[i * n + j] = da[i] * h_prev[j]/
