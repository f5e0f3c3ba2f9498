/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fault.c — where a non-finite value first appears.
 *
 * bt_seq_forward only says that the loss is not finite, and bt_gradient
 * that some gradient entry is not; this runs the model once more and looks
 * at every quantity in the order the computation makes it:
 *
 *   forward, t = 1 … T:  s_t, then ŷ_t = V h_t + b_y (+ the extra readout),
 *                        then ℓ_t = μ_t ½‖ŷ_t − y_t‖², then L = Σ_{u≤t} ℓ_u
 *   backward (full), t = T … 1:
 *                        δs_t once complete, the gradient blocks after the
 *                        readout's and after the cell's backward step,
 *                        ∂L/∂x_t; then the fold of ∂L/∂aux into ∂L/∂θ
 *   backward (window k): term by term as bt_seq_backward_truncated does.
 *
 * For a state or an output, the blocks are tried one at a time: the step
 * is recomputed from the same (finite) s_{t-1} with that block set to zero,
 * and the first block without which it is finite is named. For the linear
 * model whose state explodes that is W: W h_{t-1} overflows, U x_t + b
 * does not. The cost is one more forward pass (and backward pass, when the
 * forward one is finite) with a check of every value: a fault path only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include "core/readout.h"
#include "core/seq_internal.h"

/* The first non-finite entry of p[0…k-1], from 1; 0 when all are finite. */
static size_t first_bad(const double *p, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (!isfinite(p[i]))
			return i + 1;
	return 0;
}

static void found(bt_fault *f, int pass, size_t step, const char *quantity,
		  const double *p, size_t i, size_t count)
{
	f->pass = pass;
	f->step = step;
	snprintf(f->quantity, sizeof f->quantity, "%s", quantity);
	f->index = i;
	f->count = count;
	f->value = p[i - 1];
}

/* A copy of the model to zero blocks in, and what one step of it needs. */
typedef struct {
	bt_model *copy;
	double *aux, *scratch, *cache, *rscratch, *s, *yh;
	bt_step step;
} trial;

static void trial_free(trial *tr)
{
	bt_model_free(tr->copy);
	free(tr->aux);
	free(tr->scratch);
	free(tr->cache);
	free(tr->rscratch);
	free(tr->s);
	free(tr->yh);
}

static int trial_alloc(trial *tr, const bt_model *model, size_t T)
{
	memset(tr, 0, sizeof *tr);
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t A = ty->aux_size ? ty->aux_size(dm) : 0;
	size_t R = ty->readout_scratch_size ? ty->readout_scratch_size(dm, T) : 0;
	int st = bt_model_copy(&tr->copy, model);
	tr->aux = calloc(A + 1, sizeof(double));
	tr->scratch = calloc(ty->scratch_size(dm) + 1, sizeof(double));
	tr->cache = calloc(ty->cache_size(dm) + 1, sizeof(double));
	tr->rscratch = calloc(R + 1, sizeof(double));
	tr->s = calloc(model->state_size, sizeof(double));
	tr->yh = calloc(dm->m, sizeof(double));
	if (st == BT_OK && (!tr->aux || !tr->scratch || !tr->cache ||
			    !tr->rscratch || !tr->s || !tr->yh))
		st = BT_ENOMEM;
	if (st != BT_OK) {
		trial_free(tr);
		return st;
	}
	tr->step.model = tr->copy;
	tr->step.aux = A ? tr->aux : NULL;
	tr->step.daux = NULL;
	tr->step.scratch = tr->scratch;
	return BT_OK;
}

/* The model with block b zero (and its derived quantities made again). */
static int trial_zero(trial *tr, const bt_model *model, size_t b)
{
	memcpy(tr->copy->theta, model->theta, model->nparams * sizeof(double));
	const bt_block *bl = &model->blocks[b];
	memset(tr->copy->theta + bl->offset, 0, bl->rows * bl->cols * sizeof(double));
	if (model->type->prepare)
		return model->type->prepare(&tr->step, tr->aux);
	return BT_OK;
}

/* Names the first block without which step t's state (state = 1) or
 * output (state = 0) is finite. */
static int attribute(const bt_model *model, const bt_data *data,
		     const bt_seq *q, size_t t, int state, bt_fault *f)
{
	trial tr;
	int st = trial_alloc(&tr, model, data->T);
	if (st != BT_OK)
		return st;
	const bt_cell_type *ty = model->type;
	size_t S = q->S, d = model->dims.d;
	/* a state: the cell's blocks; an output: every block (the readout's
	 * V, b_y, and attention's W_a, V_c, whose core blocks do not enter
	 * the readout of a given h_t) */
	size_t nb = state ? ty->nblocks : model->nblocks;
	for (size_t b = 0; b < nb; b++) {
		if (trial_zero(&tr, model, b) != BT_OK)
			continue;
		const double *prev = q->states + (t - 1) * S;
		if (state) {
			ty->forward(&tr.step, prev, data->X + (t - 1) * d, tr.s,
				    tr.cache);
			if (first_bad(tr.s, S))
				continue;
		} else {
			bt_readout_step(&tr.step, t, q->states + t * S, data->X, tr.yh,
					 tr.rscratch);
			if (first_bad(tr.yh, model->dims.m))
				continue;
		}
		snprintf(f->block, sizeof f->block, "%s", model->blocks[b].name);
		break;
	}
	trial_free(&tr);
	return BT_OK;
}

