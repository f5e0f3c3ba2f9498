# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Learning curves on the adding problem (T = 50): the held-out MSE per counted step against the training step (top axis: sequences seen) for every architecture, trained with the same budget and settings; the memoryless baseline 1/6 (black dashed, drawn over the curves), the linear RNN's floor 1/6 − 1/(3T) (long green dashes) and the target 0.01 (dotted); a circle where a curve first drops below the target.
# takeaway: The same budget, different architectures: which of them get below the memoryless baseline.
# lesson: 13_learning
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
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
has(list, w) = strstrt(" ".list." ", " ".w." ") > 0
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
# the linear floor: the best affine predictor of the target from the inputs,
# 1/6 - 1/(3T) for even T (docs/adding.md), drawn for the linear row only
floorT = 1.0 / 6 - (1.0 / int(T / 2) + 1.0 / (T - int(T / 2))) / 12
linfloor = has(names, "linear") ? sprintf(', floorT with lines dt (8,4) lw 2.5 lc rgb colour("linear") title sprintf("linear floor %%.4f", floorT)') : ''
# the curves first, the reference lines last: the baseline stays visible
# where curves that learned nothing lie on it
set multiplot
set size 1, 1
set origin 0, 0
plot for [i=1:words(names)] f index word(names, i) using 1:3 with linespoints pi 4 pt (i + 3) ps 0.9 \
        lw 2 lc rgb colour(word(names, i)) title word(names, i), \
     baseline with lines dt 2 lw 2.5 lc rgb "black" title "baseline 1/6 (no memory)", \
     target with lines dt 3 lw 1.5 lc rgb "black" title sprintf("target %g", target) @linfloor @circles
# a close-up of the band around the baseline, on a linear scale: the curves
# that learned nothing, the baseline and the linear floor apart
unset logscale y
set format y "%.2f"
set yrange [0.13:0.19]
set ytics 0.02
unset x2tics
unset x2label
unset title
unset key
set xlabel "training step" offset 0,0.5 font ",9"
set ylabel "MSE (linear)" offset 1.5,0 font ",9"
set xtics 250 font ",8"
set ytics font ",8"
set tmargin 1
set bmargin 2.5
set lmargin 7
set rmargin 1
set object 1 rect from graph 0, graph 0 to graph 1, graph 1 behind fc rgb "white" fs solid noborder
set title "close-up of the baseline" font ",9" offset 0,-0.8
set size 0.33, 0.36
set origin 0.665, 0.06
plot for [i=1:words(names)] f index word(names, i) using 1:3 with lines lw 1.5 lc rgb colour(word(names, i)) notitle, \
     baseline with lines dt 2 lw 2.5 lc rgb "black" notitle, \
     (has(names, "linear") ? floorT : NaN) with lines dt (8,4) lw 2.5 lc rgb colour("linear") notitle
unset multiplot
