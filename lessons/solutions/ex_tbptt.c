/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ex_tbptt.c — exercise 4, REFERENCE SOLUTION: truncated backpropagation
 * through time, the spec's sliding window (docs/spec.md).
 *
 * For the loss term ℓ_t, the gradient flows back through the states
 * s_t, s_{t-1}, …, s_{t-k+1} only: k steps back (fewer when t < k), and
 * s_{t-k} is a constant for that term. Every term has its own window.
 * Grade it with  make grade EX=tbptt STUDENT=lessons/solutions/ex_tbptt.c */
#include <string.h>
#include "exercise.h"

static void truncated(const ex_tbptt *p, size_t k)
{
	for (size_t t = 1; t <= p->T; t++) {
		double *cur = p->cur, *prev = p->prev;
		/* δs_t of the term ℓ_t alone */
		if (!p->term(p, t, cur))
			continue;   /* masked out */
		size_t steps = k < t ? k : t;
		for (size_t j = 0; j < steps; j++) {
			size_t u = t - j;             /* step u: s_{u-1} → s_u */
			int last = j + 1 == steps;    /* then s_{u-1} is a constant */
			memset(prev, 0, p->S * sizeof(double));
			p->step(p, u, cur, last ? NULL : prev);
			double *tmp = cur;            /* δs_{u-1} is next step's δs */
			cur = prev;
			prev = tmp;
		}
	}
}

const ex_exercise student_exercise = {.name = "tbptt", .truncated = truncated};
