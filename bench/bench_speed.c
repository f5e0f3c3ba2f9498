/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_speed.c — how fast one exact forward + full backward is, against
 * the machine's single-thread BLAS and (optionally) PyTorch.
 *
 * usage: bench_speed [--quick | --full] [--rounds R] [--arch LIST] [--n LIST]
 *                    [--B LIST] [--T T] [--torch FILE] [--bptt PATH]
 *                    [--dir DIR] [-o FILE] [--help]
 *
 * Every row is timed in R rounds (default 2), one after the other, and the
 * best kept: on a shared machine a slow spell of a minute then spoils one
 * round of a row, not all its runs (docs/speed.md). torch_bench.py does
 * the same.
 *
 * In process, for each architecture (rnn with tanh, gru, lstm), hidden size
 * n, batch B: d = n inputs, m = 1 output, sequences of T = 1000 steps, the
 * best CPU time and the best and median wall-clock time (on a shared
 * machine the wall-clock time includes waiting for a core; rates and
 * ratios use the CPU time) of one forward pass, loss, and full
 * backward pass with every parameter gradient and every input gradient:
 * bt_batch_gradient on a workspace allocated once (bt_batch_alloc), for
 * B = 1 as for B > 1 (bt_gradient takes the same kernels for B = 1 but
 * allocates its workspace on each call, whose fresh pages can cost more
 * than the work; the process rows time that).
 *
 * Flops counted (per sequence and step; d inputs, n hidden, m outputs;
 * G = number of gate blocks: 1 for rnn, 3 for gru, 4 for lstm), only the
 * matrix products, 2 flops per multiply-add:
 *
 *   forward   G·2n² (W h_{t-1}; for the GRU W_h (r ⊙ h_{t-1}))
 *             G·2nd (U x_t)                      2mn (V h_t)
 *   backward  G·2n² (Wᵀ δa, to h_{t-1})          G·2n² (δa h_{t-1}ᵀ, to W)
 *             G·2nd (Uᵀ δa, to x_t)              G·2nd (δa x_tᵀ, to U)
 *             2mn (Vᵀ δy, to h_t)                2mn (δy h_tᵀ, to V)
 *
 *   flops = B·T·(G·(6n² + 6nd) + 6mn)
 *
 * Not counted: the gates' element-wise work (sigmoids, tanh, products:
 * O(G·n) per step, a few tens of flops per unit and gate against 12·n per
 * unit and gate for the products at d = n, so about 10–20% more work at
 * n = 16 and under 1% at n = 256), the bias gradients and the loss. The
 * figure is a lower bound of the work done: the rate of the products.
 *
 * The ceiling: single-thread cblas_dgemv on n×n (the shape of an unbatched
 * step) and, beside it, bptt's own kernel for that product (bt_matvec,
 * src/base/matvec.c, which the B = 1 steps use), cblas_dgemm on n×n times n×B
 * (a batched step), on n×n times n×T (a whole sequence at once) and on a
 * big square matrix; row-major, no transposes.
 *
 * With --torch FILE (columns `arch n B best_ms median_ms runs cpu_ms`,
 * written by bench/torch_bench.py) each row also gets PyTorch's time and
 * the ratio PyTorch/bptt (best CPU time against best CPU time). With
 * --bptt PATH it also times the command as a whole process, `bptt grad
 * --model M --data D -o G`, on files written beforehand with `bptt init`
 * and `bptt data` into DIR, and each of its phases in process.
 *
 * A benchmark, not a test: it prints figures and asserts nothing; it fails
 * only on bad arguments or when a computation it times fails. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_cblas.h>
#include "bt.h"
#include "base/timing.h"
#include "cells/cell.h"   /* bt_matvec */

extern char **environ;

#define MAXL 16

typedef struct {
	double budget;  /* keep repeating while the total is under this (s) */
	int min_reps;   /* at least this many, unless one run exceeds heavy */
	int max_reps;
	double heavy;   /* a first run longer than this (s) ... */
	int heavy_reps; /* ... stops after this many */
} plan;

static const plan PLAN_QUICK = {0.4, 3, 15, 1.0, 1};
static const plan PLAN_NORMAL = {2.0, 5, 50, 4.0, 2};
static const plan PLAN_FULL = {6.0, 11, 200, 20.0, 3};

/* Best and median of the repeats, wall-clock and CPU time (seconds). On a
 * shared machine the wall-clock time includes waiting for a core; the CPU
 * time of one thread does not, and is the figure the ratios use. */
typedef struct {
	double wall, wall_median, cpu, cpu_median;
	int reps;
} timing;

typedef struct {
	char arch[16];
	size_t n, B;
	double best, median, cpu;   /* ms; cpu NaN when the file has none */
} torch_row;

