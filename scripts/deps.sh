#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# deps.sh build|plots|fuzz|coverage|torch — make sure the Debian packages bptt needs are there.
# As root, installs what is missing with apt-get; otherwise prints the one
# command that does and stops. `torch` is optional (make bench compares
# with PyTorch when it is there, and goes on without it).
set -u
# gnuplot is needed by the tests too: they render every figure once;
# valgrind runs the command's leak checks (tests/leaks.sh);
# libopenblas-serial-dev gives the command a single-threaded OpenBLAS to
# link statically (a faster start; the Makefile falls back without it).
pkgs="gcc make pkg-config libgsl-dev libopenblas-dev libopenblas-serial-dev check gnuplot-nox valgrind"
# make bench: PyTorch, for Debian's /usr/bin/python3 (optional)
if [ "${1:-build}" = torch ]; then
	pkgs="python3-torch"
	command -v dpkg-query >/dev/null 2>&1 || exit 0
fi
# the fuzzer is clang's libFuzzer
[ "${1:-build}" = fuzz ] && pkgs="$pkgs clang libclang-rt-dev"
# make coverage: gcov comes with gcc, gcovr writes the report
[ "${1:-build}" = coverage ] && pkgs="$pkgs gcovr"

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $pkgs; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
		case "$status" in
		*" installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
else
	# not Debian: trust pkg-config and the PATH
	pkg-config --exists gsl check 2>/dev/null || missing=" (gsl and check development files)"
	[ "${1:-build}" = plots ] && ! command -v gnuplot >/dev/null && missing="$missing gnuplot"
	if [ -n "$missing" ]; then
		echo "bptt needs:$missing; install them with your package manager" >&2
		exit 1
	fi
	exit 0
fi

[ -z "$missing" ] && exit 0
if [ "${1:-build}" = torch ]; then
	# optional: say so, try as root, never fail
	if [ "$(id -u)" = 0 ]; then
		echo "installing (optional, for the PyTorch comparison of make bench):$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			echo "apt-get could not install:$missing (optional: make bench goes on without PyTorch)" >&2
	else
		echo "optional: make bench compares with PyTorch when it is installed: sudo apt-get install -y$missing" >&2
	fi
	exit 0
fi
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
		echo "apt-get could not install:$missing" >&2
		exit 1
	}
else
	echo "bptt needs these Debian packages:$missing" >&2
	echo "install them with:" >&2
	echo "    sudo apt-get install -y$missing" >&2
	exit 1
fi
