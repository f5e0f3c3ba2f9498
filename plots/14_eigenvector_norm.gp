# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The same errors as lesson 14's first figure: log10 ‖δ_{T−τ}‖/‖δ_T‖ against the lag τ (top) beside its asymptote τ·log10 ρ + log10(|vᵀδ_T| / (‖δ_T‖ |uᵀv|)) (dashed), and how far δ still is from the left eigenvector u, log10(1 − |cos(δ, u)|) (bottom), beside the rate (s/ρ)^{2τ} set by the largest other eigenvalue modulus s.
# lesson: 14_eigenvector
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
set output figure("14_eigenvector_norm")
f = data("14_eigenvector.dat")
stats f index "meta" using 1 nooutput
rho = STATS_max
stats f index "meta" using 3 nooutput
s = STATS_max
stats f index "nonnormal" using 1 nooutput
taumax = STATS_max
set multiplot layout 2,1 title "The error's size and direction against the lag (linear RNN, ρ(W) > 1)"
set lmargin 12
set rmargin 4
set xrange [0:taumax]
unset xlabel
set format x ""
set ylabel "log_{10} ‖δ_{T−τ}‖ / ‖δ_T‖"
set key inside left top box opaque
plot f index "nonnormal" using 1:2 with lines lw 2.5 lc 1 title "non-normal W", \
     f index "nonnormal" using 1:6 with lines dt 2 lw 1.5 lc 1 title "  its asymptote", \
     f index "normal" using 1:2 with lines lw 2.5 lc 2 title "normal W", \
     f index "normal" using 1:6 with lines dt 2 lw 1.5 lc 2 title "  its asymptote"
set format x "%g"
set xlabel "lag τ (steps back from T)"
set ylabel "log_{10}(1 − |cos(δ_{T−τ}, u)|)"
set key inside right top box opaque
set yrange [-17:0.5]
set label 1 "rounding floor" at graph 0.98, first -14.6 right tc rgb "gray40" font ",10"
plot f index "nonnormal" using 1:7 with lines lw 2.5 lc 1 title "non-normal W", \
     f index "normal" using 1:7 with lines lw 2.5 lc 2 title "normal W", \
     2 * x * log10(s / rho) with lines dt 2 lw 1.5 lc rgb "black" title sprintf("(s/ρ)^{2τ}, s/ρ = %.3g", s / rho)
unset multiplot
