#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lessons.sh BUILD_DIR — every lesson: --help exits 0; a run with its
# defaults exits 0 and writes the data files its gnuplot script reads; the
# script renders PNG and SVG without warnings; numbers the lessons narrate
# are checked where a closed form exists. Prints "ok - …"/"not ok - …" and
# "lessons: N passed, M failed".
set -u
B=${1:-build}
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for src in lessons/[0-9][0-9]_*.c; do
	l=$(basename "$src" .c)
	bin=$B/lessons/$l
	if "$bin" --help > "$tmp/help" 2>&1 && grep -q "usage" "$tmp/help"; then ok "$l --help"; else bad "$l --help"; fi
	# at most 80 characters a line (UTF-8 continuation bytes not counted)
	long=$(LC_ALL=C tr -d '\200-\277' < "$tmp/help" | LC_ALL=C awk 'length > 80 { printf "line %d: %d characters; ", NR, length }')
	[ -z "$long" ] && ok "$l --help fits in 80 columns" || bad "$l --help fits in 80 columns" "$long"
	if "$bin" --bogus > /dev/null 2> "$tmp/err"; then bad "$l refuses an unknown option"; else
		grep -q -- "--bogus" "$tmp/err" && ok "$l refuses an unknown option" || bad "$l: message does not name the option"; fi
	mkdir -p "$tmp/$l"
	if "$bin" --out "$tmp/$l" > "$tmp/$l.txt" 2>&1; then ok "$l runs with its defaults"; else
		bad "$l runs with its defaults" "$(tail -3 "$tmp/$l.txt")"; continue; fi
	[ -f "lessons/$l.md" ] && grep -c '^[0-9]\. ' "lessons/$l.md" | grep -q -E '^([3-9]|[1-9][0-9])$' \
		&& ok "$l has a text with at least three exercises" || bad "$l has a text with at least three exercises"
	for g in plots/${l%%_*}_*.gp; do
		[ -f "$g" ] || continue
		for fmt in png svg; do
			if gnuplot -e "fmt='$fmt'; outdir='$tmp/$l'" "$g" 2> "$tmp/gp.err" && [ ! -s "$tmp/gp.err" ] \
				&& [ -s "$tmp/$l/$(basename "$g" .gp).$fmt" ]; then
				ok "$(basename "$g") renders $fmt"
			else
				bad "$(basename "$g") renders $fmt" "$(head -3 "$tmp/gp.err")"
			fi
		done
	done
done
# Narrated numbers against closed forms.
if [ -f "$tmp/02_vanishing.txt" ]; then
	line=$(grep "log10 1.1 = " "$tmp/02_vanishing.txt")
	want=$(echo "$line" | sed -n 's/.*log10 1.1 = \([-0-9.]*\);.*/\1/p')
	got=$(sed -n 's/.*; it is \([-0-9.]*\)\./\1/p' "$tmp/02_vanishing.txt")
	if awk -v w="$want" -v g="$got" 'BEGIN { exit !(w != "" && g != "" && (g - w) * (g - w) <= (0.01 * w) * (0.01 * w)) }'; then
		ok "02_vanishing: linear slope $got within 1% of log10 1.1"
	else
		bad "02_vanishing: linear slope '$got' vs log10 1.1 = '$want'"
	fi
fi
# --- lessons 09 and 11 (09_gru, 11_attention) ---
# 09: the gates the lesson recomputes from the spec reproduce the library's states.
if [ -f "$tmp/09_gru.txt" ]; then
	got=$(sed -n "s/.*library's states back: max |difference| = \([-0-9.e+]*\)\./\1/p" "$tmp/09_gru.txt")
	if awk -v g="$got" 'BEGIN { exit !(g != "" && g + 0 <= 1e-12) }'; then
		ok "09_gru: GRU step recomputed from the gates matches the states ($got)"
	else
		bad "09_gru: GRU step recomputed from the gates differs from the states by '$got'"
	fi
fi
# 11: recurrent + direct = total; truncation zeroes exactly the T - k recurrent
# rows past the window and leaves the direct part bit for bit.
if [ -f "$tmp/11_attention.txt" ]; then
	f=$tmp/11_attention.txt
	rel=$(sed -n 's/^relative to the largest entry: \([-0-9.e+]*\)\./\1/p' "$f")
	if awk -v g="$rel" 'BEGIN { exit !(g != "" && g + 0 <= 1e-12) }'; then
		ok "11_attention: recurrent + direct = total (relative $rel)"
	else
		bad "11_attention: recurrent + direct vs total, relative '$rel'"
	fi
	T=$(sed -n 's/.* reads T = \([0-9]*\) random inputs.*/\1/p' "$f")
	k=$(sed -n 's/^Truncated BPTT with k = \([0-9]*\):.*/\1/p' "$f")
	zeros=$(sed -n 's/.*exactly 0: \([0-9]*\) of .*/\1/p' "$f")
	full0=$(sed -n 's/.*without truncation: \([0-9]*\))/\1/p' "$f")
	if [ -n "$T" ] && [ -n "$k" ] && [ "$zeros" = $((T > k ? T - k : 0)) ] && [ "$full0" = 0 ]; then
		ok "11_attention: truncated recurrent part exactly 0 in $zeros = T - k rows, never without truncation"
	else
		bad "11_attention: exact zeros '$zeros' (without truncation '$full0'), T = '$T', k = '$k'"
	fi
	ddir=$(sed -n 's/.*max |direct part, truncated - full|, every tau: \([-0-9.e+]*\)$/\1/p' "$f")
	dwin=$(sed -n 's/.*max |recurrent part, truncated - full| for tau < k: \([-0-9.e+]*\)$/\1/p' "$f")
	if [ "$ddir" = 0 ] && awk -v g="$dwin" 'BEGIN { exit !(g != "" && g + 0 <= 1e-12) }'; then
		ok "11_attention: direct part unchanged by truncation (0), recurrent unchanged inside the window ($dwin)"
	else
		bad "11_attention: direct part changed by '$ddir', recurrent inside the window by '$dwin'"
	fi
	grep -q ": they agree\." "$f" && ok "11_attention: finite differences agree with recurrent + direct" \
		|| bad "11_attention: finite differences disagree with recurrent + direct"
