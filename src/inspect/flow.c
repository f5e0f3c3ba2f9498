/* SPDX-License-Identifier: GPL-3.0-or-later */
/* flow.c — how the gradient flows back through time, and which lags the
 * parameter gradient is made of.
 *
 * Write δ^{(j)}_t = ∂ℓ_t/∂s_{t−j} for the gradient of the loss term at time
 * t at the state j steps before it (through the recurrence; at j = 0 it is
 * the readout's Vᵀ μ_t (ŷ_t − y_t), plus the extra readout's ∂/∂h_t):
 *
 *     δ^{(0)}_t = ∂ℓ_t/∂s_t,        δ^{(j+1)}_t = J_{t−j}ᵀ δ^{(j)}_t
 *
 * Everything here is a sum of these:
 *
 *   δs_u (full BPTT)           = Σ_{t ≥ u} δ^{(t−u)}_t
 *   δs_u (truncated, k)        = Σ_{u ≤ t < u+k} δ^{(t−u)}_t
 *   lag profile of the term t* : δ^{(τ)}_{t*} and the step's ∂/∂x_{t*−τ}
 *   lag-τ part of ∂L/∂θ        = Σ_t (step t−τ's ∂/∂θ given δ^{(τ)}_t)
 *                              = g_{k=τ+1} − g_{k=τ}   (g_0 = 0, g_k the
 *                                truncated gradient, g_{k≥T} the full one)
 *
 * so one pass over the lags j = 0, 1, …, T−1 carries every term's δ one
 * step further back: O(T²·step) time, O(T·state) memory; the lag-j bucket
 * of ∂L/∂θ is complete when lag j is done. The readout's own parameters
 * (V, b_y, and attention's W_a, V_c) belong to lag 0.
 *
 * Every vector that can under- or overflow is kept renormalised, v = 10^ℓ ṽ
 * with ‖ṽ‖ = 1, so the log10 norms stay finite however far the gradients
 * vanish; only an exactly zero vector gives −inf. A bucket of ∂L/∂θ is
 * accumulated in the scale of its largest term; a term more than 10^280
 * below it is carried on (its δ keeps going back) but its share of that
 * bucket, which cannot change a double, is left out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "base/progress.h"
#include "core/seq_internal.h"

#define DROP (-280.0)   /* log10 of the smallest share a bucket keeps */

int bt_flow_alloc(bt_flow_result **out, const bt_model *model, size_t T)
{
	*out = NULL;
	if (!model || T < 1 || T > (size_t)BT_MAX_T)
		return BT_EINVAL;
	bt_flow_result *r = calloc(1, sizeof *r);
	if (!r)
		return BT_ENOMEM;
	r->T = T;
	r->S = model->state_size;
	r->n = model->dims.n;
	r->nblocks = model->nblocks;
	int rest = r->S > r->n;
	double **v[] = {&r->log10_dh, &r->log10_dh_trunc, &r->lag_dh,
			&r->lag_dh_trunc, &r->lag_dx, &r->lag_dx_trunc,
			&r->lag_dx_rec, &r->lag_dx_direct, &r->lag_grad};
	double **c[] = {&r->log10_dc, &r->log10_dc_trunc, &r->lag_dc,
			&r->lag_dc_trunc};
	int ok = 1;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		ok &= (*v[i] = malloc(T * sizeof(double))) != NULL;
	for (size_t i = 0; rest && i < sizeof c / sizeof c[0]; i++)
		ok &= (*c[i] = malloc(T * sizeof(double))) != NULL;
	r->lag_grad_block = malloc(T * r->nblocks * sizeof(double));
	if (!ok || !r->lag_grad_block) {
		bt_flow_free(r);
		return BT_ENOMEM;
	}
	*out = r;
	return BT_OK;
}

/* Two workspaces (the forward pass kept, the backward passes); δ, the full
 * and the truncated sums (T×S each); the per-lag norms of the result and
 * the per-block ones; the direct ∂ℓ/∂x; three parameter-sized scratch
 * buffers. */
double bt_flow_lags_size(const bt_cell_type *type, bt_dims dims, size_t T_in)
{
	if (!type)
		return 0;
	double T = (double)T_in, S = (double)type->state_size(&dims);
	return 2 * bt_seq_size(type, dims, T_in) +
	       8 * (3 * T * S + T * (16 + (double)BT_MAX_BLOCKS) + T * (double)dims.d +
		    3 * bt_cell_param_count(type, dims));
}

void bt_flow_free(bt_flow_result *r)
{
	if (!r)
		return;
	free(r->log10_dh);
	free(r->log10_dh_trunc);
	free(r->log10_dc);
	free(r->log10_dc_trunc);
	free(r->lag_dh);
	free(r->lag_dh_trunc);
	free(r->lag_dc);
	free(r->lag_dc_trunc);
	free(r->lag_dx);
	free(r->lag_dx_trunc);
	free(r->lag_dx_rec);
	free(r->lag_dx_direct);
	free(r->lag_grad);
	free(r->lag_grad_block);
	free(r);
}

