/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_train.c — training: the optimizers' steps against hand
 * computations from their formulas, clipping inside the loop, TBPTT(k1, k2)
 * against full BPTT, the sliding window and a per-term brute force, ARTBP's
 * unbiasedness (and plain random truncation's bias) on the scalar linear
 * model, and the loop itself (update rule, repeatability, cancelling).
 *
 * Expected values never come from the code under test: the optimizers'
 * from the formulas written out here, the estimators' from bt_gradient
 * (full and sliding window, tested in test_grad and test_tbptt against an
 * independent reference), the loop's from bt_gradient and hand updates. */
#define _DEFAULT_SOURCE
#include "memcount.h"
#include "testutil.h"

/* ==== optimizers ========================================================= */

static const double theta0[3] = {0.37, -1.21, 2.05};
static const double g1[3] = {0.53, -0.017, -2.4};
static const double g2[3] = {-0.29, 0.61, -1.3};

static void check_vec(const char *what, const double *got, const double *want,
		      size_t N)
{
	for (size_t i = 0; i < N; i++)
		ck_assert_msg(fabs(got[i] - want[i]) <= 1e-15 * fmax(1, fabs(want[i])),
			      "%s: entry %zu is %.17g, want %.17g", what, i, got[i], want[i]);
}

static void run_steps(const bt_optimizer_type *type, const bt_optimizer_options *o,
		      int nsteps, double *theta)
{
	bt_optimizer *opt;
	ck_assert_int_eq(bt_optimizer_alloc(&opt, type, 3, o), BT_OK);
	memcpy(theta, theta0, sizeof theta0);
	ck_assert_int_eq(bt_optimizer_step(opt, theta, g1), BT_OK);
	if (nsteps > 1)
		ck_assert_int_eq(bt_optimizer_step(opt, theta, g2), BT_OK);
	bt_optimizer_free(opt);
}

START_TEST(test_sgd_step)
{
	bt_optimizer_options o;
	bt_optimizer_options_default(&o, bt_optimizer_sgd);
	ck_assert(o.lr == 0.01 && o.momentum == 0);
	o.lr = 0.3;
	double th[3];
	run_steps(bt_optimizer_sgd, &o, 1, th);
	/* θ − η g */
	const double want[3] = {0.37 - 0.3 * 0.53, -1.21 - 0.3 * -0.017, 2.05 - 0.3 * -2.4};
	check_vec("sgd", th, want, 3);
}
END_TEST

START_TEST(test_momentum_steps)
{
	bt_optimizer_options o;
	bt_optimizer_options_default(&o, bt_optimizer_sgd);
	o.lr = 0.3;
	o.momentum = 0.85;
	double th[3], want[3];
	run_steps(bt_optimizer_sgd, &o, 2, th);
	/* v1 = g1, θ1 = θ0 − η g1; v2 = μ g1 + g2, θ2 = θ1 − η v2 */
	for (int i = 0; i < 3; i++)
		want[i] = theta0[i] - 0.3 * g1[i] - 0.3 * (0.85 * g1[i] + g2[i]);
	check_vec("momentum", th, want, 3);
	/* Nesterov: θ1 = θ0 − η (g1 + μ g1); θ2 = θ1 − η (g2 + μ (μ g1 + g2)) */
	o.nesterov = 1;
	run_steps(bt_optimizer_sgd, &o, 2, th);
	for (int i = 0; i < 3; i++)
		want[i] = theta0[i] - 0.3 * (g1[i] + 0.85 * g1[i]) -
			  0.3 * (g2[i] + 0.85 * (0.85 * g1[i] + g2[i]));
	check_vec("nesterov", th, want, 3);
}
END_TEST

START_TEST(test_adam_steps)
{
	bt_optimizer_options o;
	bt_optimizer_options_default(&o, bt_optimizer_adam);
	ck_assert(o.lr == 1e-3 && o.beta1 == 0.9 && o.beta2 == 0.999 && o.eps == 1e-8);
	o.lr = 0.05;
	o.eps = 1e-3;   /* large enough to show in the result */
	double th[3], want[3];
	run_steps(bt_optimizer_adam, &o, 2, th);
	for (int i = 0; i < 3; i++) {
		/* step 1: m = 0.1 g1, v = 0.001 g1², m̂ = m/0.1, v̂ = v/0.001 */
		double m = 0.1 * g1[i], v = 0.001 * g1[i] * g1[i];
		double t1 = theta0[i] - 0.05 * (m / 0.1) / (sqrt(v / 0.001) + 1e-3);
		/* step 2: m = 0.9 m + 0.1 g2, v = 0.999 v + 0.001 g2²,
		 * m̂ = m/(1 − 0.81), v̂ = v/(1 − 0.998001) */
		m = 0.9 * m + 0.1 * g2[i];
		v = 0.999 * v + 0.001 * g2[i] * g2[i];
		want[i] = t1 - 0.05 * (m / 0.19) / (sqrt(v / 0.001999) + 1e-3);
	}
	for (int i = 0; i < 3; i++)
		ck_assert_msg(fabs(th[i] - want[i]) <= 1e-13 * fabs(want[i]),
			      "adam: entry %d is %.17g, want %.17g", i, th[i], want[i]);
}
END_TEST

START_TEST(test_optimizer_refusals)
{
	bt_optimizer *opt;
	bt_optimizer_options o;
	bt_optimizer_options_default(&o, bt_optimizer_sgd);
	ck_assert_int_eq(bt_optimizer_alloc(&opt, bt_optimizer_sgd, 0, &o), BT_EINVAL);
	o.momentum = 1;
	ck_assert_int_eq(bt_optimizer_alloc(&opt, bt_optimizer_sgd, 3, &o), BT_EINVAL);
	o.momentum = 0;
	o.lr = 0;
	ck_assert_int_eq(bt_optimizer_alloc(&opt, bt_optimizer_sgd, 3, &o), BT_EINVAL);
	bt_optimizer_options_default(&o, bt_optimizer_adam);
	o.beta2 = 1;
	ck_assert_int_eq(bt_optimizer_alloc(&opt, bt_optimizer_adam, 3, &o), BT_EINVAL);
	ck_assert(bt_optimizer_lookup("adam") == bt_optimizer_adam);
	ck_assert(bt_optimizer_lookup("sgd") == bt_optimizer_sgd);
	ck_assert(bt_optimizer_lookup("rmsprop") == NULL);
	/* a non-finite gradient leaves θ alone */
	bt_optimizer_options_default(&o, bt_optimizer_adam);
	ck_assert_int_eq(bt_optimizer_alloc(&opt, bt_optimizer_adam, 3, &o), BT_OK);
	double th[3] = {1, 2, 3}, g[3] = {1, NAN, 0};
	ck_assert_int_eq(bt_optimizer_step(opt, th, g), BT_ENUMERIC);
	ck_assert(th[0] == 1 && th[1] == 2 && th[2] == 3);
	bt_optimizer_free(opt);
	bt_optimizer_free(NULL);
}
END_TEST

/* ==== estimators ============================================================ */

#define NARCH ((int)bt_cell_count())

static bt_model *arch_model(int i, size_t d, size_t n, size_t m, unsigned long seed)
{
	const char *name = bt_cell_name(bt_cell_at((size_t)i));
	return tu_model(name, BT_ACT_TANH, d, n, m, 0.45, seed);
}

static double block_rel(const bt_model *mod, const double *g, const double *ref,
			size_t b)
{
	const bt_block *B = &mod->blocks[b];
	size_t k = B->rows * B->cols;
	double num = 0, den = 0;
	for (size_t i = 0; i < k; i++) {
		double e = g[B->offset + i] - ref[B->offset + i];
		num += e * e;
		den += ref[B->offset + i] * ref[B->offset + i];
	}
	return den > 0 ? sqrt(num / den) : sqrt(num);
}

static void expect_blocks(const char *what, const bt_model *mod, const double *g,
			  const double *ref, double tol)
{
	for (size_t b = 0; b < mod->nblocks; b++) {
		double e = block_rel(mod, g, ref, b);
		ck_assert_msg(e <= tol, "%s, %s: block %s differs by %g (relative)",
			      what, bt_cell_name(mod->type), mod->blocks[b].name, e);
	}
}

static void estimate(const bt_model *mod, const bt_data *D, int kind, size_t k1,
		     size_t k2, double *g, double *dX)
{
	bt_estimator e = {0};
	e.kind = kind;
	e.k = k1;
	e.k1 = k1;
	e.k2 = k2;
	double L;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 1, &L, g, dX), BT_OK);
}

