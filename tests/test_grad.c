/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_grad.c — the loss and exact full BPTT against an independent
 * reference, finite differences, and the library's own gradient checker.
 *
 * The reference below is written from the spec's equations with plain C
 * loops. It reads the model's parameters only through the block layout
 * (bt_model_find_block / bt_block_const_view) and otherwise calls nothing in
 * the library, so a test that compares the library with it is a comparison
 * of two separate routes. The reference itself is checked against central
 * finite differences of its own loss.
 *
 *   a_t = W h_{t-1} + U x_t + b
 *   rnn, linear:  h_t = φ(a_t)             (linear: φ = identity)
 *   residual:     h_t = h_{t-1} + φ(a_t)
 *   ŷ_t = V h_t + b_y,   L = Σ_t μ_t ½‖ŷ_t − y_t‖²
 */
#include "reference.h"
static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, 0, 0.9},
	{"n=1", 7, 2, 1, 3, 0, 0.9},
	{"d=1", 6, 1, 4, 2, 0, 0.9},
	{"m=1", 6, 3, 4, 1, 0, 0.9},
	{"d3n5m2", 9, 3, 5, 2, 0, 0.9},
	{"mask", 11, 2, 3, 2, 1, 0.9},
	{"T=200", 200, 2, 3, 2, 0, 0.6},
	{"wide", 12, 7, 13, 5, 1, 0.9},
};

/* The library's gradient (truncate 0) against the reference's, per block
 * and for X. */
static void check_against_reference(const tcase_data *c, double tol)
{
	const bt_model *mod = c->mod;
	const bt_data *D = c->data;
	size_t TX = D->T * D->d;
	double *g = calloc(mod->nparams, sizeof(double));
	double *dX = calloc(TX, sizeof(double));
	double *gr_mine = calloc(c->r.P, sizeof(double));
	double *gr = calloc(mod->nparams, sizeof(double));
	double *dXr = calloc(TX, sizeof(double));
	ck_assert(g && dX && gr_mine && gr && dXr);

	double L = NAN;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, dX), BT_OK);
	ref_backward_full(&c->r, c->th, D->X, D, c->f, gr_mine, dXr);
	ref_scatter(&c->r, mod, gr_mine, gr);

	ck_assert_msg(fabs(L - c->f->loss) <= 1e-12 * fabs(c->f->loss),
		      "%s: bt_gradient loss %.17g, reference %.17g", c->label,
		      L, c->f->loss);
	for (size_t i = 0; i < mod->nblocks; i++) {
		double e = block_err(mod, g, gr, i);
		ck_assert_msg(e <= tol, "%s: block %s: rel. error %g vs reference",
			      c->label, mod->blocks[i].name, e);
	}
	double e = vec_err(dX, dXr, TX);
	ck_assert_msg(e <= tol, "%s: dX: rel. error %g vs reference", c->label, e);
	free(g);
	free(dX);
	free(gr_mine);
	free(gr);
	free(dXr);
}

/* Whether a perturbed forward pass crossed a relu kink (a pre-activation
 * changed sign against the base pass). */
static int crossed_kink(const ref_model *r, const ref_fwd *base,
			const ref_fwd *f)
{
	if (r->act != BT_ACT_RELU)
		return 0;
	for (size_t i = 0; i < base->T * r->n; i++)
		if ((base->A[i] > 0) != (f->A[i] > 0))
			return 1;
	return 0;
}

typedef struct {
	size_t checked, skipped;
	double worst;
	char where[64];
} fd_stats;

/* Compares the reference's and the library's entry gi (gs[0], gs[1]) with
 * the finite difference f: within 1e-6 relative plus the absolute floor
 * atol. */
