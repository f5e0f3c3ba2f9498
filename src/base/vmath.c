/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vmath.c — σ and tanh over arrays, for the gates of the batched kernels.
 *
 *     σ(x) = 1 / (1 + e^{−x})  (x ≥ 0),   e^{x} / (1 + e^{x})  (x < 0)
 *
 * (the two forms of activation.c, so that neither overflows). Where the
 * CPU has AVX2 and glibc's vector math library is linked (BT_HAVE_MVEC,
 * set by the Makefile), four values at a time through libmvec's exp and
 * tanh (within 4 ulp; the results are tested within 8 ulp of libm's);
 * otherwise libm's, one at a time. The gain is in docs/speed.md. */
#include <math.h>
#include <stddef.h>
#include "base/kernels.h"

#if defined(BT_HAVE_MVEC) && defined(__x86_64__) && defined(__GLIBC__)
#include <immintrin.h>

__m256d _ZGVdN4v_exp(__m256d x);
__m256d _ZGVdN4v_tanh(__m256d x);

__attribute__((target("avx2"))) static size_t sigmoid4(double *x, size_t n)
{
	const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
	const __m256d sign = _mm256_set1_pd(-0.0);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m256d v = _mm256_loadu_pd(x + i);
		/* e = exp(−|x|) ≤ 1; σ = 1/(1+e) for x ≥ 0, e/(1+e) for x < 0 */
		__m256d e = _ZGVdN4v_exp(_mm256_or_pd(v, sign));
		__m256d num = _mm256_blendv_pd(e, one, _mm256_cmp_pd(v, zero, _CMP_GE_OQ));
		_mm256_storeu_pd(x + i, _mm256_div_pd(num, _mm256_add_pd(one, e)));
	}
	return i;
}

__attribute__((target("avx2"))) static size_t tanh4(double *x, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4)
		_mm256_storeu_pd(x + i, _ZGVdN4v_tanh(_mm256_loadu_pd(x + i)));
	return i;
}
#define VECTOR_SIGMOID(x, n) (bt_have_avx2() ? sigmoid4(x, n) : 0)
#define VECTOR_TANH(x, n) (bt_have_avx2() ? tanh4(x, n) : 0)
#else
#define VECTOR_SIGMOID(x, n) ((void)(x), (size_t)0)
#define VECTOR_TANH(x, n) ((void)(x), (size_t)0)
#endif

void bt_vsigmoid(double *x, size_t n)
{
	for (size_t i = VECTOR_SIGMOID(x, n); i < n; i++)
		x[i] = bt_sigmoid(x[i]);
}

void bt_vtanh(double *x, size_t n)
{
	for (size_t i = VECTOR_TANH(x, n); i < n; i++)
		x[i] = tanh(x[i]);
}
