/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clip.c — gradient clipping, and the norms and cosines it is judged by.
 *
 * Global-norm clipping (the spec):   g̃ = min(1, c/‖g‖) · g,
 * ‖g‖ the Euclidean norm over all parameters at once. It changes the
 * length of g, never its direction.
 *
 * Value clipping:                     g̃_i = min(c, max(−c, g_i)),
 * element-wise; it bounds every entry but turns the direction towards the
 * diagonals (cos(g, g̃) < 1 as soon as an entry is cut).
 *
 * Norms are computed in two passes, ‖g‖ = s·‖g/s‖ with s = max_i |g_i|, so
 * that they neither overflow (entries near 1e300) nor lose everything to
 * underflow (entries near 1e-300). */
#include <math.h>
#include <string.h>
#include "bt.h"

static double max_abs(const double *v, size_t N)
{
	double s = 0;
	for (size_t i = 0; i < N; i++)
		s = fmax(s, fabs(v[i]));
	return s;
}

double bt_vector_norm(const double *v, size_t N)
{
	double s = max_abs(v, N);
	if (s == 0 || !isfinite(s))
		return s;
	double sum = 0;
	for (size_t i = 0; i < N; i++) {
		double x = v[i] / s;
		sum += x * x;
	}
	return s * sqrt(sum);
}

/* cos(u, v) = Σ (u_i/s_u)(v_i/s_v) / sqrt(Σ (u_i/s_u)² · Σ (v_i/s_v)²):
 * the scaled sums lie in [1, N], so nothing over- or underflows, and for
 * u = v the three sums are the same number, which makes the result exactly
 * 1 (sqrt(x·x) = x in binary floating point). Clamped to [−1, 1]. */
double bt_vector_cosine(const double *u, const double *v, size_t N)
{
	double su = max_abs(u, N), sv = max_abs(v, N);
	if (su == 0 || sv == 0 || !isfinite(su) || !isfinite(sv))
		return NAN;
	double uv = 0, uu = 0, vv = 0;
	for (size_t i = 0; i < N; i++) {
		double a = u[i] / su, b = v[i] / sv;
		uv += a * b;
		uu += a * a;
		vv += b * b;
	}
	double c = uv / sqrt(uu * vv);
	return fmin(1.0, fmax(-1.0, c));
}

static int check_args(const double *g, size_t N, double c, const double *out,
		      const bt_clip_result *res)
{
	if (!g || !out || !res || N < 1 || !(c > 0) || !isfinite(c))
		return BT_EINVAL;
	for (size_t i = 0; i < N; i++)
		if (!isfinite(g[i]))
			return BT_ENUMERIC;
	return BT_OK;
}

enum { BY_NORM, BY_VALUE };

/* g̃_i for either method; norm is ‖g‖ (BY_NORM with ‖g‖ > c only). */
static double clipped(int how, double gi, double c, double norm)
{
	if (how == BY_VALUE)
		return fmin(c, fmax(-c, gi));
	/* (g_i/‖g‖)·c: |g_i/‖g‖| ≤ 1, so nothing overflows however large ‖g‖
	 * is, and a gradient of one entry becomes exactly ±c */
	return gi / norm * c;
}

/* Fills out with g̃ and res with its statistics. Every g̃_i is recomputed
 * from g_i, and out_i written only after g_i was read for the last time,
 * so out may be g itself. */
static int clip(int how, const double *g, size_t N, double c, double *out,
		bt_clip_result *res)
{
	int st = check_args(g, N, c, out, res);
	if (st != BT_OK)
		return st;
	double norm = bt_vector_norm(g, N);
	if (!isfinite(norm))     /* entries near DBL_MAX: ‖g‖ is not a double */
		return BT_ENUMERIC;
	memset(res, 0, sizeof *res);
	res->threshold = c;
	res->norm_before = norm;
	if (norm == 0 || (how == BY_NORM && norm <= c)) {
		/* min(1, c/‖g‖) = 1 (or g = 0, which no method changes): g̃ is
		 * g, bit for bit */
		if (out != g)
			memmove(out, g, N * sizeof(double));
		res->norm_after = norm;
		res->cosine = bt_vector_cosine(g, g, N);   /* 1, or NaN for g = 0 */
		return BT_OK;
	}
	/* the scales of g and g̃, then the three sums of bt_vector_cosine and
	 * ‖g̃‖ in one pass that also writes g̃ */
	double sg = 0, sy = 0;
	for (size_t i = 0; i < N; i++) {
		sg = fmax(sg, fabs(g[i]));
		sy = fmax(sy, fabs(clipped(how, g[i], c, norm)));
	}
	double uv = 0, uu = 0, vv = 0;
	size_t changed = 0;
	for (size_t i = 0; i < N; i++) {
		double gi = g[i], y = clipped(how, gi, c, norm);
		double a = gi / sg, b = sy > 0 ? y / sy : 0;
		uv += a * b;
		uu += a * a;
		vv += b * b;
		changed += y != gi;
		out[i] = y;
	}
	res->norm_after = sy * sqrt(vv);
	res->cosine = sy > 0 ? fmin(1.0, fmax(-1.0, uv / sqrt(uu * vv))) : NAN;
	res->changed = changed;
	return BT_OK;
}

int bt_clip_norm(const double *g, size_t N, double c, double *out,
		 bt_clip_result *res)
{
	return clip(BY_NORM, g, N, c, out, res);
}

int bt_clip_value(const double *g, size_t N, double c, double *out,
		  bt_clip_result *res)
{
	return clip(BY_VALUE, g, N, c, out, res);
}
