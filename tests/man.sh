#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# man.sh BPTT — the man pages lint clean (groff -ww), every option that
# `bptt COMMAND --help` lists appears in bptt(1), and the bash completion
# is valid bash that knows every subcommand and option.
set -u
B=${1:-./bptt}
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$B" --man > "$tmp/bptt.1" && ok "bptt --man" || bad "bptt --man"
for page in "$tmp/bptt.1" man/bptt-files.5; do
	if groff -ww -man -z "$page" 2> "$tmp/lint" && [ ! -s "$tmp/lint" ]; then ok "$(basename "$page") lints clean"; else
		bad "$(basename "$page") lints clean" "$(head -3 "$tmp/lint")"; fi
done
MANWIDTH=200 man -l "$tmp/bptt.1" 2>/dev/null | sed 's/‐/-/g' > "$tmp/bptt.txt"
subs=$("$B" --help | sed -n 's/^  bptt \([a-z]*\) .*/\1/p')
"$B" --completion > "$tmp/comp.bash"
bash -n "$tmp/comp.bash" && ok "the completion is valid bash" || bad "the completion is valid bash"
for s in $subs; do
	missing=""
	for o in $("$B" "$s" --help | sed -n 's/^  \(-[-a-z]*\).*/\1/p'); do
		grep -q -- "$o" "$tmp/bptt.txt" || missing="$missing $o"
		grep -q -- "$o" "$tmp/comp.bash" || missing="$missing (completion)$o"
	done
	[ -z "$missing" ] && ok "bptt(1) and the completion list every option of bptt $s" || bad "options missing for $s:$missing"
	grep -q "bptt $s" "$tmp/bptt.txt" && ok "bptt(1) has a section for $s" || bad "bptt(1) has no section for $s"
done
echo "man: $passed passed, $failed failed"
[ "$failed" = 0 ]
