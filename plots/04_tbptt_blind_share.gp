# SPDX-License-Identifier: GPL-3.0-or-later
# caption: What truncation to k steps throws away, for every k: the squared relative error of the input gradient ∂ℓ_T/∂x (for the RNN, the share of ‖∂ℓ_T/∂x‖² that full BPTT puts at lags τ ≥ k), the geometric share if every step shrank the gradient by exactly s, and the squared relative error of the parameter gradient.
# takeaway: When the gradient fades slowly, a short window throws most of it away.
# lesson: 04_tbptt_blind
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("04_tbptt_blind_share.dat")
eval header(f)
set output figure("04_tbptt_blind_share")
share = find("share")
geo = find("geometric")
model = arch eq "rnn" ? sprintf("tanh RNN, W = %g·Q", scale) : arch
set title sprintf("The credit truncated BPTT loses: what lies beyond a window of k steps\n{/*0.9 %s, n = %d, T = %d; only ℓ_T counts}\n{/*0.9 X = ∂ℓ_T/∂x, g = ∂ℓ_T/∂θ; subscript k: truncated to k steps}", model, n, T)
set xlabel "truncation length k (steps)"
set ylabel "share of the squared gradient lost (log scale)"
set logscale y
set format y "10^{%L}"
set key inside left bottom box opaque
set xrange [1:*]
geoline = geo >= 0 ? "f index geo using 1:2 with lines lw 1.5 dt 2 lc rgb \"black\" title \"geometric: (s^{2k} − s^{2T}) / (1 − s^{2T})\", " : ""
plot f index share using 1:2 with lines lw 2.5 lc 1 title "inputs: ‖X_k − X‖²/‖X‖² (share at τ ≥ k)", \
     @geoline f index share using 1:3 with lines lw 2.5 lc 2 title "parameters: ‖g_k − g‖²/‖g‖²"
