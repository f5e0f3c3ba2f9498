# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# abort() on the first call: named as SIGABRT with the line, not as NULL.
# expect: ^FAIL: your code was ended by signal 6 \(SIGABRT
# expect: rnn_abort\.c:5[0-9]: abort\(\) was called
s/#include <math.h>/&\n#include <stdlib.h>/
s/^\tdouble \*da = c->scratch;/&\n\tabort();/
