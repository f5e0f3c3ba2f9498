/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_spectrum.c — singular values, eigenvalues, Henrici's departure from
 * normality and the norms of powers, against closed forms on constructed
 * matrices (diagonal, rotation-scaling blocks, Jordan blocks), against
 * invariants computed another way (determinant by LU, traces, the Gram
 * matrix's eigenvalues, the direct product) on random ones; the normal and
 * non-normal generators; the structured initialisation; and the matrix the
 * instrument picks for every architecture. */
#include "testutil.h"
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

/* ---- independent helpers --------------------------------------------------- */

static bt_spectrum_result *spectrum(const gsl_matrix *A, size_t T)
{
	bt_spectrum_result *r;
	ck_assert_int_eq(bt_spectrum_alloc(&r, A->size1, T), BT_OK);
	ck_assert_int_eq(bt_spectrum_matrix(A, r), BT_OK);
	return r;
}

/* C = A B with plain loops */
static void matmul(const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *C)
{
	size_t n = A->size1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += gsl_matrix_get(A, i, k) * gsl_matrix_get(B, k, j);
			gsl_matrix_set(C, i, j, s);
		}
}

/* s_max as the square root of the top eigenvalue of AᵀA (symmetric
 * eigensolver; the library uses an SVD) */
static double smax_gram(const gsl_matrix *A)
{
	size_t n = A->size1;
	gsl_matrix *G = gsl_matrix_alloc(n, n);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, A, A, 0.0, G);
	gsl_vector *ev = gsl_vector_alloc(n);
	gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(n);
	gsl_eigen_symm(G, ev, ws);
	double mx = gsl_vector_max(ev);
	gsl_eigen_symm_free(ws);
	gsl_vector_free(ev);
	gsl_matrix_free(G);
	return sqrt(fmax(mx, 0));
}

/* An orthogonal matrix from Givens rotations with fixed irregular angles
 * (nothing from the library). */
static gsl_matrix *givens_q(size_t n)
{
	gsl_matrix *Q = gsl_matrix_alloc(n, n);
	gsl_matrix_set_identity(Q);
	for (size_t i = 0; i + 1 < n * 2; i++) {
		size_t p = i % n, q = (3 * i + 1) % n;
		if (p == q)
			continue;
		double th = 0.37 + 1.13 * (double)i, c = cos(th), s = sin(th);
		for (size_t k = 0; k < n; k++) {
			double a = gsl_matrix_get(Q, k, p), b = gsl_matrix_get(Q, k, q);
			gsl_matrix_set(Q, k, p, c * a - s * b);
			gsl_matrix_set(Q, k, q, s * a + c * b);
		}
	}
	return Q;
}

/* Q B Qᵀ */
static gsl_matrix *similar(const gsl_matrix *B, const gsl_matrix *Q)
{
	size_t n = B->size1;
	gsl_matrix *M = gsl_matrix_alloc(n, n), *Qt = gsl_matrix_alloc(n, n),
		   *A = gsl_matrix_alloc(n, n);
	gsl_matrix_transpose_memcpy(Qt, Q);
	matmul(Q, B, M);
	matmul(M, Qt, A);
	gsl_matrix_free(M);
	gsl_matrix_free(Qt);
	return A;
}

/* max |A Aᵀ − Aᵀ A| */
static double commutator(const gsl_matrix *A)
{
	size_t n = A->size1;
	double worst = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, j, k) -
				     gsl_matrix_get(A, k, i) * gsl_matrix_get(A, k, j);
			worst = fmax(worst, fabs(s));
		}
	return worst;
}

/* Every wanted eigenvalue has a distinct computed one within tol. */
static void same_eigenvalues(const double *re, const double *im,
			     const double *wre, const double *wim, size_t n,
			     double tol, const char *what)
{
	int used[64] = {0};
	ck_assert(n <= 64);
	for (size_t i = 0; i < n; i++) {
		size_t best = n;
		double bd = INFINITY;
		for (size_t j = 0; j < n; j++) {
			double dd = hypot(re[j] - wre[i], im[j] - wim[i]);
			if (!used[j] && dd < bd) {
				bd = dd;
				best = j;
			}
		}
		ck_assert_msg(best < n && bd <= tol, "%s: eigenvalue %.15g%+.15gi: nearest at %g",
			      what, wre[i], wim[i], bd);
		used[best] = 1;
	}
}

/* The order the result promises: modulus descending, conjugate pairs
 * together with the positive imaginary part first; singular values
 * descending. */
