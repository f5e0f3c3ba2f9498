/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_loss.c — the losses of one step (core/readout.c) and a model's loss
 * kind through every path that uses it:
 *  - the cross-entropy of softmax against closed forms (ln 4/3 and its
 *    error (1/4, −1/4)), far logits without overflow, the mask;
 *  - for every architecture with the cross-entropy loss, the gradient of
 *    every parameter and input against central differences of bt_loss
 *    (the forward pass alone) and the checker's verdict;
 *  - full BPTT through the batched kernels equals the per-step engine, and
 *    B sequences at once equal their sum;
 *  - the model file's `loss` line: written when not squared, read back,
 *    an unknown loss refused at its line; files without it stay squared;
 *  - what training reports per step (MSE, or nats). */
#include <stdio.h>
#include <unistd.h>
#include "core/readout.h"
#include "testutil.h"

START_TEST(test_closed_form)
{
	double z[2] = {0, log(3.0)}, y[2] = {0, 1}, e[2];
	/* softmax(z) = (1/4, 3/4): ℓ = −ln 3/4, e = p − y */
	double l = bt_loss_term(BT_LOSS_CROSS_ENTROPY, 2, z, y, 1.0, e);
	ck_assert_msg(fabs(l - log(4.0 / 3.0)) < 1e-15, "loss %.17g", l);
	ck_assert(fabs(e[0] - 0.25) < 1e-15 && fabs(e[1] + 0.25) < 1e-15);
	/* the weight scales both */
	l = bt_loss_term(BT_LOSS_CROSS_ENTROPY, 2, z, y, 0.5, e);
	ck_assert(fabs(l - 0.5 * log(4.0 / 3.0)) < 1e-15 && fabs(e[0] - 0.125) < 1e-15);
	/* a target distribution: ℓ = −Σ y_i log p_i */
	double y2[2] = {0.5, 0.5};
	l = bt_loss_term(BT_LOSS_CROSS_ENTROPY, 2, z, y2, 1.0, e);
	ck_assert(fabs(l - 0.5 * (log(4.0) + log(4.0 / 3.0))) < 1e-15);
	ck_assert(fabs(e[0] + 0.25) < 1e-15 && fabs(e[1] - 0.25) < 1e-15);
	/* squared: ½‖ŷ − y‖² and ŷ − y */
	l = bt_loss_term(BT_LOSS_SQUARED, 2, z, y, 1.0, e);
	ck_assert(fabs(l - 0.5 * (log(3.0) - 1) * (log(3.0) - 1)) < 1e-15);
	ck_assert(e[0] == 0 && fabs(e[1] - (log(3.0) - 1)) < 1e-15);
	/* masked: nothing, whatever the values */
	double big[2] = {NAN, 1e308};
	ck_assert(bt_loss_term(BT_LOSS_CROSS_ENTROPY, 2, big, y, 0.0, e) == 0);
	ck_assert(e[0] == 0 && e[1] == 0);
}
END_TEST

/* Logits far apart: log-sum-exp from the largest, no overflow. */
START_TEST(test_far_logits)
{
	double z[3] = {1000, 0, -1000}, e[3];
	double first[3] = {1, 0, 0}, second[3] = {0, 1, 0};
	double l = bt_loss_term(BT_LOSS_CROSS_ENTROPY, 3, z, first, 1.0, e);
	ck_assert(l >= 0 && l < 1e-300 && isfinite(e[0]) && fabs(e[0]) < 1e-300);
	l = bt_loss_term(BT_LOSS_CROSS_ENTROPY, 3, z, second, 1.0, e);
	ck_assert_msg(fabs(l - 1000) < 1e-12, "loss %.17g", l);
	ck_assert(fabs(e[0] - 1) < 1e-15 && fabs(e[1] + 1) < 1e-15 && e[2] >= 0 && e[2] < 1e-300);
}
END_TEST

