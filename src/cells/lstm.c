/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lstm.c — the LSTM (no peepholes):
 *
 *     f_t = σ(W_f h_{t-1} + U_f x_t + b_f)      forget gate
 *     i_t = σ(W_i h_{t-1} + U_i x_t + b_i)      input gate
 *     o_t = σ(W_o h_{t-1} + U_o x_t + b_o)      output gate
 *     g_t = tanh(W_g h_{t-1} + U_g x_t + b_g)   candidate c̃_t
 *     c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
 *     h_t = o_t ⊙ tanh(c_t)
 *
 * The state is s_t = [h_t; c_t] (2n, h first, so the readout reads h_t).
 *
 * The blocks are laid out W_f W_i W_o W_g, U_f U_i U_o U_g, b_f b_i b_o b_g,
 * one after another, so the four W's are one 4n×n row-major matrix, the
 * four U's one 4n×d matrix and the four b's one 4n vector: each step is one
 * matrix-vector product per input, for all four gates at once, and
 * a_t = [a_f; a_i; a_o; a_g] (4n) are the pre-activations.
 *
 * Per step the cache keeps [f_t; i_t; o_t; g_t; tanh(c_t)] (5n); c_{t-1}
 * and c_t are in the states.
 *
 * Per-step reference: lstm_forward, lstm_backward, lstm_jacobian. Batched
 * kernels: lstm_batch_* below them. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>
#include "cells/cell.h"

/* Block indices: W_f … W_g are 0–3, U_f … U_g 4–7, b_f … b_g 8–11. */
enum { IW = 0, IU = 4, IB = 8, NBLOCKS = 12 };

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

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

static size_t lstm_state_size(const bt_dims *dm) { return 2 * dm->n; }
static size_t lstm_cache_size(const bt_dims *dm) { return 5 * dm->n; }
static size_t lstm_scratch_size(const bt_dims *dm) { return 4 * dm->n; }

/* Each W_* as bt_init_recurrent says, each U_* Glorot-normal, b_f the
 * forget bias, b_i = b_o = b_g = 0. */
static int lstm_init(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	int st = BT_OK;
	for (int k = 0; k < 4; k++) {
		int s = bt_init_recurrent(P(IW + k), dm->n, rng, opt);
		if (st == BT_OK)
			st = s;
	}
	for (int k = 0; k < 4; k++)
		bt_fill_gaussian(P(IU + k), dm->n * dm->d,
				 bt_glorot_sd(dm->d, dm->n), rng);
	for (int k = 0; k < 4; k++)
		memset(P(IB + k), 0, dm->n * sizeof(double));
	double *bf = P(IB);
	for (size_t j = 0; j < dm->n; j++)
		bf[j] = opt->forget_bias;
	return st;
}

static void lstm_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const size_t n = model->dims.n;
	const int n4 = (int)(4 * n), in = (int)n, d = (int)model->dims.d;
	const double *h_prev = s_prev, *c_prev = s_prev + n;
	double *h = s, *ct = s + n;
	double *a = cache;   /* a_t, then the gates in place */
	double *f = cache, *ig = cache + n, *o = cache + 2 * n, *g = cache + 3 * n;
	double *tc = cache + 4 * n;
	/* a_t = [W_f; W_i; W_o; W_g] h_{t-1} + [U_f; …; U_g] x_t + [b_f; …; b_g] */
	memcpy(a, P(IB), 4 * n * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n4, in, 1.0, P(IW), in,
		    h_prev, 1, 1.0, a, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n4, d, 1.0, P(IU), d, x, 1,
		    1.0, a, 1);
	/* f, i, o = σ(a_f, a_i, a_o);  g = tanh(a_g) */
	for (size_t j = 0; j < 3 * n; j++)
		a[j] = bt_activation_apply(BT_ACT_SIGMOID, a[j]);
	for (size_t j = 3 * n; j < 4 * n; j++)
		a[j] = bt_activation_apply(BT_ACT_TANH, a[j]);
	/* c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t;  h_t = o_t ⊙ tanh(c_t) */
	for (size_t j = 0; j < n; j++) {
		ct[j] = f[j] * c_prev[j] + ig[j] * g[j];
		tc[j] = bt_activation_apply(BT_ACT_TANH, ct[j]);
		h[j] = o[j] * tc[j];
	}
}

