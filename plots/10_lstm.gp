# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10 of the norm of the LSTM's cell-to-cell Jacobian product ∂c_T/∂c_{T−τ} against the lag τ for forget bias 0 and 3 (solid), the whole state's product ∂s_T/∂s_{T−τ}, s = [h; c] (dotted), and the forget gates' own path max_i Π f_{t,i} (dashed).
# takeaway: A larger forget bias keeps the cell-to-cell product from decaying over long lags.
# lesson: 10_lstm
load 'plots/common.gp'
set output figure("10_lstm")
set title "The constant error carousel: |∂c_T/∂c_{T−τ}|_2 over the lag (LSTM, n = 16)"
set xlabel "lag τ (steps)"
set ylabel "log_{10} 2-norm"
set key inside left bottom Left reverse box opaque samplen 3
set yrange [-65:5]
plot data("10_lstm.dat") index "fb-3" using 1:2 with lines lw 2 lc 2 title "b_f = 3: cell block ∂c_T/∂c_{T−τ}", \
     data("10_lstm.dat") index "fb-3" using 1:3 with lines dt 3 lw 2 lc 2 title "b_f = 3: whole state ∂s_T/∂s_{T−τ}", \
     data("10_lstm.dat") index "fb-3" using 1:4 with lines dt 2 lw 1.2 lc 2 title "b_f = 3: forget path alone, max_i Π f_{t,i}", \
     data("10_lstm.dat") index "fb-0" using 1:2 with lines lw 2 lc 1 title "b_f = 0: cell block", \
     data("10_lstm.dat") index "fb-0" using 1:3 with lines dt 3 lw 2 lc 1 title "b_f = 0: whole state", \
     data("10_lstm.dat") index "fb-0" using 1:4 with lines dt 2 lw 1.2 lc 1 title "b_f = 0: forget path alone"
