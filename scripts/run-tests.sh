#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# run-tests.sh BUILD_DIR BPTT TEST_BIN... — runs every Check suite and the
# shell tests (the command end to end, the lessons, the numbers their
# texts quote, installation, the man pages, the exercise grader, the
# figures with other knobs, the gallery in a browser, the Python bridge,
# and whatever else the list below names), JOBS at a time (default 2: the
# machines have two cores), the slowest first (by the times of the last
# run, kept in BUILD_DIR/test-times.txt), so that the workers finish
# together. A line as each starts and one with its counts as it ends; at
# the end what failed and the total, "PASSED FAILED" in
# BUILD_DIR/results.txt, and a non-zero exit if anything failed. With
# PORTABLE=1: the unit tests and the command's only.
#
# With SANITIZE=1 each Check suite runs in one process (CK_FORK=no) under a
# timeout of its own: a forked child per test made LeakSanitizer's exit
# check run once per test, five times the suites' own time. Leaks are still
# found (once, at the suite's exit, for every test: a non-zero exit), and
# the -O2 run keeps the fork per test, its isolation and Check's timeouts.
set -u
# Numbers computed through OpenBLAS depend, in their last digits and in
# long trainings, on which of its kernels run (it picks them by the CPU):
# the tests that compare digits ask for its Haswell kernels (AVX2 and FMA)
# where the CPU has them, unless the caller chose. The numbers the lesson
# texts quote must hold on a student's machine whatever its kernels:
# tests/quotes.sh runs each command under the Haswell kernels and under
# the SSE3 ones (Prescott, present on every x86-64 CPU), and where the CPU
# has AVX-512 also under the SkylakeX kernels OpenBLAS picks there by
# default, unless the caller set QUOTES_KERNELS.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null; then
	[ -n "${OPENBLAS_CORETYPE:-}" ] || export OPENBLAS_CORETYPE=Haswell
	if [ -z "${QUOTES_KERNELS+set}" ]; then
		QUOTES_KERNELS="Haswell Prescott"
		grep -qw avx512f /proc/cpuinfo 2>/dev/null && QUOTES_KERNELS="$QUOTES_KERNELS SkylakeX"
		export QUOTES_KERNELS
	fi
fi
dir=$1; bptt=$2; shift 2
jobs=${JOBS:-2}
logs=$dir/test-logs
times=$dir/test-times.txt
rm -rf "$logs"; mkdir -p "$logs"
names=()

# summary NAME: "PASSED FAILED" of a finished job, from its log and exit
# status (a job that did not finish counts as one failure).
summary() {
	local name=$1 out rc line n f e
	out=$(cat "$logs/$name.out"); rc=$(cat "$logs/$name.rc" 2>/dev/null || echo 1)
	case $name in
	test_*)
		line=$(echo "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
		n=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
		f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
		e=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
		[ -n "$n" ] || { echo "0 1"; return; }
		# every test passed but the suite did not exit 0: a sanitizer's
		# report at exit (a leak), or the timeout
		[ "$rc" != 0 ] && [ $((f + e)) = 0 ] && e=1
		echo "$((n - f - e)) $((f + e))" ;;
	*)
		line=$(echo "$out" | grep -E "^$name: [0-9]+ passed" | tail -1)
		n=$(echo "$line" | sed -n "s/$name: \([0-9]*\) passed.*/\1/p")
		f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
		[ -n "$n" ] || { echo "0 1"; return; }
		[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
		echo "$n $f" ;;
	esac
}

# start NAME COMMAND...: runs it in the background into $logs/NAME.{out,rc,ms},
# with a line when it starts and one with its counts when it ends
start() {
	local name=$1; shift
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n 2>/dev/null || true; done
	printf '  %-5s %s\n' RUN "$name"
	( t0=$(date +%s%N)
	  "$@" > "$logs/$name.out" 2>&1; echo $? > "$logs/$name.rc"
	  ms=$(( ($(date +%s%N) - t0) / 1000000 )); echo $ms > "$logs/$name.ms"
	  read -r p f < <(summary "$name")
	  if [ "$f" = 0 ]; then word=ok; else word=FAIL; fi
	  printf '  %-5s %s: %d passed, %d failed (%d.%d s)\n' "$word" "$name" "$p" "$f" \
		$((ms / 1000)) $((ms % 1000 / 100)) ) &
	names+=("$name")
}

# Every job: "NAME COMMAND…" (one per line). Without a record of the last
# run, the long shell tests go first, then the suites by size.
declare -A cmd
order=()
add() { cmd[$1]="${*:2}"; order+=("$1"); }
sanitized=${SANITIZE:-0}
portable=${PORTABLE:-0}
if [ "$dir" = build ] && [ "$portable" != 1 ]; then
	# valgrind's memcheck cannot run a sanitized build, nor follow malloc
	# in a static executable: the command linked dynamically (Makefile)
	leakbin=$bptt
	[ -x "$dir/bptt-dynamic" ] && leakbin=$dir/bptt-dynamic
	[ -f tests/leaks.sh ] && add leaks bash tests/leaks.sh "./$leakbin"
fi
add cli bash tests/cli.sh "./$bptt"
# the portable build: its own unit tests and the command's
if [ "$portable" != 1 ]; then
	[ -f tests/lessons.sh ] && add lessons bash tests/lessons.sh "$dir"
	# the quoted numbers once, in the -O2 build (the same digits come out
	# under the sanitizers, minutes later; tests/lessons.sh runs the lessons there)
	[ -f tests/grade.sh ] && add grade bash tests/grade.sh "$dir"
fi
# installing and the man pages are about the normal build only
if [ "$dir" = build ] && [ "$portable" != 1 ]; then
	[ -f tests/man.sh ] && add man bash tests/man.sh "./$bptt"
	[ -f tests/docs.sh ] && add docs bash tests/docs.sh "./$bptt"
	# the numbers the lessons and the teacher's guide quote, rerun
	[ -f tests/quotes.sh ] && add quotes bash tests/quotes.sh "$dir" "./$bptt"
	[ -f tests/layers.sh ] && add layers bash tests/layers.sh "$dir"
	[ -f tests/install.sh ] && add install bash tests/install.sh
	[ -f tests/figures.sh ] && add figures bash tests/figures.sh "$dir"
	[ -f tests/python.sh ] && add python bash tests/python.sh "$dir"
	[ -f tests/gallery.sh ] && add gallery bash tests/gallery.sh "$dir"
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
	read -r p f < <(summary "$name")
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" = 0 ] && continue
	# what failed, for the reader
	echo "--- $name:"
	out=$(cat "$logs/$name.out")
	case $name in
	test_*) echo "$out" | grep -E ':[EF]:' | head -20
		echo "$out" | grep -qE '^[0-9]+%: Checks' || echo "$out" | tail -20 ;;
	*)	echo "$out" | grep -E '^not ok' -A1 | head -20
		echo "$out" | grep -qE "^$name: [0-9]+ passed" || echo "$out" | tail -20 ;;
	esac
	[ "$(cat "$logs/$name.rc" 2>/dev/null)" = 0 ] || echo "(exit $(cat "$logs/$name.rc" 2>/dev/null || echo '?'); the whole log: $logs/$name.out)"
done
echo "$dir: $passed passed, $failed failed"
echo "$passed $failed" > "$dir/results.txt"
[ "$failed" = 0 ]
