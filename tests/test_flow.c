/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_flow.c — gradient flow over time and lags (flow.c), for every
 * architecture, each number by a second route:
 *
 *  - per-step ‖δh_t‖ (and ‖δc_t‖) against the workspace's ∂L/∂s_t after
 *    the ordinary full and truncated backward passes (seq.c, tbptt.c);
 *  - the lag profile of one loss term against those passes run on the data
 *    with every other term masked out, and against explicit products of
 *    step Jacobians;
 *  - the per-lag buckets of ∂L/∂θ against differences of truncated
 *    gradients, g_{k=τ+1} − g_{k=τ}, and summed against the full gradient;
 *  - far beyond a double (T = 600, ‖·‖ down to 10^-419 and up to 10^361):
 *    closed forms for an orthogonal linear RNN.
 */
#include "testutil.h"
#include <gsl/gsl_blas.h>

static size_t nvar;
static struct { const char *arch; bt_activation act; } var[40];

static double norm(const double *v, size_t k)
{
	double s = 0;
	for (size_t i = 0; i < k; i++)
		s += v[i] * v[i];
	return sqrt(s);
}

/* |log10 a − want| where want = log10 b, both possibly −inf. */
static void same_log(double got, double b, double tol, const char *what,
		     const char *arch, size_t i)
{
	double want = log10(b);
	if (want == -INFINITY || got == -INFINITY) {
		ck_assert_msg(got == want, "%s %s [%zu]: %.17g, want %.17g", arch,
			      what, i, got, want);
		return;
	}
	ck_assert_msg(fabs(got - want) <= tol, "%s %s [%zu]: log10 %.17g, want %.17g",
		      arch, what, i, got, want);
}

/* Irregular data with a mask: steps 3, 7, 8 (1-based) and, when drop_last,
 * the last one do not count. */
static bt_data *masked_data(size_t T, size_t d, size_t m, int drop_last,
			    unsigned long seed)
{
	bt_data *D = tu_data(T, d, m, 1, seed);
	for (size_t t = 1; t <= T; t++)
		D->M[t - 1] = (t == 3 || t == 7 || t == 8 || (drop_last && t == T)) ? 0 : 1;
	return D;
}

/* Per-step norms: full against bt_seq_backward, truncated against
 * bt_seq_backward_truncated, for k = 1, 3 and T (no truncation). */
