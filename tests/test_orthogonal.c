/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_orthogonal.c — the orthogonal (Cayley) RNN: W is orthogonal to
 * 1e-12 even for |A| near 30, and the gradient with respect to A agrees
 * with an independent reference: an explicit Gauss–Jordan inverse for the
 * Cayley transform, plain-loop BPTT (full, or each loss term over its own
 * truncation window) for ∂L/∂W, and the chain rule applied
 * entry by entry, ∂L/∂A_kl = Σ_ij G_ij [−M⁻¹ (E_kl − E_lk)(W + I)]_ij. */
#include "testutil.h"

/* Gauss–Jordan inverse with partial pivoting, plain loops (n ≤ 64). */
static void gj_inverse(const double *M, double *Minv, size_t n)
{
	double *a = malloc(n * 2 * n * sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < 2 * n; j++)
			a[i * 2 * n + j] = j < n ? M[i * n + j] : (j - n == i);
	for (size_t c = 0; c < n; c++) {
		size_t p = c;
		for (size_t r = c + 1; r < n; r++)
			if (fabs(a[r * 2 * n + c]) > fabs(a[p * 2 * n + c]))
				p = r;
		for (size_t j = 0; j < 2 * n; j++) {
			double t = a[c * 2 * n + j];
			a[c * 2 * n + j] = a[p * 2 * n + j];
			a[p * 2 * n + j] = t;
		}
		double piv = a[c * 2 * n + c];
		for (size_t j = 0; j < 2 * n; j++)
			a[c * 2 * n + j] /= piv;
		for (size_t r = 0; r < n; r++)
			if (r != c) {
				double f = a[r * 2 * n + c];
				for (size_t j = 0; j < 2 * n; j++)
					a[r * 2 * n + j] -= f * a[c * 2 * n + j];
			}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			Minv[i * n + j] = a[i * 2 * n + n + j];
	free(a);
}

static const double *blk(const bt_model *m, const char *name)
{
	int i = bt_model_find_block(m, name);
	ck_assert_int_ge(i, 0);
	return m->theta + m->blocks[i].offset;
}

static size_t off(const bt_model *m, const char *name)
{
	return m->blocks[bt_model_find_block(m, name)].offset;
}

/* The reference: W from the explicit inverse, loss and ∂L/∂θ by plain
 * loops, ∂L/∂A by the entry-wise chain rule. */
static double reference(const bt_model *m, const bt_data *D, size_t k, double *g, double *gX)
{
	size_t n = m->dims.n, d = m->dims.d, mm = m->dims.m, T = D->T;
	const double *A = blk(m, "A"), *U = blk(m, "U"), *b = blk(m, "b"),
		     *V = blk(m, "V"), *by = blk(m, "b_y");
	double *M = calloc(n * n, sizeof(double)), *Mi = calloc(n * n, sizeof(double)),
	       *W = calloc(n * n, sizeof(double)), *GW = calloc(n * n, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			M[i * n + j] = (i == j) + A[i * n + j] - A[j * n + i];
	gj_inverse(M, Mi, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += Mi[i * n + k] * ((k == j) - (A[k * n + j] - A[j * n + k]));
			W[i * n + j] = s;
		}
	double *h = calloc((T + 1) * n, sizeof(double)), *e = calloc(T * mm, sizeof(double));
	double L = 0;
	for (size_t t = 1; t <= T; t++) {
		for (size_t i = 0; i < n; i++) {
			double a = b[i];
			for (size_t j = 0; j < n; j++)
				a += W[i * n + j] * h[(t - 1) * n + j];
			for (size_t j = 0; j < d; j++)
				a += U[i * d + j] * D->X[(t - 1) * d + j];
			h[t * n + i] = tanh(a);
		}
		double mu = D->M ? D->M[t - 1] : 1;
		for (size_t o = 0; o < mm; o++) {
			double y = by[o];
			for (size_t i = 0; i < n; i++)
				y += V[o * n + i] * h[t * n + i];
			e[(t - 1) * mm + o] = mu * (y - D->Y[(t - 1) * mm + o]);
			L += mu * 0.5 * (y - D->Y[(t - 1) * mm + o]) * (y - D->Y[(t - 1) * mm + o]);
		}
	}
	memset(g, 0, m->nparams * sizeof(double));
	memset(gX, 0, T * d * sizeof(double));
	double *dh = calloc(n, sizeof(double)), *da = calloc(n, sizeof(double));
	/* each loss term on its own: back through its window of k states
	 * (k = 0: all of them), the slow obvious way */
	for (size_t t = 1; t <= T; t++) {
		for (size_t o = 0; o < mm; o++) {
			g[off(m, "b_y") + o] += e[(t - 1) * mm + o];
			for (size_t i = 0; i < n; i++)
				g[off(m, "V") + o * n + i] += e[(t - 1) * mm + o] * h[t * n + i];
		}
		for (size_t i = 0; i < n; i++) {
			dh[i] = 0;
			for (size_t o = 0; o < mm; o++)
				dh[i] += V[o * n + i] * e[(t - 1) * mm + o];
		}
		size_t steps = (k == 0 || k > t) ? t : k;
		for (size_t j = 0; j < steps; j++) {
			size_t u = t - j;
			for (size_t i = 0; i < n; i++)
				da[i] = (1 - h[u * n + i] * h[u * n + i]) * dh[i];
			for (size_t i = 0; i < n; i++) {
				g[off(m, "b") + i] += da[i];
				for (size_t jj = 0; jj < n; jj++)
					GW[i * n + jj] += da[i] * h[(u - 1) * n + jj];
				for (size_t jj = 0; jj < d; jj++) {
					g[off(m, "U") + i * d + jj] += da[i] * D->X[(u - 1) * d + jj];
					gX[(u - 1) * d + jj] += U[i * d + jj] * da[i];
				}
			}
			for (size_t jj = 0; jj < n; jj++) {
				double sacc = 0;
				for (size_t i = 0; i < n; i++)
					sacc += W[i * n + jj] * da[i];
				dh[jj] = sacc;
			}
		}
	}
	/* ∂W/∂A_kl = −M⁻¹ (E_kl − E_lk)(W + I) */
	for (size_t k = 0; k < n; k++)
		for (size_t l = 0; l < n; l++) {
			double s = 0;
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++) {
					/* [(E_kl − E_lk)(W+I)]_{·j}: row k gets (W+I)_{lj}, row l gets −(W+I)_{kj} */
					double dWij = -(Mi[i * n + k] * (W[l * n + j] + (l == j)) -
							Mi[i * n + l] * (W[k * n + j] + (k == j)));
					s += GW[i * n + j] * dWij;
				}
			g[off(m, "A") + k * n + l] = s;
		}
	free(M); free(Mi); free(W); free(GW); free(h); free(e); free(dh); free(da);
	return L;
}

static double block_rel(const bt_model *m, size_t bi, const double *g, const double *r)
{
	const bt_block *b = &m->blocks[bi];
	double num = 0, den = 0;
	for (size_t i = 0; i < b->rows * b->cols; i++) {
		num = fmax(num, fabs(g[b->offset + i] - r[b->offset + i]));
		den = fmax(den, fabs(r[b->offset + i]));
	}
	return den > 0 ? num / den : num;
}

START_TEST(test_orthogonal_at_large_A)
{
	size_t ns[] = {1, 4, 16, 50};
	size_t n = ns[_i];
	bt_model *m = tu_model("orthogonal", BT_ACT_TANH, 2, n, 1, 1.0, 40 + _i);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 5 + _i);
	double *A = m->theta + off(m, "A");
	for (size_t i = 0; i < n * n; i++)
		A[i] = gsl_ran_flat(r, -30, 30);
	A[0] = 30;
	gsl_rng_free(r);
	gsl_matrix *W = gsl_matrix_alloc(n, n);
	ck_assert_int_eq(bt_model_recurrent(m, W), BT_OK);
	double worst = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;
			for (size_t k = 0; k < n; k++)
				s += gsl_matrix_get(W, k, i) * gsl_matrix_get(W, k, j);
			worst = fmax(worst, fabs(s - (i == j)));
		}
	ck_assert_msg(worst <= 1e-12, "n=%zu: |WᵀW − I|_max = %g", n, worst);
	gsl_matrix_free(W);
	bt_model_free(m);
}
END_TEST