/* k1 = k2 = T (and beyond) is full BPTT; k1 = 1, k2 = k is the sliding
 * window k; k1 = k2 = k is chunked truncation when k divides T. */
START_TEST(test_tbptt_equivalences)
{
	const size_t T = 13;
	bt_model *mod = arch_model(_i, 3, 4, 2, 300 + (unsigned long)_i);
	bt_data *D = tu_data(T, 3, 2, 1, 31);
	for (size_t t = 0; t < T; t++)
		D->M[t] = (t % 4 == 1) ? 0.0 : 1.0;
	size_t P = mod->nparams;
	double *g = calloc(P, sizeof(double)), *ref = calloc(P, sizeof(double));
	double *dX = calloc(T * 3, sizeof(double)), *dXr = calloc(T * 3, sizeof(double));
	double L;
	/* full BPTT by the per-sequence path, which the truncation code
	 * shares (bt_gradient's batched kernels agree with it to rounding
	 * only: their σ and tanh are libmvec's) */
	ck_assert_int_eq(tu_gradient_seq(mod, D, &L, ref, dXr), BT_OK);
	estimate(mod, D, BT_EST_TBPTT, T, T, g, dX);
	expect_blocks("TBPTT(T, T) vs full", mod, g, ref, 1e-12);
	ck_assert(tu_max_rel(dX, dXr, T * 3, 1e-300) <= 1e-12);
	estimate(mod, D, BT_EST_TBPTT, 2 * T + 1, T + 3, g, dX);
	expect_blocks("TBPTT(2T+1, T+3) vs full", mod, g, ref, 1e-12);
	const size_t ks[] = {1, 2, 3, 5, T - 1};
	for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
		ck_assert_int_eq(bt_gradient(mod, D, ks[j], &L, ref, dXr), BT_OK);
		estimate(mod, D, BT_EST_TBPTT, 1, ks[j], g, dX);
		char what[64];
		snprintf(what, sizeof what, "TBPTT(1, %zu) vs window %zu", ks[j], ks[j]);
		expect_blocks(what, mod, g, ref, 1e-12);
		ck_assert_msg(tu_max_rel(dX, dXr, T * 3, 1e-300) <= 1e-12, "%s: dX", what);
		/* the WINDOW estimator is bt_gradient's window */
		estimate(mod, D, BT_EST_WINDOW, ks[j], 0, g, NULL);
		expect_blocks("WINDOW vs bt_gradient", mod, g, ref, 0);
	}
	/* TBPTT(k, k) is chunked truncation when k divides T (a last, shorter
	 * segment still looks back k states, where the last chunk stops at its
	 * start) */
	bt_data *D12 = tu_data(12, 3, 2, 0, 32);
	const size_t kc[] = {2, 3, 4, 6};
	for (size_t j = 0; j < sizeof kc / sizeof kc[0]; j++) {
		char what[64];
		ck_assert_int_eq(bt_gradient_chunked(mod, D12, kc[j], &L, ref, NULL), BT_OK);
		estimate(mod, D12, BT_EST_TBPTT, kc[j], kc[j], g, NULL);
		snprintf(what, sizeof what, "TBPTT(%zu, %zu) vs chunked", kc[j], kc[j]);
		expect_blocks(what, mod, g, ref, 1e-12);
	}
	bt_data_free(D12);
	free(g);
	free(ref);
	free(dX);
	free(dXr);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* Any (k1, k2), by brute force term by term: the loss term at u, in the
 * segment ending at t_e, goes back to lo = max(1, t_e − k2 + 1), that is
 * through u − lo + 1 states: bt_gradient on data masked to that one term
 * with truncation u − lo + 1. A term older than the window (u < lo) keeps
 * its readout's gradient only: V and b_y of the window-1 gradient, nothing
 * in the cell's blocks. (Attention's readout has blocks of its own, so it
 * is left out of the k2 < k1 cases.) */
