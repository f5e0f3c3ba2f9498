# SPDX-License-Identifier: GPL-3.0-or-later
"""core — models, data and gradients: NumPy views of the library's own
buffers, and the calls that fill them."""
import ctypes
from ctypes import byref, c_double, c_size_t, POINTER

import numpy as np

from . import _lib
from ._lib import lib

# ---- errors ---------------------------------------------------------------


def _message(status):
    return lib.bt_strerror(status).decode()


def _raise(status, what, model=None, data=None, truncate=0):
    """Raises the exception of a failed call: the library's message, and
    for a non-finite value where it first appears (bt_fault_locate)."""
    msg = f"{what}: {_message(status)}"
    if status == _lib.ENUMERIC and model is not None and data is not None:
        f = _lib.bt_fault()
        if lib.bt_fault_locate(model._ptr, data._ptr, truncate, byref(f)) == _lib.OK and f.pass_:
            where = "forward" if f.pass_ == 1 else "backward"
            msg += (f" ({where} pass, step {f.step}: {f.quantity.decode()}, entry "
                    f"{f.index} of {f.count} is {f.value}"
                    + (f", block {f.block.decode()}" if f.block else "") + ")")
        raise _lib.NumericError(msg, status)
    if status == _lib.EINVAL:
        raise _lib.ArgumentError(msg, status)
    if status == _lib.ECANCELED:
        lib.bt_cancel_reset()
        raise _lib.Cancelled(msg, status)
    if status in (_lib.EFORMAT, _lib.EIO):
        raise _lib.FileError(msg, status)
    raise _lib.Error(msg, status)


def _check(status, what, **kw):
    if status != _lib.OK:
        _raise(status, what, **kw)


def _file_error(status, err, what):
    file = err.file.decode(errors="replace")
    msg = err.msg.decode(errors="replace") or _message(status)
    where = f"{file}:{err.line}" if err.line else file
    raise _lib.FileError(f"{where}: {msg}", status, file, err.line)


def _write(path, writer, what):
    """Writes a file atomically through bt_write_atomic, writer(FILE *)
    giving a status: an existing file keeps its content on any failure."""
    err = _lib.bt_error()
    cb = _lib.WRITE_FN(lambda f, ctx: writer(f))
    st = lib.bt_write_atomic(str(path).encode(), cb, None, byref(err))
    if st != _lib.OK:
        _file_error(st, err, what)


# ---- views of C buffers -------------------------------------------------------


class _Owner:
    """Frees a C object when the last Python reference to it goes: the
    Model, Data or Gradient and every NumPy view of its buffers hold one."""

    def __init__(self, ptr, free):
        self.ptr = ptr
        self._free = free

    def __del__(self):
        if self.ptr:
            self._free(self.ptr)
            self.ptr = None


class _Buffer:
    """A NumPy array interface over count doubles at address, keeping the
    owner alive as long as any view of it exists."""

    def __init__(self, owner, address, shape):
        self.owner = owner
        self.__array_interface__ = {"data": (address, False), "shape": shape,
                                    "typestr": "<f8", "version": 3}


def _view(owner, pointer, shape):
    """A writable NumPy array on the C buffer, no copy."""
    address = ctypes.cast(pointer, ctypes.c_void_p).value
    if not address or 0 in shape:
        return np.zeros(shape)
    return np.asarray(_Buffer(owner, address, tuple(shape)))


def _copy(pointer, shape):
    """A NumPy copy of a C array (for results freed after the call)."""
    address = ctypes.cast(pointer, ctypes.c_void_p).value
    if not address:
        return None
    n = int(np.prod(shape))
    return np.ctypeslib.as_array(pointer, shape=(n,)).copy().reshape(shape)


def _ptr(array):
    return array.ctypes.data_as(POINTER(c_double))


# ---- models ---------------------------------------------------------------------


def architectures():
    """The names of the library's architectures, in its registry's order."""
    return [lib.bt_cell_name(lib.bt_cell_at(i)).decode() for i in range(lib.bt_cell_count())]


_STRUCTURES = {"gaussian": 0, "normal": 1, "nonnormal": 2}


