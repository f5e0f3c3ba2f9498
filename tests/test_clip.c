/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_clip.c — gradient clipping (clip.c): the spec's global-norm clipping
 * g̃ = min(1, c/‖g‖)·g and element-wise value clipping, against plain-loop
 * computations in long double and closed forms.
 *
 *  - the seed's example: ‖g‖ ≈ 965 with c = 10 gives norm 10, same
 *    direction; once as a one-entry gradient, once as the exact gradient
 *    of a one-unit linear RNN (checked against its closed form);
 *  - a norm below (or at) c is untouched, bit for bit (memcmp);
 *  - above c: every entry is g_i·c/‖g‖, the norm is c, the cosine 1;
 *  - norms without overflow or underflow (entries near 1e300, 1e-300);
 *  - value clipping entry by entry, its norms and cosine;
 *  - every architecture: the norm is over all parameter blocks at once. */
#include "testutil.h"
#include <float.h>

static int close_to(double a, double b, double tol)
{
	return fabs(a - b) <= tol * fmax(fabs(a), fabs(b));
}

/* Plain-loop norm and cosine in long double (range to 1e4932: no scaling). */
static double ld_norm(const double *v, size_t N)
{
	long double s = 0;
	for (size_t i = 0; i < N; i++)
		s += (long double)v[i] * v[i];
	return (double)sqrtl(s);
}

static double ld_cos(const double *u, const double *v, size_t N)
{
	long double uv = 0, uu = 0, vv = 0;
	for (size_t i = 0; i < N; i++) {
		uv += (long double)u[i] * v[i];
		uu += (long double)u[i] * u[i];
		vv += (long double)v[i] * v[i];
	}
	return (double)(uv / sqrtl(uu * vv));
}

/* An irregular vector: N(0, 1) entries times spread-out magnitudes. */
static double *irregular(size_t N, unsigned long seed)
{
	double *g = malloc(N * sizeof(double));
	ck_assert_ptr_nonnull(g);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	for (size_t i = 0; i < N; i++)
		g[i] = gsl_ran_gaussian(r, 1.0) * pow(10.0, (double)(i % 7) / 3.0 - 1.0);
	gsl_rng_free(r);
	return g;
}

/* ==== the seed's example ======================================================== */

START_TEST(test_seed_example_one_entry)
{
	const double g[1] = {965.0};
	double out[1];
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_norm(g, 1, 10.0, out, &r), BT_OK);
	ck_assert(out[0] == 10.0);
	ck_assert(r.norm_before == 965.0 && r.norm_after == 10.0);
	ck_assert(r.cosine == 1.0 && r.threshold == 10.0 && r.changed == 1);
	/* a negative one keeps its sign */
	const double gn[1] = {-965.0};
	ck_assert_int_eq(bt_clip_norm(gn, 1, 10.0, out, &r), BT_OK);
	ck_assert(out[0] == -10.0 && r.cosine == 1.0);
}
END_TEST

/* The one-unit linear RNN h_t = a h_{t-1} + u x_t + b, ŷ_t = v h_t + b_y,
 * with a = 1.196, u = 1, b = 0, v = 1, b_y = 0, x = (1, 0, …, 0), y = 0,
 * T = 11: h_t = a^{t-1}, L = ½ Σ h_t², and
 *   ∂L/∂a   = Σ_t (t−1) a^{2t−3}      ∂L/∂u = Σ_t a^{2(t−1)}
 *   ∂L/∂b   = Σ_t a^{t−1} Σ_{j<t} a^j ∂L/∂v = Σ_t a^{2(t−1)}
 *   ∂L/∂b_y = Σ_t a^{t−1};
 * ‖g‖ ≈ 962, an explosive gradient like the seed's 965. */
