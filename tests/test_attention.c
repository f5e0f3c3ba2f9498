/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_attention.c — the `attention` architecture against an independent
 * reference written from the spec with plain C loops (no BLAS, nothing of
 * the library but the block layout):
 *
 *     core      h_t = tanh(W h_{t-1} + U x_t + b),  h_0 = 0
 *     scores    s_{t,k} = h_tᵀ W_a x_k,   k = 1 … t
 *     weights   α_{t,·} = softmax_k(s_{t,·})
 *     context   c_t = Σ_{k≤t} α_{t,k} x_k
 *     readout   ŷ_t = V h_t + V_c c_t + b_y
 *     loss      L = Σ_t μ_t ½‖ŷ_t − y_t‖²
 *
 * The reference's gradient keeps ∂L/∂x_t in two parts: the recurrent one
 * (through U into the core) and the direct one (through the scores and the
 * context). Its full BPTT is checked against central finite differences of
 * its own loss, and its brute-force truncated gradient (every loss term on
 * its own, back through h_t … h_{t-k+1}, h_{t-k} a constant, the direct
 * paths to every x_k, k ≤ t, kept) against finite differences of a
 * windowed loss that holds h_{t-k} at its value. The library must then
 * agree with the reference: loss, every block, X and its two parts, the
 * states and their gradients, under full and truncated BPTT. */
#include <float.h>
#include "testutil.h"

/* ==== the reference ====================================================== */

typedef struct {
	size_t T, d, n, m;
	/* offsets of the blocks in θ (and in gradients), found by name */
	size_t oW, oU, ob, oWa, oVc, oV, oby, P;
} ref;

/* What the reference's forward pass keeps. */
typedef struct {
	double *h;      /* (T+1)×n, row 0 is h_0 = 0 */
	double *alpha;  /* T×T, row t-1 holds α_{t,1} … α_{t,t} */
	double *c;      /* T×d, c_t */
	double *yhat;   /* T×m */
	double *e;      /* T×m, μ_t (ŷ_t − y_t) */
	double *s;      /* T scores (scratch) */
	double L;
} fwd;

static size_t blk_off(const bt_model *mod, const char *name, size_t rows,
		      size_t cols)
{
	int i = bt_model_find_block(mod, name);
	ck_assert_msg(i >= 0, "attention has no block %s", name);
	ck_assert_msg(mod->blocks[i].rows == rows && mod->blocks[i].cols == cols,
		      "block %s is %zu×%zu, the spec says %zu×%zu", name,
		      mod->blocks[i].rows, mod->blocks[i].cols, rows, cols);
	return mod->blocks[i].offset;
}

static void ref_init(ref *R, const bt_model *mod, size_t T)
{
	size_t d = mod->dims.d, n = mod->dims.n, m = mod->dims.m;
	R->T = T;
	R->d = d;
	R->n = n;
	R->m = m;
	R->oW = blk_off(mod, "W", n, n);
	R->oU = blk_off(mod, "U", n, d);
	R->ob = blk_off(mod, "b", n, 1);
	R->oWa = blk_off(mod, "W_a", n, d);
	R->oVc = blk_off(mod, "V_c", m, d);
	R->oV = blk_off(mod, "V", m, n);
	R->oby = blk_off(mod, "b_y", m, 1);
	R->P = n * n + n * d + n + n * d + m * d + m * n + m;
	ck_assert_msg(mod->nparams == R->P, "nparams %zu, the spec's blocks hold %zu",
		      mod->nparams, R->P);
	ck_assert_int_eq(mod->nblocks, 7);
}

static void fwd_alloc(fwd *F, const ref *R)
{
	size_t T = R->T;
	F->h = calloc((T + 1) * R->n, sizeof(double));
	F->alpha = calloc(T * T, sizeof(double));
	F->c = calloc(T * R->d, sizeof(double));
	F->yhat = calloc(T * R->m, sizeof(double));
	F->e = calloc(T * R->m, sizeof(double));
	F->s = calloc(T, sizeof(double));
	ck_assert(F->h && F->alpha && F->c && F->yhat && F->e && F->s);
}

static void fwd_free(fwd *F)
{
	free(F->h);
	free(F->alpha);
	free(F->c);
	free(F->yhat);
	free(F->e);
	free(F->s);
}

static double mask_at(const bt_data *D, size_t t)
{
	return D->M ? D->M[t - 1] : 1.0;
}

/* h = tanh(W h_prev + U x + b) */
static void ref_core(const ref *R, const double *th, const double *hp,
		     const double *x, double *h)
{
	size_t n = R->n, d = R->d;
	for (size_t i = 0; i < n; i++) {
		double a = th[R->ob + i];
		for (size_t j = 0; j < n; j++)
			a += th[R->oW + i * n + j] * hp[j];
		for (size_t j = 0; j < d; j++)
			a += th[R->oU + i * d + j] * x[j];
		h[i] = tanh(a);
	}
}

/* The readout at time t from h_t: s_{t,k} = Σ_i Σ_j h_i W_a,ij x_k,j;
 * α = softmax (shifted by the largest score); c = Σ_k α_k x_k;
 * ŷ = V h + V_c c + b_y. Fills alpha (t values), c (d), yhat (m); s is
 * scratch of t values. */
