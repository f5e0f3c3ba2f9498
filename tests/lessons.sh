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
# --- end of lessons 01 and 04 ---
echo "lessons: $passed passed, $failed failed"
[ "$failed" = 0 ]
