/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_lstm.c — exercise 3 (guided: the equations are given): the backward step of the LSTM (no peepholes).
 *
 *     f_t = σ(W_f h_{t-1} + U_f x_t + b_f)      forget gate
 *     i_t = σ(W_i h_{t-1} + U_i x_t + b_i)      input gate
 *     o_t = σ(W_o h_{t-1} + U_o x_t + b_o)      output gate
 *     g_t = tanh(W_g h_{t-1} + U_g x_t + b_g)   candidate c̃_t
 *     c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
 *     h_t = o_t ⊙ tanh(c_t)
 *
 * The state is s_t = [h_t; c_t] (2n values, h first), so the gradient that
 * arrives is ds = [δh_t; δc_t] and the one you send back is
 * ds_prev = [δh_{t-1}; δc_{t-1}]. Matrices are row-major (W_ij is
 * W[i * n + j]).
 *
 * The layout and the forward step are given; write lstm_backward (the TODO
 * below), then grade it:  make grade EX=lstm MODE=guided [STUDENT=my_lstm.c]
 * See lessons/exercises/README.md. */
#include <math.h>
#include "exercise.h"

/* W_f W_i W_o W_g are blocks 0–3, U_f … U_g 4–7, b_f … b_g 8–11; gate k
 * (f, i, o, g = 0, 1, 2, 3) has W = P(IW + k), U = P(IU + k), b = P(IB + k). */
enum { IW = 0, IU = 4, IB = 8, NBLOCKS = 12 };
#define P(i) (c->model->theta + c->model->blocks[i].offset)
#define G(i) (grad + c->model->blocks[i].offset)

static void lstm_layout(const bt_dims *dm, bt_block *blocks)
{
	static const char *const names[NBLOCKS] = {
		"W_f", "W_i", "W_o", "W_g", "U_f", "U_i", "U_o", "U_g",
		"b_f", "b_i", "b_o", "b_g"};
	for (int k = 0; k < 4; k++) {
		blocks[IW + k] = (bt_block){names[IW + k], dm->n, dm->n, 0};
		blocks[IU + k] = (bt_block){names[IU + k], dm->n, dm->d, 0};
		blocks[IB + k] = (bt_block){names[IB + k], dm->n, 1, 0};
	}
}

static size_t size_2n(const bt_dims *dm) { return 2 * dm->n; }
static size_t size_4n(const bt_dims *dm) { return 4 * dm->n; }
static size_t size_5n(const bt_dims *dm) { return 5 * dm->n; }

static double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* Given. The cache keeps f_t, i_t, o_t, g_t and tanh(c_t) (5n); c_{t-1}
 * is the second half of s_prev, c_t the second half of s. */
static void lstm_forward(const bt_step *c, const double *s_prev,
			 const double *x, double *s, double *cache)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *h_prev = s_prev, *c_prev = s_prev + n;
	double *h = s, *ct = s + n, *tc = cache + 4 * n;
	for (size_t k = 0; k < 4; k++) {
		const double *W = P(IW + k), *U = P(IU + k), *b = P(IB + k);
		double *gate = cache + k * n;   /* f, i, o, g */
		for (size_t i = 0; i < n; i++) {
			double a = b[i];
			for (size_t j = 0; j < n; j++)
				a += W[i * n + j] * h_prev[j];
			for (size_t j = 0; j < d; j++)
				a += U[i * d + j] * x[j];
			gate[i] = k < 3 ? sigmoid(a) : tanh(a);
		}
	}
	const double *f = cache, *ig = cache + n, *o = cache + 2 * n,
		     *g = cache + 3 * n;
	for (size_t i = 0; i < n; i++) {
		ct[i] = f[i] * c_prev[i] + ig[i] * g[i];
		tc[i] = tanh(ct[i]);
		h[i] = o[i] * tc[i];
	}
}

/* TODO: the backward step. Given ds = [δh_t; δc_t] (2n values), ADD (+=)
 * into grad, ds_prev = [δh_{t-1}; δc_{t-1}] and dx (either may be NULL:
 * then skip it):
 *
 *   δc̄_t = δc_t + δh_t ⊙ o_t ⊙ (1 − tanh²(c_t))     all of ∂L/∂c_t
 *   δa_f = δc̄_t ⊙ c_{t-1} ⊙ f_t ⊙ (1 − f_t)
 *   δa_i = δc̄_t ⊙ g_t ⊙ i_t ⊙ (1 − i_t)
 *   δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t ⊙ (1 − o_t)
 *   δa_g = δc̄_t ⊙ i_t ⊙ (1 − g_t²)
 *
 *   ∂W_* += δa_* h_{t-1}ᵀ,  ∂U_* += δa_* x_tᵀ,  ∂b_* += δa_*   (* = f, i, o, g)
 *   δh_{t-1} += W_fᵀ δa_f + W_iᵀ δa_i + W_oᵀ δa_o + W_gᵀ δa_g
 *   δc_{t-1} += δc̄_t ⊙ f_t
 *   δx_t += U_fᵀ δa_f + U_iᵀ δa_i + U_oᵀ δa_o + U_gᵀ δa_g
 *
 * The cache holds f_t, i_t, o_t, g_t, tanh(c_t) (n each, in that order);
 * c_{t-1} is s_prev + n. c->scratch has 4n doubles for you (the four δa,
 * in the order f, i, o, g, match the blocks: P(IW + k) is gate k's W). */
static void lstm_backward(const bt_step *c, const double *s_prev,
			  const double *x, const double *s, const double *cache,
			  const double *ds, double *ds_prev, double *dx,
			  double *grad)
{
	(void)c; (void)s_prev; (void)x; (void)s; (void)cache;
	(void)ds; (void)ds_prev; (void)dx; (void)grad;
	/* TODO */
}

static const bt_cell_type student_lstm = {
	.name = "student_lstm",
	.summary = "exercise: LSTM with the student's backward step",
	.nblocks = NBLOCKS,
	.layout = lstm_layout,
	.state_size = size_2n,     /* [h_t; c_t] */
	.cache_size = size_5n,     /* f_t, i_t, o_t, g_t, tanh(c_t) */
	.scratch_size = size_4n,   /* for δa_f, δa_i, δa_o, δa_g */
	.init = ex_init_gaussian,
	.forward = lstm_forward,
	.backward = lstm_backward,
	.bound = BT_BOUND_STEPS,
};

const ex_exercise student_exercise = {.name = "lstm", .cell = &student_lstm};
