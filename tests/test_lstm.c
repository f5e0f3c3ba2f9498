/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_lstm.c — the LSTM cell against an independent reference, finite
 * differences and the library's checker; truncation; the constant error
 * carousel; the step Jacobian; initialisation.
 *
 * The reference below is written from the spec's equations with plain C
 * loops (no BLAS). It reads the parameters only by block name
 * (bt_model_find_block / bt_block_const_view), keeps them in its own layout
 * (gate by gate: W_f U_f b_f, W_i U_i b_i, …, then V, b_y) and otherwise
 * calls nothing in the library:
 *
 *   f_t = σ(W_f h_{t-1} + U_f x_t + b_f)   (i_t, o_t likewise)
 *   g_t = tanh(W_g h_{t-1} + U_g x_t + b_g)
 *   c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t),   h_0 = c_0 = 0
 *   ŷ_t = V h_t + b_y,   L = Σ_t μ_t ½‖ŷ_t − y_t‖²
 *
 * Its derivatives use σ'(a) = e^{-|a|}/(1 + e^{-|a|})² and
 * tanh'(a) = 1/cosh²(a) of the pre-activations, not the gate values, so it
 * does not share the library's formulas either. It is itself checked
 * against central differences of its own loss (full) and of its own
 * windowed loss (truncated).
 */
#include "testutil.h"
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

/* ==== the reference ===================================================== */

enum { GF = 0, GI = 1, GO = 2, GG = 3 };   /* gate order in the reference */
static const char gate_sfx[4] = {'f', 'i', 'o', 'g'};

typedef struct {
	size_t d, n, m;
	size_t oW[4], oU[4], ob[4], oV, oby, P;   /* the reference's layout */
} lref;

static void lref_init(lref *r, const bt_model *mod)
{
	r->d = mod->dims.d;
	r->n = mod->dims.n;
	r->m = mod->dims.m;
	size_t off = 0;
	for (int k = 0; k < 4; k++) {
		r->oW[k] = off;
		off += r->n * r->n;
		r->oU[k] = off;
		off += r->n * r->d;
		r->ob[k] = off;
		off += r->n;
	}
	r->oV = off;
	off += r->m * r->n;
	r->oby = off;
	off += r->m;
	r->P = off;
}

/* Name, shape and reference offset of block j = 0…13 (3 per gate, then V,
 * b_y). */
static void lref_block(const lref *r, int j, char name[8], size_t *rows,
		       size_t *cols, size_t *off)
{
	if (j < 12) {
		int k = j / 3, w = j % 3;
		snprintf(name, 8, "%c_%c", "WUb"[w], gate_sfx[k]);
		*rows = r->n;
		*cols = w == 0 ? r->n : w == 1 ? r->d : 1;
		*off = w == 0 ? r->oW[k] : w == 1 ? r->oU[k] : r->ob[k];
	} else if (j == 12) {
		snprintf(name, 8, "V");
		*rows = r->m;
		*cols = r->n;
		*off = r->oV;
	} else {
		snprintf(name, 8, "b_y");
		*rows = r->m;
		*cols = 1;
		*off = r->oby;
	}
}

/* Library layout (theta or a gradient) → the reference's. Checks that the
 * model has exactly the spec's 14 blocks with the spec's shapes. */
static void lref_gather(const lref *r, const bt_model *mod, const double *base,
			double *mine)
{
	ck_assert_msg(mod->nblocks == 14, "lstm has %zu blocks, the spec says "
		      "12 + V, b_y", mod->nblocks);
	ck_assert_msg(mod->nparams == r->P, "nparams %zu, the spec gives %zu",
		      mod->nparams, r->P);
	for (int j = 0; j < 14; j++) {
		char name[8];
		size_t rows, cols, off;
		lref_block(r, j, name, &rows, &cols, &off);
		int i = bt_model_find_block(mod, name);
		ck_assert_msg(i >= 0, "no block %s", name);
		gsl_matrix_const_view v = bt_block_const_view(mod, base, (size_t)i);
		ck_assert_msg(v.matrix.size1 == rows && v.matrix.size2 == cols,
			      "block %s is %zux%zu, the spec says %zux%zu", name,
			      v.matrix.size1, v.matrix.size2, rows, cols);
		for (size_t a = 0; a < rows; a++)
			for (size_t c = 0; c < cols; c++)
				mine[off + a * cols + c] = gsl_matrix_get(&v.matrix, a, c);
	}
}

/* The reference's layout → the library's (base has nparams values). */
static void lref_scatter(const lref *r, const bt_model *mod,
			 const double *mine, double *base)
{
	for (int j = 0; j < 14; j++) {
		char name[8];
		size_t rows, cols, off;
		lref_block(r, j, name, &rows, &cols, &off);
		int i = bt_model_find_block(mod, name);
		ck_assert_int_ge(i, 0);
		gsl_matrix_view v = bt_block_view(mod, base, (size_t)i);
		for (size_t a = 0; a < rows; a++)
			for (size_t c = 0; c < cols; c++)
				gsl_matrix_set(&v.matrix, a, c, mine[off + a * cols + c]);
	}
}

static double r_sig(double a) { return 1.0 / (1.0 + exp(-a)); }
static double r_dsig(double a)
{
	double e = exp(-fabs(a));
	return e / ((1.0 + e) * (1.0 + e));
}
static double r_dtanh(double a)
{
	double ch = cosh(a);
	return 1.0 / (ch * ch);
}

/* What the forward pass keeps: pre-activations A (T×4n, gate k at k·n),
 * h_t and c_t for t = 0…T ((T+1)×n each), e_t = μ_t (ŷ_t − y_t) (T×m). */
typedef struct {
	size_t T;
	double *A, *H, *C, *E;
	double loss;
} lfwd;

static lfwd *lfwd_alloc(const lref *r, size_t T)
{
	lfwd *f = calloc(1, sizeof *f);
	ck_assert_ptr_nonnull(f);
	f->T = T;
	f->A = calloc(T * 4 * r->n, sizeof(double));
	f->H = calloc((T + 1) * r->n, sizeof(double));
	f->C = calloc((T + 1) * r->n, sizeof(double));
	f->E = calloc(T * r->m, sizeof(double));
	ck_assert(f->A && f->H && f->C && f->E);
	return f;
}

static void lfwd_free(lfwd *f)
{
	if (!f)
		return;
	free(f->A);
	free(f->H);
	free(f->C);
	free(f->E);
	free(f);
}

