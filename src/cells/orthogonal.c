/* SPDX-License-Identifier: GPL-3.0-or-later */
/* orthogonal.c — the orthogonal RNN: a tanh RNN whose recurrent
 * matrix is the Cayley transform of a skew-symmetric matrix,
 *
 *     S = A − Aᵀ,   W = (I + S)⁻¹ (I − S),   h_t = tanh(W h_{t-1} + U x_t + b)
 *
 * W is orthogonal for every A (S skew ⇒ I + S invertible). prepare() solves
 * (I + S) W = I − S with one LU factorisation; finish() maps ∂L/∂W back to
 * A in closed form: with M = I + S,
 *
 *     dW = −M⁻¹ dS (W + I)   ⇒   ∂L/∂S = −M⁻ᵀ G (W + I)ᵀ,  G = ∂L/∂W,
 *     ∂L/∂A = ∂L/∂S − (∂L/∂S)ᵀ,
 *
 * where M⁻ᵀ is applied with the same LU factors (triangular solves).
 *
 * Per-step reference: ortho_forward, ortho_backward, ortho_jacobian below,
 * around the affine map of affine.c, with W from ortho_prepare (aux) and
 * ∂L/∂W folded into ∂L/∂A by ortho_finish. Batched kernels: the affine
 * family's (affine.c), W from aux, φ = tanh; prepare and finish as above. */
#include <math.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permute_vector.h>
#include "cells/cell.h"

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

/* aux: W (n²), the LU factors of M (n²), the permutation (n indices) */
static size_t ortho_aux_size(const bt_dims *dm)
{
	return 2 * dm->n * dm->n + dm->n + 1;
}

/* scratch: δa (n); finish also uses it for Z and Y (2n²) */
static size_t ortho_scratch_size(const bt_dims *dm)
{
	return 2 * dm->n * dm->n + dm->n;
}

/* The permutation's indices are kept in aux's last n + 1 doubles. */
_Static_assert(sizeof(size_t) <= sizeof(double), "size_t fits a double's bytes");

static gsl_permutation perm_view(const double *aux, size_t n)
{
	gsl_permutation p = {n, (size_t *)(aux + 2 * n * n)};
	return p;
}

static int ortho_prepare(const bt_step *c, double *aux)
{
	const bt_model *model = c->model;
	size_t n = model->dims.n;
	const double *A = P(0);
	double *W = aux, *LU = aux + n * n, *pd = aux + 2 * n * n;
	/* M = I + S, and the right-hand side I − S into W */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = A[i * n + j] - A[j * n + i];
			LU[i * n + j] = (i == j) + s;
			W[i * n + j] = (i == j) - s;
		}
	gsl_matrix_view LUv = gsl_matrix_view_array(LU, n, n);
	gsl_permutation *perm = gsl_permutation_alloc(n);
	if (!perm)
		return BT_ENOMEM;
	int signum;
	gsl_linalg_LU_decomp(&LUv.matrix, perm, &signum);
	/* M W = I − S:  P M = L U, so W = U⁻¹ L⁻¹ (P (I − S)) */
	for (size_t j = 0; j < n; j++) {
		gsl_vector_view col = gsl_vector_view_array_with_stride(W + j, n, n);
		gsl_permute_vector(perm, &col.vector);
	}
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit,
		    (int)n, (int)n, 1.0, LU, (int)n, W, (int)n);
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit,
		    (int)n, (int)n, 1.0, LU, (int)n, W, (int)n);
	memcpy(pd, perm->data, n * sizeof(size_t));
	gsl_permutation_free(perm);
	for (size_t i = 0; i < n * n; i++)
		if (!isfinite(W[i]))
			return BT_ENUMERIC;
	return BT_OK;
}

static void ortho_finish(const bt_step *c, const double *daux, double *grad)
{
	const bt_model *model = c->model;
	size_t n = model->dims.n;
	int ni = (int)n;
	const double *W = c->aux, *LU = c->aux + n * n, *Gw = daux;
	double *Z = c->scratch, *Y = c->scratch + n * n;
	/* Z = G (W + I)ᵀ */
	memcpy(Y, W, n * n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		Y[i * n + i] += 1.0;
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ni, ni, ni, 1.0, Gw,
		    ni, Y, ni, 0.0, Z, ni);
	/* Mᵀ Y = Z with Mᵀ = Uᵀ Lᵀ P:  Y = P⁻¹ L⁻ᵀ U⁻ᵀ Z */
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit,
		    ni, ni, 1.0, LU, ni, Z, ni);
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasUnit,
		    ni, ni, 1.0, LU, ni, Z, ni);
	gsl_permutation perm = perm_view(c->aux, n);
	for (size_t j = 0; j < n; j++) {
		gsl_vector_view col = gsl_vector_view_array_with_stride(Z + j, n, n);
		gsl_permute_vector_inverse(&perm, &col.vector);
	}
	/* ∂L/∂S = −Z;  ∂L/∂A = ∂L/∂S − (∂L/∂S)ᵀ */
	double *gA = G(0);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gA[i * n + j] += -Z[i * n + j] + Z[j * n + i];
}

