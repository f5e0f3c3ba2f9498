/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_lyapunov.c — Lyapunov exponents by Benettin's method, against
 * independent routes: a linear RNN whose W has known eigenvalues (the
 * exponents are ln|λ_i(W)| exactly, up to the transient), the slope of
 * log‖∂s_T/∂s_{T−τ}‖₂ over τ from the Jacobian instrument (the largest
 * exponent), and, for every architecture, two identities that hold step by
 * step: every exponent is at most the mean of ln‖J_t‖₂, and the sum of all
 * S exponents is the mean of ln|det J_t| (both from an SVD / LU of the step
 * Jacobians, not from the code under test). */
#include "testutil.h"
#include <gsl/gsl_linalg.h>

/* A Haar-ish random orthogonal matrix: Q of a Gaussian matrix's QR. */
static gsl_matrix *random_orthogonal(size_t n, gsl_rng *rng)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *Q = gsl_matrix_alloc(n, n),
		   *R = gsl_matrix_alloc(n, n);
	gsl_vector *tau = gsl_vector_alloc(n);
	for (size_t i = 0; i < n * n; i++)
		A->data[i] = gsl_ran_gaussian(rng, 1.0);
	gsl_linalg_QR_decomp(A, tau);
	gsl_linalg_QR_unpack(A, tau, Q, R);
	gsl_matrix_free(A); gsl_matrix_free(R); gsl_vector_free(tau);
	return Q;
}

/* C = A B with plain loops. */
static void mul(const gsl_matrix *A, const gsl_matrix *B, gsl_matrix *C)
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

static void set_W(bt_model *m, const gsl_matrix *W)
{
	int i = bt_model_find_block(m, "W");
	ck_assert_int_ge(i, 0);
	memcpy(m->theta + m->blocks[i].offset, W->data,
	       W->size1 * W->size2 * sizeof(double));
}

/* (1) h_t = W h_{t-1} + U x_t + b. Case 0: W = Q B Qᵀ, Q orthogonal, B
 * block-diagonal with a rotation-scaling pair (two exponents ln 0.9) and
 * reals of either sign; W is normal. Case 1: W = P Λ P⁻¹ with P far from
 * orthogonal (non-normal W), real eigenvalues of either sign. The
 * exponents are ln|λ_i| sorted, exactly once Q has turned into the
 * leading subspaces (geometrically fast): an absolute tolerance of 1e-11
 * (what is left is round-off, about 1e-15). */
