# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The eigenvalues of the normal and the non-normal W in the complex plane (they coincide), inside the unit circle; the dashed circle has radius ρ.
# takeaway: The two matrices have the same eigenvalues: the spectrum alone cannot tell them apart.
# lesson: 03_eigenvalues
load 'plots/common.gp'
set output figure("03_eigenvalues_plane")
f = data("03_eigenvalues_plane.dat")
stats f index "radius" using 1 nooutput
rho = STATS_max
set title "The eigenvalues of both W: the same points\n{/*0.9 solid: the unit circle; dashed: radius ρ}"
set xlabel "Re λ"
set ylabel "Im λ"
set size square
set xrange [-1.15:1.15]
set yrange [-1.15:1.15]
set parametric
set trange [0:2*pi]
set key outside right top box
plot cos(t), sin(t) with lines lw 1.5 lc rgb "black" title "unit circle |λ| = 1", \
     rho*cos(t), rho*sin(t) with lines dt 2 lw 1.2 lc rgb "gray40" title sprintf("|λ| = ρ = %.3g", rho), \
     f index "normal" using 1:2 with points pt 6 ps 2.2 lw 2 lc 2 title "normal W", \
     f index "nonnormal" using 1:2 with points pt 7 ps 0.9 lc 1 title "non-normal W"