static void check_order(const bt_spectrum_result *r)
{
	for (size_t i = 0; i + 1 < r->n; i++) {
		ck_assert(r->sv[i] >= r->sv[i + 1]);
		ck_assert(hypot(r->eig_re[i], r->eig_im[i]) >= hypot(r->eig_re[i + 1], r->eig_im[i + 1]));
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->eig_im[i] > 0) {
			ck_assert_msg(i + 1 < r->n && r->eig_re[i + 1] == r->eig_re[i] &&
				      r->eig_im[i + 1] == -r->eig_im[i], "pair at %zu not together", i);
			i++;
		} else {
			ck_assert_msg(r->eig_im[i] == 0, "negative imaginary part first at %zu", i);
		}
}

/* ---- constructed matrices: closed forms --------------------------------------- */

/* D = diag(d): eigenvalues d_i, singular values |d_i|, departure 0, and
 * ‖Dᵗ‖₂ = max|d_i|ᵗ, far beyond a double (1.7^3000 ≈ 10^691 and
 * 0.51^3000 ≈ 10^-877). */
START_TEST(test_diagonal)
{
	const double d0[6] = {0.91, -1.7, 0.058, -0.43, 1.23, 0.0};
	const double g = _i ? 0.3 : 1.0;
	size_t n = 6, T = 3000;
	gsl_matrix *D = gsl_matrix_calloc(n, n);
	for (size_t i = 0; i < n; i++)
		gsl_matrix_set(D, i, i, g * d0[i]);
	bt_spectrum_result *r = spectrum(D, T);
	/* by modulus: -1.7, 1.23, 0.91, -0.43, 0.058, 0 */
	const double want[6] = {-1.7, 1.23, 0.91, -0.43, 0.058, 0.0};
	for (size_t i = 0; i < n; i++) {
		double w = g * want[i];
		ck_assert_msg(fabs(r->eig_re[i] - w) <= 1e-15 * fabs(w), "eig %zu: %.17g vs %.17g", i, r->eig_re[i], w);
		ck_assert(r->eig_im[i] == 0);
		ck_assert_msg(fabs(r->sv[i] - fabs(w)) <= 1e-14 * fabs(g), "sv %zu: %.17g vs %.17g", i, r->sv[i], fabs(w));
	}
	ck_assert(fabs(r->radius - 1.7 * g) <= 1e-15);
	ck_assert(fabs(r->smax - 1.7 * g) <= 1e-14);
	ck_assert_msg(r->henrici <= 1e-15 * r->normF, "departure %g of a diagonal matrix", r->henrici);
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += g * g * d0[i] * d0[i];
	ck_assert(fabs(r->normF - sqrt(ss)) <= 1e-14);
	for (size_t t = 1; t <= T; t++) {
		double w = (double)t * log10(1.7 * g);
		ck_assert_msg(fabs(r->log10_norm_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)),
			      "t=%zu: %.15g vs %.15g", t, r->log10_norm_power[t - 1], w);
		ck_assert(fabs(r->log10_radius_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)));
		ck_assert(fabs(r->log10_smax_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)));
	}
	ck_assert(fabs(r->log10_norm_power[T - 1]) > 600);   /* outside a double */
	bt_spectrum_free(r);
	gsl_matrix_free(D);
}
END_TEST

/* Rotation-scaling blocks r(cos θ, −sin θ; sin θ, cos θ) and a real
 * eigenvalue, turned by an orthogonal Q: eigenvalues r e^{±iθ}, singular
 * values r (twice), departure 0, ‖Aᵗ‖₂ = r_maxᵗ. */
START_TEST(test_rotation)
{
	const double rr[2] = {1.3, 0.62}, th[2] = {0.7, 2.3}, real = -0.81;
	size_t n = 5, T = 800;
	gsl_matrix *B = gsl_matrix_calloc(n, n);
	for (size_t k = 0; k < 2; k++) {
		size_t i = 2 * k;
		gsl_matrix_set(B, i, i, rr[k] * cos(th[k]));
		gsl_matrix_set(B, i, i + 1, -rr[k] * sin(th[k]));
		gsl_matrix_set(B, i + 1, i, rr[k] * sin(th[k]));
		gsl_matrix_set(B, i + 1, i + 1, rr[k] * cos(th[k]));
	}
	gsl_matrix_set(B, 4, 4, real);
	gsl_matrix *Q = givens_q(n);
	gsl_matrix *A = _i ? similar(B, Q) : B;
	bt_spectrum_result *r = spectrum(A, T);
	check_order(r);
	const double wre[5] = {1.3 * cos(0.7), 1.3 * cos(0.7), -0.81, 0.62 * cos(2.3), 0.62 * cos(2.3)};
	const double wim[5] = {1.3 * sin(0.7), -1.3 * sin(0.7), 0, 0.62 * sin(2.3), -0.62 * sin(2.3)};
	const double wsv[5] = {1.3, 1.3, 0.81, 0.62, 0.62};
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(fabs(r->eig_re[i] - wre[i]) <= 1e-13 && fabs(r->eig_im[i] - wim[i]) <= 1e-13,
			      "eig %zu: %.17g%+.17gi vs %.17g%+.17gi", i, r->eig_re[i], r->eig_im[i], wre[i], wim[i]);
		ck_assert_msg(fabs(r->sv[i] - wsv[i]) <= 1e-13, "sv %zu: %.17g vs %g", i, r->sv[i], wsv[i]);
	}
	ck_assert_msg(r->henrici <= 1e-13 * r->normF, "departure %g of a normal matrix", r->henrici);
	for (size_t t = 1; t <= T; t++) {
		double w = (double)t * log10(1.3);
		ck_assert_msg(fabs(r->log10_norm_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)),
			      "t=%zu: %.15g vs %.15g", t, r->log10_norm_power[t - 1], w);
	}
	bt_spectrum_free(r);
	if (A != B)
		gsl_matrix_free(A);
	gsl_matrix_free(B);
	gsl_matrix_free(Q);
}
END_TEST