static double mask_at(const bt_data *D, size_t t) /* t from 1 */
{
	return D->M ? D->M[t - 1] : 1.0;
}

/* One step from (hp, cp) with input x: pre-activations into a (4n), the
 * new state into h, c. */
static void lref_step(const lref *r, const double *th, const double *hp,
		      const double *cp, const double *x, double *a, double *h,
		      double *c)
{
	const size_t n = r->n, d = r->d;
	for (int k = 0; k < 4; k++) {
		const double *W = th + r->oW[k], *U = th + r->oU[k], *b = th + r->ob[k];
		for (size_t i = 0; i < n; i++) {
			double s = b[i];
			for (size_t j = 0; j < n; j++)
				s += W[i * n + j] * hp[j];
			for (size_t j = 0; j < d; j++)
				s += U[i * d + j] * x[j];
			a[k * n + i] = s;
		}
	}
	for (size_t i = 0; i < n; i++) {
		double f = r_sig(a[GF * n + i]), ig = r_sig(a[GI * n + i]);
		double o = r_sig(a[GO * n + i]), g = tanh(a[GG * n + i]);
		c[i] = f * cp[i] + ig * g;
		h[i] = o * tanh(c[i]);
	}
}

/* μ_t ½‖V h + b_y − y_t‖²; e (m, may be NULL) gets μ_t (ŷ_t − y_t). */
static double lref_term(const lref *r, const double *th, const double *h,
			const bt_data *D, size_t t, double *e)
{
	const size_t n = r->n, m = r->m;
	const double *V = th + r->oV, *by = th + r->oby;
	double mu = mask_at(D, t), l = 0;
	for (size_t i = 0; i < m; i++) {
		double y = by[i];
		for (size_t j = 0; j < n; j++)
			y += V[i * n + j] * h[j];
		double diff = y - D->Y[(t - 1) * m + i];
		l += 0.5 * diff * diff;
		if (e)
			e[i] = mu * diff;
	}
	return mu * l;
}

/* Forward pass with parameters th (reference layout) and inputs X (T×d);
 * targets and mask from D. Returns L. */
static double lref_forward(const lref *r, const double *th, const double *X,
			   const bt_data *D, lfwd *f)
{
	const size_t n = r->n, d = r->d, m = r->m;
	double L = 0;
	for (size_t i = 0; i < n; i++)
		f->H[i] = f->C[i] = 0.0;             /* h_0 = c_0 = 0 */
	for (size_t t = 1; t <= D->T; t++) {
		lref_step(r, th, f->H + (t - 1) * n, f->C + (t - 1) * n,
			  X + (t - 1) * d, f->A + (t - 1) * 4 * n, f->H + t * n,
			  f->C + t * n);
		L += lref_term(r, th, f->H + t * n, D, t, f->E + (t - 1) * m);
	}
	f->loss = L;
	return L;
}

/* One step back through s_s = F(s_{s-1}, x_s): given gh = ∂/∂h_s and
 * gc = ∂/∂c_s, adds the step's share into g (reference layout) and dX,
 * and replaces gh, gc with ∂/∂h_{s-1}, ∂/∂c_{s-1} through this step.
 * tmp: 5n doubles. */
static void lref_step_back(const lref *r, const double *th, const double *X,
			   const lfwd *f, size_t s, double *gh, double *gc,
			   double *g, double *dX, double *tmp)
{
	const size_t n = r->n, d = r->d;
	const double *a = f->A + (s - 1) * 4 * n;
	const double *hp = f->H + (s - 1) * n, *cp = f->C + (s - 1) * n;
	const double *c = f->C + s * n, *x = X + (s - 1) * d;
	double *da = tmp, *nh = tmp + 4 * n;
	for (size_t i = 0; i < n; i++) {
		double fg = r_sig(a[GF * n + i]), ig = r_sig(a[GI * n + i]);
		double o = r_sig(a[GO * n + i]), gg = tanh(a[GG * n + i]);
		/* ∂L/∂c_s in full: the carried part and the part through h_s */
		double dc = gc[i] + gh[i] * o * r_dtanh(c[i]);
		da[GO * n + i] = gh[i] * tanh(c[i]) * r_dsig(a[GO * n + i]);
		da[GF * n + i] = dc * cp[i] * r_dsig(a[GF * n + i]);
		da[GI * n + i] = dc * gg * r_dsig(a[GI * n + i]);
		da[GG * n + i] = dc * ig * r_dtanh(a[GG * n + i]);
		gc[i] = dc * fg;
	}
	for (size_t j = 0; j < n; j++)
		nh[j] = 0;
	for (int k = 0; k < 4; k++) {
		const double *W = th + r->oW[k], *U = th + r->oU[k];
		const double *dak = da + k * n;
		for (size_t i = 0; i < n; i++) {
			g[r->ob[k] + i] += dak[i];
			for (size_t j = 0; j < n; j++) {
				g[r->oW[k] + i * n + j] += dak[i] * hp[j];
				nh[j] += W[i * n + j] * dak[i];
			}
			for (size_t j = 0; j < d; j++) {
				g[r->oU[k] + i * d + j] += dak[i] * x[j];
				if (dX)
					dX[(s - 1) * d + j] += U[i * d + j] * dak[i];
			}
		}
	}
	for (size_t j = 0; j < n; j++)
		gh[j] = nh[j];
}

/* The readout's share of term t: ∂ℓ_t/∂V, ∂ℓ_t/∂b_y into g, and
 * gh += Vᵀ e_t. */
static void lref_readout_back(const lref *r, const double *th, const lfwd *f,
			      size_t t, double *gh, double *g)
{
	const size_t n = r->n, m = r->m;
	const double *V = th + r->oV;
	const double *e = f->E + (t - 1) * m, *h = f->H + t * n;
	for (size_t i = 0; i < m; i++) {
		g[r->oby + i] += e[i];
		for (size_t j = 0; j < n; j++) {
			g[r->oV + i * n + j] += e[i] * h[j];
			gh[j] += V[i * n + j] * e[i];
		}
	}
}

/* Full BPTT after lref_forward: g (P values) and dX (T×d) are
 * overwritten; dS (may be NULL) gets ∂L/∂[h_t; c_t] for t = 1…T at row
 * t−1 (T×2n). */
