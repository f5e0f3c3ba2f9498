# SPDX-License-Identifier: GPL-3.0-or-later
# caption: The cost of backpropagation through time: wall-clock time of one forward pass and of one BPTT (forward + backward) against the sequence length T on log-log axes (lines: the fastest of several runs; open circles: their median), beside a line of slope 1; dotted, on the right axis, the memory the kept states take.
# takeaway: Backpropagation through time costs time in proportion to T, as the forward pass it retraces.
# lesson: 01_bptt
here = exists("ARG0") && ARG0 ne "" ? system("dirname -- '".ARG0."'") : "plots"
load here."/common.gp"
f = data("01_bptt.dat")
eval header(f)
set output figure("01_bptt")
set title sprintf("BPTT costs time and memory linear in T\n{/*0.9 tanh RNN, n = %d, d = %d, m = %d; %d timed runs per length}", n, d, m, repeats)
set xlabel "sequence length T (steps)"
set ylabel "time per pass (ms)"
set y2label "states kept for the backward pass (KiB)"
set logscale x
set logscale y
set logscale y2
set format x "10^{%L}"
set format y "10^{%L}"
set format y2 "10^{%L}"
set ytics nomirror
set y2tics
set key inside left top box opaque
# slope-1 reference through the BPTT points: log10 c = mean of log10(time/T)
stats f index 0 using (log10($3/$1)) nooutput
c = 10**STATS_mean
stats f index 0 using 1 nooutput
set xrange [STATS_min / 1.3 : STATS_max * 1.3]
stats f index 0 using (log10($2)) nooutput
lo = floor(STATS_min)
stats f index 0 using (log10($5)) nooutput
hi = ceil(STATS_max) + 1
set yrange [10**lo : 10**hi]
# the right axis spans as many decades as the left one, so equal slopes look equal
stats f index 0 using (log10($6)) nooutput
lo2 = floor(STATS_min)
set y2range [10**lo2 : 10**(lo2 + hi - lo)]
plot f index 0 using 1:3 with linespoints lw 2 pt 7 lc 1 title "BPTT: forward + backward (fastest run)", \
     f index 0 using 1:5 with points pt 6 ps 1.3 lc 1 title "BPTT, median run", \
     f index 0 using 1:2 with linespoints lw 2 pt 5 lc 2 title "forward pass alone (fastest run)", \
     f index 0 using 1:4 with points pt 4 ps 1.3 lc 2 title "forward, median run", \
     c * x with lines dt 2 lw 1.5 lc rgb "black" title "slope 1 (time ∝ T)", \
     f index 0 using 1:6 axes x1y2 with lines dt 3 lw 2.5 lc 3 title "states kept, T·n doubles (right axis)"
