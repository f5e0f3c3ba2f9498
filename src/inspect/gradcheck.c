/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "base/progress.h"
#include "core/seq_internal.h"

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
	opt->threads = 0;    /* the online processors, at most 8; 1 for tiny work */
}

static double default_step(int method)
{
	return method == BT_FD_CENTRAL ? cbrt(DBL_EPSILON) : pow(DBL_EPSILON, 0.2);
}

/* ---- the probe: what every check starts from -----------------------------
 * Copies of the model and the data to perturb (the caller's stay const), a
 * sequence workspace to run them, and, for the checks themselves, the
 * gradient under test g (parameters, then X: N + NX values), the loss at θ,
 * a direction v and the random numbers that draw it. A worker thread of the
 * entry-by-entry check opens a probe of its own without the gradient. */
typedef struct {
	const bt_model *m0;    /* the caller's model and data */
	const bt_data *d0;
	size_t N, NX, NT;      /* parameters, inputs, both */
	bt_model *pm;          /* the copies that are perturbed */
	bt_data *pd;
	bt_seq *seq;
	double L0;             /* L(θ) */
	double *g, *v;         /* NT each; NULL in a worker's probe */
	gsl_rng *rng;
	int status;            /* the first failure of a forward pass */
} probe;

static void probe_close(probe *p)
{
	bt_model_free(p->pm);
	bt_data_free(p->pd);
	bt_seq_free(p->seq);
	free(p->g);
	free(p->v);
	gsl_rng_free(p->rng);
	memset(p, 0, sizeof *p);
}

/* The copies and the workspace only (a worker's probe). */
static int probe_open_copies(probe *p, const bt_model *model, const bt_data *data)
{
	memset(p, 0, sizeof *p);
	p->m0 = model;
	p->d0 = data;
	p->N = model->nparams;
	p->NX = data->T * data->d;
	p->NT = p->N + p->NX;
	p->status = BT_OK;
	int st;
	if ((st = bt_model_copy(&p->pm, model)) != BT_OK ||
	    (st = bt_data_copy(&p->pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&p->seq, model, data->T)) != BT_OK)
		probe_close(p);
	return st;
}

/* A check's probe: the copies, the exact gradient and L(θ), then grad and
 * dX in place of the exact ones where given; the random numbers seeded. */
static int probe_open(probe *p, const bt_model *model, const bt_data *data,
		      const double *grad, const double *dX, unsigned long seed)
{
	int st = probe_open_copies(p, model, data);
	if (st != BT_OK)
		return st;
	p->g = malloc(p->NT * sizeof(double));
	p->v = malloc(p->NT * sizeof(double));
	p->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!p->g || !p->v || !p->rng) {
		probe_close(p);
		return BT_ENOMEM;
	}
	gsl_rng_set(p->rng, seed);
	if ((st = bt_gradient(model, data, 0, &p->L0, p->g, p->g + p->N)) != BT_OK) {
		probe_close(p);
		return st;
	}
	if (grad)
		memcpy(p->g, grad, p->N * sizeof(double));
	if (dX)
		memcpy(p->g + p->N, dX, p->NX * sizeof(double));
	return BT_OK;
}

/* L at the probe's (perturbed) copies. */
static double eval(probe *p)
{
	double L = NAN;
	int st = bt_seq_forward_pass(p->seq, p->pm, p->pd, &L);
	if (st != BT_OK && p->status == BT_OK)
		p->status = st;
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
	probe *p;
	double *x, x0;
} entry_ctx;

static double at_entry(void *ctx, double s)
{
	entry_ctx *e = ctx;
	*e->x = e->x0 + s;
	return eval(e->p);
}

/* Finite difference of the loss along one coordinate *x of the probe. */
static double fd_entry(probe *p, double *x, double step, int method)
{
	double x0 = *x;
	volatile double xp = x0 + step * fmax(1.0, fabs(x0));
	double h = xp - x0;
	entry_ctx e = {p, x, x0};
	double f = fd_combine(method, h, at_entry, &e);
	*x = x0;
	return f;
}

