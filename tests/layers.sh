#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# layers.sh BUILD_DIR — the layers of src/ depend one way only.
#
#   base < cells < core < io, inspect < train < cli
#
# A file may use its own layer and the layers below it: io and inspect
# share a rank and do not use each other. Checked two ways: every
# #include "…" of src/LAYER/*.[ch] names a header of its layer or below
# (or the public bt.h), and every symbol an object of BUILD_DIR/src/
# uses (nm -u) is defined in its layer or below. And no files use each
# other in a circle (tsort over the files' symbol references).
set -u
B=${1:-build}
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

rank() {
	case $1 in
	base) echo 0 ;; cells) echo 1 ;; core) echo 2 ;; io | inspect) echo 3 ;;
	train) echo 4 ;; cli) echo 5 ;; *) echo 99 ;;
	esac
}
# may FROM_LAYER use TO_LAYER?
allowed() {
	[ "$1" = "$2" ] && return 0
	local a b; a=$(rank "$1"); b=$(rank "$2")
	[ "$b" -lt "$a" ]
}

# every folder of src/ has a rank
unknown=""
for d in src/*/; do d=${d%/}; d=${d#src/}; [ "$(rank "$d")" = 99 ] && unknown="$unknown $d"; done
stray=$(find src -maxdepth 1 -name '*.c')
[ -z "$unknown" ] && [ -z "$stray" ] && ok "every file of src/ is in a layer folder" ||
	bad "every file of src/ is in a layer folder" "folders without a rank:$unknown; files outside the layers: $stray"

# includes
up=""
for f in src/*/*.[ch]; do
	from=$(echo "$f" | cut -d/ -f2)
	while read -r inc; do
		[ "$inc" = bt.h ] && continue
		case $inc in
		*/*) to=${inc%%/*} ;;
		*) to=$from ;;   # a header beside the file
		esac
		if [ ! -f "src/$inc" ] && [ ! -f "$(dirname "$f")/$inc" ]; then
			up="$up
$f includes \"$inc\", which is not a header of src/"
		elif ! allowed "$from" "$to"; then
			up="$up
$f ($from) includes $inc ($to)"
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
[ -z "$up" ] && ok "every #include names a header of the file's layer or below" ||
	bad "every #include names a header of the file's layer or below" "${up#?}"

# symbols: who defines what
objs=$(find "$B/src" -mindepth 2 -name '*.o' | sort)   # (a flat object is a stale one)
if [ -z "$objs" ]; then
	bad "objects under $B/src" "build first (make)"
	echo "layers: $passed passed, $failed failed"; exit 1
fi
for o in $objs; do
	nm --defined-only -g "$o" 2>/dev/null | awk -v o="$o" 'NF >= 3 { print $3, o }'
done | sort -k1,1 > "$tmp/defs"
: > "$tmp/edges"
for o in $objs; do
	nm -u "$o" 2>/dev/null | awk '{ print $NF }' | sort -u | join - "$tmp/defs" |
		awk -v o="$o" '$2 != o { print o, $2, $1 }' >> "$tmp/edges"
done
layer_of() { echo "${1#"$B"/src/}" | cut -d/ -f1; }
name_of() { echo "${1#"$B"/}" | sed 's/\.o$/.c/'; }
up=""
while read -r user def sym; do
	lu=$(layer_of "$user"); ld=$(layer_of "$def")
	allowed "$lu" "$ld" || up="$up
$(name_of "$user") ($lu) calls $sym of $(name_of "$def") ($ld)"
done < "$tmp/edges"
[ -z "$up" ] && ok "no object uses a symbol of a layer above it or beside it" ||
	bad "no object uses a symbol of a layer above it or beside it" "$(echo "${up#?}" | head -40)"

# circles between files
awk '{ print $2, $1 }' "$tmp/edges" | sort -u > "$tmp/pairs"
if tsort "$tmp/pairs" > /dev/null 2> "$tmp/loops"; then
	ok "no files use each other in a circle"
else
	bad "no files use each other in a circle" "$(grep -v '^tsort: -: input contains a loop:' "$tmp/loops" |
		sed "s|^tsort: ||; s|$B/||" | head -20)"
fi

echo "layers: $passed passed, $failed failed"
[ "$failed" = 0 ]
