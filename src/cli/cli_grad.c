/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_grad.c — bptt grad, check and flow: exact gradients, the
 * finite-difference check, backpropagated norms. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "cli/cli.h"
#include "io/numio.h"

static void free_sweep(void *p) { bt_fd_sweep_free(p); }
static void free_seq(void *p) { bt_seq_free(p); }
static void free_flow(void *p) { bt_flow_free(p); }

/* ---- bptt grad ------------------------------------------------------------ */

static const optdef grad_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data (X, Y, optional mask M)"},
	{"--truncate", "k", "truncated BPTT: each loss term sends gradients back through its last k states (k >= 1; k >= T is full BPTT)"},
	OUTPUT_OPT("the gradient"),
	HELP_OPT_END};

static int run_grad(const cli_args *args)
{
	bt_model *m = load_model(args);
	bt_data *d = load_data(args, m);
	size_t k = arg_count(args, "--truncate", 0, 1, ULLONG_MAX);
	need_memory(m->type, m->dims, d->T, 1, TASK_GRADIENT);
	double *g = xmalloc(m->nparams * sizeof(double));
	double *dX = xmalloc(d->T * d->d * sizeof(double));
	double loss;
	/* k ≥ T is full BPTT: the same (fast, batched) path as no --truncate,
	 * so that the two write the same bytes */
	if (k >= d->T)
		k = 0;
	numeric_fault_at(bt_gradient(m, d, k, &loss, g, dX), "grad", m, d, k);
	write_grad(arg_get(args, "-o"), m, loss, g, dX, d->T);
	release(g);
	release(dX);
	release(m);
	release(d);
	return 0;
}

const command cmd_grad = {"grad", "--model FILE --data FILE [--truncate k] [-o FILE [--force]]",
	 "Compute the loss L = sum_t mu_t * 1/2 |yhat_t - y_t|^2 and its exact gradient by\n"
	 "backpropagation through time, for every parameter block and every input\n"
	 "x_t; write them as a bptt-grad file.",
	 grad_opts, run_grad};

/* ---- bptt check ------------------------------------------------------------- */

static const optdef check_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data"},
	{"--method", "NAME", "central (default): (L(theta+h) - L(theta-h))/2h, error O(h^2); richardson: (4 D(h/2) - D(h))/3, Richardson extrapolation of central differences, error O(h^4); stencil4: the five-point stencil, error O(h^4) (as --order 4); taylor: the Taylor-remainder test per block (see above)"},
	{"--rtol", "R", "relative tolerance (default 1e-6)"},
	{"--atol", "A", "absolute tolerance (default 1e-8 * max(1, |L|))"},
	{"--step", "H", "relative step: h = H * max(1, |theta_i|) (default eps^(1/3) for central, eps^(1/5) for richardson and stencil4)"},
	{"--order", "2|4", "central differences (2, default) or the five-point stencil (4)"},
	{"--directions", "N", "instead of every entry, check N random directions v: g.v against the method's difference along v (for big models)"},
	{"--grad", "FILE", "check this gradient (a bptt-grad file for the model and data, e.g. from bptt grad --truncate k) instead of the exact BPTT one"},
	{"--sweep", NULL, "write the V-shaped error curve instead: for h = 1e-14 ... 1 (4 per decade) along one random unit direction v, the relative error of central, richardson and stencil4 against the exact g.v, and the Taylor remainder (columns h central richardson stencil4 taylor)"},
	{"--seed", "S", "seed of the random directions"},
	{"--threads", "N", "threads of the entry-by-entry check, 1 to 64 (default: BPTT_THREADS if set, else the online processors, at most 8, and 1 for a tiny check; fewer when the memory limit needs it); the report is the same for any N"},
	{"-o", "FILE", "with --sweep: write the columns to FILE (atomically) instead of standard output"},
	FORCE_OPT,
	HELP_OPT_END};

static void shape(char *buf, size_t len, size_t r, size_t c)
{
	snprintf(buf, len, "%zux%zu", r, c);
}