/* The Jordan block J = λI + γE (E the ones above the diagonal), n = 5:
 * every eigenvalue λ; departure γ·sqrt(n − 1). With λ = 0 it is nilpotent:
 * singular values γ (n − 1 times) and 0; ‖Jᵗ‖₂ = γᵗ for t < n, 0 after. */
START_TEST(test_jordan_block)
{
	const double lam = _i ? 0.0 : -0.73, gam = 1.9;
	size_t n = 5, T = 12;
	gsl_matrix *J = gsl_matrix_calloc(n, n);
	for (size_t i = 0; i < n; i++) {
		gsl_matrix_set(J, i, i, lam);
		if (i + 1 < n)
			gsl_matrix_set(J, i, i + 1, gam);
	}
	bt_spectrum_result *r = spectrum(J, T);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(fabs(r->eig_re[i] - lam) <= 1e-14 && r->eig_im[i] == 0,
			      "eig %zu: %.17g%+.17gi", i, r->eig_re[i], r->eig_im[i]);
	ck_assert(fabs(r->radius - fabs(lam)) <= 1e-14);
	ck_assert_msg(fabs(r->henrici - gam * 2.0) <= 1e-14, "departure %.17g, want %.17g", r->henrici, gam * 2.0);
	ck_assert(fabs(r->normF - sqrt(n * lam * lam + (n - 1) * gam * gam)) <= 1e-14);
	if (lam == 0) {
		for (size_t i = 0; i + 1 < n; i++)
			ck_assert_msg(fabs(r->sv[i] - gam) <= 1e-14, "sv %zu: %.17g", i, r->sv[i]);
		ck_assert(fabs(r->sv[n - 1]) <= 1e-14);
		for (size_t t = 1; t <= T; t++) {
			if (t < n)
				ck_assert_msg(fabs(r->log10_norm_power[t - 1] - (double)t * log10(gam)) <= 1e-12,
					      "t=%zu: %.17g", t, r->log10_norm_power[t - 1]);
			else
				ck_assert_msg(r->log10_norm_power[t - 1] == -INFINITY, "t=%zu: %g", t,
					      r->log10_norm_power[t - 1]);
			ck_assert(r->log10_radius_power[t - 1] == -INFINITY);
		}
	} else {
		/* the singular values against sqrt(eig(JᵀJ)), the product of the
		 * singular values against |det J| = |λ|ⁿ */
		ck_assert(fabs(r->smax - smax_gram(J)) <= 1e-13 * r->smax);
		double prod = 1;
		for (size_t i = 0; i < n; i++)
			prod *= r->sv[i];
		ck_assert_msg(fabs(prod - pow(fabs(lam), (double)n)) <= 1e-12, "prod sv %.17g", prod);
	}
	bt_spectrum_free(r);
	gsl_matrix_free(J);
}
END_TEST

/* The 2×2 Jordan block (λ γ; 0 λ): singular values
 * (sqrt(4λ² + γ²) ± |γ|)/2, and Jᵗ = (λᵗ tγλ^{t−1}; 0 λᵗ) so
 * ‖Jᵗ‖₂ = |λ|^{t−1} (sqrt(4λ² + t²γ²) + t|γ|)/2: transient growth above 1
 * although ρ = |λ| < 1, then decay to 10^-380 at t = 4000. Turned by an
 * orthogonal Q (_i = 1) the eigenvalues are only √ε-accurate (a defective
 * eigenvalue), the rest stays exact. */
