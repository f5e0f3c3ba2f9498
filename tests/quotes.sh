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
# third field widens that, `| ±0.3` or `| ±20%`, for the few numbers that
# depend on the machine (timings), or makes the written number a bound,
# `| ≤` (|printed| ≤ written: "round-off, below 1e-13"). Each distinct
# command runs once, JOBS at a time (default 2). Prints "ok - …"/"not ok -
# …" per quoted number and "quotes: N passed, M failed". Without FILE
# arguments: lessons/*.md and lessons/teacher/*.md, and also that
# lessons/teacher/NN_name.md has a "## Exercise N" for every exercise of
# lessons/NN_name.md (QUOTES_COVERAGE=1: that check with FILE arguments
# too). QUOTES_SHOW=1 prints every written and printed value.
set -u
B=${1:-build}
BPTT=${2:-./bptt}
shift $(( $# > 2 ? 2 : $# ))
cd "$(dirname "$0")/.." || exit 2
coverage=${QUOTES_COVERAGE:-0}
if [ $# = 0 ]; then set -- lessons/*.md lessons/teacher/*.md; coverage=1; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the work is in Perl (part of every Debian system): tests/quotes.pl
perl tests/quotes.pl "$B" "$BPTT" "$tmp" "${JOBS:-2}" "$coverage" "$@"
