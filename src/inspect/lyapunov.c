/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lyapunov.c — the leading Lyapunov exponents of the driven state dynamics,
 * by Benettin's method.
 *
 *     s_t = F(s_{t-1}, x_t),   J_t = ∂s_t/∂s_{t-1}
 *     Z = J_t Q,   Z = Q' R (thin QR, R_ii > 0),   Q ← Q'
 *     λ_i = (1/N) Σ_{t=B+1}^{T} ln R_ii(t),   N = T − B
 *
 * Q holds k orthonormal tangent vectors (random from a seed at t = 0). The
 * product J_T … J_1 Q_0 would under- or overflow and its columns would all
 * turn towards the leading direction; re-orthonormalising at every step
 * keeps the k columns apart and moves the growth into the logs of R's
 * diagonal, so the sums stay finite however long the sequence. After the
 * burn-in (B steps, while Q turns from its random start into the leading
 * subspace) the logs are summed in K blocks of consecutive steps; the block
 * means give the standard error.
 *
 * The trajectory is streamed: one step forward and one step Jacobian at a
 * time through the architecture's record, so the memory is O(S² + S·k)
 * whatever T is, and the readout (attention's reads every earlier input)
 * is never computed. Q is kept transposed, k rows of length S, so that
 * Gram–Schmidt works on contiguous vectors: Zᵀ = Qᵀ J_tᵀ. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "cells/cell.h"
#include "base/progress.h"

void bt_lyapunov_options_default(bt_lyapunov_options *opt)
{
	opt->count = 0;
	opt->burn_in = -1;
	opt->blocks = 0;
	opt->seed = 1;
}

int bt_lyapunov_alloc(bt_lyapunov_result **out, const bt_model *model,
		      size_t T, const bt_lyapunov_options *opt)
{
	*out = NULL;
	bt_lyapunov_options o;
	if (opt)
		o = *opt;
	else
		bt_lyapunov_options_default(&o);
	if (!model || T < 1 || T > (size_t)BT_MAX_T)
		return BT_EINVAL;
	size_t S = model->state_size;
	size_t k = o.count ? o.count : (S < 10 ? S : 10);
	size_t B = o.burn_in >= 0 ? (size_t)o.burn_in
				  : (T / 10 < 1000 ? T / 10 : 1000);
	size_t K = o.blocks ? o.blocks : 10;
	if (k > S || B >= T || K < 2 || K > T - B)
		return BT_EINVAL;
	bt_lyapunov_result *r = calloc(1, sizeof *r);
	if (!r)
		return BT_ENOMEM;
	r->k = k;
	r->K = K;
	r->T = T;
	r->burn_in = B;
	r->steps = T - B;
	r->S = S;
	r->seed = o.seed;
	r->exponent = malloc(k * sizeof(double));
	r->std_error = malloc(k * sizeof(double));
	r->block_mean = malloc(k * K * sizeof(double));
	if (!r->exponent || !r->std_error || !r->block_mean) {
		bt_lyapunov_free(r);
		return BT_ENOMEM;
	}
	*out = r;
	return BT_OK;
}

/* J_t, the k ≤ S tangent vectors and their product with J_t. */
double bt_lyapunov_size(const bt_cell_type *type, bt_dims dims)
{
	if (!type)
		return 0;
	double S = (double)type->state_size(&dims);
	return 8 * 3 * S * S;
}

void bt_lyapunov_free(bt_lyapunov_result *r)
{
	if (!r)
		return;
	free(r->exponent);
	free(r->std_error);
	free(r->block_mean);
	free(r);
}

/* z ← z − (qᵀz) q for every row q of Q above row j, twice ("twice is
 * enough": the second pass removes what round-off left of the first). */
static void project_out(const double *Q, size_t j, size_t S, double *z)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < j; i++) {
			const double *q = Q + i * S;
			cblas_daxpy((int)S, -cblas_ddot((int)S, q, 1, z, 1), q, 1, z, 1);
		}
}