static void fd_compare(const char *label, const char *what, size_t idx,
		       double f, const double *gs[2], size_t gi, double atol,
		       fd_stats *st)
{
	static const char *const who[2] = {"reference", "library"};
	for (int w = 0; w < 2; w++) {
		double g = gs[w][gi];
		double err = fabs(g - f);
		double tol = 1e-6 * fmax(fabs(g), fabs(f)) + atol;
		ck_assert_msg(err <= tol,
			      "%s: %s[%zu]: %s %.12g, finite difference %.12g",
			      label, what, idx, who[w], g, f);
		double rel = err / fmax(fmax(fabs(g), fabs(f)), atol);
		if (rel > st->worst) {
			st->worst = rel;
			snprintf(st->where, sizeof st->where, "%s[%zu]", what, idx);
		}
	}
	st->checked++;
}

/* Central differences of the reference loss, entry by entry, against the
 * reference gradient and the library's. */
static void check_fd(const tcase_data *c)
{
	const ref_model *r = &c->r;
	const bt_model *mod = c->mod;
	const bt_data *D = c->data;
	size_t TX = D->T * D->d;
	double *g = calloc(mod->nparams, sizeof(double));
	double *gl = calloc(r->P, sizeof(double));
	double *dX = calloc(TX, sizeof(double));
	double *gr = calloc(r->P, sizeof(double));
	double *dXr = calloc(TX, sizeof(double));
	double *th = malloc(r->P * sizeof(double));
	double *X = malloc(TX * sizeof(double));
	ref_fwd *f = ref_fwd_alloc(r, D->T);
	ck_assert(g && gl && dX && gr && dXr && th && X);

	double L = 0;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, dX), BT_OK);
	ref_gather(r, mod, g, gl);
	ref_backward_full(r, c->th, D->X, D, c->f, gr, dXr);
	double atol = 1e-8 * fmax(1.0, fabs(c->f->loss));
	fd_stats st = {0, 0, 0, ""};

	memcpy(th, c->th, r->P * sizeof(double));
	for (size_t i = 0; i < r->P; i++) {
		double h = 6e-6 * fmax(1.0, fabs(th[i]));
		double tp = th[i] + h, tm = th[i] - h;
		th[i] = tp;
		double Lp = ref_forward(r, th, D->X, D, f);
		int kink = crossed_kink(r, c->f, f);
		th[i] = tm;
		double Lm = ref_forward(r, th, D->X, D, f);
		kink |= crossed_kink(r, c->f, f);
		th[i] = c->th[i];
		if (kink) {
			st.skipped++;
			continue;
		}
		const double *gs[2] = {gr, gl};
		fd_compare(c->label, "theta", i, (Lp - Lm) / (tp - tm), gs, i,
			   atol, &st);
	}
	memcpy(X, D->X, TX * sizeof(double));
	for (size_t i = 0; i < TX; i++) {
		double h = 6e-6 * fmax(1.0, fabs(X[i]));
		double tp = X[i] + h, tm = X[i] - h;
		X[i] = tp;
		double Lp = ref_forward(r, c->th, X, D, f);
		int kink = crossed_kink(r, c->f, f);
		X[i] = tm;
		double Lm = ref_forward(r, c->th, X, D, f);
		kink |= crossed_kink(r, c->f, f);
		X[i] = D->X[i];
		if (kink) {
			st.skipped++;
			continue;
		}
		const double *gs[2] = {dXr, dX};
		fd_compare(c->label, "X", i, (Lp - Lm) / (tp - tm), gs, i,
			   atol, &st);
	}
	ck_assert_msg(st.skipped * 50 <= st.checked + st.skipped,
		      "%s: %zu of %zu entries near a relu kink", c->label,
		      st.skipped, st.checked + st.skipped);
	free(g);
	free(gl);
	free(dX);
	free(gr);
	free(dXr);
	free(th);
	free(X);
	ref_fwd_free(f);
}

/* ==== tests ================================================================ */

#define NLOOP ((int)bt_cell_count() * 4)

/* bt_loss equals the reference loss, on every shape and with a mask. */
START_TEST(test_loss_matches_reference)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		tcase_data c;
		if (!case_setup(&c, _i, &shapes[k], shapes[k].mask, 1000 + k))
			return;
		if (c.has_ref) {
			double L = NAN;
			ck_assert_int_eq(bt_loss(c.mod, c.data, &L), BT_OK);
			ck_assert_msg(fabs(L - c.f->loss) <= 1e-12 * fabs(c.f->loss),
				      "%s: bt_loss %.17g, reference %.17g",
				      c.label, L, c.f->loss);
			ck_assert_msg(c.f->loss > 0, "%s: test setup", c.label);
		}
		case_teardown(&c);
	}
}
END_TEST

