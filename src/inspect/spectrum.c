/* SPDX-License-Identifier: GPL-3.0-or-later */
/* spectrum.c — singular values, eigenvalues and the departure from
 * normality of the recurrent matrix and norms of its powers (matrices
 * with prescribed eigenvalues are made in cells/init.c).
 *
 * For a normal A (A Aᵀ = Aᵀ A) the singular values are the |λ_i|, so
 * ‖Aᵗ‖₂ = ρ(A)ᵗ for every t. A non-normal A can have ρ < 1 and still
 * ‖Aᵗ‖₂ ≫ 1 for a while (transient growth); Henrici's departure from
 * normality
 *
 *     dep(A) = sqrt(‖A‖_F² − Σ|λ_i|²) = ‖N‖_F,   A = Z (D + N) Zᵀ (Schur)
 *
 * measures how far A is from normal: 0 exactly for normal matrices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include "base/linalg.h"
#include "base/progress.h"
#include "core/seq_internal.h"

int bt_spectrum_alloc(bt_spectrum_result **out, size_t n, size_t T)
{
	*out = NULL;
	if (n < 1 || n > 2 * (size_t)BT_MAX_DIM || T > (size_t)BT_MAX_T)
		return BT_EINVAL;
	bt_spectrum_result *r = calloc(1, sizeof *r);
	if (!r)
		return BT_ENOMEM;
	r->n = n;
	r->T = T;
	r->sv = malloc(n * sizeof(double));
	r->eig_re = malloc(n * sizeof(double));
	r->eig_im = malloc(n * sizeof(double));
	int bad = !r->sv || !r->eig_re || !r->eig_im;
	if (T > 0) {
		r->log10_norm_power = malloc(T * sizeof(double));
		r->log10_radius_power = malloc(T * sizeof(double));
		r->log10_smax_power = malloc(T * sizeof(double));
		bad = bad || !r->log10_norm_power || !r->log10_radius_power ||
		      !r->log10_smax_power;
	}
	if (bad) {
		bt_spectrum_free(r);
		return BT_ENOMEM;
	}
	*out = r;
	return BT_OK;
}

/* A workspace for the forward pass (when the matrix is a step Jacobian);
 * the matrix, the SVD's and the Schur form's copies and the powers' two
 * products (eight S×S in all); the result's columns. */
double bt_spectrum_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	if (!type)
		return 0;
	double S = (double)type->state_size(&dims);
	return bt_seq_size(type, dims, T) + 8 * (8 * S * S + 3 * (double)T);
}

void bt_spectrum_free(bt_spectrum_result *r)
{
	if (!r)
		return;
	free(r->sv);
	free(r->eig_re);
	free(r->eig_im);
	free(r->log10_norm_power);
	free(r->log10_radius_power);
	free(r->log10_smax_power);
	free(r);
}

/* Largest modulus first; within a conjugate pair (equal moduli) positive
 * imaginary part first. */
typedef struct {
	double re, im, abs;
} eig;

static int by_modulus(const void *pa, const void *pb)
{
	const eig *a = pa, *b = pb;
	if (a->abs != b->abs)
		return a->abs > b->abs ? -1 : 1;
	if (a->im != b->im)
		return a->im > b->im ? -1 : 1;
	if (a->re != b->re)
		return a->re > b->re ? -1 : 1;
	return 0;
}

/* Henrici's departure from the real Schur form T (quasi-triangular, 1×1
 * and 2×2 diagonal blocks): ‖T‖_F = ‖A‖_F, so dep² = ‖T‖_F² − Σ|λ_i|² is
 * the sum of t_ij² outside the diagonal blocks plus, for each 2×2 block
 * (a b; c d), ‖block‖_F² − |λ₁|² − |λ₂|²: (a − d)² + (b + c)² when its
 * eigenvalues are complex (|λ|² = ad − bc), (b − c)² when they are real.
 * Every term is non-negative: no cancellation. */
