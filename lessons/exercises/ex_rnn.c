/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_rnn.c — exercise 1: the backward step of the vanilla (tanh) RNN.
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = tanh(a_t)
 *
 * The layout and the forward step are given; write rnn_backward (the
 * TODO below), then grade it:
 *
 *     make grade EX=rnn                      (this file)
 *     make grade EX=rnn STUDENT=my_rnn.c     (your copy)
 *
 * Matrices are row-major: W_ij is W[i * n + j], U_ij is U[i * d + j].
 * See README.md in this directory. */
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

/* TODO: the backward step; derive it from the forward step above.
 * Given dh = ∂L/∂h_t (n values: everything the later steps and the readout
 * send back to h_t), ADD (+=; the caller zeroes the buffers once, every
 * step adds) this step's share of
 *
 *   ∂L/∂W (n×n) into G(W), ∂L/∂U (n×d) into G(U), ∂L/∂b (n) into G(B),
 *   ∂L/∂h_{t-1} (n) into dh_prev and ∂L/∂x_t (d) into dx,
 *
 * skipping dh_prev or dx when it is NULL (NULL means: not needed).
 * Row-major: ∂W_ij is G(W)[i * n + j], ∂U_ij is G(U)[i * d + j].
 * n = c->model->dims.n, d = c->model->dims.d; P(W) is the matrix W;
 * h is h_t, cache holds a_t; c->scratch has room for n doubles. */
static void rnn_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	(void)c; (void)h_prev; (void)x; (void)h; (void)cache;
	(void)dh; (void)dh_prev; (void)dx; (void)grad;
	/* TODO */
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