/* ---- every entry in turn, over threads -----------------------------------
 * Entry i (parameters 0…N−1, then X) goes to thread i mod k. Each thread
 * perturbs its own copies, so every entry's difference is the same
 * operations on the same numbers whatever k is, and the result is
 * bit-for-bit the serial one. A forward pass that fails is reported as the
 * serial loop would: the status of the lowest entry that failed. The
 * calling thread is worker 0 and the only one that calls the progress
 * hook, with the count of entries done by all; the others only poll for
 * cancelling (their loops are nested: bt_progress_begin_nested). */
typedef struct {
	probe p;                   /* this worker's copies (worker 0: the caller's) */
	const bt_check_options *opt;
	double *f;                 /* NT, shared: each worker writes its own entries */
	size_t first, stride;
	atomic_size_t *done;
	atomic_int *stop;          /* cancelled: every worker stops */
	const bt_progress *pr;     /* worker 0: the caller's loop */
	int status;                /* BT_ECANCELED, or the first forward failure */
	size_t failed_at;          /* its entry (NT when none) */
	pthread_t tid;
} fd_worker;

static void *fd_work(void *arg)
{
	fd_worker *w = arg;
	probe *p = &w->p;
	size_t N = p->N, NT = p->NT;
	bt_progress nested;
	const bt_progress *pr = w->pr;
	if (!pr) {
		bt_progress_begin_nested(&nested, "finite differences", NT);
		pr = &nested;
	}
	w->status = BT_OK;
	w->failed_at = NT;
	for (size_t i = w->first; i < NT; i += w->stride) {
		int st = bt_progress_poll(pr, atomic_load(w->done));
		if (st == BT_OK && atomic_load(w->stop))
			st = BT_ECANCELED;
		if (st != BT_OK) {
			atomic_store(w->stop, 1);
			w->status = st;
			break;
		}
		double *x = i < N ? p->pm->theta + i : p->pd->X + (i - N);
		p->status = BT_OK;
		w->f[i] = fd_entry(p, x, w->opt->step, w->opt->method);
		if (p->status != BT_OK && w->status == BT_OK) {
			w->status = p->status;
			w->failed_at = i;
		}
		atomic_fetch_add(w->done, 1);
	}
	if (pr == &nested)
		bt_progress_end(&nested);
	return NULL;
}

/* OpenBLAS's own threads inside ours would only wait for each other: one
 * thread each while the workers run (weak: absent with GSL's CBLAS). */
extern int openblas_get_num_threads(void) __attribute__((weak));
extern void openblas_set_num_threads(int) __attribute__((weak));

#define BT_CHECK_MAX_THREADS 8
/* Below this many multiply-adds (entries × evaluations × T × parameters,
 * the cost of the forward passes) a thread costs more than it saves. */
#define BT_CHECK_SERIAL_WORK 2e6

size_t bt_check_threads(const bt_model *model, const bt_data *data,
			const bt_check_options *opt)
{
	size_t NT = model->nparams + data->T * data->d, k;
	if (opt && opt->threads > 0) {
		k = opt->threads;
	} else {
		long np = sysconf(_SC_NPROCESSORS_ONLN);
		k = np < 1 ? 1 : np > BT_CHECK_MAX_THREADS ? BT_CHECK_MAX_THREADS : (size_t)np;
		int evals = !opt || (opt->method == BT_FD_CENTRAL && opt->order != 4) ? 2 : 4;
		double work = (double)NT * evals * (double)data->T * (double)model->nparams;
		if (work < BT_CHECK_SERIAL_WORK)
			k = 1;
	}
	if (k > BT_CHECK_MAX_THREADS * 8)
		k = BT_CHECK_MAX_THREADS * 8;
	return k > NT ? (NT ? NT : 1) : k;
}

