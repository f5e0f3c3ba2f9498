# SPDX-License-Identifier: GPL-3.0-or-later
# caption: A character-level language model learning a real text with five gradient estimators on one budget (same initialisation, same minibatches): held-out bits per character against the update (left) and against the compute spent, counted in cell backward steps (right); the dashed line is a model without memory (character frequencies), the dotted one a model that remembers one character (pairs).
# lesson: 17_charlm
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("17_charlm.dat")
eval header(f)
set output figure("17_charlm")
# every dataset is an estimator's curve, coloured by its name (the colours
# of 17_charlm_bias.png), whichever of them the lesson trained
col(i) = is(i, "full") ? 1 : is(i, "window") ? 2 : is(i, "chunks") ? 3 : is(i, "tbptt") ? 4 : 5
ytop = -1e300
ybot = 1e300
xlo = 1e300
xhi = 0
do for [i=0:datasets-1] {
	stats f index i using 3 nooutput
	ytop = STATS_max > ytop ? STATS_max : ytop
	ybot = STATS_min < ybot ? STATS_min : ybot
	stats f index i using ($2 > 0 ? $2 / 1000 : NaN) nooutput
	xlo = STATS_min < xlo ? STATS_min : xlo
	xhi = STATS_max > xhi ? STATS_max : xhi
}
ybot = bigram < ybot ? bigram : ybot
set multiplot layout 1,2 title sprintf("Learning the text of %s: a %s with n = %d, sequences of T = %d characters\n{/*0.9 %d updates of %d sequences for every estimator, the same initialisation and minibatches}", text, arch, n, T, steps, batch)
set ylabel "held-out bits per character"
set yrange [ybot - 0.2:ytop + 0.2]
set key inside right top box opaque
set title "per update"
set xlabel "update (one minibatch each)"
plot unigram with lines dt 2 lw 1.5 lc rgb "black" title sprintf("no memory: %.2f", unigram), \
     bigram with lines dt 3 lw 1.5 lc rgb "black" title sprintf("one character: %.2f", bigram), \
     for [i=0:datasets-1] f index i using 1:3 with linespoints pt (col(i) + 3) ps 0.8 lw 2 lc col(i) title label(i)
set title "per compute"
set xlabel "cell backward steps, thousands (log scale)"
unset key
set logscale x
set xrange [xlo / 1.5:xhi * 1.5]
set format x "%g"
plot unigram with lines dt 2 lw 1.5 lc rgb "black" notitle, \
     bigram with lines dt 3 lw 1.5 lc rgb "black" notitle, \
     for [i=0:datasets-1] f index i using ($2 > 0 ? $2 / 1000 : NaN):3 with linespoints pt (col(i) + 3) ps 0.8 lw 2 \
        lc col(i) notitle
unset multiplot
