/* SPDX-License-Identifier: GPL-3.0-or-later */
/* train.c — optimizers (SGD with momentum, Adam) as type records, and the
 * training loop bt_train: fresh seeded minibatches, a gradient estimator,
 * clipping, one update per minibatch, a held-out evaluation, a callback,
 * cancelling between and inside steps. The equations are in bt.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "base/progress.h"
#include "bt.h"
#include "core/readout.h"

/* ---- optimizers ------------------------------------------------------------ */

struct bt_optimizer_type {
	const char *name;
	size_t moments;   /* state vectors of N values */
	int (*check)(const bt_optimizer_options *o);
	/* one step; t already counts this one (t ≥ 1) */
	void (*step)(const bt_optimizer_options *o, double *state, size_t N,
		     unsigned long t, double *theta, const double *g);
};

struct bt_optimizer {
	const bt_optimizer_type *type;
	bt_optimizer_options opt;
	size_t N;
	unsigned long t;
	double *state;    /* moments × N */
};

static int sgd_check(const bt_optimizer_options *o)
{
	return o->lr > 0 && isfinite(o->lr) && o->momentum >= 0 && o->momentum < 1
		       ? BT_OK : BT_EINVAL;
}

/* v ← μ v + g;  θ ← θ − η v,  or with Nesterov θ ← θ − η (g + μ v) */
static void sgd_step(const bt_optimizer_options *o, double *v, size_t N,
		     unsigned long t, double *theta, const double *g)
{
	(void)t;
	double mu = o->momentum, lr = o->lr;
	for (size_t i = 0; i < N; i++) {
		v[i] = mu * v[i] + g[i];
		theta[i] -= lr * (o->nesterov ? g[i] + mu * v[i] : v[i]);
	}
}

static int adam_check(const bt_optimizer_options *o)
{
	return o->lr > 0 && isfinite(o->lr) && o->beta1 >= 0 && o->beta1 < 1 &&
			       o->beta2 >= 0 && o->beta2 < 1 && o->eps > 0 &&
			       isfinite(o->eps)
		       ? BT_OK : BT_EINVAL;
}

/* m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²;
 * θ ← θ − η m̂/(√v̂ + ε),  m̂ = m/(1 − β₁ᵗ),  v̂ = v/(1 − β₂ᵗ) */
static void adam_step(const bt_optimizer_options *o, double *state, size_t N,
		      unsigned long t, double *theta, const double *g)
{
	double *m = state, *v = state + N;
	double b1 = o->beta1, b2 = o->beta2;
	double c1 = 1 - pow(b1, (double)t), c2 = 1 - pow(b2, (double)t);
	for (size_t i = 0; i < N; i++) {
		m[i] = b1 * m[i] + (1 - b1) * g[i];
		v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
		double mh = m[i] / c1, vh = v[i] / c2;
		theta[i] -= o->lr * mh / (sqrt(vh) + o->eps);
	}
}

static const bt_optimizer_type sgd_type = {"sgd", 1, sgd_check, sgd_step};
static const bt_optimizer_type adam_type = {"adam", 2, adam_check, adam_step};
const bt_optimizer_type *const bt_optimizer_sgd = &sgd_type;
const bt_optimizer_type *const bt_optimizer_adam = &adam_type;

const bt_optimizer_type *bt_optimizer_lookup(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "sgd"))
		return bt_optimizer_sgd;
	if (!strcmp(name, "adam"))
		return bt_optimizer_adam;
	return NULL;
}

const char *bt_optimizer_name(const bt_optimizer_type *type)
{
	return type ? type->name : NULL;
}

void bt_optimizer_options_default(bt_optimizer_options *o,
				  const bt_optimizer_type *type)
{
	memset(o, 0, sizeof *o);
	o->lr = type == bt_optimizer_adam ? 1e-3 : 0.01;
	o->momentum = 0;
	o->nesterov = 0;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->eps = 1e-8;
}

int bt_optimizer_alloc(bt_optimizer **out, const bt_optimizer_type *type,
		       size_t N, const bt_optimizer_options *opt)
{
	*out = NULL;
	if (!type || !opt || N < 1 || type->check(opt) != BT_OK)
		return BT_EINVAL;
	bt_optimizer *o = calloc(1, sizeof *o);
	if (!o)
		return BT_ENOMEM;
	o->state = calloc(type->moments * N, sizeof(double));
	if (!o->state) {
		free(o);
		return BT_ENOMEM;
	}
	o->type = type;
	o->opt = *opt;
	o->N = N;
	*out = o;
	return BT_OK;
}

