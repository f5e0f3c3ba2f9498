/* SPDX-License-Identifier: GPL-3.0-or-later */
/* estimate.c — gradient estimators for training: Williams & Peng's
 * TBPTT(k1, k2) and Tallec & Ollivier's randomized, reweighted truncation
 * (ARTBP), beside full BPTT (seq.c) and the spec's sliding window
 * (tbptt.c). All of them run after one bt_seq_forward with the parameters
 * fixed, and add into grad and dX like the other backward passes.
 *
 * TBPTT(k1, k2) (Williams & Peng 1990): the sequence is run in segments of
 * k1 steps, [1..k1], [k1+1..2k1], … (the last one may be shorter). At the
 * end t_e of each segment the loss terms of that segment are backpropagated
 * through the last k2 states s_{t_e}, …, s_{t_e−k2+1} only; s_{t_e−k2} and
 * everything before it are constants. One backward sweep per segment:
 *
 *     δs_u = [u in the segment] ∂ℓ_u/∂s_u + J_{u+1}ᵀ δs_{u+1},
 *            u = t_e, t_e − 1, …, max(1, t_e − k2 + 1)
 *
 * When k2 < k1, a loss term of the segment older than the window (u ≤
 * t_e − k2) depends on θ only through its readout, since its state is a
 * constant: it adds its readout's gradient (∂ℓ_u/∂V, ∂ℓ_u/∂b_y, and
 * attention's direct paths) and nothing flows into the recurrence. k1 = 1,
 * k2 = k is the sliding window; k1 = k2 ≥ T is full BPTT; k1 = k2 = k is
 * chunked truncation when k divides T (a last, shorter segment still looks
 * back k2 states, where chunking stops at the chunk's start).
 * Cost O((T/k1)·k2·step).
 *
 * ARTBP (Tallec & Ollivier 2017, "Unbiasing truncated backpropagation
 * through time"): one full backward sweep in which, independently at every
 * step boundary s_{t−1} ← s_t (t = T, …, 2, and the boundary to s_0), the
 * backward pass is cut with probability c. Where it is cut, the carry
 * J_tᵀ δs_t is dropped (a truncation point, as in chunked truncation at
 * random places, mean chunk length 1/c); where it is not, the carry is
 * divided by 1 − c, the probability of not cutting there:
 *
 *     δs_{t−1} = ∂ℓ_{t−1}/∂s_{t−1} + z_t/(1 − c) · J_tᵀ δs_t,
 *     z_t ~ Bernoulli(1 − c) i.i.d.
 *
 * A loss term ℓ_t reaches s_{t−τ} with weight Π z/(1 − c) over τ
 * independent boundaries, whose expectation is 1, and every gradient is
 * linear in these weights: so E[ĝ] = ∂L/∂θ exactly (unbiased), at the cost
 * of variance. Without the division (reweight = 0) it is plain randomized
 * truncation, biased towards short lags like any truncation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include "base/progress.h"
#include "core/seq_internal.h"

int bt_seq_backward_tbptt(bt_seq *q, const bt_model *model, const bt_data *data,
			  size_t k1, size_t k2, double *grad, double *dX)
{
	if (k1 < 1 || k2 < 1 || bt_seq_check_backward(q, model, data) != BT_OK)
		return BT_EINVAL;
	return bt_seq_tbptt_pass(q, model, data, k1, k2, grad, dX);
}

/* Segment by segment: δs_u = [u in the segment] ∂ℓ_u/∂s_u + J_{u+1}ᵀ δs_{u+1}
 * over the window, then the older terms' readouts alone. */
int bt_seq_tbptt_pass(bt_seq *q, const bt_model *model, const bt_data *data,
		      size_t k1, size_t k2, double *grad, double *dX)
{
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t T = q->T, S = q->S;
	double *cur = q->buf, *prev = q->buf + S;
	double *gtmp;
	if (bt_seq_backward_open(q, model, &grad, &gtmp) != BT_OK)
		return BT_ENOMEM;
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, "segments of the TBPTT backward pass", (T + k1 - 1) / k1);
	for (size_t t0 = 1, seg = 0; t0 <= T; t0 += k1, seg++) {
		if ((st = bt_progress_poll(&pr, seg)) != BT_OK)
			break;
		size_t te = t0 + k1 - 1 < T ? t0 + k1 - 1 : T;   /* the segment t0..te */
		size_t lo = te >= k2 ? te - k2 + 1 : 1;          /* the window lo..te */
		memset(cur, 0, S * sizeof(double));
		for (size_t u = te; u >= lo; u--) {
			/* δs_u: the carry from u+1, plus ℓ_u's own if u is in the segment */
			if (u >= t0)
				bt_seq_readout_backward(q, model, data, u, grad, cur, dX);
			double *acc = q->dstates + u * S;
			for (size_t i = 0; i < S; i++)
				acc[i] += cur[i];
			int last = u == lo;   /* s_{u-1} is a constant */
			if (!last)
				memset(prev, 0, S * sizeof(double));
			ty->backward(&q->step, q->states + (u - 1) * S,
				     data->X + (u - 1) * dm->d, q->states + u * S,
				     q->cache + (u - 1) * q->C, cur, last ? NULL : prev,
				     dX ? dX + (u - 1) * dm->d : NULL, grad);
			double *tmp = cur;
			cur = prev;
			prev = tmp;
		}
		/* terms of the segment older than the window: the readout only */
		for (size_t u = t0; u < lo; u++) {
			memset(cur, 0, S * sizeof(double));
			bt_seq_readout_backward(q, model, data, u, grad, cur, dX);
		}
	}
	bt_progress_end(&pr);
	if (st == BT_OK)
		bt_seq_backward_end(q, model, grad);
	free(gtmp);
	return st;
}

