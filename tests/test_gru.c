/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_gru.c — the GRU cell against an independent reference, finite
 * differences, the library's checker, the truncation's lag structure, the
 * closed form of ∂L/∂W_h, and its step Jacobian against finite differences
 * of one step.
 *
 * The reference below is written from the spec's equations with plain C
 * loops (no BLAS). It reads the model's parameters only through the block
 * names (bt_model_find_block) and keeps them in its own layout, in another
 * order than the library's:
 *
 *   z_t = σ(W_z h_{t-1} + U_z x_t + b_z)
 *   r_t = σ(W_r h_{t-1} + U_r x_t + b_r)
 *   h̃_t = tanh(W_h (r_t ⊙ h_{t-1}) + U_h x_t + b_h)
 *   h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t,     h_0 = 0
 *   ŷ_t = V h_t + b_y,   L = Σ_t μ_t ½‖ŷ_t − y_t‖²
 *
 * The reference itself is checked against central differences of its own
 * loss (full) and of the windowed loss (truncated: ℓ_t recomputed from
 * h_{t-k} held at its value). */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_complex_math.h>
#include "testutil.h"

/* ==== the reference ====================================================== */

/* The reference's own block order (not the library's). */
enum { RV, RBY, RWH, RUH, RBH, RWR, RUR, RBR, RWZ, RUZ, RBZ, RNB };
static const char *const rnames[RNB] = {
	"V", "b_y", "W_h", "U_h", "b_h", "W_r", "U_r", "b_r", "W_z", "U_z", "b_z"};

typedef struct {
	size_t d, n, m, P;
	size_t rows[RNB], cols[RNB], off[RNB];
} gref;

static void gref_init(gref *g, const bt_model *mod)
{
	g->d = mod->dims.d;
	g->n = mod->dims.n;
	g->m = mod->dims.m;
	size_t off = 0;
	for (int k = 0; k < RNB; k++) {
		char c = rnames[k][0];
		g->rows[k] = k == RV || k == RBY ? g->m : g->n;
		g->cols[k] = c == 'W' || k == RV ? g->n : c == 'U' ? g->d : 1;
		g->off[k] = off;
		off += g->rows[k] * g->cols[k];
	}
	g->P = off;
}

/* Library layout (theta or a gradient) → the reference's; checks that the
 * model has exactly the spec's blocks and shapes. */
static void gref_gather(const gref *g, const bt_model *mod, const double *base,
			double *mine)
{
	ck_assert_msg(mod->nblocks == RNB, "gru has %zu blocks, the spec says %d",
		      mod->nblocks, RNB);
	ck_assert_msg(mod->nparams == g->P, "nparams %zu, the spec gives %zu",
		      mod->nparams, g->P);
	for (int k = 0; k < RNB; k++) {
		int i = bt_model_find_block(mod, rnames[k]);
		ck_assert_msg(i >= 0, "no block %s", rnames[k]);
		gsl_matrix_const_view v = bt_block_const_view(mod, base, (size_t)i);
		ck_assert_msg(v.matrix.size1 == g->rows[k] &&
			      v.matrix.size2 == g->cols[k],
			      "block %s is %zux%zu, the spec says %zux%zu",
			      rnames[k], v.matrix.size1, v.matrix.size2,
			      g->rows[k], g->cols[k]);
		for (size_t a = 0; a < g->rows[k]; a++)
			for (size_t b = 0; b < g->cols[k]; b++)
				mine[g->off[k] + a * g->cols[k] + b] =
					gsl_matrix_get(&v.matrix, a, b);
	}
}

/* The reference's layout → the library's (base has nparams values). */
static void gref_scatter(const gref *g, const bt_model *mod, const double *mine,
			 double *base)
{
	for (int k = 0; k < RNB; k++) {
		int i = bt_model_find_block(mod, rnames[k]);
		ck_assert_int_ge(i, 0);
		gsl_matrix_view v = bt_block_view(mod, base, (size_t)i);
		for (size_t a = 0; a < g->rows[k]; a++)
			for (size_t b = 0; b < g->cols[k]; b++)
				gsl_matrix_set(&v.matrix, a, b,
					       mine[g->off[k] + a * g->cols[k] + b]);
	}
}

/* What a forward pass keeps: h_t for t = 0…T, and per step z_t, r_t, h̃_t,
 * the three pre-activations and e_t = μ_t (ŷ_t − y_t). */
typedef struct {
	size_t T;
	double *H, *Z, *R, *C, *AZ, *AR, *AC, *E;
	double loss;
} gfwd;

static gfwd *gfwd_alloc(const gref *g, size_t T)
{
	gfwd *f = calloc(1, sizeof *f);
	ck_assert_ptr_nonnull(f);
	f->T = T;
	f->H = calloc((T + 1) * g->n, sizeof(double));
	double **p[] = {&f->Z, &f->R, &f->C, &f->AZ, &f->AR, &f->AC};
	for (int i = 0; i < 6; i++) {
		*p[i] = calloc(T * g->n, sizeof(double));
		ck_assert_ptr_nonnull(*p[i]);
	}
	f->E = calloc(T * g->m, sizeof(double));
	ck_assert(f->H && f->E);
	return f;
}

static void gfwd_free(gfwd *f)
{
	if (!f)
		return;
	free(f->H); free(f->Z); free(f->R); free(f->C);
	free(f->AZ); free(f->AR); free(f->AC); free(f->E);
	free(f);
}

static double sigma(double a) { return 1.0 / (1.0 + exp(-a)); }

/* One step from h_{t-1} = hp and x_t = x: h = h_t and the gates (each n). */
static void gref_step(const gref *g, const double *th, const double *hp,
		      const double *x, double *h, double *z, double *r,
		      double *c, double *az, double *ar, double *ac)
{
	const size_t n = g->n, d = g->d;
	const double *Wz = th + g->off[RWZ], *Uz = th + g->off[RUZ],
		     *bz = th + g->off[RBZ];
	const double *Wr = th + g->off[RWR], *Ur = th + g->off[RUR],
		     *br = th + g->off[RBR];
	const double *Wh = th + g->off[RWH], *Uh = th + g->off[RUH],
		     *bh = th + g->off[RBH];
	for (size_t i = 0; i < n; i++) {
		double sz = bz[i], sr = br[i];
		for (size_t j = 0; j < n; j++) {
			sz += Wz[i * n + j] * hp[j];
			sr += Wr[i * n + j] * hp[j];
		}
		for (size_t j = 0; j < d; j++) {
			sz += Uz[i * d + j] * x[j];
			sr += Ur[i * d + j] * x[j];
		}
		az[i] = sz;
		ar[i] = sr;
		z[i] = sigma(sz);
		r[i] = sigma(sr);
	}
	for (size_t i = 0; i < n; i++) {
		double s = bh[i];
		for (size_t j = 0; j < n; j++)
			s += Wh[i * n + j] * (r[j] * hp[j]);   /* reset before W_h */
		for (size_t j = 0; j < d; j++)
			s += Uh[i * d + j] * x[j];
		ac[i] = s;
		c[i] = tanh(s);
	}
	for (size_t i = 0; i < n; i++)
		h[i] = (1.0 - z[i]) * hp[i] + z[i] * c[i];
}

