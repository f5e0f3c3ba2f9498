#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# adding-table.sh [BPTT] — which architecture learns the adding problem:
# every architecture of the registry trained with `bptt train` at T = 50,
# 100 and 200 with one shared setting, two trainings at a time. Prints
# each command (copy any line to rerun it), then a Markdown table of the
# steps (sequences seen, seconds) to a held-out MSE below 0.01. Writes the
# learning curves to plots/out/adding-table/ and all of them, evaluated
# rows only, to plots/out/adding-table.dat, and draws
# plots/out/adding-table.png and .svg (plots/adding-table.gp).
# `make table` runs it; it is not part of `make check` or `make plots`.
# To try things: LENGTHS="50 100", ARCHS="gru lstm", STEPS=1000 and JOBS=1
# in the environment (the README's table is with none of them set).
set -eu
BPTT=${1:-./bptt}
out=plots/out
dir=$out/adding-table
mkdir -p "$dir"
LENGTHS=${LENGTHS:-"50 100 200"}
ARCHS=${ARCHS:-$(sed -n 's/^[[:space:]]*&bt_cell_\([a-z_]*\),$/\1/p' src/cells/registry.c)}
JOBS=${JOBS:-2}
# The shared setting: the same for every architecture and every T.
HIDDEN=16 BATCH=32 LR=0.01 CLIP=1 EVAL=50 TARGET=0.01
STEPS=${STEPS:-3000}
settings="--hidden $HIDDEN --batch $BATCH --optimizer adam --lr $LR --clip-norm $CLIP --steps $STEPS --eval-every $EVAL --target-mse $TARGET"

start=$(date +%s)
: > "$dir/commands"
for T in $LENGTHS; do
	for a in $ARCHS; do
		echo "$BPTT train --task adding --length $T --arch $a $settings --curve $dir/$a-$T.dat -o $dir/$a-$T.model --quiet" >> "$dir/commands"
	done
done
echo "Training $(wc -l < "$dir/commands") models, $JOBS at a time (each stops at held-out MSE < $TARGET or after $STEPS steps):"
sed 's/^/    /' "$dir/commands"
# each line is one command; a failure stops the table
tr '\n' '\0' < "$dir/commands" | xargs -0 -P "$JOBS" -n 1 sh -c '$0 && echo "  done: $(echo "$0" | sed "s/.*--length \([0-9]*\) --arch \([a-z]*\) .*/\2, T = \1/")" >&2'
secs=$(( $(date +%s) - start ))

# One cell per run: the first evaluation below the target (step, sequences,
# seconds), or the best MSE and the steps done.
cell() {
	awk -v target="$TARGET" '!/^#/ && $4 != "NaN" {
		if (!hit && $4 < target) { hit = 1; s = $1; e = $2; t = $7 }
		if (best == "" || $4 < best) best = $4
		last = $1 }
	END {
		if (hit) printf "**%d** (%d seq., %.1f s)", s, e, t
		else printf "not learned (best %.3f after %d)", best, last
	}' "$1"
}
echo
echo "Steps to a held-out MSE below $TARGET on the adding problem (sequences seen, seconds);"
echo "n = $HIDDEN, batch $BATCH, Adam lr $LR, clip-norm $CLIP, at most $STEPS steps, held-out MSE on 256 sequences every $EVAL steps:"
echo
printf '| arch |'; for T in $LENGTHS; do printf ' T = %s |' "$T"; done; echo
printf '|---|'; for T in $LENGTHS; do printf -- '---|'; done; echo
for a in $ARCHS; do
	printf '| `%s` |' "$a"
	for T in $LENGTHS; do printf ' %s |' "$(cell "$dir/$a-$T.dat")"; done
	echo
done
echo
echo "$(wc -l < "$dir/commands") trainings in ${secs} s of wall time, $JOBS at a time."

# All curves in one file, evaluated rows only, one dataset per run
# ("lstm-50"), and the runs' names for the figure.
{
	echo "# runs"
	echo "# T arch"
	for T in $LENGTHS; do for a in $ARCHS; do echo "$T $a"; done; done
	printf '\n\n# settings\n'
	echo "# hidden batch lr clip_norm steps eval_every target_mse baseline_mse"
	echo "$HIDDEN $BATCH $LR $CLIP $STEPS $EVAL $TARGET 0.16666666666666666"
	for T in $LENGTHS; do
		for a in $ARCHS; do
			printf '\n\n# %s-%s\n# step examples heldout_mse seconds\n' "$a" "$T"
			awk '!/^#/ && $4 != "NaN" { print $1, $2, $4, $7 }' "$dir/$a-$T.dat"
		done
	done
} > "$out/adding-table.dat.tmp"
mv "$out/adding-table.dat.tmp" "$out/adding-table.dat"
for fmt in png svg; do
	if ! gnuplot -e "fmt='$fmt'" plots/adding-table.gp 2> "$dir/gnuplot.err" || [ -s "$dir/gnuplot.err" ]; then
		echo "gnuplot failed or warned on plots/adding-table.gp ($fmt):"; cat "$dir/gnuplot.err"; exit 1
	fi
done
rm -f "$dir/gnuplot.err"
echo "Curves: $out/adding-table.dat; figure: $out/adding-table.png and .svg"
