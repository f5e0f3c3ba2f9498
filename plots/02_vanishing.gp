# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for tanh RNNs at five scales of W (solid), each with its bound τ·log10 s_max(W) (dashed).
# takeaway: Below s_max(W) = 1 the gradient falls geometrically with the lag; the bound shows how fast at most.
# lesson: 02_vanishing
load 'plots/common.gp'
set output figure("02_vanishing")
set title "Vanishing and exploding: |∂h_T/∂h_{T−τ}|_2 against the lag (tanh RNN, n = 32)"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂h_T/∂h_{T−τ}|_2"
set key title "s_{max}(W) (dashed: its bound)"
set yrange [-30:15]
names = "tanh-0.5 tanh-0.9 tanh-1 tanh-1.1 tanh-1.5"
labels = "0.5 0.9 1.0 1.1 1.5"
plot for [i=1:words(names)] data("02_vanishing.dat") index word(names, i) \
        using 1:2 with lines lw 2 lc i title word(labels, i), \
     for [i=1:words(names)] data("02_vanishing.dat") index word(names, i) \
        using 1:3 with lines dt 2 lw 1.2 lc i notitle
