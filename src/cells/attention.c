/* SPDX-License-Identifier: GPL-3.0-or-later */
/* attention.c — an RNN with attention over its past inputs:
 *
 *     core      h_t = tanh(W h_{t-1} + U x_t + b)
 *     scores    s_{t,k} = h_tᵀ W_a x_k,   k = 1 … t
 *     weights   α_{t,·} = softmax_k(s_{t,·})
 *     context   c_t = Σ_{k≤t} α_{t,k} x_k
 *     readout   ŷ_t = V h_t + V_c c_t + b_y
 *
 * The core is a step of the record like any other; scores and context are
 * an extra readout term that reads x_1 … x_t directly, so its gradients
 * reach the inputs without passing through the states (and survive
 * truncation). Nothing of the attention is stored: backward recomputes the
 * t scores, O(t·d) per step, O(T²·d) per sequence, O(T) memory.
 *
 * Per-step reference: att_forward, att_backward, att_jacobian (the core,
 * around the affine map of affine.c) and att_readout_forward/backward (the
 * attention term). No batched kernels (see the record). */
#include <math.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "cells/cell.h"

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)
enum { BW, BU, Bb, BWa, BVc };

static void att_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	(void)cache;
	/* h_t = tanh(W h_{t-1} + U x_t + b) */
	bt_affine_forward(&model->dims, P(BW), P(BU), P(Bb), s_prev, x, s);
	for (size_t i = 0; i < model->dims.n; i++)
		s[i] = tanh(s[i]);
}

static void att_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *da = c->scratch;
	(void)cache;
	/* δa_t = (1 − h_t²) ⊙ δh_t */
	for (size_t i = 0; i < model->dims.n; i++)
		da[i] = (1.0 - s[i] * s[i]) * ds[i];
	bt_affine_backward(&model->dims, P(BW), P(BU), s_prev, x, da, G(BW),
			   G(BU), G(Bb), ds_prev, dx);
}

static void att_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	size_t n = model->dims.n;
	const double *W = P(BW);
	(void)s_prev; (void)x; (void)cache;
	/* J_t = diag(1 − h_t²) W (the core; attention reads no past state) */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(J, i, j, (1.0 - s[i] * s[i]) * W[i * n + j]);
}

/* readout scratch: scores/weights (T), u and c (d each), δα or δs (T),
 * δc and δu (d each) */
static size_t att_rscratch(const bt_dims *dm, size_t T)
{
	return 2 * T + 4 * dm->d;
}

/* u = W_aᵀ h_t;  s_k = x_kᵀ u;  α = softmax(s);  c = Σ_k α_k x_k.
 * Leaves α in alpha (t values), u and c. */
static void attend(const bt_model *model, size_t t, const double *h,
		   const double *X, double *alpha, double *u, double *ctx)
{
	int n = (int)model->dims.n, d = (int)model->dims.d, ti = (int)t;
	cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, P(BWa), d, h, 1, 0.0, u, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, ti, d, 1.0, X, d, u, 1, 0.0, alpha, 1);
	double mx = alpha[0], z = 0;
	for (size_t k = 1; k < t; k++)
		mx = fmax(mx, alpha[k]);
	for (size_t k = 0; k < t; k++)
		z += (alpha[k] = exp(alpha[k] - mx));
	for (size_t k = 0; k < t; k++)
		alpha[k] /= z;
	cblas_dgemv(CblasRowMajor, CblasTrans, ti, d, 1.0, X, d, alpha, 1, 0.0, ctx, 1);
}

static void att_readout_forward(const bt_step *c, size_t t, const double *h,
				const double *X, double *yhat, double *rs)
{
	const bt_model *model = c->model;
	size_t d = model->dims.d;
	double *alpha = rs, *u = rs + 2 * t, *ctx = u + d;
	attend(model, t, h, X, alpha, u, ctx);
	/* ŷ_t += V_c c_t */
	cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)model->dims.m, (int)d, 1.0,
		    P(BVc), (int)d, ctx, 1, 1.0, yhat, 1);
}

