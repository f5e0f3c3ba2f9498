# SPDX-License-Identifier: GPL-3.0-or-later
# caption: BPTT from a loss at the last step only, for the plain and the residual RNN with the same W: log10 ‖∂L/∂h_t‖ over t (top), the state norm ‖h_t‖ (middle) and the mean tanh' over the units (bottom, 1 = linear, 0 = saturated).
# takeaway: With the skip connection the gradient still reaches the early states.
# lesson: 07_residual
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("07_residual.dat")
eval header(f)
set output figure("07_residual_flow")
fl = select("flow-")
losses = every_step ? "a loss at every step" : "loss at t = T only"
set multiplot layout 3,1 title sprintf("Gradient and state over time: plain against residual RNN\n{/*0.9 the same W, s = %g, n = %d, T = %d; %s}", s, n, T, losses)
set lmargin 12
set rmargin 20
set tmargin 2
set bmargin 1.2
set format x ""
set ylabel "log_{10} |∂L/∂h_t|"
set key title "model"
ylo = 0; yhi = 0
do for [j in fl] {
	stats f index int(j) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
set ytics nicestep(yhi - ylo, slide ? 3 : 5)
plot for [r=1:words(fl)] f index int(word(fl, r)) using 1:2 with lines lw 2 lc r title label(int(word(fl, r)))
set ylabel "|h_t| (log scale)"
set ytics autofreq
set logscale y
set format y "10^{%T}"
unset key
plot for [r=1:words(fl)] f index int(word(fl, r)) using 1:3 with lines lw 2 lc r title label(int(word(fl, r)))
unset logscale y
set format y "%g"
set format x "%g"
set bmargin 3.5
set xlabel "time step t"
set ylabel "mean tanh'(a_t)"
set yrange [0:1.05]
set ytics slide ? 0.5 : 0.2
plot for [r=1:words(fl)] f index int(word(fl, r)) using 1:4 with lines lw 2 lc r title label(int(word(fl, r)))
unset multiplot
