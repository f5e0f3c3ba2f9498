/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_task.c — tasks with known baselines: shapes, masks, markers and
 * sums; the same seed gives the same data; the stated baselines agree with
 * their empirical value over many sequences (computed here from the data);
 * the linear task's y is the recurrence run by a plain loop. */
#include "testutil.h"

static bt_data *gen(int kind, size_t T, unsigned long seed, bt_task_info *info)
{
	bt_task_options o;
	bt_task_options_default(&o);
	o.kind = kind;
	o.T = T;
	o.seed = seed;
	o.symbols = 3;
	o.alphabet = 5;
	o.delay = 7;
	o.a = 0.8;
	o.b = 1.3;
	o.s = 0.7;
	bt_data *D = NULL;
	ck_assert_int_eq(bt_task_generate(&D, &o, info), BT_OK);
	ck_assert_ptr_nonnull(D);
	ck_assert_ptr_nonnull(D->M);
	return D;
}

START_TEST(test_adding_shape)
{
	const size_t Ts[] = {2, 3, 20, 101};
	for (size_t i = 0; i < 4; i++)
		for (unsigned long seed = 1; seed <= 50; seed++) {
			size_t T = Ts[i], half = T / 2;
			bt_data *D = gen(BT_TASK_ADDING, T, seed, NULL);
			ck_assert_uint_eq(D->T, T);
			ck_assert_uint_eq(D->d, 2);
			ck_assert_uint_eq(D->m, 1);
			size_t n1 = 0, n2 = 0;
			double sum = 0;
			for (size_t t = 0; t < T; t++) {
				double u = D->X[2 * t], mk = D->X[2 * t + 1];
				ck_assert(u >= 0 && u < 1);
				ck_assert(mk == 0 || mk == 1);
				if (mk == 1) {
					sum += u;
					if (t < half)
						n1++;
					else
						n2++;
				}
				ck_assert_double_eq(D->M[t], t == T - 1 ? 1.0 : 0.0);
				if (t < T - 1)
					ck_assert_double_eq(D->Y[t], 0.0);
			}
			ck_assert_msg(n1 == 1 && n2 == 1, "T %zu: %zu markers in the first half, %zu in the second", T, n1, n2);
			ck_assert_double_eq(D->Y[T - 1], sum);
			bt_data_free(D);
		}
}
END_TEST

START_TEST(test_copy_shape)
{
	bt_task_info info;
	bt_data *D = gen(BT_TASK_COPY, 0, 11, &info);
	size_t K = 3, A = 5, Dl = 7, T = 2 * K + Dl, d = A + 2;
	ck_assert_uint_eq(D->T, T);
	ck_assert_uint_eq(D->d, d);
	ck_assert_uint_eq(D->m, A);
	for (size_t t = 0; t < T; t++) {
		double s = 0;
		for (size_t c = 0; c < d; c++) {
			ck_assert(D->X[t * d + c] == 0 || D->X[t * d + c] == 1);
			s += D->X[t * d + c];
		}
		ck_assert_double_eq(s, 1.0);   /* one-hot */
		int blank = D->X[t * d + A] == 1, go = D->X[t * d + A + 1] == 1;
		ck_assert_int_eq(go, t == K + Dl - 1);
		ck_assert_int_eq(blank, t >= K && t != K + Dl - 1);
		int recall = t >= K + Dl;
		ck_assert_double_eq(D->M[t], recall ? 1.0 : 0.0);
		double ys = 0;
		for (size_t c = 0; c < A; c++)
			ys += D->Y[t * A + c];
		ck_assert_double_eq(ys, recall ? 1.0 : 0.0);
		if (recall)   /* the target is the symbol seen K + D steps before */
			for (size_t c = 0; c < A; c++)
				ck_assert_double_eq(D->Y[t * A + c], D->X[(t - K - Dl) * d + c]);
	}
	ck_assert_double_eq_tol(info.baseline_mse, 1.0 - 1.0 / A, 1e-15);
	ck_assert_double_eq_tol(info.baseline_loss, 0.5 * K * (1.0 - 1.0 / A), 1e-15);
	bt_data_free(D);
}
END_TEST

