/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_checkmodes.c — the checker's other ways to look at a gradient:
 * Richardson extrapolation, the Taylor-remainder test, the sweep of every
 * formula's error over h, checking a given gradient, and the opposite-sign
 * flag. The exact BPTT gradient (checked against an independent reference
 * in test_grad.c) is the yardstick; the formulas are recomputed by hand
 * from bt_loss; the b_y remainder has a closed form (L is quadratic in b_y).
 */
#include "testutil.h"
#include <float.h>
#include <pthread.h>
#include <unistd.h>

static size_t nvar;
static struct { const char *arch; bt_activation act; } var[40];
static size_t nsmooth;             /* every architecture, tanh */
static const char *smooth[16];

static double max_abs_all(const bt_check_result *r)
{
	double e = 0;
	for (size_t b = 0; b < r->nblocks; b++)
		e = fmax(e, r->blocks[b].max_abs);
	return e;
}

/* Least-squares slope of log10 y on log10 x over [lo, hi]. */
static double slope(const double *x, const double *y, size_t k, double lo,
		    double hi)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, c = 0;
	for (size_t i = 0; i < k; i++)
		if (x[i] >= lo * (1 - 1e-12) && x[i] <= hi * (1 + 1e-12)) {
			double a = log10(x[i]), b = log10(y[i]);
			sx += a; sy += b; sxx += a * a; sxy += a * b; c++;
		}
	ck_assert(c >= 3);
	return (c * sxy - sx * sy) / (c * sxx - sx * sx);
}

/* Required: Richardson beats central differences on a smooth model, at the
 * default steps (overall) and, block by block, by orders of magnitude at a
 * step where truncation dominates. */
START_TEST(test_richardson_beats_central)
{
	const char *arch = smooth[_i];
	bt_model *mod = tu_model(arch, BT_ACT_TANH, 3, 4, 2, 0.6, 40 + _i);
	bt_data *D = tu_data(8, 3, 2, 0, 3);
	bt_check_options o;
	bt_check_options_default(&o);
	bt_check_result rc, rr;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &rc), BT_OK);
	o.method = BT_FD_RICHARDSON;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &rr), BT_OK);
	ck_assert_int_eq(rr.method, BT_FD_RICHARDSON);
	ck_assert(fabs(rr.step - pow(DBL_EPSILON, 0.2)) < 1e-18);
	ck_assert_msg(rc.ok && rr.ok, "%s: central ok %d, richardson ok %d", arch, rc.ok, rr.ok);
	double ec = max_abs_all(&rc), er = max_abs_all(&rr);
	ck_assert_msg(er < ec, "%s: at the default steps richardson %g, central %g", arch, er, ec);
	/* h = 1e-2: central's error ~ h² ≈ 1e-4, Richardson's ~ h⁴ ≈ 1e-8 */
	o.step = 1e-2;
	o.method = BT_FD_CENTRAL;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &rc), BT_OK);
	o.method = BT_FD_RICHARDSON;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &rr), BT_OK);
	for (size_t b = 0; b < rc.nblocks; b++) {
		/* b_y enters L quadratically: every formula is exact there */
		if (rc.blocks[b].max_abs < 1e-9)
			continue;
		ck_assert_msg(rr.blocks[b].max_abs < 1e-2 * rc.blocks[b].max_abs,
			      "%s block %s at h = 1e-2: richardson %g, central %g", arch,
			      rc.blocks[b].name, rr.blocks[b].max_abs, rc.blocks[b].max_abs);
	}
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The worst entry's finite difference, recomputed by hand from bt_loss:
 * (4 D(h/2) − D(h)) / 3 for Richardson, (L(+h) − L(−h))/2h for central. */