static torch_row *torch_rows;
static size_t ntorch;

static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a = 0, b = 0, c = 0;
	if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f", a, b, c);
	else
		snprintf(buf, len, "unknown");
	if (f)
		fclose(f);
}

/* Gate blocks per architecture: how many n×n (and n×d) matrices. */
static size_t gates(const char *arch)
{
	if (!strcmp(arch, "gru"))
		return 3;
	if (!strcmp(arch, "lstm"))
		return 4;
	return 1;
}

static double flops(const char *arch, size_t n, size_t d, size_t m, size_t T,
		    size_t B)
{
	double G = gates(arch), N = n, D = d, M = m;
	return (double)B * T * (G * (6 * N * N + 6 * N * D) + 6 * M * N);
}

/* Splits a comma-separated list into out[]; returns how many, 0 on error. */
static size_t split(const char *s, char out[][16], size_t max)
{
	size_t k = 0;
	const char *p = s;
	while (*p && k < max) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= 16)
			return 0;
		memcpy(out[k], p, len);
		out[k][len] = 0;
		k++;
		p += len;
		if (*p == ',')
			p++;
	}
	return *p ? 0 : k;
}

static size_t split_sizes(const char *s, size_t *out, size_t max)
{
	char w[MAXL][16];
	size_t k = split(s, w, max);
	for (size_t i = 0; i < k; i++) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(w[i], &end, 10);
		if (*end || errno || v < 1 || v > 100000 || w[i][0] == '-')
			return 0;
		out[i] = v;
	}
	return k;
}

static void read_torch(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		torch_row r;
		int runs;
		if (line[0] == '#')
			continue;
		int k = sscanf(line, "%15s %zu %zu %lf %lf %d %lf", r.arch, &r.n,
			       &r.B, &r.best, &r.median, &runs, &r.cpu);
		if (k < 5)
			continue;
		if (k < 7)
			r.cpu = NAN;
		torch_row *t = realloc(torch_rows, (ntorch + 1) * sizeof *t);
		if (!t)
			break;
		torch_rows = t;
		torch_rows[ntorch++] = r;
	}
	fclose(f);
}

static const torch_row *find_torch(const char *arch, size_t n, size_t B)
{
	for (size_t i = 0; i < ntorch; i++)
		if (!strcmp(torch_rows[i].arch, arch) && torch_rows[i].n == n &&
		    torch_rows[i].B == B)
			return &torch_rows[i];
	return NULL;
}

/* CPU time (user + system) of the children waited for so far. */
static double cpu_children(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_utime.tv_sec + 1e-6 * ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_sec + 1e-6 * ru.ru_stime.tv_usec;
}

typedef struct {
	char arch[16];
	size_t n, B;
	double cpu, wall, median;   /* ms: best CPU, best and median wall-clock */
	double gflops, ns;           /* from the best CPU time */
	int reps;
	double torch, ratio;         /* PyTorch's best (CPU) ms, PyTorch/bptt */
	double mb;                   /* process: the files' size */
	double each;                 /* B > 1: best CPU ms of the same B
					sequences, one bt_batch_gradient
					call (B = 1) each */
} row;

/* PyTorch's time for the row (CPU time when the file has it) and the
 * ratio PyTorch/bptt, best against best. */
static void torch_ratio(row *w)
{
	const torch_row *tr = find_torch(w->arch, w->n, w->B);
	w->torch = !tr ? NAN : isnan(tr->cpu) ? tr->best : tr->cpu;
	w->ratio = w->torch / w->cpu;
}

/* The plan of one round out of R: the budget and the repeats shared out. */
static plan round_plan(const plan *p, int R)
{
	plan q = *p;
	q.budget = p->budget / R;
	q.min_reps = (p->min_reps + R - 1) / R;
	q.max_reps = p->max_reps / R > 0 ? p->max_reps / R : 1;
	q.heavy_reps = (p->heavy_reps + R - 1) / R;
	return q;
}

/* Rounds: every row is timed once per round, the rounds one after the
 * other, and the best of them kept (best CPU and wall-clock, the lower
 * median, all the runs counted). On a shared machine a slow spell of a
 * minute then spoils one round of a row, not all its runs. */
static void keep_best(row *w, const row *x, int first)
{
	if (first) {
		*w = *x;
		return;
	}
	int reps = w->reps + x->reps;
	double wall = fmin(w->wall, x->wall), median = fmin(w->median, x->median);
	double each = fmin(w->each, x->each);
	if (x->cpu < w->cpu)
		*w = *x;
	w->each = each;
	w->reps = reps;
	w->wall = wall;
	w->median = median;
}

/* Runs fn until the plan says stop. children: fn runs a process, whose
 * CPU time is counted (instead of this process's); a process is timed from
 * its first run (start-up is part of what is measured). */
