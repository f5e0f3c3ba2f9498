/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_fault.c — where a non-finite value first appears (fault.c),
 * against the recurrence and readout written out here in plain loops:
 *
 *  - a linear model whose state explodes (the loss kept finite by a mask):
 *    the step where h_t first overflows, its entry, block W;
 *  - an output V h_t that overflows (block V), a loss term that does, and
 *    a running loss that does while every term is finite;
 *  - a forward pass that is finite and a gradient that is not: ∂L/∂V
 *    overflows at the first step the backward pass reaches (t = T for full
 *    BPTT, the first loss term's window for truncation);
 *  - every architecture on ordinary data: nothing to report;
 *  - the locator itself: bad arguments, cancelling. */
#include "testutil.h"

/* A linear model d = 1, n = 2, m = 1 with the given W (row-major), U, b,
 * V and b_y; everything else of the layout by name. */
static bt_model *linear_model(const double W[4], const double U[2],
			      const double b[2], const double V[2], double by)
{
	bt_model *m = NULL;
	bt_dims dims = {1, 2, 1};
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("linear"), dims, BT_ACT_TANH), BT_OK);
	const char *names[5] = {"W", "U", "b", "V", "b_y"};
	const double *vals[5] = {W, U, b, V, &by};
	const size_t count[5] = {4, 2, 2, 2, 1};
	for (int i = 0; i < 5; i++) {
		int k = bt_model_find_block(m, names[i]);
		ck_assert_int_ge(k, 0);
		memcpy(m->theta + m->blocks[k].offset, vals[i], count[i] * sizeof(double));
	}
	return m;
}

/* h_t = W h_{t-1} + U x_t + b in plain loops: the first step t where an
 * entry is not finite (0 if none), and that entry (from 1) in *entry. */
static size_t first_overflow(const double W[4], const double U[2],
			     const double b[2], const bt_data *d, size_t *entry)
{
	double h[2] = {0, 0};
	for (size_t t = 1; t <= d->T; t++) {
		double x = d->X[t - 1];
		double a0 = W[0] * h[0] + W[1] * h[1] + U[0] * x + b[0];
		double a1 = W[2] * h[0] + W[3] * h[1] + U[1] * x + b[1];
		h[0] = a0;
		h[1] = a1;
		for (int i = 0; i < 2; i++)
			if (!isfinite(h[i])) {
				*entry = (size_t)i + 1;
				return t;
			}
	}
	return 0;
}

