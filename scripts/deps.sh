#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# deps.sh plots|check|coverage|python|torch — make sure the packages a make target
# needs are installed. On Debian and Ubuntu, as root, it installs what is
# missing with apt-get, a line per group of packages; otherwise it stops
# with the one `sudo apt-get install …` line that covers both `make plots`
# and `make check`. Elsewhere it checks pkg-config and the PATH and names
# what is missing (README.md gives the Fedora and Homebrew lines).
# `torch` is optional: make bench and the Python tests compare with PyTorch
# when it is there. `python` is for make python: NumPy (which make check
# needs too, for the Python tests), Jupyter's nbconvert with a python3
# kernel, and matplotlib for the notebooks.
set -u
what=${1:-check}

# Groups: "name|packages" (Debian package names).
g_compiler="the compiler|gcc libc6-dev make pkg-config"
g_libs="GSL and OpenBLAS|libgsl-dev libopenblas-dev libopenblas-serial-dev"
g_plot="gnuplot and Graphviz|gnuplot-nox graphviz"
g_test="the test tools (Check, valgrind, groff, man, xmllint, python3)|check valgrind groff-base man-db libxml2-utils python3"
g_fuzz="the fuzzer (clang's libFuzzer)|clang libclang-rt-dev"
g_numpy="NumPy (the Python tests)|python3-numpy"
g_python="Jupyter (nbconvert, a python3 kernel) and matplotlib|python3-nbconvert python3-ipykernel python3-matplotlib"
g_browser="a headless browser for the gallery's test (Chromium)|chromium"
case $what in
plots) groups="$g_compiler;$g_libs;$g_plot" ;;
check) groups="$g_compiler;$g_libs;$g_plot;$g_test;$g_fuzz;$g_numpy;$g_browser" ;;
coverage) groups="$g_compiler;$g_libs;$g_test;the coverage report|gcovr" ;;
python) groups="$g_compiler;$g_libs;$g_numpy;$g_python" ;;
torch) groups="PyTorch (optional, for make bench and the Python tests)|python3-torch" ;;
*) echo "usage: deps.sh plots|check|coverage|python|torch" >&2; exit 2 ;;
esac

# missing PACKAGES...: those not installed
missing() {
	for p in "$@"; do
		case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
		*" installed") ;;
		*) printf ' %s' "$p" ;;
		esac
	done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	# not Debian: trust pkg-config and the PATH
	need=""
	for c in cc make pkg-config; do command -v $c >/dev/null 2>&1 || need="$need $c"; done
	pkg-config --exists gsl 2>/dev/null || need="$need gsl"
	case $what in
	check) pkg-config --exists check 2>/dev/null || need="$need check"
		command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot"
		command -v dot >/dev/null 2>&1 || need="$need graphviz" ;;
	plots) command -v gnuplot >/dev/null 2>&1 || need="$need gnuplot"
		command -v dot >/dev/null 2>&1 || need="$need graphviz" ;;
	python) python3 -c 'import numpy, nbconvert, ipykernel' 2>/dev/null || need="$need numpy nbconvert ipykernel (python3)" ;;
	esac
	[ -z "$need" ] && exit 0
	[ "$what" = torch ] && exit 0
	echo "bptt needs:$need (README.md lists the packages for Fedora and macOS)" >&2
	exit 1
fi

# pkgs GROUP: the packages of a "name|packages" group
pkgs() { echo "${1#*|}"; }
# the groups one per line
lines() { echo "$groups" | tr ';' '\n'; }

# shellcheck disable=SC2046 # package names are words
all=$(lines | while read -r g; do missing $(pkgs "$g"); done)
[ -z "$all" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	if [ "$what" = torch ]; then
		echo "optional: make bench compares with PyTorch when it is installed: sudo apt-get install -y$all" >&2
		exit 0
	fi
	# one line for both commands
	both=""
	for g in "$g_compiler" "$g_libs" "$g_plot" "$g_test" "$g_fuzz" "$g_numpy" "$g_browser"; do
		# shellcheck disable=SC2046
		both="$both$(missing $(pkgs "$g"))"
	done
	[ "$what" = coverage ] && both="$both$(missing gcovr)"
	# shellcheck disable=SC2046
	[ "$what" = python ] && both="$both$(missing $(pkgs "$g_python"))"
	echo "bptt needs these Debian packages:$both" >&2
	echo "install them with (this covers both make plots and make check):" >&2
	echo "    sudo apt-get install -y$both" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp); trap 'rm -f "$log" "$log.groups"' EXIT
echo "updating the package lists (apt-get update)"
if ! apt-get update > "$log" 2>&1; then
	tail -n 5 "$log" >&2
	echo "apt-get update failed" >&2
	[ "$what" = torch ] && exit 0
	exit 1
fi
lines > "$log.groups"
while read -r g; do
	# shellcheck disable=SC2046
	need=$(missing $(pkgs "$g"))
	[ -z "$need" ] && continue
	t0=$(date +%s)
	echo "installing ${g%%|*}:$need"
	# shellcheck disable=SC2086
	if apt-get install -y --no-install-recommends $need < /dev/null > "$log" 2>&1; then
		echo "  done in $(( $(date +%s) - t0 )) s ($(grep -c '^Setting up' "$log") packages set up)"
	else
		tail -n 8 "$log" >&2
		if [ "$what" = torch ]; then
			echo "apt-get could not install:$need (optional: make bench goes on without PyTorch)" >&2
			exit 0
		fi
		echo "apt-get could not install:$need" >&2
		exit 1
	fi
done < "$log.groups"
exit 0
