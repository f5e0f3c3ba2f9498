# SPDX-License-Identifier: GPL-3.0-or-later
"""instruments — the checker and the instruments of the library, their
results as NumPy arrays (copied out of the C result, which is freed)."""
from ctypes import byref, c_size_t, POINTER

import numpy as np

from . import _lib
from ._lib import lib
from .core import Gradient, _check, _copy, _fit, _ptr


class Result(dict):
    """A dict whose keys are also attributes: r["exponent"] is r.exponent."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        return "Result(" + ", ".join(self.keys()) + ")"


class Report(list):
    """The checker's table: one record (a dict) per parameter block and one
    for X, with the overall verdict and tolerances as attributes; shown as
    a table (text, or HTML in a notebook)."""

    COLUMNS = ("name", "rows", "cols", "max_abs", "max_rel", "worst", "worst_exact",
               "worst_fd", "ok", "opposite")

    def _cells(self):
        def fmt(v):
            return f"{v:.3g}" if isinstance(v, float) else str(v)
        return [[fmt(r[c]) for c in self.COLUMNS] for r in self]

    def _caption(self):
        return (f"{'ok' if self.ok else 'DISAGREE'}: loss {self.loss:.17g}, {self.method} "
                f"differences, step {self.step:.3g}, rtol {self.rtol:g}, atol {self.atol:.3g}")

    def __repr__(self):
        rows = [list(self.COLUMNS)] + self._cells()
        widths = [max(len(r[j]) for r in rows) for j in range(len(self.COLUMNS))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        return "\n".join(lines + [self._caption()])

    def _repr_html_(self):
        head = "".join(f"<th>{c}</th>" for c in self.COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in self._cells())
        return (f"<table><caption>{self._caption()}</caption><tr>{head}</tr>{body}</table>")


def _table(records, attrs):
    try:
        import pandas
    except ImportError:
        report = Report(records)
        for k, v in attrs.items():
            setattr(report, k, v)
        return report
    df = pandas.DataFrame.from_records(records)
    df.attrs.update(attrs)
    return df


def _flat_gradient(model, data, g):
    """A gradient given as a Gradient or a mapping block name → array (and
    "X" → T × d) into the model's flat layout: None where it is absent."""
    if g is None:
        return None, None
    if isinstance(g, Gradient):
        return np.ascontiguousarray(g.theta, dtype=float), np.ascontiguousarray(g.X, dtype=float)
    theta = None
    names = [b[0] for b in model.blocks]
    if any(name in g for name in names):
        theta = np.zeros(model.theta.size)
        for name, r, c, off in model.blocks:
            if name not in g:
                raise _lib.ArgumentError(f"the gradient has no block {name} "
                                         f"(it needs all of {', '.join(names)})")
            a = np.asarray(g[name], dtype=float)
            if a.size != r * c:
                raise _lib.ArgumentError(f"the gradient's {name} has shape {a.shape}, "
                                         f"the model's is ({r}, {c})")
            theta[off:off + r * c] = a.reshape(-1)
    X = None
    if "X" in g:
        X = np.ascontiguousarray(g["X"], dtype=float)
        if X.shape != (data.T, data.d):
            raise _lib.ArgumentError(f"the gradient's X has shape {X.shape}, the data's is "
                                     f"({data.T}, {data.d})")
    return theta, X


def check(model, data, grad=None, rtol=1e-6, atol=None, step=0.0, order=2,
          method="central", seed=None, threads=0):
    """Compares a gradient with finite differences of the loss, entry by
    entry (bt_gradcheck): the exact BPTT gradient, or `grad` (a Gradient, or
    a dict of block name → array and "X" → T × d; what it leaves out is
    the exact one). One record per block, then X: name, rows, cols, max_abs,
    max_rel, worst (flat index), worst_exact, worst_fd, ok, opposite — a
    pandas DataFrame when pandas is installed, a list of dicts otherwise,
    with the loss, tolerances, method, step and overall ok as attributes
    (df.attrs)."""
    _fit(model, data)
    o = _lib.bt_check_options()
    lib.bt_check_options_default(byref(o))
    o.rtol, o.step, o.order, o.threads = rtol, step, order, threads
    if atol is not None:
        o.atol = atol
    m = lib.bt_fd_method_from_name(str(method).encode())
    if m < 0:
        raise _lib.ArgumentError(f"unknown method '{method}' (central, richardson or stencil4)")
    o.method = m
    if seed is not None:
        o.seed = int(seed)
    res = _lib.bt_check_result()
    theta, X = _flat_gradient(model, data, grad)
    if theta is None and X is None:
        st = lib.bt_gradcheck(model._ptr, data._ptr, byref(o), byref(res))
    else:
        st = lib.bt_gradcheck_gradient(model._ptr, data._ptr,
                                       None if theta is None else _ptr(theta),
                                       None if X is None else _ptr(X), byref(o), byref(res))
    _check(st, "the gradient check", model=model, data=data)
    records = []
    for i in range(res.nblocks):
        b = res.blocks[i]
        records.append({"name": b.name.decode(), "rows": b.rows, "cols": b.cols,
                        "max_abs": b.max_abs, "max_rel": b.max_rel, "worst": b.worst,
                        "worst_exact": b.worst_exact, "worst_fd": b.worst_fd,
                        "ok": bool(b.ok), "opposite": b.opposite})
    attrs = {"loss": res.loss, "atol": res.atol, "rtol": res.rtol,
             "method": lib.bt_fd_method_name(res.method).decode(), "step": res.step,
             "ok": bool(res.ok)}
    return _table(records, attrs)


