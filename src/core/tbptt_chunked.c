/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include "core/seq_internal.h"

int bt_seq_backward_chunked(bt_seq *q, const bt_model *model,
			    const bt_data *data, size_t k, double *grad,
			    double *dX)
{
	if (k < 1 || bt_seq_check_backward(q, model, data) != BT_OK)
		return BT_EINVAL;
	return bt_seq_backward_sweep(q, model, data, k, grad, dX, NULL,
				     BT_SWEEP_CHUNKED);
}
