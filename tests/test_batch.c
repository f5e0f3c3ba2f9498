/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_batch.c — batched BPTT (batch.c and the cells' batched kernels).
 *
 * The independent routes: B single-sequence runs of bt_seq_forward +
 * bt_seq_backward (the per-sequence path, which shares no code with the
 * batched kernels), the plain-loop reference of reference.h (rnn, linear,
 * residual) and central finite differences of bt_loss (gru, lstm). That
 * nothing is allocated inside bt_batch_gradient's loops is a design
 * property of batch.c (every buffer comes from bt_batch_alloc), not
 * something a test can observe.
 */
#include "reference.h"
#include "cells/cell.h"
#include "core/seq_internal.h"

static const shape shapes[] = {
	{"T=37", 37, 3, 5, 2, 1, 0.9},
};

/* Loop index → (architecture, activation): i / 4 is the registry entry,
 * i % 4 the activation (architectures without one run only for i % 4 = 0). */
#define NLOOP ((int)bt_cell_count() * 4)

static int loop_case(int i, const char **arch, bt_activation *act)
{
	const bt_cell_type *ty = bt_cell_at((size_t)i / 4);
	ck_assert_ptr_nonnull(ty);
	*arch = bt_cell_name(ty);
	*act = (bt_activation)(i % 4);
	return bt_cell_has_activation(ty) || i % 4 == 0;
}

/* Irregular model: every entry N(0, 0.5²); W-like blocks scaled down so
 * that 37 steps stay in range (residual: also minus ½ on the diagonal). */
static bt_model *batch_model(const char *arch, bt_activation act, size_t d,
			     size_t n, size_t m, unsigned long seed)
{
	bt_model *mod = tu_model(arch, act, d, n, m, 0.5, seed);
	int residual = strcmp(arch, "residual") == 0;
	for (size_t k = 0; k + 2 < mod->nblocks; k++) {
		bt_block *b = &mod->blocks[k];
		if (b->rows != n || b->cols != n)
			continue;
		double *p = mod->theta + b->offset;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				p[i * n + j] = 0.9 * p[i * n + j] -
					       (residual && i == j ? 0.5 : 0.0);
	}
	return mod;
}

/* Data b of a batch: irregular inputs and targets, a mask with holes
 * (some steps masked out, which ones depending on b). */
static bt_data *batch_data(size_t T, size_t d, size_t m, size_t b,
			   unsigned long seed)
{
	bt_data *D = tu_data(T, d, m, 1, seed + 31 * b);
	for (size_t i = 0; i < T * d; i++)
		D->X[i] += 0.1 * (double)(i % 3);
	for (size_t t = 0; t < T; t++)
		D->M[t] = ((t * 7 + b) % 5 == 2) ? 0.0 : 1.0;
	return D;
}

/* max |a − b| over max |b| (|a| when b is all zero), per block */
static double rel_err(const double *a, const double *b, size_t k)
{
	double num = 0, den = 0;
	for (size_t i = 0; i < k; i++) {
		double e = fabs(a[i] - b[i]);
		num = (e > num || isnan(e)) ? (isnan(e) ? INFINITY : e) : num;
		den = fmax(den, fabs(b[i]));
	}
	return den > 0 ? num / den : num;
}

/* The expected result: the sum of B single-sequence runs. */
static void sum_of_sequences(const bt_model *mod, bt_data *const *D,
			     size_t B, double *L, double *g, double **dX)
{
	double *gb = malloc(mod->nparams * sizeof(double));
	ck_assert_ptr_nonnull(gb);
	memset(g, 0, mod->nparams * sizeof(double));
	*L = 0;
	for (size_t b = 0; b < B; b++) {
		double l;
		ck_assert_int_eq(tu_gradient_seq(mod, D[b], &l, gb, dX[b]), BT_OK);
		*L += l;
		for (size_t i = 0; i < mod->nparams; i++)
			g[i] += gb[i];
	}
	free(gb);
}

/* Batched against the per-sequence sum, every block and every dX[b]. */
static void compare_batch(const char *label, const bt_model *mod,
			  bt_data *const *D, size_t B, bt_batch *w)
{
	size_t P = mod->nparams;
	double *g = malloc(P * sizeof(double)), *g0 = malloc(P * sizeof(double));
	double **dX = calloc(B, sizeof(double *)), **dX0 = calloc(B, sizeof(double *));
	ck_assert(g && g0 && dX && dX0);
	for (size_t b = 0; b < B; b++) {
		size_t k = D[b]->T * D[b]->d;
		dX[b] = malloc(k * sizeof(double));
		dX0[b] = malloc(k * sizeof(double));
		ck_assert(dX[b] && dX0[b]);
		for (size_t i = 0; i < k; i++)
			dX[b][i] = 1e300;   /* must be overwritten */
	}
	for (size_t i = 0; i < P; i++)
		g[i] = 1e300;
	double L = NAN, L0 = NAN;
	sum_of_sequences(mod, D, B, &L0, g0, dX0);
	ck_assert_int_eq(bt_batch_gradient(w, mod, (const bt_data *const *)D, B,
					   &L, g, (double *const *)dX), BT_OK);
	ck_assert_msg(fabs(L - L0) <= 1e-12 * fabs(L0),
		      "%s: loss %.17g, sum of sequences %.17g", label, L, L0);
	for (size_t k = 0; k < mod->nblocks; k++) {
		const bt_block *bl = &mod->blocks[k];
		double e = rel_err(g + bl->offset, g0 + bl->offset,
				   bl->rows * bl->cols);
		ck_assert_msg(e <= 1e-12, "%s: block %s: rel. error %g", label,
			      bl->name, e);
	}
	for (size_t b = 0; b < B; b++) {
		double e = rel_err(dX[b], dX0[b], D[b]->T * D[b]->d);
		ck_assert_msg(e <= 1e-12, "%s: dX[%zu]: rel. error %g", label, b, e);
		free(dX[b]);
		free(dX0[b]);
	}
	free(dX);
	free(dX0);
	free(g);
	free(g0);
}

/* B ∈ {1, 2, 5, 32}, T ∈ {1, 2, 37}, d ≠ n ≠ m, masks with holes. */
START_TEST(test_batch_equals_sum)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act))
		return;
	static const size_t Bs[4] = {1, 2, 5, 32}, Ts[3] = {1, 2, 37};
	const size_t d = 3, n = 5, m = 2;
	bt_model *mod = batch_model(arch, act, d, n, m, 100 + (unsigned long)_i);
	for (int bi = 0; bi < 4; bi++)
		for (int ti = 0; ti < 3; ti++) {
			size_t B = Bs[bi], T = Ts[ti];
			bt_data **D = calloc(B, sizeof(bt_data *));
			ck_assert_ptr_nonnull(D);
			for (size_t b = 0; b < B; b++)
				D[b] = batch_data(T, d, m, b, 1000 * (unsigned long)T);
			bt_batch *w;
			/* a workspace bigger than the call, in both B and T */
			ck_assert_int_eq(bt_batch_alloc(&w, mod, B + 1, T + 3), BT_OK);
			char label[96];
			snprintf(label, sizeof label, "%s/%s B=%zu T=%zu", arch,
				 bt_activation_name(mod->activation), B, T);
			/* below batch_min_n: one at a time */
			compare_batch(label, mod, D, B, w);
			/* the kernels for B sequences at once, reused */
			bt_batch_set_together(w, 1);
			compare_batch(label, mod, D, B, w);
			compare_batch(label, mod, D, B, w);
			bt_batch_free(w);
			for (size_t b = 0; b < B; b++)
				bt_data_free(D[b]);
			free(D);
		}
	bt_model_free(mod);
}
END_TEST

