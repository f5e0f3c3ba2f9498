#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# summary.sh RESULTS... — adds up the counts of run-tests.sh and prints the
# closing line.
p=0; f=0
for r in "$@"; do
	[ -f "$r" ] || { f=$((f + 1)); continue; }
	read a b < "$r"; p=$((p + a)); f=$((f + b))
done
echo "(unit and end-to-end tests of the normal, sanitized and portable builds; fuzzing)"
echo "tests: $p passed, $f failed"
[ "$f" = 0 ]
