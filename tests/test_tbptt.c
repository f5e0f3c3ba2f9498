/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_tbptt.c — truncated BPTT (--truncate k) against a brute-force
 * reference, the lag structure of ∂L/∂x under truncation, and the spec's
 * closed-form bias of the scalar linear model.
 *
 * The reference below is the same independent one as in test_grad.c
 * (plain C loops from the spec's equations, parameters read only through
 * the block layout). Its truncated gradient is the slow obvious one: for
 * every loss term t separately, back through h_t, …, h_{t-k+1} only, with
 * h_{t-k} a constant. Here it is itself checked against finite differences
 * of a windowed loss: ℓ_t recomputed from h_{t-k} held at its value.
 */
#include "reference.h"
static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, 0, 0.9},
	{"n=1", 7, 2, 1, 3, 0, 0.9},
	{"d=1", 6, 1, 4, 2, 0, 0.9},
	{"m=1", 6, 3, 4, 1, 0, 0.9},
	{"d3n5m2", 9, 3, 5, 2, 0, 0.9},
	{"mask", 11, 2, 3, 2, 1, 0.9},
	{"T=40", 40, 2, 3, 2, 1, 0.9},
	{"T=150", 150, 2, 3, 2, 0, 0.6},
	{"wide", 12, 7, 13, 5, 1, 0.9},
};

/* ℓ_t with h_{t-k} held at its value in the base pass: runs steps
 * s = t-k+1 … t (from 1 when t ≤ k) with parameters th and inputs X, then
 * the readout. *kink is set when a relu pre-activation changed sign against
 * the base pass. h is scratch of 2n doubles. */
static double ref_window_loss(const ref_model *r, const double *th,
			      const double *X, const bt_data *D,
			      const ref_fwd *base, size_t t, size_t k,
			      double *h, int *kink)
{
	const size_t n = r->n, d = r->d, m = r->m;
	const double *W = th + r->oW, *U = th + r->oU, *b = th + r->ob;
	const double *V = th + r->oV, *by = th + r->oby;
	size_t s0 = t > k ? t - k + 1 : 1;
	double *hp = h, *hc = h + n;
	memcpy(hp, base->H + (s0 - 1) * n, n * sizeof(double)); /* constant */
	for (size_t s = s0; s <= t; s++) {
		const double *x = X + (s - 1) * d;
		for (size_t i = 0; i < n; i++) {
			double a = b[i];
			for (size_t j = 0; j < n; j++)
				a += W[i * n + j] * hp[j];
			for (size_t j = 0; j < d; j++)
				a += U[i * d + j] * x[j];
			if (r->act == BT_ACT_RELU &&
			    (a > 0) != (base->A[(s - 1) * n + i] > 0))
				*kink = 1;
			hc[i] = (r->residual ? hp[i] : 0.0) + ref_phi(r->act, a);
		}
		double *tmp = hp;
		hp = hc;
		hc = tmp;
	}
	double mu = mask_at(D, t), l = 0;
	for (size_t i = 0; i < m; i++) {
		double y = by[i];
		for (size_t j = 0; j < n; j++)
			y += V[i * n + j] * hp[j];
		double diff = y - D->Y[(t - 1) * m + i];
		l += 0.5 * diff * diff;
	}
	return mu * l;
}

/* Σ_t ℓ_t under the window k. */
static double ref_window_sum(const ref_model *r, const double *th,
			     const double *X, const bt_data *D,
			     const ref_fwd *base, size_t k, double *h, int *kink)
{
	double L = 0;
	for (size_t t = 1; t <= D->T; t++)
		L += ref_window_loss(r, th, X, D, base, t, k, h, kink);
	return L;
}

/* Library gradients with truncation k, in the library layout. */
static void lib_gradient(const tcase_data *c, size_t k, double *L, double *g,
			 double *dX)
{
	int st = bt_gradient(c->mod, c->data, k, L, g, dX);
	ck_assert_msg(st == BT_OK, "%s: bt_gradient(k=%zu) returned %d",
		      c->label, k, st);
}