/* Long sequences below the cell's batch_min_n go through the batched
 * kernels one at a time (batch.c's one_by_one): the same sums. T is chosen
 * so that one sequence's workspace is over the quarter MiB that sends them
 * that way. */
START_TEST(test_batch_one_by_one)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act) || act != BT_ACT_TANH)
		return;
	const size_t d = 2, n = 6, m = 1, B = 3, T = 3000;
	/* small recurrent weights: 3000 steps of the linear RNN stay finite */
	bt_model *mod = tu_model(arch, act, d, n, m, 0.3 / sqrt((double)n), 700 + (unsigned long)_i);
	if (!mod->type->batch_forward || n >= mod->type->batch_min_n) {
		bt_model_free(mod);
		return;
	}
	ck_assert_msg(bt_batch_size(mod->type, mod->dims, 1, T) >= 256.0 * 1024,
		      "%s: T = %zu too short for the one-by-one path", arch, T);
	bt_data *D[3];
	for (size_t b = 0; b < B; b++)
		D[b] = batch_data(T, d, m, b, 55);
	bt_batch *w;
	ck_assert_int_eq(bt_batch_alloc(&w, mod, B, T), BT_OK);
	compare_batch(arch, mod, D, B, w);
	compare_batch(arch, mod, D, B, w);   /* reused */
	bt_batch_free(w);
	for (size_t b = 0; b < B; b++)
		bt_data_free(D[b]);
	bt_model_free(mod);
}
END_TEST

