/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_bias.c — the bias of truncated gradients (bias.c) and the chunked
 * truncation it compares (tbptt_chunked.c).
 *
 *  - the scalar model's Monte-Carlo bias against the spec's closed form,
 *    within 4 standard errors, with a sample that tells k from k ± 1;
 *  - k ≥ T: relative error exactly 0 and cosine exactly 1, both methods,
 *    every architecture;
 *  - relative errors, cosines, means and standard errors against the same
 *    quantities computed here from bt_gradient / bt_gradient_chunked with
 *    plain loops;
 *  - chunked truncation against two brute forces: for rnn, linear and
 *    residual the independent plain-loop reference (reference.h), term by
 *    term back to the term's chunk start; for every architecture the sum
 *    over loss terms of a one-term problem (mask) under the sliding window
 *    k_t = t − (chunk start) + 1. It equals full BPTT for k ≥ T (bit for
 *    bit), the sliding window for k = 1, and differs from it in between. */
#include "reference.h"
#include <float.h>

static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, 0, 0.9},
	{"n=1", 7, 2, 1, 3, 0, 0.9},
	{"d3n4m2 mask", 11, 3, 4, 2, 1, 0.9},
	{"T=30", 30, 2, 5, 3, 1, 0.6},
};

#define NLOOP ((int)bt_cell_count() * 4)

/* The chunk lengths to try on length T (≥ 1, distinct). */
static size_t chunk_ks(size_t T, size_t ks[8])
{
	size_t cand[8] = {1, 2, 3, 4, 7, T > 1 ? T - 1 : 1, T, T + 2}, nk = 0;
	for (int i = 0; i < 8; i++) {
		int dup = 0;
		for (size_t j = 0; j < nk; j++)
			dup |= ks[j] == cand[i];
		if (!dup)
			ks[nk++] = cand[i];
	}
	return nk;
}

/* The first step of the chunk that holds step t (t from 1). */
static size_t chunk_start(size_t t, size_t k)
{
	return (t - 1) / k * k + 1;
}

static void lib_chunked(const bt_model *mod, const bt_data *D, size_t k,
			double *g, double *dX)
{
	double L = NAN, L0 = NAN;
	ck_assert_int_eq(bt_gradient_chunked(mod, D, k, &L, g, dX), BT_OK);
	ck_assert_int_eq(bt_loss(mod, D, &L0), BT_OK);
	ck_assert_msg(L == L0, "chunked k=%zu: loss %.17g, forward loss %.17g",
		      k, L, L0);
}

/* ==== chunked truncation ==================================================== */

/* The plain-loop brute force, rnn/linear/residual: every loss term alone,
 * back from h_t to h_c, c its chunk's first step (h_{c-1} a constant). */
