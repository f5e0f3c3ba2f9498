/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gru.c — the gated recurrent unit of Cho et al. (2014):
 *
 *     z_t = σ(W_z h_{t-1} + U_z x_t + b_z)            update gate
 *     r_t = σ(W_r h_{t-1} + U_r x_t + b_r)            reset gate
 *     h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)  candidate
 *     h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
 *
 * The reset gate acts on h_{t-1} before W_h (not the PyTorch/cuDNN form,
 * which resets after the product). Blocks, in this order: W_z U_z b_z,
 * W_r U_r b_r, W_h U_h b_h. Per step the cache keeps z_t, r_t, h̃_t and
 * r_t ⊙ h_{t-1} (4n doubles).
 *
 * Per-step reference: gru_forward, gru_backward, gru_jacobian. Batched
 * kernels: gru_batch_* below them. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>
#include "cells/cell.h"

/* block indices */
enum { WZ, UZ, BZ, WR, UR, BR, WH, UH, BH, NBLOCKS };

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static size_t gru_cache_size(const bt_dims *dm) { return 4 * dm->n; }
static size_t gru_scratch_size(const bt_dims *dm) { return 4 * dm->n; }

static void gru_layout(const bt_dims *dm, bt_block *blocks)
{
	static const char *const names[NBLOCKS] = {
		"W_z", "U_z", "b_z", "W_r", "U_r", "b_r", "W_h", "U_h", "b_h"};
	for (int g = 0; g < 3; g++) {
		blocks[3 * g] = (bt_block){names[3 * g], dm->n, dm->n, 0};
		blocks[3 * g + 1] = (bt_block){names[3 * g + 1], dm->n, dm->d, 0};
		blocks[3 * g + 2] = (bt_block){names[3 * g + 2], dm->n, 1, 0};
	}
}

/* Each W_* as bt_init_recurrent says (so --scale, --radius and
 * --orthogonal apply to each), each U_* Glorot-normal, biases zero. */
static int gru_init(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	int st = BT_OK;
	for (int g = 0; g < 3; g++) {
		int s = bt_init_recurrent(P(3 * g), dm->n, rng, opt);
		if (st == BT_OK)
			st = s;
		bt_fill_gaussian(P(3 * g + 1), dm->n * dm->d,
				 bt_glorot_sd(dm->d, dm->n), rng);
	}
	return st;
}

static void gru_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const bt_dims *dm = &model->dims;
	size_t n = dm->n;
	double *z = cache, *r = cache + n, *hh = cache + 2 * n, *rh = cache + 3 * n;
	/* z_t = σ(W_z h_{t-1} + U_z x_t + b_z);  r_t = σ(W_r h_{t-1} + U_r x_t + b_r) */
	bt_affine_forward(dm, P(WZ), P(UZ), P(BZ), s_prev, x, z);
	bt_affine_forward(dm, P(WR), P(UR), P(BR), s_prev, x, r);
	for (size_t i = 0; i < n; i++) {
		z[i] = bt_sigmoid(z[i]);
		r[i] = bt_sigmoid(r[i]);
		rh[i] = r[i] * s_prev[i];
	}
	/* h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h) */
	bt_affine_forward(dm, P(WH), P(UH), P(BH), rh, x, hh);
	/* h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t */
	for (size_t i = 0; i < n; i++) {
		hh[i] = tanh(hh[i]);
		s[i] = (1.0 - z[i]) * s_prev[i] + z[i] * hh[i];
	}
}

/* Given δh_t:
 *   δa_h = δh_t ⊙ z_t ⊙ (1 − h̃_t²)
 *   δ(r⊙h) = W_hᵀ δa_h
 *   δa_r = δ(r⊙h) ⊙ h_{t-1} ⊙ r_t ⊙ (1 − r_t)
 *   δa_z = δh_t ⊙ (h̃_t − h_{t-1}) ⊙ z_t ⊙ (1 − z_t)
 *   ∂W_h += δa_h (r_t ⊙ h_{t-1})ᵀ,  ∂W_r += δa_r h_{t-1}ᵀ,  ∂W_z += δa_z h_{t-1}ᵀ
 *   ∂U_* += δa_* x_tᵀ,  ∂b_* += δa_*
 *   δh_{t-1} += δh_t ⊙ (1 − z_t) + δ(r⊙h) ⊙ r_t + W_zᵀ δa_z + W_rᵀ δa_r
 *   δx_t += U_zᵀ δa_z + U_rᵀ δa_r + U_hᵀ δa_h */
