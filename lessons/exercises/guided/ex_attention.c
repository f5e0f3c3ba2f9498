/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_attention.c — exercise 6 (guided: the equations are given): the backward
 * step of an RNN with attention over its past inputs, the recurrent part
 * and the direct part.
 *
 *     core      a_t = W h_{t-1} + U x_t + b,   h_t = tanh(a_t)
 *     scores    s_{t,k} = h_tᵀ W_a x_k = x_kᵀ u_t,  u_t = W_aᵀ h_t,  k = 1 … t
 *     weights   α_{t,·} = softmax_k(s_{t,·})
 *     context   c_t = Σ_{k≤t} α_{t,k} x_k
 *     readout   ŷ_t = V h_t + V_c c_t + b_y
 *
 * The layout and both forward functions are given; write att_backward
 * (the core's step) and att_readout_backward (the attention term, which
 * reads x_1 … x_t directly), then grade them:
 *
 *     make grade EX=attention MODE=guided                       (this file)
 *     make grade EX=attention MODE=guided STUDENT=my_att.c      (your copy)
 *
 * Matrices are row-major. See lessons/exercises/README.md. */
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

/* TODO, the recurrent part (the RNN's step). Given dh = δh_t, ADD (+=):
 *   δa_t = δh_t ⊙ (1 − h_t²)
 *   ∂W += δa_t h_{t-1}ᵀ,  ∂U += δa_t x_tᵀ,  ∂b += δa_t
 *   δh_{t-1} += Wᵀ δa_t (dh_prev, unless NULL),  δx_t += Uᵀ δa_t (dx, unless NULL)
 * c->scratch has n doubles for δa_t. */
static void att_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	(void)c; (void)h_prev; (void)x; (void)h; (void)cache;
	(void)dh; (void)dh_prev; (void)dx; (void)grad;
	/* TODO */
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

/* TODO, the direct part. Given e = ∂L/∂ŷ_t (m values), X = x_1 … x_t (t
 * rows of d), ADD (+=):
 *   ∂V_c += e c_tᵀ,  δc = V_cᵀ e
 *   δα_k = x_kᵀ δc,  δs_k = α_k (δα_k − Σ_j α_j δα_j)      (the softmax)
 *   δu = Σ_k δs_k x_k,  δh_t += W_a δu (dh),  ∂W_a += h_t δuᵀ
 *   δx_k += δs_k u_t + α_k δc   (dX row k − 1, k = 1 … t, unless dX is NULL)
 * rs has 2t + 4d doubles: attend(c, t, h, X, alpha = rs, u = rs + 2t,
 * c_t = rs + 2t + d) fills α, u_t, c_t; use rs + t for δs, rs + 2t + 2d for
 * δc, rs + 2t + 3d for δu. */
static void att_readout_backward(const bt_step *c, size_t t, const double *h,
				 const double *X, const double *e, double *dh,
				 double *dX, double *grad, double *rs)
{
	(void)c; (void)t; (void)h; (void)X; (void)e; (void)dh; (void)dX;
	(void)grad; (void)rs;
	/* TODO */
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
