/* gradcheck.c — the finite-difference checker. Its result is data: per
 * parameter block (and for the inputs X) the largest absolute and relative
 * disagreement between the exact BPTT gradient and finite differences of
 * the loss, where it occurs, and a verdict.
 *
 * With D(h) = (L(θ + h e_i) − L(θ − h e_i)) / 2h:
 *
 *   central:     f_i = D(h),                                      error O(h²)
 *   richardson:  f_i = (4 D(h/2) − D(h)) / 3,                     error O(h⁴)
 *   stencil4:    f_i = (−L(+2h) + 8L(+h) − 8L(−h) + L(−2h)) / 12h, error O(h⁴)
 *
 * (Richardson's combination cancels the h² term of D; from h and h/2 it is
 * the stencil at step h/2, rounded differently.) h = step · max(1, |θ_i|),
 * rounded so that θ_i ± h is exact. An entry agrees when
 * |g_i − f_i| ≤ atol + rtol · max(|g_i|, |f_i|).
 *
 * Two more ways to look at a gradient: the Taylor-remainder test (the slope
 * of log|L(θ+hv) − L(θ) − h gᵀv| against log h, 2 for a right gradient, 1
 * for a wrong one: no step to tune) and the sweep of every formula's error
 * over h (the V-shaped curve). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "progress.h"
#include "seq_internal.h"

static const char *const method_names[] = {"central", "richardson", "stencil4"};

int bt_fd_method_from_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (name && !strcmp(name, method_names[i]))
			return i;
	return -1;
}

const char *bt_fd_method_name(int method)
{
	return method >= 0 && method < 3 ? method_names[method] : "?";
}

void bt_check_options_default(bt_check_options *opt)
{
	opt->rtol = 1e-6;
	opt->atol = -1;      /* 1e-8 · max(1, |L|) */
	opt->step = 0;       /* ε^{1/3} for central, ε^{1/5} for the O(h⁴) ones */
	opt->order = 2;
	opt->method = BT_FD_CENTRAL;
	opt->directions = 4;
	opt->seed = BT_DEFAULT_SEED;
}

static double default_step(int method)
{
	return method == BT_FD_CENTRAL ? cbrt(DBL_EPSILON) : pow(DBL_EPSILON, 0.2);
}

typedef struct {
	bt_seq *seq;
	const bt_model *model;
	const bt_data *data;
	int status;
} loss_ctx;

static double eval(loss_ctx *c)
{
	double L = NAN;
	int st = bt_seq_forward(c->seq, c->model, c->data, &L);
	if (st != BT_OK && c->status == BT_OK)
		c->status = st;
	return L;
}

/* L at θ + s·e, for a coordinate or a direction. */
typedef double (*at_fn)(void *ctx, double s);

/* The method's estimate of the derivative along e with step h. */
static double fd_combine(int method, double h, at_fn L, void *ctx)
{
	if (method == BT_FD_STENCIL4) {
		double Lp = L(ctx, h), Lm = L(ctx, -h);
		double Lpp = L(ctx, 2 * h), Lmm = L(ctx, -2 * h);
		return (-Lpp + 8 * Lp - 8 * Lm + Lmm) / (12 * h);
	}
	double D1 = (L(ctx, h) - L(ctx, -h)) / (2 * h);
	if (method != BT_FD_RICHARDSON)
		return D1;
	/* (4 D(h/2) − D(h)) / 3 */
	double D2 = (L(ctx, h / 2) - L(ctx, -h / 2)) / h;
	return (4 * D2 - D1) / 3;
}

typedef struct {
	loss_ctx *c;
	double *p, x0;
} entry_ctx;

static double at_entry(void *ctx, double s)
{
	entry_ctx *e = ctx;
	*e->p = e->x0 + s;
	return eval(e->c);
}

/* Finite difference of the loss along one coordinate *p. */
static double fd_entry(loss_ctx *c, double *p, double step, int method)
{
	double x0 = *p;
	volatile double xp = x0 + step * fmax(1.0, fabs(x0));
	double h = xp - x0;
	entry_ctx e = {c, p, x0};
	double f = fd_combine(method, h, at_entry, &e);
	*p = x0;
	return f;
}

