#!/bin/sh
# run-tests.sh BUILD_DIR BPTT TEST_BIN... — runs every Check suite and the
# command's end-to-end tests; writes "PASSED FAILED" counts to
# BUILD_DIR/results.txt and exits non-zero if anything failed.
set -u
dir=$1; bptt=$2; shift 2
passed=0; failed=0; bad=""
# The suites run JOBS at a time (default: the number of processors), each
# into its own log; the logs are then read in order.
logs=$(mktemp -d "${TMPDIR:-/tmp}/bptt-tests.XXXXXX") || exit 1
trap 'rm -rf "$logs"' EXIT
for t in "$@"; do printf '%s\n' "$t"; done |
	xargs -P "${JOBS:-$(nproc 2>/dev/null || echo 1)}" -I{} \
		sh -c 'log="$2/$(basename "$1")"; "$1" > "$log" 2>&1; echo $? > "$log.rc"' _ {} "$logs"
for t in "$@"; do
	out=$(cat "$logs/$(basename "$t")"); rc=$(cat "$logs/$(basename "$t").rc")
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
# shell_test NAME SCRIPT ARGS...: runs a shell test that ends with the line
# "NAME: N passed, M failed" and adds its counts.
shell_test() {
	name=$1; script=$2; shift 2
	[ -f "$script" ] || return 0
	out=$(bash "$script" "$@" 2>&1); rc=$?
	echo "$out" | grep -E '^not ok' -A1 | head -20
	line=$(echo "$out" | grep -E "^$name: [0-9]+ passed" | tail -1)
	echo "$line"
	p=$(echo "$line" | sed -n "s/$name: \([0-9]*\) passed.*/\1/p")
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$p" ]; then
		echo "$script did not finish (exit $rc)"; echo "$out" | tail -20
		failed=$((failed + 1))
	else
		passed=$((passed + p)); failed=$((failed + f))
		[ "$rc" = 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	fi
}
shell_test cli tests/cli.sh "./$bptt"
shell_test lessons tests/lessons.sh "$dir"
# installing is about the normal build only
[ "$dir" = build ] && shell_test install tests/install.sh
[ "$dir" = build ] && shell_test man tests/man.sh "./$bptt"
# valgrind's memcheck: the normal build only (it cannot run a sanitized one)
[ "$dir" = build ] && shell_test leaks tests/leaks.sh "./$bptt"
echo "$passed $failed" > "$dir/results.txt"
[ "$failed" = 0 ]
