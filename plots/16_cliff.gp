# SPDX-License-Identifier: GPL-3.0-or-later
# caption: One tanh unit with one trained weight w, h_t = tanh(w h_{t−1} + b), just below the saddle-node bifurcation w_c: the loss L(w) = ½(h_T − y)² (top) and |∂L/∂w| from BPTT (bottom) against the distance w_c − w, for five lengths T. The cliff sharpens and moves towards w_c as T grows; the marked point is where BPTT gives ∂L/∂w = 965 (lesson 6's example), and the arrow shows it clipped by norm.
# lesson: 16_cliff
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
set output figure("16_cliff")
f = data("16_cliff.dat")
stats f index "peaks" using 1 nooutput
np = STATS_records
Ts = ""
do for [i=0:np-1] {
	stats f index "peaks" every ::i::i using 1 nooutput
	Ts = Ts.sprintf(" %d", STATS_max)
}
stats f index "clipped" using 1 nooutput
Tc = STATS_max
stats f index "clipped" using 3 nooutput
xc = STATS_max
stats f index "clipped" using 4 nooutput
gc = STATS_max
stats f index "clipped" using 5 nooutput
gclip = STATS_max
stats f index "meta" using 1 nooutput
wc = STATS_max
stats f index 0 using 2 nooutput
xlo = STATS_min
xhi = STATS_max
set multiplot layout 2,1 title sprintf("A cliff at a bifurcation: one weight w, w_c = %.5f", wc)
set logscale x
set format x ""
set xrange [xhi:xlo]
set lmargin 12
set rmargin 20
set key outside right top
unset xlabel
set ylabel "loss L(w)"
plot for [i=0:np-1] f index i using 2:3 with lines lw 2 lc i+1 title sprintf("T = %s", word(Ts, i+1))
set format x "10^{%L}"
set xlabel "w_c − w (distance below the bifurcation; w grows to the right)"
set ylabel "|∂L/∂w| (BPTT)"
set logscale y
set format y "10^{%L}"
set yrange [1e-3:*]
set key outside right top
set arrow 1 from xc, gc to xc, gclip * 1.3 lw 2 lc rgb "black" filled
set label 1 sprintf("marked, T = %d: ∂L/∂w = %.0f, clipped by norm to %g", Tc, gc, gclip) at graph 0.02, graph 0.92 left font ",10"
plot for [i=0:np-1] f index i using 2:5 with lines lw 2 lc i+1 notitle, \
     gc with lines dt 2 lw 1.2 lc rgb "gray30" title sprintf("%.0f", gc), \
     gclip with lines dt 3 lw 1.2 lc rgb "gray30" title sprintf("c = %g", gclip), \
     f index "clipped" using 3:4 with points pt 7 ps 1.6 lc rgb "black" title "BPTT", \
     f index "clipped" using 3:5 with points pt 6 ps 1.6 lw 2 lc rgb "black" title "clipped"
unset multiplot
