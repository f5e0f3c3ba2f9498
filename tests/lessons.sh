#!/usr/bin/env bash
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
echo "lessons: $passed passed, $failed failed"
[ "$failed" = 0 ]
