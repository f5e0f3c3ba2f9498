/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_penalty.c — the soft orthogonality penalty (penalty.c),
 * P(W) = λ ‖WᵀW − I‖²_F, and its use in bt_train:
 *
 *  - its value against a plain triple loop in long double;
 *  - its gradient against central finite differences of that independent
 *    value, entry by entry, for irregular W of several sizes;
 *  - closed forms: P = 0 and ∂P/∂W = 0 for an orthogonal W (Haar, from the
 *    initialisation), P = λ n (s² − 1)² and ∂P/∂W = 4λ s (s² − 1) I for
 *    W = s I;
 *  - it adds into grad and touches only the block W;
 *  - refusals: λ < 0, NaN, a model without a block W;
 *  - bt_train with orthogonality = λ and plain SGD makes exactly the step
 *    θ − η (∂L/∂θ + ∂P/∂θ), with the penalty's gradient from the finite
 *    differences above, not from the code under test. */
#include "testutil.h"

/* ‖WᵀW − I‖²_F of the block W, computed directly (long double). */
static double ref_value(const bt_model *m, const double *theta)
{
	int i = bt_model_find_block(m, "W");
	size_t n = m->blocks[i].rows;
	const double *W = theta + m->blocks[i].offset;
	long double P = 0;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			long double e = a == b ? -1.0L : 0.0L;
			for (size_t r = 0; r < n; r++)
				e += (long double)W[r * n + a] * W[r * n + b];
			P += e * e;
		}
	return (double)P;
}

/* λ times the central difference of ref_value for every parameter. */
static void ref_gradient(const bt_model *m, double lambda, double *fd)
{
	double *th = malloc(m->nparams * sizeof(double));
	ck_assert_ptr_nonnull(th);
	memcpy(th, m->theta, m->nparams * sizeof(double));
	for (size_t k = 0; k < m->nparams; k++) {
		double h = 1e-6 * fmax(1, fabs(th[k])), x = th[k];
		th[k] = x + h;
		double Lp = ref_value(m, th);
		th[k] = x - h;
		double Lm = ref_value(m, th);
		th[k] = x;
		fd[k] = lambda * (Lp - Lm) / (2 * h);
	}
	free(th);
}

START_TEST(test_value_and_fd)
{
	const size_t sizes[] = {1, 2, 3, 5, 8};
	size_t n = sizes[_i];
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, n, 3, 0.7, 11 + _i);
	double lambda = 0.37, P;
	double *g = calloc(m->nparams, sizeof(double)), *fd = malloc(m->nparams * sizeof(double));
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(fd);
	ck_assert_int_eq(bt_penalty_orthogonal(m, lambda, g, &P), BT_OK);
	double want = lambda * ref_value(m, m->theta);
	ck_assert_msg(fabs(P - want) <= 1e-12 * fmax(1, want), "n = %zu: P %.17g vs %.17g", n, P, want);
	ref_gradient(m, lambda, fd);
	double scale = 0;
	for (size_t k = 0; k < m->nparams; k++)
		scale = fmax(scale, fabs(fd[k]));
	for (size_t k = 0; k < m->nparams; k++)
		ck_assert_msg(fabs(g[k] - fd[k]) <= 1e-7 * fmax(1, scale),
			      "n = %zu, parameter %zu: %.12g against finite differences %.12g",
			      n, k, g[k], fd[k]);
	free(g);
	free(fd);
	bt_model_free(m);
}
END_TEST

START_TEST(test_closed_forms)
{
	/* an orthogonal W: P = 0, ∂P/∂W = 0 */
	const bt_cell_type *t = bt_cell_lookup("rnn");
	bt_dims dims = {3, 6, 2};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, t, dims, BT_ACT_TANH), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	o.orthogonal = 1;
	ck_assert_int_eq(bt_model_init(m, &o), BT_OK);
	double *g = calloc(m->nparams, sizeof(double)), P;
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(bt_penalty_orthogonal(m, 2.5, g, &P), BT_OK);
	ck_assert_msg(P <= 1e-25, "orthogonal W: P = %g", P);
	for (size_t k = 0; k < m->nparams; k++)
		ck_assert_msg(fabs(g[k]) <= 1e-13, "orthogonal W: gradient %zu = %g", k, g[k]);
	/* W = s I: P = λ n (s² − 1)², ∂P/∂W = 4λ s (s² − 1) I */
	int iw = bt_model_find_block(m, "W");
	double *W = m->theta + m->blocks[iw].offset, s = 1.3, lambda = 0.7;
	size_t n = 6;
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
			W[a * n + b] = a == b ? s : 0;
	memset(g, 0, m->nparams * sizeof(double));
	ck_assert_int_eq(bt_penalty_orthogonal(m, lambda, g, &P), BT_OK);
	double want = lambda * n * (s * s - 1) * (s * s - 1);
	ck_assert_msg(fabs(P - want) <= 1e-14 * want, "W = sI: P %.17g vs %.17g", P, want);
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			double gw = g[m->blocks[iw].offset + a * n + b];
			double wg = a == b ? 4 * lambda * s * (s * s - 1) : 0;
			ck_assert_msg(fabs(gw - wg) <= 1e-14, "W = sI: dP/dW[%zu][%zu] %.17g vs %.17g",
				      a, b, gw, wg);
		}
	free(g);
	bt_model_free(m);
}
END_TEST

