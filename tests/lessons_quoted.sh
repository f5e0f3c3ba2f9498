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

# ---- lesson 16 -------------------------------------------------------------
L=lessons/16_cliff.md; G=lessons/teacher/16_cliff.md; c=16_cliff
num='\([-0-9.e+]*\)'
for f in $L $G; do
	q $f "$c" "^w_c = $num the map.*" 1.297882
	q $f "$c" "^h_c = $num)\..*" 0.479076
	q $f "$c" ".*BPTT gives dL\/dw = $num at w.*" 965.000 965
	q $f "$c" "^  200 *[0-9.]* *[0-9.e-]* *$num .*" 4643.4
	q $f "$c" ".*dL\/dw is only $num\.$" 4.3282
	q $f "$c" "^  the first step: plain $num to w.*" 9.6500
done
q $L "$c" "^  25 *[0-9.]* *[0-9.e-]* *$num .*" 15.8931
q $L "$c" "^  100 *[0-9.]* *[0-9.e-]* *$num .*" 636.328
q $L "$c" "^  400 *[0-9.]* *[0-9.e-]* *$num .*" 35403
q $L "$c" ".*Starting from h_1 = $num above.*" 0.7163
for f in $L $G; do
	q $f "$c" ".*the peak grows like \(T^[0-9.]*\) and.*" "T^2.90"
	q $f "$c" "^towards w_c like \(T^-[0-9.]*\)\.$" "T^-1.93"
done
q $L "$c" ".*at w = \([0-9.]*\)$" 1.2969835985
q $L "$c" "^(\([0-9.e-]*\) below w_c), where L = .*" 8.989e-04
q $L "$c" "^([0-9.e-]* below w_c), where L = $num\. .*" 0.3620
q $L "$c" ".*(relative difference $num)\.$" 2.6e-08
q $L "$c" "^narrow band: $num from here.*" 1.1e-04
q $G "$c" "^narrow band: $num from here.*" 1.1e-04
q $L "$c" "^  the first step: plain [0-9.]* to w = $num .*" -8.3530 "w = −8.3530"
q $G "$c" "^  the first step: plain [0-9.]* to \(w = -[0-9.]*\) .*" "w = -8.3530"
q $L "$c" "^  the first step: plain .*(L = $num, .*" 0.1250
q $G "$c" "^  the first step: plain .*(L = $num, .*" 0.1250
q $L "$c" "^  the first step: plain .*dL\/dw = $num).*" -9.1e-08 "dL/dw = −9.1e-08"
q $G "$c" "^  the first step: plain .*\(dL\/dw = -[0-9.e-]*\)).*" "dL/dw = -9.1e-08"
q $L "$c" "^ *clipped $num to w.*" 0.1000
q $G "$c" "^ *clipped $num to w.*" 0.1000
q $L "$c" "^ *clipped [0-9.]* to w = $num .*" 1.1970
q $L "$c" "^ *clipped [0-9.]* to w = [0-9.]* (L = $num, .*" 0.0367
q $L "$c" "^ *clipped w = [0-9.]*, L = $num, .*" 1.11e-02
q $L "$c" "^Clipped by norm at c = 10: 965.000 -> \([0-9]*\) (cosine 1)\..*" 10 "becomes 10, same sign"
c2="16_cliff --length 400"
q $G "$c2" ".*the peak grows like \(T^[0-9.]*\) and.*" "T^2.95"
q $G "$c2" "^towards w_c like \(T^-[0-9.]*\)\.$" "T^-1.96"
c3="16_cliff --length 100"
q $G "$c3" "^At T = 100 \(no w gives dL\/dw = 965\): .*" "no w gives dL/dw = 965"
q $G "$c3" "^At T = 100 no w gives dL\/dw = 965: the largest is $num\. .*" 636.328 "largest is 636.328"
c4="16_cliff --length 120"
q $G "$c4" ".*at w = \([0-9.]*\)$" 1.2952659593
q $G "$c4" "^  120 *[0-9.]* *[0-9.e-]* *$num .*" 1067.06

echo "lessons_quoted: $passed passed, $failed failed"
[ "$failed" = 0 ]