START_TEST(test_chunked_reference)
{
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		const shape *s = &shapes[si];
		tcase_data c;
		if (!case_setup(&c, _i, s, s->mask, 300 + si))
			return;
		if (!c.has_ref) {
			case_teardown(&c);
			continue;
		}
		const bt_model *mod = c.mod;
		const size_t n = c.r.n, TX = s->T * s->d;
		double *g = calloc(mod->nparams, sizeof(double));
		double *x = calloc(TX, sizeof(double));
		double *gm = calloc(c.r.P, sizeof(double));
		double *gr = calloc(mod->nparams, sizeof(double));
		double *xr = calloc(TX, sizeof(double));
		double *gh = calloc(n, sizeof(double)), *da = calloc(n, sizeof(double));
		ck_assert(g && x && gm && gr && xr && gh && da);
		size_t ks[8], nk = chunk_ks(s->T, ks);
		for (size_t j = 0; j < nk; j++) {
			size_t k = ks[j];
			memset(gm, 0, c.r.P * sizeof(double));
			memset(xr, 0, TX * sizeof(double));
			for (size_t t = 1; t <= s->T; t++) {
				ref_readout_back(&c.r, c.th, c.f, t, gh, gm);
				for (size_t u = t; u >= chunk_start(t, k); u--)
					ref_step_back(&c.r, c.th, c.data->X, c.f, u, gh,
						      gm, xr, da);
			}
			memset(gr, 0, mod->nparams * sizeof(double));
			ref_scatter(&c.r, mod, gm, gr);
			lib_chunked(mod, c.data, k, g, x);
			for (size_t i = 0; i < mod->nblocks; i++) {
				double e = block_err(mod, g, gr, i);
				ck_assert_msg(e <= 1e-12, "%s: chunks of %zu: block %s: "
					      "rel. error %g vs brute force", c.label,
					      k, mod->blocks[i].name, e);
			}
			double e = vec_err(x, xr, TX);
			ck_assert_msg(e <= 1e-12, "%s: chunks of %zu: dX: rel. error "
				      "%g vs brute force", c.label, k, e);
			if (k == 1) {
				/* chunks of one step are windows of one step */
				double *g2 = calloc(c.r.P, sizeof(double));
				double *x2 = calloc(TX, sizeof(double));
				ck_assert(g2 && x2);
				ref_backward_truncated(&c.r, c.th, c.data->X, c.data,
						       c.f, 1, g2, x2);
				ck_assert(vec_err(gm, g2, c.r.P) <= 1e-13);
				ck_assert(vec_err(xr, x2, TX) <= 1e-13);
				free(g2);
				free(x2);
			}
			if (k >= s->T) {
				/* the brute force itself: one chunk is full BPTT */
				double *g2 = calloc(c.r.P, sizeof(double));
				double *x2 = calloc(TX, sizeof(double));
				ck_assert(g2 && x2);
				ref_backward_full(&c.r, c.th, c.data->X, c.data, c.f, g2, x2);
				ck_assert(vec_err(gm, g2, c.r.P) <= 1e-13);
				ck_assert(vec_err(xr, x2, TX) <= 1e-13);
				free(g2);
				free(x2);
			}
		}
		free(g); free(x); free(gm); free(gr); free(xr); free(gh); free(da);
		case_teardown(&c);
	}
}
END_TEST

/* Every architecture: the chunked gradient is Σ_t of the gradient of the
 * one-term problem (mask e_t) under the sliding window k_t = t − c + 1. */
START_TEST(test_chunked_per_term)
{
	for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
		const shape *s = &shapes[si];
		tcase_data c;
		if (!case_setup(&c, _i, s, s->mask, 400 + si))
			return;
		const bt_model *mod = c.mod;
		const bt_data *D = c.data;
		const size_t P = mod->nparams, TX = s->T * s->d;
		bt_data *one = NULL;
		ck_assert_int_eq(bt_data_alloc(&one, s->T, s->d, s->m, 1), BT_OK);
		memcpy(one->X, D->X, TX * sizeof(double));
		memcpy(one->Y, D->Y, s->T * s->m * sizeof(double));
		double *g = calloc(P, sizeof(double)), *x = calloc(TX, sizeof(double));
		double *gt = calloc(P, sizeof(double)), *xt = calloc(TX, sizeof(double));
		double *gs = calloc(P, sizeof(double)), *xs = calloc(TX, sizeof(double));
		ck_assert(g && x && gt && xt && gs && xs);
		size_t ks[8], nk = chunk_ks(s->T, ks);
		for (size_t j = 0; j < nk; j++) {
			size_t k = ks[j];
			memset(gs, 0, P * sizeof(double));
			memset(xs, 0, TX * sizeof(double));
			for (size_t t = 1; t <= s->T; t++) {
				if (mask_at(D, t) == 0)
					continue;
				for (size_t u = 1; u <= s->T; u++)
					one->M[u - 1] = u == t ? 1.0 : 0.0;
				size_t kt = t - chunk_start(t, k) + 1;
				ck_assert_int_eq(bt_gradient(mod, one, kt, NULL, gt, xt), BT_OK);
				for (size_t p = 0; p < P; p++)
					gs[p] += gt[p];
				for (size_t p = 0; p < TX; p++)
					xs[p] += xt[p];
			}
			lib_chunked(mod, D, k, g, x);
			for (size_t i = 0; i < mod->nblocks; i++) {
				double e = block_err(mod, g, gs, i);
				ck_assert_msg(e <= 1e-12, "%s: chunks of %zu: block %s: "
					      "rel. error %g vs the sum of one-term "
					      "windows", c.label, k, mod->blocks[i].name, e);
			}
			double e = vec_err(x, xs, TX);
			ck_assert_msg(e <= 1e-12, "%s: chunks of %zu: dX: rel. error %g "
				      "vs the sum of one-term windows", c.label, k, e);
		}
		free(g); free(x); free(gt); free(xt); free(gs); free(xs);
		bt_data_free(one);
		case_teardown(&c);
	}
}
END_TEST