static void compare(bt_check_block *b, const double *g, const double *f,
		    size_t count, double atol, double rtol)
{
	b->max_abs = 0;
	b->max_rel = 0;
	b->worst = 0;
	b->ok = 1;
	b->opposite = 0;
	double worst_abs = -1;
	size_t worst_abs_i = 0;
	for (size_t i = 0; i < count; i++) {
		double e = fabs(g[i] - f[i]);
		double s = fmax(fabs(g[i]), fabs(f[i]));
		if (!(e <= atol + rtol * s))   /* NaN fails too */
			b->ok = 0;
		if (!(e <= b->max_abs))
			b->max_abs = e;
		if (!(e <= worst_abs)) {
			worst_abs = e;
			worst_abs_i = i;
		}
		/* opposite signs, either one beyond atol: not round-off */
		if (g[i] * f[i] < 0 && s > atol)
			b->opposite++;
		double r = s > atol ? e / s : 0;
		if (isnan(e))
			r = INFINITY;
		if (r > b->max_rel) {
			b->max_rel = r;
			b->worst = i;
		}
	}
	if (b->max_rel == 0)
		b->worst = worst_abs_i;
	if (count) {
		b->worst_exact = g[b->worst];
		b->worst_fd = f[b->worst];
	}
}

static int resolve(const bt_check_options *in, bt_check_options *o)
{
	if (in)
		*o = *in;
	else
		bt_check_options_default(o);
	if (o->order != 2 && o->order != 4)
		return BT_EINVAL;
	if (o->method < BT_FD_CENTRAL || o->method > BT_FD_STENCIL4)
		return BT_EINVAL;
	/* order 4 is the stencil (kept from before there were methods) */
	if (o->order == 4) {
		if (o->method == BT_FD_RICHARDSON)
			return BT_EINVAL;
		o->method = BT_FD_STENCIL4;
	}
	if (o->step == 0)
		o->step = default_step(o->method);
	if (!(o->step > 0) || !(o->rtol >= 0) || isnan(o->atol))
		return BT_EINVAL;
	return BT_OK;
}

int bt_gradcheck(const bt_model *model, const bt_data *data,
		 const bt_check_options *opt_in, bt_check_result *res)
{
	return bt_gradcheck_gradient(model, data, NULL, NULL, opt_in, res);
}

int bt_gradcheck_gradient(const bt_model *model, const bt_data *data,
			  const double *grad, const double *dX,
			  const bt_check_options *opt_in, bt_check_result *res)
{
	bt_check_options opt;
	int st = resolve(opt_in, &opt);
	if (st == BT_OK)
		st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	memset(res, 0, sizeof *res);
	size_t N = model->nparams, NX = data->T * data->d;
	double *g = malloc(N * sizeof(double)), *gX = malloc(NX * sizeof(double));
	double *f = malloc((N > NX ? N : NX) * sizeof(double));
	bt_model *pm = NULL;
	bt_data *pd = NULL;
	bt_seq *seq = NULL;
	bt_progress pr;
	bt_progress_begin(&pr, "finite differences", N + NX);
	if (!g || !gX || !f) {
		st = BT_ENOMEM;
		goto done;
	}
	if ((st = bt_gradient(model, data, 0, &res->loss, g, gX)) != BT_OK ||
	    (st = bt_model_copy(&pm, model)) != BT_OK ||
	    (st = bt_data_copy(&pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&seq, model, data->T)) != BT_OK)
		goto done;
	if (grad)
		memcpy(g, grad, N * sizeof(double));
	if (dX)
		memcpy(gX, dX, NX * sizeof(double));
	res->rtol = opt.rtol;
	res->atol = opt.atol >= 0 ? opt.atol : 1e-8 * fmax(1.0, fabs(res->loss));
	res->method = opt.method;
	res->step = opt.step;
	loss_ctx c = {seq, pm, pd, BT_OK};
	res->ok = 1;
	for (size_t b = 0; b < model->nblocks; b++) {
		const bt_block *bl = &model->blocks[b];
		size_t cnt = bl->rows * bl->cols;
		for (size_t i = 0; i < cnt; i++) {
			if ((st = bt_progress_poll(&pr, bl->offset + i)) != BT_OK)
				goto done;
			f[i] = fd_entry(&c, pm->theta + bl->offset + i, opt.step,
					opt.method);
		}
		bt_check_block *r = &res->blocks[res->nblocks++];
		snprintf(r->name, sizeof r->name, "%s", bl->name);
		r->rows = bl->rows;
		r->cols = bl->cols;
		compare(r, g + bl->offset, f, cnt, res->atol, res->rtol);
		res->ok &= r->ok;
	}
	for (size_t i = 0; i < NX; i++) {
		if ((st = bt_progress_poll(&pr, N + i)) != BT_OK)
			goto done;
		f[i] = fd_entry(&c, pd->X + i, opt.step, opt.method);
	}
	bt_check_block *r = &res->blocks[res->nblocks++];
	snprintf(r->name, sizeof r->name, "X");
	r->rows = data->T;
	r->cols = data->d;
	compare(r, gX, f, NX, res->atol, res->rtol);
	res->ok &= r->ok;
	st = c.status;
done:
	bt_progress_end(&pr);
	free(g);
	free(gX);
	free(f);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
}

