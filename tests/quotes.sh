#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# quotes.sh BUILD_DIR [BPTT] [FILE.md ...] — every number that a lesson text
# or the teacher's guide quotes from a run is rerun and compared.
#
# A quoted number is written as usual and followed at once by an HTML
# comment that says where it comes from (lessons/teacher/README.md):
#
#     the slope is −0.3102<!-- q: 02_vanishing scales=0.5 | 0\.5\s+\S+\s+(\S+) -->
#
# `02_vanishing scales=0.5` is the command: a lesson (run as
# BUILD_DIR/lessons/NAME with `--out` set to a scratch folder) or `bptt`
# (the command BPTT), with its arguments, an option written `name=value`
# for `--name value` and `+name` for the flag `--name` (an HTML comment
# must not hold two dashes in a row, or Markdown shows it as text); the
# rest is a Perl regular expression whose first group picks the value out
# of the command's standard output. The written number
# sets the precision: an integer (no point, no exponent) must equal the
# printed value; otherwise the printed value must round to the written one
# (|printed − written| at most half a unit of the last written digit). A
# third field widens that, `| ±0.3` or `| ±20%` (a value with a stated
# tolerance), or makes the written number a bound: `| ≤` (|printed| ≤
# |written|: "round-off, below 1e-13"), `| <` (printed < written: "below
# −5") or `| >` (printed > written: "above 0.9"). With `| text` the
# quote is not a number but the words in double quotes just before the
# marker (a generated sample): the printed group must contain them, runs
# of white space counting as one space.
#
# Kernels. OpenBLAS picks its kernels by the CPU (AVX-512, AVX2 and FMA,
# or only SSE3), and they add up a matrix product's terms in different
# orders: rounding-level numbers move in their leading digits and long
# trainings drift apart in their last ones. A text must hold on the
# student's machine, not only on ours: with QUOTES_KERNELS="Haswell
# Prescott" (OPENBLAS_CORETYPE names; scripts/run-tests.sh sets this on
# x86-64 CPUs with AVX2 and FMA) each distinct command runs once under each
# kernel and a quote passes only if it holds under every one; a failure
# names the kernel and what that run printed. Prescott (SSE3) runs on every
# x86-64 CPU. Unset or empty: one run, in the inherited environment.
#
# Each distinct command runs once per kernel, JOBS at a time (default 2).
# Prints "ok - …"/"not ok - …" per quoted number and "quotes: N passed, M
# failed". Without FILE arguments: lessons/*.md and lessons/teacher/*.md,
# that lessons/teacher/NN_name.md has a "## Exercise N" for every exercise
# of lessons/NN_name.md (QUOTES_COVERAGE=1: that check with FILE arguments
# too), and first a self-test of the checker (a fake command whose output
# depends on the kernel, and markers of which exactly those that must fail
# do). QUOTES_SHOW=1 prints every written and printed value and the
# seconds of every run.
set -u
B=${1:-build}
BPTT=${2:-./bptt}
shift $(( $# > 2 ? 2 : $# ))
cd "$(dirname "$0")/.." || exit 2
coverage=${QUOTES_COVERAGE:-0}
selftest=0
if [ $# = 0 ]; then set -- lessons/*.md lessons/teacher/*.md; coverage=1; selftest=1; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the self-test: a fake bptt that prints other digits under kernel B than
# under A, and markers whose lines say whether they must pass or fail
if [ "$selftest" = 1 ]; then
	mkdir "$tmp/self"
	cat > "$tmp/self/bptt" <<'EOF'
#!/bin/sh
case ${OPENBLAS_CORETYPE:-} in
A) echo "value 1.25 small -7.5 big 0.93" ;;
B) echo "value 1.25 small -7.5 big 0.97" ;;
esac
EOF
	chmod +x "$tmp/self/bptt"
	cat > "$tmp/self/t.md" <<'EOF'
pass 1.25<!-- q: bptt | value (\S+) -->
pass 1.3<!-- q: bptt | value (\S+) -->
fail 1.4<!-- q: bptt | value (\S+) -->
fail 1<!-- q: bptt | value (\S+) -->
pass 1.2<!-- q: bptt | value (\S+) | ±0.1 -->
fail 1.1<!-- q: bptt | value (\S+) | ±0.1 -->
pass 8<!-- q: bptt | small (\S+) | ≤ -->
fail 7<!-- q: bptt | small (\S+) | ≤ -->
pass −7<!-- q: bptt | small (\S+) | < -->
fail −8<!-- q: bptt | small (\S+) | < -->
pass −8<!-- q: bptt | small (\S+) | > -->
fail −7<!-- q: bptt | small (\S+) | > -->
pass 0.9<!-- q: bptt | big (\S+) | > -->
fail 0.95<!-- q: bptt | big (\S+) | < -->
fail 1.25<!-- q: bptt | nothing (\S+) -->
pass "small -7.5 big"<!-- q: bptt | (value.*) | text -->
fail "small -7.6"<!-- q: bptt | (value.*) | text -->
EOF
	out=$(QUOTES_KERNELS="A B" QUOTES_PRIOR='' QUOTES_SHOW='' perl tests/quotes.pl "$B" "$tmp/self/bptt" "$tmp/self" 1 0 "$tmp/self/t.md")
	want=$(grep -n '^fail' "$tmp/self/t.md" | cut -d: -f1 | tr '\n' ' ')
	got=$(echo "$out" | sed -n 's/^not ok - [^ ]*t\.md:\([0-9]*\):.*/\1/p' | tr '\n' ' ')
	sp=0; sf=0
	if [ "$got" = "$want" ]; then echo "ok - self-test: exactly the markers that must fail fail"; sp=1
	else echo "not ok - self-test: lines $want must fail, lines $got failed"; sf=1; fi
	if echo "$out" | grep -A1 't\.md:14:' | grep -qx '# under B: the run printed 0.97 (allowed <)'; then
		echo "ok - self-test: a failure names the kernel and what it printed"; sp=$((sp + 1))
	else echo "not ok - self-test: a failure names the kernel and what it printed"; sf=$((sf + 1)); fi
	[ "$sf" = 0 ] || printf '# %s\n' "$out"
	export QUOTES_PRIOR="$sp $sf"
fi
# the work is in Perl (part of every Debian system): tests/quotes.pl
perl tests/quotes.pl "$B" "$BPTT" "$tmp" "${JOBS:-2}" "$coverage" "$@"
