#!/bin/sh
# deps.sh build|plots|fuzz|coverage — make sure the Debian packages bptt needs are there.
# As root, installs what is missing with apt-get; otherwise prints the one
# command that does and stops.
set -u
# gnuplot is needed by the tests too: they render every figure once;
# valgrind runs the command's leak checks (tests/leaks.sh).
pkgs="gcc make pkg-config libgsl-dev libopenblas-dev check gnuplot-nox valgrind"
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