static void lref_backward_full(const lref *r, const double *th,
			       const double *X, const bt_data *D,
			       const lfwd *f, double *g, double *dX, double *dS)
{
	const size_t n = r->n;
	double *gh = calloc(n, sizeof(double)), *gc = calloc(n, sizeof(double));
	double *tmp = calloc(5 * n, sizeof(double));
	ck_assert(gh && gc && tmp);
	memset(g, 0, r->P * sizeof(double));
	memset(dX, 0, D->T * r->d * sizeof(double));
	for (size_t t = D->T; t >= 1; t--) {
		lref_readout_back(r, th, f, t, gh, g);
		if (dS) {
			memcpy(dS + (t - 1) * 2 * n, gh, n * sizeof(double));
			memcpy(dS + (t - 1) * 2 * n + n, gc, n * sizeof(double));
		}
		lref_step_back(r, th, X, f, t, gh, gc, g, dX, tmp);
	}
	free(gh);
	free(gc);
	free(tmp);
}

/* Brute-force truncated gradient: for every loss term t separately, back
 * through s_t, …, s_{t-k+1} only (s_{t-k} = [h; c] a constant). */
static void lref_backward_truncated(const lref *r, const double *th,
				    const double *X, const bt_data *D,
				    const lfwd *f, size_t k, double *g,
				    double *dX)
{
	const size_t n = r->n;
	double *gh = calloc(n, sizeof(double)), *gc = calloc(n, sizeof(double));
	double *tmp = calloc(5 * n, sizeof(double));
	ck_assert(gh && gc && tmp);
	memset(g, 0, r->P * sizeof(double));
	memset(dX, 0, D->T * r->d * sizeof(double));
	for (size_t t = 1; t <= D->T; t++) {
		memset(gh, 0, n * sizeof(double));
		memset(gc, 0, n * sizeof(double));
		lref_readout_back(r, th, f, t, gh, g);
		for (size_t s = t; s >= 1 && t - s < k; s--)
			lref_step_back(r, th, X, f, s, gh, gc, g, dX, tmp);
	}
	free(gh);
	free(gc);
	free(tmp);
}

/* Σ_t ℓ_t with s_{t-k} held at its value in the base pass: each term
 * reruns steps t−k+1 … t (from 1 when t ≤ k). buf: 8n doubles. */
static double lref_window_sum(const lref *r, const double *th, const double *X,
			      const bt_data *D, const lfwd *base, size_t k,
			      double *buf)
{
	const size_t n = r->n, d = r->d;
	double *h0 = buf, *c0 = buf + n, *h1 = buf + 2 * n, *c1 = buf + 3 * n;
	double *a = buf + 4 * n;   /* 4n pre-activations */
	double L = 0;
	for (size_t t = 1; t <= D->T; t++) {
		size_t s0 = t > k ? t - k + 1 : 1;
		memcpy(h0, base->H + (s0 - 1) * n, n * sizeof(double));
		memcpy(c0, base->C + (s0 - 1) * n, n * sizeof(double));
		for (size_t s = s0; s <= t; s++) {
			lref_step(r, th, h0, c0, X + (s - 1) * d, a, h1, c1);
			memcpy(h0, h1, n * sizeof(double));
			memcpy(c0, c1, n * sizeof(double));
		}
		L += lref_term(r, th, h0, D, t, NULL);
	}
	return L;
}

/* ==== helpers ============================================================== */

/* ‖g − g_ref‖∞ / ‖g_ref‖∞ over block i; ‖g‖∞ when the reference block is
 * exactly zero; ∞ on NaN. */
static double block_err(const bt_model *mod, const double *g,
			const double *gref, size_t i)
{
	gsl_matrix_const_view a = bt_block_const_view(mod, g, i);
	gsl_matrix_const_view b = bt_block_const_view(mod, gref, i);
	double num = 0, den = 0;
	for (size_t r = 0; r < a.matrix.size1; r++)
		for (size_t c = 0; c < a.matrix.size2; c++) {
			double x = gsl_matrix_get(&a.matrix, r, c);
			double y = gsl_matrix_get(&b.matrix, r, c);
			double e = fabs(x - y);
			num = isnan(e) ? INFINITY : fmax(num, e);
			den = fmax(den, fabs(y));
		}
	return den > 0 ? num / den : num;
}

static double vec_err(const double *g, const double *gref, size_t k)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < k; i++) {
		double e = fabs(g[i] - gref[i]);
		num = isnan(e) ? INFINITY : fmax(num, e);
		den = fmax(den, fabs(gref[i]));
	}
	return den > 0 ? num / den : num;
}

typedef struct {
	const char *name;
	size_t T, d, n, m;
	int mask;        /* 0 none; 1 zeros (first and last step among them) */
	int saturate;    /* scale the cell's parameters until max |a| ≈ 12 */
} shape;

static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, 0, 0},
	{"n=1", 7, 2, 1, 3, 0, 0},
	{"d=1", 6, 1, 4, 2, 0, 0},
	{"m=1", 6, 3, 4, 1, 0, 0},
	{"d3n5m2", 9, 3, 5, 2, 0, 0},
	{"mask", 11, 2, 3, 2, 1, 0},
	{"T=200", 200, 2, 3, 2, 0, 0},
	{"saturated", 12, 3, 4, 2, 0, 1},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

static double mask_pattern(size_t t, size_t T)
{
	return (t == 1 || t == T || t == 4 || t == 5) ? 0.0 : 1.0;
}

static bt_data *make_data(size_t T, size_t d, size_t m, int mask,
			  unsigned long seed)
{
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, T, d, m, mask != 0), BT_OK);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	for (size_t i = 0; i < T * d; i++)
		D->X[i] = gsl_ran_gaussian(rng, 1.0) + 0.1;
	for (size_t i = 0; i < T * m; i++)
		D->Y[i] = gsl_ran_gaussian(rng, 0.8) - 0.2;
	for (size_t t = 1; mask && t <= T; t++)
		D->M[t - 1] = mask == 1 ? mask_pattern(t, T) : 0.0;
	gsl_rng_free(rng);
	return D;
}

typedef struct {
	const shape *s;
	char label[64];
	bt_model *mod;
	bt_data *data;
	lref r;
	double *th;   /* parameters in the reference's layout */
	lfwd *f;      /* reference forward at th */
} lcase;

static double max_abs_preact(const lcase *c)
{
	double mx = 0;
	for (size_t i = 0; i < c->s->T * 4 * c->r.n; i++)
		mx = fmax(mx, fabs(c->f->A[i]));
	return mx;
}

/* An lstm on shape s with irregular parameters N(0, 0.6²) and data from
 * the seed; mask 0/1/2 (2: all zero). */
