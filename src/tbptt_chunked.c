/* tbptt_chunked.c — truncated backpropagation through time, the chunked
 * variant that most training loops use: the sequence is cut into chunks of
 * k steps, [1..k], [k+1..2k], …, the state is carried forward from one
 * chunk to the next, and gradients are cut at the chunk boundaries. The loss
 * term ℓ_t of the chunk that starts at step c sends its gradient back
 * through s_t, s_{t-1}, …, s_c only; s_{c-1} is a constant for it.
 *
 * So a term at the start of a chunk sees one step and a term at its end k
 * steps, where the spec's sliding window gives every term k steps. The two
 * agree for k = 1 and for k ≥ T (full BPTT) and differ in between.
 *
 * Within a chunk this is full BPTT over the chunk's terms: one backward
 * sweep from the chunk's last step, the carry δs_{t-1} dropped at the
 * chunk's first step. O(T·step), like full BPTT. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "progress.h"
#include "seq_internal.h"

int bt_seq_backward_chunked(bt_seq *q, const bt_model *model,
			    const bt_data *data, size_t k, double *grad,
			    double *dX)
{
	if (bt_data_check(model, data) != BT_OK || data->T != q->T || k < 1)
		return BT_EINVAL;
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t T = q->T, S = q->S;
	double *gtmp = NULL;
	if (!grad) {
		gtmp = calloc(model->nparams, sizeof(double));
		if (!gtmp)
			return BT_ENOMEM;
		grad = gtmp;
	}
	memset(q->dstates, 0, (T + 1) * S * sizeof(double));
	bt_seq_bind(q, model);
	bt_seq_backward_begin(q);
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, "steps of the chunked backward pass", T);
	for (size_t t = T; t >= 1; t--) {
		if ((st = bt_progress_poll(&pr, T - t)) != BT_OK)
			break;
		double *ds = q->dstates + t * S;
		/* a chunk starts at t = 1, k+1, 2k+1, …: s_{t-1} is a constant
		 * for every term of the chunk */
		int start = (t - 1) % k == 0;
		/* δs_t += Vᵀ μ_t (ŷ_t − y_t); δs_t already holds what the chunk's
		 * later terms sent back (nothing at a chunk's last step) */
		bt_seq_readout_backward(q, model, data, t, grad, ds, dX);
		ty->backward(&q->step, q->states + (t - 1) * S,
			     data->X + (t - 1) * dm->d, q->states + t * S,
			     q->cache + (t - 1) * q->C, ds, start ? NULL : ds - S,
			     dX ? dX + (t - 1) * dm->d : NULL, grad);
	}
	bt_progress_end(&pr);
	if (st == BT_OK)
		bt_seq_backward_end(q, model, grad);
	free(gtmp);
	return st;
}

static int all_finite(const double *p, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (!isfinite(p[i]))
			return 0;
	return 1;
}

int bt_gradient_chunked(const bt_model *model, const bt_data *data, size_t k,
			double *loss, double *grad, double *dX)
{
	bt_seq *q;
	if (k < 1)
		return BT_EINVAL;
	int st = bt_data_check(model, data);
	if (st == BT_OK)
		st = bt_seq_alloc(&q, model, data->T);
	if (st != BT_OK)
		return st;
	if (grad)
		memset(grad, 0, model->nparams * sizeof(double));
	if (dX)
		memset(dX, 0, data->T * data->d * sizeof(double));
	st = bt_seq_forward(q, model, data, loss);
	if (st == BT_OK)
		st = bt_seq_backward_chunked(q, model, data, k, grad, dX);
	if (st == BT_OK && ((grad && !all_finite(grad, model->nparams)) ||
			    (dX && !all_finite(dX, data->T * data->d))))
		st = BT_ENUMERIC;
	bt_seq_free(q);
	return st;
}