static double mask_at(const bt_data *D, size_t t) /* t from 1 */
{
	return D->M ? D->M[t - 1] : 1.0;
}

/* ℓ_t / μ_t from h_t: ½‖V h + b_y − y_t‖², and e = ŷ_t − y_t. */
static double gref_readout(const gref *g, const double *th, const double *h,
			   const double *y, double *e)
{
	const size_t n = g->n, m = g->m;
	const double *V = th + g->off[RV], *by = th + g->off[RBY];
	double l = 0;
	for (size_t i = 0; i < m; i++) {
		double v = by[i];
		for (size_t j = 0; j < n; j++)
			v += V[i * n + j] * h[j];
		e[i] = v - y[i];
		l += 0.5 * e[i] * e[i];
	}
	return l;
}

/* Forward pass with parameters th (reference layout) and inputs X; targets
 * and mask from D. Returns L. */
static double gref_forward(const gref *g, const double *th, const double *X,
			   const bt_data *D, gfwd *f)
{
	const size_t n = g->n, d = g->d, m = g->m;
	double L = 0;
	for (size_t i = 0; i < n; i++)
		f->H[i] = 0.0;
	for (size_t t = 1; t <= D->T; t++) {
		size_t o = (t - 1) * n;
		gref_step(g, th, f->H + o, X + (t - 1) * d, f->H + t * n,
			  f->Z + o, f->R + o, f->C + o, f->AZ + o, f->AR + o,
			  f->AC + o);
		double mu = mask_at(D, t), *e = f->E + (t - 1) * m;
		double l = gref_readout(g, th, f->H + t * n, D->Y + (t - 1) * m, e);
		L += mu * l;
		for (size_t i = 0; i < m; i++)
			e[i] *= mu;
	}
	f->loss = L;
	return L;
}

/* The readout's share of term t: ∂V, ∂b_y into gr, and gh = Vᵀ e_t. */
static void gref_readout_back(const gref *g, const double *th, const gfwd *f,
			      size_t t, double *gh, double *gr)
{
	const size_t n = g->n, m = g->m;
	const double *V = th + g->off[RV];
	const double *e = f->E + (t - 1) * m, *h = f->H + t * n;
	for (size_t i = 0; i < m; i++) {
		gr[g->off[RBY] + i] += e[i];
		for (size_t j = 0; j < n; j++)
			gr[g->off[RV] + i * n + j] += e[i] * h[j];
	}
	for (size_t j = 0; j < n; j++) {
		double v = 0;
		for (size_t i = 0; i < m; i++)
			v += V[i * n + j] * e[i];
		gh[j] = v;
	}
}

/* One step back through h_s: given gh = ∂/∂h_s, adds the step's share to
 * gr and dX and replaces gh with ∂/∂h_{s-1} through this step. w is 4n
 * doubles of scratch. */
static void gref_step_back(const gref *g, const double *th, const double *X,
			   const gfwd *f, size_t s, double *gh, double *gr,
			   double *dX, double *w)
{
	const size_t n = g->n, d = g->d;
	const double *Wz = th + g->off[RWZ], *Uz = th + g->off[RUZ];
	const double *Wr = th + g->off[RWR], *Ur = th + g->off[RUR];
	const double *Wh = th + g->off[RWH], *Uh = th + g->off[RUH];
	const double *hp = f->H + (s - 1) * n, *x = X + (s - 1) * d;
	const double *z = f->Z + (s - 1) * n, *r = f->R + (s - 1) * n,
		     *c = f->C + (s - 1) * n;
	double *daz = w, *dar = w + n, *dac = w + 2 * n, *dq = w + 3 * n;
	for (size_t i = 0; i < n; i++) {
		/* ∂h/∂h̃ = z, ∂h/∂z = h̃ − h_{t-1} */
		dac[i] = gh[i] * z[i] * (1.0 - c[i] * c[i]);
		daz[i] = gh[i] * (c[i] - hp[i]) * z[i] * (1.0 - z[i]);
	}
	for (size_t j = 0; j < n; j++) {    /* q = r ⊙ h_{t-1} */
		double v = 0;
		for (size_t i = 0; i < n; i++)
			v += Wh[i * n + j] * dac[i];
		dq[j] = v;
		dar[j] = v * hp[j] * r[j] * (1.0 - r[j]);
	}
	for (size_t i = 0; i < n; i++) {
		gr[g->off[RBZ] + i] += daz[i];
		gr[g->off[RBR] + i] += dar[i];
		gr[g->off[RBH] + i] += dac[i];
		for (size_t j = 0; j < n; j++) {
			gr[g->off[RWZ] + i * n + j] += daz[i] * hp[j];
			gr[g->off[RWR] + i * n + j] += dar[i] * hp[j];
			gr[g->off[RWH] + i * n + j] += dac[i] * r[j] * hp[j];
		}
		for (size_t j = 0; j < d; j++) {
			gr[g->off[RUZ] + i * d + j] += daz[i] * x[j];
			gr[g->off[RUR] + i * d + j] += dar[i] * x[j];
			gr[g->off[RUH] + i * d + j] += dac[i] * x[j];
		}
	}
	if (dX)
		for (size_t j = 0; j < d; j++) {
			double v = 0;
			for (size_t i = 0; i < n; i++)
				v += Uz[i * d + j] * daz[i] + Ur[i * d + j] * dar[i] +
				     Uh[i * d + j] * dac[i];
			dX[(s - 1) * d + j] += v;
		}
	for (size_t j = 0; j < n; j++) {
		double v = gh[j] * (1.0 - z[j]) + dq[j] * r[j];
		for (size_t i = 0; i < n; i++)
			v += Wz[i * n + j] * daz[i] + Wr[i * n + j] * dar[i];
		gh[j] = v;
	}
}

