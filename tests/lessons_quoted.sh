#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lessons_quoted.sh BUILD_DIR — the numbers that the text of lesson 15
# (lessons/15_regularise.md) and its teacher's guide entry
# (lessons/teacher/15_regularise.md) quote, against a fresh run of the command
# that prints them. Each check names the file that quotes the number, the
# lesson and its options, a sed expression that picks the number out of
# the narration, and the number as quoted: the test fails when the program
# prints something else (the code moved) or when the file no longer quotes
# it (the text moved). Prints "ok - …"/"not ok - …" and
# "lessons_quoted: N passed, M failed".
set -u
B=${1:-build}
passed=0; failed=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
declare -A ran

# out LESSON ARGS…: the narration of one run (each distinct run once)
out() {
	local key="$*" f
	f=$tmp/run$(printf '%s' "$key" | cksum | cut -d' ' -f1).txt
	if [ -z "${ran[$key]:-}" ]; then
		mkdir -p "$tmp/out"
		# shellcheck disable=SC2086 # the options are words without spaces
		"$B/lessons/$1" ${*:2} --out "$tmp/out" > "$f" 2>&1 || echo "EXIT $?" >> "$f"
		ran[$key]=1
	fi
	echo "$f"
}

# q FILE "LESSON OPTIONS" SED_EXPRESSION PRINTED [AS_QUOTED]: the first
# match of the expression's group in the narration is PRINTED, and FILE
# contains AS_QUOTED (default PRINTED; e.g. "τ = 31" for "tau = 31")
q() {
	local file=$1 cmd=$2 expr=$3 want=$4 text=${5:-$4} got
	# shellcheck disable=SC2086
	got=$(sed -n "s/$expr/\1/p" "$(out $cmd)" | head -1)
	if grep -q "^EXIT " "$(out $cmd)"; then
		echo "not ok - build/lessons/$cmd failed: $(tail -2 "$(out $cmd)" | tr '\n' ' ')"
		failed=$((failed + 1))
	elif [ "$got" != "$want" ]; then
		echo "not ok - build/lessons/$cmd prints '$got' where $file quotes '$want'"
		failed=$((failed + 1))
	elif ! grep -qF -- "$text" "$file"; then
		echo "not ok - $file no longer quotes '$text' (build/lessons/$cmd)"
		failed=$((failed + 1))
	else
		echo "ok - $file: $text (build/lessons/$cmd)"
		passed=$((passed + 1))
	fi
}

# below FILE "LESSON OPTIONS" SED_EXPRESSION BOUND AS_QUOTED: the printed
# number is below BOUND, and FILE says so in the words AS_QUOTED
below() {
	local file=$1 cmd=$2 expr=$3 bound=$4 text=$5 got
	# shellcheck disable=SC2086
	got=$(sed -n "s/$expr/\1/p" "$(out $cmd)" | head -1)
	if ! awk -v g="$got" -v b="$bound" 'BEGIN { exit !(g != "" && g + 0 < b + 0) }'; then
		echo "not ok - build/lessons/$cmd prints '$got', not below $bound as $file says"
		failed=$((failed + 1))
	elif ! grep -qF -- "$text" "$file"; then
		echo "not ok - $file no longer says '$text' (build/lessons/$cmd)"
		failed=$((failed + 1))
	else
		echo "ok - $file: $got below $bound (build/lessons/$cmd)"
		passed=$((passed + 1))
	fi
}

# ---- lesson 15 -------------------------------------------------------------
L=lessons/15_regularise.md; G=lessons/teacher/15_regularise.md; c=15_regularise
num='\([-0-9.e+]*\)'
q $L "$c" "^  plain    best held-out MSE $num (step.*" 0.1435
q $L "$c" "^  penalty  best held-out MSE $num (step.*" 0.0214
for f in $L $G; do
	q $f "$c" "^           W at the end: .*, s_max = \(1\.[0-9]*\), .*" 1.114
	q $f "$c" "^           W at the end: .*, s_max = 1\.[0-9]*, s_min = $num (.*" 0.979
done
q $L "$c" "^  penalty, trained *[-0-9.]* *\([-0-9.]*\) .*" -0.324 "10^−0.324"
q $G "$c" "^  penalty, trained *[-0-9.]* *\([-0-9.]*\) .*" -0.324 "10^-0.324"
q $G "$c" "^  penalty, trained *[-0-9.]* *[-0-9.]* *\([-0-9.]*\) .*" -0.664 "10^-0.664"
q $L "$c" "^  penalty, trained *[-0-9.]* *[-0-9.]* *\([-0-9.]*\) .*" -0.664 "10^−0.664"
q $G "$c" "^           W at the end: \(|W^T W - I|_F = [0-9.]*\), s_max = 1.1.*" "|W^T W - I|_F = 0.249"
q $L "$c" "^           W at the end: |W^T W - I|_F = [0-9.]*, s_max = \(2[0-9.]*\), .*" 2.999
q $L "$c" "^           W at the end: |W^T W - I|_F = [0-9.]*, s_max = 2[0-9.]*, s_min = $num (.*" 0.008
q $L "$c" "^  plain, trained *[-0-9.]* *[-0-9.]* *\([-0-9.]*\) .*" 0.330
for f in $L $G; do
	q $f "$c" "^  plain, trained *[-0-9.]* *[-0-9.]* *[-0-9.]* *\([0-9.]*\) .*" 1.00
	q $f "$c" "^  start *[-0-9.]* *[-0-9.]* *[-0-9.]* *\([0-9.]*\) .*" 1.00
	q $f "$c" "^  penalty, trained *[-0-9.]* *[-0-9.]* *[-0-9.]* *\([0-9.]*\) .*" 1.69
done
q $L "$c" "^  penalty  best held-out MSE [0-9.]* (step [0-9]*), last $num; .*" 0.0214 "0.0214 at step 2000"
q $L "$c" "^  penalty  best held-out MSE [0-9.]* (\(step [0-9]*\)), .*" "step 2000"
c2="15_regularise --lambda 1"
q $G "$c2" "^           W at the end: .*, s_max = \(1\.[0-9]*\), .*" 1.029
q $G "$c2" "^           W at the end: .*, s_max = 1\.[0-9]*, s_min = $num (.*" 0.990
q $G "$c2" "^  penalty  best held-out MSE $num (step.*" 0.0652
c3="15_regularise --lambda 0.01"
q $G "$c3" "^           W at the end: .*, s_max = \(1\.[0-9]*\), .*" 1.196
q $G "$c3" "^           W at the end: .*, s_max = 1\.[0-9]*, s_min = $num (.*" 0.930
q $G "$c3" "^  penalty  best held-out MSE $num (step.*" 0.0328
q $G "$c3" "^  penalty  best held-out MSE [0-9.]* (\(step [0-9]*\)).*" "step 1750"
c4="15_regularise --length 20"
q $G "$c4" "^           held-out MSE below 0.01 from \(step [0-9]*\) on$" "step 1000"
q $G "$c4" "^  plain    best held-out MSE $num (step.*" 0.0058
q $G "$c4" "^  penalty  best held-out MSE $num (step.*" 0.0138
q $G "$c4" "^  penalty  .*; \(not learned\)$" "not learned"
q $G "$c4" "^           W at the end: |W^T W - I|_F = [0-9.]*, s_max = \(2[0-9.]*\), .*" 2.328
q $G "$c4" "^           W at the end: |W^T W - I|_F = [0-9.]*, s_max = 2[0-9.]*, s_min = $num (.*" 0.036

echo "lessons_quoted: $passed passed, $failed failed"
[ "$failed" = 0 ]
