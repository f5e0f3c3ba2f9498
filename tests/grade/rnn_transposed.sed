# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# A transposed dW: block W fails (one step and sequence) with "transposed".
# expect: ^W +FAIL +FAIL +[^ ]+ +transposed
# expect: ^U +PASS +PASS
# expect: ^score 7/9 
s/gW\[i \* n + j\] += da\[i\] \* h_prev\[j\]/gW[j * n + i] += da[i] * h_prev[j]/