/* One-hot targets (class t mod m) and a mask with a hole. */
static bt_data *class_data(size_t T, size_t d, size_t m, unsigned long seed)
{
	bt_data *D = tu_data(T, d, m, 1, seed);
	for (size_t t = 0; t < T; t++) {
		for (size_t i = 0; i < m; i++)
			D->Y[t * m + i] = i == (t * 7 + seed) % m;
		D->M[t] = t % 5 != 3;
	}
	return D;
}

static bt_model *ce_model(size_t a, size_t d, size_t n, size_t m)
{
	const bt_cell_type *ty = bt_cell_at(a);
	bt_model *mod = tu_model(bt_cell_name(ty), BT_ACT_TANH, d, n, m,
				 0.6 / sqrt((double)n), 40 + a);
	mod->loss = BT_LOSS_CROSS_ENTROPY;
	return mod;
}

/* Central differences of the loss (bt_loss: the forward pass only) at
 * every parameter and every input, against the gradient. */
START_TEST(test_fd_every_arch)
{
	size_t a = (size_t)_i;
	const size_t d = 3, n = 4, m = 5, T = 9;
	bt_model *mod = ce_model(a, d, n, m);
	bt_data *D = class_data(T, d, m, 3 + a);
	const char *name = bt_cell_name(mod->type);
	size_t P = mod->nparams;
	double *g = malloc(P * sizeof(double)), *dX = malloc(T * d * sizeof(double));
	ck_assert(g && dX);
	double L, Lp, Lm, h = 1e-5;
	ck_assert_int_eq(tu_gradient_seq(mod, D, &L, g, dX), BT_OK);
	ck_assert(L > 0);
	for (size_t i = 0; i < P + T * d; i++) {
		double *x = i < P ? &mod->theta[i] : &D->X[i - P];
		double keep = *x;
		*x = keep + h;
		ck_assert_int_eq(bt_loss(mod, D, &Lp), BT_OK);
		*x = keep - h;
		ck_assert_int_eq(bt_loss(mod, D, &Lm), BT_OK);
		*x = keep;
		double fd = (Lp - Lm) / (2 * h), ex = i < P ? g[i] : dX[i - P];
		ck_assert_msg(fabs(fd - ex) <= 1e-7 * fmax(1.0, fabs(ex)),
			      "%s: %s %zu: exact %.12g, differences %.12g", name,
			      i < P ? "parameter" : "input", i < P ? i : i - P, ex, fd);
	}
	/* and the checker's verdict, block by block */
	bt_check_options opt;
	bt_check_options_default(&opt);
	bt_check_result res;
	memset(&res, 0, sizeof res);
	ck_assert_int_eq(bt_gradcheck(mod, D, &opt, &res), BT_OK);
	ck_assert_msg(res.ok, "%s: the checker disagrees", name);
	free(g);
	free(dX);
	bt_model_free(mod);
	bt_data_free(D);
}
END_TEST

/* Full BPTT through bt_gradient (the batched kernels with B = 1 where the
 * architecture has them) against the per-step engine; B = 3 against the
 * sum of the three. */
START_TEST(test_batched_paths)
{
	size_t a = (size_t)_i;
	const size_t d = 2, n = 6, m = 4, T = 12, B = 3;
	bt_model *mod = ce_model(a, d, n, m);
	size_t P = mod->nparams;
	bt_data *D[3];
	for (size_t b = 0; b < B; b++)
		D[b] = class_data(T, d, m, 10 + b);
	double *g = malloc(P * sizeof(double)), *g0 = malloc(P * sizeof(double));
	double *gs = calloc(P, sizeof(double)), L, L0, Ls = 0;
	ck_assert(g && g0 && gs);
	for (size_t b = 0; b < B; b++) {
		ck_assert_int_eq(bt_gradient(mod, D[b], 0, &L, g, NULL), BT_OK);
		ck_assert_int_eq(tu_gradient_seq(mod, D[b], &L0, g0, NULL), BT_OK);
		ck_assert(fabs(L - L0) <= 1e-12 * L0);
		ck_assert_msg(tu_max_rel(g, g0, P, 1e-8) <= 1e-10, "%s: batched B = 1 against the "
			      "per-step engine: %g", bt_cell_name(mod->type), tu_max_rel(g, g0, P, 1e-8));
		for (size_t i = 0; i < P; i++)
			gs[i] += g0[i];
		Ls += L0;
	}
	ck_assert_int_eq(bt_gradient_batch(mod, (const bt_data *const *)D, B, &L, g, NULL), BT_OK);
	ck_assert(fabs(L - Ls) <= 1e-12 * Ls);
	ck_assert(tu_max_rel(g, gs, P, 1e-8) <= 1e-10);
	for (size_t b = 0; b < B; b++)
		bt_data_free(D[b]);
	free(g);
	free(g0);
	free(gs);
	bt_model_free(mod);
}
END_TEST

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void write_model(const bt_model *mod, const char *path)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bt_model_write(f, mod), BT_OK);
	fclose(f);
}

