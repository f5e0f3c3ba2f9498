#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# install.sh — make install into a temporary DESTDIR; the example program
# builds against the installed library with nothing but
# `pkg-config --cflags --libs bptt` (and -Wall -Wextra -Werror) and runs,
# linked to the shared library (its soname) and, through the variable
# static_libs of bptt.pc, to the static one; bptt --version works; make
# uninstall removes exactly what was installed.
set -u
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
before=$(mktemp); after=$(mktemp)
if make -s install DESTDIR="$d/root" PREFIX=/opt/bptt > "$d/log" 2>&1; then ok "make install into DESTDIR"; else
	bad "make install into DESTDIR" "$(tail -3 "$d/log")"; echo "install: $passed passed, $failed failed"; exit 1; fi
(cd "$d/root" && find . ! -type d | sort) > "$before"
version=$(sed -n 's/^#define BT_VERSION "\(.*\)"/\1/p' src/bt.h)
for f in opt/bptt/bin/bptt opt/bptt/lib/libbptt.a opt/bptt/lib/libbptt.so.$version opt/bptt/include/bptt/bt.h opt/bptt/lib/pkgconfig/bptt.pc \
	 opt/bptt/share/bptt/examples/gradient.c opt/bptt/share/man/man1/bptt.1 opt/bptt/share/man/man5/bptt-files.5 \
	 opt/bptt/share/bash-completion/completions/bptt; do
	[ -s "$d/root/$f" ] && ok "installed $f" || bad "installed $f"
done
lib=$d/root/opt/bptt/lib
soname=$(readelf -d "$lib/libbptt.so.$version" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case $soname in
libbptt.so.[0-9]*) ok "the shared library's soname is $soname" ;;
*) bad "the shared library's soname" "'$soname'" ;;
esac
[ "$(readlink "$lib/$soname")" = "libbptt.so.$version" ] && [ "$(readlink "$lib/libbptt.so")" = "$soname" ] \
	&& ok "links $soname and libbptt.so" || bad "links $soname and libbptt.so"
ls "$d/root/opt/bptt/share/bptt/lessons/"*.md > /dev/null 2>&1 && ok "lesson texts installed" || bad "lesson texts installed"
ls "$d/root/opt/bptt/share/bptt/plots/"*.gp > /dev/null 2>&1 && ok "gnuplot scripts installed" || bad "gnuplot scripts installed"
export PKG_CONFIG_PATH="$d/root/opt/bptt/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d/root"
flags=$(pkg-config --cflags --libs bptt 2>&1) && ok "pkg-config --cflags --libs bptt" || bad "pkg-config" "$flags"
[ "$(pkg-config --modversion bptt)" = "$("$d/root/opt/bptt/bin/bptt" --version | sed -n '1s/^bptt //p')" ] \
	&& ok "pkg-config version equals bptt --version" || bad "versions differ"
if cc -std=c11 -Wall -Wextra -Werror "$d/root/opt/bptt/share/bptt/examples/gradient.c" $flags -o "$d/gradient" 2> "$d/cc.err"; then
	ok "the example compiles against the installed library with -Werror"
	readelf -d "$d/gradient" | grep -q "NEEDED.*\[$soname\]" && ok "it is linked to $soname" \
		|| bad "it is linked to $soname" "$(readelf -d "$d/gradient" | grep NEEDED)"
	if LD_LIBRARY_PATH=$lib "$d/gradient" > "$d/run.out" 2>&1 && grep -q "check" "$d/run.out"; then ok "the example runs"; else
		bad "the example runs" "$(tail -3 "$d/run.out")"; fi
else
	bad "the example compiles" "$(head -5 "$d/cc.err")"
fi
unset PKG_CONFIG_SYSROOT_DIR
static=$(pkg-config --define-variable=prefix=/opt/bptt --variable=static_libs bptt | sed "s|/opt/bptt/|$d/root/opt/bptt/|g")
if cc -std=c11 -Wall -Wextra -Werror "$d/root/opt/bptt/share/bptt/examples/gradient.c" -I"$d/root/opt/bptt/include/bptt" \
	$(pkg-config --cflags-only-other bptt) $static -o "$d/gradient-static" 2> "$d/cc.err"; then
	! readelf -d "$d/gradient-static" | grep -q 'NEEDED.*libbptt' && "$d/gradient-static" 2>&1 | grep -q check \
		&& ok "with static_libs of bptt.pc the example links the static library and runs" \
		|| bad "the example linked with static_libs" "$(readelf -d "$d/gradient-static" | grep NEEDED)"
else
	bad "the example compiles with static_libs" "$(head -5 "$d/cc.err")"
fi
unset PKG_CONFIG_PATH
# the Python package of share/bptt/python finds the installed libbptt.so
py=/usr/bin/python3; [ -x "$py" ] || py=python3
if "$py" -c 'import numpy' 2> /dev/null; then
	out=$(cd "$d" && env -u BPTT_LIBRARY PYTHONPATH="$d/root/opt/bptt/share/bptt/python" "$py" -c \
		'import bptt; m = bptt.Model.init("lstm", 3, 8, 2); print(bptt.library_path, bptt.grad(m, bptt.Data.random(3, 2, 50)).loss > 0)' 2>&1)
	[ "$out" = "$d/root/opt/bptt/lib/libbptt.so.$version True" ] && ok "the installed Python package uses the installed library" \
		|| bad "the installed Python package" "$out"
else
	echo "# skipped: the installed Python package (no NumPy for $py)"
fi
if make -s uninstall DESTDIR="$d/root" PREFIX=/opt/bptt > "$d/log" 2>&1; then ok "make uninstall"; else bad "make uninstall" "$(tail -3 "$d/log")"; fi
left=$(cd "$d/root" && find . ! -type d | sort)
[ -z "$left" ] && ok "uninstall removes every installed file" || bad "uninstall left files" "$left"
echo "install: $passed passed, $failed failed"
[ "$failed" = 0 ]