static void case_setup(lcase *c, const shape *s, int mask, unsigned long seed)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	snprintf(c->label, sizeof c->label, "lstm/%s", s->name);
	c->mod = tu_model("lstm", BT_ACT_TANH, s->d, s->n, s->m, 0.6, seed);
	c->data = make_data(s->T, s->d, s->m, mask, seed + 1);
	lref_init(&c->r, c->mod);
	c->th = malloc(c->r.P * sizeof(double));
	ck_assert_ptr_nonnull(c->th);
	c->f = lfwd_alloc(&c->r, s->T);
	lref_gather(&c->r, c->mod, c->mod->theta, c->th);
	lref_forward(&c->r, c->th, c->data->X, c->data, c->f);
	if (s->saturate) {
		/* scale W_*, U_*, b_* (the first V block offset in the
		 * reference's layout) until the largest |pre-activation| ≈ 12 */
		for (int it = 0; it < 50; it++) {
			double mx = max_abs_preact(c), f = 12.0 / mx;
			if (fabs(f - 1) < 0.01)
				break;
			for (size_t i = 0; i < c->r.oV; i++)
				c->th[i] *= f;
			lref_forward(&c->r, c->th, c->data->X, c->data, c->f);
		}
		lref_scatter(&c->r, c->mod, c->th, c->mod->theta);
		double mx = max_abs_preact(c);
		size_t sat = 0, N = s->T * 4 * c->r.n;
		for (size_t i = 0; i < N; i++)
			sat += fabs(c->f->A[i]) > 5;
		ck_assert_msg(mx > 11 && mx < 13 && sat * 20 >= N,
			      "%s: test setup: max |a| %g, %zu of %zu beyond 5",
			      c->label, mx, sat, N);
	}
	ck_assert_msg(isfinite(c->f->loss) && c->f->loss < 1e8,
		      "%s: test setup: loss %g", c->label, c->f->loss);
	ck_assert_msg(mask == 2 || c->f->loss > 0, "%s: test setup: loss 0",
		      c->label);
}

static void case_teardown(lcase *c)
{
	bt_model_free(c->mod);
	bt_data_free(c->data);
	free(c->th);
	lfwd_free(c->f);
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

/* Library gradient (truncate k, 0 = full) against the reference's g_ref
 * (reference layout) and dX_ref, per block and for X, ≤ tol. */
static void compare(const lcase *c, size_t k, const double *gm,
		    const double *xr, double tol)
{
	const bt_model *mod = c->mod;
	size_t TX = c->s->T * c->s->d;
	double *g = calloc(mod->nparams, sizeof(double));
	double *gr = calloc(mod->nparams, sizeof(double));
	double *x = calloc(TX, sizeof(double));
	ck_assert(g && gr && x);
	double L = NAN;
	ck_assert_int_eq(bt_gradient(mod, c->data, k, &L, g, x), BT_OK);
	ck_assert_msg(fabs(L - c->f->loss) <= 1e-12 * fabs(c->f->loss),
		      "%s: k=%zu: loss %.17g, reference %.17g", c->label, k, L,
		      c->f->loss);
	lref_scatter(&c->r, mod, gm, gr);
	for (size_t i = 0; i < mod->nblocks; i++) {
		double e = block_err(mod, g, gr, i);
		ck_assert_msg(e <= tol, "%s: k=%zu: block %s: rel. error %g vs "
			      "reference", c->label, k, mod->blocks[i].name, e);
	}
	double e = vec_err(x, xr, TX);
	ck_assert_msg(e <= tol, "%s: k=%zu: dX: rel. error %g vs reference",
		      c->label, k, e);
	free(g);
	free(gr);
	free(x);
}

/* ==== tests on every shape (loop index = shape) ============================= */

/* The layout: the spec's 14 blocks, state 2n. */
START_TEST(test_layout)
{
	const bt_cell_type *t = bt_cell_lookup("lstm");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(bt_cell_name(t), "lstm");
	ck_assert_int_eq(bt_cell_has_activation(t), 0);
	bt_model *m = tu_model("lstm", BT_ACT_TANH, 3, 5, 2, 0.5, 1);
	ck_assert_uint_eq(m->state_size, 10);
	lref r;
	lref_init(&r, m);
	double *th = malloc(r.P * sizeof(double));
	ck_assert_ptr_nonnull(th);
	lref_gather(&r, m, m->theta, th);   /* asserts names and shapes */
	/* the model refuses activations other than the default */
	bt_model *bad = NULL;
	bt_dims dims = {3, 5, 2};
	ck_assert_int_eq(bt_model_alloc(&bad, t, dims, BT_ACT_RELU), BT_EINVAL);
	free(th);
	bt_model_free(m);
}
END_TEST

/* bt_loss and the states s_t = [h_t; c_t] of bt_seq_forward equal the
 * reference's. */
START_TEST(test_forward_matches_reference)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 100 + (unsigned long)_i);
	double L = NAN;
	ck_assert_int_eq(bt_loss(c.mod, c.data, &L), BT_OK);
	ck_assert_msg(fabs(L - c.f->loss) <= 1e-12 * c.f->loss,
		      "%s: bt_loss %.17g, reference %.17g", c.label, L, c.f->loss);
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, c.mod, s->T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, c.mod, c.data, &L), BT_OK);
	const size_t n = s->n;
	for (size_t t = 0; t <= s->T; t++) {
		const double *st = bt_seq_state(q, t);
		ck_assert_ptr_nonnull(st);
		for (size_t i = 0; i < n; i++) {
			double eh = fabs(st[i] - c.f->H[t * n + i]);
			double ec = fabs(st[n + i] - c.f->C[t * n + i]);
			ck_assert_msg(eh <= 1e-13 && ec <= 1e-13 * fmax(1, fabs(c.f->C[t * n + i])),
				      "%s: t=%zu i=%zu: state [h; c] = [%.17g; %.17g], "
				      "reference [%.17g; %.17g]", c.label, t, i,
				      st[i], st[n + i], c.f->H[t * n + i],
				      c.f->C[t * n + i]);
		}
	}
	bt_seq_free(q);
	case_teardown(&c);
}
END_TEST

/* Full BPTT: bt_gradient per block and for X, and ∂L/∂[h_t; c_t] of
 * bt_seq_dstate, equal the reference's. */
