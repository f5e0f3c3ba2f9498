#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh — a short tour of the command (make demo), every bptt command shown
# before it runs: bptt init and data make a model and a sequence, bptt grad
# writes the exact gradient, bptt check compares it with finite differences,
# and bptt flow --lags measures, for four models, how the gradient of the
# last loss term shrinks or grows with the lag: one figure, vanishing and
# exploding side by side. Everything goes to plots/out/demo/, with a page
# (index.html) that shows the commands, the figure and its caption.
set -eu
out=plots/out/demo
mkdir -p "$out"
B=./bptt
T=60
log=$out/commands.txt
: > "$log"
# bptt ARGS…: shows the command (as a reader would type it), then runs it
bptt() {
	echo "\$ bptt $*" | tee -a "$log"
	"$B" "$@"
}

echo "== a tanh RNN (d = 3, n = 16, m = 2) and T = $T random steps"
bptt init --arch rnn --input 3 --hidden 16 --output 2 --seed 1 -o "$out/model.txt"
bptt data --input 3 --output 2 --length $T --seed 2 -o "$out/data.txt"
bptt grad --model "$out/model.txt" --data "$out/data.txt" -o "$out/grad.txt"
echo "   the gradient is in $out/grad.txt (loss $(sed -n 's/^loss //p' "$out/grad.txt" | head -1))"
echo
echo "== the exact gradient against finite differences, block by block"
bptt check --model "$out/model.txt" --data "$out/data.txt"
echo

echo "== four models: how much of the last loss term reaches tau steps back"
# name|label|init options: a tanh RNN that vanishes, one at the edge, a
# linear RNN that explodes, a residual RNN that keeps the gradient
printf '# param T = %s\n' "$T" > "$out/flow.tmp"
first=1
for spec in "rnn-0.5|tanh RNN, s = 0.5|--arch rnn --orthogonal --scale 0.5" \
	"rnn-1.5|tanh RNN, s = 1.5|--arch rnn --orthogonal --scale 1.5" \
	"linear-1.1|linear RNN, s = 1.1|--arch rnn --activation identity --orthogonal --scale 1.1" \
	"residual-0.5|residual tanh RNN, s = 0.5|--arch residual --orthogonal --scale 0.5"; do
	name=${spec%%|*}; rest=${spec#*|}; label=${rest%%|*}; opts=${rest#*|}
	# shellcheck disable=SC2086 # the options are words
	bptt init $opts --input 3 --hidden 16 --output 2 --seed 3 -o "$out/model-$name.txt"
	bptt flow --model "$out/model-$name.txt" --data "$out/data.txt" --lags -o "$out/flow-$name.txt"
	[ $first = 1 ] || printf '\n\n' >> "$out/flow.tmp"
	first=0
	printf '# %s\n# label: %s\n# tau t log10_dh\n' "$name" "$label" >> "$out/flow.tmp"
	# the lag profile: |d l_T/dh_{T-tau}| of the last loss term
	awk '/^# lag_profile/ { on = 1; next } /^# lag_gradient/ { on = 0 }
		on && $1 !~ /^#/ && NF { print $1, $2, $3 }' "$out/flow-$name.txt" >> "$out/flow.tmp"
done
mv "$out/flow.tmp" "$out/flow.dat"
gnuplot -e "outdir='$out'" plots/flow.gp
echo "   figure: $out/flow.png"
caption=$(sed -n 's/^# caption: //p' plots/flow.gp)
echo "   $caption"

# the page: the commands, the figure, its caption
esc() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
{
	cat <<'HEAD'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bptt: a tour of the command</title>
<style>
body { font-family: sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
pre { background: #f4f4f4; padding: .8em; overflow-x: auto; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>bptt: a tour of the command</h1>
<p>What <code>make demo</code> ran, in order (files in <code>plots/out/demo/</code>):</p>
<pre>
HEAD
	esc < "$log"
	echo "</pre>"
	echo "<figure><img src=\"flow.png\" alt=\"log10 of |dl_T/dh_(T-tau)| against the lag tau for four models\">"
	echo "<figcaption>$(echo "$caption" | esc)</figcaption></figure>"
	echo "</body></html>"
} > "$out/index.html"
rm -f "$log"
echo "   page: $out/index.html"
