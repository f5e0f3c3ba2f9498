/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kernels.h — the numerical kernels under the cells (internal): products
 * of one step, row sums, σ and tanh over arrays, a finiteness test. */
#ifndef BT_KERNELS_H
#define BT_KERNELS_H

#include <math.h>
#include <stddef.h>

/* σ(a) = 1/(1 + e^{−a}), written so that neither branch overflows; inline
 * for the gate loops (activation.c's sigmoid is this one too). */
static inline double bt_sigmoid(double a)
{
	if (a >= 0)
		return 1.0 / (1.0 + exp(-a));
	double e = exp(a);
	return e / (1.0 + e);
}

/* C += A M (trans = 0, M n×k) or C += A Mᵀ (trans = 1, M k×n), with A
 * B×n (leading dimension lda), C B×k (ldc), M's leading dimension ldm, all
 * row-major, in step t: for B = 1 the hand-written kernels of matvec.c,
 * reading M's rows in the opposite order on odd steps; otherwise a plain C
 * loop for tiny products and BLAS above the measured crossover.
 * Taking Mᵀ this way rather than from a transposed copy keeps one copy of
 * W in cache for both directions. */
void bt_batch_mm(size_t B, size_t k, size_t n, const double *A, size_t lda,
		 const double *M, size_t ldm, int trans, double *C, size_t ldc,
		 size_t t);
/* y += M x (trans = 0; M k×n, x n long, y k long) or y += Mᵀ x (trans = 1;
 * x k long, y n long), M row-major with rows ld apart, its rows read from
 * the last when reverse. Returns 0, doing nothing, where the CPU lacks
 * AVX2 and FMA (matvec.c). */
int bt_matvec(int trans, size_t k, size_t n, const double *M, size_t ld,
	      const double *x, double *y, int reverse);
/* The CPU has AVX2 and FMA (checked once). */
int bt_have_avx2(void);
/* v (k) += the sum of the N rows of A (N×k, leading dimension lda). */
void bt_add_rows(size_t N, size_t k, const double *A, size_t lda, double *v);
/* Each of the B rows of A (B×k, contiguous) += b (k). */
void bt_add_bias(size_t B, size_t k, const double *b, double *A);

/* Whether all k values are finite . */
int bt_all_finite(const double *p, size_t k);

/* In place over n values: x ← σ(x), x ← tanh(x) (vmath.c: four at a time
 * with glibc's libmvec where the CPU has AVX2; tested within 8 ulp of
 * libm's). */
void bt_vsigmoid(double *x, size_t n);
void bt_vtanh(double *x, size_t n);

#endif /* BT_KERNELS_H */