typedef int (*timed_fn)(void *ctx);
static int repeat(const plan *p, timed_fn fn, void *ctx, int children,
		  timing *out)
{
	double w[256], c[256], total = 0;
	int r = 0;
	int max = p->max_reps < 256 ? p->max_reps : 256;
	/* in process, one untimed call first (as torch_bench.py does): the
	 * first touches the workspace's fresh pages, which can cost more than
	 * the work (docs/speed.md) */
	if (!children) {
		int st = fn(ctx);
		if (st)
			return st;
	}
	while (r < max) {
		double c0 = children ? cpu_children() : bt_cpu_seconds(), t0 = bt_wall_seconds();
		int st = fn(ctx);
		w[r] = bt_wall_seconds() - t0;
		c[r] = (children ? cpu_children() : bt_cpu_seconds()) - c0;
		if (st)
			return st;
		total += w[r++];
		if (w[0] > p->heavy && r >= p->heavy_reps)
			break;
		if (total >= p->budget && r >= p->min_reps)
			break;
	}
	out->reps = r;
	out->wall_median = bt_median(w, (size_t)r);
	out->wall = w[0];
	out->cpu_median = bt_median(c, (size_t)r);
	out->cpu = c[0];
	return 0;
}

/* ---- in process ---------------------------------------------------------- */
typedef struct {
	bt_model *model;
	bt_data **data;
	size_t B;
	bt_batch *ws;
	double *grad;
	double **dX;
	double loss;
} grad_ctx;

static int run_batch(void *c)
{
	grad_ctx *g = c;
	return bt_batch_gradient(g->ws, g->model, (const bt_data *const *)g->data,
				 g->B, &g->loss, g->grad, g->dX);
}

/* The same sequences one call each: what B sequences cost without the
 * batched driver (each reads its own data, as B = 32 does; the B = 1 rows
 * repeat one sequence, whose data stay in the cache). */
static int run_each(void *c)
{
	grad_ctx *g = c;
	for (size_t b = 0; b < g->B; b++) {
		int st = bt_batch_gradient(g->ws, g->model,
					   (const bt_data *const *)g->data + b, 1,
					   &g->loss, g->grad, g->dX + b);
		if (st)
			return st;
	}
	return 0;
}


static int time_gradient(const plan *p, const char *arch, size_t n, size_t T,
			 size_t B, row *out)
{
	const bt_cell_type *type = bt_cell_lookup(arch);
	bt_dims dims = {n, n, 1};
	grad_ctx g = {0};
	int st = BT_ENOMEM;
	if (!type)
		return BT_EINVAL;
	g.B = B;
	g.data = calloc(B, sizeof *g.data);
	g.dX = calloc(B, sizeof *g.dX);
	if (!g.data || !g.dX)
		goto done;
	if ((st = bt_model_alloc(&g.model, type, dims, BT_ACT_TANH)) ||
	    (st = bt_model_init(g.model, NULL)))
		goto done;
	st = BT_ENOMEM;
	if (!(g.grad = malloc(g.model->nparams * sizeof(double))))
		goto done;
	for (size_t b = 0; b < B; b++) {
		if ((st = bt_data_alloc(&g.data[b], T, n, 1, 0)) ||
		    (st = bt_data_random(g.data[b], 1 + b)))
			goto done;
		st = BT_ENOMEM;
		if (!(g.dX[b] = malloc(T * n * sizeof(double))))
			goto done;
	}
	if ((st = bt_batch_alloc(&g.ws, g.model, B, T)))
		goto done;
	timing tm, te = {NAN, NAN, NAN, NAN, 0};
	st = repeat(p, run_batch, &g, 0, &tm);
	if (st == 0 && B > 1)
		st = repeat(p, run_each, &g, 0, &te);
	if (st)
		goto done;
	out->each = 1e3 * te.cpu;
	snprintf(out->arch, sizeof out->arch, "%s", arch);
	out->n = n;
	out->B = B;
	out->cpu = 1e3 * tm.cpu;
	out->wall = 1e3 * tm.wall;
	out->median = 1e3 * tm.wall_median;
	out->reps = tm.reps;
	out->gflops = 1e-9 * flops(arch, n, n, 1, T, B) / tm.cpu;
	out->ns = 1e9 * tm.cpu / ((double)B * T * n * n);
	torch_ratio(out);
done:
	bt_batch_free(g.ws);
	for (size_t b = 0; g.data && b < B; b++)
		bt_data_free(g.data[b]);
	for (size_t b = 0; g.dX && b < B; b++)
		free(g.dX[b]);
	free(g.data);
	free(g.dX);
	free(g.grad);
	bt_model_free(g.model);
	return st;
}

