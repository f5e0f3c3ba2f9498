#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# grade.sh BUILD_DIR — the auto-graded exercises end to end:
#  - every reference solution scores full marks in both modes (exit 0), and
#    every untouched stub (derive and guided) fails every part (exit 1);
#  - every planted mistake in tests/grade/*.sed (a sed script applied to a
#    reference solution; its "# expect:" lines are regular expressions the
#    grader's output must match) scores below full marks (exit 1) and names
#    the block and the kind of mistake: sign, transpose, overwrite, stride,
#    missing paths, NaN, time windows off by one, out-of-range callback
#    calls, crashes with file:line, exits, forged results, endless loops;
#  - the hint levels, the Gradescope and JUnit files (checked with
#    python3's JSON parser and xmllint), collect.sh, and the refusals.
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
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -12 | sed 's/^/#   /'; failed=$((failed + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bptt-grade.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
top=$PWD

mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$top" SANITIZE=$san "$@"; }
# At most two jobs at a time (the machines are shared).
slot() { while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done; }
# job NAME EX FILE ASAN [GRADER ARGS…]: builds the grader for FILE as
# $tmp/NAME (ASAN=1: with its AddressSanitizer twin) and runs it; writes
# $tmp/NAME.out, the result $tmp/NAME.txt (or as the args say) and
# $tmp/NAME.rc (99: no build).
job() {
	local name=$1 ex=$2 file=$3 asan=$4 twin
	shift 4
	twin=$tmp/$name-asan
	[ "$san" = 1 ] && twin=$tmp/$name
	if mk grade-build EX="$ex" STUDENT="$file" GRADE_BIN="$tmp/$name" \
		GRADE_ASAN_BUILD="$asan" > "$tmp/$name.out" 2>&1; then
		"$tmp/$name" --exercise "$ex" --file "$file" --asan "$twin" \
			--result "$tmp/$name.txt" "$@" > "$tmp/$name.out" 2>&1
		echo $? > "$tmp/$name.rc"
	else
		echo 99 > "$tmp/$name.rc"
	fi
}
# mjob NAME EX MODE [FILE]: the same through `make grade` (make's own status).
mjob() {
	mk grade EX="$2" MODE="$3" ${4:+STUDENT="$4"} GRADE_BIN="$tmp/$1" GRADE_ASAN_BUILD=0 \
		RESULT="$tmp/$1.txt" > "$tmp/$1.out" 2>&1
	echo $? > "$tmp/$1.rc"
}
# result NAME: sets rc.
result() { rc=$(cat "$tmp/$1.rc" 2>/dev/null || echo 98); }

# The text result's format: comments, step lines, block lines, one score
# line last that adds them up.
format_ok() {
	awk 'BEGIN { bad = 0; s = 0 }
	     /^#/ { next }
	     /^step [^ ]+ (PASS|FAIL)$/ { if (s) bad = 1; n++; if ($3 == "PASS") p++; next }
	     /^block [^ ]+ [^ ]+ (PASS|FAIL)$/ { if (s) bad = 1; n++; nb++; if ($4 == "PASS") p++; next }
	     /^score [0-9]+\/[0-9]+$/ { s++; split($2, a, "/"); if (a[1] != p + 0 || a[2] != n + 0) bad = 1; next }
	     { bad = 1 }
	     END { exit !(bad == 0 && s == 1 && nb > 0) }' "$1"
}

declare -A points=([rnn]=9 [gru]=21 [lstm]=28 [orthogonal]=2 [attention]=15 [tbptt]=6)
exercises="rnn gru lstm orthogonal attention tbptt"

# ---- build and run everything (the shared objects first) ----
mk "$B/grade/grade.o" "$B/grade/grade_out.o" > "$tmp/build.out" 2>&1 \
	|| bad "building the grader's objects" "$(cat "$tmp/build.out")"
if grep -q "warning" "$tmp/build.out"; then
	bad "the grader compiles without warnings" "$(cat "$tmp/build.out")"
else
	ok "the grader compiles without warnings"
fi
for ex in $exercises; do
	slot; mjob sol-$ex $ex derive lessons/solutions/ex_$ex.c &
	slot; mjob solg-$ex $ex guided lessons/solutions/ex_$ex.c &
	slot; mjob stub-$ex $ex derive &
	slot; mjob stubg-$ex $ex guided &
done
mistakes=""
for f in tests/grade/*.sed; do
	m=$(basename "$f" .sed)
	ex=$(sed -n 's/^# exercise: //p' "$f")
	sed -f "$f" "lessons/solutions/ex_$ex.c" > "$tmp/$m.c"
	if cmp -s "lessons/solutions/ex_$ex.c" "$tmp/$m.c"; then
		bad "$m: the sed script does not change the $ex solution"
		continue
	fi
	asan=0
	grep -q '^# expect: .*\\\.c:' "$f" && asan=1
	mistakes="$mistakes $m"
	slot; job "$m" "$ex" "$tmp/$m.c" $asan &
done
sed 's/"W_r", "U_r"/"W_q", "U_r"/' lessons/solutions/ex_gru.c > "$tmp/layout.c"
slot; job layout gru "$tmp/layout.c" 0 &
wait

# ---- solutions and stubs ----
for ex in $exercises; do
	n=${points[$ex]}
	for v in sol solg; do
		result $v-$ex
		if [ "$rc" = 0 ] && grep -q "^score $n/$n\$" "$tmp/$v-$ex.txt" \
			&& grep -q "^score $n/$n.*: PASS" "$tmp/$v-$ex.out" \
			&& format_ok "$tmp/$v-$ex.txt"; then
			ok "make grade: the $ex solution scores $n/$n ($v)"
		else
			bad "make grade: the $ex solution scores $n/$n ($v, exit $rc)" \
				"$(cat "$tmp/$v-$ex.out" "$tmp/$v-$ex.txt" 2>/dev/null)"
		fi
	done
	for v in stub stubg; do
		result $v-$ex
		if [ "$rc" = 2 ] && grep -q "^score 0/$n\$" "$tmp/$v-$ex.txt" \
			&& ! grep -q ' PASS$' "$tmp/$v-$ex.txt" \
			&& grep -q "nothing is implemented yet" "$tmp/$v-$ex.out" \
			&& format_ok "$tmp/$v-$ex.txt"; then
			ok "the untouched $ex stub fails every part ($v)"
		else
			bad "the untouched $ex stub fails every part ($v, make's exit $rc)" "$(cat "$tmp/$v-$ex.out")"
		fi
	done
done

# ---- the planted mistakes ----
for m in $mistakes; do
	f=tests/grade/$m.sed
	ex=$(sed -n 's/^# exercise: //p' "$f")
	n=${points[$ex]}
	result "$m"
	why=""
	[ "$rc" = 1 ] || why="exit $rc, not 1"
	grep -q "^score $n/$n\$" "$tmp/$m.txt" 2>/dev/null && why="$why; full marks"
	format_ok "$tmp/$m.txt" || why="$why; the result file"
	while IFS= read -r re; do
		grep -E -q -- "$re" "$tmp/$m.out" || why="$why; no line matches: $re"
	done < <(sed -n 's/^# expect: //p' "$f")
	desc=$(sed -n '3s/^# //p' "$f")
	if [ -z "$why" ]; then ok "$m: $desc"; else
		bad "$m: $desc ($why)" "$(cat "$tmp/$m.out")"; fi
done

# ---- refusals, defaults ----
result layout
if [ "$rc" = 2 ] && grep -q "layout is not the gru exercise's: block 4 is W_q" "$tmp/layout.out" \
	&& [ ! -e "$tmp/layout.txt" ]; then
	ok "a changed layout is refused (exit 2)"
else
	bad "a changed layout is refused (exit 2) (exit $rc)" "$(cat "$tmp/layout.out")"
fi
g=$tmp/sol-gru
if [ -x "$g" ]; then
	"$g" --exercise lstm --result "$tmp/wrong.txt" > "$tmp/wrong.out" 2>&1; rc=$?
	if [ "$rc" = 2 ] && grep -q "'gru' exercise, not 'lstm'" "$tmp/wrong.out" && [ ! -e "$tmp/wrong.txt" ]; then
		ok "the wrong exercise is refused"
	else
		bad "the wrong exercise is refused (exit $rc)" "$(cat "$tmp/wrong.out")"
	fi
	"$g" --hints 4 > "$tmp/h4.out" 2>&1; rc=$?
	[ "$rc" = 2 ] && ok "--hints 4 is refused" || bad "--hints 4 is refused (exit $rc)" "$(cat "$tmp/h4.out")"
	(cd "$tmp" && ./sol-gru > /dev/null 2>&1); rc=$?
	if [ "$rc" = 0 ] && grep -q '^score 21/21$' "$tmp/grade-gru.txt"; then
		ok "the default result file is grade-gru.txt"
	else
		bad "the default result file is grade-gru.txt (exit $rc)"
	fi
else
	bad "the gru grader was not built"
fi

# ---- hint levels (the transposed dW) ----
t=$tmp/rnn_transposed
if [ -x "$t" ]; then
	for h in 0 1 2 3; do
		"$t" --hints $h --result "$tmp/h$h.txt" > "$tmp/h$h.out" 2>&1; echo $? > "$tmp/h$h.rc"
	done
	row() { grep -E '^W +FAIL' "$tmp/h$1.out"; }
	if [ "$(cat "$tmp/h0.rc")" = 1 ] && ! row 0 | grep -q 'transposed' \
		&& row 1 | grep -q 'transposed' && ! row 1 | grep -q 'look at' \
		&& row 2 | grep -q 'look at the outer product da_t h_{t-1}^T in the equation for dW' \
		&& ! row 2 | grep -q 'want' \
		&& row 3 | grep -q 'want dW += da_t h_{t-1}^T'; then
		ok "hint levels: 0 no hint, 1 the kind, 2 the term, 3 the equation"
	else
		bad "hint levels: 0 no hint, 1 the kind, 2 the term, 3 the equation" "$(cat "$tmp"/h[0-3].out | grep -E '^W ')"
	fi
fi

# ---- Gradescope and JUnit ----
json_ok() {   # FILE SCORE MAX: valid JSON in Gradescope's shape
	python3 - "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
score, mx = float(sys.argv[2]), float(sys.argv[3])
assert isinstance(d["tests"], list) and len(d["tests"]) == mx
for t in d["tests"]:
    assert isinstance(t["name"], str) and isinstance(t["output"], str)
    assert t["score"] in (0, 1) and t["max_score"] == 1
    assert t["status"] in ("passed", "failed")
assert sum(t["score"] for t in d["tests"]) == score == d["score"]
assert d["max_score"] == mx
EOF
}
for v in sol-rnn:9:9 rnn_transposed:7:9 rnn_null:0:9; do
	name=${v%%:*}; s=${v#*:}; s=${s%:*}; mx=${v##*:}
	[ -x "$tmp/$name" ] || { bad "$name: not built"; continue; }
	"$tmp/$name" --asan "$tmp/$name-asan" --format gradescope --result "$tmp/$name.json" > "$tmp/$name.gs.out" 2>&1; rc=$?
	if python3 -m json.tool "$tmp/$name.json" > /dev/null 2>&1 && json_ok "$tmp/$name.json" "$s" "$mx" 2>/dev/null \
		&& { [ "$s" = "$mx" ] && [ "$rc" = 0 ] || [ "$rc" = 1 ]; }; then
		ok "FORMAT=gradescope: $name, valid results.json scoring $s/$mx"
	else
		bad "FORMAT=gradescope: $name, valid results.json scoring $s/$mx (exit $rc)" "$(cat "$tmp/$name.json" 2>&1)"
	fi
	"$tmp/$name" --asan "$tmp/$name-asan" --format junit --result "$tmp/$name.xml" > /dev/null 2>&1
	if xmllint --noout "$tmp/$name.xml" 2>"$tmp/$name.xmllint" \
		&& [ "$(grep -c '<testcase ' "$tmp/$name.xml")" = "$mx" ] \
		&& [ "$(grep -c '<failure ' "$tmp/$name.xml")" = $((mx - s)) ] \
		&& grep -q "<testsuite name=\"rnn\" tests=\"$mx\" failures=\"$((mx - s))\"" "$tmp/$name.xml"; then
		ok "FORMAT=junit: $name, well-formed XML with $((mx - s)) failures of $mx"
	else
		bad "FORMAT=junit: $name, well-formed XML with $((mx - s)) failures of $mx" "$(cat "$tmp/$name.xmllint" "$tmp/$name.xml")"
	fi
done
(cd "$tmp" && ./sol-rnn --format gradescope > /dev/null 2>&1 && ./sol-rnn --format junit > /dev/null 2>&1)
[ -f "$tmp/results.json" ] && [ -f "$tmp/grade-rnn.xml" ] \
	&& ok "default names: results.json, grade-rnn.xml" || bad "default names: results.json, grade-rnn.xml"

# ---- collect.sh ----
mkdir -p "$tmp/class"
cp "$tmp/sol-gru.txt" "$tmp/class/ana.txt" 2>/dev/null
cp "$tmp/gru_reset.txt" "$tmp/class/ben.txt" 2>/dev/null
cp "$tmp/stub-gru.txt" "$tmp/class/carla.txt" 2>/dev/null
sh lessons/exercises/collect.sh "$tmp/class" > "$tmp/class.csv" 2> "$tmp/class.err"; rc=$?
if [ "$rc" = 0 ] && [ "$(head -1 "$tmp/class.csv")" = "student,exercise,mode,score,max_score,one_step_failed,sequence_failed" ] \
	&& grep -q '^ana,gru,derive,21,21,,$' "$tmp/class.csv" \
	&& grep -E -q '^ben,gru,derive,[0-9]+,21,dh_prev,' "$tmp/class.csv" \
	&& grep -E -q '^carla,gru,derive,0,21,W_z .*dh_prev,W_z ' "$tmp/class.csv" \
	&& [ "$(wc -l < "$tmp/class.csv")" = 4 ]; then
	ok "collect.sh: one CSV row per student"
else
	bad "collect.sh: one CSV row per student (exit $rc)" "$(cat "$tmp/class.csv" "$tmp/class.err")"
fi
sh lessons/exercises/collect.sh "$tmp/nowhere" > /dev/null 2> "$tmp/coll.err"; rc=$?
[ "$rc" = 2 ] && grep -q "nowhere" "$tmp/coll.err" && ok "collect.sh: a missing folder is refused" \
	|| bad "collect.sh: a missing folder is refused (exit $rc)" "$(cat "$tmp/coll.err")"

echo "grade: $passed passed, $failed failed"
[ "$failed" = 0 ]
