#!/bin/sh
# run-tests.sh BUILD_DIR BPTT TEST_BIN... — runs every Check suite, the
# command's end-to-end tests, the lessons' and the exercise grader's
# (tests/grade.sh); writes "PASSED FAILED" counts to
# BUILD_DIR/results.txt and exits non-zero if anything failed.
set -u
dir=$1; bptt=$2; shift 2
passed=0; failed=0; bad=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$(basename "$t"): |"
	echo "$out" | grep -E ':[EF]:' | head -20
	line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
	n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
	e=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
	if [ -z "$n" ]; then
		echo "$(basename "$t"): did not run to completion (exit $rc)"
		echo "$out" | tail -20
		failed=$((failed + 1)); bad="$bad $t"; continue
	fi
	passed=$((passed + n - f - e)); failed=$((failed + f + e))
	[ "$rc" = 0 ] || [ $((f + e)) -gt 0 ] || { failed=$((failed + 1)); bad="$bad $t"; }
done
if [ -f tests/cli.sh ]; then
	out=$(bash tests/cli.sh "./$bptt" 2>&1); rc=$?
	echo "$out" | grep -E '^not ok' | head -20
	line=$(echo "$out" | grep -E '^cli: [0-9]+ passed' | tail -1)
	echo "$line"
	p=$(echo "$line" | sed -n 's/cli: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		echo "tests/cli.sh did not finish (exit $rc)"; echo "$out" | tail -20
		failed=$((failed + 1))
	else
		passed=$((passed + p)); failed=$((failed + f))
		[ "$rc" = 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	fi
fi
if [ -f tests/lessons.sh ]; then
	out=$(bash tests/lessons.sh "$dir" 2>&1); rc=$?
	echo "$out" | grep -E '^not ok' -A1 | head -20
	line=$(echo "$out" | grep -E '^lessons: [0-9]+ passed' | tail -1)
	echo "$line"
	p=$(echo "$line" | sed -n 's/lessons: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		echo "tests/lessons.sh did not finish (exit $rc)"; echo "$out" | tail -20
		failed=$((failed + 1))
	else
		passed=$((passed + p)); failed=$((failed + f))
		[ "$rc" = 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	fi
fi
if [ -f tests/grade.sh ]; then
	out=$(bash tests/grade.sh "$dir" 2>&1); rc=$?
	echo "$out" | grep -E '^not ok' -A3 | head -20
	line=$(echo "$out" | grep -E '^grade: [0-9]+ passed' | tail -1)
	echo "$line"
	p=$(echo "$line" | sed -n 's/grade: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		echo "tests/grade.sh did not finish (exit $rc)"; echo "$out" | tail -20
		failed=$((failed + 1))
	else
		passed=$((passed + p)); failed=$((failed + f))
		[ "$rc" = 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	fi
fi
echo "$passed $failed" > "$dir/results.txt"
[ "$failed" = 0 ]
