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

int bt_flow_lags(const bt_model *model, const bt_data *data, size_t k,
		 size_t term, bt_flow_result *res)
{
	if (bt_data_check(model, data) != BT_OK || !res || res->T != data->T ||
	    res->S != model->state_size || res->n != model->dims.n ||
	    res->nblocks != model->nblocks || term > data->T)
		return BT_EINVAL;
	const bt_cell_type *ty = model->type;
	size_t T = data->T, S = model->state_size, n = model->dims.n,
	       d = model->dims.d, P = model->nparams, nb = model->nblocks;
	if (k == 0 || k > T)
		k = T;
	if (term == 0) {   /* the last step whose loss term counts */
		term = T;
		while (term > 1 && data->M && data->M[term - 1] == 0)
			term--;
	}
	res->k = k;
	res->term = term;
	bt_seq *q = NULL;
	bt_progress pr;
	bt_progress_begin(&pr, "lags", T);
	double *D = malloc(T * S * sizeof(double)),      /* ṽ of δ^{(j)}_t */
	       *ell = malloc(T * sizeof(double)),        /* its log10 scale */
	       *accF = calloc(T * S, sizeof(double)), *lF = malloc(T * sizeof(double)),
	       *accK = calloc(T * S, sizeof(double)), *lK = malloc(T * sizeof(double)),
	       *bucket = malloc(P * sizeof(double)),
	       *dummy = calloc(P, sizeof(double)),   /* written, never read */
	       *xdir = calloc(T * d, sizeof(double)),    /* direct ∂ℓ_{t*}/∂x_k */
	       *xr = malloc(d * sizeof(double)), *xt = malloc(d * sizeof(double)),
	       *in = malloc(S * sizeof(double)), *out = malloc(S * sizeof(double));
	int st = BT_OK;
	if (!D || !ell || !accF || !lF || !accK || !lK || !bucket || !dummy ||
	    !xdir || !xr || !xt || !in || !out)
		st = BT_ENOMEM;
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, T);
	double *ddaux = NULL;
	if (st == BT_OK && q->A && !(ddaux = calloc(q->A, sizeof(double))))
		st = BT_ENOMEM;
	if (st == BT_OK)
		st = bt_seq_forward(q, model, data, NULL);
	if (st != BT_OK)
		goto done;
	for (size_t u = 0; u < T; u++)
		lF[u] = lK[u] = -INFINITY;

	/* lag 0: the readout of every term (its parameters are lag-0 terms) */
	memset(bucket, 0, P * sizeof(double));
	bt_seq_bind(q, model);
	bt_seq_backward_begin(q);
	memset(D, 0, T * S * sizeof(double));
	for (size_t t = 1; t <= T; t++) {
		double *v = D + (t - 1) * S;
		bt_seq_readout_backward(q, model, data, t, bucket, v,
					t == term ? xdir : NULL);
		ell[t - 1] = renorm(v, S);
	}
	double ldir = renorm(xdir, T * d);   /* xdir's rows are read scaled */

	for (size_t j = 0; j < T; j++) {
		if ((st = bt_progress_poll(&pr, j)) != BT_OK)
			goto done;
		/* the bucket's scale: 1 at lag 0 (the readout's terms are
		 * already in), the largest δ^{(j)}_t further back */
		double B = 0;
		if (j > 0) {
			B = -INFINITY;
			for (size_t t = j + 1; t <= T; t++)
				B = fmax(B, ell[t - 1]);
			memset(bucket, 0, P * sizeof(double));
			bt_seq_backward_begin(q);
		}
		for (size_t t = j + 1; t <= T; t++) {
			size_t u = t - j;   /* step u: s_{u−1} → s_u */
			double *v = D + (t - 1) * S, l = ell[t - 1];
			int want = t == term;
			if (want) {
				res->lag_dh[j] = l + lognorm(v, n);
				if (S > n)
					res->lag_dc[j] = l + lognorm(v + n, S - n);
			}
			if (l == -INFINITY) {
				if (want)
					res->lag_dx_rec[j] = -INFINITY;
				continue;
			}
			add_scaled(accF + (u - 1) * S, lF + u - 1, v, l, S);
			if (j < k)
				add_scaled(accK + (u - 1) * S, lK + u - 1, v, l, S);
			/* this term's step u backward, in the bucket's scale, or
			 * unscaled into a dummy when its share is negligible */
			double f = l - B, ls;
			double *g = bucket;
			if (f >= DROP) {
				double s = pow(10.0, f);
				for (size_t i = 0; i < S; i++)
					in[i] = s * v[i];
				ls = B;
			} else {
				memcpy(in, v, S * sizeof(double));
				ls = l;
				g = dummy;
				q->step.daux = ddaux;
			}
			memset(out, 0, S * sizeof(double));
			if (want)
				memset(xr, 0, d * sizeof(double));
			ty->backward(&q->step, q->states + (u - 1) * S,
				     data->X + (u - 1) * d, q->states + u * S,
				     q->cache + (u - 1) * q->C, in,
				     u > 1 ? out : NULL, want ? xr : NULL, g);
			q->step.daux = q->A ? q->daux : NULL;
			if (want) {
				/* ∂ℓ_{t*}/∂x_u = 10^{ls} xr (through the states) + the
				 * direct part; truncation keeps the first for j < k */
				const double *xd = xdir + (u - 1) * d;
				res->lag_dx_rec[j] = ls + lognorm(xr, d);
				res->lag_dx[j] = lognorm_sum(xr, ls, xd, ldir, d, xt);
			}
			/* δ^{(j+1)}_t = 10^{ls} out (none before s_1: s_0 is fixed) */
			if (u > 1) {
				double r = renorm(out, S);
				memcpy(v, out, S * sizeof(double));
				ell[t - 1] = r == -INFINITY ? -INFINITY : ls + r;
			} else {
				ell[t - 1] = -INFINITY;
			}
		}
		bt_seq_backward_end(q, model, bucket);
		res->lag_grad[j] = B + lognorm(bucket, P);
		for (size_t b = 0; b < nb; b++) {
			const bt_block *bl = &model->blocks[b];
			res->lag_grad_block[j * nb + b] =
				B + lognorm(bucket + bl->offset, bl->rows * bl->cols);
		}
		if (res->buckets) {
			double sc = B == -INFINITY ? 0 : pow(10.0, B), *row = res->buckets + j * P;
			for (size_t i = 0; i < P; i++)
				row[i] = sc * bucket[i];
		}
		if (B == -INFINITY) {   /* nothing left to carry back */
			res->lag_grad[j] = -INFINITY;
			for (size_t b = 0; b < nb; b++)
				res->lag_grad_block[j * nb + b] = -INFINITY;
		}
	}

	/* the lag profile of the term t* (τ = 0 … t*−1), the rest −inf */
	for (size_t j = 0; j < T; j++) {
		if (j >= term) {
			res->lag_dh[j] = res->lag_dx[j] = res->lag_dx_rec[j] = -INFINITY;
			if (S > n)
				res->lag_dc[j] = -INFINITY;
		} else if (res->lag_dx_rec[j] == -INFINITY) {
			/* the term's δ died out: only the direct part is left */
			res->lag_dx[j] = ldir + lognorm(xdir + (term - j - 1) * d, d);
		}
		double direct = j < term ? ldir + lognorm(xdir + (term - j - 1) * d, d)
					 : -INFINITY;
		res->lag_dx_direct[j] = direct;
		res->lag_dh_trunc[j] = j < k ? res->lag_dh[j] : -INFINITY;
		if (S > n)
			res->lag_dc_trunc[j] = j < k ? res->lag_dc[j] : -INFINITY;
		res->lag_dx_trunc[j] = j < k ? res->lag_dx[j] : direct;
	}
	/* per step: the accumulated full and truncated δs_u */
	for (size_t u = 1; u <= T; u++) {
		const double *a = accF + (u - 1) * S, *b = accK + (u - 1) * S;
		res->log10_dh[u - 1] = lF[u - 1] + lognorm(a, n);
		res->log10_dh_trunc[u - 1] = lK[u - 1] + lognorm(b, n);
		if (S > n) {
			res->log10_dc[u - 1] = lF[u - 1] + lognorm(a + n, S - n);
			res->log10_dc_trunc[u - 1] = lK[u - 1] + lognorm(b + n, S - n);
		}
	}
done:
	bt_progress_end(&pr);
	free(D);
	free(ell);
	free(accF);
	free(lF);
	free(accK);
	free(lK);
	free(bucket);
	free(dummy);
	free(ddaux);
	free(xdir);
	free(xr);
	free(xt);
	free(in);
	free(out);
	bt_seq_free(q);
	return st;
}