/* Full BPTT after gref_forward; gr (P) and dX (T×d) are overwritten. */
static void gref_backward_full(const gref *g, const double *th, const double *X,
			       const bt_data *D, const gfwd *f, double *gr,
			       double *dX)
{
	const size_t n = g->n;
	double *carry = calloc(n, sizeof(double)), *gh = calloc(n, sizeof(double));
	double *w = calloc(4 * n, sizeof(double));
	ck_assert(carry && gh && w);
	memset(gr, 0, g->P * sizeof(double));
	memset(dX, 0, D->T * g->d * sizeof(double));
	for (size_t t = D->T; t >= 1; t--) {
		gref_readout_back(g, th, f, t, gh, gr);
		for (size_t j = 0; j < n; j++)
			gh[j] += carry[j];
		gref_step_back(g, th, X, f, t, gh, gr, dX, w);
		memcpy(carry, gh, n * sizeof(double));
	}
	free(carry); free(gh); free(w);
}

/* Brute force truncation: each loss term separately, back through h_t …
 * h_{t-k+1} only (h_{t-k} a constant). gr and dX are overwritten. */
static void gref_backward_truncated(const gref *g, const double *th,
				    const double *X, const bt_data *D,
				    const gfwd *f, size_t k, double *gr,
				    double *dX)
{
	const size_t n = g->n;
	double *gh = calloc(n, sizeof(double)), *w = calloc(4 * n, sizeof(double));
	ck_assert(gh && w);
	memset(gr, 0, g->P * sizeof(double));
	memset(dX, 0, D->T * g->d * sizeof(double));
	for (size_t t = 1; t <= D->T; t++) {
		gref_readout_back(g, th, f, t, gh, gr);
		for (size_t s = t; s >= 1 && t - s < k; s--)
			gref_step_back(g, th, X, f, s, gh, gr, dX, w);
	}
	free(gh); free(w);
}

/* Σ_t ℓ_t with h_{t-k} held at its value in the base pass (k ≥ T: the
 * loss, by a forward pass into f). w is scratch of 8n + m doubles. */
static double gref_window_sum(const gref *g, const double *th, const double *X,
			      const bt_data *D, const gfwd *base, size_t k,
			      double *w, gfwd *f)
{
	const size_t n = g->n, d = g->d, m = g->m;
	double *hp = w, *hc = w + n, *e = w + 8 * n, L = 0;
	if (k >= D->T)
		return gref_forward(g, th, X, D, f);
	for (size_t t = 1; t <= D->T; t++) {
		size_t s0 = t > k ? t - k + 1 : 1;
		memcpy(hp, base->H + (s0 - 1) * n, n * sizeof(double));
		for (size_t s = s0; s <= t; s++) {
			gref_step(g, th, hp, X + (s - 1) * d, hc, w + 2 * n,
				  w + 3 * n, w + 4 * n, w + 5 * n, w + 6 * n,
				  w + 7 * n);
			double *tmp = hp;
			hp = hc;
			hc = tmp;
		}
		L += mask_at(D, t) * gref_readout(g, th, hp, D->Y + (t - 1) * m, e);
		hp = w;
		hc = w + n;
	}
	return L;
}

/* ==== cases ================================================================= */

typedef struct {
	const char *name;
	size_t T, d, n, m;
	int mask;   /* 0 none; 1 first, last and two middle steps masked; 2 all */
	int sat;    /* scale the cell's parameters until max |pre-activation| ≈ 12 */
} shape;

static const shape shapes[] = {
	{"T=1", 1, 3, 4, 2, 0, 0},
	{"n=1", 7, 2, 1, 3, 0, 0},
	{"d=1", 6, 1, 4, 2, 0, 0},
	{"m=1", 6, 3, 4, 1, 0, 0},
	{"d3n5m2", 9, 3, 5, 2, 0, 0},
	{"mask", 11, 2, 3, 2, 1, 0},
	{"T=200", 200, 2, 3, 2, 0, 0},
	{"saturated", 12, 3, 4, 2, 1, 1},
};
#define NSHAPES ((int)(sizeof shapes / sizeof shapes[0]))

typedef struct {
	char label[64];
	bt_model *mod;
	bt_data *D;
	gref r;
	double *th;   /* parameters in the reference's layout */
	gfwd *f;      /* the reference's forward pass at th */
} gcase;

static bt_data *make_data(const shape *s, unsigned long seed)
{
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, s->T, s->d, s->m, s->mask != 0), BT_OK);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	for (size_t i = 0; i < s->T * s->d; i++)
		D->X[i] = gsl_ran_gaussian(rng, 1.0) + 0.1;
	for (size_t i = 0; i < s->T * s->m; i++)
		D->Y[i] = gsl_ran_gaussian(rng, 0.8) - 0.2;
	for (size_t t = 1; t <= s->T && s->mask; t++)
		D->M[t - 1] = s->mask == 2 || t == 1 || t == s->T || t == 4 ||
			      t == 5 ? 0.0 : 1.0;
	gsl_rng_free(rng);
	return D;
}

static double max_preact(const gcase *c)
{
	double mx = 0;
	for (size_t i = 0; i < c->D->T * c->r.n; i++)
		mx = fmax(mx, fmax(fabs(c->f->AZ[i]),
				   fmax(fabs(c->f->AR[i]), fabs(c->f->AC[i]))));
	return mx;
}

static void gcase_setup(gcase *c, const shape *s, unsigned long seed)
{
	memset(c, 0, sizeof *c);
	snprintf(c->label, sizeof c->label, "gru/%s", s->name);
	c->mod = tu_model("gru", BT_ACT_TANH, s->d, s->n, s->m, 0.6, seed);
	c->D = make_data(s, seed + 1);
	gref_init(&c->r, c->mod);
	c->th = malloc(c->r.P * sizeof(double));
	ck_assert_ptr_nonnull(c->th);
	c->f = gfwd_alloc(&c->r, s->T);
	gref_gather(&c->r, c->mod, c->mod->theta, c->th);
	gref_forward(&c->r, c->th, c->D->X, c->D, c->f);
	for (int it = 0; s->sat && it < 40; it++) {
		double mx = max_preact(c);
		if (mx > 11.5 && mx < 12.5)
			break;
		/* scale W_*, U_*, b_* (not the readout) */
		for (size_t i = 0; i < c->mod->nblocks - 2; i++) {
			gsl_matrix_view v = bt_block_view(c->mod, c->mod->theta, i);
			gsl_matrix_scale(&v.matrix, 12.0 / mx);
		}
		gref_gather(&c->r, c->mod, c->mod->theta, c->th);
		gref_forward(&c->r, c->th, c->D->X, c->D, c->f);
	}
	if (s->sat) {
		double mx = max_preact(c);
		ck_assert_msg(mx > 11 && mx < 13, "%s: setup: max |pre-activation| "
			      "%g, not ≈ 12", c->label, mx);
	}
	ck_assert_msg(isfinite(c->f->loss) && (s->mask == 2 || c->f->loss > 0),
		      "%s: setup: loss %g", c->label, c->f->loss);
}

