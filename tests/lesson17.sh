#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lesson17.sh BUILD_DIR — every number that lessons/17_charlm.md and
# lessons/teacher/17_charlm.md quote, against a fresh run of the lesson.
# Each check names a run (a set of knobs), where the number is in its
# printed output (a table row and column, or a sed pattern), the number as
# the texts quote it (at the printed precision: the comparison is of the
# printed strings), and the phrase of a text that quotes it; it fails when
# the program prints something else or the text no longer says it.
# Prints "ok - …"/"not ok - …" and "lesson17: N passed, M failed".
set -u
B=${1:-build}
bin=$B/lessons/17_charlm
md=lessons/17_charlm.md
guide=lessons/teacher/17_charlm.md
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the runs the texts quote. Every estimator is trained from the same
# initialisation on its own, the bias table is measured at full BPTT's
# model, and the sample comes from that model with its own seed: so a run
# with --only prints exactly the rows of the full command that it keeps
# (and --draws/--bias-seqs change only the bias table), which the cheaper
# runs below use.
declare -A knobs=(
	[default]=""
	[long]="--steps 800 --every 100"
	[seed2]="--steps 800 --every 100 --seed 2 --only window"
	[k10]="--k 10 --k1 10 --k2 25 --only full"
	[k10cost]="--k 10 --k1 10 --k2 25 --steps 1 --draws 1 --bias-seqs 1 --sample 1"
	[cold]="--temperature 0.3 --only full --draws 1 --bias-seqs 1"
	[hot]="--temperature 1.5 --only full --draws 1 --bias-seqs 1"
)
for r in default long seed2 k10 k10cost cold hot; do
	mkdir -p "$tmp/$r"
	# shellcheck disable=SC2086 # knobs are words
	if ! nice "$bin" ${knobs[$r]} --out "$tmp/$r" > "$tmp/$r.txt" 2> "$tmp/$r.err"; then
		bad "17_charlm ${knobs[$r]} runs" "$(tail -3 "$tmp/$r.err")"
	fi
done

# train RUN KEY COLUMN: the training table (after "bwd/seq"); bias RUN KEY
# COLUMN: the gradient table (after "rel. error"); the row whose first
# word is KEY
train() { awk -v k="$2" -v c="$3" '/bwd\/seq  held-out/ { on = 1; next } on && $1 == k { print $c; exit }' "$tmp/$1.txt"; }
bias() { awk -v k="$2" -v c="$3" '/rel\. error/ { on = 1; next } on && $1 == k { print $c; exit }' "$tmp/$1.txt"; }
line() { sed -n "$2" "$tmp/$1.txt" | head -1; }

# check WHAT GOT WANT FILE PHRASE: the program printed WANT (as GOT) and FILE
# contains PHRASE, which quotes it
check() {
	local what=$1 got=$2 want=$3 file=$4 phrase
	phrase=$(printf '%s' "$5" | sed 's/  */ /g')
	if [ "$got" != "$want" ]; then
		bad "$what: the lesson prints '$got', $file quotes '$want'"
	elif ! tr '\n' ' ' < "$file" | sed 's/  */ /g' | grep -qF -- "$phrase"; then
		bad "$what: $file no longer says '$phrase'"
	else
		ok "$what = $want ($file)"
	fi
}

# --- the default run: the text, the yardsticks, the training table
check "characters" "$(line default 's/^The text: LICENSE, \([0-9]*\) characters.*/\1/p')" 34284 $md "(the GPL, 34284 characters"
check "symbols" "$(line default 's/.* vocabulary of \([0-9]*\) symbols.*/\1/p')" 38 $md "for everything else, 38 in all"
check "training sequences" "$(line default 's/.* give \([0-9]*\) training sequences.*/\1/p')" 617 $md "617 training sequences"
check "held-out sequences" "$(line default 's/.* give \([0-9]*\) held-out ones.*/\1/p')" 68 $md "into 68 held-out ones"
check "no memory" "$(line default 's/.*frequencies) \([0-9.]*\), one.*/\1/p')" 4.358 $md "needs 4.358 bpc"
check "one character" "$(line default 's/.*(pairs) \([0-9.]*\)\..*/\1/p')" 3.625 $md "(pair frequencies) 3.625"
check "untrained" "$(line default 's/^Before training: \([0-9.]*\) bpc.*/\1/p')" 5.241 $md "from the untrained model's 5.241"
check "log2 38" "$(line default 's/.*log2 38 = \([0-9.]*\)).*/\1/p')" 5.248 $guide "log2 38 = 5.248"
check "window steps" "$(train default window 2)" 240 $md "Σ_t min(k, t) = 240"
check "tbptt steps" "$(train default tbptt 2)" 170 $md "min(k2, t_e) = 170"
check "chunks steps" "$(train default chunks 2)" 50 $md "| 50 (k divides T) |"
for k in full window chunks tbptt artbp; do
	v=$(train default $k 3)
	check "default held-out $k" "$v" "$(awk -v k=$k '$1 == k && NF >= 5 && $2 ~ /^[0-9]+$/ { print $3; exit }' $md)" \
		$md "$(printf '%-7s %9s %9s' "$k" "$(train default $k 2)" "$v")"