/* θ + s·v over the parameters and then the inputs (v has N + NX entries). */
typedef struct {
	loss_ctx *c;
	bt_model *pm;
	bt_data *pd;
	const bt_model *m0;
	const bt_data *d0;
	const double *v;
	size_t N, NX;
} dir_ctx;

static double at_dir(void *ctx, double s)
{
	dir_ctx *e = ctx;
	for (size_t i = 0; i < e->N; i++)
		e->pm->theta[i] = e->m0->theta[i] + s * e->v[i];
	for (size_t i = 0; i < e->NX; i++)
		e->pd->X[i] = e->d0->X[i] + s * e->v[e->N + i];
	return eval(e->c);
}

int bt_gradcheck_directional(const bt_model *model, const bt_data *data,
			     const bt_check_options *opt_in,
			     bt_check_dir_result *res)
{
	bt_check_options opt;
	int st = resolve(opt_in, &opt);
	if (st == BT_OK)
		st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	memset(res, 0, sizeof *res);
	size_t N = model->nparams, NX = data->T * data->d, NT = N + NX;
	size_t ndir = opt.directions < 1 ? 1 : opt.directions > 64 ? 64 : opt.directions;
	double *g = malloc(NT * sizeof(double)), *v = malloc(NT * sizeof(double));
	bt_model *pm = NULL;
	bt_data *pd = NULL;
	bt_seq *seq = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double L;
	bt_progress pr;
	bt_progress_begin(&pr, "directions", ndir);
	if (!g || !v || !rng) {
		st = BT_ENOMEM;
		goto done;
	}
	gsl_rng_set(rng, opt.seed);
	if ((st = bt_gradient(model, data, 0, &L, g, g + N)) != BT_OK ||
	    (st = bt_model_copy(&pm, model)) != BT_OK ||
	    (st = bt_data_copy(&pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&seq, model, data->T)) != BT_OK)
		goto done;
	double atol = opt.atol >= 0 ? opt.atol : 1e-8 * fmax(1.0, fabs(L));
	/* step scaled to the typical size of the entries */
	double ss = 0;
	for (size_t i = 0; i < N; i++)
		ss += model->theta[i] * model->theta[i];
	for (size_t i = 0; i < NX; i++)
		ss += data->X[i] * data->X[i];
	double h = opt.step * fmax(1.0, sqrt(ss / (double)NT));
	loss_ctx c = {seq, pm, pd, BT_OK};
	res->ndir = ndir;
	res->ok = 1;
	for (size_t k = 0; k < ndir; k++) {
		if ((st = bt_progress_poll(&pr, k)) != BT_OK)
			goto done;
		double nv = 0, gv = 0;
		for (size_t i = 0; i < NT; i++) {
			v[i] = gsl_ran_gaussian(rng, 1.0);
			nv += v[i] * v[i];
		}
		nv = sqrt(nv);
		for (size_t i = 0; i < NT; i++) {
			v[i] /= nv;
			gv += g[i] * v[i];
		}
		dir_ctx dc = {&c, pm, pd, model, data, v, N, NX};
		double f = fd_combine(opt.method, h, at_dir, &dc);
		double e = fabs(gv - f), s = fmax(fabs(gv), fabs(f));
		res->exact[k] = gv;
		res->fd[k] = f;
		res->rel[k] = s > atol ? e / s : 0;
		if (!(res->rel[k] <= res->max_rel))
			res->max_rel = res->rel[k];
		res->agree[k] = e <= atol + opt.rtol * s;
		if (!res->agree[k])
			res->ok = 0;
	}
	st = c.status;
done:
	bt_progress_end(&pr);
	free(g);
	free(v);
	gsl_rng_free(rng);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
}

