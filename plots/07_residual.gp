# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for a plain tanh RNN and a residual RNN with the same W (s_max(W) = 0.5), each with its bound (dashed).
# takeaway: The identity path keeps the residual RNN's Jacobian products from vanishing as the plain RNN's do.
# lesson: 07_residual
load 'plots/common.gp'
set output figure("07_residual")
set title "Residual against plain: |∂h_T/∂h_{T−τ}|_2 over the lag (same W, s_{max}(W) = 0.5, n = 32)"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂h_T/∂h_{T−τ}|_2"
set key title "model (dashed: its bound)"
set yrange [-120:40]
plot data("07_residual.dat") index "jacobian-rnn" using 1:2 with lines lw 2 lc 1 title "plain: D_t W", \
     data("07_residual.dat") index "jacobian-rnn" using 1:3 with lines dt 2 lw 1.2 lc 1 notitle, \
     data("07_residual.dat") index "jacobian-residual" using 1:2 with lines lw 2 lc 2 title "residual: I + D_t W", \
     data("07_residual.dat") index "jacobian-residual" using 1:3 with lines dt 2 lw 1.2 lc 2 notitle