static double lognorm(const double *v, size_t k)
{
	return log10(cblas_dnrm2((int)k, v, 1));   /* −inf for a zero vector */
}

/* v ← v/‖v‖, returns log10‖v‖ (−inf, v untouched, when v = 0). */
static double renorm(double *v, size_t k)
{
	double r = cblas_dnrm2((int)k, v, 1);
	if (r > 0)
		cblas_dscal((int)k, 1.0 / r, v, 1);
	return log10(r);
}

/* (acc, *lacc) ← 10^{lacc} acc + 10^{lv} v, renormalised. */
static void add_scaled(double *acc, double *lacc, const double *v, double lv,
		       size_t k)
{
	if (lv == -INFINITY)
		return;
	if (*lacc == -INFINITY) {
		memcpy(acc, v, k * sizeof(double));
		*lacc = lv;
		return;
	}
	double M = fmax(*lacc, lv);
	double a = pow(10.0, *lacc - M), b = pow(10.0, lv - M);
	for (size_t i = 0; i < k; i++)
		acc[i] = a * acc[i] + b * v[i];
	*lacc = M + renorm(acc, k);
}

/* log10‖10^{la} a + 10^{lb} b‖. */
static double lognorm_sum(const double *a, double la, const double *b,
			  double lb, size_t k, double *tmp)
{
	if (la == -INFINITY && lb == -INFINITY)
		return -INFINITY;
	double M = fmax(la, lb);
	double sa = la == -INFINITY ? 0 : pow(10.0, la - M);
	double sb = lb == -INFINITY ? 0 : pow(10.0, lb - M);
	for (size_t i = 0; i < k; i++)
		tmp[i] = sa * a[i] + sb * b[i];
	return M + lognorm(tmp, k);
}

/* The pass over the lags: the unrolled sequence and what carries every
 * term's δ back, one lag per turn. */
typedef struct {
	const bt_model *model;
	const bt_data *data;
	size_t T, S, n, d, P, k, term;
	bt_seq *q;
	double *D, *ell;                /* ṽ of δ^{(j)}_t (T×S), its log10 scale */
	double *accF, *lF, *accK, *lK;  /* δs_u full and truncated, renormalised */
	double *bucket;                 /* the lag-j part of ∂L/∂θ, in its scale */
	double *dummy, *ddaux;          /* negligible shares: written, never read */
	double *xdir, ldir;             /* direct ∂ℓ_{t*}/∂x_u, renormalised */
	double *xr, *xt, *in, *out;     /* one step's ∂/∂x, ∂/∂s in and out */
} lag_pass;

static void pass_close(lag_pass *w)
{
	free(w->D);
	free(w->ell);
	free(w->accF);
	free(w->lF);
	free(w->accK);
	free(w->lK);
	free(w->bucket);
	free(w->dummy);
	free(w->ddaux);
	free(w->xdir);
	free(w->xr);
	free(w->xt);
	free(w->in);
	free(w->out);
	bt_seq_free(w->q);
}

/* The buffers, and the sequence unrolled forward (k: the truncation, term:
 * the term t* whose lag profile is taken). */
static int pass_open(lag_pass *w, const bt_model *model, const bt_data *data,
		     size_t k, size_t term)
{
	size_t T = data->T, S = model->state_size, d = model->dims.d,
	       P = model->nparams;
	*w = (lag_pass){.model = model, .data = data, .T = T, .S = S,
			.n = model->dims.n, .d = d, .P = P, .k = k, .term = term};
	w->D = malloc(T * S * sizeof(double));
	w->ell = malloc(T * sizeof(double));
	w->accF = calloc(T * S, sizeof(double));
	w->lF = malloc(T * sizeof(double));
	w->accK = calloc(T * S, sizeof(double));
	w->lK = malloc(T * sizeof(double));
	w->bucket = malloc(P * sizeof(double));
	w->dummy = calloc(P, sizeof(double));
	w->xdir = calloc(T * d, sizeof(double));
	w->xr = malloc(d * sizeof(double));
	w->xt = malloc(d * sizeof(double));
	w->in = malloc(S * sizeof(double));
	w->out = malloc(S * sizeof(double));
	if (!w->D || !w->ell || !w->accF || !w->lF || !w->accK || !w->lK ||
	    !w->bucket || !w->dummy || !w->xdir || !w->xr || !w->xt || !w->in ||
	    !w->out)
		return BT_ENOMEM;
	int st = bt_seq_alloc(&w->q, model, T);
	if (st != BT_OK)
		return st;
	if (w->q->A && !(w->ddaux = calloc(w->q->A, sizeof(double))))
		return BT_ENOMEM;
	return bt_seq_forward_pass(w->q, model, data, NULL);
}