/* f[i] for every entry i of the probe (NT values), with k workers. */
static int fd_entries(probe *p0, const bt_check_options *opt, size_t k,
		      double *f, const bt_progress *pr)
{
	fd_worker *w = calloc(k, sizeof *w);
	if (!w)
		return BT_ENOMEM;
	atomic_size_t done;
	atomic_int stop;
	atomic_init(&done, 0);
	atomic_init(&stop, 0);
	int st = BT_OK, blas = 0;
	size_t started = 1;
	for (size_t j = 0; j < k; j++) {
		w[j].opt = opt;
		w[j].f = f;
		w[j].first = j;
		w[j].stride = k;
		w[j].done = &done;
		w[j].stop = &stop;
	}
	/* worker 0 perturbs the check's own copies; the others get theirs
	 * here, in this thread, before any of them starts */
	w[0].p = *p0;
	w[0].pr = pr;
	for (size_t j = 1; j < k && st == BT_OK; j++)
		st = probe_open_copies(&w[j].p, p0->m0, p0->d0);
	if (st == BT_OK && k > 1 && openblas_get_num_threads && openblas_set_num_threads) {
		blas = openblas_get_num_threads();
		if (blas > 1)
			openblas_set_num_threads(1);
	}
	/* a thread that cannot be created (a limit on processes) is no
	 * failure: this thread does its share */
	for (size_t j = 1; j < k && st == BT_OK; j++) {
		if (pthread_create(&w[j].tid, NULL, fd_work, &w[j]) != 0)
			break;
		started++;
	}
	if (st == BT_OK) {
		fd_work(&w[0]);
		for (size_t j = started; j < k; j++)
			fd_work(&w[j]);
	}
	for (size_t j = 1; j < started; j++)
		pthread_join(w[j].tid, NULL);
	if (blas > 1)
		openblas_set_num_threads(blas);
	if (st == BT_OK) {
		/* cancelled first; else the lowest entry that failed */
		size_t at = p0->NT;
		for (size_t j = 0; j < k; j++)
			if (w[j].status == BT_ECANCELED)
				st = BT_ECANCELED;
		for (size_t j = 0; j < k && st == BT_OK; j++)
			if (w[j].status != BT_OK && w[j].failed_at < at)
				at = w[j].failed_at;
		for (size_t j = 0; j < k && st != BT_ECANCELED; j++)
			if (w[j].status != BT_OK && w[j].failed_at == at)
				st = w[j].status;
	}
	for (size_t j = 1; j < k; j++)
		probe_close(&w[j].p);
	free(w);
	return st;
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
	/* order 4 is the stencil (--order 4 means --method stencil4) */
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

/* What every check starts with: the options resolved into o, and the
 * data checked against the model. */
static int check_begin(const bt_model *model, const bt_data *data,
		       const bt_check_options *in, bt_check_options *o)
{
	int st = resolve(in, o);
	return st == BT_OK ? bt_data_check(model, data) : st;
}

/* The exact gradient's workspace; a copy of the model and of the data to
 * perturb; four gradient pairs: the exact one, the differences, the
 * directions v over everything and a scratch one. */
double bt_gradcheck_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	if (!type)
		return 0;
	return bt_gradient_size(type, dims, T) + bt_model_size(type, dims) +
	       bt_data_size(dims, T) + 4 * bt_gradient_buffers_size(type, dims, T);
}

int bt_gradcheck(const bt_model *model, const bt_data *data,
		 const bt_check_options *opt_in, bt_check_result *res)
{
	return bt_gradcheck_gradient(model, data, NULL, NULL, opt_in, res);
}

/* Block b of the probe's NT values, as the reports number them: the
 * model's blocks, then the inputs "X", then everything, "all". Its name
 * and shape into name (size bytes), rows, cols; returns its first entry
 * (it holds rows·cols entries from there). */
static size_t block_span(const probe *p, size_t b, char *name, size_t size,
			 size_t *rows, size_t *cols)
{
	const bt_model *model = p->m0;
	if (b < model->nblocks) {
		const bt_block *bl = &model->blocks[b];
		snprintf(name, size, "%s", bl->name);
		*rows = bl->rows;
		*cols = bl->cols;
		return bl->offset;
	}
	if (b == model->nblocks) {
		snprintf(name, size, "X");
		*rows = p->d0->T;
		*cols = p->d0->d;
		return p->N;
	}
	snprintf(name, size, "all");
	*rows = p->NT;
	*cols = 1;
	return 0;
}

