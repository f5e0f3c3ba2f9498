/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bias.c — how far truncated gradients are from the full one.
 *
 * (a) The spec's scalar reference fact, estimated with the library's own
 *     gradients: h_t = a h_{t-1} + b x_t, ℓ_t = ½ h_t², x_t i.i.d. N(0, s²).
 *     For the term at t,
 *         ∂ℓ_t/∂a = h_t Σ_{j≥0} a^j h_{t-1-j}   (full)
 *     and the window k keeps j < k only, so with E[h_t h_{t-1-j}] =
 *     a^{j+1} b²s²/(1 − a²) for stationary h,
 *         E[g_k − g_full] = −Σ_{j≥k} a^{2j+1} b²s²/(1 − a²)
 *                         = −a^{2k+1} b²s²/(1 − a²)².
 * (b) Any model: ‖g_k − g_full‖/‖g_full‖ and cos(g_k, g_full) over all
 *     parameters, for the sliding window and the chunked variant, over
 *     several data sets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "cells/cell.h"
#include "base/progress.h"
#include "core/seq_internal.h"

double bt_bias_scalar_closed(double a, double b, double s, size_t k)
{
	double v = b * b * s * s / ((1 - a * a) * (1 - a * a));
	return -pow(a, 2.0 * (double)k + 1.0) * v;
}

size_t bt_bias_scalar_burn_in(double a, size_t k)
{
	double extra = 0;
	if (a != 0 && fabs(a) < 1)
		extra = ceil(log(1e-12) / (2.0 * log(fabs(a))));
	double total = (double)k + extra;
	return total > (double)BT_MAX_T ? (size_t)BT_MAX_T + 1 : (size_t)total;
}

/* The scalar linear model: W = a, U = b, b = 0, V = 1, b_y = 0. */
static int scalar_model(bt_model **out, double a, double b)
{
	bt_dims dims = {1, 1, 1};
	const bt_cell_type *lin = bt_cell_lookup("linear");
	if (!lin)
		return BT_EINVAL;
	int st = bt_model_alloc(out, lin, dims, BT_ACT_TANH);
	if (st != BT_OK)
		return st;
	static const char *const names[5] = {"W", "U", "b", "V", "b_y"};
	const double vals[5] = {a, b, 0.0, 1.0, 0.0};
	for (int i = 0; i < 5; i++) {
		int ib = bt_model_find_block(*out, names[i]);
		if (ib < 0) {
			bt_model_free(*out);
			*out = NULL;
			return BT_EINVAL;
		}
		(*out)->theta[(*out)->blocks[ib].offset] = vals[i];
	}
	return BT_OK;
}

