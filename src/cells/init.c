/* SPDX-License-Identifier: GPL-3.0-or-later */
/* init.c — random initial weights for the cells: Gaussian and Glorot
 * scales, Haar-orthogonal matrices, W rescaled to a largest singular
 * value or a spectral radius, and W with prescribed eigenvalues (normal
 * or not). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_randist.h>
#include "cells/cell.h"

void bt_fill_gaussian(double *p, size_t count, double sd, gsl_rng *rng)
{
	for (size_t i = 0; i < count; i++)
		p[i] = gsl_ran_gaussian_ziggurat(rng, sd);
}

double bt_glorot_sd(size_t fan_in, size_t fan_out)
{
	return sqrt(2.0 / (double)(fan_in + fan_out));
}

/* Largest singular value of an n×n matrix (SVD of a copy). */
static double smax(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
	gsl_vector *s = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	double r = NAN;
	if (A && V && s && w) {
		memcpy(A->data, W, n * n * sizeof(double));
		if (gsl_linalg_SV_decomp(A, V, s, w) == GSL_SUCCESS)
			r = gsl_vector_get(s, 0);
	}
	gsl_matrix_free(A); gsl_matrix_free(V);
	gsl_vector_free(s); gsl_vector_free(w);
	return r;
}

/* Spectral radius max |λ_i| of an n×n matrix. */
static double radius(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
	gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
	double r = NAN;
	if (A && ev && ws) {
		memcpy(A->data, W, n * n * sizeof(double));
		if (gsl_eigen_nonsymm(A, ev, ws) == GSL_SUCCESS) {
			r = 0;
			for (size_t i = 0; i < n; i++)
				r = fmax(r, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
		}
	}
	gsl_matrix_free(A);
	gsl_vector_complex_free(ev);
	gsl_eigen_nonsymm_free(ws);
	return r;
}

/* Haar-random orthogonal: Q of the QR of a Gaussian matrix, with the signs
 * of R's diagonal moved into Q (Mezzadri 2007), so Q is uniformly
 * distributed. */
int bt_haar(double *W, size_t n, gsl_rng *rng)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n),
		   *R = gsl_matrix_alloc(n, n);
	gsl_vector *tau = gsl_vector_alloc(n);
	int st = BT_ENOMEM;
	if (A && Q && R && tau) {
		bt_fill_gaussian(A->data, n * n, 1.0, rng);
		gsl_linalg_QR_decomp(A, tau);
		gsl_linalg_QR_unpack(A, tau, Q, R);
		for (size_t j = 0; j < n; j++) {
			double sg = gsl_matrix_get(R, j, j) < 0 ? -1.0 : 1.0;
			for (size_t i = 0; i < n; i++)
				W[i * n + j] = sg * gsl_matrix_get(Q, i, j);
		}
		st = BT_OK;
	}
	gsl_matrix_free(A); gsl_matrix_free(Q); gsl_matrix_free(R);
	gsl_vector_free(tau);
	return st;
}

int bt_init_recurrent(double *W, size_t n, gsl_rng *rng,
		      const bt_init_options *opt)
{
	if (opt->structure != BT_STRUCTURE_GAUSSIAN)
		return bt_init_structured(W, n, rng, opt);
	if (opt->orthogonal) {
		int st = bt_haar(W, n, rng);
		if (st != BT_OK)
			return st;
	} else {
		bt_fill_gaussian(W, n * n, 1.0 / sqrt((double)n), rng);
	}
	double want = opt->scale > 0 ? opt->scale : opt->radius;
	if (want > 0) {
		double have = opt->scale > 0 ? smax(W, n) : radius(W, n);
		if (!(have > 0) || !isfinite(have))
			return BT_EINVAL;
		for (size_t i = 0; i < n * n; i++)
			W[i] *= want / have;
	}
	return BT_OK;
}

int bt_cell_single_w(const bt_cell_type *type)
{
	return type && type->recurrent && !type->fixed_norm;
}

/* ---- generators ------------------------------------------------------------
 *     W = Q (B + c N) Qᵀ
 * B block diagonal with the eigenvalues, N ones strictly above B's blocks:
 * B + cN is block upper triangular, so its eigenvalues are its diagonal
 * blocks' whatever c is; ‖B_k‖_F² = Σ|λ| over the block, hence
 * dep(W)² = ‖cN‖_F² = c²·(number of ones). */
