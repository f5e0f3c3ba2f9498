/* cell_rnn.c — the vanilla RNN:
 *
 *     a_t = W h_{t-1} + U x_t + b,    h_t = φ(a_t)
 *
 * with φ = tanh (default), relu, sigmoid or identity. The affine part and
 * its backward step are shared with the linear and residual cells. */
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <string.h>
#include "cell.h"

/* a = W h + U x + b */
void bt_affine_forward(const bt_dims *dm, const double *W, const double *U,
		       const double *b, const double *h, const double *x,
		       double *a)
{
	int n = (int)dm->n, d = (int)dm->d;
	memcpy(a, b, dm->n * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, W, n, h, 1, 1.0, a, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0, U, d, x, 1, 1.0, a, 1);
}

/* Given δa = ∂L/∂a:  ∂W += δa hᵀ,  ∂U += δa xᵀ,  ∂b += δa,
 * δh += Wᵀ δa,  δx += Uᵀ δa. */
void bt_affine_backward(const bt_dims *dm, const double *W, const double *U,
			const double *h, const double *x, const double *da,
			double *gW, double *gU, double *gb, double *dh,
			double *dx)
{
	int n = (int)dm->n, d = (int)dm->d;
	cblas_dger(CblasRowMajor, n, n, 1.0, da, 1, h, 1, gW, n);
	cblas_dger(CblasRowMajor, n, d, 1.0, da, 1, x, 1, gU, d);
	cblas_daxpy(n, 1.0, da, 1, gb, 1);
	if (dh)
		cblas_dgemv(CblasRowMajor, CblasTrans, n, n, 1.0, W, n, da, 1, 1.0, dh, 1);
	if (dx)
		cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, U, d, da, 1, 1.0, dx, 1);
}

void bt_layout_wub(const bt_dims *dm, bt_block *blocks, const char *wname)
{
	blocks[0] = (bt_block){wname, dm->n, dm->n, 0};
	blocks[1] = (bt_block){"U", dm->n, dm->d, 0};
	blocks[2] = (bt_block){"b", dm->n, 1, 0};
}

size_t bt_size_n(const bt_dims *dm) { return dm->n; }

double bt_lipschitz_activation(const bt_model *model)
{
	return bt_activation_lipschitz(model->activation);
}

void bt_recurrent_block0(const bt_step *c, gsl_matrix *W)
{
	const bt_model *model = c->model;
	memcpy(W->data, model->theta + model->blocks[0].offset,
	       model->dims.n * model->dims.n * sizeof(double));
}

/* W as bt_init_recurrent says, U Glorot-normal, b = 0. */
int bt_init_wub(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	double *th = model->theta;
	int st = bt_init_recurrent(th + model->blocks[0].offset, dm->n, rng, opt);
	bt_fill_gaussian(th + model->blocks[1].offset, dm->n * dm->d,
			 bt_glorot_sd(dm->d, dm->n), rng);
	return st;
}

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static void rnn_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const bt_dims *dm = &model->dims;
	double *a = cache;
	/* a_t = W h_{t-1} + U x_t + b;  h_t = φ(a_t) */
	bt_affine_forward(dm, P(0), P(1), P(2), s_prev, x, a);
	for (size_t i = 0; i < dm->n; i++)
		s[i] = bt_activation_apply(model->activation, a[i]);
}

static void rnn_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	double *scratch = c->scratch;
	(void)s;
	const bt_dims *dm = &model->dims;
	const double *a = cache;
	double *da = scratch;
	/* δa_t = φ'(a_t) ⊙ δh_t */
	for (size_t i = 0; i < dm->n; i++)
		da[i] = bt_activation_deriv(model->activation, a[i]) * ds[i];
	bt_affine_backward(dm, P(0), P(1), s_prev, x, da, G(0), G(1), G(2),
			   ds_prev, dx);
}

static void rnn_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)s_prev; (void)x; (void)s;
	size_t n = model->dims.n;
	const double *W = P(0);
	/* J_t = diag(φ'(a_t)) W, row by row (gsl_matrix_set per entry, a call
	 * with a range check, was half the time of bptt lyapunov) */
	for (size_t i = 0; i < n; i++) {
		double g = bt_activation_deriv(model->activation, cache[i]);
		double *Ji = J->data + i * J->tda;
		for (size_t j = 0; j < n; j++)
			Ji[j] = g * W[i * n + j];
	}
}

static void rnn_layout(const bt_dims *dm, bt_block *blocks)
{
	bt_layout_wub(dm, blocks, "W");
}

const bt_cell_type bt_cell_rnn = {
	.name = "rnn",
	.summary = "vanilla RNN, h_t = phi(W h_{t-1} + U x_t + b)",
	.has_activation = 1,
	.nblocks = 3,
	.layout = rnn_layout,
	.state_size = bt_size_n,
	.cache_size = bt_size_n,
	.scratch_size = bt_size_n,
	.init = bt_init_wub,
	.forward = rnn_forward,
	.backward = rnn_backward,
	.jacobian = rnn_jacobian,
	.recurrent = bt_recurrent_block0,
	.bound = BT_BOUND_POWER,
	.lipschitz = bt_lipschitz_activation,
};
