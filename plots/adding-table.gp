# SPDX-License-Identifier: GPL-3.0-or-later
# adding-table.gp — the figure of scripts/adding-table.sh (`make table`):
# learning curves of every architecture on the adding problem, one panel per
# sequence length T. Not one of the lesson figures (make plots does not draw
# it); run as gnuplot -e "fmt='png'" plots/adding-table.gp
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
set output figure("adding-table")
if (fmt eq 'svg') {
	set terminal svg size 1500,560 dynamic enhanced font "sans,12" background rgb "white"
} else {
	set terminal pngcairo size 1500,560 enhanced font "sans,11"
}
set output figure("adding-table")
f = data("adding-table.dat")
# the runs: lengths and architectures, each once, in the file's order
Ts = ""
As = ""
has(list, w) = strstrt(" ".list." ", " ".w." ") > 0
stats f index "runs" using (Ts = has(Ts, strcol(1)) ? Ts : Ts." ".strcol(1), \
	As = has(As, strcol(2)) ? As : As." ".strcol(2), 0) nooutput
stats f index "settings" using 1 nooutput
n = int(STATS_max)
stats f index "settings" using 2 nooutput
B = int(STATS_max)
stats f index "settings" using 3 nooutput
lr = STATS_max
stats f index "settings" using 4 nooutput
clip = STATS_max
stats f index "settings" using 5 nooutput
steps = STATS_max
stats f index "settings" using 7 nooutput
target = STATS_max
stats f index "settings" using 8 nooutput
baseline = STATS_max
colour(a) = a eq "rnn" ? "#9400d3" : a eq "linear" ? "#009e73" : a eq "residual" ? "#56b4e9" \
	: a eq "orthogonal" ? "#e69f00" : a eq "gru" ? "#a0522d" : a eq "lstm" ? "#0072b2" \
	: a eq "attention" ? "#e51e10" : "#555555"
# the best a linear RNN can do: the best affine predictor of the target from
# the inputs, 1/6 - 1/(3T) for even T (docs/adding.md); dashed in the linear
# row's colour in every panel
linfloor(T) = 1.0 / 6 - (1.0 / int(T / 2) + 1.0 / (T - int(T / 2))) / 12
np = words(Ts)
set multiplot layout 1, np margins 0.055, 0.87, 0.11, 0.84 spacing 0.035 title sprintf("Which architecture learns the adding problem? n = %d, %d fresh sequences per step, Adam (lr %g), gradient clipped to norm %g\n{/*0.9 held-out MSE per counted step; each run stops at the first evaluation below %g}", n, B, lr, clip, target)
set logscale y
set format y "10^{%L}"
set yrange [1e-3:100]
set xlabel "training step"
set xrange [0:steps]
set ylabel "held-out MSE (log scale)"
do for [p=1:np] {
	T = word(Ts, p)
	set title sprintf("T = %s", T)
	if (p == np) { set key at screen 0.88, 0.84 left top box } else { unset key }
	if (p > 1) { unset ylabel }
	# the curves first, the reference lines over them
	plot for [i=1:words(As)] f index word(As, i)."-".T using 1:3 with linespoints pi 6 pt (i + 3) ps 0.8 \
	        lw 2 lc rgb colour(word(As, i)) title word(As, i), \
	     baseline with lines dt 2 lw 2 lc rgb "black" title "baseline 1/6", \
	     (has(As, "linear") ? linfloor(T + 0) : NaN) with lines dt (8,4) lw 2.5 lc rgb colour("linear") \
	        title "linear floor", \
	     target with lines dt 3 lw 1.5 lc rgb "black" title sprintf("target %g", target)
}
unset multiplot