fi
# --- end of lessons 09 and 11 ---
# --- lessons 07, 08, 10 (residual, orthogonal, LSTM) ---
# within A B TOL: |A − B| <= TOL (numbers as the narration prints them)
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && b != "" && (a - b) <= t && (b - a) <= t) }'; }
# le A B TOL: A <= B + TOL
le() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && b != "" && a <= b + t) }'; }
if [ -f "$tmp/07_residual.txt" ]; then
	f=$tmp/07_residual.txt
	# the slope table: model, bound slope, measured slope, log10 |dh_T/dh_1|
	row() { awk -v m="$1" -v c="$2" '/bound slope/ { on = 1; next } on && $1 == m { print $c; exit }' "$f"; }
	if within "$(row rnn 2)" "$(awk 'BEGIN { printf "%.4f", log(0.5) / log(10) }')" 0.00011 \
		&& within "$(row residual 2)" "$(awk 'BEGIN { printf "%.4f", log(1.5) / log(10) }')" 0.00011; then
		ok "07_residual: bound slopes are log10 0.5 and log10 1.5"
	else bad "07_residual: bound slopes '$(row rnn 2)' '$(row residual 2)'"; fi
	if le "$(row rnn 3)" "$(row rnn 2)" 0 && le "$(row residual 3)" "$(row residual 2)" 0 \
		&& le "$(awk 'BEGIN { print log(0.5) / log(10) }')" "$(row residual 3)" 0; then
		ok "07_residual: measured slopes within their bounds (residual above log10(1 - s_max))"
	else bad "07_residual: measured slopes '$(row rnn 3)' '$(row residual 3)' outside their bounds"; fi
	# BPTT at t = 1 against BPTT at T plus the Jacobian norm (two routes)
	n=0
	for m in rnn residual; do
		lhs=$(awk -v m="$m" '/two routes agree/ { on = 1; next } on && $1 == m { print $2; exit }' "$f")
		rhs=$(awk -v m="$m" '/two routes agree/ { on = 1; next } on && $1 == m { print $4; exit }' "$f")
		le "$lhs" "$rhs" 0.01 && n=$((n + 1))
	done
	[ "$n" = 2 ] && ok "07_residual: |dL/dh_1| within |dL/dh_T| times |dh_T/dh_1| for both models" \
		|| bad "07_residual: BPTT and the Jacobian product disagree"
fi
if [ -f "$tmp/08_orthogonal.txt" ]; then
	f=$tmp/08_orthogonal.txt
	smax=$(sed -n 's/.*s_max(W) = \([-0-9.e+]*\) .*/\1/p' "$f")
	smin=$(sed -n 's/.*s_min(W) = \([-0-9.e+]*\)$/\1/p' "$f")
	emax=$(sed -n 's/.*max |(W^T W - I)_ij| = \([-0-9.e+]*\) .*/\1/p' "$f")
	if within "$smax" 1 1e-12 && within "$smin" 1 1e-12 && le "$emax" 0 1e-12; then
		ok "08_orthogonal: the Cayley W is orthogonal (singular values 1, W^T W = I)"
	else bad "08_orthogonal: s_max '$smax', s_min '$smin', |W^T W - I| '$emax'"; fi
	lin=$(sed -n 's/.*largest |log10 norm| over all [0-9]* lags is \([-0-9.e+]*\)\./\1/p' "$f")
	if le "$lin" 0 1e-10; then ok "08_orthogonal: identity activation is flat ($lin)"
	else bad "08_orthogonal: identity activation not flat: '$lin'"; fi
	# rows: inputs (2 words) lower measured estimate upper upper-from-jacobian
	n=0
	for w in small large; do
		read -r lo me up uj <<< "$(awk -v w="$w" '/upper \(Jacobians\)/ { on = 1; next } on && $1 == w { print $3, $4, $6, $7; exit }' "$f")"
		le "$lo" "$me" 0.001 && le "$me" "$up" 0.001 && within "$up" "$uj" 2e-6 && n=$((n + 1))
	done
	[ "$n" = 2 ] && ok "08_orthogonal: lower <= measured <= upper; upper from states = from step Jacobians" \
		|| bad "08_orthogonal: the tanh' bounds do not hold or the two upper bounds differ"
