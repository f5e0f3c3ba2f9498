#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# collect.sh DIR — the grader's text result files under DIR (any depth) as
# one CSV on stdout, a row per file:
#
#     student,exercise,mode,score,max_score,one_step_failed,sequence_failed
#     ana,gru,derive,21,21,,
#     ben,gru,derive,17,21,dh_prev,W_z U_z b_z W_r
#
# The student is the file's name without .txt (results/ana.txt), or, for a
# file named grade-EX.txt, the folder it is in (submissions/ana/grade-gru.txt).
# The failed columns list the parts that failed, separated by spaces. Files
# that are not result files (their first line is not "# bptt grade: …") are
# skipped with a note on stderr. Exit status 0, or 2 when DIR is not a
# folder or holds no result file.
set -u
if [ $# -ne 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
	echo "usage: collect.sh DIR   (the grader's text result files under DIR as one CSV)" >&2
	[ $# -eq 1 ] && [ "$1" != "--help" ] && [ "$1" != "-h" ] && exit 2
	[ $# -eq 1 ] && exit 0
	exit 2
fi
dir=$1
if [ ! -d "$dir" ]; then
	echo "collect.sh: $dir: not a folder" >&2
	exit 2
fi
echo "student,exercise,mode,score,max_score,one_step_failed,sequence_failed"
n=0
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
find "$dir" -type f -name '*.txt' | LC_ALL=C sort > "$tmp"
while IFS= read -r f; do
	if ! head -n 1 "$f" | grep -q '^# bptt grade: '; then
		echo "collect.sh: $f: not a result file of the grader (skipped)" >&2
		continue
	fi
	base=$(basename "$f" .txt)
	case $base in grade-*) base=$(basename "$(dirname "$f")") ;; esac
	awk -v who="$base" '
	function csv(s) { if (s ~ /[",]/) { gsub(/"/, "\"\"", s); return "\"" s "\"" } return s }
	NR == 1 {
		ex = $5; sub(/,$/, "", ex)
		mode = "derive"
		if ($6 == "mode") { mode = $7; sub(/,$/, "", mode) }
	}
	$1 == "step" && $3 == "FAIL" { one = one (one == "" ? "" : " ") $2 }
	$1 == "block" && $4 == "FAIL" { seq = seq (seq == "" ? "" : " ") $2 }
	$1 == "score" { split($2, a, "/"); got = a[1]; max = a[2] }
	END {
		printf "%s,%s,%s,%s,%s,%s,%s\n", csv(who), csv(ex), csv(mode), got, max,
			csv(one), csv(seq)
	}' "$f"
	n=$((n + 1))
done < "$tmp"
if [ "$n" = 0 ]; then
	echo "collect.sh: $dir: no result files (grade-EX.txt, or the RESULT= of make grade)" >&2
	exit 2
fi
