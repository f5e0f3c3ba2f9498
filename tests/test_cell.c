/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_cell.c — the architecture records: layout, allocation, repeatable
 * initialisation, and the step Jacobian against finite differences of the
 * step forward (an independent route). */
#include "testutil.h"
#include "cells/cell.h"

/* every (architecture, activation) pair */
typedef struct { const char *arch; bt_activation act; } variant;
static variant variants[32];
static int nvariants;

static void collect(void)
{
	nvariants = 0;
	for (size_t i = 0; i < bt_cell_count(); i++) {
		const bt_cell_type *t = bt_cell_at(i);
		int nact = bt_cell_has_activation(t) ? 4 : 1;
		for (int a = 0; a < nact; a++)
			variants[nvariants++] = (variant){bt_cell_name(t), (bt_activation)a};
	}
}

/* The spec's parameter table: names and shapes (R = n, C = d or n, O = m). */
typedef struct { const char *name; char rows, cols; } spec_block;
typedef struct { const char *arch; spec_block b[16]; } spec_arch;
static const spec_arch spec[] = {
	{"rnn", {{"W", 'n', 'n'}, {"U", 'n', 'd'}, {"b", 'n', '1'}}},
	{"linear", {{"W", 'n', 'n'}, {"U", 'n', 'd'}, {"b", 'n', '1'}}},
	{"residual", {{"W", 'n', 'n'}, {"U", 'n', 'd'}, {"b", 'n', '1'}}},
	{"orthogonal", {{"A", 'n', 'n'}, {"U", 'n', 'd'}, {"b", 'n', '1'}}},
	{"gru", {{"W_z", 'n', 'n'}, {"W_r", 'n', 'n'}, {"W_h", 'n', 'n'},
		 {"U_z", 'n', 'd'}, {"U_r", 'n', 'd'}, {"U_h", 'n', 'd'},
		 {"b_z", 'n', '1'}, {"b_r", 'n', '1'}, {"b_h", 'n', '1'}}},
	{"lstm", {{"W_f", 'n', 'n'}, {"W_i", 'n', 'n'}, {"W_o", 'n', 'n'}, {"W_g", 'n', 'n'},
		  {"U_f", 'n', 'd'}, {"U_i", 'n', 'd'}, {"U_o", 'n', 'd'}, {"U_g", 'n', 'd'},
		  {"b_f", 'n', '1'}, {"b_i", 'n', '1'}, {"b_o", 'n', '1'}, {"b_g", 'n', '1'}}},
	{"attention", {{"W", 'n', 'n'}, {"U", 'n', 'd'}, {"b", 'n', '1'},
		       {"W_a", 'n', 'd'}, {"V_c", 'm', 'd'}}},
};

static size_t dim(char c, size_t d, size_t n, size_t m)
{
	return c == 'n' ? n : c == 'd' ? d : c == 'm' ? m : 1;
}

START_TEST(test_layout_names)
{
	variant v = variants[_i];
	size_t d = 3, n = 5, m = 2;
	bt_model *model = tu_model(v.arch, v.act, d, n, m, 0.7, 1);
	const spec_arch *sa = NULL;
	for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++)
		if (!strcmp(spec[i].arch, v.arch))
			sa = &spec[i];
	ck_assert_msg(sa != NULL, "architecture %s is not in the spec's table", v.arch);
	size_t nspec = 0;
	while (nspec < 16 && sa->b[nspec].name)
		nspec++;
	/* the spec's blocks (any order), then V m×n and b_y m×1, contiguous */
	ck_assert_uint_eq(model->nblocks, nspec + 2);
	for (size_t k = 0; k < nspec; k++) {
		int i = bt_model_find_block(model, sa->b[k].name);
		ck_assert_msg(i >= 0 && (size_t)i < nspec, "%s: no block %s", v.arch, sa->b[k].name);
		ck_assert_uint_eq(model->blocks[i].rows, dim(sa->b[k].rows, d, n, m));
		ck_assert_uint_eq(model->blocks[i].cols, dim(sa->b[k].cols, d, n, m));
	}
	ck_assert_str_eq(model->blocks[nspec].name, "V");
	ck_assert_uint_eq(model->blocks[nspec].rows, m);
	ck_assert_uint_eq(model->blocks[nspec].cols, n);
	ck_assert_str_eq(model->blocks[nspec + 1].name, "b_y");
	ck_assert_uint_eq(model->blocks[nspec + 1].rows, m);
	ck_assert_uint_eq(model->blocks[nspec + 1].cols, 1);
	size_t off = 0;
	for (size_t i = 0; i < model->nblocks; i++) {
		ck_assert_uint_eq(model->blocks[i].offset, off);
		off += model->blocks[i].rows * model->blocks[i].cols;
	}
	ck_assert_uint_eq(model->nparams, off);
	ck_assert_int_eq(bt_model_find_block(model, "nope"), -1);
	bt_model_free(model);
}
END_TEST

