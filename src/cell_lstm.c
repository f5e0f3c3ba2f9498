/* cell_lstm.c — the LSTM (no peepholes):
 *
 *     f_t = σ(W_f h_{t-1} + U_f x_t + b_f)      forget gate
 *     i_t = σ(W_i h_{t-1} + U_i x_t + b_i)      input gate
 *     o_t = σ(W_o h_{t-1} + U_o x_t + b_o)      output gate
 *     g_t = tanh(W_g h_{t-1} + U_g x_t + b_g)   candidate c̃_t
 *     c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
 *     h_t = o_t ⊙ tanh(c_t)
 *
 * The state is s_t = [h_t; c_t] (2n, h first, so the readout reads h_t).
 *
 * The blocks are laid out W_f W_i W_o W_g, U_f U_i U_o U_g, b_f b_i b_o b_g,
 * one after another, so the four W's are one 4n×n row-major matrix, the
 * four U's one 4n×d matrix and the four b's one 4n vector: each step is one
 * matrix-vector product per input, for all four gates at once, and
 * a_t = [a_f; a_i; a_o; a_g] (4n) are the pre-activations.
 *
 * Per step the cache keeps [f_t; i_t; o_t; g_t; tanh(c_t)] (5n); c_{t-1}
 * and c_t are in the states. */
#include <gsl/gsl_cblas.h>
#include <string.h>
#include "cell.h"

/* Block indices: W_f … W_g are 0–3, U_f … U_g 4–7, b_f … b_g 8–11. */
enum { IW = 0, IU = 4, IB = 8, NBLOCKS = 12 };

#define P(i) (model->theta + model->blocks[i].offset)
#define G(i) (grad + model->blocks[i].offset)

static void lstm_layout(const bt_dims *dm, bt_block *blocks)
{
	static const char *const names[NBLOCKS] = {
		"W_f", "W_i", "W_o", "W_g", "U_f", "U_i", "U_o", "U_g",
		"b_f", "b_i", "b_o", "b_g"};
	for (int k = 0; k < 4; k++) {
		blocks[IW + k] = (bt_block){names[IW + k], dm->n, dm->n, 0};
		blocks[IU + k] = (bt_block){names[IU + k], dm->n, dm->d, 0};
		blocks[IB + k] = (bt_block){names[IB + k], dm->n, 1, 0};
	}
}

static size_t lstm_state_size(const bt_dims *dm) { return 2 * dm->n; }
static size_t lstm_cache_size(const bt_dims *dm) { return 5 * dm->n; }
static size_t lstm_scratch_size(const bt_dims *dm) { return 4 * dm->n; }

/* Each W_* as bt_init_recurrent says, each U_* Glorot-normal, b_f the
 * forget bias, b_i = b_o = b_g = 0. */
static int lstm_init(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	const bt_dims *dm = &model->dims;
	int st = BT_OK;
	for (int k = 0; k < 4; k++) {
		int s = bt_init_recurrent(P(IW + k), dm->n, rng, opt);
		if (st == BT_OK)
			st = s;
	}
	for (int k = 0; k < 4; k++)
		bt_fill_gaussian(P(IU + k), dm->n * dm->d,
				 bt_glorot_sd(dm->d, dm->n), rng);
	for (int k = 0; k < 4; k++)
		memset(P(IB + k), 0, dm->n * sizeof(double));
	double *bf = P(IB);
	for (size_t j = 0; j < dm->n; j++)
		bf[j] = opt->forget_bias;
	return st;
}

static void lstm_forward(const bt_step *c, const double *s_prev,
		const double *x, double *s, double *cache)
{
	const bt_model *model = c->model;
	const size_t n = model->dims.n;
	const int n4 = (int)(4 * n), in = (int)n, d = (int)model->dims.d;
	const double *h_prev = s_prev, *c_prev = s_prev + n;
	double *h = s, *ct = s + n;
	double *a = cache;   /* a_t, then the gates in place */
	double *f = cache, *ig = cache + n, *o = cache + 2 * n, *g = cache + 3 * n;
	double *tc = cache + 4 * n;
	/* a_t = [W_f; W_i; W_o; W_g] h_{t-1} + [U_f; …; U_g] x_t + [b_f; …; b_g] */
	memcpy(a, P(IB), 4 * n * sizeof(double));
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n4, in, 1.0, P(IW), in,
		    h_prev, 1, 1.0, a, 1);
	cblas_dgemv(CblasRowMajor, CblasNoTrans, n4, d, 1.0, P(IU), d, x, 1,
		    1.0, a, 1);
	/* f, i, o = σ(a_f, a_i, a_o);  g = tanh(a_g) */
	for (size_t j = 0; j < 3 * n; j++)
		a[j] = bt_activation_apply(BT_ACT_SIGMOID, a[j]);
	for (size_t j = 3 * n; j < 4 * n; j++)
		a[j] = bt_activation_apply(BT_ACT_TANH, a[j]);
	/* c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t;  h_t = o_t ⊙ tanh(c_t) */
	for (size_t j = 0; j < n; j++) {
		ct[j] = f[j] * c_prev[j] + ig[j] * g[j];
		tc[j] = bt_activation_apply(BT_ACT_TANH, ct[j]);
		h[j] = o[j] * tc[j];
	}
}

