/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_spectrum.c — bptt spectrum: singular values, eigenvalues, departure
 * from normality of the recurrent matrix, and the norms of its powers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_matrix.h>
#include "cli/cli.h"

static const optdef spectrum_opts[] = {
	SOURCE_OPTS,
	{"--step", "t", "the step Jacobian J_t at this step (1..T) instead of W; gated cells: default T"},
	OUTPUT_OPT("the datasets"),
	HELP_OPT_END};

typedef struct {
	const cli_args *args;
	const bt_model *m;
	const bt_data *d;
	const bt_spectrum_result *r;
	int is_w;
	size_t step;
} spec_ctx;

static void what(FILE *f, const spec_ctx *c)
{
	describe(f, c->args, c->m, c->d);
	if (c->is_w)
		fprintf(f, "# matrix: the recurrent matrix W (%zu x %zu)\n", c->r->n, c->r->n);
	else
		fprintf(f, "# matrix: the step Jacobian J_t = ds_t/ds_{t-1} at t = %zu (%zu x %zu)\n",
			c->step, c->r->n, c->r->n);
}

static int spectrum_writer(FILE *f, const void *ctx)
{
	const spec_ctx *c = ctx;
	const bt_spectrum_result *r = c->r;
	fprintf(f, "# values\n# index sv eig_re eig_im eig_abs\n");
	what(f, c);
	fprintf(f, "# sv: singular values, largest first; eigenvalues by modulus, largest first\n");
	for (size_t i = 0; i < r->n; i++) {
		fprintf(f, "%zu ", i + 1);
		put_num(f, r->sv[i], 0);
		put_num(f, r->eig_re[i], 0);
		put_num(f, r->eig_im[i], 0);
		put_num(f, hypot(r->eig_re[i], r->eig_im[i]), 1);
	}
	fprintf(f, "\n\n# summary\n# radius smax henrici normF henrici_rel\n");
	fprintf(f, "# henrici = sqrt(|A|_F^2 - sum |lambda_i|^2), 0 for a normal matrix; henrici_rel = henrici/normF\n");
	put_num(f, r->radius, 0);
	put_num(f, r->smax, 0);
	put_num(f, r->henrici, 0);
	put_num(f, r->normF, 0);
	put_num(f, r->normF > 0 ? r->henrici / r->normF : 0.0, 1);
	if (r->T > 0) {
		fprintf(f, "\n\n# powers\n# t log10_norm_power log10_radius_power log10_smax_power\n");
		fprintf(f, "# log10 |W^t|_2 and the bounds t*log10(rho) <= it <= t*log10(s_max), t = 1..%zu\n", r->T);
		for (size_t t = 1; t <= r->T; t++) {
			fprintf(f, "%zu ", t);
			put_num(f, r->log10_norm_power[t - 1], 0);
			put_num(f, r->log10_radius_power[t - 1], 0);
			put_num(f, r->log10_smax_power[t - 1], 1);
		}
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

static void free_matrix(void *p) { gsl_matrix_free(p); }
static void free_spectrum(void *p) { bt_spectrum_free(p); }

static int run_spectrum(const cli_args *args)
{
	task_plan plan = {TASK_SPECTRUM, 1};
	bt_model *m = build_model(args, plan);
	bt_data *d = build_data(args, m, plan);
	size_t step = arg_count(args, "--step", 0, 1, BT_MAX_T);
	if (step > d->T)
		die_usage("--step %zu: beyond the data's length T = %zu", step, d->T);
	gsl_matrix *A;
	int is_w;
	numeric_fault_at(bt_spectrum_source(m, d, step, &A, &is_w), "spectrum", m, d, 0);
	own_with(A, free_matrix);
	bt_spectrum_result *r;
	if (bt_spectrum_alloc(&r, A->size1, is_w ? d->T : 0) != BT_OK)
		die("out of memory");
	own_with(r, free_spectrum);
	numeric_fault(bt_spectrum_matrix(A, r), "spectrum");
	spec_ctx c = {args, m, d, r, is_w, step ? step : d->T};
	write_out(arg_get(args, "-o"), spectrum_writer, &c);
	release(r);
	release(A);
	release(m);
	release(d);
	return 0;
}

const command cmd_spectrum = {"spectrum", "(--model FILE [--data FILE] | --arch NAME [sizes, init options]) [--length T] [--step t] [-o FILE [--force]]",
	 "Spectrum of the recurrent matrix: W for rnn, linear, residual and attention,\n"
	 "the Cayley W for orthogonal; for gru and lstm (no single W) the step Jacobian\n"
	 "J_t = ds_t/ds_{t-1} at step t after a forward pass over the data (--step,\n"
	 "default t = T; --step also selects J_t for the others). Three datasets,\n"
	 "each opened by a '# name' line for gnuplot's index \"name\":\n"
	 "  values:  index, singular values sv (largest first), eigenvalues eig_re,\n"
	 "           eig_im, eig_abs (largest modulus first, conjugate pairs together)\n"
	 "  summary: radius (spectral radius rho), smax (largest singular value),\n"
	 "           henrici (departure from normality sqrt(|W|_F^2 - sum |lambda_i|^2),\n"
	 "           0 for a normal W), normF (|W|_F), henrici_rel = henrici/normF\n"
	 "  powers:  (when the matrix is W) t = 1..T (T = --length or the data's\n"
	 "           length), log10 |W^t|_2, t*log10(rho) and t*log10(s_max); the\n"
	 "           powers are renormalised, so the logs stay finite however far\n"
	 "           W^t under- or overflows. A non-normal W can have rho < 1 and\n"
	 "           still |W^t|_2 > 1 for a while (see bptt init --structure).",
	 spectrum_opts, run_spectrum};
