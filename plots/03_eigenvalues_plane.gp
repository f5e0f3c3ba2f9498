# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The eigenvalues of the normal and the non-normal W in the complex plane (they coincide), beside the unit circle; the dashed circle has radius ρ.
# takeaway: The two matrices have the same eigenvalues: the spectrum alone cannot tell them apart.
# lesson: 03_eigenvalues
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("03_eigenvalues_plane.dat")
eval header(f)
set output figure("03_eigenvalues_plane")
nn = find("nonnormal")
no = find("normal")
stats f index find("radius") using 1 nooutput
rho = STATS_max
set title sprintf("The eigenvalues of both W (n = %d): the same points\n{/*0.9 solid: the unit circle; dashed: radius ρ}", n)
set xlabel "Re λ"
set ylabel "Im λ"
set size square
r = rho > 1 ? rho * 1.15 : 1.15
set xrange [-r:r]
set yrange [-r:r]
set parametric
set trange [0:2*pi]
set key outside right top box
plot cos(t), sin(t) with lines lw 1.5 lc rgb "black" title "unit circle |λ| = 1", \
     rho*cos(t), rho*sin(t) with lines dt 2 lw 1.2 lc rgb "gray40" title sprintf("|λ| = ρ = %.3g", rho), \
     f index no using 1:2 with points pt 6 ps 2.2 lw 2 lc 2 title label(no), \
     f index nn using 1:2 with points pt 7 ps 0.9 lc 1 title label(nn)
