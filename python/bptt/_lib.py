# SPDX-License-Identifier: GPL-3.0-or-later
"""_lib — the shared library libbptt.so through ctypes: where it is found,
the structures of bt.h it passes, the prototypes, and the exceptions that
carry its messages. Nothing here computes: every number comes from C."""
import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double,
                    c_int, c_long, c_size_t, c_ulong, c_void_p)

MAX_BLOCKS = 32
TAYLOR_MAX_H = 32
DEFAULT_SEED = 20140901

# status codes of bt.h
OK, EINVAL, ENOMEM, EFORMAT, EIO, ENUMERIC, ECANCELED = range(7)


class Error(Exception):
    """A failure of the library: .status is its BT_E* code, .message its
    message; for a refused file also .file and .line (0 when the message is
    not about one line)."""

    def __init__(self, message, status=EINVAL, file=None, line=0):
        super().__init__(message)
        self.message = message
        self.status = status
        self.file = file
        self.line = line


class FileError(Error, OSError):
    """A file that cannot be read or written, or that breaks the format:
    str(e) is "FILE:LINE: message", as the command prints it."""

    def __init__(self, message, status=EFORMAT, file=None, line=0):
        Error.__init__(self, message, status, file, line)


class NumericError(Error, ArithmeticError):
    """A non-finite value appeared; the message says where (bt_fault_locate)."""


class ArgumentError(Error, ValueError):
    """An argument out of range (BT_EINVAL)."""


class Cancelled(Error):
    """Stopped by bt_cancel_request or the progress hook."""


# ---- the structures of bt.h (tests/python compares their sizes with C's)
class bt_error(Structure):
    _fields_ = [("file", c_char * 512), ("line", c_long), ("msg", c_char * 512)]


class bt_dims(Structure):
    _fields_ = [("d", c_size_t), ("n", c_size_t), ("m", c_size_t)]


class bt_block(Structure):
    _fields_ = [("name", c_char_p), ("rows", c_size_t), ("cols", c_size_t),
                ("offset", c_size_t)]


class bt_model(Structure):
    _fields_ = [("type", c_void_p), ("dims", bt_dims), ("activation", c_int),
                ("nblocks", c_size_t), ("blocks", bt_block * MAX_BLOCKS),
                ("nparams", c_size_t), ("theta", POINTER(c_double)),
                ("state_size", c_size_t), ("loss", c_int)]


class bt_init_options(Structure):
    _fields_ = [("seed", c_ulong), ("orthogonal", c_int), ("scale", c_double),
                ("radius", c_double), ("forget_bias", c_double),
                ("structure", c_int), ("nonnormality", c_double)]


class bt_data(Structure):
    _fields_ = [("T", c_size_t), ("d", c_size_t), ("m", c_size_t),
                ("X", POINTER(c_double)), ("Y", POINTER(c_double)),
                ("M", POINTER(c_double))]


class bt_task_options(Structure):
    _fields_ = [("kind", c_int), ("T", c_size_t), ("seed", c_ulong),
                ("symbols", c_size_t), ("alphabet", c_size_t), ("delay", c_size_t),
                ("a", c_double), ("b", c_double), ("s", c_double)]


class bt_task_info(Structure):
    _fields_ = [("baseline_mse", c_double), ("baseline_loss", c_double),
                ("baseline_ce", c_double),
                ("description", c_char * 320), ("baseline", c_char * 320)]


class bt_check_options(Structure):
    _fields_ = [("rtol", c_double), ("atol", c_double), ("step", c_double),
                ("order", c_int), ("method", c_int), ("directions", c_size_t),
                ("seed", c_ulong), ("threads", c_size_t)]


class bt_check_block(Structure):
    _fields_ = [("name", c_char * 16), ("rows", c_size_t), ("cols", c_size_t),
                ("max_abs", c_double), ("max_rel", c_double), ("worst", c_size_t),
                ("worst_exact", c_double), ("worst_fd", c_double), ("ok", c_int),
                ("opposite", c_size_t)]


class bt_check_result(Structure):
    _fields_ = [("nblocks", c_size_t), ("blocks", bt_check_block * (MAX_BLOCKS + 1)),
                ("loss", c_double), ("atol", c_double), ("rtol", c_double),
                ("method", c_int), ("step", c_double), ("ok", c_int)]


class bt_jacobian_result(Structure):
    _fields_ = [("T", c_size_t), ("log10_norm2", POINTER(c_double)),
                ("log10_normF", POINTER(c_double)), ("log10_bound", POINTER(c_double)),
                ("log10_prod_steps", POINTER(c_double)), ("log10_step", POINTER(c_double)),
                ("log10_smax", c_double), ("lipschitz", c_double), ("skip_steps", c_int)]


