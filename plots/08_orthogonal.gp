# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of ∂h_T/∂h_{T−τ} against the lag τ for the orthogonal (Cayley) RNN: with the identity activation (exactly flat), and with tanh at small and at large inputs (solid), each beside the estimate from the mean of tanh'² over the units (dashed).
# takeaway: An orthogonal W keeps norms exactly; only the slope of tanh makes the gradient fade.
# lesson: 08_orthogonal
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("08_orthogonal.dat")
eval header(f)
set output figure("08_orthogonal")
set title sprintf("Orthogonal W: ‖∂h_T/∂h_{T−τ}‖_2 over the lag\n{/*0.9 Cayley RNN, n = %d, T = %d; inputs N(0, σ_x^2)}", n, T)
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key inside left bottom Left reverse box opaque title "activation, inputs (dashed: estimate)"
ylo = 0; yhi = 0
do for [i=0:datasets-1] {
	stats f index i using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
# room for the legend below the curves
set yrange [ylo - (yhi - ylo) * 0.45 - 1 : yhi + (yhi - ylo) * 0.05 + 1]
set xrange [0:T]
colour(i) = is(i, "linear") ? 3 : is(i, "tanh-small") ? 2 : 1
plot for [i=0:datasets-1] f index i using 1:2 with lines lw 2.5 lc colour(i) title label(i), \
     for [i in select("tanh-")] f index int(i) using 1:5 with lines dt 2 lw 1.5 lc colour(int(i)) notitle