static void gru_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	const bt_dims *dm = &model->dims;
	size_t n = dm->n;
	(void)s;
	const double *z = cache, *r = cache + n, *hh = cache + 2 * n,
		     *rh = cache + 3 * n;
	double *daz = c->scratch, *dar = daz + n, *dah = daz + 2 * n,
	       *drh = daz + 3 * n;
	for (size_t i = 0; i < n; i++) {
		dah[i] = ds[i] * z[i] * (1.0 - hh[i] * hh[i]);
		daz[i] = ds[i] * (hh[i] - s_prev[i]) * z[i] * (1.0 - z[i]);
	}
	memset(drh, 0, n * sizeof(double));
	bt_affine_backward(dm, P(WH), P(UH), rh, x, dah, G(WH), G(UH), G(BH),
			   drh, dx);
	for (size_t i = 0; i < n; i++)
		dar[i] = drh[i] * s_prev[i] * r[i] * (1.0 - r[i]);
	if (ds_prev)
		for (size_t i = 0; i < n; i++)
			ds_prev[i] += ds[i] * (1.0 - z[i]) + drh[i] * r[i];
	bt_affine_backward(dm, P(WZ), P(UZ), s_prev, x, daz, G(WZ), G(UZ), G(BZ),
			   ds_prev, dx);
	bt_affine_backward(dm, P(WR), P(UR), s_prev, x, dar, G(WR), G(UR), G(BR),
			   ds_prev, dx);
}

/* J_t = diag(1 − z_t) + diag((h̃_t − h_{t-1}) ⊙ z_t ⊙ (1 − z_t)) W_z
 *     + diag(z_t ⊙ (1 − h̃_t²)) W_h [diag(r_t)
 *                                   + diag(h_{t-1} ⊙ r_t ⊙ (1 − r_t)) W_r] */
static void gru_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)x; (void)s;
	int n = (int)model->dims.n;
	const double *z = cache, *r = cache + n, *hh = cache + 2 * n;
	const double *Wz = P(WZ), *Wr = P(WR), *Wh = P(WH);
	double *v = c->scratch, *row = c->scratch + n;
	for (int i = 0; i < n; i++) {
		/* row = W_rᵀ (W_h[i,:] ⊙ h_{t-1} ⊙ r ⊙ (1 − r)) */
		for (int k = 0; k < n; k++)
			v[k] = Wh[i * n + k] * s_prev[k] * r[k] * (1.0 - r[k]);
		cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, Wr, n, v, 1,
			    0.0, row, 1);
		double gz = (hh[i] - s_prev[i]) * z[i] * (1.0 - z[i]);
		double gh = z[i] * (1.0 - hh[i] * hh[i]);
		for (int j = 0; j < n; j++) {
			double Jij = gz * Wz[i * n + j] +
				     gh * (Wh[i * n + j] * r[j] + row[j]);
			if (i == j)
				Jij += 1.0 - z[i];
			gsl_matrix_set(J, (size_t)i, (size_t)j, Jij);
		}
	}
}

/* ---- batched kernels (batch.c; layout in cell.h, bt_batch_step) ----------
 *
 * Cache: G, T·B rows of 3n, [a_z a_r a_h] of column (t, b): the input
 * parts U_* x_t before the loop (the biases are added step by step, while
 * the row is in cache), then the gates [z r h̃], then after the backward
 * step [δa_z δa_r δa_h]; RH, T·B rows of n, r_t ⊙ h_{t-1}. Work: [W_z;
 * W_r] (2n×n, one matrix for one product per step each way), [U_z; U_r;
 * U_h] and its gradient (3n×d each, one GEMM for each product with X),
 * δ(r⊙h) for one step (B×n), [b_z b_r b_h] (3n) and Σ δa_t, the biases'
 * gradient summed step by step (3n). */

static size_t gru_batch_cache_size(const bt_dims *dm) { return 4 * dm->n; }
static size_t gru_batch_work_size(const bt_dims *dm, size_t B)
{
	return 2 * dm->n * dm->n + 6 * dm->n * dm->d + B * dm->n + 6 * dm->n;
}

typedef struct {
	double *G, *RH, *Wzr, *U3, *gU3, *drh, *b3, *gb;
} gru_batch_view;

static gru_batch_view gru_batch_layout(const bt_batch_step *c)
{
	size_t n = c->step.model->dims.n, N = c->T * c->B;
	gru_batch_view v;
	v.G = c->cache;
	v.RH = c->cache + 3 * N * n;
	v.Wzr = c->work;
	v.U3 = v.Wzr + 2 * n * n;
	v.gU3 = v.U3 + 3 * n * c->step.model->dims.d;
	v.drh = v.gU3 + 3 * n * c->step.model->dims.d;
	v.b3 = v.drh + c->B * n;
	v.gb = v.b3 + 3 * n;
	return v;
}

