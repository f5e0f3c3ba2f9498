# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The bias of truncated BPTT in the scalar model h_t = a h_{t−1} + x_t: −bias(k) (the bias is negative) against the truncation length k on a log scale, the closed form a^{2k+1}s²/(1 − a²)² as lines and the Monte-Carlo estimate from the library's gradients as points with ±1 standard-error bars, for several a.
# takeaway: The bias of truncation shrinks geometrically with the window, like a^{2k}.
# lesson: 05_tbptt_bias
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("05_tbptt_bias.dat")
eval header(f)
set output figure("05_tbptt_bias")
# closed-N and mc-N for the N-th value of a (an mc-N without data, where
# the closed form is too small to resolve, is left out); colour N
cl = select("closed-")
mc = select("mc-")
na = words(cl)
num(i) = int(dname(i)[strstrt(dname(i), "-") + 1:])
set title sprintf("Truncated BPTT is biased: h_t = a h_{t−1} + x_t, ℓ_t = h_t^2/2\n{/*0.9 x_t from N(0, %g^2); Monte Carlo: %d sequences of %d steps for each (a, k)}\n{/*0.9 the truncated dL_k/da falls short of the full one on average: −bias(k) > 0}", s, sequences, T)
# the range the Monte Carlo resolves: the closed form of small a drops off below it
ymin = 1e300
ymax = 0
do for [i=1:words(mc)] {
	stats f index int(word(mc, i)) using ($5 > 0 ? $5 : -$2) nooutput
	ymin = (STATS_min < ymin) ? STATS_min : ymin
	ymax = (STATS_max > ymax) ? STATS_max : ymax
}
if (ymax == 0) { ymin = 1e-3; ymax = 10 }
set xlabel "truncation length k (steps)"
set ylabel "−bias(k), per step (log scale)"
set logscale y
set format y "10^{%L}"
set key outside right top box title "closed form"
stats f index int(word(cl, 1)) using 1 nooutput
set xrange [0.5:STATS_max + 0.5]
set yrange [10**floor(log10(ymin / 3)):10**ceil(log10(ymax * 2))]
lo(y, e) = (y - e > y / 3) ? y - e : y / 3
plot for [i=1:na] f index int(word(cl, i)) using 1:2 with lines lw 2 lc num(int(word(cl, i))) \
        title label(int(word(cl, i))), \
     keyentry with yerrorbars pt 7 ps 0.8 lw 1.5 lc rgb "black" title "Monte Carlo ± se", \
     for [i=1:words(mc)] f index int(word(mc, i)) using 1:5:(lo($5, $4)):($5 + $4) \
        with yerrorbars pt 7 ps 0.8 lw 1.5 lc num(int(word(mc, i))) notitle
