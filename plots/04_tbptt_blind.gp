# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The lag profile log10‖∂ℓ_T/∂x_{T−τ}‖ of a tanh RNN with W = 0.98·Q, Q orthogonal, and small inputs: full BPTT (black) and truncated BPTT for several k (colour), which follows it exactly up to τ = k − 1 and is exactly zero from τ = k on (off the log scale; the dashed verticals mark where each window ends).
# takeaway: Beyond lag k the truncated gradient is exactly zero, not merely small.
# lesson: 04_tbptt_blind
load 'plots/common.gp'
set output figure("04_tbptt_blind")
f = data("04_tbptt_blind.dat")
stats f index "meta" using 1 nooutput
ntr = int(STATS_max)
stats f index "meta" using 2 nooutput
has_ref = int(STATS_max)
stats f index "full" using 1 nooutput
lagmax = STATS_max
stats f index "full" using 3 nooutput
ylo = floor(STATS_min - 0.3)
yhi = ceil(STATS_max) + 0.2
# each truncated dataset carries its k in column 4
array K[ntr]
do for [i=1:ntr] {
	stats f index sprintf("truncated-%d", i) using 4 nooutput
	K[i] = int(STATS_max)
}
set title "Truncated BPTT is blind beyond its window: ∂ℓ_T/∂x_{T−τ} when only ℓ_T counts\n{/*0.9 truncated = full for τ < k; from τ = k on (dashed) the paths through the states are cut:}\n{/*0.9 for the RNN the gradient is exactly 0 there, which a log scale cannot show}"
set xlabel "lag τ = T − t (steps)"
set ylabel "log_{10} ‖∂ℓ_T/∂x_{T−τ}‖_2"
set xrange [0:lagmax]
set yrange [ylo:yhi]
set key title "BPTT" inside right top box opaque
do for [i=1:ntr] {
	set arrow i from K[i], graph 0 to K[i], graph 1 nohead dt 2 lw 1.5 lc i
	set label i sprintf(" k = %d", K[i]) at K[i], graph 0.05 left tc lt i
}
ref = has_ref ? "f index \"reference\" using 1:2 with lines dt 2 lw 1.5 lc rgb \"gray40\" title \"slope log_{10} s (W = s·Q)\", " : ""
# widest (longest window) underneath, so every colour stays visible where they coincide
plot for [i=ntr:1:-1] f index sprintf("truncated-%d", i) using 1:3 with lines lw 2 + 3 * i lc i \
        title sprintf("truncated, k = %d", K[i]), \
     @ref f index "full" using 1:3 with lines lw 1.5 lc rgb "black" title "full"
