# SPDX-License-Identifier: GPL-3.0-or-later
# caption: How much of the last loss term reaches back: log10 ‖∂ℓ_T/∂h_{T−τ}‖ against the lag τ for four models on the same random inputs (bptt flow --lags), each with W = s·Q, Q orthogonal: a tanh RNN at s = 0.5 vanishes (a little faster than log10 0.5 per step, since tanh' < 1); at s = 1.5 tanh saturates and the gradient still fades, slowly; a linear RNN at s = 1.1 explodes by exactly log10 1.1 per step; a residual tanh RNN at s = 0.5 keeps it through its identity path (here it even grows).
# flow.gp — the figure of make demo (scripts/demo.sh), from
# plots/out/demo/flow.dat: one dataset per model, columns tau t log10_dh.
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
if (!exists("outdir")) outdir = here.'/out/demo'
load here."/common.gp"
f = data("flow.dat")
eval header(f)
set output figure("flow")
set title sprintf("Vanishing and exploding: what reaches τ steps back from the last loss term\n{/*0.9 ‖∂ℓ_T/∂h_{T−τ}‖ by bptt flow --lags, T = %d, the same inputs for every model}", T)
set xlabel "lag τ (steps)"
set ylabel "log_{10} ‖∂ℓ_T/∂h_{T−τ}‖"
set key inside left bottom box opaque title "model, W = s·Q (Q orthogonal)"
set xrange [0:T - 1]
plot for [i=0:datasets-1] f index i using 1:3 with linespoints lw 2 pt 7 ps 0.5 lc i + 1 title label(i)
