# SPDX-License-Identifier: GPL-3.0-or-later
# header.awk — the comment lines of a lesson's data file as gnuplot
# statements, one line of them, for `eval` (plots/common.gp, header()):
#     # param NAME = VALUE   ->  NAME = VALUE
#     dataset i (0-based, counted as gnuplot's `index` counts them: blocks
#     separated by two or more blank lines, those without data left out):
#     its first comment line ->  name_i = "…"
#     # label: TEXT          ->  label_i = "TEXT" (the name if there is none)
#     its count of data rows ->  rows_i = N
# and at the end `datasets = N`.
function q(s) { gsub(/"/, "\\\"", s); return "\"" s "\"" }
BEGIN { ds = -1; blank = 0; indata = 0; named = 0; haslabel = 0; out = "" }
/^[ \t]*$/ { blank++; next }
{
	if (blank >= 2) { indata = 0; named = 0; haslabel = 0 }
	blank = 0
}
/^# param [A-Za-z_][A-Za-z_0-9]* = / {
	v = $0; sub(/^# param [A-Za-z_0-9]* = /, "", v)
	out = out $3 " = " v "; "
	next
}
/^# label: / {
	v = $0; sub(/^# label: /, "", v)
	curlabel = v; haslabel = 1
	next
}
/^#/ {
	if (!named) { v = $0; sub(/^# */, "", v); curname = v; named = 1 }
	next
}
{
	if (!indata) {
		ds++; indata = 1
		name[ds] = curname; label[ds] = haslabel ? curlabel : curname
	}
	rows[ds]++
}
END {
	for (i = 0; i <= ds; i++)
		out = out "name_" i " = " q(name[i]) "; label_" i " = " q(label[i]) "; rows_" i " = " rows[i] "; "
	print out "datasets = " (ds + 1)
}
