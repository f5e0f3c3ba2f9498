/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rnn.c — the vanilla RNN:
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = φ(a_t)
 *
 * with φ = tanh (default), relu, sigmoid or identity, the model's
 * activation. Per-step reference: rnn_forward, rnn_backward, rnn_jacobian
 * below, around the affine map of affine.c. Batched kernels: the affine
 * family's (affine.c), with φ the model's. */
#include "cells/cell.h"

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static void rnn_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const bt_dims *dm = &model->dims;
	double *a = cache;
	/* a_t = W h_{t-1} + U x_t + b;  h_t = φ(a_t) */
	bt_affine_forward(dm, P(0), P(1), P(2), s_prev, x, a);
	for (size_t i = 0; i < dm->n; i++)
		s[i] = bt_activation_apply(model->activation, a[i]);
}

static void rnn_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *scratch = c->scratch;
	(void)s;
	const bt_dims *dm = &model->dims;
	const double *a = cache;
	double *da = scratch;
	/* δa_t = φ'(a_t) ⊙ δh_t */
	for (size_t i = 0; i < dm->n; i++)
		da[i] = bt_activation_deriv(model->activation, a[i]) * ds[i];
	bt_affine_backward(dm, P(0), P(1), s_prev, x, da, G(0), G(1), G(2),
			   ds_prev, dx);
}

static void rnn_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)s_prev; (void)x; (void)s;
	size_t n = model->dims.n;
	const double *W = P(0);
	/* J_t = diag(φ'(a_t)) W, row by row through the array (gsl_matrix_set
	 * per entry, a call with a range check, would dominate bptt
	 * lyapunov) */
	for (size_t i = 0; i < n; i++) {
		double g = bt_activation_deriv(model->activation, cache[i]);
		double *Ji = J->data + i * J->tda;
		for (size_t j = 0; j < n; j++)
			Ji[j] = g * W[i * n + j];
	}
}

const bt_cell_type bt_cell_rnn = {
	.name = "rnn",
	.summary = "vanilla RNN, h_t = phi(W h_{t-1} + U x_t + b)",
	.has_activation = 1,
	.nblocks = 3,
	.layout = bt_layout_affine,
	.state_size = bt_size_n,
	.cache_size = bt_size_n,
	.scratch_size = bt_size_n,
	.init = bt_init_wub,
	.forward = rnn_forward,
	.backward = rnn_backward,
	.jacobian = rnn_jacobian,
	.recurrent = bt_recurrent_block0,
	.bound = BT_BOUND_POWER,
	.lipschitz = bt_lipschitz_activation,
	.batch_cache_size = bt_affine_batch_cache_size,
	.batch_work_size = bt_affine_batch_work_size,
	.batch_begin = bt_affine_batch_begin,
	.batch_forward = bt_affine_batch_forward,
	.batch_backward = bt_affine_batch_backward,
	.batch_end = bt_affine_batch_end,
	.batch_min_n = 112,
	.params = &(const bt_affine_kind){.model_act = 1},
};
