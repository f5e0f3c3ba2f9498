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

/* A workspace for the forward pass; J_t, the product and its copy (S×S);
 * W for the bound (n×n); the five per-lag columns of the result. */
double bt_jacobian_lags_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	if (!type)
		return 0;
	double S = (double)type->state_size(&dims), n = (double)dims.n;
	return bt_seq_size(type, dims, T) + 8 * (3 * S * S + n * n + 5 * (double)T);
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

/* The walk over the lags: the unrolled sequence, the renormalised product
 * P = 10^{ell} P̃ and the warm vectors of its power iterations. */
typedef struct {
	const bt_model *model;
	const bt_data *data;
	size_t T, S, r0, nr, c0, nc;
	int whole;        /* the norms of all of P, not of a block */
	int want_steps;   /* the ‖J_t‖₂ (always when the bound is made of them) */
	bt_seq *q;
	gsl_matrix *J, *P, *Q;
	gsl_vector *u, *uj, *w, *ub, *wb;
	double ell;       /* log10 of P's scale */
	double steps;     /* Σ log10 ‖J_t‖₂ over the lags so far */
} lag_walk;

static void walk_close(lag_walk *lw)
{
	gsl_matrix_free(lw->J);
	gsl_matrix_free(lw->P);
	gsl_matrix_free(lw->Q);
	gsl_vector_free(lw->u);
	gsl_vector_free(lw->uj);
	gsl_vector_free(lw->w);
	gsl_vector_free(lw->ub);
	gsl_vector_free(lw->wb);
	bt_seq_free(lw->q);
}

/* The buffers and the sequence unrolled forward; P = I and a fixed,
 * irregular start for the power iterations. */
static int walk_open(lag_walk *lw, const bt_model *model, const bt_data *data)
{
	size_t S = lw->S;
	lw->model = model;
	lw->data = data;
	lw->J = gsl_matrix_alloc(S, S);
	lw->P = gsl_matrix_alloc(S, S);
	lw->Q = gsl_matrix_alloc(S, S);
	lw->u = gsl_vector_alloc(S);
	lw->uj = gsl_vector_alloc(S);
	lw->w = gsl_vector_alloc(S);
	lw->ub = gsl_vector_alloc(lw->nr);
	lw->wb = gsl_vector_alloc(lw->nc);
	if (!lw->J || !lw->P || !lw->Q || !lw->u || !lw->uj || !lw->w || !lw->ub || !lw->wb)
		return BT_ENOMEM;
	int st = bt_seq_alloc(&lw->q, model, lw->T);
	/* a loss that overflows does not matter here; non-finite Jacobians do */
	if (st == BT_OK && (st = bt_seq_forward_pass(lw->q, model, data, NULL)) == BT_ENUMERIC)
		st = BT_OK;
	if (st != BT_OK)
		return st;
	for (size_t i = 0; i < S; i++) {
		gsl_vector_set(lw->u, i, 1.0 + 0.37 * sin(1.0 + (double)i));
		gsl_vector_set(lw->uj, i, 1.0 + 0.53 * cos(2.0 + (double)i));
	}
	for (size_t i = 0; i < lw->nr; i++)
		gsl_vector_set(lw->ub, i, 1.0 + 0.37 * sin(1.0 + (double)(lw->r0 + i)));
	gsl_matrix_set_identity(lw->P);
	lw->ell = 0;
	lw->steps = 0;
	return BT_OK;
}

/* ‖J_t‖₂ of lag τ (J_t in lw->J, t = T − τ + 1) and the running sum of
 * their logs; NAN for both when they are not wanted. */
static void step_norm(lag_walk *lw, size_t tau, bt_jacobian_result *res)
{
	size_t t = lw->T - tau + 1;
	if (!lw->want_steps) {
		res->log10_step[t - 1] = NAN;
		res->log10_prod_steps[tau - 1] = NAN;
		return;
	}
	double sj = bt_norm2_warm(lw->J, lw->uj, lw->w, 200);
	res->log10_step[t - 1] = log10(sj);
	lw->steps += log10(sj);
	res->log10_prod_steps[tau - 1] = lw->steps;
}

/* An exactly zero product from lag τ on (dead relu units): its norms −inf;
 * the per-step norms of the later lags still go on. */
