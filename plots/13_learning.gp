# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Learning curves on the adding problem (T = 50): the held-out MSE per counted step against the training step (top axis: sequences seen) for every architecture, trained with the same budget and settings; the memoryless baseline 1/6 (dashed) and the target 0.01 (dotted); a circle where a curve first drops below the target.
# takeaway: The same budget, different architectures: which of them get below the memoryless baseline.
# lesson: 13_learning
load 'plots/common.gp'
set output figure("13_learning")
f = data("13_learning.dat")
# one row: T batch baseline_mse target_mse steps hidden clip_norm lr reached
stats f index "meta" using 1 nooutput
T = int(STATS_max)
stats f index "meta" using 2 nooutput
B = int(STATS_max)
stats f index "meta" using 3 nooutput
baseline = STATS_max
stats f index "meta" using 4 nooutput
target = STATS_max
stats f index "meta" using 6 nooutput
n = int(STATS_max)
stats f index "meta" using 7 nooutput
clip = STATS_max
stats f index "meta" using 8 nooutput
lr = STATS_max
stats f index "meta" using 9 nooutput
nreached = int(STATS_max)
# the circles where curves first cross the target, when any did
circles = nreached > 0 ? sprintf(', f index "reached" using 1:3 with points pt 6 ps 2 lw 2 lc rgb "black" title "first below target"') : ''
# the architectures the lesson trained, in its order
names = ""
stats f index "archs" using (names = names.strcol(2)." ", 0) nooutput
# one colour per architecture, whichever subset was trained
colour(a) = a eq "rnn" ? "#9400d3" : a eq "linear" ? "#009e73" : a eq "residual" ? "#56b4e9" \
	: a eq "orthogonal" ? "#e69f00" : a eq "gru" ? "#a0522d" : a eq "lstm" ? "#0072b2" \
	: a eq "attention" ? "#e51e10" : "#555555"
clipping = clip > 0 ? sprintf("gradient clipped to norm %g", clip) : "no clipping"
set title sprintf("Which architecture learns the adding problem? T = %d\n{/*0.9 every one with n = %d, %d fresh sequences per step, Adam (lr %g), %s}", T, n, B, lr, clipping)
set tmargin 6
set xlabel "training step (one update each)"
set x2label sprintf("sequences seen (%d per step)", B) offset 0,-0.6
set link x2 via x * B inverse x / B
set x2tics
set xtics nomirror
set ylabel "held-out MSE per counted step (log scale)"
set logscale y
set format y "10^{%L}"
set yrange [1e-4:20]
set key outside right top box
plot baseline with lines dt 2 lw 1.5 lc rgb "black" title "baseline 1/6 (no memory)", \
     target with lines dt 3 lw 1.5 lc rgb "black" title sprintf("target %g", target), \
     for [i=1:words(names)] f index word(names, i) using 1:3 with linespoints pi 4 pt (i + 3) ps 0.9 \
        lw 2 lc rgb colour(word(names, i)) title word(names, i) @circles