/* bt_gradient (full BPTT) equals the reference per block and for X. */
START_TEST(test_gradient_matches_reference)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		tcase_data c;
		if (!case_setup(&c, _i, &shapes[k], shapes[k].mask, 2000 + k))
			return;
		if (c.has_ref)
			check_against_reference(&c, 1e-10);
		case_teardown(&c);
	}
}
END_TEST

/* Reference and library gradients against central differences of the
 * reference loss: verifies the reference itself. */
START_TEST(test_gradient_matches_finite_differences)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		tcase_data c;
		if (!case_setup(&c, _i, &shapes[k], shapes[k].mask, 3000 + k))
			return;
		if (c.has_ref)
			check_fd(&c);
		case_teardown(&c);
	}
}
END_TEST

/* All-zero mask: loss 0 and every gradient entry exactly 0.0. */
START_TEST(test_zero_mask)
{
	static const shape s = {"zero-mask", 8, 3, 4, 2, 2, 0.9};
	tcase_data c;
	if (!case_setup(&c, _i, &s, 2, 4000))
		return;
	const bt_model *mod = c.mod;
	size_t TX = s.T * s.d;
	double *g = malloc(mod->nparams * sizeof(double));
	double *dX = malloc(TX * sizeof(double));
	ck_assert(g && dX);
	for (size_t i = 0; i < mod->nparams; i++)
		g[i] = 1.5;   /* bt_gradient must zero them */
	for (size_t i = 0; i < TX; i++)
		dX[i] = -2.5;
	double L = NAN, L2 = NAN;
	ck_assert_int_eq(bt_loss(mod, c.data, &L2), BT_OK);
	ck_assert_int_eq(bt_gradient(mod, c.data, 0, &L, g, dX), BT_OK);
	ck_assert_msg(L == 0.0 && L2 == 0.0, "%s: loss %g / %g with all-zero mask",
		      c.label, L, L2);
	for (size_t i = 0; i < mod->nparams; i++)
		ck_assert_msg(g[i] == 0.0, "%s: grad[%zu] = %g with all-zero mask",
			      c.label, i, g[i]);
	for (size_t i = 0; i < TX; i++)
		ck_assert_msg(dX[i] == 0.0, "%s: dX[%zu] = %g with all-zero mask",
			      c.label, i, dX[i]);
	if (c.has_ref)
		ck_assert(c.f->loss == 0.0);
	/* and under truncation */
	for (size_t i = 0; i < mod->nparams; i++)
		g[i] = 1.5;
	ck_assert_int_eq(bt_gradient(mod, c.data, 2, &L, g, dX), BT_OK);
	ck_assert(L == 0.0);
	for (size_t i = 0; i < mod->nparams; i++)
		ck_assert_msg(g[i] == 0.0, "%s: k=2: grad[%zu] = %g with all-zero "
			      "mask", c.label, i, g[i]);
	for (size_t i = 0; i < TX; i++)
		ck_assert_msg(dX[i] == 0.0, "%s: k=2: dX[%zu] = %g with all-zero "
			      "mask", c.label, i, dX[i]);
	free(g);
	free(dX);
	case_teardown(&c);
}
END_TEST

/* relu'(0) = 0: with b = 0 and x_1 = 0, a_1 = 0 exactly; the reference
 * (relu'(0) = 0) and the library must agree, including b and x_1 where the
 * convention shows. */
