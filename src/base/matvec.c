/* SPDX-License-Identifier: GPL-3.0-or-later */
/* matvec.c — the recurrent products of one sequence (B = 1), by hand.
 *
 *     dot form    y_i += Σ_j M_ij x_j      (i < k, j < n: y += M x)
 *     axpy form   y_j += Σ_i a_i M_ij      (i < k, j < n: y += Mᵀ a)
 *
 * M row-major, k×n, rows ld apart. At B = 1 each step of a forward or
 * backward pass is one or two of these, and what limits them is reading M
 * (n² doubles a gate) from the caches, not arithmetic. Two things make the
 * hand-written kernels faster than cblas_dgemv here:
 *
 *  - no per-call work: OpenBLAS's dgemv takes a buffer from its allocator
 *    and, in the axpy form, adds it into y afterwards on every call;
 *  - the rows can be read in either order (`reverse`). Alternating the
 *    order from one step to the next reads first the rows read last, which
 *    are still in L2 when M does not fit there (the LSTM's 4n×n W is 2 MB
 *    at n = 256).
 *
 * What each is worth is measured in docs/speed.md. The kernels need AVX2
 * and FMA (checked once at run time); without them bt_matvec returns 0 and
 * the caller uses BLAS. The sums are in another order than BLAS's, so
 * results differ from it by rounding only. */
#include <stddef.h>
#include "base/kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(BT_PORTABLE)
#include <immintrin.h>
#define HAVE_KERNELS 1

int bt_have_avx2(void)
{
	static int known = -1;   /* the same answer from any thread */
	if (known < 0)
		known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	return known;
}

/* y[0..3] += the dot products of four rows with x: eight accumulators
 * (two per row) keep the FMA units busy while the loads stream. */
__attribute__((target("avx2,fma")))
static void dot4(size_t n, const double *m0, size_t ld, const double *x, double *y)
{
	const double *m1 = m0 + ld, *m2 = m1 + ld, *m3 = m2 + ld;
	__m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
	__m256d b0 = a0, b1 = a0, b2 = a0, b3 = a0;
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		__m256d u = _mm256_loadu_pd(x + j), v = _mm256_loadu_pd(x + j + 4);
		a0 = _mm256_fmadd_pd(_mm256_loadu_pd(m0 + j), u, a0);
		a1 = _mm256_fmadd_pd(_mm256_loadu_pd(m1 + j), u, a1);
		a2 = _mm256_fmadd_pd(_mm256_loadu_pd(m2 + j), u, a2);
		a3 = _mm256_fmadd_pd(_mm256_loadu_pd(m3 + j), u, a3);
		b0 = _mm256_fmadd_pd(_mm256_loadu_pd(m0 + j + 4), v, b0);
		b1 = _mm256_fmadd_pd(_mm256_loadu_pd(m1 + j + 4), v, b1);
		b2 = _mm256_fmadd_pd(_mm256_loadu_pd(m2 + j + 4), v, b2);
		b3 = _mm256_fmadd_pd(_mm256_loadu_pd(m3 + j + 4), v, b3);
	}
	if (j + 4 <= n) {
		__m256d u = _mm256_loadu_pd(x + j);
		a0 = _mm256_fmadd_pd(_mm256_loadu_pd(m0 + j), u, a0);
		a1 = _mm256_fmadd_pd(_mm256_loadu_pd(m1 + j), u, a1);
		a2 = _mm256_fmadd_pd(_mm256_loadu_pd(m2 + j), u, a2);
		a3 = _mm256_fmadd_pd(_mm256_loadu_pd(m3 + j), u, a3);
		j += 4;
	}
	a0 = _mm256_add_pd(a0, b0);
	a1 = _mm256_add_pd(a1, b1);
	a2 = _mm256_add_pd(a2, b2);
	a3 = _mm256_add_pd(a3, b3);
	/* the four horizontal sums as one vector [s0 s1 s2 s3] */
	__m256d h01 = _mm256_hadd_pd(a0, a1), h23 = _mm256_hadd_pd(a2, a3);
	__m256d s = _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20),
				  _mm256_permute2f128_pd(h01, h23, 0x31));
	double t[4];
	_mm256_storeu_pd(t, s);
	for (; j < n; j++) {
		t[0] += m0[j] * x[j];
		t[1] += m1[j] * x[j];
		t[2] += m2[j] * x[j];
		t[3] += m3[j] * x[j];
	}
	for (int q = 0; q < 4; q++)
		y[q] += t[q];
}