/* ---- the Taylor-remainder test ------------------------------------------- */

/* A remainder is trusted when it is this many ε above |L(θ)| + |L(θ±hv)|:
 * the loss is summed over T terms, each rounded, and r is a difference of
 * such sums. */
#define TAYLOR_FLOOR (1e2 * DBL_EPSILON)
/* The fit uses the trusted points within this factor of the smallest
 * trusted h: the asymptotic end, where the leading term dominates. */
#define TAYLOR_WINDOW 100.0

size_t bt_taylor_default_steps(double *h)
{
	size_t k = 0;
	for (int i = 2; i <= 16; i++)
		h[k++] = pow(10.0, -0.5 * i);
	return k;
}

/* Least-squares slope of y on x over the points with use[i]. */
static double fit_slope(const double *x, const double *y, const int *use,
			size_t k)
{
	double sx = 0, sy = 0, c = 0;
	for (size_t i = 0; i < k; i++)
		if (use[i]) {
			sx += x[i];
			sy += y[i];
			c++;
		}
	if (c < 3)
		return NAN;
	double mx = sx / c, my = sy / c, sxy = 0, sxx = 0;
	for (size_t i = 0; i < k; i++)
		if (use[i]) {
			sxy += (x[i] - mx) * (y[i] - my);
			sxx += (x[i] - mx) * (x[i] - mx);
		}
	return sxy / sxx;
}

/* From the trusted points (use[i] on entry), keeps for the fit those with
 * h ≤ TAYLOR_WINDOW · (the smallest trusted h), or the three smallest if
 * the window holds fewer. */
static void fit_window(const double *h, int *use, size_t k)
{
	double hmin = INFINITY;
	size_t c = 0;
	for (size_t i = 0; i < k; i++)
		if (use[i])
			hmin = fmin(hmin, h[i]);
	for (size_t i = 0; i < k; i++)
		if (use[i] && h[i] <= TAYLOR_WINDOW * hmin)
			c++;
	if (c >= 3) {
		for (size_t i = 0; i < k; i++)
			use[i] = use[i] && h[i] <= TAYLOR_WINDOW * hmin;
		return;
	}
	/* the three smallest trusted h */
	int keep[BT_TAYLOR_MAX_H] = {0};
	for (int n = 0; n < 3; n++) {
		size_t best = k;
		for (size_t i = 0; i < k; i++)
			if (use[i] && !keep[i] && (best == k || h[i] < h[best]))
				best = i;
		if (best < k)
			keep[best] = 1;
	}
	for (size_t i = 0; i < k; i++)
		use[i] = keep[i];
}

/* A random unit vector on [lo, hi) of v, zero elsewhere. */
static void random_unit(double *v, size_t NT, size_t lo, size_t hi,
			gsl_rng *rng)
{
	double nv = 0;
	memset(v, 0, NT * sizeof(double));
	for (size_t i = lo; i < hi; i++) {
		v[i] = gsl_ran_gaussian(rng, 1.0);
		nv += v[i] * v[i];
	}
	nv = sqrt(nv);
	for (size_t i = lo; i < hi; i++)
		v[i] /= nv;
}

