# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The GRU's update gate z_t over time, recomputed from the states and the W_z, U_z, b_z blocks: the mean over the n units (line) and the band from the 10% to the 90% quantile over units (shaded), for the GRU with b_z shifted negative and the GRU as initialised.
# takeaway: The update gate's bias sets how much of the state is copied forward at each step.
# lesson: 09_gru
load 'plots/common.gp'
set output figure("09_gru_gates")
set title "GRU update gate z_t over time (mean over units; band: 10%–90% of units)"
set xlabel "time step t"
set ylabel "update gate z_t (log scale)"
set logscale y
set yrange [*:1]
set key title "model"
set style fill transparent solid 0.25 noborder
plot data("09_gru_gates.dat") index "gru-closed" using 1:3:4 with filledcurves lc 1 notitle, \
     data("09_gru_gates.dat") index "gru-closed" using 1:2 with lines lw 2 lc 1 title "GRU, b_z shifted", \
     data("09_gru_gates.dat") index "gru-default" using 1:3:4 with filledcurves lc 2 notitle, \
     data("09_gru_gates.dat") index "gru-default" using 1:2 with lines lw 2 lc 2 title "GRU, b_z = 0"
