# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The product of step Jacobians ∂h_T/∂h_{T−τ} of lesson 15's tanh RNN at the start and after training without and with the soft orthogonality penalty, against the lag τ (the mean over held-out adding sequences): log10 of its 2-norm (top) and its stable rank ‖·‖_F²/‖·‖₂², the number of state directions it keeps (bottom).
# lesson: 15_regularise
load 'plots/common.gp'
set output figure("15_regularise_jacobian")
f = data("15_regularise.dat")
stats f index "meta" using 1 nooutput
T = STATS_max
stats f index "meta" using 4 nooutput
lambda = STATS_max
set multiplot layout 2,1 title sprintf("The gradient's path through the tanh RNN (adding problem, T = %d): ∂h_T/∂h_{T−τ}", T)
set lmargin 12
set rmargin 4
set xrange [1:T - 1]
unset xlabel
set format x ""
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key inside left bottom box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead dt 3 lc rgb "gray50"
plot f index 2 using 1:2 with lines lw 2 dt 2 lc rgb "gray30" title "at the start", \
     f index 3 using 1:2 with lines lw 2.5 lc rgb "#d62728" title "plain, trained", \
     f index 4 using 1:2 with lines lw 2.5 lc rgb "#1f77b4" title sprintf("penalty λ = %g, trained", lambda)
unset arrow 1
set format x "%g"
set xlabel "lag τ (steps back from T)"
set ylabel "stable rank ‖·‖_F^2 / ‖·‖_2^2"
set logscale y
set yrange [0.9:*]
set key inside right top box opaque
plot f index 2 using 1:3 with lines lw 2 dt 2 lc rgb "gray30" title "at the start", \
     f index 3 using 1:3 with lines lw 2.5 lc rgb "#d62728" title "plain, trained", \
     f index 4 using 1:3 with lines lw 2.5 lc rgb "#1f77b4" title sprintf("penalty λ = %g, trained", lambda)
unset multiplot