void bt_optimizer_free(bt_optimizer *o)
{
	if (!o)
		return;
	free(o->state);
	free(o);
}

void bt_optimizer_reset(bt_optimizer *o)
{
	if (!o)
		return;
	o->t = 0;
	memset(o->state, 0, o->type->moments * o->N * sizeof(double));
}

int bt_optimizer_step(bt_optimizer *o, double *theta, const double *g)
{
	if (!o || !theta || !g)
		return BT_EINVAL;
	for (size_t i = 0; i < o->N; i++)
		if (!isfinite(g[i]))
			return BT_ENUMERIC;
	o->t++;
	o->type->step(&o->opt, o->state, o->N, o->t, theta, g);
	return BT_OK;
}

/* ---- the training loop -------------------------------------------------------- */

void bt_train_options_default(bt_train_options *o)
{
	memset(o, 0, sizeof *o);
	bt_task_options_default(&o->task);
	o->batch = 32;
	o->steps = 1000;
	o->optimizer = bt_optimizer_adam;
	bt_optimizer_options_default(&o->opt, bt_optimizer_adam);
	o->clip = BT_CLIP_NONE;
	o->estimator.kind = BT_EST_FULL;
	o->seed = 1;
	o->eval_every = 0;
	o->eval_size = 256;
	o->target_mse = 0;
}

static double counted_steps(const bt_data *D)
{
	if (!D->M)
		return (double)D->T;
	double c = 0;
	for (size_t t = 0; t < D->T; t++)
		c += D->M[t];
	return c;
}

typedef struct {
	size_t B, E, P;
	bt_data **batch;       /* B sequences (the task's), refilled every step */
	bt_data **eval;        /* E held-out sequences */
	const bt_data **cur;   /* the minibatch of this step */
	gsl_rng *rng;
	bt_batch *bw;          /* full BPTT */
	bt_seq *seq;           /* other estimators and evaluation */
	double *g, *gb;
	bt_optimizer *opt;
} train_ws;

static void ws_free(train_ws *w)
{
	if (w->batch)
		for (size_t b = 0; b < w->B; b++)
			bt_data_free(w->batch[b]);
	if (w->eval)
		for (size_t i = 0; i < w->E; i++)
			bt_data_free(w->eval[i]);
	free(w->batch);
	free(w->eval);
	free(w->cur);
	gsl_rng_free(w->rng);
	bt_batch_free(w->bw);
	bt_seq_free(w->seq);
	free(w->g);
	free(w->gb);
	bt_optimizer_free(w->opt);
}

/* Held-out loss per counted step over n sequences (bt_loss_per_step: the
 * MSE ‖ŷ − y‖², or the cross-entropy in nats). */
static int evaluate(train_ws *w, const bt_model *model, const bt_data *const *set,
		    size_t n, double *mse)
{
	double sq = 0, count = 0;
	for (size_t i = 0; i < n; i++) {
		double L;
		int st = bt_seq_forward(w->seq, model, set[i], &L);
		if (st != BT_OK)
			return st;
		sq += L;
		count += counted_steps(set[i]);
	}
	*mse = bt_loss_per_step(model->loss, sq, count);
	return BT_OK;
}

static int check_options(const bt_model *model, const bt_train_options *o)
{
	if (!model || !o || o->batch < 1 || o->steps < 1 || !o->optimizer ||
	    o->optimizer->check(&o->opt) != BT_OK ||
	    bt_estimator_check(&o->estimator) != BT_OK ||
	    !(o->target_mse >= 0) || !isfinite(o->target_mse) ||
	    (o->orthogonality != 0 &&
	     bt_penalty_orthogonal(model, o->orthogonality, NULL, NULL) == BT_EINVAL))
		return BT_EINVAL;
	if (o->clip != BT_CLIP_NONE &&
	    ((o->clip != BT_CLIP_NORM && o->clip != BT_CLIP_VALUE) ||
	     !(o->clip_threshold > 0) || !isfinite(o->clip_threshold)))
		return BT_EINVAL;
	if (o->data) {
		if (o->ndata < 1)
			return BT_EINVAL;
		for (size_t i = 0; i < o->ndata; i++)
			if (!o->data[i] || bt_data_check(model, o->data[i]) != BT_OK)
				return BT_EINVAL;
	} else {
		size_t T, d, m;
		if (o->eval_size < 1 || bt_task_shape(&o->task, &T, &d, &m) != BT_OK ||
		    d != model->dims.d || m != model->dims.m)
			return BT_EINVAL;
	}
	return BT_OK;
}

