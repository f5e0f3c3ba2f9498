/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_task.c — bptt task: data sets with known baselines. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static const optdef task_opts[] = {
	{"TASK", "adding|copy|linear", "the task: the first argument that is not an option"},
	{"--length", "T", "sequence length (adding, linear; copy: 2K + D, instead of --delay)"},
	{"--seed", "S", "random seed (default 20140901); same seed, same bytes"},
	{"--symbols", "K", "copy: symbols to remember (default 10)"},
	{"--alphabet", "A", "copy: alphabet size, at least 2 (default 8)"},
	{"--delay", "D", "copy: steps from the last symbol to the go marker (or --length)"},
	{"--a", "A", "linear: h_t = a h_{t-1} + b x_t (default 0.9)"},
	{"--b", "B", "linear: input weight b (default 1)"},
	{"--s", "S", "linear: x_t ~ N(0, s^2) (default 1)"},
	OUTPUT_OPT("the data"),
	HELP_OPT_END};

static void only_for(const cli_args *args, const char *opt, int kind, int want)
{
	if (arg_get(args, opt) && kind != want)
		die_usage("%s is for the %s task, not %s", opt, bt_task_name(want),
			  bt_task_name(kind));
}

void task_from_options(const cli_args *args, const char *name,
		       bt_task_options *o)
{
	int kind = bt_task_from_name(name);
	if (kind < 0)
		die_usage("unknown task %s (adding, copy or linear)", quoted(name));
	only_for(args, "--symbols", kind, BT_TASK_COPY);
	only_for(args, "--alphabet", kind, BT_TASK_COPY);
	only_for(args, "--delay", kind, BT_TASK_COPY);
	only_for(args, "--a", kind, BT_TASK_LINEAR);
	only_for(args, "--b", kind, BT_TASK_LINEAR);
	only_for(args, "--s", kind, BT_TASK_LINEAR);

	bt_task_options_default(o);
	o->kind = kind;
	if (kind == BT_TASK_COPY) {
		o->symbols = arg_count(args, "--symbols", o->symbols, 1, BT_MAX_T);
		o->alphabet = arg_count(args, "--alphabet", o->alphabet, 2, BT_MAX_DIM - 2);
		if (!arg_get(args, "--delay") && !arg_get(args, "--length"))
			die_usage("missing --delay D (or --length T = 2K + D)");
		if (arg_get(args, "--delay")) {
			o->delay = arg_count(args, "--delay", 0, 1, BT_MAX_T);
			if (arg_get(args, "--length") &&
			    arg_count(args, "--length", 0, 1, BT_MAX_T) != 2 * o->symbols + o->delay)
				die_usage("--length must be 2K + D = %zu", 2 * o->symbols + o->delay);
		} else {
			size_t T = arg_count(args, "--length", 0, 1, BT_MAX_T);
			if (T <= 2 * o->symbols)
				die_usage("--length %zu leaves no delay: it must exceed 2K = %zu",
					  T, 2 * o->symbols);
			o->delay = T - 2 * o->symbols;
		}
	} else {
		arg_need(args, "--length");
		o->T = arg_count(args, "--length", 0, kind == BT_TASK_ADDING ? 2 : 1, BT_MAX_T);
		if (kind == BT_TASK_LINEAR) {
			o->a = arg_real(args, "--a", o->a, -1e6, 1e6);
			o->b = arg_real(args, "--b", o->b, -1e6, 1e6);
			o->s = arg_real(args, "--s", o->s, 0, 1e6);
		}
	}
}

/* The task's data within the file's 10^9 numbers and the memory limit,
 * before anything is allocated. */
static void need_task_data(const char *name, const bt_task_options *o)
{
	double T, d, m;
	if (o->kind == BT_TASK_COPY) {
		T = 2.0 * (double)o->symbols + (double)o->delay;
		d = (double)o->alphabet + 2;
		m = (double)o->alphabet;
	} else {
		T = (double)o->T;
		d = o->kind == BT_TASK_ADDING ? 2 : 1;
		m = 1;
	}
	double numbers = T * (d + m + 1);   /* X, Y and the mask */
	if (numbers > (double)BT_MAX_NUMBERS)
		die("the %s task with T=%.0f, d=%.0f, m=%.0f has %.0f numbers, more than a "
		    "file may hold (10^9)", name, T, d, m, numbers);
	need_bytes(8 * numbers, "the %s task with T=%.0f, d=%.0f, m=%.0f", name, T, d, m);
}

static int run_task(const cli_args *args)
{
	const char *name = arg_get(args, "TASK");
	if (!name)
		die_usage("missing the task: adding, copy or linear");
	bt_task_options o;
	task_from_options(args, name, &o);
	o.seed = arg_count(args, "--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	need_task_data(name, &o);
	bt_data *data;
	bt_task_info info;
	int st = bt_task_generate(&data, &o, &info);
	if (st == BT_ENUMERIC)
		die("the linear task's y overflows: choose a smaller |a| or --length");
	if (st != BT_OK)
		die("cannot make the %s task: %s", name, bt_strerror(st));
	own_data(data);
	fprintf(stderr, "# %s\n# baseline: %s\n", info.description, info.baseline);
	write_out(arg_get(args, "-o"), data_writer, data);
	release(data);
	return 0;
}

const command cmd_task = {"task", "adding|copy|linear --length T [--seed S] [--symbols K --alphabet A --delay D]\n"
	 "                 [--a A --b B --s S] [-o FILE [--force]]",
	 "Write a task with a known baseline as a data file, with a loss mask M\n"
	 "(1 where a target counts); the task and its memoryless baseline go to\n"
	 "standard error, so that -o - gives a clean file.\n\n"
	 "adding: x_t = (u_t ~ U(0,1), marker), one marker in steps 1..T/2 and one\n"
	 "in T/2+1..T; y_T = the sum of the two marked values, mask 1 at T only.\n"
	 "Predicting 1: MSE = 1/6 = 0.167 (loss 1/2 (y - 1)^2: 1/12). d = 2, m = 1.\n\n"
	 "copy: K symbols of A (one-hot, with blank and go: d = A + 2, m = A), D - 1\n"
	 "blanks, go, then recall the K symbols (mask 1 there); T = 2K + D.\n"
	 "Memoryless (predict 1/A each): |y^ - y|^2 = 1 - 1/A per recalled step.\n\n"
	 "linear: x_t ~ N(0, s^2), h_t = a h_{t-1} + b x_t, y_t = h_t (d = m = 1),\n"
	 "mask all 1. Predicting 0: MSE = mean of b^2 s^2 (1 - a^(2t))/(1 - a^2).",
	 task_opts, run_task};
