/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_batch.c — the speed of full BPTT through the batched kernels
 * (batch.c): bt_gradient (B = 1) and bt_batch_gradient (B sequences).
 *
 * usage: bench_batch [repeats [arch [B]]]   (default 7, every case)
 * One thread (the library sets OpenBLAS to one), float64, T = 1000, d = n,
 * m = 1; prints the best CPU time of each case and its rate against
 * a plain 1024³ DGEMM on this machine. A benchmark, not a test: it asserts
 * nothing. */
#include <gsl/gsl_cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bt.h"
#include "base/timing.h"

static void fail(const char *what)
{
	fprintf(stderr, "bench_batch: %s\n", what);
	exit(1);
}

/* Best time of `reps` gradients of B sequences (B = 1: bt_gradient). */
static double best_time(const char *arch, size_t n, size_t B, size_t T,
			int reps)
{
	bt_model *m;
	bt_dims dims = {n, n, 1};
	if (bt_model_alloc(&m, bt_cell_lookup(arch), dims, BT_ACT_TANH) ||
	    bt_model_init(m, NULL))
		fail("cannot make the model");
	bt_data **D = calloc(B, sizeof *D);
	double **dX = calloc(B, sizeof *dX);
	double *g = malloc(m->nparams * sizeof(double));
	if (!D || !dX || !g)
		fail("out of memory");
	for (size_t b = 0; b < B; b++) {
		if (bt_data_alloc(&D[b], T, n, 1, 0) || bt_data_random(D[b], 1 + b))
			fail("cannot make the data");
		dX[b] = malloc(T * n * sizeof(double));
		if (!dX[b])
			fail("out of memory");
	}
	bt_batch *w = NULL;
	if (B > 1 && bt_batch_alloc(&w, m, B, T))
		fail("cannot allocate the workspace");
	double best = 1e300, L;
	for (int r = 0; r < reps; r++) {
		double t0 = bt_cpu_seconds();
		int st = B == 1 ? bt_gradient(m, D[0], 0, &L, g, dX[0])
				: bt_batch_gradient(w, m, (const bt_data *const *)D,
						    B, &L, g, dX);
		double t = bt_cpu_seconds() - t0;
		if (st != BT_OK)
			fail("gradient failed");
		best = t < best ? t : best;
	}
	bt_batch_free(w);
	for (size_t b = 0; b < B; b++) {
		bt_data_free(D[b]);
		free(dX[b]);
	}
	free(D);
	free(dX);
	free(g);
	bt_model_free(m);
	return best;
}

/* Best GFLOP/s of C = A B, n×n×n. */
static double dgemm_rate(int n, int reps)
{
	size_t nn = (size_t)n * (size_t)n;
	double *A = malloc(nn * sizeof(double)), *Bm = malloc(nn * sizeof(double));
	double *C = malloc(nn * sizeof(double));
	if (!A || !Bm || !C)
		fail("out of memory");
	for (size_t i = 0; i < nn; i++) {
		A[i] = 1e-3 * (double)(i % 17);
		Bm[i] = 1e-3 * (double)(i % 13);
	}
	double best = 1e300;
	for (int r = 0; r < reps; r++) {
		double t0 = bt_cpu_seconds();
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n,
			    1.0, A, n, Bm, n, 0.0, C, n);
		double t = bt_cpu_seconds() - t0;
		best = t < best ? t : best;
	}
	free(A);
	free(Bm);
	free(C);
	return 2.0 * (double)nn * n / best * 1e-9;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 7;
	if (reps < 1) {
		printf("usage: bench_batch [repeats [arch [B]]]   (default 7, every case)\n");
		return 2;
	}
	const char *only = argc > 2 ? argv[2] : NULL;
	size_t onlyB = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
	const size_t T = 1000;
	static const struct {
		const char *arch;
		size_t n, B;
		double target_ms;
	} cases[] = {
		{"rnn", 16, 1, 0.7}, {"rnn", 64, 1, 4}, {"rnn", 256, 1, 29},
		{"gru", 256, 1, 85}, {"lstm", 256, 1, 110},
		{"rnn", 16, 32, 0}, {"rnn", 64, 32, 0}, {"rnn", 256, 32, 0},
		{"gru", 256, 32, 0}, {"lstm", 256, 32, 0},
	};
	/* a model first, so that the library has set OpenBLAS to one thread */
	bt_model *m0;
	bt_dims d0 = {1, 1, 1};
	if (bt_model_alloc(&m0, bt_cell_lookup("rnn"), d0, BT_ACT_TANH))
		fail("cannot make a model");
	bt_model_free(m0);
	double peak = dgemm_rate(1024, only ? 1 : reps);
	printf("# one thread, T = %zu, d = n, m = 1; DGEMM 1024^3: %.1f GFLOP/s\n",
	       T, peak);
	printf("# arch     n    B   best_ms  target_ms  GFLOP/s  of_DGEMM\n");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if ((only && strcmp(only, cases[i].arch) != 0) ||
		    (onlyB && onlyB != cases[i].B))
			continue;
		double t = best_time(cases[i].arch, cases[i].n, cases[i].B, T, reps);
		/* flops per step and sequence, d = n: 12 n² for the rnn (U x,
		 * W h, Wᵀ δa, ∂W, ∂U, ∂X, 2 n² each), 3× for the gru, 4× for
		 * the lstm */
		double k = cases[i].arch[0] == 'r' ? 1 : cases[i].arch[0] == 'g' ? 3 : 4;
		double flops = 12.0 * k * (double)(cases[i].n * cases[i].n * T * cases[i].B);
		double rate = flops / t * 1e-9;
		printf("%-6s %5zu %4zu %9.3f %10.3g %8.1f %8.0f%%\n", cases[i].arch,
		       cases[i].n, cases[i].B, 1e3 * t, cases[i].target_ms, rate,
		       100 * rate / peak);
	}
	return 0;
}