fi
if [ -f "$tmp/10_lstm.txt" ]; then
	f=$tmp/10_lstm.txt
	# rows after the header: b_f sigma(b_f) mean-f mean-f(J_t) cell carousel whole
	rows() { awk '/mean f\(J_t\)/ && /carousel/ { on = 1; next } on && NF == 7 { print } on && NF != 7 { exit }' "$1"; }
	good=0; total=0
	while read -r b sig mf mj cell car whole; do
		total=$((total + 1))
		want=$(awk -v b="$b" 'BEGIN { printf "%.4f", 1 / (1 + exp(-b)) }')
		within "$sig" "$want" 0.00006 && within "$mf" "$mj" 0.000002 && le "$cell" "$whole" 0.01 && good=$((good + 1))
	done <<< "$(rows "$f")"
	[ "$total" = 2 ] && [ "$good" = 2 ] \
		&& ok "10_lstm: sigma(b_f) closed form; mean f from the gates = from the Jacobian diagonal; cell block <= whole" \
		|| bad "10_lstm: forget-gate or norm columns wrong ($good of $total rows)"
	# recurrent weights nearly zero: the c-c block is exactly the product of diag(f_t)
	if "$B/lessons/10_lstm" --scale 1e-9 --out "$tmp/10_lstm" > "$tmp/10_lstm_w0.txt" 2>&1; then
		good=0; total=0
		while read -r b sig mf mj cell car whole; do
			total=$((total + 1))
			within "$cell" "$car" 0.011 && good=$((good + 1))
		done <<< "$(rows "$tmp/10_lstm_w0.txt")"
		[ "$total" = 2 ] && [ "$good" = 2 ] && ok "10_lstm: with W_* ~ 0 the cell block is the forget gates' product" \
			|| bad "10_lstm: with W_* ~ 0 cell and carousel differ"
	else bad "10_lstm --scale 1e-9 runs"; fi
fi
# --- end of lessons 07, 08, 10 ---
# --- lessons 01 and 04 (branch lessonsA) ---
if [ -f "$tmp/01_bptt.txt" ]; then
	# the finite-difference table: every block (parameters and X) agrees
	line=$(grep "blocks that agree:" "$tmp/01_bptt.txt")
	a=$(echo "$line" | sed -n 's/.*agree: \([0-9]*\) of \([0-9]*\).*/\1/p')
	b=$(echo "$line" | sed -n 's/.*agree: \([0-9]*\) of \([0-9]*\).*/\2/p')
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" -ge 6 ] && ! grep -q DISAGREES "$tmp/01_bptt.txt"; then
		ok "01_bptt: finite differences agree in all $b blocks"
	else
		bad "01_bptt: finite-difference table says '$line'"
	fi
	# the recurrence by hand against the library's BPTT: equal to rounding
	line=$(grep "by hand against the library" "$tmp/01_bptt.txt")
	e1=$(echo "$line" | sed -n 's/.*in dh_t = \([-+0-9.e]*\),.*/\1/p')
	e2=$(echo "$line" | sed -n 's/.*in the gradient = \([-+0-9.e]*\)$/\1/p')
	if awk -v a="$e1" -v b="$e2" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= 1e-12 && b + 0 <= 1e-12) }'; then
		ok "01_bptt: BPTT by hand equals the library's ($e1, $e2)"
	else
		bad "01_bptt: by hand against the library: '$line'"
	fi
fi
if [ -f "$tmp/04_tbptt_blind.txt" ]; then
	# truncation to k: every entry of dl_T/dx_{T-tau} with tau >= k is exactly
	# zero, and there are (T - k)·d of them; before k it equals full BPTT
	f=$tmp/04_tbptt_blind.txt
	T=$(sed -n 's/.*runs T = \([0-9]*\) steps.*/\1/p' "$f")
	d=$(sed -n 's/.*, d = \([0-9]*\), n = .*/\1/p' "$f")
	lines=$(grep -c "entries past k are exactly 0" "$f")
	good=$(sed -n 's/.*k = \([0-9]*\): entries past k are exactly 0: \([0-9]*\) of \([0-9]*\)$/\1 \2 \3/p' "$f" |
		awk -v T="$T" -v d="$d" '$2 == $3 && $3 == (T - $1) * d && T != "" && d != "" { n++ } END { print n + 0 }')
	if [ "$lines" -ge 1 ] && [ "$good" = "$lines" ]; then
		ok "04_tbptt_blind: entries past k exactly 0, all (T-k)·d of them, for $lines values of k"
	else
		bad "04_tbptt_blind: zero counts" "$(grep 'entries past k' "$f" | head -3)"
	fi
	same=$(sed -n 's/.*largest relative difference from full BPTT \([-+0-9.e]*\)$/\1/p' "$f" |
		awk '$1 + 0 <= 1e-12 { n++ } END { print n + 0 }')
	if [ "$same" = "$lines" ]; then ok "04_tbptt_blind: truncated equals full BPTT for tau < k"
	else bad "04_tbptt_blind: truncated differs from full BPTT before k" "$(grep 'largest relative' "$f" | head -3)"; fi
	# two routes to the credit lost: from the truncated gradient (|dX_k - dX|^2)
	# and from the full gradient's tail at lags >= k; for the RNN they are equal
	lost=$(sed -n 's/.*share of |dl_T\/dx|^2 lost, .*: \([0-9.]*\)$/\1/p' "$f" | tr '\n' ' ')
	tail=$(sed -n 's/.*share that full BPTT puts at lags >= k: \([0-9.]*\).*/\1/p' "$f" | tr '\n' ' ')
	if [ -n "$lost" ] && [ "$lost" = "$tail" ] && [ "$(echo $lost | wc -w)" = "$lines" ]; then
		ok "04_tbptt_blind: share lost equals the full gradient's tail at lags >= k ($lost)"
	else
		bad "04_tbptt_blind: share lost '$lost' vs tail '$tail'"
	fi
