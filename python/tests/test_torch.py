# SPDX-License-Identifier: GPL-3.0-or-later
"""test_torch — for every architecture, the gradients of bptt.grad equal a
PyTorch autograd computation of the same model (torch_models.py, written
from the spec's equations) to 1e-10 in float64: every parameter block and
∂L/∂X, full BPTT and the sliding-window truncation, with a loss mask.
Skipped, with a message, when PyTorch is not installed
(`sh scripts/deps.sh torch` installs Debian's python3-torch)."""
import os
import unittest

import numpy as np

import bptt

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(var, "1")
try:
    import torch
    torch.set_num_threads(1)
    import torch_models
except ImportError:
    torch = None

TOL = 1e-10


def masked(d, m, T, seed):
    data = bptt.Data.random(d, m, T, seed=seed, mask=True)
    data.M[::3] = 0   # every third step does not count
    return data


@unittest.skipIf(torch is None, "PyTorch is not installed for this Python: no comparison "
                 "(sh scripts/deps.sh torch installs python3-torch)")
class TestAgainstPyTorch(unittest.TestCase):

    def compare(self, model, data, truncate=None):
        g = bptt.grad(model, data, truncate=truncate)
        L, ref = torch_models.gradient(model, data, truncate=truncate)
        what = f"{model!r}, truncate {truncate}"
        self.assertLessEqual(abs(g.loss - L), TOL * max(1.0, abs(L)), what + ": the loss")
        self.assertEqual(list(g.keys()), list(ref.keys()))
        for name in g.keys():
            scale = max(1.0, float(np.max(np.abs(ref[name]))))
            err = float(np.max(np.abs(g[name] - ref[name])))
            self.assertLessEqual(err, TOL * scale, f"{what}: block {name} differs by {err:.3g}")
        return g

    def test_every_architecture(self):
        for i, arch in enumerate(bptt.architectures()):
            with self.subTest(arch=arch):
                model = bptt.Model.init(arch, 3, 8, 2, seed=11 + i)
                self.compare(model, masked(3, 2, 30, seed=5 + i))

    def test_every_activation(self):
        for arch in ("rnn", "residual"):
            for act in ("tanh", "relu", "sigmoid", "identity"):
                with self.subTest(arch=arch, activation=act):
                    model = bptt.Model.init(arch, 2, 5, 3, seed=3, activation=act, scale=0.9)
                    self.compare(model, masked(2, 3, 25, seed=4))

    def test_truncated(self):
        for i, arch in enumerate(bptt.architectures()):
            for k in (1, 4):
                with self.subTest(arch=arch, k=k):
                    model = bptt.Model.init(arch, 3, 6, 2, seed=21 + i)
                    self.compare(model, masked(3, 2, 15, seed=9 + i), truncate=k)

    def test_the_example_of_the_readme(self):
        # the sizes of the README and of the issue: an LSTM, d 3, n 8, m 2, T 50
        model = bptt.Model.init("lstm", 3, 8, 2)
        g = self.compare(model, bptt.Data.random(3, 2, 50))
        self.assertEqual(g["W_f"].shape, (8, 8))
        self.assertEqual(g["X"].shape, (50, 3))


if __name__ == "__main__":
    unittest.main()
