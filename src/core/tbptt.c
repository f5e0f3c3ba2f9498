/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tbptt.c — truncated backpropagation through time, the spec's sliding
 * window: the loss term ℓ_t sends its gradient back through the states
 * s_t, s_{t-1}, …, s_{t-k+1} only; s_{t-k} is a constant for that term.
 * Each term has its own window, so this is exact for that definition (not
 * the cheaper chunked variant). Cost O(T·k·step), no memory beyond the
 * forward pass. */
#include <stdlib.h>
#include <string.h>
#include "base/progress.h"
#include "core/seq_internal.h"

int bt_seq_backward_truncated(bt_seq *q, const bt_model *model,
			      const bt_data *data, size_t k, double *grad,
			      double *dX)
{
	return bt_seq_backward_truncated_split(q, model, data, k, grad, dX, NULL);
}

int bt_seq_backward_truncated_split(bt_seq *q, const bt_model *model,
				    const bt_data *data, size_t k, double *grad,
				    double *dX, double *dX_direct)
{
	if (k < 1 || bt_seq_check_backward(q, model, data) != BT_OK)
		return BT_EINVAL;
	return bt_seq_truncated_pass(q, model, data, k, grad, dX, dX_direct);
}

/* For each term t: δs_t = ∂ℓ_t/∂s_t; the steps u = t … max(1, t−k+1) each
 * add their part of ∂ℓ_t/∂θ and ∂ℓ_t/∂x_u, δs_{u−1} = J_uᵀ δs_u between. */
int bt_seq_truncated_pass(bt_seq *q, const bt_model *model,
			  const bt_data *data, size_t k, double *grad,
			  double *dX, double *dX_direct)
{
	if (k >= q->T)
		return bt_seq_backward_sweep(q, model, data, 0, grad, dX,
					     dX_direct, BT_SWEEP_FULL);
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	size_t S = q->S;
	double *cur = q->buf, *prev = q->buf + S;
	double *gtmp;
	if (bt_seq_backward_open(q, model, &grad, &gtmp) != BT_OK)
		return BT_ENOMEM;
	bt_progress pr;
	int st = BT_OK;
	bt_progress_begin(&pr, "loss terms of the truncated backward pass", q->T);
	for (size_t t = 1; t <= q->T; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK)
			break;
		/* δs_t = Vᵀ μ_t (ŷ_t − y_t) for this term alone; an extra
		 * readout's direct paths to x_1 … x_t are never cut */
		memset(cur, 0, S * sizeof(double));
		if (!bt_seq_readout_backward(q, model, data, t, grad, cur,
					     dX_direct ? dX_direct : dX))
			continue;
		size_t steps = k < t ? k : t;
		for (size_t j = 0; j < steps; j++) {
			size_t u = t - j;            /* step u: s_{u-1} → s_u */
			int last = j + 1 == steps;   /* s_{u-1} is a constant */
			/* δs_u of this term, summed over terms for bt_seq_dstate */
			double *acc = q->dstates + u * S;
			for (size_t i = 0; i < S; i++)
				acc[i] += cur[i];
			if (!last)
				memset(prev, 0, S * sizeof(double));
			ty->backward(&q->step, q->states + (u - 1) * S,
				     data->X + (u - 1) * dm->d,
				     q->states + u * S, q->cache + (u - 1) * q->C,
				     cur, last ? NULL : prev,
				     dX ? dX + (u - 1) * dm->d : NULL, grad);
			double *tmp = cur;
			cur = prev;
			prev = tmp;
		}
	}
	bt_progress_end(&pr);
	if (st == BT_OK)
		bt_seq_backward_end(q, model, grad);
	free(gtmp);
	return st;
}