static double schur_departure(const gsl_matrix *T)
{
	size_t n = T->size1;
	double s = 0;
	for (size_t i = 0; i < n;) {
		size_t bs = (i + 1 < n && gsl_matrix_get(T, i + 1, i) != 0) ? 2 : 1;
		for (size_t r = i; r < i + bs; r++)
			for (size_t j = i + bs; j < n; j++)
				s += gsl_matrix_get(T, r, j) * gsl_matrix_get(T, r, j);
		if (bs == 2) {
			double a = gsl_matrix_get(T, i, i), b = gsl_matrix_get(T, i, i + 1);
			double c = gsl_matrix_get(T, i + 1, i), d = gsl_matrix_get(T, i + 1, i + 1);
			double disc = 0.25 * (a - d) * (a - d) + b * c;
			if (disc < 0)
				s += (a - d) * (a - d) + (b + c) * (b + c);
			else
				s += (b - c) * (b - c);
		}
		i += bs;
	}
	return sqrt(s);
}

/* Singular values, eigenvalues, ρ, s_max, ‖A‖_F, departure. */
static int decompose(const gsl_matrix *A, bt_spectrum_result *res)
{
	size_t n = A->size1;
	gsl_matrix *B = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
	gsl_vector *s = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
	gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
	eig *e = malloc(n * sizeof *e);
	int st = BT_ENOMEM;
	if (!B || !V || !s || !w || !ev || !ws || !e)
		goto done;
	/* GSL's default handler aborts; the library returns a status */
	gsl_error_handler_t *old = gsl_set_error_handler_off();
	st = BT_ENUMERIC;
	gsl_matrix_memcpy(B, A);
	int gs = gsl_linalg_SV_decomp(B, V, s, w);
	if (gs == GSL_SUCCESS) {
		/* the real Schur form T = Zᵀ A Z, no balancing (balancing is
		 * not orthogonal and would change ‖T‖_F) */
		gsl_matrix_memcpy(B, A);
		gsl_eigen_nonsymm_params(1, 0, ws);
		gs = gsl_eigen_nonsymm(B, ev, ws);
	}
	gsl_set_error_handler(old);
	if (gs != GSL_SUCCESS)
		goto done;
	for (size_t i = 0; i < n; i++) {
		res->sv[i] = gsl_vector_get(s, i);
		gsl_complex z = gsl_vector_complex_get(ev, i);
		e[i].re = GSL_REAL(z);
		e[i].im = GSL_IMAG(z);
		e[i].abs = hypot(e[i].re, e[i].im);
	}
	qsort(e, n, sizeof *e, by_modulus);
	for (size_t i = 0; i < n; i++) {
		res->eig_re[i] = e[i].re;
		res->eig_im[i] = e[i].im;
	}
	res->radius = e[0].abs;
	res->smax = res->sv[0];
	gsl_vector_const_view av = gsl_vector_const_view_array(A->data, n * n);
	res->normF = gsl_blas_dnrm2(&av.vector);
	res->henrici = schur_departure(B);
	st = BT_OK;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(res->sv[i]) || !isfinite(res->eig_re[i]) ||
		    !isfinite(res->eig_im[i]))
			st = BT_ENUMERIC;
done:
	gsl_matrix_free(B);
	gsl_matrix_free(V);
	gsl_vector_free(s);
	gsl_vector_free(w);
	gsl_vector_complex_free(ev);
	gsl_eigen_nonsymm_free(ws);
	free(e);
	return st;
}

/* log10 ‖Aᵗ‖₂ for t = 1…T. The power is kept renormalised,
 * Aᵗ = 10^{ℓ_t} P̃_t with ‖P̃_t‖_F = 1, P̃_{t+1} ∝ P̃_t A; so
 * log10 ‖Aᵗ‖₂ = ℓ_t + log10 ‖P̃_t‖₂, the latter by Lanczos warm-started
 * from the previous power's leading left singular vector. */
