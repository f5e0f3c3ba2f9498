# SPDX-License-Identifier: GPL-3.0-or-later
# caption: How far truncated gradients of a GRU are from the full one against the truncation length k: relative error ‖g_k − g‖/‖g‖ (left) and 1 − cos(g_k, g) (right), for the sliding window and for chunks, mean over random data sets with ±1 standard-error bars.
# takeaway: For a GRU too, the truncated gradient comes close to the full one only as k grows.
# lesson: 05_tbptt_bias
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("05_tbptt_bias_gru.dat")
eval header(f)
set output figure("05_tbptt_bias_gru")
lo(y, e) = (y - e > y / 3) ? y - e : y / 3
stats f index 0 using 1 nooutput
set xrange [0.5:STATS_max + 0.5]
set multiplot layout 1,2 title sprintf("Truncated gradients of a GRU against the full gradient g\n{/*0.9 all parameters; n = %d, T = %d; mean ± se over %d random data sets}", n, T, datasets_averaged)
set logscale y
set format y "10^{%L}"
set xlabel "truncation length k (steps)"
set key inside left bottom box opaque
set title "relative error"
set ylabel "‖g_k − g‖ / ‖g‖ (log scale)"
plot f index 0 using 1:2:(lo($2, $3)):($2 + $3) with yerrorlines pt 7 ps 0.7 lw 2 lc 1 title "sliding window", \
     f index 0 using 1:6:(lo($6, $7)):($6 + $7) with yerrorlines pt 5 ps 0.7 lw 2 lc 2 title "chunks"
set title "direction"
set ylabel "1 − cos(g_k, g) (log scale)"
plot f index 0 using 1:(1 - $4):(lo(1 - $4, $5)):(1 - $4 + $5) with yerrorlines pt 7 ps 0.7 lw 2 lc 1 title "sliding window", \
     f index 0 using 1:(1 - $8):(lo(1 - $8, $9)):(1 - $8 + $9) with yerrorlines pt 5 ps 0.7 lw 2 lc 2 title "chunks"
unset multiplot
