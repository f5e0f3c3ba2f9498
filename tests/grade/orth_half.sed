# SPDX-License-Identifier: GPL-3.0-or-later
# exercise: orthogonal
# dL/dS where dL/dA belongs (the antisymmetric part left out).
# expect: ^A +FAIL +FAIL +[^ ]+ +this is dL/dS, not dL/dA
# expect: ^score 0/2
s/gA\[i \* n + j\] += -Z\[i \* n + j\] + Z\[j \* n + i\];/gA[i * n + j] += -Z[i * n + j];/
