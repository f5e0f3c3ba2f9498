/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memory.c — what each computation needs, estimated before it starts.
 *
 * Estimates count the buffers that grow with the sizes, in doubles × 8:
 *     model      P                                  (parameters)
 *     data       T·(d + m + 1)                      per data set
 *     workspace  (T+1)·(2S + C) + T·m + R(T) + …    (bt_seq: states,
 *                state gradients, caches, outputs, the readout's scratch;
 *                full BPTT through the batched kernels, B = 1, holds
 *                (T+1)·(2n + C_batch) + T·(2m + 1) + … instead)
 * and per task what it adds (gradients, copies, S×S matrices). */
#include <math.h>
#include "cells/cell.h"

/* what a computation needs besides the buffers counted below */
#define BT_MEMORY_SLACK 65536.0

/* The sequence workspace of bt_seq_alloc, in doubles. */
static double seq_doubles(const bt_cell_type *ty, const bt_dims *dm, double T)
{
	double S = (double)ty->state_size(dm), C = (double)ty->cache_size(dm);
	double A = ty->aux_size ? (double)ty->aux_size(dm) : 0;
	double R = 0;
	if (ty->readout_scratch_size) {
		/* the cell's size function takes a size_t: past 10^8 steps it
		 * is linear in T, so scale it rather than overflow */
		double T0 = T < 1e8 ? T : 1e8;
		R = (double)ty->readout_scratch_size(dm, (size_t)T0) * (T / T0);
	}
	return (T + 1) * (2 * S + C) + T * (double)dm->m + R +
	       (double)ty->scratch_size(dm) + 2 * A + 2 * S + (double)dm->m;
}

/* The workspace of bt_batch_alloc for B sequences of length T, in doubles
 * (batch.c): with batched kernels, the inputs and their gradients (B > 1;
 * B = 1 works in place), targets, errors and mask, h_t and ∂L/∂h_t and the
 * cell's batched cache for T·B + B rows, the cell's work, aux and scratch,
 * and for B > 1 a per-sequence workspace for unequal lengths; without them,
 * the per-sequence workspace. Both with one gradient of P values. */
static double batch_doubles(const bt_cell_type *ty, const bt_dims *dm,
			    double T, double B)
{
	double P = bt_cell_param_count(ty, *dm);
	double seq = seq_doubles(ty, dm, T);
	if (!ty->batch_forward)
		return seq + P;
	double n = (double)dm->n, m = (double)dm->m, d = (double)dm->d;
	double N = T * B, Cb = (double)ty->batch_cache_size(dm);
	double A = ty->aux_size ? (double)ty->aux_size(dm) : 0;
	/* the cell's work size takes a size_t B; past 10^8 it is scaled
	 * (at most linear in B) rather than overflow */
	double B0 = B < 1e8 ? B : 1e8;
	double work = (double)ty->batch_work_size(dm, (size_t)B0) * (B / B0);
	return (B > 1 ? 2 * N * d + seq : 0) + N * (2 * m + 1) +
	       (N + B) * (2 * n + Cb) + work + 2 * A +
	       (double)ty->scratch_size(dm) + P + 2;
}

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
	double data = T * (d + m + 1), seq = seq_doubles(ty, dm, T);
	/* full BPTT takes one workspace or the other, never both at once */
	double full = fmax(seq, batch_doubles(ty, dm, T, 1));
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
		need = base + batch_doubles(ty, dm, T, K) + seq + 6 * P;
		break;
	default:
		return 0;
	}
	/* and a constant for what does not grow with the sizes: small
	 * vectors, the random number generators' state, the allocator's own
	 * bookkeeping */
	return 8 * need + BT_MEMORY_SLACK;
}
