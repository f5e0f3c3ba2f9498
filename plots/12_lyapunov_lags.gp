# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ (as in lesson 2) for one network of lesson 12 at an ordered and a chaotic gain, beside lines whose slope is the largest Lyapunov exponent λ/ln 10 measured independently by bt_lyapunov over the same steps: the gradient's growth rate over long lags is λ.
# takeaway: The slope of the Jacobian products over the lag is the Lyapunov exponent.
# lesson: 12_lyapunov
load 'plots/common.gp'
set output figure("12_lyapunov_lags")
f = data("12_lyapunov_lags.dat")
stats f index "meta" using 1 nooutput
ncmp = int(STATS_max)
stats f index "meta" using 2 nooutput
tau0 = STATS_max
stats f index "meta" using 3 nooutput
taumax = STATS_max
array G[ncmp]
array LAM[ncmp]
array SE[ncmp]
do for [i=1:ncmp] {
	stats f index sprintf("g-%d", i) using 4 nooutput
	G[i] = STATS_max
	stats f index sprintf("g-%d", i) using 5 nooutput
	LAM[i] = STATS_max
	stats f index sprintf("g-%d", i) using 6 nooutput
	SE[i] = STATS_max
}
set title "The slope of lesson 2 is the Lyapunov exponent: |∂h_T/∂h_{T−τ}|_2 against the lag\n{/*0.9 solid: bt\\_jacobian\\_lags;  dashed: slope λ / ln 10 with λ from bt\\_lyapunov over the same steps}"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂h_T/∂h_{T−τ}|_2"
set xrange [0:taumax]
set key inside left bottom box opaque
set arrow 1 from tau0, graph 0 to tau0, graph 1 nohead dt 3 lw 1 lc rgb "gray50"
set label 1 " slopes fitted from here" at tau0, graph 0.95 left tc rgb "gray30" font ",10"
plot for [i=1:ncmp] f index sprintf("g-%d", i) using 1:2 with lines lw 2.5 lc i \
        title sprintf("g = %g: measured", G[i]), \
     for [i=1:ncmp] f index sprintf("g-%d", i) using 1:3 with lines dt 2 lw 1.5 lc rgb "black" \
        title sprintf("g = %g: slope λ/ln 10, λ = %.4f ± %.4f", G[i], LAM[i], SE[i])
