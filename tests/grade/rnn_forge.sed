# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# Writing "d" to every file descriptor and _exit(0): no forged pass.
# expect: ^FAIL: your code ended the program \(exit status 0
# expect: ^score 0/9
s/#include <math.h>/&\n#include <unistd.h>/
s/^\tdouble \*da = c->scratch;/&\n\tfor (int fd = 3; fd < 64; fd++) { ssize_t w = write(fd, "d", 1); (void)w; }\n\t_exit(0);/