START_TEST(test_model_file)
{
	char path[] = "/tmp/bt_loss_XXXXXX";
	int fd = mkstemp(path);
	ck_assert(fd >= 0);
	close(fd);
	bt_model *mod = ce_model(0, 2, 3, 4), *back = NULL;
	bt_error e;
	write_model(mod, path);
	FILE *f = fopen(path, "r");
	char line[256];
	int seen = 0;
	while (f && fgets(line, sizeof line, f))
		seen |= !strcmp(line, "loss cross-entropy\n");
	fclose(f);
	ck_assert_msg(seen, "no 'loss cross-entropy' line in the model file");
	ck_assert_int_eq(bt_model_read(&back, path, &e), BT_OK);
	ck_assert_int_eq(back->loss, BT_LOSS_CROSS_ENTROPY);
	ck_assert(!memcmp(back->theta, mod->theta, mod->nparams * sizeof(double)));
	bt_model_free(back);
	/* the default: no line, squared */
	mod->loss = BT_LOSS_SQUARED;
	write_model(mod, path);
	f = fopen(path, "r");
	seen = 0;
	while (f && fgets(line, sizeof line, f))
		seen |= !strncmp(line, "loss", 4);
	fclose(f);
	ck_assert(!seen);
	ck_assert_int_eq(bt_model_read(&back, path, &e), BT_OK);
	ck_assert_int_eq(back->loss, BT_LOSS_SQUARED);
	bt_model_free(back);
	/* an unknown loss, at its line; a repeated one */
	write_text(path, "bptt-model 1\narch linear\ndims 1 1 1\nloss hinge\n");
	ck_assert_int_eq(bt_model_read(&back, path, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 4);
	ck_assert_msg(strstr(e.msg, "unknown loss 'hinge'"), "message: %s", e.msg);
	write_text(path, "bptt-model 1\nloss squared\narch linear\ndims 1 1 1\nloss cross-entropy\n");
	ck_assert_int_eq(bt_model_read(&back, path, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 5);
	unlink(path);
	bt_model_free(mod);
	ck_assert_str_eq(bt_loss_name(BT_LOSS_CROSS_ENTROPY), "cross-entropy");
	ck_assert_int_eq(bt_loss_from_name("squared"), BT_LOSS_SQUARED);
	ck_assert_int_eq(bt_loss_from_name("softmax"), -1);
	ck_assert_ptr_null(bt_loss_name((bt_loss_kind)7));
}
END_TEST

START_TEST(test_per_step)
{
	ck_assert(bt_loss_per_step(BT_LOSS_SQUARED, 3.0, 4.0) == 1.5);
	ck_assert(bt_loss_per_step(BT_LOSS_CROSS_ENTROPY, 3.0, 4.0) == 0.75);
	ck_assert(isnan(bt_loss_per_step(BT_LOSS_SQUARED, 3.0, 0.0)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loss");
	TCase *tc = tcase_create("loss");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_closed_form);
	tcase_add_test(tc, test_far_logits);
	tcase_add_loop_test(tc, test_fd_every_arch, 0, (int)bt_cell_count());
	tcase_add_loop_test(tc, test_batched_paths, 0, (int)bt_cell_count());
	tcase_add_test(tc, test_model_file);
	tcase_add_test(tc, test_per_step);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
