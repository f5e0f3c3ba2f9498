# SPDX-License-Identifier: GPL-3.0-or-later
# caption: A tanh RNN that starts orthogonal, trained on the adding problem without (red) and with (blue) the soft orthogonality penalty λ‖WᵀW − I‖²_F, each run from the same start and on the same minibatches, repeated for several seeds: thin lines are single runs, thick lines their median. Top: the held-out MSE (dashed: the memoryless baseline 1/6, dotted: the target). Bottom: the largest (solid) and smallest (dashed) singular values of W.
# takeaway: The penalty keeps W's singular values near 1 and gives every run a lower best error than plain training, though none reaches the target.
# lesson: 15_regularise
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("15_regularise.dat")
eval header(f)
set output figure("15_regularise")
red = "#d62728"; pale_red = "#f2b8b8"; blue = "#1f77b4"; pale_blue = "#b3d1ea"
mp = find("median plain")
mq = find("median penalty")
set multiplot layout 2,1 title sprintf("The adding problem at T = %d: a tanh RNN without and with the penalty λ‖W^TW − I‖^2_F, λ = %g (%d runs)", T, lambda, runs)
set lmargin 12
set rmargin 4
set xrange [0:steps]
set logscale y
set format y "10^{%L}"
unset xlabel
set format x ""
set ylabel "held-out MSE"
set yrange [target / 2:*]
set key at graph 0.02, graph 0.50 left top box opaque
plot for [i in select("plain run")] f index int(i) using 1:2 with lines lw 1 lc rgb pale_red notitle, \
     for [i in select("penalty run")] f index int(i) using 1:2 with lines lw 1 lc rgb pale_blue notitle, \
     f index mp using 1:2 with lines lw 3 lc rgb red title "plain, median", \
     f index mq using 1:2 with lines lw 3 lc rgb blue title "penalty, median", \
     NaN with lines lw 1 lc rgb "gray60" title "single runs", \
     baseline with lines dt 2 lw 1.5 lc rgb "black" title "1/6, no memory", \
     target with lines dt 3 lw 1.5 lc rgb "gray40" title sprintf("target %g", target)
set format x "%g"
set xlabel "training step"
set ylabel "singular values of W"
set yrange [*:*]
set key inside left bottom box opaque
plot for [i in select("plain run")] f index int(i) using 1:5 with lines lw 1 lc rgb pale_red notitle, \
     for [i in select("plain run")] f index int(i) using 1:6 with lines lw 1 dt 2 lc rgb pale_red notitle, \
     for [i in select("penalty run")] f index int(i) using 1:5 with lines lw 1 lc rgb pale_blue notitle, \
     for [i in select("penalty run")] f index int(i) using 1:6 with lines lw 1 dt 2 lc rgb pale_blue notitle, \
     f index mp using 1:5 with lines lw 3 lc rgb red title "plain: s_{max}", \
     f index mp using 1:6 with lines lw 3 dt 2 lc rgb red title "plain: s_{min}", \
     f index mq using 1:5 with lines lw 3 lc rgb blue title "penalty: s_{max}", \
     f index mq using 1:6 with lines lw 3 dt 2 lc rgb blue title "penalty: s_{min}"
unset multiplot