fi
# --- end of lessons 01 and 04 ---
# --- lessons 03 and 05 (branch lessonsD) ---
# dnum FILE SEDEXPR: the first line a sed -n expression prints
dnum() { sed -n "$2" "$1" | head -1; }
# dwithin A B TOL: |A - B| <= TOL; dle A B TOL: A <= B + TOL (empty fails)
dwithin() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && b != "" && (a - b) <= t && (b - a) <= t) }'; }
dle() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && b != "" && a <= b + t) }'; }
if [ -f "$tmp/03_eigenvalues.txt" ]; then
	f=$tmp/03_eigenvalues.txt
	n=$(dnum "$f" 's/^Two \([0-9]*\) x [0-9]* matrices.*/\1/p')
	R=$(dnum "$f" 's/.*eigenvalues R e^{+-i theta}, R = \([-0-9.e+]*\), Q is.*/\1/p')
	c=$(dnum "$f" 's/^c = \([-0-9.e+]*\) a non-normal one.*/\1/p')
	read -r rn rm <<< "$(awk '/spectral radius rho/ { print $4, $5; exit }' "$f")"
	read -r sn sm <<< "$(awk '/largest singular value s_max/ { print $5, $6; exit }' "$f")"
	read -r hn hm <<< "$(awk '/Henrici departure from normality/ { print $5, $6; exit }' "$f")"
	dep=$(awk -v n="$n" -v c="$c" 'BEGIN { if (n != "" && c != "") printf "%.15g", c * sqrt((n * n - 4 * int(n / 2) - n % 2) / 2) }')
	if [ -n "$R" ] && dwithin "$rn" "$R" 1e-9 && dwithin "$rm" "$R" 1e-9 && dwithin "$sn" "$R" 1e-9; then
		ok "03_eigenvalues: rho = R for both W, s_max = R for the normal W"
	else bad "03_eigenvalues: rho '$rn' '$rm', normal s_max '$sn', R '$R'"; fi
	if dle "$hn" 0 1e-12 && dwithin "$hm" "$dep" 1e-9; then
		ok "03_eigenvalues: departure 0 (normal) and c sqrt(#ones) = $dep (non-normal)"
	else bad "03_eigenvalues: departure '$hn', '$hm' against 0 and '$dep'"; fi
	e1=$(dnum "$f" 's/.*distance between the two computed spectra: \([-0-9.e+]*\)$/\1/p')
	e2=$(dnum "$f" 's/.*max |log10 |W^t|_2 - t log10 rho| = \([-0-9.e+]*\)$/\1/p')
	e3=$(dnum "$f" 's/.*from an SVD; max |difference of log10 norms| = \([-0-9.e+]*\)$/\1/p')
	e4=$(dnum "$f" 's/.*over both W and every lag = \([-0-9.e+]*\)$/\1/p')
	if dle "$e1" 0 1e-10 && dle "$e2" 0 1e-10 && dle "$e3" 0 1e-9 && dle "$e4" 0 1e-9; then
		ok "03_eigenvalues: same spectra; normal |W^t| = rho^t; powers = SVD of plain products = Jacobian products"
	else bad "03_eigenvalues: spectra '$e1', normal powers '$e2', SVD route '$e3', Jacobian route '$e4'"; fi
	pk=$(dnum "$f" 's/.*peaks at t = [0-9]* with |W^t|_2 = [-0-9.e+]* (log10 \([-0-9.e+]*\)),$/\1/p')
	dle 0.5 "$pk" 0 && ok "03_eigenvalues: transient growth, peak log10 |W^t| = $pk > 0.5 although rho < 1" \
		|| bad "03_eigenvalues: no transient growth ('$pk')"
fi
if [ -f "$tmp/05_tbptt_bias.txt" ]; then
	f=$tmp/05_tbptt_bias.txt
	sd=$(dnum "$f" 's/.*inputs x_t ~ N(0, \([-0-9.e+]*\)^2), loss.*/\1/p')
	# the narrated rows "a k closed MC se z": closed form against
	# -a^(2k+1) s^2 / (1 - a^2)^2, and MC within 4 standard errors of it
	res=$(awk -v s="$sd" 'NF == 6 && $1 ~ /^0?\.[0-9]+$/ && $2 ~ /^[0-9]+$/ {
		a = $1; k = $2; c = -a ^ (2 * k + 1) * s * s / (1 - a * a) ^ 2; n++
		if ((($3 - c) / c) ^ 2 > 1e-9) badc++
		if (($4 - c) ^ 2 > 16 * $5 * $5 || $4 >= 0) badm++
	} END { print n + 0, badc + 0, badm + 0 }' "$f")
	read -r nrows badc badm <<< "$res"
	if [ -n "$sd" ] && [ "$nrows" -ge 6 ] && [ "$badc" = 0 ]; then
		ok "05_tbptt_bias: $nrows narrated closed forms are -a^(2k+1) s^2/(1-a^2)^2"
	else bad "05_tbptt_bias: closed form wrong in $badc of $nrows narrated rows (s '$sd')"; fi
	if [ "$nrows" -ge 6 ] && [ "$badm" = 0 ]; then
		ok "05_tbptt_bias: Monte Carlo negative and within 4 se of the closed form at $nrows narrated points"
	else bad "05_tbptt_bias: Monte Carlo off by more than 4 se (or not negative) in $badm of $nrows narrated rows"; fi
	# every row of the data file, against the closed form the lesson wrote
	# and the count it narrates
	all=$(dnum "$f" 's/^All \([0-9]*\) Monte-Carlo rows lie within.*/\1/p')
	res=$(awk '/^# mc-/ { on = 1; next } /^# closed-|^# meta/ { on = 0 } on && NF == 5 && $1 !~ /^#/ {
		n++; if (($3 - $2) ^ 2 > 16 * $4 * $4) b++ } END { print n + 0, b + 0 }' "$tmp/05_tbptt_bias/05_tbptt_bias.dat")
	read -r drows dbad <<< "$res"
	if [ -n "$all" ] && [ "$drows" = "$all" ] && [ "$dbad" = 0 ]; then
		ok "05_tbptt_bias: all $drows Monte-Carlo rows of the data file within 4 se"
	else bad "05_tbptt_bias: data file rows '$drows' (narrated '$all'), $dbad beyond 4 se"; fi
	d1=$(dnum "$f" 's/.*sliding and chunked coincide: max |difference of rel. errors| = \([-0-9.e+]*\)$/\1/p')
	dT=$(dnum "$f" 's/.*both are full BPTT: max rel. error = \([-0-9.e+]*\)$/\1/p')
	if dle "$d1" 0 1e-12 && dle "$dT" 0 1e-12; then
		ok "05_tbptt_bias: GRU sliding = chunked at k = 1 ($d1), both = full at k = T ($dT)"
	else bad "05_tbptt_bias: GRU k = 1 difference '$d1', k = T error '$dT'"; fi