START_TEST(test_tbptt_bruteforce)
{
	const size_t T = 11, d = 2, n = 3, m = 2;
	bt_model *mod = arch_model(_i, d, n, m, 500 + (unsigned long)_i);
	int attention = !strcmp(bt_cell_name(mod->type), "attention");
	bt_data *D = tu_data(T, d, m, 1, 41);
	D->M[3] = 0;
	bt_data *one;
	ck_assert_int_eq(bt_data_alloc(&one, T, d, m, 1), BT_OK);
	memcpy(one->X, D->X, T * d * sizeof(double));
	memcpy(one->Y, D->Y, T * m * sizeof(double));
	size_t P = mod->nparams, nb = mod->nblocks;
	double *g = calloc(P, sizeof(double)), *ref = calloc(P, sizeof(double));
	double *gu = calloc(P, sizeof(double));
	const size_t pairs[][2] = {{3, 5}, {4, 2}, {2, 2}, {5, 1}, {4, 4}, {3, 7}, {6, 3}};
	for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
		size_t k1 = pairs[p][0], k2 = pairs[p][1];
		if (attention && k2 < k1)
			continue;
		memset(ref, 0, P * sizeof(double));
		for (size_t u = 1; u <= T; u++) {
			if (D->M[u - 1] == 0)
				continue;
			size_t te = ((u - 1) / k1 + 1) * k1;
			if (te > T)
				te = T;
			size_t lo = te >= k2 ? te - k2 + 1 : 1;
			for (size_t t = 0; t < T; t++)
				one->M[t] = t + 1 == u;
			double L;
			ck_assert_int_eq(bt_gradient(mod, one, u >= lo ? u - lo + 1 : 1, &L, gu, NULL),
					 BT_OK);
			for (size_t b = 0; b < nb; b++) {
				const bt_block *B = &mod->blocks[b];
				int readout = b + 2 >= nb;   /* V, b_y */
				if (u < lo && !readout)
					continue;
				for (size_t i = 0; i < B->rows * B->cols; i++)
					ref[B->offset + i] += gu[B->offset + i];
			}
		}
		estimate(mod, D, BT_EST_TBPTT, k1, k2, g, NULL);
		char what[64];
		snprintf(what, sizeof what, "TBPTT(%zu, %zu) vs term by term", k1, k2);
		expect_blocks(what, mod, g, ref, 1e-12);
	}
	free(g);
	free(ref);
	free(gu);
	bt_data_free(one);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* c = 0 is full BPTT; ARTBP repeats with its seed; a different seed cuts
 * elsewhere. */
