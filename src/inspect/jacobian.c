/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jacobian.c — norms of Jacobian products over time lags.
 *
 *     ∂s_T/∂s_{T−τ} = J_T J_{T−1} … J_{T−τ+1},   J_t = ∂s_t/∂s_{t−1}
 *
 * The product grows by one factor on the right per lag. It is kept
 * renormalised, P = 10^{ℓ_τ} P̃ with ‖P̃‖_F = 1, so that its norms are
 * finite logarithms however far they under- or overflow a double:
 * log10‖P‖_F = ℓ_τ and log10‖P‖₂ = ℓ_τ + log10‖P̃‖₂, the latter by power
 * iteration warm-started from the previous lag's leading left singular
 * vector (which settles: it is the direction at time T that the past
 * excites most). One S×S×S product per lag, no SVD per lag.
 *
 * bt_jacobian_lags_block reports the norms of one block of the product
 * instead (the LSTM's ∂c_T/∂c_{T−τ}): the block of P̃ times 10^{ℓ_τ}. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include "base/linalg.h"
#include "base/progress.h"
#include "core/seq_internal.h"

int bt_jacobian_alloc(bt_jacobian_result **out, size_t T)
{
	*out = NULL;
	if (T < 1 || T > (size_t)BT_MAX_T)
		return BT_EINVAL;
	bt_jacobian_result *r = calloc(1, sizeof *r);
	if (!r)
		return BT_ENOMEM;
	r->T = T;
	r->log10_norm2 = malloc(T * sizeof(double));
	r->log10_normF = malloc(T * sizeof(double));
	r->log10_bound = malloc(T * sizeof(double));
	r->log10_prod_steps = malloc(T * sizeof(double));
	r->log10_step = malloc(T * sizeof(double));
	if (!r->log10_norm2 || !r->log10_normF || !r->log10_bound ||
	    !r->log10_prod_steps || !r->log10_step) {
		bt_jacobian_free(r);
		return BT_ENOMEM;
	}
	*out = r;
	return BT_OK;
}

void bt_jacobian_free(bt_jacobian_result *r)
{
	if (!r)
		return;
	free(r->log10_norm2);
	free(r->log10_normF);
	free(r->log10_bound);
	free(r->log10_prod_steps);
	free(r->log10_step);
	free(r);
}

/* log10 s_max(W) and L_φ for the bound; NAN when there is no single W. */
static int bound_terms(const bt_model *model, double *log10_smax, double *L)
{
	const bt_cell_type *ty = model->type;
	*L = ty->lipschitz ? ty->lipschitz(model) : 1.0;
	*log10_smax = NAN;
	if (!ty->recurrent)
		return BT_OK;
	size_t n = model->dims.n;
	gsl_matrix *W = gsl_matrix_alloc(n, n);
	if (!W)
		return BT_ENOMEM;
	int st = bt_model_recurrent(model, W);
	if (st == BT_OK)
		*log10_smax = log10(bt_smax_svd(W));
	gsl_matrix_free(W);
	return st;
}

/* The norms of rows r0… (nr) and columns c0… (nc) of P = 10^ℓ P̃: a
 * block of P̃ (warm vector ub, nr; scratch wb, nc). */
static void block_norms(const gsl_matrix *P, double ell, size_t r0, size_t nr,
			size_t c0, size_t nc, gsl_vector *ub, gsl_vector *wb,
			double *log10_2, double *log10_F)
{
	gsl_matrix_const_view B = gsl_matrix_const_submatrix(P, r0, c0, nr, nc);
	double ss = 0;
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < nc; j++) {
			double x = gsl_matrix_get(&B.matrix, i, j);
			ss += x * x;
		}
	if (ss == 0) {
		*log10_2 = *log10_F = -INFINITY;
		return;
	}
	*log10_F = ell + 0.5 * log10(ss);
	*log10_2 = ell + log10(bt_norm2_warm(&B.matrix, ub, wb, 200));
}

