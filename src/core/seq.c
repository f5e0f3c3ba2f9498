/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seq.c — a model unrolled over a sequence: the workspace, the forward
 * pass and exact full backpropagation through time, one step at a time.
 *
 *     s_t = F(s_{t-1}, x_t),  s_0 = 0
 *     ŷ_t = V h_t + b_y,      L = Σ_t μ_t · ½‖ŷ_t − y_t‖²   (readout.c)
 *
 * Backward: δs_T starts from the readout; for t = T … 1
 *     δh_t += Vᵀ μ_t (ŷ_t − y_t),   then the cell's step backward adds
 *     ∂L/∂θ, ∂L/∂x_t and δs_{t-1}.
 * Time O(T·cost of one step), memory O(T·state) (states and caches kept).
 * The public entry points check their arguments once; the passes behind
 * them (seq_internal.h) do not check again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/progress.h"
#include "core/readout.h"
#include "core/seq_internal.h"

/* ---- the workspace and its size -------------------------------------------- */

/* What bt_seq_alloc allocates for sequences of up to T steps, buffer by
 * buffer, in doubles: s_t and δs_t for t = 0…T, the caches (and a spare
 * row for bt_seq_step), the outputs, one error e_t, the cell's scratch,
 * two states for truncation, aux and its gradient, the extra readout's
 * scratch; the +1s keep every buffer non-empty. Doubles, so that any T
 * gives a finite size (exact for anything that can be allocated). */
typedef struct {
	double states, dstates, cache, out, err, scratch, buf, aux, daux,
		rscratch;
} seq_sizes;

static seq_sizes seq_sizes_for(const bt_cell_type *ty, const bt_dims *dm,
			       size_t T_max)
{
	double T = (double)T_max, S = (double)ty->state_size(dm);
	double C = (double)ty->cache_size(dm), m = (double)dm->m;
	double A = ty->aux_size ? (double)ty->aux_size(dm) : 0, R = 0;
	/* the cell's size function takes a size_t: past BT_MAX_T, where
	 * nothing is allocated, it is scaled (linear in T) rather than
	 * overflow */
	if (ty->readout_scratch_size && T_max <= (size_t)BT_MAX_T)
		R = (double)ty->readout_scratch_size(dm, T_max);
	else if (ty->readout_scratch_size)
		R = (double)ty->readout_scratch_size(dm, (size_t)BT_MAX_T) *
		    (T / (double)BT_MAX_T);
	return (seq_sizes){
		.states = (T + 1) * S, .dstates = (T + 1) * S,
		.cache = (T + 1) * C + 1, .out = T * m, .err = m,
		.scratch = (double)ty->scratch_size(dm) + 1, .buf = 2 * S,
		.aux = A + 1, .daux = A + 1, .rscratch = R + 1,
	};
}

double bt_seq_size(const bt_cell_type *type, bt_dims dims, size_t T_max)
{
	if (!type)
		return 0;
	seq_sizes z = seq_sizes_for(type, &dims, T_max);
	return (double)sizeof(bt_seq) +
	       8 * (z.states + z.dstates + z.cache + z.out + z.err + z.scratch +
		    z.buf + z.aux + z.daux + z.rscratch);
}

int bt_seq_alloc(bt_seq **out, const bt_model *model, size_t T_max)
{
	*out = NULL;
	if (!model || T_max < 1 || T_max > (size_t)BT_MAX_T)
		return BT_EINVAL;
	const bt_cell_type *ty = model->type;
	seq_sizes z = seq_sizes_for(ty, &model->dims, T_max);
	bt_seq *q = calloc(1, sizeof *q);
	if (!q)
		return BT_ENOMEM;
	q->T_max = T_max;
	q->S = model->state_size;
	q->C = ty->cache_size(&model->dims);
	q->m = model->dims.m;
	q->A = ty->aux_size ? ty->aux_size(&model->dims) : 0;
	q->aux = calloc((size_t)z.aux, sizeof(double));
	q->daux = calloc((size_t)z.daux, sizeof(double));
	q->rscratch = calloc((size_t)z.rscratch, sizeof(double));
	q->states = bt_big_calloc((size_t)z.states, sizeof(double));
	q->dstates = bt_big_calloc((size_t)z.dstates, sizeof(double));
	q->cache = bt_big_calloc((size_t)z.cache, sizeof(double));
	q->out = bt_big_calloc((size_t)z.out, sizeof(double));
	q->err = calloc((size_t)z.err, sizeof(double));
	q->scratch = calloc((size_t)z.scratch, sizeof(double));
	q->buf = calloc((size_t)z.buf, sizeof(double));
	if (!q->states || !q->dstates || !q->cache || !q->out || !q->err ||
	    !q->scratch || !q->buf || !q->aux || !q->daux || !q->rscratch) {
		bt_seq_free(q);
		return BT_ENOMEM;
	}
	*out = q;
	return BT_OK;
}