START_TEST(test_seed_example_rnn)
{
	const double a = 1.196;
	const size_t T = 11;
	bt_dims dims = {1, 1, 1};
	bt_model *m = NULL;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("linear"), dims, BT_ACT_TANH), BT_OK);
	static const char *const names[5] = {"W", "U", "b", "V", "b_y"};
	const double vals[5] = {a, 1.0, 0.0, 1.0, 0.0};
	for (int i = 0; i < 5; i++)
		m->theta[m->blocks[bt_model_find_block(m, names[i])].offset] = vals[i];
	bt_data *d = NULL;
	ck_assert_int_eq(bt_data_alloc(&d, T, 1, 1, 0), BT_OK);
	for (size_t t = 0; t < T; t++) {
		d->X[t] = t == 0 ? 1.0 : 0.0;
		d->Y[t] = 0.0;
	}
	double g[5], dX[11], out[5];
	double L;
	ck_assert_int_eq(bt_gradient(m, d, 0, &L, g, dX), BT_OK);
	/* the closed form */
	double want[5] = {0, 0, 0, 0, 0};
	for (size_t t = 1; t <= T; t++) {
		double ht = pow(a, (double)t - 1), geo = 0;
		for (size_t j = 0; j < t; j++)
			geo += pow(a, (double)j);
		want[0] += (double)(t - 1) * pow(a, 2.0 * (double)t - 3.0);
		want[1] += ht * ht;
		want[2] += ht * geo;
		want[3] += ht * ht;
		want[4] += ht;
	}
	for (int i = 0; i < 5; i++) {
		size_t off = m->blocks[bt_model_find_block(m, names[i])].offset;
		ck_assert_msg(close_to(g[off], want[i], 1e-12), "dL/d%s = %.17g, closed form %.17g",
			      names[i], g[off], want[i]);
	}
	double n = ld_norm(g, 5);
	ck_assert_msg(n > 955 && n < 975, "|g| = %g, not about 965", n);
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_norm(g, 5, 10.0, out, &r), BT_OK);
	ck_assert(close_to(r.norm_before, n, 1e-15));
	ck_assert_msg(fabs(r.norm_after - 10.0) <= 1e-14, "norm after %.17g", r.norm_after);
	ck_assert(close_to(ld_norm(out, 5), 10.0, 1e-15));
	ck_assert_msg(fabs(r.cosine - 1.0) <= 1e-15, "cosine 1 - %g", 1 - r.cosine);
	for (int i = 0; i < 5; i++)
		ck_assert_msg(close_to(out[i], (double)((long double)g[i] * 10 / n), 3e-16),
			      "entry %d: %.17g, want %.17g", i, out[i], g[i] * 10.0 / n);
	ck_assert(r.changed == 5);
	bt_data_free(d);
	bt_model_free(m);
}
END_TEST

/* ==== below c: untouched ========================================================= */

START_TEST(test_below_untouched)
{
	const size_t N = 37;
	double *g = irregular(N, 11), *out = malloc(N * sizeof(double));
	double *orig = malloc(N * sizeof(double));
	ck_assert(out && orig);
	memcpy(orig, g, N * sizeof(double));
	double n = ld_norm(g, N);
	bt_clip_result r;
	const double cs[3] = {n * 1.0001, 3 * n + 0.7, 1e300};
	for (int j = 0; j < 3; j++) {
		memset(out, 0xA5, N * sizeof(double));
		ck_assert_int_eq(bt_clip_norm(g, N, cs[j], out, &r), BT_OK);
		ck_assert_msg(memcmp(out, g, N * sizeof(double)) == 0,
			      "c = %g: the gradient changed", cs[j]);
		ck_assert(r.norm_after == r.norm_before && r.cosine == 1.0 && r.changed == 0);
		ck_assert(close_to(r.norm_before, n, 1e-15));
	}
	/* c exactly ‖g‖ (min(1, c/‖g‖) = 1) */
	ck_assert_int_eq(bt_clip_norm(g, N, r.norm_before, out, &r), BT_OK);
	ck_assert(memcmp(out, g, N * sizeof(double)) == 0);
	const double g34[2] = {3.0, -4.0};
	double o34[2];
	ck_assert_int_eq(bt_clip_norm(g34, 2, 5.0, o34, &r), BT_OK);
	ck_assert(memcmp(o34, g34, sizeof g34) == 0 && r.norm_before == 5.0);
	/* in place */
	ck_assert_int_eq(bt_clip_norm(g, N, 2 * n, g, &r), BT_OK);
	ck_assert(memcmp(g, orig, N * sizeof(double)) == 0);
	/* value clipping with every entry inside [−c, c] */
	ck_assert_int_eq(bt_clip_value(g, N, 1e9, out, &r), BT_OK);
	ck_assert(memcmp(out, g, N * sizeof(double)) == 0 && r.changed == 0 && r.cosine == 1.0);
	free(g);
	free(out);
	free(orig);
}
END_TEST

