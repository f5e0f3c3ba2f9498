# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: rnn
# da without tanh': every block's da is off unit by unit.
# expect: ^W +FAIL +FAIL +[^ ]+ +each unit's da off by its own factor
s/da\[i\] = dh\[i\] \* (1.0 - h\[i\] \* h\[i\]);/da[i] = dh[i];/
