#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# index.sh OUT — the gallery, plots/out/index.html: a contents list by
# lesson (titles from the first heading of lessons/NN_name.md), then each
# lesson's figures under its title, each with a one-line takeaway, its
# caption and links to the PNG, the SVG, the PDF (when made), the data and
# the lesson's text. Takeaways and captions come from the "# takeaway:" and
# "# caption:" lines of plots/NN_name*.gp, and for the diagrams of the
# unrolled graph from OUT/graphs.txt (name|takeaway|caption, written by
# scripts/plots.sh). Subscripts and superscripts written _x, _{…}, ^x, ^{…}
# become <sub> and <sup>; no JavaScript. Only what exists in OUT is shown.
out=${1:-plots/out}
esc() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g; s/"/\&quot;/g'; }
# HTML-escaped text with _x, _{…}, ^x, ^{…} set as sub- and superscripts
math() {
	esc | perl -CSD -pe 's/_\{([^{}]*)\}/<sub>$1<\/sub>/g; s/\^\{([^{}]*)\}/<sup>$1<\/sup>/g;
		s/(?<=[\w)\x{2016}|])_([\w\x{2212}+]+)/<sub>$1<\/sub>/g; s/(?<=[\w)\x{2016}|])\^([\w\x{2212}+]+)/<sup>$1<\/sup>/g'
}
# the plain text for alt: the subscript marks dropped
plain() { sed 's/[_^]{\([^{}]*\)}/\1/g; s/[_^]//g' | esc; }
# the lesson's title: its first heading without the "# "
title() { sed -n '1,/^# /s/^# //p' "$1" | head -1; }

# figure ID TAKEAWAY CAPTION DATA LESSON [diagram]: one figure and its
# links; a diagram scrolls sideways in its frame on a narrow screen rather
# than shrink below legibility
figure() {
	id=$1 take=$2 cap=$3 data=$4 lesson=$5 kind=${6:-plot}
	img=$id.svg
	[ -f "$out/$img" ] || img=$id.png
	echo "<figure id=\"$id\" class=\"$kind\">"
	[ -n "$take" ] && echo "<p class=\"take\">$(printf '%s' "$take" | math)</p>"
	echo "<div class=\"frame\"><a href=\"$img\"><img src=\"$img\" alt=\"$(printf '%s' "$cap" | plain)\"></a></div>"
	printf '<figcaption>%s\n<span class="links">' "$(printf '%s' "$cap" | math)"
	sep=""
	for f in "$id.png:PNG" "$id.svg:SVG" "$id.pdf:PDF" "$data:data" "$id.dot:DOT"; do
		[ -n "${f%%:*}" ] && [ -f "$out/${f%%:*}" ] || continue
		printf '%s<a href="%s">%s</a>' "$sep" "${f%%:*}" "${f#*:}"
		sep=" · "
	done
	printf '%s<a href="../../lessons/%s.md">lesson text</a></span></figcaption>\n</figure>\n' "$sep" "$lesson"
}

cat <<'HEAD'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bptt: the lessons and their figures</title>
<style>
body { font-family: "DejaVu Sans", sans-serif; line-height: 1.45; max-width: 62rem; margin: 0 auto; padding: 1rem; color: #1a1a1a; }
h1 { font-size: 1.7rem; }
h2 { font-size: 1.35rem; border-top: 2px solid #08306b; padding-top: .6rem; margin-top: 2.5rem; }
nav ol { padding-left: 1.6rem; }
nav li { margin: .2rem 0; }
figure { margin: 1.2rem 0 2rem; }
figure img { display: block; width: 100%; max-width: 100%; height: auto; border: 1px solid #ddd; background: #fff; }
.diagram .frame { overflow-x: auto; }
.diagram img { min-width: 40rem; }
.take { font-weight: bold; margin: .3rem 0 .5rem; }
figcaption { margin-top: .5rem; font-size: .95rem; }
.links { display: block; margin-top: .3rem; font-size: .9rem; }
.lessonlinks { color: #444; }
code { background: #f2f2f2; padding: 0 .25em; }
body, figcaption, code { overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>bptt: the lessons and their figures</h1>
<p>Every figure that <code>make plots</code> draws, lesson by lesson: a
one-line takeaway in bold, then the figure and its caption. Each lesson's
text is linked beside its title, with the narration its program printed.</p>
HEAD
# the lessons that have a text, in order
lessons=$(ls lessons/[0-9][0-9]_*.md 2>/dev/null | sed 's|lessons/||; s|\.md$||')
echo "<nav><h2 id=\"contents\">Contents</h2><ol>"
for l in $lessons; do
	echo "<li><a href=\"#$l\">$(title "lessons/$l.md" | math)</a></li>"
done
echo "</ol></nav>"
for l in $lessons; do
	nn=${l%%_*}
	echo "<section class=\"lesson\" id=\"$l\">"
	echo "<h2>$(title "lessons/$l.md" | math)</h2>"
	printf '<p class="lessonlinks"><a href="../../lessons/%s.md">the lesson text</a>' "$l"
	[ -f "$out/$l.txt" ] && printf ' · <a href="%s.txt">what the program printed</a>' "$l"
	echo "</p>"
	for g in plots/${nn}_*.gp; do
		[ -f "$g" ] || continue
		id=$(basename "$g" .gp)
		[ -f "$out/$id.png" ] || [ -f "$out/$id.svg" ] || continue
		cap=$(sed -n 's/^# caption: //p' "$g" | head -1)
		take=$(sed -n 's/^# takeaway: //p' "$g" | head -1)
		data=$(grep -o "[A-Za-z0-9_]*\.dat" "$g" | head -1)
		figure "$id" "$take" "$cap" "$data" "$l"
	done
	if [ -f "$out/graphs.txt" ]; then
		grep "^${nn}_" "$out/graphs.txt" | while IFS='|' read -r id take cap; do
			[ -f "$out/$id.png" ] || [ -f "$out/$id.svg" ] || continue
			figure "$id" "$take" "$cap" "" "$l" diagram
		done
	fi
	echo "</section>"
done
echo "</body></html>"
