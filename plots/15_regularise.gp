# SPDX-License-Identifier: GPL-3.0-or-later
# caption: A tanh RNN trained on the adding problem from the same start and with the same minibatches, without and with the soft orthogonality penalty λ‖WᵀW − I‖²_F: the held-out MSE (top; dashed: the memoryless baseline 1/6, dotted: the target) and the largest and smallest singular values of W (bottom) along training.
# lesson: 15_regularise
load 'plots/common.gp'
set output figure("15_regularise")
f = data("15_regularise.dat")
stats f index "meta" using 1 nooutput
T = STATS_max
stats f index "meta" using 2 nooutput
base = STATS_max
stats f index "meta" using 3 nooutput
target = STATS_max
stats f index "meta" using 4 nooutput
lambda = STATS_max
stats f index "meta" using 5 nooutput
nsteps = STATS_max
set multiplot layout 2,1 title sprintf("The adding problem at T = %d, a tanh RNN without and with the penalty λ‖W^TW − I‖^2_F", T)
set lmargin 12
set rmargin 4
set xrange [0:nsteps]
set logscale y
set format y "10^{%L}"
unset xlabel
set format x ""
set ylabel "held-out MSE"
set yrange [target / 2:*]
set key at graph 0.02, graph 0.56 left top box opaque
plot f index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb "#d62728" title "plain", \
     f index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb "#1f77b4" title sprintf("penalty, λ = %g", lambda), \
     base with lines dt 2 lw 1.5 lc rgb "black" title "1/6, no memory", \
     target with lines dt 3 lw 1.5 lc rgb "gray40" title sprintf("target %g", target)
set format x "%g"
set xlabel "training step"
set ylabel "singular values of W"
set yrange [*:*]
set key inside left bottom box opaque
plot f index 0 using 1:5 with lines lw 2 lc rgb "#d62728" title "plain: s_{max}", \
     f index 0 using 1:6 with lines lw 2 dt 2 lc rgb "#d62728" title "plain: s_{min}", \
     f index 1 using 1:5 with lines lw 2 lc rgb "#1f77b4" title "penalty: s_{max}", \
     f index 1 using 1:6 with lines lw 2 dt 2 lc rgb "#1f77b4" title "penalty: s_{min}"
unset multiplot