/* --grad FILE: a gradient for this model and data (parameters and dX). */
static void load_given(const cli_args *args, const bt_model *m,
		       const bt_data *d, double **g, double **dX)
{
	const char *path = arg_get(args, "--grad");
	bt_model *gm;
	double loss;
	size_t T;
	bt_error e;
	if (bt_grad_read(&gm, &loss, dX, &T, path, &e) != BT_OK)
		die_error(&e);
	own_model(gm);
	own_mem(*dX);
	if (gm->type != m->type || gm->dims.d != m->dims.d ||
	    gm->dims.n != m->dims.n || gm->dims.m != m->dims.m ||
	    (bt_cell_has_activation(m->type) && gm->activation != m->activation))
		die("%s: the gradient is for another model (arch, dims or activation differ)", path);
	if (T != d->T)
		die("%s: X has %zu rows, but the data's length T is %zu", path, T, d->T);
	*g = xmalloc(m->nparams * sizeof(double));
	memcpy(*g, gm->theta, m->nparams * sizeof(double));
	release(gm);
}

static const char convention[] =
	"relative error = |exact - fd| / max(|exact|, |fd|), over entries above atol (0 below);\n"
	"exact and fd of opposite signs (either above atol) give 1 to 2: counted under opp.sign, marked '!'\n";

static int check_entries(const bt_model *m, const bt_data *d,
			 const bt_check_options *opt, const double *g,
			 const double *gX)
{
	static const char *const formula[] = {
		"central differences D(h) = (L(theta+h) - L(theta-h))/2h, error O(h^2)",
		"Richardson extrapolation (4 D(h/2) - D(h))/3 of central differences, error O(h^4)",
		"five-point stencil (-L(+2h) + 8L(+h) - 8L(-h) + L(-2h))/12h, error O(h^4)"};
	bt_check_result r;
	numeric_fault_at(bt_gradcheck_gradient(m, d, g, gX, opt, &r), "check", m, d, 0);
	printf("%s against %s,\nstep h = %.3g * max(1,|x|); an entry agrees when "
	       "|exact - fd| <= atol + rtol * max(|exact|,|fd|),\nwith rtol %g, atol %.3g; loss %.17g\n",
	       g ? "the gradient in --grad" : "exact BPTT gradient", formula[r.method],
	       r.step, r.rtol, r.atol, r.loss);
	fputs(convention, stdout);
	printf("%-6s %-10s %-12s %-12s %-12s %-24s %-24s %-9s %s\n", "block", "shape",
	       "max abs err", "max rel err", "worst at", "exact", "finite diff",
	       "opp.sign", "verdict");
	for (size_t i = 0; i < r.nblocks; i++) {
		const bt_check_block *b = &r.blocks[i];
		char sh[48], at[48], op[32];
		shape(sh, sizeof sh, b->rows, b->cols);
		snprintf(at, sizeof at, "(%zu,%zu)", b->worst / b->cols + 1,
			 b->worst % b->cols + 1);
		snprintf(op, sizeof op, "%zu%s", b->opposite, b->opposite ? " !" : "");
		printf("%-6s %-10s %-12.3g %-12.3g %-12s %-24.17g %-24.17g %-9s %s\n",
		       b->name, sh, b->max_abs, b->max_rel, at, b->worst_exact,
		       b->worst_fd, op, b->ok ? "ok" : "DISAGREE");
	}
	printf("%s\n", r.ok ? "every block agrees" : "DISAGREE: some blocks are beyond the tolerance");
	return r.ok;
}