START_TEST(test_full_matches_reference)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 200 + (unsigned long)_i);
	size_t TX = s->T * s->d, S = 2 * s->n;
	double *gm = calloc(c.r.P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *dS = calloc(s->T * S, sizeof(double));
	ck_assert(gm && xr && dS);
	lref_backward_full(&c.r, c.th, c.data->X, c.data, c.f, gm, xr, dS);
	compare(&c, 0, gm, xr, 1e-10);

	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, c.mod, s->T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, c.mod, c.data, NULL), BT_OK);
	ck_assert_int_eq(bt_seq_backward(q, c.mod, c.data, NULL, NULL), BT_OK);
	double den = 0, num = 0, cpart = 0;
	for (size_t t = 1; t <= s->T; t++) {
		const double *ds = bt_seq_dstate(q, t);
		for (size_t i = 0; i < S; i++) {
			num = fmax(num, fabs(ds[i] - dS[(t - 1) * S + i]));
			den = fmax(den, fabs(dS[(t - 1) * S + i]));
			if (i >= s->n)
				cpart = fmax(cpart, fabs(dS[(t - 1) * S + i]));
		}
	}
	ck_assert_msg(num <= 1e-10 * den, "%s: dstate: error %g of %g", c.label,
		      num, den);
	ck_assert_msg(s->T == 1 || cpart > 0, "%s: test setup: ∂L/∂c_t all zero",
		      c.label);
	bt_seq_free(q);
	free(gm);
	free(xr);
	free(dS);
	case_teardown(&c);
}
END_TEST

/* Truncated BPTT, k = 1, 2, 3, T−1: the library against the brute-force
 * per-term reference. */
START_TEST(test_truncated_matches_reference)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 300 + (unsigned long)_i);
	size_t TX = s->T * s->d;
	double *gm = calloc(c.r.P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *g0 = calloc(c.r.P, sizeof(double));
	double *x0 = calloc(TX, sizeof(double));
	ck_assert(gm && xr && g0 && x0);
	lref_backward_full(&c.r, c.th, c.data->X, c.data, c.f, g0, x0, NULL);
	size_t ks[4], nk = ks_for(s->T, ks);
	for (size_t j = 0; j < nk; j++) {
		lref_backward_truncated(&c.r, c.th, c.data->X, c.data, c.f, ks[j],
					gm, xr);
		compare(&c, ks[j], gm, xr, 1e-10);
		/* and truncation changes something (for k = T−1 only the
		 * last term differs, and the mask may drop it) */
		ck_assert_msg(ks[j] > 3 || vec_err(gm, g0, c.r.P) > 1e-8,
			      "%s: k=%zu: test setup: truncated = full", c.label,
			      ks[j]);
	}
	/* the brute force with a window over everything is full BPTT */
	lref_backward_truncated(&c.r, c.th, c.data->X, c.data, c.f, s->T, gm, xr);
	ck_assert_msg(vec_err(gm, g0, c.r.P) <= 1e-12 &&
		      vec_err(xr, x0, TX) <= 1e-12,
		      "%s: reference truncated(k=T) != full", c.label);
	free(gm);
	free(xr);
	free(g0);
	free(x0);
	case_teardown(&c);
}
END_TEST

/* The reference's full gradient against central differences of its own
 * loss, every entry of θ and X: ≤ 1e-6 relative, absolute floor
 * 1e-8·max(1, |L|). */
START_TEST(test_reference_matches_fd)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 400 + (unsigned long)_i);
	const lref *r = &c.r;
	const bt_data *D = c.data;
	size_t TX = s->T * s->d;
	double *gm = calloc(r->P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *th = malloc(r->P * sizeof(double));
	double *X = malloc(TX * sizeof(double));
	lfwd *f = lfwd_alloc(r, s->T);
	ck_assert(gm && xr && th && X);
	lref_backward_full(r, c.th, D->X, D, c.f, gm, xr, NULL);
	memcpy(th, c.th, r->P * sizeof(double));
	memcpy(X, D->X, TX * sizeof(double));
	double atol = 1e-8 * fmax(1.0, fabs(c.f->loss)), big = 0;
	for (size_t i = 0; i < r->P + TX; i++) {
		double *p = i < r->P ? th + i : X + (i - r->P);
		double g = i < r->P ? gm[i] : xr[i - r->P];
		double v = *p, h = 6e-6 * fmax(1.0, fabs(v));
		double tp = v + h, tm = v - h;
		*p = tp;
		double Lp = lref_forward(r, th, X, D, f);
		*p = tm;
		double Lm = lref_forward(r, th, X, D, f);
		*p = v;
		double fd = (Lp - Lm) / (tp - tm);
		ck_assert_msg(fabs(g - fd) <= 1e-6 * fmax(fabs(g), fabs(fd)) + atol,
			      "%s: %s[%zu]: reference %.12g, finite difference %.12g",
			      c.label, i < r->P ? "theta" : "X",
			      i < r->P ? i : i - r->P, g, fd);
		big = fmax(big, fabs(g));
	}
	ck_assert_msg(big > 100 * atol, "%s: test setup: gradient %g is below "
		      "the absolute floor", c.label, big);
	free(gm);
	free(xr);
	free(th);
	free(X);
	lfwd_free(f);
	case_teardown(&c);
}
END_TEST

/* The reference's brute-force truncated gradient against central
 * differences of its windowed loss Σ_t ℓ_t(s_{t-k} = [h; c] held), short
 * shapes only (each term reruns its window). */
START_TEST(test_reference_truncated_matches_fd)
{
	const shape *s = &shapes[_i];
	if (s->T > 20)
		return;
	lcase c;
	case_setup(&c, s, s->mask, 500 + (unsigned long)_i);
	const lref *r = &c.r;
	const bt_data *D = c.data;
	size_t TX = s->T * s->d;
	double *gm = calloc(r->P, sizeof(double));
	double *xr = calloc(TX, sizeof(double));
	double *th = malloc(r->P * sizeof(double));
	double *X = malloc(TX * sizeof(double));
	double *buf = malloc(8 * r->n * sizeof(double));
	ck_assert(gm && xr && th && X && buf);
	memcpy(th, c.th, r->P * sizeof(double));
	memcpy(X, D->X, TX * sizeof(double));
	double atol = 1e-8 * fmax(1.0, fabs(c.f->loss));
	size_t ks[4], nk = ks_for(s->T, ks);
	for (size_t j = 0; j < nk; j++) {
		size_t k = ks[j];
		double Lw = lref_window_sum(r, th, X, D, c.f, k, buf);
		ck_assert_msg(fabs(Lw - c.f->loss) <= 1e-12 * c.f->loss,
			      "%s: windowed loss %g, loss %g", c.label, Lw,
			      c.f->loss);
		lref_backward_truncated(r, c.th, D->X, D, c.f, k, gm, xr);
		for (size_t i = 0; i < r->P + TX; i++) {
			double *p = i < r->P ? th + i : X + (i - r->P);
			double g = i < r->P ? gm[i] : xr[i - r->P];
			double v = *p, h = 6e-6 * fmax(1.0, fabs(v));
			double tp = v + h, tm = v - h;
			*p = tp;
			double Lp = lref_window_sum(r, th, X, D, c.f, k, buf);
			*p = tm;
			double Lm = lref_window_sum(r, th, X, D, c.f, k, buf);
			*p = v;
			double fd = (Lp - Lm) / (tp - tm);
			ck_assert_msg(fabs(g - fd) <= 1e-6 * fmax(fabs(g), fabs(fd)) + atol,
				      "%s: k=%zu: %s[%zu]: brute force %.12g, "
				      "windowed finite difference %.12g", c.label,
				      k, i < r->P ? "theta" : "X",
				      i < r->P ? i : i - r->P, g, fd);
		}
	}
	free(gm);
	free(xr);
	free(th);
	free(X);
	free(buf);
	case_teardown(&c);
}
END_TEST

