/* SPDX-License-Identifier: GPL-3.0-or-later */
/* reference.h — an independent reference implementation of the spec for
 * rnn, linear and residual, written with plain C loops, shared by
 * test_grad.c and test_tbptt.c. It reads the model's parameters only
 * through the block layout and otherwise calls nothing in the library.
 * Each including file defines its own `shapes` table after including this
 * header and before REFERENCE_CASES, which needs it. */
#ifndef BT_REFERENCE_H
#define BT_REFERENCE_H
#include "testutil.h"


/* ==== the reference ===================================================== */

typedef struct {
	int residual;              /* 0: h_t = φ(a_t); 1: h_t = h_{t-1} + φ(a_t) */
	int act;                   /* BT_ACT_* (identity for linear) */
	size_t d, n, m;
	/* the reference's own flat layout: W, U, b, V, b_y, row-major */
	size_t oW, oU, ob, oV, oby, P;
} ref_model;

static const char *const ref_names[5] = {"W", "U", "b", "V", "b_y"};

/* Fills r for the model's architecture; 0 when the reference does not
 * know the architecture. */
static int ref_init(ref_model *r, const bt_model *mod)
{
	const char *arch = bt_cell_name(mod->type);
	if (strcmp(arch, "rnn") == 0) {
		r->residual = 0;
		r->act = (int)mod->activation;
	} else if (strcmp(arch, "linear") == 0) {
		r->residual = 0;
		r->act = BT_ACT_IDENTITY;
	} else if (strcmp(arch, "residual") == 0) {
		r->residual = 1;
		r->act = (int)mod->activation;
	} else {
		return 0;
	}
	r->d = mod->dims.d;
	r->n = mod->dims.n;
	r->m = mod->dims.m;
	r->oW = 0;
	r->oU = r->oW + r->n * r->n;
	r->ob = r->oU + r->n * r->d;
	r->oV = r->ob + r->n;
	r->oby = r->oV + r->m * r->n;
	r->P = r->oby + r->m;
	return 1;
}

static void ref_block_shape(const ref_model *r, int k, size_t *rows,
			    size_t *cols, size_t *off)
{
	const size_t R[5] = {r->n, r->n, r->n, r->m, r->m};
	const size_t C[5] = {r->n, r->d, 1, r->n, 1};
	const size_t O[5] = {r->oW, r->oU, r->ob, r->oV, r->oby};
	*rows = R[k];
	*cols = C[k];
	*off = O[k];
}

/* Library layout (theta or a gradient) → the reference's layout. Also
 * checks that the model has exactly the spec's blocks with the spec's
 * shapes. */
static void ref_gather(const ref_model *r, const bt_model *mod,
		       const double *base, double *mine)
{
	ck_assert_msg(mod->nblocks == 5, "%s has %zu blocks, the spec says 5",
		      bt_cell_name(mod->type), mod->nblocks);
	ck_assert_msg(mod->nparams == r->P, "nparams %zu, the spec gives %zu",
		      mod->nparams, r->P);
	for (int k = 0; k < 5; k++) {
		size_t rows, cols, off;
		ref_block_shape(r, k, &rows, &cols, &off);
		int i = bt_model_find_block(mod, ref_names[k]);
		ck_assert_msg(i == k, "block %s at index %d, expected %d",
			      ref_names[k], i, k);
		gsl_matrix_const_view v = bt_block_const_view(mod, base, (size_t)i);
		ck_assert_msg(v.matrix.size1 == rows && v.matrix.size2 == cols,
			      "block %s is %zux%zu, the spec says %zux%zu",
			      ref_names[k], v.matrix.size1, v.matrix.size2,
			      rows, cols);
		for (size_t a = 0; a < rows; a++)
			for (size_t c = 0; c < cols; c++)
				mine[off + a * cols + c] =
					gsl_matrix_get(&v.matrix, a, c);
	}
}

/* The reference's layout → the library layout (base has nparams values). */
static void ref_scatter(const ref_model *r, const bt_model *mod,
			const double *mine, double *base)
{
	for (int k = 0; k < 5; k++) {
		size_t rows, cols, off;
		ref_block_shape(r, k, &rows, &cols, &off);
		int i = bt_model_find_block(mod, ref_names[k]);
		ck_assert_int_ge(i, 0);
		gsl_matrix_view v = bt_block_view(mod, base, (size_t)i);
		for (size_t a = 0; a < rows; a++)
			for (size_t c = 0; c < cols; c++)
				gsl_matrix_set(&v.matrix, a, c,
					       mine[off + a * cols + c]);
	}
}

