/* test_jacobian.c — log norms of Jacobian products over lags: against the
 * direct product (no renormalisation) and an SVD where it is representable,
 * against a closed form at T = 10 000 where it is not, and below the
 * bounds, for every architecture. */
#include "testutil.h"
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

static double smax(const gsl_matrix *A)
{
	size_t n = A->size1;
	gsl_matrix *B = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
	gsl_vector *s = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	gsl_matrix_memcpy(B, A);
	gsl_linalg_SV_decomp(B, V, s, w);
	double r = gsl_vector_get(s, 0);
	gsl_matrix_free(B); gsl_matrix_free(V); gsl_vector_free(s); gsl_vector_free(w);
	return r;
}

static size_t nvar;
static struct { const char *arch; bt_activation act; } var[40];

START_TEST(test_direct_product)
{
	const char *arch = var[_i].arch;
	size_t T = 30;
	bt_model *m = tu_model(arch, var[_i].act, 3, 5, 2, 0.5, 3 + _i);
	bt_data *d = tu_data(T, 3, 2, 0, 9);
	bt_jacobian_result *r;
	ck_assert_int_eq(bt_jacobian_alloc(&r, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, r), BT_OK);
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, m, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, m, d, NULL), BT_OK);
	size_t S = m->state_size;
	gsl_matrix *J = gsl_matrix_alloc(S, S), *P = gsl_matrix_alloc(S, S),
		   *Q = gsl_matrix_alloc(S, S);
	gsl_matrix_set_identity(P);
	for (size_t tau = 1; tau <= T; tau++) {
		size_t t = T - tau + 1;
		bt_seq_jacobian(q, m, d, t, J);
		/* plain product P ← P J_t */
		for (size_t i = 0; i < S; i++)
			for (size_t j = 0; j < S; j++) {
				double s = 0;
				for (size_t k = 0; k < S; k++)
					s += gsl_matrix_get(P, i, k) * gsl_matrix_get(J, k, j);
				gsl_matrix_set(Q, i, j, s);
			}
		gsl_matrix_memcpy(P, Q);
		double f = 0;
		for (size_t i = 0; i < S * S; i++)
			f += P->data[i] * P->data[i];
		if (f < 1e-250 || f > 1e250)
			break;   /* no longer representable directly */
		double n2 = log10(smax(P)), nf = 0.5 * log10(f), js = log10(smax(J));
		ck_assert_msg(fabs(r->log10_norm2[tau - 1] - n2) <= 1e-10 * fmax(1, fabs(n2)),
			      "%s tau=%zu: 2-norm %.15g vs direct %.15g", arch, tau,
			      r->log10_norm2[tau - 1], n2);
		ck_assert_msg(fabs(r->log10_normF[tau - 1] - nf) <= 1e-10 * fmax(1, fabs(nf)),
			      "%s tau=%zu: F-norm", arch, tau);
		ck_assert_msg(fabs(r->log10_step[t - 1] - js) <= 1e-10 * fmax(1, fabs(js)),
			      "%s t=%zu: step norm %.15g vs %.15g", arch, t, r->log10_step[t - 1], js);
		/* the bounds hold */
		ck_assert_msg(r->log10_norm2[tau - 1] <= r->log10_bound[tau - 1] + 1e-12,
			      "%s tau=%zu: norm above the bound", arch, tau);
		ck_assert(r->log10_norm2[tau - 1] <= r->log10_prod_steps[tau - 1] + 1e-12);
		ck_assert(r->log10_norm2[tau - 1] <= r->log10_normF[tau - 1] + 1e-12);
	}
	gsl_matrix_free(J); gsl_matrix_free(P); gsl_matrix_free(Q);
	bt_seq_free(q);
	bt_jacobian_free(r);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* h_t = g Q h_{t-1} + …  (identity activation, Q orthogonal): every product
 * has every singular value g^τ, so log10‖∂h_T/∂h_{T−τ}‖₂ = τ·log10 g
 * exactly, far beyond what a double holds (g = 0.5 or 1.5, T = 10 000). */
START_TEST(test_long_closed_form)
{
	double g = _i ? 1.5 : 0.5;
	size_t T = 10000, n = 6;
	bt_dims dims = {2, n, 1};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_IDENTITY), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	o.orthogonal = 1;
	o.scale = g;
	ck_assert_int_eq(bt_model_init(m, &o), BT_OK);
	bt_data *d = tu_data(T, 2, 1, 0, 4);
	/* keep the states finite: zero inputs */
	memset(d->X, 0, T * 2 * sizeof(double));
	bt_jacobian_result *r;
	ck_assert_int_eq(bt_jacobian_alloc(&r, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, r), BT_OK);
	for (size_t tau = 1; tau <= T; tau++) {
		double want = (double)tau * log10(g);
		ck_assert_msg(isfinite(r->log10_norm2[tau - 1]), "tau=%zu not finite", tau);
		ck_assert_msg(fabs(r->log10_norm2[tau - 1] - want) <= 1e-9 * fmax(1, fabs(want)),
			      "tau=%zu: %.15g vs %.15g", tau, r->log10_norm2[tau - 1], want);
		/* Frobenius: sqrt(n) g^τ */
		double wf = want + 0.5 * log10((double)n);
		ck_assert(fabs(r->log10_normF[tau - 1] - wf) <= 1e-9 * fmax(1, fabs(wf)));
		/* the bound τ log10 s_max is attained */
		ck_assert(fabs(r->log10_bound[tau - 1] - want) <= 1e-9 * fmax(1, fabs(want)));
	}
	ck_assert(fabs(r->log10_norm2[T - 1]) > 1000);   /* far outside a double */
	bt_jacobian_free(r);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_tanh_long_finite)
{
	/* every architecture at T = 4000: vanishing products stay finite */
	bt_model *m = tu_model(var[_i].arch, var[_i].act, 2, 4, 1, 0.9, 17);
	bt_data *d = tu_data(4000, 2, 1, 0, 5);
	bt_jacobian_result *r;
	ck_assert_int_eq(bt_jacobian_alloc(&r, d->T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, r), BT_OK);
	for (size_t tau = 1; tau <= d->T; tau++) {
		double x = r->log10_norm2[tau - 1];
		/* finite, or -inf only for an exactly zero product (relu) */
		ck_assert_msg(isfinite(x) || (x == -INFINITY && var[_i].act == BT_ACT_RELU),
			      "%s tau=%zu: %g", var[_i].arch, tau, x);
		ck_assert(!isnan(r->log10_bound[tau - 1]));
	}
	bt_jacobian_free(r);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

int main(void)
{
	for (size_t i = 0; i < bt_cell_count(); i++) {
		const bt_cell_type *t = bt_cell_at(i);
		int na = bt_cell_has_activation(t) ? 4 : 1;
		for (int a = 0; a < na; a++) {
			var[nvar].arch = bt_cell_name(t);
			var[nvar++].act = (bt_activation)a;
		}
	}
	Suite *s = suite_create("jacobian");
	TCase *tc = tcase_create("lags");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_direct_product, 0, (int)nvar);
	tcase_add_loop_test(tc, test_long_closed_form, 0, 2);
	tcase_add_loop_test(tc, test_tanh_long_finite, 0, (int)nvar);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