/* The per-block report of f against the probe's g (both NT values). */
static void report(bt_check_result *res, const probe *p, const double *f)
{
	res->ok = 1;
	for (size_t b = 0; b <= p->m0->nblocks; b++) {
		bt_check_block *r = &res->blocks[res->nblocks++];
		size_t lo = block_span(p, b, r->name, sizeof r->name, &r->rows, &r->cols);
		compare(r, p->g + lo, f + lo, r->rows * r->cols, res->atol, res->rtol);
		res->ok &= r->ok;
	}
}

int bt_gradcheck_gradient(const bt_model *model, const bt_data *data,
			  const double *grad, const double *dX,
			  const bt_check_options *opt_in, bt_check_result *res)
{
	bt_check_options opt;
	int st = check_begin(model, data, opt_in, &opt);
	if (st != BT_OK)
		return st;
	memset(res, 0, sizeof *res);
	probe p;
	double *f = NULL;
	bt_progress pr;
	bt_progress_begin(&pr, "finite differences", model->nparams + data->T * data->d);
	if ((st = probe_open(&p, model, data, grad, dX, opt.seed)) != BT_OK)
		goto done;
	if (!(f = malloc(p.NT * sizeof(double)))) {
		st = BT_ENOMEM;
		goto done;
	}
	res->loss = p.L0;
	res->rtol = opt.rtol;
	res->atol = opt.atol >= 0 ? opt.atol : 1e-8 * fmax(1.0, fabs(res->loss));
	res->method = opt.method;
	res->step = opt.step;
	st = fd_entries(&p, &opt, bt_check_threads(model, data, &opt), f, &pr);
	/* every entry done (a forward pass may have failed: the report
	 * shows where, as the status says) */
	if (st != BT_ECANCELED && st != BT_ENOMEM)
		report(res, &p, f);
done:
	bt_progress_end(&pr);
	free(f);
	probe_close(&p);
	return st;
}

int bt_fd_gradient(const bt_model *model, const bt_data *data,
		   const bt_check_options *opt_in, double *fd, double *fdX)
{
	bt_check_options opt;
	int st = check_begin(model, data, opt_in, &opt);
	if (st != BT_OK)
		return st;
	probe p;
	size_t N = model->nparams, NX = data->T * data->d;
	double *f = malloc((N + NX) * sizeof(double));
	bt_progress pr;
	bt_progress_begin(&pr, "finite differences", N + NX);
	if (!f)
		st = BT_ENOMEM;
	else if ((st = probe_open_copies(&p, model, data)) == BT_OK) {
		st = fd_entries(&p, &opt, bt_check_threads(model, data, &opt), f, &pr);
		probe_close(&p);
	}
	if (st != BT_ECANCELED && st != BT_ENOMEM) {
		memcpy(fd, f, N * sizeof(double));
		memcpy(fdX, f + N, NX * sizeof(double));
	}
	bt_progress_end(&pr);
	free(f);
	return st;
}

/* L at θ + s·v, over the parameters and then the inputs (the probe's v). */
static double at_dir(void *ctx, double s)
{
	probe *p = ctx;
	for (size_t i = 0; i < p->N; i++)
		p->pm->theta[i] = p->m0->theta[i] + s * p->v[i];
	for (size_t i = 0; i < p->NX; i++)
		p->pd->X[i] = p->d0->X[i] + s * p->v[p->N + i];
	return eval(p);
}

