# SPDX-License-Identifier: GPL-3.0-or-later
# header.awk — the comment lines of a lesson's data file as gnuplot
# statements, one line of them, for `eval` (plots/common.gp, header()):
#     # param NAME = VALUE   ->  NAME = VALUE
#     dataset i (0-based; datasets are separated by two or more blank lines):
#     its first comment line  ->  name_i = "…"
#     # label: TEXT          ->  label_i = "TEXT"
# and at the end `datasets = N`. Every dataset has a name_i and a label_i
# (the name when no label is given).
function q(s) { gsub(/"/, "\\\"", s); return "\"" s "\"" }
BEGIN { ds = 0; blank = 0; seen = 0; out = "" }
/^[ \t]*$/ { blank++; next }
{
	if (blank >= 2 && seen) { ds++; named = 0 }
	blank = 0
}
/^# param [A-Za-z_][A-Za-z_0-9]* = / {
	v = $0; sub(/^# param [A-Za-z_0-9]* = /, "", v)
	out = out $3 " = " v "; "
	next
}
/^# label: / {
	v = $0; sub(/^# label: /, "", v)
	label[ds] = v
	next
}
/^#/ {
	if (!named) { v = $0; sub(/^# */, "", v); name[ds] = v; named = 1 }
	next
}
{ seen = 1 }
END {
	n = seen ? ds + 1 : 0
	for (i = 0; i < n; i++)
		out = out "name_" i " = " q(name[i]) "; label_" i " = " q(i in label ? label[i] : name[i]) "; "
	print out "datasets = " n
}
