#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gallery.sh BUILD_DIR — the gallery (scripts/index.sh) as a browser shows
# it. Builds a small gallery of its own in a temporary directory (lessons 4
# and 9 run, their figures drawn by gnuplot as PNG and SVG, their diagrams
# of the unrolled graph by scripts/graphs.sh), then opens it in headless
# Chromium at 1280 and at 420 pixels wide and checks: every image loads
# (naturalWidth > 0), nothing is wider than the window (scrollWidth ≤
# innerWidth), every lesson has a section with a heading, and the page has
# a viewport meta tag and no script. The checks run in a copy of the page
# with a script appended, shown in a frame of each width, that sends its
# findings to the window, which writes them into its DOM for Chromium to
# dump (--dump-dom); the gallery itself has no JavaScript.
# Prints "ok"/"not ok" lines and "gallery: N passed, M failed".
# With SHOTS=DIR it keeps a screenshot at each width in DIR.
set -u
B=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; failed=$((failed + 1)); }
finish() { echo "gallery: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bptt-gallery.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
mkdir -p "$out"

browser=""
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	bad "a headless browser is installed" "no chromium: sh scripts/deps.sh check installs it (Debian package chromium)"
	finish
fi

# ---- a small gallery: two lessons, their figures and diagrams ---------------
made=1
for l in 04_tbptt_blind 09_gru; do
	if ! "$B/lessons/$l" --out "$out" > "$out/$l.txt" 2>&1; then
		made=0; bad "lesson $l runs" "$(tail -3 "$out/$l.txt")"
	fi
	for g in plots/"${l%%_*}"_*.gp; do
		for fmt in png svg; do
			gnuplot -e "fmt='$fmt'; outdir='$out'" "$g" 2> "$tmp/gp.err" ||
				{ made=0; bad "gnuplot draws $g ($fmt)" "$(head -3 "$tmp/gp.err")"; }
		done
	done
done
sh scripts/graphs.sh "$B" "$out" 04 09 > "$tmp/graphs.log" 2>&1 ||
	{ made=0; bad "scripts/graphs.sh draws the diagrams" "$(tail -3 "$tmp/graphs.log")"; }
sh scripts/index.sh "$out" > "$out/index.html" 2> "$tmp/index.err" ||
	{ made=0; bad "scripts/index.sh writes the page" "$(head -3 "$tmp/index.err")"; }
[ "$made" = 1 ] && ok "a small gallery made from lessons 4 and 9"
[ -s "$out/index.html" ] || finish

page=$out/index.html
nfig=$(grep -c '<figure' "$page")
want=$(ls "$out"/*.png | wc -l)
[ "$nfig" -ge 5 ] && [ "$nfig" = "$want" ] && ok "every figure drawn is on the page ($nfig)" ||
	bad "every figure drawn is on the page" "$nfig figures on the page, $want PNG files drawn"
grep -q '<meta name="viewport"' "$page" && ok "the page has a viewport meta tag" ||
	bad "the page has a viewport meta tag"
grep -qi '<script' "$page" && bad "the page has no script" "$(grep -i -m1 '<script' "$page")" ||
	ok "the page has no script"
left=$(sed "s/<[^>]*>//g" "$page" | grep -o "[A-Za-z)]_[{A-Za-z0-9]" | sort -u | tr "\n" " ")
[ -z "$left" ] && ok "no TeX-like _x left in the text" ||
	bad "no TeX-like _x left in the text" "found: $left"
nlessons=$(ls lessons/[0-9][0-9]_*.md | wc -l)

# ---- in the browser ---------------------------------------------------------
# the copy with the checks: they run once everything has loaded
probe=$out/probe.html
sed 's|</body></html>$||' "$page" > "$probe"
cat >> "$probe" <<'JS'
<script>
window.addEventListener('load', function () {
	var imgs = Array.prototype.slice.call(document.images);
	var broken = imgs.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
		.map(function (i) { return i.getAttribute('src'); });
	var sections = document.querySelectorAll('section.lesson');
	var headless = Array.prototype.filter.call(sections, function (s) {
		var h = s.querySelector('h2'); return !h || !h.textContent.trim();
	}).map(function (s) { return s.id; });
	var wide = Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) {
		return e.getBoundingClientRect().right > window.innerWidth + 0.5;
	}).slice(0, 5).map(function (e) { return e.tagName + (e.id ? '#' + e.id : ''); });
	parent.postMessage('images=' + imgs.length + ' broken=' + (broken.join(',') || 'none') +
		' scroll=' + document.documentElement.scrollWidth + ' inner=' + window.innerWidth +
		' sections=' + sections.length + ' headless=' + (headless.join(',') || 'none') +
		' wide=' + (wide.join(',') || 'none') + ' end', '*');
});
</script>
</body></html>
JS
# The window: the page in a frame of the width to test (a headless window
# is at least 500 px wide); the findings written into the window's DOM.
frame() {   # WIDTH
	cat > "$out/frame.html" <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><style>body { margin: 0; } iframe { border: 0; }</style></head>
<body><iframe src="probe.html" width="$1" height="900"></iframe>
<script>window.addEventListener('message', function (e) {
	var r = document.createElement('pre'); r.textContent = e.data; document.body.appendChild(r);
});</script></body></html>
HTML
}
run_browser() {   # WIDTH ARGS...: Chromium on the probe in a frame WIDTH wide
	local w=$1; shift
	timeout -k 5 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-extensions --disable-background-networking --disable-sync \
		--user-data-dir="$tmp/profile" --hide-scrollbars --window-size="$((w + 20)),900" \
		--virtual-time-budget=5000 "$@" "file://$out/frame.html" 2> "$tmp/browser.err"
}
for w in 1280 420; do
	frame "$w"
	run_browser "$w" --dump-dom > "$tmp/dom.html"
	line=$(grep -o 'images=[^<]* end' "$tmp/dom.html")
	if [ -z "$line" ]; then
		bad "the page at $w px: the browser ran the checks" "$(grep -v -i 'dbus\|fontconfig' "$tmp/browser.err" | tail -3)"
		continue
	fi
	v() { echo "$line" | sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
	[ "$(v images)" = "$nfig" ] && [ "$(v broken)" = none ] &&
		ok "at $w px every image loads ($(v images))" ||
		bad "at $w px every image loads" "$line"
	[ "$(v scroll)" -le "$(v inner)" ] && ok "at $w px nothing is wider than the window (scrollWidth $(v scroll) <= $(v inner))" ||
		bad "at $w px nothing is wider than the window" "$line"
	[ "$(v sections)" = "$nlessons" ] && [ "$(v headless)" = none ] &&
		ok "at $w px every lesson has a section with a heading ($nlessons)" ||
		bad "at $w px every lesson has a section with a heading ($nlessons lessons)" "$line"
	if [ -n "${SHOTS:-}" ]; then
		mkdir -p "$SHOTS"
		( cd "$tmp" && run_browser "$w" --screenshot="$SHOTS/gallery-$w.png" > /dev/null )
	fi
done
finish