/* Lag 0: δ^{(0)}_t = ∂ℓ_t/∂s_t from the readout of every term, whose
 * parameters go into the lag-0 bucket; the term t*'s direct ∂/∂x. */
static void lag_zero(lag_pass *w)
{
	size_t T = w->T, S = w->S;
	for (size_t u = 0; u < T; u++)
		w->lF[u] = w->lK[u] = -INFINITY;
	memset(w->bucket, 0, w->P * sizeof(double));
	bt_seq_bind(w->q, w->model);
	bt_seq_backward_begin(w->q);
	memset(w->D, 0, T * S * sizeof(double));
	for (size_t t = 1; t <= T; t++) {
		double *v = w->D + (t - 1) * S;
		bt_seq_readout_backward(w->q, w->model, w->data, t, w->bucket, v,
					t == w->term ? w->xdir : NULL);
		w->ell[t - 1] = renorm(v, S);
	}
	w->ldir = renorm(w->xdir, T * w->d);   /* xdir's rows are read scaled */
}

/* The lag-j bucket's scale B: 1 at lag 0 (the readout's terms are already
 * in), the largest δ^{(j)}_t further back, the bucket emptied. */
static double bucket_begin(lag_pass *w, size_t j)
{
	if (j == 0)
		return 0;
	double B = -INFINITY;
	for (size_t t = j + 1; t <= w->T; t++)
		B = fmax(B, w->ell[t - 1]);
	memset(w->bucket, 0, w->P * sizeof(double));
	bt_seq_backward_begin(w->q);
	return B;
}

/* Step u backward (s_{u−1} → s_u) given ∂/∂s_u = 10^l v, into w->out and,
 * when want, w->xr, both in the scale returned: ∂/∂θ into the bucket in
 * its scale B, or unscaled into a dummy when its share is negligible. */
static double step_back(lag_pass *w, size_t u, const double *v, double l,
			double B, int want)
{
	bt_seq *q = w->q;
	size_t S = w->S, d = w->d;
	double f = l - B, ls;
	double *g = w->bucket;
	if (f >= DROP) {
		double s = pow(10.0, f);
		for (size_t i = 0; i < S; i++)
			w->in[i] = s * v[i];
		ls = B;
	} else {
		memcpy(w->in, v, S * sizeof(double));
		ls = l;
		g = w->dummy;
		q->step.daux = w->ddaux;
	}
	memset(w->out, 0, S * sizeof(double));
	if (want)
		memset(w->xr, 0, d * sizeof(double));
	w->model->type->backward(&q->step, q->states + (u - 1) * S,
				 w->data->X + (u - 1) * d, q->states + u * S,
				 q->cache + (u - 1) * q->C, w->in,
				 u > 1 ? w->out : NULL, want ? w->xr : NULL, g);
	q->step.daux = q->A ? q->daux : NULL;
	return ls;
}

/* The term t's δ^{(j)}_t: into the accumulated δs_u (u = t − j), through
 * step u backward to δ^{(j+1)}_t; for the term t*, its lag profile. */
static void carry(lag_pass *w, size_t t, size_t j, double B,
		  bt_flow_result *res)
{
	size_t S = w->S, n = w->n, d = w->d, u = t - j;
	double *v = w->D + (t - 1) * S, l = w->ell[t - 1];
	int want = t == w->term;
	if (want) {
		res->lag_dh[j] = l + lognorm(v, n);
		if (S > n)
			res->lag_dc[j] = l + lognorm(v + n, S - n);
	}
	if (l == -INFINITY) {
		if (want)
			res->lag_dx_rec[j] = -INFINITY;
		return;
	}
	add_scaled(w->accF + (u - 1) * S, w->lF + u - 1, v, l, S);
	if (j < w->k)
		add_scaled(w->accK + (u - 1) * S, w->lK + u - 1, v, l, S);
	double ls = step_back(w, u, v, l, B, want);
	if (want) {
		/* ∂ℓ_{t*}/∂x_u = 10^{ls} xr (through the states) + the direct
		 * part; truncation keeps the first for j < k */
		const double *xd = w->xdir + (u - 1) * d;
		res->lag_dx_rec[j] = ls + lognorm(w->xr, d);
		res->lag_dx[j] = lognorm_sum(w->xr, ls, xd, w->ldir, d, w->xt);
	}
	/* δ^{(j+1)}_t = 10^{ls} out (none before s_1: s_0 is fixed) */
	if (u > 1) {
		double r = renorm(w->out, S);
		memcpy(v, w->out, S * sizeof(double));
		w->ell[t - 1] = r == -INFINITY ? -INFINITY : ls + r;
	} else {
		w->ell[t - 1] = -INFINITY;
	}
}