START_TEST(test_linear_eigenvalues)
{
	size_t n = 8, T = 3000;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 41 + _i);
	gsl_matrix *W = gsl_matrix_alloc(n, n), *M = gsl_matrix_alloc(n, n),
		   *D = gsl_matrix_calloc(n, n);
	double want[8];
	size_t k;
	if (_i == 0) {
		/* 1.04, 0.9 e^{±0.7i}, −0.75, 0.6, −0.45, 0.3, 0.1 */
		double th = 0.7, r = 0.9, re[5] = {-0.75, 0.6, -0.45, 0.3, 0.1};
		gsl_matrix_set(D, 0, 0, 1.04);
		gsl_matrix_set(D, 1, 1, r * cos(th));
		gsl_matrix_set(D, 1, 2, -r * sin(th));
		gsl_matrix_set(D, 2, 1, r * sin(th));
		gsl_matrix_set(D, 2, 2, r * cos(th));
		for (size_t i = 0; i < 5; i++)
			gsl_matrix_set(D, 3 + i, 3 + i, re[i]);
		double w[8] = {log(1.04), log(r), log(r), log(0.75), log(0.6),
			       log(0.45), log(0.3), log(0.1)};
		memcpy(want, w, sizeof w);
		gsl_matrix *Q = random_orthogonal(n, rng), *Qt = gsl_matrix_alloc(n, n);
		gsl_matrix_transpose_memcpy(Qt, Q);
		mul(Q, D, M);
		mul(M, Qt, W);
		gsl_matrix_free(Q); gsl_matrix_free(Qt);
		k = 7;
	} else {
		double lam[8] = {1.04, -0.93, 0.8, -0.66, 0.5, 0.37, -0.2, 0.08};
		for (size_t i = 0; i < n; i++) {
			gsl_matrix_set(D, i, i, lam[i]);
			want[i] = log(fabs(lam[i]));
		}
		/* P = I + 0.4 G, its inverse by LU */
		gsl_matrix *P = gsl_matrix_alloc(n, n), *LU = gsl_matrix_alloc(n, n),
			   *Pi = gsl_matrix_alloc(n, n);
		gsl_permutation *p = gsl_permutation_alloc(n);
		int sg;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				gsl_matrix_set(P, i, j, (i == j) + 0.4 * gsl_ran_gaussian(rng, 1.0));
		gsl_matrix_memcpy(LU, P);
		gsl_linalg_LU_decomp(LU, p, &sg);
		gsl_linalg_LU_invert(LU, p, Pi);
		mul(P, D, M);
		mul(M, Pi, W);
		gsl_matrix_free(P); gsl_matrix_free(LU); gsl_matrix_free(Pi);
		gsl_permutation_free(p);
		k = 6;
	}
	bt_model *m = tu_model("linear", BT_ACT_IDENTITY, 3, n, 2, 0.5, 7 + _i);
	set_W(m, W);
	bt_data *d = tu_data(T, 3, 2, 0, 13);
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	o.count = k;
	o.burn_in = 300;
	bt_lyapunov_result *r;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, T, &o), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r), BT_OK);
	for (size_t i = 0; i < k; i++) {
		double e = fabs(r->exponent[i] - want[i]);
		/* the statistical statement (the floor is round-off in the sums) */
		ck_assert_msg(e <= 4 * r->std_error[i] + 1e-12,
			      "case %d, exponent %zu: %.15g vs ln|lambda| %.15g, "
			      "more than 4 stderr (%.3g) apart", _i, i + 1,
			      r->exponent[i], want[i], r->std_error[i]);
		/* and the exact one */
		ck_assert_msg(e <= 1e-11, "case %d, exponent %zu: %.15g vs ln|lambda| %.15g",
			      _i, i + 1, r->exponent[i], want[i]);
	}
	bt_lyapunov_free(r);
	bt_model_free(m);
	bt_data_free(d);
	gsl_matrix_free(W); gsl_matrix_free(M); gsl_matrix_free(D);
	gsl_rng_free(rng);
}
END_TEST

/* Least-squares slope of y over x. */
static double ls_slope(const double *x, const double *y, size_t count)
{
	double mx = 0, my = 0, sxy = 0, sxx = 0;
	for (size_t i = 0; i < count; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= (double)count;
	my /= (double)count;
	for (size_t i = 0; i < count; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) * (x[i] - mx);
	}
	return sxy / sxx;
}

/* (2) A tanh RNN: expanding (spectral radius 3, inputs scaled by 0.1,
 * largest exponent about +0.24) and contracting (radius 1.2, inputs
 * N(0, 1), about −0.18).
 * The largest exponent is the growth rate of ‖∂s_T/∂s_{T−τ}‖₂ over τ:
 * ln 10 times the least-squares slope of bt_jacobian_lags's log10 norms
 * over the second half of the lags. Its standard error is estimated from
 * 10 blocks of that range (the mean increment per lag in each block); the
 * two estimates must agree within 4 combined standard errors. */