START_TEST(test_artbp_basics)
{
	const size_t T = 17;
	bt_model *mod = arch_model(_i, 2, 3, 2, 700 + (unsigned long)_i);
	bt_data *D = tu_data(T, 2, 2, 0, 51);
	size_t P = mod->nparams;
	double *g = calloc(P, sizeof(double)), *ref = calloc(P, sizeof(double));
	double *g2 = calloc(P, sizeof(double));
	double L;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, ref, NULL), BT_OK);
	bt_estimator e = {0};
	e.kind = BT_EST_ARTBP;
	e.c = 0;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 9, &L, g, NULL), BT_OK);
	expect_blocks("ARTBP c = 0 vs full", mod, g, ref, 1e-12);
	e.c = 0.3;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 9, &L, g, NULL), BT_OK);
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 9, &L, g2, NULL), BT_OK);
	ck_assert(memcmp(g, g2, P * sizeof(double)) == 0);
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 10, &L, g2, NULL), BT_OK);
	ck_assert_msg(memcmp(g, g2, P * sizeof(double)) != 0, "seeds 9 and 10 give the same cuts");
	e.c = 1;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 9, &L, g, NULL), BT_EINVAL);
	e.c = -0.1;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 9, &L, g, NULL), BT_EINVAL);
	bt_estimator bad = {0};
	bad.kind = BT_EST_TBPTT;
	bad.k1 = 0;
	bad.k2 = 3;
	ck_assert_int_eq(bt_gradient_estimate(mod, D, &bad, 9, &L, g, NULL), BT_EINVAL);
	free(g);
	free(g2);
	free(ref);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* The scalar linear model (arch linear, d = n = m = 1) on the linear task,
 * W off the data's a so the gradient is not zero: over many seeds the
 * mean of ARTBP's ∂L/∂W is within 4 standard errors of the full gradient,
 * and plain random truncation with the same cuts (no 1/(1 − c)) is more
 * than 4 standard errors off. */
START_TEST(test_artbp_unbiased)
{
	bt_model *mod;
	bt_dims dm = {1, 1, 1};
	ck_assert_int_eq(bt_model_alloc(&mod, bt_cell_lookup("linear"), dm, BT_ACT_TANH), BT_OK);
	const double th[5] = {0.62, 1.13, 0.05, 0.87, -0.04};   /* W U b V b_y */
	memcpy(mod->theta, th, sizeof th);
	bt_task_options to;
	bt_task_options_default(&to);
	to.kind = BT_TASK_LINEAR;
	to.T = 40;
	to.a = 0.9;
	to.seed = 77;
	bt_data *D;
	ck_assert_int_eq(bt_task_generate(&D, &to, NULL), BT_OK);
	int iW = bt_model_find_block(mod, "W");
	size_t oW = mod->blocks[iW].offset;
	double g[5], L;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, NULL), BT_OK);
	double full = g[oW];
	const size_t N = 4000;
	for (int unweighted = 0; unweighted <= 1; unweighted++) {
		bt_estimator e = {0};
		e.kind = BT_EST_ARTBP;
		e.c = 0.25;
		e.unweighted = unweighted;
		double sum = 0, sum2 = 0;
		for (size_t s = 0; s < N; s++) {
			ck_assert_int_eq(bt_gradient_estimate(mod, D, &e, 1000 + s, &L, g, NULL), BT_OK);
			sum += g[oW];
			sum2 += g[oW] * g[oW];
		}
		double mean = sum / N, var = (sum2 - N * mean * mean) / (N - 1);
		double se = sqrt(var / N), z = (mean - full) / se;
		if (!unweighted)
			ck_assert_msg(fabs(z) < 4, "ARTBP: mean %.6g, full %.6g, %.2f standard "
				      "errors apart (se %.3g)", mean, full, z, se);
		else
			ck_assert_msg(fabs(z) > 4, "random truncation without reweighting: mean "
				      "%.6g, full %.6g, only %.2f standard errors apart", mean, full, z);
	}
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* ==== the training loop ======================================================== */

