/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_gru.c — exercise 2: the backward step of the GRU
 * (Cho et al. 2014, the reset gate applied to h_{t-1} before W_h).
 *
 *     z_t = σ(W_z h_{t-1} + U_z x_t + b_z)             update gate
 *     r_t = σ(W_r h_{t-1} + U_r x_t + b_r)             reset gate
 *     h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)   candidate
 *     h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
 *
 * The layout and the forward step are given; write gru_backward (the TODO
 * below), then grade it:  make grade EX=gru [STUDENT=my_gru.c]
 *
 * Matrices are row-major (W_ij is W[i * n + j]). See README.md here. */
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

/* TODO: the backward step; derive it from the forward step above.
 * Given dh = ∂L/∂h_t (n values), ADD (+=; the caller zeroes the buffers
 * once, every step adds) this step's share of
 *
 *   ∂L/∂θ into grad: G(WZ) … G(BH); W_* is n×n, U_* n×d, b_* n, row-major
 *   (∂W_ij at [i * n + j], ∂U_ij at [i * d + j]),
 *   ∂L/∂h_{t-1} (n) into dh_prev and ∂L/∂x_t (d) into dx,
 *
 * skipping dh_prev or dx when it is NULL (NULL means: not needed).
 * h_{t-1} reaches h_t along several paths; each adds to ∂L/∂h_{t-1}.
 * The cache holds z_t, r_t, h̃_t, r_t ⊙ h_{t-1} (n each, in that order);
 * c->scratch has 4n doubles for you. P(WZ) is W_z, G(WZ) its gradient. */
static void gru_backward(const bt_step *c, const double *h_prev,
			 const double *x, const double *h, const double *cache,
			 const double *dh, double *dh_prev, double *dx,
			 double *grad)
{
	(void)c; (void)h_prev; (void)x; (void)h; (void)cache;
	(void)dh; (void)dh_prev; (void)dx; (void)grad;
	/* TODO */
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
