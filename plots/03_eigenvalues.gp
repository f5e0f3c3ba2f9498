# SPDX-License-Identifier: GPL-3.0-or-later
# caption: log10‖Wᵗ‖₂ against t for a normal and a non-normal W with the same eigenvalues (all of modulus ρ), beside t·log10 ρ; the circles are log10‖∂h_T/∂h_{T−τ}‖₂ of a linear RNN with each W, measured as a product of step Jacobians (τ = t).
# takeaway: Eigenvalues inside the unit circle do not stop ‖Wᵗ‖ from growing for many steps when W is non-normal.
# lesson: 03_eigenvalues
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("03_eigenvalues.dat")
eval header(f)
set output figure("03_eigenvalues")
nn = find("nonnormal")
no = find("normal")
pk = find("peak")
stats f index pk using 1 nooutput
tpk = STATS_max
stats f index pk using 2 nooutput
ypk = STATS_max
set title sprintf("Same eigenvalues, different powers: ‖W^t‖_2, normal and non-normal W\n{/*0.9 n = %d, every eigenvalue of modulus ρ = %g}\n{/*0.9 circles: the gradient ‖∂h_T/∂h_{T−τ}‖_2 of a linear RNN with that W, τ = t}", n, rho)
set xlabel "power t, or lag τ (steps)"
set ylabel "log_{10} ‖W^t‖_2"
set key inside right top box opaque
set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead dt 3 lc rgb "gray50"
set label 1 sprintf("peak: ‖W^{%d}‖_2 = 10^{%.2f}", tpk, ypk) at tpk, ypk offset 1.5,0.6 left
every_ = T >= 40 ? int(T / 25) : 1
plot f index nn using 1:2 with lines lw 2.5 lc 1 title label(nn), \
     f index nn using 1:4 every every_ with points pt 6 ps 1.1 lc 1 title "  gradient, non-normal", \
     f index no using 1:2 with lines lw 2.5 lc 2 title label(no), \
     f index no using 1:4 every every_ with points pt 6 ps 1.1 lc 2 title "  gradient, normal", \
     f index no using 1:3 with lines dt 2 lw 1.5 lc rgb "black" title "t·log_{10} ρ"