static void ref_readout(const ref *R, const double *th, size_t t,
			const double *h, const double *X, double *s,
			double *alpha, double *c, double *yhat)
{
	size_t n = R->n, d = R->d, m = R->m;
	double mx = -INFINITY;
	for (size_t k = 1; k <= t; k++) {
		double sk = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < d; j++)
				sk += h[i] * th[R->oWa + i * d + j] * X[(k - 1) * d + j];
		s[k - 1] = sk;
		if (sk > mx)
			mx = sk;
	}
	double z = 0;
	for (size_t k = 0; k < t; k++)
		z += exp(s[k] - mx);
	for (size_t k = 0; k < t; k++)
		alpha[k] = exp(s[k] - mx) / z;
	for (size_t j = 0; j < d; j++) {
		double cj = 0;
		for (size_t k = 1; k <= t; k++)
			cj += alpha[k - 1] * X[(k - 1) * d + j];
		c[j] = cj;
	}
	for (size_t o = 0; o < m; o++) {
		double y = th[R->oby + o];
		for (size_t i = 0; i < n; i++)
			y += th[R->oV + o * n + i] * h[i];
		for (size_t j = 0; j < d; j++)
			y += th[R->oVc + o * d + j] * c[j];
		yhat[o] = y;
	}
}

/* ½ μ ‖ŷ − y‖², and e = μ (ŷ − y) when e is not NULL. */
static double ref_term_loss(const ref *R, const double *yhat, const double *y,
			    double mu, double *e)
{
	double sq = 0;
	for (size_t o = 0; o < R->m; o++) {
		double r = yhat[o] - y[o];
		sq += r * r;
		if (e)
			e[o] = mu * r;
	}
	return mu * 0.5 * sq;
}

/* The forward pass with parameters th and inputs X; returns L. */
static double ref_forward(const ref *R, const double *th, const double *X,
			  const bt_data *D, fwd *F)
{
	size_t n = R->n, d = R->d, m = R->m, T = R->T;
	double L = 0;
	memset(F->h, 0, n * sizeof(double));
	for (size_t t = 1; t <= T; t++) {
		double *h = F->h + t * n;
		ref_core(R, th, h - n, X + (t - 1) * d, h);
		ref_readout(R, th, t, h, X, F->s, F->alpha + (t - 1) * T,
			    F->c + (t - 1) * d, F->yhat + (t - 1) * m);
		L += ref_term_loss(R, F->yhat + (t - 1) * m, D->Y + (t - 1) * m,
				   mask_at(D, t), F->e + (t - 1) * m);
	}
	F->L = L;
	return L;
}

/* The windowed loss of truncation k: Σ_t ℓ_t with ℓ_t recomputed from
 * h_{t-k} held at its value hbase (rows of the base pass; h_0 = 0 when
 * t ≤ k), steps t-k+1 … t and the readout with parameters th and inputs X.
 * Its derivative at the base point is the truncated gradient. */
static double ref_window_loss(const ref *R, const double *th, const double *X,
			      const bt_data *D, const double *hbase, size_t k,
			      fwd *F)
{
	size_t n = R->n, d = R->d, T = R->T;
	double *hp = F->h, *hc = F->h + n, y[64];
	double L = 0;
	ck_assert(R->m <= 64);
	for (size_t t = 1; t <= T; t++) {
		double mu = mask_at(D, t);
		if (mu == 0)
			continue;
		size_t u0 = t > k ? t - k + 1 : 1;
		memcpy(hp, hbase + (u0 - 1) * n, n * sizeof(double)); /* constant */
		for (size_t u = u0; u <= t; u++) {
			ref_core(R, th, hp, X + (u - 1) * d, hc);
			double *tmp = hp;
			hp = hc;
			hc = tmp;
		}
		ref_readout(R, th, t, hp, X, F->s, F->alpha, F->c, y);
		L += ref_term_loss(R, y, D->Y + (t - 1) * R->m, mu, NULL);
	}
	return L;
}

/* The loss term at time t on its own, back to the readout's inputs:
 *   ∂b_y += e,  ∂V += e h_tᵀ,  ∂V_c += e c_tᵀ,  δc = V_cᵀ e,
 *   δα_k = x_kᵀ δc,  δs_k = α_k (δα_k − Σ_j α_j δα_j),
 *   ∂W_a,ij += Σ_k δs_k h_i x_k,j,
 *   δx_k (direct) += α_k δc + δs_k W_aᵀ h_t      for every k ≤ t,
 * and sets dh = δh_t of this term = Vᵀ e + Σ_k δs_k W_a x_k. */
static void ref_term_backward(const ref *R, const double *th, const double *X,
			      const fwd *F, size_t t, double *g, double *dXd,
			      double *dh)
{
	size_t n = R->n, d = R->d, m = R->m, T = R->T;
	const double *e = F->e + (t - 1) * m, *h = F->h + t * n;
	const double *c = F->c + (t - 1) * d, *al = F->alpha + (t - 1) * T;
	double dc[64], dal[1024], u[64];
	ck_assert(d <= 64 && t <= 1024);
	for (size_t o = 0; o < m; o++) {
		g[R->oby + o] += e[o];
		for (size_t i = 0; i < n; i++)
			g[R->oV + o * n + i] += e[o] * h[i];
		for (size_t j = 0; j < d; j++)
			g[R->oVc + o * d + j] += e[o] * c[j];
	}
	for (size_t i = 0; i < n; i++) {
		dh[i] = 0;
		for (size_t o = 0; o < m; o++)
			dh[i] += th[R->oV + o * n + i] * e[o];
	}
	for (size_t j = 0; j < d; j++) {
		dc[j] = 0;
		for (size_t o = 0; o < m; o++)
			dc[j] += th[R->oVc + o * d + j] * e[o];
		u[j] = 0;   /* (W_aᵀ h_t)_j */
		for (size_t i = 0; i < n; i++)
			u[j] += th[R->oWa + i * d + j] * h[i];
	}
	double mean = 0;
	for (size_t k = 1; k <= t; k++) {
		dal[k - 1] = 0;
		for (size_t j = 0; j < d; j++)
			dal[k - 1] += X[(k - 1) * d + j] * dc[j];
		mean += al[k - 1] * dal[k - 1];
	}
	for (size_t k = 1; k <= t; k++) {
		const double *xk = X + (k - 1) * d;
		double ds = al[k - 1] * (dal[k - 1] - mean);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < d; j++) {
				g[R->oWa + i * d + j] += ds * h[i] * xk[j];
				dh[i] += ds * th[R->oWa + i * d + j] * xk[j];
			}
		if (dXd)
			for (size_t j = 0; j < d; j++)
				dXd[(k - 1) * d + j] += al[k - 1] * dc[j] + ds * u[j];
	}
}