START_TEST(test_formulas_by_hand)
{
	bt_model *mod = tu_model(var[_i].arch, var[_i].act, 2, 3, 2, 0.7, 60 + _i);
	bt_data *D = tu_data(6, 2, 2, 0, 4);
	for (int meth = BT_FD_CENTRAL; meth <= BT_FD_STENCIL4; meth++) {
		bt_check_options o;
		bt_check_options_default(&o);
		o.method = meth;
		o.step = 3e-3;
		bt_check_result r;
		ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_OK);
		for (size_t b = 0; b + 1 < r.nblocks; b++) {   /* parameter blocks */
			double *p = mod->theta + mod->blocks[b].offset + r.blocks[b].worst;
			double x0 = *p;
			volatile double xp = x0 + 3e-3 * fmax(1.0, fabs(x0));
			double h = xp - x0, L[5], off[5] = {h, -h, h / 2, -h / 2, 2 * h};
			for (int s = 0; s < 5; s++) {
				*p = x0 + off[s];
				ck_assert_int_eq(bt_loss(mod, D, &L[s]), BT_OK);
			}
			*p = x0;
			double D1 = (L[0] - L[1]) / (2 * h), D2 = (L[2] - L[3]) / h, want;
			if (meth == BT_FD_CENTRAL)
				want = D1;
			else if (meth == BT_FD_RICHARDSON)
				want = (4 * D2 - D1) / 3;
			else {
				double Lmm;
				*p = x0 - 2 * h;
				ck_assert_int_eq(bt_loss(mod, D, &Lmm), BT_OK);
				*p = x0;
				want = (-L[4] + 8 * L[0] - 8 * L[1] + Lmm) / (12 * h);
			}
			double got = r.blocks[b].worst_fd;
			ck_assert_msg(fabs(got - want) <= 1e-12 * fmax(1e-3, fabs(want)),
				      "%s %s block %s: fd %.17g, by hand %.17g", var[_i].arch,
				      bt_fd_method_name(meth), r.blocks[b].name, got, want);
		}
	}
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The V-shaped curve: along one direction, central's error falls as h²
 * and Richardson's and the stencil's as h⁴ where truncation dominates;
 * round-off makes every one rise again as h → 0; Richardson from h, h/2
 * is the stencil at h/2; the Taylor remainder goes as h². */