static void lstm_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	(void)s;
	const size_t n = model->dims.n;
	const int n4 = (int)(4 * n), in = (int)n, d = (int)model->dims.d;
	const double *h_prev = s_prev, *c_prev = s_prev + n;
	const double *f = cache, *ig = cache + n, *o = cache + 2 * n,
		     *g = cache + 3 * n, *tc = cache + 4 * n;
	const double *dh = ds, *dc = ds + n;
	double *da = c->scratch;
	double *da_f = da, *da_i = da + n, *da_o = da + 2 * n, *da_g = da + 3 * n;
	for (size_t j = 0; j < n; j++) {
		/* δc̄_t = δc_t + δh_t ⊙ o_t ⊙ (1 − tanh²(c_t))   (all of ∂L/∂c_t) */
		double dct = dc[j] + dh[j] * o[j] * (1.0 - tc[j] * tc[j]);
		/* δa_o = δh_t ⊙ tanh(c_t) ⊙ o(1−o);  δa_f = δc̄_t ⊙ c_{t-1} ⊙ f(1−f);
		 * δa_i = δc̄_t ⊙ g_t ⊙ i(1−i);       δa_g = δc̄_t ⊙ i_t ⊙ (1−g²) */
		da_o[j] = dh[j] * tc[j] * o[j] * (1.0 - o[j]);
		da_f[j] = dct * c_prev[j] * f[j] * (1.0 - f[j]);
		da_i[j] = dct * g[j] * ig[j] * (1.0 - ig[j]);
		da_g[j] = dct * ig[j] * (1.0 - g[j] * g[j]);
		/* δc_{t-1} += δc̄_t ⊙ f_t */
		if (ds_prev)
			ds_prev[n + j] += dct * f[j];
	}
	/* ∂W_* += δa_* h_{t-1}ᵀ,  ∂U_* += δa_* x_tᵀ,  ∂b_* += δa_*  (four at once) */
	cblas_dger(CblasRowMajor, n4, in, 1.0, da, 1, h_prev, 1, G(IW), in);
	cblas_dger(CblasRowMajor, n4, d, 1.0, da, 1, x, 1, G(IU), d);
	cblas_daxpy(n4, 1.0, da, 1, G(IB), 1);
	/* δh_{t-1} += Σ_* W_*ᵀ δa_*,  δx_t += Σ_* U_*ᵀ δa_* */
	if (ds_prev)
		cblas_dgemv(CblasRowMajor, CblasTrans, n4, in, 1.0, P(IW), in,
			    da, 1, 1.0, ds_prev, 1);
	if (dx)
		cblas_dgemv(CblasRowMajor, CblasTrans, n4, d, 1.0, P(IU), d,
			    da, 1, 1.0, dx, 1);
}

/* J_t = ∂[h_t; c_t]/∂[h_{t-1}; c_{t-1}] = [[A, B], [C, D]] with
 *     C = ∂c_t/∂h_{t-1} = diag(c_{t-1} ⊙ f(1−f)) W_f + diag(g ⊙ i(1−i)) W_i
 *                         + diag(i ⊙ (1−g²)) W_g
 *     D = ∂c_t/∂c_{t-1} = diag(f)
 *     A = ∂h_t/∂h_{t-1} = diag(tanh(c_t) ⊙ o(1−o)) W_o
 *                         + diag(o ⊙ (1−tanh²(c_t))) C
 *     B = ∂h_t/∂c_{t-1} = diag(o ⊙ (1−tanh²(c_t)) ⊙ f) */
static void lstm_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)x; (void)s;
	const size_t n = model->dims.n;
	const double *c_prev = s_prev + n;
	const double *f = cache, *ig = cache + n, *o = cache + 2 * n,
		     *g = cache + 3 * n, *tc = cache + 4 * n;
	const double *Wf = P(IW), *Wi = P(IW + 1), *Wo = P(IW + 2),
		     *Wg = P(IW + 3);
	gsl_matrix_set_zero(J);
	for (size_t r = 0; r < n; r++) {
		double kf = c_prev[r] * f[r] * (1.0 - f[r]);
		double ki = g[r] * ig[r] * (1.0 - ig[r]);
		double kg = ig[r] * (1.0 - g[r] * g[r]);
		double ko = tc[r] * o[r] * (1.0 - o[r]);
		double kc = o[r] * (1.0 - tc[r] * tc[r]);   /* ∂h_t/∂c_t */
		for (size_t j = 0; j < n; j++) {
			double C = kf * Wf[r * n + j] + ki * Wi[r * n + j] +
				   kg * Wg[r * n + j];
			gsl_matrix_set(J, n + r, j, C);
			gsl_matrix_set(J, r, j, ko * Wo[r * n + j] + kc * C);
		}
		gsl_matrix_set(J, n + r, n + r, f[r]);
		gsl_matrix_set(J, r, n + r, kc * f[r]);
	}
}

