# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# raise(SIGALRM): the real signal is named (not a time-out).
# expect: ^FAIL: your code was ended by signal 14 \(SIGALRM
s/#include <math.h>/&\n#include <signal.h>/
s/^\tdouble \*da = c->scratch;/&\n\traise(SIGALRM);/