/* The k values to try on length T: 1, 2, 3, T-1 (those ≥ 1, < T, distinct). */
static size_t ks_for(size_t T, size_t ks[4])
{
	size_t cand[4] = {1, 2, 3, T - 1}, nk = 0;
	for (int i = 0; i < 4; i++) {
		if (T < 2 || cand[i] < 1 || cand[i] >= T)
			continue;
		int dup = 0;
		for (size_t j = 0; j < nk; j++)
			dup |= ks[j] == cand[i];
		if (!dup)
			ks[nk++] = cand[i];
	}
	return nk;
}

/* ==== tests ================================================================ */

#define NLOOP ((int)bt_cell_count() * 4)

/* k ≥ T is full BPTT: same gradient (to 1e-14 per block) and same loss. */
START_TEST(test_truncate_ge_T_is_full)
{
	for (size_t si = 0; si < NSHAPES; si++) {
		const shape *s = &shapes[si];
		tcase_data c;
		if (!case_setup(&c, _i, s, s->mask, 100 + si))
			return;
		const bt_model *mod = c.mod;
		size_t TX = s->T * s->d;
		double *g0 = calloc(mod->nparams, sizeof(double));
		double *x0 = calloc(TX, sizeof(double));
		double *g = calloc(mod->nparams, sizeof(double));
		double *x = calloc(TX, sizeof(double));
		ck_assert(g0 && x0 && g && x);
		double L0 = NAN;
		/* full BPTT one sequence at a time, the path truncation shares
		 * (bt_gradient's own full BPTT takes the batched kernels) */
		ck_assert_int_eq(tu_gradient_seq(mod, c.data, &L0, g0, x0), BT_OK);
		const size_t kk[3] = {s->T, s->T + 1, 3 * s->T + 7};
		for (int j = 0; j < 3; j++) {
			double L = NAN;
			lib_gradient(&c, kk[j], &L, g, x);
			ck_assert_msg(L == L0, "%s: k=%zu: loss %.17g, full %.17g",
				      c.label, kk[j], L, L0);
			for (size_t i = 0; i < mod->nblocks; i++) {
				double e = block_err(mod, g, g0, i);
				ck_assert_msg(e <= 1e-14,
					      "%s: k=%zu ≥ T: block %s differs "
					      "from full BPTT by %g", c.label,
					      kk[j], mod->blocks[i].name, e);
			}
			double e = vec_err(x, x0, TX);
			ck_assert_msg(e <= 1e-14, "%s: k=%zu ≥ T: dX differs from "
				      "full BPTT by %g", c.label, kk[j], e);
		}
		free(g0);
		free(x0);
		free(g);
		free(x);
		case_teardown(&c);
	}
}
END_TEST

/* The library's truncated gradient equals the brute-force per-term one for
 * k = 1, 2, 3, T-1; the loss is the full forward loss whatever k. */
START_TEST(test_truncated_matches_bruteforce)
{
	for (size_t si = 0; si < NSHAPES; si++) {
		const shape *s = &shapes[si];
		tcase_data c;
		if (!case_setup(&c, _i, s, s->mask, 200 + si))
			return;
		if (!c.has_ref) {
			case_teardown(&c);
			continue;
		}
		const bt_model *mod = c.mod;
		size_t TX = s->T * s->d;
		double *g = calloc(mod->nparams, sizeof(double));
		double *x = calloc(TX, sizeof(double));
		double *gm = calloc(c.r.P, sizeof(double));
		double *gr = calloc(mod->nparams, sizeof(double));
		double *xr = calloc(TX, sizeof(double));
		ck_assert(g && x && gm && gr && xr);
		double L0 = NAN, Lloss = NAN;
		lib_gradient(&c, 0, &L0, g, x);
		ck_assert_int_eq(bt_loss(mod, c.data, &Lloss), BT_OK);
		ck_assert_msg(fabs(L0 - c.f->loss) <= 1e-12 * fabs(c.f->loss),
			      "%s: loss %.17g, reference %.17g", c.label, L0,
			      c.f->loss);
		size_t ks[4], nk = ks_for(s->T, ks);
		for (size_t j = 0; j < nk; j++) {
			size_t k = ks[j];
			double L = NAN;
			lib_gradient(&c, k, &L, g, x);
			/* full BPTT (L0) takes the batched kernels: the same
			 * forward loss to rounding; bt_loss the same code */
			ck_assert_msg(fabs(L - L0) <= 1e-13 * fabs(L0) && L == Lloss,
				      "%s: k=%zu: loss %.17g, full BPTT's %.17g, "
				      "bt_loss %.17g", c.label, k, L, L0, Lloss);
			ref_backward_truncated(&c.r, c.th, c.data->X, c.data, c.f,
					       k, gm, xr);
			memset(gr, 0, mod->nparams * sizeof(double));
			ref_scatter(&c.r, mod, gm, gr);
			for (size_t i = 0; i < mod->nblocks; i++) {
				double e = block_err(mod, g, gr, i);
				ck_assert_msg(e <= 1e-10, "%s: k=%zu: block %s: rel. "
					      "error %g vs brute force", c.label,
					      k, mod->blocks[i].name, e);
			}
			double e = vec_err(x, xr, TX);
			ck_assert_msg(e <= 1e-10, "%s: k=%zu: dX: rel. error %g vs "
				      "brute force", c.label, k, e);
		}
		free(g);
		free(x);
		free(gm);
		free(gr);
		free(xr);
		case_teardown(&c);
	}
}
END_TEST

