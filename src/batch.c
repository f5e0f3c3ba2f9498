/* batch.c — B sequences at once: the sum of their full-BPTT results.
 *
 *     L = Σ_b L_b,   ∂L/∂θ = Σ_b ∂L_b/∂θ,   ∂L/∂X_b = ∂L_b/∂X_b
 *
 * This first version runs the sequences one after another through one
 * bt_seq workspace; batched kernels (n×B states, BLAS-3) replace it per
 * architecture. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bt.h"

struct bt_batch {
	size_t B, T_max, P;
	bt_seq *seq;
	double *g;      /* one sequence's gradient, P values */
};

int bt_batch_alloc(bt_batch **out, const bt_model *model, size_t B,
		   size_t T_max)
{
	*out = NULL;
	if (!model || B < 1 || T_max < 1 || T_max > (size_t)BT_MAX_T)
		return BT_EINVAL;
	bt_batch *w = calloc(1, sizeof *w);
	if (!w)
		return BT_ENOMEM;
	w->B = B;
	w->T_max = T_max;
	w->P = model->nparams;
	w->g = malloc(w->P * sizeof(double));
	int st = w->g ? bt_seq_alloc(&w->seq, model, T_max) : BT_ENOMEM;
	if (st != BT_OK) {
		bt_batch_free(w);
		return st;
	}
	*out = w;
	return BT_OK;
}

void bt_batch_free(bt_batch *w)
{
	if (!w)
		return;
	bt_seq_free(w->seq);
	free(w->g);
	free(w);
}

int bt_batch_gradient(bt_batch *w, const bt_model *model,
		      const bt_data *const *data, size_t B, double *loss,
		      double *grad, double *const *dX)
{
	if (!w || !model || !data || B < 1 || B > w->B ||
	    model->nparams != w->P)
		return BT_EINVAL;
	for (size_t b = 0; b < B; b++) {
		if (!data[b] || data[b]->T > w->T_max)
			return BT_EINVAL;
		int st = bt_data_check(model, data[b]);
		if (st != BT_OK)
			return st;
	}
	if (grad)
		memset(grad, 0, w->P * sizeof(double));
	double total = 0;
	for (size_t b = 0; b < B; b++) {
		double *dx = dX ? dX[b] : NULL;
		if (dx)
			memset(dx, 0, data[b]->T * data[b]->d * sizeof(double));
		double l;
		int st = bt_seq_forward(w->seq, model, data[b], &l);
		if (st != BT_OK)
			return st;
		memset(w->g, 0, w->P * sizeof(double));
		st = bt_seq_backward(w->seq, model, data[b], grad ? w->g : NULL,
				     dx);
		if (st != BT_OK)
			return st;
		total += l;
		if (grad)
			for (size_t i = 0; i < w->P; i++)
				grad[i] += w->g[i];
	}
	if (grad)
		for (size_t i = 0; i < w->P; i++)
			if (!isfinite(grad[i]))
				return BT_ENUMERIC;
	if (loss)
		*loss = total;
	return BT_OK;
}

int bt_gradient_batch(const bt_model *model, const bt_data *const *data,
		      size_t B, double *loss, double *grad, double *const *dX)
{
	if (!model || !data || B < 1)
		return BT_EINVAL;
	size_t T_max = 0;
	for (size_t b = 0; b < B; b++) {
		if (!data[b])
			return BT_EINVAL;
		if (data[b]->T > T_max)
			T_max = data[b]->T;
	}
	bt_batch *w;
	int st = bt_batch_alloc(&w, model, B, T_max);
	if (st != BT_OK)
		return st;
	st = bt_batch_gradient(w, model, data, B, loss, grad, dX);
	bt_batch_free(w);
	return st;
}
