/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_numio.c — how fast numbers are read and written: strtod against
 * bt_numio_parse and snprintf("%.17g") against bt_numio_format, in ns per
 * number, then the time `bptt grad` spends on its files for a tanh RNN with
 * n = 256, d = 256, m = 1, T = 1000: reading the model and the data, writing
 * the gradient (the same numbers written with fprintf("%.17g") for
 * comparison).
 *
 * usage: bench_numio [count] [repeats]   (defaults 200000 5)
 * Best of `repeats` runs each, in CPU time (the file times include the
 * system's, for reading and writing the files). A benchmark, not a test: it only checks that
 * both routes agree on what it times. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include "bt.h"
#include "base/timing.h"
#include "io/numio.h"

static volatile double sink;

static void die(const char *what)
{
	fprintf(stderr, "bench_numio: %s\n", what);
	exit(2);
}

static double time_parse(char **s, size_t count, int reps, int ours)
{
	double best = 1e30;
	for (int r = 0; r < reps; r++) {
		double t0 = bt_cpu_seconds(), acc = 0, v;
		for (size_t i = 0; i < count; i++) {
			if (ours)
				bt_numio_parse(s[i], &v);
			else
				v = strtod(s[i], NULL);
			acc += v;
		}
		double t = bt_cpu_seconds() - t0;
		sink = acc;
		if (t < best)
			best = t;
	}
	return 1e9 * best / (double)count;
}

static double time_format(const double *x, size_t count, int reps, int ours)
{
	double best = 1e30;
	char buf[BT_NUMIO_BUF];
	for (int r = 0; r < reps; r++) {
		double t0 = bt_cpu_seconds();
		size_t total = 0;
		for (size_t i = 0; i < count; i++)
			total += ours ? bt_numio_format(buf, x[i])
				      : (size_t)snprintf(buf, sizeof buf, "%.17g", x[i]);
		double t = bt_cpu_seconds() - t0;
		sink = (double)total;
		if (t < best)
			best = t;
	}
	return 1e9 * best / (double)count;
}

static FILE *temp_file(char *path)
{
	strcpy(path, "/tmp/bench_numio.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		die("cannot create a temporary file");
	FILE *f = fdopen(fd, "w");
	if (!f)
		die("cannot open a temporary file");
	return f;
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == '-') {
		printf("usage: bench_numio [count] [repeats]  (defaults 200000 5)\n"
		       "ns per number of strtod and bt_numio_parse, snprintf(\"%%.17g\") and\n"
		       "bt_numio_format; then the file time of bptt grad for a tanh RNN,\n"
		       "n = 256, d = 256, m = 1, T = 1000.\n");
		return 0;
	}
	size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	if (!count || reps < 1)
		die("count and repeats must be positive");

	/* numbers as the files hold them: Gaussian, with a few wider ranges */
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *x = malloc(count * sizeof *x);
	char **s = malloc(count * sizeof *s), *text = malloc(count * BT_NUMIO_BUF);
	if (!rng || !x || !s || !text)
		die("out of memory");
	for (size_t i = 0; i < count; i++) {
		x[i] = gsl_ran_gaussian(rng, 1.0);
		if (i % 10 == 0)
			x[i] *= pow(10.0, (double)(gsl_rng_uniform_int(rng, 40)) - 20);
		s[i] = text + i * BT_NUMIO_BUF;
		snprintf(s[i], BT_NUMIO_BUF, "%.17g", x[i]);
		double v;
		char mine[BT_NUMIO_BUF];
		bt_numio_format(mine, x[i]);
		if (bt_numio_parse(s[i], &v) || v != x[i] || strcmp(mine, s[i]))
			die("the routes disagree");
	}
	double p0 = time_parse(s, count, reps, 0), p1 = time_parse(s, count, reps, 1);
	double f0 = time_format(x, count, reps, 0), f1 = time_format(x, count, reps, 1);
	printf("%zu numbers (%%.17g of N(0,1), a tenth scaled by 1e-20 ... 1e19), best of %d\n",
	       count, reps);
	printf("read   strtod           %7.1f ns/number\n", p0);
	printf("read   bt_numio_parse   %7.1f ns/number   (%.1fx)\n", p1, p0 / p1);
	printf("write  snprintf %%.17g   %7.1f ns/number\n", f0);
	printf("write  bt_numio_format  %7.1f ns/number   (%.1fx)\n", f1, f0 / f1);

	/* the files of bptt grad --model M --data D -o G */
	bt_model *m;
	bt_data *d;
	bt_dims dims = {256, 256, 1};
	size_t T = 1000;
	if (bt_model_alloc(&m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH) ||
	    bt_model_init(m, NULL) || bt_data_alloc(&d, T, dims.d, dims.m, 0) ||
	    bt_data_random(d, 1))
		die("cannot allocate the model and data");
	char mpath[64], dpath[64], gpath[64];
	FILE *f = temp_file(mpath);
	if (bt_model_write(f, m) || fclose(f))
		die("cannot write the model");
	f = temp_file(dpath);
	if (bt_data_write(f, d) || fclose(f))
		die("cannot write the data");
	double *g = malloc(m->nparams * sizeof *g), *dX = malloc(T * dims.d * sizeof *dX);
	if (!g || !dX)
		die("out of memory");
	for (size_t i = 0; i < m->nparams; i++)
		g[i] = gsl_ran_gaussian(rng, 1e-3);
	for (size_t i = 0; i < T * dims.d; i++)
		dX[i] = gsl_ran_gaussian(rng, 1e-2);
	size_t nin = m->nparams + T * (dims.d + dims.m), nout = m->nparams + T * dims.d;
	bt_error e;
	double tread = 1e30, twrite = 1e30, tprintf = 1e30;
	for (int r = 0; r < reps; r++) {
		bt_model *m2;
		bt_data *d2;
		double t0 = bt_cpu_seconds();
		if (bt_model_read(&m2, mpath, &e) || bt_data_read(&d2, dpath, &e))
			die(e.msg);
		double t1 = bt_cpu_seconds();
		bt_model_free(m2);
		bt_data_free(d2);
		f = temp_file(gpath);
		double t2 = bt_cpu_seconds();
		if (bt_grad_write(f, m, 1.25, g, dX, T) || fclose(f))
			die("cannot write the gradient");
		double t3 = bt_cpu_seconds();
		unlink(gpath);
		/* the same numbers by fprintf, for comparison */
		f = temp_file(gpath);
		double t4 = bt_cpu_seconds();
		for (size_t i = 0; i < m->nparams; i++)
			fprintf(f, "%.17g%c", g[i], i % 256 == 255 ? '\n' : ' ');
		for (size_t i = 0; i < T * dims.d; i++)
			fprintf(f, "%.17g%c", dX[i], i % 256 == 255 ? '\n' : ' ');
		fclose(f);
		double t5 = bt_cpu_seconds();
		unlink(gpath);
		tread = t1 - t0 < tread ? t1 - t0 : tread;
		twrite = t3 - t2 < twrite ? t3 - t2 : twrite;
		tprintf = t5 - t4 < tprintf ? t5 - t4 : tprintf;
	}
	unlink(mpath);
	unlink(dpath);
	printf("bptt grad's files, tanh RNN n = 256, d = 256, m = 1, T = 1000:\n");
	printf("read   model + data     %7.1f ms   (%zu numbers, %.1f ns/number)\n",
	       1e3 * tread, nin, 1e9 * tread / (double)nin);
	printf("write  gradient         %7.1f ms   (%zu numbers, %.1f ns/number)\n",
	       1e3 * twrite, nout, 1e9 * twrite / (double)nout);
	printf("write  with fprintf     %7.1f ms   (the same numbers, for comparison)\n",
	       1e3 * tprintf);
	free(g);
	free(dX);
	bt_model_free(m);
	bt_data_free(d);
	free(x);
	free(s);
	free(text);
	gsl_rng_free(rng);
	return 0;
}