int bt_bias_scalar(double a, double b, double s, size_t k, size_t T,
		   size_t burn, size_t sequences, unsigned long seed,
		   bt_bias_scalar_result *res)
{
	if (!res || !(fabs(a) < 1) || !isfinite(b) || !isfinite(s) || s < 0 ||
	    k < 1 || T < 1 || sequences < 2 || burn > (size_t)BT_MAX_T ||
	    T > (size_t)BT_MAX_T - burn)
		return BT_EINVAL;
	memset(res, 0, sizeof *res);
	res->closed_form = bt_bias_scalar_closed(a, b, s, k);
	size_t len = burn + T;
	bt_model *mod = NULL;
	bt_data *D = NULL;
	bt_seq *q = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *g0 = NULL, *gk = NULL;
	bt_progress pr;
	bt_progress_begin(&pr, "sequences", sequences);
	int st = rng ? scalar_model(&mod, a, b) : BT_ENOMEM;
	if (st == BT_OK)
		st = bt_data_alloc(&D, len, 1, 1, 1);
	if (st == BT_OK)
		st = bt_seq_alloc(&q, mod, len);
	if (st == BT_OK) {
		g0 = calloc(mod->nparams, sizeof(double));
		gk = calloc(mod->nparams, sizeof(double));
		if (!g0 || !gk)
			st = BT_ENOMEM;
	}
	if (st != BT_OK)
		goto done;
	size_t iW = mod->blocks[bt_model_find_block(mod, "W")].offset;
	/* targets 0: ℓ_t = ½ h_t²; the burn-in's terms do not count */
	for (size_t t = 1; t <= len; t++) {
		D->Y[t - 1] = 0.0;
		D->M[t - 1] = t <= burn ? 0.0 : 1.0;
	}
	gsl_rng_set(rng, seed);
	/* Welford: running mean and sum of squared deviations */
	double mean = 0, m2 = 0;
	for (size_t i = 0; i < sequences; i++) {
		if ((st = bt_progress_poll(&pr, i)) != BT_OK)
			goto done;
		for (size_t t = 0; t < len; t++)
			D->X[t] = gsl_ran_gaussian_ziggurat(rng, s);
		memset(g0, 0, mod->nparams * sizeof(double));
		memset(gk, 0, mod->nparams * sizeof(double));
		if ((st = bt_seq_forward_pass(q, mod, D, NULL)) != BT_OK ||
		    (st = bt_seq_backward(q, mod, D, g0, NULL)) != BT_OK ||
		    (st = bt_seq_backward_truncated(q, mod, D, k, gk, NULL)) != BT_OK)
			goto done;
		double x = (gk[iW] - g0[iW]) / (double)T;
		if (!isfinite(x)) {
			st = BT_ENUMERIC;
			goto done;
		}
		double delta = x - mean;
		mean += delta / (double)(i + 1);
		m2 += delta * (x - mean);
	}
	res->monte_carlo = mean;
	res->std_error = sqrt(m2 / (double)(sequences - 1) / (double)sequences);
	res->sequences = sequences;
done:
	bt_progress_end(&pr);
	free(g0);
	free(gk);
	bt_seq_free(q);
	bt_data_free(D);
	bt_model_free(mod);
	gsl_rng_free(rng);
	return st;
}

/* ---- any model ------------------------------------------------------------------ */

int bt_bias_alloc(bt_bias_result **out, const size_t *k, size_t nk,
		  size_t ndata)
{
	*out = NULL;
	if (!k || nk < 1 || ndata < 1)
		return BT_EINVAL;
	for (size_t j = 0; j < nk; j++)
		if (k[j] < 1)
			return BT_EINVAL;
	bt_bias_result *r = calloc(1, sizeof *r);
	if (!r)
		return BT_ENOMEM;
	r->nk = nk;
	r->ndata = ndata;
	int ok = (r->k = malloc(nk * sizeof(size_t))) != NULL;
	for (int h = 0; h < BT_TRUNC_METHODS; h++) {
		ok &= (r->rel[h] = calloc(nk * ndata, sizeof(double))) != NULL;
		ok &= (r->cos[h] = calloc(nk * ndata, sizeof(double))) != NULL;
		ok &= (r->rel_mean[h] = calloc(nk, sizeof(double))) != NULL;
		ok &= (r->rel_se[h] = calloc(nk, sizeof(double))) != NULL;
		ok &= (r->cos_mean[h] = calloc(nk, sizeof(double))) != NULL;
		ok &= (r->cos_se[h] = calloc(nk, sizeof(double))) != NULL;
	}
	if (!ok) {
		bt_bias_free(r);
		return BT_ENOMEM;
	}
	memcpy(r->k, k, nk * sizeof(size_t));
	*out = r;
	return BT_OK;
}

/* Per data set in turn: a workspace and three gradients (the full one, a
 * truncated one, their difference). */
double bt_bias_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	if (!type)
		return 0;
	return bt_seq_size(type, dims, T) + 8 * 3 * bt_cell_param_count(type, dims);
}

void bt_bias_free(bt_bias_result *r)
{
	if (!r)
		return;
	free(r->k);
	for (int h = 0; h < BT_TRUNC_METHODS; h++) {
		free(r->rel[h]);
		free(r->cos[h]);
		free(r->rel_mean[h]);
		free(r->rel_se[h]);
		free(r->cos_mean[h]);
		free(r->cos_se[h]);
	}
	free(r);
}

