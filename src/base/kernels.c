/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kernels.c — the products of one step for the cells' batched kernels,
 * row sums, and a finiteness test (kernels.h). */
#include <gsl/gsl_cblas.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include "base/kernels.h"

/* The per-step recurrent products are small: n·k multiply-adds per
 * sequence. OpenBLAS's per-call overhead is small, so the plain loop below
 * only wins below about 128 multiply-adds in all (B = 1 with n ≤ 8), well
 * below the n ≈ 64 one might expect; the measured table is in
 * docs/speed.md. */
#define BT_MM_SMALL 128

void bt_batch_mm(size_t B, size_t k, size_t n, const double *A, size_t lda,
		 const double *M, size_t ldm, int trans, double *C, size_t ldc,
		 size_t t)
{
	if (B == 1 && (trans ? bt_matvec(0, k, n, M, ldm, A, C, (int)(t & 1))
			     : bt_matvec(1, n, k, M, ldm, A, C, (int)(t & 1))))
		return;
	if (B * n * k <= BT_MM_SMALL) {
		for (size_t b = 0; b < B; b++) {
			const double *a = A + b * lda;
			double *restrict c = C + b * ldc;
			if (trans) {
				/* c_i += m_i · a over the rows m_i of M */
				for (size_t i = 0; i < k; i++) {
					const double *m = M + i * ldm;
					double s = 0;
					for (size_t j = 0; j < n; j++)
						s += m[j] * a[j];
					c[i] += s;
				}
				continue;
			}
			/* c += Σ_j a_j m_j over the rows m_j of M, four rows per
			 * pass over c; the fixed-width inner block is what gcc
			 * -O2 vectorises (a plain one-row loop it leaves scalar) */
			size_t j = 0;
			for (; j + 4 <= n; j += 4) {
				const double s0 = a[j], s1 = a[j + 1], s2 = a[j + 2],
					     s3 = a[j + 3];
				const double *m0 = M + j * ldm, *m1 = m0 + ldm,
					     *m2 = m1 + ldm, *m3 = m2 + ldm;
				size_t i = 0;
				for (; i + 4 <= k; i += 4)
					for (size_t q = 0; q < 4; q++)
						c[i + q] += s0 * m0[i + q] + s1 * m1[i + q] +
							    s2 * m2[i + q] + s3 * m3[i + q];
				for (; i < k; i++)
					c[i] += s0 * m0[i] + s1 * m1[i] + s2 * m2[i] +
						s3 * m3[i];
			}
			for (; j < n; j++) {
				const double s = a[j], *m = M + j * ldm;
				for (size_t i = 0; i < k; i++)
					c[i] += s * m[i];
			}
		}
		return;
	}
	if (B == 1)
		cblas_dgemv(CblasRowMajor, trans ? CblasNoTrans : CblasTrans,
			    trans ? (int)k : (int)n, trans ? (int)n : (int)k, 1.0,
			    M, (int)ldm, A, 1, 1.0, C, 1);
	else
		cblas_dgemm(CblasRowMajor, CblasNoTrans,
			    trans ? CblasTrans : CblasNoTrans, (int)B, (int)k,
			    (int)n, 1.0, A, (int)lda, M, (int)ldm, 1.0, C, (int)ldc);
}

void bt_add_bias(size_t B, size_t k, const double *b, double *A)
{
	for (size_t r = 0; r < B; r++) {
		double *a = A + r * k;
		for (size_t i = 0; i < k; i++)
			a[i] += b[i];
	}
}

void bt_add_rows(size_t N, size_t k, const double *A, size_t lda, double *v)
{
	for (size_t r = 0; r < N; r++) {
		const double *a = A + r * lda;
		for (size_t i = 0; i < k; i++)
			v[i] += a[i];
	}
}


int bt_all_finite(const double *p, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (!isfinite(p[i]))
			return 0;
	return 1;
}