START_TEST(test_largest_vs_jacobian_slope)
{
	size_t n = 32, dd = 4, T = 4000;
	bt_dims dims = {dd, n, 2};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), BT_OK);
	bt_init_options io;
	bt_init_options_default(&io);
	io.radius = _i ? 1.2 : 3.0;
	io.seed = 5;
	ck_assert_int_eq(bt_model_init(m, &io), BT_OK);
	bt_data *d = tu_data(T, dd, 2, 0, 21);
	for (size_t i = 0; i < T * dd; i++)
		d->X[i] *= _i ? 1.0 : 0.1;
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	o.count = 2;
	bt_lyapunov_result *r;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, T, &o), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r), BT_OK);
	bt_jacobian_result *jr;
	ck_assert_int_eq(bt_jacobian_alloc(&jr, T), BT_OK);
	ck_assert_int_eq(bt_jacobian_lags(m, d, jr), BT_OK);
	size_t lo = T / 2, len = T - lo + 1;   /* τ = T/2 … T */
	double *x = malloc(len * sizeof(double));
	for (size_t i = 0; i < len; i++)
		x[i] = (double)(lo + i);
	const double *y = jr->log10_norm2 + (lo - 1);
	double slope = ls_slope(x, y, len) * log(10.0);
	/* block standard error of the slope: mean increments over 10 blocks */
	size_t K = 10;
	double bm[10], mb = 0, ss = 0;
	for (size_t b = 0; b < K; b++) {
		size_t a = b * (len - 1) / K, e = (b + 1) * (len - 1) / K;
		bm[b] = (y[e] - y[a]) / (double)(e - a) * log(10.0);
		mb += bm[b] / (double)K;
	}
	for (size_t b = 0; b < K; b++)
		ss += (bm[b] - mb) * (bm[b] - mb);
	double se_slope = sqrt(ss / (double)(K - 1) / (double)K);
	double lam = r->exponent[0], se = r->std_error[0];
	double tol = 4 * sqrt(se * se + se_slope * se_slope);
	ck_assert_msg(_i ? lam < -0.05 : lam > 0.05, "case %d: lambda_1 = %g, not the regime meant", _i, lam);
	ck_assert_msg(fabs(lam - slope) <= tol,
		      "case %d: lambda_1 = %.6g (stderr %.2g) but the slope of ln|ds_T/ds_{T-tau}| is %.6g "
		      "(stderr %.2g); tolerance %.3g", _i, lam, se, slope, se_slope, tol);
	/* the tolerance is meaningful: well below the exponent itself */
	ck_assert_msg(tol < 0.2 * fabs(lam), "case %d: tolerance %g too loose for lambda %g", _i, tol, lam);
	free(x);
	bt_jacobian_free(jr);
	bt_lyapunov_free(r);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

static size_t nvar;
static struct { const char *arch; bt_activation act; } var[40];

/* (3) Every architecture and activation: all S exponents are finite
 * (or −inf where a relu kills a dimension exactly), sorted descending
 * with finite non-negative standard errors; each is at most the mean of
 * ln‖J_t‖₂, and their sum is the mean of ln|det J_t| over the same steps
 * (R_ii(t) ≤ ‖J_t‖₂ and Π_i R_ii(t) = |det J_t| hold at every step). */