int bt_gradcheck_directional(const bt_model *model, const bt_data *data,
			     const bt_check_options *opt_in,
			     bt_check_dir_result *res)
{
	bt_check_options opt;
	int st = check_begin(model, data, opt_in, &opt);
	if (st != BT_OK)
		return st;
	memset(res, 0, sizeof *res);
	size_t ndir = opt.directions < 1 ? 1 : opt.directions > 64 ? 64 : opt.directions;
	probe p;
	bt_progress pr;
	bt_progress_begin(&pr, "directions", ndir);
	if ((st = probe_open(&p, model, data, NULL, NULL, opt.seed)) != BT_OK)
		goto done;
	size_t N = p.N, NX = p.NX, NT = p.NT;
	double *g = p.g, *v = p.v;
	double atol = opt.atol >= 0 ? opt.atol : 1e-8 * fmax(1.0, fabs(p.L0));
	/* step scaled to the typical size of the entries */
	double ss = 0;
	for (size_t i = 0; i < N; i++)
		ss += model->theta[i] * model->theta[i];
	for (size_t i = 0; i < NX; i++)
		ss += data->X[i] * data->X[i];
	double h = opt.step * fmax(1.0, sqrt(ss / (double)NT));
	res->ndir = ndir;
	res->ok = 1;
	for (size_t k = 0; k < ndir; k++) {
		if ((st = bt_progress_poll(&pr, k)) != BT_OK)
			goto done;
		double nv = 0, gv = 0;
		for (size_t i = 0; i < NT; i++) {
			v[i] = gsl_ran_gaussian(p.rng, 1.0);
			nv += v[i] * v[i];
		}
		nv = sqrt(nv);
		for (size_t i = 0; i < NT; i++) {
			v[i] /= nv;
			gv += g[i] * v[i];
		}
		double f = fd_combine(opt.method, h, at_dir, &p);
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
	st = p.status;
done:
	bt_progress_end(&pr);
	probe_close(&p);
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

/* The probe's v: a random unit vector on the entries [lo, hi), zero
 * elsewhere. Returns gᵀv. */
static double random_direction(probe *p, size_t lo, size_t hi)
{
	double *v = p->v, nv = 0, gv = 0;
	memset(v, 0, p->NT * sizeof(double));
	for (size_t i = lo; i < hi; i++) {
		v[i] = gsl_ran_gaussian(p->rng, 1.0);
		nv += v[i] * v[i];
	}
	nv = sqrt(nv);
	for (size_t i = lo; i < hi; i++)
		v[i] /= nv;
	for (size_t i = lo; i < hi; i++)
		gv += p->g[i] * v[i];
	return gv;
}

/* The steps: h (nh of them), or the default ones into hd when h is NULL;
 * BT_EINVAL unless there are 1 to BT_TAYLOR_MAX_H, each positive and
 * finite. */
static int taylor_steps(const double **h, size_t *nh, double *hd)
{
	if (!*h) {
		*nh = bt_taylor_default_steps(hd);
		*h = hd;
	}
	if (*nh < 1 || *nh > BT_TAYLOR_MAX_H)
		return BT_EINVAL;
	for (size_t i = 0; i < *nh; i++)
		if (!((*h)[i] > 0) || !isfinite((*h)[i]))
			return BT_EINVAL;
	return BT_OK;
}

/* r(h) = (|L(θ+hv) − L(θ) − h gᵀv| + |L(θ−hv) − L(θ) + h gᵀv|) / 2 along
 * the probe's v, NAN when a forward pass fails; *trusted when it is
 * finite and above round-off (TAYLOR_FLOOR). */
static double taylor_remainder(probe *p, double h, double gv, int *trusted)
{
	/* both sides: one side alone can cross zero where its h² and h³
	 * terms cancel */
	double L0 = p->L0;
	p->status = BT_OK;
	double Lp = at_dir(p, h), Lm = at_dir(p, -h);
	double rem = 0.5 * (fabs(Lp - L0 - h * gv) + fabs(Lm - L0 + h * gv));
	*trusted = p->status == BT_OK && isfinite(rem) &&
		   rem > TAYLOR_FLOOR * (fabs(L0) + 0.5 * (fabs(Lp) + fabs(Lm)));
	return p->status == BT_OK ? rem : NAN;
}

/* One block's test: a random unit v on the entries [lo, lo + rows·cols)
 * of the probe, r(h) at every step, and the slope of log10 r over log10 h
 * (lh) fitted on the trusted points of the window. done: the progress
 * count before this block. */
static int taylor_block(probe *p, bt_taylor_block *r, size_t lo,
			const double *h, const double *lh, size_t nh,
			const bt_progress *pr, size_t done)
{
	double gv = random_direction(p, lo, lo + r->rows * r->cols);
	double lr[BT_TAYLOR_MAX_H];
	r->gv = gv;
	for (size_t i = 0; i < nh; i++) {
		int st = bt_progress_poll(pr, done + i);
		if (st != BT_OK)
			return st;
		r->rem[i] = taylor_remainder(p, h[i], gv, &r->used[i]);
		lr[i] = r->used[i] ? log10(r->rem[i]) : 0;
	}
	fit_window(h, r->used, nh);
	for (size_t i = 0; i < nh; i++)
		r->nused += (size_t)r->used[i];
	r->slope = fit_slope(lh, lr, r->used, nh);
	r->ok = r->slope >= BT_TAYLOR_PASS;   /* NaN: not ok */
	return BT_OK;
}

int bt_gradcheck_taylor(const bt_model *model, const bt_data *data,
			const double *grad, const double *dX,
			const bt_check_options *opt_in, const double *h, size_t nh,
			bt_taylor_result *res)
{
	bt_check_options opt;
	double hd[BT_TAYLOR_MAX_H];
	int st = check_begin(model, data, opt_in, &opt);
	if (st == BT_OK)
		st = taylor_steps(&h, &nh, hd);
	if (st != BT_OK)
		return st;
	memset(res, 0, sizeof *res);
	probe p;
	bt_progress pr;
	bt_progress_begin(&pr, "Taylor remainders", 0);
	if ((st = probe_open(&p, model, data, grad, dX, opt.seed)) != BT_OK)
		goto done;
	res->nh = nh;
	memcpy(res->h, h, nh * sizeof(double));
	res->loss = p.L0;
	res->floor_rel = TAYLOR_FLOOR;
	res->ok = 1;
	pr.total = (model->nblocks + 2) * nh;
	double lh[BT_TAYLOR_MAX_H];
	for (size_t i = 0; i < nh; i++)
		lh[i] = log10(h[i]);
	/* the model's blocks, X, then all */
	for (size_t b = 0; b <= model->nblocks + 1; b++) {
		bt_taylor_block *r = &res->blocks[res->nblocks++];
		size_t lo = block_span(&p, b, r->name, sizeof r->name, &r->rows, &r->cols);
		if ((st = taylor_block(&p, r, lo, h, lh, nh, &pr, b * nh)) != BT_OK)
			goto done;
		res->ok &= r->ok;
	}
done:
	bt_progress_end(&pr);
	probe_close(&p);
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
	int st = check_begin(model, data, opt_in, &opt);
	if (st != BT_OK)
		return st;
	for (size_t i = 0; i < res->nh; i++)
		if (!(res->h[i] > 0) || !isfinite(res->h[i]))
			return BT_EINVAL;
	probe p;
	bt_progress pr;
	bt_progress_begin(&pr, "steps h", 0);
	if ((st = probe_open(&p, model, data, NULL, NULL, opt.seed)) != BT_OK)
		goto done;
	double L0 = p.L0, gv = random_direction(&p, 0, p.NT);
	res->exact = gv;
	res->loss = L0;
	pr.total = res->nh;
	for (size_t i = 0; i < res->nh; i++) {
		if ((st = bt_progress_poll(&pr, i)) != BT_OK)
			goto done;
		double h = res->h[i];
		res->central[i] = rel_err(fd_combine(BT_FD_CENTRAL, h, at_dir, &p), gv);
		res->richardson[i] = rel_err(fd_combine(BT_FD_RICHARDSON, h, at_dir, &p), gv);
		res->stencil4[i] = rel_err(fd_combine(BT_FD_STENCIL4, h, at_dir, &p), gv);
		res->taylor[i] = 0.5 * (fabs(at_dir(&p, h) - L0 - h * gv) +
					fabs(at_dir(&p, -h) - L0 + h * gv));
	}
	st = p.status;
done:
	bt_progress_end(&pr);
	probe_close(&p);
	return st;
}
