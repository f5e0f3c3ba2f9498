/* SPDX-License-Identifier: GPL-3.0-or-later */
/* grad.c — the gradient's front door: bt_gradient picks the driver (the
 * batched one for full BPTT of an architecture with batched kernels, the
 * per-step sequence engine otherwise) and the backward pass (full, the
 * sliding window of tbptt.c, or the chunks of tbptt_chunked.c). */
#include <math.h>
#include <string.h>
#include "core/seq_internal.h"

/* Forward pass, then the backward pass that `kind` names (full, sliding
 * window or chunks of k), with grad and dX zeroed first and checked finite
 * after. */
int bt_gradient_kind(const bt_model *model, const bt_data *data, int kind,
		     size_t k, double *loss, double *grad, double *dX)
{
	bt_seq *q;
	int st = bt_seq_alloc(&q, model, data->T);
	if (st != BT_OK)
		return st;
	if (grad)
		memset(grad, 0, model->nparams * sizeof(double));
	if (dX)
		memset(dX, 0, data->T * data->d * sizeof(double));
	st = bt_seq_forward_pass(q, model, data, loss);
	if (st == BT_OK) {
		if (kind == BT_BACKWARD_CHUNKED)
			st = bt_seq_backward_sweep(q, model, data, k, grad, dX,
						   NULL, BT_SWEEP_CHUNKED);
		else if (k == 0 || k >= data->T)
			st = bt_seq_backward_sweep(q, model, data, 0, grad, dX,
						   NULL, BT_SWEEP_FULL);
		else
			st = bt_seq_truncated_pass(q, model, data, k, grad, dX,
						   NULL);
	}
	if (st == BT_OK && ((grad && !bt_all_finite(grad, model->nparams)) ||
			    (dX && !bt_all_finite(dX, data->T * data->d))))
		st = BT_ENUMERIC;
	bt_seq_free(q);
	return st;
}

/* Full BPTT (truncate = 0) of an architecture with batched kernels goes
 * through batch.c with B = 1: the input and readout products over all
 * steps at once, only the recurrent ones in the loop. */
int bt_gradient(const bt_model *model, const bt_data *data, size_t truncate,
		double *loss, double *grad, double *dX)
{
	int st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	if (truncate == 0 && model->type->batch_forward) {
		bt_batch *w;
		if ((st = bt_batch_alloc(&w, model, 1, data->T)) != BT_OK)
			return st;
		double *const dXs[1] = {dX};
		st = bt_batch_run(w, model, &data, 1, loss, grad, dXs);
		bt_batch_free(w);
		return st;
	}
	return bt_gradient_kind(model, data, BT_BACKWARD_SLIDING, truncate,
				loss, grad, dX);
}

int bt_gradient_chunked(const bt_model *model, const bt_data *data, size_t k,
			double *loss, double *grad, double *dX)
{
	if (k < 1)
		return BT_EINVAL;
	int st = bt_data_check(model, data);
	if (st != BT_OK)
		return st;
	return bt_gradient_kind(model, data, BT_BACKWARD_CHUNKED, k, loss, grad, dX);
}

/* Full BPTT takes one workspace or the other (bt_batch_alloc with B = 1, or
 * bt_seq_alloc), never both at once; truncation takes bt_seq_alloc's. */
double bt_gradient_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	return fmax(bt_seq_size(type, dims, T), bt_batch_size(type, dims, 1, T));
}

double bt_gradient_buffers_size(const bt_cell_type *type, bt_dims dims, size_t T)
{
	if (!type)
		return 0;
	return 8 * (bt_cell_param_count(type, dims) + (double)T * (double)dims.d);
}