/* ==== above c ===================================================================== */

START_TEST(test_norm_above)
{
	const size_t N = 53;
	double *g = irregular(N, 12), *out = malloc(N * sizeof(double));
	double *in = malloc(N * sizeof(double));
	ck_assert(out && in);
	double n = ld_norm(g, N);
	const double c = n / 7.3;
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_norm(g, N, c, out, &r), BT_OK);
	ck_assert(close_to(r.norm_before, n, 1e-15));
	ck_assert_msg(close_to(r.norm_after, c, 1e-15), "norm after %.17g, c %.17g", r.norm_after, c);
	ck_assert(close_to(ld_norm(out, N), c, 1e-15));
	ck_assert_msg(fabs(r.cosine - 1) <= 1e-15, "cosine 1 - %g", 1 - r.cosine);
	ck_assert(fabs(ld_cos(g, out, N) - 1) <= 1e-15);
	/* the same direction, entry by entry: g̃_i = g_i · c/‖g‖ */
	for (size_t i = 0; i < N; i++)
		ck_assert_msg(close_to(out[i], (double)((long double)g[i] * c / n), 3e-16),
			      "entry %zu: %.17g vs %.17g", i, out[i], g[i] * c / n);
	ck_assert(r.changed == N);
	/* in place gives the same bits and the same report */
	memcpy(in, g, N * sizeof(double));
	bt_clip_result ri;
	ck_assert_int_eq(bt_clip_norm(in, N, c, in, &ri), BT_OK);
	ck_assert(memcmp(in, out, N * sizeof(double)) == 0);
	ck_assert(memcmp(&ri, &r, sizeof r) == 0);
	free(g);
	free(out);
	free(in);
}
END_TEST

/* Norms where a plain sum of squares over- or underflows a double. */
START_TEST(test_norm_range)
{
	enum { N = 20 };
	double big[N], tiny[N], out[N], w = 0;
	for (int i = 0; i < N; i++) {
		double f = 1.0 + 0.37 * i - 0.011 * i * i;
		big[i] = 3e300 * f * (i % 3 ? 1 : -1);
		tiny[i] = 3e-300 * f;
		w += f * f;
	}
	w = sqrt(w);   /* ‖f‖ */
	ck_assert(close_to(bt_vector_norm(big, N), 3e300 * w, 1e-14));
	ck_assert(close_to(bt_vector_norm(tiny, N), 3e-300 * w, 1e-14));
	ck_assert(close_to(bt_vector_norm(big, N), ld_norm(big, N), 1e-15));
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_norm(big, N, 2.5, out, &r), BT_OK);
	ck_assert(close_to(r.norm_before, 3e300 * w, 1e-14));
	ck_assert(close_to(r.norm_after, 2.5, 1e-15) && fabs(r.cosine - 1) <= 1e-15);
	for (int i = 0; i < N; i++)
		ck_assert(isfinite(out[i]) && close_to(out[i], big[i] / (3e300 * w) * 2.5, 1e-14));
	/* tiny gradients are below any sensible c: untouched */
	ck_assert_int_eq(bt_clip_norm(tiny, N, 1e-310, out, &r), BT_OK);
	ck_assert(close_to(r.norm_after, 1e-310, 1e-6));   /* subnormal result */
	ck_assert_int_eq(bt_clip_norm(tiny, N, 1.0, out, &r), BT_OK);
	ck_assert(memcmp(out, tiny, sizeof tiny) == 0);
	/* a norm beyond the largest double is refused, not clipped to 0 */
	double huge[2] = {DBL_MAX, DBL_MAX};
	ck_assert_int_eq(bt_clip_norm(huge, 2, 1.0, out, &r), BT_ENUMERIC);
	ck_assert(isinf(bt_vector_norm(huge, 2)));
	/* cosines: exactly 1 with itself, −1 with its negative, ≈ 0 across */
	double u[3] = {2.5e200, -1.25e200, 7e199}, v[3] = {-2.5e200, 1.25e200, -7e199};
	ck_assert(bt_vector_cosine(u, u, 3) == 1.0);
	ck_assert(bt_vector_cosine(u, v, 3) == -1.0);
	double p[2] = {3e-200, 4e-200}, q[2] = {-4e-200, 3e-200};
	ck_assert(fabs(bt_vector_cosine(p, q, 2)) <= 1e-16);
}
END_TEST

