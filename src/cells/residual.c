/* SPDX-License-Identifier: GPL-3.0-or-later */
/* residual.c — the residual RNN:
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = h_{t-1} + φ(a_t)
 *
 * so that J_t = I + diag(φ'(a_t)) W: the identity path carries gradients.
 * Per-step reference: residual_forward, residual_backward,
 * residual_jacobian below, around the affine map of affine.c. Batched
 * kernels: the affine family's (affine.c), residual, with φ the model's. */
#include <gsl/gsl_cblas.h>
#include "cells/cell.h"

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static void residual_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const bt_dims *dm = &model->dims;
	double *a = cache;
	/* a_t = W h_{t-1} + U x_t + b;  h_t = h_{t-1} + φ(a_t) */
	bt_affine_forward(dm, P(0), P(1), P(2), s_prev, x, a);
	for (size_t i = 0; i < dm->n; i++)
		s[i] = s_prev[i] + bt_activation_apply(model->activation, a[i]);
}

static void residual_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *scratch = c->scratch;
	(void)s;
	const bt_dims *dm = &model->dims;
	const double *a = cache;
	double *da = scratch;
	/* δa_t = φ'(a_t) ⊙ δh_t;  δh_{t-1} += δh_t + Wᵀ δa_t */
	for (size_t i = 0; i < dm->n; i++)
		da[i] = bt_activation_deriv(model->activation, a[i]) * ds[i];
	if (ds_prev)
		cblas_daxpy((int)dm->n, 1.0, ds, 1, ds_prev, 1);
	bt_affine_backward(dm, P(0), P(1), s_prev, x, da, G(0), G(1), G(2),
			   ds_prev, dx);
}

static void residual_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)s_prev; (void)x; (void)s;
	size_t n = model->dims.n;
	const double *W = P(0);
	/* J_t = I + diag(φ'(a_t)) W */
	for (size_t i = 0; i < n; i++) {
		double g = bt_activation_deriv(model->activation, cache[i]);
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(J, i, j, g * W[i * n + j] + (i == j));
	}
}

static const bt_graph_node residual_nodes[] = {{"h", "<i>h</i>", 0}};
static const bt_graph_edge residual_edges[] = {
	{"h", 1, "h", "<i>I</i> (skip)"},
	{"h", 1, "h", "<i>W</i>, φ"},
	{"x", 0, "h", "<i>U</i>, φ"},
};
static const bt_cell_graph residual_graph = {1, 3, residual_nodes, residual_edges, NULL, NULL,
	"h<sub>t</sub> = h<sub>t−1</sub> + φ(<i>W</i> h<sub>t−1</sub> + <i>U</i> x<sub>t</sub> + b): the identity path skips φ"};

const bt_cell_type bt_cell_residual = {
	.name = "residual",
	.summary = "residual RNN, h_t = h_{t-1} + phi(W h_{t-1} + U x_t + b)",
	.has_activation = 1,
	.nblocks = 3,
	.layout = bt_layout_affine,
	.state_size = bt_size_n,
	.cache_size = bt_size_n,
	.scratch_size = bt_size_n,
	.init = bt_init_wub,
	.forward = residual_forward,
	.backward = residual_backward,
	.jacobian = residual_jacobian,
	.recurrent = bt_recurrent_block0,
	.bound = BT_BOUND_RESIDUAL,
	.lipschitz = bt_lipschitz_activation,
	.batch_cache_size = bt_affine_batch_cache_size,
	.batch_work_size = bt_affine_batch_work_size,
	.batch_begin = bt_affine_batch_begin,
	.batch_forward = bt_affine_batch_forward,
	.batch_backward = bt_affine_batch_backward,
	.batch_end = bt_affine_batch_end,
	.batch_min_n = 112,
	.params = &(const bt_affine_kind){.residual = 1, .model_act = 1},
	.graph = &residual_graph,
};