/* The library's checker (order 2, its defaults) reports every block ok. */
START_TEST(test_gradcheck_ok)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 600 + (unsigned long)_i);
	bt_check_options opt;
	bt_check_options_default(&opt);
	bt_check_result res;
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(bt_gradcheck(c.mod, c.data, &opt, &res), BT_OK);
	ck_assert_uint_eq(res.nblocks, c.mod->nblocks + 1);
	for (size_t i = 0; i < res.nblocks; i++) {
		const bt_check_block *b = &res.blocks[i];
		ck_assert_msg(b->ok, "%s: gradcheck block %s not ok: max_rel %g "
			      "max_abs %g (exact %.12g, fd %.12g)", c.label,
			      b->name, b->max_rel, b->max_abs, b->worst_exact,
			      b->worst_fd);
	}
	ck_assert_msg(res.ok, "%s: gradcheck not ok", c.label);
	case_teardown(&c);
}
END_TEST

/* k ≥ T is full BPTT: the same loss and gradient. */
START_TEST(test_truncate_ge_T_is_full)
{
	const shape *s = &shapes[_i];
	lcase c;
	case_setup(&c, s, s->mask, 700 + (unsigned long)_i);
	const bt_model *mod = c.mod;
	size_t TX = s->T * s->d;
	double *g0 = calloc(mod->nparams, sizeof(double));
	double *x0 = calloc(TX, sizeof(double));
	double *g = calloc(mod->nparams, sizeof(double));
	double *x = calloc(TX, sizeof(double));
	ck_assert(g0 && x0 && g && x);
	double L0 = NAN;
	ck_assert_int_eq(tu_gradient_seq(mod, c.data, &L0, g0, x0), BT_OK);
	const size_t kk[3] = {s->T, s->T + 1, 3 * s->T + 7};
	for (int j = 0; j < 3; j++) {
		double L = NAN;
		ck_assert_int_eq(bt_gradient(mod, c.data, kk[j], &L, g, x), BT_OK);
		ck_assert(L == L0);
		for (size_t i = 0; i < mod->nblocks; i++)
			ck_assert_msg(block_err(mod, g, g0, i) <= 1e-14,
				      "%s: k=%zu: block %s differs from full",
				      c.label, kk[j], mod->blocks[i].name);
		ck_assert_msg(vec_err(x, x0, TX) <= 1e-14,
			      "%s: k=%zu: dX differs from full", c.label, kk[j]);
	}
	free(g0);
	free(x0);
	free(g);
	free(x);
	case_teardown(&c);
}
END_TEST

/* ==== single tests =========================================================== */

/* All-zero mask: loss 0 and every gradient entry exactly 0.0, full and
 * truncated. */
START_TEST(test_zero_mask)
{
	static const shape s = {"zero-mask", 8, 3, 4, 2, 2, 0};
	lcase c;
	case_setup(&c, &s, 2, 800);
	const bt_model *mod = c.mod;
	size_t TX = s.T * s.d;
	double *g = malloc(mod->nparams * sizeof(double));
	double *x = malloc(TX * sizeof(double));
	ck_assert(g && x);
	static const size_t ks[3] = {0, 1, 3};
	for (int j = 0; j < 3; j++) {
		for (size_t i = 0; i < mod->nparams; i++)
			g[i] = 1.5;   /* bt_gradient must zero them */
		for (size_t i = 0; i < TX; i++)
			x[i] = -2.5;
		double L = NAN;
		ck_assert_int_eq(bt_gradient(mod, c.data, ks[j], &L, g, x), BT_OK);
		ck_assert_msg(L == 0.0, "%s: k=%zu: loss %g", c.label, ks[j], L);
		for (size_t i = 0; i < mod->nparams; i++)
			ck_assert_msg(g[i] == 0.0, "%s: k=%zu: grad[%zu] = %g",
				      c.label, ks[j], i, g[i]);
		for (size_t i = 0; i < TX; i++)
			ck_assert_msg(x[i] == 0.0, "%s: k=%zu: dX[%zu] = %g",
				      c.label, ks[j], i, x[i]);
	}
	ck_assert(c.f->loss == 0.0);
	free(g);
	free(x);
	case_teardown(&c);
}
END_TEST

/* Only the last term counts (μ_T = 1): under truncation k, ∂L/∂x_{T−τ} is
 * exactly 0.0 for τ ≥ k and equals full BPTT for τ < k; full BPTT itself
 * equals the reference. */
