#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# plots.sh BUILD_DIR — the main job: runs every lesson (two at a time, the
# longest first; one line of progress each; the narration goes to
# plots/out/NN_name.txt), draws every figure with gnuplot as PNG and SVG
# (and as a 16:9 PDF slide with SLIDES=1), two at a time, and writes
# plots/out/index.html. A gnuplot warning fails it.
set -u
B=${1:-build}
out=plots/out
jobs=${JOBS:-2}
mkdir -p "$out"
formats="png svg"
[ "${SLIDES:-0}" = 1 ] && formats="png svg pdf"
start=$(date +%s)
# the lessons in reverse order: the slowest (the training of lesson 13) first
lessons=$(ls lessons/[0-9][0-9]_*.c 2>/dev/null | sed 's|lessons/||; s|\.c$||' | sort -r)
total=$(echo "$lessons" | grep -c . || true)
export B out total
if ! echo "$lessons" | xargs -P "$jobs" -n 1 sh -c '
	l=$1; t0=$(date +%s)
	if "$B/lessons/$l" --out "$out" > "$out/$l.txt" 2>&1; then
		printf "  %-24s ok (%ss; narration in %s/%s.txt)\n" "$l" $(( $(date +%s) - t0 )) "$out" "$l"
	else
		printf "  %-24s FAILED:\n" "$l"
		tail -5 "$out/$l.txt" | sed "s/^/    /"
		exit 255
	fi' sh; then
	echo "a lesson failed"; exit 1
fi
figs=$(ls plots/[0-9][0-9]_*.gp 2>/dev/null)
for g in $figs; do for fmt in $formats; do echo "$g $fmt"; done; done |
	xargs -P "$jobs" -n 2 sh -c '
	g=$1; fmt=$2; err=$out/$(basename "$g" .gp).$fmt.err
	if ! gnuplot -e "fmt='"'"'$fmt'"'"'; outdir='"'"'$out'"'"'" "$g" 2> "$err" || [ -s "$err" ]; then
		echo "gnuplot failed or warned on $g ($fmt):"; cat "$err"; rm -f "$err"; exit 255
	fi
	rm -f "$err"' sh || { echo "a figure failed"; exit 1; }

# The unrolled computational graphs of lessons 1, 4, 9, 10 and 11 (bptt
# graph, drawn by Graphviz), listed in plots/out/graphs.txt for the gallery.
sh scripts/graphs.sh "$B" "$out" || exit 1
sh scripts/index.sh "$out" > "$out/index.html.tmp" && mv "$out/index.html.tmp" "$out/index.html"
echo "$total lessons, $(echo "$figs" | grep -c .) figures ($formats) and $(grep -c . "$out/graphs.txt") graphs in $(( $(date +%s) - start ))s; open $out/index.html"