static void zero_product(lag_walk *lw, size_t tau, bt_jacobian_result *res)
{
	for (size_t r = tau; r <= lw->T; r++) {
		res->log10_norm2[r - 1] = -INFINITY;
		res->log10_normF[r - 1] = -INFINITY;
	}
	for (size_t r = tau + 1; r <= lw->T; r++) {
		if (lw->want_steps)
			bt_seq_jacobian(lw->q, lw->model, lw->data, lw->T - r + 1, lw->J);
		step_norm(lw, r, res);
	}
}

/* Lag τ: P̃ ← P̃ J_t renormalised (J_t = ∂s_t/∂s_{t−1}, t = T − τ + 1),
 * its norms and ‖J_t‖₂. *zero when the product became exactly zero. */
static int lag(lag_walk *lw, size_t tau, bt_jacobian_result *res, int *zero)
{
	size_t S = lw->S, t = lw->T - tau + 1;
	bt_seq_jacobian(lw->q, lw->model, lw->data, t, lw->J);
	for (size_t i = 0; i < S * S; i++)
		if (!isfinite(lw->J->data[i]))
			return BT_ENUMERIC;
	step_norm(lw, tau, res);
	gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, lw->P, lw->J, 0.0, lw->Q);
	gsl_matrix *tmp = lw->P;
	lw->P = lw->Q;
	lw->Q = tmp;
	gsl_vector_view pv = gsl_vector_view_array(lw->P->data, S * S);
	double f = gsl_blas_dnrm2(&pv.vector);
	if ((*zero = f == 0))
		return BT_OK;
	if (!isfinite(f))
		return BT_ENUMERIC;
	gsl_matrix_scale(lw->P, 1.0 / f);
	lw->ell += log10(f);
	if (lw->whole) {
		res->log10_normF[tau - 1] = lw->ell;
		res->log10_norm2[tau - 1] = lw->ell + log10(bt_norm2_warm(lw->P, lw->u, lw->w, 200));
	} else {
		block_norms(lw->P, lw->ell, lw->r0, lw->nr, lw->c0, lw->nc, lw->ub, lw->wb,
			    &res->log10_norm2[tau - 1], &res->log10_normF[tau - 1]);
	}
	return BT_OK;
}

/* The bound on log10‖P‖₂ at every lag: the product of the step norms
 * (gated cells, or no single W), or τ times the log of L_φ s_max(W), or of
 * 1 + L_φ s_max(W) for the residual RNN. */
static void bounds(const bt_model *model, double L, double lsm,
		   bt_jacobian_result *res)
{
	int kind = model->type->bound;
	for (size_t tau = 1; tau <= res->T; tau++) {
		double b;
		if (kind == BT_BOUND_STEPS || isnan(lsm))
			b = res->log10_prod_steps[tau - 1];
		else if (kind == BT_BOUND_RESIDUAL)
			b = (double)tau * log10(1.0 + L * pow(10.0, lsm));
		else
			b = (double)tau * (log10(L) + lsm);
		res->log10_bound[tau - 1] = b;
	}
}

static int lags(const bt_model *model, const bt_data *data, size_t r0,
		size_t nr, size_t c0, size_t nc, bt_jacobian_result *res)
{
	if (bt_data_check(model, data) != BT_OK || res->T != data->T)
		return BT_EINVAL;
	size_t T = data->T, S = model->state_size;
	if (nr < 1 || nc < 1 || r0 >= S || c0 >= S || nr > S - r0 || nc > S - c0)
		return BT_EINVAL;
	lag_walk lw = {.T = T, .S = S, .r0 = r0, .nr = nr, .c0 = c0, .nc = nc,
		       .whole = r0 == 0 && c0 == 0 && nr == S && nc == S};
	bt_progress pr;
	bt_progress_begin(&pr, "lags", T);
	int st = walk_open(&lw, model, data);
	double L = 1, lsm = NAN;
	if (st == BT_OK)
		st = bound_terms(model, &lsm, &L);
	if (st != BT_OK)
		goto done;
	res->lipschitz = L;
	res->log10_smax = lsm;
	lw.want_steps = !res->skip_steps || model->type->bound == BT_BOUND_STEPS ||
			isnan(lsm);
	for (size_t tau = 1; tau <= T; tau++) {
		if ((st = bt_progress_poll(&pr, tau - 1)) != BT_OK)
			goto done;
		int zero = 0;
		if ((st = lag(&lw, tau, res, &zero)) != BT_OK)
			goto done;
		if (zero) {
			zero_product(&lw, tau, res);
			break;
		}
	}
	bounds(model, L, lsm, res);
done:
	bt_progress_end(&pr);
	walk_close(&lw);
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
