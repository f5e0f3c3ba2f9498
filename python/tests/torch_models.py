# SPDX-License-Identifier: GPL-3.0-or-later
"""torch_models — every architecture of docs/spec.md written again in
PyTorch, float64, from its equations alone, so that autograd gives an
independent gradient: the loss L = Σ_t μ_t ½‖ŷ_t − y_t‖² of a model whose
parameters are the given arrays, full or with the spec's sliding-window
truncation. (bench/torch_bench.py times PyTorch's fused modules instead,
whose GRU resets after the product: not the same model.)"""
import torch

ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
       "identity": lambda a: a, None: torch.tanh}


def _affine(p, Wn, Un, bn, h, x):
    return p[Wn] @ h + p[Un] @ x + p[bn].reshape(-1)


def _cayley(A):
    n = A.shape[0]
    S = A - A.T
    eye = torch.eye(n, dtype=A.dtype)
    return torch.linalg.solve(eye + S, eye - S)


def step(arch, act, p, s, x, W=None):
    """s_t from s_{t−1} = s and x_t = x (the LSTM's s is the pair (h, c))."""
    phi = ACT[act]
    if arch in ("rnn", "attention"):
        return phi(_affine(p, "W", "U", "b", s, x))
    if arch == "linear":
        return _affine(p, "W", "U", "b", s, x)
    if arch == "residual":
        return s + phi(_affine(p, "W", "U", "b", s, x))
    if arch == "orthogonal":
        return torch.tanh(W @ s + p["U"] @ x + p["b"].reshape(-1))
    if arch == "gru":
        z = torch.sigmoid(_affine(p, "W_z", "U_z", "b_z", s, x))
        r = torch.sigmoid(_affine(p, "W_r", "U_r", "b_r", s, x))
        cand = torch.tanh(_affine(p, "W_h", "U_h", "b_h", r * s, x))
        return (1 - z) * s + z * cand
    if arch == "lstm":
        h, c = s
        f = torch.sigmoid(_affine(p, "W_f", "U_f", "b_f", h, x))
        i = torch.sigmoid(_affine(p, "W_i", "U_i", "b_i", h, x))
        o = torch.sigmoid(_affine(p, "W_o", "U_o", "b_o", h, x))
        g = torch.tanh(_affine(p, "W_g", "U_g", "b_g", h, x))
        c = f * c + i * g
        return (o * torch.tanh(c), c)
    raise ValueError(f"no PyTorch model for {arch}")


def _hidden(arch, s):
    return s[0] if arch == "lstm" else s


def _output(arch, p, h, X, t):
    """ŷ_t (t from 0): V h_t + b_y, and attention's V_c c_t over x_1…x_t."""
    y = p["V"] @ h + p["b_y"].reshape(-1)
    if arch == "attention":
        past = X[:t + 1]                        # x_1 … x_t, one per row
        scores = past @ (p["W_a"].T @ h)        # s_{t,k} = h_tᵀ W_a x_k
        alpha = torch.softmax(scores, dim=0)
        y = y + p["V_c"] @ (alpha @ past)
    return y


def _zero(arch, n, dtype):
    z = torch.zeros(n, dtype=dtype)
    return (z, z.clone()) if arch == "lstm" else z


def _detach(arch, s):
    return tuple(v.detach() for v in s) if arch == "lstm" else s.detach()


def loss(arch, act, p, X, Y, M, truncate=None):
    """L for parameters p (name → tensor), inputs X (T × d), targets Y,
    mask M (T values); with truncate = k every term ℓ_t is recomputed from
    s_{t−k}, detached from the graph, so that its gradient flows through
    s_t … s_{t−k+1} only (attention still reads every x_k directly)."""
    T = X.shape[0]
    n = p["V"].shape[1]
    W = _cayley(p["A"]) if arch == "orthogonal" else None
    states = [_zero(arch, n, X.dtype)]
    for t in range(T):
        states.append(step(arch, act, p, states[-1], X[t], W))
    total = torch.zeros((), dtype=X.dtype)
    for t in range(T):
        if truncate is None or truncate >= t + 1:
            s = states[t + 1]
        else:
            s = _detach(arch, states[t + 1 - truncate])
            for u in range(t + 1 - truncate, t + 1):
                s = step(arch, act, p, s, X[u], W)
        e = _output(arch, p, _hidden(arch, s), X, t) - Y[t]
        total = total + M[t] * 0.5 * (e @ e)
    return total


def gradient(model, data, truncate=None):
    """PyTorch's loss, ∂L/∂θ by block and ∂L/∂X for a bptt Model and Data
    (their arrays copied into leaf tensors)."""
    p = {name: torch.tensor(a, dtype=torch.float64, requires_grad=True)
         for name, a in model.params.items()}
    X = torch.tensor(data.X, dtype=torch.float64, requires_grad=True)
    Y = torch.tensor(data.Y, dtype=torch.float64)
    M = (torch.ones(data.T, dtype=torch.float64) if data.M is None
         else torch.tensor(data.M, dtype=torch.float64))
    L = loss(model.arch, model.activation, p, X, Y, M, truncate)
    L.backward()
    g = {name: t.grad.numpy() for name, t in p.items()}
    g["X"] = X.grad.numpy()
    return L.item(), g
