# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The product of step Jacobians ∂h_T/∂h_{T−τ} of lesson 15's tanh RNN at the orthogonal start (grey) and after training without (red) and with (blue) the soft orthogonality penalty, against the lag τ, the mean over held-out adding sequences: log10 of its 2-norm (top) and its stable rank ‖·‖_F²/‖·‖₂², the number of state directions it keeps (bottom). Thin lines are single runs, thick lines their median.
# takeaway: In the median, the plain networks' gradient path shrinks by orders of magnitude onto one direction; with the penalty about a tenth survives 40 steps, in a little more than one direction.
# lesson: 15_regularise
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("15_regularise.dat")
eval header(f)
set output figure("15_regularise_jacobian")
red = "#d62728"; pale_red = "#f2b8b8"; blue = "#1f77b4"; pale_blue = "#b3d1ea"
grey = "gray30"; pale_grey = "gray80"
mj = find("median jacobian")
set multiplot layout 2,1 title sprintf("The gradient's path through the tanh RNN (adding problem, T = %d, %d runs): ∂h_T/∂h_{T−τ}", T, runs)
set lmargin 12
set rmargin 4
set xrange [1:T - 1]
unset xlabel
set format x ""
set ylabel "log_{10} ‖∂h_T/∂h_{T−τ}‖_2"
set key inside left bottom box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead dt 3 lc rgb "gray50"
plot for [i in select("jacobian run")] f index int(i) using 1:2 with lines lw 1 dt 2 lc rgb pale_grey notitle, \
     for [i in select("jacobian run")] f index int(i) using 1:3 with lines lw 1 lc rgb pale_red notitle, \
     for [i in select("jacobian run")] f index int(i) using 1:4 with lines lw 1 lc rgb pale_blue notitle, \
     f index mj using 1:2 with lines lw 3 dt 2 lc rgb grey title "at the start, median", \
     f index mj using 1:3 with lines lw 3 lc rgb red title "plain, trained, median", \
     f index mj using 1:4 with lines lw 3 lc rgb blue title sprintf("penalty λ = %g, trained, median", lambda), \
     NaN with lines lw 1 lc rgb "gray60" title "single runs"
unset arrow 1
set format x "%g"
set xlabel "lag τ (steps back from T)"
set ylabel "stable rank ‖·‖_F^2 / ‖·‖_2^2"
set logscale y
set yrange [0.9:*]
set key inside right top box opaque
plot for [i in select("jacobian run")] f index int(i) using 1:5 with lines lw 1 dt 2 lc rgb pale_grey notitle, \
     for [i in select("jacobian run")] f index int(i) using 1:6 with lines lw 1 lc rgb pale_red notitle, \
     for [i in select("jacobian run")] f index int(i) using 1:7 with lines lw 1 lc rgb pale_blue notitle, \
     f index mj using 1:5 with lines lw 3 dt 2 lc rgb grey title "at the start, median", \
     f index mj using 1:6 with lines lw 3 lc rgb red title "plain, trained, median", \
     f index mj using 1:7 with lines lw 3 lc rgb blue title "penalty, trained, median"
unset multiplot