START_TEST(test_sweep)
{
	const char *arch = smooth[_i];
	bt_model *mod = tu_model(arch, BT_ACT_TANH, 3, 4, 2, 0.6, 70 + _i);
	bt_data *D = tu_data(8, 3, 2, 0, 5);
	size_t nh = 53;   /* 10^-13 … 10^0, 4 per decade */
	bt_fd_sweep *s;
	ck_assert_int_eq(bt_fd_sweep_alloc(&s, nh), BT_OK);
	for (size_t i = 0; i < nh; i++)
		s->h[i] = pow(10.0, -13.0 + (double)i / 4);
	bt_check_options o;
	bt_check_options_default(&o);
	o.seed = 11;
	ck_assert_int_eq(bt_gradcheck_sweep(mod, D, &o, s), BT_OK);
	double L;
	ck_assert_int_eq(bt_loss(mod, D, &L), BT_OK);
	/* the sweep's loss comes with its exact gradient (batched kernels),
	 * bt_loss from the per-sequence forward pass: equal to rounding */
	ck_assert_msg(fabs(s->loss - L) <= 1e-13 * fabs(L), "%s: loss %.17g vs %.17g",
		      arch, s->loss, L);
	ck_assert(fabs(s->exact) > 1e-3);
	double sc = slope(s->h, s->central, nh, 1e-2, 1e-1);
	double sr = slope(s->h, s->richardson, nh, 1e-2, pow(10, -0.5));
	double s4 = slope(s->h, s->stencil4, nh, 1e-2, pow(10, -0.5));
	double st = slope(s->h, s->taylor, nh, 1e-4, 1e-2);
	ck_assert_msg(fabs(sc - 2) < 0.2, "%s: central slope %g", arch, sc);
	ck_assert_msg(fabs(sr - 4) < 0.5, "%s: richardson slope %g", arch, sr);
	ck_assert_msg(fabs(s4 - 4) < 0.5, "%s: stencil slope %g", arch, s4);
	ck_assert_msg(fabs(st - 2) < 0.05, "%s: taylor slope %g", arch, st);
	/* richardson(h) = stencil4(h/2): rows 4 apart are a factor 10, so
	 * compare by interpolation-free means: h and h/2 both on a grid */
	bt_fd_sweep *s2;
	ck_assert_int_eq(bt_fd_sweep_alloc(&s2, 2), BT_OK);
	s2->h[0] = 0.05;
	s2->h[1] = 0.025;
	ck_assert_int_eq(bt_gradcheck_sweep(mod, D, &o, s2), BT_OK);
	ck_assert_msg(fabs(s2->richardson[0] - s2->stencil4[1]) <= 1e-3 * s2->stencil4[1] + 1e-13,
		      "%s: richardson(h) %g, stencil4(h/2) %g", arch, s2->richardson[0],
		      s2->stencil4[1]);
	/* the V: a minimum inside, far higher at both ends */
	size_t imin = 0;
	for (size_t i = 0; i < nh; i++)
		if (s->central[i] < s->central[imin])
			imin = i;
	ck_assert_msg(s->h[imin] > 1e-9 && s->h[imin] < 1e-3, "%s: central's best h %g", arch, s->h[imin]);
	ck_assert(s->central[0] > 100 * s->central[imin]);
	ck_assert(s->central[nh - 1] > 100 * s->central[imin]);
	ck_assert(s->richardson[0] > 100 * fmax(s->richardson[imin], 1e-16));
	bt_fd_sweep_free(s);
	bt_fd_sweep_free(s2);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* Required: the Taylor slope is 2.0 ± 0.1 for the true gradient, on every
 * block; b_y's remainder is ½h²·(number of counted steps) exactly. */
START_TEST(test_taylor_true_gradient)
{
	const char *arch = var[_i].arch;
	size_t T = 9;
	bt_model *mod = tu_model(arch, var[_i].act, 3, 4, 2, 0.6, 80 + _i);
	bt_data *D = tu_data(T, 3, 2, 1, 6);
	size_t counted = 0;
	for (size_t t = 0; t < T; t++)
		counted += (size_t)(D->M[t] = (t % 4 != 1));
	bt_check_options o;
	bt_check_options_default(&o);
	bt_taylor_result r;
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, &o, NULL, 0, &r), BT_OK);
	ck_assert_uint_eq(r.nh, 15);
	ck_assert_uint_eq(r.nblocks, mod->nblocks + 2);
	ck_assert_str_eq(r.blocks[mod->nblocks].name, "X");
	ck_assert_str_eq(r.blocks[mod->nblocks + 1].name, "all");
	for (size_t b = 0; b < r.nblocks; b++) {
		const bt_taylor_block *tb = &r.blocks[b];
		ck_assert_msg(tb->nused >= 3, "%s %s: %zu points above round-off", arch, tb->name, tb->nused);
		ck_assert_msg(fabs(tb->slope - 2.0) <= 0.1 && tb->ok,
			      "%s %s: slope %g", arch, tb->name, tb->slope);
	}
	ck_assert(r.ok);
	int iby = bt_model_find_block(mod, "b_y");
	const bt_taylor_block *tb = &r.blocks[iby];
	for (size_t i = 0; i < r.nh; i++) {
		double want = 0.5 * r.h[i] * r.h[i] * (double)counted;
		if (tb->used[i])
			ck_assert_msg(fabs(tb->rem[i] - want) <= 1e-6 * want + 1e-13 * r.loss,
				      "%s b_y h=%g: remainder %.17g, want %.17g", arch,
				      r.h[i], tb->rem[i], want);
	}
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* Required: with one block of the gradient perturbed (or dX), that block's
 * and the overall slope are 1.0 ± 0.1 and the verdict is no; the others
 * stay 2.0 ± 0.1. */
