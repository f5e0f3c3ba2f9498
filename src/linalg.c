/* linalg.c — small dense helpers the instruments share: the 2-norm of a
 * matrix by warm-started power iteration (with an SVD when it does not
 * settle), singular values and eigenvalues. */
#include <math.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include "linalg.h"

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

/* σ₁(A) by power iteration on A Aᵀ from the warm vector u (length rows,
 * updated to the leading left singular vector); w is scratch of length
 * cols. Stops when the estimate changes by less than 1e-14 relative twice
 * running; falls back to an SVD after maxit iterations. */
double bt_norm2_warm(const gsl_matrix *A, gsl_vector *u, gsl_vector *w,
		     int maxit)
{
	double nu = gsl_blas_dnrm2(u);
	if (!(nu > 0) || !isfinite(nu)) {
		gsl_vector_set_all(u, 1.0);
		nu = gsl_blas_dnrm2(u);
	}
	gsl_vector_scale(u, 1.0 / nu);
	double est = 0;
	int calm = 0;
	for (int it = 0; it < maxit; it++) {
		/* w = Aᵀ u,  σ² ≥ ‖w‖² (Rayleigh quotient of A Aᵀ),  u = A w / ‖A w‖ */
		gsl_blas_dgemv(CblasTrans, 1.0, A, u, 0.0, w);
		double e = gsl_blas_dnrm2(w);
		gsl_blas_dgemv(CblasNoTrans, 1.0, A, w, 0.0, u);
		double nu2 = gsl_blas_dnrm2(u);
		if (e == 0 || nu2 == 0)
			return e == 0 ? bt_smax_svd(A) : e;
		gsl_vector_scale(u, 1.0 / nu2);
		/* ‖A Aᵀ u‖ / ‖Aᵀ u‖ is a second, sharper estimate (≤ σ₁) */
		double e2 = nu2 / e;
		double cur = fmax(e, e2);
		if (fabs(cur - est) <= 1e-14 * cur) {
			if (++calm >= 2)
				return cur;
		} else {
			calm = 0;
		}
		est = cur;
	}
	return bt_smax_svd(A);
}