typedef struct {
	size_t n, stop_at, cancel_at;
	bt_train_report r[8];
} recorder;

static int record(void *ctx, const bt_train_report *r)
{
	recorder *c = ctx;
	if (c->n < 8)
		c->r[c->n] = *r;
	c->n++;
	if (c->cancel_at && r->step == c->cancel_at)
		bt_cancel_request();
	return c->stop_at && r->step == c->stop_at;
}

/* Three fixed sequences, batch 3, SGD with learning rate η, two steps:
 * θ ← θ − η (1/3) Σ_b ∂L_b/∂θ each step, the gradients from bt_gradient;
 * the report's loss, MSE and norm by hand. With clipping, g is scaled by
 * c/‖g‖ first (norm by a plain loop), or cut entry by entry. */
static void loop_case(int clip, double c)
{
	const size_t T = 9;
	bt_model *mod = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 61);
	bt_model *hand;
	ck_assert_int_eq(bt_model_copy(&hand, mod), BT_OK);
	bt_data *D[3];
	for (int b = 0; b < 3; b++) {
		D[b] = tu_data(T, 2, 1, 1, 70 + (unsigned long)b);
		D[b]->M[b + 1] = 0;   /* 8 counted steps each */
	}
	size_t P = mod->nparams;
	double *g = calloc(P, sizeof(double)), *gb = calloc(P, sizeof(double));
	recorder rec = {0};
	bt_train_options o;
	bt_train_options_default(&o);
	o.data = (const bt_data *const *)D;
	o.ndata = 3;
	o.batch = 3;
	o.steps = 2;
	o.optimizer = bt_optimizer_sgd;
	bt_optimizer_options_default(&o.opt, bt_optimizer_sgd);
	o.opt.lr = 0.7;
	o.clip = clip;
	o.clip_threshold = c;
	o.callback = record;
	o.ctx = &rec;
	bt_train_result res;
	ck_assert_int_eq(bt_train(mod, &o, &res), BT_OK);
	ck_assert_int_eq(res.steps, 2);
	ck_assert_int_eq(res.examples, 6);
	ck_assert_int_eq(rec.n, 2);
	for (int s = 0; s < 2; s++) {
		double Ltot = 0;
		memset(g, 0, P * sizeof(double));
		for (int b = 0; b < 3; b++) {
			double L;
			ck_assert_int_eq(bt_gradient(hand, D[b], 0, &L, gb, NULL), BT_OK);
			for (size_t i = 0; i < P; i++)
				g[i] += gb[i] / 3;
			Ltot += L;
		}
		double nrm = 0;
		for (size_t i = 0; i < P; i++)
			nrm += g[i] * g[i];
		nrm = sqrt(nrm);
		int clipped = 0;
		for (size_t i = 0; i < P; i++) {
			double gi = g[i];
			if (clip == BT_CLIP_NORM && nrm > c)
				gi = g[i] * (c / nrm);
			if (clip == BT_CLIP_VALUE)
				gi = fmin(c, fmax(-c, g[i]));
			clipped |= gi != g[i];
			hand->theta[i] -= 0.7 * gi;
		}
		const bt_train_report *r = &rec.r[s];
		ck_assert_int_eq(r->step, (size_t)s + 1);
		ck_assert_int_eq(r->examples, 3 * ((size_t)s + 1));
		ck_assert_msg(fabs(r->loss - Ltot / 3) <= 1e-13 * Ltot, "loss %.17g, want %.17g",
			      r->loss, Ltot / 3);
		ck_assert(fabs(r->mse - 2 * Ltot / 24) <= 1e-13 * Ltot);
		ck_assert_msg(fabs(r->grad_norm - nrm) <= 1e-13 * nrm, "norm %.17g, want %.17g",
			      r->grad_norm, nrm);
		ck_assert_int_eq(r->clipped, clipped);
		if (clip != BT_CLIP_NONE && c < 1e-3)
			ck_assert_msg(clipped, "a threshold of %g did not clip", c);
	}
	/* evaluated after the last step only, on the data set itself */
	ck_assert(isnan(rec.r[0].eval_mse));
	double Lsum = 0;
	for (int b = 0; b < 3; b++) {
		double L;
		ck_assert_int_eq(bt_loss(hand, D[b], &L), BT_OK);
		Lsum += L;
	}
	ck_assert(fabs(rec.r[1].eval_mse - 2 * Lsum / 24) <= 1e-12 * Lsum);
	ck_assert(res.eval_mse == rec.r[1].eval_mse && res.eval_step == 2);
	ck_assert(isnan(res.baseline_mse));
	for (size_t i = 0; i < P; i++)
		ck_assert_msg(fabs(mod->theta[i] - hand->theta[i]) <= 1e-12 * fmax(1, fabs(hand->theta[i])),
			      "parameter %zu: %.17g, by hand %.17g", i, mod->theta[i], hand->theta[i]);
	free(g);
	free(gb);
	for (int b = 0; b < 3; b++)
		bt_data_free(D[b]);
	bt_model_free(hand);
	bt_model_free(mod);
}