static void gcase_teardown(gcase *c)
{
	bt_model_free(c->mod);
	bt_data_free(c->D);
	free(c->th);
	gfwd_free(c->f);
}

/* ‖g − g_ref‖∞ / ‖g_ref‖∞ over k values (‖g‖∞ when g_ref is zero). */
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

/* The same over block i of the library layout. */
static double block_err(const bt_model *mod, const double *g,
			const double *gref, size_t i)
{
	const bt_block *b = &mod->blocks[i];
	return vec_err(g + b->offset, gref + b->offset, b->rows * b->cols);
}

/* The library's gradient with truncation k (0: full) against the
 * reference's, per block and for X, to tol. */
static void compare_with_reference(const gcase *c, size_t k, double tol)
{
	const bt_model *mod = c->mod;
	size_t TX = c->D->T * c->D->d;
	double *g = calloc(mod->nparams, sizeof(double));
	double *dX = calloc(TX, sizeof(double));
	double *gm = calloc(c->r.P, sizeof(double));
	double *gr = calloc(mod->nparams, sizeof(double));
	double *dXr = calloc(TX, sizeof(double));
	ck_assert(g && dX && gm && gr && dXr);
	double L = NAN;
	ck_assert_int_eq(bt_gradient(mod, c->D, k, &L, g, dX), BT_OK);
	ck_assert_msg(fabs(L - c->f->loss) <= 1e-12 * fabs(c->f->loss),
		      "%s: k=%zu: loss %.17g, reference %.17g", c->label, k, L,
		      c->f->loss);
	if (k == 0)
		gref_backward_full(&c->r, c->th, c->D->X, c->D, c->f, gm, dXr);
	else
		gref_backward_truncated(&c->r, c->th, c->D->X, c->D, c->f, k,
					gm, dXr);
	gref_scatter(&c->r, mod, gm, gr);
	for (size_t i = 0; i < mod->nblocks; i++) {
		double e = block_err(mod, g, gr, i);
		ck_assert_msg(e <= tol, "%s: k=%zu: block %s: rel. error %g vs "
			      "reference", c->label, k, mod->blocks[i].name, e);
	}
	double e = vec_err(dX, dXr, TX);
	ck_assert_msg(e <= tol, "%s: k=%zu: X: rel. error %g vs reference",
		      c->label, k, e);
	free(g); free(dX); free(gm); free(gr); free(dXr);
}

/* k = 1, 2, 3, T-1 (those ≥ 1 and < T, distinct). */
static size_t ks_for(size_t T, size_t ks[4])
{
	size_t cand[4] = {1, 2, 3, T - 1}, nk = 0;
	for (int i = 0; i < 4 && T >= 2; i++) {
		int dup = 0;
		for (size_t j = 0; j < nk; j++)
			dup |= ks[j] == cand[i];
		if (!dup && cand[i] >= 1 && cand[i] < T)
			ks[nk++] = cand[i];
	}
	return nk;
}

/* Central differences of the reference's loss (windowed by k; k ≥ T is the
 * full loss) for every parameter and input, against the reference's
 * gradient gm (reference layout) and dXr, and against the library's gl
 * (reference layout) and dXl when not NULL: within 1e-6 relative plus the
 * floor 1e-8·max(1, |L|). */
static void fd_check(const gcase *c, size_t k, const double *gm,
		     const double *dXr, const double *gl, const double *dXl)
{
	const gref *r = &c->r;
	const bt_data *D = c->D;
	size_t TX = D->T * D->d, P = r->P;
	double *th = malloc(P * sizeof(double)), *X = malloc(TX * sizeof(double));
	double *w = malloc((8 * r->n + r->m) * sizeof(double));
	gfwd *f = gfwd_alloc(r, D->T);
	ck_assert(th && X && w);
	memcpy(th, c->th, P * sizeof(double));
	memcpy(X, D->X, TX * sizeof(double));
	double atol = 1e-8 * fmax(1.0, fabs(c->f->loss));
	double L0 = gref_window_sum(r, th, X, D, c->f, k, w, f);
	ck_assert_msg(fabs(L0 - c->f->loss) <= 1e-12 * fabs(c->f->loss),
		      "%s: k=%zu: windowed loss %.17g, loss %.17g", c->label, k,
		      L0, c->f->loss);
	for (size_t i = 0; i < P + TX; i++) {
		double *p = i < P ? th + i : X + (i - P);
		double v = *p, h = 6e-6 * fmax(1.0, fabs(v));
		double tp = v + h, tm = v - h;
		*p = tp;
		double Lp = gref_window_sum(r, th, X, D, c->f, k, w, f);
		*p = tm;
		double Lm = gref_window_sum(r, th, X, D, c->f, k, w, f);
		*p = v;
		double fd = (Lp - Lm) / (tp - tm);
		const double *gs[2] = {i < P ? gm + i : dXr + (i - P),
				       gl ? (i < P ? gl + i : dXl + (i - P)) : NULL};
		for (int who = 0; who < 2; who++) {
			if (!gs[who])
				continue;
			double gv = *gs[who];
			double tol = 1e-6 * fmax(fabs(gv), fabs(fd)) + atol;
			ck_assert_msg(fabs(gv - fd) <= tol,
				      "%s: k=%zu: %s[%zu]: %s %.12g, finite "
				      "difference %.12g", c->label, k,
				      i < P ? "theta" : "X", i < P ? i : i - P,
				      who ? "library" : "reference", gv, fd);
		}
	}
	free(th); free(X); free(w);
	gfwd_free(f);
}

/* ==== tests ================================================================= */