/* Sizes at the edges: n = 1, d = 1, m = 1, and n large enough for BLAS. */
START_TEST(test_batch_shapes)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act))
		return;
	static const size_t dims[4][3] = {{1, 1, 1}, {2, 1, 3}, {1, 4, 1},
					  {9, 70, 4}};
	for (int k = 0; k < 4; k++) {
		size_t d = dims[k][0], n = dims[k][1], m = dims[k][2], B = 3, T = 6;
		bt_model *mod = batch_model(arch, act, d, n, m, 300 + (unsigned long)k);
		bt_data *D[3];
		for (size_t b = 0; b < B; b++)
			D[b] = batch_data(T, d, m, b, 77);
		bt_batch *w;
		ck_assert_int_eq(bt_batch_alloc(&w, mod, B, T), BT_OK);
		char label[96];
		snprintf(label, sizeof label, "%s/%s d=%zu n=%zu m=%zu", arch,
			 bt_activation_name(mod->activation), d, n, m);
		compare_batch(label, mod, D, B, w);
		compare_batch(label, mod, D, 1, w);   /* fewer than allocated */
		bt_batch_set_together(w, 1);
		compare_batch(label, mod, D, B, w);
		bt_batch_free(w);
		for (size_t b = 0; b < B; b++)
			bt_data_free(D[b]);
		bt_model_free(mod);
	}
}
END_TEST

/* Unequal lengths fall back to one sequence at a time: the same result,
 * and the workspace still serves equal lengths afterwards. */
START_TEST(test_unequal_lengths)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act))
		return;
	const size_t d = 2, n = 4, m = 3;
	bt_model *mod = batch_model(arch, act, d, n, m, 500 + (unsigned long)_i);
	static const size_t Ts[4] = {5, 9, 5, 1};
	bt_data *D[4], *E[4];
	for (size_t b = 0; b < 4; b++) {
		D[b] = batch_data(Ts[b], d, m, b, 55);
		E[b] = batch_data(9, d, m, b, 66);
	}
	bt_batch *w;
	ck_assert_int_eq(bt_batch_alloc(&w, mod, 4, 9), BT_OK);
	compare_batch(arch, mod, D, 4, w);
	compare_batch(arch, mod, E, 4, w);
	compare_batch(arch, mod, D, 2, w);
	bt_batch_free(w);
	/* and through the convenience function */
	double L, L0, *g = malloc(mod->nparams * sizeof(double));
	double *g0 = malloc(mod->nparams * sizeof(double));
	double *dX0[4];
	for (size_t b = 0; b < 4; b++)
		dX0[b] = malloc(Ts[b] * d * sizeof(double));
	ck_assert(g && g0);
	sum_of_sequences(mod, D, 4, &L0, g0, dX0);
	ck_assert_int_eq(bt_gradient_batch(mod, (const bt_data *const *)D, 4, &L,
					   g, NULL), BT_OK);
	ck_assert(fabs(L - L0) <= 1e-12 * fabs(L0));
	ck_assert(rel_err(g, g0, mod->nparams) <= 1e-12);
	for (size_t b = 0; b < 4; b++) {
		free(dX0[b]);
		bt_data_free(D[b]);
		bt_data_free(E[b]);
	}
	free(g);
	free(g0);
	bt_model_free(mod);
}
END_TEST

/* BT_EINVAL: B = 0 or over the workspace, a length over it, data that do
 * not fit the model, another model's sizes, a missing sequence. */
