# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# Endless recursion: a stack overflow, with the line.
# expect: ^FAIL: your code (was ended by signal 11|crashed \(AddressSanitizer)
# expect: rnn_recursion\.c:[0-9]+: stack overflow
s/^\tdouble \*da = c->scratch;/&\n\trnn_backward(c, h_prev, x, h, cache, dh, dh_prev, dx, grad);/
s/^static void rnn_backward(const bt_step \*c, const double \*h_prev,/static void rnn_backward(const bt_step *, const double *, const double *, const double *, const double *, const double *, double *, double *, double *);\n&/
