# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The GRU's update gate z_t over time, recomputed from the states and the W_z, U_z, b_z blocks: the mean over the n units (line) and the band from the 10% to the 90% quantile over units (shaded), for the GRU with b_z shifted negative and the GRU as initialised; dashed, σ(b_z), the gate with no input and no state.
# takeaway: The update gate's bias sets how much of the state is copied forward at each step.
# lesson: 09_gru
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("09_gru_gates.dat")
eval header(f)
set output figure("09_gru_gates")
sigma(b) = 1 / (1 + exp(-b))
set title sprintf("GRU update gate z_t over time (n = %d, T = %d, inputs N(0, %g^2))\n{/*0.9 line: mean over the units; band: 10%%–90%% of the units}\n{/*0.9 dashed: σ(b_z), the gate with no input and no state}", n, T, input_scale)
set xlabel "time step t"
set ylabel "update gate z_t (log scale)"
set logscale y
# from just below the lowest band or reference to 1, no empty decade
ylo = 1
do for [i=0:datasets-1] {
	stats f index i using 3 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
}
ylo = sigma(bz_closed) < ylo ? sigma(bz_closed) : ylo
set yrange [ylo / 1.5:1]
set xrange [0:T]
set key title "model" outside right top
set style fill transparent solid 0.25 noborder
bz(i) = is(i, "gru-closed") ? bz_closed : bz_default
plot for [i=0:datasets-1] f index i using 1:3:4 with filledcurves lc i + 1 notitle, \
     for [i=0:datasets-1] f index i using 1:2 with lines lw 2 lc i + 1 title label(i), \
     for [i=0:datasets-1] sigma(bz(i)) with lines dt 2 lw 1.5 lc i + 1 title sprintf("σ(%g) = %.3g", bz(i), sigma(bz(i)))