/* The brute-force reference against central differences of the windowed
 * loss Σ_t ℓ_t(h_{t-k} held): verifies the reference's truncation. */
START_TEST(test_bruteforce_matches_windowed_fd)
{
	for (size_t si = 0; si < NSHAPES; si++) {
		const shape *s = &shapes[si];
		if (s->T > 60 || s->n > 8)
			continue;   /* O(P·T·k) forward steps; the small ones do */
		tcase_data c;
		if (!case_setup(&c, _i, s, s->mask, 300 + si))
			return;
		if (!c.has_ref) {
			case_teardown(&c);
			continue;
		}
		const ref_model *r = &c.r;
		const bt_data *D = c.data;
		size_t TX = s->T * s->d;
		double *gm = calloc(r->P, sizeof(double));
		double *xr = calloc(TX, sizeof(double));
		double *th = malloc(r->P * sizeof(double));
		double *X = malloc(TX * sizeof(double));
		double *h = malloc(2 * r->n * sizeof(double));
		ck_assert(gm && xr && th && X && h);
		size_t ks[4], nk = ks_for(s->T, ks);
		double atol = 1e-8 * fmax(1.0, fabs(c.f->loss));
		size_t checked = 0, skipped = 0;
		memcpy(th, c.th, r->P * sizeof(double));
		memcpy(X, D->X, TX * sizeof(double));
		for (size_t j = 0; j < nk; j++) {
			size_t k = ks[j];
			int kink = 0;
			double Lw = ref_window_sum(r, th, X, D, c.f, k, h, &kink);
			ck_assert_msg(fabs(Lw - c.f->loss) <= 1e-12 * c.f->loss,
				      "%s: windowed loss %g, loss %g", c.label,
				      Lw, c.f->loss);
			ref_backward_truncated(r, c.th, D->X, D, c.f, k, gm, xr);
			for (size_t i = 0; i < r->P + TX; i++) {
				double *p = i < r->P ? th + i : X + (i - r->P);
				double g = i < r->P ? gm[i] : xr[i - r->P];
				double v = *p, step = 6e-6 * fmax(1.0, fabs(v));
				double tp = v + step, tm = v - step;
				kink = 0;
				*p = tp;
				double Lp = ref_window_sum(r, th, X, D, c.f, k, h, &kink);
				*p = tm;
				double Lm = ref_window_sum(r, th, X, D, c.f, k, h, &kink);
				*p = v;
				if (kink) {
					skipped++;
					continue;
				}
				double f = (Lp - Lm) / (tp - tm);
				double tol = 1e-6 * fmax(fabs(g), fabs(f)) + atol;
				ck_assert_msg(fabs(g - f) <= tol,
					      "%s: k=%zu: %s[%zu]: brute force %.12g, "
					      "windowed finite difference %.12g",
					      c.label, k, i < r->P ? "theta" : "X",
					      i < r->P ? i : i - r->P, g, f);
				checked++;
			}
		}
		ck_assert_msg(skipped * 50 <= checked + skipped,
			      "%s: %zu of %zu entries near a relu kink", c.label,
			      skipped, checked + skipped);
		free(gm);
		free(xr);
		free(th);
		free(X);
		free(h);
		case_teardown(&c);
	}
}
END_TEST