fi
# --- end of lessons 03 and 05 ---
# --- lessons 06 and 12 (06_clipping, 12_lyapunov) ---
# at_most A B TOL: A <= B + TOL;  near A B RTOL: |A − B| <= RTOL·max(|A|, |B|)
at_most() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a != "" && b != "" && a <= b + t) }'; }
near() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); n = (b < 0 ? -b : b); if (n > m) m = n; exit !(a != "" && b != "" && d <= r * m) }'; }
if [ -f "$tmp/06_clipping.txt" ]; then
	f=$tmp/06_clipping.txt
	# the seed's example: 965 clipped at c = 10 is 10, same direction
	read -r g1 o1 nb na cs <<< "$(sed -n 's/.*one parameter: *g = \([-0-9.e+]*\) *-> *\([-0-9.e+]*\) *(norm \([-0-9.e+]*\) -> \([-0-9.e+]*\), cosine \([-0-9.e+]*\)).*/\1 \2 \3 \4 \5/p' "$f")"
	if [ "$g1" = 965 ] && [ "$o1" = 10 ] && [ "$nb" = 965 ] && [ "$na" = 10 ] && [ "$cs" = 1 ]; then
		ok "06_clipping: the seed's 965 clipped at c = 10 is 10, cosine 1"
	else bad "06_clipping: seed example '$g1 -> $o1, norm $nb -> $na, cosine $cs'"; fi
	# (579, 772) by norm: g·c/|g| with |g| = 965, norm c, cosine 1; by value:
	# (10, 10), cosine (579 + 772)·10 / (965·sqrt(200))
	read -r a b n c <<< "$(sed -n 's/.*by norm, *c = 10: *(\([-0-9.e+]*\), \([-0-9.e+]*\)) *norm \([-0-9.e+]*\), cosine \([-0-9.e+]*\).*/\1 \2 \3 \4/p' "$f")"
	read -r va vb vn vc <<< "$(sed -n 's/.*by value, c = 10: *(\([-0-9.e+]*\), \([-0-9.e+]*\)) *norm \([-0-9.e+]*\), cosine \([-0-9.e+]*\).*/\1 \2 \3 \4/p' "$f")"
	if near "$a" "$(awk 'BEGIN { print 579 * 10 / 965 }')" 1e-6 && near "$b" "$(awk 'BEGIN { print 772 * 10 / 965 }')" 1e-6 \
		&& near "$n" 10 1e-6 && near "$c" 1 1e-6 && [ "$va" = 10 ] && [ "$vb" = 10 ] \
		&& near "$vn" "$(awk 'BEGIN { print sqrt(200) }')" 1e-5 \
		&& near "$vc" "$(awk 'BEGIN { print (579 + 772) * 10 / (965 * sqrt(200)) }')" 1e-5; then
		ok "06_clipping: (579, 772) by norm is (6, 8), norm 10, cosine 1; by value (10, 10), cosine $vc"
	else bad "06_clipping: two-parameter example by norm '($a, $b) $n $c', by value '($va, $vb) $vn $vc'"; fi
	# the plain run's largest gradient clipped at c: g·c/|g|, norm c, cosine 1
	c=$(sed -n 's/.*Clipped at c = \([-0-9.e+]*\) that gradient.*/\1/p' "$f")
	read -r gw gb gn <<< "$(sed -n 's/.*the gradient is (\([-0-9.e+]*\), \([-0-9.e+]*\)), norm \([-0-9.e+]*\):.*/\1 \2 \3/p' "$f")"
	read -r cw cb <<< "$(sed -n 's/.*that gradient would have been (\([-0-9.e+]*\), \([-0-9.e+]*\)):.*/\1 \2/p' "$f")"
	read -r cn cc <<< "$(sed -n 's/^ *norm \([-0-9.e+]*\), cosine \([-0-9.e+]*\), a step of.*/\1 \2/p' "$f")"
	if near "$cw" "$(awk -v g="$gw" -v n="$gn" -v c="$c" 'BEGIN { print g * c / n }')" 2e-3 \
		&& near "$cb" "$(awk -v g="$gb" -v n="$gn" -v c="$c" 'BEGIN { print g * c / n }')" 2e-3 \
		&& near "$cn" "$c" 1e-6 && near "$cc" 1 1e-6 && near "$gn" "$(awk -v a="$gw" -v b="$gb" 'BEGIN { print sqrt(a * a + b * b) }')" 2e-3; then
		ok "06_clipping: the wall's gradient ($gw, $gb) clipped at c = $c is g c/|g|, norm c, cosine 1"
	else bad "06_clipping: the wall's gradient '($gw, $gb) $gn' clipped at '$c' gives '($cw, $cb) $cn $cc'"; fi
	# no clipped step is longer than eta c
	read -r lg ec <<< "$(sed -n 's/^ *is \([-0-9.e+]*\) (never more than eta c = \([-0-9.e+]*\)).*/\1 \2/p' "$f")"
	if at_most "$lg" "$ec" 1e-12; then ok "06_clipping: longest clipped step $lg <= eta c = $ec"
	else bad "06_clipping: longest clipped step '$lg' vs eta c '$ec'"; fi