def jacobian(model, data, rows=None, cols=None, skip_steps=False):
    """Norms of the Jacobian products ∂s_T/∂s_{T−τ} over the lags τ = 1…T
    (bt_jacobian_lags), as log10: lag, log10_norm2, log10_normF,
    log10_bound, log10_prod_steps; per step t: t, log10_step; and
    log10_smax, lipschitz. rows = (r0, nr) and cols = (c0, nc) take one
    block of the product instead (bt_jacobian_lags_block), e.g. the LSTM's
    ∂c_T/∂c_{T−τ} with rows = cols = (n, n)."""
    _fit(model, data)
    T = data.T
    ptr = POINTER(_lib.bt_jacobian_result)()
    _check(lib.bt_jacobian_alloc(byref(ptr), T), f"a Jacobian result for T = {T}")
    try:
        ptr.contents.skip_steps = int(bool(skip_steps))
        if rows is None and cols is None:
            st = lib.bt_jacobian_lags(model._ptr, data._ptr, ptr)
        else:
            S = model.state_size
            r0, nr = rows if rows is not None else (0, S)
            c0, nc = cols if cols is not None else (0, S)
            st = lib.bt_jacobian_lags_block(model._ptr, data._ptr, r0, nr, c0, nc, ptr)
        _check(st, "the Jacobian products", model=model, data=data)
        c = ptr.contents
        r = Result(lag=np.arange(1, T + 1))
        for name in ("log10_norm2", "log10_normF", "log10_bound", "log10_prod_steps"):
            r[name] = _copy(getattr(c, name), (T,))
        r["t"] = np.arange(1, T + 1)
        r["log10_step"] = _copy(c.log10_step, (T,))
        r["log10_smax"] = c.log10_smax
        r["lipschitz"] = c.lipschitz
        return r
    finally:
        lib.bt_jacobian_free(ptr)


def lyapunov(model, data, count=0, burn_in=None, blocks=0, seed=1):
    """The leading Lyapunov exponents of the driven state dynamics by
    Benettin's method (bt_lyapunov): exponent and std_error (k values,
    natural log per step, largest first), block_mean (k × K), and k, K, T,
    burn_in, steps, S. count 0: min(S, 10); burn_in None: min(T/10, 1000);
    blocks 0: 10."""
    _fit(model, data)
    o = _lib.bt_lyapunov_options()
    lib.bt_lyapunov_options_default(byref(o))
    o.count, o.blocks, o.seed = count, blocks, int(seed)
    if burn_in is not None:
        o.burn_in = burn_in
    ptr = POINTER(_lib.bt_lyapunov_result)()
    _check(lib.bt_lyapunov_alloc(byref(ptr), model._ptr, data.T, byref(o)),
           "the Lyapunov options")
    try:
        _check(lib.bt_lyapunov(model._ptr, data._ptr, ptr), "the Lyapunov exponents",
               model=model, data=data)
        c = ptr.contents
        return Result(index=np.arange(1, c.k + 1), exponent=_copy(c.exponent, (c.k,)),
                      std_error=_copy(c.std_error, (c.k,)),
                      block_mean=_copy(c.block_mean, (c.k, c.K)), k=c.k, K=c.K, T=c.T,
                      burn_in=c.burn_in, steps=c.steps, S=c.S, seed=c.seed)
    finally:
        lib.bt_lyapunov_free(ptr)


