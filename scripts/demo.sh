#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# demo.sh — a short tour of the command (make demo): bptt init, grad and check
# on generated models and data, and one figure of |dL/dh_t| over t.
set -eu
out=plots/out
mkdir -p "$out"
B=./bptt
T=60

echo "== a tanh RNN (d=3, n=16, m=2) on T=$T random steps"
$B init --arch rnn --input 3 --hidden 16 --output 2 --seed 1 -o "$out/demo_model.txt"
$B data --input 3 --output 2 --length $T --seed 2 -o "$out/demo_data.txt"
$B grad --model "$out/demo_model.txt" --data "$out/demo_data.txt" -o "$out/demo_grad.txt"
echo "   gradient written to $out/demo_grad.txt ($(sed -n 's/^loss //p' "$out/demo_grad.txt" | head -1) is the loss)"
echo
echo "== bptt check: the exact gradient against finite differences, block by block"
$B check --model "$out/demo_model.txt" --data "$out/demo_data.txt"
echo

echo "== |dL/dh_t| over t for four models (written to $out/flow.dat)"
: > "$out/flow.tmp"
for spec in "rnn-0.5 rnn 0.5" "rnn-1.0 rnn 1.0" "rnn-2.0 rnn 2.0" "linear-0.9 linear 0.9" "residual-0.5 residual 0.5"; do
	set -- $spec
	$B init --arch "$2" --input 3 --hidden 16 --output 2 --radius "$3" --seed 3 -o "$out/demo_$1.txt"
	[ -s "$out/flow.tmp" ] && printf '\n\n' >> "$out/flow.tmp"
	echo "# $1" >> "$out/flow.tmp"
	$B flow --model "$out/demo_$1.txt" --data "$out/demo_data.txt" >> "$out/flow.tmp"
	echo "   $1: done"
done
mv "$out/flow.tmp" "$out/flow.dat"
gnuplot plots/flow.gp
echo "   figure: $out/flow.png"