/* G = X [U_z; U_r; U_h]ᵀ over all T·B columns (one GEMM) */
static void gru_batch_begin(const bt_batch_step *c)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, d = model->dims.d, N = c->T * c->B;
	gru_batch_view v = gru_batch_layout(c);
	for (int g = 0; g < 3; g++) {
		memcpy(v.U3 + g * n * d, P(3 * g + 1), n * d * sizeof(double));
		memcpy(v.b3 + g * n, P(3 * g + 2), n * sizeof(double));
	}
	memset(v.gb, 0, 3 * n * sizeof(double));
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N,
		    (int)(3 * n), (int)d, 1.0, c->X, (int)d, v.U3, (int)d, 0.0,
		    v.G, (int)(3 * n));
	memcpy(v.Wzr, P(WZ), n * n * sizeof(double));
	memcpy(v.Wzr + n * n, P(WR), n * n * sizeof(double));
}

static void gru_batch_forward(const bt_batch_step *c, size_t t)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, B = c->B, n3 = 3 * n;
	gru_batch_view v = gru_batch_layout(c);
	const double *Hp = c->H + (t - 1) * B * n;
	double *H = c->H + t * B * n, *G = v.G + (t - 1) * B * n3,
	       *RH = v.RH + (t - 1) * B * n;
	/* [a_z a_r a_h] += [b_z b_r b_h];  [a_z a_r] += h_{t-1} [W_z; W_r]ᵀ;
	 * z = σ(a_z), r = σ(a_r), r ⊙ h_{t-1} */
	bt_add_bias(B, n3, v.b3, G);
	bt_batch_mm(B, 2 * n, n, Hp, n, v.Wzr, n, 1, G, n3, t);
	for (size_t b = 0; b < B; b++) {
		double *g = G + b * n3, *rh = RH + b * n;
		const double *hp = Hp + b * n;
		bt_vsigmoid(g, 2 * n);
		for (size_t i = 0; i < n; i++)
			rh[i] = g[n + i] * hp[i];
	}
	/* a_h += (r ⊙ h_{t-1}) W_hᵀ;  h̃ = tanh(a_h);  h = (1 − z) h_{t-1} + z h̃ */
	bt_batch_mm(B, n, n, RH, n, P(WH), n, 1, G + 2 * n, n3, t);
	for (size_t b = 0; b < B; b++) {
		double *g = G + b * n3, *h = H + b * n;
		const double *hp = Hp + b * n;
		bt_vtanh(g + 2 * n, n);
		for (size_t i = 0; i < n; i++)
			h[i] = (1.0 - g[i]) * hp[i] + g[i] * g[2 * n + i];
	}
}

/* The equations of gru_backward, for B columns at once; [δa_z δa_r δa_h]
 * replace [z r h̃] in the cache. */
static void gru_batch_backward(const bt_batch_step *c, size_t t)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, B = c->B, n3 = 3 * n;
	gru_batch_view v = gru_batch_layout(c);
	const double *Hp = c->H + (t - 1) * B * n, *dH = c->dH + t * B * n;
	double *G = v.G + (t - 1) * B * n3;
	double *dHp = t > 1 ? c->dH + (t - 1) * B * n : NULL;
	/* δa_h = δh z (1 − h̃²),  δa_z = δh (h̃ − h_{t-1}) z (1 − z),
	 * δh_{t-1} += δh (1 − z) */
	for (size_t b = 0; b < B; b++) {
		double *g = G + b * n3;
		const double *hp = Hp + b * n, *dh = dH + b * n;
		for (size_t i = 0; i < n; i++) {
			double z = g[i], hh = g[2 * n + i];
			g[2 * n + i] = dh[i] * z * (1.0 - hh * hh);
			g[i] = dh[i] * (hh - hp[i]) * z * (1.0 - z);
			if (dHp)
				dHp[b * n + i] += dh[i] * (1.0 - z);
		}
	}
	/* δ(r⊙h) = δa_h W_h;  δa_r = δ(r⊙h) h_{t-1} r (1 − r);
	 * δh_{t-1} += δ(r⊙h) r */
	memset(v.drh, 0, B * n * sizeof(double));
	bt_batch_mm(B, n, n, G + 2 * n, n3, P(WH), n, 0, v.drh, n, t);
	for (size_t b = 0; b < B; b++) {
		double *g = G + b * n3;
		const double *hp = Hp + b * n, *drh = v.drh + b * n;
		for (size_t i = 0; i < n; i++) {
			double r = g[n + i];
			g[n + i] = drh[i] * hp[i] * r * (1.0 - r);
			if (dHp)
				dHp[b * n + i] += drh[i] * r;
		}
	}
	bt_add_rows(B, n3, G, n3, v.gb);
	/* δh_{t-1} += [δa_z δa_r] [W_z; W_r] */
	if (dHp)
		bt_batch_mm(B, n, 2 * n, G, n3, v.Wzr, n, 0, dHp, n, t);
}

