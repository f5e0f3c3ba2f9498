/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_tbptt.c — exercise 4 (guided: the equations are given): truncated backpropagation through time, the
 * spec's sliding window (docs/spec.md).
 *
 * For the loss term ℓ_t, the gradient flows back through the states
 * s_t, s_{t-1}, …, s_{t-k+1} only: k steps back (fewer when t < k), and
 * s_{t-k} is a constant for that term. Every term has its own window.
 *
 * The per-step pieces are given (exercise.h, ex_tbptt): p->term(p, t, ds)
 * sets ds = ∂ℓ_t/∂s_t and returns 0 when ℓ_t is masked out; p->step(p, u,
 * ds, ds_prev) goes back through step u (s_{u-1} → s_u), adding the
 * parameter and input gradients and ∂ℓ/∂s_{u-1} into ds_prev (NULL: s_{u-1}
 * is a constant). Write the loop (the TODO below), then grade it:
 *     make grade EX=tbptt MODE=guided [STUDENT=my_tbptt.c]
 * See lessons/exercises/README.md. */
#include <string.h>   /* memset, which you will want */
#include "exercise.h"

/* TODO: for every t = 1 … T (p->T):
 *   δs_t ← term(t) (skip the term when it returns 0);
 *   then back through the steps u = t, t − 1, …, t − k + 1 (not below 1),
 *   each step's ds_prev becoming the next step's ds; ds_prev must start at
 *   zero (step adds into it), and on the last step of the window it is NULL.
 * p->cur and p->prev are two buffers of p->S doubles for δs. */
static void truncated(const ex_tbptt *p, size_t k)
{
	(void)p; (void)k;
	/* TODO */
}

const ex_exercise student_exercise = {.name = "tbptt", .truncated = truncated};