/* Names, shapes and order of the blocks; no activation option. */
START_TEST(test_layout)
{
	const bt_cell_type *t = bt_cell_lookup("gru");
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(bt_cell_name(t), "gru");
	ck_assert_int_eq(bt_cell_has_activation(t), 0);
	bt_dims dims = {3, 5, 2};
	bt_model *m = NULL;
	ck_assert_int_eq(bt_model_alloc(&m, t, dims, BT_ACT_RELU), BT_EINVAL);
	ck_assert_int_eq(bt_model_alloc(&m, t, dims, BT_ACT_TANH), BT_OK);
	static const char *const names[] = {"W_z", "U_z", "b_z", "W_r", "U_r",
		"b_r", "W_h", "U_h", "b_h", "V", "b_y"};
	const size_t rows[] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 2, 2};
	const size_t cols[] = {5, 3, 1, 5, 3, 1, 5, 3, 1, 5, 1};
	ck_assert_uint_eq(m->nblocks, 11);
	size_t off = 0;
	for (int i = 0; i < 11; i++) {
		ck_assert_str_eq(m->blocks[i].name, names[i]);
		ck_assert_uint_eq(m->blocks[i].rows, rows[i]);
		ck_assert_uint_eq(m->blocks[i].cols, cols[i]);
		ck_assert_uint_eq(m->blocks[i].offset, off);
		ck_assert_int_eq(bt_model_find_block(m, names[i]), i);
		off += rows[i] * cols[i];
	}
	ck_assert_uint_eq(m->nparams, off);
	ck_assert_uint_eq(m->state_size, 5);
	bt_model_free(m);
}
END_TEST

/* bt_loss and bt_seq_forward's outputs equal the reference's. */
START_TEST(test_loss_matches_reference)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 100 + (unsigned long)_i);
	double L = NAN;
	ck_assert_int_eq(bt_loss(c.mod, c.D, &L), BT_OK);
	ck_assert_msg(fabs(L - c.f->loss) <= 1e-12 * c.f->loss,
		      "%s: bt_loss %.17g, reference %.17g", c.label, L, c.f->loss);
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, c.mod, c.D->T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, c.mod, c.D, NULL), BT_OK);
	double e = vec_err(bt_seq_state(q, c.D->T), c.f->H + c.D->T * c.r.n, c.r.n);
	ck_assert_msg(e <= 1e-12, "%s: h_T: rel. error %g", c.label, e);
	bt_seq_free(q);
	gcase_teardown(&c);
}
END_TEST

/* Full BPTT equals the reference per block and for X. */
START_TEST(test_full_matches_reference)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 200 + (unsigned long)_i);
	compare_with_reference(&c, 0, 1e-10);
	gcase_teardown(&c);
}
END_TEST

/* The reference (and the library) against central differences of the
 * reference's loss. */
START_TEST(test_full_matches_fd)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 300 + (unsigned long)_i);
	size_t TX = c.D->T * c.D->d;
	double *gm = calloc(c.r.P, sizeof(double)), *dXr = calloc(TX, sizeof(double));
	double *g = calloc(c.mod->nparams, sizeof(double));
	double *gl = calloc(c.r.P, sizeof(double)), *dXl = calloc(TX, sizeof(double));
	ck_assert(gm && dXr && g && gl && dXl);
	gref_backward_full(&c.r, c.th, c.D->X, c.D, c.f, gm, dXr);
	ck_assert_int_eq(bt_gradient(c.mod, c.D, 0, NULL, g, dXl), BT_OK);
	gref_gather(&c.r, c.mod, g, gl);
	fd_check(&c, c.D->T, gm, dXr, gl, dXl);
	free(gm); free(dXr); free(g); free(gl); free(dXl);
	gcase_teardown(&c);
}
END_TEST

/* Truncated BPTT (k = 1, 2, 3, T-1) equals the brute-force reference; the
 * brute force with k = T is the reference's full BPTT. */
START_TEST(test_truncated_matches_reference)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 400 + (unsigned long)_i);
	size_t ks[4], nk = ks_for(c.D->T, ks);
	for (size_t j = 0; j < nk; j++)
		compare_with_reference(&c, ks[j], 1e-10);
	size_t TX = c.D->T * c.D->d;
	double *g1 = calloc(c.r.P, sizeof(double)), *g2 = calloc(c.r.P, sizeof(double));
	double *x1 = calloc(TX, sizeof(double)), *x2 = calloc(TX, sizeof(double));
	ck_assert(g1 && g2 && x1 && x2);
	gref_backward_full(&c.r, c.th, c.D->X, c.D, c.f, g1, x1);
	gref_backward_truncated(&c.r, c.th, c.D->X, c.D, c.f, c.D->T, g2, x2);
	ck_assert_msg(vec_err(g2, g1, c.r.P) <= 1e-12 && vec_err(x2, x1, TX) <= 1e-12,
		      "%s: reference truncated (k = T) differs from full", c.label);
	free(g1); free(g2); free(x1); free(x2);
	gcase_teardown(&c);
}
END_TEST

/* The brute-force truncated reference against central differences of the
 * windowed loss (h_{t-k} held), k = 1, 2, 3, T-1; the short shapes. */
START_TEST(test_truncated_matches_windowed_fd)
{
	const shape *s = &shapes[_i];
	if (s->T > 20)
		return;   /* T = 200 is covered by test_truncated_matches_reference */
	gcase c;
	gcase_setup(&c, s, 500 + (unsigned long)_i);
	size_t TX = s->T * s->d;
	double *gm = calloc(c.r.P, sizeof(double)), *dXr = calloc(TX, sizeof(double));
	ck_assert(gm && dXr);
	size_t ks[4], nk = ks_for(s->T, ks);
	for (size_t j = 0; j < nk; j++) {
		gref_backward_truncated(&c.r, c.th, c.D->X, c.D, c.f, ks[j], gm, dXr);
		fd_check(&c, ks[j], gm, dXr, NULL, NULL);
	}
	free(gm); free(dXr);
	gcase_teardown(&c);
}
END_TEST

/* An all-zero mask: loss 0 and every gradient entry exactly 0.0, full and
 * truncated. */
