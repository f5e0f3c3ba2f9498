#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""torch_bench.py — PyTorch's time for what bench_speed times in bptt.

usage: /usr/bin/python3 bench/torch_bench.py [--quick | --full] [--rounds R]
           [--arch LIST] [--n LIST] [--B LIST] [--T T] [-o FILE]

For each architecture (torch.nn.RNN with tanh, nn.GRU, nn.LSTM), hidden size
n and batch B: float64, one thread (torch.set_num_threads(1)), d = n inputs,
an nn.Linear(n, 1) readout, T steps, loss ½ Σ (ŷ − y)², inputs with
requires_grad so that the backward pass also computes ∂L/∂x; the best and
median wall-clock time of one forward + backward (gradients set to None
between runs, as an optimiser step would). The fused nn.RNN/GRU/LSTM modules
are PyTorch's fastest CPU path for these cells. As bench_speed does, every
row is timed in R rounds (default 2), one after the other, the repeats
shared out among them, and the best kept: a slow spell of the machine then
spoils one round of a row, not all its runs.

Prints a table and writes columns `arch n B best_ms median_ms runs cpu_ms`
(best and median wall-clock, best CPU time of the process) to FILE, read by
bench_speed --torch, which compares CPU times. Without torch it prints one line saying how
to install it and exits 0: PyTorch is optional.

Note: PyTorch's GRU applies the reset gate after the matrix product
(r ⊙ (W_h h + b_hn)), bptt's the form of Cho et al. (before it); the work
is the same matrix products.
"""
import os
import statistics
import sys
import time


def parse(argv):
    opt = {"plan": "normal", "arch": ["rnn", "gru", "lstm"], "n": [16, 64, 256],
           "B": [1, 32], "T": 1000, "o": None, "rounds": 2}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("--help", "-h"):
            print(__doc__.strip())
            sys.exit(0)
        elif a in ("--quick", "--full"):
            opt["plan"] = a[2:]
            i += 1
            continue
        if i + 1 >= len(argv):
            sys.exit(f"torch_bench: {a} needs a value")
        v = argv[i + 1]
        if a == "--arch":
            opt["arch"] = v.split(",")
        elif a in ("--n", "--B"):
            opt[a[2:]] = [int(x) for x in v.split(",")]
        elif a == "--T":
            opt["T"] = int(v)
        elif a == "--rounds":
            opt["rounds"] = int(v)
            if not 1 <= opt["rounds"] <= 20:
                sys.exit(f"torch_bench: --rounds: {v} is not from 1 to 20")
        elif a == "-o":
            opt["o"] = v
        else:
            sys.exit(f"torch_bench: unknown option {a}")
        i += 2
    return opt


# the same repeat plans as bench_speed: (budget s, min runs, max runs,
# a first run longer than heavy s stops after heavy_reps runs)
PLANS = {"quick": (0.4, 3, 15, 1.0, 1), "normal": (2.0, 5, 50, 4.0, 2),
         "full": (6.0, 11, 200, 20.0, 3)}


def repeat(plan, fn):
    """Best and median wall-clock time, runs, best CPU time (the process's,
    which on a shared machine leaves out the waiting for a core)."""
    budget, min_reps, max_reps, heavy, heavy_reps = plan
    t, c = [], []
    total = 0.0
    while len(t) < max_reps:
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
        c.append(time.process_time() - c0)
        total += t[-1]
        if t[0] > heavy and len(t) >= heavy_reps:
            break
        if total >= budget and len(t) >= min_reps:
            break
    return min(t), statistics.median(t), len(t), min(c)


def main():
    opt = parse(sys.argv)
    # one thread for real: set_num_threads(1) does not reach the BLAS that
    # Debian's torch is built on (OpenBLAS, with its own thread pool); the
    # pool's size is read when the library loads, so before the import
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed for /usr/bin/python3: no comparison "
              "(install it with: apt-get install python3-torch)")
        return 0
    torch.set_num_threads(1)
    torch.manual_seed(1)
    dtype = torch.float64
    R = opt["rounds"]
    budget, min_reps, max_reps, heavy, heavy_reps = PLANS[opt["plan"]]
    plan = (budget / R, -(-min_reps // R), max(1, max_reps // R), heavy,
            -(-heavy_reps // R))
    T = opt["T"]
    cls = {"rnn": lambda n: torch.nn.RNN(n, n, nonlinearity="tanh"),
           "gru": lambda n: torch.nn.GRU(n, n),
           "lstm": lambda n: torch.nn.LSTM(n, n)}
    print(f"PyTorch {torch.__version__}, float64, {torch.get_num_threads()} thread, "
          f"T = {T}, d = n, m = 1, {R} round{'s' if R > 1 else ''}; load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'arch':5} {'n':>5} {'B':>3} {'cpu ms':>10} {'wall ms':>10} {'median':>10} {'runs':>4}")
    for arch in opt["arch"]:
        if arch not in cls:
            sys.exit(f"torch_bench: no PyTorch module for {arch}")
    best_of = {}   # (arch, n, B) -> [best, median, runs, cpu], the best of the rounds
    for k in range(R):
        if R > 1:
            print(f"torch_bench: round {k + 1} of {R}", file=sys.stderr, flush=True)
        for arch in opt["arch"]:
            for n in opt["n"]:
                for B in opt["B"]:
                    torch.manual_seed(1)
                    cell = cls[arch](n).to(dtype)
                    readout = torch.nn.Linear(n, 1).to(dtype)
                    x = torch.randn(T, B, n, dtype=dtype).requires_grad_(True)
                    y = torch.randn(T, B, 1, dtype=dtype)

                    def step():
                        x.grad = None
                        for p in list(cell.parameters()) + list(readout.parameters()):
                            p.grad = None
                        h, _ = cell(x)
                        loss = 0.5 * ((readout(h) - y) ** 2).sum()
                        loss.backward()

                    # one short untimed run first: the first call of a module
                    # sets up its kernels and allocator caches
                    h, _ = cell(x[:10])
                    (0.5 * ((readout(h) - y[:10]) ** 2).sum()).backward()
                    best, median, runs, cpu = repeat(plan, step)
                    key = (arch, n, B)
                    if key in best_of:
                        b = best_of[key]
                        best_of[key] = [min(b[0], best), min(b[1], median), b[2] + runs,
                                        min(b[3], cpu)]
                    else:
                        best_of[key] = [best, median, runs, cpu]
    rows = []
    for (arch, n, B), (best, median, runs, cpu) in best_of.items():
        rows.append((arch, n, B, 1e3 * best, 1e3 * median, runs, 1e3 * cpu))
        print(f"{arch:5} {n:5d} {B:3d} {1e3 * cpu:10.3f} {1e3 * best:10.3f} "
              f"{1e3 * median:10.3f} {runs:4d}", flush=True)
    if opt["o"]:
        with open(opt["o"], "w") as f:
            f.write(f"# torch_bench: PyTorch {torch.__version__}, float64, one thread, T = {T}\n")
            f.write("# arch n B best_ms median_ms runs cpu_ms (best and median wall-clock, best CPU time)\n")
            for r in rows:
                f.write("%s %d %d %.6g %.6g %d %.6g\n" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
