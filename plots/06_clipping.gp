# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The loss of one tanh unit, log10 L over (w, b) (h_1 = tanh(u + b) with the pulse weight u, h_t = tanh(w h_{t−1} + b), L = ½(h_T − y)²): for w > 1 a cliff between two plateaus, with L = 0 in a groove along it (dashed). Gradient descent from the same start: without clipping (red) one huge step at the cliff throws it off the map; with norm clipping (white) it follows the groove down.
# takeaway: A cliff in the loss: on its edge the gradient is huge, either side of it tiny.
# lesson: 06_clipping
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("06_clipping.dat")
eval header(f)
set output figure("06_clipping")
surface = find("surface")
groove = find("groove")
plain = find("plain")
clipped = find("clipped")
jump = find("jump")
stats f index jump using 4 nooutput
wto = STATS_max
stats f index jump using 5 nooutput
bto = STATS_max
stats f index jump using 6 nooutput
gjump = STATS_max
stats f index jump using 7 nooutput
ljump = STATS_max
stats f index surface using 1 nooutput
wlo = STATS_min
whi = STATS_max
stats f index surface using 2 nooutput
blo = STATS_min
bhi = STATS_max
stats f index surface using 4 nooutput
cblo = floor(STATS_min) < -5 ? -5 : floor(STATS_min)
offmap = wto < wlo || wto > whi || bto < blo || bto > bhi
set title sprintf("A cliff in the loss of one tanh unit, and gradient descent on it\n{/*0.9 colour: log_{10} L(w, b), L = ½(h_T − y)^2 with T = %d, u = %g, y = %g}\n{/*0.9 %d steps of rate η = %g from the black dot}", T, kick, target, steps, eta)
set xlabel "recurrent weight w"
set ylabel "bias b"
set cblabel "log_{10} L"
set xrange [wlo:whi]
set yrange [blo:bhi]
set cbrange [cblo:0]
set palette defined (0 "#000004", 1 "#3b0f70", 2 "#8c2981", 3 "#de4968", 4 "#fe9f6d", 5 "#fcfdbf")
# a dark legend, so that the white path shows in it
set key at graph 0.02, graph 0.04 left bottom box opaque fc rgb "#303030" textcolor rgb "white" samplen 2.5 font small
set style textbox opaque fc rgb "white" border lc rgb "#b00000"
set label 1 sprintf("plain: one step of length %.3g\n(|∇L| = %.3g) throws it to\n(w, b) = (%.2f, %.2f)%s,\nwhere L = %.3g", \
	eta * gjump, gjump, wto, bto, offmap ? ", off the map" : "", ljump) at graph 0.97, graph 0.95 right front boxed tc rgb "#b00000" font small
set tics out
# each path over a dark outline; the plain one wide underneath, so that the
# clipped one stays visible where both go the same way
plot f index surface using 1:2:4 with image notitle, \
     f index groove using 1:2 with lines dt 2 lw 2 lc rgb "#40e0ff" title "groove floor: h_T = y, L = 0", \
     f index plain using 2:3 with lines lw 9 lc rgb "black" notitle, \
     f index plain using 2:3 with lines lw 7 lc rgb "#ff3030" title "plain gradient descent", \
     f index clipped using 2:3 with lines lw 3 lc rgb "black" notitle, \
     f index clipped using 2:3 with linespoints lw 1.5 pt 7 ps 0.4 lc rgb "white" title sprintf("clipped: |g| ≤ %g", clip), \
     f index clipped every ::0::0 using 2:3 with points pt 7 ps 1.6 lc rgb "black" notitle, \
     f index clipped every ::0::0 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb "white" title "start"