START_TEST(test_lag_structure)
{
	static const shape s = {"last-term", 10, 3, 4, 2, 0, 0};
	const size_t T = s.T, d = s.d;
	lcase c;
	case_setup(&c, &s, 0, 900);
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, T, d, s.m, 1), BT_OK);
	memcpy(D->X, c.data->X, T * d * sizeof(double));
	memcpy(D->Y, c.data->Y, T * s.m * sizeof(double));
	for (size_t t = 1; t <= T; t++)
		D->M[t - 1] = t == T ? 1.0 : 0.0;
	const bt_model *mod = c.mod;
	double *g = calloc(mod->nparams, sizeof(double));
	double *x = calloc(T * d, sizeof(double));
	double *x0 = calloc(T * d, sizeof(double));
	double *gm = calloc(c.r.P, sizeof(double));
	double *xr = calloc(T * d, sizeof(double));
	ck_assert(g && x && x0 && gm && xr);
	double L0 = NAN;
	ck_assert_int_eq(tu_gradient_seq(mod, D, &L0, g, x0), BT_OK);
	lref_forward(&c.r, c.th, D->X, D, c.f);
	lref_backward_full(&c.r, c.th, D->X, D, c.f, gm, xr, NULL);
	ck_assert_msg(vec_err(x0, xr, T * d) <= 1e-10, "%s: full dX vs "
		      "reference: %g", c.label, vec_err(x0, xr, T * d));
	static const size_t ks[4] = {1, 3, 5, 9};
	for (int j = 0; j < 4; j++) {
		size_t k = ks[j];
		double L = NAN, cut = 0;
		ck_assert_int_eq(bt_gradient(mod, D, k, &L, g, x), BT_OK);
		ck_assert(L == L0);
		for (size_t tau = 0; tau < T; tau++) {
			const double *row = x + (T - tau - 1) * d;
			const double *row0 = x0 + (T - tau - 1) * d;
			if (tau >= k) {
				for (size_t i = 0; i < d; i++) {
					ck_assert_msg(row[i] == 0.0, "%s: k=%zu: "
						      "dL/dx_{T-%zu}[%zu] = %g, not 0",
						      c.label, k, tau, i, row[i]);
					cut = fmax(cut, fabs(row0[i]));
				}
			} else {
				double e = vec_err(row, row0, d);
				ck_assert_msg(e <= 1e-12, "%s: k=%zu: dL/dx_{T-%zu} "
					      "differs from full BPTT by %g",
					      c.label, k, tau, e);
			}
		}
		ck_assert_msg(cut > 0, "%s: k=%zu: test setup: full dL/dx is "
			      "zero beyond the window", c.label, k);
	}
	free(g);
	free(x);
	free(x0);
	free(gm);
	free(xr);
	bt_data_free(D);
	case_teardown(&c);
}
END_TEST

/* Sets every entry of the named block to v. */
static void set_block(bt_model *mod, const char *name, double v)
{
	int i = bt_model_find_block(mod, name);
	ck_assert_int_ge(i, 0);
	gsl_matrix_view b = bt_block_view(mod, mod->theta, (size_t)i);
	gsl_matrix_set_all(&b.matrix, v);
}

/* P_τ = ∂s_T/∂s_{T−τ} = J_T … J_{T−τ+1} from bt_seq_jacobian, τ = 1…T;
 * returns the largest ‖P_cc − I‖_max over τ (P_cc the c-block,
 * ∂c_T/∂c_{T−τ}) and puts max |P_cc| at τ = T into *last. */
static double carousel(double bf, size_t T, double *last)
{
	const size_t d = 2, n = 3, m = 2, S = 2 * n;
	bt_model *mod = tu_model("lstm", BT_ACT_TANH, d, n, m, 0.7, 1000);
	set_block(mod, "b_f", bf);
	set_block(mod, "b_i", -30.0);
	bt_data *D = make_data(T, d, m, 0, 1001);
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, D, NULL), BT_OK);
	gsl_matrix *J = gsl_matrix_alloc(S, S), *P = gsl_matrix_alloc(S, S),
		   *Q = gsl_matrix_alloc(S, S);
	ck_assert(J && P && Q);
	gsl_matrix_set_identity(P);
	double worst = 0;
	for (size_t tau = 1; tau <= T; tau++) {
		/* P ← P J_{T−τ+1} */
		ck_assert_int_eq(bt_seq_jacobian(q, mod, D, T - tau + 1, J), BT_OK);
		gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, J, 0.0, Q);
		gsl_matrix_memcpy(P, Q);
		double dev = 0, mx = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double p = gsl_matrix_get(P, n + i, n + j);
				dev = fmax(dev, fabs(p - (i == j)));
				mx = fmax(mx, fabs(p));
			}
		worst = isnan(dev) ? INFINITY : fmax(worst, dev);
		*last = mx;
	}
	gsl_matrix_free(J);
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	bt_seq_free(q);
	bt_data_free(D);
	bt_model_free(mod);
	return worst;
}

/* The constant error carousel: with f_t ≈ 1 (b_f = 30) and i_t ≈ 0
 * (b_i = −30), ∂c_T/∂c_{T−τ} stays I for τ up to 1000; with b_f = 0 it
 * decays far below 1. */
START_TEST(test_constant_error_carousel)
{
	double last = NAN;
	double dev = carousel(30.0, 1000, &last);
	ck_assert_msg(dev <= 1e-6, "b_f = 30: max_τ ‖∂c_T/∂c_{T-τ} − I‖_max = %g",
		      dev);
	ck_assert_msg(fabs(last - 1) <= 1e-6, "b_f = 30: τ = 1000: max |P_cc| = %g",
		      last);
	dev = carousel(0.0, 1000, &last);
	ck_assert_msg(last <= 1e-30, "b_f = 0: τ = 1000: max |∂c_T/∂c_{T-τ}| = %g, "
		      "not far below 1", last);
	ck_assert_msg(dev >= 0.99, "b_f = 0: deviation from I only %g", dev);
}
END_TEST

/* The step Jacobian J_t = ∂s_t/∂s_{t−1} (2n × 2n, blocks ∂h/∂h, ∂h/∂c,
 * ∂c/∂h, ∂c/∂c) against central differences of one step (bt_seq_step). */