done
check "lowest default held-out" "$(train default chunks 3)" 3.064 $md "(3.064 to 3.113)"
check "highest default held-out" "$(train default artbp 3)" 3.113 $md "(3.064 to 3.113)"

# --- the default run: the gradient table, every row as the text shows it
for k in window chunks tbptt artbp artbp-mean; do
	check "default bias $k" "$(bias default $k 2) $(bias default $k 3)" \
		"$(awk -v k=$k '$1 == k && $2 ~ /^0\.[0-9][0-9][0-9][0-9]$/ { print $2, $3; exit }' $md)" \
		$md "$(printf '%-12s %10s %10s' "$k" "$(bias default $k 2)" "$(bias default $k 3)")"
done
for k in random random-mean; do
	check "default bias $k" "$(bias default $k 2)" "$(awk -v k=$k '$1 == k && $2 ~ /^0\.[0-9][0-9][0-9][0-9]$/ { print $2; exit }' $md)" \
		$md "$(printf '%-12s %10s' "$k" "$(bias default $k 2)")"
done
check "window bias" "$(bias default window 2)" 0.0944 $md "**The sliding window** (0.0944)"
check "chunks bias" "$(bias default chunks 2)" 0.2699 $md "truncation** (0.2699)"
check "tbptt bias" "$(bias default tbptt 2)" 0.0005 $md "almost exact (0.0005)"
check "artbp one draw" "$(bias default artbp 2)" 0.3726 $md "truncation** (0.3726)"
check "artbp 32 draws" "$(bias default artbp-mean 2)" 0.0572 $md "32 draws is at 0.0572"
check "random 32 draws" "$(bias default random-mean 2)" 0.1817 $md "draws stays at 0.1817"
check "artbp one draw (ex. 3)" "$(bias default artbp 2)" 0.3726 $md "relative error 0.3726, predict"
check "artbp 32 draws (ex. 3)" "$(bias default artbp-mean 2)" 0.0572 $md "compare with 0.0572"

# --- the samples (joined over their wrapped lines)
sample() { tr '\n' ' ' < "$tmp/$1.txt" | sed 's/  */ /g' | grep -o "$2" | head -1; }
check "default sample" "$(sample default 'redact and work and work')" "redact and work and work" $md '("redact and work and work")'
check "long sample" "$(sample long 'in the material modified other')" "in the material modified other" $md '("in the material modified other")'
check "cold sample" "$(sample cold 'the and the the and work work of the the source')" \
	"the and the the and work work of the the source" $guide '"the and the the and work work of the the source"'
check "hot sample" "$(sample hot 'nofiztt lodementlmded')" "nofiztt lodementlmded" $guide '"nofiztt lodementlmded"'

# --- the longer run (exercise 4)
check "long full" "$(train long full 3)" 2.788 $md "full BPTT to 2.788 held-out"
check "long tbptt" "$(train long tbptt 3)" 2.785 $md "TBPTT(5, 20) to 2.785"
check "long chunks" "$(train long chunks 3)" 2.820 $md "the chunks to 2.820"
check "long window" "$(train long window 3)" 2.836 $md "the window to 2.836"
check "long artbp" "$(train long artbp 3)" 2.837 $md "ARTBP to 2.837"
check "long full (guide)" "$(train long full 3) $(train long tbptt 3) $(train long chunks 3) $(train long window 3) $(train long artbp 3)" \
	"2.788 2.785 2.820 2.836 2.837" $guide "full BPTT 2.788, TBPTT(5, 20) 2.785, chunks 2.820, window 2.836, ARTBP 2.837"
