# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Attention RNN, only the last loss term ℓ_T switched on: log10 of the norm of ∂ℓ_T/∂x_{T−τ} against the lag τ, split into the recurrent part (through the states) and the direct part (through the scores and the context), under full BPTT and truncated at k (dashed line). Truncation sets the recurrent part exactly to 0 beyond k — no logarithm exists, so those lags are marked in a separate strip below the axis — and leaves the direct part unchanged.
# takeaway: The direct path of attention reaches far inputs that the recurrent path no longer does.
# lesson: 11_attention
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("11_attention.dat")
eval header(f)
set output figure("11_attention")
full = find("full")
tr = find("truncated")
ylo = 0; yhi = 0
do for [i in sprintf("%d %d", full, tr)] {
	stats f index int(i) using 2 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
	stats f index int(i) using 3 nooutput
	ylo = STATS_min < ylo ? STATS_min : ylo
	yhi = STATS_max > yhi ? STATS_max : yhi
}
set multiplot title sprintf("Attention: recurrent and direct parts of ∂ℓ_T/∂x_{T−τ}\n{/*0.9 n = %d, d = %d, T = %d, W = %g·Q (Q orthogonal); truncation window k = %d}", n, d, T, scale, k)
# the margins; the legends start right of the plot
lm = slide ? 0.14 : 0.10
rm = slide ? 0.55 : 0.62
kw = slide ? -5 : 1
set lmargin at screen lm
set rmargin at screen rm
set xrange [-0.5:T - 0.5]
set arrow 1 from k, graph 0 to k, graph 1 nohead dt 2 lc rgb "#555555"
# the log10 panel
set tmargin at screen 0.84
set bmargin at screen 0.30
set format x ""
set ylabel "log_{10} ‖∂ℓ_T/∂x_{T−τ}‖_2"
set yrange [floor(ylo) - 0.5 : ceil(yhi) + 0.5]
set label 1 sprintf("k = %d", k) at k, graph 0.95 offset 0.6, 0 left tc rgb "#555555"
set key at screen rm + 0.02, screen 0.84 left top Left reverse box samplen 2 width kw title "part of ∂ℓ_T/∂x_{T−τ}"
set border 2 + 4 + 8 lw 1.2
plot f index full using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc 1 title "recurrent, ".label(full), \
     f index full using 1:3 with linespoints lw 2 pt 7 ps 0.5 lc 2 title "direct, ".label(full), \
     f index tr using 1:2 with points pt 6 ps 1.4 lc 1 title "recurrent, ".label(tr), \
     f index tr using 1:3 with points pt 4 ps 1.4 lc 2 title "direct, ".label(tr)
# the strip below a broken axis: lags where the recurrent part is exactly 0
unset label 1
set tmargin at screen 0.25
set bmargin at screen 0.13
set format x "%g"
set xlabel "lag τ (steps)"
set ylabel ""
set yrange [0:1]
set ytics ("exactly 0" 0.5)
set grid noytics
set border 1 + 2 + 8 lw 1.2
# the break between the two axes
set arrow 2 from screen lm - 0.01, screen 0.29 to screen lm + 0.01, screen 0.31 nohead lw 1.5 front
set arrow 3 from screen lm - 0.01, screen 0.24 to screen lm + 0.01, screen 0.26 nohead lw 1.5 front
set key at screen rm + 0.02, screen 0.25 left top Left reverse box samplen 2 width kw title ""
plot f index tr using 1:($5 == 1 ? 0.5 : NaN) with points pt 6 ps 1.1 lw 1.5 lc 1 \
        title "recurrent, ".label(tr)
unset multiplot