/* Only the last term counts (μ_T = 1, every other μ_t = 0), T = 10: under
 * truncation k, ∂L/∂x_{T−τ} is exactly 0.0 for τ ≥ k and equals the full
 * BPTT value for τ < k. */
START_TEST(test_lag_structure)
{
	static const shape s = {"last-term", 10, 3, 4, 2, 0, 1.1};
	const size_t T = s.T, d = s.d;
	tcase_data c;
	if (!case_setup(&c, _i, &s, 0, 400))
		return;
	if (strcmp(bt_cell_name(c.type), "attention") == 0) {
		/* its scores and context read x_1 … x_t directly: those paths
		 * survive truncation (spec), so the zeros do not hold */
		case_teardown(&c);
		return;
	}
	/* mask: only t = T counts */
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, T, d, s.m, 1), BT_OK);
	memcpy(D->X, c.data->X, T * d * sizeof(double));
	memcpy(D->Y, c.data->Y, T * s.m * sizeof(double));
	for (size_t t = 1; t <= T; t++)
		D->M[t - 1] = t == T ? 1.0 : 0.0;
	const bt_model *mod = c.mod;
	double *g = calloc(mod->nparams, sizeof(double));
	double *g0 = calloc(mod->nparams, sizeof(double));
	double *x = calloc(T * d, sizeof(double));
	double *x0 = calloc(T * d, sizeof(double));
	ck_assert(g && g0 && x && x0);
	double L0 = NAN;
	ck_assert_int_eq(tu_gradient_seq(mod, D, &L0, g0, x0), BT_OK);
	if (c.has_ref) {
		/* the full value itself, by the reference */
		double *gm = calloc(c.r.P, sizeof(double));
		double *xr = calloc(T * d, sizeof(double));
		ck_assert(gm && xr);
		ref_forward(&c.r, c.th, D->X, D, c.f);
		ref_backward_full(&c.r, c.th, D->X, D, c.f, gm, xr);
		ck_assert_msg(vec_err(x0, xr, T * d) <= 1e-10,
			      "%s: full dX vs reference: %g", c.label,
			      vec_err(x0, xr, T * d));
		free(gm);
		free(xr);
	}
	static const size_t ks[3] = {1, 3, 5};
	for (int j = 0; j < 3; j++) {
		size_t k = ks[j];
		double L = NAN, cut = 0;
		ck_assert_int_eq(bt_gradient(mod, D, k, &L, g, x), BT_OK);
		ck_assert(L == L0);
		for (size_t tau = 0; tau < T; tau++) {
			const double *row = x + (T - tau - 1) * d;
			const double *row0 = x0 + (T - tau - 1) * d;
			if (tau >= k) {
				for (size_t i = 0; i < d; i++) {
					ck_assert_msg(row[i] == 0.0,
						      "%s: k=%zu: dL/dx_{T-%zu}[%zu] "
						      "= %g, not 0", c.label, k,
						      tau, i, row[i]);
					cut = fmax(cut, fabs(row0[i]));
				}
			} else {
				double e = vec_err(row, row0, d);
				ck_assert_msg(e <= 1e-12, "%s: k=%zu: dL/dx_{T-%zu} "
					      "differs from full BPTT by %g",
					      c.label, k, tau, e);
			}
		}
		/* truncation did cut something: the full gradient there is
		 * not zero */
		ck_assert_msg(cut > 0, "%s: k=%zu: test setup: full dL/dx is "
			      "zero beyond the window", c.label, k);
	}
	free(g);
	free(g0);
	free(x);
	free(x0);
	bt_data_free(D);
	case_teardown(&c);
}
END_TEST

/* bt_seq_backward_truncated on a workspace longer than the data adds into
 * what grad and dX hold (either may be NULL), and bt_gradient takes NULL
 * outputs under truncation too. */