static int same(const bt_data *a, const bt_data *b)
{
	return a->T == b->T && a->d == b->d && a->m == b->m &&
	       !memcmp(a->X, b->X, a->T * a->d * sizeof(double)) &&
	       !memcmp(a->Y, b->Y, a->T * a->m * sizeof(double)) &&
	       !memcmp(a->M, b->M, a->T * sizeof(double));
}

START_TEST(test_seed)
{
	int kind = _i;
	bt_data *a = gen(kind, 30, 5, NULL), *b = gen(kind, 30, 5, NULL),
		*c = gen(kind, 30, 6, NULL);
	ck_assert_msg(same(a, b), "%s: the same seed gives different data", bt_task_name(kind));
	ck_assert_msg(!same(a, c), "%s: seeds 5 and 6 give the same data", bt_task_name(kind));
	bt_data_free(a);
	bt_data_free(b);
	bt_data_free(c);
}
END_TEST

/* Mean and standard error of N values. */
static void mean_se(const double *v, size_t N, double *mean, double *se)
{
	double s = 0, ss = 0;
	for (size_t i = 0; i < N; i++)
		s += v[i];
	*mean = s / N;
	for (size_t i = 0; i < N; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*se = sqrt(ss / (N - 1) / N);
}

START_TEST(test_adding_baseline)
{
	/* The loss of predicting 1 at T, computed from the data (the marked
	 * values read off X, not Y), over many sequences. */
	size_t N = 20000;
	double *e = malloc(N * sizeof *e), mean, se;
	bt_task_info info;
	for (size_t k = 0; k < N; k++) {
		bt_data *D = gen(BT_TASK_ADDING, 16, 1000 + k, &info);
		double s = 0;
		for (size_t t = 0; t < D->T; t++)
			s += D->X[2 * t] * D->X[2 * t + 1];
		e[k] = (s - 1) * (s - 1);
		bt_data_free(D);
	}
	mean_se(e, N, &mean, &se);
	ck_assert_double_eq_tol(info.baseline_mse, 1.0 / 6.0, 1e-15);
	ck_assert_double_eq_tol(info.baseline_loss, 1.0 / 12.0, 1e-15);
	ck_assert_msg(fabs(mean - 1.0 / 6.0) < 4 * se, "empirical %.5f ± %.5f, closed form 1/6", mean, se);
	free(e);
}
END_TEST

START_TEST(test_copy_baseline)
{
	/* The memoryless predictor: the symbol frequencies estimated on one
	 * half of the sequences, its error measured on the other half. */
	size_t N = 4000, K = 3, A = 5;
	double p[5] = {0}, *e = malloc(N / 2 * K * sizeof *e), mean, se;
	bt_task_info info;
	for (size_t k = 0; k < N; k++) {
		bt_data *D = gen(BT_TASK_COPY, 0, 500 + k, &info);
		size_t r = 0;
		for (size_t t = 0; t < D->T; t++) {
			if (D->M[t] == 0)
				continue;
			const double *y = D->Y + t * A;
			if (k < N / 2) {
				for (size_t c = 0; c < A; c++)
					p[c] += y[c] / (N / 2 * K);
			} else {
				double s = 0;
				for (size_t c = 0; c < A; c++)
					s += (p[c] - y[c]) * (p[c] - y[c]);
				e[(k - N / 2) * K + r] = s;
			}
			r++;
		}
		ck_assert_uint_eq(r, K);
		bt_data_free(D);
	}
	mean_se(e, N / 2 * K, &mean, &se);
	ck_assert_msg(fabs(mean - info.baseline_mse) < 4 * se + 1e-3,
		      "empirical %.5f ± %.5f, closed form %.5f", mean, se, info.baseline_mse);
	free(e);
}
END_TEST

START_TEST(test_linear)
{
	bt_task_info info;
	size_t T = 200;
	bt_data *D = gen(BT_TASK_LINEAR, T, 17, &info);
	ck_assert_uint_eq(D->d, 1);
	ck_assert_uint_eq(D->m, 1);
	double h = 0;
	for (size_t t = 0; t < T; t++) {
		h = 0.8 * h + 1.3 * D->X[t];
		ck_assert_double_eq_tol(D->Y[t], h, 1e-12 * (1 + fabs(h)));
		ck_assert_double_eq(D->M[t], 1.0);
	}
	/* baseline: (1/T) Σ_t b²s²(1 − a^{2t})/(1 − a²), summed in closed form:
	 * b²s²/(1 − a²) · (1 − a²(1 − a^{2T}) / (T(1 − a²))) */
	double a2 = 0.64, bs2 = 1.69 * 0.49;
	double closed = bs2 / (1 - a2) * (1 - a2 * (1 - pow(a2, T)) / (T * (1 - a2)));
	ck_assert_double_eq_tol(info.baseline_mse, closed, 1e-12);
	bt_data_free(D);

	/* empirically: mean of y_t² over steps and sequences */
	size_t N = 2000;
	T = 10;
	double *e = malloc(N * sizeof *e), mean, se;
	for (size_t k = 0; k < N; k++) {
		D = gen(BT_TASK_LINEAR, T, 3000 + k, &info);
		double s = 0;
		for (size_t t = 0; t < T; t++)
			s += D->Y[t] * D->Y[t] / T;
		e[k] = s;
		bt_data_free(D);
	}
	mean_se(e, N, &mean, &se);
	ck_assert_msg(fabs(mean - info.baseline_mse) < 4 * se,
		      "empirical %.5f ± %.5f, closed form %.5f", mean, se, info.baseline_mse);
	free(e);
}
END_TEST

START_TEST(test_bad)
{
	bt_task_options o;
	bt_data *D = (bt_data *)1;
	bt_task_options_default(&o);
	o.T = 1;   /* adding needs two steps */
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	ck_assert_ptr_null(D);
	o.kind = BT_TASK_COPY;
	o.alphabet = 1;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	o.alphabet = 4;
	o.delay = 0;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	bt_task_options_default(&o);
	o.kind = BT_TASK_LINEAR;
	o.s = -1;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	o.s = 1;
	o.a = NAN;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	o.a = 1e6;
	o.T = 1000;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_ENUMERIC);
	o.kind = 7;
	ck_assert_int_eq(bt_task_generate(&D, &o, NULL), BT_EINVAL);
	ck_assert_int_eq(bt_task_from_name("copy"), BT_TASK_COPY);
	ck_assert_int_eq(bt_task_from_name("nosuch"), -1);
}
END_TEST

