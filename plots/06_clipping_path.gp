# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Along the two descents of lesson 6: the loss (top) and the norm of the gradient (bottom) at every iteration, without clipping (red) and with norm clipping (black); dashed: the threshold c above which the clipped run's gradients are cut to length c.
# takeaway: Clipping the norm keeps one step at the cliff from throwing the descent away.
# lesson: 06_clipping
load 'plots/common.gp'
set output figure("06_clipping_path")
f = data("06_clipping.dat")
stats f index "meta" using 2 nooutput
clipc = STATS_max
stats f index "meta" using 1 nooutput
eta = STATS_max
stats f index "meta" using 5 nooutput
nsteps = STATS_max
stats f index "jump" using 1 nooutput
itjump = STATS_max
stats f index "jump" using 6 nooutput
gjump = STATS_max
stats f index "jump" using 7 nooutput
ljump = STATS_max
set multiplot layout 2,1 title "Gradient descent on the cliff, with and without clipping (same start, same rate)"
set logscale y
set format y "10^{%L}"
set xrange [0:nsteps]
set key inside left bottom box opaque
set lmargin 12
set rmargin 4
set ylabel "loss L"
unset xlabel
set format x ""
set label 1 sprintf("plain: a step of length %.3g at iteration %d, then stuck at L = %.3g", eta * gjump, itjump, ljump) \
	at graph 0.36, first ljump / 5 left tc rgb "#e02020" font ",10"
plot f index "plain" using 1:4 with lines lw 2 lc rgb "#e02020" title "plain", \
     f index "clipped" using 1:4 with lines lw 2 lc rgb "black" title sprintf("clipped at c = %g", clipc)
set format x "%g"
unset label 1
set xlabel "iteration"
set ylabel "gradient norm |∇L|"
set key inside right top box opaque
stats f index "plain" using 5 nooutput
set yrange [*:STATS_max * 300]
plot f index "plain" using 1:5 with lines lw 2 lc rgb "#e02020" title "plain", \
     f index "clipped" using 1:5 with lines lw 2 lc rgb "black" title "clipped (norm before clipping)", \
     clipc with lines dt 2 lw 1.5 lc rgb "gray40" title sprintf("threshold c = %g", clipc)
unset multiplot
