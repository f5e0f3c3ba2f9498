/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_tbptt.c — exercise 4: truncated backpropagation through time, the
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
 *     make grade EX=tbptt [STUDENT=my_tbptt.c]
 * See README.md in this directory. */
#include <string.h>   /* memset, which you will want */
#include "exercise.h"

/* TODO: the loop. Using term() and step() (exercise.h), add up over every
 * loss term ℓ_t the gradient of ℓ_t truncated as defined above: it flows
 * back through k states and no further, and never below step 1. step()
 * adds into ds_prev, so what it adds into must start at zero; NULL means
 * "nothing flows back". p->cur and p->prev are two buffers of p->S
 * doubles for δs. */
static void truncated(const ex_tbptt *p, size_t k)
{
	(void)p; (void)k;
	/* TODO */
}

const ex_exercise student_exercise = {.name = "tbptt", .truncated = truncated};