static void att_readout_backward(const bt_step *c, size_t t, const double *h,
				 const double *X, const double *e, double *dh,
				 double *dX, double *grad, double *rs)
{
	const bt_model *model = c->model;
	int n = (int)model->dims.n, d = (int)model->dims.d,
	    m = (int)model->dims.m, ti = (int)t;
	double *alpha = rs, *dsc = rs + t, *u = rs + 2 * t, *ctx = u + d,
	       *dc = ctx + d, *du = dc + d;
	attend(model, t, h, X, alpha, u, ctx);
	/* ∂V_c += e c_tᵀ;  δc = V_cᵀ e */
	cblas_dger(CblasRowMajor, m, d, 1.0, e, 1, ctx, 1, G(BVc), d);
	cblas_dgemv(CblasRowMajor, CblasTrans, m, d, 1.0, P(BVc), d, e, 1, 0.0, dc, 1);
	/* δα_k = x_kᵀ δc;  δs_k = α_k (δα_k − Σ_j α_j δα_j) */
	cblas_dgemv(CblasRowMajor, CblasNoTrans, ti, d, 1.0, X, d, dc, 1, 0.0, dsc, 1);
	double mean = 0;
	for (size_t k = 0; k < t; k++)
		mean += alpha[k] * dsc[k];
	for (size_t k = 0; k < t; k++)
		dsc[k] = alpha[k] * (dsc[k] - mean);
	/* s_k = x_kᵀ u:  δu = Σ_k δs_k x_k;  u = W_aᵀ h:  δh += W_a δu,
	 * ∂W_a += h δuᵀ */
	cblas_dgemv(CblasRowMajor, CblasTrans, ti, d, 1.0, X, d, dsc, 1, 0.0, du, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0, P(BWa), d, du, 1, 1.0, dh, 1);
	cblas_dger(CblasRowMajor, n, d, 1.0, h, 1, du, 1, G(BWa), d);
	/* δx_k += δs_k u (through the score) + α_k δc (through the context) */
	if (dX) {
		cblas_dger(CblasRowMajor, ti, d, 1.0, dsc, 1, u, 1, dX, d);
		cblas_dger(CblasRowMajor, ti, d, 1.0, alpha, 1, dc, 1, dX, d);
	}
}

static int att_init(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	int st = bt_init_wub(model, rng, opt);
	bt_fill_gaussian(P(BWa), dm->n * dm->d, bt_glorot_sd(dm->d, dm->n), rng);
	bt_fill_gaussian(P(BVc), dm->m * dm->d, bt_glorot_sd(dm->d, dm->m), rng);
	return st;
}

static void att_layout(const bt_dims *dm, bt_block *blocks)
{
	bt_layout_wub(dm, blocks, "W");
	blocks[BWa] = (bt_block){"W_a", dm->n, dm->d, 0};
	blocks[BVc] = (bt_block){"V_c", dm->m, dm->d, 0};
}

/* The step as bptt graph draws it: the tanh core, and the readout's direct
 * edges from every past input. */
static const bt_graph_node att_nodes[] = {{"h", "<i>h</i>", 0}};
static const bt_graph_edge att_edges[] = {
	{"h", 1, "h", "<i>W</i>"},
	{"x", 0, "h", "<i>U</i>"},
};
static const bt_cell_graph att_graph = {1, 2, att_nodes, att_edges,
	"<i>W</i><sub>a</sub>, <i>V</i><sub>c</sub>",
	"ŷ<sub>t</sub> = <i>V</i> h<sub>t</sub> + <i>V</i><sub>c</sub> c<sub>t</sub> + b<sub>y</sub>, "
	"c<sub>t</sub> = Σ<sub>k≤t</sub> α<sub>t,k</sub> x<sub>k</sub>, "
	"α<sub>t</sub> = softmax<sub>k</sub>(h<sub>t</sub><sup>T</sup> <i>W</i><sub>a</sub> x<sub>k</sub>)",
	"h<sub>t</sub> = tanh(<i>W</i> h<sub>t−1</sub> + <i>U</i> x<sub>t</sub> + b)"};

const bt_cell_type bt_cell_attention = {
	.name = "attention",
	.summary = "tanh RNN with attention over past inputs, yhat_t = V h_t + V_c c_t + b_y",
	.has_activation = 0,
	.nblocks = 5,
	.layout = att_layout,
	.state_size = bt_size_n,
	.cache_size = bt_size_n,
	.scratch_size = bt_size_n,
	.init = att_init,
	.forward = att_forward,
	.backward = att_backward,
	.jacobian = att_jacobian,
	.recurrent = bt_recurrent_block0,
	.readout_scratch_size = att_rscratch,
	.readout_forward = att_readout_forward,
	.readout_backward = att_readout_backward,
	/* no batched kernels (batch_*): the readout reads every past input
	 * x_1 … x_t at each step, so batched BPTT and bt_gradient's full
	 * BPTT run attention one sequence at a time through bt_seq */
	.graph = &att_graph,
};