START_TEST(test_adds_only_into_w)
{
	bt_model *m = tu_model("residual", BT_ACT_TANH, 3, 4, 2, 0.8, 5);
	double *g0 = malloc(m->nparams * sizeof(double)), *g = malloc(m->nparams * sizeof(double));
	double *fd = malloc(m->nparams * sizeof(double));
	ck_assert_ptr_nonnull(g0);
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(fd);
	for (size_t k = 0; k < m->nparams; k++)
		g0[k] = g[k] = sin(3.7 * k + 1);
	ck_assert_int_eq(bt_penalty_orthogonal(m, 1.1, g, NULL), BT_OK);
	ref_gradient(m, 1.1, fd);
	int iw = bt_model_find_block(m, "W");
	size_t lo = m->blocks[iw].offset, hi = lo + 16;
	for (size_t k = 0; k < m->nparams; k++) {
		if (k < lo || k >= hi)
			ck_assert_msg(g[k] == g0[k], "parameter %zu outside W changed", k);
		ck_assert_msg(fabs(g[k] - g0[k] - fd[k]) <= 1e-6, "parameter %zu: added %.12g, fd %.12g",
			      k, g[k] - g0[k], fd[k]);
	}
	free(g0);
	free(g);
	free(fd);
	bt_model_free(m);
}
END_TEST

START_TEST(test_refusals)
{
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, 3, 1, 0.5, 2);
	double P = 0;
	ck_assert_int_eq(bt_penalty_orthogonal(m, -1, NULL, &P), BT_EINVAL);
	ck_assert_int_eq(bt_penalty_orthogonal(m, NAN, NULL, &P), BT_EINVAL);
	ck_assert_int_eq(bt_penalty_orthogonal(m, INFINITY, NULL, &P), BT_EINVAL);
	ck_assert_int_eq(bt_penalty_orthogonal(NULL, 1, NULL, &P), BT_EINVAL);
	ck_assert_int_eq(bt_penalty_orthogonal(m, 0, NULL, &P), BT_OK);
	ck_assert(P == 0);
	bt_model *gru = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 2);
	ck_assert_int_eq(bt_penalty_orthogonal(gru, 1, NULL, &P), BT_EINVAL);
	/* bt_train refuses the penalty for a model without W, and λ < 0 */
	bt_train_options o;
	bt_train_options_default(&o);
	o.task.T = 5;
	o.steps = 1;
	o.orthogonality = 0.1;
	bt_model *g2 = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 2);
	ck_assert_int_eq(bt_train(g2, &o, NULL), BT_EINVAL);
	o.orthogonality = -0.1;
	ck_assert_int_eq(bt_train(m, &o, NULL), BT_EINVAL);
	bt_model_free(g2);
	bt_model_free(gru);
	bt_model_free(m);
}
END_TEST

/* One step of plain SGD on one fixed sequence: θ − η (∂L/∂θ + ∂P/∂θ). */
START_TEST(test_train_step)
{
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, 4, 1, 0.6, 9);
	bt_data *d = tu_data(7, 2, 1, 0, 4);
	double eta = 0.05, lambda = 0.3, L;
	double *g = malloc(m->nparams * sizeof(double)), *fd = malloc(m->nparams * sizeof(double));
	double *want = malloc(m->nparams * sizeof(double));
	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(fd);
	ck_assert_ptr_nonnull(want);
	ck_assert_int_eq(bt_gradient(m, d, 0, &L, g, NULL), BT_OK);
	ref_gradient(m, lambda, fd);
	for (size_t k = 0; k < m->nparams; k++)
		want[k] = m->theta[k] - eta * (g[k] + fd[k]);
	const bt_data *set[1] = {d};
	bt_train_options o;
	bt_train_options_default(&o);
	o.data = set;
	o.ndata = 1;
	o.batch = 1;
	o.steps = 1;
	o.optimizer = bt_optimizer_sgd;
	bt_optimizer_options_default(&o.opt, bt_optimizer_sgd);
	o.opt.lr = eta;
	o.orthogonality = lambda;
	ck_assert_int_eq(bt_train(m, &o, NULL), BT_OK);
	for (size_t k = 0; k < m->nparams; k++)
		ck_assert_msg(fabs(m->theta[k] - want[k]) <= 1e-8,
			      "parameter %zu after one step: %.12g, want %.12g", k, m->theta[k], want[k]);
	free(g);
	free(fd);
	free(want);
	bt_data_free(d);
	bt_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("penalty");
	TCase *tc = tcase_create("penalty");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_value_and_fd, 0, 5);
	tcase_add_test(tc, test_closed_forms);
	tcase_add_test(tc, test_adds_only_into_w);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_train_step);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
