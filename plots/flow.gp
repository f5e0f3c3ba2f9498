# SPDX-License-Identifier: GPL-3.0-or-later
# flow.gp — |dL/dh_t| over t, one curve per model (data: plots/out/flow.dat,
# written by scripts/demo.sh with `bptt flow`).
set terminal pngcairo size 900,560 enhanced font "sans,11"
set output "plots/out/flow.png"
set title "Backpropagated gradient norm |∂L/∂h_t| over time (T = 60, loss at every step)"
set xlabel "time step t"
set ylabel "log_{10} |∂L/∂h_t|"
set key outside right top title "model, spectral radius of W"
set grid
names = "rnn-0.5 rnn-1.0 rnn-2.0 linear-0.9 residual-0.5"
titles = "'tanh RNN, 0.5' 'tanh RNN, 1.0' 'tanh RNN, 2.0' 'linear RNN, 0.9' 'residual tanh RNN, 0.5'"
plot for [i=1:words(names)] "plots/out/flow.dat" index word(names, i) \
     using 1:3 with linespoints pt 7 ps 0.5 title word(titles, i)
