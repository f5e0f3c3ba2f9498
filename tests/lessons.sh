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
echo "lessons: $passed passed, $failed failed"
[ "$failed" = 0 ]
