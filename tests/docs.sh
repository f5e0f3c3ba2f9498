#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs.sh BPTT — the documentation in docs/ agrees with the command and the
# man pages wherever a machine can compare them:
#   1. every option that `bptt COMMAND --help` lists is in docs/command.md's
#      section for COMMAND, and every option listed there is in --help;
#   2. for every architecture, the blocks of a model that `bptt init` writes
#      are, in order and with their shapes, those that docs/spec.md gives
#      (and man/bptt-files.5, when that page lists them);
#   3. the exit codes of docs/command.md are those of bptt(1) (`bptt --man`);
#   4. every relative link of every Markdown file points to a file of the
#      repository (and an #anchor into a Markdown file to one of its
#      headings);
#   5. no file of the repository but LICENSE names the old specification's
#      location outside the tree.
# Usage: bash tests/docs.sh ./bptt   (from the top of the tree, or anywhere)
set -u
B=${1:-./bptt}
case $B in */*) B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B") ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && echo "# $2"; failed=$((failed + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if ! "$B" --version > /dev/null 2>&1; then
	bad "$B runs" "'$B --version' failed: build it first (make all)"
	echo "docs: $passed passed, $failed failed"
	exit 1
fi
SPEC=docs/spec.md FILES=docs/files.md CMD=docs/command.md MAN5=man/bptt-files.5
for f in "$SPEC" "$FILES" "$CMD"; do
	[ -f "$f" ] && ok "$f exists" || bad "$f exists" "no such file"
done
words() { tr '\n' ' ' | sed 's/ *$//'; }

# ---- 1. options: --help against docs/command.md ---------------------------
# the options of one subcommand's section of docs/command.md ("## bptt NAME"
# up to the next "## "): the first cell of each table row that starts with
# an option; a row "| *source options* |" stands for the table of
# "## Source options"
doc_options() {
	awk -v want="$1" '
		function opt(line,   m) {
			if (match(line, /^\| *`-[-a-zA-Z0-9]+/)) {
				m = substr(line, RSTART, RLENGTH); sub(/^\| *`/, "", m); return m
			}
			return ""
		}
		/^## / {
			h = $0; sub(/^## +/, "", h); gsub(/`/, "", h); sub(/ +$/, "", h)
			sec = h == "bptt " want ? "cmd" : h == "Source options" ? "src" : ""
			next
		}
		sec == "cmd" && /^\| *\*source options\* *\|/ { usesrc = 1; next }
		sec == "cmd" { o = opt($0); if (o != "") print o }
		sec == "src" { o = opt($0); if (o != "") src[++ns] = o }
		END { if (usesrc) for (i = 1; i <= ns; i++) print src[i] }
	' "$CMD" | sort -u
}
subs=$("$B" --help 2>/dev/null | sed -n 's/^  bptt \([a-z][a-z]*\)\( .*\)\{0,1\}$/\1/p' | awk '!seen[$0]++')
if [ -z "$subs" ]; then
	bad "bptt --help lists the subcommands" "no line '  bptt NAME …' in '$B --help'"
fi
for s in $subs; do
	"$B" "$s" --help 2>/dev/null | sed -n 's/^  \(-[-a-zA-Z0-9]*\).*/\1/p' | sort -u > "$tmp/help"
	doc_options "$s" > "$tmp/doc"
	if [ ! -s "$tmp/help" ]; then
		bad "options of bptt $s" "'$B $s --help' lists no option"
		continue
	fi
	if [ ! -s "$tmp/doc" ]; then
		bad "options of bptt $s" "$CMD has no section '## bptt $s' with an option table"
		continue
	fi
	undocumented=$(comm -23 "$tmp/help" "$tmp/doc" | words)
	unknown=$(comm -13 "$tmp/help" "$tmp/doc" | words)
	if [ -z "$undocumented$unknown" ]; then
		ok "options of bptt $s: $CMD and --help agree"
	else
		bad "options of bptt $s: $CMD and --help agree" \
			"in --help but not in $CMD: ${undocumented:-none}; in $CMD but not in --help: ${unknown:-none}"
	fi
done
# every "## bptt NAME" section documents a subcommand that exists
extra=""
for h in $(sed -n 's/^## `\{0,1\}bptt \([a-z][a-z]*\)`\{0,1\} *$/\1/p' "$CMD" 2>/dev/null); do
	printf '%s\n' $subs | grep -qx "$h" || extra="$extra $h"
done
[ -z "$extra" ] && ok "every section 'bptt NAME' of $CMD is a subcommand" \
	|| bad "every section 'bptt NAME' of $CMD is a subcommand" "no such subcommand:$extra"