/* ---- the ceiling ------------------------------------------------------------ */
typedef struct {
	size_t M, N, K;      /* C (M×N) += A (M×K) · B (K×N); N = 0: dgemv */
	double *A, *Bm, *C;
	int inner;
	int hand;            /* N = 0: bptt's own kernel (matvec.c) instead */
} blas_ctx;

static int run_blas(void *c)
{
	blas_ctx *b = c;
	for (int i = 0; i < b->inner; i++) {
		if (b->N)
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)b->M, (int)b->N, (int)b->K, 1.0, b->A,
				    (int)b->K, b->Bm, (int)b->N, 0.5, b->C,
				    (int)b->N);
		else if (b->hand) {
			if (!bt_matvec(0, b->M, b->K, b->A, b->K, b->Bm, b->C, 0))
				return BT_EINVAL;   /* no AVX2 and FMA here */
		} else
			cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)b->M,
				    (int)b->K, 1.0, b->A, (int)b->K, b->Bm, 1,
				    0.5, b->C, 1);
	}
	return 0;
}

/* GFLOP/s of the best repeat; N = 0 times dgemv on M×K (hand: bptt's own
 * matrix-vector kernel; NAN where the CPU has none). */
static double blas_rate_of(const plan *p, size_t M, size_t N, size_t K, int hand)
{
	size_t cols = N ? N : 1;
	blas_ctx b = {M, N, K, malloc(M * K * sizeof(double)),
		      malloc(K * cols * sizeof(double)),
		      malloc(M * cols * sizeof(double)), 1, hand};
	double rate = NAN;
	if (!b.A || !b.Bm || !b.C)
		goto done;
	for (size_t i = 0; i < M * K; i++)
		b.A[i] = sin(0.37 * i + 0.1);
	for (size_t i = 0; i < K * cols; i++)
		b.Bm[i] = cos(0.53 * i + 0.2);
	memset(b.C, 0, M * cols * sizeof(double));
	double fl = 2.0 * M * cols * K;
	/* inner repeats so that one timed sample lasts about 20 ms */
	double t0 = bt_wall_seconds();
	if (run_blas(&b))
		goto done;
	double one = bt_wall_seconds() - t0;
	b.inner = one > 0.02 ? 1 : (int)(0.02 / (one > 1e-7 ? one : 1e-7)) + 1;
	plan q = *p;
	q.budget = p->budget / 4;
	timing tm;
	repeat(&q, run_blas, &b, 0, &tm);
	rate = 1e-9 * fl * b.inner / tm.cpu;
done:
	free(b.A);
	free(b.Bm);
	free(b.C);
	return rate;
}

static double blas_rate(const plan *p, size_t M, size_t N, size_t K)
{
	return blas_rate_of(p, M, N, K, 0);
}

