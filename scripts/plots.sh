#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# plots.sh BUILD_DIR — the main job: runs every lesson (in order, one line
# of progress each; the narration goes to plots/out/NN_name.txt), draws every
# figure with gnuplot as PNG and SVG, and writes plots/out/index.html.
set -u
B=${1:-build}
out=plots/out
mkdir -p "$out"
lessons=$(ls lessons/[0-9][0-9]_*.c 2>/dev/null | sed 's|lessons/||; s|\.c$||')
total=$(echo "$lessons" | grep -c . || true)
i=0
start=$(date +%s)
for l in $lessons; do
	i=$((i + 1))
	t0=$(date +%s)
	if "$B/lessons/$l" --out "$out" > "$out/$l.txt" 2>&1; then
		printf '[%2d/%d] %-24s ok (%ss; narration in %s/%s.txt)\n' "$i" "$total" "$l" $(( $(date +%s) - t0 )) "$out" "$l"
	else
		printf '[%2d/%d] %-24s FAILED:\n' "$i" "$total" "$l"
		tail -5 "$out/$l.txt" | sed 's/^/    /'
		exit 1
	fi
done
figs=$(ls plots/[0-9][0-9]_*.gp 2>/dev/null)
for g in $figs; do
	for fmt in png svg; do
		if ! gnuplot -e "fmt='$fmt'" "$g" 2> "$out/gnuplot.err"; then
			echo "gnuplot failed on $g ($fmt):"; cat "$out/gnuplot.err"; exit 1
		fi
		if [ -s "$out/gnuplot.err" ]; then
			echo "gnuplot warned on $g ($fmt):"; cat "$out/gnuplot.err"; exit 1
		fi
	done
done
rm -f "$out/gnuplot.err"

# The unrolled computational graphs of lessons 1, 4, 9, 10 and 11 (bptt
# graph, drawn by Graphviz), listed in plots/out/graphs.txt for the gallery.
sh scripts/graphs.sh "$B" "$out" || exit 1
sh scripts/index.sh "$out" > "$out/index.html.tmp" && mv "$out/index.html.tmp" "$out/index.html"
echo "$total lessons, $(echo "$figs" | grep -c .) figures and $(grep -c . "$out/graphs.txt") graphs in $(( $(date +%s) - start ))s; open $out/index.html"
