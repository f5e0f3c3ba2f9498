# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ (as in lesson 2) for one network of lesson 12 at an ordered and a chaotic gain, beside lines whose slope is the largest Lyapunov exponent λ/ln 10 measured independently from the growth of small perturbations (QR method) over the same steps: the gradient's growth rate over long lags is λ.
# takeaway: The slope of the Jacobian products over the lag is the Lyapunov exponent.
# lesson: 12_lyapunov
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("12_lyapunov_lags.dat")
eval header(f)
set output figure("12_lyapunov_lags")
gs = select("g-")
ncmp = words(gs)
stats f index find("meta") using 2 nooutput
tau0 = STATS_max
stats f index find("meta") using 3 nooutput
taumax = STATS_max
array G[ncmp]
array LAM[ncmp]
array SE[ncmp]
do for [i=1:ncmp] {
	stats f index int(word(gs, i)) using 4 nooutput
	G[i] = STATS_max
	stats f index int(word(gs, i)) using 5 nooutput
	LAM[i] = STATS_max
	stats f index int(word(gs, i)) using 6 nooutput
	SE[i] = STATS_max
}
set title sprintf("The slope of lesson 2 is the Lyapunov exponent: ‖∂h_T/∂h_{T−τ}‖_2\n{/*0.9 network 1 of lesson 12 (n = %d, seed %d); solid: the product of step Jacobians}\n{/*0.9 dashed: slope λ / ln 10, λ from the growth of perturbations, the same steps}", n, seed)
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
ylo = 0; yhi = 0
do for [j in gs] {
	stats f index int(j) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
set xrange [0:taumax]
set key inside left bottom box opaque
# room below the curves for the legend (more on a slide, where text is larger)
set yrange [ylo - (slide ? 0.8 : 0.35) * (yhi - ylo) : yhi + 0.05 * (yhi - ylo)]
set arrow 1 from tau0, graph 0 to tau0, graph 1 nohead dt 3 lw 1 lc rgb "gray50"
set label 1 " slopes fitted from here" at tau0, graph 0.95 left tc rgb "gray30" font small
plot for [i=1:ncmp] f index int(word(gs, i)) using 1:2 with lines lw 2.5 lc i \
        title label(int(word(gs, i))).": measured", \
     for [i=1:ncmp] f index int(word(gs, i)) using 1:3 with lines dt 2 lw 2 lc i \
        title sprintf("%s: slope λ/ln 10, λ = %.4f ± %.4f", label(int(word(gs, i))), LAM[i], SE[i])