START_TEST(test_zero_mask)
{
	static const shape s = {"zero-mask", 8, 3, 4, 2, 2, 0};
	gcase c;
	gcase_setup(&c, &s, 600);
	ck_assert(c.f->loss == 0.0);
	size_t P = c.mod->nparams, TX = s.T * s.d;
	double *g = malloc(P * sizeof(double)), *dX = malloc(TX * sizeof(double));
	ck_assert(g && dX);
	static const size_t ks[3] = {0, 1, 3};
	for (int j = 0; j < 3; j++) {
		for (size_t i = 0; i < P; i++)
			g[i] = 1.5;   /* bt_gradient zeroes them */
		for (size_t i = 0; i < TX; i++)
			dX[i] = -2.5;
		double L = NAN, L2 = NAN;
		ck_assert_int_eq(bt_gradient(c.mod, c.D, ks[j], &L, g, dX), BT_OK);
		ck_assert_int_eq(bt_loss(c.mod, c.D, &L2), BT_OK);
		ck_assert_msg(L == 0.0 && L2 == 0.0, "k=%zu: loss %g / %g", ks[j],
			      L, L2);
		for (size_t i = 0; i < P; i++)
			ck_assert_msg(g[i] == 0.0, "k=%zu: grad[%zu] = %g", ks[j],
				      i, g[i]);
		for (size_t i = 0; i < TX; i++)
			ck_assert_msg(dX[i] == 0.0, "k=%zu: dX[%zu] = %g", ks[j],
				      i, dX[i]);
	}
	free(g); free(dX);
	gcase_teardown(&c);
}
END_TEST

/* The library's own checker (order 2 and 4, and directional) is ok. */
START_TEST(test_gradcheck_ok)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 700 + (unsigned long)_i);
	for (int order = 2; order <= 4; order += 2) {
		bt_check_options opt;
		bt_check_options_default(&opt);
		opt.order = order;
		bt_check_result res;
		memset(&res, 0, sizeof res);
		ck_assert_int_eq(bt_gradcheck(c.mod, c.D, &opt, &res), BT_OK);
		ck_assert_uint_eq(res.nblocks, c.mod->nblocks + 1);
		for (size_t i = 0; i < res.nblocks; i++) {
			const bt_check_block *b = &res.blocks[i];
			ck_assert_msg(b->ok, "%s: order %d: block %s not ok: max_rel "
				      "%g at %zu (exact %.12g, fd %.12g)", c.label,
				      order, b->name, b->max_rel, b->worst,
				      b->worst_exact, b->worst_fd);
		}
		ck_assert(res.ok);
	}
	bt_check_options opt;
	bt_check_options_default(&opt);
	bt_check_dir_result dr;
	memset(&dr, 0, sizeof dr);
	ck_assert_int_eq(bt_gradcheck_directional(c.mod, c.D, &opt, &dr), BT_OK);
	ck_assert_msg(dr.ok, "%s: directional check, max_rel %g", c.label,
		      dr.max_rel);
	gcase_teardown(&c);
}
END_TEST

/* k ≥ T is full BPTT. */
START_TEST(test_truncate_ge_T_is_full)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 800 + (unsigned long)_i);
	size_t P = c.mod->nparams, T = c.D->T, TX = T * c.D->d;
	double *g0 = calloc(P, sizeof(double)), *x0 = calloc(TX, sizeof(double));
	double *g = calloc(P, sizeof(double)), *x = calloc(TX, sizeof(double));
	ck_assert(g0 && x0 && g && x);
	double L0 = NAN;
	ck_assert_int_eq(tu_gradient_seq(c.mod, c.D, &L0, g0, x0), BT_OK);
	const size_t kk[3] = {T, T + 1, 5 * T + 3};
	for (int j = 0; j < 3; j++) {
		double L = NAN;
		ck_assert_int_eq(bt_gradient(c.mod, c.D, kk[j], &L, g, x), BT_OK);
		ck_assert(L == L0);
		for (size_t i = 0; i < c.mod->nblocks; i++)
			ck_assert_msg(block_err(c.mod, g, g0, i) <= 1e-14,
				      "%s: k=%zu: block %s differs from full",
				      c.label, kk[j], c.mod->blocks[i].name);
		ck_assert_msg(vec_err(x, x0, TX) <= 1e-14, "%s: k=%zu: X differs "
			      "from full", c.label, kk[j]);
		/* and the workspace call itself (bt_gradient may route k ≥ T
		 * to full BPTT before it gets there) */
		bt_seq *q = NULL;
		ck_assert_int_eq(bt_seq_alloc(&q, c.mod, T), BT_OK);
		ck_assert_int_eq(bt_seq_forward(q, c.mod, c.D, NULL), BT_OK);
		memset(g, 0, P * sizeof(double));
		memset(x, 0, TX * sizeof(double));
		ck_assert_int_eq(bt_seq_backward_truncated(q, c.mod, c.D, kk[j], g,
							   x), BT_OK);
		for (size_t i = 0; i < c.mod->nblocks; i++)
			ck_assert_msg(block_err(c.mod, g, g0, i) <= 1e-14,
				      "%s: bt_seq_backward_truncated k=%zu: block "
				      "%s differs from full", c.label, kk[j],
				      c.mod->blocks[i].name);
		ck_assert_msg(vec_err(x, x0, TX) <= 1e-14, "%s: bt_seq_backward_"
			      "truncated k=%zu: X differs from full", c.label,
			      kk[j]);
		bt_seq_free(q);
	}
	free(g0); free(x0); free(g); free(x);
	gcase_teardown(&c);
}
END_TEST

/* Only μ_T = 1: under truncation k, ∂L/∂x_{T−τ} is exactly 0 for τ ≥ k and
 * equals full BPTT for τ < k (and full BPTT is not zero there). */