/* One core step back at time u, given dh = δh_u:
 *   δa = (1 − h_u²) ⊙ δh_u,  ∂W += δa h_{u-1}ᵀ,  ∂U += δa x_uᵀ,  ∂b += δa,
 *   δx_u (recurrent) += Uᵀ δa,  δh_{u-1} = Wᵀ δa (into dhp unless NULL). */
static void ref_core_backward(const ref *R, const double *th, const double *X,
			      const fwd *F, size_t u, const double *dh,
			      double *g, double *dXr, double *dhp)
{
	size_t n = R->n, d = R->d;
	const double *h = F->h + u * n, *hp = F->h + (u - 1) * n;
	const double *x = X + (u - 1) * d;
	double da[64];
	ck_assert(n <= 64);
	for (size_t i = 0; i < n; i++) {
		da[i] = (1 - h[i] * h[i]) * dh[i];
		g[R->ob + i] += da[i];
		for (size_t j = 0; j < n; j++)
			g[R->oW + i * n + j] += da[i] * hp[j];
		for (size_t j = 0; j < d; j++)
			g[R->oU + i * d + j] += da[i] * x[j];
	}
	for (size_t j = 0; j < d; j++)
		for (size_t i = 0; i < n; i++)
			dXr[(u - 1) * d + j] += th[R->oU + i * d + j] * da[i];
	if (dhp)
		for (size_t j = 0; j < n; j++) {
			dhp[j] = 0;
			for (size_t i = 0; i < n; i++)
				dhp[j] += th[R->oW + i * n + j] * da[i];
		}
}

/* Full BPTT after ref_forward: zeroes and fills g (P), dXr and dXd (T×d,
 * the recurrent and the direct part of ∂L/∂x_t) and dS ((T+1)×n, the total
 * δh_t in row t). */
static void ref_full(const ref *R, const double *th, const double *X,
		     const bt_data *D, const fwd *F, double *g, double *dXr,
		     double *dXd, double *dS)
{
	size_t n = R->n, d = R->d, T = R->T;
	double next[64], term[64];
	memset(g, 0, R->P * sizeof(double));
	memset(dXr, 0, T * d * sizeof(double));
	memset(dXd, 0, T * d * sizeof(double));
	memset(dS, 0, (T + 1) * n * sizeof(double));
	memset(next, 0, sizeof next);
	for (size_t t = T; t >= 1; t--) {
		/* δh_t = (term t's own part) + Wᵀ δa_{t+1} */
		double *dh = dS + t * n;
		memset(term, 0, sizeof term);
		if (mask_at(D, t) != 0)
			ref_term_backward(R, th, X, F, t, g, dXd, term);
		for (size_t i = 0; i < n; i++)
			dh[i] = term[i] + next[i];
		ref_core_backward(R, th, X, F, t, dh, g, dXr, next);
	}
}

/* Brute-force truncated BPTT: every loss term on its own, its readout
 * gradient (direct paths to every x_k, k ≤ t, included) and δh_t, then
 * back through h_t … h_{t-k+1}; h_{t-k} is a constant. dS row u gets the
 * sum over the terms whose window holds h_u of their δh_u. */
static void ref_trunc(const ref *R, const double *th, const double *X,
		      const bt_data *D, const fwd *F, size_t k, double *g,
		      double *dXr, double *dXd, double *dS)
{
	size_t n = R->n, d = R->d, T = R->T;
	double a[64], b[64];
	memset(g, 0, R->P * sizeof(double));
	memset(dXr, 0, T * d * sizeof(double));
	memset(dXd, 0, T * d * sizeof(double));
	memset(dS, 0, (T + 1) * n * sizeof(double));
	for (size_t t = 1; t <= T; t++) {
		if (mask_at(D, t) == 0)
			continue;
		double *cur = a, *prev = b;
		ref_term_backward(R, th, X, F, t, g, dXd, cur);
		size_t u0 = t > k ? t - k + 1 : 1;
		for (size_t u = t; u >= u0; u--) {
			for (size_t i = 0; i < n; i++)
				dS[u * n + i] += cur[i];
			ref_core_backward(R, th, X, F, u, cur, g, dXr,
					  u > u0 ? prev : NULL);
			double *tmp = cur;
			cur = prev;
			prev = tmp;
		}
	}
}

/* ==== cases ============================================================== */

enum { MASK_NONE, MASK_EDGES, MASK_ZERO, MASK_LAST };

typedef struct {
	const char *label;
	size_t T, d, n, m;
	int mask;
	double sd;     /* every parameter N(0, sd²) */
	double smax;   /* > 0: W_a rescaled so that max |s_{t,k}| = smax */
	unsigned long seed;
} shape;

