/* SPDX-License-Identifier: GPL-3.0-or-later */
/* linalg.c — small dense helpers the instruments share: the 2-norm of a
 * matrix by warm-started power iteration (with an SVD when it does not
 * settle), singular values and eigenvalues. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include "base/linalg.h"

double bt_smax_svd(const gsl_matrix *A)
{
	size_t r = A->size1, c = A->size2;
	int tr = r < c;   /* GSL's SVD wants rows ≥ columns */
	gsl_matrix *B = gsl_matrix_alloc(tr ? c : r, tr ? r : c);
	gsl_matrix *V = gsl_matrix_alloc(B->size2, B->size2);
	gsl_vector *s = gsl_vector_alloc(B->size2), *w = gsl_vector_alloc(B->size2);
	double out = NAN;
	if (B && V && s && w) {
		if (tr)
			gsl_matrix_transpose_memcpy(B, A);
		else
			gsl_matrix_memcpy(B, A);
		if (gsl_linalg_SV_decomp(B, V, s, w) == GSL_SUCCESS)
			out = gsl_vector_get(s, 0);
	}
	gsl_matrix_free(B);
	gsl_matrix_free(V);
	gsl_vector_free(s);
	gsl_vector_free(w);
	return out;
}

/* The largest eigenvalue of the symmetric tridiagonal matrix with diagonal
 * a[0..m) and off-diagonal b[0..m-1), by bisection on Sturm counts, and the
 * last component of its unit eigenvector (y, m values) by two steps of
 * inverse iteration. O(m) per count; no allocation. */
static int sturm_above(const double *a, const double *b, size_t m, double x)
{
	/* number of eigenvalues > x: negative pivots of T − xI count those < x */
	int below = 0;
	double q = a[0] - x;
	if (q < 0)
		below++;
	for (size_t i = 1; i < m; i++) {
		if (q == 0)
			q = 1e-300;
		q = a[i] - x - b[i - 1] * b[i - 1] / q;
		if (q < 0)
			below++;
	}
	return (int)m - below;
}

static double tridiag_top(const double *a, const double *b, size_t m,
			  double *y, double *work, double lower)
{
	double lo = a[0], hi = a[0];
	for (size_t i = 0; i < m; i++) {
		double rad = (i > 0 ? fabs(b[i - 1]) : 0) + (i + 1 < m ? fabs(b[i]) : 0);
		lo = fmin(lo, a[i] - rad);
		hi = fmax(hi, a[i] + rad);
	}
	/* a known lower bound (the previous Ritz value: they only rise) */
	if (lower > lo && lower < hi && sturm_above(a, b, m, lower) >= 1)
		lo = lower;
	for (int it = 0; it < 200 && hi - lo > 4e-16 * fmax(fabs(hi), fabs(lo)); it++) {
		double mid = 0.5 * (lo + hi);
		if (mid <= lo || mid >= hi)
			break;
		if (sturm_above(a, b, m, mid) >= 1)
			lo = mid;
		else
			hi = mid;
	}
	double th = hi;
	/* inverse iteration: (T − σI) y = y_prev, σ just above θ */
	double sig = th + 1e-13 * fmax(fabs(th), 1e-300);
	double *c = work;   /* m: modified super-diagonal */
	for (size_t i = 0; i < m; i++)
		y[i] = 1.0;
	for (int pass = 0; pass < 2; pass++) {
		/* Thomas algorithm on the tridiagonal T − σI */
		double d = a[0] - sig;
		if (d == 0)
			d = 1e-300;
		c[0] = m > 1 ? b[0] / d : 0;
		y[0] /= d;
		for (size_t i = 1; i < m; i++) {
			d = a[i] - sig - b[i - 1] * c[i - 1];
			if (d == 0)
				d = 1e-300;
			c[i] = i + 1 < m ? b[i] / d : 0;
			y[i] = (y[i] - b[i - 1] * y[i - 1]) / d;
		}
		for (size_t i = m - 1; i-- > 0;)
			y[i] -= c[i] * y[i + 1];
		double nrm = 0;
		for (size_t i = 0; i < m; i++)
			nrm = fmax(nrm, fabs(y[i]));
		double ss = 0;
		for (size_t i = 0; i < m; i++) {
			y[i] /= nrm;
			ss += y[i] * y[i];
		}
		for (size_t i = 0; i < m; i++)
			y[i] /= sqrt(ss);
	}
	return th;
}