START_TEST(test_einval)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act))
		return;
	bt_model *mod = batch_model(arch, act, 3, 4, 2, 7);
	bt_model *other = batch_model(arch, act, 3, 5, 2, 7);
	bt_data *D[3] = {batch_data(6, 3, 2, 0, 1), batch_data(6, 3, 2, 1, 1),
			 batch_data(6, 3, 2, 2, 1)};
	bt_data *longer = batch_data(7, 3, 2, 0, 2);
	bt_data *wrong_d = batch_data(6, 2, 2, 0, 3);
	bt_data *wrong_m = batch_data(6, 3, 1, 0, 4);
	double L = 12345, *g = calloc(mod->nparams, sizeof(double));
	ck_assert_ptr_nonnull(g);
	bt_batch *w = (bt_batch *)1;
	ck_assert_int_eq(bt_batch_alloc(&w, mod, 0, 6), BT_EINVAL);
	ck_assert_ptr_null(w);
	ck_assert_int_eq(bt_batch_alloc(&w, mod, 2, 0), BT_EINVAL);
	ck_assert_int_eq(bt_batch_alloc(&w, NULL, 2, 6), BT_EINVAL);
	ck_assert_int_eq(bt_batch_alloc(&w, mod, 2, 6), BT_OK);
	const bt_data *const *cd = (const bt_data *const *)D;
	ck_assert_int_eq(bt_batch_gradient(w, mod, cd, 3, &L, g, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_batch_gradient(w, mod, cd, 0, &L, g, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_batch_gradient(w, other, cd, 2, &L, g, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_batch_gradient(NULL, mod, cd, 2, &L, g, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_batch_gradient(w, mod, NULL, 2, &L, g, NULL), BT_EINVAL);
	const bt_data *bad[2] = {D[0], longer};
	ck_assert_int_eq(bt_batch_gradient(w, mod, bad, 2, &L, g, NULL), BT_EINVAL);
	bad[1] = wrong_d;
	ck_assert_int_eq(bt_batch_gradient(w, mod, bad, 2, &L, g, NULL), BT_EINVAL);
	bad[1] = wrong_m;
	ck_assert_int_eq(bt_batch_gradient(w, mod, bad, 2, &L, g, NULL), BT_EINVAL);
	bad[1] = NULL;
	ck_assert_int_eq(bt_batch_gradient(w, mod, bad, 2, &L, g, NULL), BT_EINVAL);
	ck_assert(L == 12345);   /* untouched */
	/* and still fine with good input; grad and dX may be NULL */
	ck_assert_int_eq(bt_batch_gradient(w, mod, cd, 2, &L, NULL, NULL), BT_OK);
	ck_assert(isfinite(L) && L > 0);
	ck_assert_int_eq(bt_gradient_batch(mod, bad, 2, &L, g, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_gradient_batch(mod, cd, 0, &L, g, NULL), BT_EINVAL);
	bt_batch_free(w);
	bt_batch_free(NULL);
	free(g);
	for (int b = 0; b < 3; b++)
		bt_data_free(D[b]);
	bt_data_free(longer);
	bt_data_free(wrong_d);
	bt_data_free(wrong_m);
	bt_model_free(mod);
	bt_model_free(other);
}
END_TEST

/* bt_gradient(…, 0, …), the batched path with B = 1, against the
 * plain-loop reference of reference.h: rnn with every activation, linear,
 * residual. */
START_TEST(test_fast_path_reference)
{
	tcase_data c;
	if (!case_setup(&c, _i, &shapes[0], shapes[0].mask, 900 + (unsigned long)_i))
		return;
	if (!c.has_ref) {
		case_teardown(&c);
		return;
	}
	const bt_model *mod = c.mod;
	const bt_data *D = c.data;
	size_t TX = D->T * D->d;
	double *g = calloc(mod->nparams, sizeof(double));
	double *dX = calloc(TX, sizeof(double));
	double *gm = calloc(c.r.P, sizeof(double));
	double *gr = calloc(mod->nparams, sizeof(double));
	double *dXr = calloc(TX, sizeof(double));
	ck_assert(g && dX && gm && gr && dXr);
	double L = NAN;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, dX), BT_OK);
	ref_backward_full(&c.r, c.th, D->X, D, c.f, gm, dXr);
	ref_scatter(&c.r, mod, gm, gr);
	ck_assert_msg(fabs(L - c.f->loss) <= 1e-12 * fabs(c.f->loss),
		      "%s: loss %.17g, reference %.17g", c.label, L, c.f->loss);
	for (size_t i = 0; i < mod->nblocks; i++) {
		double e = block_err(mod, g, gr, i);
		ck_assert_msg(e <= 1e-10, "%s: block %s: rel. error %g",
			      c.label, mod->blocks[i].name, e);
	}
	double e = vec_err(dX, dXr, TX);
	ck_assert_msg(e <= 1e-10, "%s: dX: rel. error %g", c.label, e);
	free(g);
	free(dX);
	free(gm);
	free(gr);
	free(dXr);
	case_teardown(&c);
}
END_TEST

/* bt_gradient(…, 0, …) for gru and lstm against central differences of
 * bt_loss (the per-sequence forward pass), every parameter and input. */
START_TEST(test_fast_path_fd)
{
	static const char *const archs[2] = {"gru", "lstm"};
	const char *arch = archs[_i];
	const size_t d = 2, n = 3, m = 2, T = 6;
	bt_model *mod = batch_model(arch, BT_ACT_TANH, d, n, m, 40 + (unsigned long)_i);
	bt_data *D = batch_data(T, d, m, 1, 41);
	size_t P = mod->nparams, TX = T * d;
	double *g = calloc(P, sizeof(double)), *dX = calloc(TX, sizeof(double));
	ck_assert(g && dX);
	double L;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, dX), BT_OK);
	const double h = 1e-5;
	double worst = 0;
	for (size_t i = 0; i < P + TX; i++) {
		double *p = i < P ? &mod->theta[i] : &D->X[i - P];
		double save = *p, Lp, Lm;
		*p = save + h;
		ck_assert_int_eq(bt_loss(mod, D, &Lp), BT_OK);
		*p = save - h;
		ck_assert_int_eq(bt_loss(mod, D, &Lm), BT_OK);
		*p = save;
		double fd = (Lp - Lm) / (2 * h);
		double ex = i < P ? g[i] : dX[i - P];
		double err = fabs(ex - fd);
		ck_assert_msg(err <= 1e-6 * fmax(fabs(ex), fabs(fd)) + 1e-8,
			      "%s: %s %zu: exact %.12g, finite difference %.12g",
			      arch, i < P ? "theta" : "X", i < P ? i : i - P, ex, fd);
		worst = fmax(worst, err);
	}
	ck_assert(worst > 0);   /* the comparison did run */
	free(g);
	free(dX);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* A non-finite loss or gradient is BT_ENUMERIC on the fast path too. */
START_TEST(test_fast_path_enumeric)
{
	const char *arch;
	bt_activation act;
	if (!loop_case(_i, &arch, &act))
		return;
	bt_model *mod = batch_model(arch, act, 2, 3, 2, 8);
	bt_data *D = batch_data(5, 2, 2, 0, 9);
	double *g = calloc(mod->nparams, sizeof(double));
	double *dX = calloc(10, sizeof(double)), L;
	ck_assert(g && dX);
	/* V and b_y huge: ŷ² overflows whatever the state */
	const bt_block *V = &mod->blocks[mod->nblocks - 2];
	for (size_t i = 0; i < V->rows * V->cols; i++)
		mod->theta[V->offset + i] = 1e200;
	mod->theta[V->offset + V->rows * V->cols] = 1e300;
	ck_assert_int_eq(bt_gradient(mod, D, 0, &L, g, dX), BT_ENUMERIC);
	const bt_data *one[1] = {D};
	ck_assert_int_eq(bt_gradient_batch(mod, one, 1, &L, g, NULL), BT_ENUMERIC);
	free(g);
	free(dX);
	bt_data_free(D);
	bt_model_free(mod);
}
END_TEST

/* The gates' σ and tanh over arrays (vmath.c, vectorised where the CPU
 * allows) against libm's one at a time: within 8 ulp on values across the
 * range (tiny, zero, signed zero, saturated, past exp's overflow) and on
 * lengths that are not multiples of the vector width. */
static double ulps(double a, double b)
{
	if (a == b)
		return 0;
	double m = fmax(fabs(a), fabs(b));
	return fabs(a - b) / (nextafter(m, INFINITY) - m);
}

START_TEST(test_vector_gates)
{
	enum { N = 1003 };
	double x[N], s[N], t[N];
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 77);
	const double special[] = {0.0, -0.0, 1e-300, -1e-300, 1e-9, -1e-9, 0.5, -0.5,
				  20, -20, 36.7, -36.7, 710, -710, 745.2, -745.2, 1e300, -1e300};
	size_t ns = sizeof special / sizeof special[0];
	for (size_t i = 0; i < N; i++)
		x[i] = i < ns ? special[i] : (gsl_rng_uniform(r) - 0.5) * (i % 3 ? 12 : 80);
	gsl_rng_free(r);
	for (size_t len = 0; len <= 9; len++) {
		size_t n = len == 9 ? N : len;
		memcpy(s, x, n * sizeof(double));
		memcpy(t, x, n * sizeof(double));
		bt_vsigmoid(s, n);
		bt_vtanh(t, n);
		for (size_t i = 0; i < n; i++) {
			double es = x[i] >= 0 ? 1 / (1 + exp(-x[i])) : exp(x[i]) / (1 + exp(x[i]));
			ck_assert_msg(ulps(s[i], es) <= 8, "sigmoid(%.17g) = %.17g, libm %.17g", x[i], s[i], es);
			ck_assert_msg(ulps(t[i], tanh(x[i])) <= 8, "tanh(%.17g) = %.17g, libm %.17g",
				      x[i], t[i], tanh(x[i]));
			ck_assert(signbit(t[i]) == signbit(tanh(x[i])));
		}
	}
}
END_TEST