static void ortho_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	double *a = cache;
	/* a_t = W h_{t-1} + U x_t + b;  h_t = tanh(a_t), W from prepare */
	bt_affine_forward(&model->dims, c->aux, P(1), P(2), s_prev, x, a);
	for (size_t i = 0; i < model->dims.n; i++)
		s[i] = tanh(a[i]);
}

static void ortho_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *da = c->scratch + 2 * model->dims.n * model->dims.n;
	(void)cache;
	/* δa_t = (1 − h_t²) ⊙ δh_t;  ∂L/∂W (into daux) += δa_t h_{t-1}ᵀ */
	for (size_t i = 0; i < model->dims.n; i++)
		da[i] = (1.0 - s[i] * s[i]) * ds[i];
	bt_affine_backward(&model->dims, c->aux, P(1), s_prev, x, da, c->daux,
			   G(1), G(2), ds_prev, dx);
}

static void ortho_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	(void)s_prev; (void)x; (void)cache;
	size_t n = c->model->dims.n;
	/* J_t = diag(1 − h_t²) W */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			gsl_matrix_set(J, i, j, (1.0 - s[i] * s[i]) * c->aux[i * n + j]);
}

static void ortho_recurrent(const bt_step *c, gsl_matrix *W)
{
	size_t n = c->model->dims.n;
	memcpy(W->data, c->aux, n * n * sizeof(double));
}

/* A ~ N(0, 1/(2n)) so that S = A − Aᵀ has entries of variance 1/n; U
 * Glorot-normal; b = 0. W is orthogonal whatever the options say. */
static int ortho_init(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	if (opt->scale > 0 || opt->radius > 0)
		return BT_EINVAL;
	bt_fill_gaussian(P(0), dm->n * dm->n, 1.0 / sqrt(2.0 * (double)dm->n), rng);
	bt_fill_gaussian(P(1), dm->n * dm->d, bt_glorot_sd(dm->d, dm->n), rng);
	return BT_OK;
}

static void ortho_layout(const bt_dims *dm, bt_block *blocks)
{
	bt_layout_wub(dm, blocks, "A");
}

static const bt_graph_node ortho_nodes[] = {{"h", "<i>h</i>", 0}};
static const bt_graph_edge ortho_edges[] = {
	{"h", 1, "h", "<i>W</i>"},
	{"x", 0, "h", "<i>U</i>"},
};
static const bt_cell_graph ortho_graph = {1, 2, ortho_nodes, ortho_edges, NULL, NULL,
	"h<sub>t</sub> = tanh(<i>W</i> h<sub>t−1</sub> + <i>U</i> x<sub>t</sub> + b), "
	"<i>W</i> = (<i>I</i> + <i>S</i>)<sup>−1</sup>(<i>I</i> − <i>S</i>) orthogonal, <i>S</i> = <i>A</i> − <i>A</i><sup>T</sup>"};

const bt_cell_type bt_cell_orthogonal = {
	.name = "orthogonal",
	.summary = "orthogonal RNN, h_t = tanh(W h_{t-1} + U x_t + b), W = (I+S)^-1 (I-S), S = A - A^T",
	.has_activation = 0,
	.fixed_norm = 1,
	.nblocks = 3,
	.layout = ortho_layout,
	.state_size = bt_size_n,
	.cache_size = bt_size_n,
	.scratch_size = ortho_scratch_size,
	.aux_size = ortho_aux_size,
	.init = ortho_init,
	.prepare = ortho_prepare,
	.finish = ortho_finish,
	.forward = ortho_forward,
	.backward = ortho_backward,
	.jacobian = ortho_jacobian,
	.recurrent = ortho_recurrent,
	.batch_cache_size = bt_affine_batch_cache_size,
	.batch_work_size = bt_affine_batch_work_size,
	.batch_begin = bt_affine_batch_begin,
	.batch_forward = bt_affine_batch_forward,
	.batch_backward = bt_affine_batch_backward,
	.batch_end = bt_affine_batch_end,
	.batch_min_n = 112,
	.params = &(const bt_affine_kind){.use_aux = 1, .act = BT_ACT_TANH},
	.graph = &ortho_graph,
};
