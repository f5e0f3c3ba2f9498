# SPDX-License-Identifier: GPL-3.0-or-later
# common.gp — terminal and style shared by every figure. Each figure's
# script loads it; run a script as
#     gnuplot -e "fmt='png'" plots/NN_name.gp      (or fmt='svg')
if (!exists("fmt")) fmt = 'png'
if (!exists("outdir")) outdir = 'plots/out'
if (fmt eq 'svg') {
	set terminal svg size 900,560 dynamic enhanced font "sans,12" background rgb "white"
} else {
	set terminal pngcairo size 900,560 enhanced font "sans,11"
}
set grid lc rgb "#dddddd"
set key outside right top
set border lw 1.2
data(name) = outdir."/".name
figure(name) = outdir."/".name.".".fmt