/* Thin QR of Zᵀ's rows in place: rows 0…k−1 of Z become orthonormal and
 * r[j] = R_jj ≥ 0, the length of row j after the rows above it are
 * projected out. A row that vanishes exactly (J_t Q lost a dimension)
 * gets r[j] = 0 and is replaced by a unit vector orthogonal to the rows
 * above it, so that the later rows still have a direction to follow. */
static void orthonormalise(double *Z, size_t k, size_t S, double *r)
{
	for (size_t j = 0; j < k; j++) {
		double *z = Z + j * S;
		project_out(Z, j, S, z);
		double nrm = cblas_dnrm2((int)S, z, 1);
		r[j] = nrm;
		if (nrm == 0) {
			/* some e_c keeps at least sqrt(1 − j/S) of its length */
			for (size_t c = 0; c < S; c++) {
				memset(z, 0, S * sizeof(double));
				z[c] = 1;
				project_out(Z, j, S, z);
				nrm = cblas_dnrm2((int)S, z, 1);
				if (nrm > 0.5 / sqrt((double)S))
					break;
			}
		}
		cblas_dscal((int)S, 1.0 / nrm, z, 1);
	}
}

/* Sorts the exponents (and their standard errors and block means) largest
 * first; k is small, so an insertion sort. */
static void sort_descending(bt_lyapunov_result *r, double *row)
{
	size_t K = r->K;
	for (size_t i = 1; i < r->k; i++) {
		double e = r->exponent[i], s = r->std_error[i];
		memcpy(row, r->block_mean + i * K, K * sizeof(double));
		size_t j = i;
		for (; j > 0 && r->exponent[j - 1] < e; j--) {
			r->exponent[j] = r->exponent[j - 1];
			r->std_error[j] = r->std_error[j - 1];
			memcpy(r->block_mean + j * K, r->block_mean + (j - 1) * K,
			       K * sizeof(double));
		}
		r->exponent[j] = e;
		r->std_error[j] = s;
		memcpy(r->block_mean + j * K, row, K * sizeof(double));
	}
}

/* Benettin's walk: one step's state, cache and Jacobian, the tangent
 * vectors Q (k rows of length S) and the logs of R's diagonal summed per
 * block. */
typedef struct {
	const bt_model *model;
	size_t S, k, K;
	bt_step c;
	double *s_prev, *s, *cache, *scratch, *aux;
	double *Q, *Z;     /* Q and the next one, k × S each */
	double *r;         /* R's diagonal (k), then a row buffer (K) */
	double *sum;       /* Σ ln R_ii(t) per exponent i and block b: k × K */
	gsl_matrix *J;
	gsl_rng *rng;
} benettin;

static void benettin_close(benettin *w)
{
	free(w->s_prev);
	free(w->s);
	free(w->cache);
	free(w->scratch);
	free(w->aux);
	free(w->Q);
	free(w->Z);
	free(w->r);
	free(w->sum);
	gsl_matrix_free(w->J);
	gsl_rng_free(w->rng);
}

/* The buffers and the cell's derived parameters; s_0 = 0, and Q_0: k
 * random orthonormal directions (Gaussian from the seed, then
 * Gram–Schmidt). */
static int benettin_open(benettin *w, const bt_model *model,
			 const bt_lyapunov_result *res)
{
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t S = res->S, k = res->k, K = res->K;
	size_t C = ty->cache_size(dm), A = ty->aux_size ? ty->aux_size(dm) : 0;
	*w = (benettin){.model = model, .S = S, .k = k, .K = K};
	w->s_prev = malloc(S * sizeof(double));
	w->s = malloc(S * sizeof(double));
	w->cache = malloc((C + 1) * sizeof(double));
	w->scratch = malloc((ty->scratch_size(dm) + 1) * sizeof(double));
	w->aux = malloc((A + 1) * sizeof(double));
	w->Q = malloc(k * S * sizeof(double));
	w->Z = malloc(k * S * sizeof(double));
	w->r = malloc((k + K) * sizeof(double));
	w->sum = calloc(k * K, sizeof(double));
	w->J = gsl_matrix_alloc(S, S);
	w->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!w->s_prev || !w->s || !w->cache || !w->scratch || !w->aux || !w->Q ||
	    !w->Z || !w->r || !w->sum || !w->J || !w->rng)
		return BT_ENOMEM;
	w->c = (bt_step){model, A ? w->aux : NULL, NULL, w->scratch};
	int st;
	if (ty->prepare && (st = ty->prepare(&w->c, w->aux)) != BT_OK)
		return st;
	gsl_rng_set(w->rng, res->seed);
	for (size_t i = 0; i < k * S; i++)
		w->Q[i] = gsl_ran_gaussian_ziggurat(w->rng, 1.0);
	orthonormalise(w->Q, k, S, w->r);
	memset(w->s_prev, 0, S * sizeof(double));
	return BT_OK;
}

