#!/usr/bin/env bash
# run-tests.sh BUILD_DIR BPTT TEST_BIN... — runs every Check suite and the
# shell tests (the command end to end, the lessons, installation, the man
# pages, the exercise grader), JOBS at a time (default 2: the machines have
# two cores); then reports each in order, writes "PASSED FAILED" counts to
# BUILD_DIR/results.txt and exits non-zero if anything failed.
set -u
dir=$1; bptt=$2; shift 2
jobs=${JOBS:-2}
logs=$dir/test-logs
rm -rf "$logs"; mkdir -p "$logs"
names=()

# start NAME COMMAND...: runs it in the background into $logs/NAME.{out,rc}
start() {
	local name=$1; shift
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n 2>/dev/null || true; done
	( "$@" > "$logs/$name.out" 2>&1; echo $? > "$logs/$name.rc" ) &
	names+=("$name")
}

# the slowest first, so that the pool stays busy
for t in $(ls -S "$@" 2>/dev/null); do start "$(basename "$t")" "$t"; done
start cli bash tests/cli.sh "./$bptt"
[ -f tests/lessons.sh ] && start lessons bash tests/lessons.sh "$dir"
[ -f tests/grade.sh ] && start grade bash tests/grade.sh "$dir"
# installing and the man pages are about the normal build only
if [ "$dir" = build ]; then
	[ -f tests/install.sh ] && start install bash tests/install.sh
	[ -f tests/man.sh ] && start man bash tests/man.sh "./$bptt"
	# valgrind's memcheck cannot run a sanitized build
	[ -f tests/leaks.sh ] && start leaks bash tests/leaks.sh "./$bptt"
fi
wait

passed=0; failed=0
for name in $(printf '%s\n' "${names[@]}" | sort); do
	out=$(cat "$logs/$name.out"); rc=$(cat "$logs/$name.rc" 2>/dev/null || echo 1)
	case $name in
	test_*)
		echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$name: |"
		echo "$out" | grep -E ':[EF]:' | head -20
		line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
		n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
		f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
		e=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
		if [ -z "$n" ]; then
			echo "$name: did not run to completion (exit $rc)"; echo "$out" | tail -20
			failed=$((failed + 1)); continue
		fi
		passed=$((passed + n - f - e)); failed=$((failed + f + e))
		[ "$rc" = 0 ] || [ $((f + e)) -gt 0 ] || failed=$((failed + 1))
		;;
	*)
		echo "$out" | grep -E '^not ok' -A1 | head -20
		line=$(echo "$out" | grep -E "^$name: [0-9]+ passed" | tail -1)
		echo "$line"
		p=$(echo "$line" | sed -n "s/$name: \([0-9]*\) passed.*/\1/p")
		f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
		if [ -z "$p" ]; then
			echo "$name did not finish (exit $rc)"; echo "$out" | tail -20
			failed=$((failed + 1))
		else
			passed=$((passed + p)); failed=$((failed + f))
			[ "$rc" = 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
		fi
		;;
	esac
done
echo "$passed $failed" > "$dir/results.txt"
[ "$failed" = 0 ]