START_TEST(test_jacobian_fd)
{
	variant v = variants[_i];
	size_t d = 3, n = 6, m = 2, T = 4;
	bt_model *model = tu_model(v.arch, v.act, d, n, m, 0.6, 11 + _i);
	bt_data *data = tu_data(T, d, m, 0, 5);
	bt_seq *q;
	ck_assert_int_eq(bt_seq_alloc(&q, model, T), BT_OK);
	ck_assert_int_eq(bt_seq_forward(q, model, data, NULL), BT_OK);
	size_t S = model->state_size;
	gsl_matrix *J = gsl_matrix_alloc(S, S);
	double *sp = malloc(S * sizeof(double)), *s1 = malloc(S * sizeof(double)),
	       *s2 = malloc(S * sizeof(double));
	for (size_t t = 1; t <= T; t++) {
		ck_assert_int_eq(bt_seq_jacobian(q, model, data, t, J), BT_OK);
		const double *prev = bt_seq_state(q, t - 1);
		const double *x = data->X + (t - 1) * d;
		for (size_t j = 0; j < S; j++) {
			double h = 1e-5;
			memcpy(sp, prev, S * sizeof(double));
			sp[j] += h;
			ck_assert_int_eq(bt_seq_step(q, model, sp, x, s1), BT_OK);
			sp[j] -= 2 * h;
			ck_assert_int_eq(bt_seq_step(q, model, sp, x, s2), BT_OK);
			for (size_t i = 0; i < S; i++) {
				double fd = (s1[i] - s2[i]) / (2 * h);
				double ex = gsl_matrix_get(J, i, j);
				ck_assert_msg(fabs(fd - ex) <= 1e-7 * fmax(1, fabs(ex)),
					      "%s/%s t=%zu J[%zu][%zu] exact %g fd %g",
					      v.arch, bt_activation_name(v.act), t, i, j, ex, fd);
			}
		}
	}
	free(sp); free(s1); free(s2);
	gsl_matrix_free(J);
	bt_seq_free(q);
	bt_model_free(model);
	bt_data_free(data);
}
END_TEST

START_TEST(test_init_repeatable)
{
	variant v = variants[_i];
	const bt_cell_type *t = bt_cell_lookup(v.arch);
	bt_dims dims = {4, 7, 3};
	bt_model *a, *b, *c;
	ck_assert_int_eq(bt_model_alloc(&a, t, dims, v.act), BT_OK);
	ck_assert_int_eq(bt_model_alloc(&b, t, dims, v.act), BT_OK);
	ck_assert_int_eq(bt_model_alloc(&c, t, dims, v.act), BT_OK);
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = 99;
	bt_model_init(a, &o);
	bt_model_init(b, &o);
	o.seed = 100;
	bt_model_init(c, &o);
	ck_assert(memcmp(a->theta, b->theta, a->nparams * sizeof(double)) == 0);
	ck_assert(memcmp(a->theta, c->theta, a->nparams * sizeof(double)) != 0);
	/* W ~ N(0, 1/n): the sample variance of its 49 entries is near 1/7 */
	double ss = 0;
	for (size_t i = 0; i < 49; i++)
		ss += a->theta[i] * a->theta[i];
	ck_assert_msg(ss / 49 > 0.05 && ss / 49 < 0.4, "var(W) = %g", ss / 49);
	bt_model_free(a); bt_model_free(b); bt_model_free(c);
}
END_TEST

