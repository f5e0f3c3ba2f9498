# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The lag profile log10‖∂ℓ_T/∂x_{T−τ}‖ of a tanh RNN with W = s·Q, Q orthogonal, and small inputs: full BPTT (black) and truncated BPTT for several k (colour), which follows it exactly up to τ = k − 1 and is exactly zero from τ = k on (off the log scale; the dashed verticals mark where each window ends).
# takeaway: Beyond lag k the truncated gradient is exactly zero, not merely small.
# lesson: 04_tbptt_blind
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("04_tbptt_blind.dat")
eval header(f)
set output figure("04_tbptt_blind")
full = find("full")
ref = find("reference")
trs = select("truncated-")
ntr = words(trs)
stats f index full using 1 nooutput
lagmax = STATS_max
stats f index full using 3 nooutput
ylo = floor(STATS_min - 0.3)
yhi = ceil(STATS_max) + 0.2
# each truncated dataset carries its k in column 4
array K[ntr]
do for [r=1:ntr] {
	stats f index int(word(trs, r)) using 4 nooutput
	K[r] = int(STATS_max)
}
model = arch eq "rnn" ? sprintf("tanh RNN, W = %g·Q", scale) : arch
zero = arch eq "rnn" ? "exactly 0, which a log scale cannot show" \
	: "what still arrives goes around the states"
set title sprintf("Truncated BPTT is blind beyond its window: ∂ℓ_T/∂x_{T−τ}, only ℓ_T counts\n{/*0.9 %s, n = %d, T = %d, inputs N(0, %g^2)}\n{/*0.9 truncated = full for τ < k; from τ = k on (dashed) the state paths are cut:}\n{/*0.9 %s}", model, n, T, input_scale, zero)
set xlabel "lag τ = T − t (steps)"
set ylabel "log_{10} ‖∂ℓ_T/∂x_{T−τ}‖_2"
set xrange [0:lagmax]
set yrange [ylo:yhi]
set key title "BPTT" inside right top box opaque
do for [r=1:ntr] {
	k = K[r]
	set arrow r from k, graph 0 to k, graph 1 nohead dt 2 lw 1.5 lc r
	set label r sprintf(" k = %d", k) at k, graph 0.05 left tc lt r
}
# widest (longest window) underneath, so every colour stays visible where they coincide
width(r) = ntr > 1 ? 2 + 8.0 * (r - 1) / (ntr - 1) : 2.5
refline = ref >= 0 ? "f index ref using 1:2 with lines dt 2 lw 1.5 lc rgb \"gray40\" title \"slope log_{10} s (W = s·Q)\", " : ""
plot for [r=ntr:1:-1] f index int(word(trs, r)) using 1:3 with lines lw width(r) lc r \
        title label(int(word(trs, r))), \
     @refline f index full using 1:3 with lines lw 1.5 lc rgb "black" title "full"
