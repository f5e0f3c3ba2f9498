#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# leaks.sh — the command under valgrind's memcheck, on success paths and on
# refusal paths: every run must end with the exit status it should have,
# no memory error and no definite or indirect leak.
#
#     bash tests/leaks.sh PATH_TO_BPTT
#
# Each run is
#     valgrind --error-exitcode=99 --leak-check=full
#              --errors-for-leak-kinds=definite,indirect
# so an error or such a leak turns the exit status into 99. A refusal ends
# through exit(), and the command frees everything it still owns before it
# does (src/cli/own.c, own/release), so memory that is still reachable at exit
# would be a bug as well: the runs also report how much is in use at exit
# and fail when it is not 0 bytes. Small sizes: about a second a run.
# Prints one line per run, then "leaks: N passed, M failed".
set -u

if [ $# -ne 1 ]; then
	echo "usage: bash tests/leaks.sh PATH_TO_BPTT" >&2
	exit 2
fi
BPTT=$1
case $BPTT in
/*) ;;
*) BPTT=$PWD/$BPTT ;;
esac
if ! command -v valgrind >/dev/null 2>&1; then
	echo "# valgrind is not installed (scripts/deps.sh installs it): no leak checks run"
	echo "leaks: 0 passed, 1 failed"
	exit 1
fi

TOP=$(mktemp -d "${TMPDIR:-/tmp}/bptt-leaks.XXXXXX") || exit 1
trap 'rm -rf "$TOP"' EXIT
cd "$TOP" || exit 1
passed=0
failed=0

# vg WANT NAME ARGS...: runs bptt under memcheck; WANT is the exit status
# the command itself should have.
vg() {
	want=$1 name=$2
	shift 2
	valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--log-file=vg.log "$BPTT" "$@" >out.txt 2>err.txt
	rc=$?
	why=""
	[ "$rc" -eq 99 ] && why="memcheck found an error or a leak"
	[ "$rc" -ne 99 ] && [ "$rc" -ne "$want" ] && why="exit status $rc, want $want: $(head -c 300 err.txt)"
	grep -q "in use at exit: 0 bytes in 0 blocks" vg.log ||
		why="${why:+$why; }$(grep -o 'in use at exit: .*' vg.log | head -1)"
	if [ -z "$why" ]; then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		echo "#   $why"
		grep -E "definitely|indirectly|Invalid|uninitialised|by 0x|at 0x" vg.log | head -12 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

"$BPTT" init --arch gru --input 2 --hidden 3 --output 2 -o gru.model
"$BPTT" init --arch rnn --input 2 --hidden 3 --output 2 -o rnn.model
"$BPTT" init --arch lstm --input 2 --hidden 3 --output 2 -o lstm.model
"$BPTT" init --arch attention --input 2 --hidden 3 --output 2 -o att.model
"$BPTT" data --input 2 --output 2 --length 6 --mask -o six.data
"$BPTT" data --input 3 --output 2 --length 6 -o d3.data
printf '%s\n' 'bptt-model 1' 'arch linear' 'dims 1 2 1' 'W 2 2' '3 0' '0 2' 'U 2 1' 1 1 \
	'b 2 1' 0 0 'V 1 2' '0.5 -0.25' 'b_y 1 1' 0.125 > boom.model
awk 'BEGIN { print "bptt-data 1"; print "X 700 1"; for (t = 1; t <= 700; t++) print 1;
	print "Y 700 1"; for (t = 1; t <= 700; t++) print 0;
	print "M 700 1"; for (t = 1; t <= 700; t++) print (t <= 40) }' > boom.data

# ---- success -----------------------------------------------------------------
vg 0 "init lstm" init --arch lstm --input 2 --hidden 3 --output 1 -o new.model
vg 0 "data --mask" data --input 2 --output 1 --length 5 --mask -o new.data
vg 0 "grad gru" grad --model gru.model --data six.data -o g.grad
vg 0 "grad attention --truncate 3" grad --model att.model --data six.data --truncate 3
vg 0 "check rnn" check --model rnn.model --data six.data
vg 0 "check --method taylor lstm" check --model lstm.model --data six.data --method taylor
vg 0 "check --sweep" check --model rnn.model --data six.data --sweep -o sweep.txt
vg 0 "check --grad FILE" check --model gru.model --data six.data --grad g.grad
vg 0 "flow --lags lstm" flow --model lstm.model --data six.data --lags --truncate 2
vg 0 "jacobian orthogonal" jacobian --arch orthogonal --hidden 4 --length 8
vg 0 "spectrum gru" spectrum --model gru.model --data six.data
vg 0 "lyapunov rnn" lyapunov --arch rnn --hidden 4 --length 40
vg 0 "bias --scalar" bias --scalar --a 0.5,-0.3 --kmax 2 --sequences 3 --length 20
vg 0 "bias on a model, two data sets" bias --arch residual --hidden 3 --length 8 --datasets 2 --kmax 3
vg 0 "clip --grad --norm -o" clip --grad g.grad --norm 0.1 -o clipped.grad
vg 0 "clip computed --value" clip --model rnn.model --data six.data --value 0.01
vg 0 "train gru --tbptt, a curve" train --task adding --length 6 --arch gru --hidden 3 --batch 2 --steps 3 \
	--eval-size 2 --tbptt 2,3 --curve t.dat -o t.model

# ---- refusals: exit() with models, data, lists and results allocated -------------
vg 2 "unknown option" grad --model gru.model --data six.data --bogus
vg 2 "not a number" init --arch rnn --input 2 --hidden x --output 1
printf 'bptt-model 1\narch rnn\ndims 2 3 2\nW 3 3\n1 2 3\n' > cut.model
vg 2 "a refused file (file:line)" grad --model cut.model --data six.data
vg 2 "data that does not fit the model" grad --model gru.model --data d3.data
vg 2 "a numeric fault, located" grad --model boom.model --data boom.data -o x.grad
BPTT_MAX_MEMORY=20K vg 2 "memory refusal" grad --model boom.model --data boom.data
BPTT_MAX_MEMORY=8K vg 2 "memory limit in the reader" grad --model boom.model --data boom.data
vg 2 "lyapunov --count above S, after model and data" lyapunov --model gru.model --data six.data --count 9
vg 2 "check --grad for another model" check --model rnn.model --data six.data --grad g.grad
vg 2 "-o into a missing directory, after computing" grad --model gru.model --data six.data -o no/such/dir.grad
vg 2 "task -o /dev/full: the task's data freed" task adding --length 5 -o /dev/full
vg 2 "bias --k 0, after the lists" bias --scalar --a 0.5,0.2 --k 2,0
vg 2 "spectrum --step beyond T" spectrum --model gru.model --data six.data --step 9
vg 2 "clip --grad with a bad threshold" clip --grad g.grad --norm -1
vg 2 "train --tbptt malformed, after the model" train --task adding --length 6 --arch lstm --hidden 3 --tbptt 1,2,3
vg 2 "train: a numeric fault after some steps" train --task linear --length 20 --arch linear --hidden 1 \
	--steps 20 --optimizer sgd --lr 1

echo "leaks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