START_TEST(test_every_architecture)
{
	const char *arch = var[_i].arch;
	size_t T = 600, B = 60;
	bt_model *m = tu_model(arch, var[_i].act, 3, 5, 2, 0.5, 3 + _i);
	bt_data *d = tu_data(T, 3, 2, 0, 9);
	size_t S = m->state_size;
	if (var[_i].act == BT_ACT_RELU) {
		/* keep most relu units alive, so that most J_t are not singular */
		int ib = bt_model_find_block(m, "b");
		ck_assert_int_ge(ib, 0);
		for (size_t i = 0; i < m->dims.n; i++)
			m->theta[m->blocks[ib].offset + i] += 1.0;
	}
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	o.count = S;
	o.burn_in = (long)B;
	bt_lyapunov_result *r;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, T, &o), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r), BT_OK);
	ck_assert_uint_eq(r->k, S);
	ck_assert_uint_eq(r->K, 10);
	/* the independent route: the step Jacobians of the stored trajectory */
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, m, T), BT_OK);
	/* a loss that overflows does not matter (a growing linear state) */
	int fst = bt_seq_forward(q, m, d, NULL);
	ck_assert(fst == BT_OK || fst == BT_ENUMERIC);
	gsl_matrix *J = gsl_matrix_alloc(S, S), *V = gsl_matrix_alloc(S, S);
	gsl_vector *sv = gsl_vector_alloc(S), *w = gsl_vector_alloc(S);
	gsl_permutation *p = gsl_permutation_alloc(S);
	double lnorm = 0, ldet = 0;
	for (size_t t = B + 1; t <= T; t++) {
		int sg;
		bt_seq_jacobian(q, m, d, t, J);
		gsl_linalg_SV_decomp(J, V, sv, w);
		lnorm += log(gsl_vector_get(sv, 0));
		bt_seq_jacobian(q, m, d, t, J);
		gsl_linalg_LU_decomp(J, p, &sg);
		ldet += gsl_linalg_LU_lndet(J);   /* ln|det J_t|, −inf if singular */
	}
	lnorm /= (double)(T - B);
	ldet /= (double)(T - B);
	double sum = 0;
	for (size_t i = 0; i < S; i++) {
		double e = r->exponent[i];
		ck_assert_msg(isfinite(e) || (e == -INFINITY && var[_i].act == BT_ACT_RELU),
			      "%s(%s): exponent %zu is %g", arch,
			      bt_activation_name(var[_i].act), i + 1, e);
		if (isfinite(e))
			ck_assert_msg(isfinite(r->std_error[i]) && r->std_error[i] >= 0,
				      "%s: stderr %zu is %g", arch, i + 1, r->std_error[i]);
		if (i > 0)
			ck_assert_msg(r->exponent[i - 1] >= e, "%s: not sorted at %zu", arch, i + 1);
		ck_assert_msg(e <= lnorm + 1e-12, "%s: exponent %zu = %.15g above mean ln|J_t|_2 = %.15g",
			      arch, i + 1, e, lnorm);
		sum += e;
	}
	if (isfinite(ldet))
		ck_assert_msg(fabs(sum - ldet) <= 1e-9 * fmax(1, fabs(ldet)),
			      "%s(%s): sum of the exponents %.15g, mean ln|det J_t| %.15g",
			      arch, bt_activation_name(var[_i].act), sum, ldet);
	else   /* a relu step Jacobian was singular: a dimension is lost (to round-off at least) */
		ck_assert_msg(r->exponent[S - 1] < -20, "%s: singular steps but the smallest exponent is %g",
			      arch, r->exponent[S - 1]);
	gsl_matrix_free(J); gsl_matrix_free(V);
	gsl_vector_free(sv); gsl_vector_free(w);
	gsl_permutation_free(p);
	bt_seq_free(q);
	bt_lyapunov_free(r);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* (4) The same model and inputs give identical numbers, through a copy of
 * the data and into a result used before too. */
START_TEST(test_repeatable)
{
	const char *arch = var[_i].arch;
	bt_model *m = tu_model(arch, var[_i].act, 3, 6, 2, 0.6, 30 + _i);
	bt_data *d = tu_data(800, 3, 2, 0, 31), *d2;
	ck_assert_int_eq(bt_data_copy(&d2, d), BT_OK);
	bt_lyapunov_result *r1, *r2;
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	ck_assert_int_eq(bt_lyapunov_alloc(&r1, m, 800, NULL), BT_OK);
	ck_assert_int_eq(bt_lyapunov_alloc(&r2, m, 800, &o), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r1), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d2, r2), BT_OK);
	size_t k = r1->k;
	ck_assert(!memcmp(r1->exponent, r2->exponent, k * sizeof(double)));
	ck_assert(!memcmp(r1->std_error, r2->std_error, k * sizeof(double)));
	ck_assert(!memcmp(r1->block_mean, r2->block_mean, k * r1->K * sizeof(double)));
	/* run again into the same result */
	ck_assert_int_eq(bt_lyapunov(m, d, r2), BT_OK);
	ck_assert(!memcmp(r1->exponent, r2->exponent, k * sizeof(double)));
	ck_assert(!memcmp(r1->std_error, r2->std_error, k * sizeof(double)));
	bt_lyapunov_free(r1);
	bt_lyapunov_free(r2);
	bt_model_free(m);
	bt_data_free(d);
	bt_data_free(d2);
}
END_TEST

/* (5) The standard error means what it says: over 16 independent input
 * sequences, the spread of the largest exponent (its sample standard
 * deviation) matches the standard error that each run reports from its
 * own blocks (the root mean square of the 16) within a factor of 2 (it
 * was 0.79 when written; the ratio's own scatter is about 20 %); sd/K or
 * no 1/sqrt(K) would be off by a factor sqrt(10). */