/* ==== value clipping ============================================================= */

START_TEST(test_value)
{
	const size_t N = 61;
	double *g = irregular(N, 13), *out = malloc(N * sizeof(double));
	double *in = malloc(N * sizeof(double)), *want = malloc(N * sizeof(double));
	ck_assert(out && in && want);
	const double c = 0.8137;
	size_t changed = 0;
	for (size_t i = 0; i < N; i++) {
		want[i] = g[i] > c ? c : g[i] < -c ? -c : g[i];
		changed += want[i] != g[i];
	}
	ck_assert(changed > 5 && changed < N - 5);   /* both kinds of entries */
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_value(g, N, c, out, &r), BT_OK);
	ck_assert(memcmp(out, want, N * sizeof(double)) == 0);
	ck_assert_int_eq(r.changed, changed);
	ck_assert(close_to(r.norm_before, ld_norm(g, N), 1e-15));
	ck_assert(close_to(r.norm_after, ld_norm(want, N), 1e-15));
	double cw = ld_cos(g, want, N);
	ck_assert_msg(fabs(r.cosine - cw) <= 1e-15, "cosine %.17g, want %.17g", r.cosine, cw);
	ck_assert(r.cosine < 0.999);   /* the direction turned */
	memcpy(in, g, N * sizeof(double));
	bt_clip_result ri;
	ck_assert_int_eq(bt_clip_value(in, N, c, in, &ri), BT_OK);
	ck_assert(memcmp(in, want, N * sizeof(double)) == 0 && memcmp(&ri, &r, sizeof r) == 0);
	free(g);
	free(out);
	free(in);
	free(want);
}
END_TEST

