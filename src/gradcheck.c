/* gradcheck.c — the finite-difference checker. Its result is data: per
 * parameter block (and for the inputs X) the largest absolute and relative
 * disagreement between the exact BPTT gradient and finite differences of
 * the loss, where it occurs, and a verdict.
 *
 *   order 2:  f_i = (L(θ + h e_i) − L(θ − h e_i)) / 2h,          error O(h²)
 *   order 4:  f_i = (−L(+2h) + 8L(+h) − 8L(−h) + L(−2h)) / 12h,  error O(h⁴)
 *
 * with h = step · max(1, |θ_i|), rounded so that θ_i ± h is exact. An entry
 * agrees when |g_i − f_i| ≤ atol + rtol · max(|g_i|, |f_i|). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "seq_internal.h"

void bt_check_options_default(bt_check_options *opt)
{
	opt->rtol = 1e-6;
	opt->atol = -1;      /* 1e-8 · max(1, |L|) */
	opt->step = 0;       /* ε^{1/3} for order 2, ε^{1/5} for order 4 */
	opt->order = 2;
	opt->directions = 4;
	opt->seed = BT_DEFAULT_SEED;
}

static double default_step(int order)
{
	return order == 4 ? pow(DBL_EPSILON, 0.2) : cbrt(DBL_EPSILON);
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

/* Finite difference of the loss along one coordinate *p. */
static double fd_entry(loss_ctx *c, double *p, double step, int order)
{
	double x0 = *p;
	volatile double xp = x0 + step * fmax(1.0, fabs(x0));
	double h = xp - x0;
	double f;
	*p = x0 + h;
	double Lp = eval(c);
	*p = x0 - h;
	double Lm = eval(c);
	if (order == 4) {
		*p = x0 + 2 * h;
		double Lpp = eval(c);
		*p = x0 - 2 * h;
		double Lmm = eval(c);
		f = (-Lpp + 8 * Lp - 8 * Lm + Lmm) / (12 * h);
	} else {
		f = (Lp - Lm) / (2 * h);
	}
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
	if (o->step == 0)
		o->step = default_step(o->order);
	if (!(o->step > 0) || !(o->rtol >= 0) || isnan(o->atol))
		return BT_EINVAL;
	return BT_OK;
}

int bt_gradcheck(const bt_model *model, const bt_data *data,
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
	if (!g || !gX || !f) {
		st = BT_ENOMEM;
		goto done;
	}
	if ((st = bt_gradient(model, data, 0, &res->loss, g, gX)) != BT_OK ||
	    (st = bt_model_copy(&pm, model)) != BT_OK ||
	    (st = bt_data_copy(&pd, data)) != BT_OK ||
	    (st = bt_seq_alloc(&seq, model, data->T)) != BT_OK)
		goto done;
	res->rtol = opt.rtol;
	res->atol = opt.atol >= 0 ? opt.atol : 1e-8 * fmax(1.0, fabs(res->loss));
	loss_ctx c = {seq, pm, pd, BT_OK};
	res->ok = 1;
	for (size_t b = 0; b < model->nblocks; b++) {
		const bt_block *bl = &model->blocks[b];
		size_t cnt = bl->rows * bl->cols;
		for (size_t i = 0; i < cnt; i++)
			f[i] = fd_entry(&c, pm->theta + bl->offset + i, opt.step,
					opt.order);
		bt_check_block *r = &res->blocks[res->nblocks++];
		snprintf(r->name, sizeof r->name, "%s", bl->name);
		r->rows = bl->rows;
		r->cols = bl->cols;
		compare(r, g + bl->offset, f, cnt, res->atol, res->rtol);
		res->ok &= r->ok;
	}
	for (size_t i = 0; i < NX; i++)
		f[i] = fd_entry(&c, pd->X + i, opt.step, opt.order);
	bt_check_block *r = &res->blocks[res->nblocks++];
	snprintf(r->name, sizeof r->name, "X");
	r->rows = data->T;
	r->cols = data->d;
	compare(r, gX, f, NX, res->atol, res->rtol);
	res->ok &= r->ok;
	st = c.status;
done:
	free(g);
	free(gX);
	free(f);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
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
		double Ls[4], hs[4] = {h, -h, 2 * h, -2 * h};
		int np = opt.order == 4 ? 4 : 2;
		for (int s = 0; s < np; s++) {
			for (size_t i = 0; i < N; i++)
				pm->theta[i] = model->theta[i] + hs[s] * v[i];
			for (size_t i = 0; i < NX; i++)
				pd->X[i] = data->X[i] + hs[s] * v[N + i];
			Ls[s] = eval(&c);
		}
		double f = np == 4 ? (-Ls[2] + 8 * Ls[0] - 8 * Ls[1] + Ls[3]) / (12 * h)
				   : (Ls[0] - Ls[1]) / (2 * h);
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
	free(g);
	free(v);
	gsl_rng_free(rng);
	bt_model_free(pm);
	bt_data_free(pd);
	bt_seq_free(seq);
	return st;
}