int bt_seq_backward_artbp(bt_seq *q, const bt_model *model, const bt_data *data,
			  double c, int reweight, gsl_rng *rng, double *grad,
			  double *dX)
{
	if (!rng || !(c >= 0 && c < 1) ||
	    bt_seq_check_backward(q, model, data) != BT_OK)
		return BT_EINVAL;
	return bt_seq_artbp_pass(q, model, data, c, reweight, rng, grad, dX);
}

/* δs_{t−1} = ∂ℓ_{t−1}/∂s_{t−1} + z_t/(1 − c) · J_tᵀ δs_t, z_t ~ Bernoulli(1 − c)
 * (without reweighting: z_t · J_tᵀ δs_t) */
int bt_seq_artbp_pass(bt_seq *q, const bt_model *model, const bt_data *data,
		      double c, int reweight, gsl_rng *rng, double *grad,
		      double *dX)
{
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t T = q->T, S = q->S;
	double w = reweight ? 1.0 / (1.0 - c) : 1.0;
	double *gtmp;
	if (bt_seq_backward_open(q, model, &grad, &gtmp) != BT_OK)
		return BT_ENOMEM;
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, "steps of the ARTBP backward pass", T);
	for (size_t t = T; t >= 1; t--) {
		if ((st = bt_progress_poll(&pr, T - t)) != BT_OK)
			break;
		double *ds = q->dstates + t * S;
		bt_seq_readout_backward(q, model, data, t, grad, ds, dX);
		/* one draw per boundary, in this order, whatever c is */
		int cut = gsl_rng_uniform(rng) < c;
		ty->backward(&q->step, q->states + (t - 1) * S,
			     data->X + (t - 1) * dm->d, q->states + t * S,
			     q->cache + (t - 1) * q->C, ds, cut ? NULL : ds - S,
			     dX ? dX + (t - 1) * dm->d : NULL, grad);
		/* the carry alone is in row t−1 now (ℓ_{t−1}'s own part comes
		 * next): divide it by the probability of not cutting */
		if (!cut && w != 1.0)
			for (size_t i = 0; i < S; i++)
				ds[(ptrdiff_t)i - (ptrdiff_t)S] *= w;
	}
	bt_progress_end(&pr);
	if (st == BT_OK)
		bt_seq_backward_end(q, model, grad);
	free(gtmp);
	return st;
}

int bt_estimator_check(const bt_estimator *est)
{
	if (!est)
		return BT_EINVAL;
	switch (est->kind) {
	case BT_EST_FULL:
		return BT_OK;
	case BT_EST_WINDOW:
		return est->k >= 1 ? BT_OK : BT_EINVAL;
	case BT_EST_TBPTT:
		return est->k1 >= 1 && est->k2 >= 1 ? BT_OK : BT_EINVAL;
	case BT_EST_ARTBP:
		return est->c >= 0 && est->c < 1 ? BT_OK : BT_EINVAL;
	default:
		return BT_EINVAL;
	}
}

int bt_seq_backward_estimate(bt_seq *q, const bt_model *model,
			     const bt_data *data, const bt_estimator *est,
			     gsl_rng *rng, double *grad, double *dX)
{
	int st = bt_estimator_check(est);
	if (st != BT_OK)
		return st;
	if ((est->kind == BT_EST_ARTBP && !rng) ||
	    bt_seq_check_backward(q, model, data) != BT_OK)
		return BT_EINVAL;
	return bt_seq_estimate_pass(q, model, data, est, rng, grad, dX);
}

/* The backward pass the estimator names. */
int bt_seq_estimate_pass(bt_seq *q, const bt_model *model,
			 const bt_data *data, const bt_estimator *est,
			 gsl_rng *rng, double *grad, double *dX)
{
	switch (est->kind) {
	case BT_EST_FULL:
		return bt_seq_backward_sweep(q, model, data, 0, grad, dX, NULL,
					     BT_SWEEP_FULL);
	case BT_EST_WINDOW:
		return bt_seq_truncated_pass(q, model, data, est->k, grad, dX, NULL);
	case BT_EST_TBPTT:
		return bt_seq_tbptt_pass(q, model, data, est->k1, est->k2, grad, dX);
	default:
		return bt_seq_artbp_pass(q, model, data, est->c, !est->unweighted,
					 rng, grad, dX);
	}
}

int bt_gradient_estimate(const bt_model *model, const bt_data *data,
			 const bt_estimator *est, unsigned long seed,
			 double *loss, double *grad, double *dX)
{
	bt_seq *q = NULL;
	gsl_rng *rng = NULL;
	int st = bt_estimator_check(est);
	if (st == BT_OK && (!model || !data))
		st = BT_EINVAL;
	if (st == BT_OK)
		st = bt_data_check(model, data);
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, data->T);
	if (st == BT_OK && !(rng = gsl_rng_alloc(gsl_rng_mt19937)))
		st = BT_ENOMEM;
	if (st != BT_OK) {
		bt_seq_free(q);
		return st;
	}
	gsl_rng_set(rng, seed);
	if (grad)
		memset(grad, 0, model->nparams * sizeof(double));
	if (dX)
		memset(dX, 0, data->T * data->d * sizeof(double));
	st = bt_seq_forward_pass(q, model, data, loss);
	if (st == BT_OK)
		st = bt_seq_estimate_pass(q, model, data, est, rng, grad, dX);
	if (st == BT_OK && ((grad && !bt_all_finite(grad, model->nparams)) ||
			    (dX && !bt_all_finite(dX, data->T * data->d))))
		st = BT_ENUMERIC;
	gsl_rng_free(rng);
	bt_seq_free(q);
	return st;
}