static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, MASK_NONE, 0.8, 0, 300},
	{"n=1", 6, 2, 1, 3, MASK_NONE, 0.8, 0, 301},
	{"d=1", 6, 1, 4, 2, MASK_NONE, 0.8, 0, 302},
	{"m=1", 6, 3, 4, 1, MASK_NONE, 0.8, 0, 303},
	{"d=n=m=1", 5, 1, 1, 1, MASK_NONE, 0.9, 0, 304},
	{"d3n5m2", 8, 3, 5, 2, MASK_NONE, 0.8, 0, 305},
	{"mask", 9, 3, 5, 2, MASK_EDGES, 0.8, 0, 306},
	{"T=200", 200, 2, 3, 2, MASK_NONE, 0.5, 0, 307},
	/* |s| up to 12, a nearly one-hot softmax, saturated tanh (checked) */
	{"saturated", 8, 3, 4, 2, MASK_NONE, 3.0, 12.0, 5},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

typedef struct {
	const shape *s;
	bt_model *mod;
	bt_data *D;
	ref R;
	fwd F;
	double L;
	/* the reference's full gradient */
	double *g, *dXr, *dXd, *dS;
} att_case;

static void case_setup(att_case *c, const shape *s)
{
	unsigned long seed = s->seed;
	c->s = s;
	c->mod = tu_model("attention", BT_ACT_TANH, s->d, s->n, s->m, s->sd, seed);
	c->D = tu_data(s->T, s->d, s->m, s->mask != MASK_NONE, seed + 1000);
	for (size_t t = 1; t <= s->T && s->mask != MASK_NONE; t++) {
		double mu = 1;
		if (s->mask == MASK_EDGES)
			mu = (t == 1 || t == s->T || t % 3 == 2) ? 0 : 1;
		else if (s->mask == MASK_ZERO)
			mu = 0;
		else if (s->mask == MASK_LAST)
			mu = t == s->T;
		c->D->M[t - 1] = mu;
	}
	ref_init(&c->R, c->mod, s->T);
	fwd_alloc(&c->F, &c->R);
	if (s->smax > 0) {
		/* the core does not read W_a: scaling W_a scales every score */
		const ref *R = &c->R;
		double *Wa = c->mod->theta + R->oWa, big = 0;
		ref_forward(R, c->mod->theta, c->D->X, c->D, &c->F);
		for (size_t t = 1; t <= s->T; t++) {
			const double *h = c->F.h + t * R->n;
			for (size_t k = 1; k <= t; k++) {
				double sk = 0;
				for (size_t i = 0; i < R->n; i++)
					for (size_t j = 0; j < R->d; j++)
						sk += h[i] * Wa[i * R->d + j] *
						      c->D->X[(k - 1) * R->d + j];
				big = fmax(big, fabs(sk));
			}
		}
		for (size_t i = 0; i < R->n * R->d; i++)
			Wa[i] *= s->smax / big;
	}
	c->L = ref_forward(&c->R, c->mod->theta, c->D->X, c->D, &c->F);
	size_t P = c->R.P, TD = s->T * s->d;
	c->g = malloc(P * sizeof(double));
	c->dXr = malloc(TD * sizeof(double));
	c->dXd = malloc(TD * sizeof(double));
	c->dS = malloc((s->T + 1) * s->n * sizeof(double));
	ck_assert(c->g && c->dXr && c->dXd && c->dS);
	ref_full(&c->R, c->mod->theta, c->D->X, c->D, &c->F, c->g, c->dXr,
		 c->dXd, c->dS);
}

static void case_teardown(att_case *c)
{
	fwd_free(&c->F);
	free(c->g);
	free(c->dXr);
	free(c->dXd);
	free(c->dS);
	bt_model_free(c->mod);
	bt_data_free(c->D);
}

/* The truncation lengths a shape is tried with: 1, 2, 3, T−1 (those in
 * 1 … T−1; truncate = 0 means full in bt_gradient). */
static size_t trunc_ks(size_t T, size_t *ks)
{
	size_t cand[4] = {1, 2, 3, T - 1}, nk = 0;
	for (int i = 0; i < 4; i++)
		if (cand[i] >= 1 && cand[i] < T)
			ks[nk++] = cand[i];
	return nk;
}

/* ‖g − r‖∞ / ‖r‖∞ over count entries; ‖g − r‖∞ when r is zero. */
static double rel_inf(const double *g, const double *r, size_t count)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < count; i++) {
		double e = fabs(g[i] - r[i]);
		if (isnan(e))
			e = INFINITY;   /* a NaN fails every tolerance */
		num = fmax(num, e);
		den = fmax(den, fabs(r[i]));
	}
	return den > 0 ? num / den : num;
}

static double norm_inf(const double *a, size_t count)
{
	double s = 0;
	for (size_t i = 0; i < count; i++)
		s = fmax(s, fabs(a[i]));
	return s;
}

static double *dup(const double *a, size_t count)
{
	double *p = malloc(count * sizeof(double));
	ck_assert(p);
	memcpy(p, a, count * sizeof(double));
	return p;
}

/* Every block of g against r (per block ‖·‖∞ relative error ≤ tol). */
static void assert_blocks(const att_case *c, const double *g, const double *r,
			  double tol, const char *what)
{
	const bt_model *mod = c->mod;
	for (size_t b = 0; b < mod->nblocks; b++) {
		const bt_block *bl = &mod->blocks[b];
		double e = rel_inf(g + bl->offset, r + bl->offset, bl->rows * bl->cols);
		ck_assert_msg(e <= tol, "%s, %s: block %s rel %g > %g", c->s->label,
			      what, bl->name, e, tol);
	}
}

static void assert_vec(const att_case *c, const double *g, const double *r,
		       size_t count, double tol, const char *what)
{
	double e = rel_inf(g, r, count);
	ck_assert_msg(e <= tol, "%s, %s: rel %g > %g", c->s->label, what, e, tol);
}

/* ==== the reference against finite differences of its own loss ========== */

/* Central differences, h = ε^{1/3} max(1, |p|) (rounded so that p ± h is
 * exact), of the full loss (k = 0) or the windowed loss of truncation k, for
 * every parameter and every input; each entry must satisfy
 * |g − f| ≤ 1e-8 max(1, |L|) + 1e-6 max(|g|, |f|). */
