/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_rnn.c — exercise 1, REFERENCE SOLUTION: the backward step of the
 * vanilla (tanh) RNN.
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = tanh(a_t)
 *
 * Matrices are row-major: W_ij is W[i * n + j], U_ij is U[i * d + j].
 * Grade it with  make grade EX=rnn STUDENT=lessons/solutions/ex_rnn.c */
#include <math.h>
#include "exercise.h"

enum { W, U, B, NBLOCKS };
/* block i of the parameters, and of the gradient */
#define P(i) (c->model->theta + c->model->blocks[i].offset)
#define G(i) (grad + c->model->blocks[i].offset)

static void rnn_layout(const bt_dims *dm, bt_block *blocks)
{
	blocks[W] = (bt_block){"W", dm->n, dm->n, 0};
	blocks[U] = (bt_block){"U", dm->n, dm->d, 0};
	blocks[B] = (bt_block){"b", dm->n, 1, 0};
}

static size_t size_n(const bt_dims *dm) { return dm->n; }

/* Given: a_t = W h_{t-1} + U x_t + b;  h_t = tanh(a_t). The cache keeps a_t. */
static void rnn_forward(const bt_step *c, const double *h_prev,
			const double *x, double *h, double *cache)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *Wm = P(W), *Um = P(U), *b = P(B);
	double *a = cache;
	for (size_t i = 0; i < n; i++) {
		a[i] = b[i];
		for (size_t j = 0; j < n; j++)
			a[i] += Wm[i * n + j] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			a[i] += Um[i * d + j] * x[j];
		h[i] = tanh(a[i]);
	}
}

/* Given dh = δh_t = ∂L/∂h_t, adds (+=):
 *   δa_t = δh_t ⊙ (1 − h_t²)
 *   ∂W += δa_t h_{t-1}ᵀ,  ∂U += δa_t x_tᵀ,  ∂b += δa_t
 *   δh_{t-1} += Wᵀ δa_t   (dh_prev, unless NULL)
 *   δx_t += Uᵀ δa_t       (dx, unless NULL) */
static void rnn_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *Wm = P(W), *Um = P(U);
	double *gW = G(W), *gU = G(U), *gb = G(B);
	double *da = c->scratch;
	(void)cache;
	for (size_t i = 0; i < n; i++)
		da[i] = dh[i] * (1.0 - h[i] * h[i]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			gW[i * n + j] += da[i] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			gU[i * d + j] += da[i] * x[j];
		gb[i] += da[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (dh_prev)
			for (size_t j = 0; j < n; j++)
				dh_prev[j] += Wm[i * n + j] * da[i];
		if (dx)
			for (size_t j = 0; j < d; j++)
				dx[j] += Um[i * d + j] * da[i];
	}
}

static const bt_cell_type student_rnn = {
	.name = "student_rnn",
	.summary = "exercise: tanh RNN with the student's backward step",
	.nblocks = NBLOCKS,
	.layout = rnn_layout,
	.state_size = size_n,
	.cache_size = size_n,     /* a_t */
	.scratch_size = size_n,   /* for δa_t */
	.init = ex_init_gaussian,
	.forward = rnn_forward,
	.backward = rnn_backward,
	.bound = BT_BOUND_STEPS,
};

const ex_exercise student_exercise = {.name = "rnn", .cell = &student_rnn};