check "long train" "$(train long full 5)" 2.025 $md "minibatches are at 2.025 bpc"
check "long train (guide)" "$(train long full 5)" 2.025 $guide "minibatches at 2.025 bpc against 2.788"
check "long window bias" "$(bias long window 2)" 0.2731 $md "the window's relative error is 0.2731"
check "long chunks bias" "$(bias long chunks 2)" 0.4866 $md "the chunks' 0.4866"
check "long artbp bias" "$(bias long artbp 2)" 0.5516 $md "one draw 0.5516"
check "long chunks cosine" "$(bias long chunks 3)" 0.8751 $md "cosine 0.8751 to the true one"
check "long chunks cosine (guide)" "$(bias long chunks 3)" 0.8751 $guide "cosine 0.8751 with the true one"
check "long bias (guide)" "$(bias long window 2) $(bias long chunks 2)" "0.2731 0.4866" $guide \
	"0.2731 (seed 1) and 0.3492 (seed 2), the chunks' 0.4866 and 0.5794"
check "seed 2 window" "$(train seed2 window 3)" 2.812 $md "the window is best at 2.812"
check "seed 2 full" "$(train seed2 full 3)" 2.849 $md "full BPTT ends at 2.849"
check "seed 2 (guide)" "$(train seed2 window 3) $(train seed2 full 3)" "2.812 2.849" $guide \
	"the window is best at 2.812 and full BPTT ends at 2.849"
check "seed 2 bias (guide)" "$(bias seed2 window 2) $(bias seed2 chunks 2)" "0.3492 0.5794" $guide \
	"0.2731 (seed 1) and 0.3492 (seed 2), the chunks' 0.4866 and 0.5794"
check "seed spread (guide)" "$(awk -v a="$(train long full 3)" -v b="$(train seed2 full 3)" 'BEGIN { printf "%.3f", b - a }')" \
	0.061 $guide "moves by 0.061 (2.788 against 2.849)"

# --- exercise 1: the counts for --k 10 --k1 10 --k2 25, and the bias there
check "k10 window steps" "$(train k10cost window 2)" 455 $guide "prints 455, 105 and 50"
check "k10 tbptt steps" "$(train k10cost tbptt 2)" 105 $guide "prints 455, 105 and 50"
check "k10 chunks steps" "$(train k10cost chunks 2)" 50 $guide "prints 455, 105 and 50"
check "k10 window bias" "$(bias default window 2) $(bias k10 window 2)" "0.0944 0.0105" $guide "from 0.0944 to 0.0105"
check "k10 chunks bias" "$(bias default chunks 2) $(bias k10 chunks 2)" "0.2699 0.1829" $guide "only from 0.2699 to 0.1829"
check "k10 bias (lesson)" "$(bias default window 2) $(bias k10 window 2) $(bias k10 chunks 2)" "0.0944 0.0105 0.1829" $md \
	"the window's relative error falls from 0.0944 to 0.0105 while the chunks' falls only to 0.1829"

# --- the guide's other quotes of the default run, and its arithmetic
check "untrained (guide)" "$(line default 's/^Before training: \([0-9.]*\) bpc.*/\1/p')" 5.241 $guide "untrained model's 5.241 bpc"
check "order (guide)" "$(bias default tbptt 2) $(bias default window 2) $(bias default chunks 2)" "0.0005 0.0944 0.2699" \
	$guide "TBPTT(5, 20) 0.0005, window 0.0944, chunks 0.2699"
check "artbp (guide)" "$(bias default artbp 2) $(bias default artbp-mean 2)" "0.3726 0.0572" $guide \
	"0.3726/√32 = 0.0659 for 32 draws; the run prints 0.0572"
check "random (guide)" "$(bias default random 2) $(bias default random-mean 2)" "0.2733 0.1817" $guide \
	"falls from 0.2733 (one draw) and stays near 0.1817 (32 draws)"
check "1/sqrt(32)" "$(awk -v e="$(bias default artbp 2)" 'BEGIN { printf "%.4f", e / sqrt(32) }')" 0.0659 $guide "0.3726/√32 = 0.0659"
check "Var w_5" "$(awk 'BEGIN { printf "%.3f", 1.25 ^ 5 - 1 }')" 2.052 $guide "1.25⁵ − 1 = 2.052"
check "Var w_20" "$(awk 'BEGIN { printf "%.2f", 1.25 ^ 20 - 1 }')" 85.74 $guide "1.25²⁰ − 1 = 85.74"

echo "lesson17: $passed passed, $failed failed"
[ "$failed" = 0 ]