START_TEST(test_jordan_2x2)
{
	const double lam = -0.8, gam = 1.9;
	size_t T = 4000;
	gsl_matrix *J = gsl_matrix_calloc(2, 2);
	gsl_matrix_set(J, 0, 0, lam);
	gsl_matrix_set(J, 0, 1, gam);
	gsl_matrix_set(J, 1, 1, lam);
	gsl_matrix *Q = givens_q(2);
	gsl_matrix *A = _i ? similar(J, Q) : J;
	bt_spectrum_result *r = spectrum(A, T);
	double tol = _i ? 1e-7 : 1e-15;
	for (size_t i = 0; i < 2; i++)
		ck_assert_msg(hypot(r->eig_re[i] - lam, r->eig_im[i]) <= tol, "eig %zu: %.17g%+.17gi",
			      i, r->eig_re[i], r->eig_im[i]);
	double q = sqrt(4 * lam * lam + gam * gam);
	ck_assert_msg(fabs(r->sv[0] - (q + gam) / 2) <= 1e-14, "sv0 %.17g", r->sv[0]);
	ck_assert_msg(fabs(r->sv[1] - (q - gam) / 2) <= 1e-14, "sv1 %.17g", r->sv[1]);
	ck_assert_msg(fabs(r->henrici - gam) <= 1e-13, "departure %.17g, want %g", r->henrici, gam);
	double mx = -INFINITY;
	for (size_t t = 1; t <= T; t++) {
		double tt = (double)t;
		double w = (tt - 1) * log10(fabs(lam)) +
			   log10((sqrt(4 * lam * lam + tt * tt * gam * gam) + tt * gam) / 2);
		ck_assert_msg(fabs(r->log10_norm_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)),
			      "t=%zu: %.15g vs %.15g", t, r->log10_norm_power[t - 1], w);
		/* ρᵗ ≤ ‖Jᵗ‖₂ ≤ s_maxᵗ */
		ck_assert(r->log10_radius_power[t - 1] <= r->log10_norm_power[t - 1] + 1e-12);
		ck_assert(r->log10_norm_power[t - 1] <= r->log10_smax_power[t - 1] + 1e-12);
		mx = fmax(mx, r->log10_norm_power[t - 1]);
	}
	ck_assert(r->radius < 1 && mx > 0);
	ck_assert(r->log10_norm_power[T - 1] < -300);
	bt_spectrum_free(r);
	if (A != J)
		gsl_matrix_free(A);
	gsl_matrix_free(J);
	gsl_matrix_free(Q);
}
END_TEST

/* ---- random matrices: invariants computed another way -------------------------- */

START_TEST(test_random_invariants)
{
	size_t n = 1 + (size_t)_i;   /* 1 … 9 */
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 100 + _i);
	gsl_matrix *A = gsl_matrix_alloc(n, n);
	for (size_t i = 0; i < n * n; i++)
		A->data[i] = gsl_ran_gaussian(rng, 0.6) + (i % 3 == 1 ? 0.2 : 0.0);
	size_t T = 40;
	bt_spectrum_result *r = spectrum(A, T);
	check_order(r);
	/* det by LU */
	gsl_matrix *LU = gsl_matrix_alloc(n, n);
	gsl_permutation *p = gsl_permutation_alloc(n);
	int sgn;
	gsl_matrix_memcpy(LU, A);
	gsl_linalg_LU_decomp(LU, p, &sgn);
	double det = fabs(gsl_linalg_LU_det(LU, sgn));
	double psv = 1, peig = 1, sv2 = 0, tr = 0, tr_im = 0, tr2 = 0, tr2_im = 0, eig2 = 0;
	for (size_t i = 0; i < n; i++) {
		double a = r->eig_re[i], b = r->eig_im[i];
		psv *= r->sv[i];
		peig *= hypot(a, b);
		sv2 += r->sv[i] * r->sv[i];
		tr += a;
		tr_im += b;
		tr2 += a * a - b * b;
		tr2_im += 2 * a * b;
		eig2 += a * a + b * b;
	}
	double trA = 0, trA2 = 0, f2 = 0;
	for (size_t i = 0; i < n; i++) {
		trA += gsl_matrix_get(A, i, i);
		for (size_t k = 0; k < n; k++)
			trA2 += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, k, i);
	}
	for (size_t i = 0; i < n * n; i++)
		f2 += A->data[i] * A->data[i];
	double sc = fmax(1, f2);
	ck_assert_msg(fabs(psv - det) <= 1e-12 * fmax(1, det), "prod sv %.17g, |det| %.17g", psv, det);
	ck_assert_msg(fabs(peig - det) <= 1e-12 * fmax(1, det), "prod |eig| %.17g, |det| %.17g", peig, det);
	ck_assert(fabs(sv2 - f2) <= 1e-13 * sc);
	ck_assert(fabs(r->normF - sqrt(f2)) <= 1e-14 * sqrt(sc));
	ck_assert_msg(fabs(tr - trA) <= 1e-13 * sc && fabs(tr_im) <= 1e-13 * sc, "trace");
	ck_assert_msg(fabs(tr2 - trA2) <= 1e-12 * sc && fabs(tr2_im) <= 1e-12 * sc, "trace of A^2");
	ck_assert(fabs(r->smax - smax_gram(A)) <= 1e-12 * r->smax);
	ck_assert(fabs(r->smax - r->sv[0]) == 0);
	ck_assert(fabs(r->radius - hypot(r->eig_re[0], r->eig_im[0])) == 0);
	/* Henrici by the defining formula (which loses √ε when it is small) */
	double dep = sqrt(fmax(0, f2 - eig2));
	ck_assert_msg(fabs(r->henrici - dep) <= 1e-7 * sqrt(sc), "departure %.17g vs formula %.17g", r->henrici, dep);
	/* powers against the direct product and an SVD */
	gsl_matrix *P = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n);
	gsl_matrix_memcpy(P, A);
	for (size_t t = 1; t <= T; t++) {
		if (t > 1) {
			matmul(P, A, Q);
			gsl_matrix_memcpy(P, Q);
		}
		double w = log10(smax_gram(P));
		ck_assert_msg(fabs(r->log10_norm_power[t - 1] - w) <= 1e-9 * fmax(1, fabs(w)),
			      "n=%zu t=%zu: %.15g vs %.15g", n, t, r->log10_norm_power[t - 1], w);
	}
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	gsl_matrix_free(LU);
	gsl_permutation_free(p);
	bt_spectrum_free(r);
	gsl_matrix_free(A);
	gsl_rng_free(rng);
}
END_TEST

