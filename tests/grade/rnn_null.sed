# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# A write through dx = NULL: the crash is named, with the line.
# expect: ^FAIL: your code (was ended by signal 11 \(SIGSEGV|crashed \(AddressSanitizer)
# expect: rnn_null\.c:7[0-9]: .*(NULL|null) pointer
# expect: ^score 0/9
/^\t\tif (dx)$/d
