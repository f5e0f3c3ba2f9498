# SPDX-License-Identifier: GPL-3.0-or-later
# caption: BPTT from a loss at the last step only, for the plain and the residual RNN with the same W: log10 ‖∂L/∂h_t‖ over t (top), the state norm ‖h_t‖ (middle) and the mean tanh' over the units (bottom, 1 = linear, 0 = saturated).
# takeaway: With the skip connection the gradient still reaches the early states.
# lesson: 07_residual
load 'plots/common.gp'
set output figure("07_residual_flow")
set multiplot layout 3,1 title "Gradient and state over time: plain against residual RNN (loss at t = T only)"
set lmargin 12
set rmargin 20
set tmargin 1.5
set bmargin 1.2
set format x ""
set ylabel "log_{10} |∂L/∂h_t|"
set key title "model"
plot data("07_residual.dat") index "flow-rnn" using 1:2 with lines lw 2 lc 1 title "plain", \
     data("07_residual.dat") index "flow-residual" using 1:2 with lines lw 2 lc 2 title "residual"
set ylabel "|h_t| (log scale)"
set logscale y
set format y "10^{%T}"
unset key
plot data("07_residual.dat") index "flow-rnn" using 1:3 with lines lw 2 lc 1 title "plain", \
     data("07_residual.dat") index "flow-residual" using 1:3 with lines lw 2 lc 2 title "residual"
unset logscale y
set format y "%g"
set format x "%g"
set bmargin 3.5
set xlabel "time step t"
set ylabel "mean tanh'(a_t)"
set yrange [0:1.05]
plot data("07_residual.dat") index "flow-rnn" using 1:4 with lines lw 2 lc 1 title "plain", \
     data("07_residual.dat") index "flow-residual" using 1:4 with lines lw 2 lc 2 title "residual"
unset multiplot
