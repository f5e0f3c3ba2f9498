# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# U written with the stride of W (n instead of d): U is named, and b —
# right in itself — is told that U's stride writes into it.
# expect: ^U +FAIL +FAIL +[^ ]+ +wrong stride
# expect: ^b +FAIL +[A-Z]+ +[^ ]+ +this block is right, but dU's wrong stride
s/gU\[i \* d + j\] += da\[i\] \* x\[j\]/gU[i * n + j] += da[i] * x[j]/