/* k ≥ T is full BPTT bit for bit; k = 1 is the sliding window k = 1; for
 * 1 < k < T the two truncations differ. */
START_TEST(test_chunked_vs_sliding)
{
	const shape *s = &shapes[3];   /* T = 30, with a mask */
	tcase_data c;
	if (!case_setup(&c, _i, s, s->mask, 500))
		return;
	const bt_model *mod = c.mod;
	const size_t P = mod->nparams, TX = s->T * s->d;
	double *g0 = calloc(P, sizeof(double)), *x0 = calloc(TX, sizeof(double));
	double *g = calloc(P, sizeof(double)), *x = calloc(TX, sizeof(double));
	double *gs = calloc(P, sizeof(double)), *xs = calloc(TX, sizeof(double));
	ck_assert(g0 && x0 && g && x && gs && xs);
	ck_assert_int_eq(tu_gradient_seq(mod, c.data, NULL, g0, x0), BT_OK);
	const size_t big[3] = {s->T, s->T + 1, 5 * s->T};
	for (int j = 0; j < 3; j++) {
		lib_chunked(mod, c.data, big[j], g, x);
		ck_assert_msg(memcmp(g, g0, P * sizeof(double)) == 0 &&
			      memcmp(x, x0, TX * sizeof(double)) == 0,
			      "%s: chunks of %zu ≥ T differ from full BPTT",
			      c.label, big[j]);
	}
	lib_chunked(mod, c.data, 1, g, x);
	ck_assert_int_eq(bt_gradient(mod, c.data, 1, NULL, gs, xs), BT_OK);
	ck_assert_msg(vec_err(g, gs, P) <= 1e-13 && vec_err(x, xs, TX) <= 1e-13,
		      "%s: k = 1: chunked and sliding differ", c.label);
	const size_t mid[3] = {2, 3, 7};
	for (int j = 0; j < 3; j++) {
		lib_chunked(mod, c.data, mid[j], g, x);
		ck_assert_int_eq(bt_gradient(mod, c.data, mid[j], NULL, gs, xs), BT_OK);
		double e = vec_err(g, gs, P);
		ck_assert_msg(e > 1e-6, "%s: k = %zu: chunked equals sliding "
			      "(rel. difference %g)", c.label, mid[j], e);
		/* chunks lose more than windows: each term keeps at most k steps */
		double ec = vec_err(g, g0, P), es = vec_err(gs, g0, P);
		ck_assert_msg(ec > es, "%s: k = %zu: chunked is closer to full "
			      "BPTT (%g) than sliding (%g)", c.label, mid[j], ec, es);
	}
	free(g0); free(x0); free(g); free(x); free(gs); free(xs);
	case_teardown(&c);
}
END_TEST

/* ==== any model: relative error and cosine ===================================== */

