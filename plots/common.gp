# SPDX-License-Identifier: GPL-3.0-or-later
# common.gp — terminal, style and the data-file header, shared by every
# figure. Each figure's script starts with
#     here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
#     load here."/common.gp"
# so that it runs from any directory:
#     gnuplot -e "fmt='png'" plots/NN_name.gp     (fmt = png, svg or pdf)
# reads its data from outdir (default: out/ beside the scripts, plots/out,
# where the lessons write by default) and writes the figure there.
# fmt='pdf': a 16:9 slide (13.33 × 7.5 in) with text of 18 pt and more
# (20 pt, subtitles and notes 18; sub- and superscripts smaller).
if (!exists("fmt")) fmt = 'png'
if (!exists("here")) here = 'plots'
if (!exists("outdir")) outdir = here.'/out'
if (fmt eq 'svg') {
	set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
	fs = 12
} else {
	if (fmt eq 'pdf') {
		# pdfcairo sets text at 2/3 of the nominal size: 30 gives 20 pt
		set terminal pdfcairo size 13.333in,7.5in enhanced font "sans,30" linewidth 2
		fs = 30
	} else {
		set terminal pngcairo size 900,560 enhanced font "sans,11"
		fs = 11
	}
}
slide = fmt eq 'pdf'
# a tic step of 1, 2 or 5 times a power of ten, for about n tics over range r
nicestep_(u) = u < 1.5 ? 1 : u < 3.5 ? 2 : u < 7.5 ? 5 : 10
nicestep(r, n) = nicestep_(r / n / 10**floor(log10(r / n))) * 10**floor(log10(r / n))
# the font of notes inside the plot: a point smaller, never under 18 on a slide
small = sprintf(",%d", fmt eq 'pdf' ? 27 : fs - 1)
set grid back lt 1 lc rgb "#d4d4d4" lw 1
# gnuplot's colours (the lesson texts name them: 1 purple, 2 green, 3 blue,
# 4 orange), but a strong brown for the faint yellow of 5
set linetype 5 lc rgb "#8b4513"
set key outside right top
set border lw 1.2
data(name) = outdir."/".name
figure(name) = outdir."/".name.".".fmt

# The header of a data file (plots/header.awk): `eval header(f)` sets every
# `# param NAME = VALUE` as NAME, and `datasets`, name_i, label_i and rows_i
# (its count of data rows) for each dataset i = 0 … datasets − 1 (gnuplot's
# `index i`).
header(f) = system(sprintf("awk -f '%s/header.awk' '%s'", here, f))
label(i) = value(sprintf("label_%d", i))
rows(i) = value(sprintf("rows_%d", i))
dname(i) = value(sprintf("name_%d", i))
# the dataset whose name is exactly s (−1 if none), and whether the name of
# dataset i starts with p
find_(s, i) = i >= datasets ? -1 : dname(i) eq s ? i : find_(s, i + 1)
find(s) = find_(s, 0)
is(i, p) = strstrt(dname(i), p) == 1
# the numbers of the datasets whose names start with p and that hold data,
# as words for `plot for [i in select(p)] f index int(i) …`
sel_(p, i) = i >= datasets ? "" : (is(i, p) && rows(i) > 0 ? sprintf("%d ", i) : "").sel_(p, i + 1)
select(p) = sel_(p, 0)