typedef struct { size_t T, d, n, m; int mask; double sd; } shape;
static const shape shapes[] = {
	{1, 3, 4, 2, 0, 0.8}, {7, 2, 1, 3, 0, 0.8}, {6, 1, 4, 2, 0, 0.8},
	{6, 3, 4, 1, 0, 0.8}, {9, 3, 5, 2, 1, 0.8}, {200, 2, 3, 2, 0, 0.5},
	{8, 2, 5, 2, 0, 4.0},   /* large A and saturated tanh */
};

START_TEST(test_against_reference)
{
	const shape *s = &shapes[_i];
	bt_model *m = tu_model("orthogonal", BT_ACT_TANH, s->d, s->n, s->m, s->sd, 100 + _i);
	bt_data *D = tu_data(s->T, s->d, s->m, s->mask, 7 + _i);
	if (s->mask) {
		for (size_t t = 0; t < s->T; t++)
			D->M[t] = (t == 0 || t == s->T - 1 || t % 3 == 1) ? 0 : 1;
	}
	double *g = malloc(m->nparams * sizeof(double)), *r = malloc(m->nparams * sizeof(double));
	double *gX = malloc(s->T * s->d * sizeof(double)), *rX = malloc(s->T * s->d * sizeof(double));
	double L, Lr = reference(m, D, 0, r, rX);
	ck_assert_int_eq(bt_gradient(m, D, 0, &L, g, gX), BT_OK);
	ck_assert_msg(fabs(L - Lr) <= 1e-12 * fmax(1, fabs(Lr)), "loss %.17g vs %.17g", L, Lr);
	for (size_t b = 0; b < m->nblocks; b++) {
		double e = block_rel(m, b, g, r);
		ck_assert_msg(e <= 1e-10, "shape %d block %s: rel %g", _i, m->blocks[b].name, e);
	}
	double ex = 0, dx = 0;
	for (size_t i = 0; i < s->T * s->d; i++) {
		ex = fmax(ex, fabs(gX[i] - rX[i]));
		dx = fmax(dx, fabs(rX[i]));
	}
	ck_assert_msg(ex <= 1e-10 * dx, "X: %g of %g", ex, dx);
	/* and the library's checker agrees with finite differences */
	bt_check_options o;
	bt_check_options_default(&o);
	o.order = 4;
	bt_check_result cr;
	ck_assert_int_eq(bt_gradcheck(m, D, &o, &cr), BT_OK);
	for (size_t b = 0; b < cr.nblocks; b++)
		ck_assert_msg(cr.blocks[b].ok, "shape %d: block %s disagrees with FD (rel %g)",
			      _i, cr.blocks[b].name, cr.blocks[b].max_rel);
	free(g); free(r); free(gX); free(rX);
	bt_model_free(m);
	bt_data_free(D);
}
END_TEST