/* Over all T·B columns: ∂W_z += δA_zᵀ H_-, ∂W_r += δA_rᵀ H_-,
 * ∂W_h += δA_hᵀ RH, ∂[U_z; U_r; U_h] += δAᵀ X, ∂b_* += Σ δA_*,
 * dX += δA [U_z; U_r; U_h] (δA = [δA_z δA_r δA_h], N×3n) */
static void gru_batch_end(const bt_batch_step *c, double *grad, double *dX)
{
	const bt_model *model = c->step.model;
	size_t n = model->dims.n, d = model->dims.d, N = c->T * c->B;
	int in = (int)n, id = (int)d, iN = (int)N, n3 = (int)(3 * n);
	gru_batch_view v = gru_batch_layout(c);
	for (int g = 0; g < 3; g++) {
		const double *D = v.G + g * n;
		const double *Hin = g == 2 ? v.RH : c->H;
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, in, iN,
			    1.0, D, n3, Hin, in, 1.0, G(3 * g), in);
		bt_add_rows(1, n, v.gb + g * n, n, G(3 * g + 2));
	}
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n3, id, iN, 1.0,
		    v.G, n3, c->X, id, 0.0, v.gU3, id);
	for (int g = 0; g < 3; g++) {
		double *gU = G(3 * g + 1);
		const double *src = v.gU3 + g * n * d;
		for (size_t i = 0; i < n * d; i++)
			gU[i] += src[i];
	}
	if (dX)
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, iN, id, n3,
			    1.0, v.G, n3, v.U3, id, 1.0, dX, id);
}

/* The step as bptt graph draws it: every path from h_{t-1} and x_t, the
 * gates' parameters on the edge of the path they act on. */
static const bt_graph_node gru_nodes[] = {
	{"h", "<i>h</i>", 0},
	{"cand", "<i>h̃</i>", -1},
};
static const bt_graph_edge gru_edges[] = {
	{"h", 1, "h", "(1 − z) ⊙, <i>W</i><sub>z</sub>"},
	{"h", 1, "cand", "<i>W</i><sub>h</sub>(r ⊙ ·), <i>W</i><sub>r</sub>"},
	{"x", 0, "cand", "<i>U</i><sub>h</sub>, <i>U</i><sub>r</sub>"},
	{"x", 0, "h", "<i>U</i><sub>z</sub>"},
	{"cand", 0, "h", "z ⊙"},
};
static const bt_cell_graph gru_graph = {2, 5, gru_nodes, gru_edges, NULL, NULL,
	"z<sub>t</sub> = σ(<i>W</i><sub>z</sub> h<sub>t−1</sub> + <i>U</i><sub>z</sub> x<sub>t</sub> + b<sub>z</sub>), "
	"r<sub>t</sub> = σ(<i>W</i><sub>r</sub> h<sub>t−1</sub> + <i>U</i><sub>r</sub> x<sub>t</sub> + b<sub>r</sub>)<br align=\"left\"/>"
	"h̃<sub>t</sub> = tanh(<i>W</i><sub>h</sub>(r<sub>t</sub> ⊙ h<sub>t−1</sub>) + <i>U</i><sub>h</sub> x<sub>t</sub> + b<sub>h</sub>), "
	"h<sub>t</sub> = (1 − z<sub>t</sub>) ⊙ h<sub>t−1</sub> + z<sub>t</sub> ⊙ h̃<sub>t</sub>"};

const bt_cell_type bt_cell_gru = {
	.name = "gru",
	.summary = "GRU (Cho et al. 2014), reset gate applied to h_{t-1} before W_h",
	.has_activation = 0,
	.nblocks = NBLOCKS,
	.layout = gru_layout,
	.state_size = bt_size_n,
	.cache_size = gru_cache_size,
	.scratch_size = gru_scratch_size,
	.init = gru_init,
	.forward = gru_forward,
	.backward = gru_backward,
	.jacobian = gru_jacobian,
	.bound = BT_BOUND_STEPS,
	.batch_cache_size = gru_batch_cache_size,
	.batch_work_size = gru_batch_work_size,
	.batch_begin = gru_batch_begin,
	.batch_forward = gru_batch_forward,
	.batch_backward = gru_batch_backward,
	.batch_end = gru_batch_end,
	.batch_min_n = 64,
	.graph = &gru_graph,
};
