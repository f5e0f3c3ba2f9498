/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_attention.c — exercise 6, REFERENCE SOLUTION: the backward step of an
 * RNN with attention over its past inputs, the recurrent part and the
 * direct part.
 *
 *     core      a_t = W h_{t-1} + U x_t + b,   h_t = tanh(a_t)
 *     scores    s_{t,k} = h_tᵀ W_a x_k = x_kᵀ u_t,  u_t = W_aᵀ h_t,  k = 1 … t
 *     weights   α_{t,·} = softmax_k(s_{t,·})
 *     context   c_t = Σ_{k≤t} α_{t,k} x_k
 *     readout   ŷ_t = V h_t + V_c c_t + b_y
 *
 * The recurrent part is the core's step (att_backward). The direct part
 * (att_readout_backward) takes e = ∂L/∂ŷ_t and sends the attention's share
 * of the gradient to h_t, to W_a and V_c, and to every x_k, k ≤ t, directly
 * (not through the states). Matrices are row-major. Grade it with
 *     make grade EX=attention STUDENT=lessons/solutions/ex_attention.c */
#include <math.h>
#include <string.h>
#include "exercise.h"

enum { W, U, B, WA, VC, NBLOCKS };
#define P(i) (c->model->theta + c->model->blocks[i].offset)
#define G(i) (grad + c->model->blocks[i].offset)

static void att_layout(const bt_dims *dm, bt_block *blocks)
{
	blocks[W] = (bt_block){"W", dm->n, dm->n, 0};
	blocks[U] = (bt_block){"U", dm->n, dm->d, 0};
	blocks[B] = (bt_block){"b", dm->n, 1, 0};
	blocks[WA] = (bt_block){"W_a", dm->n, dm->d, 0};
	blocks[VC] = (bt_block){"V_c", dm->m, dm->d, 0};
}

static size_t size_n(const bt_dims *dm) { return dm->n; }
/* readout scratch: α (t), δs (t), u, c, δc, δu (d each) */
static size_t size_rs(const bt_dims *dm, size_t T) { return 2 * T + 4 * dm->d; }

/* Given: the core, h_t = tanh(W h_{t-1} + U x_t + b). */
static void att_forward(const bt_step *c, const double *h_prev,
			const double *x, double *h, double *cache)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *Wm = P(W), *Um = P(U), *b = P(B);
	(void)cache;
	for (size_t i = 0; i < n; i++) {
		double a = b[i];
		for (size_t j = 0; j < n; j++)
			a += Wm[i * n + j] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			a += Um[i * d + j] * x[j];
		h[i] = tanh(a);
	}
}

/* The recurrent part: δa_t = δh_t ⊙ (1 − h_t²), then as the RNN. */
static void att_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *Wm = P(W), *Um = P(U);
	double *da = c->scratch;
	(void)cache;
	for (size_t i = 0; i < n; i++)
		da[i] = dh[i] * (1.0 - h[i] * h[i]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			G(W)[i * n + j] += da[i] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			G(U)[i * d + j] += da[i] * x[j];
		G(B)[i] += da[i];
		if (dh_prev)
			for (size_t j = 0; j < n; j++)
				dh_prev[j] += Wm[i * n + j] * da[i];
		if (dx)
			for (size_t j = 0; j < d; j++)
				dx[j] += Um[i * d + j] * da[i];
	}
}

/* Given: u = W_aᵀ h, α = softmax(X u) over the t rows of X, c = Xᵀ α. */
static void attend(const bt_step *c, size_t t, const double *h,
		   const double *X, double *alpha, double *u, double *ctx)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *Wa = P(WA);
	for (size_t j = 0; j < d; j++) {
		u[j] = 0;
		for (size_t i = 0; i < n; i++)
			u[j] += Wa[i * d + j] * h[i];
	}
	double mx = -INFINITY, z = 0;
	for (size_t k = 0; k < t; k++) {
		alpha[k] = 0;
		for (size_t j = 0; j < d; j++)
			alpha[k] += X[k * d + j] * u[j];
		mx = fmax(mx, alpha[k]);
	}
	for (size_t k = 0; k < t; k++)
		z += (alpha[k] = exp(alpha[k] - mx));
	for (size_t k = 0; k < t; k++)
		alpha[k] /= z;
	for (size_t j = 0; j < d; j++) {
		ctx[j] = 0;
		for (size_t k = 0; k < t; k++)
			ctx[j] += alpha[k] * X[k * d + j];
	}
}