START_TEST(test_taylor_perturbed_block)
{
	const char *arch = var[_i].arch;
	size_t T = 7;
	bt_model *mod = tu_model(arch, var[_i].act, 3, 4, 2, 0.6, 90 + _i);
	bt_data *D = tu_data(T, 3, 2, 0, 7);
	size_t N = mod->nparams, NX = T * 3;
	double *g = malloc(N * sizeof(double)), *gx = malloc(NX * sizeof(double));
	ck_assert_int_eq(bt_gradient(mod, D, 0, NULL, g, gx), BT_OK);
	/* which block: the first, the middle one, or X */
	size_t which = _i % 3 == 0 ? 0 : _i % 3 == 1 ? mod->nblocks / 2 : mod->nblocks;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, 100 + _i);
	if (which < mod->nblocks) {
		const bt_block *bl = &mod->blocks[which];
		for (size_t i = 0; i < bl->rows * bl->cols; i++)
			g[bl->offset + i] += 0.1 + 0.05 * gsl_ran_gaussian(rng, 1.0);
	} else {
		for (size_t i = 0; i < NX; i++)
			gx[i] += 0.1 + 0.05 * gsl_ran_gaussian(rng, 1.0);
	}
	gsl_rng_free(rng);
	bt_check_options o;
	bt_check_options_default(&o);
	bt_taylor_result r;
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, g, gx, &o, NULL, 0, &r), BT_OK);
	for (size_t b = 0; b < r.nblocks; b++) {
		const bt_taylor_block *tb = &r.blocks[b];
		int wrong = b == which || b == r.nblocks - 1;
		double want = wrong ? 1.0 : 2.0;
		ck_assert_msg(fabs(tb->slope - want) <= 0.1 && tb->ok == !wrong,
			      "%s: %s perturbed, block %s: slope %g (want %g)", arch,
			      which < mod->nblocks ? mod->blocks[which].name : "X",
			      tb->name, tb->slope, want);
	}
	ck_assert(!r.ok);
	free(g);
	free(gx);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* A given gradient: one entry with its sign flipped is flagged as an
 * opposite sign, the block's relative error is 2 there and the worst
 * index points at it; an entry halved gives 0.5 and no flag. */