START_TEST(test_lag_structure)
{
	static const shape s = {"last-term", 10, 3, 4, 2, 0, 0};
	const size_t T = s.T, d = s.d;
	gcase c;
	gcase_setup(&c, &s, 900);
	bt_data *D = NULL;
	ck_assert_int_eq(bt_data_alloc(&D, T, d, s.m, 1), BT_OK);
	memcpy(D->X, c.D->X, T * d * sizeof(double));
	memcpy(D->Y, c.D->Y, T * s.m * sizeof(double));
	for (size_t t = 1; t <= T; t++)
		D->M[t - 1] = t == T ? 1.0 : 0.0;
	double *g = calloc(c.mod->nparams, sizeof(double));
	double *x = calloc(T * d, sizeof(double)), *x0 = calloc(T * d, sizeof(double));
	double *gm = calloc(c.r.P, sizeof(double)), *xr = calloc(T * d, sizeof(double));
	ck_assert(g && x && x0 && gm && xr);
	double L0 = NAN;
	ck_assert_int_eq(bt_gradient(c.mod, D, 0, &L0, g, x0), BT_OK);
	gref_forward(&c.r, c.th, D->X, D, c.f);
	gref_backward_full(&c.r, c.th, D->X, D, c.f, gm, xr);
	ck_assert_msg(vec_err(x0, xr, T * d) <= 1e-10, "full X vs reference: %g",
		      vec_err(x0, xr, T * d));
	static const size_t ks[3] = {1, 3, 5};
	for (int j = 0; j < 3; j++) {
		size_t k = ks[j];
		double L = NAN, cut = 0;
		ck_assert_int_eq(bt_gradient(c.mod, D, k, &L, g, x), BT_OK);
		ck_assert(L == L0);
		for (size_t tau = 0; tau < T; tau++) {
			const double *row = x + (T - tau - 1) * d;
			const double *row0 = x0 + (T - tau - 1) * d;
			if (tau >= k) {
				for (size_t i = 0; i < d; i++) {
					ck_assert_msg(row[i] == 0.0, "k=%zu: dL/dx_{T-%zu}"
						      "[%zu] = %g, not 0", k, tau,
						      i, row[i]);
					cut = fmax(cut, fabs(row0[i]));
				}
			} else {
				double e = vec_err(row, row0, d);
				ck_assert_msg(e <= 1e-12, "k=%zu: dL/dx_{T-%zu} "
					      "differs from full BPTT by %g", k,
					      tau, e);
			}
		}
		ck_assert_msg(cut > 1e-8, "k=%zu: setup: full dL/dx is ~0 beyond "
			      "the window", k);
	}
	free(g); free(x); free(x0); free(gm); free(xr);
	bt_data_free(D);
	gcase_teardown(&c);
}
END_TEST

/* ∂L/∂W_h = Σ_t (δh_t ⊙ z_t ⊙ (1 − h̃_t²)) (r_t ⊙ h_{t−1})ᵀ, with δh_t the
 * total gradient at h_t from bt_seq_dstate and z, r, h̃ recomputed here from
 * bt_seq_state; against the library's block. Full, and truncated (k = 2),
 * where δh_t sums the terms whose window holds h_t. */
START_TEST(test_dWh_closed_form)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 1000 + (unsigned long)_i);
	const size_t n = c.r.n, T = c.D->T;
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, c.mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, c.mod, c.D, NULL), BT_OK);
	int iWh = bt_model_find_block(c.mod, "W_h");
	ck_assert_int_ge(iWh, 0);
	double *g = calloc(c.mod->nparams, sizeof(double));
	double *G = calloc(n * n, sizeof(double)), *w = calloc(7 * n, sizeof(double));
	ck_assert(g && G && w);
	for (int pass = 0; pass < 2; pass++) {
		size_t k = pass ? 2 : 0;
		if (k >= T)
			continue;
		memset(g, 0, c.mod->nparams * sizeof(double));
		memset(G, 0, n * n * sizeof(double));
		if (k)
			ck_assert_int_eq(bt_seq_backward_truncated(q, c.mod, c.D, k,
								   g, NULL), BT_OK);
		else
			ck_assert_int_eq(bt_seq_backward(q, c.mod, c.D, g, NULL), BT_OK);
		for (size_t t = 1; t <= T; t++) {
			const double *hp = bt_seq_state(q, t - 1), *dh = bt_seq_dstate(q, t);
			double *z = w + n, *r = w + 2 * n, *ht = w + 3 * n;
			gref_step(&c.r, c.th, hp, c.D->X + (t - 1) * c.D->d, w, z, r,
				  ht, w + 4 * n, w + 5 * n, w + 6 * n);
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					G[i * n + j] += dh[i] * z[i] * (1 - ht[i] * ht[i]) *
							(r[j] * hp[j]);
		}
		const double *gWh = g + c.mod->blocks[iWh].offset;
		double e = vec_err(gWh, G, n * n);
		ck_assert_msg(e <= 1e-12, "%s: k=%zu: dL/dW_h vs the closed form: "
			      "rel. error %g", c.label, k, e);
		double mx = 0;
		for (size_t i = 0; i < n * n; i++)
			mx = fmax(mx, fabs(G[i]));
		/* (with T = 1 it is exactly zero: r_1 ⊙ h_0 = 0) */
		ck_assert_msg(T == 1 ? mx == 0 : mx > 0, "%s: setup: max |dL/dW_h| "
			      "= %g", c.label, mx);
	}
	free(g); free(G); free(w);
	bt_seq_free(q);
	gcase_teardown(&c);
}
END_TEST

/* J_t = ∂h_t/∂h_{t-1} against central differences of one step. */
START_TEST(test_jacobian_fd)
{
	gcase c;
	gcase_setup(&c, &shapes[_i], 1100 + (unsigned long)_i);
	const size_t n = c.r.n, T = c.D->T, d = c.D->d;
	bt_seq *q = NULL;
	ck_assert_int_eq(bt_seq_alloc(&q, c.mod, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, c.mod, c.D, NULL), BT_OK);
	gsl_matrix *J = gsl_matrix_alloc(n, n);
	double *sp = malloc(n * sizeof(double)), *s1 = malloc(n * sizeof(double)),
	       *s2 = malloc(n * sizeof(double));
	ck_assert(J && sp && s1 && s2);
	double worst = 0;
	for (size_t t = 1; t <= T && t <= 12; t++) {
		ck_assert_int_eq(bt_seq_jacobian(q, c.mod, c.D, t, J), BT_OK);
		const double *prev = bt_seq_state(q, t - 1), *x = c.D->X + (t - 1) * d;
		for (size_t j = 0; j < n; j++) {
			const double h = 1e-5;
			memcpy(sp, prev, n * sizeof(double));
			sp[j] += h;
			ck_assert_int_eq(bt_seq_step(q, c.mod, sp, x, s1), BT_OK);
			sp[j] -= 2 * h;
			ck_assert_int_eq(bt_seq_step(q, c.mod, sp, x, s2), BT_OK);
			for (size_t i = 0; i < n; i++) {
				double fd = (s1[i] - s2[i]) / (2 * h);
				double ex = gsl_matrix_get(J, i, j);
				ck_assert_msg(fabs(fd - ex) <= 1e-7 * fmax(1, fabs(ex)),
					      "%s: t=%zu J[%zu][%zu] exact %.12g fd "
					      "%.12g", c.label, t, i, j, ex, fd);
				worst = fmax(worst, fabs(ex));
			}
		}
	}
	ck_assert_msg(worst > 0.05, "%s: setup: J is ~0", c.label);
	free(sp); free(s1); free(s2);
	gsl_matrix_free(J);
	bt_seq_free(q);
	gcase_teardown(&c);
}
END_TEST