/* φ and φ' from their definitions (relu'(0) = 0). */
static double ref_phi(int act, double a)
{
	switch (act) {
	case BT_ACT_TANH: return tanh(a);
	case BT_ACT_RELU: return a > 0 ? a : 0.0;
	case BT_ACT_SIGMOID: return 1.0 / (1.0 + exp(-a));
	default: return a;
	}
}

static double ref_dphi(int act, double a)
{
	double y;
	switch (act) {
	case BT_ACT_TANH: y = tanh(a); return 1.0 - y * y;
	case BT_ACT_RELU: return a > 0 ? 1.0 : 0.0;
	case BT_ACT_SIGMOID: y = 1.0 / (1.0 + exp(-a)); return y * (1.0 - y);
	default: return 1.0;
	}
}

/* What the forward pass keeps: a_t (T×n), h_t for t = 0…T ((T+1)×n) and
 * e_t = μ_t (ŷ_t − y_t) (T×m). */
typedef struct {
	size_t T;
	double *A, *H, *E;
	double loss;
} ref_fwd;

static ref_fwd *ref_fwd_alloc(const ref_model *r, size_t T)
{
	ref_fwd *f = calloc(1, sizeof *f);
	ck_assert_ptr_nonnull(f);
	f->T = T;
	f->A = calloc(T * r->n, sizeof(double));
	f->H = calloc((T + 1) * r->n, sizeof(double));
	f->E = calloc(T * r->m, sizeof(double));
	ck_assert(f->A && f->H && f->E);
	return f;
}

static void ref_fwd_free(ref_fwd *f)
{
	if (!f)
		return;
	free(f->A);
	free(f->H);
	free(f->E);
	free(f);
}

static double mask_at(const bt_data *D, size_t t) /* t from 1 */
{
	return D->M ? D->M[t - 1] : 1.0;
}

/* Forward pass with parameters th (reference layout) and inputs X (T×d);
 * targets and mask from D. Returns L. */
static double ref_forward(const ref_model *r, const double *th,
			  const double *X, const bt_data *D, ref_fwd *f)
{
	const size_t n = r->n, d = r->d, m = r->m;
	const double *W = th + r->oW, *U = th + r->oU, *b = th + r->ob;
	const double *V = th + r->oV, *by = th + r->oby;
	double L = 0;
	for (size_t i = 0; i < n; i++)
		f->H[i] = 0.0;                       /* h_0 = 0 */
	for (size_t t = 1; t <= D->T; t++) {
		const double *x = X + (t - 1) * d, *hp = f->H + (t - 1) * n;
		double *a = f->A + (t - 1) * n, *h = f->H + t * n;
		double *e = f->E + (t - 1) * m;
		for (size_t i = 0; i < n; i++) {
			double s = b[i];
			for (size_t j = 0; j < n; j++)
				s += W[i * n + j] * hp[j];
			for (size_t j = 0; j < d; j++)
				s += U[i * d + j] * x[j];
			a[i] = s;
			h[i] = (r->residual ? hp[i] : 0.0) + ref_phi(r->act, s);
		}
		double mu = mask_at(D, t);
		for (size_t i = 0; i < m; i++) {
			double y = by[i];
			for (size_t j = 0; j < n; j++)
				y += V[i * n + j] * h[j];
			double diff = y - D->Y[(t - 1) * m + i];
			L += mu * 0.5 * diff * diff;
			e[i] = mu * diff;
		}
	}
	f->loss = L;
	return L;
}

/* One step back through h_s = F(h_{s-1}, x_s): given gh = ∂/∂h_s, adds
 * the step's share to the parameter gradient g (reference layout) and to
 * dx_s, and replaces gh with ∂/∂h_{s-1} through this step. */