START_TEST(test_alloc_refusals)
{
	bt_model *m = (bt_model *)1;
	bt_dims zero = {0, 3, 2}, big = {3, BT_MAX_DIM + 1, 2}, ok = {3, 4, 2};
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), zero, BT_ACT_TANH), BT_EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("rnn"), big, BT_ACT_TANH), BT_EINVAL);
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("linear"), ok, BT_ACT_RELU), BT_EINVAL);
	ck_assert_int_eq(bt_model_alloc(&m, NULL, ok, BT_ACT_TANH), BT_EINVAL);
	ck_assert_ptr_null(bt_cell_lookup("lstm2"));
	bt_model_free(NULL);
	bt_data_free(NULL);
	bt_seq_free(NULL);
}
END_TEST

/* Of the specification's architectures, only rnn and linear have the step
 * Jacobian diag(φ'(a_t)) W and no path to the loss but the readout. */
START_TEST(test_geometric)
{
	for (size_t i = 0; i < bt_cell_count(); i++) {
		const bt_cell_type *t = bt_cell_at(i);
		const char *name = bt_cell_name(t);
		int want = !strcmp(name, "rnn") || !strcmp(name, "linear");
		ck_assert_msg(bt_cell_geometric(t) == want, "bt_cell_geometric(%s) = %d", name,
			      bt_cell_geometric(t));
	}
}
END_TEST

START_TEST(test_activations)
{
	/* closed forms, and the derivative against a central difference */
	ck_assert_double_eq(bt_activation_apply(BT_ACT_RELU, -2.0), 0.0);
	ck_assert_double_eq(bt_activation_deriv(BT_ACT_RELU, 0.0), 0.0);
	ck_assert_double_eq_tol(bt_activation_apply(BT_ACT_SIGMOID, 0.0), 0.5, 1e-16);
	ck_assert_double_eq_tol(bt_activation_apply(BT_ACT_SIGMOID, -800.0), 0.0, 1e-300);
	ck_assert_double_eq(bt_activation_lipschitz(BT_ACT_SIGMOID), 0.25);
	double pts[] = {-3.1, -0.4, 0.37, 2.2};
	for (int f = 0; f < 4; f++)
		for (int i = 0; i < 4; i++) {
			double a = pts[i], h = 1e-6;
			double fd = (bt_activation_apply(f, a + h) - bt_activation_apply(f, a - h)) / (2 * h);
			ck_assert_double_eq_tol(bt_activation_deriv(f, a), fd, 1e-8);
		}
	ck_assert_int_eq(bt_activation_from_name("sigmoid"), BT_ACT_SIGMOID);
	ck_assert_int_eq(bt_activation_from_name("softplus"), -1);
}
END_TEST

/* The six batch_* members come all or none, and a record that uses the
 * affine family's shared kernels uses all four and gives them its kind. */
START_TEST(test_batch_members)
{
	for (size_t i = 0; i < bt_cell_count(); i++) {
		const bt_cell_type *t = bt_cell_at(i);
		int set = !!t->batch_cache_size + !!t->batch_work_size +
			  !!t->batch_begin + !!t->batch_forward +
			  !!t->batch_backward + !!t->batch_end;
		ck_assert_msg(set == 0 || set == 6,
			      "%s: %d of the six batch_* members", t->name, set);
		int affine = (t->batch_begin == bt_affine_batch_begin) +
			     (t->batch_forward == bt_affine_batch_forward) +
			     (t->batch_backward == bt_affine_batch_backward) +
			     (t->batch_end == bt_affine_batch_end);
		ck_assert_msg(affine == 0 || affine == 4,
			      "%s: %d of the four affine batch kernels", t->name, affine);
		if (affine)
			ck_assert_msg(t->params != NULL,
				      "%s: the affine kernels without a kind", t->name);
	}
}
END_TEST

int main(void)
{
	collect();
	Suite *s = suite_create("cell");
	TCase *tc = tcase_create("records");
	tcase_add_loop_test(tc, test_layout_names, 0, nvariants);
	tcase_add_loop_test(tc, test_jacobian_fd, 0, nvariants);
	tcase_add_loop_test(tc, test_init_repeatable, 0, nvariants);
	tcase_add_test(tc, test_alloc_refusals);
	tcase_add_test(tc, test_activations);
	tcase_add_test(tc, test_geometric);
	tcase_add_test(tc, test_batch_members);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
