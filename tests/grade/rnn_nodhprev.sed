# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# Nothing sent back: the one-step points of the blocks are kept.
# expect: ^dh_prev +FAIL .*nothing added to dh_\{t-1\}
# expect: ^score 4/9 \(one step 4/5
/^\t\tif (dh_prev)$/,/dh_prev\[j\] +=/d
