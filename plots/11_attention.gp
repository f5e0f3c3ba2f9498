# SPDX-License-Identifier: GPL-3.0-or-later
# caption: Attention RNN, only the last loss term ℓ_T switched on: log10 of the norm of ∂ℓ_T/∂x_{T−τ} against the lag τ, split into the recurrent part (through the states) and the direct part (through the scores and the context), under full BPTT and truncated at k (dashed line). Truncation sets the recurrent part exactly to 0 beyond k (the row of circles at the bottom) and leaves the direct part unchanged.
# takeaway: The direct path of attention reaches far inputs that the recurrent path no longer does.
# lesson: 11_attention
load 'plots/common.gp'
set output figure("11_attention")
f = data("11_attention.dat")
stats f index "settings" using 1 nooutput
k = STATS_max
stats f index "full" using 2 nooutput
ybot = floor(STATS_min) - 8
set title "Attention: recurrent and direct parts of ∂ℓ_T/∂x_{T−τ}"
set xlabel "lag τ (steps)"
set ylabel "log_{10} |∂ℓ_T/∂x_{T−τ}|_2"
set yrange [ybot:*]
set key at graph 0.015, graph 0.62 left top Left reverse box opaque width 1 samplen 2 spacing 1.1 title "part of ∂ℓ_T/∂x_{T−τ}"
set bmargin 4
set arrow from k, graph 0 to k, graph 1 nohead dt 2 lc rgb "#555555"
set label sprintf("k = %g", k) at k, graph 0.96 offset 0.6, 0 left tc rgb "#555555"
set label "truncated, τ ≥ k: recurrent part exactly 0 (log_{10} = −∞), drawn on this row" \
    at k, ybot + 1 offset 0.6, 1.1 left tc lt 1 font ",10"
plot f index "full" using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc 1 title "recurrent, full BPTT", \
     f index "full" using 1:3 with linespoints lw 2 pt 7 ps 0.5 lc 2 title "direct, full BPTT", \
     f index "truncated" using 1:2 with points pt 6 ps 1.4 lc 1 title "recurrent, truncated at k", \
     f index "truncated" using 1:($5 == 1 ? ybot + 1 : NaN) with points pt 6 ps 0.9 lc 1 \
        title "recurrent, truncated: exactly 0", \
     f index "truncated" using 1:3 with points pt 4 ps 1.4 lc 2 title "direct, truncated at k"
