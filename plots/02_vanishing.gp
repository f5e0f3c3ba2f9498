# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for tanh RNNs at several scales s of W (every singular value of W is s; solid), each with its bound τ·log10 s (dashed).
# takeaway: Below s_max(W) = 1 the gradient falls geometrically with the lag; the bound shows how fast at most.
# lesson: 02_vanishing
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("02_vanishing.dat")
eval header(f)
set output figure("02_vanishing")
set title sprintf("Vanishing and exploding: ‖∂h_T/∂h_{T−τ}‖_2 against the lag\n{/*0.9 tanh RNN, n = %d, W = s·Q (Q orthogonal), T = %d, inputs N(0, %g^2)}", n, T, input_scale)
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key title "s_{max}(W)\n(dashed: bound)"
# the range of every curve and bound, with a margin
ylo = 0; yhi = 0
do for [j in select("tanh-")] {
	stats f index int(j) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
	stats f index int(j) using 3 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
set yrange [floor(ylo / 5) * 5 - 2 : ceil(yhi / 5) * 5 + 2]
set xrange [0:T]
curves = select("tanh-")
plot for [j in curves] f index int(j) using 1:2 with lines lw 2.5 lc int(j) + 1 title label(int(j)), \
     for [j in curves] f index int(j) using 1:3 with lines dt 2 lw 1.5 lc int(j) + 1 notitle
