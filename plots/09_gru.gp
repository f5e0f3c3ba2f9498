# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for a GRU whose update-gate bias b_z is shifted negative (gate mostly closed), a GRU as initialised (b_z = 0) and a tanh RNN of the same size, all on the same inputs.
# takeaway: A mostly closed update gate keeps the GRU's Jacobian products near 1 over long lags.
# lesson: 09_gru
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("09_gru.dat")
eval header(f)
set output figure("09_gru")
set title sprintf("GRU: a closed update gate keeps ∂h_T/∂h_{T−τ} alive\n{/*0.9 n = %d, T = %d, the same inputs N(0, %g^2) for every model; σ(%g) = %.3g}", n, T, input_scale, shift, 1 / (1 + exp(-shift)))
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key title "model"
set xrange [0:T]
plot for [i=0:datasets-1] f index i using 1:2 with lines lw 2.5 lc i + 1 title label(i)
