#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lessons_quoted.sh BUILD_DIR — the numbers that the texts of lessons 14–16
# (lessons/NN_name.md) and their teacher's guide entries
# (lessons/teacher/NN_name.md) quote, against a fresh run of the command
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
	if [ "$got" != "$want" ]; then
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

# ---- lesson 14 -------------------------------------------------------------
L=lessons/14_eigenvector.md; G=lessons/teacher/14_eigenvector.md; c=14_eigenvector
row() { echo "^  $1 *\([-0-9.e]*\) *\([-0-9.e]*\) *\([-0-9.e]*\) *\([-0-9.e]*\)$"; }
for f in $L $G; do
	q $f "$c" "^  normal *\([0-9.]*\) .*" 0.095310
	q $f "$c" "^  nonnormal *\([0-9.]*\) .*" 0.095310
	q $f "$c" "^|u^T v| = \([0-9.]*\)\. .*" 0.000954
	# the measured value equals the asymptote to the printed digits
	q $f "$c" "^    log10(|delta_{T-tau}| \/ |delta_T|) at tau = 119: \(4[0-9.]*\), asymptote \1$" 4.6093
	q $f "$c" "^    log10(|delta_{T-tau}| \/ |delta_T|) at tau = 119: \(7[0-9.]*\), asymptote \1$" 7.6299
done
q $G "$c" ".*falls like (s\/rho)^(2 tau) = \(10^(-[0-9.]* tau)\)\.$" "10^(-0.1743 tau)"
q $L "$c" ".*falls like (s\/rho)^(2 tau) = 10^(\(-[0-9.]*\) tau)\.$" -0.1743 "10^(−0.1743 τ)"
q $G "$c" "^  normal W: 1 - |cos(delta, u)| < 1e-6 from \(tau = [0-9]*\) on;" "tau = 31"
q $G "$c" "^  nonnormal W: 1 - |cos(delta, u)| < 1e-6 from \(tau = [0-9]*\) on;" "tau = 21"
q $L "$c" "^  normal W: 1 - |cos(delta, u)| < 1e-6 from tau = \([0-9]*\) on;" 31 "from τ = 31 on (normal)"
q $L "$c" "^  nonnormal W: 1 - |cos(delta, u)| < 1e-6 from tau = \([0-9]*\) on;" 21 "τ = 21 on"
q $L "$c" "^ *nonnormal *[0-9.]* *\([0-9.]*\) .*" 1.0000000000
q $L "$c" "^ *normal *[0-9.]* *\([0-9.]*\) .*" 1.0000000000
below $L "$c" ".*largest |growth\/step - ln rho| is \([0-9.e-]*\)\.$" 1e-10 "by less than 10⁻¹⁰"
q $L "$c" "^    the largest growth in one step is \(2[0-9.]*\), at tau = 3;" 2.1078
c2="14_eigenvector --second 1.05"
q $G "$c2" "^  normal *\([0-9.]*\) .*" 0.095297
q $G "$c2" ".*falls like (s\/rho)^(2 tau) = \(10^(-[0-9.]* tau)\)\.$" "10^(-0.0404 tau)"
q $G "$c2" "^  normal W: 1 - |cos(delta, u)| \(still above 1e-6 at tau = 119\);" "still above 1e-6 at tau = 119"
q $G "$c2" "^  nonnormal W: 1 - |cos(delta, u)| < 1e-6 from \(tau = [0-9]*\) on;" "tau = 30"
q $G "$c2" ".*largest |growth\/step - ln rho| is \([0-9.e-]*\)\.$" 1.3e-05
q $G "$c2" "^|u^T v| = \([0-9.]*\)\. .*" 0.001001
c3="14_eigenvector --nonnormality 0.3"
q $G "$c3" "^  nonnormal *\([0-9.]*\) .*" 0.095310
q $G "$c3" "^  normal W: 1 - |cos(delta, u)| < 1e-6 from tau = \([0-9]*\) on;" 31
q $G "$c3" "^  nonnormal W: 1 - |cos(delta, u)| < 1e-6 from \(tau = [0-9]*\) on;" "tau = 22"
q $G "$c3" "^|u^T v| = \([0-9.]*\)\. .*" 0.111152
q $G "$c3" "^    log10(|delta_{T-tau}| \/ |delta_T|) at tau = 119: \(5[0-9.]*\), .*" 5.5633
c4="14_eigenvector --radius 1.01"
q $G "$c4" "^  normal *\([0-9.]*\) .*" 0.009950
q $G "$c4" "^    log10(|delta_{T-tau}| \/ |delta_T|) at tau = 119: \(0[0-9.]*\), .*" 0.1826
q $G "$c4" "^    log10(|delta_{T-tau}| \/ |delta_T|) at tau = 119: \(3[0-9.]*\), .*" 3.3928
q $G "$c4" "^    the largest growth in one step is \(2[0-9.]*\), at tau = 3;" 2.0656

echo "lessons_quoted: $passed passed, $failed failed"
[ "$failed" = 0 ]
