# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for a GRU whose update-gate bias b_z is shifted negative (gate mostly closed), a GRU as initialised (b_z = 0) and a tanh RNN of the same size, all on the same inputs.
# takeaway: A mostly closed update gate keeps the GRU's Jacobian products near 1 over long lags.
# lesson: 09_gru
load 'plots/common.gp'
set output figure("09_gru")
set title "GRU: a closed update gate keeps ∂h_T/∂h_{T−τ} alive (same inputs)"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂h_T/∂h_{T−τ}|_2"
set key title "model"
names = "gru-closed gru-default rnn"
labels = "'GRU, b_z shifted' 'GRU, b_z = 0' 'tanh RNN'"
plot for [i=1:words(names)] data("09_gru.dat") index word(names, i) \
        using 1:2 with lines lw 2 lc i title word(labels, i)