START_TEST(test_truncated_workspace_adds)
{
	static const shape s = {"workspace", 9, 3, 5, 2, 1, 0.9};
	tcase_data c;
	if (!case_setup(&c, _i, &s, 1, 500))
		return;
	if (!c.has_ref) {
		case_teardown(&c);
		return;
	}
	const bt_model *mod = c.mod;
	const size_t P = mod->nparams, TX = s.T * s.d;
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, s.T + 3), BT_OK);
	double L = NAN;
	ck_assert_int_eq(bt_seq_forward(q, mod, c.data, &L), BT_OK);
	double *gm = calloc(c.r.P, sizeof(double));
	double *gr = calloc(P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *g = malloc(P * sizeof(double));
	double *x = malloc(TX * sizeof(double));
	ck_assert(gm && gr && xr && g && x);
	static const size_t ks[2] = {2, 5};
	for (int j = 0; j < 2; j++) {
		size_t k = ks[j];
		ref_backward_truncated(&c.r, c.th, c.data->X, c.data, c.f, k, gm, xr);
		memset(gr, 0, P * sizeof(double));
		ref_scatter(&c.r, mod, gm, gr);
		for (int pass = 0; pass < 3; pass++) {
			/* 0: both, 1: dX NULL, 2: grad NULL */
			for (size_t i = 0; i < P; i++)
				g[i] = 0.5 + 0.01 * (double)i;
			for (size_t i = 0; i < TX; i++)
				x[i] = -0.3 + 0.02 * (double)i;
			ck_assert_int_eq(bt_seq_backward_truncated(q, mod, c.data, k,
						pass == 2 ? NULL : g,
						pass == 1 ? NULL : x), BT_OK);
			for (size_t i = 0; i < P; i++)
				g[i] -= 0.5 + 0.01 * (double)i;
			for (size_t i = 0; i < TX; i++)
				x[i] -= -0.3 + 0.02 * (double)i;
			if (pass != 2)
				for (size_t i = 0; i < mod->nblocks; i++) {
					double e = block_err(mod, g, gr, i);
					ck_assert_msg(e <= 1e-10, "%s: k=%zu pass %d: "
						      "block %s: rel. error %g",
						      c.label, k, pass,
						      mod->blocks[i].name, e);
				}
			if (pass != 1) {
				double e = vec_err(x, xr, TX);
				ck_assert_msg(e <= 1e-10, "%s: k=%zu pass %d: dX: "
					      "rel. error %g", c.label, k, pass, e);
			}
		}
		double L2 = NAN;
		ck_assert_int_eq(bt_gradient(mod, c.data, k, &L2, g, NULL), BT_OK);
		for (size_t i = 0; i < mod->nblocks; i++)
			ck_assert(block_err(mod, g, gr, i) <= 1e-10);
		ck_assert_int_eq(bt_gradient(mod, c.data, k, &L2, NULL, x), BT_OK);
		ck_assert(vec_err(x, xr, TX) <= 1e-10);
	}
	free(gm);
	free(gr);
	free(xr);
	free(g);
	free(x);
	bt_seq_free(q);
	case_teardown(&c);
}
END_TEST

/* The spec's reference fact. Scalar linear model h_t = a h_{t-1} + b x_t,
 * ℓ_t = ½ h_t² (V = 1, b_y = 0, y = 0), x_t i.i.d. N(0, s²), stationary h:
 * E[g_k − g_full] per step, for the entry W = a, is
 * bias(k) = − a^{2k+1} b² s² / (1 − a²)². Monte Carlo over independent
 * sequences, a burn-in masked out at the start of each. */
static double bias_closed(double a, double b, double s, int k)
{
	return -pow(a, 2 * k + 1) * b * b * s * s / ((1 - a * a) * (1 - a * a));
}

static const double bias_a[] = {0.5, 0.8, -0.7};

