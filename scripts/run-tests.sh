#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run-tests.sh BUILD_DIR BPTT TEST_BIN... — runs every Check suite and the
# shell tests (the command end to end, the lessons, installation, the man
# pages, the exercise grader), JOBS at a time (default 2: the machines have
# two cores), the slowest first (by the times of the last run, kept in
# BUILD_DIR/test-times.txt), so that the workers finish together; then
# reports each in order, writes "PASSED FAILED" counts to
# BUILD_DIR/results.txt and exits non-zero if anything failed.
#
# With SANITIZE=1 each Check suite runs in one process (CK_FORK=no) under a
# timeout of its own: a forked child per test made LeakSanitizer's exit
# check run once per test, five times the suites' own time. Leaks are still
# found (once, at the suite's exit, for every test: a non-zero exit), and
# the -O2 run keeps the fork per test, its isolation and Check's timeouts.
set -u
dir=$1; bptt=$2; shift 2
jobs=${JOBS:-2}
logs=$dir/test-logs
times=$dir/test-times.txt
rm -rf "$logs"; mkdir -p "$logs"
names=()

# start NAME COMMAND...: runs it in the background into $logs/NAME.{out,rc,ms}
start() {
	local name=$1; shift
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n 2>/dev/null || true; done
	( t0=$(date +%s%N)
	  "$@" > "$logs/$name.out" 2>&1; echo $? > "$logs/$name.rc"
	  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$logs/$name.ms" ) &
	names+=("$name")
}

# Every job: "NAME COMMAND…" (one per line). Without a record of the last
# run, the long shell tests go first, then the suites by size.
declare -A cmd
order=()
add() { cmd[$1]="${*:2}"; order+=("$1"); }
sanitized=${SANITIZE:-0}
if [ "$dir" = build ]; then
	# valgrind's memcheck cannot run a sanitized build, nor follow malloc
	# in a static executable: the command linked dynamically (Makefile)
	leakbin=$bptt
	[ -x "$dir/bptt-dynamic" ] && leakbin=$dir/bptt-dynamic
	[ -f tests/leaks.sh ] && add leaks bash tests/leaks.sh "./$leakbin"
fi
add cli bash tests/cli.sh "./$bptt"
[ -f tests/lessons.sh ] && add lessons bash tests/lessons.sh "$dir"
[ -f tests/grade.sh ] && add grade bash tests/grade.sh "$dir"
# installing and the man pages are about the normal build only
if [ "$dir" = build ]; then
	[ -f tests/man.sh ] && add man bash tests/man.sh "./$bptt"
	[ -f tests/install.sh ] && add install bash tests/install.sh
fi
for t in $(ls -S "$@" 2>/dev/null); do
	if [ "$sanitized" = 1 ]; then
		add "$(basename "$t")" env CK_FORK=no timeout -k 10 900 "$t"
	else
		add "$(basename "$t")" "$t"
	fi
done
if [ -s "$times" ]; then
	# known jobs by their last time, slowest first; new ones before them
	mapfile -t order < <(for n in "${order[@]}"; do
		ms=$(awk -v n="$n" '$1 == n { print $2 }' "$times")
		echo "${ms:-999999999} $n"; done | sort -k1,1nr -s | cut -d' ' -f2)
fi
for n in "${order[@]}"; do
	# shellcheck disable=SC2086 # the commands are words without spaces
	start "$n" ${cmd[$n]}
done
wait
for n in "${names[@]}"; do echo "$n $(cat "$logs/$n.ms" 2>/dev/null || echo 0)"; done > "$times"

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
		if [ "$rc" != 0 ] && [ $((f + e)) = 0 ]; then
			# every test passed, but the suite did not exit 0: a
			# sanitizer's report at exit (a leak), or the timeout
			echo "$name: every test passed, but it exited $rc:"; echo "$out" | grep -v '^[0-9]*%: Checks' | tail -20
			failed=$((failed + 1))
		fi
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
