# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of ∂h_T/∂h_{T−τ} against the lag τ for the orthogonal (Cayley) RNN: with the identity activation (exactly flat), and with tanh at small and at large inputs (solid), each beside the estimate from the mean of tanh'² over the units (dashed).
# takeaway: An orthogonal W keeps norms exactly; only the slope of tanh makes the gradient fade.
# lesson: 08_orthogonal
load 'plots/common.gp'
set output figure("08_orthogonal")
set title "Orthogonal W: |∂h_T/∂h_{T−τ}|_2 over the lag (n = 32, T = 1000)"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂h_T/∂h_{T−τ}|_2"
set key inside left bottom Left reverse box opaque title "activation, inputs (dashed: estimate)"
set yrange [-200:15]
plot data("08_orthogonal.dat") index "linear" using 1:2 with lines lw 2 lc 3 title "identity, same W", \
     data("08_orthogonal.dat") index "tanh-small" using 1:2 with lines lw 2 lc 2 title "tanh, small inputs (σ_x = 0.1)", \
     data("08_orthogonal.dat") index "tanh-small" using 1:5 with lines dt 2 lw 1.2 lc 2 notitle, \
     data("08_orthogonal.dat") index "tanh-large" using 1:2 with lines lw 2 lc 1 title "tanh, large inputs (σ_x = 2)", \
     data("08_orthogonal.dat") index "tanh-large" using 1:5 with lines dt 2 lw 1.2 lc 1 notitle