/* Largest singular value and spectral radius of an n×n row-major block. */
static double smax_of(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
	gsl_vector *s = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
	memcpy(A->data, W, n * n * sizeof(double));
	gsl_linalg_SV_decomp(A, V, s, w);
	double r = gsl_vector_get(s, 0);
	gsl_matrix_free(A); gsl_matrix_free(V);
	gsl_vector_free(s); gsl_vector_free(w);
	return r;
}

static double radius_of(const double *W, size_t n)
{
	gsl_matrix *A = gsl_matrix_alloc(n, n);
	gsl_vector_complex *ev = gsl_vector_complex_alloc(n);
	gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(n);
	memcpy(A->data, W, n * n * sizeof(double));
	gsl_eigen_nonsymm(A, ev, ws);
	double r = 0;
	for (size_t i = 0; i < n; i++)
		r = fmax(r, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
	gsl_matrix_free(A);
	gsl_vector_complex_free(ev);
	gsl_eigen_nonsymm_free(ws);
	return r;
}

static const double *blk(const bt_model *m, const char *name)
{
	int i = bt_model_find_block(m, name);
	ck_assert_msg(i >= 0, "no block %s", name);
	return m->theta + m->blocks[i].offset;
}

/* Initialisation: repeatable; each W_* N(0, 1/n) and distinct, U_*
 * Glorot-normal, biases and b_y zero; --scale, --radius and --orthogonal
 * apply to each W_*. */
START_TEST(test_init)
{
	const size_t n = 7, d = 4;
	bt_dims dims = {d, n, 3};
	const bt_cell_type *t = bt_cell_lookup("gru");
	bt_model *a, *b;
	ck_assert_int_eq(bt_model_alloc(&a, t, dims, BT_ACT_TANH), BT_OK);
	ck_assert_int_eq(bt_model_alloc(&b, t, dims, BT_ACT_TANH), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = 31;
	ck_assert_int_eq(bt_model_init(a, &o), BT_OK);
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
	static const char *const W[3] = {"W_z", "W_r", "W_h"};
	static const char *const U[3] = {"U_z", "U_r", "U_h"};
	static const char *const B[4] = {"b_z", "b_r", "b_h", "b_y"};
	for (int g = 0; g < 3; g++) {
		const double *w = blk(a, W[g]), *u = blk(a, U[g]);
		double ssw = 0, ssu = 0;
		for (size_t i = 0; i < n * n; i++)
			ssw += w[i] * w[i];
		for (size_t i = 0; i < n * d; i++)
			ssu += u[i] * u[i];
		ck_assert_msg(ssw / 49 > 0.05 && ssw / 49 < 0.4, "var(%s) = %g",
			      W[g], ssw / 49);
		ck_assert_msg(ssu / 28 > 0.05 && ssu / 28 < 0.5, "var(%s) = %g "
			      "(Glorot: %g)", U[g], ssu / 28, 2.0 / (double)(n + d));
		ck_assert(memcmp(w, blk(a, W[(g + 1) % 3]), n * n * sizeof(double)) != 0);
	}
	for (int i = 0; i < 4; i++) {
		int ib = bt_model_find_block(a, B[i]);
		for (size_t j = 0; j < a->blocks[ib].rows; j++)
			ck_assert_msg(blk(a, B[i])[j] == 0.0, "%s[%zu] = %g", B[i], j,
				      blk(a, B[i])[j]);
	}
	/* --scale 0.9: every W_* has largest singular value 0.9 */
	o.scale = 0.9;
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	for (int g = 0; g < 3; g++) {
		double s = smax_of(blk(b, W[g]), n);
		ck_assert_msg(fabs(s - 0.9) <= 1e-12, "--scale 0.9: s_max(%s) = %.17g",
			      W[g], s);
	}
	/* --radius 1.1 */
	o.scale = 0;
	o.radius = 1.1;
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	for (int g = 0; g < 3; g++) {
		double r = radius_of(blk(b, W[g]), n);
		ck_assert_msg(fabs(r - 1.1) <= 1e-10, "--radius 1.1: rho(%s) = %.17g",
			      W[g], r);
	}
	/* --orthogonal: WᵀW = I for each */
	o.radius = 0;
	o.orthogonal = 1;
	ck_assert_int_eq(bt_model_init(b, &o), BT_OK);
	for (int g = 0; g < 3; g++) {
		const double *w = blk(b, W[g]);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double s = 0;
				for (size_t k = 0; k < n; k++)
					s += w[k * n + i] * w[k * n + j];
				ck_assert_msg(fabs(s - (i == j)) <= 1e-12, "--orthogonal: "
					      "(%sᵀ%s)[%zu][%zu] = %g", W[g], W[g],
					      i, j, s);
			}
	}
	bt_model_free(a);
	bt_model_free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gru");
	TCase *tc = tcase_create("cell");
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_init);
	tcase_add_loop_test(tc, test_jacobian_fd, 0, NSHAPES);
	suite_add_tcase(s, tc);

	TCase *tr = tcase_create("reference");
	tcase_set_timeout(tr, 120);
	tcase_add_loop_test(tr, test_loss_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tr, test_full_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tr, test_full_matches_fd, 0, NSHAPES);
	tcase_add_test(tr, test_zero_mask);
	tcase_add_loop_test(tr, test_dWh_closed_form, 0, NSHAPES);
	suite_add_tcase(s, tr);

	TCase *tt = tcase_create("truncation");
	tcase_set_timeout(tt, 120);
	tcase_add_loop_test(tt, test_truncated_matches_reference, 0, NSHAPES);
	tcase_add_loop_test(tt, test_truncated_matches_windowed_fd, 0, NSHAPES);
	tcase_add_loop_test(tt, test_truncate_ge_T_is_full, 0, NSHAPES);
	tcase_add_test(tt, test_lag_structure);
	suite_add_tcase(s, tt);

	TCase *tk = tcase_create("gradcheck");
	tcase_set_timeout(tk, 120);
	tcase_add_loop_test(tk, test_gradcheck_ok, 0, NSHAPES);
	suite_add_tcase(s, tk);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