/* σ₁(A) by Lanczos on A Aᵀ with full reorthogonalisation, started from
 * the warm vector u (length rows; on return the leading left singular
 * vector). Lanczos, unlike plain power iteration, converges fast when the
 * top singular values are close together (as for random matrices). The
 * Ritz value θ_k ≤ σ₁² rises to σ₁²; it stops when the Ritz residual
 * β_k |y_k| is below 1e-11 θ (some eigenvalue of A Aᵀ lies within the
 * residual of θ, and Lanczos reaches the top one first). w is scratch of length cols. Falls back to an
 * SVD if it has not converged after maxit steps. */
double bt_norm2_warm(const gsl_matrix *A, gsl_vector *u, gsl_vector *w,
		     int maxit)
{
	size_t r = A->size1;
	int K = maxit < (int)r ? maxit : (int)r;
	if (K < 1)
		return bt_smax_svd(A);
	/* A warm vector can sit exactly in an invariant subspace that misses
	 * the leading direction (a diagonal D times an orthogonal W has the
	 * coordinate axes as singular vectors): mix in 1e-3 of a fixed vector
	 * with every component non-zero. */
	double nu = gsl_blas_dnrm2(u);
	if (!(nu > 0) || !isfinite(nu)) {
		gsl_vector_set_all(u, 0.0);
		nu = 1;
	}
	gsl_vector_scale(u, 1.0 / nu);
	for (size_t i = 0; i < r; i++)
		u->data[i * u->stride] += 1e-3 * (1.0 + 0.41 * sin(3.7 * (double)i + 1.3)) / sqrt((double)r);
	gsl_vector_scale(u, 1.0 / gsl_blas_dnrm2(u));

	gsl_matrix *Q = gsl_matrix_alloc((size_t)K + 1, r);   /* Lanczos vectors, by row */
	gsl_vector *z = gsl_vector_alloc(r);
	double *al = malloc(4 * (size_t)K * sizeof(double));
	double *be = al + K, *yv = be + K, *yw = yv + K;
	double out = NAN;
	if (!Q || !z || !al)
		goto fail;
	gsl_vector_view q0 = gsl_matrix_row(Q, 0);
	gsl_vector_memcpy(&q0.vector, u);
	double th_prev = -INFINITY;
	int k;
	for (k = 0; k < K; k++) {
		gsl_vector_view qk = gsl_matrix_row(Q, (size_t)k);
		/* z = A Aᵀ q_k */
		gsl_blas_dgemv(CblasTrans, 1.0, A, &qk.vector, 0.0, w);
		gsl_blas_dgemv(CblasNoTrans, 1.0, A, w, 0.0, z);
		gsl_blas_ddot(&qk.vector, z, &al[k]);
		/* full reorthogonalisation against q_0 … q_k, twice */
		for (int pass = 0; pass < 2; pass++)
			for (int j = 0; j <= k; j++) {
				gsl_vector_view qj = gsl_matrix_row(Q, (size_t)j);
				double c;
				gsl_blas_ddot(&qj.vector, z, &c);
				gsl_blas_daxpy(-c, &qj.vector, z);
			}
		be[k] = gsl_blas_dnrm2(z);
		int last = k + 1 == K || be[k] <= 1e-300;
		if (last || k == 1 || k % 3 == 0) {
			/* the top Ritz pair of T_{k+1} */
			size_t m = (size_t)k + 1;
			double th = tridiag_top(al, be, m, yv, yw, th_prev);
			th_prev = th;
			double res = be[k] * fabs(yv[m - 1]);
			if (res <= 1e-11 * th || (th == 0 && last) || be[k] <= 1e-300) {
				/* u = Q_mᵀ y: the Ritz vector, warm start for next time */
				gsl_vector_set_zero(u);
				for (size_t i = 0; i < m; i++) {
					gsl_vector_view qi = gsl_matrix_row(Q, i);
					gsl_blas_daxpy(yv[i], &qi.vector, u);
				}
				out = sqrt(fmax(th, 0));
				break;
			}
			if (last)
				break;
		}
		gsl_vector_view qn = gsl_matrix_row(Q, (size_t)k + 1);
		gsl_vector_memcpy(&qn.vector, z);
		gsl_vector_scale(&qn.vector, 1.0 / be[k]);
	}
fail:
	gsl_matrix_free(Q);
	gsl_vector_free(z);
	free(al);
	return isnan(out) ? bt_smax_svd(A) : out;
}

