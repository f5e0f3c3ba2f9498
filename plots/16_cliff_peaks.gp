# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Lesson 16's cliff against the sequence length T (log–log): the largest |∂L/∂w| that BPTT gives (top) and how far below the bifurcation w_c the cliff stands (bottom), beside power laws with the exponents fitted from the middle length to the longest (dashed; about 3 and −2).
# lesson: 16_cliff
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
set output figure("16_cliff_peaks")
f = data("16_cliff.dat")
stats f index "meta" using 6 nooutput
ep = STATS_max
stats f index "meta" using 7 nooutput
ed = STATS_max
stats f index "peaks" using 1 nooutput
tmax = STATS_max
tmin = STATS_min
stats f index "peaks" using 4 nooutput
gmax = STATS_max
stats f index "peaks" using 3 nooutput
dmin = STATS_min
set multiplot layout 2,1 title "The cliff of one tanh unit against the sequence length T"
set logscale xy
set xrange [tmin / 1.3:tmax * 1.3]
set lmargin 12
set rmargin 4
set format y "10^{%L}"
set key inside left top box opaque
unset xlabel
set format x ""
set ylabel "peak |∂L/∂w|"
plot f index "peaks" using 1:4 with linespoints lw 2 pt 7 ps 1.3 lc 1 title "BPTT, largest over w", \
     gmax * (x / tmax)**ep with lines dt 2 lw 1.5 lc rgb "black" title sprintf("∝ T^{%.2f}", ep)
set format x "%g"
set xlabel "sequence length T"
set ylabel "w_c − w at the peak"
set key inside right top box opaque
plot f index "peaks" using 1:3:xtic(1) with linespoints lw 2 pt 7 ps 1.3 lc 2 title "where the cliff stands", \
     dmin * (x / tmax)**ed with lines dt 2 lw 1.5 lc rgb "black" title sprintf("∝ T^{%.2f}", ed)
unset multiplot