START_TEST(test_relu_derivative_at_zero)
{
	static const shape s = {"relu-kink", 6, 2, 3, 2, 0, 0.9};
	tcase_data c;
	if (_i % 4 != BT_ACT_RELU)
		return;
	if (!case_setup(&c, _i, &s, 0, 5000))
		return;
	if (!c.has_ref) {
		case_teardown(&c);
		return;
	}
	int ib = bt_model_find_block(c.mod, "b");
	ck_assert_int_ge(ib, 0);
	gsl_matrix_view b = bt_block_view(c.mod, c.mod->theta, (size_t)ib);
	gsl_matrix_set_zero(&b.matrix);
	for (size_t j = 0; j < s.d; j++)
		c.data->X[j] = 0.0;
	ref_gather(&c.r, c.mod, c.mod->theta, c.th);
	ref_forward(&c.r, c.th, c.data->X, c.data, c.f);
	for (size_t i = 0; i < s.n; i++)
		ck_assert(c.f->A[i] == 0.0);
	check_against_reference(&c, 1e-10);
	case_teardown(&c);
}
END_TEST

/* The brute-force truncated gradient with a window covering the whole
 * sequence is full BPTT (a check of the reference that test_tbptt uses). */
START_TEST(test_reference_truncated_full_window)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		tcase_data c;
		if (!case_setup(&c, _i, &shapes[k], shapes[k].mask, 8000 + k))
			return;
		if (c.has_ref) {
			size_t T = c.data->T, TX = T * c.data->d;
			double *g1 = calloc(c.r.P, sizeof(double));
			double *g2 = calloc(c.r.P, sizeof(double));
			double *x1 = calloc(TX, sizeof(double));
			double *x2 = calloc(TX, sizeof(double));
			ck_assert(g1 && g2 && x1 && x2);
			ref_backward_full(&c.r, c.th, c.data->X, c.data, c.f, g1, x1);
			ref_backward_truncated(&c.r, c.th, c.data->X, c.data, c.f,
					       T, g2, x2);
			ck_assert_msg(vec_err(g2, g1, c.r.P) <= 1e-12 &&
				      vec_err(x2, x1, TX) <= 1e-12,
				      "%s: reference truncated(k=T) != full", c.label);
			free(g1);
			free(g2);
			free(x1);
			free(x2);
		}
		case_teardown(&c);
	}
}
END_TEST

/* The workspace API: a workspace longer than the data, used before on a
 * longer sequence; bt_seq_forward gives the reference loss and
 * bt_seq_backward adds into what grad and dX already hold (either may be
 * NULL). */
START_TEST(test_seq_backward_adds)
{
	static const shape s = {"workspace", 9, 3, 5, 2, 1, 0.9};
	tcase_data c;
	if (!case_setup(&c, _i, &s, 1, 9000))
		return;
	if (!c.has_ref) {
		case_teardown(&c);
		return;
	}
	const bt_model *mod = c.mod;
	const size_t P = mod->nparams, TX = s.T * s.d;
	bt_data *longer = make_data(s.T + 4, s.d, s.m, 1, 9001);
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, s.T + 4), BT_OK);
	double L = NAN;
	ck_assert_int_eq(bt_seq_forward(q, mod, longer, &L), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.data, &L), BT_OK);
	ck_assert_msg(fabs(L - c.f->loss) <= 1e-12 * fabs(c.f->loss),
		      "%s: bt_seq_forward loss %.17g, reference %.17g", c.label,
		      L, c.f->loss);

	double *gm = calloc(c.r.P, sizeof(double));
	double *gr = calloc(P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *g = malloc(P * sizeof(double));
	double *x = malloc(TX * sizeof(double));
	ck_assert(gm && gr && xr && g && x);
	ref_backward_full(&c.r, c.th, c.data->X, c.data, c.f, gm, xr);
	ref_scatter(&c.r, mod, gm, gr);
	for (int pass = 0; pass < 3; pass++) {
		/* 0: both, 1: dX NULL, 2: grad NULL */
		for (size_t i = 0; i < P; i++)
			g[i] = 0.5 + 0.01 * (double)i;
		for (size_t i = 0; i < TX; i++)
			x[i] = -0.3 + 0.02 * (double)i;
		ck_assert_int_eq(bt_seq_backward(q, mod, c.data,
						 pass == 2 ? NULL : g,
						 pass == 1 ? NULL : x), BT_OK);
		for (size_t i = 0; i < P; i++)
			g[i] -= 0.5 + 0.01 * (double)i;
		for (size_t i = 0; i < TX; i++)
			x[i] -= -0.3 + 0.02 * (double)i;
		if (pass != 2)
			for (size_t i = 0; i < mod->nblocks; i++) {
				double e = block_err(mod, g, gr, i);
				ck_assert_msg(e <= 1e-10, "%s: pass %d: block %s: "
					      "rel. error %g (added into grad)",
					      c.label, pass, mod->blocks[i].name, e);
			}
		if (pass != 1) {
			double e = vec_err(x, xr, TX);
			ck_assert_msg(e <= 1e-10, "%s: pass %d: dX: rel. error %g "
				      "(added into dX)", c.label, pass, e);
		}
	}
	/* bt_gradient with NULL outputs */
	double L2 = NAN;
	ck_assert_int_eq(bt_gradient(mod, c.data, 0, &L2, g, NULL), BT_OK);
	for (size_t i = 0; i < mod->nblocks; i++)
		ck_assert(block_err(mod, g, gr, i) <= 1e-10);
	ck_assert_int_eq(bt_gradient(mod, c.data, 0, &L2, NULL, x), BT_OK);
	ck_assert(vec_err(x, xr, TX) <= 1e-10);
	free(gm);
	free(gr);
	free(xr);
	free(g);
	free(x);
	bt_seq_free(q);
	bt_data_free(longer);
	case_teardown(&c);
}
END_TEST