START_TEST(test_steps_match_backward)
{
	const char *arch = var[_i].arch;
	size_t T = 13, d = 3, n = 5, m = 2;
	bt_model *mod = tu_model(arch, var[_i].act, d, n, m, 0.6, 31 + _i);
	bt_data *D = masked_data(T, d, m, 0, 77);
	size_t S = mod->state_size;
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	bt_flow_result *r;
	ck_assert_int_eq(bt_flow_alloc(&r, mod, T), BT_OK);
	ck_assert((S > n) == (r->log10_dc != NULL));
	const size_t ks[3] = {1, 3, T};
	for (int ki = 0; ki < 3; ki++) {
		size_t k = ks[ki];
		ck_assert_int_eq(bt_flow_lags(mod, D, k, 0, r), BT_OK);
		ck_assert_uint_eq(r->k, k);
		ck_assert_int_eq(bt_seq_forward(q, mod, D, NULL), BT_OK);
		ck_assert_int_eq(bt_seq_backward(q, mod, D, NULL, NULL), BT_OK);
		for (size_t t = 1; t <= T; t++) {
			const double *ds = bt_seq_dstate(q, t);
			same_log(r->log10_dh[t - 1], norm(ds, n), 1e-12, "dh", arch, t);
			if (S > n)
				same_log(r->log10_dc[t - 1], norm(ds + n, S - n), 1e-12, "dc", arch, t);
		}
		ck_assert_int_eq(bt_seq_backward_truncated(q, mod, D, k, NULL, NULL), BT_OK);
		for (size_t t = 1; t <= T; t++) {
			const double *ds = bt_seq_dstate(q, t);
			same_log(r->log10_dh_trunc[t - 1], norm(ds, n), 1e-12, "dh_trunc", arch, t);
			if (S > n)
				same_log(r->log10_dc_trunc[t - 1], norm(ds + n, S - n), 1e-12,
					 "dc_trunc", arch, t);
		}
		if (k == 1) {   /* the truncated flow is smaller somewhere */
			int less = 0;
			for (size_t t = 1; t < T; t++)
				less |= r->log10_dh_trunc[t - 1] < r->log10_dh[t - 1] - 1e-3;
			ck_assert_msg(less, "%s: k = 1 changes no step", arch);
		}
	}
	bt_flow_free(r);
	bt_seq_free(q);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The lag profile of ℓ_{t*}: the data with every other term masked out
 * has L = ℓ_{t*}, so the ordinary passes give ∂ℓ_{t*}/∂s_u (the state
 * gradients), ∂ℓ_{t*}/∂x_u (recurrent and direct apart) and the truncated
 * ∂ℓ_{t*}/∂x_u. Checked for t* = T (given), the last counted step (0, the
 * mask dropping T) and a step in the middle. */
START_TEST(test_lag_profile)
{
	const char *arch = var[_i].arch;
	size_t T = 11, d = 3, n = 4, m = 2, k = 4;
	bt_model *mod = tu_model(arch, var[_i].act, d, n, m, 0.7, 5 + _i);
	bt_data *D = masked_data(T, d, m, 1, 13);
	size_t S = mod->state_size;
	bt_flow_result *r;
	ck_assert_int_eq(bt_flow_alloc(&r, mod, T), BT_OK);
	bt_data *one;
	ck_assert_int_eq(bt_data_copy(&one, D), BT_OK);
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	double *xr = malloc(T * d * sizeof(double)), *xd = malloc(T * d * sizeof(double)),
	       *xk = malloc(T * d * sizeof(double)), *tot = malloc(d * sizeof(double));
	const size_t terms[3] = {T, 0, 6};
	const size_t want_term[3] = {T, T - 1, 6};
	gsl_matrix *J = gsl_matrix_alloc(S, S);
	gsl_vector *dl = gsl_vector_alloc(S), *tmp = gsl_vector_alloc(S);
	for (int ti = 0; ti < 3; ti++) {
		ck_assert_int_eq(bt_flow_lags(mod, D, k, terms[ti], r), BT_OK);
		size_t ts = r->term;
		ck_assert_uint_eq(ts, want_term[ti]);
		for (size_t t = 1; t <= T; t++)
			one->M[t - 1] = t == ts ? D->M[t - 1] : 0;
		ck_assert_int_eq(bt_seq_forward(q, mod, one, NULL), BT_OK);
		memset(xr, 0, T * d * sizeof(double));
		memset(xd, 0, T * d * sizeof(double));
		ck_assert_int_eq(bt_seq_backward_split(q, mod, one, NULL, xr, xd), BT_OK);
		/* ∂ℓ/∂s_{t*} for the Jacobian route */
		for (size_t i = 0; i < S; i++)
			gsl_vector_set(dl, i, bt_seq_dstate(q, ts)[i]);
		for (size_t tau = 0; tau < T; tau++) {
			if (tau >= ts) {   /* before s_1: nothing */
				ck_assert(r->lag_dh[tau] == -INFINITY && r->lag_dx[tau] == -INFINITY);
				continue;
			}
			size_t u = ts - tau;
			const double *ds = bt_seq_dstate(q, u);
			same_log(r->lag_dh[tau], norm(ds, n), 1e-12, "lag_dh", arch, tau);
			if (S > n)
				same_log(r->lag_dc[tau], norm(ds + n, S - n), 1e-12, "lag_dc", arch, tau);
			/* δ^{(τ)} = J_{u+1}ᵀ … J_{t*}ᵀ ∂ℓ/∂s_{t*} */
			if (tau > 0) {
				bt_seq_jacobian(q, mod, one, u + 1, J);
				gsl_blas_dgemv(CblasTrans, 1.0, J, dl, 0.0, tmp);
				gsl_vector_memcpy(dl, tmp);
			}
			same_log(r->lag_dh[tau], norm(dl->data, n), 1e-11, "lag_dh (Jacobians)", arch, tau);
			const double *a = xr + (u - 1) * d, *b = xd + (u - 1) * d;
			for (size_t i = 0; i < d; i++)
				tot[i] = a[i] + b[i];
			same_log(r->lag_dx_rec[tau], norm(a, d), 1e-12, "lag_dx_rec", arch, tau);
			same_log(r->lag_dx_direct[tau], norm(b, d), 1e-12, "lag_dx_direct", arch, tau);
			same_log(r->lag_dx[tau], norm(tot, d), 1e-12, "lag_dx", arch, tau);
			/* truncated: zero state gradient for τ ≥ k, x through bt_gradient */
			if (tau < k)
				ck_assert(r->lag_dh_trunc[tau] == r->lag_dh[tau]);
			else
				ck_assert(r->lag_dh_trunc[tau] == -INFINITY);
		}
		ck_assert_int_eq(bt_gradient(mod, one, k, NULL, NULL, xk), BT_OK);
		for (size_t tau = 0; tau < ts; tau++)
			same_log(r->lag_dx_trunc[tau], norm(xk + (ts - tau - 1) * d, d), 1e-12,
				 "lag_dx_trunc", arch, tau);
	}
	/* attention reads the inputs directly; the others do not */
	int has_direct = 0;
	for (size_t tau = 0; tau < r->term; tau++)
		has_direct |= r->lag_dx_direct[tau] > -INFINITY;
	ck_assert_int_eq(has_direct, mod->type == bt_cell_lookup("attention"));
	gsl_matrix_free(J);
	gsl_vector_free(dl);
	gsl_vector_free(tmp);
	free(xr); free(xd); free(xk); free(tot);
	bt_seq_free(q);
	bt_data_free(one);
	bt_flow_free(r);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The lag-τ bucket of ∂L/∂θ is g_{k=τ+1} − g_{k=τ} (g_0 = 0, g_k from
 * bt_gradient's truncated BPTT); the buckets sum to the full gradient; the
 * reported norms (all parameters and per block) are those of the buckets. */
START_TEST(test_buckets_are_truncation_differences)
{
	const char *arch = var[_i].arch;
	size_t T = 9, d = 2, n = 4, m = 3;
	bt_model *mod = tu_model(arch, var[_i].act, d, n, m, 0.8, 91 + _i);
	bt_data *D = masked_data(T, d, m, 0, 21);
	size_t P = mod->nparams, nb = mod->nblocks;
	bt_flow_result *r;
	ck_assert_int_eq(bt_flow_alloc(&r, mod, T), BT_OK);
	ck_assert(r->buckets == NULL);
	r->buckets = malloc(T * P * sizeof(double));
	ck_assert_int_eq(bt_flow_lags(mod, D, 0, 0, r), BT_OK);
	double *gk = calloc((T + 1) * P, sizeof(double)), *sum = calloc(P, sizeof(double)),
	       *diff = malloc(P * sizeof(double));
	for (size_t k = 1; k <= T; k++)
		ck_assert_int_eq(bt_gradient(mod, D, k, NULL, gk + k * P, NULL), BT_OK);
	double gn = norm(gk + T * P, P);
	for (size_t tau = 0; tau < T; tau++) {
		const double *bk = r->buckets + tau * P;
		for (size_t i = 0; i < P; i++) {
			diff[i] = gk[(tau + 1) * P + i] - gk[tau * P + i];
			sum[i] += bk[i];
		}
		double e = 0;
		for (size_t i = 0; i < P; i++)
			e = fmax(e, fabs(bk[i] - diff[i]));
		ck_assert_msg(e <= 1e-13 * fmax(1, gn), "%s tau=%zu: bucket differs from "
			      "g_{k=tau+1} - g_{k=tau} by %g (|g| %g)", arch, tau, e, gn);
		/* the norms where the difference is free of cancellation */
		double bn = norm(bk, P);
		same_log(r->lag_grad[tau], bn, 1e-12, "lag_grad", arch, tau);
		if (bn > 1e-6 * gn)
			same_log(r->lag_grad[tau], norm(diff, P), 1e-6, "lag_grad vs diff", arch, tau);
		for (size_t b = 0; b < nb; b++) {
			const bt_block *bl = &mod->blocks[b];
			same_log(r->lag_grad_block[tau * nb + b], norm(bk + bl->offset, bl->rows * bl->cols),
				 1e-12, bl->name, arch, tau);
		}
	}
	double e = tu_max_rel(sum, gk + T * P, P, 1e-12 * gn);
	ck_assert_msg(e <= 1e-12, "%s: the buckets sum to the gradient within %g", arch, e);
	/* the readout is lag 0 only: V and b_y have no later terms; the step's
	 * parameters (block 0) have some at lag 1 */
	int iV = bt_model_find_block(mod, "V"), iby = bt_model_find_block(mod, "b_y");
	for (size_t tau = 1; tau < T; tau++) {
		ck_assert(r->lag_grad_block[tau * nb + (size_t)iV] == -INFINITY);
		ck_assert(r->lag_grad_block[tau * nb + (size_t)iby] == -INFINITY);
	}
	ck_assert(isfinite(r->lag_grad_block[1 * nb + 0]));
	free(r->buckets);
	r->buckets = NULL;
	free(gk); free(sum); free(diff);
	bt_flow_free(r);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* h_t = g Q h_{t-1} + x_t + b (identity activation, Q orthogonal, U = I),
 * only ℓ_T counts, e = ŷ_T − y_T: ∂ℓ_T/∂h_{T−τ} = (g Qᵀ)^τ Vᵀe and
 * ∂ℓ_T/∂x_{T−τ} the same vector, so both norms are g^τ ‖Vᵀe‖; so is δh_t
 * at t = T − τ. The lag-τ bucket of ∂L/∂b is that vector too, of ∂L/∂U
 * its outer product with x_{T−τ}, of ∂L/∂W with h_{T−τ−1}. At T = 600,
 * g = 0.2 goes down to 10^-419, g = 4 (zero inputs and bias) up to 10^361. */
START_TEST(test_long_closed_form)
{
	double g = _i ? 4.0 : 0.2;
	size_t T = 600, n = 3, m = 2;
	bt_dims dims = {n, n, m};
	bt_model *mod;
	ck_assert_int_eq(bt_model_alloc(&mod, bt_cell_lookup("rnn"), dims, BT_ACT_IDENTITY), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	o.orthogonal = 1;
	o.scale = g;
	o.seed = 8;
	ck_assert_int_eq(bt_model_init(mod, &o), BT_OK);
	int iU = bt_model_find_block(mod, "U"), ib = bt_model_find_block(mod, "b"),
	    iW = bt_model_find_block(mod, "W");
	double *U = mod->theta + mod->blocks[iU].offset, *b = mod->theta + mod->blocks[ib].offset;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			U[i * n + j] = i == j;
		b[i] = _i ? 0 : 0.3 - 0.2 * (double)i;
	}
	bt_data *D = tu_data(T, n, m, 1, 6);
	for (size_t t = 0; t < T; t++) {
		D->M[t] = t == T - 1;
		for (size_t i = 0; i < n; i++)
			D->X[t * n + i] = _i ? 0 : 0.5 * D->X[t * n + i];
	}
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, D, NULL), BT_OK);
	/* ‖Vᵀ e‖ */
	const double *V = mod->theta + mod->blocks[bt_model_find_block(mod, "V")].offset;
	const double *yh = bt_seq_output(q, T), *y = D->Y + (T - 1) * m;
	double ve[8] = {0};
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < m; i++)
			ve[j] += V[i * n + j] * (yh[i] - y[i]);
	double l0 = log10(norm(ve, n)), lg = log10(g);
	bt_flow_result *r;
	ck_assert_int_eq(bt_flow_alloc(&r, mod, T), BT_OK);
	ck_assert_int_eq(bt_flow_lags(mod, D, 0, 0, r), BT_OK);
	size_t nb = mod->nblocks;
	for (size_t tau = 0; tau < T; tau++) {
		double want = (double)tau * lg + l0;
		double tol = 1e-10 * fmax(1, fabs(want));
		ck_assert_msg(fabs(r->lag_dh[tau] - want) <= tol, "g=%g tau=%zu: lag_dh %.15g, want %.15g",
			      g, tau, r->lag_dh[tau], want);
		ck_assert_msg(fabs(r->lag_dx[tau] - want) <= tol, "g=%g tau=%zu: lag_dx %.15g, want %.15g",
			      g, tau, r->lag_dx[tau], want);
		ck_assert(fabs(r->log10_dh[T - 1 - tau] - want) <= tol);
		ck_assert(fabs(r->lag_grad_block[tau * nb + (size_t)ib] - want) <= tol);
		/* the outer products: ‖δ xᵀ‖_F = ‖δ‖ ‖x‖ */
		double xn = norm(D->X + (T - 1 - tau) * n, n);
		double hn = norm(bt_seq_state(q, T - 1 - tau), n);
		double wU = xn > 0 ? want + log10(xn) : -INFINITY;
		double wW = hn > 0 ? want + log10(hn) : -INFINITY;
		double gU = r->lag_grad_block[tau * nb + (size_t)iU];
		double gW = r->lag_grad_block[tau * nb + (size_t)iW];
		ck_assert_msg(wU == -INFINITY ? gU == -INFINITY : fabs(gU - wU) <= tol,
			      "g=%g tau=%zu: U bucket %.15g, want %.15g", g, tau, gU, wU);
		ck_assert_msg(wW == -INFINITY ? gW == -INFINITY : fabs(gW - wW) <= tol,
			      "g=%g tau=%zu: W bucket %.15g, want %.15g", g, tau, gW, wW);
	}
	/* far outside a double, both ways */
	ck_assert(_i ? r->lag_dh[T - 1] > 330 : r->lag_dh[T - 1] < -400);
	bt_flow_free(r);
	bt_seq_free(q);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

START_TEST(test_refusals)
{
	bt_model *mod = tu_model("rnn", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	bt_data *D = tu_data(5, 2, 1, 0, 2), *D6 = tu_data(6, 2, 1, 0, 2);
	bt_flow_result *r;
	ck_assert_int_eq(bt_flow_alloc(&r, mod, 0), BT_EINVAL);
	ck_assert(r == NULL);
	ck_assert_int_eq(bt_flow_alloc(&r, mod, 5), BT_OK);
	ck_assert_int_eq(bt_flow_lags(mod, D, 0, 6, r), BT_EINVAL);   /* term > T */
	ck_assert_int_eq(bt_flow_lags(mod, D6, 0, 0, r), BT_EINVAL);  /* wrong T */
	ck_assert_int_eq(bt_flow_lags(mod, D, 99, 5, r), BT_OK);      /* k > T: none */
	ck_assert_uint_eq(r->k, 5);
	for (size_t t = 0; t < 5; t++)
		ck_assert(r->log10_dh_trunc[t] == r->log10_dh[t]);
	bt_flow_free(r);
	bt_flow_free(NULL);
	bt_model_free(mod);
	bt_data_free(D);
	bt_data_free(D6);
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
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("flow");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_steps_match_backward, 0, (int)nvar);
	tcase_add_loop_test(tc, test_lag_profile, 0, (int)nvar);
	tcase_add_loop_test(tc, test_buckets_are_truncation_differences, 0, (int)nvar);
	tcase_add_loop_test(tc, test_long_closed_form, 0, 2);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
