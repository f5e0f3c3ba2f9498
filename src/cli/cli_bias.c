/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_bias.c — bptt bias: how far truncated gradients are from the full
 * one; the spec's scalar reference fact against Monte Carlo (--scalar), and
 * relative error and cosine for any model, sliding window beside chunks. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "io/numio.h"

static const optdef bias_opts[] = {
	{"--scalar", NULL, "the spec's scalar model instead of a model (see above)"},
	{"--a", "LIST", "--scalar: values of a, comma-separated, each |a| < 1 (required)"},
	{"--b", "B", "--scalar: the input weight b (default 1)"},
	{"--s", "S", "--scalar: the standard deviation s of x_t, s >= 0 (default 1)"},
	{"--sequences", "N", "--scalar: Monte-Carlo sequences per row, N >= 2 (default 200)"},
	{"--burn-in", "B", "--scalar: masked steps before the counted ones (default, for each a: the largest k + ceil(log(1e-12) / (2 log|a|)))"},
	{"--k", "LIST", "truncation lengths k >= 1, comma-separated (default 1..kmax)"},
	{"--kmax", "K", "truncation lengths k = 1..K (default 5 with --scalar, else min(T, 20))"},
	{"--datasets", "D", "random data sets to average over (default 8; the first from --data-seed, the others from seeds derived from it); not with --data"},
	SOURCE_OPTS,
	OUTPUT_OPT("the columns"),
	HELP_OPT_END};

