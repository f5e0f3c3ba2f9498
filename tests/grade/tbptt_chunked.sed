# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: tbptt
# Windows restarting every k steps.
# expect: ^W +FAIL +[^ ]+ +chunked windows
s/size_t steps = k < t ? k : t;/size_t steps = (t - 1) % k + 1;/
