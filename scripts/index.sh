#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# index.sh OUT — an HTML page showing every figure with its caption, the
# lesson it comes from and the command that regenerates it. Captions come
# from the "# caption:" line of each plots/NN_name.gp.
out=${1:-plots/out}
esc() { sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }
cat <<'HEAD'
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bptt: lessons and figures</title>
<style>
body { font-family: sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
figure { margin: 2.5em 0; border-top: 1px solid #ccc; padding-top: 1em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { margin-top: .5em; }
code { background: #f4f4f4; padding: 0 .3em; }
.lesson { color: #555; font-size: 90%; }
</style>
</head>
<body>
<h1>bptt: lessons and figures</h1>
<p>Every figure made by <code>make plots</code>. Each lesson's text is in
<code>lessons/NN_name.md</code>; its narrated output is beside the figure as
<code>NN_name.txt</code>.</p>
HEAD
for g in plots/[0-9][0-9]_*.gp; do
	[ -f "$g" ] || continue
	name=$(basename "$g" .gp)
	cap=$(sed -n 's/^# caption: //p' "$g" | head -1 | esc)
	lesson=$(sed -n 's/^# lesson: //p' "$g" | head -1)
	[ -n "$lesson" ] || lesson=$name
	echo "<figure id=\"$name\">"
	echo "<img src=\"$name.png\" alt=\"$name\">"
	echo "<figcaption><b>$name.</b> $cap"
	echo "<div class=\"lesson\">Lesson: <a href=\"../../lessons/$lesson.md\">lessons/$lesson.md</a> (output: <a href=\"$lesson.txt\">$lesson.txt</a>). Regenerate: <code>build/lessons/$lesson &amp;&amp; gnuplot -e \"fmt='png'\" $g</code></div>"
	echo "</figcaption></figure>"
done
echo "</body></html>"