START_TEST(test_refused)
{
	bt_spectrum_result *r;
	ck_assert_int_eq(bt_spectrum_alloc(&r, 0, 3), BT_EINVAL);
	ck_assert(r == NULL);
	bt_spectrum_free(NULL);
	ck_assert_int_eq(bt_spectrum_alloc(&r, 3, 0), BT_OK);
	ck_assert(r->log10_norm_power == NULL);
	gsl_matrix *A = gsl_matrix_calloc(3, 3), *B = gsl_matrix_calloc(4, 4);
	ck_assert_int_eq(bt_spectrum_matrix(B, r), BT_EINVAL);
	gsl_matrix_set(A, 1, 2, NAN);
	ck_assert_int_eq(bt_spectrum_matrix(A, r), BT_ENUMERIC);
	gsl_matrix_set(A, 1, 2, INFINITY);
	ck_assert_int_eq(bt_spectrum_matrix(A, r), BT_ENUMERIC);
	/* the zero matrix is fine: everything 0 */
	gsl_matrix_set(A, 1, 2, 0);
	ck_assert_int_eq(bt_spectrum_matrix(A, r), BT_OK);
	ck_assert(r->radius == 0 && r->smax == 0 && r->henrici == 0);
	bt_spectrum_free(r);
	gsl_matrix_free(A);
	gsl_matrix_free(B);
}
END_TEST

/* ---- the generators -------------------------------------------------------------- */

/* Prescribed eigenvalues: three pairs r e^{±iθ} and one real. */
static const double g_r[3] = {0.93, 0.71, 0.5}, g_th[3] = {0.4, 2.6, 1.3};
static const double g_real = -0.64;

static void prescribed(double *re, double *im)
{
	for (size_t k = 0; k < 3; k++) {
		re[2 * k] = re[2 * k + 1] = g_r[k] * cos(g_th[k]);
		im[2 * k] = g_r[k] * sin(g_th[k]);
		im[2 * k + 1] = -im[2 * k];
	}
	re[6] = g_real;
	im[6] = 0;
}