static int check_taylor(const bt_model *m, const bt_data *d,
			const bt_check_options *opt, const double *g,
			const double *gX)
{
	bt_taylor_result r;
	numeric_fault_at(bt_gradcheck_taylor(m, d, g, gX, opt, NULL, 0, &r), "check", m, d, 0);
	printf("Taylor remainder test of the %s along one random unit direction v\n"
	       "per block (zero elsewhere), over X, and over everything (all); seed %lu:\n"
	       "  r(h) = (|L(theta+hv) - L(theta) - h g.v| + |L(theta-hv) - L(theta) + h g.v|) / 2\n"
	       "is O(h^2) when g is the gradient (slope 2 on a log-log plot) and O(h) when it\n"
	       "is not (slope 1): no step to tune. The slope is fitted by least squares over the\n"
	       "remainders above round-off (%.0e * (|L(theta)| + |L(theta+-hv)|)) within a\n"
	       "factor 100 of the smallest such h (marked * below); a block agrees when its slope\n"
	       "is at least %.1f. Loss %.17g\n",
	       g ? "gradient in --grad" : "exact BPTT gradient", opt->seed,
	       r.floor_rel, BT_TAYLOR_PASS, r.loss);
	printf("%-6s %-10s %-24s %-10s %-7s %s\n", "block", "shape", "g.v", "slope",
	       "points", "verdict");
	for (size_t i = 0; i < r.nblocks; i++) {
		const bt_taylor_block *b = &r.blocks[i];
		char sh[48];
		shape(sh, sizeof sh, b->rows, b->cols);
		printf("%-6s %-10s %-24.17g %-10.4f %-7zu %s\n", b->name, sh, b->gv,
		       b->slope, b->nused, b->ok ? "ok" : "DISAGREE");
	}
	printf("\nremainders r(h):\n%-10s", "h");
	for (size_t i = 0; i < r.nblocks; i++)
		printf(" %-11s", r.blocks[i].name);
	putchar('\n');
	for (size_t k = 0; k < r.nh; k++) {
		printf("%-10.3g", r.h[k]);
		for (size_t i = 0; i < r.nblocks; i++) {
			char c[32];
			snprintf(c, sizeof c, "%.3e%s", r.blocks[i].rem[k],
				 r.blocks[i].used[k] ? "*" : "");
			printf(" %-11s", c);
		}
		putchar('\n');
	}
	printf("%s\n", r.ok ? "every block agrees (slope >= 1.9)"
			    : "DISAGREE: some blocks have a slope below 1.9 (or too few points above round-off)");
	return r.ok;
}

typedef struct {
	const cli_args *args;
	const bt_model *m;
	const bt_data *d;
	const bt_fd_sweep *s;
	unsigned long seed;
} sweep_ctx;