static void lstm_backward(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		const double *ds, double *ds_prev, double *dx, double *grad)
{
	const bt_model *model = c->model;
	(void)s;
	const size_t n = model->dims.n;
	const int n4 = (int)(4 * n), in = (int)n, d = (int)model->dims.d;
	const double *h_prev = s_prev, *c_prev = s_prev + n;
	const double *f = cache, *ig = cache + n, *o = cache + 2 * n,
		     *g = cache + 3 * n, *tc = cache + 4 * n;
	const double *dh = ds, *dc = ds + n;
	double *da = c->scratch;
	double *da_f = da, *da_i = da + n, *da_o = da + 2 * n, *da_g = da + 3 * n;
	for (size_t j = 0; j < n; j++) {
		/* δc̄_t = δc_t + δh_t ⊙ o_t ⊙ (1 − tanh²(c_t))   (all of ∂L/∂c_t) */
		double dct = dc[j] + dh[j] * o[j] * (1.0 - tc[j] * tc[j]);
		/* δa_o = δh_t ⊙ tanh(c_t) ⊙ o(1−o);  δa_f = δc̄_t ⊙ c_{t-1} ⊙ f(1−f);
		 * δa_i = δc̄_t ⊙ g_t ⊙ i(1−i);       δa_g = δc̄_t ⊙ i_t ⊙ (1−g²) */
		da_o[j] = dh[j] * tc[j] * o[j] * (1.0 - o[j]);
		da_f[j] = dct * c_prev[j] * f[j] * (1.0 - f[j]);
		da_i[j] = dct * g[j] * ig[j] * (1.0 - ig[j]);
		da_g[j] = dct * ig[j] * (1.0 - g[j] * g[j]);
		/* δc_{t-1} += δc̄_t ⊙ f_t */
		if (ds_prev)
			ds_prev[n + j] += dct * f[j];
	}
	/* ∂W_* += δa_* h_{t-1}ᵀ,  ∂U_* += δa_* x_tᵀ,  ∂b_* += δa_*  (four at once) */
	cblas_dger(CblasRowMajor, n4, in, 1.0, da, 1, h_prev, 1, G(IW), in);
	cblas_dger(CblasRowMajor, n4, d, 1.0, da, 1, x, 1, G(IU), d);
	cblas_daxpy(n4, 1.0, da, 1, G(IB), 1);
	/* δh_{t-1} += Σ_* W_*ᵀ δa_*,  δx_t += Σ_* U_*ᵀ δa_* */
	if (ds_prev)
		cblas_dgemv(CblasRowMajor, CblasTrans, n4, in, 1.0, P(IW), in,
			    da, 1, 1.0, ds_prev, 1);
	if (dx)
		cblas_dgemv(CblasRowMajor, CblasTrans, n4, d, 1.0, P(IU), d,
			    da, 1, 1.0, dx, 1);
}

/* J_t = ∂[h_t; c_t]/∂[h_{t-1}; c_{t-1}] = [[A, B], [C, D]] with
 *     C = ∂c_t/∂h_{t-1} = diag(c_{t-1} ⊙ f(1−f)) W_f + diag(g ⊙ i(1−i)) W_i
 *                         + diag(i ⊙ (1−g²)) W_g
 *     D = ∂c_t/∂c_{t-1} = diag(f)
 *     A = ∂h_t/∂h_{t-1} = diag(tanh(c_t) ⊙ o(1−o)) W_o
 *                         + diag(o ⊙ (1−tanh²(c_t))) C
 *     B = ∂h_t/∂c_{t-1} = diag(o ⊙ (1−tanh²(c_t)) ⊙ f) */
static void lstm_jacobian(const bt_step *c, const double *s_prev,
		const double *x, const double *s, const double *cache,
		gsl_matrix *J)
{
	const bt_model *model = c->model;
	(void)x; (void)s;
	const size_t n = model->dims.n;
	const double *c_prev = s_prev + n;
	const double *f = cache, *ig = cache + n, *o = cache + 2 * n,
		     *g = cache + 3 * n, *tc = cache + 4 * n;
	const double *Wf = P(IW), *Wi = P(IW + 1), *Wo = P(IW + 2),
		     *Wg = P(IW + 3);
	gsl_matrix_set_zero(J);
	for (size_t r = 0; r < n; r++) {
		double kf = c_prev[r] * f[r] * (1.0 - f[r]);
		double ki = g[r] * ig[r] * (1.0 - ig[r]);
		double kg = ig[r] * (1.0 - g[r] * g[r]);
		double ko = tc[r] * o[r] * (1.0 - o[r]);
		double kc = o[r] * (1.0 - tc[r] * tc[r]);   /* ∂h_t/∂c_t */
		for (size_t j = 0; j < n; j++) {
			double C = kf * Wf[r * n + j] + ki * Wi[r * n + j] +
				   kg * Wg[r * n + j];
			gsl_matrix_set(J, n + r, j, C);
			gsl_matrix_set(J, r, j, ko * Wo[r * n + j] + kc * C);
		}
		gsl_matrix_set(J, n + r, n + r, f[r]);
		gsl_matrix_set(J, r, n + r, kc * f[r]);
	}
}

const bt_cell_type bt_cell_lstm = {
	.name = "lstm",
	.summary = "LSTM, c_t = f_t*c_{t-1} + i_t*g_t, h_t = o_t*tanh(c_t); state [h; c]",
	.has_activation = 0,
	.nblocks = NBLOCKS,
	.layout = lstm_layout,
	.state_size = lstm_state_size,
	.cache_size = lstm_cache_size,
	.scratch_size = lstm_scratch_size,
	.init = lstm_init,
	.forward = lstm_forward,
	.backward = lstm_backward,
	.jacobian = lstm_jacobian,
	.bound = BT_BOUND_STEPS,
};
