/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_orthogonal.c — exercise 5, REFERENCE SOLUTION: the orthogonal RNN's
 * gradient with respect to A, through the Cayley map.
 *
 *     S = A − Aᵀ,   M = I + S,   W = M⁻¹ (I − S)
 *     a_t = W h_{t-1} + U x_t + b,    h_t = tanh(a_t)
 *
 * The backward step adds G = ∂L/∂W (summed over the steps) into daux;
 * after the sequence, finish maps it to A. Differentiating M W = I − S:
 * dM W + M dW = −dS with dM = dS, so dW = −M⁻¹ dS (W + I), and
 *
 *     ∂L/∂S = −M⁻ᵀ G (W + I)ᵀ,   ∂L/∂A = ∂L/∂S − (∂L/∂S)ᵀ
 *
 * (A enters S twice: S_ij = A_ij − A_ji). Matrices are row-major.
 * Grade it with  make grade EX=orthogonal STUDENT=lessons/solutions/ex_orthogonal.c */
#include <math.h>
#include <string.h>
#include <gsl/gsl_linalg.h>
#include "exercise.h"

enum { A, U, B, NBLOCKS };
#define P(i) (c->model->theta + c->model->blocks[i].offset)
#define G(i) (grad + c->model->blocks[i].offset)

static void ortho_layout(const bt_dims *dm, bt_block *blocks)
{
	blocks[A] = (bt_block){"A", dm->n, dm->n, 0};
	blocks[U] = (bt_block){"U", dm->n, dm->d, 0};
	blocks[B] = (bt_block){"b", dm->n, 1, 0};
}

static size_t size_n(const bt_dims *dm) { return dm->n; }
/* aux: W, then M⁻¹ (n² each); daux: ∂L/∂W in its first n² */
static size_t size_aux(const bt_dims *dm) { return 2 * dm->n * dm->n; }
static size_t size_scratch(const bt_dims *dm) { return dm->n + 2 * dm->n * dm->n; }

/* Given: W and M⁻¹ from A (before every forward pass). */
static int ortho_prepare(const bt_step *c, double *aux)
{
	size_t n = c->model->dims.n;
	const double *Am = P(A);
	double *W = aux, *Minv = aux + n * n;
	gsl_matrix *M = gsl_matrix_alloc(n, n), *Mi = gsl_matrix_alloc(n, n);
	gsl_permutation *perm = gsl_permutation_alloc(n);
	int signum, st = M && Mi && perm ? BT_OK : BT_ENOMEM;
	for (size_t i = 0; st == BT_OK && i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(M, i, j, (i == j) + Am[i * n + j] - Am[j * n + i]);
	if (st == BT_OK && (gsl_linalg_LU_decomp(M, perm, &signum) ||
			    gsl_linalg_LU_invert(M, perm, Mi)))
		st = BT_ENUMERIC;
	for (size_t i = 0; st == BT_OK && i < n; i++)
		for (size_t j = 0; j < n; j++) {
			Minv[i * n + j] = gsl_matrix_get(Mi, i, j);
			double w = 0;   /* (M⁻¹ (I − S))_ij */
			for (size_t k = 0; k < n; k++)
				w += gsl_matrix_get(Mi, i, k) *
				     ((k == j) - Am[k * n + j] + Am[j * n + k]);
			W[i * n + j] = w;
		}
	gsl_matrix_free(M);
	gsl_matrix_free(Mi);
	gsl_permutation_free(perm);
	return st;
}

/* Given: a_t = W h_{t-1} + U x_t + b; h_t = tanh(a_t). */
static void ortho_forward(const bt_step *c, const double *h_prev,
			  const double *x, double *h, double *cache)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *W = c->aux, *Um = P(U), *b = P(B);
	for (size_t i = 0; i < n; i++) {
		double a = b[i];
		for (size_t j = 0; j < n; j++)
			a += W[i * n + j] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			a += Um[i * d + j] * x[j];
		cache[i] = a;
		h[i] = tanh(a);
	}
}

/* Given: the RNN's step, with ∂L/∂W added into daux. */
static void ortho_backward(const bt_step *c, const double *h_prev,
			   const double *x, const double *h, const double *cache,
			   const double *dh, double *dh_prev, double *dx,
			   double *grad)
{
	size_t n = c->model->dims.n, d = c->model->dims.d;
	const double *W = c->aux, *Um = P(U);
	double *gW = c->daux, *gU = G(U), *gb = G(B), *da = c->scratch;
	(void)cache;
	for (size_t i = 0; i < n; i++)
		da[i] = dh[i] * (1.0 - h[i] * h[i]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			gW[i * n + j] += da[i] * h_prev[j];
		for (size_t j = 0; j < d; j++)
			gU[i * d + j] += da[i] * x[j];
		gb[i] += da[i];
		if (dh_prev)
			for (size_t j = 0; j < n; j++)
				dh_prev[j] += W[i * n + j] * da[i];
		if (dx)
			for (size_t j = 0; j < d; j++)
				dx[j] += Um[i * d + j] * da[i];
	}
}

/* Given daux = G = ∂L/∂W (n×n), adds ∂L/∂A into G(A):
 *   Y = G (W + I)ᵀ,  Z = M⁻ᵀ Y,  ∂L/∂S = −Z,  ∂L/∂A += −Z + Zᵀ */
static void ortho_finish(const bt_step *c, const double *daux, double *grad)
{
	size_t n = c->model->dims.n;
	const double *W = c->aux, *Minv = c->aux + n * n, *Gw = daux;
	double *Y = c->scratch + n, *Z = Y + n * n, *gA = G(A);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double y = Gw[i * n + j];   /* the I of (W + I)ᵀ */
			for (size_t k = 0; k < n; k++)
				y += Gw[i * n + k] * W[j * n + k];
			Y[i * n + j] = y;
		}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double z = 0;   /* (M⁻ᵀ Y)_ij = Σ_k M⁻¹_ki Y_kj */
			for (size_t k = 0; k < n; k++)
				z += Minv[k * n + i] * Y[k * n + j];
			Z[i * n + j] = z;
		}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gA[i * n + j] += -Z[i * n + j] + Z[j * n + i];
}

static const bt_cell_type student_orthogonal = {
	.name = "student_orthogonal",
	.summary = "exercise: orthogonal RNN with the student's gradient through the Cayley map",
	.nblocks = NBLOCKS,
	.layout = ortho_layout,
	.state_size = size_n,
	.cache_size = size_n,
	.scratch_size = size_scratch,   /* δa_t (n), then Y and Z (n² each) */
	.aux_size = size_aux,
	.init = ex_init_gaussian,
	.prepare = ortho_prepare,
	.finish = ortho_finish,
	.forward = ortho_forward,
	.backward = ortho_backward,
	.bound = BT_BOUND_STEPS,
};

const ex_exercise student_exercise = {.name = "orthogonal", .cell = &student_orthogonal};
