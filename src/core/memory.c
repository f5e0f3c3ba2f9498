/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memory.c — what each computation needs, estimated before it starts.
 *
 * Estimates count the buffers that grow with the sizes, in doubles × 8:
 *     model      P                       (parameters)
 *     data       T·(d + m + 1)           per data set
 *     workspace  what bt_seq_alloc or bt_batch_alloc takes (bt_seq_size,
 *                bt_batch_size, beside the allocators)
 * and per task what it adds (gradients, copies, S×S matrices). */
#include <math.h>
#include "cells/cell.h"

/* what a computation needs besides the buffers counted below */
#define BT_MEMORY_SLACK 65536.0

double bt_memory_estimate(const bt_cell_type *ty, bt_dims dims, size_t T_in,
			  size_t sets, int task)
{
	if (!ty)
		return 0;
	const bt_dims *dm = &dims;
	double T = (double)T_in, P = bt_cell_param_count(ty, dims);
	double d = (double)dims.d, m = (double)dims.m, n = (double)dims.n;
	double S = (double)ty->state_size(dm);
	double K = sets ? (double)sets : 1;
	double data = T * (d + m + 1), seq = bt_seq_size(ty, dims, T_in) / 8;
	/* full BPTT takes one workspace or the other, never both at once */
	double full = fmax(seq, bt_batch_size(ty, dims, 1, T_in) / 8);
	double grads = P + T * d;            /* ∂L/∂θ and ∂L/∂X */
	double base = P + K * data, need;
	switch (task) {
	case BT_TASK_MODEL:
		return 8 * P + BT_MEMORY_SLACK;
	case BT_TASK_GRADIENT:
		/* a second gradient: clipping's output */
		need = base + full + 2 * grads;
		break;
	case BT_TASK_CHECK:
		/* the exact gradient, the differences, a copy of the model and
		 * of the data to perturb, directions v over everything */
		need = base + full + P + data + 4 * grads;
		break;
	case BT_TASK_FLOW:
		need = base + seq;
		break;
	case BT_TASK_FLOW_LAGS:
		/* a second workspace; δ, the full and truncated sums (T×S
		 * each); the per-lag norms; the direct ∂ℓ/∂x */
		need = base + 2 * seq + 3 * T * S + T * (16 + (double)BT_MAX_BLOCKS) +
		       T * d + 3 * P;
		break;
	case BT_TASK_JACOBIAN:
		/* J_t, the product and its copy; W for the bound */
		need = base + seq + 3 * S * S + n * n + 5 * T;
		break;
	case BT_TASK_SPECTRUM:
		/* the matrix, the SVD's and the Schur form's copies, the
		 * powers' two products */
		need = base + seq + 8 * S * S + 3 * T;
		break;
	case BT_TASK_LYAPUNOV:
		/* streamed: J_t and the tangent vectors (k ≤ S of them, and
		 * their product with J_t) */
		need = base + 3 * S * S;
		break;
	case BT_TASK_BIAS:
		/* per data set in turn: a workspace, three gradients */
		need = base + seq + 3 * P;
		break;
	case BT_TASK_TRAIN:
		/* sets = the minibatch B: its data, the batched workspace for
		 * B sequences, one more workspace for the other estimators and
		 * evaluation; the gradient, its clipped copy, the batch's own,
		 * two moments (the held-out set is data only: the caller adds
		 * it) */
		need = base + bt_batch_size(ty, dims, sets ? sets : 1, T_in) / 8 +
		       seq + 6 * P;
		break;
	default:
		return 0;
	}
	/* and a constant for what does not grow with the sizes: small
	 * vectors, the random number generators' state, the allocator's own
	 * bookkeeping */
	return 8 * need + BT_MEMORY_SLACK;
}