static void check_result_layout(const tcase_data *c, const bt_check_result *res)
{
	const bt_model *mod = c->mod;
	ck_assert_msg(res->nblocks == mod->nblocks + 1,
		      "%s: check result has %zu blocks, model %zu + X", c->label,
		      res->nblocks, mod->nblocks);
	for (size_t i = 0; i < mod->nblocks; i++) {
		ck_assert_str_eq(res->blocks[i].name, mod->blocks[i].name);
		ck_assert_uint_eq(res->blocks[i].rows, mod->blocks[i].rows);
		ck_assert_uint_eq(res->blocks[i].cols, mod->blocks[i].cols);
	}
	const bt_check_block *x = &res->blocks[mod->nblocks];
	ck_assert_str_eq(x->name, "X");
	ck_assert_uint_eq(x->rows, c->data->T);
	ck_assert_uint_eq(x->cols, c->data->d);
}

/* The library's checker passes on every shape. */
START_TEST(test_gradcheck_ok)
{
	for (size_t k = 0; k < NSHAPES; k++) {
		tcase_data c;
		if (!case_setup(&c, _i, &shapes[k], shapes[k].mask, 6000 + k))
			return;
		bt_check_options opt;
		bt_check_options_default(&opt);
		bt_check_result res;
		memset(&res, 0, sizeof res);
		ck_assert_int_eq(bt_gradcheck(c.mod, c.data, &opt, &res), BT_OK);
		check_result_layout(&c, &res);
		for (size_t i = 0; i < res.nblocks; i++) {
			const bt_check_block *b = &res.blocks[i];
			ck_assert_msg(b->ok, "%s: gradcheck block %s not ok: max_rel %g "
				      "max_abs %g at %zu (exact %.12g, fd %.12g)",
				      c.label, b->name, b->max_rel, b->max_abs,
				      b->worst, b->worst_exact, b->worst_fd);
		}
		ck_assert_msg(res.ok, "%s: gradcheck not ok", c.label);
		ck_assert_msg(res.rtol == 1e-6 &&
			      res.atol == 1e-8 * fmax(1.0, fabs(res.loss)),
			      "%s: default tolerances used: rtol %g atol %g",
			      c.label, res.rtol, res.atol);
		if (c.has_ref)
			ck_assert_msg(fabs(res.loss - c.f->loss) <=
				      1e-12 * fabs(c.f->loss),
				      "%s: gradcheck loss %.17g, reference %.17g",
				      c.label, res.loss, c.f->loss);

		/* the five-point stencil agrees too (not for relu: its step,
		 * 2·ε^{1/5} ≈ 1.5e-3, reaches over kinks 1e-3 away) */
		if (!c.has_ref || c.r.act != BT_ACT_RELU) {
			bt_check_options opt4 = opt;
			opt4.order = 4;
			bt_check_result res4;
			memset(&res4, 0, sizeof res4);
			ck_assert_int_eq(bt_gradcheck(c.mod, c.data, &opt4, &res4),
					 BT_OK);
			for (size_t i = 0; i < res4.nblocks; i++)
				ck_assert_msg(res4.blocks[i].ok, "%s: order-4 "
					      "gradcheck block %s not ok: max_rel %g",
					      c.label, res4.blocks[i].name,
					      res4.blocks[i].max_rel);
			ck_assert(res4.ok);
		}

		bt_check_dir_result dr;
		memset(&dr, 0, sizeof dr);
		ck_assert_int_eq(bt_gradcheck_directional(c.mod, c.data, &opt, &dr),
				 BT_OK);
		ck_assert_msg(dr.ndir == opt.directions,
			      "%s: %zu directions, asked %zu", c.label, dr.ndir,
			      opt.directions);
		ck_assert_msg(dr.ok, "%s: directional check not ok, max_rel %g",
			      c.label, dr.max_rel);
		case_teardown(&c);
	}
}
END_TEST