START_TEST(test_given_gradient_signs)
{
	const char *arch = var[_i].arch;
	bt_model *mod = tu_model(arch, var[_i].act, 2, 3, 2, 0.6, 110 + _i);
	bt_data *D = tu_data(6, 2, 2, 0, 8);
	size_t N = mod->nparams;
	double *g = malloc(N * sizeof(double));
	ck_assert_int_eq(bt_gradient(mod, D, 0, NULL, g, NULL), BT_OK);
	bt_check_result r0, r;
	ck_assert_int_eq(bt_gradcheck(mod, D, NULL, &r0), BT_OK);
	ck_assert_int_eq(bt_gradcheck_gradient(mod, D, g, NULL, NULL, &r), BT_OK);
	ck_assert(r0.ok && r.ok);
	for (size_t b = 0; b < r.nblocks; b++) {
		ck_assert_uint_eq(r.blocks[b].opposite, 0);
		ck_assert(r.blocks[b].max_abs == r0.blocks[b].max_abs);
	}
	/* the largest entry of block 0 flipped, the largest of V halved */
	const bt_block *b0 = &mod->blocks[0];
	int iV = bt_model_find_block(mod, "V");
	const bt_block *bV = &mod->blocks[iV];
	size_t i0 = 0, iv = 0;
	for (size_t i = 0; i < b0->rows * b0->cols; i++)
		if (fabs(g[b0->offset + i]) > fabs(g[b0->offset + i0]))
			i0 = i;
	for (size_t i = 0; i < bV->rows * bV->cols; i++)
		if (fabs(g[bV->offset + i]) > fabs(g[bV->offset + iv]))
			iv = i;
	g[b0->offset + i0] = -g[b0->offset + i0];
	g[bV->offset + iv] *= 0.5;
	ck_assert_int_eq(bt_gradcheck_gradient(mod, D, g, NULL, NULL, &r), BT_OK);
	ck_assert(!r.ok);
	ck_assert_uint_eq(r.blocks[0].opposite, 1);
	ck_assert_uint_eq(r.blocks[0].worst, i0);
	ck_assert(!r.blocks[0].ok);
	ck_assert_msg(fabs(r.blocks[0].max_rel - 2) < 1e-6, "%s: flipped entry rel %g", arch,
		      r.blocks[0].max_rel);
	ck_assert(r.blocks[0].worst_exact * r.blocks[0].worst_fd < 0);
	ck_assert_uint_eq(r.blocks[iV].opposite, 0);
	ck_assert_uint_eq(r.blocks[iV].worst, iv);
	ck_assert(fabs(r.blocks[iV].max_rel - 0.5) < 1e-6);
	for (size_t b = 1; b < r.nblocks; b++)
		if ((int)b != iV)
			ck_assert_msg(r.blocks[b].ok && r.blocks[b].opposite == 0, "%s %s", arch,
				      r.blocks[b].name);
	free(g);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

START_TEST(test_options)
{
	bt_check_options o;
	bt_check_options_default(&o);
	ck_assert_int_eq(o.method, BT_FD_CENTRAL);
	ck_assert_int_eq(bt_fd_method_from_name("richardson"), BT_FD_RICHARDSON);
	ck_assert_int_eq(bt_fd_method_from_name("stencil4"), BT_FD_STENCIL4);
	ck_assert_int_eq(bt_fd_method_from_name("central"), BT_FD_CENTRAL);
	ck_assert_int_eq(bt_fd_method_from_name("taylor"), -1);
	ck_assert_str_eq(bt_fd_method_name(BT_FD_RICHARDSON), "richardson");
	bt_model *mod = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	bt_data *D = tu_data(4, 2, 1, 0, 2);
	bt_check_result r;
	bt_check_dir_result dr;
	/* order 4 is the stencil; with Richardson it is a contradiction */
	o.order = 4;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_OK);
	ck_assert_int_eq(r.method, BT_FD_STENCIL4);
	o.method = BT_FD_RICHARDSON;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_EINVAL);
	o.order = 2;
	o.method = 3;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_EINVAL);
	o.method = BT_FD_RICHARDSON;
	ck_assert_int_eq(bt_gradcheck_directional(mod, D, &o, &dr), BT_OK);
	ck_assert(dr.ok);
	bt_taylor_result tr;
	double h[BT_TAYLOR_MAX_H + 1];
	for (size_t i = 0; i <= BT_TAYLOR_MAX_H; i++)
		h[i] = pow(10, -1 - 0.2 * (double)i);
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, NULL, h, 0, &tr), BT_EINVAL);
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, NULL, h, BT_TAYLOR_MAX_H + 1, &tr), BT_EINVAL);
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, NULL, h, 5, &tr), BT_OK);
	ck_assert_uint_eq(tr.nh, 5);
	ck_assert(tr.h[4] == h[4]);
	h[2] = -1e-3;
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, NULL, h, 5, &tr), BT_EINVAL);
	/* two points: no slope, no verdict */
	h[2] = 1e-3;
	ck_assert_int_eq(bt_gradcheck_taylor(mod, D, NULL, NULL, NULL, h, 2, &tr), BT_OK);
	ck_assert(isnan(tr.blocks[0].slope) && !tr.blocks[0].ok && !tr.ok);
	bt_fd_sweep *s;
	ck_assert_int_eq(bt_fd_sweep_alloc(&s, 0), BT_EINVAL);
	ck_assert_int_eq(bt_fd_sweep_alloc(&s, 2), BT_OK);
	s->h[0] = 1e-3;   /* h[1] left 0 */
	ck_assert_int_eq(bt_gradcheck_sweep(mod, D, NULL, s), BT_EINVAL);
	bt_fd_sweep_free(s);
	bt_fd_sweep_free(NULL);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* ---- the threads of the entry-by-entry check ---------------------------- */