START_TEST(test_loop_sgd)
{
	loop_case(BT_CLIP_NONE, 0);
}
END_TEST

START_TEST(test_loop_clip_norm)
{
	loop_case(BT_CLIP_NORM, 1e-4);
	loop_case(BT_CLIP_NORM, 1e6);   /* above the norm: nothing clipped */
}
END_TEST

START_TEST(test_loop_clip_value)
{
	loop_case(BT_CLIP_VALUE, 1e-4);
}
END_TEST

static void task_options(bt_train_options *o, size_t steps)
{
	bt_train_options_default(o);
	o->task.kind = BT_TASK_ADDING;
	o->task.T = 12;
	o->batch = 4;
	o->steps = steps;
	o->eval_size = 16;
	o->eval_every = 2;
	o->opt.lr = 0.01;
	o->seed = 5;
}

/* The same seed gives the same parameters bit for bit; another seed other
 * ones; every estimator runs. */
START_TEST(test_loop_repeatable)
{
	bt_model *a = tu_model("lstm", BT_ACT_TANH, 2, 4, 1, 0.4, 81);
	bt_model *b, *c;
	ck_assert_int_eq(bt_model_copy(&b, a), BT_OK);
	ck_assert_int_eq(bt_model_copy(&c, a), BT_OK);
	bt_train_options o;
	const bt_estimator ests[] = {{BT_EST_FULL, 0, 0, 0, 0, 0}, {BT_EST_WINDOW, 3, 0, 0, 0, 0},
				     {BT_EST_TBPTT, 0, 4, 2, 0, 0}, {BT_EST_ARTBP, 0, 0, 0, 0.2, 0}};
	for (size_t e = 0; e < 4; e++) {
		task_options(&o, 5);
		o.estimator = ests[e];
		bt_train_result r1, r2;
		ck_assert_int_eq(bt_train(a, &o, &r1), BT_OK);
		ck_assert_int_eq(bt_train(b, &o, &r2), BT_OK);
		ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
		ck_assert(r1.eval_mse == r2.eval_mse && r1.steps == 5 && r1.eval_step == 5);
		ck_assert(fabs(r1.baseline_mse - 1.0 / 6) < 1e-15);
		o.seed = 6;
		ck_assert_int_eq(bt_train(c, &o, NULL), BT_OK);
		ck_assert(memcmp(a->theta, c->theta, a->nparams * sizeof(double)) != 0);
		memcpy(c->theta, a->theta, a->nparams * sizeof(double));
	}
	bt_model_free(a);
	bt_model_free(b);
	bt_model_free(c);
}
END_TEST

/* Stopped by the callback after step 3, or by bt_cancel_request() during
 * step 3's callback (the next poll): BT_ECANCELED, the model exactly that
 * of a 3-step run. */