static void fd_check(const att_case *c, size_t k, const double *g,
		     const double *gX, const char *what)
{
	const ref *R = &c->R;
	size_t P = R->P, TD = R->T * R->d;
	double *th = dup(c->mod->theta, P), *X = dup(c->D->X, TD);
	double *hbase = dup(c->F.h, (R->T + 1) * R->n);
	fwd S;
	fwd_alloc(&S, R);
	double atol = 1e-8 * fmax(1, fabs(c->L)), rtol = 1e-6;
	for (size_t i = 0; i < P + TD; i++) {
		double *p = i < P ? th + i : X + (i - P);
		double x0 = *p;
		volatile double xp = x0 + cbrt(DBL_EPSILON) * fmax(1, fabs(x0));
		double h = xp - x0;
		*p = x0 + h;
		double Lp = k ? ref_window_loss(R, th, X, c->D, hbase, k, &S)
			      : ref_forward(R, th, X, c->D, &S);
		*p = x0 - h;
		double Lm = k ? ref_window_loss(R, th, X, c->D, hbase, k, &S)
			      : ref_forward(R, th, X, c->D, &S);
		*p = x0;
		double f = (Lp - Lm) / (2 * h);
		double ex = i < P ? g[i] : gX[i - P];
		ck_assert_msg(fabs(ex - f) <= atol + rtol * fmax(fabs(ex), fabs(f)),
			      "%s, %s: entry %zu (%s): reference %.12g, FD %.12g",
			      c->s->label, what, i < P ? i : i - P,
			      i < P ? "theta" : "X", ex, f);
	}
	fwd_free(&S);
	free(th);
	free(X);
	free(hbase);
}

START_TEST(test_reference_fd)
{
	att_case c;
	case_setup(&c, &shapes[_i]);
	const ref *R = &c.R;
	size_t TD = R->T * R->d, P = R->P;
	double *gX = malloc(TD * sizeof(double));
	for (size_t i = 0; i < TD; i++)
		gX[i] = c.dXr[i] + c.dXd[i];
	fd_check(&c, 0, c.g, gX, "full");

	double *g = malloc(P * sizeof(double)), *xr = malloc(TD * sizeof(double)),
	       *xd = malloc(TD * sizeof(double)),
	       *dS = malloc((R->T + 1) * R->n * sizeof(double));
	/* k ≥ T: the per-term windows hold every state, so the brute force is
	 * full BPTT by a second route */
	ref_trunc(R, c.mod->theta, c.D->X, c.D, &c.F, R->T, g, xr, xd, dS);
	assert_blocks(&c, g, c.g, 1e-12, "reference k=T vs full");
	assert_vec(&c, xr, c.dXr, TD, 1e-12, "reference k=T vs full, dX recurrent");
	assert_vec(&c, xd, c.dXd, TD, 1e-12, "reference k=T vs full, dX direct");
	assert_vec(&c, dS + R->n, c.dS + R->n, R->T * R->n, 1e-12,
		   "reference k=T vs full, dstate");
	/* the truncated gradient against the windowed loss (short sequences) */
	size_t ks[4], nk = R->T <= 20 ? trunc_ks(R->T, ks) : 0;
	for (size_t j = 0; j < nk; j++) {
		ref_trunc(R, c.mod->theta, c.D->X, c.D, &c.F, ks[j], g, xr, xd, dS);
		for (size_t i = 0; i < TD; i++)
			gX[i] = xr[i] + xd[i];
		char what[32];
		snprintf(what, sizeof what, "truncate %zu", ks[j]);
		fd_check(&c, ks[j], g, gX, what);
	}
	free(g);
	free(xr);
	free(xd);
	free(dS);
	free(gX);
	case_teardown(&c);
}
END_TEST

/* ==== the library against the reference ================================== */