void bt_seq_free(bt_seq *q)
{
	if (!q)
		return;
	free(q->states);
	free(q->dstates);
	free(q->cache);
	free(q->out);
	free(q->err);
	free(q->scratch);
	free(q->buf);
	free(q->aux);
	free(q->daux);
	free(q->rscratch);
	free(q);
}

void bt_seq_bind(bt_seq *q, const bt_model *model)
{
	q->step.model = model;
	q->step.aux = q->A ? q->aux : NULL;
	q->step.daux = q->A ? q->daux : NULL;
	q->step.scratch = q->scratch;
}

void bt_seq_backward_begin(bt_seq *q)
{
	if (q->A)
		memset(q->daux, 0, q->A * sizeof(double));
}

int bt_seq_backward_open(bt_seq *q, const bt_model *model, double **grad,
			 double **gtmp)
{
	*gtmp = NULL;
	if (!*grad) {
		*gtmp = calloc(model->nparams, sizeof(double));
		if (!*gtmp)
			return BT_ENOMEM;
		*grad = *gtmp;
	}
	memset(q->dstates, 0, (q->T + 1) * q->S * sizeof(double));
	bt_seq_bind(q, model);
	bt_seq_backward_begin(q);
	return BT_OK;
}

void bt_seq_backward_end(bt_seq *q, const bt_model *model, double *grad)
{
	if (model->type->finish)
		model->type->finish(&q->step, q->daux, grad);
}

const double *bt_seq_state(const bt_seq *q, size_t t)
{
	return t <= q->T ? q->states + t * q->S : NULL;
}

const double *bt_seq_dstate(const bt_seq *q, size_t t)
{
	return t >= 1 && t <= q->T ? q->dstates + t * q->S : NULL;
}

const double *bt_seq_output(const bt_seq *q, size_t t)
{
	return t >= 1 && t <= q->T ? q->out + (t - 1) * q->m : NULL;
}

/* ---- checks, once at each entry point ------------------------------------------ */

int bt_seq_check_forward(const bt_seq *q, const bt_model *model,
			 const bt_data *data)
{
	if (!q || bt_data_check(model, data) != BT_OK || data->T > q->T_max ||
	    model->state_size != q->S)
		return BT_EINVAL;
	return BT_OK;
}

int bt_seq_check_backward(const bt_seq *q, const bt_model *model,
			  const bt_data *data)
{
	if (!q || bt_data_check(model, data) != BT_OK || data->T != q->T)
		return BT_EINVAL;
	return BT_OK;
}

/* ---- forward ------------------------------------------------------------------ */

int bt_seq_forward(bt_seq *q, const bt_model *model, const bt_data *data,
		   double *loss)
{
	int st = bt_seq_check_forward(q, model, data);
	return st != BT_OK ? st : bt_seq_forward_pass(q, model, data, loss);
}

/* s_t = F(s_{t-1}, x_t),  ŷ_t = V h_t + b_y,  L = Σ_t ℓ_t (readout.c) */
int bt_seq_forward_pass(bt_seq *q, const bt_model *model, const bt_data *data,
			double *loss)
{
	const bt_cell_type *ty = model->type;
	const size_t d = model->dims.d, m = model->dims.m;
	q->T = data->T;
	bt_seq_bind(q, model);
	if (ty->prepare) {
		int st = ty->prepare(&q->step, q->aux);
		if (st != BT_OK)
			return st;
	}
	memset(q->states, 0, q->S * sizeof(double));
	double L = 0;
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, "steps of the forward pass", data->T);
	for (size_t t = 1; t <= data->T; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK)
			break;
		double *s = q->states + t * q->S, *yh = q->out + (t - 1) * m;
		ty->forward(&q->step, s - q->S, data->X + (t - 1) * d, s,
			    q->cache + (t - 1) * q->C);
		bt_readout_step(&q->step, t, s, data->X, yh, q->rscratch);
		L += bt_loss_term(model->loss, m, yh, data->Y + (t - 1) * m,
				  data->M ? data->M[t - 1] : 1.0, NULL);
	}
	bt_progress_end(&pr);
	if (st != BT_OK)
		return st;
	if (loss)
		*loss = L;
	/* an overflowed state is a fault even where the loss does not see it
	 * (masked steps): whether it then reaches the gradient as NaN would
	 * depend on the BLAS (some skip zero factors) */
	if (!bt_all_finite(q->states + q->S, data->T * q->S))
		return BT_ENUMERIC;
	return isfinite(L) ? BT_OK : BT_ENUMERIC;
}

/* ---- backward ------------------------------------------------------------------- */

/* e = ∂ℓ_t/∂ŷ_t (μ_t (ŷ_t − y_t) for the squared loss), then the
 * readout's backward (readout.c) */
