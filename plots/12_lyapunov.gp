# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The largest Lyapunov exponent λ (natural log per step, with its standard error) of random tanh RNNs (no input after one kick) against the spectral radius g of W. Below g = 1 every trajectory falls back to h = 0 and λ = ln g exactly (wide grey line); above, the state h = 0 is unstable, and λ turns positive (chaos) somewhat above g = 1 for networks of this size.
# takeaway: λ crosses 0 near g = 1: below it perturbations and gradients die out, above it they grow.
# lesson: 12_lyapunov
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("12_lyapunov.dat")
eval header(f)
set output figure("12_lyapunov")
nets = select("net-")
nnets = words(nets)
ref = find("reference")
glo = 1e300; ghi = -1e300; ylo = 0; yhi = 0
do for [j in nets] {
	stats f index int(j) using 1 nooutput
	glo = STATS_min < glo ? STATS_min : glo
	ghi = STATS_max > ghi ? STATS_max : ghi
	stats f index int(j) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
inputs = input_scale > 0 ? sprintf("inputs N(0, %g^2) after the kick", input_scale) : "no input after one kick"
set title sprintf("Order and chaos in random tanh RNNs: the largest Lyapunov exponent\n{/*0.9 %d random networks, n = %d, %s; %d steps after %d left out}\n{/*0.9 λ < 0: nearby trajectories converge (order); λ > 0: they separate (chaos)}", nnets, n, inputs, T - burn_in, burn_in)
set xlabel "gain g = spectral radius of W"
set ylabel "largest Lyapunov exponent λ (ln per step)"
set xrange [glo - 0.05:ghi + 0.05]
pad = (yhi - ylo) * 0.08
set yrange [ylo - pad:yhi + 2 * pad]
set key inside right bottom box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lw 1.5 lc rgb "black" back
set arrow 2 from 1, graph 0 to 1, graph 1 nohead dt 3 lw 1 lc rgb "gray50" back
set label 1 "order" at graph 0.03, first -pad left tc rgb "gray30"
set label 2 "chaos" at graph 0.03, first pad left tc rgb "gray30"
# the reference first, wide and grey, so that the networks' points lie on it
plot f index ref using 1:($1 <= 1 ? $2 : 1/0) with lines lw 7 lc rgb "#b8b8b8" title "ln g: the rate at h = 0, where J_t = W", \
     f index ref using 1:($1 >= 1 ? $2 : 1/0) with lines lw 1.5 dt 3 lc rgb "gray50" title "ln g for g > 1 (h = 0 is unstable)", \
     for [r=1:nnets] f index int(word(nets, r)) using 1:2:3 with yerrorlines lw 1.5 pt 7 ps 0.6 lc r title label(int(word(nets, r)))