START_TEST(test_exploding_state)
{
	const double W[4] = {2.9, 0.13, -0.07, 1.7}, U[2] = {0.6, -0.45},
		     b[2] = {0.011, -0.023}, V[2] = {0.31, -0.27};
	bt_model *m = linear_model(W, U, b, V, 0.17);
	/* the loss counts the first 40 steps only: it stays finite, the
	 * state does not */
	bt_data *d = tu_data(900, 1, 1, 1, 5);
	for (size_t t = 0; t < d->T; t++)
		d->M[t] = t < 40 ? 1.0 : 0.0;
	size_t entry = 0, want = first_overflow(W, U, b, d, &entry);
	ck_assert_msg(want > 100 && want < 900, "the plain loop overflows at %zu", want);

	double g[11], dX[900], L;
	ck_assert_uint_eq(m->nparams, 11);
	ck_assert_int_eq(bt_gradient(m, d, 0, &L, g, dX), BT_ENUMERIC);
	ck_assert(isfinite(L));
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_FORWARD);
	ck_assert_uint_eq(f.step, want);
	ck_assert_str_eq(f.quantity, "state h_t");
	ck_assert_uint_eq(f.index, entry);
	ck_assert_uint_eq(f.count, 2);
	ck_assert(isinf(f.value));
	ck_assert_str_eq(f.block, "W");
	ck_assert_uint_eq(f.term, 0);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_output_and_loss)
{
	const double W[4] = {0.3, 0.1, -0.2, 0.25}, U[2] = {0.6, -0.45},
		     b[2] = {0.011, -0.023};
	bt_data *d = tu_data(6, 1, 1, 0, 9);
	bt_fault f;
	/* V h_t overflows at once: the output, block V */
	const double Vbig[2] = {1.7e308, -1.6e308};
	bt_model *m = linear_model(W, U, b, Vbig, 0.5);
	d->X[0] = 3.0;   /* h_1 = U x_1 + b, far from zero */
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_FORWARD);
	ck_assert_uint_eq(f.step, 1);
	ck_assert_str_eq(f.quantity, "output yhat_t");
	ck_assert_str_eq(f.block, "V");
	bt_model_free(m);

	/* ŷ_t finite, (ŷ_t − y_t)² not: the loss term, no block */
	const double Vsq[2] = {1e160, 0.0};
	m = linear_model(W, U, b, Vsq, 0.0);
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_FORWARD);
	ck_assert_uint_eq(f.step, 1);
	ck_assert_str_eq(f.quantity, "loss term l_t");
	ck_assert_str_eq(f.block, "");
	bt_model_free(m);

	/* every term finite, their running sum not: W and U zero, so
	 * ŷ_t = b_y and ℓ_t = ½(b_y − y_t)² = ½·1.69e308 with y_t = 0, and the
	 * third term takes the sum past the largest double */
	const double Z[4] = {0, 0, 0, 0}, z[2] = {0, 0};
	m = linear_model(Z, z, z, z, 1.3e154);
	for (size_t t = 0; t < d->T; t++)
		d->Y[t] = 0;
	double term = 0.5 * (1.3e154 * 1.3e154);
	ck_assert(isfinite(term) && isfinite(term + term) && !isfinite(term + term + term));
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_FORWARD);
	ck_assert_uint_eq(f.step, 3);
	ck_assert_str_eq(f.quantity, "loss L");
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_backward_only)
{
	/* h_t ≈ 1e250 x_t, ŷ_t ≈ 1e100: the forward pass is finite, but
	 * ∂L/∂V = Σ_t e_t h_tᵀ with e_t ≈ 1e100 is not */
	const double W[4] = {0, 0, 0, 0}, U[2] = {1.3e250, -0.9e250},
		     b[2] = {0, 0}, V[2] = {1.1e-150, 0.7e-150};
	bt_model *m = linear_model(W, U, b, V, 0.0);
	bt_data *d = tu_data(7, 1, 1, 0, 3);
	double L;
	ck_assert_int_eq(bt_loss(m, d, &L), BT_OK);
	ck_assert(isfinite(L));
	/* independently: e_T h_T overflows */
	double hT = U[0] * d->X[6], yT = V[0] * U[0] * d->X[6] + V[1] * U[1] * d->X[6];
	ck_assert(!isfinite((yT - d->Y[6]) * hT));
	double g[11], dX[7];
	ck_assert_uint_eq(m->nparams, 11);
	ck_assert_int_eq(bt_gradient(m, d, 0, &L, g, dX), BT_ENUMERIC);
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_uint_eq(f.step, 7);   /* full BPTT starts at t = T */
	ck_assert_str_eq(f.quantity, "gradient of block V");
	ck_assert_str_eq(f.block, "V");
	ck_assert_uint_eq(f.count, 2);
	ck_assert_uint_eq(f.term, 0);
	/* truncated: the sliding windows go term by term from t = 1 */
	ck_assert_int_eq(bt_gradient(m, d, 3, &L, g, dX), BT_ENUMERIC);
	ck_assert_int_eq(bt_fault_locate(m, d, 3, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_uint_eq(f.step, 1);
	ck_assert_uint_eq(f.term, 1);
	ck_assert_str_eq(f.quantity, "gradient of block V");
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_state_gradient)
{
	/* h_t = (x_t, 0) with x_t = 1e-300 and V = (1e300, 0): ŷ_t = 1, and
	 * with y_t = −1e10 the error e_t ≈ 1e10: the forward pass, ∂L/∂V = e hᵀ
	 * and ∂L/∂b_y = e are finite, δh_T = Vᵀ e_T ≈ 1e310 is not */
	const double W[4] = {0, 0, 0, 0}, U[2] = {1, 0}, b[2] = {0, 0},
		     V[2] = {1e300, 0};
	bt_model *m = linear_model(W, U, b, V, 0.0);
	bt_data *d = tu_data(5, 1, 1, 0, 11);
	for (size_t t = 0; t < 5; t++) {
		d->X[t] = 1e-300;
		d->Y[t] = -1e10;
	}
	double L;
	ck_assert_int_eq(bt_loss(m, d, &L), BT_OK);
	ck_assert(!isfinite(V[0] * (1.0 + 1e10)));
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_uint_eq(f.step, 5);
	ck_assert_str_eq(f.quantity, "gradient dL/dh_t");
	ck_assert_uint_eq(f.index, 1);
	ck_assert_uint_eq(f.count, 2);
	ck_assert(isinf(f.value) && f.value > 0);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* The same model under truncation: the sliding windows start with the
 * loss term at t = 1, whose δh_1 overflows first. */
START_TEST(test_state_gradient_window)
{
	const double W[4] = {0, 0, 0, 0}, U[2] = {1, 0}, b[2] = {0, 0},
		     V[2] = {1e300, 0};
	bt_model *m = linear_model(W, U, b, V, 0.0);
	bt_data *d = tu_data(5, 1, 1, 0, 11);
	for (size_t t = 0; t < 5; t++) {
		d->X[t] = 1e-300;
		d->Y[t] = -1e10;
	}
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 2, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_uint_eq(f.step, 1);
	ck_assert_uint_eq(f.term, 1);
	ck_assert_str_eq(f.quantity, "gradient dL/dh_t");
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* Every block finite, ∂L/∂x_t = Uᵀ δa_t not: U = (1e308, 0), x_t =
 * 1e-308 so h_t = (1, 0); y_t = −10 so δa_t = (11, 0) and Uᵀ δa_t = 1.1e309. */
START_TEST(test_input_gradient)
{
	const double W[4] = {0, 0, 0, 0}, U[2] = {1e308, 0}, b[2] = {0, 0},
		     V[2] = {1, 0};
	bt_model *m = linear_model(W, U, b, V, 0.0);
	bt_data *d = tu_data(4, 1, 1, 0, 2);
	for (size_t t = 0; t < 4; t++) {
		d->X[t] = 1e-308;
		d->Y[t] = -10;
	}
	ck_assert(!isfinite(U[0] * 11.0));
	double L;
	ck_assert_int_eq(bt_loss(m, d, &L), BT_OK);
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_uint_eq(f.step, 4);
	ck_assert_str_eq(f.quantity, "gradient dL/dx_t");
	ck_assert_uint_eq(f.index, 1);
	ck_assert_uint_eq(f.count, 1);
	ck_assert_int_eq(bt_fault_locate(m, d, 2, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_BACKWARD);
	ck_assert_str_eq(f.quantity, "gradient dL/dx_t");
	ck_assert_uint_eq(f.term, 1);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* Every architecture on ordinary data: nothing to report. */
START_TEST(test_clean)
{
	const bt_cell_type *type = bt_cell_at((size_t)_i);
	bt_model *m = tu_model(bt_cell_name(type), BT_ACT_TANH, 3, 4, 2, 0.4, 17);
	bt_data *d = tu_data(9, 3, 2, 1, 4);
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_NONE);
	ck_assert_int_eq(bt_fault_locate(m, d, 4, &f), BT_OK);
	ck_assert_int_eq(f.pass, BT_FAULT_NONE);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

/* Every architecture with one huge input: a fault somewhere, found in the
 * forward pass or the backward pass, with a step in range. */
START_TEST(test_huge_input)
{
	const bt_cell_type *type = bt_cell_at((size_t)_i);
	bt_model *m = tu_model(bt_cell_name(type), BT_ACT_TANH, 3, 4, 2, 0.4, 17);
	bt_data *d = tu_data(9, 3, 2, 0, 4);
	d->X[3 * 4 + 1] = 1e308;
	double L, *g = malloc(m->nparams * sizeof(double)), dX[27];
	int st = bt_gradient(m, d, 0, &L, g, dX);
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	if (st == BT_ENUMERIC) {
		ck_assert_int_ne(f.pass, BT_FAULT_NONE);
		ck_assert(f.step >= 1 && f.step <= 9);
		ck_assert(f.index >= 1 && f.index <= f.count);
		ck_assert(!isfinite(f.value));
	} else {
		ck_assert_int_eq(st, BT_OK);
		ck_assert_int_eq(f.pass, BT_FAULT_NONE);
	}
	free(g);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_refusals)
{
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 3, 4, 2, 0.4, 1);
	bt_data *d = tu_data(5, 2, 2, 0, 1);   /* d = 2: does not fit */
	bt_fault f;
	ck_assert_int_eq(bt_fault_locate(m, d, 0, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_fault_locate(NULL, d, 0, &f), BT_EINVAL);
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_EINVAL);
	ck_assert_int_eq(f.pass, BT_FAULT_NONE);
	bt_data_free(d);
	d = tu_data(5, 3, 2, 0, 1);
	bt_cancel_request();
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_ECANCELED);
	bt_cancel_reset();
	ck_assert_int_eq(bt_fault_locate(m, d, 0, &f), BT_OK);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = tcase_create("fault");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_exploding_state);
	tcase_add_test(tc, test_output_and_loss);
	tcase_add_test(tc, test_backward_only);
	tcase_add_test(tc, test_state_gradient);
	tcase_add_test(tc, test_state_gradient_window);
	tcase_add_test(tc, test_input_gradient);
	tcase_add_loop_test(tc, test_clean, 0, (int)bt_cell_count());
	tcase_add_loop_test(tc, test_huge_input, 0, (int)bt_cell_count());
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
