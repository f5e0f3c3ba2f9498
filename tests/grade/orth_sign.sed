# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: orthogonal
# dL/dA with the wrong sign.
# expect: ^A +FAIL +FAIL +[^ ]+ +sign flipped
s/gA\[i \* n + j\] += -Z\[i \* n + j\] + Z\[j \* n + i\];/gA[i * n + j] += Z[i * n + j] - Z[j * n + i];/
