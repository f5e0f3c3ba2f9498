# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the Jacobian product ∂h_T/∂h_{T−τ} against the lag τ for a plain tanh RNN and a residual RNN with the same W (largest singular value s), each with its bound (dashed).
# takeaway: The identity path keeps the residual RNN's Jacobian products from vanishing as the plain RNN's do.
# lesson: 07_residual
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("07_residual.dat")
eval header(f)
set output figure("07_residual")
jac = select("jacobian-")
wkind = orthogonal ? sprintf("W = %g·Q, Q orthogonal", s) : sprintf("Gaussian W rescaled to s_{max}(W) = %g", s)
set title sprintf("Residual against plain: ‖∂h_T/∂h_{T−τ}‖_2 over the lag, the same W\n{/*0.9 %s, n = %d, T = %d, inputs N(0, %g^2)}", wkind, n, T, input_scale)
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key title "model (dashed: its bound)"
ylo = 0; yhi = 0
do for [j in jac] {
	stats f index int(j) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
	stats f index int(j) using 3 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
set yrange [floor(ylo / 10) * 10 - 5 : ceil(yhi / 10) * 10 + 5]
set xrange [0:T]
plot for [r=1:words(jac)] f index int(word(jac, r)) using 1:2 with lines lw 2.5 lc r title label(int(word(jac, r))), \
     for [r=1:words(jac)] f index int(word(jac, r)) using 1:3 with lines dt 2 lw 1.5 lc r notitle