/* Plain-loop ‖u − v‖/‖v‖ and cos(u, v) in long double. */
static void direct_compare(const double *u, const double *v, size_t P,
			   double *rel, double *cosine)
{
	long double dd = 0, vv = 0, uu = 0, uv = 0;
	for (size_t i = 0; i < P; i++) {
		long double a = u[i], b = v[i];
		dd += (a - b) * (a - b);
		vv += b * b;
		uu += a * a;
		uv += a * b;
	}
	*rel = (double)sqrtl(dd / vv);
	*cosine = (double)(uv / sqrtl(uu * vv));
}

static void direct_mean_se(const double *x, size_t N, double *mean, double *se)
{
	long double m = 0, ss = 0;
	for (size_t i = 0; i < N; i++)
		m += x[i];
	m /= N;
	for (size_t i = 0; i < N; i++)
		ss += (x[i] - m) * (x[i] - m);
	*mean = (double)m;
	*se = (double)sqrtl(ss / (N - 1) / N);
}

static int close_to(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(1e-300, fmax(fabs(a), fabs(b)));
}

START_TEST(test_model_against_direct)
{
	const shape *s = &shapes[2];   /* T = 11 */
	tcase_data c;
	if (!case_setup(&c, _i, s, s->mask, 600))
		return;
	const bt_model *mod = c.mod;
	enum { ND = 3, NK = 4 };
	const size_t ks[NK] = {1, 2, 3, 6};
	bt_data *D[ND];
	for (int i = 0; i < ND; i++)
		D[i] = tu_data(s->T + (size_t)i, s->d, s->m, 0, 77 + 13 * (unsigned long)i);
	bt_bias_result *r;
	ck_assert_int_eq(bt_bias_alloc(&r, ks, NK, ND), BT_OK);
	ck_assert_int_eq(bt_bias_model(mod, (const bt_data *const *)D, r), BT_OK);
	const size_t P = mod->nparams;
	double *g0 = malloc(P * sizeof(double)), *g = malloc(P * sizeof(double));
	ck_assert(g0 && g);
	for (int h = 0; h < BT_TRUNC_METHODS; h++)
		for (int j = 0; j < NK; j++) {
			double rel[ND], cs[ND];
			for (int i = 0; i < ND; i++) {
				ck_assert_int_eq(tu_gradient_seq(mod, D[i], NULL, g0, NULL), BT_OK);
				if (h == BT_TRUNC_SLIDING)
					ck_assert_int_eq(bt_gradient(mod, D[i], ks[j], NULL, g, NULL), BT_OK);
				else
					ck_assert_int_eq(bt_gradient_chunked(mod, D[i], ks[j], NULL, g, NULL), BT_OK);
				direct_compare(g, g0, P, &rel[i], &cs[i]);
				double lr = r->rel[h][(size_t)j * ND + (size_t)i];
				double lc = r->cos[h][(size_t)j * ND + (size_t)i];
				ck_assert_msg(close_to(lr, rel[i], 1e-12),
					      "%s method %d k=%zu set %d: rel_error %.17g, "
					      "direct %.17g", c.label, h, ks[j], i, lr, rel[i]);
				ck_assert_msg(fabs(lc - cs[i]) <= 1e-14,
					      "%s method %d k=%zu set %d: cosine %.17g, "
					      "direct %.17g", c.label, h, ks[j], i, lc, cs[i]);
				ck_assert_msg(lr > 0 && lc <= 1, "%s method %d k=%zu: rel %g (k < T)", c.label, h, ks[j], lr);
			}
			double m, se;
			direct_mean_se(rel, ND, &m, &se);
			ck_assert(close_to(r->rel_mean[h][j], m, 1e-12));
			ck_assert(close_to(r->rel_se[h][j], se, 1e-9));
			direct_mean_se(cs, ND, &m, &se);
			ck_assert(close_to(r->cos_mean[h][j], m, 1e-14));
			ck_assert_msg(fabs(r->cos_se[h][j] - se) <= 1e-12 * fmax(se, 1e-3),
				      "%s: cosine se %.17g, direct %.17g", c.label,
				      r->cos_se[h][j], se);
		}
	/* the two methods agree at k = 1 and differ at k = 3 */
	ck_assert(close_to(r->rel_mean[0][0], r->rel_mean[1][0], 1e-12));
	ck_assert(!close_to(r->rel_mean[0][2], r->rel_mean[1][2], 1e-4));
	free(g0);
	free(g);
	bt_bias_free(r);
	for (int i = 0; i < ND; i++)
		bt_data_free(D[i]);
	case_teardown(&c);
}
END_TEST