START_TEST(test_generators)
{
	size_t n = 7, T = 400;
	double re[7], im[7];
	prescribed(re, im);
	double c = 1.3;
	unsigned long seed = 11 + _i;
	gsl_matrix *Wn = gsl_matrix_alloc(n, n), *Wx = gsl_matrix_alloc(n, n),
		   *W0 = gsl_matrix_alloc(n, n);
	ck_assert_int_eq(bt_matrix_with_eigenvalues(Wn, re, im, 0.0, seed), BT_OK);
	ck_assert_int_eq(bt_matrix_with_eigenvalues(Wx, re, im, c, seed), BT_OK);
	bt_spectrum_result *rn = spectrum(Wn, T), *rx = spectrum(Wx, T);
	/* both have the prescribed eigenvalues */
	same_eigenvalues(rn->eig_re, rn->eig_im, re, im, n, 1e-12, "normal");
	same_eigenvalues(rx->eig_re, rx->eig_im, re, im, n, 1e-10, "non-normal");
	/* the moduli differ, so the sorted lists agree entry by entry */
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(fabs(rx->eig_re[i] - rn->eig_re[i]) <= 1e-10 &&
			      fabs(rx->eig_im[i] - rn->eig_im[i]) <= 1e-10, "sorted eigenvalue %zu", i);
	ck_assert(fabs(rn->radius - 0.93) <= 1e-13 && fabs(rx->radius - 0.93) <= 1e-10);
	/* normal: W Wᵀ = Wᵀ W, departure 0, singular values |λ|, ‖Wᵗ‖₂ = ρᵗ */
	ck_assert_msg(commutator(Wn) <= 1e-14, "normal W: |WW^T - W^TW| = %g", commutator(Wn));
	ck_assert_msg(rn->henrici <= 1e-13 * rn->normF, "normal departure %g", rn->henrici);
	ck_assert(fabs(rn->smax - 0.93) <= 1e-13);
	for (size_t t = 1; t <= T; t++) {
		double w = (double)t * log10(0.93);
		ck_assert_msg(fabs(rn->log10_norm_power[t - 1] - w) <= 1e-10 * fmax(1, fabs(w)),
			      "normal t=%zu: %.15g vs %.15g", t, rn->log10_norm_power[t - 1], w);
	}
	/* non-normal: the departure is c·sqrt(#ones above the blocks), here
	 * (49 − 3·4 − 1)/2 = 18; ρ < 1 and yet ‖Wᵗ‖₂ > 1 for a while, checked
	 * on the direct product too; by t = T it has decayed */
	ck_assert(commutator(Wx) > 0.1);
	ck_assert_msg(fabs(rx->henrici - c * sqrt(18.0)) <= 1e-12 * c * sqrt(18.0),
		      "departure %.17g, want %.17g", rx->henrici, c * sqrt(18.0));
	double mx = -INFINITY;
	for (size_t t = 1; t <= T; t++)
		mx = fmax(mx, rx->log10_norm_power[t - 1]);
	ck_assert_msg(rx->radius < 1 && mx > 0, "no transient growth: max log10|W^t| %g", mx);
	ck_assert(rx->log10_norm_power[T - 1] < -1);
	gsl_matrix *P = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n);
	gsl_matrix_memcpy(P, Wx);
	double dmx = smax_gram(P);
	for (size_t t = 2; t <= 30; t++) {
		matmul(P, Wx, Q);
		gsl_matrix_memcpy(P, Q);
		dmx = fmax(dmx, smax_gram(P));
	}
	ck_assert_msg(dmx > 1, "direct product: max |W^t| = %g", dmx);
	/* c = 0 is the normal matrix itself: same Q, same B */
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W0, re, im, 0.0, seed), BT_OK);
	ck_assert(memcmp(W0->data, Wn->data, n * n * sizeof(double)) == 0);
	/* another seed: another W, the same eigenvalues */
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W0, re, im, c, seed + 100), BT_OK);
	ck_assert(fabs(W0->data[0] - Wx->data[0]) > 1e-6);
	bt_spectrum_result *r0 = spectrum(W0, 0);
	same_eigenvalues(r0->eig_re, r0->eig_im, re, im, n, 1e-10, "other seed");
	bt_spectrum_free(r0);
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	bt_spectrum_free(rn);
	bt_spectrum_free(rx);
	gsl_matrix_free(Wn);
	gsl_matrix_free(Wx);
	gsl_matrix_free(W0);
}
END_TEST

START_TEST(test_generator_refuses)
{
	double re[3] = {0.5, 0.5, -0.2}, im[3] = {0.3, -0.3, 0};
	gsl_matrix *W = gsl_matrix_alloc(3, 3);
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, 1.0, 1), BT_OK);
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, -0.1, 1), BT_EINVAL);
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, NAN, 1), BT_EINVAL);
	im[1] = -0.31;   /* not a conjugate pair */
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, 1.0, 1), BT_EINVAL);
	im[0] = -0.3;    /* negative first */
	im[1] = 0.3;
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, 1.0, 1), BT_EINVAL);
	im[0] = 0;
	im[1] = 0;
	im[2] = 0.4;     /* a lone complex eigenvalue at the end */
	ck_assert_int_eq(bt_matrix_with_eigenvalues(W, re, im, 1.0, 1), BT_EINVAL);
	gsl_matrix_free(W);
}
END_TEST

/* ---- the structured initialisation ----------------------------------------------- */

