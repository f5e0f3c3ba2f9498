# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Along the two descents of lesson 6: the loss (top) and the norm of the gradient (bottom) at every iteration, without clipping (red) and with norm clipping (black); dashed: the threshold c above which the clipped run's gradients are cut to length c.
# takeaway: Clipping the norm keeps one step at the cliff from throwing the descent away.
# lesson: 06_clipping
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("06_clipping.dat")
eval header(f)
set output figure("06_clipping_path")
plain = find("plain")
clipped = find("clipped")
jump = find("jump")
clipc = clip
nsteps = steps
stats f index jump using 1 nooutput
itjump = STATS_max
stats f index jump using 6 nooutput
gjump = STATS_max
stats f index plain using 5 nooutput
gplainmax = STATS_max
stats f index jump using 7 nooutput
ljump = STATS_max
set multiplot layout 2,1 title sprintf("Gradient descent on the cliff, with and without clipping\n{/*0.9 same start, same rate η = %g; T = %d, y = %g}", eta, T, target)
set logscale y
set format y "10^{%L}"
set xrange [0:nsteps]
set key inside left bottom box opaque
set lmargin 12
set rmargin 4
set ylabel "loss L"
unset xlabel
set format x ""
set style textbox opaque fc rgb "white" noborder
set label 1 sprintf("plain: a step of length %.3g at iteration %d, then stuck at L = %.3g", eta * gjump, itjump, ljump) \
	at graph 0.98, first ljump / (slide ? 60 : 5) right boxed tc rgb "#e02020" font small
plot f index plain using 1:4 with lines lw 5 lc rgb "#e02020" title "plain", \
     f index clipped using 1:4 with lines lw 1.5 lc rgb "black" title sprintf("clipped at c = %g", clipc)
set format x "%g"
unset label 1
set xlabel "iteration"
set ylabel "gradient norm |∇L|"
set key inside right top box opaque
set yrange [*:gplainmax * 300]
plot f index plain using 1:5 with lines lw 5 lc rgb "#e02020" title "plain", \
     f index clipped using 1:5 with lines lw 1.5 lc rgb "black" title "clipped (norm before clipping)", \
     clipc with lines dt 2 lw 1.5 lc rgb "gray40" title sprintf("threshold c = %g", clipc)
unset multiplot
