#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# speed.sh [BUILD_DIR] [BPTT] [OPTIONS] — the speed benchmark of `make bench`:
# PyTorch's times first (bench/torch_bench.py, with Debian's /usr/bin/python3,
# when it has torch), then bench_speed, which prints bptt's times, the BLAS
# ceiling, the ratios to PyTorch and the `bptt grad` process, and writes
# every figure as columns to BUILD_DIR/bench/speed.dat.
# OPTIONS (--arch, --n, --B, --T, --rounds) go to both programs. BENCH_FULL=1: more
# repeats (several minutes longer); BENCH_PYTHON: another Python than
# /usr/bin/python3. Never fails because PyTorch is missing.
set -u
b=${1:-build}
bptt=${2:-bptt}
[ $# -ge 2 ] && shift 2 || shift $#
quick=--quick
[ "${BENCH_FULL:-0}" = 1 ] && quick=
out=$b/bench
mkdir -p "$out/files"
torch=
py=${BENCH_PYTHON:-/usr/bin/python3}
if [ -x "$py" ] && "$py" -c 'import torch' 2>/dev/null; then
	# one thread for real: torch.set_num_threads(1) does not reach the
	# BLAS under Debian's torch (OpenBLAS with its own pool), which then
	# runs its products on every core
	if OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		"$py" bench/torch_bench.py $quick "$@" -o "$out/torch.dat"; then
		torch="--torch $out/torch.dat"
	else
		echo "bench/torch_bench.py failed: no PyTorch comparison"
	fi
	echo
else
	echo "PyTorch is not installed for $py: no comparison (install it with: apt-get install python3-torch)"
	echo
fi
case $bptt in /*) ;; *) bptt=./$bptt ;; esac
exec "./$b/bench/bench_speed" $quick $torch "$@" --bptt "$bptt" --dir "$out/files" -o "$out/speed.dat"