/* The recurrent products of one sequence (matvec.c, through bt_batch_mm
 * with B = 1): y += M x and y += Mᵀ x against plain sums in long double,
 * for every remainder of the row groups (8, 4, single rows) and of the
 * column blocks (8, 4, single columns), rows read in both orders, M with a
 * leading dimension wider than its rows, y starting from nonzero values. */
START_TEST(test_matvec)
{
	enum { KMAX = 41, NMAX = 41, LD = 45 };
	static double M[KMAX * LD], x[KMAX > NMAX ? KMAX : NMAX], y0[KMAX > NMAX ? KMAX : NMAX],
		y[KMAX > NMAX ? KMAX : NMAX];
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5);
	for (size_t i = 0; i < KMAX * LD; i++)
		M[i] = gsl_rng_uniform(r) - 0.5;
	for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
		x[i] = gsl_rng_uniform(r) - 0.5;
		y0[i] = gsl_rng_uniform(r) - 0.5;
	}
	gsl_rng_free(r);
	const size_t sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 20, 23, 24, 31, 33, 41};
	const size_t ns = sizeof sizes / sizeof sizes[0];
	for (size_t a = 0; a < ns; a++)
		for (size_t b = 0; b < ns; b++)
			for (int trans = 0; trans <= 1; trans++)
				for (size_t t = 1; t <= 2; t++) {
					size_t k = sizes[a], n = sizes[b], out = trans ? n : k;
					memcpy(y, y0, sizeof y);
					/* bt_batch_mm's trans = 1 is y += M x (M k×n) */
					if (trans)
						bt_batch_mm(1, n, k, x, k, M, LD, 0, y, n, t);
					else
						bt_batch_mm(1, k, n, x, n, M, LD, 1, y, k, t);
					for (size_t i = 0; i < out; i++) {
						long double e = y0[i];
						size_t len = trans ? k : n;
						for (size_t j = 0; j < len; j++)
							e += trans ? (long double)M[j * LD + i] * x[j]
								   : (long double)M[i * LD + j] * x[j];
						ck_assert_msg(fabsl(y[i] - e) <= 1e-14L * (1 + len),
							      "%s k=%zu n=%zu t=%zu: y[%zu] = %.17g, want %.17Lg",
							      trans ? "y += M^T x" : "y += M x", k, n, t, i, y[i], e);
					}
					for (size_t i = out; i < sizeof y / sizeof y[0]; i++)
						ck_assert_msg(y[i] == y0[i], "k=%zu n=%zu: y[%zu] written", k, n, i);
				}
}
END_TEST

static Suite *batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_batch_equals_sum, 0, NLOOP);
	tcase_add_loop_test(tc, test_batch_shapes, 0, NLOOP);
	tcase_add_loop_test(tc, test_batch_one_by_one, 0, NLOOP);
	tcase_add_loop_test(tc, test_unequal_lengths, 0, NLOOP);
	tcase_add_loop_test(tc, test_einval, 0, NLOOP);
	tcase_add_test(tc, test_vector_gates);
	tcase_add_test(tc, test_matvec);
	suite_add_tcase(s, tc);
	TCase *fp = tcase_create("fast path");
	tcase_set_timeout(fp, 120);
	tcase_add_loop_test(fp, test_fast_path_reference, 0, NLOOP);
	tcase_add_loop_test(fp, test_fast_path_fd, 0, 2);
	tcase_add_loop_test(fp, test_fast_path_enumeric, 0, NLOOP);
	suite_add_tcase(s, fp);
	return s;
}

int main(void)
{
	(void)ref_backward_truncated;   /* reference.h's, used by other suites */
	SRunner *sr = srunner_create(batch_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