static const double *block_of(const bt_model *m, const char *name)
{
	int i = bt_model_find_block(m, name);
	ck_assert_int_ge(i, 0);
	return m->theta + m->blocks[i].offset;
}

START_TEST(test_init_structure)
{
	const bt_cell_type *ty = bt_cell_at(_i);
	const char *name = bt_cell_name(ty);
	int single = !strcmp(name, "rnn") || !strcmp(name, "linear") ||
		     !strcmp(name, "residual") || !strcmp(name, "attention");
	ck_assert_int_eq(bt_cell_single_w(ty), single);
	size_t n = 7;
	bt_dims dims = {3, n, 2};
	bt_model *a, *b;
	ck_assert_int_eq(bt_model_alloc(&a, ty, dims, BT_ACT_TANH), BT_OK);
	ck_assert_int_eq(bt_model_alloc(&b, ty, dims, BT_ACT_TANH), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	ck_assert_int_eq(o.structure, BT_STRUCTURE_GAUSSIAN);
	o.seed = 5;
	o.structure = BT_STRUCTURE_NORMAL;
	o.radius = 0.87;
	if (!single) {
		o.radius = 0;   /* the orthogonal cell refuses a radius on its own */
		ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
		o.structure = BT_STRUCTURE_NONNORMAL;
		ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
		bt_model_free(a);
		bt_model_free(b);
		return;
	}
	ck_assert_int_eq(bt_model_init(a, &o), BT_OK);
	o.structure = BT_STRUCTURE_NONNORMAL;
	o.nonnormality = 0.45;
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	gsl_matrix_const_view Wa = gsl_matrix_const_view_array(block_of(a, "W"), n, n);
	gsl_matrix_const_view Wb = gsl_matrix_const_view_array(block_of(b, "W"), n, n);
	bt_spectrum_result *ra = spectrum(&Wa.matrix, 50), *rb = spectrum(&Wb.matrix, 0);
	/* every eigenvalue of modulus R; the same eigenvalues for both */
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(fabs(hypot(ra->eig_re[i], ra->eig_im[i]) - 0.87) <= 1e-12, "%s: |eig %zu|", name, i);
	same_eigenvalues(rb->eig_re, rb->eig_im, ra->eig_re, ra->eig_im, n, 1e-9, name);
	ck_assert(commutator(&Wa.matrix) <= 1e-14);
	for (size_t t = 1; t <= 50; t++)
		ck_assert(fabs(ra->log10_norm_power[t - 1] - (double)t * log10(0.87)) <= 1e-10);
	/* n = 7: blocks 2, 2, 2, 1, so (49 − 13)/2 = 18 ones in N */
	ck_assert_msg(fabs(rb->henrici - 0.45 * sqrt(18.0)) <= 1e-12, "%s: departure %.17g", name, rb->henrici);
	/* the rest of the model is what the default initialisation gives it:
	 * only W differs (U, V, … come from the stream after W's draws, so
	 * they agree between normal and non-normal) */
	for (size_t k = 1; k < a->nblocks; k++) {
		const bt_block *bk = &a->blocks[k];
		ck_assert(memcmp(a->theta + bk->offset, b->theta + bk->offset,
				 bk->rows * bk->cols * sizeof(double)) == 0);
	}
	/* refused combinations */
	o.scale = 0.9;
	o.radius = 0;
	ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
	o.scale = 0;
	o.orthogonal = 1;
	ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
	o.orthogonal = 0;
	o.nonnormality = -1;
	ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
	o.structure = 7;
	ck_assert_int_eq(bt_model_init(a, &o), BT_EINVAL);
	bt_spectrum_free(ra);
	bt_spectrum_free(rb);
	bt_model_free(a);
	bt_model_free(b);
}
END_TEST

/* The default initialisation writes what it wrote before the structure
 * options existed (lessons depend on the bytes): a few values of the
 * default rnn model, d 3, n 7, m 2, seed 20140901; and nonnormality is
 * ignored without a structure. */
START_TEST(test_init_default_unchanged)
{
	bt_dims dims = {3, 7, 2};
	bt_model *a, *b;
	ck_assert_int_eq(bt_model_alloc(&a, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), BT_OK);
	ck_assert_int_eq(bt_model_alloc(&b, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	ck_assert_int_eq(bt_model_init(a, &o), BT_OK);
	const double *W = block_of(a, "W");
	ck_assert(W[0] == 0.18644995830074884);
	ck_assert(W[6] == 0.8695219426515266);
	ck_assert(W[7] == -0.13637988628121381);
	o.nonnormality = 5;
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
	bt_model_free(a);
	bt_model_free(b);
}
END_TEST

/* ---- the matrix the instrument looks at ------------------------------------------ */

/* W for architectures that have one (checked from the parameters: the W
 * block, or for orthogonal (I + S) W = I − S with S = A − Aᵀ); the step
 * Jacobian J_t otherwise, or with a step, checked against central
 * differences of one step. */
START_TEST(test_source)
{
	const bt_cell_type *ty = bt_cell_at(_i);
	const char *name = bt_cell_name(ty);
	size_t n = 4, T = 9;
	bt_model *m = tu_model(name, BT_ACT_TANH, 3, n, 2, 0.5, 21 + _i);
	bt_data *d = tu_data(T, 3, 2, 0, 8);
	gsl_matrix *A;
	int is_w, has_w = 0;
	for (size_t step = 0; step <= 4; step += 4) {
		ck_assert_int_eq(bt_spectrum_source(m, d, step, &A, &is_w), BT_OK);
		if (step == 0)
			has_w = is_w;
		if (step == 0 && bt_model_find_block(m, "W") >= 0 && is_w) {
			ck_assert(A->size1 == n);
			ck_assert(memcmp(A->data, block_of(m, "W"), n * n * sizeof(double)) == 0);
		} else if (step == 0 && bt_model_find_block(m, "A") >= 0 && is_w) {
			const double *Ab = block_of(m, "A");
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++) {
					double l = gsl_matrix_get(A, i, j), rr = (i == j) - (Ab[i * n + j] - Ab[j * n + i]);
					for (size_t k = 0; k < n; k++)
						l += (Ab[i * n + k] - Ab[k * n + i]) * gsl_matrix_get(A, k, j);
					ck_assert_msg(fabs(l - rr) <= 1e-13, "Cayley (%zu,%zu)", i, j);
				}
		} else {
			/* a step Jacobian: gated cells always, the others with a step */
			ck_assert_msg(!is_w && (step > 0 || !strcmp(name, "gru") || !strcmp(name, "lstm")),
				      "%s step %zu: is_w %d", name, step, is_w);
			size_t t = step ? step : T, S = m->state_size;
			ck_assert(A->size1 == S);
			bt_seq *q;
			ck_assert_int_eq(bt_seq_alloc(&q, m, T), BT_OK);
			bt_seq_forward(q, m, d, NULL);
			double *sp = malloc(S * sizeof(double)), *s1 = malloc(S * sizeof(double)),
			       *s2 = malloc(S * sizeof(double));
			for (size_t j = 0; j < S; j++) {
				double h = 1e-6;
				memcpy(sp, bt_seq_state(q, t - 1), S * sizeof(double));
				sp[j] += h;
				bt_seq_step(q, m, sp, d->X + (t - 1) * d->d, s1);
				sp[j] -= 2 * h;
				bt_seq_step(q, m, sp, d->X + (t - 1) * d->d, s2);
				for (size_t i = 0; i < S; i++) {
					double fd = (s1[i] - s2[i]) / (2 * h);
					ck_assert_msg(fabs(gsl_matrix_get(A, i, j) - fd) <= 1e-8,
						      "%s t=%zu J(%zu,%zu) %.12g vs fd %.12g", name, t, i, j,
						      gsl_matrix_get(A, i, j), fd);
				}
			}
			free(sp);
			free(s1);
			free(s2);
			bt_seq_free(q);
		}
		/* and its spectrum is finite */
		bt_spectrum_result *r = spectrum(A, is_w ? T : 0);
		ck_assert(isfinite(r->radius) && isfinite(r->henrici));
		bt_spectrum_free(r);
		gsl_matrix_free(A);
	}
	ck_assert_int_eq(bt_spectrum_source(m, d, T + 1, &A, NULL), BT_EINVAL);
	ck_assert(A == NULL);
	if (!has_w)
		ck_assert_int_eq(bt_spectrum_source(m, NULL, 0, &A, NULL), BT_EINVAL);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spectrum");
	TCase *tc = tcase_create("spectrum");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_diagonal, 0, 2);
	tcase_add_loop_test(tc, test_rotation, 0, 2);
	tcase_add_loop_test(tc, test_jordan_block, 0, 2);
	tcase_add_loop_test(tc, test_jordan_2x2, 0, 2);
	tcase_add_loop_test(tc, test_random_invariants, 0, 9);
	tcase_add_test(tc, test_refused);
	tcase_add_loop_test(tc, test_generators, 0, 3);
	tcase_add_test(tc, test_generator_refuses);
	tcase_add_loop_test(tc, test_init_structure, 0, (int)bt_cell_count());
	tcase_add_test(tc, test_init_default_unchanged);
	tcase_add_loop_test(tc, test_source, 0, (int)bt_cell_count());
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
