# SPDX-License-Identifier: GPL-3.0-or-later
# caption: A linear RNN whose W has one real eigenvalue ρ > 1: the error δ_{T−τ} = ∂L/∂h_{T−τ} that BPTT sends back grows per step by ln(‖δ_{T−τ}‖/‖δ_{T−τ+1}‖) → ln ρ (top) and turns towards the leading left eigenvector u of W (bottom, |cos(δ, u)| → 1), for a normal and a non-normal W with the same eigenvalues; the right eigenvector v catches it only when W is normal.
# lesson: 14_eigenvector
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
set output figure("14_eigenvector")
f = data("14_eigenvector.dat")
stats f index "meta" using 2 nooutput
lnrho = STATS_max
stats f index "nonnormal" using 3 nooutput
rmax = STATS_max
stats f index "nonnormal" using 1 nooutput
taumax = STATS_max
set multiplot layout 2,1 title "Explosion along an eigenvector: the error sent back through a linear RNN with ρ(W) > 1"
set lmargin 12
set rmargin 4
set xrange [0:taumax]
set key inside right bottom box opaque
unset xlabel
set format x ""
set ylabel "growth per step\nln(‖δ_{T−τ}‖/‖δ_{T−τ+1}‖)"
set yrange [-0.3 * lnrho:3 * lnrho]
set label 1 sprintf("non-normal W: up to %.3g per step in the first lags (off the scale)", rmax) \
	at graph 0.97, graph 0.92 right tc lt 1 font ",10"
plot f index "nonnormal" using 1:3 with lines lw 2.5 lc 1 title "non-normal W", \
     f index "normal" using 1:3 with lines lw 2.5 lc 2 title "normal W", \
     lnrho with lines dt 2 lw 1.5 lc rgb "black" title sprintf("ln ρ = %.4f", lnrho)
unset label 1
set format x "%g"
set xlabel "lag τ (steps back from T)"
set ylabel "|cos(δ_{T−τ}, eigenvector)|"
set yrange [0:1.05]
set key inside right center box opaque
plot f index "nonnormal" using 1:4 with lines lw 2.5 lc 1 title "non-normal W, left u", \
     f index "nonnormal" using 1:5 with lines lw 2.5 dt 4 lc 1 title "non-normal W, right v", \
     f index "normal" using 1:4 with lines lw 2.5 lc 2 title "normal W, u = v"
unset multiplot
