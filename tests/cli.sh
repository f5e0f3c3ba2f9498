#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# cli.sh — end-to-end tests of the bptt command.
#
#     bash tests/cli.sh PATH_TO_BPTT
#
# Works in a mktemp -d directory (removed at the end), prints one line per
# test ("ok - name" / "not ok - name", with a "#" line saying why), then
# exactly one line "cli: N passed, M failed"; exits 1 if anything failed.
set -u

if [ $# -ne 1 ]; then
	echo "usage: bash tests/cli.sh PATH_TO_BPTT" >&2
	exit 2
fi
BPTT=$1
case $BPTT in
/*) ;;
*) BPTT=$PWD/$BPTT ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)   # the source tree (fuzz/ fixtures and regressions)
if [ ! -x "$BPTT" ]; then
	echo "cli.sh: $BPTT is not an executable" >&2
	echo "cli: 0 passed, 1 failed"
	exit 1
fi

TOP=$(mktemp -d "${TMPDIR:-/tmp}/bptt-cli.XXXXXX") || exit 1
trap 'rm -rf "$TOP"' EXIT
CAP=$TOP/cap          # captured stdout and stderr
WORK=$TOP/work        # the files the tests make
mkdir -p "$CAP" "$WORK"
OUT=$CAP/out
ERR=$CAP/err
cd "$WORK" || exit 1

passed=0
failed=0
why=""

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}
notok() {
	echo "not ok - $1"
	if [ -n "$why" ]; then
		printf '%s\n' "$why" | sed -e '/^$/d' -e 's/^/#   /'
	fi
	failed=$((failed + 1))
}
# result NAME: ok when the last test's why is empty.
result() {
	if [ -z "$why" ]; then ok "$1"; else notok "$1"; fi
	why=""
}
# run ARGS...: runs bptt; rc, $OUT, $ERR.
run() {
	"$BPTT" "$@" >"$OUT" 2>"$ERR"
	rc=$?
}
# need_rc WANT: appends to why when rc differs.
need_rc() {
	if [ "$rc" -ne "$1" ]; then
		why="${why}exit status $rc, want $1; stderr: $(head -c 400 "$ERR")
"
	fi
}
fail_why() {
	why="${why}$1
"
}

# Helpers below read files that a broken command may not have written; the
# test then fails on its own terms, without noise from grep, head or awk.
grep() { command grep -s "$@"; }
head() { command head "$@" 2>/dev/null; }
awk() { command awk "$@" 2>/dev/null; }

# ---- help -------------------------------------------------------------------

run --help
need_rc 0
[ -s "$OUT" ] || fail_why "bptt --help printed nothing on stdout"
result "bptt --help"

for sub in init data grad check flow jacobian; do
	run "$sub" --help
	need_rc 0
	grep -q -- "$sub" "$OUT" || fail_why "stdout does not mention $sub: $(head -c 200 "$OUT")"
	result "bptt $sub --help"
done

# Every line of every help is at most 80 characters (not bytes: the UTF-8
# continuation bytes are dropped before counting), the main help's and each
# subcommand's it lists.
subs=$("$BPTT" --help | sed -n 's/^  bptt \([a-z]*\) .*/\1/p' | sort -u)
[ -n "$subs" ] || fail_why "bptt --help lists no subcommand"
for sub in "" $subs; do
	run $sub --help
	need_rc 0
	long=$(LC_ALL=C tr -d '\200-\277' <"$OUT" | LC_ALL=C awk -v c="bptt${sub:+ $sub} --help" \
		'length > 80 { printf "%s, line %d: %d characters\n", c, NR, length }')
	[ -n "$long" ] && fail_why "$long"
done
result "every --help line is at most 80 characters"

# ---- init and data are repeatable --------------------------------------------

INIT="init --arch rnn --input 3 --hidden 5 --output 2"
run $INIT -o a1.model
need_rc 0
run $INIT -o a2.model
need_rc 0
cmp -s a1.model a2.model || fail_why "two runs of init differ"
head -n 1 a1.model | grep -q '^bptt-model 1' || fail_why "no bptt-model 1 header: $(head -n 1 a1.model)"
result "init twice writes identical bytes"

run $INIT
need_rc 0
cmp -s "$OUT" a1.model || fail_why "stdout differs from -o FILE"
result "init without -o writes the same bytes to stdout"

run $INIT --seed 7 -o s7.model
need_rc 0
run $INIT --seed 8 -o s8.model
need_rc 0
[ -s s7.model ] && [ -s s8.model ] || fail_why "no model written"
cmp -s s7.model s8.model && fail_why "--seed 7 and --seed 8 give the same file"
cmp -s s7.model a1.model && fail_why "--seed 7 gives the default seed's file"
result "init with a different --seed differs"

run $INIT --seed 7 -o s7b.model
need_rc 0
cmp -s s7.model s7b.model || fail_why "two runs with --seed 7 differ"
result "init with the same --seed is repeatable"

run data --input 3 --output 2 --length 7 --seed 3 -o d1.data
need_rc 0
run data --input 3 --output 2 --length 7 --seed 3 -o d2.data
need_rc 0
cmp -s d1.data d2.data || fail_why "two runs of data differ"
head -n 1 d1.data | grep -q '^bptt-data 1' || fail_why "no bptt-data 1 header"
run data --input 3 --output 2 --length 7 --seed 4 -o d3.data
need_rc 0
[ -s d3.data ] || fail_why "no data written"
cmp -s d1.data d3.data && fail_why "--seed 3 and --seed 4 give the same data"
result "data is repeatable and follows --seed"

run data --input 3 --output 2 --length 7 --seed 3 --mask -o dm.data
need_rc 0
grep -Eq '^M[[:space:]]+7[[:space:]]+1([[:space:]]|$)' dm.data || fail_why "--mask wrote no 'M 7 1' block"
grep -Eq '^M[[:space:]]' d1.data && fail_why "an M block without --mask"
result "data --mask adds an M block"

# bias: data set 1 of --data-seed 5 is not data set 0 of --data-seed 6
# (with seed + i, the mean over two sets of seed 5 is the mean of those of
# seeds 5 and 6)
bias_col() { run bias --arch rnn --input 2 --hidden 3 --output 1 --length 12 --kmax 3 "$@"; awk '!/^#/ { print $2 }' "$OUT"; }
b52=$(bias_col --datasets 2 --data-seed 5)
b51=$(bias_col --datasets 1 --data-seed 5)
b61=$(bias_col --datasets 1 --data-seed 6)
[ "$(echo "$b52" | wc -l)" = 3 ] || fail_why "bias wrote no 3 rows: $b52"
paste <(echo "$b52") <(echo "$b51") <(echo "$b61") | awk '{ d = 2 * $1 - $2 - $3; if (d < 0) d = -d; if (d > 1e-9 * ($3 < 0 ? -$3 : $3)) n++ } END { exit !(n == 0) }' \
	&& fail_why "data set 1 of --data-seed 5 is data set 0 of --data-seed 6"
result "bias --datasets: the sets of nearby data seeds differ"
# near 2^32: data set 2 of --data-seed 4294967295 had seed 2^32 + 1, which
# MT19937 cuts to 1: data set 0 of --data-seed 1
bt3=$(bias_col --datasets 3 --data-seed 4294967295)
bt2=$(bias_col --datasets 2 --data-seed 4294967295)
b11=$(bias_col --datasets 1 --data-seed 1)
paste <(echo "$bt3") <(echo "$bt2") <(echo "$b11") | awk '{ d = 3 * $1 - 2 * $2 - $3; if (d < 0) d = -d; if (d > 1e-9 * ($3 < 0 ? -$3 : $3)) n++ } END { exit !(n == 0) }' \
	&& fail_why "data set 2 of --data-seed 4294967295 is data set 0 of --data-seed 1"
result "bias --datasets near 2^32: no set wraps around to a small seed's"

# ---- init → data → grad → check for each architecture -----------------------

pipeline() { # pipeline NAME INIT-ARGS...
	local name=$1
	shift
	run init "$@" --input 3 --hidden 5 --output 2 --seed 11 -o "$name.model"
	need_rc 0
	run data --input 3 --output 2 --length 7 --seed 5 -o "$name.data"
	need_rc 0
	run grad --model "$name.model" --data "$name.data" -o "$name.grad"
	need_rc 0
	head -c 11 "$name.grad" 2>/dev/null | grep -q '^bptt-grad 1' || fail_why "$name.grad does not start with bptt-grad 1"
	run check --model "$name.model" --data "$name.data"
	need_rc 0
	result "init → data → grad → check: $name"
}
for act in tanh relu sigmoid identity; do
	pipeline "rnn-$act" --arch rnn --activation "$act"
done
pipeline linear --arch linear
pipeline residual --arch residual
pipeline residual-relu --arch residual --activation relu
pipeline orthogonal --arch orthogonal
pipeline gru --arch gru
pipeline lstm --arch lstm
pipeline attention --arch attention
pipeline gru-orthogonal-init --arch gru --orthogonal --scale 0.9
pipeline lstm-forget-bias --arch lstm --forget-bias 3

run check --model rnn-tanh.model --data dm.data
need_rc 0
result "check with a mask exits 0"

run check --model rnn-tanh.model --data rnn-tanh.data --order 4
need_rc 0
result "check --order 4 exits 0"

run check --model rnn-tanh.model --data rnn-tanh.data --directions 3
need_rc 0
result "check --directions 3 exits 0"

run check --model rnn-tanh.model --data rnn-tanh.data --rtol 1e-30 --atol 0
need_rc 1
result "check --rtol 1e-30 --atol 0 exits 1"

# threads: the same report, byte for byte, for 1, 3 (and BPTT_THREADS=2)
run check --model lstm.model --data lstm.data --threads 1
need_rc 0
cp "$OUT" threads1.txt
run check --model lstm.model --data lstm.data --threads 3
need_rc 0
cmp -s "$OUT" threads1.txt || fail_why "--threads 3 printed another report than --threads 1"
BPTT_THREADS=2 "$BPTT" check --model lstm.model --data lstm.data > "$OUT" 2> "$ERR"
[ $? = 0 ] || fail_why "BPTT_THREADS=2: exit $?"
cmp -s "$OUT" threads1.txt || fail_why "BPTT_THREADS=2 printed another report than --threads 1"
BPTT_THREADS=zero "$BPTT" check --model lstm.model --data lstm.data > "$OUT" 2> "$ERR"
rc=$?
[ $rc = 2 ] && grep -q BPTT_THREADS "$ERR" || fail_why "BPTT_THREADS=zero: exit $rc, $(head -c 200 "$ERR")"
result "check --threads 1, 3 and BPTT_THREADS=2 print the same report; a bad BPTT_THREADS exits 2"

# ---- grad ----------------------------------------------------------------------

run grad --model rnn-tanh.model --data rnn-tanh.data
need_rc 0
cmp -s "$OUT" rnn-tanh.grad || fail_why "stdout differs from -o FILE"
result "grad without -o writes the same bytes to stdout"

for k in 7 8 1000; do
	run grad --model rnn-tanh.model --data rnn-tanh.data --truncate "$k" -o "t$k.grad"
	need_rc 0
	cmp -s "t$k.grad" rnn-tanh.grad || fail_why "--truncate $k differs from full BPTT"
	result "grad --truncate $k (≥ T = 7) equals full BPTT"
done

run grad --model rnn-tanh.model --data rnn-tanh.data --truncate 2 -o t2.grad
need_rc 0
cmp -s t2.grad rnn-tanh.grad && fail_why "--truncate 2 gives the full gradient"
head -c 11 t2.grad | grep -q '^bptt-grad 1' || fail_why "t2.grad does not start with bptt-grad 1"
# The loss written is always the full forward loss (full BPTT computes it
# with the batched kernels, truncation one step at a time: equal to rounding).
l1=$(awk '$1 == "loss" { print $2; exit }' rnn-tanh.grad)
l2=$(awk '$1 == "loss" { print $2; exit }' t2.grad)
[ -n "$l1" ] && [ -n "$l2" ] && awk -v a="$l1" -v b="$l2" \
	'BEGIN { d = a - b; s = a < 0 ? -a : a; exit !((d < 0 ? -d : d) <= 1e-13 * s) }' ||
	fail_why "loss lines differ: '$l1' and '$l2'"
result "grad --truncate 2 differs from full BPTT but keeps the loss"

# ---- flow ----------------------------------------------------------------------

flow_ok() { # flow_ok FILE T
	grep -Eq '^#[[:space:]]*t[[:space:]]+norm_dh[[:space:]]+log10_norm_dh' "$1" || fail_why "no '# t norm_dh log10_norm_dh' header: $(head -n 2 "$1")"
	local rows
	rows=$(grep -Evc '^[[:space:]]*(#|$)' "$1")
	[ "${rows:-0}" -eq "$2" ] || fail_why "$rows data rows, want $2"
	# t runs 1…T, norm_dh ≥ 0 and log10_norm_dh = log10(norm_dh).
	awk -v T="$2" '
		/^[[:space:]]*(#|$)/ { next }
		{
			n++
			if (NF < 3) { print "row " n " has " NF " columns"; bad = 1 }
			seen[$1 + 0] = 1
			if ($2 + 0 < 0) { print "norm_dh < 0 at t = " $1; bad = 1 }
			if ($2 + 0 > 0 && ($2 + 0) < 1e300) {
				e = log($2) / log(10) - $3
				if (e > 1e-9 || e < -1e-9) { print "log10_norm_dh != log10(norm_dh) at t = " $1; bad = 1 }
			}
		}
		END {
			for (t = 1; t <= T; t++)
				if (!(t in seen)) { print "no row for t = " t; bad = 1 }
			exit bad
		}' "$1" >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
}

run flow --model rnn-tanh.model --data rnn-tanh.data -o f.txt
need_rc 0
flow_ok f.txt 7
result "flow writes a # t header and T rows"

run flow --model rnn-tanh.model --data rnn-tanh.data --truncate 3
need_rc 0
cp "$OUT" f3.txt
flow_ok f3.txt 7
result "flow --truncate 3 writes a # t header and T rows"

run flow --model rnn-tanh.model --data rnn-tanh.data
need_rc 0
cmp -s "$OUT" f.txt || fail_why "stdout differs from -o FILE"
result "flow without -o writes the same bytes to stdout"

# flow --lags: the first dataset is byte for byte the plain flow, then the
# datasets steps, lag_profile and lag_gradient, each with T rows.
# dataset FILE NAME: the rows of the dataset that starts with "# NAME".
dataset() {
	awk -v N="$2" '
		/^# / && prev_blank >= 2 { on = ($0 == "# " N) }
		NR == 1 && $0 == "# " N { on = 1 }
		/^$/ { prev_blank++; next }
		{ prev_blank = 0 }
		on && !/^#/ { print }' "$1"
}
for arch in rnn lstm attention; do
	m=$arch.model
	[ "$arch" = rnn ] && m=rnn-tanh.model
	run flow --model "$m" --data rnn-tanh.data
	need_rc 0
	cp "$OUT" plain.txt
	run flow --model "$m" --data rnn-tanh.data --lags -o lags.txt
	need_rc 0
	n=$(wc -l <plain.txt)
	head -n "$n" lags.txt | cmp -s - plain.txt || fail_why "the first dataset differs from plain flow"
	for ds in steps lag_profile lag_gradient; do
		grep -qx "# $ds" lags.txt || fail_why "no '# $ds' dataset"
		rows=$(dataset lags.txt "$ds" | wc -l)
		[ "$rows" -eq 7 ] || fail_why "$ds has $rows rows, want 7"
	done
	grep -Eq '^# tau log10_norm log10_' lags.txt || fail_why "no lag_gradient header"
	if [ "$arch" = lstm ]; then
		grep -Eq '^# t log10_dh log10_dh_trunc log10_dc log10_dc_trunc$' lags.txt || fail_why "lstm: no dc columns in steps"
	else
		grep -Eq '^# t log10_dh log10_dh_trunc$' lags.txt || fail_why "$arch: steps header"
	fi
	# log10_dh in steps = log10 of norm_dh in the first dataset
	dataset lags.txt steps >st.txt
	awk 'NR == FNR { if ($0 !~ /^#/ && NF) v[$1] = $3; next }
	     { e = v[$1] - $2; if (e > 1e-12 || e < -1e-12) { print "t = " $1 ": " v[$1] " vs " $2; bad = 1 } }
	     END { exit bad }' plain.txt st.txt >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
	result "flow --lags: $arch"
done

run flow --model rnn-tanh.model --data rnn-tanh.data --lags --truncate 3 -o lt.txt
need_rc 0
dataset lt.txt lag_profile | awk '
	$1 < 3 && $3 != $4 { print "tau " $1 ": truncated differs inside the window"; bad = 1 }
	$1 >= 3 && $4 != "-inf" { print "tau " $1 ": truncated " $4 ", want -inf"; bad = 1 }
	END { exit bad }' >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
dataset lt.txt lag_profile | awk '$8 != "-inf" { bad = 1 } END { exit bad }' || fail_why "rnn has a direct part"
result "flow --lags --truncate 3: the lag profile is cut at tau = 3"

run flow --model attention.model --data rnn-tanh.data --lags --truncate 2 --term 5 -o la.txt
need_rc 0
rows=$(dataset la.txt lag_profile | wc -l)
[ "$rows" -eq 5 ] || fail_why "--term 5: $rows lag rows, want 5"
dataset la.txt lag_profile | awk '$1 >= 2 && ($6 == "-inf" || $6 != $8) { print "tau " $1 ": truncated dx " $6 ", direct " $8; bad = 1 } END { exit bad }' >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
result "flow --lags: attention keeps the direct part under truncation"

run flow --arch gru --hidden 4 --length 9 --lags
need_rc 0
[ "$(dataset "$OUT" lag_gradient | wc -l)" -eq 9 ] || fail_why "no 9 lag rows"
result "flow --arch gru --length 9 --lags builds its own model"

# ---- check: methods, Taylor, sweep, a given gradient ------------------------------

for meth in central richardson stencil4; do
	run check --model gru.model --data gru.data --method "$meth"
	need_rc 0
	grep -q 'relative error = |exact - fd| / max(|exact|, |fd|)' "$OUT" || fail_why "no convention line"
	grep -q 'opp.sign' "$OUT" || fail_why "no opp.sign column"
	result "check --method $meth exits 0 and states the convention"
done

run check --model lstm.model --data lstm.data --method taylor
need_rc 0
grep -Eq '^all +[0-9]+x1 ' "$OUT" || fail_why "no 'all' row"
awk '$1 == "W_f" && NF == 6 { s = $4 } END { if (!(s >= 1.9 && s <= 2.1)) { print "W_f slope " s; exit 1 } }' "$OUT" >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
result "check --method taylor: slope 2 for the exact gradient"

run grad --model rnn-tanh.model --data rnn-tanh.data --truncate 1 -o k1.grad
need_rc 0
run check --model rnn-tanh.model --data rnn-tanh.data --method taylor --grad k1.grad
need_rc 1
awk '$1 == "W" && NF == 6 { s = $4; v = $6 } END { if (!(s >= 0.9 && s <= 1.1) || v != "DISAGREE") { print "W slope " s " " v; exit 1 } }' "$OUT" >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
awk '$1 == "V" && NF == 6 { v = $6 } END { exit v != "ok" }' "$OUT" || fail_why "V (exact under truncation) does not agree"
result "check --method taylor --grad (truncated k = 1): slope 1 for W, exit 1"

run check --model rnn-tanh.model --data rnn-tanh.data --grad rnn-tanh.grad
need_rc 0
result "check --grad of the exact gradient exits 0"

# flip the sign of W's first entry
wl=$(awk '$1 == "W" && NF == 3 { print NR + 1; exit }' rnn-tanh.grad)
awk -v L="$wl" 'NR == L { $1 = -$1 } { print }' rnn-tanh.grad >flip.grad
run check --model rnn-tanh.model --data rnn-tanh.data --grad flip.grad
need_rc 1
grep -Eq '^W .* 1 ! +DISAGREE' "$OUT" || fail_why "W not flagged with one opposite sign: $(grep '^W ' "$OUT")"
grep -Eq '^U .* 0 +ok' "$OUT" || fail_why "U should agree: $(grep '^U ' "$OUT")"
result "check --grad with a flipped sign: flagged, exit 1"

run check --model rnn-tanh.model --data rnn-tanh.data --sweep -o sweep.txt
need_rc 0
head -n 1 sweep.txt | grep -q '^# h central richardson stencil4 taylor' || fail_why "header: $(head -n 1 sweep.txt)"
rows=$(grep -Evc '^[[:space:]]*(#|$)' sweep.txt)
[ "${rows:-0}" -eq 57 ] || fail_why "$rows rows, want 57"
# the V: central's error at h = 1e-14 and 1 far above its minimum
awk '!/^#/ && NF == 5 { if (min == "" || $2 < min) min = $2; if (first == "") first = $2; last = $2 }
     END { if (!(first > 100 * min && last > 100 * min)) { print "no V: " first " " min " " last; exit 1 } }' sweep.txt >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
run check --model rnn-tanh.model --data rnn-tanh.data --sweep
cmp -s "$OUT" sweep.txt || fail_why "stdout differs from -o FILE"
result "check --sweep writes the V-shaped error curve"

# ---- usage errors ----------------------------------------------------------------

usage() { # usage NAME PATTERN ARGS...: exit 2, stderr matches PATTERN (ERE)
	local name=$1 pat=$2
	shift 2
	run "$@"
	need_rc 2
	[ -s "$ERR" ] || fail_why "nothing on stderr"
	[ -s "$ERR" ] && ! grep -Eq -- "$pat" "$ERR" && fail_why "stderr does not match /$pat/: $(head -c 300 "$ERR")"
	result "usage error: $name"
}
M="--model rnn-tanh.model --data rnn-tanh.data"
usage "--truncate abc" "truncate|abc" grad $M --truncate abc
usage "--truncate 0" "truncate" grad $M --truncate 0
usage "--truncate -1" "truncate" grad $M --truncate -1
usage "--truncate 2.5" "truncate|2\.5" grad $M --truncate 2.5
usage "grad without --model" "model" grad --data rnn-tanh.data
usage "grad without --data" "data" grad --model rnn-tanh.model
usage "check without --model" "model" check --data rnn-tanh.data
usage "unknown option --frobnicate" "frobnicate" grad $M --frobnicate
usage "unknown option on init" "frobnicate" $INIT --frobnicate 3
usage "unknown subcommand" "frobnicate" frobnicate
usage "--arch nosuch" "nosuch" init --arch nosuch --input 3 --hidden 5 --output 2
usage "--hidden 0" "hidden" init --arch rnn --input 3 --hidden 0 --output 2
usage "--hidden abc" "hidden|abc" init --arch rnn --input 3 --hidden abc --output 2
usage "--input missing its value" "input" init --arch rnn --hidden 5 --output 2 --input
usage "--activation relu with --arch linear" "activation|relu|linear" init --arch linear --activation relu --input 3 --hidden 5 --output 2
usage "--activation softsign" "softsign" init --arch rnn --activation softsign --input 3 --hidden 5 --output 2
usage "--length 0" "length" data --input 3 --output 2 --length 0
usage "check --order 3" "order" check $M --order 3
usage "check --method nosuch" "method|nosuch" check $M --method nosuch
usage "check --order 4 --method richardson" "order" check $M --order 4 --method richardson
usage "check --method taylor --step" "taylor" check $M --method taylor --step 1e-3
usage "check --sweep --method central" "sweep" check $M --sweep --method central
usage "check -o without --sweep" "sweep" check $M -o x.txt
usage "check --threads 0" "threads" check $M --threads 0
usage "check --threads with --directions" "threads" check $M --threads 2 --directions 3
usage "check --grad for another model" "another model|gradient" check --model gru.model --data gru.data --grad rnn-tanh.grad
usage "flow --term without --lags" "term" flow $M --term 3
usage "flow --lags --term 0" "term" flow $M --lags --term 0
usage "flow --lags --term T+1" "term" flow $M --lags --term 8
usage "--model of a missing file" "no-such.model" grad --model no-such.model --data rnn-tanh.data
usage "--data of a missing file" "no-such.data" grad --model rnn-tanh.model --data no-such.data

run data --input 4 --output 2 --length 7 -o d4.data
need_rc 0
head -n 1 d4.data | grep -q '^bptt-data 1' || fail_why "no bptt-data 1 header"
result "data --input 4"
usage "data with d = 4 for a model with d = 3" "." grad --model rnn-tanh.model --data d4.data

# ---- spectrum ---------------------------------------------------------------------

run spectrum --help
need_rc 0
grep -q -- "spectrum" "$OUT" || fail_why "stdout does not mention spectrum: $(head -c 200 "$OUT")"
grep -q -- "--step" "$OUT" || fail_why "--help does not describe --step"
result "bptt spectrum --help"

# spectrum_ok FILE N T: datasets values (N rows), summary (1 row) and, when
# T > 0, powers (T rows), each opened by '# name' and its column header.
spectrum_ok() {
	awk -v N="$2" -v T="$3" '
		/^# (values|summary|powers)$/ { ds = $2; hdr[ds] = 0; seen[ds] = 1; next }
		/^#/ { if (ds != "" && hdr[ds] == 0) { hdr[ds] = $0 } next }
		/^[[:space:]]*$/ { next }
		{ rows[ds]++ }
		END {
			if (hdr["values"] !~ /^# index sv eig_re eig_im eig_abs/) { print "values header: " hdr["values"]; bad = 1 }
			if (hdr["summary"] !~ /^# radius smax henrici/) { print "summary header: " hdr["summary"]; bad = 1 }
			if (rows["values"] != N) { print rows["values"] " values rows, want " N; bad = 1 }
			if (rows["summary"] != 1) { print rows["summary"] " summary rows, want 1"; bad = 1 }
			if (T > 0 && hdr["powers"] !~ /^# t log10_norm_power log10_radius_power log10_smax_power/) { print "powers header: " hdr["powers"]; bad = 1 }
			if (T > 0 && rows["powers"] != T) { print rows["powers"] " powers rows, want " T; bad = 1 }
			if (T == 0 && seen["powers"]) { print "a powers dataset for a step Jacobian"; bad = 1 }
			exit bad
		}' "$1" >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
}

run spectrum --model rnn-tanh.model --data rnn-tanh.data -o sp.txt
need_rc 0
head -n 1 sp.txt | grep -q '^# values$' || fail_why "first line is not '# values': $(head -n 1 sp.txt)"
spectrum_ok sp.txt 5 7
result "spectrum writes values, summary and powers"

run spectrum --model rnn-tanh.model --data rnn-tanh.data
need_rc 0
cmp -s "$OUT" sp.txt || fail_why "stdout differs from -o FILE"
result "spectrum without -o writes the same bytes to stdout"

run spectrum --arch lstm --hidden 3 --length 6 -o sp-lstm.txt
need_rc 0
spectrum_ok sp-lstm.txt 6 0
result "spectrum of an lstm: the step Jacobian (2n values), no powers"

run spectrum --model rnn-tanh.model --data rnn-tanh.data --step 3 -o sp-step.txt
need_rc 0
spectrum_ok sp-step.txt 5 0
grep -q 'at t = 3' sp-step.txt || fail_why "no comment naming the step"
result "spectrum --step 3 looks at J_3"

usage "spectrum --step 0" "step" spectrum --model rnn-tanh.model --data rnn-tanh.data --step 0
usage "spectrum --step beyond T" "step" spectrum --model rnn-tanh.model --data rnn-tanh.data --step 8
usage "spectrum with --model and --arch" "arch|model" spectrum --model rnn-tanh.model --arch rnn
usage "spectrum --frobnicate" "frobnicate" spectrum --arch rnn --frobnicate

# normal and non-normal W with the same eigenvalues (same seed)
S="init --arch linear --input 2 --hidden 6 --output 1 --seed 9 --radius 0.9"
run $S --structure normal -o w-normal.model
need_rc 0
run $S --structure nonnormal --nonnormality 0.7 -o w-nonnormal.model
need_rc 0
run spectrum --model w-normal.model --length 40 -o sp-n.txt
need_rc 0
run spectrum --model w-nonnormal.model --length 40 -o sp-x.txt
need_rc 0
spectrum_ok sp-n.txt 6 40
spectrum_ok sp-x.txt 6 40
# radius 0.9 for both; departure 0 vs 0.7*sqrt(12); max log10|W^t| > 0 only for the non-normal W
sum() { awk '/^# summary$/ { s = 1; next } s && !/^#/ && NF { print $1, $3; exit }' "$1"; }
mx() { awk '/^# powers$/ { p = 1; next } p && !/^#/ && NF { if (m == "" || $2 > m) m = $2 } END { print m }' "$1"; }
awk -v a="$(sum sp-n.txt)" -v b="$(sum sp-x.txt)" -v ma="$(mx sp-n.txt)" -v mb="$(mx sp-x.txt)" 'BEGIN {
	split(a, A, " "); split(b, B, " "); want = 0.7 * sqrt(12)
	if (A[1] - 0.9 > 1e-12 || 0.9 - A[1] > 1e-12 || B[1] - 0.9 > 1e-9 || 0.9 - B[1] > 1e-9) { print "radius " A[1] ", " B[1]; bad = 1 }
	if (A[2] > 1e-12) { print "normal departure " A[2]; bad = 1 }
	if (B[2] - want > 1e-12 || want - B[2] > 1e-12) { print "non-normal departure " B[2] ", want " want; bad = 1 }
	if (ma > 1e-12 || mb <= 0) { print "max log10|W^t|: normal " ma ", non-normal " mb; bad = 1 }
	exit bad }' >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
result "init --structure normal/nonnormal: same radius, transient growth only when non-normal"

usage "init --structure for gru" "structure|gru" init --arch gru --input 2 --hidden 4 --output 1 --structure normal
usage "init --structure for orthogonal" "structure|orthogonal" init --arch orthogonal --input 2 --hidden 4 --output 1 --structure normal
usage "init --structure sideways" "sideways" $S --structure sideways
usage "init --nonnormality without nonnormal" "nonnormality" $S --structure normal --nonnormality 1
usage "init --structure with --scale" "scale" init --arch rnn --input 2 --hidden 4 --output 1 --structure normal --scale 0.5
usage "init --nonnormality -1" "nonnormality" $S --structure nonnormal --nonnormality -1
# ---- lyapunov ------------------------------------------------------------------

run lyapunov --help
need_rc 0
grep -q -- "lyapunov" "$OUT" || fail_why "stdout does not mention lyapunov: $(head -c 200 "$OUT")"
grep -q -- "--burn-in" "$OUT" || fail_why "the help does not describe --burn-in"
result "bptt lyapunov --help"

lyap_ok() { # lyap_ok FILE ROWS: the header, ROWS rows indexed 1…ROWS, exponents descending
	[ "$(head -n 1 "$1")" = "# index exponent stderr" ] || fail_why "first line is not '# index exponent stderr': $(head -n 1 "$1")"
	awk -v K="$2" '
		/^[[:space:]]*(#|$)/ { next }
		{
			n++
			if (NF < 3) { print "row " n " has " NF " columns"; bad = 1 }
			if ($1 != n) { print "row " n " has index " $1; bad = 1 }
			if ($2 !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) { print "exponent " n " is " $2; bad = 1 }
			if ($3 !~ /^[0-9.]+([eE][-+]?[0-9]+)?$/) { print "stderr " n " is " $3; bad = 1 }
			if (n > 1 && $2 + 0 > prev) { print "exponent " n " above exponent " n - 1; bad = 1 }
			prev = $2 + 0
		}
		END { if (n != K) { print n " rows, want " K; bad = 1 } exit bad }' "$1" >"$CAP/awk" || fail_why "$(cat "$CAP/awk")"
}

run lyapunov --arch gru --hidden 6 --length 300 -o ly-gru.txt
need_rc 0
lyap_ok ly-gru.txt 6
result "lyapunov on a built gru: header and S = 6 exponents, largest first"

run lyapunov --arch lstm --hidden 3 --length 200 --count 4 --burn-in 20 --blocks 5
need_rc 0
cp "$OUT" ly-lstm.txt
lyap_ok ly-lstm.txt 4
grep -q 'burn-in 20 steps, then 180 steps in 5 blocks' ly-lstm.txt || fail_why "no comment with burn-in 20 and 5 blocks: $(head -n 5 ly-lstm.txt)"
result "lyapunov --count 4 --burn-in 20 --blocks 5 on an lstm"

run lyapunov --model rnn-tanh.model --data rnn-tanh.data --burn-in 1 --blocks 3 -o ly-rnn.txt
need_rc 0
lyap_ok ly-rnn.txt 5
run lyapunov --model rnn-tanh.model --data rnn-tanh.data --burn-in 1 --blocks 3
need_rc 0
cmp -s "$OUT" ly-rnn.txt || fail_why "stdout differs from -o FILE (or two runs differ)"
result "lyapunov with --model and --data: repeatable, stdout equals -o FILE"

usage "lyapunov --count above S" "count.*state size" lyapunov $M --burn-in 1 --blocks 3 --count 6
usage "lyapunov --burn-in T" "burn-in.*less than" lyapunov $M --burn-in 7 --blocks 2
usage "lyapunov --blocks 1" "blocks" lyapunov $M --burn-in 1 --blocks 1
usage "lyapunov --blocks above T - B" "blocks.*steps" lyapunov $M --burn-in 2 --blocks 6
usage "lyapunov default blocks on T = 7" "blocks" lyapunov $M
usage "lyapunov --count abc" "count|abc" lyapunov --arch rnn --count abc
usage "lyapunov without a model" "model|arch" lyapunov --length 50

# ---- refused files ------------------------------------------------------------------

# bad.model: the first number of W's first row made nan.
wline=$(awk '$1 == "W" && NF >= 3 { print NR; exit }' rnn-tanh.model)
if [ -z "$wline" ]; then
	why="no 'W' block header in rnn-tanh.model"
	result "a model with nan is refused with FILE:LINE:"
else
	bad=$((wline + 1))
	awk -v L="$bad" 'NR == L { $1 = "nan" } { print }' rnn-tanh.model >bad.model
	run grad --model bad.model --data rnn-tanh.data
	need_rc 2
	grep -qF "bad.model:$bad:" "$ERR" || fail_why "stderr lacks 'bad.model:$bad:': $(head -c 300 "$ERR")"
	[ -s "$OUT" ] && fail_why "something on stdout"
	result "a model with nan is refused with FILE:LINE:"

	run check --model bad.model --data rnn-tanh.data
	need_rc 2
	grep -qF "bad.model:$bad:" "$ERR" || fail_why "stderr lacks 'bad.model:$bad:': $(head -c 300 "$ERR")"
	result "check refuses the same model with FILE:LINE:"
fi

# bad.data: a row of X with one number too many.
xline=$(awk '$1 == "X" && NF >= 3 { print NR; exit }' rnn-tanh.data)
if [ -z "$xline" ]; then
	why="no 'X' block header in rnn-tanh.data"
else
	bad=$((xline + 2))
	awk -v L="$bad" 'NR == L { $0 = $0 " 0.5" } { print }' rnn-tanh.data >bad.data
	run grad --model rnn-tanh.model --data bad.data
	need_rc 2
	grep -qF "bad.data:$bad:" "$ERR" || fail_why "stderr lacks 'bad.data:$bad:': $(head -c 300 "$ERR")"
fi
result "a data file with a long row is refused with FILE:LINE:"

# A refused input with -o: the existing output keeps its bytes and nothing
# else appears in its directory.
mkdir at
printf 'precious\n1 2 3\n' >at/out.txt
cp at/out.txt "$CAP/precious"
before=$(ls -A at)
if [ -f bad.model ]; then
	run grad --model bad.model --data rnn-tanh.data -o at/out.txt
	need_rc 2
	cmp -s at/out.txt "$CAP/precious" || fail_why "grad changed out.txt"
	[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
	run flow --model bad.model --data rnn-tanh.data -o at/out.txt
	need_rc 2
	cmp -s at/out.txt "$CAP/precious" || fail_why "flow changed out.txt"
	[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
else
	fail_why "no bad.model to test with"
fi
if [ -f bad.data ]; then
	run grad --model rnn-tanh.model --data bad.data -o at/out.txt
	need_rc 2
	cmp -s at/out.txt "$CAP/precious" || fail_why "grad (bad data) changed out.txt"
	[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
fi
run init --arch rnn --input 3 --hidden 0 --output 2 -o at/out.txt
need_rc 2
cmp -s at/out.txt "$CAP/precious" || fail_why "init with --hidden 0 changed out.txt"
[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
result "a refused input leaves the -o file and its directory untouched"

run init --arch rnn --input 3 --hidden 0 --output 2 -o at/new.txt
need_rc 2
[ -e at/new.txt ] && fail_why "init with bad arguments created at/new.txt"
[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
result "bad arguments create no -o file"

run grad --model rnn-tanh.model --data rnn-tanh.data -o at/out.txt
need_rc 0
cmp -s at/out.txt rnn-tanh.grad || fail_why "out.txt is not the gradient"
[ "$(ls -A at)" = "$before" ] || fail_why "files left in the directory: $(ls -A at | tr '\n' ' ')"
result "grad -o replaces an existing file and leaves nothing else"

run grad --model rnn-tanh.model --data rnn-tanh.data -o no/such/dir/out.txt
[ "$rc" -ne 0 ] || fail_why "exit status 0"
[ -s "$ERR" ] || fail_why "nothing on stderr"
result "grad -o into a missing directory fails with a message"

# ---- bias ------------------------------------------------------------------------------

for sub in bias clip; do
	run "$sub" --help
	need_rc 0
	grep -q -- "bptt $sub" "$OUT" || fail_why "stdout does not mention bptt $sub: $(head -c 200 "$OUT")"
	result "bptt $sub --help"
done

SCALAR="bias --scalar --a 0.5,-0.7 --k 1,2 --length 200 --sequences 20"
run $SCALAR -o scalar.txt
need_rc 0
head -n 1 scalar.txt | grep -q '^# a k closed_form monte_carlo stderr sequences' || fail_why "header: $(head -n 1 scalar.txt)"
rows=$(grep -vc '^#' scalar.txt)
[ "$rows" = 4 ] || fail_why "$rows rows, want 4 (2 values of a times 2 of k)"
awk '!/^#/ && NF < 6 { bad = 1 } END { exit bad }' scalar.txt || fail_why "a row with fewer than 6 columns"
# a = 0.5, k = 1: -a^3 / (1 - a^2)^2 = -2/9; 20 sequences counted
awk '!/^#/ && $1 == 0.5 && $2 == 1 { found = 1; if ($3 + 2/9 > 1e-15 || $3 + 2/9 < -1e-15 || $6 != 20) bad = 1 }
     END { exit !(found && !bad) }' scalar.txt || fail_why "row a=0.5 k=1: $(grep '^0.5 1 ' scalar.txt)"
result "bias --scalar writes the spec's columns, one row per (a, k)"

run $SCALAR
need_rc 0
cmp -s "$OUT" scalar.txt || fail_why "stdout differs from -o FILE (or the run is not repeatable)"
run $SCALAR --seed 5
need_rc 0
cmp -s "$OUT" scalar.txt && fail_why "--seed 5 gives the default seed's numbers"
result "bias --scalar is repeatable and follows --seed"

run bias --arch gru --hidden 3 --length 12 --kmax 12 --datasets 3 -o model_bias.txt
need_rc 0
head -n 1 model_bias.txt | grep -q '^# k rel_error rel_error_stderr cosine cosine_stderr chunked_rel_error' || fail_why "header: $(head -n 1 model_bias.txt)"
[ "$(grep -vc '^#' model_bias.txt)" = 12 ] || fail_why "not 12 rows"
awk '!/^#/ && $1 == 12 { found = 1; if ($2 != 0 || $4 != 1 || $6 != 0 || $8 != 1) bad = 1 }
     END { exit !(found && !bad) }' model_bias.txt || fail_why "k = T = 12 is not rel_error 0, cosine 1: $(grep '^12 ' model_bias.txt)"
awk '!/^#/ && $1 == 3 { found = 1; if ($2 == $6) bad = 1 } END { exit !(found && !bad) }' model_bias.txt ||
	fail_why "k = 3: sliding and chunked agree"
result "bias on a model: k = T gives 0 and 1, sliding and chunked differ at k = 3"

run bias --model rnn-tanh.model --data rnn-tanh.data --k 1,3,7
need_rc 0
awk '!/^#/ { n++; if ($3 != "NaN") bad = 1 } END { exit !(n == 3 && !bad) }' "$OUT" ||
	fail_why "one data file should give 3 rows with NaN standard errors: $(head -c 400 "$OUT")"
result "bias --model --data: one data set, no standard error"

# Refusals: exit 2, a message, and an existing -o file keeps its bytes.
printf 'precious\n1 2 3\n' >keep.txt
cp keep.txt "$CAP/keep"
for bad in "bias --scalar" "bias --scalar --a 1.0" "bias --scalar --a 0.5,,0.2" "bias --scalar --a 0.5 --arch rnn" \
	"bias --scalar --a 0.5 --k 0" "bias --scalar --a 0.5 --sequences 1" "bias --arch rnn --a 0.5" \
	"bias --arch rnn --k 2 --kmax 3" "bias --arch rnn --k 2.5" "bias --model rnn-tanh.model --data rnn-tanh.data --datasets 2" \
	"bias --arch nosuch" "bias --arch rnn --bogus"; do
	run $bad -o keep.txt
	need_rc 2
	[ -s "$ERR" ] || fail_why "no message on stderr"
	cmp -s keep.txt "$CAP/keep" || fail_why "keep.txt changed"
	result "$bad: exit 2"
done

# ---- clip ------------------------------------------------------------------------------

# The seed's example: a one-unit RNN's gradient of norm 965, clipped at c = 10.
printf 'bptt-grad 1\narch linear\ndims 1 1 1\nloss 465612.5\nW 1 1\n965\nU 1 1\n0\nb 1 1\n0\nV 1 1\n0\nb_y 1 1\n0\nX 1 1\n0.25\n' >g965.grad
run clip --grad g965.grad --norm 10 -o c965.grad
need_rc 0
head -n 1 "$OUT" | grep -q '^# method threshold norm_before norm_after cosine' || fail_why "header: $(head -n 1 "$OUT")"
awk '!/^#/ { n++; if ($1 != "norm" || $2 != 10 || $3 != 965 || $4 != 10 || $5 != 1) bad = 1 } END { exit !(n == 1 && !bad) }' "$OUT" ||
	fail_why "want 'norm 10 965 10 1': $(grep -v '^#' "$OUT")"
awk '$1 == "W" { getline; w = $1 } $1 == "X" { getline; x = $1 } $1 == "loss" { l = $2 }
     END { exit !(w == 10 && x == 0.25 && l == 465612.5) }' c965.grad ||
	fail_why "c965.grad: W should be 10, X 0.25 and the loss unchanged"
result "clip: the seed's example, |g| = 965 with c = 10 gives 10, same direction"

run clip --grad rnn-tanh.grad --norm 1e12 -o same.grad
need_rc 0
cmp -s same.grad rnn-tanh.grad || fail_why "a gradient below c was changed"
awk '!/^#/ && $5 != 1 { bad = 1 } END { exit bad }' "$OUT" || fail_why "cosine is not 1"
result "clip --norm above |g| leaves the gradient file byte for byte"

run clip --model rnn-tanh.model --data rnn-tanh.data --value 0.01
need_rc 0
awk '!/^#/ { n++; if ($1 != "value" || !($5 < 1)) bad = 1 } END { exit !(n == 1 && !bad) }' "$OUT" ||
	fail_why "value clipping of a computed gradient: $(grep -v '^#' "$OUT")"
result "clip --value on a computed gradient turns its direction"

run clip --arch residual --length 9 --truncate 3 --norm 0.5
need_rc 0
awk '!/^#/ { n++; if ($4 - 0.5 > 1e-12 || 0.5 - $4 > 1e-12) bad = 1 } END { exit !(n == 1 && !bad) }' "$OUT" ||
	fail_why "norm after is not 0.5: $(grep -v '^#' "$OUT")"
result "clip --norm on a built model's truncated gradient"

for bad in "clip --grad g965.grad" "clip --grad g965.grad --norm 1 --value 1" "clip --grad g965.grad --norm 0" \
	"clip --grad g965.grad --norm -3" "clip --grad g965.grad --norm 1 --arch rnn" "clip --grad no-such.grad --norm 1" \
	"clip --grad rnn-tanh.model --norm 1" "clip --arch rnn --norm 1 --bogus"; do
	run $bad -o keep.txt
	need_rc 2
	[ -s "$ERR" ] || fail_why "no message on stderr"
	cmp -s keep.txt "$CAP/keep" || fail_why "keep.txt changed"
	result "$bad: exit 2"
done
run clip --grad g965.grad --norm 1 -o -
need_rc 2
result "clip -o - (the report owns standard output): exit 2"

# ---- task -------------------------------------------------------------------------

run task --help
need_rc 0
grep -q -- "adding" "$OUT" || fail_why "task --help does not mention adding"
result "bptt task --help"

run task adding --length 20 -o add.data
need_rc 0
head -n 1 add.data | grep -q '^bptt-data 1' || fail_why "no bptt-data 1 header"
grep -Eq '^M[[:space:]]+20[[:space:]]+1' add.data || fail_why "no 'M 20 1' block"
grep -q '1/6' "$ERR" || fail_why "stderr does not state the baseline 1/6: $(head -c 300 "$ERR")"
run init --arch rnn --input 2 --hidden 4 --output 1 -o add.model
need_rc 0
run grad --model add.model --data add.data
need_rc 0
grep -q '^bptt-grad 1' "$OUT" || fail_why "grad on the adding data wrote no gradient"
result "task adding --length 20 reads back with grad (d = 2, m = 1)"

run task adding --length 20 -o -
need_rc 0
cmp -s "$OUT" add.data || fail_why "-o - differs from -o FILE (or is not the same seed's data)"
result "task -o - writes the clean file to stdout"

run task copy --symbols 3 --alphabet 4 --delay 5 -o copy.data
need_rc 0
grep -Eq '^X[[:space:]]+11[[:space:]]+6' copy.data || fail_why "copy: no 'X 11 6' block"
run task linear --length 30 --a 0.5 --seed 4 -o lin.data
need_rc 0
grep -Eq '^Y[[:space:]]+30[[:space:]]+1' lin.data || fail_why "linear: no 'Y 30 1' block"
result "task copy and linear"

for bad in "task" "task nosuch --length 5" "task adding" "task adding --length 1" "task adding --length 5 --a 0.5" \
	"task copy --symbols 2" "task copy --symbols 2 --delay 3 --length 9" "task copy --alphabet 1 --delay 3" \
	"task linear --length 5 --s -1" "task linear --length 5 --delay 2" "task adding copy --length 5" \
	"task adding --length 5 --bogus"; do
	run $bad -o task-none.data
	need_rc 2
	[ -s "$ERR" ] || fail_why "no message on stderr"
	[ -e task-none.data ] && fail_why "task-none.data written"
	result "$bad: exit 2"
done
# ---- jacobian end to end -----------------------------------------------------------------

run jacobian --arch rnn --hidden 5 --length 12 --seed 3 -o jac.txt
need_rc 0
head -n 1 jac.txt | grep -q '^# lag log10_norm2 log10_normF log10_bound log10_prod_steps t log10_step_norm2$' ||
	fail_why "header: $(head -n 1 jac.txt)"
awk '!/^#/ && NF { n++; if ($1 != n || NF != 7 || $6 != 12 - n + 1 || $2 > $4 + 1e-9 || $2 > $3 + 1e-9) bad = 1 }
	END { exit !(n == 12 && !bad) }' jac.txt || fail_why "rows: $(grep -v '^#' jac.txt | head -3)"
result "jacobian: T rows, lag 1..T, t = T - lag + 1, 2-norm below the Frobenius norm and the bound"

run jacobian --model rnn-tanh.model --data rnn-tanh.data
need_rc 0
T=$(awk '$1 == "X" { print $2; exit }' rnn-tanh.data)
[ "$(grep -vc '^#' "$OUT")" = "$T" ] || fail_why "$(grep -vc '^#' "$OUT") rows, the data has T = $T"
grep -q "model rnn-tanh.model, data rnn-tanh.data" "$OUT" || fail_why "no description of the model and data"
result "jacobian --model --data: one row per step of the data"

run jacobian --model rnn-tanh.model --arch rnn
need_rc 2
result "jacobian --model with --arch: refused"

# ---- bad input: numeric faults, memory, interrupts ---------------------------------------

# A linear model whose state explodes: W = diag(3, 2), U = (1, 1), x_t = 1,
# so h_t = ((3^t - 1)/2, 2^t - 1); the loss counts the first 40 steps only
# (a mask), so it stays finite while the state overflows. The step where
# 3h + 1 first overflows a double, by awk's own arithmetic:
printf '%s\n' 'bptt-model 1' 'arch linear' 'dims 1 2 1' 'W 2 2' '3 0' '0 2' 'U 2 1' 1 1 \
	'b 2 1' 0 0 'V 1 2' '0.5 -0.25' 'b_y 1 1' 0.125 > boom.model
awk 'BEGIN { print "bptt-data 1"; print "X 700 1"; for (t = 1; t <= 700; t++) print 1;
	print "Y 700 1"; for (t = 1; t <= 700; t++) print 0;
	print "M 700 1"; for (t = 1; t <= 700; t++) print (t <= 40) }' > boom.data
want=$(awk 'BEGIN { h = 0; for (t = 1; t < 2000; t++) { h = 3 * h + 1; if (h > 1.7976931348623157e308) { print t; exit } } }')
echo old > keep.grad
run grad --model boom.model --data boom.data -o keep.grad
need_rc 2
grep -q "^bptt grad: a non-finite value first appeared at step $want in the state h_t (entry 1 of 2 is inf; forward pass), through the parameter block W (with W zero the step stays finite); nothing written$" "$ERR" ||
	fail_why "want step $want, block W; stderr: $(cat "$ERR")"
[ "$(cat keep.grad)" = old ] || fail_why "keep.grad changed"
ls -a | grep -q '^\.keep\.grad\.' && fail_why "a temporary file was left"
result "grad: an exploding state is reported with its step ($want), the state and block W; nothing written"

run check --model boom.model --data boom.data
need_rc 2
grep -q "at step $want in the state h_t" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "check: the same fault, the same step"

# The forward pass finite, the gradient not: W = 0, h_t = 1.3e250 x_t,
# V = 1e-150, so e_t is about 1e100 and dL/dV = sum e_t h_t overflows at
# t = T, the first step that full BPTT reaches (truncated: the first loss
# term's window).
printf '%s\n' 'bptt-model 1' 'arch linear' 'dims 1 2 1' 'W 2 2' '0 0' '0 0' 'U 2 1' 1.3e250 -0.9e250 \
	'b 2 1' 0 0 'V 1 2' '1.1e-150 0.7e-150' 'b_y 1 1' 0 > back.model
run data --input 1 --output 1 --length 6 -o back.data
need_rc 0
run grad --model back.model --data back.data
need_rc 2
grep -q "at step 6 in the gradient of block V (.*backward pass, the forward pass is finite); nothing written" "$ERR" ||
	fail_why "stderr: $(cat "$ERR")"
run grad --model back.model --data back.data --truncate 2
need_rc 2
grep -q "at step 1 in the gradient of block V (.*backward pass, the forward pass is finite), the loss term at step 1 going back through its window of 2" "$ERR" ||
	fail_why "--truncate 2: stderr: $(cat "$ERR")"
result "grad: a gradient that overflows in the backward pass is named by step and block"

# Memory: refused before anything is allocated, with the sizes and the
# estimate, quickly.
start=$(date +%s)
run jacobian --arch lstm --hidden 60000
need_rc 2
grep -Eq "^bptt jacobian: arch lstm with d=4 n=60000 m=2 \(14401320002 parameters\), T=100: this needs about [0-9.]+ [KMGTP]iB of memory, more than the limit of [0-9.]+ [KMGTP]?i?B \(the memory available; set BPTT_MAX_MEMORY to change it\); nothing done$" "$ERR" ||
	fail_why "stderr: $(cat "$ERR")"
[ $(( $(date +%s) - start )) -le 5 ] || fail_why "took more than 5 s"
result "jacobian --arch lstm --hidden 60000: refused for memory at once"

printf 'bptt-data 1\n# a file that declares more than it may hold\nX 50000000 1\n1\n2\n' > huge.data
BPTT_MAX_MEMORY=64M run grad --model boom.model --data huge.data -o keep.grad
need_rc 2
grep -q "^huge.data:3: block 'X' (50000000×1) brings the file's numbers to 381 MiB, more than the memory limit of 64 MiB (set by BPTT_MAX_MEMORY)$" "$ERR" ||
	fail_why "stderr: $(cat "$ERR")"
[ "$(cat keep.grad)" = old ] || fail_why "keep.grad changed"
result "a data file declaring T = 5e7: refused at its line for memory (BPTT_MAX_MEMORY=64M)"

BPTT_MAX_MEMORY=20K run grad --model boom.model --data boom.data
need_rc 2
grep -Eq "^bptt grad: arch linear with d=1 n=2 m=1 \(11 parameters\), T=700: this needs about [0-9.]+ KiB of memory, more than the limit of 20 KiB \(set by BPTT_MAX_MEMORY\); nothing done$" "$ERR" ||
	fail_why "stderr: $(cat "$ERR")"
result "grad: the task's estimate above BPTT_MAX_MEMORY is refused with the sizes"

for bad in 12X -5 1.5Q K ''; do
	BPTT_MAX_MEMORY=$bad run grad --model boom.model --data boom.data
	need_rc 2
	grep -q "BPTT_MAX_MEMORY: '$bad' is not a size" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "BPTT_MAX_MEMORY='$bad' is refused"
done
BPTT_MAX_MEMORY=unlimited run data --input 1 --output 1 --length 3
need_rc 0
BPTT_MAX_MEMORY=1.5g run data --input 1 --output 1 --length 3
need_rc 0
BPTT_MAX_MEMORY=70KiB run data --input 1 --output 1 --length 3
need_rc 0
BPTT_MAX_MEMORY=70KiB run data --input 1 --output 1 --length 3000
need_rc 2
result "BPTT_MAX_MEMORY: unlimited, 1.5g, 70KiB"

# Odd invocations: each refused with a message, or answered, never a crash.
run
need_rc 2
grep -q "^usage: bptt COMMAND" "$ERR" || fail_why "no usage on stderr: $(head -c 200 "$ERR")"
result "bptt without a command: usage on stderr, exit 2"
run --version
need_rc 0
head -n 1 "$OUT" | grep -Eq '^bptt [0-9]+\.[0-9]+\.[0-9]+$' || fail_why "stdout: $(cat "$OUT")"
grep -q 'GPL-3.0-or-later' "$OUT" || fail_why "--version does not name the license: $(cat "$OUT")"
result "bptt --version: the version and the license"
run help grad
need_rc 0
grep -q "^usage: bptt grad " "$OUT" || fail_why "stdout: $(head -c 200 "$OUT")"
result "bptt help grad"
for bad in "jacobian --arch rnn --scale 2 --radius 1" "jacobian --model rnn-tanh.model --data rnn-tanh.data --length 5" \
	"jacobian --arch rnn --input 100000 --length 100000" "flow --arch rnn --activation softsign" \
	"bias --arch gru --hidden 2 --datasets 100000 --length 100000" "grad --model=rnn-tanh.model --data" \
	"grad --truncate=3=4 --model rnn-tanh.model" "init --orthogonal=1 --arch rnn"; do
	BPTT_MAX_MEMORY=256M run $bad
	need_rc 2
	[ "$(wc -l < "$ERR")" -ge 1 ] && [ "$(tail -c 1 "$ERR" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail_why "no message ending in a newline: $(cat "$ERR")"
	result "$bad: refused"
done
BPTT_MAX_MEMORY=256M run bias --arch gru --hidden 2 --datasets 100000 --length 100000
grep -q "T=100000 x 100000 data sets: this needs about" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "bias: the memory estimate counts every data set"

# Inputs that once failed the command-line fuzzer (or a sanitizer), one
# argument per line, replayed here against the fuzzer's fixtures: each must
# end with 0, 2 (with a message) or, for check, 1; no temporary file left.
for f in "$ROOT"/fuzz/regressions-cli/*; do
	[ -f "$f" ] || continue
	rm -rf replay && mkdir replay && cp "$ROOT"/fuzz/cli-files/* replay/ || { fail_why "no fixtures"; break; }
	args=()
	while IFS= read -r a || [ -n "$a" ]; do args+=("$a"); done < "$f"
	(cd replay && BPTT_MAX_MEMORY=64M "$BPTT" "${args[@]}" >"$OUT" 2>"$ERR")
	rc=$?
	case $rc in
	0) ;;
	1) [ "${args[0]}" = check ] || fail_why "exit 1 from ${args[0]}" ;;
	2) [ -s "$ERR" ] || fail_why "exit 2 without a message" ;;
	*) fail_why "exit status $rc: $(head -c 600 "$ERR")" ;;
	esac
	ls -a replay | grep -Eq '^\..+\.[A-Za-z0-9]{6}$' && fail_why "a temporary file was left"
	result "fuzz regression $(basename "$f"): bptt ${args[*]}"
done
rm -rf replay

# Interrupts: a long run with -o over an existing file, stopped by SIGINT
# (or SIGTERM) after two seconds: the signal's exit status, how far it got,
# the old file as it was, no temporary file. (On a loaded machine the
# signal can land while lyapunov still makes its input, before the first
# step: then the message has no count.)
interrupt() { # interrupt SIGNAL NAME PATTERN ARGS...
	sig=$1 name=$2 pat=$3
	shift 3
	echo old > long.out
	timeout --preserve-status -k 30 -s "$sig" 2 "$BPTT" "$@" -o long.out >"$OUT" 2>"$ERR"
	rc=$?
	need_rc $((128 + $(kill -l "$sig")))
	grep -Eq "$pat" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	[ "$(cat long.out)" = old ] || fail_why "long.out changed"
	ls -a | grep -q '^\.long\.out\.' && fail_why "a temporary file was left: $(ls -a)"
	result "$name"
}
interrupt INT "bias --scalar stopped by SIGINT: how far, nothing written" \
	"^bptt bias: interrupted at a = 0.9, k = 1 \(row 1 of 2\) after [0-9]+ of 100000000 sequences; nothing written$" \
	bias --scalar --a 0.9 --k 1,2 --sequences 100000000
interrupt INT "lyapunov stopped by SIGINT" \
	"^bptt lyapunov: interrupted( after [0-9]+ of 3000000 steps)?; nothing written$" \
	lyapunov --arch rnn --input 1 --output 1 --hidden 8 --length 3000000
interrupt TERM "flow --lags stopped by SIGTERM" \
	"^bptt flow: interrupted after [0-9]+ of 30000 (lags|steps of the (forward|backward) pass); nothing written$" \
	flow --arch gru --hidden 12 --length 30000 --lags

# ---- bptt train ---------------------------------------------------------------------------

run train --help
need_rc 0
grep -q "^usage: bptt train " "$OUT" || fail_why "stdout: $(head -c 200 "$OUT")"
for o in --tbptt --artbp --truncate --clip-norm --curve --target-mse; do
	grep -q -- "$o" "$OUT" || fail_why "--help does not list $o"
done
result "train --help"

TR="train --task adding --length 12 --arch gru --hidden 5 --batch 4 --steps 30 --eval-every 10 --eval-size 16"
run init --arch rnn --input 3 --hidden 4 --output 1 -o d3.model
need_rc 0
run data --input 2 --output 1 --length 9 -o tr.data
need_rc 0
# every refusal: exit 2, one message naming the option, nothing written
while IFS='|' read -r args pat; do
	rm -f refused.model
	run $args -o refused.model
	need_rc 2
	grep -qF -- "$pat" "$ERR" || fail_why "want '$pat' in: $(cat "$ERR")"
	[ "$(wc -l < "$ERR")" -eq 1 ] || fail_why "not one line: $(cat "$ERR")"
	[ -e refused.model ] && fail_why "refused.model was written"
	ls -a | grep -q '^\.refused\.model\.' && fail_why "a temporary file was left"
	result "train refuses: $args"
done <<'REFUSALS'
train --arch rnn --steps 5|missing --task NAME (adding, copy, linear) or --data FILE
train --task adding --length 12 --data tr.data --arch rnn|--task and --data: give one of them
train --task nope --length 12 --arch rnn|unknown task 'nope'
train --task adding --arch rnn|missing --length
train --task adding --length 12|missing --model FILE (or --arch NAME to build one)
train --task adding --length 12 --arch rnn --steps 0|--steps: 0 is out of range
train --task adding --length 12 --arch rnn --steps 1.5|--steps: '1.5' is not a whole number
train --task adding --length 12 --arch rnn --batch 0|--batch: 0 is out of range
train --task adding --length 12 --arch rnn --lr -1|--lr: -1 is out of range
train --task adding --length 12 --arch rnn --lr 0|--lr: the learning rate must be positive
train --task adding --length 12 --arch rnn --lr abc|--lr: 'abc' is not a finite number
train --task adding --length 12 --arch rnn --optimizer rmsprop|--optimizer: unknown optimizer 'rmsprop' (adam or sgd)
train --task adding --length 12 --arch rnn --momentum 0.9|--momentum: only with --optimizer sgd
train --task adding --length 12 --arch rnn --optimizer sgd --momentum 1|--momentum: MU must be below 1
train --task adding --length 12 --arch rnn --truncate 3 --artbp 0.1|give one estimator, not 2
train --task adding --length 12 --arch rnn --truncate 3 --tbptt 2,3 --artbp 0.1|give one estimator, not 3
train --task adding --length 12 --arch rnn --truncate 0|--truncate: 0 is out of range
train --task adding --length 12 --arch rnn --tbptt 5|--tbptt: '5' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt 5,|--tbptt: '5,' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt ,5|--tbptt: ',5' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt 3,x|--tbptt: '3,x' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt 1,2,3|--tbptt: '1,2,3' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt -1,2|--tbptt: '-1,2' is not k1,k2
train --task adding --length 12 --arch rnn --tbptt 0,3|--tbptt: k1 0 is out of range
train --task adding --length 12 --arch rnn --tbptt 3,0|--tbptt: k2 0 is out of range
train --task adding --length 12 --arch rnn --artbp 1|--artbp: the cut probability c must be below 1
train --task adding --length 12 --arch rnn --artbp -0.1|--artbp: -0.1 is out of range
train --task adding --length 12 --arch rnn --clip-norm 1 --clip-value 1|--clip-norm and --clip-value: give one of them
train --task adding --length 12 --arch rnn --clip-norm 0|--clip-norm: the threshold must be positive
train --task adding --length 12 --arch rnn --target-mse 0|--target-mse: must be positive
train --task adding --length 12 --arch rnn --eval-every x|--eval-every: 'x' is not a whole number
train --data tr.data --arch rnn --batch 4|--batch: with --data FILE there is no task
train --data tr.data --arch rnn --length 4|--length: with --data FILE there is no task
train --task adding --length 12 --model d3.model|the adding task has d = 2 inputs and m = 1 outputs, the model d = 3, m = 1
train --task adding --length 12 --model d3.model --arch rnn|--arch: give either --model FILE or a model to build, not both
train --data tr.data --model d3.model|tr.data:2: block 'X' has 2 columns, but the model's input size d is 3
train --task copy --length 12 --arch rnn --a 0.5|--a is for the linear task, not copy
REFUSALS

# repeatable: the same arguments give the same model and the same curve
# (every column but the last, seconds of wall time)
run $TR -o r1.model --curve r1.dat
need_rc 0
grep -Eq "^bptt train: 30 steps \(120 sequences\) in [0-9.]+ s; held-out MSE [0-9.e-]+ per counted step \(the memoryless baseline: 0.1667\) after step 30$" "$ERR" ||
	fail_why "final line: $(cat "$ERR")"
run $TR -o r2.model --curve r2.dat
need_rc 0
cmp -s r1.model r2.model || fail_why "two runs wrote different models"
head -n 1 r1.model | grep -q '^bptt-model 1' || fail_why "no model header"
[ "$(awk '/^#/ { print; next } { $NF = ""; print }' r1.dat)" = "$(awk '/^#/ { print; next } { $NF = ""; print }' r2.dat)" ] ||
	fail_why "two runs wrote different curves"
grep -q '^# step examples train_loss heldout_mse grad_norm clipped seconds$' r1.dat || fail_why "curve header: $(head -2 r1.dat)"
[ "$(grep -vc '^#' r1.dat)" -eq 30 ] || fail_why "want 30 rows: $(grep -vc '^#' r1.dat)"
awk '!/^#/ && NF != 7 { bad = 1 } !/^#/ && (($1 % 10 == 0) != ($4 != "NaN")) { bad = 1 } END { exit bad }' r1.dat ||
	fail_why "rows: not 7 columns, or held-out MSE not exactly every 10 steps: $(head -5 r1.dat)"
result "train twice: the same model bytes and curve"

# the progress line: on a terminal only (a pseudo-terminal from script(1))
grep -q "$(printf '\r')" "$ERR" && fail_why "a carriage return on stderr that is not a terminal"
grep -q "ETA" "$ERR" && fail_why "a progress line on stderr that is not a terminal: $(cat "$ERR")"
if command -v script >/dev/null 2>&1; then
	script -qfc "'$BPTT' $TR -o tty.model" /dev/null > tty.txt 2>&1
	grep -q "$(printf '\r').*step 30/30  loss [0-9.e-]*  |g| [0-9.e+-]*.*steps/s  ETA" tty.txt ||
		fail_why "no progress line on a terminal: $(od -c tty.txt | head -5)"
	cmp -s tty.model r1.model || fail_why "on a terminal the model differs"
fi
result "train: a progress line rewritten with \\r on a terminal only"

run $TR --data-seed 2 -o r3.model
need_rc 0
cmp -s r1.model r3.model && fail_why "--data-seed 2 gives the same model"
run $TR --quiet
need_rc 0
cmp -s "$OUT" r1.model || fail_why "stdout differs from -o FILE"
[ -s "$ERR" ] && fail_why "--quiet, yet stderr: $(cat "$ERR")"
result "train: another --data-seed differs; without -o the model goes to stdout; --quiet"

for est in "--truncate 3" "--tbptt 4,2" "--artbp 0.3" "--optimizer sgd --momentum 0.9 --nesterov --clip-value 0.5"; do
	run $TR $est -o e.model
	need_rc 0
	head -n 1 e.model | grep -q '^bptt-model 1' || fail_why "no model"
	cmp -s e.model r1.model && fail_why "$est gives full BPTT's model"
	result "train $est"
done

run train --data tr.data --arch lstm --hidden 3 --steps 20 --optimizer sgd --lr 0.05 -o td.model
need_rc 0
grep -q "MSE on the data" "$ERR" || fail_why "stderr: $(cat "$ERR")"
run grad --model td.model --data tr.data -o td.grad
need_rc 0
result "train --data FILE: the model fits the data (bptt grad reads both)"

run train --task adding --length 12 --arch gru --hidden 5 --batch 4 --steps 1000 --eval-every 1 --eval-size 16 \
	--target-mse 1e6 --curve t.dat -o t.model
need_rc 0
[ "$(grep -vc '^#' t.dat)" -eq 1 ] || fail_why "want 1 row: $(cat t.dat)"
grep -q "reached --target-mse" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "train --target-mse stops at the first evaluation below it"

BPTT_MAX_MEMORY=2M run train --task adding --length 1000 --arch lstm --hidden 64 --batch 64 -o big.model
need_rc 2
grep -Eq "^bptt train: training arch lstm with d=2 n=64 m=1 \(17217 parameters\), T=1000, batch 64, 256 held-out sequences, 1000 steps: this needs about .* more than the limit of 2.0 MiB" "$ERR" ||
	fail_why "stderr: $(cat "$ERR")"
[ -e big.model ] && fail_why "big.model written"
result "train: refused for memory with the sizes"

# SIGINT (SIGTERM) during a long run: the model after the last completed
# step, complete (bptt grad reads it), the curve up to it, no temporary
# file, the signal's status
run data --input 2 --output 1 --length 5 -o l5.data
for sig in INT TERM; do
	echo old > long.model
	timeout --preserve-status -k 30 -s "$sig" 1.5 "$BPTT" train --task adding --length 40 --arch lstm \
		--hidden 16 --steps 100000000 --curve long.dat -o long.model >"$OUT" 2>"$ERR"
	rc=$?
	need_rc $((128 + $(kill -l "$sig")))
	grep -Eq "^bptt train: interrupted after [0-9]+ of 100000000 steps; the model after step [0-9]+ written to long.model, the curve to long.dat$" "$ERR" ||
		fail_why "stderr: $(cat "$ERR")"
	n=$(sed -n 's/.*after step \([0-9]*\) written.*/\1/p' "$ERR")
	"$BPTT" grad --model long.model --data l5.data -o /dev/null 2>"$ERR" || fail_why "bptt grad: $(cat "$ERR")"
	[ "$(grep -vc '^#' long.dat)" = "$n" ] || fail_why "curve rows $(grep -vc '^#' long.dat), steps $n"
	ls -a | grep -Eq '^\.long\.(model|dat)\.' && fail_why "a temporary file was left: $(ls -a)"
	result "train stopped by SIG$sig: a complete model and curve, status $((128 + $(kill -l "$sig")))"
done

# One signal delivered twice within half a second (timeout(1) signals the
# process, then its process group) is one request. -o onto a FIFO nobody
# reads yet keeps the command waiting in its final write, where nothing
# polls: the repeat 0.1 s later must neither end it nor fail the write (it
# resumes); once a reader comes, the whole model goes through. A second
# signal a second later ends the command at once, without a message.
for gap in 0.1 1; do
	rm -f slow.fifo slow.copy; mkfifo slow.fifo
	"$BPTT" train --task adding --length 20 --arch rnn --hidden 8 --steps 100000000 \
		-o slow.fifo >"$OUT" 2>"$ERR" &
	pid=$!
	sleep 1; kill -TERM $pid
	if [ "$gap" = 0.1 ]; then
		sleep 0.1
	else
		# the first signal handled: the command waits in its final
		# write for a reader (where the kernel says so); then more
		# than half a second
		for _ in $(seq 200); do
			case $(cat /proc/$pid/wchan 2>/dev/null) in
			*partner* | *fifo*) break ;;
			esac
			sleep 0.05
		done
		sleep 0.7
	fi
	kill -TERM $pid 2>/dev/null
	[ "$gap" = 0.1 ] && timeout 20 cat slow.fifo > slow.copy
	wait $pid
	rc=$?
	need_rc 143
	if [ "$gap" = 0.1 ]; then
		grep -Eq "^bptt train: interrupted after [0-9]+ of 100000000 steps; the model after step [0-9]+ written to slow.fifo$" "$ERR" ||
			fail_why "stderr: $(cat "$ERR")"
		"$BPTT" grad --model slow.copy --data l5.data -o /dev/null 2>"$ERR" || fail_why "bptt grad: $(cat "$ERR")"
		result "train: SIGTERM twice within 0.1 s is one request (the model written)"
	else
		[ -s "$ERR" ] && fail_why "stderr: $(cat "$ERR")"
		result "train: a second SIGTERM a second later ends it at once"
	fi
	ls -a | grep -Eq '^\.slow\.' && fail_why "a temporary file was left: $(ls -a)"
done
rm -f slow.fifo slow.copy

# ---- -o onto something that is not a regular file -------------------------------------
# (a FIFO here; the same path protects /dev/null: renaming over it would
# replace the device)
mkfifo fifo.out
timeout 10 cat fifo.out > fifo.copy &
reader=$!
run init --arch rnn --input 2 --hidden 3 --output 1 -o fifo.out
need_rc 0
wait $reader
[ -p fifo.out ] || fail_why "fifo.out is no longer a FIFO"
head -c 12 fifo.copy | grep -q '^bptt-model 1' || fail_why "nothing came through the FIFO"
result "init -o FIFO writes through it and leaves it a FIFO"
rm -f fifo.out fifo.copy

# ---- the loss ---------------------------------------------------------------------------
run init --arch lstm --input 3 --hidden 4 --output 5 --loss cross-entropy -o ce.model
need_rc 0
grep -qx "loss cross-entropy" ce.model || fail_why "no 'loss cross-entropy' line: $(head -6 ce.model)"
run data --input 3 --output 5 --length 12 -o ce.data
need_rc 0
run check --model ce.model --data ce.data
need_rc 0
grep -q "every block agrees" "$OUT" || fail_why "check: $(tail -3 "$OUT")"
result "init --loss cross-entropy: written, and its gradient agrees with finite differences"
run flow --arch gru --loss cross-entropy --length 7 -o ce.flow
need_rc 0
run flow --arch gru --length 7 -o sq.flow
need_rc 0
[ -s ce.flow ] && ! cmp -s ce.flow sq.flow || fail_why "the flow did not change with --loss"
result "flow --arch … --loss cross-entropy builds a model with that loss"
run init --arch rnn --input 1 --hidden 2 --output 1 --loss hinge
need_rc 2
grep -q "unknown loss 'hinge'" "$ERR" || fail_why "stderr: $(cat "$ERR")"
run grad --model ce.model --data ce.data --loss squared
need_rc 2
result "an unknown --loss, or --loss with --model, is refused"
sed 's/^loss cross-entropy$/loss softmax/' ce.model > bad.model
run grad --model bad.model --data ce.data
need_rc 2
grep -q "bad.model:4: unknown loss 'softmax'" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "a model file with an unknown loss is refused at its line"
rm -f ce.model ce.data ce.flow sq.flow bad.model

# ---- graph ----------------------------------------------------------------------------
# The unrolled graph is valid DOT (dot draws it), with the nodes and edges
# the architecture's step has, T times. Counts of what dot lays out
# (dot -Tplain), the invisible edges that keep the rows in order left out.
if command -v dot >/dev/null 2>&1; then
	plain_counts() {   # "NODES EDGES" of DOT file $1
		dot -Tplain "$1" 2>/dev/null | awk '$1 == "node" { n++ }
			$1 == "edge" && $0 !~ / invis / { e++ } END { print n + 0, e + 0 }'
	}
	# arch T nodes edges: x_t, s_0 … s_T, ŷ_t, ℓ_t and the step's own
	while read -r arch T nodes edges; do
		run graph --arch "$arch" --length "$T" -o g.dot
		need_rc 0
		dot -Tsvg g.dot -o g.svg 2>"$CAP/dot" || fail_why "dot -Tsvg failed: $(head -c 300 "$CAP/dot")"
		[ -s "$CAP/dot" ] && fail_why "dot warned: $(head -c 300 "$CAP/dot")"
		got=$(plain_counts g.dot)
		[ "$got" = "$nodes $edges" ] || fail_why "nodes and edges: $got, want $nodes $edges"
		result "graph --arch $arch --length $T: valid DOT with $nodes nodes and $edges edges"
	done <<'COUNTS'
rnn 5 21 20
rnn 1 5 4
residual 3 13 15
gru 4 21 28
lstm 4 22 32
attention 4 17 26
COUNTS
	# truncation: the windows of l_8, l_5, l_2 boxed, the edges h_2 -> h_3
	# and h_5 -> h_6 dashed
	run graph --arch rnn --length 8 --truncate 3 -o gk.dot
	need_rc 0
	w=$(grep -o 'subgraph cluster_w[0-9]*' gk.dot | sed 's/.*_w//' | tr '\n' ' ')
	[ "$w" = "8 5 2 " ] || fail_why "windows ending at: $w, want 8 5 2"
	dashed=$(grep -E '^	h[0-9]+ -> h[0-9]+ \[label=.*style=dashed' gk.dot | sed 's/ \[.*//; s/^	//' | tr '\n' ',')
	[ "$dashed" = "h2 -> h3,h5 -> h6," ] || fail_why "dashed recurrent edges: $dashed, want h2 -> h3, h5 -> h6"
	n=$(dot -Tsvg gk.dot 2>/dev/null | grep -c '<title>cluster_w')
	[ "$n" = 3 ] || fail_why "dot drew $n clusters, want 3"
	result "graph --truncate 3 boxes the windows of l_8, l_5, l_2 and dashes the edge before each"
	run graph --arch rnn --length 4 --truncate 4
	grep -q 'subgraph cluster' "$OUT" && fail_why "k = T drew windows"
	result "graph --truncate k >= T draws no window"
	# measured: the norm shown at h_T is bptt flow's |dL/dh_T| (another route)
	"$BPTT" init --arch gru --input 2 --hidden 4 --output 1 --seed 3 -o gg.model
	"$BPTT" data --input 2 --output 1 --length 6 --seed 4 -o gg.data
	run graph --model gg.model --data gg.data -o gd.dot
	need_rc 0
	want=$("$BPTT" flow --model gg.model --data gg.data | awk '$1 == 6 { printf "%.1f", $3 }' | sed 's/^-/−/')
	got=$(grep '^	h6 \[' gd.dot | sed -n 's/.*10<sup>\([^<]*\)<\/sup>.*/\1/p')
	[ -n "$want" ] && [ "$got" = "$want" ] || fail_why "h_6 shows 10^$got, bptt flow gives 10^$want"
	[ "$(grep -c '^	h[1-6] \[.*fillcolor' gd.dot)" = 6 ] || fail_why "not every h_t is shaded"
	dot -Tsvg gd.dot -o /dev/null 2>"$CAP/dot" || fail_why "dot -Tsvg failed: $(head -c 300 "$CAP/dot")"
	result "graph --data shades each h_t by |dL/dh_t| as bptt flow measures it"
else
	fail_why "dot (Graphviz) is not installed: sh scripts/deps.sh check installs it"
	result "graph: Graphviz is there"
fi
# refusals: a clear message, no output file
while read -r want args; do
	rm -f bad.dot
	# shellcheck disable=SC2086 # the arguments are words
	run graph $args -o bad.dot
	need_rc 2
	grep -q -- "$want" "$ERR" || fail_why "stderr does not say '$want': $(head -c 300 "$ERR")"
	[ -e bad.dot ] && fail_why "bad.dot was written"
	result "graph $args: refused ($want)"
done <<'BAD'
--length --arch rnn --length 0
--length --arch rnn --length 201
--length --model gg.model --data gg.data --length 5
--truncate --arch rnn --truncate 0
--data-seed --arch rnn --data-seed 3
missing --length 4
--arch --arch nosuch
BAD
"$BPTT" data --input 2 --output 1 --length 201 -o long.data
run graph --model gg.model --data long.data -o bad.dot
need_rc 2
grep -q "long.data: the data have T = 201 steps; a graph draws at most 200" "$ERR" || fail_why "stderr: $(head -c 300 "$ERR")"
[ -e bad.dot ] && fail_why "bad.dot was written"
result "graph --data of 201 steps: refused, naming the file"

# ---- reliability: bounded reading, outputs, signals, messages ---------------------------
# Every test here is bounded: an address-space limit where a broken reader
# would take all the memory, a timeout where a broken command would block.

"$BPTT" init --arch rnn --input 2 --hidden 3 --output 1 -o r.model 2>/dev/null
"$BPTT" data --input 2 --output 1 --length 5 -o r.data 2>/dev/null

# bounded RUN...: runs bptt under a 2 GB address space (VMAX; an
# AddressSanitizer build, which reserves terabytes of address space, runs
# without it) and a 5 s timeout.
VMAX=2000000
grep -qa __asan_init "$BPTT" && VMAX=unlimited
bounded() {
	(ulimit -v $VMAX; timeout -k 1 5 "$BPTT" "$@") >"$OUT" 2>"$ERR"
	rc=$?
}

# A file without line ends is refused at its first line after 64 KiB.
for dev in /dev/zero /dev/full; do
	BPTT_MAX_MEMORY=64M bounded grad --model $dev --data r.data
	need_rc 2
	grep -q "^$dev:1: the line is longer than 65536 bytes" "$ERR" || fail_why "stderr: $(head -c 300 "$ERR")"
	result "grad --model $dev: refused at line 1, not read to the end of memory"
done
{ printf 'bptt-model 1\n# '; head -c 3000000 /dev/zero | tr '\0' c; printf '\n'; } > r.longcomment
bounded grad --model r.longcomment --data r.data
need_rc 2
grep -q "^r.longcomment:2: the line is longer than 65536 bytes" "$ERR" || fail_why "stderr: $(head -c 300 "$ERR")"
result "a comment line of 3 MB is refused at its line"
rm -f r.longcomment

# Outputs: checked before the work, never two the same file, written through
# symbolic links, with the mode of the file they replace.
TRAIN="train --arch rnn --hidden 4 --task adding --length 5 --quiet"
echo old > r.keep
bounded $TRAIN --steps 100000000 -o nodir/m.txt
need_rc 2
grep -q "nodir" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "train -o nodir/m.txt: refused before training"
bounded $TRAIN --steps 20 --curve nodir/c.txt -o r.keep
need_rc 2
[ "$(cat r.keep)" = old ] || fail_why "r.keep was replaced"
result "train --curve nodir/c.txt -o FILE: refused, FILE untouched"
bounded $TRAIN --steps 20 --curve r.keep -o r.keep
need_rc 2
grep -q "two outputs" "$ERR" || fail_why "stderr: $(cat "$ERR")"
[ "$(cat r.keep)" = old ] || fail_why "r.keep was replaced"
result "train --curve X -o X: refused, X untouched"
ln -s r.keep r.link
bounded $TRAIN --steps 20 --curve r.curve -o r.link
need_rc 0
ls -a | grep -Eq '^\.r\.(curve|keep|link)\.' && fail_why "a temporary file was left: $(ls -a)"
[ -L r.link ] || fail_why "r.link is no longer a symbolic link"
grep -q '^bptt-model 1' r.keep || fail_why "the model did not go to the link's target"
grep -q '^# bptt train: learning curve' r.curve || fail_why "no curve"
result "train -o SYMLINK writes the file the link names, the link stays"
bounded $TRAIN --steps 20 --curve r.keep -o r.link
need_rc 2
result "train --curve FILE -o LINK-TO-FILE: refused"
rm -f r.link r.curve
# writing onto standard output by its /dev and /proc names (a broken
# binary replaces the link with a file: /dev/stdout only once /dev/fd/1
# is known to work)
fdok=1
for p in /dev/fd/1 /proc/self/fd/1 /dev/stdout; do
	[ "$p" = /dev/stdout ] && [ $fdok = 0 ] && continue
	echo old > r.keep
	bounded init --arch rnn --input 2 --hidden 3 --output 1 -o $p
	need_rc 0
	grep -q '^bptt-model 1' "$OUT" || { fail_why "nothing on standard output"; fdok=0; }
	[ -L /dev/stdout ] || fail_why "/dev/stdout is no longer a link"
	result "init -o $p > FILE: the model in FILE"
done
for mode in 640 600 755; do
	echo old > r.mode
	chmod $mode r.mode
	bounded init --arch rnn --input 2 --hidden 3 --output 1 -o r.mode
	need_rc 0
	[ "$(stat -c %a r.mode)" = $mode ] || fail_why "mode $(stat -c %a r.mode), want $mode"
	result "init -o FILE of mode $mode keeps the mode"
done
echo old > r.mode
chmod 444 r.mode
bounded init --arch rnn --input 2 --hidden 3 --output 1 -o r.mode
need_rc 2
grep -q "read-only" "$ERR" || fail_why "stderr: $(cat "$ERR")"
[ "$(cat r.mode)" = old ] || fail_why "the read-only file was replaced"
grep -q -- "--force" "$ERR" || fail_why "the message does not name --force: $(cat "$ERR")"
result "init -o READ-ONLY-FILE: refused, the file untouched"
bounded init --arch rnn --input 2 --hidden 3 --output 1 -o r.mode --force
need_rc 0
grep -q '^bptt-model 1' r.mode || fail_why "not replaced: $(head -c 80 r.mode)"
[ "$(stat -c %a r.mode)" = 444 ] || fail_why "mode $(stat -c %a r.mode), want 444"
result "init -o READ-ONLY-FILE --force: replaced, mode 444 kept"
echo old > r.curve; chmod 440 r.curve
echo old > r.mode; chmod 444 r.mode
bounded train --arch rnn --hidden 3 --task adding --length 5 --steps 2 -o r.mode --curve r.curve
need_rc 2
[ "$(cat r.mode)" = old ] && [ "$(cat r.curve)" = old ] || fail_why "an output was replaced"
bounded train --arch rnn --hidden 3 --task adding --length 5 --steps 2 -o r.mode --curve r.curve --force
need_rc 0
grep -q '^bptt-model 1' r.mode && ! grep -q old r.curve || fail_why "not both replaced"
[ "$(stat -c %a r.mode) $(stat -c %a r.curve)" = "444 440" ] || fail_why "modes $(stat -c %a r.mode) $(stat -c %a r.curve)"
result "train -o and --curve onto read-only files: refused, then replaced with --force, modes kept"
rm -f r.mode r.curve
mkdir -p r.dir; chmod 555 r.dir
bounded init --arch rnn --input 2 --hidden 3 --output 1 -o r.dir --force
need_rc 2
grep -q "r.dir: cannot write: it is a directory" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "init -o READ-ONLY-DIRECTORY --force: refused, it is a directory"
if [ "$(id -u)" != 0 ]; then
	bounded init --arch rnn --input 2 --hidden 3 --output 1 -o r.dir/m.txt --force
	need_rc 2
	grep -q "cannot write in the directory r.dir" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	[ -e r.dir/m.txt ] && fail_why "written"
	result "init -o FILE in a read-only directory --force: refused, naming the directory"
fi
chmod 755 r.dir; rmdir r.dir
# every command that writes an output takes --force
for s in $("$BPTT" --help | sed -n 's/^  bptt \([a-z]*\) .*/\1/p'); do
	h=$("$BPTT" "$s" --help)
	if echo "$h" | grep -q '^  -o FILE' && ! echo "$h" | grep -q '^  --force'; then
		fail_why "bptt $s has -o but no --force"
	fi
done
result "every command with -o has --force"
long=$(printf 'n%.0s' $(seq 250)).txt
bounded init --arch rnn --input 2 --hidden 3 --output 1 -o "$long"
need_rc 0
grep -q '^bptt-model 1' "$long" || fail_why "stderr: $(cat "$ERR")"
result "init -o a name of 254 characters"
rm -f "$long"

# One signal stops any command within a second: a read blocked on a FIFO
# without a writer, a computation that does not poll (the QR of init
# --orthogonal). signal_stop NAME SIGNAL AFTER ARGS...: bptt ARGS with -o
# r.keep, the signal AFTER seconds later; it must end by the signal within
# 1.5 s (a loaded machine's slack), leaving r.keep and no temporary file.
signal_stop() {
	name=$1 sig=$2 after=$3
	shift 3
	echo old > r.keep
	timeout -k 1 8 "$BPTT" "$@" -o r.keep >"$OUT" 2>"$ERR" &
	pid=$!
	sleep "$after"
	t0=$EPOCHREALTIME
	kill -s "$sig" $pid 2>/dev/null
	wait $pid
	rc=$?
	t1=$EPOCHREALTIME
	need_rc $((128 + $(kill -l "$sig")))
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 1.5) }' ||
		fail_why "it took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s after the signal"
	grep -q "interrupted" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	[ "$(cat r.keep)" = old ] || fail_why "r.keep changed"
	ls -a | grep -q '^\.r\.keep\.' && fail_why "a temporary file was left"
	result "$name"
}
mkfifo r.fifo
signal_stop "grad --model FIFO-WITHOUT-WRITER: one SIGTERM stops it" TERM 0.3 \
	grad --model r.fifo --data r.data
signal_stop "init --orthogonal --hidden 3000: one SIGINT stops it within a second" INT 1 \
	init --arch rnn --input 2 --output 1 --hidden 3000 --orthogonal
rm -f r.fifo

# bptt task under the memory limit and the file's 10^9 numbers.
BPTT_MAX_MEMORY=1M bounded task adding --length 3000000 -o /dev/null
need_rc 2
grep -q "the adding task with T=3000000.*more than the limit of 1.0 MiB" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "task adding under BPTT_MAX_MEMORY=1M: refused before it allocates"
bounded task copy --length 60000000 --symbols 10 --alphabet 8 -o /dev/null
need_rc 2
grep -q "1140000000 numbers, more than a file may hold (10^9)" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "task copy of 1.14e9 numbers: the 10^9 cap named"

# Seeds never alias: 0 and 2^32 and above are refused (MT19937 takes 0 as
# 4357 and keeps 32 bits); seeds 1 and 4294967295 are accepted.
for seed in 0 4294967296 18446744073709551617; do
	bounded init --arch rnn --input 1 --hidden 2 --output 1 --seed $seed
	need_rc 2
	grep -q "^bptt init: --seed: '$seed' is not a seed: 1 to 4294967295" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "init --seed $seed: refused, it would alias another seed"
done
bounded task adding --length 5 --seed 4294967295
need_rc 0
result "task --seed 4294967295 is a seed"
bounded data --input 1 --output 1 --length 3 --seed 0
need_rc 2
result "data --seed 0: refused"

# One number syntax: an option's number is what a file may hold.
for v in 0x1p-1 " 0.5" "0.5 " inf nan; do
	bounded task linear --length 5 --a "$v"
	need_rc 2
	grep -q "is not a finite number" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "task linear --a '$v': refused, as in a file"
done
for v in +5 " 5" 5x; do
	bounded task adding --length "$v"
	need_rc 2
	grep -q "is not a whole number" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "task adding --length '$v': refused"
done
for v in 0 00 0x10M " 5M"; do
	BPTT_MAX_MEMORY=$v bounded task adding --length 5
	need_rc 2
	grep -q "BPTT_MAX_MEMORY: '.*' is not a size" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "BPTT_MAX_MEMORY='$v': refused (unlimited is written unlimited)"
done
BPTT_MAX_MEMORY=unlimited bounded task adding --length 5
need_rc 0
result "BPTT_MAX_MEMORY=unlimited"

# Messages quote at most 40 characters of a token and escape what is not
# printable, and keep their reason.
bounded task linear --length 5 --a "$(printf '1%.0s' $(seq 600))x"
need_rc 2
grep -q "^bptt task: --a: '1\{40\}'\.\.\. is not a finite number" "$ERR" || fail_why "stderr: $(head -c 300 "$ERR")"
result "a 600-character option value: quoted short, the reason kept"
bounded task linear --length 5 --a "$(printf '\033[2J')"
need_rc 2
grep -q "'\\\\x1b\[2J'" "$ERR" || fail_why "stderr: $(cat -v "$ERR")"
grep -q "$(printf '\033')" "$ERR" && fail_why "an escape code reached the terminal"
result "an escape code in an option value is shown escaped"

# A refused file says what is really wrong.
# file_says NAME PATTERN: grad --model r.bad refused with PATTERN (grep -E).
file_says() {
	bounded grad --model r.bad --data r.data
	need_rc 2
	grep -Eq -- "$2" "$ERR" || fail_why "stderr: $(cat -v "$ERR")"
	grep -q "$(printf '\033')" "$ERR" && fail_why "an escape code reached the terminal"
	result "$1"
}
printf '\357\273\277bptt-model 1\narch rnn\n' > r.bad
file_says "a UTF-8 byte order mark is named" "^r.bad:1: the file starts with a UTF-8 byte order mark"
printf 'bptt-model 1\rarch rnn\rdims 2 3 1\r' > r.bad
file_says "CR-only line ends are named" "^r.bad:1: the lines end with a carriage return alone"
printf 'bptt-model 1 extra\narch rnn\n' > r.bad
file_says "'bptt-model 1 extra': the extra field named" "^r.bad:1: 'extra' after the header 'bptt-model 1'"
printf 'bptt-model 1\narch rnn\ndims 2 3 1\n\033]0;title\007W 3 3\n' > r.bad
file_says "an escape code in a block name is shown escaped" "^r.bad:4: unknown block '.x1b\]0;title.x07W'"
{ printf 'bptt-model 1\narch rnn\ndims 2 3 1\nW 3 3\n'; printf '1%.0s' $(seq 600); printf ' 0 0\n'; } > r.bad
file_says "a 600-digit token: quoted short, the reason kept" "^r.bad:5: '1{40}\.\.\.' (is not a decimal number|overflows a double)"
rm -f r.bad
"$BPTT" data --input 2 --output 3 --length 4 -o r.data3 2>/dev/null
bounded grad --model r.model --data r.data3
need_rc 2
grep -q "^r.data3:7: block 'Y' has 3 columns, but the model's output size m is 1" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "data whose Y does not fit the model: the line of the Y header named"
rm -f r.data3

# Messages that say the real cause.
# A full disk is "no space left", for -o and for standard output (a report
# printed on it too).
bounded init --arch rnn --input 1 --hidden 2 --output 1 -o /dev/full
need_rc 2
grep -q "No space left on device" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "init -o /dev/full: no space left"
(ulimit -v $VMAX; timeout 5 "$BPTT" check --model r.model --data r.data) >/dev/full 2>"$ERR"
rc=$?
need_rc 2
grep -q "^bptt check: (standard output): write failed: No space left on device" "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "check > /dev/full: no space left, status 2"
# an interrupted check sends nothing of its report ("nothing written")
"$BPTT" init --arch lstm --input 3 --hidden 40 --output 2 -o r.lstm 2>/dev/null
"$BPTT" data --input 3 --output 2 --length 300 -o r.lstmdata 2>/dev/null
timeout -k 1 8 "$BPTT" check --model r.lstm --data r.lstmdata --threads 1 >"$OUT" 2>"$ERR" &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
need_rc 143
grep -q "nothing written" "$ERR" || fail_why "stderr: $(cat "$ERR")"
[ -s "$OUT" ] && fail_why "standard output: $(cat "$OUT")"
result "check interrupted: 'nothing written', and nothing on standard output"
rm -f r.lstm r.lstmdata
# threads that cannot be created are not "out of memory": the check runs
# with those it has (as another user under a limit of 5 processes; root
# has no such limit; skipped where that user cannot run a shell, e.g. in a
# chroot whose root directory only root may enter). The command runs from a
# copy in a directory that user may enter: the build may sit in one that
# only root may (a clone in a mktemp -d directory).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c true 2>/dev/null; then
	pub=$(mktemp -d "${TMPDIR:-/tmp}/bptt-cli-pub.XXXXXX")
	chmod 755 "$pub"
	pubbin=$pub/bptt
	cp r.model r.data "$pub/" && cp "$BPTT" "$pubbin" && chmod 644 "$pub"/r.* && chmod 755 "$pubbin"
	setpriv --reuid=nobody --regid=nogroup --clear-groups bash -c \
		'ulimit -u 5; timeout 8 "$0" check --model "$1/r.model" --data "$1/r.data" --threads 64' \
		"$pubbin" "$pub" >"$OUT" 2>"$ERR"
	rc=$?
	need_rc 0
	grep -q "every block agrees" "$OUT" || fail_why "stdout: $(cat "$OUT")"
	result "check --threads 64 under ulimit -u 5: runs with the threads it gets"
	# another user's file in a sticky directory (as /tmp): rename would
	# fail with EPERM after the work; refused before it, saying why
	sticky=$(mktemp -d "${TMPDIR:-/tmp}/bptt-cli-sticky.XXXXXX")
	chmod 1777 "$sticky"
	echo old > "$sticky/root.txt"; chmod 666 "$sticky/root.txt"
	setpriv --reuid=nobody --regid=nogroup --clear-groups timeout 5 "$pubbin" train --arch rnn \
		--hidden 3 --task adding --length 50 --steps 1000000 -o "$sticky/root.txt" >"$OUT" 2>"$ERR"
	rc=$?
	need_rc 2
	grep -q "belongs to another user.*sticky" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	[ "$(cat "$sticky/root.txt")" = old ] || fail_why "the file changed"
	result "train -o another user's file in a sticky directory: refused before the work"
	rm -rf "$pub" "$sticky"
fi

# Lessons (when they are built beside the command): knobs checked before
# any work, no temporary file left by a signal, no --out cut short.
LESSONS=$(dirname "$BPTT")/lessons
[ -x "$LESSONS/05_tbptt_bias" ] || LESSONS=$(dirname "$BPTT")/build/lessons
if [ -x "$LESSONS/05_tbptt_bias" ]; then
	mkdir -p les
	LVMAX=2000000
	grep -qa __asan_init "$LESSONS/05_tbptt_bias" && LVMAX=unlimited
	(ulimit -v $LVMAX; timeout 10 "$LESSONS/05_tbptt_bias" --hidden 99999999 --out les) >"$OUT" 2>"$ERR"
	rc=$?
	need_rc 2
	[ -n "$(ls les)" ] && fail_why "written before the refusal: $(ls les)"
	grep -q "n=99999999" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "05_tbptt_bias --hidden 99999999: refused before any work"
	(ulimit -v $LVMAX; timeout 10 "$LESSONS/08_orthogonal" --length 99999999 --out les) >"$OUT" 2>"$ERR"
	rc=$?
	need_rc 2
	grep -q "T=99999999: this needs about" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "08_orthogonal --length 99999999 under ulimit -v: refused, no crash"
	long=les/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))/$(printf 'f%.0s' $(seq 200))/$(printf 'g%.0s' $(seq 200))/$(printf 'h%.0s' $(seq 200))
	timeout 10 "$LESSONS/01_bptt" --out "$long" >"$OUT" 2>"$ERR"
	rc=$?
	need_rc 2
	grep -q -- "--out: a directory of" "$ERR" || fail_why "stderr: $(cat "$ERR")"
	result "01_bptt --out of 1000 bytes: refused, not cut"
	timeout -k 1 20 "$LESSONS/13_learning" --out les >"$OUT" 2>"$ERR" &
	pid=$!
	sleep 1
	kill -TERM $pid
	wait $pid
	rc=$?
	need_rc 143
	ls les | grep -q '\.tmp$' && fail_why "left: $(ls les)"
	result "13_learning stopped by SIGTERM: no .tmp left"
	rm -rf les
fi

# ---- option values in messages: escaped and cut --------------------------------------
run init --arch "$(printf 'r\033]0;owned\007nn')" --input 1 --hidden 1 --output 1
need_rc 2
grep -qF "unknown architecture 'r\\x1b]0;owned\\x07nn'" "$ERR" || fail_why "stderr: $(od -c "$ERR" | head -3)"
LC_ALL=C command grep -q "$(printf '\033')" "$ERR" && fail_why "an escape byte reached stderr"
run frobnicate-"$(printf 'x%.0s' $(seq 100))"
need_rc 2
grep -q "unknown command 'frobnicate-x*'\.\.\." "$ERR" || fail_why "stderr: $(cat "$ERR")"
result "option values and commands in messages: control bytes escaped, long ones cut"

# ---- summary --------------------------------------------------------------------------

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