static int ws_alloc(train_ws *w, const bt_model *model, const bt_train_options *o,
		    double *baseline)
{
	memset(w, 0, sizeof *w);
	w->B = o->batch;
	w->P = model->nparams;
	size_t T = 0, d = 0, m = 0;
	int st = BT_OK;
	*baseline = NAN;
	if (o->data) {
		for (size_t i = 0; i < o->ndata; i++)
			if (o->data[i]->T > T)
				T = o->data[i]->T;
	} else {
		bt_task_shape(&o->task, &T, &d, &m);
		w->E = o->eval_size;
	}
	w->cur = calloc(w->B, sizeof *w->cur);
	w->g = calloc(w->P, sizeof(double));
	w->gb = calloc(w->P, sizeof(double));
	w->rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!w->cur || !w->g || !w->gb || !w->rng)
		return BT_ENOMEM;
	if ((st = bt_optimizer_alloc(&w->opt, o->optimizer, w->P, &o->opt)) != BT_OK ||
	    (st = bt_seq_alloc(&w->seq, model, T)) != BT_OK)
		return st;
	if (o->estimator.kind == BT_EST_FULL &&
	    (st = bt_batch_alloc(&w->bw, model, w->B, T)) != BT_OK)
		return st;
	if (o->data)
		return BT_OK;
	w->batch = calloc(w->B, sizeof *w->batch);
	w->eval = calloc(w->E, sizeof *w->eval);
	if (!w->batch || !w->eval)
		return BT_ENOMEM;
	for (size_t b = 0; b < w->B; b++)
		if ((st = bt_data_alloc(&w->batch[b], T, d, m, 1)) != BT_OK)
			return st;
	bt_task_options to = o->task;
	bt_task_info info;
	for (size_t i = 0; i < w->E; i++) {
		if ((st = bt_data_alloc(&w->eval[i], T, d, m, 1)) != BT_OK)
			return st;
		to.seed = bt_seed_stream(o->seed, BT_STREAM_EVAL, i, 0);
		if ((st = bt_task_fill(w->eval[i], &to, w->rng, &info)) != BT_OK)
			return st;
	}
	/* in the units training reports (bt_loss_per_step) */
	*baseline = model->loss == BT_LOSS_CROSS_ENTROPY ? info.baseline_ce
							  : info.baseline_mse;
	return BT_OK;
}

/* One step's gradient: the minibatch mean into w->g, the mean loss and the
 * MSE per counted step into r. */
static int minibatch_gradient(train_ws *w, const bt_model *model,
			      const bt_train_options *o, size_t step,
			      bt_train_report *r)
{
	size_t B = w->B;
	int st;
	double total = 0, count = 0;
	if (o->data) {
		for (size_t b = 0; b < B; b++)
			w->cur[b] = o->data[((step - 1) * B + b) % o->ndata];
	} else {
		bt_task_options to = o->task;
		for (size_t b = 0; b < B; b++) {
			to.seed = bt_seed_stream(o->seed, BT_STREAM_BATCH, step, b);
			if ((st = bt_task_fill(w->batch[b], &to, w->rng, NULL)) != BT_OK)
				return st;
			w->cur[b] = w->batch[b];
		}
	}
	for (size_t b = 0; b < B; b++)
		count += counted_steps(w->cur[b]);
	if (o->estimator.kind == BT_EST_FULL) {
		st = bt_batch_gradient(w->bw, model, w->cur, B, &total, w->g, NULL);
		if (st != BT_OK)
			return st;
	} else {
		memset(w->g, 0, w->P * sizeof(double));
		for (size_t b = 0; b < B; b++) {
			double L;
			if ((st = bt_seq_forward(w->seq, model, w->cur[b], &L)) != BT_OK)
				return st;
			gsl_rng_set(w->rng, bt_seed_stream(o->seed, BT_STREAM_CUTS, step, b));
			st = bt_seq_backward_estimate(w->seq, model, w->cur[b],
						      &o->estimator, w->rng, w->g, NULL);
			if (st != BT_OK)
				return st;
			total += L;
		}
	}
	double inv = 1.0 / (double)B;
	for (size_t i = 0; i < w->P; i++) {
		w->g[i] *= inv;
		if (!isfinite(w->g[i]))
			return BT_ENUMERIC;
	}
	if (!isfinite(total))
		return BT_ENUMERIC;
	if (o->orthogonality > 0 &&
	    (st = bt_penalty_orthogonal(model, o->orthogonality, w->g, NULL)) != BT_OK)
		return st;
	r->loss = total * inv;
	r->mse = bt_loss_per_step(model->loss, total, count);
	return BT_OK;
}