/* ---- the command as a process ------------------------------------------------- */
static int spawn_wait(char *const argv[])
{
	pid_t pid;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct {
	char *argv[12];
} proc_ctx;

static int run_proc(void *c)
{
	proc_ctx *p = c;
	return spawn_wait(p->argv) == 0 ? 0 : BT_EIO;
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The phases of `bptt grad`, in process, through the library calls the
 * command makes: reading the model, reading the data, forward + backward,
 * writing the gradient file (atomically, as -o does). */
typedef struct {
	const char *model, *data, *grad;
	bt_model *m;
	bt_data *d;
	double *g, *dX, loss;
	int phase;
} phase_ctx;

static int grad_writer(FILE *f, const void *ctx)
{
	const phase_ctx *c = ctx;
	return bt_grad_write(f, c->m, c->loss, c->g, c->dX, c->d->T);
}

static int run_phase(void *v)
{
	phase_ctx *c = v;
	bt_error e;
	int st = BT_OK;
	switch (c->phase) {
	case 0: {
		bt_model *m;
		if ((st = bt_model_read(&m, c->model, &e)) == BT_OK) {
			bt_model_free(c->m);
			c->m = m;
		}
		break;
	}
	case 1: {
		bt_data *d;
		if ((st = bt_data_read(&d, c->data, &e)) == BT_OK) {
			bt_data_free(c->d);
			c->d = d;
		}
		break;
	}
	case 2:
		st = bt_gradient(c->m, c->d, 0, &c->loss, c->g, c->dX);
		break;
	default:
		st = bt_write_atomic(c->grad, grad_writer, c, &e);
	}
	return st;
}

/* Best time (ms) of each phase into ms[4]; BT_OK or the failing status. */
static int time_phases(const plan *p, phase_ctx *c, double ms[4])
{
	int st = BT_OK;
	for (c->phase = 0; c->phase < 4; c->phase++) {
		timing tm;
		if (c->phase == 2 && !c->g) {
			c->g = malloc(c->m->nparams * sizeof(double));
			c->dX = malloc(c->d->T * c->d->d * sizeof(double));
			if (!c->g || !c->dX)
				return BT_ENOMEM;
		}
		if ((st = repeat(p, run_phase, c, 0, &tm)))
			return st;
		ms[c->phase] = 1e3 * tm.cpu;
	}
	return st;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_speed [--quick | --full] [--rounds R] [--arch LIST] [--n LIST]\n"
		"                   [--B LIST] [--T T] [--torch FILE] [--bptt PATH] [--dir DIR]\n"
		"                   [-o FILE]\n"
		"\n"
		"Times one forward + full backward (loss, every parameter gradient, every\n"
		"input gradient) per architecture, hidden size n and batch B, with d = n\n"
		"inputs, m = 1 output, T steps; prints the best CPU time, the best and\n"
		"median wall-clock time, GFLOP/s of the matrix products (from the CPU\n"
		"time), and the single-thread DGEMM/DGEMV ceiling.\n"
		"\n"
		"  --quick        fewer repeats (about 0.4 s per row; default about 2 s)\n"
		"  --full         more repeats (about 6 s per row)\n"
		"  --rounds R     time every row once per round, R rounds one after the\n"
		"                 other, and keep the best (default 2; the repeats above\n"
		"                 are shared out among the rounds)\n"
		"  --arch LIST    architectures, comma-separated (default rnn,gru,lstm)\n"
		"  --n LIST       hidden sizes (default 16,64,256)\n"
		"  --B LIST       batch sizes (default 1,32)\n"
		"  --T T          sequence length (default 1000)\n"
		"  --torch FILE   PyTorch's times (arch n B best_ms median_ms runs cpu_ms,\n"
		"                 from bench/torch_bench.py -o) for the ratios\n"
		"  --bptt PATH    also time `PATH grad` as a whole process (B = 1)\n"
		"  --dir DIR      where the process's files go (default build/bench/files)\n"
		"  -o FILE        also write the figures as columns to FILE\n"
		"  --help         show this help\n");
}

int main(int argc, char **argv)
{
	const plan *p = &PLAN_NORMAL;
	char archs[MAXL][16] = {"rnn", "gru", "lstm"};
	size_t narch = 3, ns[MAXL] = {16, 64, 256}, nn = 3, Bs[MAXL] = {1, 32},
	       nB = 2, T = 1000;
	const char *out = NULL, *torch = NULL, *bptt = NULL,
		   *dir = "build/bench/files";
	int rounds = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int ok = 1;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--rounds") && v) {
			char *e;
			long R = strtol(v, &e, 10);
			if (*e || R < 1 || R > 20) {
				fprintf(stderr, "bench_speed: --rounds: '%s' is not a whole number from 1 to 20\n", v);
				return 2;
			}
			rounds = (int)R;
		} else if (!strcmp(a, "--quick")) {
			p = &PLAN_QUICK;
			continue;
		} else if (!strcmp(a, "--full")) {
			p = &PLAN_FULL;
			continue;
		} else if (!v) {
			ok = 0;
		} else if (!strcmp(a, "--arch")) {
			ok = (narch = split(v, archs, MAXL)) > 0;
			for (size_t k = 0; ok && k < narch; k++)
				ok = bt_cell_lookup(archs[k]) != NULL;
		} else if (!strcmp(a, "--n")) {
			ok = (nn = split_sizes(v, ns, MAXL)) > 0;
		} else if (!strcmp(a, "--B")) {
			ok = (nB = split_sizes(v, Bs, MAXL)) > 0;
		} else if (!strcmp(a, "--T")) {
			size_t t1[1];
			ok = split_sizes(v, t1, 1) == 1;
			T = ok ? t1[0] : T;
		} else if (!strcmp(a, "--torch")) {
			torch = v;
		} else if (!strcmp(a, "--bptt")) {
			bptt = v;
		} else if (!strcmp(a, "--dir")) {
			dir = v;
		} else if (!strcmp(a, "-o")) {
			out = v;
		} else {
			ok = 0;
		}
		if (!ok) {
			fprintf(stderr, "bench_speed: bad option %s%s%s\n", a,
				v ? " " : "", v ? v : "");
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (torch)
		read_torch(torch);

	char load[64];
	loadavg(load, sizeof load);
	printf("bptt speed: forward + full backward, d = n, m = 1, T = %zu, one thread\n"
	       "load average %s (%ld cores online); %s repeats in %d round%s (the best kept)\n\n",
	       T, load, sysconf(_SC_NPROCESSORS_ONLN),
	       p == &PLAN_QUICK ? "quick" : p == &PLAN_FULL ? "full" : "normal", rounds,
	       rounds > 1 ? "s" : "");

	/* the ceiling first: it tells what the figures below can reach */
	size_t nrows = narch * nn * nB;
	row *rows = calloc(nrows, sizeof *rows);
	double (*gemm)[MAXL] = calloc(nn, sizeof *gemm), *gemv = calloc(nn, sizeof *gemv),
	       *gemmT = calloc(nn, sizeof *gemmT), *hand = calloc(nn, sizeof *hand);
	if (!rows || !gemm || !gemv || !gemmT || !hand)
		return 2;
	size_t big = p == &PLAN_QUICK ? 512 : 1024;
	double square = blas_rate(p, big, big, big);
	printf("ceiling, single-thread BLAS (GFLOP/s)\n");
	printf("  %6s %11s %11s", "n", "dgemv nxn", "bptt's nxn");
	for (size_t j = 0; j < nB; j++) {
		char h[32];
		snprintf(h, sizeof h, "dgemm nxn.nx%zu", Bs[j]);
		if (Bs[j] > 1)
			printf(" %15s", h);
	}
	char hT[32];
	snprintf(hT, sizeof hT, "dgemm nxn.nx%zu", T);
	printf(" %15s\n", hT);
	for (size_t i = 0; i < nn; i++) {
		gemv[i] = blas_rate(p, ns[i], 0, ns[i]);
		hand[i] = blas_rate_of(p, ns[i], 0, ns[i], 1);
		printf("  %6zu %11.2f %11.2f", ns[i], gemv[i], hand[i]);
		for (size_t j = 0; j < nB; j++) {
			gemm[i][j] = Bs[j] > 1 ? blas_rate(p, ns[i], Bs[j], ns[i]) : NAN;
			if (Bs[j] > 1)
				printf(" %15.2f", gemm[i][j]);
		}
		gemmT[i] = blas_rate(p, ns[i], T, ns[i]);
		printf(" %15.2f\n", gemmT[i]);
	}
	printf("  dgemm %zux%zu.%zux%zu: %.2f\n", big, big, big, big, square);
	printf("  bptt's nxn: its own y += M x for B = 1 (src/base/matvec.c; nan without AVX2 and FMA)\n\n");

	printf("in process (bt_batch_gradient on a workspace allocated once); cpu: best CPU\n"
	       "time, wall: best and median wall-clock; GFLOP/s, ns and ratios from cpu\n");
	printf("%-5s %5s %3s %9s %9s %9s %4s %7s %6s %11s %9s %10s\n", "arch", "n",
	       "B", "cpu ms", "wall ms", "median", "runs", "GFLOP/s", "%ceil",
	       "ns/n^2/step", "torch ms", "torch/bptt");
	plan pr = round_plan(p, rounds);
	for (int k = 0; k < rounds; k++) {
		if (rounds > 1)
			fprintf(stderr, "bench_speed: in process, round %d of %d\n", k + 1, rounds);
		size_t r = 0;
		for (size_t a = 0; a < narch; a++)
			for (size_t i = 0; i < nn; i++)
				for (size_t j = 0; j < nB; j++, r++) {
					row x = {0};
					int st = time_gradient(&pr, archs[a], ns[i], T, Bs[j], &x);
					if (st) {
						fprintf(stderr, "bench_speed: %s n = %zu B = %zu: %s\n",
							archs[a], ns[i], Bs[j], bt_strerror(st));
						return 1;
					}
					keep_best(&rows[r], &x, k == 0);
				}
	}
	size_t r = 0;
	for (size_t a = 0; a < narch; a++)
		for (size_t i = 0; i < nn; i++)
			for (size_t j = 0; j < nB; j++, r++) {
				row *w = &rows[r];
				double ceil = w->B > 1 ? gemm[i][j] : gemv[i];
				printf("%-5s %5zu %3zu %9.3f %9.3f %9.3f %4d %7.2f %5.0f%% %11.3f",
				       w->arch, w->n, w->B, w->cpu, w->wall, w->median,
				       w->reps, w->gflops, 100 * w->gflops / ceil, w->ns);
				if (isnan(w->torch))
					printf(" %9s %10s\n", "-", "-");
				else
					printf(" %9.2f %9.2fx\n", w->torch, w->ratio);
			}
	fflush(stdout);
	if (!ntorch)
		printf("(no PyTorch times: bench/torch_bench.py needs python3-torch)\n");
	printf("%%ceil: against dgemv nxn (B = 1) or dgemm nxn.nxB (B > 1) of the same n\n\n");
	int each_header = 0;
	for (size_t i = 0; i < narch * nn * nB; i++) {
		const row *w = &rows[i];
		if (w->B < 2 || isnan(w->each))
			continue;
		if (!each_header++)
			printf("per sequence (cpu ms): B sequences at once against the same B one call each\n"
			       "%-5s %5s %3s %9s %9s %7s\n", "arch", "n", "B", "at once", "each", "ratio");
		printf("%-5s %5zu %3zu %9.4f %9.4f %6.2fx\n", w->arch, w->n, w->B,
		       w->cpu / (double)w->B, w->each / (double)w->B, w->each / w->cpu);
	}
	if (each_header)
		printf("(ratio > 1: the batched driver is faster per sequence)\n\n");

	/* the command as a whole process: start-up, reading, computing, writing */
	size_t nproc = 0;
	row *prow = NULL;
	double (*phases)[4] = NULL;
	timing start = {NAN, NAN, NAN, NAN, 0};
	if (bptt) {
		if (mkdir(dir, 0777) && errno != EEXIST) {
			fprintf(stderr, "bench_speed: cannot make %s\n", dir);
			return 2;
		}
		prow = calloc(narch * nn, sizeof *prow);
		phases = calloc(narch * nn, sizeof *phases);
		if (!prow || !phases)
			return 2;
		proc_ctx v = {{(char *)bptt, "--version", NULL}};
		plan q = pr;
		q.min_reps = 5;
		for (int k = 0; k < rounds; k++) {
			if (rounds > 1)
				fprintf(stderr, "bench_speed: the command, round %d of %d\n",
					k + 1, rounds);
			timing st0;
			if (repeat(&q, run_proc, &v, 1, &st0)) {
				fprintf(stderr, "bench_speed: %s --version failed\n", bptt);
				return 1;
			}
			if (k == 0 || st0.cpu < start.cpu)
				start = st0;
			nproc = 0;
			for (size_t a = 0; a < narch; a++)
				for (size_t i = 0; i < nn; i++, nproc++) {
					char model[1024], data[1024], grad[1024], sn[32], sT[32];
					snprintf(model, sizeof model, "%s/model_%s_%zu.txt", dir, archs[a], ns[i]);
					snprintf(data, sizeof data, "%s/data_%zu_%zu.txt", dir, ns[i], T);
					snprintf(grad, sizeof grad, "%s/grad_%s_%zu.txt", dir, archs[a], ns[i]);
					snprintf(sn, sizeof sn, "%zu", ns[i]);
					snprintf(sT, sizeof sT, "%zu", T);
					char *init[] = {(char *)bptt, "init", "--arch", archs[a], "--input", sn,
							"--hidden", sn, "--output", "1", "-o", model, NULL};
					char *mk[] = {(char *)bptt, "data", "--input", sn, "--output", "1",
						      "--length", sT, "-o", data, NULL};
					if ((!exists(model) && spawn_wait(init) != 0) ||
					    (!exists(data) && spawn_wait(mk) != 0)) {
						fprintf(stderr, "bench_speed: %s init/data failed\n", bptt);
						return 1;
					}
					proc_ctx g = {{(char *)bptt, "grad", "--model", model, "--data",
						       data, "-o", grad, NULL}};
					timing tm;
					if (repeat(&pr, run_proc, &g, 1, &tm)) {
						fprintf(stderr, "bench_speed: %s grad --model %s --data %s failed\n",
							bptt, model, data);
						return 1;
					}
					row x = {0};
					struct stat sm, sd;
					snprintf(x.arch, sizeof x.arch, "%s", archs[a]);
					x.n = ns[i];
					x.B = 1;
					x.cpu = 1e3 * tm.cpu;
					x.wall = 1e3 * tm.wall;
					x.median = 1e3 * tm.wall_median;
					x.reps = tm.reps;
					x.mb = stat(model, &sm) || stat(data, &sd) ? NAN
						: (sm.st_size + sd.st_size) / 1e6;
					torch_ratio(&x);
					keep_best(&prow[nproc], &x, k == 0);
					phase_ctx pc = {model, data, grad, NULL, NULL, NULL, NULL, 0, 0};
					double ph[4];
					int st = time_phases(&pr, &pc, ph);
					bt_model_free(pc.m);
					bt_data_free(pc.d);
					free(pc.g);
					free(pc.dX);
					if (st) {
						fprintf(stderr, "bench_speed: phases of %s: %s\n", model,
							bt_strerror(st));
						return 1;
					}
					for (int f = 0; f < 4; f++)
						if (k == 0 || ph[f] < phases[nproc][f])
							phases[nproc][f] = ph[f];
				}
		}
		printf("the command as a process: %s grad --model M --data D -o G; cpu: the\n"
		       "child's best CPU time (user + system), wall: best and median wall-clock\n", bptt);
		printf("(start-up alone, `%s --version`: cpu %.2f ms, wall %.2f ms)\n", bptt,
		       1e3 * start.cpu, 1e3 * start.wall);
		printf("%-5s %5s %9s %9s %9s %4s %9s %9s %10s\n", "arch", "n", "cpu ms",
		       "wall ms", "median", "runs", "files MB", "torch ms", "torch/bptt");
		for (size_t k = 0; k < nproc; k++) {
			const row *w = &prow[k];
			printf("%-5s %5zu %9.2f %9.2f %9.2f %4d %9.2f", w->arch, w->n,
			       w->cpu, w->wall, w->median, w->reps, w->mb);
			if (isnan(w->torch))
				printf(" %9s %10s\n", "-", "-");
			else
				printf(" %9.2f %9.2fx\n", w->torch, w->ratio);
		}
		printf("torch/bptt: PyTorch's forward + backward alone (in process, B = 1)\n"
		       "against the whole `bptt grad` process\n\n");
		printf("where the process's time goes: best CPU ms of each phase, timed in process\n"
		       "with the library calls the command makes; start-up is `%s --version`\n", bptt);
		printf("%-5s %5s %9s %9s %9s %9s %9s %9s %9s\n", "arch", "n", "start-up",
		       "read mod", "read data", "compute", "write", "sum", "process");
		for (size_t k = 0; k < nproc; k++) {
			double *ph = phases[k];
			printf("%-5s %5zu %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n",
			       prow[k].arch, prow[k].n, 1e3 * start.cpu, ph[0], ph[1],
			       ph[2], ph[3], 1e3 * start.cpu + ph[0] + ph[1] + ph[2] + ph[3],
			       prow[k].cpu);
		}
		printf("\n");
	}

	if (out) {
		FILE *f = fopen(out, "w");
		if (!f) {
			fprintf(stderr, "bench_speed: cannot write %s\n", out);
			return 2;
		}
		fprintf(f, "# bench_speed: T = %zu, d = n, m = 1; load average %s\n"
			   "# times in ms: cpu the best CPU time, wall the best and wall_median the median\n"
			   "# wall-clock time; gflops, ns_per_n2_step and torch_over_bptt from cpu\n\n", T, load);
		fprintf(f, "# inprocess\n# arch n B cpu_ms wall_ms wall_median_ms runs gflops ns_per_n2_step torch_ms torch_over_bptt\n");
		for (size_t k = 0; k < nrows; k++)
			fprintf(f, "%s %zu %zu %.6g %.6g %.6g %d %.6g %.6g %.6g %.6g\n",
				rows[k].arch, rows[k].n, rows[k].B, rows[k].cpu,
				rows[k].wall, rows[k].median, rows[k].reps,
				rows[k].gflops, rows[k].ns, rows[k].torch, rows[k].ratio);
		fprintf(f, "\n\n# ceiling\n# n B gflops (dgemm n×n·n×B; B = 0: dgemv n×n; n = B = %zu: the big square one)\n", big);
		for (size_t i = 0; i < nn; i++) {
			fprintf(f, "%zu 0 %.6g\n", ns[i], gemv[i]);
			for (size_t j = 0; j < nB; j++)
				if (Bs[j] > 1)
					fprintf(f, "%zu %zu %.6g\n", ns[i], Bs[j], gemm[i][j]);
			fprintf(f, "%zu %zu %.6g\n", ns[i], T, gemmT[i]);
		}
		fprintf(f, "%zu %zu %.6g\n", big, big, square);
		fprintf(f, "\n\n# matvec\n# n gflops (bptt's own y += M x, n×n, src/base/matvec.c; nan without AVX2 and FMA)\n");
		for (size_t i = 0; i < nn; i++)
			fprintf(f, "%zu %.6g\n", ns[i], hand[i]);
		if (bptt) {
			fprintf(f, "\n\n# process\n# arch n cpu_ms wall_ms wall_median_ms runs files_mb torch_ms torch_over_bptt startup_ms read_model_ms read_data_ms compute_ms write_ms\n");
			for (size_t k = 0; k < nproc; k++)
				fprintf(f, "%s %zu %.6g %.6g %.6g %d %.6g %.6g %.6g %.6g %.6g %.6g %.6g %.6g\n",
					prow[k].arch, prow[k].n, prow[k].cpu, prow[k].wall,
					prow[k].median, prow[k].reps, prow[k].mb,
					prow[k].torch, prow[k].ratio, 1e3 * start.cpu,
					phases[k][0], phases[k][1], phases[k][2], phases[k][3]);
		}
		if (fclose(f)) {
			fprintf(stderr, "bench_speed: cannot write %s\n", out);
			return 2;
		}
	}
	free(rows);
	free(prow);
	free(phases);
	free(gemm);
	free(gemv);
	free(gemmT);
	free(hand);
	free(torch_rows);
	return 0;
}