/* The generator seeds of a seed's streams (what MT19937 keeps: the low 32
 * bits, 0 taken as 4357) differ for every pair of (seed, stream) on a grid
 * of seeds at 1, near 2^31 and near 2^32 - 1 and streams 0..63: no pair
 * gives what another gives (seed + i would: data set 1 of seed s is data
 * set 0 of s + 1, and s + i passes 2^32 near the top). */
static int cmp_u32(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
	return x < y ? -1 : x > y;
}

START_TEST(test_seed_streams)
{
	static const unsigned long base[3] = {1, 2147483600UL, 4294967232UL};
	enum { SEEDS = 64, STREAMS = 64 };
	static unsigned long got[3 * SEEDS * STREAMS + 3 * SEEDS];
	size_t n = 0;
	for (int b = 0; b < 3; b++)
		for (unsigned long s = base[b]; s < base[b] + SEEDS; s++) {
			got[n++] = s;   /* stream 0 of the instruments: the seed itself */
			for (size_t i = 1; i <= STREAMS; i++) {
				unsigned long g = bt_seed_stream(s, BT_STREAM_DATASET, i, 0) & 0xffffffffUL;
				got[n++] = g ? g : 4357;
			}
		}
	qsort(got, n, sizeof got[0], cmp_u32);
	for (size_t k = 1; k < n; k++)
		ck_assert_msg(got[k] != got[k - 1], "two streams share the generator seed %lu", got[k]);
	/* the same arguments, the same seed; another use, another seed */
	ck_assert(bt_seed_stream(7, BT_STREAM_DATASET, 3, 0) == bt_seed_stream(7, BT_STREAM_DATASET, 3, 0));
	ck_assert(bt_seed_stream(7, BT_STREAM_DATASET, 3, 0) != bt_seed_stream(7, BT_STREAM_MASK, 3, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("task");
	TCase *tc = tcase_create("tasks");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_adding_shape);
	tcase_add_test(tc, test_copy_shape);
	tcase_add_loop_test(tc, test_seed, 0, 3);
	tcase_add_test(tc, test_adding_baseline);
	tcase_add_test(tc, test_copy_baseline);
	tcase_add_test(tc, test_linear);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_seed_streams);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