/* Mean and standard error of x_0 … x_{N-1}; the error is NaN for N = 1. */
static void mean_se(const double *x, size_t N, double *mean, double *se)
{
	double m = 0;
	for (size_t i = 0; i < N; i++)
		m += x[i];
	m /= (double)N;
	double ss = 0;
	for (size_t i = 0; i < N; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = m;
	*se = N > 1 ? sqrt(ss / (double)(N - 1) / (double)N) : NAN;
}

/* One data set: the full gradient, then both truncations for every k. */
static int bias_one(const bt_model *model, const bt_data *data,
		    bt_bias_result *r, size_t i, double *gfull, double *g,
		    double *diff, const bt_progress *pr)
{
	size_t P = model->nparams;
	bt_seq *q;
	int st = bt_data_check(model, data);
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, data->T);
	if (st != BT_OK)
		return st;
	memset(gfull, 0, P * sizeof(double));
	if ((st = bt_seq_forward_pass(q, model, data, NULL)) != BT_OK ||
	    (st = bt_seq_backward(q, model, data, gfull, NULL)) != BT_OK)
		goto done;
	if (!bt_all_finite(gfull, P)) {
		st = BT_ENUMERIC;
		goto done;
	}
	double nfull = bt_vector_norm(gfull, P);
	for (size_t j = 0; j < r->nk; j++)
		for (int h = 0; h < BT_TRUNC_METHODS; h++) {
			if ((st = bt_progress_poll(pr, (i * r->nk + j) * BT_TRUNC_METHODS + (size_t)h)) != BT_OK)
				goto done;
			memset(g, 0, P * sizeof(double));
			st = h == BT_TRUNC_SLIDING
				     ? bt_seq_backward_truncated(q, model, data, r->k[j], g, NULL)
				     : bt_seq_backward_chunked(q, model, data, r->k[j], g, NULL);
			if (st != BT_OK)
				goto done;
			if (!bt_all_finite(g, P)) {
				st = BT_ENUMERIC;
				goto done;
			}
			/* ‖g_k − g_full‖/‖g_full‖, cos(g_k, g_full) */
			for (size_t p = 0; p < P; p++)
				diff[p] = g[p] - gfull[p];
			double nd = bt_vector_norm(diff, P);
			r->rel[h][j * r->ndata + i] = nfull > 0 ? nd / nfull : NAN;
			r->cos[h][j * r->ndata + i] = bt_vector_cosine(g, gfull, P);
		}
done:
	bt_seq_free(q);
	return st;
}

int bt_bias_model(const bt_model *model, const bt_data *const *data,
		  bt_bias_result *r)
{
	if (!model || !data || !r)
		return BT_EINVAL;
	size_t P = model->nparams;
	double *gfull = malloc(P * sizeof(double));
	double *g = malloc(P * sizeof(double));
	double *diff = malloc(P * sizeof(double));
	int st = gfull && g && diff ? BT_OK : BT_ENOMEM;
	bt_progress pr;
	bt_progress_begin(&pr, "truncated gradients", r->ndata * r->nk * BT_TRUNC_METHODS);
	for (size_t i = 0; st == BT_OK && i < r->ndata; i++)
		st = data[i] ? bias_one(model, data[i], r, i, gfull, g, diff, &pr)
			     : BT_EINVAL;
	bt_progress_end(&pr);
	for (size_t j = 0; st == BT_OK && j < r->nk; j++)
		for (int h = 0; h < BT_TRUNC_METHODS; h++) {
			mean_se(r->rel[h] + j * r->ndata, r->ndata,
				&r->rel_mean[h][j], &r->rel_se[h][j]);
			mean_se(r->cos[h] + j * r->ndata, r->ndata,
				&r->cos_mean[h][j], &r->cos_se[h][j]);
		}
	free(gfull);
	free(g);
	free(diff);
	return st;
}