class Model:
    """A model: architecture, sizes and the flat parameter buffer θ.

    model.theta is a NumPy view of θ and model.params maps every block name
    ("W", "U", "b", …, "V", "b_y") to a view of its rows × cols part of
    θ: writing into them changes the model the library computes with."""

    def __init__(self, ptr):
        self._owner = _Owner(ptr, lib.bt_model_free)
        self._ptr = ptr
        c = ptr.contents
        self.theta = _view(self._owner, c.theta, (c.nparams,))
        self.params = {}
        for i in range(c.nblocks):
            b = c.blocks[i]
            self.params[b.name.decode()] = self.theta[b.offset:b.offset + b.rows * b.cols].reshape(
                b.rows, b.cols)

    @classmethod
    def init(cls, arch, d, n, m, seed=_lib.DEFAULT_SEED, activation="tanh", orthogonal=False,
             scale=0.0, radius=0.0, forget_bias=1.0, structure="gaussian", nonnormality=1.0,
             loss="squared"):
        """A new model initialised as `bptt init` does (spec: Initialisation):
        recurrent matrices N(0, 1/n) or Haar orthogonal, rescaled to a
        largest singular value `scale` or a spectral radius `radius`,
        Glorot-normal input and output matrices, zero biases except the
        LSTM's forget bias; structure "normal"/"nonnormal" with
        `nonnormality` c for the architectures with a single W; `loss`
        "squared" or "cross-entropy" (of softmax(yhat) against targets)."""
        cell = lib.bt_cell_lookup(str(arch).encode())
        if not cell:
            raise _lib.ArgumentError(f"unknown architecture '{arch}' (one of: "
                                     + ", ".join(architectures()) + ")")
        act = lib.bt_activation_from_name(str(activation).encode())
        if act < 0:
            raise _lib.ArgumentError(f"unknown activation '{activation}' "
                                     "(tanh, relu, sigmoid or identity)")
        if act != 0 and not lib.bt_cell_has_activation(cell):
            raise _lib.ArgumentError(f"the {arch} architecture takes no activation")
        loss_kind = lib.bt_loss_from_name(str(loss).encode())
        if loss_kind < 0:
            raise _lib.ArgumentError(f"unknown loss '{loss}' (squared or cross-entropy)")
        if structure not in _STRUCTURES:
            raise _lib.ArgumentError(f"unknown structure '{structure}' (gaussian, normal or nonnormal)")
        ptr = POINTER(_lib.bt_model)()
        _check(lib.bt_model_alloc(byref(ptr), cell, _lib.bt_dims(d, n, m), act),
               f"a {arch} model with d = {d}, n = {n}, m = {m}")
        model = cls(ptr)
        ptr.contents.loss = loss_kind
        o = _lib.bt_init_options()
        lib.bt_init_options_default(byref(o))
        o.seed, o.orthogonal, o.scale, o.radius = int(seed), int(bool(orthogonal)), scale, radius
        o.forget_bias, o.structure, o.nonnormality = forget_bias, _STRUCTURES[structure], nonnormality
        _check(lib.bt_model_init(ptr, byref(o)), "initialising the model")
        return model

    @classmethod
    def load(cls, path):
        """Reads a model file (`bptt init`, `bptt train`); a refused file
        raises FileError "FILE:LINE: message"."""
        ptr = POINTER(_lib.bt_model)()
        err = _lib.bt_error()
        st = lib.bt_model_read(byref(ptr), str(path).encode(), byref(err))
        if st != _lib.OK:
            _file_error(st, err, "reading a model")
        return cls(ptr)

    def save(self, path):
        """Writes the model file, exactly (%.17g) and atomically."""
        _write(path, lambda f: lib.bt_model_write(f, self._ptr), "writing the model")

    def copy(self):
        ptr = POINTER(_lib.bt_model)()
        _check(lib.bt_model_copy(byref(ptr), self._ptr), "copying the model")
        return Model(ptr)

    @property
    def arch(self):
        return lib.bt_cell_name(self._ptr.contents.type).decode()

    @property
    def dims(self):
        """(d, n, m): input, hidden and output sizes."""
        dm = self._ptr.contents.dims
        return (dm.d, dm.n, dm.m)

    @property
    def activation(self):
        """The activation, or None for architectures that take none."""
        if not lib.bt_cell_has_activation(self._ptr.contents.type):
            return None
        return lib.bt_activation_name(self._ptr.contents.activation).decode()

    @property
    def loss(self):
        """"squared" or "cross-entropy": the model's loss."""
        return lib.bt_loss_name(self._ptr.contents.loss).decode()

    @property
    def state_size(self):
        return self._ptr.contents.state_size

    @property
    def blocks(self):
        """[(name, rows, cols, offset)] in storage order."""
        c = self._ptr.contents
        return [(c.blocks[i].name.decode(), c.blocks[i].rows, c.blocks[i].cols,
                 c.blocks[i].offset) for i in range(c.nblocks)]

    def __repr__(self):
        d, n, m = self.dims
        act = f" ({self.activation})" if self.activation else ""
        return f"<bptt.Model {self.arch}{act} d={d} n={n} m={m}, {self.theta.size} parameters>"