class bt_lyapunov_options(Structure):
    _fields_ = [("count", c_size_t), ("burn_in", c_long), ("blocks", c_size_t),
                ("seed", c_ulong)]


class bt_lyapunov_result(Structure):
    _fields_ = [("k", c_size_t), ("K", c_size_t), ("T", c_size_t),
                ("burn_in", c_size_t), ("steps", c_size_t), ("S", c_size_t),
                ("seed", c_ulong), ("exponent", POINTER(c_double)),
                ("std_error", POINTER(c_double)), ("block_mean", POINTER(c_double))]


class bt_bias_scalar_result(Structure):
    _fields_ = [("closed_form", c_double), ("monte_carlo", c_double),
                ("std_error", c_double), ("sequences", c_size_t)]


_PD2 = POINTER(c_double) * 2


class bt_bias_result(Structure):
    _fields_ = [("nk", c_size_t), ("ndata", c_size_t), ("k", POINTER(c_size_t)),
                ("rel", _PD2), ("cos", _PD2), ("rel_mean", _PD2), ("rel_se", _PD2),
                ("cos_mean", _PD2), ("cos_se", _PD2)]


FLOW_ARRAYS = ("log10_dh", "log10_dh_trunc", "log10_dc", "log10_dc_trunc",
               "lag_dh", "lag_dh_trunc", "lag_dc", "lag_dc_trunc",
               "lag_dx", "lag_dx_trunc", "lag_dx_rec", "lag_dx_direct",
               "lag_grad", "lag_grad_block", "buckets")


class bt_flow_result(Structure):
    _fields_ = ([("T", c_size_t), ("S", c_size_t), ("n", c_size_t), ("nblocks", c_size_t),
                 ("k", c_size_t), ("term", c_size_t)]
                + [(name, POINTER(c_double)) for name in FLOW_ARRAYS])


class bt_fault(Structure):
    _fields_ = [("pass_", c_int), ("step", c_size_t), ("term", c_size_t),
                ("quantity", c_char * 48), ("index", c_size_t), ("count", c_size_t),
                ("value", c_double), ("block", c_char * 16)]


WRITE_FN = CFUNCTYPE(c_int, c_void_p, c_void_p)
P = POINTER
PD = POINTER(c_double)