START_TEST(test_against_reference)
{
	att_case c;
	case_setup(&c, &shapes[_i]);
	const ref *R = &c.R;
	const bt_model *mod = c.mod;
	size_t T = R->T, TD = T * R->d, P = R->P;
	if (c.s->smax > 0) {
		/* the regime is what the shape says: a nearly one-hot softmax
		 * somewhere and saturated tanh */
		double amax = 0, hmax = 0;
		for (size_t t = 2; t <= T; t++)
			for (size_t k = 0; k < t; k++)
				amax = fmax(amax, c.F.alpha[(t - 1) * T + k]);
		for (size_t i = R->n; i < (T + 1) * R->n; i++)
			hmax = fmax(hmax, fabs(c.F.h[i]));
		ck_assert_msg(amax > 0.9999 && hmax > 1 - 1e-6,
			      "not saturated: max α %g, max |h| %g", amax, hmax);
	}
	double *g = malloc(P * sizeof(double)), *gX = malloc(TD * sizeof(double));
	double *rX = malloc(TD * sizeof(double));
	for (size_t i = 0; i < TD; i++)
		rX[i] = c.dXr[i] + c.dXd[i];
	double L = NAN;
	ck_assert_int_eq(bt_gradient(mod, c.D, 0, &L, g, gX), BT_OK);
	ck_assert_msg(fabs(L - c.L) <= 1e-12 * fmax(1, fabs(c.L)),
		      "%s: loss %.17g, reference %.17g", c.s->label, L, c.L);
	assert_blocks(&c, g, c.g, 1e-10, "full");
	assert_vec(&c, gX, rX, TD, 1e-10, "full, X");

	/* states, outputs and state gradients through the sequence API */
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.D, &L), BT_OK);
	for (size_t t = 1; t <= T; t++) {
		assert_vec(&c, bt_seq_state(q, t), c.F.h + t * R->n, R->n, 1e-13, "h_t");
		assert_vec(&c, bt_seq_output(q, t), c.F.yhat + (t - 1) * R->m, R->m,
			   1e-12, "yhat_t");
	}
	memset(g, 0, P * sizeof(double));
	ck_assert_int_eq(bt_seq_backward(q, mod, c.D, g, NULL), BT_OK);
	for (size_t t = 1; t <= T; t++)
		assert_vec(&c, bt_seq_dstate(q, t), c.dS + t * R->n, R->n, 1e-10,
			   "full, dstate");

	/* truncated */
	double *r = malloc(P * sizeof(double)), *xr = malloc(TD * sizeof(double)),
	       *xd = malloc(TD * sizeof(double)),
	       *dS = malloc((T + 1) * R->n * sizeof(double));
	size_t ks[4], nk = trunc_ks(T, ks);
	for (size_t j = 0; j < nk; j++) {
		char what[32];
		snprintf(what, sizeof what, "truncate %zu", ks[j]);
		ref_trunc(R, mod->theta, c.D->X, c.D, &c.F, ks[j], r, xr, xd, dS);
		for (size_t i = 0; i < TD; i++)
			rX[i] = xr[i] + xd[i];
		ck_assert_int_eq(bt_gradient(mod, c.D, ks[j], &L, g, gX), BT_OK);
		ck_assert_msg(fabs(L - c.L) <= 1e-12 * fmax(1, fabs(c.L)),
			      "%s, %s: loss %.17g, reference %.17g", c.s->label,
			      what, L, c.L);
		assert_blocks(&c, g, r, 1e-10, what);
		assert_vec(&c, gX, rX, TD, 1e-10, what);
		memset(g, 0, P * sizeof(double));
		ck_assert_int_eq(bt_seq_backward_truncated(q, mod, c.D, ks[j], g, NULL),
				 BT_OK);
		assert_blocks(&c, g, r, 1e-10, what);
		for (size_t t = 1; t <= T; t++)
			assert_vec(&c, bt_seq_dstate(q, t), dS + t * R->n, R->n,
				   1e-10, "truncated dstate");
	}
	bt_seq_free(q);

	/* and the library's own checker against finite differences */
	bt_check_result cr;
	ck_assert_int_eq(bt_gradcheck(mod, c.D, NULL, &cr), BT_OK);
	ck_assert_int_eq(cr.nblocks, mod->nblocks + 1);
	for (size_t b = 0; b < cr.nblocks; b++)
		ck_assert_msg(cr.blocks[b].ok, "%s: bt_gradcheck block %s: rel %g (%g vs %g)",
			      c.s->label, cr.blocks[b].name, cr.blocks[b].max_rel,
			      cr.blocks[b].worst_exact, cr.blocks[b].worst_fd);
	ck_assert(cr.ok);
	free(g);
	free(gX);
	free(rX);
	free(r);
	free(xr);
	free(xd);
	free(dS);
	case_teardown(&c);
}
END_TEST

/* ==== the split of ∂L/∂x_t ================================================ */

/* bt_seq_backward_split: recurrent + direct = total (bt_seq_backward) to
 * 1e-12, and each part equals the reference's part to 1e-10; the same for
 * the truncated split with each truncation length. */
START_TEST(test_split)
{
	att_case c;
	case_setup(&c, &shapes[_i]);
	const ref *R = &c.R;
	const bt_model *mod = c.mod;
	size_t T = R->T, TD = T * R->d, P = R->P;
	double *g0 = calloc(P, sizeof(double)), *g1 = calloc(P, sizeof(double));
	double *x0 = calloc(TD, sizeof(double)), *xr = calloc(TD, sizeof(double)),
	       *xd = calloc(TD, sizeof(double)), *sum = calloc(TD, sizeof(double));
	bt_seq *q = NULL;
	double L;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.D, &L), BT_OK);
	ck_assert_int_eq(bt_seq_backward(q, mod, c.D, g0, x0), BT_OK);
	ck_assert_int_eq(bt_seq_backward_split(q, mod, c.D, g1, xr, xd), BT_OK);
	for (size_t i = 0; i < TD; i++)
		sum[i] = xr[i] + xd[i];
	assert_vec(&c, sum, x0, TD, 1e-12, "split: recurrent + direct vs total");
	assert_blocks(&c, g1, g0, 1e-12, "split: parameters vs unsplit");
	assert_vec(&c, xr, c.dXr, TD, 1e-10, "split: recurrent vs reference");
	assert_vec(&c, xd, c.dXd, TD, 1e-10, "split: direct vs reference");

	double *r = malloc(P * sizeof(double)), *rr = malloc(TD * sizeof(double)),
	       *rd = malloc(TD * sizeof(double)),
	       *dS = malloc((T + 1) * R->n * sizeof(double));
	size_t ks[4], nk = trunc_ks(T, ks);
	for (size_t j = 0; j < nk; j++) {
		char what[48];
		snprintf(what, sizeof what, "truncated split k=%zu", ks[j]);
		ref_trunc(R, mod->theta, c.D->X, c.D, &c.F, ks[j], r, rr, rd, dS);
		memset(g0, 0, P * sizeof(double));
		memset(g1, 0, P * sizeof(double));
		memset(x0, 0, TD * sizeof(double));
		memset(xr, 0, TD * sizeof(double));
		memset(xd, 0, TD * sizeof(double));
		ck_assert_int_eq(bt_seq_backward_truncated(q, mod, c.D, ks[j], g0, x0),
				 BT_OK);
		ck_assert_int_eq(bt_seq_backward_truncated_split(q, mod, c.D, ks[j], g1,
								 xr, xd), BT_OK);
		for (size_t i = 0; i < TD; i++)
			sum[i] = xr[i] + xd[i];
		assert_vec(&c, sum, x0, TD, 1e-12, what);
		assert_blocks(&c, g1, r, 1e-10, what);
		assert_vec(&c, xr, rr, TD, 1e-10, what);
		assert_vec(&c, xd, rd, TD, 1e-10, what);
	}
	bt_seq_free(q);
	free(g0);
	free(g1);
	free(x0);
	free(xr);
	free(xd);
	free(sum);
	free(r);
	free(rr);
	free(rd);
	free(dS);
	case_teardown(&c);
}
END_TEST

