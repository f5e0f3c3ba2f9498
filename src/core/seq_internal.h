/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seq_internal.h — the sequence workspace, shared by the engine (seq.c, tbptt.c,
 * tbptt_chunked.c, grad.c, estimate.c, batch.c) and the instruments; the
 * passes behind the public entry points, without their checks. */
#ifndef BT_SEQ_INTERNAL_H
#define BT_SEQ_INTERNAL_H

#include "cells/cell.h"

struct bt_seq {
	size_t T_max, T;     /* capacity, length of the last forward pass */
	size_t S, C, m;      /* state, cache per step, output sizes */
	double *states;      /* (T_max+1)×S, row 0 is s_0 = 0 */
	double *dstates;     /* (T_max+1)×S, ∂L/∂s_t after a full backward */
	double *cache;       /* (T_max+1)×C; the last row is bt_seq_step's */
	double *out;         /* T_max×m, ŷ_t */
	double *err;         /* m */
	double *scratch;     /* the cell's scratch */
	double *buf;         /* 2×S, for truncated backward */
	double *aux, *daux;  /* the cell's derived quantities and their gradient */
	double *rscratch;    /* the extra readout's scratch */
	size_t A;            /* aux size */
	bt_step step;        /* model, aux, daux, scratch for the cell */
};

/* Points q->step at the model and the workspace's buffers. */
void bt_seq_bind(bt_seq *q, const bt_model *model);
/* Zeroes daux before a backward pass; folds it into grad after. */
void bt_seq_backward_begin(bt_seq *q);
void bt_seq_backward_end(bt_seq *q, const bt_model *model, double *grad);
/* The start of every backward pass over the sequence: *grad a temporary
 * gradient (*gtmp, for the caller to free) when the caller gives none, δs_t
 * zeroed for t = 0…T, the step bound to the model, daux zeroed. BT_ENOMEM. */
int bt_seq_backward_open(bt_seq *q, const bt_model *model, double **grad,
			 double **gtmp);

/* The checks of the public entry points (BT_EINVAL or BT_OK), made once
 * there: the data fit the model and, for a forward pass, the workspace
 * (length within T_max, the model's state size); for a backward pass,
 * the last forward pass (the same length). */
int bt_seq_check_forward(const bt_seq *q, const bt_model *model,
			 const bt_data *data);
int bt_seq_check_backward(const bt_seq *q, const bt_model *model,
			  const bt_data *data);

/* The passes themselves, for callers that have checked (bt_seq_forward,
 * bt_seq_backward_truncated_split, bt_seq_backward_tbptt, …_artbp,
 * …_estimate without the checks; the estimator too is checked). */
int bt_seq_forward_pass(bt_seq *q, const bt_model *model, const bt_data *data,
			double *loss);
int bt_seq_truncated_pass(bt_seq *q, const bt_model *model,
			  const bt_data *data, size_t k, double *grad,
			  double *dX, double *dX_direct);
int bt_seq_tbptt_pass(bt_seq *q, const bt_model *model, const bt_data *data,
		      size_t k1, size_t k2, double *grad, double *dX);
int bt_seq_artbp_pass(bt_seq *q, const bt_model *model, const bt_data *data,
		      double c, int reweight, gsl_rng *rng, double *grad,
		      double *dX);
int bt_seq_estimate_pass(bt_seq *q, const bt_model *model,
			 const bt_data *data, const bt_estimator *est,
			 gsl_rng *rng, double *grad, double *dX);

/* The readout's backward at step t for its own term, with q bound to
 * the model: e = μ_t (ŷ_t − y_t); adds ∂V, ∂b_y (and the extra readout's
 * parameters) into grad, Vᵀe (and the extra readout's ∂/∂h_t) into dh, and
 * the extra readout's direct ∂/∂x_k into dX_direct (may be NULL). Returns
 * 0 when the term is masked out (nothing added). */
int bt_seq_readout_backward(bt_seq *q, const bt_model *model,
			    const bt_data *data, size_t t, double *grad,
			    double *dh, double *dX_direct);

/* The backward sweep shared by full and chunked BPTT (seq.c): chunk = 0
 * never cuts; chunk = k drops the carry where a chunk of k steps starts.
 * label names the loop for progress and interruption messages. */
#define BT_SWEEP_FULL "steps of the backward pass"
#define BT_SWEEP_CHUNKED "steps of the chunked backward pass"
int bt_seq_backward_sweep(bt_seq *q, const bt_model *model,
			  const bt_data *data, size_t chunk, double *grad,
			  double *dX, double *dX_direct, const char *label);

/* bt_batch_gradient without its checks (batch.c), for bt_gradient, which
 * has checked the data and allocated w for this model and length. */
int bt_batch_run(bt_batch *w, const bt_model *model, const bt_data *const *data,
		 size_t B, double *loss, double *grad, double *const *dX);

/* bt_gradient and bt_gradient_chunked: forward, the chosen backward pass,
 * zeroed and checked outputs; data checked by the caller. */
enum { BT_BACKWARD_SLIDING = 0, BT_BACKWARD_CHUNKED };
int bt_gradient_kind(const bt_model *model, const bt_data *data, int kind,
		     size_t k, double *loss, double *grad, double *dX);

/* For tests: with always set, B sequences step together whatever the
 * hidden size (below the cell's batch_min_n they otherwise go one at a
 * time), so that the kernels for B > 1 are exercised at small sizes. */
void bt_batch_set_together(bt_batch *w, int always);

#endif
