/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_gru.c — exercise 2, REFERENCE SOLUTION: the backward step of the GRU
 * (Cho et al. 2014, the reset gate applied to h_{t-1} before W_h).
 *
 *     z_t = σ(W_z h_{t-1} + U_z x_t + b_z)             update gate
 *     r_t = σ(W_r h_{t-1} + U_r x_t + b_r)             reset gate
 *     h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)   candidate
 *     h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
 *
 * Matrices are row-major (W_ij is W[i * n + j]). Grade it with
 *     make grade EX=gru STUDENT=lessons/solutions/ex_gru.c */
#include <math.h>
#include <string.h>
#include "exercise.h"

enum { WZ, UZ, BZ, WR, UR, BR, WH, UH, BH, NBLOCKS };
#define P(i) (c->model->theta + c->model->blocks[i].offset)
#define G(i) (grad + c->model->blocks[i].offset)

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

static size_t size_n(const bt_dims *dm) { return dm->n; }
static size_t size_4n(const bt_dims *dm) { return 4 * dm->n; }

/* a = W h + U x + b, for one gate (n rows). */
static void affine(size_t n, size_t d, const double *W, const double *U,
		   const double *b, const double *h, const double *x, double *a)
{
	for (size_t i = 0; i < n; i++) {
		a[i] = b[i];
		for (size_t j = 0; j < n; j++)
			a[i] += W[i * n + j] * h[j];
		for (size_t j = 0; j < d; j++)
			a[i] += U[i * d + j] * x[j];
	}
}

static double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* Given. The cache keeps z_t, r_t, h̃_t and r_t ⊙ h_{t-1} (4n). */
static void gru_forward(const bt_step *c, const double *h_prev,
			const double *x, double *h, double *cache)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	double *z = cache, *r = cache + n, *hh = cache + 2 * n, *rh = cache + 3 * n;
	affine(n, d, P(WZ), P(UZ), P(BZ), h_prev, x, z);
	affine(n, d, P(WR), P(UR), P(BR), h_prev, x, r);
	for (size_t i = 0; i < n; i++) {
		z[i] = sigmoid(z[i]);
		r[i] = sigmoid(r[i]);
		rh[i] = r[i] * h_prev[i];
	}
	affine(n, d, P(WH), P(UH), P(BH), rh, x, hh);
	for (size_t i = 0; i < n; i++) {
		hh[i] = tanh(hh[i]);
		h[i] = (1.0 - z[i]) * h_prev[i] + z[i] * hh[i];
	}
}

/* Given δa = ∂L/∂a for a = W v + U x + b:  ∂W += δa vᵀ, ∂U += δa xᵀ,
 * ∂b += δa, δv += Wᵀ δa (unless dv is NULL), δx += Uᵀ δa (unless NULL). */
static void affine_backward(size_t n, size_t d, const double *W,
			    const double *U, const double *v, const double *x,
			    const double *da, double *gW, double *gU,
			    double *gb, double *dv, double *dx)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			gW[i * n + j] += da[i] * v[j];
		for (size_t j = 0; j < d; j++)
			gU[i * d + j] += da[i] * x[j];
		gb[i] += da[i];
		if (dv)
			for (size_t j = 0; j < n; j++)
				dv[j] += W[i * n + j] * da[i];
		if (dx)
			for (size_t j = 0; j < d; j++)
				dx[j] += U[i * d + j] * da[i];
	}
}

/* Given δh_t:
 *   δa_h = δh_t ⊙ z_t ⊙ (1 − h̃_t²)
 *   δ(r⊙h) = W_hᵀ δa_h
 *   δa_r = δ(r⊙h) ⊙ h_{t-1} ⊙ r_t ⊙ (1 − r_t)
 *   δa_z = δh_t ⊙ (h̃_t − h_{t-1}) ⊙ z_t ⊙ (1 − z_t)
 *   ∂W_h += δa_h (r_t ⊙ h_{t-1})ᵀ,  ∂W_r += δa_r h_{t-1}ᵀ,  ∂W_z += δa_z h_{t-1}ᵀ
 *   ∂U_* += δa_* x_tᵀ,  ∂b_* += δa_*
 *   δh_{t-1} += (1 − z_t) ⊙ δh_t + r_t ⊙ δ(r⊙h) + W_zᵀ δa_z + W_rᵀ δa_r
 *   δx_t += U_zᵀ δa_z + U_rᵀ δa_r + U_hᵀ δa_h */
static void gru_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *z = cache, *r = cache + n, *hh = cache + 2 * n,
		     *rh = cache + 3 * n;
	double *daz = c->scratch, *dar = daz + n, *dah = daz + 2 * n,
	       *drh = daz + 3 * n;
	(void)h;
	for (size_t i = 0; i < n; i++) {
		dah[i] = dh[i] * z[i] * (1.0 - hh[i] * hh[i]);
		daz[i] = dh[i] * (hh[i] - h_prev[i]) * z[i] * (1.0 - z[i]);
	}
	memset(drh, 0, n * sizeof(double));
	affine_backward(n, d, P(WH), P(UH), rh, x, dah, G(WH), G(UH), G(BH),
			drh, dx);
	for (size_t i = 0; i < n; i++)
		dar[i] = drh[i] * h_prev[i] * r[i] * (1.0 - r[i]);
	if (dh_prev)
		for (size_t i = 0; i < n; i++)
			dh_prev[i] += (1.0 - z[i]) * dh[i] + r[i] * drh[i];
	affine_backward(n, d, P(WZ), P(UZ), h_prev, x, daz, G(WZ), G(UZ), G(BZ),
			dh_prev, dx);
	affine_backward(n, d, P(WR), P(UR), h_prev, x, dar, G(WR), G(UR), G(BR),
			dh_prev, dx);
}

static const bt_cell_type student_gru = {
	.name = "student_gru",
	.summary = "exercise: GRU with the student's backward step",
	.nblocks = NBLOCKS,
	.layout = gru_layout,
	.state_size = size_n,
	.cache_size = size_4n,     /* z_t, r_t, h̃_t, r_t ⊙ h_{t-1} */
	.scratch_size = size_4n,   /* for δa_z, δa_r, δa_h, δ(r⊙h) */
	.init = ex_init_gaussian,
	.forward = gru_forward,
	.backward = gru_backward,
	.bound = BT_BOUND_STEPS,
};

const ex_exercise student_exercise = {.name = "gru", .cell = &student_gru};
