/* SPDX-License-Identifier: GPL-3.0-or-later */
/* readout.c — the readout and the masked loss, once for both drivers:
 *
 *     ŷ_t = V h_t + b_y,   ℓ_t = μ_t ½‖ŷ_t − y_t‖²,   e_t = μ_t (ŷ_t − y_t)
 *     (or the cross-entropy of softmax(ŷ_t): bt_loss_term)
 *     ∂V += e_t h_tᵀ,   ∂b_y += e_t,   δh_t += Vᵀ e_t
 *
 * per step (BLAS-2, for seq.c and the instruments) and over N = T·B rows
 * (BLAS-3, for batch.c). The two forms round differently (gemv and gemm
 * sum in other orders), so each driver keeps its own. */
#include <math.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "core/readout.h"

#define V_OF(model) ((model)->theta + (model)->blocks[(model)->type->nblocks].offset)
#define BY_OF(model) ((model)->theta + (model)->blocks[(model)->type->nblocks + 1].offset)

static const char *const loss_names[] = {"squared", "cross-entropy"};

const char *bt_loss_name(bt_loss_kind loss)
{
	return (unsigned)loss < 2 ? loss_names[loss] : NULL;
}

int bt_loss_from_name(const char *name)
{
	for (int k = 0; name && k < 2; k++)
		if (!strcmp(name, loss_names[k]))
			return k;
	return -1;
}

/* ℓ = μ ½‖ŷ − y‖²,  e = μ (ŷ − y) */
static double squared(size_t m, const double *yhat, const double *y,
		      double mu, double *e)
{
	double sq = 0;
	for (size_t i = 0; i < m; i++) {
		double diff = yhat[i] - y[i];
		sq += diff * diff;
		if (e)
			e[i] = mu * diff;
	}
	return mu * 0.5 * sq;
}

/* With z = ŷ and lse = log Σ_i exp z_i (from the largest z, so that it
 * neither over- nor underflows):
 *     ℓ = −μ Σ_i y_i (z_i − lse) = μ (lse Σ_i y_i − Σ_i y_i z_i)
 *     e = μ (softmax(z) Σ_i y_i − y) */
static double cross_entropy(size_t m, const double *z, const double *y,
			    double mu, double *e)
{
	double zmax = z[0];
	for (size_t i = 1; i < m; i++)
		if (z[i] > zmax)
			zmax = z[i];
	double sum = 0, sy = 0, syz = 0;
	for (size_t i = 0; i < m; i++) {
		sum += exp(z[i] - zmax);
		sy += y[i];
		syz += y[i] * z[i];
	}
	double lse = zmax + log(sum);
	double l = mu * (lse * sy - syz);
	if (e)
		for (size_t i = 0; i < m; i++)
			e[i] = mu * (exp(z[i] - lse) * sy - y[i]);
	return l;
}

double bt_loss_term(bt_loss_kind loss, size_t m, const double *yhat,
		    const double *y, double mu, double *e)
{
	if (mu == 0) {
		if (e)
			memset(e, 0, m * sizeof(double));
		return 0;
	}
	return loss == BT_LOSS_CROSS_ENTROPY ? cross_entropy(m, yhat, y, mu, e)
					     : squared(m, yhat, y, mu, e);
}

/* L = Σ_r ℓ_r,  E = ∂L/∂Ŷ in place of Ŷ */
double bt_loss_rows(bt_loss_kind loss, size_t N, size_t m, double *YE,
		    const double *Y, const double *MU)
{
	double L = 0;
	for (size_t r = 0; r < N; r++)
		L += bt_loss_term(loss, m, YE + r * m, Y + r * m, MU[r], YE + r * m);
	return L;
}

double bt_loss_per_step(bt_loss_kind loss, double L, double count)
{
	if (!(count > 0))
		return NAN;
	return loss == BT_LOSS_CROSS_ENTROPY ? L / count : 2 * L / count;
}

/* ŷ_t = V h_t + b_y (+ the extra readout term) */
void bt_readout_step(const bt_step *c, size_t t, const double *h,
		     const double *X, double *yhat, double *rscratch)
{
	const bt_model *model = c->model;
	int m = (int)model->dims.m, n = (int)model->dims.n;
	memcpy(yhat, BY_OF(model), model->dims.m * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, m, n, 1.0, V_OF(model), n, h,
		    1, 1.0, yhat, 1);
	if (model->type->readout_forward)
		model->type->readout_forward(c, t, h, X, yhat, rscratch);
}

/* ∂V += e hᵀ,  ∂b_y += e,  δh += Vᵀ e (+ the extra readout's parts) */
void bt_readout_step_backward(const bt_step *c, size_t t, const double *h,
			      const double *X, const double *e, double *dh,
			      double *dX, double *grad, double *rscratch)
{
	const bt_model *model = c->model;
	const bt_cell_type *ty = model->type;
	int m = (int)model->dims.m, n = (int)model->dims.n;
	size_t iV = ty->nblocks;
	if (grad) {
		cblas_dger(CblasRowMajor, m, n, 1.0, e, 1, h, 1,
			   grad + model->blocks[iV].offset, n);
		cblas_daxpy(m, 1.0, e, 1, grad + model->blocks[iV + 1].offset, 1);
	}
	cblas_dgemv(CblasRowMajor, CblasTrans, m, n, 1.0, V_OF(model), n, e, 1,
		    1.0, dh, 1);
	if (ty->readout_backward)
		ty->readout_backward(c, t, h, X, e, dh, dX, grad, rscratch);
}

/* Ŷ = H Vᵀ + b_y */
void bt_readout_rows(const bt_model *model, size_t N, const double *H,
		     double *Yhat)
{
	size_t m = model->dims.m, n = model->dims.n;
	const double *by = BY_OF(model);
	for (size_t r = 0; r < N; r++)
		memcpy(Yhat + r * m, by, m * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)m,
		    (int)n, 1.0, H, (int)n, V_OF(model), (int)n, 1.0, Yhat,
		    (int)m);
}

/* δH = E V,  ∂V += Eᵀ H,  ∂b_y += Σ_r e_r */
void bt_readout_rows_backward(const bt_model *model, size_t N, const double *E,
			      const double *H, double *dH, double *grad)
{
	size_t m = model->dims.m, n = model->dims.n, iV = model->type->nblocks;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)n,
		    (int)m, 1.0, E, (int)m, V_OF(model), (int)n, 0.0, dH, (int)n);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n,
		    (int)N, 1.0, E, (int)m, H, (int)n, 1.0,
		    grad + model->blocks[iV].offset, (int)n);
	bt_add_rows(N, m, E, m, grad + model->blocks[iV + 1].offset);
}
