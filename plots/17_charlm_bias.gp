# SPDX-License-Identifier: GPL-3.0-or-later
# caption: How far each estimator's gradient is from full BPTT's on held-out text, at the parameters full BPTT reached: relative error ‖ĝ − g‖/‖g‖ against the number r of random draws averaged. The truncations are deterministic (flat lines: averaging does not help, that is their bias); ARTBP's mean falls like 1/√r (unbiased, only variance); random cuts without the 1/(1 − c) level off (biased).
# lesson: 17_charlm
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("17_charlm_bias.dat")
eval header(f)
set output figure("17_charlm_bias")
# the colours of 17_charlm.png: window 2, chunks 3, TBPTT(k1, k2) 4, ARTBP 5;
# random cuts without reweighting in grey
col(i) = is(i, "window") ? 2 : is(i, "chunks") ? 3 : is(i, "tbptt") ? 4 : is(i, "artbp") ? 5 : 0
rgbof(c) = c == 2 ? "#009e73" : c == 3 ? "#56b4e9" : c == 4 ? "#e69f00" : c == 5 ? "#8b4513" : "#777777"
dtof(i) = col(i) ? 1 : 2
ymin = 1e300
ymax = 0
do for [i=0:datasets-1] {
	stats f index i using 2 nooutput
	ymin = STATS_min < ymin ? STATS_min : ymin
	ymax = STATS_max > ymax ? STATS_max : ymax
}
a = find("artbp")
stats f index a using 2 every ::0::0 nooutput
first = STATS_max
set title sprintf("Bias or variance: each estimator's gradient against full BPTT's\n{/*0.9 a %s language model after full BPTT's training; %d held-out sequences of T = %d characters}", arch, sequences, T)
set xlabel "r: random draws averaged (ARTBP and random cuts; log scale)"
set ylabel "relative error ‖ĝ − g‖ / ‖g‖ (log scale)"
set logscale x 2
set logscale y 10
set format y "10^{%L}"
set xrange [0.8:draws * 1.25]
set yrange [ymin / 3:ymax * 3]
set key outside right top box
plot for [i=0:datasets-1] f index i using 1:2 with linespoints pt (col(i) + 3) ps 0.9 lw 2 \
        lc rgb rgbof(col(i)) dt dtof(i) title label(i), \
     first / sqrt(x) with lines dt 3 lw 1.5 lc rgb "black" title "1/√r from one draw"