# ---- 2. parameter blocks: bptt init against docs/spec.md and bptt-files(5) --
# d, n, m all different, so that a shape names its sizes unambiguously
D=2 N=3 M=5
shape() {   # "n × d" or "n by d" → "3 2"
	echo "$1" | sed 's/×/ /; s/ by / /' | awk -v d=$D -v n=$N -v m=$M '
		function v(x) { return x == "d" ? d : x == "n" ? n : x == "m" ? m : x }
		{ print v($1), v($2) }'
}
spec_blocks() {   # "NAME ROWS COLS" per block under "### `ARCH` …" of docs/spec.md
	awk -F'|' -v want="$1" '
		/^#/ { cur = ""; if (match($0, /^### `[a-z]+`/)) { cur = substr($0, 6, RLENGTH - 6) } next }
		cur == want && /^\| *`[A-Za-z_][A-Za-z0-9_]*` *\|/ {
			name = $2; gsub(/[ `]/, "", name); sh = $3; gsub(/^ +| +$/, "", sh); print name "|" sh
		}' "$SPEC" | while IFS='|' read -r name sh; do echo "$name $(shape "$sh")"; done
}
man_blocks() {   # the same from the list under ".SS Models" of bptt-files(5)
	awk -v want="$1" '
		/^\.S[SH]/ { models = $0 ~ /^\.SS +"?Models"?/; next }
		models && $0 == ".TP" { tp = 1; next }
		models && tp && $1 == ".B" { arch = $2; tp = 0; take = 1; next }
		models && take { if (arch == want) print; take = 0; tp = 0 }
	' "$MAN5" | tr ',' '\n' | sed -n 's/^ *\([A-Za-z_][A-Za-z0-9_]*\) *(\(.*\)).*/\1|\2/p' |
		while IFS='|' read -r name sh; do echo "$name $(shape "$sh")"; done
}
archs=$("$B" init --help 2>/dev/null | awk '/^architectures:/ { f = 1; next } f && /^$/ { f = 0 } f && /^  [a-z]/ { print $1 }')
[ -n "$archs" ] || bad "bptt init --help lists the architectures" "no 'architectures:' list in '$B init --help'"
man_lists=$(awk '/^\.S[SH]/ { f = $0 ~ /^\.SS +"?Models/; next } f && $0 == ".TP" { tp = 1; next } f && tp && $1 == ".B" { print $2 } { tp = 0 }' "$MAN5" 2>/dev/null | words)
for a in $archs; do
	if ! "$B" init --arch "$a" --input $D --hidden $N --output $M > "$tmp/model" 2> "$tmp/err"; then
		bad "bptt init --arch $a" "$(head -1 "$tmp/err")"
		continue
	fi
	sed 's/#.*//' "$tmp/model" | awk 'NF == 3 && $1 ~ /^[A-Za-z_][A-Za-z0-9_]*$/ && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { print $1, $2, $3 }' > "$tmp/init"
	spec_blocks "$a" > "$tmp/spec"
	if cmp -s "$tmp/init" "$tmp/spec"; then
		ok "blocks of $a: bptt init and $SPEC agree ($(cut -d' ' -f1 "$tmp/init" | words))"
	else
		bad "blocks of $a: bptt init and $SPEC agree" \
			"bptt init (d=$D n=$N m=$M): $(words < "$tmp/init" | sed 's/\([0-9]\) \([A-Za-z]\)/\1, \2/g'); $SPEC: $(words < "$tmp/spec" | sed 's/\([0-9]\) \([A-Za-z]\)/\1, \2/g')"
	fi
	if [ -z "$man_lists" ]; then
		continue
	fi
	man_blocks "$a" > "$tmp/man"
	if cmp -s "$tmp/init" "$tmp/man"; then
		ok "blocks of $a: bptt init and $MAN5 agree"
	else
		bad "blocks of $a: bptt init and $MAN5 agree" \
			"bptt init (d=$D n=$N m=$M): $(words < "$tmp/init" | sed 's/\([0-9]\) \([A-Za-z]\)/\1, \2/g'); $MAN5: $(words < "$tmp/man" | sed 's/\([0-9]\) \([A-Za-z]\)/\1, \2/g')"
	fi
done
[ -z "$man_lists" ] && ok "$MAN5 lists no blocks per architecture: nothing to compare"
# the architecture sections of docs/spec.md are the command's architectures
spec_archs=$(sed -n 's/^### `\([a-z][a-z]*\)`.*/\1/p' "$SPEC" 2>/dev/null | sort | words)
cmd_archs=$(printf '%s\n' $archs | sort | words)
[ "$spec_archs" = "$cmd_archs" ] && ok "$SPEC has a section for every architecture and no other" \
	|| bad "$SPEC has a section for every architecture and no other" "bptt init: $cmd_archs; $SPEC: $spec_archs"
if [ -n "$man_lists" ]; then
	man_archs=$(printf '%s\n' $man_lists | sort | words)
	[ "$man_archs" = "$cmd_archs" ] && ok "$MAN5 lists every architecture and no other" \
		|| bad "$MAN5 lists every architecture and no other" "bptt init: $cmd_archs; $MAN5: $man_archs"
fi

# ---- 3. exit codes: docs/command.md against bptt(1) -----------------------
"$B" --man > "$tmp/bptt.1" 2>/dev/null
man_codes=$(awk '/^\.SH/ { f = $0 ~ /EXIT STATUS/; next } f && $0 == ".TP" { getline; print }' "$tmp/bptt.1" |
	grep -o '[0-9][0-9]*' | sort -n -u | words)
doc_codes=$(awk '/^## / { f = $0 ~ /^## +Exit status/; next } f' "$CMD" 2>/dev/null |
	sed -n 's/^| *\([0-9][0-9]*\) *|.*/\1/p' | sort -n -u | words)
if [ -z "$man_codes" ]; then
	bad "exit codes: $CMD and bptt(1) agree" "no EXIT STATUS list in '$B --man'"
elif [ "$man_codes" = "$doc_codes" ]; then
	ok "exit codes: $CMD and bptt(1) agree ($man_codes)"
else
	bad "exit codes: $CMD and bptt(1) agree" "bptt(1): $man_codes; $CMD: ${doc_codes:-none}"
fi

# ---- 4. relative links in the Markdown files -------------------------------
# the repository's files: git's list, or (without git, as in a fresh
# chroot) every file but the built ones
tracked() {
	if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
		git ls-files "$@"
	else
		find . \( -path ./.git -o -path ./build -o -path ./plots/out \) -prune -o -type f -print |
			sed 's|^\./||' | case $# in 0) cat ;; *) grep -E '\.md$' ;; esac
	fi
}
mdfiles=$( { tracked '*.md'; for f in "$SPEC" "$FILES" "$CMD"; do [ -f "$f" ] && echo "$f"; done; } | sort -u)
for md in $mdfiles; do
	[ -f "$md" ] || continue
	problems=$(perl -CSD -Mutf8 -e '
		use strict; use warnings; use File::Basename; use Cwd qw(abs_path);
		my ($root, $md) = @ARGV;
		# GitHub heading anchors: text without markup, lower case, without
		# punctuation, blanks as hyphens, repeats numbered -1, -2, ...
		my %anchors_of;
		sub anchors {
			my ($file) = @_;
			return $anchors_of{$file} if $anchors_of{$file};
			my (%a, %seen, $fence);
			open(my $fh, "<:encoding(UTF-8)", $file) or return {};
			while (<$fh>) {
				if (/^\s*(```|~~~)/) { $fence = !$fence; next }
				next if $fence;
				next unless /^#{1,6}\s+(.*?)\s*#*\s*$/;
				my $t = $1;
				$t =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;
				$t = lc $t;
				$t =~ s/[\x{2000}-\x{206F}\x{2E00}-\x{2E7F}\\\x27!"#\$%&()*+,.\/:;<=>?@\[\]^`{|}~]//g;
				$t =~ s/ /-/g;
				my $s = $t;
				$s = "$t-" . $seen{$t} if $seen{$t};
				$seen{$t}++;
				$a{$s} = 1;
			}
			return $anchors_of{$file} = \%a;
		}
		my @bad;
		open(my $fh, "<:encoding(UTF-8)", $md) or die "$md: $!";
		my ($fence, $n) = (0, 0);
		while (my $line = <$fh>) {
			$n++;
			if ($line =~ /^\s*(```|~~~)/) { $fence = !$fence; next }
			next if $fence || $line =~ /^(    |\t)/;
			$line =~ s/`[^`]*`//g;
			my @targets;
			push @targets, $1 while $line =~ /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
			push @targets, $1 if $line =~ /^\s*\[[^\]]+\]:\s*<?(\S+?)>?\s*$/;
			for my $t (@targets) {
				next if $t =~ /^[a-zA-Z][a-zA-Z0-9+.-]*:/;   # http:, mailto:, ...
				my ($path, $frag) = $t =~ /^([^#?]*)(?:\?[^#]*)?(?:#(.*))?$/;
				$path =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
				my $file = $path eq "" ? $md
					 : $path =~ m{^/} ? "$root$path" : dirname($md) . "/$path";
				my $abs = abs_path($file);
				if (!defined $abs || !-e $abs) { push @bad, "line $n: $t (no such file)"; next }
				if (index("$abs/", "$root/") != 0) { push @bad, "line $n: $t (outside the repository)"; next }
				if (defined $frag && $frag ne "" && $abs =~ /\.md$/ && -f $abs) {
					push @bad, "line $n: $t (no heading #$frag)" unless anchors($abs)->{lc $frag};
				}
			}
		}
		print join("; ", @bad);
	' "$root" "$md")
	if [ -z "$problems" ]; then
		ok "links in $md"
	else
		bad "links in $md" "$problems"
	fi
done

# ---- 5. the old specification's location -----------------------------------
# (the patterns are cut in two so that this file does not contain them)
p1='shared''/spec' p2='..''/shared' p3='models''.md'
hits=$( { tracked; for f in "$SPEC" "$FILES" "$CMD" tests/docs.sh; do echo "$f"; done; } |
	sort -u | grep -vx 'LICENSE' | while read -r f; do
		[ -f "$f" ] && grep -qIF -e "$p1" -e "$p2" -e "$p3" -- "$f" && echo "$f"
	done | words)
if [ -z "$hits" ]; then
	ok "no file names the specification's old location ($p1, $p2, $p3)"
else
	bad "no file names the specification's old location ($p1, $p2, $p3)" "found in: $hits"
fi

echo "docs: $passed passed, $failed failed"
[ "$failed" = 0 ]