fi
if [ -f "$tmp/12_lyapunov.txt" ]; then
	f=$tmp/12_lyapunov.txt
	# below g = 1 the state decays to 0 and J_t -> W (spectral radius g):
	# every network's exponent is ln g; table rows: g, ln g, then "lambda (stderr)" per network
	read -r rows worst <<< "$(awk '/^  g +ln g/ { on = 1; next } on && NF == 0 { exit }
		on && $1 + 0 < 0.95 { for (i = 3; i <= NF; i += 2) { d = $i - log($1); if (d < 0) d = -d; if (d > w) w = d } n++ }
		END { printf "%d %.3g\n", n, w + 0 }' "$f")"
	if [ "${rows:-0}" -ge 2 ] && at_most "$worst" 0 2e-3; then
		ok "12_lyapunov: lambda = ln g for every g < 1 and every network ($rows gains, largest |lambda - ln g| $worst)"
	else bad "12_lyapunov: lambda vs ln g below g = 1: $rows rows, largest difference '$worst'"; fi
	# the exponent against the slope of log10 |dh_T/dh_{T-tau}| (bt_jacobian_lags): slope·ln 10
	# within 3 standard errors of lambda (+ 5e-4 for the ordered case, whose stderr is ~0)
	rows=$(awk '/difference \/ stderr/ { on = 1; next } on && NF == 0 { exit } on && NF == 7 { print $1, $2, $3, $4, $6 }' "$f")
	n=0; good=0; pos=0; neg=0
	while read -r g sl sl10 l se; do
		[ -n "$g" ] || continue
		n=$((n + 1))
		near "$sl10" "$(awk -v s="$sl" 'BEGIN { print s * log(10) }')" 1e-4 \
			&& at_most "$(awk -v a="$sl10" -v b="$l" 'BEGIN { d = a - b; print d < 0 ? -d : d }')" \
				"$(awk -v s="$se" 'BEGIN { print 3 * s }')" 5e-4 && good=$((good + 1))
		awk -v l="$l" 'BEGIN { exit !(l > 0) }' && pos=$((pos + 1)) || neg=$((neg + 1))
	done <<< "$rows"
	if [ "$n" -ge 2 ] && [ "$good" = "$n" ] && [ "$pos" -ge 1 ] && [ "$neg" -ge 1 ]; then
		ok "12_lyapunov: slope of the Jacobian product times ln 10 = lambda within 3 stderr ($n gains, ordered and chaotic)"
	else bad "12_lyapunov: slope vs lambda: $good of $n agree, $pos chaotic, $neg ordered" "$rows"; fi
