#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# figures.sh BUILD_DIR — every lesson 01–12, 15 and 17 rerun with knobs other than its
# defaults (two sets each: more and fewer curves than the default, other
# sizes), its figures drawn as SVG: the legend (the <title> of each plotted
# element in gnuplot's SVG) lists exactly the datasets the knobs ask for, and
# the figure's title quotes the knob values. Also: a lesson and a figure
# script run from another directory, make fig's script, and a figure as a
# 16:9 PDF slide.
# Prints "ok - …"/"not ok - …" and "figures: N passed, M failed".
set -u
B=${1:-build}
B=$(cd "$B" && pwd)
root=$(pwd)
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# legend FILE.svg: the legend entries, one a line, sorted, without repeats
legend() {
	grep -o '<g id="gnuplot_plot_[0-9]*[a-z]*" ><title>[^<]*</title>' "$1" |
		sed 's/.*<title>\(.*\)<\/title>/\1/' | grep -v '^gnuplot_plot_' |
		sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' | LC_ALL=C sort -u
}
# text FILE.svg: every text of the figure, tags removed
text() { sed 's/<[^>]*>//g' "$1"; }

# case NAME LESSON "KNOBS" FIGURE PATTERN "TITLE TEXTS" ENTRY...: runs the
# lesson with KNOBS, draws FIGURE as SVG; the legend entries that match the
# grep pattern PATTERN must be exactly ENTRY..., and every |-separated text
# of TITLE TEXTS must appear in the figure.
case_() {
	local name=$1 lesson=$2 knobs=$3 fig=$4 pat=$5 texts=$6; shift 6
	local d=$tmp/$name
	mkdir -p "$d"
	# shellcheck disable=SC2086 # knobs are words
	if ! "$B/lessons/$lesson" $knobs --out "$d" > "$d/out.txt" 2>&1; then
		bad "$name: $lesson $knobs runs" "$(tail -3 "$d/out.txt")"; return
	fi
	if ! gnuplot -e "fmt='svg'; outdir='$d'" "plots/$fig.gp" 2> "$d/gp.err" || [ -s "$d/gp.err" ]; then
		bad "$name: plots/$fig.gp draws $lesson $knobs without a warning" "$(head -3 "$d/gp.err")"; return
	fi
	local want got
	want=$(printf '%s\n' "$@" | LC_ALL=C sort -u)
	got=$(legend "$d/$fig.svg" | grep -E -- "$pat")
	if [ "$got" = "$want" ]; then
		ok "$name: $fig's legend is exactly the $# datasets of $lesson $knobs"
	else
		bad "$name: $fig's legend for $lesson $knobs" "want [$(echo $want)], got [$(echo $got)]"
	fi
	local missing="" t
	local IFS='|'
	for t in $texts; do
		text "$d/$fig.svg" | grep -qF -- "$t" || missing="$missing '$t'"
	done
	unset IFS
	[ -z "$missing" ] && ok "$name: $fig's title quotes the knobs" || bad "$name: $fig lacks$missing"
}

case_ 01a 01_bptt "--time-hidden 8 --time-min 50 --time-max 200 --repeats 2" 01_bptt "." "n = 8|2 timed runs" \
	"BPTT: forward + backward (fastest run)" "BPTT, median run" "forward pass alone (fastest run)" \
	"forward, median run" "slope 1 (time ∝ T)" "states kept, T·n doubles (right axis)"
case_ 01b 01_bptt "--time-hidden 16 --time-min 64 --time-max 128 --repeats 1" 01_bptt "fastest" "n = 16|1 timed runs" \
	"BPTT: forward + backward (fastest run)" "forward pass alone (fastest run)"
case_ 02a 02_vanishing "--scales 0.3,0.95,2 --length 60" 02_vanishing "^s = " "T = 60" "s = 0.3" "s = 0.95" "s = 2"
case_ 02b 02_vanishing "--scales 1.2 --hidden 8 --length 40" 02_vanishing "^s = " "n = 8|T = 40" "s = 1.2"
case_ 03a 03_eigenvalues "--nonnormality 2 --radius 0.8 --length 60" 03_eigenvalues "W \(" "ρ = 0.8" \
	"non-normal W (c = 2)" "normal W (c = 0)"