int bt_gradcheck_taylor(const bt_model *model, const bt_data *data,
			const double *grad, const double *dX,
			const bt_check_options *opt_in, const double *h, size_t nh,
			bt_taylor_result *res)
{
	bt_check_options opt;
	int st = resolve(opt_in, &opt);
	if (st == BT_OK)
		st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	double hd[BT_TAYLOR_MAX_H];
	if (!h) {
		nh = bt_taylor_default_steps(hd);
		h = hd;
	}
	if (nh < 1 || nh > BT_TAYLOR_MAX_H)
		return BT_EINVAL;
	for (size_t i = 0; i < nh; i++)
		if (!(h[i] > 0) || !isfinite(h[i]))
			return BT_EINVAL;
	memset(res, 0, sizeof *res);
	size_t N = model->nparams, NX = data->T * data->d, NT = N + NX;
	double *g = malloc(NT * sizeof(double)), *v = malloc(NT * sizeof(double));
	bt_model *pm = NULL;
	bt_data *pd = NULL;
	bt_seq *seq = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double L0;
	bt_progress pr;
	bt_progress_begin(&pr, "Taylor remainders", 0);
	if (!g || !v || !rng) {
		st = BT_ENOMEM;
		goto done;
	}
	gsl_rng_set(rng, opt.seed);
	if ((st = bt_gradient(model, data, 0, &L0, g, g + N)) != BT_OK ||
	    (st = bt_model_copy(&pm, model)) != BT_OK ||
	    (st = bt_data_copy(&pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&seq, model, data->T)) != BT_OK)
		goto done;
	/* the gradient under test */
	if (grad)
		memcpy(g, grad, N * sizeof(double));
	if (dX)
		memcpy(g + N, dX, NX * sizeof(double));
	res->nh = nh;
	memcpy(res->h, h, nh * sizeof(double));
	res->loss = L0;
	res->floor_rel = TAYLOR_FLOOR;
	res->ok = 1;
	pr.total = (model->nblocks + 2) * nh;
	double lh[BT_TAYLOR_MAX_H], lr[BT_TAYLOR_MAX_H];
	for (size_t i = 0; i < nh; i++)
		lh[i] = log10(h[i]);
	for (size_t b = 0; b <= model->nblocks + 1; b++) {
		bt_taylor_block *r = &res->blocks[res->nblocks++];
		size_t lo, hi;
		if (b < model->nblocks) {
			const bt_block *bl = &model->blocks[b];
			snprintf(r->name, sizeof r->name, "%s", bl->name);
			r->rows = bl->rows;
			r->cols = bl->cols;
			lo = bl->offset;
			hi = lo + bl->rows * bl->cols;
		} else if (b == model->nblocks) {
			snprintf(r->name, sizeof r->name, "X");
			r->rows = data->T;
			r->cols = data->d;
			lo = N;
			hi = NT;
		} else {
			snprintf(r->name, sizeof r->name, "all");
			r->rows = NT;
			r->cols = 1;
			lo = 0;
			hi = NT;
		}
		random_unit(v, NT, lo, hi, rng);
		double gv = 0;
		for (size_t i = lo; i < hi; i++)
			gv += g[i] * v[i];
		r->gv = gv;
		loss_ctx c = {seq, pm, pd, BT_OK};
		dir_ctx dc = {&c, pm, pd, model, data, v, N, NX};
		for (size_t i = 0; i < nh; i++) {
			if ((st = bt_progress_poll(&pr, b * nh + i)) != BT_OK)
				goto done;
			/* both sides, r± = L(θ ± hv) − L(θ) ∓ h gᵀv: one side alone
			 * can cross zero where its h² and h³ terms cancel */
			c.status = BT_OK;
			double Lp = at_dir(&dc, h[i]), Lm = at_dir(&dc, -h[i]);
			double rem = 0.5 * (fabs(Lp - L0 - h[i] * gv) +
					    fabs(Lm - L0 + h[i] * gv));
			r->rem[i] = c.status == BT_OK ? rem : NAN;
			r->used[i] = c.status == BT_OK && isfinite(rem) &&
				     rem > TAYLOR_FLOOR * (fabs(L0) + 0.5 * (fabs(Lp) + fabs(Lm)));
			lr[i] = r->used[i] ? log10(rem) : 0;
		}
		fit_window(h, r->used, nh);
		for (size_t i = 0; i < nh; i++)
			r->nused += (size_t)r->used[i];
		r->slope = fit_slope(lh, lr, r->used, nh);
		r->ok = r->slope >= BT_TAYLOR_PASS;   /* NaN: not ok */
		res->ok &= r->ok;
	}
done:
	bt_progress_end(&pr);
	free(g);
	free(v);
	gsl_rng_free(rng);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
}

