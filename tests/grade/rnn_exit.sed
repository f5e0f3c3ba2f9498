# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# exit(2) in the student's code: said, and no pass.
# expect: ^FAIL: your code ended the program \(exit status 2
# expect: ^score 0/9
s/#include <math.h>/&\n#include <stdlib.h>/
s/^\tdouble \*da = c->scratch;/&\n\texit(2);/