/* The forward pass, step by step; 1 when something was found. */
static int scan_forward(const bt_model *model, const bt_data *data,
			const bt_seq *q, bt_fault *f)
{
	size_t S = q->S, n = model->dims.n, m = model->dims.m;
	double L = 0;
	for (size_t t = 1; t <= data->T; t++) {
		const double *s = q->states + t * S;
		size_t i = first_bad(s, S);
		if (i) {
			found(f, BT_FAULT_FORWARD, t, i <= n ? "state h_t" : "cell state c_t",
			      s, i, S);
			if (i > n) {   /* the entry within c_t */
				f->index = i - n;
				f->count = S - n;
			}
			return 1;
		}
		const double *yh = q->out + (t - 1) * m;
		if ((i = first_bad(yh, m))) {
			found(f, BT_FAULT_FORWARD, t, "output yhat_t", yh, i, m);
			return 1;
		}
		double mu = data->M ? data->M[t - 1] : 1.0;
		double term = bt_loss_term(model->loss, m, yh, data->Y + (t - 1) * m, mu, NULL);
		if (!isfinite(term)) {
			found(f, BT_FAULT_FORWARD, t, "loss term l_t", &term, 1, 1);
			return 1;
		}
		L += term;
		if (!isfinite(L)) {
			found(f, BT_FAULT_FORWARD, t, "loss L", &L, 1, 1);
			return 1;
		}
	}
	return 0;
}

/* The first non-finite gradient block (its name into f), or -1. */
static int bad_block(const bt_model *model, const double *grad, size_t *at)
{
	for (size_t b = 0; b < model->nblocks; b++) {
		const bt_block *bl = &model->blocks[b];
		size_t i = first_bad(grad + bl->offset, bl->rows * bl->cols);
		if (i) {
			*at = i;
			return (int)b;
		}
	}
	return -1;
}

/* Checks δs (the gradient at s_t), the blocks and ∂L/∂x_t after a step. */
static int check_back(const bt_model *model, size_t t, const double *ds,
		      const double *grad, const double *dx, bt_fault *f)
{
	size_t S = model->state_size, n = model->dims.n, d = model->dims.d, i;
	if (ds && (i = first_bad(ds, S))) {
		found(f, BT_FAULT_BACKWARD, t, i <= n ? "gradient dL/dh_t" : "gradient dL/dc_t",
		      ds, i, S);
		if (i > n) {
			f->index = i - n;
			f->count = S - n;
		}
		return 1;
	}
	int b = bad_block(model, grad, &i);
	if (b >= 0) {
		const bt_block *bl = &model->blocks[b];
		char q[48];
		snprintf(q, sizeof q, "gradient of block %s", bl->name);
		found(f, BT_FAULT_BACKWARD, t, q, grad + bl->offset, i,
		      bl->rows * bl->cols);
		snprintf(f->block, sizeof f->block, "%s", bl->name);
		return 1;
	}
	if (dx && (i = first_bad(dx, d))) {
		found(f, BT_FAULT_BACKWARD, t, "gradient dL/dx_t", dx, i, d);
		return 1;
	}
	return 0;
}

/* ∂L/∂x_u for u ≤ t: the extra readout (attention) writes every earlier
 * row, so all of them are looked at after its backward step. */
static int check_dx_rows(const bt_model *model, size_t t, const double *dX,
			 bt_fault *f)
{
	size_t d = model->dims.d;
	for (size_t u = 1; u <= t; u++) {
		size_t i = first_bad(dX + (u - 1) * d, d);
		if (i) {
			found(f, BT_FAULT_BACKWARD, u, "gradient dL/dx_t",
			      dX + (u - 1) * d, i, d);
			return 1;
		}
	}
	return 0;
}

/* ∂L/∂aux (the Cayley W of the orthogonal RNN) is folded into the blocks
 * at the end; a non-finite one is named after the cell's first block, the
 * one it is derived from. */
static int check_daux(const bt_model *model, const bt_seq *q, size_t t,
		      bt_fault *f)
{
	size_t i;
	if (!q->A || !(i = first_bad(q->daux, q->A)))
		return 0;
	char name[48];
	snprintf(name, sizeof name, "gradient of block %s", model->blocks[0].name);
	found(f, BT_FAULT_BACKWARD, t, name, q->daux, i, q->A);
	snprintf(f->block, sizeof f->block, "%s", model->blocks[0].name);
	return 1;
}

