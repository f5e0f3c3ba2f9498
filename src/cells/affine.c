/* SPDX-License-Identifier: GPL-3.0-or-later */
/* affine.c — the affine family, shared by rnn, linear, residual and
 * orthogonal (and the affine maps inside attention and gru):
 *
 *     a_t = W h_{t-1} + U x_t + b,
 *     h_t = φ(a_t)   or, residual,   h_t = h_{t-1} + φ(a_t)
 *
 * Per-step reference: bt_affine_forward/backward, the affine map a of one
 * step and its backward step (each cell applies its own φ around them).
 * Batched kernels: bt_affine_batch_*, all four cells' batch_* members; the
 * record's params (a bt_affine_kind) says residual or not, W from θ or from
 * aux, and which φ. Also the blocks W, U, b the family shares: their
 * layout, initial values, the state size, L_φ and W for the instruments. */
#include <gsl/gsl_cblas.h>
#include <string.h>
#include "cells/cell.h"

/* a = W h + U x + b */
void bt_affine_forward(const bt_dims *dm, const double *W, const double *U,
		       const double *b, const double *h, const double *x,
		       double *a)
{
	int n = (int)dm->n, d = (int)dm->d;
	memcpy(a, b, dm->n * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, W, n, h, 1, 1.0, a, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0, U, d, x, 1, 1.0, a, 1);
}

/* Given δa = ∂L/∂a:  ∂W += δa hᵀ,  ∂U += δa xᵀ,  ∂b += δa,
 * δh += Wᵀ δa,  δx += Uᵀ δa. */
void bt_affine_backward(const bt_dims *dm, const double *W, const double *U,
			const double *h, const double *x, const double *da,
			double *gW, double *gU, double *gb, double *dh,
			double *dx)
{
	int n = (int)dm->n, d = (int)dm->d;
	cblas_dger(CblasRowMajor, n, n, 1.0, da, 1, h, 1, gW, n);
	cblas_dger(CblasRowMajor, n, d, 1.0, da, 1, x, 1, gU, d);
	cblas_daxpy(n, 1.0, da, 1, gb, 1);
	if (dh)
		cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, W, n, da, 1, 1.0, dh, 1);
	if (dx)
		cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, U, d, da, 1, 1.0, dx, 1);
}

/* The blocks W (n×n, named wname), U (n×d), b (n×1). */
void bt_layout_wub(const bt_dims *dm, bt_block *blocks, const char *wname)
{
	blocks[0] = (bt_block){wname, dm->n, dm->n, 0};
	blocks[1] = (bt_block){"U", dm->n, dm->d, 0};
	blocks[2] = (bt_block){"b", dm->n, 1, 0};
}

/* layout() of rnn, linear and residual: W, U, b. */
void bt_layout_affine(const bt_dims *dm, bt_block *blocks)
{
	bt_layout_wub(dm, blocks, "W");
}

/* n doubles: the state h_t (and the rnn's cache a_t and scratch δa_t). */
size_t bt_size_n(const bt_dims *dm) { return dm->n; }

/* L_φ of the model's activation (rnn, residual). */
double bt_lipschitz_activation(const bt_model *model)
{
	return bt_activation_lipschitz(model->activation);
}

/* W = block 0 of θ. */
void bt_recurrent_block0(const bt_step *c, gsl_matrix *W)
{
	const bt_model *model = c->model;
	memcpy(W->data, model->theta + model->blocks[0].offset,
	       model->dims.n * model->dims.n * sizeof(double));
}

/* W as bt_init_recurrent says, U Glorot-normal, b = 0. */
int bt_init_wub(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	double *th = model->theta;
	int st = bt_init_recurrent(th + model->blocks[0].offset, dm->n, rng, opt);
	bt_fill_gaussian(th + model->blocks[1].offset, dm->n * dm->d,
			 bt_glorot_sd(dm->d, dm->n), rng);
	return st;
}

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

/* ---- batched kernels of the affine family (rnn, linear, residual,
 * orthogonal): B sequences step together, see bt_batch_step in cell.h.
 *
 * Cache, one row of n per column (t, b): the input part U x_t + b before
 * the loop, a_t after the recurrent product, then p_t = φ(a_t) (φ'(a_t) is
 * computed from p_t), and after the backward step δa_t = φ'(a_t) ⊙ δp_t.
 * No work space: both per-step products read W itself (bt_batch_mm). */

size_t bt_affine_batch_cache_size(const bt_dims *dm) { return dm->n; }
size_t bt_affine_batch_work_size(const bt_dims *dm, size_t B)
{
	(void)dm;
	(void)B;
	return 0;
}

static const bt_affine_kind *affine_kind(const bt_batch_step *c)
{
	return c->step.model->type->params;
}

