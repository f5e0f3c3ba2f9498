/* SPDX-License-Identifier: GPL-3.0-or-later */
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

/* Largest singular value of any rectangular matrix, by GSL's SVD. */
static double smax_rect(const gsl_matrix *A)
{
	int tr = A->size1 < A->size2;
	size_t r = tr ? A->size2 : A->size1, c = tr ? A->size1 : A->size2;
	gsl_matrix *B = gsl_matrix_alloc(r, c), *V = gsl_matrix_alloc(c, c);
	gsl_vector *s = gsl_vector_alloc(c), *w = gsl_vector_alloc(c);
	if (tr)
		gsl_matrix_transpose_memcpy(B, A);
	else
		gsl_matrix_memcpy(B, A);
	gsl_linalg_SV_decomp(B, V, s, w);
	double x = gsl_vector_get(s, 0);
	gsl_matrix_free(B); gsl_matrix_free(V); gsl_vector_free(s); gsl_vector_free(w);
	return x;
}

/* A block of the product (irregular rows and columns, and for the LSTM
 * the c–c block) against the same block of the plain product, by SVD. */
START_TEST(test_block_direct)
{
	const char *arch = var[_i].arch;
	size_t T = 30;
	bt_model *m = tu_model(arch, var[_i].act, 3, 5, 2, 0.5, 3 + _i);
	bt_data *d = tu_data(T, 3, 2, 0, 9);
	size_t S = m->state_size, n = m->dims.n;
	size_t blk[2][4] = {{1, S - 2, 2, S - 4}, {S - n, n, S - n, n}};
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, m, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, m, d, NULL), BT_OK);
	gsl_matrix *J = gsl_matrix_alloc(S, S), *P = gsl_matrix_alloc(S, S),
		   *Q = gsl_matrix_alloc(S, S);
	for (int b = 0; b < 2; b++) {
		size_t r0 = blk[b][0], nr = blk[b][1], c0 = blk[b][2], nc = blk[b][3];
		bt_jacobian_result *r, *whole;
		ck_assert_int_eq(bt_jacobian_alloc(&r, T), BT_OK);
		ck_assert_int_eq(bt_jacobian_alloc(&whole, T), BT_OK);
		ck_assert_int_eq(bt_jacobian_lags_block(m, d, r0, nr, c0, nc, r), BT_OK);
		ck_assert_int_eq(bt_jacobian_lags(m, d, whole), BT_OK);
		gsl_matrix_set_identity(P);
		for (size_t tau = 1; tau <= T; tau++) {
			bt_seq_jacobian(q, m, d, T - tau + 1, J);
			gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, J, 0.0, Q);
			gsl_matrix_memcpy(P, Q);
			gsl_matrix_view B = gsl_matrix_submatrix(P, r0, c0, nr, nc);
			double f = 0;
			for (size_t i = 0; i < nr; i++)
				for (size_t j = 0; j < nc; j++)
					f += pow(gsl_matrix_get(&B.matrix, i, j), 2);
			if (f < 1e-250 || f > 1e250)
				break;
			double n2 = log10(smax_rect(&B.matrix)), nf = 0.5 * log10(f);
			ck_assert_msg(fabs(r->log10_norm2[tau - 1] - n2) <= 1e-9 * fmax(1, fabs(n2)),
				      "%s block %d tau=%zu: 2-norm %.15g vs direct %.15g", arch, b,
				      tau, r->log10_norm2[tau - 1], n2);
			ck_assert_msg(fabs(r->log10_normF[tau - 1] - nf) <= 1e-9 * fmax(1, fabs(nf)),
				      "%s block %d tau=%zu: F-norm", arch, b, tau);
			/* no larger than the whole product; the whole's columns kept */
			ck_assert(r->log10_norm2[tau - 1] <= whole->log10_norm2[tau - 1] + 1e-12);
			ck_assert(r->log10_bound[tau - 1] == whole->log10_bound[tau - 1]);
			ck_assert(r->log10_prod_steps[tau - 1] == whole->log10_prod_steps[tau - 1]);
		}
		bt_jacobian_free(r);
		bt_jacobian_free(whole);
	}
	/* the whole state as a block is bt_jacobian_lags, to the bit */
	bt_jacobian_result *a, *b;
	ck_assert_int_eq(bt_jacobian_alloc(&a, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_alloc(&b, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, a), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, 0, S, 0, S, b), BT_OK);
	ck_assert(!memcmp(a->log10_norm2, b->log10_norm2, T * sizeof(double)));
	ck_assert(!memcmp(a->log10_normF, b->log10_normF, T * sizeof(double)));
	/* empty blocks and blocks outside the state are refused */
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, 0, 0, 0, S, b), BT_EINVAL);
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, 0, S, 1, S, b), BT_EINVAL);
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, S, 1, 0, 1, b), BT_EINVAL);
	bt_jacobian_free(a);
	bt_jacobian_free(b);
	gsl_matrix_free(J); gsl_matrix_free(P); gsl_matrix_free(Q);
	bt_seq_free(q);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* An LSTM with every W_* = 0: then ∂c_t/∂h_{t-1} = 0 and ∂h_t/∂h_{t-1} = 0,
 * so ∂c_T/∂c_{T−τ} = Π diag(f_t) exactly and its 2-norm is
 * max_i Π_t f_{t,i}, f_t = σ(U_f x_t + b_f), computed here from the
 * parameters: at T = 3000 far below what a double holds. The h–h block is
 * exactly zero. */
