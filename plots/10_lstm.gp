# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the LSTM's cell-to-cell Jacobian product ∂c_T/∂c_{T−τ} against the lag τ for each forget bias b_f (solid, one colour each), the whole state's product ∂s_T/∂s_{T−τ}, s = [h; c] (circles; on top of the solid line where the cell path carries the gradient), and the forget gates' own path max_i Π f_{t,i} (dashed).
# takeaway: A larger forget bias keeps the cell-to-cell product from decaying over long lags.
# lesson: 10_lstm
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("10_lstm.dat")
eval header(f)
set output figure("10_lstm")
weights = scale > 0 ? sprintf("every W scaled to s_{max} = %g", scale) : "W drawn N(0, 1/n)"
set title sprintf("The constant error carousel: Jacobian products of an LSTM over the lag\n{/*0.9 n = %d, T = %d, %s, inputs N(0, %g^2)}\n{/*0.9 colour: the forget bias b_f; line style: which product}", n, T, weights, input_scale)
set xlabel "lag τ (steps)"
set ylabel "log_{10} of the product over τ steps (2-norm)"
set key inside left bottom Left reverse box opaque samplen 3 width 1 spacing 1.15
ylo = 0; yhi = 0
do for [i=0:datasets-1] {
	stats f index i using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
	stats f index i using 3 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
	stats f index i using 4 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
}
set yrange [floor(ylo / 5) * 5 - 3 : ceil(yhi / 5) * 5 + 3]
set xrange [0:T]
every_ = T >= 40 ? int(T / 20) : 1
plot for [i=0:datasets-1] f index i using 1:2 with lines lw 2.5 lc i + 1 title label(i), \
     for [i=0:datasets-1] f index i using 1:3 every every_ with points pt 6 ps 1.2 lw 1.5 lc i + 1 notitle, \
     for [i=0:datasets-1] f index i using 1:4 with lines dt 2 lw 1.5 lc i + 1 notitle, \
     keyentry with lines lw 2.5 lc rgb "black" title "cell block ∂c_T/∂c_{T−τ}", \
     keyentry with points pt 6 ps 1.2 lw 1.5 lc rgb "black" title "whole state ∂s_T/∂s_{T−τ}, s = [h; c]", \
     keyentry with lines dt 2 lw 1.5 lc rgb "black" title "forget path alone, max_i Π_t f_{t,i}"
