/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_init.c — initialisation options: the requested largest singular
 * value or spectral radius is met to 1e-12 (checked by another algorithm
 * than the one that set it), orthogonal W is orthogonal, same seed same
 * parameters, bad options refused. */
#include "testutil.h"
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_blas.h>

/* s_max(W) as the square root of the largest eigenvalue of WᵀW
 * (symmetric eigensolver; the library uses an SVD). */
static double smax_via_gram(const double *W, size_t n)
{
	gsl_matrix_const_view Wv = gsl_matrix_const_view_array(W, n, n);
	gsl_matrix *G = gsl_matrix_alloc(n, n);
	gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Wv.matrix, &Wv.matrix, 0.0, G);
	gsl_vector *ev = gsl_vector_alloc(n);
	gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(n);
	gsl_eigen_symm(G, ev, ws);
	double mx = gsl_vector_max(ev);
	gsl_eigen_symm_free(ws);
	gsl_vector_free(ev);
	gsl_matrix_free(G);
	return sqrt(mx);
}

/* ρ(W) from the eigenvalues of Wᵀ (same spectrum, other matrix). */
static double radius_of_transpose(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(A, j, i, W[i * n + j]);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
	gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
	gsl_eigen_nonsymm(A, ev, ws);
	double r = 0;
	for (size_t i = 0; i < n; i++) {
		gsl_complex z = gsl_vector_complex_get(ev, i);
		r = fmax(r, hypot(GSL_REAL(z), GSL_IMAG(z)));
	}
	gsl_eigen_nonsymm_free(ws);
	gsl_vector_complex_free(ev);
	gsl_matrix_free(A);
	return r;
}

static bt_model *make(const char *arch, bt_init_options *o, size_t n)
{
	bt_dims dims = {3, n, 2};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup(arch), dims, BT_ACT_TANH), BT_OK);
	ck_assert_int_eq(bt_model_init(m, o), BT_OK);
	return m;
}

static const double *W_of(const bt_model *m)
{
	int i = bt_model_find_block(m, "W");
	ck_assert_int_ge(i, 0);
	return m->theta + m->blocks[i].offset;
}

START_TEST(test_scale_exact)
{
	const double scales[] = {0.5, 0.9, 1.0, 1.1, 1.5};
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = 7 + _i;
	o.scale = scales[_i];
	bt_model *m = make("rnn", &o, 12);
	double s = smax_via_gram(W_of(m), 12);
	ck_assert_msg(fabs(s - scales[_i]) <= 1e-12 * scales[_i], "s_max %.17g, asked %g", s, scales[_i]);
	bt_model_free(m);
}
END_TEST

START_TEST(test_radius_exact)
{
	const double radii[] = {0.5, 0.95, 1.2};
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = 3 + _i;
	o.radius = radii[_i];
	bt_model *m = make("linear", &o, 10);
	double r = radius_of_transpose(W_of(m), 10);
	ck_assert_msg(fabs(r - radii[_i]) <= 1e-12 * radii[_i], "radius %.17g, asked %g", r, radii[_i]);
	bt_model_free(m);
}
END_TEST

START_TEST(test_orthogonal)
{
	bt_init_options o;
	bt_init_options_default(&o);
	o.orthogonal = 1;
	o.scale = _i ? 0.8 : 0;    /* every singular value 0.8 */
	double g2 = _i ? 0.64 : 1.0;
	size_t n = 9;
	bt_model *m = make("rnn", &o, n);
	const double *W = W_of(m);
	double worst = 0, sum = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += W[k * n + i] * W[k * n + j];   /* (WᵀW)_ij */
			worst = fmax(worst, fabs(s - (i == j) * g2));
			sum += W[i * n + j];
		}
	ck_assert_msg(worst <= 1e-12, "|WᵀW − g²I|_max = %g", worst);
	ck_assert(fabs(sum) > 1e-6);   /* not the identity in disguise */
	ck_assert(fabs(W[0] - 1) > 1e-6 && fabs(W[1]) > 1e-6);
	bt_model_free(m);
}
END_TEST

START_TEST(test_haar_signs)
{
	/* Haar: the diagonal of W is not biased positive (the sign fix). Over
	 * many seeds, mean of W_00 is near 0 (it is ~ N(0, 1/n)). */
	bt_init_options o;
	bt_init_options_default(&o);
	o.orthogonal = 1;
	double s = 0;
	int N = 400;
	for (int k = 0; k < N; k++) {
		o.seed = 1000 + k;
		bt_model *m = make("rnn", &o, 4);
		s += W_of(m)[0];
		bt_model_free(m);
	}
	/* sd of W_00 is 1/2 for n = 4, so the mean's sd is 0.025 */
	ck_assert_msg(fabs(s / N) < 0.1, "mean W_00 = %g", s / N);
}
END_TEST

START_TEST(test_bad_options)
{
	bt_init_options o;
	bt_init_options_default(&o);
	bt_dims dims = {2, 4, 1};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), BT_OK);
	o.scale = 1;
	o.radius = 1;
	ck_assert_int_eq(bt_model_init(m, &o), BT_EINVAL);
	o.radius = 0;
	o.scale = -1;
	ck_assert_int_eq(bt_model_init(m, &o), BT_EINVAL);
	o.scale = NAN;
	ck_assert_int_eq(bt_model_init(m, &o), BT_EINVAL);
	bt_model_free(m);
}
END_TEST

START_TEST(test_every_arch_inits)
{
	/* every architecture initialises, repeatably, with each option */
	const bt_cell_type *t = bt_cell_at(_i);
	bt_init_options o;
	bt_init_options_default(&o);
	for (int v = 0; v < 3; v++) {
		o.orthogonal = v == 1;
		o.scale = v == 2 && bt_cell_takes_scale(t) ? 0.9 : 0;
		bt_dims dims = {3, 5, 2};
		bt_model *a, *b;
		ck_assert_int_eq(bt_model_alloc(&a, t, dims, BT_ACT_TANH), BT_OK);
		ck_assert_int_eq(bt_model_alloc(&b, t, dims, BT_ACT_TANH), BT_OK);
		ck_assert_int_eq(bt_model_init(a, &o), BT_OK);
		ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
		ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
		for (size_t i = 0; i < a->nparams; i++)
			ck_assert(isfinite(a->theta[i]));
		bt_model_free(a);
		bt_model_free(b);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("init");
	TCase *tc = tcase_create("options");
	tcase_add_loop_test(tc, test_scale_exact, 0, 5);
	tcase_add_loop_test(tc, test_radius_exact, 0, 3);
	tcase_add_loop_test(tc, test_orthogonal, 0, 2);
	tcase_add_test(tc, test_haar_signs);
	tcase_add_test(tc, test_bad_options);
	tcase_add_loop_test(tc, test_every_arch_inits, 0, (int)bt_cell_count());
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