/* k ≥ T: relative error exactly 0 and cosine exactly 1, both methods. */
START_TEST(test_model_k_ge_T)
{
	const shape *s = &shapes[3];   /* T = 30, mask */
	tcase_data c;
	if (!case_setup(&c, _i, s, s->mask, 700))
		return;
	enum { ND = 2, NK = 3 };
	const size_t ks[NK] = {30, 31, 1000};
	/* with the mask (first and last terms out) and without */
	bt_data *plain = tu_data(s->T, s->d, s->m, 0, 701);
	const bt_data *D[ND] = {c.data, plain};
	bt_bias_result *r;
	ck_assert_int_eq(bt_bias_alloc(&r, ks, NK, ND), BT_OK);
	ck_assert_int_eq(bt_bias_model(c.mod, D, r), BT_OK);
	for (int h = 0; h < BT_TRUNC_METHODS; h++)
		for (size_t j = 0; j < NK; j++) {
			for (size_t i = 0; i < ND; i++) {
				ck_assert_msg(r->rel[h][j * ND + i] == 0.0,
					      "%s method %d k=%zu: rel_error %.17g",
					      c.label, h, ks[j], r->rel[h][j * ND + i]);
				ck_assert_msg(r->cos[h][j * ND + i] == 1.0,
					      "%s method %d k=%zu: cosine 1 - %.3g",
					      c.label, h, ks[j], 1 - r->cos[h][j * ND + i]);
			}
			ck_assert(r->rel_mean[h][j] == 0.0 && r->rel_se[h][j] == 0.0);
			ck_assert(r->cos_mean[h][j] == 1.0 && r->cos_se[h][j] == 0.0);
		}
	bt_bias_free(r);
	bt_data_free(plain);
	case_teardown(&c);
}
END_TEST

START_TEST(test_model_refusals)
{
	bt_bias_result *r = (bt_bias_result *)1;
	const size_t k0[2] = {3, 0}, k1[1] = {2};
	ck_assert_int_eq(bt_bias_alloc(&r, k0, 2, 1), BT_EINVAL);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(bt_bias_alloc(&r, k1, 0, 1), BT_EINVAL);
	ck_assert_int_eq(bt_bias_alloc(&r, k1, 1, 0), BT_EINVAL);
	bt_bias_free(NULL);
	/* data that does not fit the model */
	bt_model *m = tu_model("gru", BT_ACT_TANH, 3, 4, 2, 0.5, 5);
	bt_data *d = tu_data(6, 2, 2, 0, 6);
	const bt_data *D[1] = {d};
	ck_assert_int_eq(bt_bias_alloc(&r, k1, 1, 1), BT_OK);
	ck_assert_int_eq(bt_bias_model(m, D, r), BT_EINVAL);
	bt_bias_free(r);
	bt_data_free(d);
	bt_model_free(m);
}
END_TEST

/* ==== the scalar model ============================================================ */

static double closed(double a, double b, double s, int k)
{
	return -pow(a, 2 * k + 1) * b * b * s * s / ((1 - a * a) * (1 - a * a));
}

static const double sc_a[] = {0.6, -0.75};

