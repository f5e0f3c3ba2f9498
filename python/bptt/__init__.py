# SPDX-License-Identifier: GPL-3.0-or-later
"""bptt — exact gradients of recurrent networks by backpropagation through
time, from Python: a thin bridge to the C library libbptt.so. Python only
passes arrays; every number is computed by the library.

    import bptt
    model = bptt.Model.init("lstm", 3, 8, 2, seed=1)
    data = bptt.Data.random(3, 2, 50, seed=2)
    g = bptt.grad(model, data)          # g.loss, g["W_f"], …, g["X"]
    bptt.check(model, data)             # finite differences, block by block

model.params and data.X, data.Y are NumPy views of the library's buffers
(no copy). Failures raise bptt.Error (bptt.FileError for refused files,
with .file and .line)."""
from ._lib import (ArgumentError, Cancelled, DEFAULT_SEED, Error, FileError, NumericError,
                   path as library_path)
from ._lib import lib as _clib
from .core import Data, Gradient, Model, architectures, grad, loss
from .files import Datasets, Table, read
from .instruments import Report, Result, bias, bias_scalar, check, flow, jacobian, lyapunov

__version__ = _clib.bt_version().decode()

__all__ = ["Model", "Data", "Gradient", "grad", "loss", "check", "jacobian", "lyapunov", "bias",
           "bias_scalar", "flow", "read", "architectures", "Error", "FileError",
           "NumericError", "ArgumentError", "Cancelled", "Result", "Report", "Datasets",
           "Table", "DEFAULT_SEED", "library_path"]