/* A comma-separated list of numbers; each item is checked by the caller. */
static size_t split_list(const char *name, const char *v, char ***items)
{
	size_t n = 1;
	for (const char *p = v; *p; p++)
		n += *p == ',';
	char *copy = xmalloc(strlen(v) + 1);
	char **it = xmalloc(n * sizeof(char *));
	strcpy(copy, v);
	size_t i = 0;
	for (char *p = copy;; p++) {
		it[i++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p = '\0';
	}
	for (size_t j = 0; j < n; j++)
		if (!*it[j])
			die_usage("%s: %s has an empty item", name, quoted(v));
	*items = it;
	return n;
}

static double *real_list(const cli_args *args, const char *name, size_t *n)
{
	const char *v = arg_need(args, name);
	char **it;
	*n = split_list(name, v, &it);
	double *x = xmalloc(*n * sizeof(double));
	for (size_t i = 0; i < *n; i++) {
		if (parse_real(it[i], &x[i]) != 0)
			die_usage("%s: %s is not a finite number", name, quoted(it[i]));
	}
	release(it[0]);
	release(it);
	return x;
}

/* --k LIST or --kmax K (or 1..dflt_kmax). */
static size_t *k_list(const cli_args *args, size_t dflt_kmax, size_t *n)
{
	if (arg_get(args, "--k") && arg_get(args, "--kmax"))
		die_usage("--k and --kmax: give one of them, not both");
	size_t *k;
	if (arg_get(args, "--k")) {
		const char *v = arg_get(args, "--k");
		char **it;
		*n = split_list("--k", v, &it);
		k = xmalloc(*n * sizeof(size_t));
		for (size_t i = 0; i < *n; i++) {
			const char *s = it[i];
			unsigned long long x;
			if (bt_numio_parse_whole(s, &x) != 0)
				die_usage("--k: %s is not a whole number (decimal digits)", quoted(s));
			if (x < 1 || x > (unsigned long long)BT_MAX_T)
				die_usage("--k: %s is out of range (1 to %ld)", s, BT_MAX_T);
			k[i] = (size_t)x;
		}
		release(it[0]);
		release(it);
		return k;
	}
	size_t K = arg_count(args, "--kmax", dflt_kmax, 1, 100000);
	k = xmalloc(K * sizeof(size_t));
	for (size_t i = 0; i < K; i++)
		k[i] = i + 1;
	*n = K;
	return k;
}

/* ---- --scalar -------------------------------------------------------------------- */

typedef struct {
	size_t na, nk;
	const double *a;
	const size_t *k;
	const size_t *burn;                  /* per a */
	const bt_bias_scalar_result *r;      /* na × nk */
	double b, s;
	size_t T;
	unsigned long seed;
} scalar_ctx;

static int scalar_writer(FILE *f, const void *ctx)
{
	const scalar_ctx *c = ctx;
	fprintf(f, "# a k closed_form monte_carlo stderr sequences burn_in\n");
	fprintf(f, "# scalar model h_t = a h_{t-1} + b x_t, x_t ~ N(0, s^2) i.i.d., l_t = h_t^2 / 2; b %.17g, s %.17g\n",
		c->b, c->s);
	fprintf(f, "# per counted step, E[g_k - g_full] for the gradient with respect to a, g_k the sliding window k\n");
	fprintf(f, "# closed_form = -a^(2k+1) b^2 s^2 / (1 - a^2)^2; monte_carlo the mean over the sequences of (g_k - g_full) / T, stderr its standard error\n");
	fprintf(f, "# each sequence: burn_in masked steps, then T = %zu counted steps; seed %lu (the same sequences for every k of an a)\n",
		c->T, c->seed);
	for (size_t i = 0; i < c->na; i++)
		for (size_t j = 0; j < c->nk; j++) {
			const bt_bias_scalar_result *r = &c->r[i * c->nk + j];
			put_num(f, c->a[i], 0);
			fprintf(f, "%zu ", c->k[j]);
			put_num(f, r->closed_form, 0);
			put_num(f, r->monte_carlo, 0);
			put_num(f, r->std_error, 0);
			fprintf(f, "%zu %zu\n", r->sequences, c->burn[i]);
		}
	return ferror(f) ? BT_EIO : BT_OK;
}

static int run_scalar(const cli_args *args)
{
	static const char *const not_scalar[] = {"--model", "--data", "--arch",
		"--input", "--hidden", "--output", "--activation", "--scale",
		"--radius", "--orthogonal", "--forget-bias", "--loss", "--data-seed", "--datasets", NULL};
	refuse_given(args, not_scalar, "not with --scalar (the scalar model is fixed by --a, --b, --s)");
	size_t na, nk;
	double *a = real_list(args, "--a", &na);
	for (size_t i = 0; i < na; i++)
		if (!(fabs(a[i]) < 1))
			die_usage("--a: %g: |a| must be below 1 (h has no stationary distribution otherwise)", a[i]);
	size_t *k = k_list(args, 5, &nk);
	double b = arg_real(args, "--b", 1.0, -1e150, 1e150);
	double s = arg_real(args, "--s", 1.0, 0, 1e150);
	size_t T = arg_count(args, "--length", 1000, 1, BT_MAX_T);
	size_t N = arg_count(args, "--sequences", 200, 2, 1000000000ULL);
	unsigned long seed = arg_count(args, "--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	size_t kmax = 0;
	for (size_t j = 0; j < nk; j++)
		kmax = k[j] > kmax ? k[j] : kmax;
	size_t *burn = xmalloc(na * sizeof(size_t));
	bt_bias_scalar_result *r = xmalloc(na * nk * sizeof *r);
	for (size_t i = 0; i < na; i++) {
		burn[i] = arg_get(args, "--burn-in") ? arg_count(args, "--burn-in", 0, 0, BT_MAX_T)
					   : bt_bias_scalar_burn_in(a[i], kmax);
		if (burn[i] > (size_t)BT_MAX_T || T > (size_t)BT_MAX_T - burn[i])
			die("a = %g: the burn-in (%zu steps) and --length %zu make sequences longer than 10^8 steps; give a shorter --burn-in",
			    a[i], burn[i], T);
	}
	bt_dims one = {1, 1, 1};
	for (size_t i = 0; i < na; i++)
		need_memory(bt_cell_lookup("linear"), one, burn[i] + T, 1, TASK_BIAS);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nk; j++) {
			progress_context("a = %g, k = %zu (row %zu of %zu)", a[i], k[j],
					 i * nk + j + 1, na * nk);
			numeric_fault(bt_bias_scalar(a[i], b, s, k[j], T, burn[i], N, seed,
						     &r[i * nk + j]), "bias");
		}
	scalar_ctx c = {na, nk, a, k, burn, r, b, s, T, seed};
	write_out(arg_get(args, "-o"), scalar_writer, &c);
	release(a);
	release(k);
	release(burn);
	release(r);
	return 0;
}

/* ---- any model ---------------------------------------------------------------------- */

typedef struct {
	const cli_args *args;
	const bt_model *m;
	const bt_data *d;
	const bt_bias_result *r;
	unsigned long data_seed;
	int from_file;
} model_ctx;

static int bias_writer(FILE *f, const void *ctx)
{
	const model_ctx *c = ctx;
	const bt_bias_result *r = c->r;
	fprintf(f, "# k rel_error rel_error_stderr cosine cosine_stderr chunked_rel_error chunked_rel_error_stderr chunked_cosine chunked_cosine_stderr\n");
	describe(f, c->args, c->m, c->d);
	fprintf(f, "# rel_error = |g_k - g_full| / |g_full|, cosine = cos(g_k, g_full), g the gradient over all parameters (not dL/dx)\n");
	fprintf(f, "# first the spec's sliding window (every loss term back through its last k states), then chunked (chunks [1..k], [k+1..2k], ..., gradients cut at chunk boundaries)\n");
	if (c->from_file)
		fprintf(f, "# one data set (the file): no standard errors\n");
	else
		fprintf(f, "# mean and standard error over %zu random data sets of data seed %lu\n",
			r->ndata, c->data_seed);
	for (size_t j = 0; j < r->nk; j++) {
		fprintf(f, "%zu ", r->k[j]);
		for (int h = 0; h < BT_TRUNC_METHODS; h++) {
			put_num(f, r->rel_mean[h][j], 0);
			put_num(f, r->rel_se[h][j], 0);
			put_num(f, r->cos_mean[h][j], 0);
			put_num(f, r->cos_se[h][j], h + 1 == BT_TRUNC_METHODS);
		}
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

/* The random data sets, freed together. */
typedef struct {
	size_t n;
	bt_data **d;
} datasets;

static void free_datasets(void *p)
{
	datasets *s = p;
	for (size_t i = 0; i < s->n; i++)
		bt_data_free(s->d[i]);
	free(s->d);
	free(s);
}

/* --datasets D random data sets of --length T for m: set 0 from
 * --data-seed (*dseed), set i from its stream i; one owner for all. */
static datasets *random_datasets(const cli_args *args, const bt_model *m,
				 unsigned long *dseed)
{
	size_t ndata = arg_count(args, "--datasets", 8, 1, 100000);
	size_t T = arg_count(args, "--length", 100, 1, BT_MAX_T);
	*dseed = arg_count(args, "--data-seed", 1, 0, ULONG_MAX);
	if ((double)T * (double)(m->dims.d + m->dims.m) > (double)BT_MAX_NUMBERS)
		die("--length %zu: more than 10^9 numbers of data", T);
	need_memory(m->type, m->dims, T, ndata, TASK_BIAS);
	datasets *sets = calloc(1, sizeof *sets);
	if (!sets)
		die("out of memory");
	own_with(sets, free_datasets);
	sets->d = calloc(ndata, sizeof *sets->d);
	if (!sets->d)
		die("out of memory");
	for (size_t i = 0; i < ndata; i++) {
		if (bt_data_alloc(&sets->d[i], T, m->dims.d, m->dims.m, 0) != BT_OK)
			die("cannot allocate the data");
		sets->n = i + 1;
		bt_data_random(sets->d[i], i ? bt_seed_stream(*dseed, BT_STREAM_DATASET, i, 0)
					     : *dseed);
	}
	return sets;
}

static void free_bias(void *p) { bt_bias_free(p); }

static int run_model(const cli_args *args)
{
	static const char *const only_scalar[] = {"--a", "--b", "--s", "--sequences", "--burn-in", NULL};
	refuse_given(args, only_scalar, "only with --scalar");
	task_plan plan = {TASK_BIAS, arg_get(args, "--data") ? 1
				: arg_count(args, "--datasets", 8, 1, 100000)};
	bt_model *m = build_model(args, plan);
	size_t ndata = 1;
	bt_data **data;
	unsigned long dseed = 0;
	datasets *sets = NULL;
	if (arg_get(args, "--data")) {
		if (arg_get(args, "--datasets"))
			die_usage("--datasets: not with --data FILE (that file is the one data set)");
		data = xmalloc(sizeof *data);
		data[0] = build_data(args, m, plan);
	} else {
		sets = random_datasets(args, m, &dseed);
		data = sets->d;
		ndata = sets->n;
	}
	size_t T = data[0]->T, nk;
	size_t *k = k_list(args, T < 20 ? T : 20, &nk);
	bt_bias_result *r;
	if (bt_bias_alloc(&r, k, nk, ndata) != BT_OK)
		die("out of memory");
	own_with(r, free_bias);
	int st = bt_bias_model(m, (const bt_data *const *)data, r);
	if (st == BT_ENUMERIC)   /* where: in the first data set that has a fault */
		for (size_t i = 0; i < ndata; i++) {
			bt_fault f;
			if (bt_fault_locate(m, data[i], 0, &f) == BT_OK && f.pass != BT_FAULT_NONE)
				numeric_fault_at(st, "bias", m, data[i], 0);
		}
	numeric_fault(st, "bias");
	model_ctx c = {args, m, data[0], r, dseed, arg_get(args, "--data") != NULL};
	write_out(arg_get(args, "-o"), bias_writer, &c);
	release(r);
	release(k);
	if (sets) {
		release(sets);
	} else {
		release(data[0]);
		release(data);
	}
	release(m);
	return 0;
}

static int run_bias(const cli_args *args)
{
	if (arg_get(args, "--scalar"))
		return run_scalar(args);
	return run_model(args);
}

const command cmd_bias = {"bias",
	 "--scalar --a LIST [--k LIST | --kmax K] [--b B] [--s S] [--length T] [--sequences N] [--burn-in B] [--seed S] [-o FILE [--force]]\n"
	 "       bptt bias (--model FILE [--data FILE] | --arch NAME [sizes, init options]) [--k LIST | --kmax K] [--length T] [--datasets D] [-o FILE [--force]]",
	 "How far truncated BPTT is from the full gradient.\n"
	 "\n"
	 "With --scalar: the spec's scalar model h_t = a h_{t-1} + b x_t, x_t i.i.d.\n"
	 "N(0, s^2), loss l_t = h_t^2/2, whose per-step gradient with respect to a is\n"
	 "biased under the sliding window k by exactly -a^(2k+1) b^2 s^2 / (1 - a^2)^2.\n"
	 "For each a and k, one row: that closed form next to a Monte-Carlo estimate\n"
	 "made with the library's own gradients (the linear architecture with\n"
	 "d = n = m = 1): over N sequences of burn_in masked steps then T counted steps\n"
	 "(--length, default 1000), the mean of (g_k - g_full)/T with its standard\n"
	 "error. Columns: a k closed_form monte_carlo stderr sequences burn_in.\n"
	 "--seed seeds the inputs (default 20140901); every k of an a sees the same\n"
	 "sequences.\n"
	 "\n"
	 "Otherwise, for any model: for each k, rel_error = |g_k - g_full| / |g_full|\n"
	 "and cosine = cos(g_k, g_full), g the gradient over all parameters, as the\n"
	 "mean over D random data sets of --length T (default 100; data set 0 from\n"
	 "--data-seed, as bptt data --seed makes it, data set i from a seed mixed\n"
	 "from --data-seed and i) with its standard error, or for the one --data FILE\n"
	 "(then\n"
	 "the errors are NaN). Columns: k, then rel_error rel_error_stderr cosine\n"
	 "cosine_stderr for the spec's sliding window (bptt grad --truncate k), then\n"
	 "the same four prefixed chunked_ for chunked truncation: the sequence cut into\n"
	 "chunks [1..k], [k+1..2k], ..., the state carried across, gradients cut at the\n"
	 "chunk boundaries (a term back to its chunk's start only). Both are 0 and 1\n"
	 "for k >= T; they agree at k = 1 and differ in between.",
	 bias_opts, run_bias};