static int lags(const bt_model *model, const bt_data *data, size_t r0,
		size_t nr, size_t c0, size_t nc, bt_jacobian_result *res)
{
	if (bt_data_check(model, data) != BT_OK || res->T != data->T)
		return BT_EINVAL;
	size_t T = data->T, S = model->state_size;
	if (nr < 1 || nc < 1 || r0 >= S || c0 >= S || nr > S - r0 || nc > S - c0)
		return BT_EINVAL;
	int whole = r0 == 0 && c0 == 0 && nr == S && nc == S;
	bt_seq *q = NULL;
	bt_progress pr;
	bt_progress_begin(&pr, "lags", T);
	gsl_matrix *J = gsl_matrix_alloc(S, S), *P = gsl_matrix_alloc(S, S),
		   *Q = gsl_matrix_alloc(S, S);
	gsl_vector *u = gsl_vector_alloc(S), *uj = gsl_vector_alloc(S),
		   *w = gsl_vector_alloc(S), *ub = gsl_vector_alloc(nr),
		   *wb = gsl_vector_alloc(nc);
	int st = (J && P && Q && u && uj && w && ub && wb) ? BT_OK : BT_ENOMEM;
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, T);
	/* a loss that overflows does not matter here; non-finite Jacobians do */
	if (st == BT_OK && (st = bt_seq_forward(q, model, data, NULL)) == BT_ENUMERIC)
		st = BT_OK;
	double L = 1, lsm = NAN;
	if (st == BT_OK)
		st = bound_terms(model, &lsm, &L);
	if (st != BT_OK)
		goto done;
	res->lipschitz = L;
	res->log10_smax = lsm;
	int kind = model->type->bound;
	int want_steps = !res->skip_steps || kind == BT_BOUND_STEPS || isnan(lsm);
	/* a fixed, irregular start for the power iterations */
	for (size_t i = 0; i < S; i++) {
		gsl_vector_set(u, i, 1.0 + 0.37 * sin(1.0 + (double)i));
		gsl_vector_set(uj, i, 1.0 + 0.53 * cos(2.0 + (double)i));
	}
	for (size_t i = 0; i < nr; i++)
		gsl_vector_set(ub, i, 1.0 + 0.37 * sin(1.0 + (double)(r0 + i)));
	gsl_matrix_set_identity(P);
	double ell = 0, steps = 0;
	for (size_t tau = 1; tau <= T; tau++) {
		if ((st = bt_progress_poll(&pr, tau - 1)) != BT_OK)
			goto done;
		size_t t = T - tau + 1;
		bt_seq_jacobian(q, model, data, t, J);
		for (size_t i = 0; i < S * S; i++)
			if (!isfinite(J->data[i])) {
				st = BT_ENUMERIC;
				goto done;
			}
		/* ‖J_t‖₂ (always when the bound is made of them) */
		if (want_steps) {
			double sj = bt_norm2_warm(J, uj, w, 200);
			res->log10_step[t - 1] = log10(sj);
			steps += log10(sj);
			res->log10_prod_steps[tau - 1] = steps;
		} else {
			res->log10_step[t - 1] = NAN;
			res->log10_prod_steps[tau - 1] = NAN;
		}
		/* P̃ ← P̃ J_t, renormalised */
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, J, 0.0, Q);
		gsl_matrix *tmp = P;
		P = Q;
		Q = tmp;
		gsl_vector_view pv = gsl_vector_view_array(P->data, S * S);
		double f = gsl_blas_dnrm2(&pv.vector);
		if (f == 0) {          /* an exactly zero product (dead relu units) */
			for (size_t r = tau; r <= T; r++) {
				res->log10_norm2[r - 1] = -INFINITY;
				res->log10_normF[r - 1] = -INFINITY;
			}
			/* the per-step norms and bounds still go on */
			for (size_t r = tau + 1; r <= T; r++) {
				if (!want_steps) {
					res->log10_step[T - r] = NAN;
					res->log10_prod_steps[r - 1] = NAN;
					continue;
				}
				bt_seq_jacobian(q, model, data, T - r + 1, J);
				double sr = bt_norm2_warm(J, uj, w, 200);
				res->log10_step[T - r] = log10(sr);
				steps += log10(sr);
				res->log10_prod_steps[r - 1] = steps;
			}
			break;
		}
		if (!isfinite(f)) {
			st = BT_ENUMERIC;
			goto done;
		}
		gsl_matrix_scale(P, 1.0 / f);
		ell += log10(f);
		if (whole) {
			res->log10_normF[tau - 1] = ell;
			res->log10_norm2[tau - 1] = ell + log10(bt_norm2_warm(P, u, w, 200));
		} else {
			block_norms(P, ell, r0, nr, c0, nc, ub, wb,
				    &res->log10_norm2[tau - 1], &res->log10_normF[tau - 1]);
		}
	}
	for (size_t tau = 1; tau <= T; tau++) {
		double b;
		if (kind == BT_BOUND_STEPS || isnan(lsm))
			b = res->log10_prod_steps[tau - 1];
		else if (kind == BT_BOUND_RESIDUAL)
			b = (double)tau * log10(1.0 + L * pow(10.0, lsm));
		else
			b = (double)tau * (log10(L) + lsm);
		res->log10_bound[tau - 1] = b;
	}
done:
	bt_progress_end(&pr);
	gsl_matrix_free(J);
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	gsl_vector_free(u);
	gsl_vector_free(uj);
	gsl_vector_free(w);
	gsl_vector_free(ub);
	gsl_vector_free(wb);
	bt_seq_free(q);
	return st;
}

int bt_jacobian_lags(const bt_model *model, const bt_data *data,
		     bt_jacobian_result *res)
{
	return lags(model, data, 0, model->state_size, 0, model->state_size, res);
}

int bt_jacobian_lags_block(const bt_model *model, const bt_data *data,
			   size_t r0, size_t nr, size_t c0, size_t nc,
			   bt_jacobian_result *res)
{
	return lags(model, data, r0, nr, c0, nc, res);
}