static int powers(const gsl_matrix *A, bt_spectrum_result *res)
{
	size_t n = A->size1, T = res->T;
	gsl_matrix *P = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n);
	gsl_vector *u = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	int st = (P && Q && u && w) ? BT_OK : BT_ENOMEM;
	if (st != BT_OK)
		goto done;
	for (size_t i = 0; i < n; i++)
		gsl_vector_set(u, i, 1.0 + 0.37 * sin(1.0 + (double)i));
	gsl_matrix_memcpy(P, A);
	double ell = 0;
	bt_progress pr;
	bt_progress_begin(&pr, "powers of the matrix", T);
	for (size_t t = 1; t <= T; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK)
			break;
		if (t > 1) {
			/* P̃ ← P̃ A */
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, A, 0.0, Q);
			gsl_matrix *tmp = P;
			P = Q;
			Q = tmp;
		}
		gsl_vector_view pv = gsl_vector_view_array(P->data, n * n);
		double f = gsl_blas_dnrm2(&pv.vector);
		if (f == 0) {   /* Aᵗ is exactly zero (A nilpotent), and so on */
			for (size_t r = t; r <= T; r++)
				res->log10_norm_power[r - 1] = -INFINITY;
			break;
		}
		if (!isfinite(f)) {
			st = BT_ENUMERIC;
			break;
		}
		gsl_matrix_scale(P, 1.0 / f);
		ell += log10(f);
		res->log10_norm_power[t - 1] = ell + log10(bt_norm2_warm(P, u, w, 200));
	}
	bt_progress_end(&pr);
	if (st != BT_OK)
		goto done;
	/* the two bounds ρᵗ ≤ ‖Aᵗ‖₂ ≤ s_maxᵗ */
	for (size_t t = 1; t <= T; t++) {
		res->log10_radius_power[t - 1] = res->radius > 0 ? (double)t * log10(res->radius) : -INFINITY;
		res->log10_smax_power[t - 1] = res->smax > 0 ? (double)t * log10(res->smax) : -INFINITY;
	}
done:
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	gsl_vector_free(u);
	gsl_vector_free(w);
	return st;
}

int bt_spectrum_matrix(const gsl_matrix *A, bt_spectrum_result *res)
{
	size_t n = res->n;
	if (!A || A->size1 != n || A->size2 != n || A->tda != n)
		return BT_EINVAL;
	for (size_t i = 0; i < n * n; i++)
		if (!isfinite(A->data[i]))
			return BT_ENUMERIC;
	int st = decompose(A, res);
	if (st == BT_OK && res->T > 0)
		st = powers(A, res);
	return st;
}

int bt_spectrum_source(const bt_model *model, const bt_data *data, size_t step,
		       gsl_matrix **A, int *is_w)
{
	*A = NULL;
	if (is_w)
		*is_w = 0;
	if (step == 0 && model->type->recurrent) {
		size_t n = model->dims.n;
		gsl_matrix *W = gsl_matrix_alloc(n, n);
		if (!W)
			return BT_ENOMEM;
		int st = bt_model_recurrent(model, W);
		if (st != BT_OK) {
			gsl_matrix_free(W);
			return st;
		}
		*A = W;
		if (is_w)
			*is_w = 1;
		return BT_OK;
	}
	if (!data || bt_data_check(model, data) != BT_OK || step > data->T)
		return BT_EINVAL;
	/* J_t needs the states up to t only: run the first t steps */
	bt_data head = *data;
	head.T = step ? step : data->T;
	size_t t = head.T, S = model->state_size;
	bt_seq *q = NULL;
	gsl_matrix *J = gsl_matrix_alloc(S, S);
	int st = J ? bt_seq_alloc(&q, model, t) : BT_ENOMEM;
	/* a loss that overflows does not matter here; a non-finite J does */
	if (st == BT_OK && (st = bt_seq_forward_pass(q, model, &head, NULL)) == BT_ENUMERIC)
		st = BT_OK;
	if (st == BT_OK)
		st = bt_seq_jacobian(q, model, &head, t, J);
	for (size_t i = 0; st == BT_OK && i < S * S; i++)
		if (!isfinite(J->data[i]))
			st = BT_ENUMERIC;
	bt_seq_free(q);
	if (st != BT_OK) {
		gsl_matrix_free(J);
		return st;
	}
	*A = J;
	return BT_OK;
}