case_ 03b 03_eigenvalues "--nonnormality 0.5 --hidden 8 --length 40" 03_eigenvalues_plane "W \(" "n = 8" \
	"non-normal W (c = 0.5)" "normal W (c = 0)"
case_ 04a 04_tbptt_blind "--truncate 3,10,30,60,90" 04_tbptt_blind "truncated|slope" "T = 100" \
	"truncated, k = 3" "truncated, k = 10" "truncated, k = 30" "truncated, k = 60" "truncated, k = 90" \
	"slope log10 s (W = s·Q)"
case_ 04b 04_tbptt_blind "--truncate 7 --arch attention --length 40 --hidden 8" 04_tbptt_blind "truncated|slope" \
	"attention, n = 8|T = 40" "truncated, k = 7"
case_ 05a 05_tbptt_bias "--a 0.3,0.6,0.7,0.95 --kmax 6 --sequences 8 --length 100 --datasets 2 --gru-length 20" \
	05_tbptt_bias "^a = " "8 sequences of 100 steps" "a = 0.3" "a = 0.6" "a = 0.7" "a = 0.95"
case_ 05b 05_tbptt_bias "--a 0.85 --kmax 4 --sequences 4 --length 80 --datasets 3 --gru-length 16 --hidden 4" \
	05_tbptt_bias_gru "." "n = 4, T = 16|over 3 random data sets" "sliding window" "chunks"
case_ 06a 06_clipping "--clip 0.5 --steps 80 --grid 30" 06_clipping "clipped" "80 steps" "clipped: |g| ≤ 0.5"
case_ 06b 06_clipping "--clip 2 --rate 0.05 --grid 20 --steps 50" 06_clipping_path "clipped|threshold" "η = 0.05" \
	"clipped at c = 2" "clipped (norm before clipping)" "threshold c = 2"
case_ 07a 07_residual "--scale 0.9 --length 80" 07_residual "." "max(W) = 0.9|T = 80" \
	"plain: Dt W" "residual: I + Dt W"
case_ 07b 07_residual "--orthogonal --scale 1.2 --every-step --length 60 --hidden 8" 07_residual_flow "." \
	"a loss at every step|s = 1.2, n = 8" "plain" "residual"
case_ 08a 08_orthogonal "--small 0.05 --large 3 --length 200" 08_orthogonal "." "T = 200" \
	"identity, same W" "tanh, small inputs (σx = 0.05)" "tanh, large inputs (σx = 3)"
case_ 08b 08_orthogonal "--small 0.2 --large 1 --hidden 8 --length 100" 08_orthogonal "tanh" "n = 8" \
	"tanh, small inputs (σx = 0.2)" "tanh, large inputs (σx = 1)"
case_ 09a 09_gru "--shift -2 --length 60" 09_gru "." "σ(-2)" "GRU, bz = -2" "GRU, bz = 0" "tanh RNN"
case_ 09b 09_gru "--shift -6 --hidden 8 --length 50" 09_gru_gates "σ|GRU" "n = 8" \
	"GRU, bz = -6" "GRU, bz = 0" "σ(-6) = 0.00247" "σ(0) = 0.5"
case_ 10a 10_lstm "--biases -2,0,1,3,5 --length 80" 10_lstm "^bf = " "T = 80" \
	"bf = -2" "bf = 0" "bf = 1" "bf = 3" "bf = 5"
case_ 10b 10_lstm "--biases 1 --hidden 8 --length 60" 10_lstm "^bf = " "n = 8" "bf = 1"
case_ 11a 11_attention "--truncate 5 --length 40" 11_attention "." "T = 40|k = 5" \
	"recurrent, full BPTT" "direct, full BPTT" "recurrent, truncated at k = 5" "direct, truncated at k = 5"
case_ 11b 11_attention "--truncate 20 --length 30 --hidden 8" 11_attention "truncated" "n = 8|k = 20" \
	"recurrent, truncated at k = 20" "direct, truncated at k = 20"
case_ 12a 12_lyapunov "--networks 2 --hidden 12 --length 120 --burn-in 20 --gmin 0.5 --gmax 1.5 --gstep 0.5 --compare 0.7,1.5" \
	12_lyapunov "^network" "2 random networks, n = 12" "network 1 (seed 1)" "network 2 (seed 2)"
