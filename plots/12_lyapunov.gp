# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The largest Lyapunov exponent λ (natural log per step, with its standard error) of three random tanh RNNs (n = 100, no input after one kick) against the spectral radius g of W. Below g = 1 every trajectory falls back to h = 0 and λ = ln g exactly (grey line); above, the state h = 0 is unstable, and λ turns positive (chaos) somewhat above g = 1 for networks of this size.
# takeaway: λ crosses 0 near g = 1: below it perturbations and gradients die out, above it they grow.
# lesson: 12_lyapunov
load 'plots/common.gp'
set output figure("12_lyapunov")
f = data("12_lyapunov.dat")
stats f index "meta" using 1 nooutput
nnets = int(STATS_max)
stats f index "meta" using 2 nooutput
nhid = int(STATS_max)
stats f index "net-1" using 1 nooutput
glo = STATS_min
ghi = STATS_max
set title sprintf("Order and chaos in random tanh RNNs: the largest Lyapunov exponent against the gain\n{/*0.9 %d random networks, n = %d;  λ < 0: nearby trajectories converge (order);  λ > 0: they separate exponentially (chaos)}", nnets, nhid)
set xlabel "gain g = spectral radius of W"
set ylabel "largest Lyapunov exponent λ (ln per step)"
set xrange [glo - 0.05:ghi + 0.05]
set yrange [-0.75:0.45]
set key inside right bottom box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lw 1.5 lc rgb "black" back
set arrow 2 from 1, graph 0 to 1, graph 1 nohead dt 3 lw 1 lc rgb "gray50" back
set label 1 "order" at graph 0.03, first -0.06 left tc rgb "gray30"
set label 2 "chaos" at graph 0.03, first 0.05 left tc rgb "gray30"
plot for [k=1:nnets] f index sprintf("net-%d", k) using 1:2:3 with yerrorlines lw 1.5 pt 7 ps 0.6 lc k title sprintf("network %d", k), \
     f index "reference" using 1:($1 <= 1 ? $2 : 1/0) with lines lw 1.5 dt 2 lc rgb "black" title "ln g: the rate at h = 0, where J_t = W", \
     f index "reference" using 1:($1 >= 1 ? $2 : 1/0) with lines lw 1 dt 3 lc rgb "gray40" title "ln g for g > 1 (h = 0 is unstable)"