# ---- data -------------------------------------------------------------------------


class Data:
    """A sequence: inputs X (T × d), targets Y (T × m) and the loss mask M
    (T values 0 or 1, or None for all ones), NumPy views of the library's
    buffers."""

    def __init__(self, X, Y=None, M=None):
        """Data from arrays (copied into a buffer of the library): X is
        T × d, Y T × m, M T values 0 or 1 or None."""
        if isinstance(X, POINTER(_lib.bt_data)):
            self._adopt(X)
            return
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float)
        if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise _lib.ArgumentError(f"X must be T × d and Y T × m with the same T "
                                     f"(X is {X.shape}, Y {Y.shape})")
        ptr = POINTER(_lib.bt_data)()
        _check(lib.bt_data_alloc(byref(ptr), X.shape[0], X.shape[1], Y.shape[1], M is not None),
               f"data of T = {X.shape[0]}, d = {X.shape[1]}, m = {Y.shape[1]}")
        self._adopt(ptr)
        self.X[...] = X
        self.Y[...] = Y
        if M is not None:
            M = np.asarray(M, dtype=float).reshape(-1)
            if M.shape != (self.T,) or not np.all((M == 0) | (M == 1)):
                raise _lib.ArgumentError("M must hold T values, each 0 or 1")
            self.M[...] = M

    def _adopt(self, ptr):
        self._owner = _Owner(ptr, lib.bt_data_free)
        self._ptr = ptr
        c = ptr.contents
        self.X = _view(self._owner, c.X, (c.T, c.d))
        self.Y = _view(self._owner, c.Y, (c.T, c.m))
        self.M = _view(self._owner, c.M, (c.T,)) if c.M else None

    @classmethod
    def random(cls, d, m, T, seed=1, mask=False):
        """x_t and y_t i.i.d. N(0, 1), repeatably from the seed (bt_data_random)."""
        ptr = POINTER(_lib.bt_data)()
        _check(lib.bt_data_alloc(byref(ptr), T, d, m, int(bool(mask))),
               f"data of T = {T}, d = {d}, m = {m}")
        data = cls(ptr)
        _check(lib.bt_data_random(ptr, int(seed)), "random data")
        return data

    @classmethod
    def task(cls, kind="adding", T=100, seed=_lib.DEFAULT_SEED, **options):
        """A task of the spec (adding, copy, linear) as `bptt task` makes it;
        options: symbols, alphabet, delay (copy), a, b, s (linear). The
        result has .info: the description and the memoryless baseline."""
        k = lib.bt_task_from_name(str(kind).encode())
        if k < 0:
            raise _lib.ArgumentError(f"unknown task '{kind}' (adding, copy or linear)")
        o = _lib.bt_task_options()
        lib.bt_task_options_default(byref(o))
        o.kind, o.T, o.seed = k, T, int(seed)
        for name, value in options.items():
            if name not in ("symbols", "alphabet", "delay", "a", "b", "s"):
                raise _lib.ArgumentError(f"unknown task option '{name}'")
            setattr(o, name, value)
        ptr = POINTER(_lib.bt_data)()
        info = _lib.bt_task_info()
        _check(lib.bt_task_generate(byref(ptr), byref(o), byref(info)), f"the {kind} task")
        data = cls(ptr)
        data.info = {"description": info.description.decode(), "baseline": info.baseline.decode(),
                     "baseline_mse": info.baseline_mse, "baseline_loss": info.baseline_loss}
        return data

    @classmethod
    def load(cls, path):
        """Reads a data file (`bptt data`, `bptt task`)."""
        ptr = POINTER(_lib.bt_data)()
        err = _lib.bt_error()
        st = lib.bt_data_read(byref(ptr), str(path).encode(), byref(err))
        if st != _lib.OK:
            _file_error(st, err, "reading data")
        return cls(ptr)

    def save(self, path):
        _write(path, lambda f: lib.bt_data_write(f, self._ptr), "writing the data")

    @property
    def T(self):
        return self._ptr.contents.T

    @property
    def d(self):
        return self._ptr.contents.d

    @property
    def m(self):
        return self._ptr.contents.m

    def __repr__(self):
        mask = ", masked" if self.M is not None else ""
        return f"<bptt.Data T={self.T} d={self.d} m={self.m}{mask}>"