START_TEST(test_refusals)
{
	double g[3] = {1.5, -2.0, 0.25}, out[3];
	bt_clip_result r;
	const double bad_c[4] = {0.0, -1.0, NAN, INFINITY};
	for (int j = 0; j < 4; j++) {
		ck_assert_int_eq(bt_clip_norm(g, 3, bad_c[j], out, &r), BT_EINVAL);
		ck_assert_int_eq(bt_clip_value(g, 3, bad_c[j], out, &r), BT_EINVAL);
	}
	ck_assert_int_eq(bt_clip_norm(g, 0, 1.0, out, &r), BT_EINVAL);
	ck_assert_int_eq(bt_clip_norm(NULL, 3, 1.0, out, &r), BT_EINVAL);
	ck_assert_int_eq(bt_clip_norm(g, 3, 1.0, NULL, &r), BT_EINVAL);
	ck_assert_int_eq(bt_clip_norm(g, 3, 1.0, out, NULL), BT_EINVAL);
	g[1] = NAN;
	ck_assert_int_eq(bt_clip_norm(g, 3, 1.0, out, &r), BT_ENUMERIC);
	ck_assert_int_eq(bt_clip_value(g, 3, 1.0, out, &r), BT_ENUMERIC);
	g[1] = -INFINITY;
	ck_assert_int_eq(bt_clip_norm(g, 3, 1.0, out, &r), BT_ENUMERIC);
	/* a zero gradient: nothing to clip, no direction */
	double z[4] = {0, 0, 0, 0}, oz[4] = {1, 1, 1, 1};
	ck_assert_int_eq(bt_clip_norm(z, 4, 1.0, oz, &r), BT_OK);
	ck_assert(memcmp(oz, z, sizeof z) == 0 && r.norm_before == 0 && r.norm_after == 0);
	ck_assert(isnan(r.cosine));
	ck_assert_int_eq(bt_clip_value(z, 4, 1.0, oz, &r), BT_OK);
	ck_assert(isnan(r.cosine) && r.changed == 0);
}
END_TEST

/* ==== every architecture: one norm over all blocks ================================= */

START_TEST(test_all_blocks)
{
	const char *arch = bt_cell_name(bt_cell_at((size_t)_i));
	bt_model *m = tu_model(arch, BT_ACT_TANH, 3, 4, 2, 0.7, 31 + (unsigned long)_i);
	bt_data *d = tu_data(9, 3, 2, 0, 32);
	size_t P = m->nparams;
	double *g = malloc(P * sizeof(double)), *out = malloc(P * sizeof(double));
	ck_assert(g && out);
	ck_assert_int_eq(bt_gradient(m, d, 0, NULL, g, NULL), BT_OK);
	/* ‖g‖² as the sum over the named blocks of their squared norms */
	long double s2 = 0;
	for (size_t i = 0; i < m->nblocks; i++) {
		gsl_matrix_const_view v = bt_block_const_view(m, g, i);
		for (size_t a = 0; a < v.matrix.size1; a++)
			for (size_t b = 0; b < v.matrix.size2; b++) {
				double x = gsl_matrix_get(&v.matrix, a, b);
				s2 += (long double)x * x;
			}
	}
	double n = (double)sqrtl(s2), c = n / 3.1;
	bt_clip_result r;
	ck_assert_int_eq(bt_clip_norm(g, P, c, out, &r), BT_OK);
	ck_assert_msg(close_to(r.norm_before, n, 1e-14), "%s: |g| %.17g, blocks %.17g", arch, r.norm_before, n);
	/* every block shrinks by the same factor c/‖g‖ */
	for (size_t i = 0; i < m->nblocks; i++) {
		gsl_matrix_const_view v = bt_block_const_view(m, g, i);
		gsl_matrix_const_view w = bt_block_const_view(m, out, i);
		for (size_t a = 0; a < v.matrix.size1; a++)
			for (size_t b = 0; b < v.matrix.size2; b++) {
				double x = gsl_matrix_get(&v.matrix, a, b);
				double y = gsl_matrix_get(&w.matrix, a, b);
				ck_assert_msg(fabs(y - x / 3.1) <= 1e-14 * n,
					      "%s block %s: %.17g vs %.17g", arch,
					      m->blocks[i].name, y, x / 3.1);
			}
	}
	free(g);
	free(out);
	bt_data_free(d);
	bt_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clip");
	TCase *tc = tcase_create("clip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_seed_example_one_entry);
	tcase_add_test(tc, test_seed_example_rnn);
	tcase_add_test(tc, test_below_untouched);
	tcase_add_test(tc, test_norm_above);
	tcase_add_test(tc, test_norm_range);
	tcase_add_test(tc, test_value);
	tcase_add_test(tc, test_refusals);
	tcase_add_loop_test(tc, test_all_blocks, 0, (int)bt_cell_count());
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