START_TEST(test_truncated_reference)
{
	const shape *s = &shapes[_i];
	bt_model *m = tu_model("orthogonal", BT_ACT_TANH, s->d, s->n, s->m, s->sd, 300 + _i);
	bt_data *D = tu_data(s->T, s->d, s->m, 0, 17 + _i);
	size_t ks[] = {1, 2, 3, s->T > 1 ? s->T - 1 : 1, s->T, s->T + 5};
	double *g = malloc(m->nparams * sizeof(double)), *r = malloc(m->nparams * sizeof(double));
	double *gX = malloc(s->T * s->d * sizeof(double)), *rX = malloc(s->T * s->d * sizeof(double));
	for (size_t q = 0; q < 6; q++) {
		double L, Lr = reference(m, D, ks[q], r, rX);
		ck_assert_int_eq(bt_gradient(m, D, ks[q], &L, g, gX), BT_OK);
		ck_assert(fabs(L - Lr) <= 1e-12 * fmax(1, fabs(Lr)));
		for (size_t b = 0; b < m->nblocks; b++) {
			double e = block_rel(m, b, g, r);
			ck_assert_msg(e <= 1e-10, "shape %d k=%zu block %s: rel %g", _i, ks[q],
				      m->blocks[b].name, e);
		}
		double ex = 0, dx = 0;
		for (size_t i = 0; i < s->T * s->d; i++) {
			ex = fmax(ex, fabs(gX[i] - rX[i]));
			dx = fmax(dx, fabs(rX[i]));
		}
		ck_assert_msg(ex <= 1e-10 * dx + 1e-300, "k=%zu X: %g of %g", ks[q], ex, dx);
	}
	free(g); free(r); free(gX); free(rX);
	bt_model_free(m);
	bt_data_free(D);
}
END_TEST

START_TEST(test_no_scale)
{
	bt_init_options o;
	bt_init_options_default(&o);
	o.scale = 0.9;
	bt_dims dims = {2, 3, 1};
	bt_model *m;
	ck_assert_int_eq(bt_model_alloc(&m, bt_cell_lookup("orthogonal"), dims, BT_ACT_TANH), BT_OK);
	ck_assert_int_eq(bt_cell_takes_scale(m->type), 0);
	ck_assert_int_eq(bt_model_init(m, &o), BT_EINVAL);
	bt_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("orthogonal");
	TCase *tc = tcase_create("cayley");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_orthogonal_at_large_A, 0, 4);
	tcase_add_loop_test(tc, test_against_reference, 0, (int)(sizeof shapes / sizeof shapes[0]));
	tcase_add_loop_test(tc, test_truncated_reference, 0, (int)(sizeof shapes / sizeof shapes[0]));
	tcase_add_test(tc, test_no_scale);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