START_TEST(test_jacobian_fd)
{
	const size_t d = 3, n = 5, m = 2, T = 6, S = 2 * n;
	bt_model *mod = tu_model("lstm", BT_ACT_TANH, d, n, m, 0.8, 1100);
	bt_data *D = make_data(T, d, m, 0, 1101);
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, mod, D, NULL), BT_OK);
	gsl_matrix *J = gsl_matrix_alloc(S, S);
	double *sp = malloc(S * sizeof(double)), *s1 = malloc(S * sizeof(double)),
	       *s2 = malloc(S * sizeof(double));
	ck_assert(J && sp && s1 && s2);
	static const char *const blk[2][2] = {{"dh/dh", "dh/dc"},
					      {"dc/dh", "dc/dc"}};
	double bmax[2][2] = {{0, 0}, {0, 0}};
	for (size_t t = 1; t <= T; t++) {
		ck_assert_int_eq(bt_seq_jacobian(q, mod, D, t, J), BT_OK);
		const double *prev = bt_seq_state(q, t - 1);
		const double *x = D->X + (t - 1) * d;
		for (size_t j = 0; j < S; j++) {
			double h = 1e-5;
			memcpy(sp, prev, S * sizeof(double));
			sp[j] += h;
			ck_assert_int_eq(bt_seq_step(q, mod, sp, x, s1), BT_OK);
			sp[j] -= 2 * h;
			ck_assert_int_eq(bt_seq_step(q, mod, sp, x, s2), BT_OK);
			for (size_t i = 0; i < S; i++) {
				double fd = (s1[i] - s2[i]) / (2 * h);
				double ex = gsl_matrix_get(J, i, j);
				ck_assert_msg(fabs(fd - ex) <= 1e-7 * fmax(1, fabs(ex)),
					      "t=%zu J[%zu][%zu] (%s): exact %.12g, "
					      "fd %.12g", t, i, j,
					      blk[i >= n][j >= n], ex, fd);
				double *bm = &bmax[i >= n][j >= n];
				*bm = fmax(*bm, fabs(ex));
			}
		}
	}
	/* none of the four blocks is trivially zero */
	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++)
			ck_assert_msg(bmax[a][b] > 1e-3, "test setup: block %s "
				      "is %g", blk[a][b], bmax[a][b]);
	/* a wrong size is refused */
	gsl_matrix *Jn = gsl_matrix_alloc(n, n);
	ck_assert_int_eq(bt_seq_jacobian(q, mod, D, 1, Jn), BT_EINVAL);
	gsl_matrix_free(Jn);
	free(sp);
	free(s1);
	free(s2);
	gsl_matrix_free(J);
	bt_seq_free(q);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

static const double *block_at(const bt_model *m, const char *name, size_t *len)
{
	int i = bt_model_find_block(m, name);
	ck_assert_msg(i >= 0, "no block %s", name);
	*len = m->blocks[i].rows * m->blocks[i].cols;
	return m->theta + m->blocks[i].offset;
}

/* Largest singular value of an n×n row-major matrix. */
static double smax_of(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
	gsl_vector *s = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	memcpy(A->data, W, n * n * sizeof(double));
	gsl_linalg_SV_decomp(A, V, s, w);
	double r = gsl_vector_get(s, 0);
	gsl_matrix_free(A);
	gsl_matrix_free(V);
	gsl_vector_free(s);
	gsl_vector_free(w);
	return r;
}

/* bt_model_init: b_f = forget_bias exactly, b_i = b_o = b_g = 0, V and
 * b_y as for every architecture; W_* N(0, 1/n) and each rescaled on its
 * own by --scale; U_* Glorot-normal. */
START_TEST(test_init)
{
	const bt_cell_type *t = bt_cell_lookup("lstm");
	bt_dims dims = {10, 20, 3};
	bt_model *m = NULL;
	ck_assert_int_eq(bt_model_alloc(&m, t, dims, BT_ACT_TANH), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	ck_assert(o.forget_bias == 1.0);
	o.forget_bias = 2.5;
	ck_assert_int_eq(bt_model_init(m, &o), BT_OK);
	size_t len;
	const double *bf = block_at(m, "b_f", &len);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(bf[i] == 2.5, "b_f[%zu] = %.17g", i, bf[i]);
	static const char *const zero[] = {"b_i", "b_o", "b_g", "b_y"};
	for (int k = 0; k < 4; k++) {
		const double *b = block_at(m, zero[k], &len);
		for (size_t i = 0; i < len; i++)
			ck_assert_msg(b[i] == 0.0, "%s[%zu] = %g", zero[k], i, b[i]);
	}
	/* W_*: N(0, 1/n), 400 entries each, sample variance near 1/20; the
	 * four drawn separately */
	static const char *const Ws[] = {"W_f", "W_i", "W_o", "W_g"};
	static const char *const Us[] = {"U_f", "U_i", "U_o", "U_g"};
	for (int k = 0; k < 4; k++) {
		const double *W = block_at(m, Ws[k], &len);
		double ss = 0;
		for (size_t i = 0; i < len; i++)
			ss += W[i] * W[i];
		ck_assert_msg(ss / len > 0.035 && ss / len < 0.065,
			      "var(%s) = %g, want about 1/20", Ws[k], ss / len);
		if (k > 0)
			ck_assert(memcmp(W, block_at(m, Ws[0], &len),
					 len * sizeof(double)) != 0);
		/* U_*: Glorot-normal, var 2/(10 + 20) */
		const double *U = block_at(m, Us[k], &len);
		ss = 0;
		for (size_t i = 0; i < len; i++)
			ss += U[i] * U[i];
		ck_assert_msg(ss / len > 0.045 && ss / len < 0.09,
			      "var(%s) = %g, want about 1/15", Us[k], ss / len);
	}
	/* the default forget bias is 1 */
	bt_init_options_default(&o);
	ck_assert_int_eq(bt_model_init(m, &o), BT_OK);
	bf = block_at(m, "b_f", &len);
	for (size_t i = 0; i < len; i++)
		ck_assert(bf[i] == 1.0);
	/* --scale: every W_* has largest singular value exactly 1.5 */
	o.scale = 1.5;
	ck_assert_int_eq(bt_model_init(m, &o), BT_OK);
	for (int k = 0; k < 4; k++) {
		const double *W = block_at(m, Ws[k], &len);
		double s = smax_of(W, dims.n);
		ck_assert_msg(fabs(s - 1.5) <= 1e-12, "%s: s_max %.17g", Ws[k], s);
	}
	bt_model_free(m);
}
END_TEST

static Suite *lstm_suite(void)
{
	Suite *s = suite_create("lstm");
	TCase *tr = tcase_create("reference");
	tcase_set_timeout(tr, 120);
	tcase_add_test(tr, test_layout);
	tcase_add_loop_test(tr, test_forward_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tr, test_full_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tr, test_truncated_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tr, test_reference_matches_fd, 0, NSHAPES);
	tcase_add_loop_test(tr, test_reference_truncated_matches_fd, 0, NSHAPES);
	tcase_add_loop_test(tr, test_gradcheck_ok, 0, NSHAPES);
	tcase_add_loop_test(tr, test_truncate_ge_T_is_full, 0, NSHAPES);
	suite_add_tcase(s, tr);

	TCase *tc = tcase_create("cell");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_zero_mask);
	tcase_add_test(tc, test_lag_structure);
	tcase_add_test(tc, test_constant_error_carousel);
	tcase_add_test(tc, test_jacobian_fd);
	tcase_add_test(tc, test_init);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lstm_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
