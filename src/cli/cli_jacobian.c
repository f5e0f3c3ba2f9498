/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_jacobian.c — bptt jacobian: norms of Jacobian products over lags. */
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

/* ---- bptt jacobian ------------------------------------------------------------- */

static const optdef jacobian_opts[] = {
	SOURCE_OPTS,
	{"--no-step-norms", NULL, "skip the 2-norms of the step Jacobians (columns 5 and 7 are then NaN) unless the bound needs them (gru, lstm): faster"},
	OUTPUT_OPT("the columns"),
	HELP_OPT_END};

static int jacobian_writer(FILE *f, const void *ctx)
{
	const result_ctx *c = ctx;
	const bt_jacobian_result *r = c->r;
	fprintf(f, "# lag log10_norm2 log10_normF log10_bound log10_prod_steps t log10_step_norm2\n");
	describe(f, c->args, c->m, c->d);
	fprintf(f, "# rows: lag tau = 1..T of ds_T/ds_{T-tau}; t = T - tau + 1 and the norm of its step Jacobian J_t\n");
	if (!isnan(r->log10_smax))
		fprintf(f, "# s_max(W) %.17g, L_phi %.17g\n", pow(10, r->log10_smax), r->lipschitz);
	for (size_t tau = 1; tau <= r->T; tau++) {
		fprintf(f, "%zu ", tau);
		put_num(f, r->log10_norm2[tau - 1], 0);
		put_num(f, r->log10_normF[tau - 1], 0);
		put_num(f, r->log10_bound[tau - 1], 0);
		put_num(f, r->log10_prod_steps[tau - 1], 0);
		fprintf(f, "%zu ", r->T - tau + 1);
		put_num(f, r->log10_step[r->T - tau], 1);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

static void free_jacobian(void *p) { bt_jacobian_free(p); }

static int run_jacobian(const cli_args *args)
{
	task_plan plan = {TASK_JACOBIAN, 1};
	bt_model *m = build_model(args, plan);
	bt_data *d = build_data(args, m, plan);
	bt_jacobian_result *r;
	if (bt_jacobian_alloc(&r, d->T) != BT_OK)
		die("out of memory");
	own_with(r, free_jacobian);
	r->skip_steps = arg_get(args, "--no-step-norms") != NULL;
	numeric_fault_at(bt_jacobian_lags(m, d, r), "jacobian", m, d, 0);
	result_ctx c = {args, m, d, r};
	write_out(arg_get(args, "-o"), jacobian_writer, &c);
	release(r);
	release(m);
	release(d);
	return 0;
}

const command cmd_jacobian = {"jacobian", "(--model FILE [--data FILE] | --arch NAME [sizes, init options]) [--length T] [-o FILE [--force]]",
	 "Norms of the Jacobian products ds_T/ds_{T-tau} = J_T ... J_{T-tau+1} for every\n"
	 "lag tau = 1..T (T the data's length), as base-10 logarithms that stay finite\n"
	 "however far the products vanish or explode (the product is renormalised at\n"
	 "every step). Columns: lag, log10 of the 2-norm and of the Frobenius norm,\n"
	 "log10_bound the upper bound that applies (tau*log10(L_phi*s_max(W)) for rnn,\n"
	 "linear, orthogonal and attention; tau*log10(1 + L_phi*s_max(W)) for residual;\n"
	 "the sum of log10|J_t|_2 over the lag's steps for gru and lstm),\n"
	 "log10_prod_steps that sum for every architecture, then t = T - tau + 1 and\n"
	 "log10 |J_t|_2. The state is h_t, or [h_t; c_t] for the lstm.",
	 jacobian_opts, run_jacobian};