static int sweep_writer(FILE *f, const void *ctx)
{
	const sweep_ctx *c = ctx;
	const bt_fd_sweep *s = c->s;
	fprintf(f, "# h central richardson stencil4 taylor\n");
	describe(f, c->args, c->m, c->d);
	fprintf(f, "# along one random unit direction v over all parameters and inputs (seed %lu): exact g.v %.17g, loss %.17g\n",
		c->seed, s->exact, s->loss);
	fprintf(f, "# central, richardson, stencil4: relative error |fd - g.v| / max(|fd|, |g.v|) of\n"
		   "#   D(h) = (L(theta+hv) - L(theta-hv))/2h, (4 D(h/2) - D(h))/3 (= the stencil at h/2),\n"
		   "#   (-L(+2h) + 8L(+h) - 8L(-h) + L(-2h))/12h\n"
		   "# taylor: r(h) = (|L(theta+hv) - L(theta) - h g.v| + |L(theta-hv) - L(theta) + h g.v|) / 2\n");
	for (size_t i = 0; i < s->nh; i++) {
		put_num(f, s->h[i], 0);
		put_num(f, s->central[i], 0);
		put_num(f, s->richardson[i], 0);
		put_num(f, s->stencil4[i], 0);
		put_num(f, s->taylor[i], 1);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

/* The checker's threads: --threads N, else BPTT_THREADS, else the
 * library's default; then as many as the memory limit allows (each one
 * past the first copies the model and data and has a workspace: about
 * what bptt flow needs). */
static void check_threads(const cli_args *args, const bt_model *m,
			  const bt_data *d, bt_check_options *opt)
{
	const char *env = getenv("BPTT_THREADS");
	if (arg_get(args, "--threads")) {
		opt->threads = arg_count(args, "--threads", 0, 1, 64);
	} else if (env && *env) {
		unsigned long long k;
		if (bt_numio_parse_whole(env, &k) != 0 || k < 1 || k > 64)
			die_usage("BPTT_THREADS: %s is not a number of threads (1 to 64)", quoted(env));
		opt->threads = k;
	}
	size_t k = bt_check_threads(m, d, opt);
	double lim = bt_memory_limit();
	if (lim > 0 && k > 1) {
		double base = task_memory(m->type, m->dims, d->T, 1, TASK_CHECK);
		double one = task_memory(m->type, m->dims, d->T, 1, TASK_FLOW);
		while (k > 1 && base + (double)(k - 1) * one > lim)
			k--;
	}
	opt->threads = k;
}

/* The check's options, checked against each other; whether the method is
 * taylor. */
static int check_options(const cli_args *args, bt_check_options *opt)
{
	bt_check_options_default(opt);
	opt->rtol = arg_real(args, "--rtol", opt->rtol, 0, 1);
	opt->atol = arg_real(args, "--atol", opt->atol, 0, DBL_MAX);
	if (!arg_get(args, "--atol"))
		opt->atol = -1;
	opt->order = (int)arg_count(args, "--order", 2, 2, 4);
	if (opt->order == 3)
		die_usage("--order: 3 is not 2 or 4");
	opt->step = arg_real(args, "--step", 0, 0, 1);
	if (arg_get(args, "--step") && opt->step == 0)
		die_usage("--step: must be positive");
	opt->seed = arg_count(args, "--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	const char *meth = arg_get(args, "--method");
	int taylor = meth && !strcmp(meth, "taylor");
	if (meth && !taylor) {
		opt->method = bt_fd_method_from_name(meth);
		if (opt->method < 0)
			die_usage("--method: unknown method %s (central, richardson, stencil4 or taylor)", quoted(meth));
		if (opt->order == 4 && opt->method != BT_FD_STENCIL4)
			die_usage("--order 4 is the stencil4 method, not %s", meth);
	}
	static const char *const tuning[] = {"--order", "--step", "--rtol", "--atol",
		"--directions", NULL};
	static const char *const not_sweep[] = {"--method", "--order", "--step", "--rtol",
		"--atol", "--directions", "--grad", NULL};
	if (taylor && arg_first(args, tuning))
		die_usage("--method taylor takes no --order, --step, --rtol, --atol or --directions (it has no step to tune)");
	if (arg_get(args, "--sweep") && arg_first(args, not_sweep))
		die_usage("--sweep compares every method over h with the exact gradient: no --method, --order, --step, --rtol, --atol, --directions or --grad");
	if (arg_get(args, "-o") && !arg_get(args, "--sweep"))
		die_usage("-o: only with --sweep (the check's report goes to standard output)");
	if (arg_get(args, "--grad") && arg_get(args, "--directions"))
		die_usage("--grad: not with --directions");
	if (arg_get(args, "--threads") &&
	    (taylor || arg_get(args, "--sweep") || arg_get(args, "--directions")))
		die_usage("--threads: only for the entry-by-entry check (not with --method taylor, --sweep or --directions)");
	return taylor;
}

/* --sweep: the columns over h, to -o FILE or standard output. */
static void check_sweep(const cli_args *args, const bt_model *m,
			const bt_data *d, const bt_check_options *opt)
{
	bt_fd_sweep *s;
	size_t nh = 57;
	if (bt_fd_sweep_alloc(&s, nh) != BT_OK)
		die("out of memory");
	own_with(s, free_sweep);
	for (size_t i = 0; i < nh; i++)
		s->h[i] = pow(10.0, -14.0 + (double)i / 4);
	numeric_fault_at(bt_gradcheck_sweep(m, d, opt, s), "check --sweep", m, d, 0);
	sweep_ctx c = {args, m, d, s, opt->seed};
	write_out(arg_get(args, "-o"), sweep_writer, &c);
	release(s);
}

/* --directions N: g.v against the method's difference along N random v. */
static int check_directions(const cli_args *args, const bt_model *m,
			    const bt_data *d, bt_check_options *opt)
{
	opt->directions = arg_count(args, "--directions", 4, 1, 64);
	bt_check_dir_result r;
	numeric_fault_at(bt_gradcheck_directional(m, d, opt, &r), "check", m, d, 0);
	printf("exact gradient g against %s differences of L along %zu random unit directions v\n",
	       bt_fd_method_name(opt->order == 4 ? BT_FD_STENCIL4 : opt->method), r.ndir);
	printf("relative error = |g.v - fd| / max(|g.v|, |fd|)\n");
	printf("%-10s %-24s %-24s %-12s %s\n", "direction", "g.v (BPTT)",
	       "finite difference", "rel error", "verdict");
	for (size_t i = 0; i < r.ndir; i++)
		printf("%-10zu %-24.15g %-24.15g %-12.3g %s%s\n", i + 1,
		       r.exact[i], r.fd[i], r.rel[i],
		       r.agree[i] ? "ok" : "DISAGREE",
		       r.exact[i] * r.fd[i] < 0 ? " (opposite signs !)" : "");
	printf("%s: largest relative error %.3g (rtol %g)\n",
	       r.ok ? "agree" : "DISAGREE", r.max_rel, opt->rtol);
	return r.ok;
}

static int run_check(const cli_args *args)
{
	hold_stdout();   /* the report's first line waits for the computation */
	bt_model *m = load_model(args);
	bt_data *d = load_data(args, m);
	need_memory(m->type, m->dims, d->T, 1, TASK_CHECK);
	bt_check_options opt;
	int taylor = check_options(args, &opt);
	if (arg_get(args, "--sweep")) {
		check_sweep(args, m, d, &opt);
		release(m);
		release(d);
		return 0;
	}
	double *g = NULL, *gX = NULL;
	if (arg_get(args, "--grad"))
		load_given(args, m, d, &g, &gX);
	printf("bptt check: %s (%s", arg_get(args, "--model"), bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		printf(", %s", bt_activation_name(m->activation));
	printf(", d=%zu n=%zu m=%zu) on %s (T=%zu)\n", m->dims.d, m->dims.n,
	       m->dims.m, arg_get(args, "--data"), d->T);
	int ok;
	if (taylor) {
		ok = check_taylor(m, d, &opt, g, gX);
	} else if (arg_get(args, "--directions")) {
		ok = check_directions(args, m, d, &opt);
	} else {
		check_threads(args, m, d, &opt);
		ok = check_entries(m, d, &opt, g, gX);
	}
	release(g);
	release(gX);
	release(m);
	release(d);
	return ok ? 0 : EXIT_DISAGREE;
}

const command cmd_check = {"check", "--model FILE --data FILE [--method central|richardson|stencil4|taylor] [--rtol R] [--atol A] [--step H] [--order 2|4] [--directions N] [--grad FILE] [--seed S] [--threads N] | --sweep [-o FILE [--force]]",
	 "Compare the exact BPTT gradient (or the one in --grad FILE) with finite\n"
	 "differences of the loss, entry by entry, and print per block the largest\n"
	 "absolute and relative error, where it occurs, and how many entries have the\n"
	 "opposite sign. Exit status 1 when a block disagrees.\n\n"
	 "--method taylor instead checks, per block, that the Taylor remainder\n"
	 "r(h) = |L(theta+hv) - L(theta) - h g.v| (both sides averaged) falls as h^2 (slope 2:\n"
	 "a right gradient) and not as h (slope 1: a wrong one), for h = 1e-1 ... 1e-8;\n"
	 "it prints the remainders and the fitted slopes.\n\n"
	 "--sweep writes data instead of a verdict: the error of each finite-difference\n"
	 "formula as h varies over 14 decades, the V-shaped curve of truncation (falling\n"
	 "as h^2 or h^4) against round-off (rising as eps/h).",
	 check_opts, run_check};

/* ---- bptt flow ------------------------------------------------------------------ */

static const optdef flow_opts[] = {
	SOURCE_OPTS,
	{"--truncate", "k", "truncated BPTT with windows of k states: the first dataset is the truncated flow; with --lags, the _trunc columns"},
	{"--lags", NULL, "add three datasets after the first: steps (log10 |dL/dh_t| full and truncated, side by side), lag_profile (one loss term's gradient at h and x over the lag tau) and lag_gradient (the lag-tau part of dL/dtheta)"},
	{"--term", "t", "with --lags: the loss term l_t of the lag profile (default: the last step whose term counts, T without a mask)"},
	OUTPUT_OPT("the columns"),
	HELP_OPT_END};

typedef struct {
	const cli_args *args;
	const bt_model *m;
	const bt_data *d;
	const bt_seq *q;
	size_t T;
	size_t k;
	const bt_flow_result *r;   /* with --lags */
} flow_ctx;

static void lag_datasets(FILE *f, const flow_ctx *c)
{
	const bt_flow_result *r = c->r;
	const bt_model *m = c->m;
	int rest = r->S > r->n;
	char ks[96];
	if (r->k < r->T)
		snprintf(ks, sizeof ks, "truncated with k = %zu", r->k);
	else
		snprintf(ks, sizeof ks, "not truncated (no --truncate, or k >= T): _trunc = full");

	fprintf(f, "\n\n# steps\n# t log10_dh log10_dh_trunc%s\n",
		rest ? " log10_dc log10_dc_trunc" : "");
	describe(f, c->args, m, c->d);
	fprintf(f, "# log10 |dL/dh_t| by full BPTT and %s (the sum over the loss terms whose window holds s_t)%s; -inf: exactly zero\n",
		ks, rest ? "; dc: the cell state c_t" : "");
	for (size_t t = 1; t <= r->T; t++) {
		fprintf(f, "%zu ", t);
		put_num(f, r->log10_dh[t - 1], 0);
		put_num(f, r->log10_dh_trunc[t - 1], !rest);
		if (rest) {
			put_num(f, r->log10_dc[t - 1], 0);
			put_num(f, r->log10_dc_trunc[t - 1], 1);
		}
	}

	fprintf(f, "\n\n# lag_profile\n# tau t log10_dh log10_dh_trunc log10_dx log10_dx_trunc log10_dx_rec log10_dx_direct%s\n",
		rest ? " log10_dc log10_dc_trunc" : "");
	describe(f, c->args, m, c->d);
	fprintf(f, "# the single loss term l_T' at T' = %zu: |d l_T'/dh_t| and |d l_T'/dx_t| at t = T' - tau, full and %s;\n"
		   "# dx_rec: the part through the states, dx_direct: the part that reads x_t directly (attention's\n"
		   "# scores and context; -inf for the others), which truncation keeps\n", r->term, ks);
	for (size_t tau = 0; tau < r->term; tau++) {
		fprintf(f, "%zu %zu ", tau, r->term - tau);
		put_num(f, r->lag_dh[tau], 0);
		put_num(f, r->lag_dh_trunc[tau], 0);
		put_num(f, r->lag_dx[tau], 0);
		put_num(f, r->lag_dx_trunc[tau], 0);
		put_num(f, r->lag_dx_rec[tau], 0);
		put_num(f, r->lag_dx_direct[tau], !rest);
		if (rest) {
			put_num(f, r->lag_dc[tau], 0);
			put_num(f, r->lag_dc_trunc[tau], 1);
		}
	}

	fprintf(f, "\n\n# lag_gradient\n# tau log10_norm");
	for (size_t b = 0; b < m->nblocks; b++)
		fprintf(f, " log10_%s", m->blocks[b].name);
	fputc('\n', f);
	describe(f, c->args, m, c->d);
	fprintf(f, "# the lag-tau part of dL/dtheta: sum over the loss terms l_t of the parameter gradient of step t - tau,\n"
		   "# = g(k = tau+1) - g(k = tau) for truncated gradients g(k) (g(0) = 0); the parts sum to dL/dtheta.\n"
		   "# log10_norm over all parameters, then per block; V, b_y (and attention's W_a, V_c) are lag 0 only\n");
	for (size_t tau = 0; tau < r->T; tau++) {
		fprintf(f, "%zu ", tau);
		put_num(f, r->lag_grad[tau], m->nblocks == 0);
		for (size_t b = 0; b < m->nblocks; b++)
			put_num(f, r->lag_grad_block[tau * m->nblocks + b], b + 1 == m->nblocks);
	}
}

static int flow_writer(FILE *f, const void *ctx)
{
	const flow_ctx *c = ctx;
	size_t n = c->m->dims.n;
	fprintf(f, "# backpropagated gradient norms, arch %s, T %zu, %s\n",
		bt_cell_name(c->m->type), c->T, c->k ? "truncated" : "full BPTT");
	if (c->k)
		fprintf(f, "# truncate %zu\n", c->k);
	fprintf(f, "# t norm_dh log10_norm_dh\n");
	for (size_t t = 1; t <= c->T; t++) {
		const double *dh = bt_seq_dstate(c->q, t);
		double nrm = cblas_dnrm2((int)n, dh, 1);
		if (nrm > 0) {
			fprintf(f, "%zu ", t);
			put_num(f, nrm, 0);
			put_num(f, log10(nrm), 1);
		} else
			fprintf(f, "%zu 0 NaN\n", t);
	}
	if (c->r)
		lag_datasets(f, c);
	return ferror(f) ? BT_EIO : BT_OK;
}

static int run_flow(const cli_args *args)
{
	task_plan plan = {arg_get(args, "--lags") ? TASK_FLOW_LAGS : TASK_FLOW, 1};
	bt_model *m = build_model(args, plan);
	bt_data *d = build_data(args, m, plan);
	size_t k = arg_count(args, "--truncate", 0, 1, ULLONG_MAX);
	if (arg_get(args, "--term") && !arg_get(args, "--lags"))
		die_usage("--term: only with --lags");
	size_t term = arg_count(args, "--term", 0, 1, d->T);
	bt_seq *q;
	double L;
	if (bt_seq_alloc(&q, m, d->T) != BT_OK)
		die("out of memory");
	own_with(q, free_seq);
	numeric_fault_at(bt_seq_forward(q, m, d, &L), "flow", m, d, k);
	if (k && k < d->T)
		numeric_fault(bt_seq_backward_truncated(q, m, d, k, NULL, NULL), "flow");
	else
		numeric_fault(bt_seq_backward(q, m, d, NULL, NULL), "flow");
	bt_flow_result *r = NULL;
	if (arg_get(args, "--lags")) {
		if (bt_flow_alloc(&r, m, d->T) != BT_OK)
			die("out of memory");
		own_with(r, free_flow);
		numeric_fault_at(bt_flow_lags(m, d, k, term, r), "flow --lags", m, d, k);
	}
	flow_ctx c = {args, m, d, q, d->T, k && k < d->T ? k : 0, r};
	write_out(arg_get(args, "-o"), flow_writer, &c);
	release(r);
	release(q);
	release(m);
	release(d);
	return 0;
}

const command cmd_flow = {"flow", "(--model FILE [--data FILE] | --arch NAME [sizes, init options]) [--length T] [--truncate k] [--lags [--term t]] [-o FILE [--force]]",
	 "Write the norm of the backpropagated gradient |dL/dh_t| for t = 1..T\n"
	 "(columns: t norm_dh log10_norm_dh; with --truncate k, the truncated one).\n\n"
	 "With --lags, three more datasets follow (gnuplot: index \"steps\" and so on),\n"
	 "all as log10 norms kept finite however far they vanish or explode (-inf only\n"
	 "for an exact zero), full BPTT and truncated (--truncate k) side by side:\n"
	 "  steps         t log10_dh log10_dh_trunc [log10_dc log10_dc_trunc for the lstm's c_t]\n"
	 "  lag_profile   tau t log10_dh log10_dh_trunc log10_dx log10_dx_trunc log10_dx_rec\n"
	 "                log10_dx_direct [log10_dc log10_dc_trunc]: the single loss term l_T'\n"
	 "                (T' = --term) at h_{T'-tau} and x_{T'-tau}, tau = 0..T'-1; for x the\n"
	 "                part through the states (rec) and the part attention reads directly\n"
	 "  lag_gradient  tau log10_norm log10_BLOCK...: the lag-tau part of dL/dtheta, the sum\n"
	 "                over loss terms l_t of step t-tau's parameter gradient, which equals\n"
	 "                g(k=tau+1) - g(k=tau) for truncated gradients; over all parameters,\n"
	 "                then per block (log10_W is the lag-tau part of dL/dW).\n"
	 "Cost O(T^2) steps.",
	 flow_opts, run_flow};