def _fit(model, data):
    """Refuses data whose sizes are not the model's, saying which."""
    d, n, m = model.dims
    if data.d != d or data.m != m:
        raise _lib.ArgumentError(f"the data (d = {data.d}, m = {data.m}) do not fit the "
                                 f"{model.arch} model (d = {d}, m = {m})")


# ---- gradients -------------------------------------------------------------------


class Gradient:
    """∂L/∂θ in the model's layout and ∂L/∂X: g.loss, g.theta (flat),
    g.params (block name → array, views of g.theta), g.X (T × d), and
    g["W"], g["X"], … for any of them (keys: the blocks, then "X")."""

    def __init__(self, model, loss, theta, X):
        self.model = model
        self.loss = loss
        self.theta = theta
        self.X = X
        self.params = {name: theta[off:off + r * c].reshape(r, c)
                       for name, r, c, off in model.blocks}

    def keys(self):
        return list(self.params) + ["X"]

    def __getitem__(self, name):
        return self.X if name == "X" else self.params[name]

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def save(self, path):
        """Writes a gradient file as `bptt grad` does."""
        T = self.X.shape[0]
        _write(path, lambda f: lib.bt_grad_write(f, self.model._ptr, self.loss, _ptr(self.theta),
                                                 _ptr(self.X), T), "writing the gradient")

    @classmethod
    def load(cls, path):
        """Reads a gradient file: g.model is a model of its architecture and
        sizes whose θ holds the gradient."""
        ptr = POINTER(_lib.bt_model)()
        err = _lib.bt_error()
        loss, dx, T = c_double(), POINTER(c_double)(), c_size_t()
        st = lib.bt_grad_read(byref(ptr), byref(loss), byref(dx), byref(T), str(path).encode(),
                              byref(err))
        if st != _lib.OK:
            _file_error(st, err, "reading a gradient")
        model = Model(ptr)
        d = model.dims[0]
        X = _copy(dx, (T.value, d))
        _lib.libc.free(dx)
        return cls(model, loss.value, model.theta, X)

    def __repr__(self):
        return f"<bptt.Gradient of a {self.model.arch} model, loss {self.loss!r}>"


def grad(model, data, truncate=None, chunked=False):
    """The loss and the exact gradient ∂L/∂θ and ∂L/∂X by full BPTT
    (bt_gradient), or with truncate = k the spec's sliding-window truncation
    (chunked=True: chunks of k steps, bt_gradient_chunked)."""
    _fit(model, data)
    k = 0 if truncate is None else int(truncate)
    if truncate is not None and k < 1:
        raise _lib.ArgumentError("truncate must be a whole number k >= 1 (None: full BPTT)")
    theta = np.zeros(model.theta.size)
    X = np.zeros((data.T, data.d))
    loss = c_double()
    fn = lib.bt_gradient_chunked if chunked else lib.bt_gradient
    if chunked and truncate is None:
        raise _lib.ArgumentError("chunked needs truncate = k, the chunk length")
    _check(fn(model._ptr, data._ptr, k, byref(loss), _ptr(theta), _ptr(X)),
           "the gradient", model=model, data=data, truncate=k)
    return Gradient(model, loss.value, theta, X)


def loss(model, data):
    """L = Σ_t μ_t ½‖ŷ_t − y_t‖² (bt_loss)."""
    _fit(model, data)
    L = c_double()
    _check(lib.bt_loss(model._ptr, data._ptr, byref(L)), "the loss", model=model, data=data)
    return L.value
