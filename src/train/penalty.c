/* SPDX-License-Identifier: GPL-3.0-or-later */
/* penalty.c — a penalty on the recurrent matrix that acts on the step
 * Jacobians J_t = diag(φ'(a_t)) W through W: the soft orthogonality
 * penalty P(W) = λ ‖WᵀW − I‖²_F and its gradient. bt_train adds it to
 * every step's gradient when bt_train_options.orthogonality is positive. */
#include <math.h>
#include <string.h>
#include "bt.h"

/* P = λ Σ_ij (E_ij)², E = WᵀW − I;  ∂P/∂W = 4λ W E (E is symmetric). */
int bt_penalty_orthogonal(const bt_model *model, double lambda, double *grad,
			  double *value)
{
	if (!model || !(lambda >= 0) || !isfinite(lambda))
		return BT_EINVAL;
	int i = bt_model_find_block(model, "W");
	if (i < 0 || model->blocks[i].rows != model->blocks[i].cols)
		return BT_EINVAL;
	size_t n = model->blocks[i].rows;
	const double *W = model->theta + model->blocks[i].offset;
	double P = 0;
	/* E, one column j at a time: E_kj = Σ_r W_rk W_rj − δ_kj; then
	 * (W E)_rj = Σ_k W_rk E_kj into column j of the gradient */
	for (size_t j = 0; j < n; j++) {
		for (size_t k = 0; k < n; k++) {
			double e = k == j ? -1.0 : 0.0;
			for (size_t r = 0; r < n; r++)
				e += W[r * n + k] * W[r * n + j];
			P += e * e;
			if (grad) {
				double *G = grad + model->blocks[i].offset;
				for (size_t r = 0; r < n; r++)
					G[r * n + j] += 4 * lambda * W[r * n + k] * e;
			}
		}
	}
	P *= lambda;
	if (value)
		*value = P;
	return isfinite(P) ? BT_OK : BT_ENUMERIC;
}
