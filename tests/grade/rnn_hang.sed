# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# An endless loop: reported after a few seconds without progress, with
# the phase.
# expect: ^FAIL: your code made no progress for [0-9]+ s while calling your backward
s/^\tdouble \*da = c->scratch;/&\n\tfor (;;) {}/