/* The lag-j bucket (scale B) into the result: its norm, per block, and
 * the bucket itself when asked for. */
static void bucket_end(lag_pass *w, size_t j, double B, bt_flow_result *res)
{
	const bt_model *model = w->model;
	size_t P = w->P, nb = model->nblocks;
	bt_seq_backward_end(w->q, model, w->bucket);
	res->lag_grad[j] = B + lognorm(w->bucket, P);
	for (size_t b = 0; b < nb; b++) {
		const bt_block *bl = &model->blocks[b];
		res->lag_grad_block[j * nb + b] =
			B + lognorm(w->bucket + bl->offset, bl->rows * bl->cols);
	}
	if (res->buckets) {
		double sc = B == -INFINITY ? 0 : pow(10.0, B), *row = res->buckets + j * P;
		for (size_t i = 0; i < P; i++)
			row[i] = sc * w->bucket[i];
	}
	if (B == -INFINITY) {   /* nothing left to carry back */
		res->lag_grad[j] = -INFINITY;
		for (size_t b = 0; b < nb; b++)
			res->lag_grad_block[j * nb + b] = -INFINITY;
	}
}

/* The lag profile of the term t* (τ = 0 … t*−1, the rest −inf), its
 * direct part, and the truncated profile (lags below k). */
static void term_profile(const lag_pass *w, bt_flow_result *res)
{
	size_t S = w->S, n = w->n, d = w->d, k = w->k, term = w->term;
	for (size_t j = 0; j < w->T; j++) {
		if (j >= term) {
			res->lag_dh[j] = res->lag_dx[j] = res->lag_dx_rec[j] = -INFINITY;
			if (S > n)
				res->lag_dc[j] = -INFINITY;
		} else if (res->lag_dx_rec[j] == -INFINITY) {
			/* the term's δ died out: only the direct part is left */
			res->lag_dx[j] = w->ldir + lognorm(w->xdir + (term - j - 1) * d, d);
		}
		double direct = j < term ? w->ldir + lognorm(w->xdir + (term - j - 1) * d, d)
					 : -INFINITY;
		res->lag_dx_direct[j] = direct;
		res->lag_dh_trunc[j] = j < k ? res->lag_dh[j] : -INFINITY;
		if (S > n)
			res->lag_dc_trunc[j] = j < k ? res->lag_dc[j] : -INFINITY;
		res->lag_dx_trunc[j] = j < k ? res->lag_dx[j] : direct;
	}
}

/* Per step: the norms of the accumulated full and truncated δs_u. */
static void step_norms(const lag_pass *w, bt_flow_result *res)
{
	size_t S = w->S, n = w->n;
	for (size_t u = 1; u <= w->T; u++) {
		const double *a = w->accF + (u - 1) * S, *b = w->accK + (u - 1) * S;
		res->log10_dh[u - 1] = w->lF[u - 1] + lognorm(a, n);
		res->log10_dh_trunc[u - 1] = w->lK[u - 1] + lognorm(b, n);
		if (S > n) {
			res->log10_dc[u - 1] = w->lF[u - 1] + lognorm(a + n, S - n);
			res->log10_dc_trunc[u - 1] = w->lK[u - 1] + lognorm(b + n, S - n);
		}
	}
}

int bt_flow_lags(const bt_model *model, const bt_data *data, size_t k,
		 size_t term, bt_flow_result *res)
{
	if (bt_data_check(model, data) != BT_OK || !res || res->T != data->T ||
	    res->S != model->state_size || res->n != model->dims.n ||
	    res->nblocks != model->nblocks || term > data->T)
		return BT_EINVAL;
	size_t T = data->T;
	if (k == 0 || k > T)
		k = T;
	if (term == 0) {   /* the last step whose loss term counts */
		term = T;
		while (term > 1 && data->M && data->M[term - 1] == 0)
			term--;
	}
	res->k = k;
	res->term = term;
	bt_progress pr;
	bt_progress_begin(&pr, "lags", T);
	lag_pass w;
	int st = pass_open(&w, model, data, k, term);
	if (st == BT_OK)
		lag_zero(&w);
	/* every term's δ one step further back per lag */
	for (size_t j = 0; j < T && st == BT_OK; j++) {
		if ((st = bt_progress_poll(&pr, j)) != BT_OK)
			break;
		double B = bucket_begin(&w, j);
		for (size_t t = j + 1; t <= T; t++)
			carry(&w, t, j, B, res);
		bucket_end(&w, j, B, res);
	}
	if (st == BT_OK) {
		term_profile(&w, res);
		step_norms(&w, res);
	}
	bt_progress_end(&pr);
	pass_close(&w);
	return st;
}