/* Threads 1, 2, 3 give the same numeric gradient and the same report, bit
 * for bit (every entry is the same operations on the same numbers); the
 * numeric gradient of 3 threads is, entry by entry, the method's formula
 * redone by hand from bt_loss. */
START_TEST(test_threads_identical)
{
	const char *arch = smooth[_i];
	bt_model *mod = tu_model(arch, BT_ACT_TANH, 2, 3, 2, 0.6, 90 + _i);
	bt_data *D = tu_data(7, 2, 2, 1, 11);
	size_t N = mod->nparams, NX = D->T * D->d;
	int meth = _i % 3;
	bt_check_options o;
	bt_check_options_default(&o);
	o.method = meth;
	double *fd[3], *fdX[3];
	bt_check_result r[3];
	for (int k = 0; k < 3; k++) {
		o.threads = (size_t)k + 1;
		ck_assert_uint_eq(bt_check_threads(mod, D, &o), (size_t)k + 1);
		fd[k] = malloc(N * sizeof(double));
		fdX[k] = malloc(NX * sizeof(double));
		ck_assert_int_eq(bt_fd_gradient(mod, D, &o, fd[k], fdX[k]), BT_OK);
		ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r[k]), BT_OK);
	}
	ck_assert_msg(r[0].ok, "%s: the check disagrees", arch);
	for (int k = 1; k < 3; k++) {
		ck_assert_msg(!memcmp(fd[k], fd[0], N * sizeof(double)) &&
			      !memcmp(fdX[k], fdX[0], NX * sizeof(double)),
			      "%s %s: %d threads give another numeric gradient", arch,
			      bt_fd_method_name(meth), k + 1);
		ck_assert_msg(!memcmp(&r[k], &r[0], sizeof r[0]),
			      "%s %s: %d threads give another report", arch,
			      bt_fd_method_name(meth), k + 1);
	}
	/* by hand, every entry (parameters, then X) */
	double step = meth == BT_FD_CENTRAL ? cbrt(DBL_EPSILON) : pow(DBL_EPSILON, 0.2);
	for (size_t i = 0; i < N + NX; i++) {
		double *p = i < N ? mod->theta + i : D->X + (i - N);
		double got = i < N ? fd[2][i] : fdX[2][i - N];
		double x0 = *p;
		volatile double xp = x0 + step * fmax(1.0, fabs(x0));
		double h = xp - x0, off[6] = {h, -h, h / 2, -h / 2, 2 * h, -2 * h}, L[6];
		for (int s = 0; s < 6; s++) {
			*p = x0 + off[s];
			ck_assert_int_eq(bt_loss(mod, D, &L[s]), BT_OK);
		}
		*p = x0;
		double D1 = (L[0] - L[1]) / (2 * h), D2 = (L[2] - L[3]) / h, want;
		if (meth == BT_FD_CENTRAL)
			want = D1;
		else if (meth == BT_FD_RICHARDSON)
			want = (4 * D2 - D1) / 3;
		else
			want = (-L[4] + 8 * L[0] - 8 * L[1] + L[5]) / (12 * h);
		ck_assert_msg(fabs(got - want) <= 1e-12 * fmax(1e-3, fabs(want)),
			      "%s %s entry %zu: fd %.17g, by hand %.17g", arch,
			      bt_fd_method_name(meth), i, got, want);
	}
	for (int k = 0; k < 3; k++) {
		free(fd[k]);
		free(fdX[k]);
	}
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The progress hook is called from the calling thread only, with counts
 * that never go back and never pass the total; stopping it, or a cancel
 * request, stops every thread. */
static pthread_t hook_thread;
static size_t hook_calls, hook_last, hook_total, hook_stop, hook_after_stop;
static int hook_other_thread, hook_backwards;
static int threads_hook(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	ck_assert_str_eq(what, "finite differences");
	if (!pthread_equal(pthread_self(), hook_thread))
		hook_other_thread = 1;
	if (hook_calls && done < hook_last)
		hook_backwards = 1;
	ck_assert_uint_le(done, total);
	hook_calls++;
	hook_last = done;
	hook_total = total;
	hook_after_stop += hook_stop && done >= hook_stop;
	return hook_stop && done >= hook_stop;
}