/* ==== truncation: what survives at far lags =============================== */

/* Only the last term counts (μ_T = 1, every other μ_t = 0), T = 10. Under
 * truncation k the recurrent part of ∂L/∂x_{T−τ} is exactly 0.0 for τ ≥ k
 * and the full value for τ < k; the direct part is the full BPTT's direct
 * part at every lag (the scores and context read x_{T−τ} directly), and it
 * is all that is left at τ ≥ k, where it is not zero. */
START_TEST(test_lag_structure)
{
	static const shape s = {"last-term", 10, 3, 4, 2, MASK_LAST, 0.9, 0, 77};
	att_case c;
	case_setup(&c, &s);
	const ref *R = &c.R;
	const bt_model *mod = c.mod;
	size_t T = s.T, d = s.d, TD = T * d, P = R->P;
	double *g = calloc(P, sizeof(double)), *fr = calloc(TD, sizeof(double)),
	       *fd = calloc(TD, sizeof(double)), *xr = calloc(TD, sizeof(double)),
	       *xd = calloc(TD, sizeof(double)), *tot = calloc(TD, sizeof(double));
	double *r = malloc(P * sizeof(double)), *rr = malloc(TD * sizeof(double)),
	       *rd = malloc(TD * sizeof(double)),
	       *dS = malloc((T + 1) * R->n * sizeof(double));
	bt_seq *q = NULL;
	double L;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.D, &L), BT_OK);
	ck_assert_int_eq(bt_seq_backward_split(q, mod, c.D, g, fr, fd), BT_OK);
	assert_vec(&c, fr, c.dXr, TD, 1e-10, "full recurrent vs reference");
	assert_vec(&c, fd, c.dXd, TD, 1e-10, "full direct vs reference");
	double scale = norm_inf(fd, TD);
	ck_assert(scale > 0);
	static const size_t ks[] = {1, 2, 3, 5, 9};
	for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
		size_t k = ks[j];
		memset(g, 0, P * sizeof(double));
		memset(xr, 0, TD * sizeof(double));
		memset(xd, 0, TD * sizeof(double));
		ck_assert_int_eq(bt_seq_backward_truncated_split(q, mod, c.D, k, g, xr, xd),
				 BT_OK);
		ck_assert_int_eq(bt_gradient(mod, c.D, k, &L, NULL, tot), BT_OK);
		ref_trunc(R, mod->theta, c.D->X, c.D, &c.F, k, r, rr, rd, dS);
		assert_vec(&c, xr, rr, TD, 1e-10, "truncated recurrent vs reference");
		assert_vec(&c, xd, rd, TD, 1e-10, "truncated direct vs reference");
		for (size_t tau = 0; tau < T; tau++) {
			size_t row = (T - 1 - tau) * d;   /* x_{T−τ} */
			double rowd = 0;
			for (size_t i = 0; i < d; i++) {
				double e = fabs(xd[row + i] - fd[row + i]);
				ck_assert_msg(e <= 1e-14 * scale,
					      "k=%zu τ=%zu: direct %.17g, full direct %.17g",
					      k, tau, xd[row + i], fd[row + i]);
				rowd = fmax(rowd, fabs(xd[row + i]));
				if (tau >= k) {
					ck_assert_msg(xr[row + i] == 0.0,
						      "k=%zu τ=%zu: recurrent part %g, not 0",
						      k, tau, xr[row + i]);
					ck_assert_msg(fabs(tot[row + i] - xd[row + i]) <=
							      1e-14 * scale,
						      "k=%zu τ=%zu: total %.17g, direct %.17g",
						      k, tau, tot[row + i], xd[row + i]);
				} else {
					ck_assert_msg(fabs(xr[row + i] - fr[row + i]) <=
							      1e-12 * norm_inf(fr, TD),
						      "k=%zu τ=%zu: recurrent %.17g, full %.17g",
						      k, tau, xr[row + i], fr[row + i]);
				}
			}
			/* the direct part is what survives far lags */
			if (tau >= k)
				ck_assert_msg(rowd > 1e-6 * scale,
					      "k=%zu τ=%zu: direct part %g of %g", k,
					      tau, rowd, scale);
		}
	}
	bt_seq_free(q);
	free(g);
	free(fr);
	free(fd);
	free(xr);
	free(xd);
	free(tot);
	free(r);
	free(rr);
	free(rd);
	free(dS);
	case_teardown(&c);
}
END_TEST

/* ==== a mask of zeros: nothing at all ===================================== */

