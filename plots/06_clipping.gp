# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The loss of one tanh unit, log10 L over (w, b) (h_1 = tanh(0.6 + b), h_t = tanh(w h_{t−1} + b), L = ½(h_T − 0.3)², T = 10): for w > 1 a cliff between two plateaus, with L = 0 in a groove along it (dashed). Gradient descent from the same start: without clipping (red) one huge step at the cliff throws it off the map; with norm clipping (white) it follows the groove down.
# takeaway: A cliff in the loss: on its edge the gradient is huge, either side of it tiny.
# lesson: 06_clipping
load 'plots/common.gp'
set output figure("06_clipping")
f = data("06_clipping.dat")
stats f index "jump" using 4 nooutput
wto = STATS_max
stats f index "jump" using 5 nooutput
bto = STATS_max
stats f index "jump" using 6 nooutput
gjump = STATS_max
stats f index "jump" using 7 nooutput
ljump = STATS_max
stats f index "meta" using 1 nooutput
eta = STATS_max
stats f index "meta" using 2 nooutput
clipc = STATS_max
stats f index "surface" using 1 nooutput
wlo = STATS_min
whi = STATS_max
stats f index "surface" using 2 nooutput
blo = STATS_min
bhi = STATS_max
set title "A cliff in the loss of one tanh unit, and gradient descent on it\n{/*0.9 colour: log_{10} L(w, b), L = ½(h_T − y)^2;  both runs start at the black circle}"
set xlabel "recurrent weight w"
set ylabel "bias b"
set cblabel "log_{10} L"
set xrange [wlo:whi]
set yrange [blo:bhi]
set cbrange [-5:0]
set palette defined (0 "#000004", 1 "#3b0f70", 2 "#8c2981", 3 "#de4968", 4 "#fe9f6d", 5 "#fcfdbf")
set key at graph 0.02, graph 0.04 left bottom box opaque samplen 2 font ",10"
set label 1 sprintf("plain: one step of length %.3g\n(|∇L| = %.3g) throws it to\n(w, b) = (%.2f, %.2f), off the map,\nwhere L = %.3g and ∇L is almost 0", \
	eta * gjump, gjump, wto, bto, ljump) at graph 0.98, graph 0.96 right front tc rgb "#ff5050" font ",10"
set tics out
plot f index "surface" using 1:2:4 with image notitle, \
     f index "groove" using 1:2 with lines dt 2 lw 1.5 lc rgb "#40e0ff" title "groove floor: h_T = y, L = 0", \
     f index "plain" using 2:3 with linespoints lw 2 pt 7 ps 0.5 lc rgb "#ff3030" title "plain gradient descent", \
     f index "clipped" using 2:3 with linespoints lw 1.2 pt 7 ps 0.35 lc rgb "white" title sprintf("clipped: |g| ≤ %g", clipc), \
     f index "clipped" every ::0::0 using 2:3 with points pt 7 ps 1.5 lc rgb "black" title "start"
