/* SPDX-License-Identifier: GPL-3.0-or-later */
/* readout.h — the readout ŷ = V h + b_y and the loss, for both drivers:
 * the per-step engine (seq.c: one step at a time) and the batched one
 * (batch.c: all T·B rows at once). The loss of one step and its error
 * e = ∂ℓ/∂ŷ are defined once, in bt_loss_term; another loss replaces it
 * there. */
#ifndef BT_READOUT_H
#define BT_READOUT_H

#include "cells/cell.h"

/* The loss ℓ of one step (bt_loss_kind, m outputs), returned, and
 * e = ∂ℓ/∂ŷ when e is not NULL (e may be yhat). μ = 0: ℓ = 0 and e = 0. */
double bt_loss_term(bt_loss_kind loss, size_t m, const double *yhat,
		    const double *y, double mu, double *e);

/* L = Σ_r ℓ_r over N rows of m outputs with weights MU; YE holds Ŷ on
 * entry and E = ∂L/∂Ŷ on return. */
double bt_loss_rows(bt_loss_kind loss, size_t N, size_t m, double *YE,
		    const double *Y, const double *MU);

/* What training reports per counted step for a total loss L over count
 * steps: the mean squared error ‖ŷ − y‖² (= 2L/count) for the squared
 * loss, the mean cross-entropy in nats (L/count) for cross-entropy. */
double bt_loss_per_step(bt_loss_kind loss, double L, double count);

/* ŷ_t = V h_t + b_y (+ the cell's extra readout term, which reads X, the
 * inputs x_1 … x_t): one step, with the model of c. */
void bt_readout_step(const bt_step *c, size_t t, const double *h,
		     const double *X, double *yhat, double *rscratch);

/* Given e = ∂ℓ_t/∂ŷ_t: ∂V += e h_tᵀ, ∂b_y += e, δh += Vᵀ e (+ the extra
 * readout's ∂/∂θ, ∂/∂h_t, and ∂/∂x_k into dX when not NULL). grad may be
 * NULL (nothing added to θ's gradient). */
void bt_readout_step_backward(const bt_step *c, size_t t, const double *h,
			      const double *X, const double *e, double *dh,
			      double *dX, double *grad, double *rscratch);

/* Ŷ = H Vᵀ + b_y over N rows (H: N×n, Ŷ: N×m). No extra readout term:
 * batch.c runs only cells without one. */
void bt_readout_rows(const bt_model *model, size_t N, const double *H,
		     double *Yhat);

/* Given E = ∂L/∂Ŷ (N×m): δH = E V (written, not added), ∂V += Eᵀ H,
 * ∂b_y += Σ_r e_r. */
void bt_readout_rows_backward(const bt_model *model, size_t N, const double *E,
			      const double *H, double *dH, double *grad);

#endif