fi
# --- end of lessons 06 and 12 ---
# --- lesson 13 (13_learning) ---
if [ -f "$tmp/13_learning.txt" ]; then
	f=$tmp/13_learning.txt
	dat=$tmp/13_learning/13_learning.dat
	# one dataset per architecture of the registry, each with a row every
	# --eval-every steps (40 with the defaults), every value finite
	archs=$(sed -n 's/^[[:space:]]*&bt_cell_\([a-z_]*\),$/\1/p' src/cells/registry.c)
	n=0; good=0
	for a in $archs; do
		n=$((n + 1))
		rows=$(awk -v a="$a" '/^# / { if (NF == 2) on = ($2 == a); next } /^$/ { on = 0 }
			on { ok = NF == 4; for (i = 1; i <= 4; i++) if ($i !~ /^[-+0-9.e]+$/) ok = 0; if (ok) r++; else bad++ }
			END { print (bad ? -1 : r + 0) }' "$dat")
		[ "$rows" = 40 ] && good=$((good + 1))
	done
	if [ "$n" -ge 7 ] && [ "$good" = "$n" ]; then
		ok "13_learning: a curve of 40 finite rows for each of the $n architectures"
	else bad "13_learning: $good of $n architectures have a complete finite curve"; fi
	# the baseline the library reports is Var(u1 + u2) = 1/6
	base=$(awk '/^# meta/ { on = 1; next } on && $1 !~ /^#/ && NF { print $3; exit }' "$dat")
	if near "$base" "$(awk 'BEGIN { printf "%.17g", 1 / 6 }')" 1e-12; then
		ok "13_learning: the memoryless baseline is 1/6"
	else bad "13_learning: baseline '$base', not 1/6"; fi
	# the LSTM learns: the narrated step is the first row of its curve below
	# 0.01 (checked in the data file), within the budget
	said=$(sed -n 's/^lstm: reached MSE < 0.01 at step \([0-9]*\), after.*/\1/p' "$f")
	first=$(awk '/^# / { if (NF == 2) on = ($2 == "lstm"); next } /^$/ { on = 0 } on && $3 < 0.01 { print $1; exit }' "$dat")
	if [ -n "$said" ] && [ "$said" = "$first" ] && [ "$said" -le 1000 ]; then
		ok "13_learning: the LSTM reaches held-out MSE < 0.01 at step $said (the first such row of its curve)"
	else bad "13_learning: LSTM narrated at step '$said', its curve first below 0.01 at '$first'"; fi
	# the tanh RNN does not: every row of its curve stays above 0.1
	low=$(awk '/^# / { if (NF == 2) on = ($2 == "rnn"); next } /^$/ { on = 0 } on && $3 < 0.1 { n++ } END { print n + 0 }' "$dat")
	if [ "$low" = 0 ] && grep -q "^rnn: not learned in 1000 steps" "$f"; then
		ok "13_learning: the tanh RNN stays near the baseline (no row below 0.1)"
	else bad "13_learning: the tanh RNN has $low rows below 0.1"; fi
fi
# --- end of lesson 13 ---

# --- lesson 17: another text, and texts it cannot use (its quoted numbers
# and samples are tests/quotes.sh's) ---
l17=$B/lessons/17_charlm
mkdir -p "$tmp/l17"
if "$l17" --text lessons/01_bptt.md --steps 2 --every 1 --draws 1 --bias-seqs 1 --sample 20 \
	--out "$tmp/l17" > "$tmp/l17.txt" 2>&1 && grep -q '^The text: 01_bptt.md, [0-9]* characters' "$tmp/l17.txt" \
	&& grep -q '^  "the program .' "$tmp/l17.txt" && [ -s "$tmp/l17/17_charlm.dat" ]; then
	ok "17_charlm --text FILE learns that file and prints a sample"
else bad "17_charlm --text FILE learns that file and prints a sample" "$(tail -3 "$tmp/l17.txt")"; fi
printf 'ab' > "$tmp/tiny.txt"
for t in "$tmp/absent.txt" "$tmp/tiny.txt"; do
	rm -rf "$tmp/l17r"; mkdir -p "$tmp/l17r"
	if "$l17" --text "$t" --out "$tmp/l17r" > /dev/null 2> "$tmp/l17.err"; then
		bad "17_charlm refuses --text $(basename "$t")"
	elif grep -qF -- "--text" "$tmp/l17.err" && grep -qF "$(basename "$t")" "$tmp/l17.err" && [ -z "$(ls -A "$tmp/l17r")" ]; then
		ok "17_charlm refuses --text $(basename "$t"), names it, writes nothing"
	else bad "17_charlm refuses --text $(basename "$t"), names it, writes nothing" "$(cat "$tmp/l17.err")"; fi
done
# --- end of lesson 17 ---
# --- every lesson: a knob that sizes memory or work past the limits ---
# Refused before any work: under a 2 GB address-space limit (the lessons'
# memory limit when it is lower than the memory available), within a
# second, exit 2, a message naming the knob, nothing in --out. Rows "m"
# are refused by the memory limit, rows "v" by the knobs' own ranges and
# syntax; an AddressSanitizer build, which cannot run under ulimit -v,
# runs only the "v" rows (its limit would be all the memory available).
LVMAX=2000000
grep -qa __asan_init "$B/lessons/01_bptt" && LVMAX=unlimited
now_ms() { date +%s%3N; }
while read -r kind l knob value; do
	[ -x "$B/lessons/$l" ] || continue
	[ "$kind" = m ] && [ "$LVMAX" = unlimited ] && continue
	out=$tmp/huge-$l; rm -rf "$out"; mkdir -p "$out"
	t0=$(now_ms)
	(ulimit -v $LVMAX; timeout -k 1 10 "$B/lessons/$l" "$knob" "$value" --out "$out") > /dev/null 2> "$tmp/huge.err"
	rc=$?
	ms=$(( $(now_ms) - t0 ))
	left=$(ls -A "$out")
	if [ "$rc" = 2 ] && [ "$ms" -lt 1000 ] && [ -z "$left" ] && grep -q -- "$knob" "$tmp/huge.err"; then
		ok "$l $knob $value: refused in $ms ms, naming the knob, nothing written"
	else
		bad "$l $knob $value: refused in under a second with nothing written" \
			"exit $rc after $ms ms, left [$left]: $(head -c 300 "$tmp/huge.err")"
	fi
done <<'KNOBS'
m 01_bptt --length 99999999
v 01_bptt --hidden 99999999
m 01_bptt --time-max 99999999
m 01_bptt --repeats 99999999
m 02_vanishing --length 99999999
m 02_vanishing --hidden 99999
v 02_vanishing --scales 0.5,x
m 03_eigenvalues --length 99999999
m 03_eigenvalues --hidden 99999
m 04_tbptt_blind --length 99999999
m 04_tbptt_blind --hidden 99999
v 05_tbptt_bias --length 99999999
v 05_tbptt_bias --kmax 99999999
v 05_tbptt_bias --hidden 99999999
m 05_tbptt_bias --gru-length 99999999
m 05_tbptt_bias --datasets 99999999
v 06_clipping --steps 99999999
m 07_residual --length 99999999
m 07_residual --hidden 99999
m 08_orthogonal --length 99999999
m 08_orthogonal --hidden 99999
m 09_gru --length 99999999
m 09_gru --hidden 99999
m 10_lstm --length 99999999
m 10_lstm --hidden 99999
v 10_lstm --biases 1,x
m 11_attention --length 99999999
m 11_attention --hidden 99999
m 12_lyapunov --length 99999999
m 12_lyapunov --hidden 99999
v 12_lyapunov --gstep 1e-300
v 12_lyapunov --compare 0.8,x
m 13_learning --length 99999999
m 13_learning --hidden 99999
m 13_learning --batch 99999999
m 13_learning --eval-size 99999999
v 14_eigenvector --length 99999999
v 14_eigenvector --hidden 99999
m 15_regularise --hidden 99999
m 15_regularise --length 99999999
m 15_regularise --batch 99999999
v 15_regularise --runs 65
v 16_cliff --steps 99999999
v 16_cliff --length 99999999
m 17_charlm --hidden 99999
m 17_charlm --batch 99999999
m 17_charlm --draws 99999999
v 17_charlm --length 99999999
v 04_tbptt_blind --truncate +5
v 13_learning --tbptt -1,5
v 13_learning --archs rnn,,gru
v 05_tbptt_bias --a 0.5,0x1p-1
v 07_residual --seed 0
v 12_lyapunov --seed 4294967297
v 13_learning --data-seed 4294967296
v 15_regularise --seed 4294967295
KNOBS
# BPTT_MAX_MEMORY limits the lessons as it limits the command, and a value
# that is not a size is refused by name
if [ -x "$B/lessons/02_vanishing" ]; then
	out=$tmp/maxmem; rm -rf "$out"; mkdir -p "$out"
	BPTT_MAX_MEMORY=64M timeout 10 "$B/lessons/02_vanishing" --length 2000000 --out "$out" > /dev/null 2> "$tmp/maxmem.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "--length 2000000: .*more than the limit of 64 MiB (set by BPTT_MAX_MEMORY)" "$tmp/maxmem.err" &&
		[ -z "$(ls -A "$out")" ]; then
		ok "02_vanishing under BPTT_MAX_MEMORY=64M: refused by that limit, nothing written"
	else bad "02_vanishing under BPTT_MAX_MEMORY=64M: refused by that limit" "exit $rc: $(cat "$tmp/maxmem.err")"; fi
	BPTT_MAX_MEMORY=64X timeout 10 "$B/lessons/02_vanishing" --out "$out" > /dev/null 2> "$tmp/maxmem.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "BPTT_MAX_MEMORY: '64X' is not a size" "$tmp/maxmem.err" && [ -z "$(ls -A "$out")" ]; then
		ok "02_vanishing under BPTT_MAX_MEMORY=64X: refused, naming the variable"
	else bad "02_vanishing under BPTT_MAX_MEMORY=64X: refused, naming the variable" "exit $rc: $(cat "$tmp/maxmem.err")"; fi
fi
# --out "" would put the data files in / ("" + "/NAME.dat"); a knob given
# twice is refused as the command refuses it
if [ -x "$B/lessons/02_vanishing" ]; then
	rm -f "$tmp/empty-out.err"
	lbin=$(cd "$B/lessons" && pwd)/02_vanishing
	(cd "$tmp" && timeout 10 "$lbin" --out "" --length 10 > /dev/null 2> empty-out.err)
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "--out: an empty directory name" "$tmp/empty-out.err"; then
		ok "02_vanishing --out '': refused"
	else bad "02_vanishing --out '': refused" "exit $rc: $(cat "$tmp/empty-out.err")"; fi
	out=$tmp/twice; mkdir -p "$out"
	timeout 10 "$B/lessons/02_vanishing" --length 10 --length 20 --out "$out" > /dev/null 2> "$tmp/twice.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "--length given twice" "$tmp/twice.err" && [ -z "$(ls -A "$out")" ]; then
		ok "02_vanishing --length twice: refused"
	else bad "02_vanishing --length twice: refused" "exit $rc: $(cat "$tmp/twice.err")"; fi
fi
# a text that never ends (a device): refused once it passes the memory limit
if [ -x "$B/lessons/17_charlm" ] && [ "$LVMAX" != unlimited ]; then
	out=$tmp/huge-text; rm -rf "$out"; mkdir -p "$out"
	(ulimit -v 1000000; timeout -k 1 60 "$B/lessons/17_charlm" --text /dev/zero --out "$out") > /dev/null 2> "$tmp/huge.err"
	rc=$?
	if [ "$rc" = 2 ] && [ -z "$(ls -A "$out")" ] && grep -q -- "--text" "$tmp/huge.err"; then
		ok "17_charlm --text /dev/zero: refused at the memory limit, nothing written"
	else bad "17_charlm --text /dev/zero: refused at the memory limit" "exit $rc: $(head -c 300 "$tmp/huge.err")"; fi
fi
# a symbolic link where a data file's temporary file goes (another user of
# a shared --out): removed, not written through
if [ -x "$B/lessons/02_vanishing" ]; then
	out=$tmp/link-out; mkdir -p "$out"
	echo victim > "$tmp/victim"
	ln -s "$tmp/victim" "$out/02_vanishing.dat.tmp"
	timeout 10 "$B/lessons/02_vanishing" --length 10 --out "$out" > /dev/null 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ "$(cat "$tmp/victim")" = victim ] && [ ! -L "$out/02_vanishing.dat" ] \
		&& [ ! -e "$out/02_vanishing.dat.tmp" ]; then
		ok "02_vanishing: a link in place of its temporary file is not written through"
	else bad "02_vanishing: a link in place of its temporary file" \
		"exit $rc, victim '$(head -c 40 "$tmp/victim")', $(ls -l "$out" | tail -n +2)"; fi
fi
# SIGINT during a long lesson: it ends by the signal within a second and
# leaves neither its data file nor the temporary one
for l in 13_learning 15_regularise 17_charlm; do
	[ -x "$B/lessons/$l" ] || continue
	out=$tmp/int-$l; rm -rf "$out"; mkdir -p "$out"
	t0=$(now_ms)
	timeout -k 3 -s INT 1.5 "$B/lessons/$l" --out "$out" > /dev/null 2>&1
	rc=$?
	ms=$(( $(now_ms) - t0 ))
	if [ "$rc" = 124 ] && [ "$ms" -lt 2500 ] && [ -z "$(ls -A "$out")" ]; then
		ok "$l: SIGINT mid-run ends it in time (${ms} ms in all), no .tmp or .dat left"
	else bad "$l: SIGINT mid-run" "exit $rc after $ms ms, left [$(ls -A "$out")]"; fi
done
echo "lessons: $passed passed, $failed failed"
[ "$failed" = 0 ]