START_TEST(test_stderr_honest)
{
	size_t n = 16, dd = 4, T = 2000, R = 16;
	bt_dims dims = {dd, n, 2};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), BT_OK);
	bt_init_options io;
	bt_init_options_default(&io);
	io.radius = 2.0;
	io.seed = 8;
	ck_assert_int_eq(bt_model_init(m, &io), BT_OK);
	bt_lyapunov_options o;
	bt_lyapunov_options_default(&o);
	o.count = 2;
	bt_lyapunov_result *r;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, T, &o), BT_OK);
	double lam[16], ms = 0, mean = 0, var = 0;
	for (size_t j = 0; j < R; j++) {
		bt_data *d = tu_data(T, dd, 2, 0, 100 + j);
		ck_assert_int_eq(bt_lyapunov(m, d, r), BT_OK);
		lam[j] = r->exponent[0];
		ms += r->std_error[0] * r->std_error[0] / (double)R;
		mean += lam[j] / (double)R;
		bt_data_free(d);
	}
	for (size_t j = 0; j < R; j++)
		var += (lam[j] - mean) * (lam[j] - mean) / (double)(R - 1);
	double ratio = sqrt(var) / sqrt(ms);
	ck_assert_msg(ratio > 0.5 && ratio < 2,
		      "spread of lambda_1 over %zu sequences %.3g, reported stderr %.3g (ratio %.3g)",
		      R, sqrt(var), sqrt(ms), ratio);
	bt_lyapunov_free(r);
	bt_model_free(m);
}
END_TEST

/* Defaults and refusals. */
START_TEST(test_options)
{
	bt_model *m = tu_model("lstm", BT_ACT_TANH, 2, 3, 1, 0.5, 1), *big =
		tu_model("rnn", BT_ACT_TANH, 2, 20, 1, 0.5, 1);
	bt_data *d = tu_data(50, 2, 1, 0, 1);
	bt_lyapunov_options o;
	bt_lyapunov_result *r;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, NULL), BT_OK);
	ck_assert_uint_eq(r->S, 6);
	ck_assert_uint_eq(r->k, 6);          /* min(S, 10), S = 2n */
	ck_assert_uint_eq(r->burn_in, 5);    /* T/10 */
	ck_assert_uint_eq(r->K, 10);
	ck_assert_uint_eq(r->steps, 45);
	bt_lyapunov_free(r);
	ck_assert_int_eq(bt_lyapunov_alloc(&r, big, 50000, NULL), BT_OK);
	ck_assert_uint_eq(r->k, 10);
	ck_assert_uint_eq(r->burn_in, 1000); /* capped */
	bt_lyapunov_free(r);
	/* a result for another length is refused */
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 40, NULL), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r), BT_EINVAL);
	bt_lyapunov_free(r);
	bt_lyapunov_options_default(&o);
	o.count = 7;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, &o), BT_EINVAL);
	ck_assert_ptr_null(r);
	bt_lyapunov_options_default(&o);
	o.burn_in = 50;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, &o), BT_EINVAL);
	o.burn_in = 49;      /* one step left: fewer than 10 blocks */
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, &o), BT_EINVAL);
	o.blocks = 1;
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, &o), BT_EINVAL);
	o.burn_in = 48;
	o.blocks = 2;        /* two steps, two blocks of one */
	ck_assert_int_eq(bt_lyapunov_alloc(&r, m, 50, &o), BT_OK);
	ck_assert_int_eq(bt_lyapunov(m, d, r), BT_OK);
	ck_assert(isfinite(r->exponent[0]));
	bt_lyapunov_free(r);
	bt_lyapunov_free(NULL);
	bt_model_free(m);
	bt_model_free(big);
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
	Suite *s = suite_create("lyapunov");
	TCase *tc = tcase_create("exponents");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_linear_eigenvalues, 0, 2);
	tcase_add_loop_test(tc, test_largest_vs_jacobian_slope, 0, 2);
	tcase_add_loop_test(tc, test_every_architecture, 0, (int)nvar);
	tcase_add_loop_test(tc, test_repeatable, 0, (int)nvar);
	tcase_add_test(tc, test_stderr_honest);
	tcase_add_test(tc, test_options);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