START_TEST(test_zero_mask)
{
	static const shape s = {"all-zero mask", 7, 3, 4, 2, MASK_ZERO, 0.9, 0, 91};
	att_case c;
	case_setup(&c, &s);
	const bt_model *mod = c.mod;
	size_t T = s.T, TD = T * s.d, P = c.R.P;
	double *g = malloc(P * sizeof(double)), *gX = malloc(TD * sizeof(double)),
	       *xr = malloc(TD * sizeof(double)), *xd = malloc(TD * sizeof(double));
	ck_assert(c.L == 0.0);
	static const size_t ks[] = {0, 1, 2, 6, 7, 100};
	for (size_t j = 0; j < sizeof ks / sizeof ks[0]; j++) {
		double L = NAN;
		for (size_t i = 0; i < P; i++)
			g[i] = NAN;   /* bt_gradient must zero them */
		for (size_t i = 0; i < TD; i++)
			gX[i] = NAN;
		ck_assert_int_eq(bt_gradient(mod, c.D, ks[j], &L, g, gX), BT_OK);
		ck_assert_msg(L == 0.0, "k=%zu: loss %g", ks[j], L);
		for (size_t i = 0; i < P; i++)
			ck_assert_msg(g[i] == 0.0, "k=%zu: ∂L/∂θ_%zu = %g", ks[j], i, g[i]);
		for (size_t i = 0; i < TD; i++)
			ck_assert_msg(gX[i] == 0.0, "k=%zu: ∂L/∂X_%zu = %g", ks[j], i, gX[i]);
	}
	bt_seq *q = NULL;
	double L;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.D, &L), BT_OK);
	ck_assert(L == 0.0);
	for (size_t k = 1; k <= T; k++) {
		memset(g, 0, P * sizeof(double));
		memset(xr, 0, TD * sizeof(double));
		memset(xd, 0, TD * sizeof(double));
		if (k == T)
			ck_assert_int_eq(bt_seq_backward_split(q, mod, c.D, g, xr, xd), BT_OK);
		else
			ck_assert_int_eq(bt_seq_backward_truncated_split(q, mod, c.D, k, g,
									 xr, xd), BT_OK);
		for (size_t i = 0; i < P; i++)
			ck_assert(g[i] == 0.0);
		for (size_t i = 0; i < TD; i++)
			ck_assert_msg(xr[i] == 0.0 && xd[i] == 0.0,
				      "k=%zu: parts %g %g at %zu", k, xr[i], xd[i], i);
		for (size_t t = 1; t <= T; t++)
			for (size_t i = 0; i < s.n; i++)
				ck_assert(bt_seq_dstate(q, t)[i] == 0.0);
	}
	bt_seq_free(q);
	free(g);
	free(gX);
	free(xr);
	free(xd);
	case_teardown(&c);
}
END_TEST

/* ==== k ≥ T is full; the loss is always the full forward loss ============ */

START_TEST(test_k_ge_T_and_loss)
{
	att_case c;
	case_setup(&c, &shapes[_i]);
	const bt_model *mod = c.mod;
	size_t T = c.R.T, TD = T * c.R.d, P = c.R.P;
	double *g0 = malloc(P * sizeof(double)), *x0 = malloc(TD * sizeof(double));
	double *g = malloc(P * sizeof(double)), *gX = malloc(TD * sizeof(double));
	double L0 = NAN, Lf = NAN, L = NAN;
	ck_assert_int_eq(bt_loss(mod, c.D, &Lf), BT_OK);
	ck_assert_msg(fabs(Lf - c.L) <= 1e-12 * fmax(1, fabs(c.L)),
		      "%s: bt_loss %.17g, reference %.17g", c.s->label, Lf, c.L);
	ck_assert_int_eq(bt_gradient(mod, c.D, 0, &L0, g0, x0), BT_OK);
	ck_assert(L0 == Lf);
	size_t kmax[] = {T, T + 1, 10 * T + 3};
	for (size_t j = 0; j < 3; j++) {
		ck_assert_int_eq(bt_gradient(mod, c.D, kmax[j], &L, g, gX), BT_OK);
		ck_assert_msg(L == Lf, "k=%zu: loss %.17g vs %.17g", kmax[j], L, Lf);
		assert_blocks(&c, g, g0, 1e-15, "k ≥ T vs full");
		assert_vec(&c, gX, x0, TD, 1e-15, "k ≥ T vs full, X");
	}
	/* the truncated split with k ≥ T is the full split */
	bt_seq *q = NULL;
	double *xr = calloc(TD, sizeof(double)), *xd = calloc(TD, sizeof(double));
	double *yr = calloc(TD, sizeof(double)), *yd = calloc(TD, sizeof(double));
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, c.D, &L), BT_OK);
	memset(g0, 0, P * sizeof(double));
	memset(g, 0, P * sizeof(double));
	ck_assert_int_eq(bt_seq_backward_split(q, mod, c.D, g0, xr, xd), BT_OK);
	ck_assert_int_eq(bt_seq_backward_truncated_split(q, mod, c.D, T, g, yr, yd), BT_OK);
	assert_blocks(&c, g, g0, 1e-15, "truncated split k=T vs split");
	assert_vec(&c, yr, xr, TD, 1e-15, "truncated split k=T, recurrent");
	assert_vec(&c, yd, xd, TD, 1e-15, "truncated split k=T, direct");
	bt_seq_free(q);
	/* under truncation the loss written is the full forward loss */
	for (size_t k = 1; k < T; k++) {
		ck_assert_int_eq(bt_gradient(mod, c.D, k, &L, g, gX), BT_OK);
		ck_assert_msg(L == Lf, "%s, k=%zu: loss %.17g, forward %.17g",
			      c.s->label, k, L, Lf);
	}
	free(g0);
	free(x0);
	free(g);
	free(gX);
	free(xr);
	free(xd);
	free(yr);
	free(yd);
	case_teardown(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("attention");
	TCase *tc = tcase_create("attention");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_reference_fd, 0, NSHAPES);
	tcase_add_loop_test(tc, test_against_reference, 0, NSHAPES);
	tcase_add_loop_test(tc, test_split, 0, NSHAPES);
	tcase_add_test(tc, test_lag_structure);
	tcase_add_test(tc, test_zero_mask);
	tcase_add_loop_test(tc, test_k_ge_T_and_loss, 0, NSHAPES);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
