/* SPDX-License-Identifier: GPL-3.0-or-later */
/* exercise.h — what an exercise file gives the grader.
 *
 * Every exercise file (ex_rnn.c, ex_gru.c, ex_lstm.c, ex_tbptt.c, or the
 * student's copy of one) defines exactly one
 *
 *     const ex_exercise student_exercise = { .name = …, … };
 *
 * A cell exercise (rnn, gru, lstm) points .cell at a complete architecture
 * record (cell.h): the layout, sizes and forward step are given, the
 * backward step is the exercise. The grader runs the library's sequence
 * code through that record and checks the gradient with finite differences.
 *
 * The truncated-BPTT exercise points .truncated at the sliding-window loop;
 * the grader gives it the per-step pieces (ex_tbptt) and compares the
 * result with the library's bt_gradient(…, k, …).
 */
#ifndef BT_EXERCISE_H
#define BT_EXERCISE_H

#include <stddef.h>
#include "cells/cell.h"

/* The pieces of one truncated backward pass over a sequence of length T,
 * after the forward pass (the grader keeps the states and caches). */
typedef struct ex_tbptt {
	size_t T;     /* sequence length */
	size_t S;     /* size of a state s_t (and of δs_t) */
	/* Sets ds (S values) to ∂ℓ_t/∂s_t, the gradient of the loss term at
	 * time t alone at its own state, and adds that term's readout
	 * gradients (∂V, ∂b_y). Returns 0 when the term is masked out (ds is
	 * then all zero and nothing needs to flow back). t = 1 … T. */
	int (*term)(const struct ex_tbptt *p, size_t t, double *ds);
	/* Backward through step u (s_{u-1} → s_u), u = 1 … T: given
	 * ds = ∂ℓ/∂s_u, adds the step's parameter gradients and ∂ℓ/∂x_u, and
	 * adds ∂ℓ/∂s_{u-1} into ds_prev (S values) unless ds_prev is NULL
	 * (s_{u-1} is then a constant: nothing flows back). */
	void (*step)(const struct ex_tbptt *p, size_t u, const double *ds,
		     double *ds_prev);
	double *cur, *prev;   /* two buffers of S doubles for you to use */
	void *ctx;            /* the grader's; do not touch */
} ex_tbptt;

typedef struct {
	const char *name;              /* "rnn", "gru", "lstm" or "tbptt" */
	const bt_cell_type *cell;      /* cell exercises: the student's record */
	void (*truncated)(const ex_tbptt *p, size_t k);  /* the tbptt exercise */
} ex_exercise;

extern const ex_exercise student_exercise;

/* init() for the exercise records: every block N(0, 1/cols). (The grader
 * sets the parameters itself; this only makes the records complete.) */
int ex_init_gaussian(bt_model *model, gsl_rng *rng, const bt_init_options *opt);

#endif /* BT_EXERCISE_H */