/* ---- every formula's error over h (the V-shaped curve) ------------------ */

int bt_fd_sweep_alloc(bt_fd_sweep **out, size_t nh)
{
	*out = NULL;
	if (nh < 1 || nh > 100000)
		return BT_EINVAL;
	bt_fd_sweep *s = calloc(1, sizeof *s);
	if (!s)
		return BT_ENOMEM;
	s->nh = nh;
	s->h = calloc(nh, sizeof(double));
	s->central = calloc(nh, sizeof(double));
	s->richardson = calloc(nh, sizeof(double));
	s->stencil4 = calloc(nh, sizeof(double));
	s->taylor = calloc(nh, sizeof(double));
	if (!s->h || !s->central || !s->richardson || !s->stencil4 || !s->taylor) {
		bt_fd_sweep_free(s);
		return BT_ENOMEM;
	}
	*out = s;
	return BT_OK;
}

void bt_fd_sweep_free(bt_fd_sweep *s)
{
	if (!s)
		return;
	free(s->h);
	free(s->central);
	free(s->richardson);
	free(s->stencil4);
	free(s->taylor);
	free(s);
}

static double rel_err(double f, double g)
{
	double s = fmax(fabs(f), fabs(g));
	return s > 0 ? fabs(f - g) / s : 0;
}

int bt_gradcheck_sweep(const bt_model *model, const bt_data *data,
		       const bt_check_options *opt_in, bt_fd_sweep *res)
{
	bt_check_options opt;
	int st = resolve(opt_in, &opt);
	if (st == BT_OK)
		st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	for (size_t i = 0; i < res->nh; i++)
		if (!(res->h[i] > 0) || !isfinite(res->h[i]))
			return BT_EINVAL;
	size_t N = model->nparams, NX = data->T * data->d, NT = N + NX;
	double *g = malloc(NT * sizeof(double)), *v = malloc(NT * sizeof(double));
	bt_model *pm = NULL;
	bt_data *pd = NULL;
	bt_seq *seq = NULL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double L0;
	bt_progress pr;
	bt_progress_begin(&pr, "steps h", 0);
	if (!g || !v || !rng) {
		st = BT_ENOMEM;
		goto done;
	}
	gsl_rng_set(rng, opt.seed);
	if ((st = bt_gradient(model, data, 0, &L0, g, g + N)) != BT_OK ||
	    (st = bt_model_copy(&pm, model)) != BT_OK ||
	    (st = bt_data_copy(&pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&seq, model, data->T)) != BT_OK)
		goto done;
	random_unit(v, NT, 0, NT, rng);
	double gv = 0;
	for (size_t i = 0; i < NT; i++)
		gv += g[i] * v[i];
	res->exact = gv;
	res->loss = L0;
	loss_ctx c = {seq, pm, pd, BT_OK};
	dir_ctx dc = {&c, pm, pd, model, data, v, N, NX};
	pr.total = res->nh;
	for (size_t i = 0; i < res->nh; i++) {
		if ((st = bt_progress_poll(&pr, i)) != BT_OK)
			goto done;
		double h = res->h[i];
		res->central[i] = rel_err(fd_combine(BT_FD_CENTRAL, h, at_dir, &dc), gv);
		res->richardson[i] = rel_err(fd_combine(BT_FD_RICHARDSON, h, at_dir, &dc), gv);
		res->stencil4[i] = rel_err(fd_combine(BT_FD_STENCIL4, h, at_dir, &dc), gv);
		res->taylor[i] = 0.5 * (fabs(at_dir(&dc, h) - L0 - h * gv) +
					fabs(at_dir(&dc, -h) - L0 + h * gv));
	}
	st = c.status;
done:
	bt_progress_end(&pr);
	free(g);
	free(v);
	gsl_rng_free(rng);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
}