START_TEST(test_scalar_monte_carlo)
{
	const double a = sc_a[_i], b = 0.7, s = 1.3;
	enum { KMAX = 3 };
	const size_t T = 1000, N = 150;
	size_t burn = bt_bias_scalar_burn_in(a, KMAX);
	/* a^{2(burn−k)} ≤ 1e-12 */
	ck_assert(pow(fabs(a), 2.0 * (double)(burn - KMAX)) <= 1.01e-12);
	for (int k = 1; k <= KMAX; k++) {
		bt_bias_scalar_result r;
		ck_assert_int_eq(bt_bias_scalar(a, b, s, (size_t)k, T, burn, N,
						4242 + (unsigned long)_i, &r), BT_OK);
		double want = closed(a, b, s, k);
		ck_assert_msg(close_to(r.closed_form, want, 1e-14),
			      "a=%g k=%d: closed_form %.17g, want %.17g", a, k,
			      r.closed_form, want);
		ck_assert_int_eq(r.sequences, N);
		ck_assert(r.std_error > 0);
		ck_assert_msg(fabs(r.monte_carlo - want) <= 4 * r.std_error,
			      "a=%g k=%d: Monte Carlo %.6g ± %.3g, closed form %.6g "
			      "(%.1f standard errors)", a, k, r.monte_carlo,
			      r.std_error, want, fabs(r.monte_carlo - want) / r.std_error);
		/* the sample tells k from k ± 1 */
		double up = fabs(want - closed(a, b, s, k + 1)) / 2;
		ck_assert_msg(4 * r.std_error < up, "a=%g k=%d: 4·stderr %.3g ≥ "
			      "half the gap to k+1, %.3g", a, k, 4 * r.std_error, up);
		if (k > 1) {
			double down = fabs(want - closed(a, b, s, k - 1)) / 2;
			ck_assert(4 * r.std_error < down);
		}
	}
}
END_TEST

/* Cases where the estimate is known exactly. T = 1, k = 1: the only term's
 * full and truncated gradients with respect to a are both h_1·h_0 = 0. */
START_TEST(test_scalar_exact_cases)
{
	bt_bias_scalar_result r;
	ck_assert_int_eq(bt_bias_scalar(0.8, 1.1, 0.9, 1, 1, 0, 5, 3, &r), BT_OK);
	ck_assert(r.monte_carlo == 0.0 && r.std_error == 0.0);
	/* k ≥ burn + T: truncation is full BPTT, the difference exactly 0 */
	ck_assert_int_eq(bt_bias_scalar(0.9, 1.1, 0.9, 60, 40, 20, 7, 3, &r), BT_OK);
	ck_assert(r.monte_carlo == 0.0 && r.std_error == 0.0);
	ck_assert(r.closed_form < 0 && r.closed_form > -1e-4);
	/* a = 0: no memory, no bias */
	ck_assert_int_eq(bt_bias_scalar(0.0, 1.1, 0.9, 1, 50, 0, 4, 3, &r), BT_OK);
	ck_assert(r.closed_form == 0.0);
	ck_assert_msg(fabs(r.monte_carlo) <= 1e-15, "a = 0: Monte Carlo %g", r.monte_carlo);
	/* By hand, with a burn-in: burn = 4, T = 5, k = 2. For the term at t,
	 * ∂ℓ_t/∂a = h_t Σ_{j<t} a^j h_{t-1-j} and the window keeps j < k, so
	 * g_k − g_full = −Σ_{t>burn} h_t Σ_{k≤j<t} a^j h_{t-1-j}; per counted
	 * step: ÷ T. */
	{
		const double a = 0.7, b = 1.3, s = 0.8;
		enum { BURN = 4, TC = 5, K = 2, LEN = BURN + TC, N = 6 };
		ck_assert_int_eq(bt_bias_scalar(a, b, s, K, TC, BURN, N, 99, &r), BT_OK);
		gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(rng, 99);
		double d[N], mean = 0;
		for (size_t i = 0; i < N; i++) {
			double h[LEN + 1];
			h[0] = 0;
			for (int t = 1; t <= LEN; t++)
				h[t] = a * h[t - 1] + b * gsl_ran_gaussian_ziggurat(rng, s);
			double lost = 0;
			for (int t = BURN + 1; t <= LEN; t++)
				for (int jj = K; jj < t; jj++)
					lost += h[t] * pow(a, jj) * h[t - 1 - jj];
			d[i] = -lost / TC;
			mean += d[i] / N;
		}
		gsl_rng_free(rng);
		double ss = 0;
		for (size_t i = 0; i < N; i++)
			ss += (d[i] - mean) * (d[i] - mean);
		double se = sqrt(ss / (N - 1) / N);
		ck_assert_msg(close_to(r.monte_carlo, mean, 1e-12),
			      "by hand: Monte Carlo %.17g, want %.17g", r.monte_carlo, mean);
		ck_assert_msg(close_to(r.std_error, se, 1e-10),
			      "by hand: stderr %.17g, want %.17g", r.std_error, se);
		ck_assert_int_eq(r.sequences, N);
	}
}
END_TEST