int bt_seq_readout_backward(bt_seq *q, const bt_model *model,
			    const bt_data *data, size_t t, double *grad,
			    double *dh, double *dX_direct)
{
	double mu = data->M ? data->M[t - 1] : 1.0;
	if (mu == 0)
		return 0;
	const size_t m = model->dims.m;
	bt_loss_term(model->loss, m, q->out + (t - 1) * m, data->Y + (t - 1) * m,
		     mu, q->err);
	bt_readout_step_backward(&q->step, t, q->states + t * q->S, data->X,
				 q->err, dh, dX_direct, grad, q->rscratch);
	return 1;
}

int bt_seq_backward(bt_seq *q, const bt_model *model, const bt_data *data,
		    double *grad, double *dX)
{
	return bt_seq_backward_split(q, model, data, grad, dX, NULL);
}

int bt_seq_backward_split(bt_seq *q, const bt_model *model,
			  const bt_data *data, double *grad, double *dX,
			  double *dX_direct)
{
	int st = bt_seq_check_backward(q, model, data);
	if (st != BT_OK)
		return st;
	return bt_seq_backward_sweep(q, model, data, 0, grad, dX, dX_direct,
				     BT_SWEEP_FULL);
}

/* One backward sweep from step T to 1. chunk = 0: full BPTT; chunk = k:
 * the carry δs_{t-1} is dropped where a chunk of k steps starts (t = 1,
 * k+1, 2k+1, …), so s_{t-1} is a constant for every term of the chunk. */
int bt_seq_backward_sweep(bt_seq *q, const bt_model *model,
			  const bt_data *data, size_t chunk, double *grad,
			  double *dX, double *dX_direct, const char *label)
{
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t T = q->T, S = q->S;
	double *gtmp;
	if (bt_seq_backward_open(q, model, &grad, &gtmp) != BT_OK)
		return BT_ENOMEM;
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, label, T);
	for (size_t t = T; t >= 1; t--) {
		if ((st = bt_progress_poll(&pr, T - t)) != BT_OK)
			break;
		double *ds = q->dstates + t * S;
		int cut = chunk && (t - 1) % chunk == 0;
		/* δh_t += Vᵀ μ_t (ŷ_t − y_t); δh_t already holds the future's part
		 * (within the chunk) */
		bt_seq_readout_backward(q, model, data, t, grad, ds,
					dX_direct ? dX_direct : dX);
		ty->backward(&q->step, q->states + (t - 1) * S,
			     data->X + (t - 1) * dm->d, q->states + t * S,
			     q->cache + (t - 1) * q->C, ds, cut ? NULL : ds - S,
			     dX ? dX + (t - 1) * dm->d : NULL, grad);
	}
	bt_progress_end(&pr);
	if (st == BT_OK)
		bt_seq_backward_end(q, model, grad);
	free(gtmp);
	return st;
}

int bt_seq_jacobian(const bt_seq *q, const bt_model *model,
		    const bt_data *data, size_t t, gsl_matrix *J)
{
	if (t < 1 || t > q->T || !J || J->size1 != q->S || J->size2 != q->S)
		return BT_EINVAL;
	bt_step c = {model, q->A ? q->aux : NULL, NULL, q->scratch};
	model->type->jacobian(&c, q->states + (t - 1) * q->S,
			      data->X + (t - 1) * model->dims.d,
			      q->states + t * q->S, q->cache + (t - 1) * q->C, J);
	return BT_OK;
}

int bt_seq_step(bt_seq *q, const bt_model *model, const double *s_prev,
		const double *x, double *s)
{
	if (!q->T || model->state_size != q->S)
		return BT_EINVAL;
	bt_seq_bind(q, model);
	double *cache = q->cache + q->T_max * q->C;   /* the spare row */
	model->type->forward(&q->step, s_prev, x, s, cache);
	return BT_OK;
}

int bt_model_recurrent(const bt_model *model, gsl_matrix *W)
{
	size_t n = model->dims.n;
	if (!model->type->recurrent || !W || W->size1 != n || W->size2 != n ||
	    W->tda != n)
		return BT_EINVAL;
	bt_seq *q;
	int st = bt_seq_alloc(&q, model, 1);
	if (st != BT_OK)
		return st;
	bt_seq_bind(q, model);
	if (model->type->prepare)
		st = model->type->prepare(&q->step, q->aux);
	if (st == BT_OK)
		model->type->recurrent(&q->step, W);
	bt_seq_free(q);
	return st;
}

int bt_loss(const bt_model *model, const bt_data *data, double *loss)
{
	bt_seq *q;
	int st = bt_data_check(model, data);
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, data->T);
	if (st != BT_OK)
		return st;
	st = bt_seq_forward_pass(q, model, data, loss);
	bt_seq_free(q);
	return st;
}