# name: (restype, argtypes)
PROTOTYPES = {
    "bt_version": (c_char_p, []),
    "bt_strerror": (c_char_p, [c_int]),
    "bt_cell_lookup": (c_void_p, [c_char_p]),
    "bt_cell_count": (c_size_t, []),
    "bt_cell_at": (c_void_p, [c_size_t]),
    "bt_cell_name": (c_char_p, [c_void_p]),
    "bt_cell_has_activation": (c_int, [c_void_p]),
    "bt_activation_from_name": (c_int, [c_char_p]),
    "bt_activation_name": (c_char_p, [c_int]),
    "bt_loss_name": (c_char_p, [c_int]),
    "bt_loss_from_name": (c_int, [c_char_p]),
    "bt_model_alloc": (c_int, [P(P(bt_model)), c_void_p, bt_dims, c_int]),
    "bt_model_free": (None, [P(bt_model)]),
    "bt_model_copy": (c_int, [P(P(bt_model)), P(bt_model)]),
    "bt_init_options_default": (None, [P(bt_init_options)]),
    "bt_model_init": (c_int, [P(bt_model), P(bt_init_options)]),
    "bt_data_alloc": (c_int, [P(P(bt_data)), c_size_t, c_size_t, c_size_t, c_int]),
    "bt_data_free": (None, [P(bt_data)]),
    "bt_data_copy": (c_int, [P(P(bt_data)), P(bt_data)]),
    "bt_data_check": (c_int, [P(bt_model), P(bt_data)]),
    "bt_data_random": (c_int, [P(bt_data), c_ulong]),
    "bt_task_from_name": (c_int, [c_char_p]),
    "bt_task_options_default": (None, [P(bt_task_options)]),
    "bt_task_generate": (c_int, [P(P(bt_data)), P(bt_task_options), P(bt_task_info)]),
    "bt_gradient": (c_int, [P(bt_model), P(bt_data), c_size_t, PD, PD, PD]),
    "bt_gradient_chunked": (c_int, [P(bt_model), P(bt_data), c_size_t, PD, PD, PD]),
    "bt_loss": (c_int, [P(bt_model), P(bt_data), PD]),
    "bt_fd_method_from_name": (c_int, [c_char_p]),
    "bt_fd_method_name": (c_char_p, [c_int]),
    "bt_check_options_default": (None, [P(bt_check_options)]),
    "bt_gradcheck": (c_int, [P(bt_model), P(bt_data), P(bt_check_options), P(bt_check_result)]),
    "bt_gradcheck_gradient": (c_int, [P(bt_model), P(bt_data), PD, PD, P(bt_check_options),
                                      P(bt_check_result)]),
    "bt_jacobian_alloc": (c_int, [P(P(bt_jacobian_result)), c_size_t]),
    "bt_jacobian_free": (None, [P(bt_jacobian_result)]),
    "bt_jacobian_lags": (c_int, [P(bt_model), P(bt_data), P(bt_jacobian_result)]),
    "bt_jacobian_lags_block": (c_int, [P(bt_model), P(bt_data), c_size_t, c_size_t, c_size_t,
                                       c_size_t, P(bt_jacobian_result)]),
    "bt_lyapunov_options_default": (None, [P(bt_lyapunov_options)]),
    "bt_lyapunov_alloc": (c_int, [P(P(bt_lyapunov_result)), P(bt_model), c_size_t,
                                  P(bt_lyapunov_options)]),
    "bt_lyapunov_free": (None, [P(bt_lyapunov_result)]),
    "bt_lyapunov": (c_int, [P(bt_model), P(bt_data), P(bt_lyapunov_result)]),
    "bt_bias_scalar_burn_in": (c_size_t, [c_double, c_size_t]),
    "bt_bias_scalar": (c_int, [c_double, c_double, c_double, c_size_t, c_size_t, c_size_t,
                               c_size_t, c_ulong, P(bt_bias_scalar_result)]),
    "bt_bias_alloc": (c_int, [P(P(bt_bias_result)), P(c_size_t), c_size_t, c_size_t]),
    "bt_bias_free": (None, [P(bt_bias_result)]),
    "bt_bias_model": (c_int, [P(bt_model), P(P(bt_data)), P(bt_bias_result)]),
    "bt_flow_alloc": (c_int, [P(P(bt_flow_result)), P(bt_model), c_size_t]),
    "bt_flow_free": (None, [P(bt_flow_result)]),
    "bt_flow_lags": (c_int, [P(bt_model), P(bt_data), c_size_t, c_size_t, P(bt_flow_result)]),
    "bt_model_read": (c_int, [P(P(bt_model)), c_char_p, P(bt_error)]),
    "bt_data_read": (c_int, [P(P(bt_data)), c_char_p, P(bt_error)]),
    "bt_grad_read": (c_int, [P(P(bt_model)), PD, P(PD), P(c_size_t), c_char_p, P(bt_error)]),
    "bt_model_write": (c_int, [c_void_p, P(bt_model)]),
    "bt_data_write": (c_int, [c_void_p, P(bt_data)]),
    "bt_grad_write": (c_int, [c_void_p, P(bt_model), c_double, PD, PD, c_size_t]),
    "bt_write_atomic": (c_int, [c_char_p, WRITE_FN, c_void_p, P(bt_error)]),
    "bt_fault_locate": (c_int, [P(bt_model), P(bt_data), c_size_t, P(bt_fault)]),
    "bt_cancel_reset": (None, []),
}


def _candidates():
    """Where libbptt is looked for, in order: $BPTT_LIBRARY; the build
    directory of the source tree this package sits in (python/bptt ->
    build/); the lib directory of an installed copy (share/bptt/python/bptt
    -> lib/); then the dynamic loader's own search (ldconfig's cache,
    LD_LIBRARY_PATH)."""
    env = os.environ.get("BPTT_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for rel in (("..", "..", "build"), ("..", "..", "..", "..", "lib")):
        d = os.path.normpath(os.path.join(here, *rel))
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if f.startswith("libbptt.so.") and not os.path.islink(os.path.join(d, f)):
                    yield os.path.join(d, f)
    yield "libbptt.so"


def _load():
    tried = []
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path}: {e}")
            continue
        for name, (res, args) in PROTOTYPES.items():
            fn = getattr(lib, name)
            fn.restype = res
            fn.argtypes = args
        return lib, path
    raise ImportError("bptt: cannot load the shared library libbptt.so (build it with "
                      "`make shared` or `make python` in the source tree, or set "
                      "BPTT_LIBRARY to its path); tried:\n  " + "\n  ".join(tried))


lib, path = _load()

# the C library's free(), for the buffers the readers allocate
libc = ctypes.CDLL(None)
libc.free.restype = None
libc.free.argtypes = [c_void_p]
