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

int bt_lyapunov(const bt_model *model, const bt_data *data,
		bt_lyapunov_result *res)
{
	if (!model || !data || !res || bt_data_check(model, data) != BT_OK ||
	    data->T != res->T || model->state_size != res->S)
		return BT_EINVAL;
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t S = res->S, k = res->k, K = res->K, T = res->T, B = res->burn_in,
	       N = res->steps;
	size_t C = ty->cache_size(dm), A = ty->aux_size ? ty->aux_size(dm) : 0;
	double *s_prev = malloc(S * sizeof(double)), *s = malloc(S * sizeof(double)),
	       *cache = malloc((C + 1) * sizeof(double)),
	       *scratch = malloc((ty->scratch_size(dm) + 1) * sizeof(double)),
	       *aux = malloc((A + 1) * sizeof(double)),
	       *Q = malloc(k * S * sizeof(double)), *Z = malloc(k * S * sizeof(double)),
	       *r = malloc((k + K) * sizeof(double)), *sum = calloc(k * K, sizeof(double));
	gsl_matrix *J = gsl_matrix_alloc(S, S);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	int st = BT_OK;
	bt_progress pr;
	bt_progress_begin(&pr, "steps", T);
	if (!s_prev || !s || !cache || !scratch || !aux || !Q || !Z || !r ||
	    !sum || !J || !rng) {
		st = BT_ENOMEM;
		goto done;
	}
	bt_step c = {model, A ? aux : NULL, NULL, scratch};
	if (ty->prepare && (st = ty->prepare(&c, aux)) != BT_OK)
		goto done;

	/* Q_0: k random orthonormal directions (Gaussian, then Gram–Schmidt) */
	gsl_rng_set(rng, res->seed);
	for (size_t i = 0; i < k * S; i++)
		Q[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
	orthonormalise(Q, k, S, r);

	memset(s_prev, 0, S * sizeof(double));   /* s_0 = 0 */
	size_t b = 0, block_end = N / K;         /* block b: steps u ∈ [bN/K, (b+1)N/K) */
	for (size_t t = 1; t <= T; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK)
			goto done;
		const double *x = data->X + (t - 1) * dm->d;
		ty->forward(&c, s_prev, x, s, cache);
		ty->jacobian(&c, s_prev, x, s, cache, J);
		/* Zᵀ = Qᵀ J_tᵀ, i.e. Z = J_t Q */
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k,
			    (int)S, (int)S, 1.0, Q, (int)S, J->data, (int)J->tda,
			    0.0, Z, (int)S);
		if (!bt_all_finite(Z, k * S)) {
			st = BT_ENUMERIC;
			goto done;
		}
		/* Z = Q' R; Q ← Q' */
		orthonormalise(Z, k, S, r);
		double *tmp = Q;
		Q = Z;
		Z = tmp;
		tmp = s_prev;
		s_prev = s;
		s = tmp;
		if (t <= B)
			continue;
		size_t u = t - B - 1;
		if (u == block_end) {
			b++;
			block_end = (b + 1) * N / K;
		}
		for (size_t i = 0; i < k; i++)
			sum[i * K + b] += log(r[i]);
	}

	/* λ_i over all N steps; block means; sd of the block means / sqrt(K) */
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
	sort_descending(res, r + k);   /* r's last K doubles: a row buffer */
done:
	bt_progress_end(&pr);
	free(s_prev);
	free(s);
	free(cache);
	free(scratch);
	free(aux);
	free(Q);
	free(Z);
	free(r);
	free(sum);
	gsl_matrix_free(J);
	gsl_rng_free(rng);
	return st;
}