/* y += the four rows m0 … m0 + 3·ld scaled by a[0..3] */
__attribute__((target("avx2,fma")))
static void axpy4(size_t n, const double *m0, size_t ld, const double *a, double *y)
{
	const double *m1 = m0 + ld, *m2 = m1 + ld, *m3 = m2 + ld;
	const __m256d s0 = _mm256_broadcast_sd(a), s1 = _mm256_broadcast_sd(a + 1),
		      s2 = _mm256_broadcast_sd(a + 2), s3 = _mm256_broadcast_sd(a + 3);
	size_t j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d v = _mm256_loadu_pd(y + j);
		__m256d w = _mm256_mul_pd(s2, _mm256_loadu_pd(m2 + j));
		v = _mm256_fmadd_pd(s0, _mm256_loadu_pd(m0 + j), v);
		w = _mm256_fmadd_pd(s3, _mm256_loadu_pd(m3 + j), w);
		v = _mm256_fmadd_pd(s1, _mm256_loadu_pd(m1 + j), v);
		_mm256_storeu_pd(y + j, _mm256_add_pd(v, w));
	}
	for (; j < n; j++)
		y[j] += a[0] * m0[j] + a[1] * m1[j] + a[2] * m2[j] + a[3] * m3[j];
}

/* y += the eight rows m0 … m0 + 7·ld scaled by a[0..7]: y is read and
 * written once per eight rows */
__attribute__((target("avx2,fma")))
static void axpy8(size_t n, const double *m, size_t ld, const double *a, double *y)
{
	__m256d s[8];
	for (int q = 0; q < 8; q++)
		s[q] = _mm256_broadcast_sd(a + q);
	size_t j = 0;
	for (; j + 4 <= n; j += 4) {
		__m256d v = _mm256_loadu_pd(y + j);
		__m256d w = _mm256_mul_pd(s[4], _mm256_loadu_pd(m + 4 * ld + j));
		v = _mm256_fmadd_pd(s[0], _mm256_loadu_pd(m + j), v);
		w = _mm256_fmadd_pd(s[5], _mm256_loadu_pd(m + 5 * ld + j), w);
		v = _mm256_fmadd_pd(s[1], _mm256_loadu_pd(m + ld + j), v);
		w = _mm256_fmadd_pd(s[6], _mm256_loadu_pd(m + 6 * ld + j), w);
		v = _mm256_fmadd_pd(s[2], _mm256_loadu_pd(m + 2 * ld + j), v);
		w = _mm256_fmadd_pd(s[7], _mm256_loadu_pd(m + 7 * ld + j), w);
		v = _mm256_fmadd_pd(s[3], _mm256_loadu_pd(m + 3 * ld + j), v);
		_mm256_storeu_pd(y + j, _mm256_add_pd(v, w));
	}
	for (; j < n; j++) {
		double v = 0;
		for (int q = 0; q < 8; q++)
			v += a[q] * m[q * ld + j];
		y[j] += v;
	}
}

/* Rows in groups of G (4 or 8); group number q counted from the end when
 * reverse; the k mod G rows left over come first or last accordingly, in
 * a group of 4 and then one at a time. */
static int kernels(int trans, size_t k, size_t n, const double *M, size_t ld,
		   const double *x, double *y, int reverse)
{
	const size_t G = trans ? 8 : 4, ng = k / G, rest = k - ng * G;
	if (!bt_have_avx2())
		return 0;
	for (size_t pass = 0; pass < 2; pass++) {
		if ((pass == 0) == !reverse) {
			/* the full groups */
			for (size_t q = 0; q < ng; q++) {
				size_t i = (reverse ? ng - 1 - q : q) * G;
				if (!trans)
					dot4(n, M + i * ld, ld, x, y + i);
				else
					axpy8(n, M + i * ld, ld, x + i, y);
			}
			continue;
		}
		/* the rows after the last full group */
		size_t i = ng * G;
		if (rest >= 4) {
			if (!trans)
				dot4(n, M + i * ld, ld, x, y + i);
			else
				axpy4(n, M + i * ld, ld, x + i, y);
			i += 4;
		}
		for (; i < k; i++) {
			const double *m = M + i * ld;
			if (!trans) {
				double s = 0;
				for (size_t j = 0; j < n; j++)
					s += m[j] * x[j];
				y[i] += s;
			} else {
				for (size_t j = 0; j < n; j++)
					y[j] += x[i] * m[j];
			}
		}
	}
	return 1;
}
#else
int bt_have_avx2(void) { return 0; }
#endif

int bt_matvec(int trans, size_t k, size_t n, const double *M, size_t ld,
	      const double *x, double *y, int reverse)
{
#ifdef HAVE_KERNELS
	return kernels(trans, k, n, M, ld, x, y, reverse);
#else
	(void)trans, (void)k, (void)n, (void)M, (void)ld, (void)x, (void)y, (void)reverse;
	return 0;
#endif
}
