# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: orthogonal
# M^-1 where M^-T belongs: A fails on one step and over sequences.
# expect: ^A +FAIL +FAIL
# expect: ^score 0/2
s/z += Minv\[k \* n + i\] \* Y\[k \* n + j\];/z += Minv[i * n + k] * Y[k * n + j];/