/* One update from the step's gradient w->g: clipped as asked (into w->gb),
 * its norm before clipping into r, then one optimizer step on θ. */
static int update(train_ws *w, bt_model *model, const bt_train_options *o,
		  bt_train_report *r)
{
	int st = BT_OK;
	bt_clip_result cr;
	if (o->clip == BT_CLIP_NORM)
		st = bt_clip_norm(w->g, w->P, o->clip_threshold, w->gb, &cr);
	else if (o->clip == BT_CLIP_VALUE)
		st = bt_clip_value(w->g, w->P, o->clip_threshold, w->gb, &cr);
	if (st != BT_OK)
		return st;
	if (o->clip != BT_CLIP_NONE) {
		r->grad_norm = cr.norm_before;
		r->clipped = cr.changed > 0;
	} else {
		r->grad_norm = bt_vector_norm(w->g, w->P);
	}
	if (!isfinite(r->grad_norm))
		return BT_ENUMERIC;
	return bt_optimizer_step(w->opt, model->theta,
				 o->clip != BT_CLIP_NONE ? w->gb : w->g);
}

/* The held-out MSE after step s when it is due (every eval_every steps and
 * after the last), into r and res. */
static int evaluate_due(train_ws *w, const bt_model *model,
			const bt_train_options *o, size_t s, bt_train_report *r,
			bt_train_result *res)
{
	if (!((o->eval_every && s % o->eval_every == 0) || s == o->steps))
		return BT_OK;
	const bt_data *const *set = o->data ? o->data : (const bt_data *const *)w->eval;
	size_t n = o->data ? o->ndata : w->E;
	int st = evaluate(w, model, set, n, &r->eval_mse);
	if (st != BT_OK) {
		/* the step itself is done (θ updated): report it, without its
		 * evaluation, so that the curve and the model agree on how
		 * many steps were made */
		if (st == BT_ECANCELED && o->callback) {
			r->eval_mse = NAN;
			o->callback(o->ctx, r);
		}
		return st;
	}
	res->eval_mse = r->eval_mse;
	res->eval_step = s;
	return BT_OK;
}

/* The minibatch's B data sets; the batched workspace for B sequences and
 * one more workspace for the other estimators and the evaluation; the
 * gradient, its clipped copy, the batch's own, the optimiser's two moments
 * and one more (six parameter-sized buffers). */
double bt_train_size(const bt_cell_type *type, bt_dims dims, size_t T, size_t B)
{
	if (!type)
		return 0;
	double b = B ? (double)B : 1;
	return b * bt_data_size(dims, T) + bt_batch_size(type, dims, B ? B : 1, T) +
	       bt_seq_size(type, dims, T) + 8 * 6 * bt_cell_param_count(type, dims);
}

int bt_train(bt_model *model, const bt_train_options *o, bt_train_result *res)
{
	bt_train_result scratch;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof *res);
	res->eval_mse = NAN;
	res->baseline_mse = NAN;
	int st = check_options(model, o);
	if (st != BT_OK)
		return st;
	train_ws w;
	st = ws_alloc(&w, model, o, &res->baseline_mse);
	if (st != BT_OK) {
		ws_free(&w);
		return st;
	}
	bt_progress pr;
	bt_progress_begin(&pr, "training steps", o->steps);
	for (size_t s = 1; s <= o->steps; s++) {
		if ((st = bt_progress_poll(&pr, s - 1)) != BT_OK)
			break;
		bt_train_report r;
		memset(&r, 0, sizeof r);
		r.step = s;
		r.eval_mse = NAN;
		if ((st = minibatch_gradient(&w, model, o, s, &r)) != BT_OK ||
		    (st = update(&w, model, o, &r)) != BT_OK)
			break;
		res->steps = s;
		res->examples += w.B;
		r.examples = res->examples;
		if ((st = evaluate_due(&w, model, o, s, &r, res)) != BT_OK)
			break;
		if (o->callback && o->callback(o->ctx, &r)) {
			st = BT_ECANCELED;
			break;
		}
		if (o->target_mse > 0 && r.eval_mse < o->target_mse) {
			res->reached_target = 1;
			break;
		}
	}
	bt_progress_end(&pr);
	ws_free(&w);
	return st;
}