START_TEST(test_loop_cancel)
{
	bt_model *a = tu_model("rnn", BT_ACT_TANH, 2, 5, 1, 0.4, 91);
	bt_model *b, *c;
	ck_assert_int_eq(bt_model_copy(&b, a), BT_OK);
	ck_assert_int_eq(bt_model_copy(&c, a), BT_OK);
	bt_train_options o;
	task_options(&o, 3);
	o.eval_every = 0;
	ck_assert_int_eq(bt_train(a, &o, NULL), BT_OK);
	task_options(&o, 50);
	o.eval_every = 0;
	recorder rec = {0};
	rec.stop_at = 3;
	o.callback = record;
	o.ctx = &rec;
	bt_train_result res;
	ck_assert_int_eq(bt_train(b, &o, &res), BT_ECANCELED);
	ck_assert_int_eq(res.steps, 3);
	ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
	recorder rec2 = {0};
	rec2.cancel_at = 3;
	o.ctx = &rec2;
	ck_assert_int_eq(bt_train(c, &o, &res), BT_ECANCELED);
	bt_cancel_reset();
	ck_assert_int_eq(res.steps, 3);
	ck_assert_int_eq(rec2.n, 3);
	ck_assert(memcmp(a->theta, c->theta, a->nparams * sizeof(double)) == 0);
	bt_model_free(a);
	bt_model_free(b);
	bt_model_free(c);
}
END_TEST

/* The target stops training after the first evaluation below it. */
START_TEST(test_loop_target)
{
	bt_model *a = tu_model("rnn", BT_ACT_TANH, 2, 5, 1, 0.4, 93);
	bt_train_options o;
	task_options(&o, 40);
	o.target_mse = 1e6;
	bt_train_result res;
	ck_assert_int_eq(bt_train(a, &o, &res), BT_OK);
	ck_assert_int_eq(res.steps, 2);
	ck_assert(res.reached_target && res.eval_step == 2);
	bt_model_free(a);
}
END_TEST

START_TEST(test_loop_refusals)
{
	bt_model *a = tu_model("rnn", BT_ACT_TANH, 2, 5, 1, 0.4, 95);
	bt_model *wrong = tu_model("rnn", BT_ACT_TANH, 3, 5, 1, 0.4, 95);
	bt_train_options o;
	task_options(&o, 2);
	ck_assert_int_eq(bt_train(wrong, &o, NULL), BT_EINVAL);   /* d = 3, adding has 2 */
	o.batch = 0;
	ck_assert_int_eq(bt_train(a, &o, NULL), BT_EINVAL);
	task_options(&o, 2);
	o.clip = BT_CLIP_NORM;
	o.clip_threshold = 0;
	ck_assert_int_eq(bt_train(a, &o, NULL), BT_EINVAL);
	task_options(&o, 2);
	o.estimator.kind = BT_EST_ARTBP;
	o.estimator.c = 1.5;
	ck_assert_int_eq(bt_train(a, &o, NULL), BT_EINVAL);
	task_options(&o, 2);
	o.opt.lr = -1;
	ck_assert_int_eq(bt_train(a, &o, NULL), BT_EINVAL);
	bt_model_free(a);
	bt_model_free(wrong);
}
END_TEST

/* Fresh minibatches are the task's own data: bt_task_fill gives
 * bt_task_generate's numbers bit for bit. */
START_TEST(test_task_fill)
{
	for (int kind = BT_TASK_ADDING; kind <= BT_TASK_LINEAR; kind++) {
		bt_task_options to;
		bt_task_options_default(&to);
		to.kind = kind;
		to.T = 23;
		to.delay = 5;
		to.seed = 1234;
		bt_data *G, *F;
		size_t T, d, m;
		ck_assert_int_eq(bt_task_generate(&G, &to, NULL), BT_OK);
		ck_assert_int_eq(bt_task_shape(&to, &T, &d, &m), BT_OK);
		ck_assert(T == G->T && d == G->d && m == G->m);
		ck_assert_int_eq(bt_data_alloc(&F, T, d, m, 1), BT_OK);
		for (size_t i = 0; i < T * d; i++)
			F->X[i] = 7;   /* stale values must go */
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		ck_assert_int_eq(bt_task_fill(F, &to, r, NULL), BT_OK);
		ck_assert(!memcmp(F->X, G->X, T * d * sizeof(double)));
		ck_assert(!memcmp(F->Y, G->Y, T * m * sizeof(double)));
		ck_assert(!memcmp(F->M, G->M, T * sizeof(double)));
		gsl_rng_free(r);
		bt_data_free(F);
		bt_data_free(G);
	}
}
END_TEST

/* bt_train_size (plus the model and the held-out data) is at least what bt_train holds at its polls, measured
 * with the allocator's own count (mallinfo2, or ASan's when it runs), and
 * not wildly more. */