START_TEST(test_threads_progress_cancel)
{
	bt_model *mod = tu_model("lstm", BT_ACT_TANH, 3, 5, 2, 0.5, 7);
	bt_data *D = tu_data(30, 3, 2, 0, 8);
	size_t NT = mod->nparams + D->T * D->d;
	bt_check_options o;
	bt_check_options_default(&o);
	o.threads = 3;
	bt_check_result r;
	hook_thread = pthread_self();
	hook_calls = hook_last = hook_total = hook_stop = 0;
	hook_other_thread = hook_backwards = 0;
	bt_set_progress(threads_hook, NULL);
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_OK);
	ck_assert(r.ok);
	ck_assert_msg(!hook_other_thread, "the hook was called from a worker thread");
	ck_assert(!hook_backwards);
	ck_assert_uint_eq(hook_total, NT);
	/* worker 0 polls before each of its third of the entries */
	ck_assert_uint_ge(hook_calls, NT / 3);
	/* the hook stops it: every thread stops soon after */
	hook_calls = 0;
	hook_stop = NT / 4;
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_ECANCELED);
	/* the first count at or past the stop was the last call (the other
	 * workers may have run ahead of worker 0 in between) */
	ck_assert_uint_ge(hook_last, hook_stop);
	ck_assert_uint_eq(hook_after_stop, 1);
	ck_assert(!hook_other_thread && !hook_backwards);
	bt_set_progress(NULL, NULL);
	/* a cancel request stops every thread before anything */
	double *fd = malloc(mod->nparams * sizeof(double)), *fdX = malloc(D->T * D->d * sizeof(double));
	bt_cancel_request();
	ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r), BT_ECANCELED);
	ck_assert_int_eq(bt_fd_gradient(mod, D, &o, fd, fdX), BT_ECANCELED);
	bt_cancel_reset();
	ck_assert_int_eq(bt_fd_gradient(mod, D, &o, fd, fdX), BT_OK);
	free(fd);
	free(fdX);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* The default count: 1 for tiny work, at most 8, never more than the
 * entries; an explicit count is kept (up to the entries). */