/* ---- batched kernels (batch.c; layout in cell.h, bt_batch_step) ----------
 *
 * Cache: G, T·B rows of 4n, a_t = [a_f a_i a_o a_g] of column (t, b): the
 * input part [U_f; …; U_g] x_t before the loop (the bias is added step by
 * step, while the row is in cache), then the gates [f i o g], then after
 * the backward step δa_t; TC, T·B rows of n, tanh(c_t); C, (T+1)·B rows
 * of n, c_t (block 0 is c_0 = 0). Work: the carried δc (B×n) and Σ δa_t,
 * the bias gradient summed step by step (4n). */

static size_t lstm_batch_cache_size(const bt_dims *dm) { return 6 * dm->n; }
static size_t lstm_batch_work_size(const bt_dims *dm, size_t B)
{
	return B * dm->n + 4 * dm->n;
}

typedef struct {
	double *G, *TC, *C, *dc, *gb;
} lstm_batch_view;

static lstm_batch_view lstm_batch_layout(const bt_batch_step *c)
{
	size_t n = c->step.model->dims.n, N = c->T * c->B;
	lstm_batch_view v;
	v.G = c->cache;
	v.TC = v.G + 4 * N * n;
	v.C = v.TC + N * n;
	v.dc = c->work;
	v.gb = v.dc + c->B * n;
	return v;
}

/* G = X [U_f; …; U_g]ᵀ over all T·B columns (one GEMM) */
static void lstm_batch_begin(const bt_batch_step *c)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, d = model->dims.d, N = c->T * c->B;
	lstm_batch_view v = lstm_batch_layout(c);
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N,
		    (int)(4 * n), (int)d, 1.0, c->X, (int)d, P(IU), (int)d, 0.0,
		    v.G, (int)(4 * n));
	memset(v.C, 0, c->B * n * sizeof(double));
	memset(v.gb, 0, 4 * n * sizeof(double));
}

static void lstm_batch_forward(const bt_batch_step *c, size_t t)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, B = c->B, n4 = 4 * n;
	lstm_batch_view v = lstm_batch_layout(c);
	const double *Hp = c->H + (t - 1) * B * n, *Cp = v.C + (t - 1) * B * n;
	double *H = c->H + t * B * n, *Ct = v.C + t * B * n;
	double *G = v.G + (t - 1) * B * n4, *TC = v.TC + (t - 1) * B * n;
	/* a_t += [b_f; …; b_g] + h_{t-1} [W_f; …; W_g]ᵀ */
	bt_add_bias(B, n4, P(IB), G);
	bt_batch_mm(B, n4, n, Hp, n, P(IW), n, 1, G, n4, t);
	for (size_t b = 0; b < B; b++) {
		double *a = G + b * n4;
		double *f = a, *ig = a + n, *o = a + 2 * n, *g = a + 3 * n;
		/* f, i, o = σ(a_f, a_i, a_o);  g = tanh(a_g) */
		bt_vsigmoid(a, 3 * n);
		bt_vtanh(g, n);
		/* c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t) */
		const double *cp = Cp + b * n;
		double *ct = Ct + b * n, *tc = TC + b * n, *h = H + b * n;
		for (size_t j = 0; j < n; j++) {
			ct[j] = f[j] * cp[j] + ig[j] * g[j];
			tc[j] = ct[j];
		}
		bt_vtanh(tc, n);
		for (size_t j = 0; j < n; j++)
			h[j] = o[j] * tc[j];
	}
}

/* The equations of lstm_backward, for B columns at once; δa_t replaces the
 * gates in the cache, δc_{t-1} replaces δc_t in the work. */
static void lstm_batch_backward(const bt_batch_step *c, size_t t)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, B = c->B, n4 = 4 * n;
	lstm_batch_view v = lstm_batch_layout(c);
	const double *Cp = v.C + (t - 1) * B * n, *dH = c->dH + t * B * n;
	const double *TC = v.TC + (t - 1) * B * n;
	double *G = v.G + (t - 1) * B * n4;
	if (t == c->T)
		memset(v.dc, 0, B * n * sizeof(double));
	for (size_t b = 0; b < B; b++) {
		double *a = G + b * n4, *dc = v.dc + b * n;
		const double *cp = Cp + b * n, *dh = dH + b * n, *tc = TC + b * n;
		for (size_t j = 0; j < n; j++) {
			double f = a[j], ig = a[n + j], o = a[2 * n + j],
			       g = a[3 * n + j];
			/* δc̄_t = δc_t + δh_t o (1 − tanh²(c_t)) */
			double dct = dc[j] + dh[j] * o * (1.0 - tc[j] * tc[j]);
			a[2 * n + j] = dh[j] * tc[j] * o * (1.0 - o);
			a[j] = dct * cp[j] * f * (1.0 - f);
			a[n + j] = dct * g * ig * (1.0 - ig);
			a[3 * n + j] = dct * ig * (1.0 - g * g);
			/* δc_{t-1} = δc̄_t f */
			dc[j] = dct * f;
		}
	}
	bt_add_rows(B, n4, G, n4, v.gb);
	/* δh_{t-1} += δa_t [W_f; …; W_g] */
	if (t > 1)
		bt_batch_mm(B, n, n4, G, n4, P(IW), n, 0, c->dH + (t - 1) * B * n,
			    n, t);
}