def bias(model, data, k):
    """How far truncated gradients are from the full one (bt_bias_model):
    for each k of the list and each data set (a Data or a list of them),
    ‖g_k − g_full‖/‖g_full‖ and cos(g_k, g_full) for the sliding window and
    for chunks. Columns as `bptt bias` writes them: k, rel_error,
    rel_error_stderr, cosine, cosine_stderr and the chunked_ ones (means
    over the data sets; NaN standard errors for one), and per data set
    rel, cos, chunked_rel, chunked_cos (len(k) × data sets)."""
    sets = [data] if not isinstance(data, (list, tuple)) else list(data)
    ks = [int(x) for x in (k if hasattr(k, "__len__") else [k])]
    if not sets or not ks:
        raise _lib.ArgumentError("bias needs at least one data set and one k")
    for d in sets:
        _fit(model, d)
    karr = (c_size_t * len(ks))(*ks)
    ptr = POINTER(_lib.bt_bias_result)()
    _check(lib.bt_bias_alloc(byref(ptr), karr, len(ks), len(sets)), "the truncation lengths")
    try:
        arr = (POINTER(_lib.bt_data) * len(sets))(*[d._ptr for d in sets])
        _check(lib.bt_bias_model(model._ptr, arr, ptr), "the truncation bias",
               model=model, data=sets[0])
        c = ptr.contents
        nk, nd = len(ks), len(sets)
        r = Result(k=np.array(ks))
        for m, pre in ((0, ""), (1, "chunked_")):
            r[pre + "rel_error"] = _copy(c.rel_mean[m], (nk,))
            r[pre + "rel_error_stderr"] = _copy(c.rel_se[m], (nk,))
            r[pre + "cosine"] = _copy(c.cos_mean[m], (nk,))
            r[pre + "cosine_stderr"] = _copy(c.cos_se[m], (nk,))
        for m, pre in ((0, ""), (1, "chunked_")):
            r[pre + "rel"] = _copy(c.rel[m], (nk, nd))
            r[pre + "cos"] = _copy(c.cos[m], (nk, nd))
        return r
    finally:
        lib.bt_bias_free(ptr)


def bias_scalar(a, k, b=1.0, s=1.0, T=1000, burn_in=None, sequences=200,
                seed=_lib.DEFAULT_SEED):
    """The spec's scalar reference (bt_bias_scalar): for each k of the list,
    the closed form −a^{2k+1} b² s² / (1 − a²)² beside the Monte-Carlo mean
    over `sequences` sequences of T counted steps with the library's own
    gradients, its standard error, sequences and burn_in (default, as
    `bptt bias --scalar`: the largest k + ⌈ln 1e-12 / (2 ln|a|)⌉)."""
    ks = [int(x) for x in (k if hasattr(k, "__len__") else [k])]
    if not ks:
        raise _lib.ArgumentError("bias_scalar needs at least one k")
    burn = lib.bt_bias_scalar_burn_in(a, max(ks)) if burn_in is None else int(burn_in)
    r = Result(k=np.array(ks), closed_form=np.zeros(len(ks)), monte_carlo=np.zeros(len(ks)),
               stderr=np.zeros(len(ks)), sequences=np.zeros(len(ks), dtype=int),
               burn_in=burn, a=a)
    for j, kk in enumerate(ks):
        res = _lib.bt_bias_scalar_result()
        _check(lib.bt_bias_scalar(a, b, s, kk, T, burn, sequences, int(seed), byref(res)),
               f"the scalar bias at a = {a}, k = {kk}")
        r.closed_form[j], r.monte_carlo[j] = res.closed_form, res.monte_carlo
        r.stderr[j], r.sequences[j] = res.std_error, res.sequences
    return r


def flow(model, data, truncate=0, term=0):
    """Backpropagated gradient norms over time and lags (bt_flow_lags), as
    log10: per step t (log10_dh, log10_dh_trunc, and the LSTM's log10_dc…),
    the lag profile of the loss term t* (lag_dh, lag_dx, lag_dx_rec,
    lag_dx_direct, …) and the lag-τ parts of ∂L/∂θ (lag_grad, and
    lag_grad_block: T × blocks, columns in model.blocks order). truncate:
    the k of the _trunc arrays (0: none); term: t* (0: the last counted)."""
    _fit(model, data)
    ptr = POINTER(_lib.bt_flow_result)()
    _check(lib.bt_flow_alloc(byref(ptr), model._ptr, data.T), f"a flow result for T = {data.T}")
    try:
        _check(lib.bt_flow_lags(model._ptr, data._ptr, truncate, term, ptr),
               "the gradient flow", model=model, data=data)
        c = ptr.contents
        T = c.T
        r = Result(t=np.arange(1, T + 1), tau=np.arange(T), k=c.k, term=c.term,
                   blocks=[b[0] for b in model.blocks])
        for name in _lib.FLOW_ARRAYS:
            if name == "buckets":
                continue
            shape = (T, c.nblocks) if name == "lag_grad_block" else (T,)
            r[name] = _copy(getattr(c, name), shape)
        return r
    finally:
        lib.bt_flow_free(ptr)
