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
#include "cli.h"

/* ---- bptt grad ------------------------------------------------------------ */

static const optdef grad_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data (X, Y, optional mask M)"},
	{"--truncate", "k", "truncated BPTT: each loss term sends gradients back through its last k states (k >= 1; k >= T is full BPTT)"},
	{"-o", "FILE", "write the gradient to FILE (atomically) instead of standard output"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

typedef struct {
	const bt_model *m;
	double loss;
	const double *g, *dX;
	size_t T;
} grad_ctx;

static int grad_writer(FILE *f, const void *ctx)
{
	const grad_ctx *c = ctx;
	return bt_grad_write(f, c->m, c->loss, c->g, c->dX, c->T);
}

static int run_grad(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	size_t k = get_count("--truncate", 0, 1, ULLONG_MAX);
	double *g = malloc(m->nparams * sizeof(double));
	double *dX = malloc(d->T * d->d * sizeof(double));
	if (!g || !dX)
		die("out of memory");
	grad_ctx c = {m, 0, g, dX, d->T};
	numeric_fault(bt_gradient(m, d, k, &c.loss, g, dX), "grad");
	write_out(grad_writer, &c);
	free(g);
	free(dX);
	bt_model_free(m);
	bt_data_free(d);
	return 0;
}

const command cmd_grad = {"grad", "--model FILE --data FILE [--truncate k] [-o FILE]",
	 "Compute the loss L = sum_t mu_t * 1/2 |yhat_t - y_t|^2 and its exact gradient by\n"
	 "backpropagation through time, for every parameter block and every input\n"
	 "x_t; write them as a bptt-grad file.",
	 grad_opts, run_grad};

/* ---- bptt check ------------------------------------------------------------- */

static const optdef check_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data"},
	{"--rtol", "R", "relative tolerance (default 1e-6)"},
	{"--atol", "A", "absolute tolerance (default 1e-8 * max(1, |L|))"},
	{"--step", "H", "relative step: h = H * max(1, |theta_i|) (default eps^(1/3), or eps^(1/5) with --order 4)"},
	{"--order", "2|4", "central differences (2, default) or the five-point stencil (4)"},
	{"--directions", "N", "instead of every entry, check N random directions v: g.v against (L(theta+hv) - L(theta-hv))/2h (for big models)"},
	{"--seed", "S", "seed of the random directions"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

static void shape(char *buf, size_t len, size_t r, size_t c)
{
	snprintf(buf, len, "%zux%zu", r, c);
}

static int run_check(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	bt_check_options opt;
	bt_check_options_default(&opt);
	opt.rtol = get_real("--rtol", opt.rtol, 0, 1);
	opt.atol = get_real("--atol", opt.atol, 0, DBL_MAX);
	if (!get("--atol"))
		opt.atol = -1;
	opt.order = (int)get_count("--order", 2, 2, 4);
	if (opt.order == 3)
		die_usage("--order: 3 is not 2 or 4");
	opt.step = get_real("--step", 0, 0, 1);
	if (get("--step") && opt.step == 0)
		die_usage("--step: must be positive");
	opt.seed = get_count("--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	printf("bptt check: %s (%s", get("--model"), bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		printf(", %s", bt_activation_name(m->activation));
	printf(", d=%zu n=%zu m=%zu) on %s (T=%zu)\n", m->dims.d, m->dims.n,
	       m->dims.m, get("--data"), d->T);
	int ok;
	if (get("--directions")) {
		opt.directions = get_count("--directions", 4, 1, 64);
		bt_check_dir_result r;
		numeric_fault(bt_gradcheck_directional(m, d, &opt, &r), "check");
		printf("exact gradient g against a central difference of L along %zu random unit directions v\n",
		       r.ndir);
		printf("%-10s %-24s %-24s %-12s %s\n", "direction", "g.v (BPTT)",
		       "finite difference", "rel error", "verdict");
		for (size_t i = 0; i < r.ndir; i++)
			printf("%-10zu %-24.15g %-24.15g %-12.3g %s\n", i + 1,
			       r.exact[i], r.fd[i], r.rel[i],
			       r.agree[i] ? "ok" : "DISAGREE");
		ok = r.ok;
		printf("%s: largest relative error %.3g (rtol %g)\n",
		       ok ? "agree" : "DISAGREE", r.max_rel, opt.rtol);
	} else {
		bt_check_result r;
		numeric_fault(bt_gradcheck(m, d, &opt, &r), "check");
		printf("finite differences of order %d, step %.3g * max(1,|x|); an entry agrees when\n"
		       "|exact - fd| <= atol + rtol * max(|exact|,|fd|), with rtol %g, atol %.3g; loss %.17g\n",
		       opt.order, opt.step ? opt.step : (opt.order == 4 ? pow(DBL_EPSILON, 0.2) : cbrt(DBL_EPSILON)),
		       r.rtol, r.atol, r.loss);
		printf("%-6s %-10s %-12s %-12s %-12s %-24s %-24s %s\n", "block", "shape",
		       "max abs err", "max rel err", "worst at", "exact", "finite diff",
		       "verdict");
		for (size_t i = 0; i < r.nblocks; i++) {
			const bt_check_block *b = &r.blocks[i];
			char sh[48], at[48];
			shape(sh, sizeof sh, b->rows, b->cols);
			snprintf(at, sizeof at, "(%zu,%zu)", b->worst / b->cols + 1,
				 b->worst % b->cols + 1);
			printf("%-6s %-10s %-12.3g %-12.3g %-12s %-24.17g %-24.17g %s\n",
			       b->name, sh, b->max_abs, b->max_rel, at,
			       b->worst_exact, b->worst_fd, b->ok ? "ok" : "DISAGREE");
		}
		ok = r.ok;
		printf("%s\n", ok ? "every block agrees" : "DISAGREE: some blocks are beyond the tolerance");
	}
	bt_model_free(m);
	bt_data_free(d);
	return ok ? 0 : EXIT_DISAGREE;
}

const command cmd_check = {"check", "--model FILE --data FILE [--rtol R] [--atol A] [--step H] [--order 2|4] [--directions N]",
	 "Compare the exact BPTT gradient with finite differences of the loss,\n"
	 "entry by entry, and print per block the largest absolute and relative\n"
	 "error and where it occurs. Exit status 1 when a block disagrees.",
	 check_opts, run_check};

/* ---- bptt flow ------------------------------------------------------------------ */

static const optdef flow_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data"},
	{"--truncate", "k", "truncated BPTT with windows of k states"},
	{"-o", "FILE", "write the columns to FILE (atomically) instead of standard output"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

typedef struct {
	const bt_model *m;
	const bt_seq *q;
	size_t T;
	size_t k;
} flow_ctx;

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
		if (nrm > 0)
			fprintf(f, "%zu %.17g %.17g\n", t, nrm, log10(nrm));
		else
			fprintf(f, "%zu 0 NaN\n", t);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

static int run_flow(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	size_t k = get_count("--truncate", 0, 1, ULLONG_MAX);
	bt_seq *q;
	double L;
	if (bt_seq_alloc(&q, m, d->T) != BT_OK)
		die("out of memory");
	numeric_fault(bt_seq_forward(q, m, d, &L), "flow");
	if (k && k < d->T)
		numeric_fault(bt_seq_backward_truncated(q, m, d, k, NULL, NULL), "flow");
	else
		numeric_fault(bt_seq_backward(q, m, d, NULL, NULL), "flow");
	flow_ctx c = {m, q, d->T, k && k < d->T ? k : 0};
	write_out(flow_writer, &c);
	bt_seq_free(q);
	bt_model_free(m);
	bt_data_free(d);
	return 0;
}

const command cmd_flow = {"flow", "--model FILE --data FILE [--truncate k] [-o FILE]",
	 "Write the norm of the backpropagated gradient |dL/dh_t| for t = 1..T\n"
	 "(columns: t norm_dh log10_norm_dh).",
	 flow_opts, run_flow};