/* Over all T·B columns: ∂[W_f; …; W_g] += δAᵀ H_-, ∂[U_f; …] += δAᵀ X,
 * ∂[b_f; …] += Σ δA, dX += δA [U_f; …; U_g] (one GEMM each) */
static void lstm_batch_end(const bt_batch_step *c, double *grad, double *dX)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, N = c->T * c->B;
	int in = (int)n, id = (int)model->dims.d, iN = (int)N, n4 = (int)(4 * n);
	const double *D = c->cache;
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n4, in, iN, 1.0, D,
		    n4, c->H, in, 1.0, G(IW), in);
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n4, id, iN, 1.0, D,
		    n4, c->X, id, 1.0, G(IU), id);
	bt_add_rows(1, 4 * n, lstm_batch_layout(c).gb, 4 * n, G(IB));
	if (dX)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, iN, id, n4,
			    1.0, D, n4, P(IU), id, 1.0, dX, id);
}

/* The step as bptt graph draws it: c_t and h_t, every path from
 * [h_{t-1}; c_{t-1}] and x_t, the gates' parameters on their edges. */
static const bt_graph_node lstm_nodes[] = {
	{"h", "<i>h</i>", 0},
	{"c", "<i>c</i>", 1},
};
static const bt_graph_edge lstm_edges[] = {
	{"c", 1, "c", "f ⊙"},
	{"h", 1, "c", "<i>W</i><sub>f</sub>, <i>W</i><sub>i</sub>, <i>W</i><sub>g</sub>"},
	{"x", 0, "c", "<i>U</i><sub>f</sub>, <i>U</i><sub>i</sub>, <i>U</i><sub>g</sub>"},
	{"c", 0, "h", "o ⊙ tanh"},
	{"h", 1, "h", "<i>W</i><sub>o</sub>"},
	{"x", 0, "h", "<i>U</i><sub>o</sub>"},
};
static const bt_cell_graph lstm_graph = {2, 6, lstm_nodes, lstm_edges, NULL, NULL,
	"f, i, o = σ(<i>W</i><sub>·</sub> h<sub>t−1</sub> + <i>U</i><sub>·</sub> x<sub>t</sub> + b<sub>·</sub>), "
	"g = tanh(<i>W</i><sub>g</sub> h<sub>t−1</sub> + <i>U</i><sub>g</sub> x<sub>t</sub> + b<sub>g</sub>)<br align=\"left\"/>"
	"c<sub>t</sub> = f<sub>t</sub> ⊙ c<sub>t−1</sub> + i<sub>t</sub> ⊙ g<sub>t</sub>, "
	"h<sub>t</sub> = o<sub>t</sub> ⊙ tanh(c<sub>t</sub>)"};

const bt_cell_type bt_cell_lstm = {
	.name = "lstm",
	.summary = "LSTM, c_t = f_t*c_{t-1} + i_t*g_t, h_t = o_t*tanh(c_t); state [h; c]",
	.has_activation = 0,
	.nblocks = NBLOCKS,
	.layout = lstm_layout,
	.state_size = lstm_state_size,
	.cache_size = lstm_cache_size,
	.scratch_size = lstm_scratch_size,
	.init = lstm_init,
	.forward = lstm_forward,
	.backward = lstm_backward,
	.jacobian = lstm_jacobian,
	.bound = BT_BOUND_STEPS,
	.batch_cache_size = lstm_batch_cache_size,
	.batch_work_size = lstm_batch_work_size,
	.batch_begin = lstm_batch_begin,
	.batch_forward = lstm_batch_forward,
	.batch_backward = lstm_batch_backward,
	.batch_end = lstm_batch_end,
	.batch_min_n = 48,
	.graph = &lstm_graph,
};