/* The checker can fail: with rtol 1e-30 and atol 0, rounding alone in the
 * finite differences makes it report not ok. */
START_TEST(test_gradcheck_can_fail)
{
	static const shape s = {"strict", 7, 3, 4, 2, 0, 0.9};
	tcase_data c;
	if (!case_setup(&c, _i, &s, 0, 7000))
		return;
	bt_check_options opt;
	bt_check_options_default(&opt);
	opt.rtol = 1e-30;
	opt.atol = 0;
	bt_check_result res;
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(bt_gradcheck(c.mod, c.data, &opt, &res), BT_OK);
	ck_assert_msg(!res.ok, "%s: gradcheck ok with rtol 1e-30, atol 0", c.label);
	ck_assert_msg(res.rtol == 1e-30 && res.atol == 0,
		      "%s: tolerances used: rtol %g atol %g", c.label, res.rtol,
		      res.atol);
	size_t bad = 0;
	for (size_t i = 0; i < res.nblocks; i++)
		bad += !res.blocks[i].ok;
	ck_assert_msg(bad > 0, "%s: not ok but no block is", c.label);
	case_teardown(&c);
}
END_TEST

/* Defaults of the checker are what the header says. */
START_TEST(test_check_defaults)
{
	bt_check_options opt;
	bt_check_options_default(&opt);
	ck_assert(opt.rtol == 1e-6);
	ck_assert(opt.atol < 0);
	ck_assert_int_eq(opt.order, 2);
	ck_assert_uint_eq(opt.directions, 4);
	/* 0 stands for the default ε^{1/3} (resolved when the check runs) */
	ck_assert(opt.step == 0 ||
		  fabs(opt.step - cbrt(2.220446049250313e-16)) < 1e-9);
}
END_TEST

static Suite *grad_suite(void)
{
	Suite *s = suite_create("grad");
	TCase *tc = tcase_create("reference");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_loss_matches_reference, 0, NLOOP);
	tcase_add_loop_test(tc, test_gradient_matches_reference, 0, NLOOP);
	tcase_add_loop_test(tc, test_gradient_matches_finite_differences, 0, NLOOP);
	tcase_add_loop_test(tc, test_zero_mask, 0, NLOOP);
	tcase_add_loop_test(tc, test_relu_derivative_at_zero, 0, NLOOP);
	tcase_add_loop_test(tc, test_reference_truncated_full_window, 0, NLOOP);
	tcase_add_loop_test(tc, test_seq_backward_adds, 0, NLOOP);
	suite_add_tcase(s, tc);

	TCase *tk = tcase_create("gradcheck");
	tcase_set_timeout(tk, 120);
	tcase_add_test(tk, test_check_defaults);
	tcase_add_loop_test(tk, test_gradcheck_ok, 0, NLOOP);
	tcase_add_loop_test(tk, test_gradcheck_can_fail, 0, NLOOP);
	suite_add_tcase(s, tk);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(grad_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