case_ 12b 12_lyapunov "--networks 1 --hidden 10 --length 100 --burn-in 20 --gmin 0.5 --gmax 1 --gstep 0.5 --compare 0.5,1,2 --seed 4" \
	12_lyapunov_lags "measured" "n = 10, seed 4" "g = 0.5: measured" "g = 1: measured" "g = 2: measured"

case_ 17a 17_charlm "--steps 20 --every 10 --k 4 --k1 2 --k2 8 --c 0.5 --draws 4 --bias-seqs 4 --hidden 8 --sample 10" \
	17_charlm "BPTT|window|ARTBP" "n = 8|20 updates of 8 sequences" \
	"full BPTT" "sliding window k = 4" "chunks TBPTT(4, 4)" "TBPTT(2, 8)" "ARTBP c = 0.5"
case_ 17b 17_charlm "--arch rnn --length 30 --k 3 --c 0.3 --draws 8 --steps 10 --every 5 --hidden 8 --sample 10" \
	17_charlm_bias "." "a rnn language model|T = 30" "sliding window k = 3" "chunks TBPTT(3, 3)" "TBPTT(5, 20)" \
	"ARTBP c = 0.3" "random cuts, no 1/(1 − c)" "1/√r from one draw"

case_ 15a 15_regularise "--runs 2 --steps 200 --eval-every 20 --lambda 1 --length 20 --hidden 8" \
	15_regularise "median" "T = 20|λ = 1 (2 runs)" "plain, median" "penalty, median"
case_ 15b 15_regularise "--runs 3 --steps 100 --eval-every 50 --lambda 0.5 --length 12 --hidden 4" \
	15_regularise_jacobian "median" "T = 12, 3 runs" "at the start, median" \
	"plain, trained, median" "penalty λ = 0.5, trained, median" "penalty, trained, median"

# make fig's script: the lesson with knobs, then its figures
if OUT=$tmp/fig sh scripts/fig.sh "$B" 02 --scales 0.3,0.95,2 --length 30 > "$tmp/fig.txt" 2>&1 &&
	[ "$(legend "$tmp/fig/02_vanishing.svg" | grep '^s = ' | tr '\n' ' ')" = "s = 0.3 s = 0.95 s = 2 " ] &&
	[ -s "$tmp/fig/02_vanishing.png" ]; then
	ok "make fig F=02 ARGS=\"--scales 0.3,0.95,2\" draws the three scales"
else
	bad "make fig F=02 ARGS=\"--scales 0.3,0.95,2\" draws the three scales" "$(tail -3 "$tmp/fig.txt")"
fi

# from another directory: the lesson with a relative --out, the script by
# its path (it finds plots/common.gp beside itself)
mkdir -p "$tmp/elsewhere"
if (cd "$tmp/elsewhere" && "$B/lessons/02_vanishing" --length 20 --out data > /dev/null 2>&1 &&
	gnuplot -e "outdir='data'" "$root/plots/02_vanishing.gp" 2> err && [ ! -s err ] &&
	[ -s data/02_vanishing.png ]); then
	ok "a lesson and its figure script run from another directory"
else
	bad "a lesson and its figure script run from another directory" "$(head -3 "$tmp/elsewhere/err" 2>/dev/null)"
fi

# a slide: PDF, 16:9 (13.333 × 7.5 in = 960 × 540 pt)
d=$tmp/02a
if gnuplot -e "fmt='pdf'; outdir='$d'" plots/02_vanishing.gp 2> "$d/pdf.err" && [ ! -s "$d/pdf.err" ] &&
	head -c 5 "$d/02_vanishing.pdf" | grep -q '%PDF' &&
	grep -aq 'MediaBox \[ *0 0 9[56][0-9.]* 54[0-9.]* *\]' "$d/02_vanishing.pdf"; then
	ok "a figure as a 16:9 PDF slide"
else
	bad "a figure as a 16:9 PDF slide" "$(head -3 "$d/pdf.err")"
fi

echo "figures: $passed passed, $failed failed"
[ "$failed" = 0 ]