/* One step t with input x: s_t = F(s_{t−1}, x_t), Z = J_t Q = Q' R, Q ← Q'
 * (R's diagonal in w->r). */
static int benettin_step(benettin *w, const double *x)
{
	const bt_cell_type *ty = w->model->type;
	size_t S = w->S, k = w->k;
	ty->forward(&w->c, w->s_prev, x, w->s, w->cache);
	ty->jacobian(&w->c, w->s_prev, x, w->s, w->cache, w->J);
	/* Zᵀ = Qᵀ J_tᵀ, i.e. Z = J_t Q */
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k,
		    (int)S, (int)S, 1.0, w->Q, (int)S, w->J->data, (int)w->J->tda,
		    0.0, w->Z, (int)S);
	if (!bt_all_finite(w->Z, k * S))
		return BT_ENUMERIC;
	orthonormalise(w->Z, k, S, w->r);
	double *tmp = w->Q;
	w->Q = w->Z;
	w->Z = tmp;
	tmp = w->s_prev;
	w->s_prev = w->s;
	w->s = tmp;
	return BT_OK;
}

/* λ_i = the sum over all N steps / N; the block means; the standard error,
 * the sd of the K block means / sqrt(K). */
static void exponents(const double *sum, bt_lyapunov_result *res)
{
	size_t k = res->k, K = res->K, N = res->steps;
	for (size_t i = 0; i < k; i++) {
		double total = 0, mbar = 0, ss = 0;
		for (size_t j = 0; j < K; j++) {
			size_t len = (j + 1) * N / K - j * N / K;
			double mj = sum[i * K + j] / (double)len;
			res->block_mean[i * K + j] = mj;
			total += sum[i * K + j];
			mbar += mj;
		}
		mbar /= (double)K;
		for (size_t j = 0; j < K; j++) {
			double e = res->block_mean[i * K + j] - mbar;
			ss += e * e;
		}
		res->exponent[i] = total / (double)N;
		/* NaN when λ_i = −inf (every block −inf) */
		res->std_error[i] = sqrt(ss / (double)(K - 1)) / sqrt((double)K);
	}
}

int bt_lyapunov(const bt_model *model, const bt_data *data,
		bt_lyapunov_result *res)
{
	if (!model || !data || !res || bt_data_check(model, data) != BT_OK ||
	    data->T != res->T || model->state_size != res->S)
		return BT_EINVAL;
	size_t k = res->k, K = res->K, T = res->T, B = res->burn_in, N = res->steps;
	benettin w;
	bt_progress pr;
	bt_progress_begin(&pr, "steps", T);
	int st = benettin_open(&w, model, res);
	size_t b = 0, block_end = N / K;   /* block b: steps u ∈ [bN/K, (b+1)N/K) */
	for (size_t t = 1; t <= T && st == BT_OK; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK ||
		    (st = benettin_step(&w, data->X + (t - 1) * model->dims.d)) != BT_OK)
			break;
		if (t <= B)
			continue;
		size_t u = t - B - 1;
		if (u == block_end) {
			b++;
			block_end = (b + 1) * N / K;
		}
		for (size_t i = 0; i < k; i++)
			w.sum[i * K + b] += log(w.r[i]);
	}
	if (st == BT_OK) {
		exponents(w.sum, res);
		sort_descending(res, w.r + k);   /* r's last K doubles: a row buffer */
	}
	bt_progress_end(&pr);
	benettin_close(&w);
	return st;
}