START_TEST(test_scalar_seeds)
{
	bt_bias_scalar_result r1, r2, r3;
	ck_assert_int_eq(bt_bias_scalar(0.55, 0.9, 1.2, 2, 200, 30, 10, 17, &r1), BT_OK);
	ck_assert_int_eq(bt_bias_scalar(0.55, 0.9, 1.2, 2, 200, 30, 10, 17, &r2), BT_OK);
	ck_assert_int_eq(bt_bias_scalar(0.55, 0.9, 1.2, 2, 200, 30, 10, 18, &r3), BT_OK);
	ck_assert(memcmp(&r1, &r2, sizeof r1) == 0);
	ck_assert(r1.monte_carlo != r3.monte_carlo);
}
END_TEST

START_TEST(test_scalar_refusals)
{
	bt_bias_scalar_result r;
	ck_assert_int_eq(bt_bias_scalar(1.0, 1, 1, 1, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(-1.2, 1, 1, 1, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(NAN, 1, 1, 1, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, INFINITY, 1, 1, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, -1, 1, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, 1, 0, 10, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, 1, 1, 0, 5, 4, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, 1, 1, 10, 5, 1, 1, &r), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, 1, 1, 10, 5, 4, 1, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_bias_scalar(0.5, 1, 1, 1, (size_t)BT_MAX_T, 5, 4, 1, &r), BT_EINVAL);
	/* the burn-in grows with k and with |a| → 1 */
	ck_assert(bt_bias_scalar_burn_in(0.5, 3) == 3 + 20);   /* 0.25^20 < 1e-12 < 0.25^19 */
	ck_assert(bt_bias_scalar_burn_in(-0.5, 3) == 23);
	ck_assert(bt_bias_scalar_burn_in(0.0, 4) == 4);
	ck_assert(bt_bias_scalar_burn_in(0.99, 1) > 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bias");
	TCase *tc = tcase_create("chunked");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_chunked_reference, 0, NLOOP);
	tcase_add_loop_test(tc, test_chunked_per_term, 0, NLOOP);
	tcase_add_loop_test(tc, test_chunked_vs_sliding, 0, NLOOP);
	suite_add_tcase(s, tc);
	TCase *tm = tcase_create("model");
	tcase_set_timeout(tm, 120);
	tcase_add_loop_test(tm, test_model_against_direct, 0, NLOOP);
	tcase_add_loop_test(tm, test_model_k_ge_T, 0, NLOOP);
	tcase_add_test(tm, test_model_refusals);
	suite_add_tcase(s, tm);
	TCase *ts = tcase_create("scalar");
	tcase_set_timeout(ts, 120);
	tcase_add_loop_test(ts, test_scalar_monte_carlo, 0,
			    (int)(sizeof sc_a / sizeof sc_a[0]));
	tcase_add_test(ts, test_scalar_exact_cases);
	tcase_add_test(ts, test_scalar_seeds);
	tcase_add_test(ts, test_scalar_refusals);
	suite_add_tcase(s, ts);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
