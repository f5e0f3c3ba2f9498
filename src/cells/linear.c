/* SPDX-License-Identifier: GPL-3.0-or-later */
/* linear.c — the linear RNN:
 *
 *     h_t = W h_{t-1} + U x_t + b
 *
 * (the rnn with φ = identity, whatever the model's activation field says).
 * Per-step reference: linear_forward, linear_backward, linear_jacobian
 * below, around the affine map of affine.c. Batched kernels: the affine
 * family's (affine.c), with φ = identity. */
#include <string.h>
#include "cells/cell.h"

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static void linear_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	(void)cache;
	/* h_t = W h_{t-1} + U x_t + b */
	bt_affine_forward(&model->dims, P(0), P(1), P(2), s_prev, x, s);
}

static void linear_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *scratch = c->scratch;
	(void)s; (void)cache; (void)scratch;
	/* δa_t = δh_t */
	bt_affine_backward(&model->dims, P(0), P(1), s_prev, x, ds, G(0), G(1),
			   G(2), ds_prev, dx);
}

static void linear_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)s_prev; (void)x; (void)s; (void)cache;
	/* J_t = W */
	gsl_matrix_const_view W = gsl_matrix_const_view_array(P(0), model->dims.n,
							      model->dims.n);
	gsl_matrix_memcpy(J, &W.matrix);
}

static size_t zero_size(const bt_dims *dm) { (void)dm; return 0; }

const bt_cell_type bt_cell_linear = {
	.name = "linear",
	.summary = "linear RNN, h_t = W h_{t-1} + U x_t + b",
	.has_activation = 0,
	.nblocks = 3,
	.layout = bt_layout_affine,
	.state_size = bt_size_n,
	.cache_size = zero_size,
	.scratch_size = zero_size,
	.init = bt_init_wub,
	.forward = linear_forward,
	.backward = linear_backward,
	.jacobian = linear_jacobian,
	.recurrent = bt_recurrent_block0,
	.batch_cache_size = bt_affine_batch_cache_size,
	.batch_work_size = bt_affine_batch_work_size,
	.batch_begin = bt_affine_batch_begin,
	.batch_forward = bt_affine_batch_forward,
	.batch_backward = bt_affine_batch_backward,
	.batch_end = bt_affine_batch_end,
	.batch_min_n = 112,
	.params = &(const bt_affine_kind){.act = BT_ACT_IDENTITY},
};
