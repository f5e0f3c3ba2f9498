/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_lyapunov.c — bptt lyapunov: the leading Lyapunov exponents. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static const optdef lyapunov_opts[] = {
	SOURCE_OPTS,
	{"--count", "k", "how many exponents, 1 to the state size S (default min(S, 10))"},
	{"--burn-in", "B", "steps before the logs are summed, 0 to T-1 (default min(T/10, 1000))"},
	{"--blocks", "K", "blocks of the T-B steps for the standard error, 2 to T-B (default 10)"},
	{"--tangent-seed", "S", "seed of the random initial tangent vectors (default 1)"},
	OUTPUT_OPT("the columns"),
	HELP_OPT_END};

static int lyapunov_writer(FILE *f, const void *ctx)
{
	const result_ctx *c = ctx;
	const bt_lyapunov_result *r = c->r;
	fprintf(f, "# index exponent stderr\n");
	describe(f, c->args, c->m, c->d);
	fprintf(f, "# Lyapunov exponents of s_t = F(s_{t-1}, x_t), natural log per step, largest first;\n"
		   "# state size S %zu, k %zu, burn-in %zu steps, then %zu steps in %zu blocks,\n"
		   "# stderr = sd of the block means / sqrt(%zu); tangent seed %lu\n",
		r->S, r->k, r->burn_in, r->steps, r->K, r->K, r->seed);
	double total = 0;
	for (size_t i = 0; i < r->k; i++)
		total += r->exponent[i];
	fprintf(f, "# sum of the %zu exponents %.17g\n", r->k, total);
	for (size_t i = 0; i < r->k; i++) {
		fprintf(f, "%zu ", i + 1);
		put_num(f, r->exponent[i], 0);
		put_num(f, r->std_error[i], 1);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

static void free_lyapunov(void *p) { bt_lyapunov_free(p); }

static int run_lyapunov(const cli_args *args)
{
	/* the forms first, the ranges once S and T are known */
	unsigned long long k = arg_count(args, "--count", 0, 1, BT_MAX_T);
	unsigned long long B = arg_count(args, "--burn-in", 0, 0, BT_MAX_T - 1);
	unsigned long long K = arg_count(args, "--blocks", 10, 2, BT_MAX_T);
	unsigned long seed = arg_count(args, "--tangent-seed", 1, 0, ULONG_MAX);
	task_plan plan = {TASK_LYAPUNOV, 1};
	bt_model *m = build_model(args, plan);
	bt_data *d = build_data(args, m, plan);
	size_t S = m->state_size, T = d->T;
	if (!arg_get(args, "--count"))
		k = S < 10 ? S : 10;
	if (k > S)
		die_usage("--count %llu: more exponents than the state size S = %zu%s",
			  k, S, S != m->dims.n ? " (the state is [h; c], 2n)" : "");
	if (!arg_get(args, "--burn-in"))
		B = T / 10 < 1000 ? T / 10 : 1000;
	else if (B >= T)
		die_usage("--burn-in %llu: must be less than the length T = %zu", B, T);
	if (K > T - B)
		die_usage("%s%llu blocks: more than the %llu steps after the burn-in "
			  "(T = %zu, burn-in %llu); give fewer --blocks, a shorter --burn-in or a longer sequence",
			  arg_get(args, "--blocks") ? "--blocks: " : "the default ", K, T - B, T, B);
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	o.count = k;
	o.burn_in = (long)B;
	o.blocks = K;
	o.seed = seed;
	bt_lyapunov_result *r;
	int st = bt_lyapunov_alloc(&r, m, T, &o);
	if (st != BT_OK)
		die("lyapunov: %s", bt_strerror(st));
	own_with(r, free_lyapunov);
	st = bt_lyapunov(m, d, r);
	if (st == BT_ENUMERIC) {
		/* an exploding state: where it first overflowed */
		bt_fault f;
		if (bt_fault_locate(m, d, 0, &f) == BT_OK && f.pass == BT_FAULT_FORWARD &&
		    strncmp(f.quantity, "output", 6) && strncmp(f.quantity, "loss", 4))
			numeric_fault_at(st, "lyapunov", m, d, 0);
		die("lyapunov: a step Jacobian or a tangent vector is not finite "
		    "(the state overflowed); nothing written");
	}
	if (st == BT_ECANCELED)
		die_interrupted();
	if (st != BT_OK)
		die("lyapunov failed: %s", bt_strerror(st));
	result_ctx c = {args, m, d, r};
	write_out(arg_get(args, "-o"), lyapunov_writer, &c);
	release(r);
	release(m);
	release(d);
	return 0;
}

const command cmd_lyapunov = {"lyapunov", "(--model FILE [--data FILE] | --arch NAME [sizes, init options]) [--length T] [--count k] [--burn-in B] [--blocks K] [-o FILE [--force]]",
	 "The k leading Lyapunov exponents of the state dynamics s_t = F(s_{t-1}, x_t)\n"
	 "driven by the data's inputs (or random inputs of --length T), from s_0 = 0:\n"
	 "the average rates, natural log per step, at which the product of step\n"
	 "Jacobians J_t ... J_1 stretches (> 0) or shrinks (< 0) volumes of 1, 2, ..., k\n"
	 "dimensions. Benettin's method: k random orthonormal tangent vectors Q are\n"
	 "carried along the trajectory, Q <- J_t Q, and re-orthonormalised at every\n"
	 "step (J_t Q = Q'R, R_ii > 0); after the burn-in, exponent i is the mean of\n"
	 "ln R_ii over the remaining T-B steps. Those steps are cut into K blocks of\n"
	 "consecutive steps; stderr is the standard deviation of the K block means\n"
	 "over sqrt(K). Columns: index (1 = largest), exponent, stderr. The state is\n"
	 "h_t, or [h_t; c_t] for the lstm (S = 2n). Cost per step: the step Jacobian\n"
	 "(S x S), one S x S x k product and a thin QR; memory does not grow with T.",
	 lyapunov_opts, run_lyapunov};