static void ref_step_back(const ref_model *r, const double *th,
			  const double *X, const ref_fwd *f, size_t s,
			  double *gh, double *g, double *dX, double *da)
{
	const size_t n = r->n, d = r->d;
	const double *W = th + r->oW, *U = th + r->oU;
	const double *a = f->A + (s - 1) * n, *hp = f->H + (s - 1) * n;
	const double *x = X + (s - 1) * d;
	for (size_t i = 0; i < n; i++)
		da[i] = gh[i] * ref_dphi(r->act, a[i]);
	for (size_t i = 0; i < n; i++) {
		g[r->ob + i] += da[i];
		for (size_t j = 0; j < n; j++)
			g[r->oW + i * n + j] += da[i] * hp[j];
		for (size_t j = 0; j < d; j++)
			g[r->oU + i * d + j] += da[i] * x[j];
	}
	if (dX)
		for (size_t j = 0; j < d; j++) {
			double v = 0;
			for (size_t i = 0; i < n; i++)
				v += U[i * d + j] * da[i];
			dX[(s - 1) * d + j] += v;
		}
	for (size_t j = 0; j < n; j++) {
		double v = r->residual ? gh[j] : 0.0;
		for (size_t i = 0; i < n; i++)
			v += W[i * n + j] * da[i];
		gh[j] = v;
	}
}

/* The readout's share of term t: ∂ℓ_t/∂V, ∂ℓ_t/∂b_y into g, and
 * gh = Vᵀ e_t. */
static void ref_readout_back(const ref_model *r, const double *th,
			     const ref_fwd *f, size_t t, double *gh, double *g)
{
	const size_t n = r->n, m = r->m;
	const double *V = th + r->oV;
	const double *e = f->E + (t - 1) * m, *h = f->H + t * n;
	for (size_t i = 0; i < m; i++) {
		g[r->oby + i] += e[i];
		for (size_t j = 0; j < n; j++)
			g[r->oV + i * n + j] += e[i] * h[j];
	}
	for (size_t j = 0; j < n; j++) {
		double v = 0;
		for (size_t i = 0; i < m; i++)
			v += V[i * n + j] * e[i];
		gh[j] = v;
	}
}

/* Full BPTT after ref_forward: g (reference layout, P values) and dX (T×d)
 * are overwritten. One backward sweep, the carry ∂L/∂h_t summing the
 * readout's share and the share from h_{t+1}. */
static void ref_backward_full(const ref_model *r, const double *th,
			      const double *X, const bt_data *D,
			      const ref_fwd *f, double *g, double *dX)
{
	const size_t n = r->n;
	double *carry = calloc(n, sizeof(double));
	double *gh = calloc(n, sizeof(double));
	double *da = calloc(n, sizeof(double));
	ck_assert(carry && gh && da);
	memset(g, 0, r->P * sizeof(double));
	memset(dX, 0, D->T * r->d * sizeof(double));
	for (size_t t = D->T; t >= 1; t--) {
		ref_readout_back(r, th, f, t, gh, g);
		for (size_t j = 0; j < n; j++)
			gh[j] += carry[j];
		ref_step_back(r, th, X, f, t, gh, g, dX, da);
		memcpy(carry, gh, n * sizeof(double));
	}
	free(carry);
	free(gh);
	free(da);
}

/* Brute-force truncated gradient, the slow obvious way: for every loss
 * term t separately, back through h_t, …, h_{t-k+1} only (h_{t-k} a
 * constant). k ≥ T gives full BPTT. g and dX are overwritten. */
static void ref_backward_truncated(const ref_model *r, const double *th,
				   const double *X, const bt_data *D,
				   const ref_fwd *f, size_t k, double *g,
				   double *dX)
{
	const size_t n = r->n;
	double *gh = calloc(n, sizeof(double));
	double *da = calloc(n, sizeof(double));
	ck_assert(gh && da);
	memset(g, 0, r->P * sizeof(double));
	memset(dX, 0, D->T * r->d * sizeof(double));
	for (size_t t = 1; t <= D->T; t++) {
		ref_readout_back(r, th, f, t, gh, g);
		for (size_t s = t; s >= 1 && t - s < k; s--)
			ref_step_back(r, th, X, f, s, gh, g, dX, da);
	}
	free(gh);
	free(da);
}

/* ==== test cases ========================================================== */

typedef struct {
	const char *name;
	size_t T, d, n, m;
	int mask;        /* 0: no mask; 1: holes, first and last step masked */
	double wsd;      /* W entries N(0, (wsd/√n)²) */
} shape;

/* ---- test cases ---- */
#define NSHAPES (sizeof shapes / sizeof shapes[0])

/* Mask with zeros: first and last step and two in the middle. */
static double mask_pattern(size_t t, size_t T)
{
	return (t == 1 || t == T || t == 4 || t == 5) ? 0.0 : 1.0;
}

typedef struct {
	const bt_cell_type *type;
	int act;
	char label[96];
	bt_model *mod;
	bt_data *data;
	ref_model r;
	int has_ref;
	double *th;      /* parameters in the reference's layout */
	ref_fwd *f;      /* reference forward at th */
} tcase_data;