int bt_matrix_with_eigenvalues_rng(double *W, size_t n, const double *re,
				   const double *im, double c, gsl_rng *rng)
{
	if (n < 1 || !(c >= 0) || !isfinite(c))
		return BT_EINVAL;
	/* the blocks: a real eigenvalue, or a pair (re, +im), (re, −im) */
	size_t *start = malloc((n + 1) * sizeof *start), nb = 0;
	double *B = calloc(n * n, sizeof *B), *Q = malloc(n * n * sizeof *Q),
	       *M = malloc(n * n * sizeof *M);
	int st = (start && B && Q && M) ? BT_OK : BT_ENOMEM;
	for (size_t i = 0; st == BT_OK && i < n;) {
		if (!isfinite(re[i]) || !isfinite(im[i])) {
			st = BT_EINVAL;
			break;
		}
		start[nb++] = i;
		if (im[i] == 0) {
			B[i * n + i] = re[i];
			i += 1;
		} else if (im[i] > 0 && i + 1 < n && re[i + 1] == re[i] &&
			   im[i + 1] == -im[i]) {
			/* r(cos θ, −sin θ; sin θ, cos θ) = (a, −b; b, a) */
			B[i * n + i] = re[i];
			B[i * n + i + 1] = -im[i];
			B[(i + 1) * n + i] = im[i];
			B[(i + 1) * n + i + 1] = re[i];
			i += 2;
		} else {
			st = BT_EINVAL;
		}
	}
	if (st == BT_OK) {
		start[nb] = n;
		/* + c N: every entry right of its row's block */
		for (size_t k = 0; k < nb; k++)
			for (size_t r = start[k]; r < start[k + 1]; r++)
				for (size_t j = start[k + 1]; j < n; j++)
					B[r * n + j] = c;
		st = bt_haar(Q, n, rng);
	}
	if (st == BT_OK) {
		/* W = Q B Qᵀ */
		gsl_matrix_view Qv = gsl_matrix_view_array(Q, n, n),
				Bv = gsl_matrix_view_array(B, n, n),
				Mv = gsl_matrix_view_array(M, n, n),
				Wv = gsl_matrix_view_array(W, n, n);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Qv.matrix, &Bv.matrix, 0.0, &Mv.matrix);
		gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &Mv.matrix, &Qv.matrix, 0.0, &Wv.matrix);
	}
	free(start);
	free(B);
	free(Q);
	free(M);
	return st;
}

int bt_matrix_with_eigenvalues(gsl_matrix *W, const double *re,
			       const double *im, double c, unsigned long seed)
{
	size_t n = W ? W->size1 : 0;
	if (!W || W->size2 != n || W->tda != n)
		return BT_EINVAL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, seed);
	int st = bt_matrix_with_eigenvalues_rng(W->data, n, re, im, c, rng);
	gsl_rng_free(rng);
	return st;
}

/* The initialisation's structured W: every eigenvalue of modulus R (the
 * radius option, default 1); n/2 conjugate pairs R e^{±iθ_k}, θ_k uniform
 * in [0, π) from the stream, and for odd n one real eigenvalue ±R (sign
 * from the stream); then Q from the stream; c the nonnormality for
 * NONNORMAL, 0 for NORMAL. The same stream gives the same Q and
 * eigenvalues for both, so they differ only in c N. */
int bt_init_structured(double *W, size_t n, gsl_rng *rng,
		       const bt_init_options *opt)
{
	double R = opt->radius > 0 ? opt->radius : 1.0;
	double c = opt->structure == BT_STRUCTURE_NONNORMAL ? opt->nonnormality : 0.0;
	double *re = malloc(2 * n * sizeof *re), *im = re ? re + n : NULL;
	if (!re)
		return BT_ENOMEM;
	size_t i = 0;
	for (; i + 1 < n; i += 2) {
		double th = 3.14159265358979323846 * gsl_rng_uniform(rng);
		double a = R * cos(th), b = R * sin(th);
		if (b <= 0) {   /* θ = 0: a real double eigenvalue R */
			re[i] = re[i + 1] = R;
			im[i] = im[i + 1] = 0;
			continue;
		}
		re[i] = re[i + 1] = a;
		im[i] = b;
		im[i + 1] = -b;
	}
	if (i < n) {
		re[i] = gsl_rng_uniform(rng) < 0.5 ? -R : R;
		im[i] = 0;
	}
	int st = bt_matrix_with_eigenvalues_rng(W, n, re, im, c, rng);
	free(re);
	return st;
}