START_TEST(test_scalar_bias)
{
	const double a = bias_a[_i], b = 0.7, s = 1.3;
	const size_t burn = 60, counted = 2000, T = burn + counted;
	const size_t nseq = 200;
	enum { KMAX = 3 };
	bt_dims dims = {1, 1, 1};
	bt_model *mod = NULL;
	ck_assert_int_eq(bt_model_alloc(&mod, bt_cell_lookup("linear"), dims,
					BT_ACT_TANH), BT_OK);
	static const char *const names[5] = {"W", "U", "b", "V", "b_y"};
	const double vals[5] = {a, b, 0.0, 1.0, 0.0};
	for (int i = 0; i < 5; i++) {
		int ib = bt_model_find_block(mod, names[i]);
		ck_assert_int_ge(ib, 0);
		gsl_matrix_view v = bt_block_view(mod, mod->theta, (size_t)ib);
		ck_assert(v.matrix.size1 == 1 && v.matrix.size2 == 1);
		gsl_matrix_set(&v.matrix, 0, 0, vals[i]);
	}
	size_t iW = (size_t)bt_model_find_block(mod, "W");
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, T, 1, 1, 1), BT_OK);
	for (size_t t = 1; t <= T; t++) {
		D->Y[t - 1] = 0.0;
		D->M[t - 1] = t <= burn ? 0.0 : 1.0;
	}
	double *g0 = calloc(mod->nparams, sizeof(double));
	double *g = calloc(mod->nparams, sizeof(double));
	double *x0 = calloc(T, sizeof(double));
	double *x = calloc(T, sizeof(double));
	ck_assert(g0 && g && x0 && x);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 20240611UL + (unsigned long)_i);
	double sum[KMAX + 1] = {0}, sumsq[KMAX + 1] = {0};
	for (size_t q = 0; q < nseq; q++) {
		for (size_t t = 0; t < T; t++)
			D->X[t] = gsl_ran_gaussian(rng, s);
		double L0 = NAN;
		ck_assert_int_eq(tu_gradient_seq(mod, D, &L0, g0, x0), BT_OK);
		gsl_matrix_view v0 = bt_block_view(mod, g0, iW);
		double gW0 = gsl_matrix_get(&v0.matrix, 0, 0);
		for (int k = 1; k <= KMAX; k++) {
			double L = NAN;
			ck_assert_int_eq(bt_gradient(mod, D, (size_t)k, &L, g, x),
					 BT_OK);
			ck_assert(L == L0);
			gsl_matrix_view vk = bt_block_view(mod, g, iW);
			double gW = gsl_matrix_get(&vk.matrix, 0, 0);
			double per_step = (gW - gW0) / (double)counted;
			sum[k] += per_step;
			sumsq[k] += per_step * per_step;
		}
	}
	for (int k = 1; k <= KMAX; k++) {
		double mean = sum[k] / (double)nseq;
		double var = (sumsq[k] - nseq * mean * mean) / (double)(nseq - 1);
		double se = sqrt(var / (double)nseq);
		double want = bias_closed(a, b, s, k);
		ck_assert_msg(fabs(mean - want) <= 4 * se,
			      "a=%g k=%d: Monte Carlo bias %.6g ± %.3g, closed form "
			      "%.6g (%.1f standard errors)", a, k, mean, se, want,
			      fabs(mean - want) / se);
		/* the sample tells k from its neighbours */
		double up = fabs(want - bias_closed(a, b, s, k + 1)) / 2;
		ck_assert_msg(4 * se < up, "a=%g k=%d: 4·stderr %.3g ≥ half the gap "
			      "to k+1, %.3g: sample too small", a, k, 4 * se, up);
		if (k > 1) {
			double down = fabs(want - bias_closed(a, b, s, k - 1)) / 2;
			ck_assert_msg(4 * se < down, "a=%g k=%d: 4·stderr %.3g ≥ half "
				      "the gap to k-1, %.3g", a, k, 4 * se, down);
		}
	}
	gsl_rng_free(rng);
	free(g0);
	free(g);
	free(x0);
	free(x);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

static Suite *tbptt_suite(void)
{
	Suite *s = suite_create("tbptt");
	TCase *tc = tcase_create("truncation");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_truncate_ge_T_is_full, 0, NLOOP);
	tcase_add_loop_test(tc, test_truncated_matches_bruteforce, 0, NLOOP);
	tcase_add_loop_test(tc, test_bruteforce_matches_windowed_fd, 0, NLOOP);
	tcase_add_loop_test(tc, test_lag_structure, 0, NLOOP);
	tcase_add_loop_test(tc, test_truncated_workspace_adds, 0, NLOOP);
	suite_add_tcase(s, tc);

	TCase *tb = tcase_create("bias");
	tcase_set_timeout(tb, 120);
	tcase_add_loop_test(tb, test_scalar_bias, 0,
			    (int)(sizeof bias_a / sizeof bias_a[0]));
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tbptt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