static void set_W(bt_model *mod, double wsd, int residual)
{
	int iw = bt_model_find_block(mod, "W");
	if (iw < 0)
		return;
	gsl_matrix_view W = bt_block_view(mod, mod->theta, (size_t)iw);
	double f = wsd / sqrt((double)mod->dims.n);
	for (size_t i = 0; i < W.matrix.size1; i++)
		for (size_t j = 0; j < W.matrix.size2; j++) {
			double w = gsl_matrix_get(&W.matrix, i, j) * f;
			if (residual && i == j)
				w -= 0.5;  /* keep the residual state bounded */
			gsl_matrix_set(&W.matrix, i, j, w);
		}
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
	if (mask == 1)
		for (size_t t = 1; t <= T; t++)
			D->M[t - 1] = mask_pattern(t, T);
	else if (mask == 2)
		for (size_t t = 1; t <= T; t++)
			D->M[t - 1] = 0.0;
	gsl_rng_free(rng);
	return D;
}

static double min_abs_preact(const ref_model *r, const ref_fwd *f)
{
	double mn = INFINITY;
	for (size_t i = 0; i < f->T * r->n; i++)
		mn = fmin(mn, fabs(f->A[i]));
	return mn;
}

/* Sets up registry entry _i / 4 with activation _i % 4 on shape s. Returns
 * 0 when the pair does not exist (an architecture without activations is
 * run once, as act 0). For relu the seed is moved on until no
 * pre-activation is within 1e-3 of the kink. */
static int case_setup(tcase_data *c, int idx, const shape *s, int mask,
		      unsigned long seed)
{
	memset(c, 0, sizeof *c);
	c->type = bt_cell_at((size_t)idx / 4);
	ck_assert_ptr_nonnull(c->type);
	c->act = idx % 4;
	int has_act = bt_cell_has_activation(c->type);
	if (!has_act && c->act != 0)
		return 0;
	const char *arch = bt_cell_name(c->type);
	snprintf(c->label, sizeof c->label, "%s/%s/%s", arch,
		 has_act ? bt_activation_name((bt_activation)c->act) : "-",
		 s->name);
	int residual = strcmp(arch, "residual") == 0;
	for (int attempt = 0; attempt < 200; attempt++) {
		unsigned long sd = seed + 7919UL * (unsigned long)attempt;
		c->mod = tu_model(arch, (bt_activation)c->act, s->d, s->n,
				  s->m, 0.6, sd);
		set_W(c->mod, s->wsd, residual);
		c->data = make_data(s->T, s->d, s->m, mask, sd + 1);
		c->has_ref = ref_init(&c->r, c->mod);
		if (!c->has_ref)
			return 1;
		c->th = malloc(c->r.P * sizeof(double));
		ck_assert_ptr_nonnull(c->th);
		ref_gather(&c->r, c->mod, c->mod->theta, c->th);
		c->f = ref_fwd_alloc(&c->r, s->T);
		double L = ref_forward(&c->r, c->th, c->data->X, c->data, c->f);
		ck_assert_msg(isfinite(L) && L < 1e8, "%s: test setup: loss %g",
			      c->label, L);
		if (c->r.act != BT_ACT_RELU ||
		    min_abs_preact(&c->r, c->f) >= 1e-3)
			return 1;
		bt_model_free(c->mod);
		bt_data_free(c->data);
		free(c->th);
		ref_fwd_free(c->f);
	}
	ck_abort_msg("%s: no relu setup without pre-activations near 0",
		     c->label);
	return 0;
}

static void case_teardown(tcase_data *c)
{
	bt_model_free(c->mod);
	bt_data_free(c->data);
	free(c->th);
	ref_fwd_free(c->f);
}

/* ‖g − g_ref‖∞ / ‖g_ref‖∞ over a block of the library layout; ‖g‖∞ when
 * the reference block is exactly zero. */
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
			num = (e > num || isnan(e)) ? (isnan(e) ? INFINITY : e) : num;
			den = fmax(den, fabs(y));
		}
	return den > 0 ? num / den : num;
}

static double vec_err(const double *g, const double *gref, size_t k)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < k; i++) {
		double e = fabs(g[i] - gref[i]);
		num = (e > num || isnan(e)) ? (isnan(e) ? INFINITY : e) : num;
		den = fmax(den, fabs(gref[i]));
	}
	return den > 0 ? num / den : num;
}

#endif
