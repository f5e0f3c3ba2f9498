#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# grade.sh BUILD_DIR — the auto-graded exercises end to end: every reference
# solution passes (exit 0, score N/N), every untouched stub fails (exit 1,
# every block named, "nothing is implemented yet"), a deliberately
# transposed solution fails naming block W with a "transposed" hint, and the
# grader's other refusals and failures (wrong exercise, changed layout,
# a crash, the result file's format, make grade itself).
#
# The graders are built with `make grade-build`, in the sanitizer build when
# BUILD_DIR is build/debug (SANITIZE=1), so the student's code and the
# grader run under ASan + UBSan there. Prints "ok - …"/"not ok - …" and
# "grade: N passed, M failed".
set -u
B=${1:-build}
san=0
case $B in */debug|debug) san=1 ;; esac
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -8 | sed 's/^/#   /'; failed=$((failed + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bptt-grade.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
top=$PWD

mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top" SANITIZE=$san "$@"; }
# job NAME EX FILE: builds the grader for FILE as $tmp/NAME and runs it;
# $tmp/NAME.out, $tmp/NAME.txt (the result) and $tmp/NAME.rc (99: no build).
job() {
	if mk grade-build EX="$2" STUDENT="$3" GRADE_BIN="$tmp/$1" > "$tmp/$1.out" 2>&1; then
		"$tmp/$1" --exercise "$2" --file "$3" --result "$tmp/$1.txt" > "$tmp/$1.out" 2>&1
		echo $? > "$tmp/$1.rc"
	else
		echo 99 > "$tmp/$1.rc"
	fi
}
# mjob NAME EX FILE: the same through `make grade` (make's own status).
mjob() {
	mk grade EX="$2" STUDENT="$3" GRADE_BIN="$tmp/$1" RESULT="$tmp/$1.txt" > "$tmp/$1.out" 2>&1
	echo $? > "$tmp/$1.rc"
}
# result NAME: sets rc.
result() { rc=$(cat "$tmp/$1.rc" 2>/dev/null || echo 98); }

# The result file's format: comments, block lines, one score line last.
format_ok() {
	awk 'BEGIN { bad = 0; s = 0 }
	     /^#/ { next }
	     /^block [^ ]+ [^ ]+ (PASS|FAIL)$/ { if (s) bad = 1; n++; if ($4 == "PASS") p++; next }
	     /^score [0-9]+\/[0-9]+$/ { s++; split($2, a, "/"); if (a[1] != p + 0 || a[2] != n + 0) bad = 1; next }
	     { bad = 1 }
	     END { exit !(bad == 0 && s == 1 && n > 0) }' "$1"
}

# The broken solutions, made by sed from the reference solutions.
# ∂W transposed:
sed 's/gW\[i \* n + j\] += da\[i\] \* h_prev\[j\]/gW[j * n + i] += da[i] * h_prev[j]/' \
	lessons/solutions/ex_rnn.c > "$tmp/transposed.c"
# the GRU's update gate without σ' = z(1 − z):
sed 's/daz\[i\] = dh\[i\] \* (hh\[i\] - h_prev\[i\]) \* z\[i\] \* (1.0 - z\[i\]);/daz[i] = dh[i] * (hh[i] - h_prev[i]);/' \
	lessons/solutions/ex_gru.c > "$tmp/gate.c"
# truncated BPTT without the window:
sed 's/size_t steps = k < t ? k : t;/size_t steps = t; (void)k;/' \
	lessons/solutions/ex_tbptt.c > "$tmp/full.c"
# a backward that writes through dx = NULL:
sed '/^\t\tif (dx)$/d' lessons/solutions/ex_rnn.c > "$tmp/crash.c"
# a changed layout:
sed 's/"W_r", "U_r"/"W_q", "U_r"/' lessons/solutions/ex_gru.c > "$tmp/layout.c"
for f in transposed:rnn gate:gru full:tbptt crash:rnn layout:gru; do
	if cmp -s "lessons/solutions/ex_${f#*:}.c" "$tmp/${f%:*}.c"; then
		bad "the ${f%:*} variant: the sed did not change the ${f#*:} solution"
	fi
done

# Every grader at once (the shared object first): building dominates.
mk "$B/grade/grade.o" > "$tmp/build.out" 2>&1 || bad "building $B/grade/grade.o" "$(cat "$tmp/build.out")"
for ex in rnn gru lstm tbptt; do
	mjob sol-$ex $ex lessons/solutions/ex_$ex.c &
	job stub-$ex $ex lessons/exercises/ex_$ex.c &
done
job transposed rnn "$tmp/transposed.c" &
job gate gru "$tmp/gate.c" &
job full tbptt "$tmp/full.c" &
job crash rnn "$tmp/crash.c" &
job layout gru "$tmp/layout.c" &
wait

declare -A nblocks=([rnn]=4 [gru]=10 [lstm]=13 [tbptt]=6)
for ex in rnn gru lstm tbptt; do
	n=${nblocks[$ex]}
	result sol-$ex
	if [ "$rc" = 0 ] && grep -q "^score $n/$n\$" "$tmp/sol-$ex.txt" \
		&& [ "$(grep -c '^block .* PASS$' "$tmp/sol-$ex.txt")" = "$n" ] \
		&& grep -q "^score $n/$n: PASS" "$tmp/sol-$ex.out"; then
		ok "make grade: the $ex solution passes, score $n/$n"
	else
		bad "make grade: the $ex solution passes, score $n/$n (exit $rc)" "$(cat "$tmp/sol-$ex.out" "$tmp/sol-$ex.txt" 2>/dev/null)"
	fi
	if format_ok "$tmp/sol-$ex.txt"; then ok "$ex: the result file's format"; else
		bad "$ex: the result file's format" "$(cat "$tmp/sol-$ex.txt" 2>/dev/null)"; fi

	result stub-$ex
	names=$(awk '$1 == "block" { printf " %s", $2 }' "$tmp/sol-$ex.txt")
	if [ "$rc" = 1 ] && grep -q "^score 0/$n\$" "$tmp/stub-$ex.txt" \
		&& [ "$(grep -c '^block .* FAIL$' "$tmp/stub-$ex.txt")" = "$n" ] \
		&& grep -q "^score 0/$n: FAIL in$names\$" "$tmp/stub-$ex.out" \
		&& grep -q "nothing is implemented yet" "$tmp/stub-$ex.out" \
		&& format_ok "$tmp/stub-$ex.txt"; then
		ok "the untouched $ex stub fails (exit 1), naming every block"
	else
		bad "the untouched $ex stub fails (exit 1), naming every block (exit $rc)" "$(cat "$tmp/stub-$ex.out")"
	fi
done

# ∂W transposed: block W fails with a "transposed" hint, the others pass.
result transposed
if [ "$rc" = 1 ] && grep -q '^block W [^ ]* FAIL$' "$tmp/transposed.txt" \
	&& [ "$(grep -c ' PASS$' "$tmp/transposed.txt")" = 3 ] \
	&& grep -q '^score 3/4$' "$tmp/transposed.txt" \
	&& grep -E -q '^W +[^ ]+ +FAIL +transposed' "$tmp/transposed.out" \
	&& grep -q '^score 3/4: FAIL in W$' "$tmp/transposed.out"; then
	ok "a transposed dW fails block W with a 'transposed' hint"
else
	bad "a transposed dW fails block W with a 'transposed' hint (exit $rc)" "$(cat "$tmp/transposed.out")"
fi

result gate
if [ "$rc" = 1 ] && grep -E -q '^W_z +[^ ]+ +FAIL .*missing a term from the gate' "$tmp/gate.out" \
	&& grep -E -q '^U_z +[^ ]+ +FAIL .*missing a term from the gate' "$tmp/gate.out"; then
	ok "a GRU gate without its derivative: 'missing a term from the gate'"
else
	bad "a GRU gate without its derivative: 'missing a term from the gate' (exit $rc)" "$(cat "$tmp/gate.out")"
fi

result full
if [ "$rc" = 1 ] && grep -E -q '^W +[^ ]+ +FAIL +this is full BPTT' "$tmp/full.out"; then
	ok "a tbptt loop without the window: 'full BPTT'"
else
	bad "a tbptt loop without the window: 'full BPTT' (exit $rc)" "$(cat "$tmp/full.out")"
fi

# The grader survives the crash, says so, and writes a failing result.
result crash
if [ "$rc" = 1 ] && grep -q "^FAIL: your code .*dx = NULL" "$tmp/crash.out" \
	&& grep -q '^score 0/4$' "$tmp/crash.txt" && format_ok "$tmp/crash.txt"; then
	ok "a crash in the student's code: exit 1, a message and a failing result"
else
	bad "a crash in the student's code: exit 1, a message and a failing result (exit $rc)" "$(cat "$tmp/crash.out")"
fi

result layout
if [ "$rc" = 2 ] && grep -q "layout is not the gru exercise's: block 4 is W_q" "$tmp/layout.out" \
	&& [ ! -e "$tmp/layout.txt" ]; then
	ok "a changed layout is refused (exit 2)"
else
	bad "a changed layout is refused (exit 2) (exit $rc)" "$(cat "$tmp/layout.out")"
fi

# The wrong exercise is refused; without --result the file is grade-EX.txt.
if [ -x "$tmp/sol-gru" ]; then
	"$tmp/sol-gru" --exercise lstm --result "$tmp/wrong.txt" > "$tmp/wrong.out" 2>&1; rc=$?
	if [ "$rc" = 2 ] && grep -q "'gru' exercise, not 'lstm'" "$tmp/wrong.out" && [ ! -e "$tmp/wrong.txt" ]; then
		ok "the wrong exercise is refused"
	else
		bad "the wrong exercise is refused (exit $rc)" "$(cat "$tmp/wrong.out")"
	fi
	(cd "$tmp" && ./sol-gru > /dev/null 2>&1); rc=$?
	if [ "$rc" = 0 ] && grep -q '^score 10/10$' "$tmp/grade-gru.txt"; then
		ok "the default result file is grade-gru.txt"
	else
		bad "the default result file is grade-gru.txt (exit $rc)"
	fi
else
	bad "the gru grader was not built"
fi

echo "grade: $passed passed, $failed failed"
[ "$failed" = 0 ]
