#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# fig.sh BUILD_DIR NN [KNOBS...] — one lesson again with other knobs, then
# its figures (make fig F=NN ARGS="KNOBS"): runs BUILD_DIR/lessons/NN_name
# KNOBS --out plots/out (narration in plots/out/NN_name.txt) and draws every
# plots/NN_*.gp as PNG and SVG (and PDF with SLIDES=1); OUT=DIR writes
# there instead of plots/out. Example:
#     make fig F=02 ARGS="--scales 0.3,0.95,2"
set -u
B=${1:-build}
F=${2:-}
[ $# -ge 2 ] && shift 2
case $F in
[0-9][0-9]|[0-9][0-9]_*) ;;
*) echo "usage: make fig F=NN [ARGS=\"--knob value ...\"]  (NN: a lesson number, 01 to 17)" >&2; exit 2 ;;
esac
src=$(ls lessons/"${F%%_*}"_*.c 2>/dev/null | head -1)
[ -n "$src" ] || { echo "make fig: no lesson $F in lessons/" >&2; exit 2; }
l=$(basename "$src" .c)
out=${OUT:-plots/out}
mkdir -p "$out"
formats="png svg"
[ "${SLIDES:-0}" = 1 ] && formats="png svg pdf"
if ! "$B/lessons/$l" "$@" --out "$out" > "$out/$l.txt.tmp" 2>&1; then
	cat "$out/$l.txt.tmp" >&2; rm -f "$out/$l.txt.tmp"; exit 1
fi
mv "$out/$l.txt.tmp" "$out/$l.txt"
echo "$l $*: narration in $out/$l.txt"
for g in plots/"${l%%_*}"_*.gp; do
	for fmt in $formats; do
		gnuplot -e "fmt='$fmt'; outdir='$out'" "$g" 2> "$out/fig.err"
		rc=$?
		if [ "$rc" != 0 ] || [ -s "$out/fig.err" ]; then
			echo "gnuplot failed or warned on $g ($fmt):" >&2; cat "$out/fig.err" >&2; rm -f "$out/fig.err"; exit 1
		fi
	done
	echo "  $out/$(basename "$g" .gp).{$(echo $formats | tr ' ' ',')}"
done
rm -f "$out/fig.err"
