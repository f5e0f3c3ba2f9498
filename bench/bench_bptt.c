/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_bptt.c — how long one exact full BPTT takes (forward + backward,
 * every parameter and every input), and one truncated BPTT, on a tanh RNN.
 *
 * usage: bench_bptt [n] [T] [d] [m] [repeats]   (defaults 64 1000 32 16 20)
 * Prints the median and best wall-clock time of each, then the best time of
 * bptt jacobian (n = 128, T = 1000) and of bptt lyapunov (n = 128,
 * T = 10 000, 10 exponents). A benchmark, not a test: it asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bt.h"
#include "base/timing.h"

static void run(const char *what, bt_model *m, bt_data *d, size_t k, int reps,
		double *g, double *dX)
{
	double *t = malloc(reps * sizeof(double)), L;
	for (int r = 0; r < reps; r++) {
		double t0 = bt_wall_seconds();
		if (bt_gradient(m, d, k, &L, g, dX) != BT_OK) {
			fprintf(stderr, "bench: gradient failed\n");
			exit(1);
		}
		t[r] = bt_wall_seconds() - t0;
	}
	double med = bt_median(t, (size_t)reps);
	printf("%-28s median %9.3f ms   best %9.3f ms   (%d runs, loss %.6g)\n",
	       what, 1e3 * med, 1e3 * t[0], reps, L);
	free(t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (argv[1][0] == '-')) {
		printf("usage: bench_bptt [n] [T] [d] [m] [repeats]  (defaults 64 1000 32 16 20)\n"
		       "Times one full BPTT (loss, all parameter gradients, all input gradients)\n"
		       "and one truncated BPTT with k = 10 on a tanh RNN.\n");
		return 0;
	}
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	size_t T = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	size_t dd = argc > 3 ? strtoul(argv[3], NULL, 10) : 32;
	size_t mm = argc > 4 ? strtoul(argv[4], NULL, 10) : 16;
	int reps = argc > 5 ? atoi(argv[5]) : 20;
	if (!n || !T || !dd || !mm || reps < 1) {
		fprintf(stderr, "bench_bptt: sizes and repeats must be positive\n");
		return 2;
	}
	bt_model *m;
	bt_data *d;
	bt_dims dims = {dd, n, mm};
	if (bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH) ||
	    bt_model_init(m, NULL) || bt_data_alloc(&d, T, dd, mm, 0) ||
	    bt_data_random(d, 1)) {
		fprintf(stderr, "bench_bptt: cannot allocate\n");
		return 2;
	}
	double *g = malloc(m->nparams * sizeof(double));
	double *dX = malloc(T * dd * sizeof(double));
	printf("tanh RNN, d = %zu, n = %zu, m = %zu, T = %zu (%zu parameters)\n",
	       dd, n, mm, T, m->nparams);
	run("full BPTT", m, d, 0, reps, g, dX);
	run("truncated BPTT, k = 10", m, d, 10, reps, g, dX);
	free(g);
	free(dX);
	bt_model_free(m);
	bt_data_free(d);

	/* bptt jacobian: every lag of a tanh RNN, n = 128, T = 1000 */
	bt_dims jd = {32, 128, 16};
	bt_jacobian_result *jr;
	if (bt_model_alloc(&m, bt_cell_lookup("rnn"), jd, BT_ACT_TANH) ||
	    bt_model_init(m, NULL) || bt_data_alloc(&d, 1000, 32, 16, 0) ||
	    bt_data_random(d, 2) || bt_jacobian_alloc(&jr, 1000)) {
		fprintf(stderr, "bench_bptt: cannot allocate\n");
		return 2;
	}
	int jreps = reps < 5 ? reps : 5;
	for (int skip = 1; skip >= 0; skip--) {
		double best = 1e300;
		jr->skip_steps = skip;
		for (int r = 0; r < jreps; r++) {
			double t0 = bt_wall_seconds();
			if (bt_jacobian_lags(m, d, jr) != BT_OK) {
				fprintf(stderr, "bench: jacobian failed\n");
				return 1;
			}
			double t1 = bt_wall_seconds() - t0;
			best = t1 < best ? t1 : best;
		}
		printf("%-28s best %9.3f ms   (%d runs; tanh RNN n = 128, T = 1000, all lags%s)\n",
		       skip ? "jacobian, every lag" : "jacobian + step norms", 1e3 * best, jreps,
		       skip ? ": product, 2-norm, F-norm" : ", and |J_t|_2 of every step");
	}
	bt_jacobian_free(jr);
	bt_data_free(d);

	/* bptt lyapunov: 10 exponents of the same RNN over T = 10 000 steps
	 * (target: under 1 s on one core) */
	bt_lyapunov_result *lr;
	if (bt_data_alloc(&d, 10000, 32, 16, 0) || bt_data_random(d, 3) ||
	    bt_lyapunov_alloc(&lr, m, 10000, NULL)) {
		fprintf(stderr, "bench_bptt: cannot allocate\n");
		return 2;
	}
	double best = 1e300;
	for (int r = 0; r < jreps; r++) {
		double t0 = bt_wall_seconds();
		if (bt_lyapunov(m, d, lr) != BT_OK) {
			fprintf(stderr, "bench: lyapunov failed\n");
			return 1;
		}
		double t1 = bt_wall_seconds() - t0;
		best = t1 < best ? t1 : best;
	}
	printf("%-28s best %9.3f ms   (%d runs; tanh RNN n = 128, T = 10000, k = 10, lambda_1 %.4g)\n",
	       "lyapunov, 10 exponents", 1e3 * best, jreps, lr->exponent[0]);
	bt_lyapunov_free(lr);
	bt_model_free(m);
	bt_data_free(d);
	return 0;
}
