#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# graphs.sh BUILD_DIR OUT [NN...] — the diagrams of the unrolled
# computational graph that lessons 1, 4, 9, 10 and 11 show (or those of the
# lessons NN given), drawn by Graphviz from `bptt graph` as OUT/NAME.png and
# .svg beside their DOT source; a small model and data are made here
# (OUT/graph-*). OUT/graphs.txt lists them for the gallery (scripts/index.sh):
# one line NAME|takeaway|caption each. The SVG is cairo's, its text drawn
# as outlines: browsers place the sub- and superscripts of Graphviz's own
# SVG text wrongly.
set -u
B=${1:-build}
out=${2:-plots/out}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
want=" $* "
mkdir -p "$out"
bptt=./bptt
[ "$B" = build ] || bptt=$B/bptt
gw="$out/graph"
: > "$out/graphs.txt"
# graph NAME TAKEAWAY CAPTION -- BPTT-GRAPH-ARGS...
graph() {
	name=$1 take=$2 cap=$3; shift 4
	[ "$want" = "  " ] || case $want in *" ${name%%_*} "*) ;; *) return 0 ;; esac
	if ! "$bptt" graph "$@" -o "$out/$name.dot" 2> "$out/graph.err" ||
	   ! dot -Tpng -Gdpi=96 "$out/$name.dot" -o "$out/$name.png" 2>> "$out/graph.err" ||
	   ! dot -Tsvg:cairo "$out/$name.dot" -o "$out/$name.svg" 2>> "$out/graph.err" ||
	   [ -s "$out/graph.err" ]; then
		echo "bptt graph or dot failed on $name:"; cat "$out/graph.err"; exit 1
	fi
	echo "$name|$take|$cap" >> "$out/graphs.txt"
}
for a in rnn gru lstm; do
	"$bptt" init --arch $a --input 2 --hidden 8 --output 1 --seed 1 -o "$gw-$a.model" || exit 1
done
"$bptt" data --input 2 --output 1 --length 6 --seed 2 -o "$gw.data" || exit 1
graph 01_bptt_graph "Backpropagation walks this graph from every ℓ_t back along the arrows." \
	"The RNN unrolled over T = 6 steps (bptt graph): the same W, U, V at every step; each h_t shows ‖∂L/∂h_t‖ on these data, darker where larger." \
	-- --model "$gw-rnn.model" --data "$gw.data"
graph 04_tbptt_blind_graph "Truncation cuts the graph: a loss term sees only its last k states." \
	"Truncated BPTT with k = 3 over T = 8 steps (bptt graph --truncate 3): the windows of ℓ_8, ℓ_5, ℓ_2 are boxed; the dashed edge before each is where that term's gradient stops." \
	-- --arch rnn --length 8 --truncate 3
graph 09_gru_graph "The GRU's (1 − z) ⊙ h_{t−1} edge is a path around the candidate and its weights." \
	"The GRU unrolled over 6 steps (bptt graph): h_{t−1} reaches h_t through the candidate h̃_t (W_h, reset gate r) and directly, scaled by 1 − z_t; shaded by ‖∂L/∂h_t‖." \
	-- --model "$gw-gru.model" --data "$gw.data"
graph 10_lstm_graph "The cell state c_t carries the gradient from step to step through f ⊙ alone." \
	"The LSTM unrolled over 6 steps (bptt graph): the row of c_t (the carousel, c_{t−1} → c_t through f_t only) under the row of h_t; each node shaded by its part of ∂L/∂s_t, s_t = [h_t; c_t]: that of c_6 is exactly 0, since the readout reads h_6 only and no step follows." \
	-- --model "$gw-lstm.model" --data "$gw.data"
graph 11_attention_graph "Attention adds an edge from every past input straight to each output." \
	"The RNN with attention unrolled over 5 steps (bptt graph): the orange edges x_j → ŷ_t (j ≤ t), the scores and context, skip the recurrence, so no truncation of the W path cuts them." \
	-- --arch attention --length 5
rm -f "$out/graph.err"
