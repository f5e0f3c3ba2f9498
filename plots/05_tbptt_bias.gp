# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The bias of truncated BPTT in the scalar model h_t = a h_{t−1} + x_t: −bias(k) (the bias is negative) against the truncation length k on a log scale, the closed form a^{2k+1}s²/(1 − a²)² as lines and the Monte-Carlo estimate from the library's gradients as points with ±1 standard-error bars, for several a.
# takeaway: The bias of truncation shrinks geometrically with the window, like a^{2k}.
# lesson: 05_tbptt_bias
load 'plots/common.gp'
set output figure("05_tbptt_bias")
f = data("05_tbptt_bias.dat")
stats f index "meta" using 1 nooutput
na = int(STATS_records)
array A[na]
do for [i=1:na] {
	stats f index "meta" every ::(i-1)::(i-1) using 1 nooutput
	A[i] = STATS_max
}
set title "Truncated BPTT is biased: the scalar model h_t = a h_{t−1} + x_t, ℓ_t = h_t^2/2\n{/*0.9 the truncated gradient dL_k/da falls short of the full one on average; plotted: −bias(k) > 0}"
set xlabel "truncation length k (steps)"
set ylabel "−bias(k), per step (log scale)"
set logscale y
set format y "10^{%L}"
set key outside right top box title "closed form"
stats f index "closed-1" using 1 nooutput
set xrange [0.5:STATS_max + 0.5]
# the range the Monte Carlo resolves: the closed form of small a drops off below it
ymin = 1e300
ymax = 0
do for [i=1:na] {
	stats f index sprintf("mc-%d", i) using 5 nooutput
	ymin = (STATS_min < ymin) ? STATS_min : ymin
	ymax = (STATS_max > ymax) ? STATS_max : ymax
}
set yrange [10**floor(log10(ymin / 3)):10**ceil(log10(ymax * 2))]
lo(y, e) = (y - e > y / 3) ? y - e : y / 3
plot for [i=1:na] f index sprintf("closed-%d", i) using 1:2 with lines lw 2 lc i \
        title sprintf("a = %g", A[i]), \
     keyentry with yerrorbars pt 7 ps 0.8 lw 1.5 lc rgb "black" title "Monte Carlo ± se", \
     for [i=1:na] f index sprintf("mc-%d", i) using 1:5:(lo($5, $4)):($5 + $4) \
        with yerrorbars pt 7 ps 0.8 lw 1.5 lc i notitle