START_TEST(test_block_lstm_closed_form)
{
	size_t T = 3000, n = 4, dd = 3;
	bt_model *m = tu_model("lstm", BT_ACT_TANH, dd, n, 2, 0.7, 41);
	for (int k = 0; k < 4; k++) {
		static const char *W[4] = {"W_f", "W_i", "W_o", "W_g"};
		int b = bt_model_find_block(m, W[k]);
		memset(m->theta + m->blocks[b].offset, 0, n * n * sizeof(double));
	}
	bt_data *d = tu_data(T, dd, 2, 0, 13);
	const double *Uf = m->theta + m->blocks[bt_model_find_block(m, "U_f")].offset;
	const double *bf = m->theta + m->blocks[bt_model_find_block(m, "b_f")].offset;
	double *acc = calloc(n, sizeof(double));
	bt_jacobian_result *r, *hh;
	ck_assert_int_eq(bt_jacobian_alloc(&r, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_alloc(&hh, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, n, n, n, n, r), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags_block(m, d, 0, n, 0, n, hh), BT_OK);
	for (size_t tau = 1; tau <= T; tau++) {
		size_t t = T - tau + 1;
		double best = -INFINITY;
		for (size_t i = 0; i < n; i++) {
			double a = bf[i];
			for (size_t j = 0; j < dd; j++)
				a += Uf[i * dd + j] * d->X[(t - 1) * dd + j];
			acc[i] += log10(1.0 / (1.0 + exp(-a)));
			best = fmax(best, acc[i]);
		}
		ck_assert_msg(fabs(r->log10_norm2[tau - 1] - best) <= 1e-9 * fmax(1, fabs(best)),
			      "tau=%zu: %.15g vs closed form %.15g", tau, r->log10_norm2[tau - 1], best);
		if (tau >= 2)
			ck_assert_msg(hh->log10_norm2[tau - 1] == -INFINITY, "tau=%zu: h-h block %g",
				      tau, hh->log10_norm2[tau - 1]);
	}
	ck_assert(r->log10_norm2[T - 1] < -400);   /* far outside a double */
	free(acc);
	bt_jacobian_free(r);
	bt_jacobian_free(hh);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* skip_steps leaves the product's norms unchanged, and skips the step norms
 * only where the bound does not need them (gru and lstm keep them). */
START_TEST(test_skip_steps)
{
	size_t T = 12;
	bt_model *m = tu_model(var[_i].arch, var[_i].act, 2, 4, 1, 0.5, 21);
	bt_data *d = tu_data(T, 2, 1, 0, 8);
	bt_jacobian_result *a, *b;
	ck_assert_int_eq(bt_jacobian_alloc(&a, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_alloc(&b, T), BT_OK);
	b->skip_steps = 1;
	ck_assert_int_eq(bt_jacobian_lags(m, d, a), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, b), BT_OK);
	int needs = !strcmp(var[_i].arch, "gru") || !strcmp(var[_i].arch, "lstm");
	for (size_t i = 0; i < T; i++) {
		ck_assert(a->log10_norm2[i] == b->log10_norm2[i] ||
			  (isinf(a->log10_norm2[i]) && isinf(b->log10_norm2[i])));
		ck_assert(a->log10_bound[i] == b->log10_bound[i] ||
			  (isinf(a->log10_bound[i]) && isinf(b->log10_bound[i])));
		if (needs)
			ck_assert(a->log10_step[i] == b->log10_step[i]);
		else
			ck_assert(isnan(b->log10_step[i]) && isnan(b->log10_prod_steps[i]));
	}
	bt_jacobian_free(a);
	bt_jacobian_free(b);
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
	tcase_add_loop_test(tc, test_skip_steps, 0, (int)nvar);
	tcase_add_loop_test(tc, test_tanh_long_finite, 0, (int)nvar);
	tcase_add_loop_test(tc, test_block_direct, 0, (int)nvar);
	tcase_add_test(tc, test_block_lstm_closed_form);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