/* φ: the kind's, or the model's (the rnn's and residual's activation) */
static bt_activation affine_act(const bt_batch_step *c, const bt_affine_kind *k)
{
	return k->model_act ? c->step.model->activation : k->act;
}

static const double *affine_W(const bt_batch_step *c, const bt_affine_kind *k)
{
	const bt_model *model = c->step.model;
	return k->use_aux ? c->step.aux : P(0);
}

/* A_pre = X Uᵀ + b for all T·B columns (one GEMM) */
void bt_affine_batch_begin(const bt_batch_step *c)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, d = model->dims.d, N = c->T * c->B;
	const double *b = P(2);
	for (size_t r = 0; r < N; r++)
		memcpy(c->cache + r * n, b, n * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)n,
		    (int)d, 1.0, c->X, (int)d, P(1), (int)d, 1.0, c->cache,
		    (int)n);
}

/* a_t = A_pre,t + H_{t-1} Wᵀ;  p_t = φ(a_t);  h_t = p_t (+ h_{t-1}) */
void bt_affine_batch_forward(const bt_batch_step *c, size_t t)
{
	const bt_affine_kind *k = affine_kind(c);
	bt_activation act = affine_act(c, k);
	size_t n = c->step.model->dims.n, B = c->B, nb = n * B;
	const double *Hp = c->H + (t - 1) * nb;
	double *H = c->H + t * nb, *A = c->cache + (t - 1) * nb;
	bt_batch_mm(B, n, n, Hp, n, affine_W(c, k), n, 1, A, n, t);
	switch (act) {
	case BT_ACT_TANH:
		bt_vtanh(A, nb);
		break;
	case BT_ACT_SIGMOID:
		bt_vsigmoid(A, nb);
		break;
	case BT_ACT_IDENTITY:
		break;
	default:
		for (size_t i = 0; i < nb; i++)
			A[i] = bt_activation_apply(act, A[i]);
	}
	if (k->residual)
		for (size_t i = 0; i < nb; i++)
			H[i] = Hp[i] + A[i];
	else
		memcpy(H, A, nb * sizeof(double));
}

/* δa_t = φ'(a_t) ⊙ δh_t, kept in place of p_t;
 * δh_{t-1} += Wᵀ δa_t (+ δh_t when residual) */
void bt_affine_batch_backward(const bt_batch_step *c, size_t t)
{
	const bt_affine_kind *k = affine_kind(c);
	size_t n = c->step.model->dims.n, B = c->B, nb = n * B;
	const double *dH = c->dH + t * nb;
	double *D = c->cache + (t - 1) * nb;
	switch (affine_act(c, k)) {
	case BT_ACT_TANH:       /* φ' = 1 − p² */
		for (size_t i = 0; i < nb; i++)
			D[i] = (1.0 - D[i] * D[i]) * dH[i];
		break;
	case BT_ACT_SIGMOID:    /* φ' = p (1 − p) */
		for (size_t i = 0; i < nb; i++)
			D[i] = D[i] * (1.0 - D[i]) * dH[i];
		break;
	case BT_ACT_RELU:       /* φ' = [a > 0] = [p > 0] */
		for (size_t i = 0; i < nb; i++)
			D[i] = D[i] > 0 ? dH[i] : 0.0;
		break;
	case BT_ACT_IDENTITY:
		memcpy(D, dH, nb * sizeof(double));
		break;
	}
	if (t == 1)
		return;
	double *dHp = c->dH + (t - 1) * nb;
	if (k->residual)
		for (size_t i = 0; i < nb; i++)
			dHp[i] += dH[i];
	bt_batch_mm(B, n, n, D, n, affine_W(c, k), n, 0, dHp, n, t);
}

/* Over all T·B columns at once (D = [δa_1 … δa_T], H_- = [h_0 … h_{T-1}]):
 * ∂W += Dᵀ H_-,  ∂U += Dᵀ X,  ∂b += Σ rows of D,  dX += D U */
void bt_affine_batch_end(const bt_batch_step *c, double *grad, double *dX)
{
	const bt_affine_kind *k = affine_kind(c);
	const bt_model *model = c->step.model;
	int n = (int)model->dims.n, d = (int)model->dims.d;
	int N = (int)(c->T * c->B);
	const double *D = c->cache;
	double *gW = k->use_aux ? c->step.daux : G(0);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, N, 1.0, D, n,
		    c->H, n, 1.0, gW, n);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, d, N, 1.0, D, n,
		    c->X, d, 1.0, G(1), d);
	bt_add_rows((size_t)N, (size_t)n, D, (size_t)n, G(2));
	if (dX)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, d, n,
			    1.0, D, n, P(1), d, 1.0, dX, d);
}