/* Given: ŷ_t += V_c c_t. */
static void att_readout_forward(const bt_step *c, size_t t, const double *h,
				const double *X, double *yhat, double *rs)
{
	size_t d = c->model->dims.d, m = c->model->dims.m;
	double *alpha = rs, *u = rs + 2 * t, *ctx = u + d;
	const double *Vc = P(VC);
	attend(c, t, h, X, alpha, u, ctx);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < d; j++)
			yhat[i] += Vc[i * d + j] * ctx[j];
}

/* The direct part, given e = ∂L/∂ŷ_t:
 *   ∂V_c += e c_tᵀ,  δc = V_cᵀ e
 *   δα_k = x_kᵀ δc,  δs_k = α_k (δα_k − Σ_j α_j δα_j)       (softmax)
 *   δu = Σ_k δs_k x_k,  δh_t += W_a δu,  ∂W_a += h_t δuᵀ
 *   δx_k += δs_k u_t + α_k δc                  (score and context), k ≤ t */
static void att_readout_backward(const bt_step *c, size_t t, const double *h,
				 const double *X, const double *e, double *dh,
				 double *dX, double *grad, double *rs)
{
	size_t n = c->model->dims.n, d = c->model->dims.d, m = c->model->dims.m;
	double *alpha = rs, *ds = rs + t, *u = rs + 2 * t, *ctx = u + d,
	       *dc = ctx + d, *du = dc + d;
	const double *Vc = P(VC), *Wa = P(WA);
	attend(c, t, h, X, alpha, u, ctx);
	for (size_t j = 0; j < d; j++) {
		dc[j] = 0;
		for (size_t i = 0; i < m; i++) {
			G(VC)[i * d + j] += e[i] * ctx[j];
			dc[j] += Vc[i * d + j] * e[i];
		}
	}
	double mean = 0;
	for (size_t k = 0; k < t; k++) {
		ds[k] = 0;
		for (size_t j = 0; j < d; j++)
			ds[k] += X[k * d + j] * dc[j];
		mean += alpha[k] * ds[k];
	}
	for (size_t k = 0; k < t; k++)
		ds[k] = alpha[k] * (ds[k] - mean);
	for (size_t j = 0; j < d; j++) {
		du[j] = 0;
		for (size_t k = 0; k < t; k++)
			du[j] += ds[k] * X[k * d + j];
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < d; j++) {
			dh[i] += Wa[i * d + j] * du[j];
			G(WA)[i * d + j] += h[i] * du[j];
		}
	if (dX)
		for (size_t k = 0; k < t; k++)
			for (size_t j = 0; j < d; j++)
				dX[k * d + j] += ds[k] * u[j] + alpha[k] * dc[j];
}

static const bt_cell_type student_attention = {
	.name = "student_attention",
	.summary = "exercise: RNN with attention, the student's backward step",
	.nblocks = NBLOCKS,
	.layout = att_layout,
	.state_size = size_n,
	.cache_size = size_n,
	.scratch_size = size_n,   /* δa_t */
	.init = ex_init_gaussian,
	.forward = att_forward,
	.backward = att_backward,
	.bound = BT_BOUND_STEPS,
	.readout_scratch_size = size_rs,
	.readout_forward = att_readout_forward,
	.readout_backward = att_readout_backward,
};

const ex_exercise student_exercise = {.name = "attention", .cell = &student_attention};