static int scan_backward_full(bt_seq *q, const bt_model *model,
			      const bt_data *data, double *grad, double *dX,
			      bt_fault *f)
{
	const bt_cell_type *ty = model->type;
	size_t S = q->S, d = model->dims.d;
	memset(q->dstates, 0, (q->T + 1) * S * sizeof(double));
	bt_seq_bind(q, model);
	bt_seq_backward_begin(q);
	for (size_t t = q->T; t >= 1; t--) {
		double *ds = q->dstates + t * S, *dx = dX + (t - 1) * d;
		bt_seq_readout_backward(q, model, data, t, grad, ds, dX);
		if (check_back(model, t, ds, grad, NULL, f) ||
		    (ty->readout_backward && check_dx_rows(model, t, dX, f)))
			return 1;
		ty->backward(&q->step, q->states + (t - 1) * S, data->X + (t - 1) * d,
			     q->states + t * S, q->cache + (t - 1) * q->C, ds,
			     ds - S, dx, grad);
		if (check_back(model, t, NULL, grad, dx, f) || check_daux(model, q, t, f))
			return 1;
	}
	bt_seq_backward_end(q, model, grad);
	return check_back(model, 1, NULL, grad, NULL, f);
}

static int scan_backward_window(bt_seq *q, const bt_model *model,
				const bt_data *data, size_t k, double *grad,
				double *dX, bt_fault *f)
{
	const bt_cell_type *ty = model->type;
	size_t S = q->S, d = model->dims.d;
	double *cur = q->buf, *prev = q->buf + S;
	bt_seq_bind(q, model);
	bt_seq_backward_begin(q);
	for (size_t t = 1; t <= q->T; t++) {
		memset(cur, 0, S * sizeof(double));
		if (!bt_seq_readout_backward(q, model, data, t, grad, cur, dX))
			continue;
		if (check_back(model, t, cur, grad, NULL, f) ||
		    (ty->readout_backward && check_dx_rows(model, t, dX, f))) {
			f->term = t;
			return 1;
		}
		size_t steps = k < t ? k : t;
		for (size_t j = 0; j < steps; j++) {
			size_t u = t - j;
			int last = j + 1 == steps;
			if (!last)
				memset(prev, 0, S * sizeof(double));
			ty->backward(&q->step, q->states + (u - 1) * S,
				     data->X + (u - 1) * d, q->states + u * S,
				     q->cache + (u - 1) * q->C, cur, last ? NULL : prev,
				     dX + (u - 1) * d, grad);
			/* δs_{u−1} of this term, then (once per term, below) the
			 * blocks: checking every block at every step of every
			 * window would cost T·k·P */
			size_t i;
			if (!last && (i = first_bad(prev, S))) {
				found(f, BT_FAULT_BACKWARD, u - 1,
				      i <= model->dims.n ? "gradient dL/dh_t" : "gradient dL/dc_t",
				      prev, i, S);
				f->term = t;
				return 1;
			}
			double *tmp = cur;
			cur = prev;
			prev = tmp;
		}
		if (check_back(model, t, NULL, grad, NULL, f) ||
		    check_dx_rows(model, t, dX, f) || check_daux(model, q, t, f)) {
			f->term = t;
			return 1;
		}
	}
	bt_seq_backward_end(q, model, grad);
	return check_back(model, 1, NULL, grad, NULL, f);
}

int bt_fault_locate(const bt_model *model, const bt_data *data,
		    size_t truncate, bt_fault *f)
{
	if (!f)
		return BT_EINVAL;
	memset(f, 0, sizeof *f);
	if (!model || !data || bt_data_check(model, data) != BT_OK)
		return BT_EINVAL;
	bt_seq *q = NULL;
	double *grad = calloc(model->nparams, sizeof(double));
	double *dX = calloc(data->T * data->d, sizeof(double));
	int st = grad && dX ? bt_seq_alloc(&q, model, data->T) : BT_ENOMEM;
	if (st == BT_OK) {
		st = bt_seq_forward_pass(q, model, data, NULL);
		if (st == BT_ENUMERIC)
			st = BT_OK;
	}
	if (st != BT_OK)
		goto done;
	if (scan_forward(model, data, q, f)) {
		if (!strncmp(f->quantity, "state", 5) || !strncmp(f->quantity, "cell", 4))
			st = attribute(model, data, q, f->step, 1, f);
		else if (!strncmp(f->quantity, "output", 6))
			st = attribute(model, data, q, f->step, 0, f);
		goto done;
	}
	if (truncate == 0 || truncate >= data->T)
		scan_backward_full(q, model, data, grad, dX, f);
	else
		scan_backward_window(q, model, data, truncate, grad, dX, f);
done:
	free(grad);
	free(dX);
	bt_seq_free(q);
	return st;
}