START_TEST(test_memory_estimate)
{
	const size_t T = 300, B = 5, E = 7;
	bt_model *mod = arch_model(_i, 2, 9, 1, 900 + (unsigned long)_i);
	const bt_estimator ests[] = {{BT_EST_FULL, 0, 0, 0, 0, 0}, {BT_EST_TBPTT, 0, 7, 9, 0, 0}};
	for (size_t e = 0; e < 2; e++) {
		bt_train_options o;
		bt_train_options_default(&o);
		o.task.kind = BT_TASK_ADDING;
		o.task.T = T;
		o.batch = B;
		o.eval_size = E;
		o.steps = 2;
		o.estimator = ests[e];
		double before = held();
		peak = before;
		bt_set_progress(sample, NULL);
		ck_assert_int_eq(bt_train(mod, &o, NULL), BT_OK);
		bt_set_progress(NULL, NULL);
		double need = peak - before + 8.0 * (double)mod->nparams;
		bt_dims dd = {2, 0, 1};
		double est = bt_model_size(mod->type, mod->dims) + BT_MEMORY_SLACK +
			     bt_train_size(mod->type, mod->dims, T, B) +
			     (double)E * bt_data_size(dd, T);
		ck_assert_msg(est >= need, "%s: the estimate %.0f bytes is below the %.0f held",
			      bt_cell_name(mod->type), est, need);
		ck_assert_msg(est <= 10 * need, "%s: the estimate %.0f bytes is more than 10 times "
			      "the %.0f held", bt_cell_name(mod->type), est, need);
	}
	bt_model_free(mod);
}
END_TEST

/* An LSTM learns the adding problem at T = 50: held-out MSE below 0.01
 * (the memoryless baseline is 1/6) within a fixed, seeded budget of 600
 * steps. The settings (n = 24, B = 32, Adam 0.02, clip-norm 1) reach it
 * after 300 steps, about 3 s; bench/bench_train.c runs the same and reports
 * the steps and seconds. Skipped under the sanitizers, where it would take
 * ten times as long (the sanitized build checks the loop by the tests above). */
#if defined(__SANITIZE_ADDRESS__)
#define BT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BT_SANITIZED 1
#endif
#endif
START_TEST(test_lstm_adding)
{
#ifdef BT_SANITIZED
	return;
#endif
	bt_model *mod;
	bt_dims dm = {2, 24, 1};
	ck_assert_int_eq(bt_model_alloc(&mod, bt_cell_lookup("lstm"), dm, BT_ACT_TANH), BT_OK);
	bt_init_options io;
	bt_init_options_default(&io);
	io.seed = 1;
	ck_assert_int_eq(bt_model_init(mod, &io), BT_OK);
	bt_train_options o;
	bt_train_options_default(&o);
	o.task.kind = BT_TASK_ADDING;
	o.task.T = 50;
	o.batch = 32;
	o.steps = 600;
	o.opt.lr = 0.02;
	o.clip = BT_CLIP_NORM;
	o.clip_threshold = 1;
	o.eval_every = 50;
	o.eval_size = 200;
	o.target_mse = 0.01;
	o.seed = 1;
	bt_train_result res;
	ck_assert_int_eq(bt_train(mod, &o, &res), BT_OK);
	ck_assert_msg(res.reached_target && res.eval_mse < 0.01,
		      "after %zu steps the held-out MSE is %g (baseline %g)", res.steps,
		      res.eval_mse, res.baseline_mse);
	bt_model_free(mod);
}
END_TEST

static Suite *train_suite(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("optimizers");
	tcase_add_test(tc, test_sgd_step);
	tcase_add_test(tc, test_momentum_steps);
	tcase_add_test(tc, test_adam_steps);
	tcase_add_test(tc, test_optimizer_refusals);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("estimators");
	tcase_set_timeout(te, 120);
	tcase_add_loop_test(te, test_tbptt_equivalences, 0, NARCH);
	tcase_add_loop_test(te, test_tbptt_bruteforce, 0, NARCH);
	tcase_add_loop_test(te, test_artbp_basics, 0, NARCH);
	tcase_add_test(te, test_artbp_unbiased);
	suite_add_tcase(s, te);
	TCase *tl = tcase_create("loop");
	tcase_set_timeout(tl, 120);
	tcase_add_test(tl, test_loop_sgd);
	tcase_add_test(tl, test_loop_clip_norm);
	tcase_add_test(tl, test_loop_clip_value);
	tcase_add_test(tl, test_loop_repeatable);
	tcase_add_test(tl, test_loop_cancel);
	tcase_add_test(tl, test_loop_target);
	tcase_add_test(tl, test_loop_refusals);
	tcase_add_test(tl, test_task_fill);
	tcase_add_loop_test(tl, test_memory_estimate, 0, NARCH);
	suite_add_tcase(s, tl);
	TCase *tt = tcase_create("learning");
	tcase_set_timeout(tt, 300);
	tcase_add_test(tt, test_lstm_adding);
	suite_add_tcase(s, tt);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(train_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