START_TEST(test_threads_count)
{
	bt_model *mod = tu_model("rnn", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	bt_data *D = tu_data(4, 2, 1, 0, 2);
	size_t NT = mod->nparams + D->T * D->d;   /* 9 + 6 + 3 + 3 + 1 + 8 = 30 */
	bt_check_options o;
	bt_check_options_default(&o);
	ck_assert_uint_eq(o.threads, 0);
	ck_assert_uint_eq(bt_check_threads(mod, D, &o), 1);
	ck_assert_uint_eq(bt_check_threads(mod, D, NULL), 1);
	o.threads = 5;
	ck_assert_uint_eq(bt_check_threads(mod, D, &o), 5);
	o.threads = 1000;
	ck_assert_uint_eq(bt_check_threads(mod, D, &o), NT);
	bt_model *big = tu_model("gru", BT_ACT_TANH, 8, 32, 4, 0.2, 3);
	bt_data *DB = tu_data(100, 8, 4, 0, 4);
	o.threads = 0;
	long np = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = np < 1 ? 1 : np > 8 ? 8 : (size_t)np;
	ck_assert_uint_eq(bt_check_threads(big, DB, &o), want);
	bt_model_free(big);
	bt_data_free(DB);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* A forward pass that fails in some entries' differences: the check still
 * goes over every entry and reports, with BT_ENUMERIC, the same for 1, 2
 * and 3 threads. (V U x)² just below the largest double, U x = 1e10: a
 * step up in U, V or x (relative 6e-6) overflows it, one in b or b_y
 * (absolute, 6e-6) does not, and W multiplies h_0 = 0. The entries that
 * fail, U, V and x (1, 3 and 5 of W U b V b_y x), all go to the second
 * of two threads. */
START_TEST(test_threads_failed_forward)
{
	bt_dims dims = {1, 1, 1};
	bt_model *mod = NULL;
	ck_assert_int_eq(bt_model_alloc(&mod, bt_cell_lookup("linear"), dims, BT_ACT_TANH), BT_OK);
	static const char *const names[5] = {"W", "U", "b", "V", "b_y"};
	const double vals[5] = {0.25, 1e10, 0.0, sqrt(DBL_MAX * (1 - 1e-7)) / 1e10, 0.0};
	for (int i = 0; i < 5; i++) {
		int ib = bt_model_find_block(mod, names[i]);
		ck_assert_int_ge(ib, 0);
		mod->theta[mod->blocks[ib].offset] = vals[i];
	}
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, 1, 1, 1, 0), BT_OK);
	D->X[0] = 1;
	D->Y[0] = 0;
	double L;
	ck_assert_int_eq(bt_loss(mod, D, &L), BT_OK);
	bt_check_options o;
	bt_check_options_default(&o);
	bt_check_result r[3];
	double fd[3][5], fdX[3][1];
	for (int k = 0; k < 3; k++) {
		o.threads = (size_t)k + 1;
		ck_assert_int_eq(bt_gradcheck(mod, D, &o, &r[k]), BT_ENUMERIC);
		ck_assert_int_eq(bt_fd_gradient(mod, D, &o, fd[k], fdX[k]), BT_ENUMERIC);
		ck_assert_uint_eq(r[k].nblocks, 6);
		ck_assert(!memcmp(&r[k], &r[0], sizeof r[0]));
		ck_assert(!memcmp(fd[k], fd[0], sizeof fd[0]) && !memcmp(fdX[k], fdX[0], sizeof fdX[0]));
	}
	/* W's difference is exactly 0, as its gradient, and its block
	 * agrees; b's is finite; U's, V's and x's overflowed */
	int iw = bt_model_find_block(mod, "W");
	ck_assert(fd[0][mod->blocks[iw].offset] == 0);
	ck_assert(r[0].blocks[iw].ok);
	ck_assert(isfinite(fd[0][mod->blocks[bt_model_find_block(mod, "b")].offset]));
	ck_assert(!isfinite(fd[0][mod->blocks[bt_model_find_block(mod, "U")].offset]));
	ck_assert(!isfinite(fd[0][mod->blocks[bt_model_find_block(mod, "V")].offset]));
	ck_assert(!isfinite(fdX[0][0]));
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

int main(void)
{
	for (size_t i = 0; i < bt_cell_count(); i++) {
		const bt_cell_type *t = bt_cell_at(i);
		smooth[nsmooth++] = bt_cell_name(t);
		int na = bt_cell_has_activation(t) ? 4 : 1;
		for (int a = 0; a < na; a++) {
			var[nvar].arch = bt_cell_name(t);
			var[nvar++].act = (bt_activation)a;
		}
	}
	Suite *s = suite_create("checkmodes");
	TCase *tc = tcase_create("checkmodes");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_richardson_beats_central, 0, (int)nsmooth);
	tcase_add_loop_test(tc, test_formulas_by_hand, 0, (int)nvar);
	tcase_add_loop_test(tc, test_sweep, 0, (int)nsmooth);
	tcase_add_loop_test(tc, test_taylor_true_gradient, 0, (int)nvar);
	tcase_add_loop_test(tc, test_taylor_perturbed_block, 0, (int)nvar);
	tcase_add_loop_test(tc, test_given_gradient_signs, 0, (int)nvar);
	tcase_add_test(tc, test_options);
	suite_add_tcase(s, tc);
	TCase *tt = tcase_create("threads");
	tcase_set_timeout(tt, 120);
	tcase_add_loop_test(tt, test_threads_identical, 0, (int)nsmooth);
	tcase_add_test(tt, test_threads_progress_cancel);
	tcase_add_test(tt, test_threads_count);
	tcase_add_test(tt, test_threads_failed_forward);
	suite_add_tcase(s, tt);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
