/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lesson.h — the little that every lesson program shares: flags with
 * --help, the output directory, data files written whole (a temporary
 * file renamed at the end, removed on SIGINT, SIGTERM and SIGHUP) with
 * numbered datasets for gnuplot's `index`, memory checked before it is
 * taken. The library does the work; lessons only narrate and write.
 *
 * A data file carries what its figure needs to label itself, as comment
 * lines that plots/header.awk turns into gnuplot variables:
 *     # param n = 32              lesson_param: a knob or a setting
 *     # param arch = "rnn"        lesson_param_text
 *     # tanh-0.5                  lesson_dataset: the dataset's name,
 *     # label: s_max(W) = 0.5     lesson_label: its legend entry,
 *     # lag log10_norm2 ...       and its columns.
 * Datasets are separated by two blank lines and drawn by number (gnuplot's
 * `index "name"` would match any name that contains the string).
 *
 * Knobs are checked before any work: their numbers have the command's
 * syntax (a whole number is decimal digits, a real one what a file may
 * hold), --out must leave room for a file name, and a lesson that sizes
 * something by its knobs calls lesson_need (or lesson_need_task, or adds
 * up lesson_task_size and the library's _size functions) for everything
 * its parts will hold, before its first part runs; the refusal names the
 * knobs given. The memory limit is BPTT_MAX_MEMORY, as for the command, or
 * the memory available; the address-space limit (ulimit -v) when that is
 * lower. A refusal or a failure removes the data file being written, as a
 * signal does. */
#ifndef BT_LESSON_H
#define BT_LESSON_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bt.h"
#include "cli/fill.h"
#include "io/numio.h"

typedef struct {
	const char *name;    /* "--seed" */
	char kind;           /* 'n' whole number, 'r' real, 's' string, 'f' flag */
	void *dst;           /* size_t*, double*, const char**, int* */
	const char *help;
} lesson_opt;

static const char *lesson_name = "lesson";
/* The default output directory: the repository's plots/out, where the
 * figure scripts look by default (the Makefile sets LESSON_OUT to its
 * absolute path, so that a lesson runs from any directory). */
#ifndef LESSON_OUT
#define LESSON_OUT "plots/out"
#endif
static const char *lesson_out = LESSON_OUT;

/* The longest --out: room for "/NN_name_part.dat.tmp" in a path buffer. */
#define LESSON_OUT_MAX 960
/* The temporary file being written, for the signal handler and
 * lesson_fail. */
static char lesson_pending[1040];
static volatile sig_atomic_t lesson_has_pending;
/* The numeric knobs given on the command line ("--hidden 99999999"), for
 * a refusal to name them. */
static char lesson_given[256];

/* Stops with a message; a data file being written is removed. */
static inline void lesson_fail(const char *fmt, ...)
{
	va_list ap;
	if (lesson_has_pending) {
		unlink(lesson_pending);
		lesson_has_pending = 0;
	}
	fflush(stdout);
	fprintf(stderr, "%s: ", lesson_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Makes DIR and its missing parents (mkdir -p); a directory that cannot be
 * made shows up as the data file that cannot be written. */
static inline void lesson_mkdir(const char *dir)
{
	char path[1024];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
		lesson_fail("--out: directory name too long");
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0777);   /* fine if it exists */
			*p = '/';
		}
	mkdir(path, 0777);
}

/* Where the memory limit comes from, for messages. */
static const char *lesson_limit_source = "the memory available";

/* The memory one request may take (set by lesson_args): BPTT_MAX_MEMORY
 * as for the command, or the memory available; the address-space limit
 * (ulimit -v) when that is lower. */
static inline double lesson_memory_limit(void)
{
	double lim = bt_memory_available();
	const char *v = getenv("BPTT_MAX_MEMORY");
	if (v) {
		if (bt_numio_parse_size(v, &lim) != 0)
			lesson_fail("BPTT_MAX_MEMORY: '%.40s' is not a size (bytes, at least 1, or a "
				    "number with K, M, G or T, e.g. 512M or 4G; or unlimited)", v);
		lesson_limit_source = "set by BPTT_MAX_MEMORY";
	}
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (!(lim > 0) || (double)rl.rlim_cur < lim)) {
		lim = (double)rl.rlim_cur;
		lesson_limit_source = "the address-space limit, ulimit -v";
	}
	return lim;
}

/* The knobs a refusal is due to: those given, or the defaults. */
static inline const char *lesson_knobs(void)
{
	return lesson_given[0] ? lesson_given : "the defaults";
}

/* Stops, before anything is allocated, when what (a description of the
 * sizes) needs more than the memory limit; the message names the knobs
 * given. */
static inline void lesson_need(double bytes, const char *what)
{
	double lim = bt_memory_limit();
	if (lim > 0 && !(bytes <= lim)) {
		char need[32], have[32];
		bt_format_bytes(bytes, need, sizeof need);
		bt_format_bytes(lim, have, sizeof have);
		lesson_fail("%s: %s: this needs about %s of memory, more than the limit of %s "
			    "(%s); nothing done", lesson_knobs(), what, need, have,
			    lesson_limit_source);
	}
}

/* A sum of sizes in bytes for lesson_need, from a count of numbers (size_t
 * products overflow; doubles do not). */
static inline double lesson_doubles(double count)
{
	return 8.0 * count;
}

/* What a lesson computes, for lesson_need_task: the model alone, or the
 * model, `sets` data sets of T steps and the library computation's own
 * size (its _size function). */
enum { LESSON_MODEL, LESSON_GRADIENT, LESSON_JACOBIAN, LESSON_BIAS };

/* The bytes of a computation (LESSON_*) on an architecture and sizes, over
 * T steps and sets data sets, after checking the sizes against the
 * library's limits; for lessons that add up several parts. */
static inline double lesson_task_size(const char *arch, size_t d, size_t n, size_t m,
				      size_t T, size_t sets, int task)
{
	const bt_cell_type *t = bt_cell_lookup(arch);
	bt_dims dims = {d, n, m};
	if (!t)
		lesson_fail("unknown architecture '%s'", arch);
	if (d > (size_t)BT_MAX_DIM || n > (size_t)BT_MAX_DIM || m > (size_t)BT_MAX_DIM ||
	    T > (size_t)BT_MAX_T)
		lesson_fail("%s: sizes d=%zu n=%zu m=%zu, T=%zu: beyond the library's limits "
			    "(d, n, m up to %ld, T up to %ld)", lesson_knobs(), d, n, m, T,
			    BT_MAX_DIM, BT_MAX_T);
	double bytes = bt_model_size(t, dims) + BT_MEMORY_SLACK;
	if (task != LESSON_MODEL)
		bytes += (double)sets * bt_data_size(dims, T);
	if (task == LESSON_GRADIENT)
		bytes += bt_gradient_size(t, dims, T) + bt_gradient_buffers_size(t, dims, T);
	else if (task == LESSON_JACOBIAN)
		bytes += bt_jacobian_lags_size(t, dims, T);
	else if (task == LESSON_BIAS)
		bytes += bt_bias_size(t, dims, T);
	return bytes;
}

/* lesson_need for a computation (LESSON_*) on an architecture and sizes,
 * over T steps and sets data sets. */
static inline void lesson_need_task(const char *arch, size_t d, size_t n, size_t m,
				    size_t T, size_t sets, int task)
{
	char what[160];
	double bytes = lesson_task_size(arch, d, n, m, T, sets, task);
	snprintf(what, sizeof what, "arch %s with d=%zu n=%zu m=%zu, T=%zu", arch, d, n, m, T);
	lesson_need(bytes, what);
}

/* count × size bytes, zeroed, checked (an overflow or a refusal stops the
 * lesson). */
static inline void *lesson_alloc(size_t count, size_t size)
{
	if (size && count > (size_t)-1 / size)
		lesson_fail("out of memory (%zu × %zu bytes)", count, size);
	lesson_need((double)count * (double)size, "an array");
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		lesson_fail("out of memory (%zu × %zu bytes)", count, size);
	return p;
}

/* A GSL block, checked (the library turns GSL's aborting error handler
 * off, so a failed allocation is a NULL): p, or a refusal. */
static inline void *lesson_checked(void *p, const char *what)
{
	if (!p)
		lesson_fail("out of memory (%s)", what);
	return p;
}

/* A rows × cols GSL matrix, counted against the limit and checked. */
static inline gsl_matrix *lesson_matrix(size_t rows, size_t cols)
{
	lesson_need(8.0 * (double)rows * (double)cols, "a matrix");
	return lesson_checked(gsl_matrix_alloc(rows, cols), "a matrix");
}

/* SIGINT, SIGTERM, SIGHUP: the temporary file removed, then the signal's
 * own end. */
static void lesson_on_signal(int sig)
{
	if (lesson_has_pending)
		unlink(lesson_pending);
	signal(sig, SIG_DFL);
	raise(sig);
}

static inline void lesson_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = lesson_on_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

/* ---- --help, at most 80 columns: the command's filling (src/cli/fill.c) */

/* Parses argv against opts (a NULL-named entry ends it); --help prints
 * usage and exits 0; --out DIR is always there. */
static inline void lesson_args(int argc, char **argv, const char *name,
			const char *about, const lesson_opt *opts)
{
	unsigned long long seen = 0;   /* the options given, by their index */
	int out_given = 0;
	lesson_name = name;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			printf("usage: %s [options]\n\n", name);
			fill_text(stdout, about);
			printf("\noptions:\n");
			for (const lesson_opt *o = opts; o->name; o++) {
				const char *mv = o->kind == 'n' ? " N" : o->kind == 'r' ? " X"
						: o->kind == 's' ? " S" : "";
				char lhs[48];
				snprintf(lhs, sizeof lhs, "%s%s", o->name, mv);
				fill_entry(stdout, lhs, 21, o->help);
			}
			fill_entry(stdout, "--out DIR", 21,
					 "where the data files go (default " LESSON_OUT ")");
			exit(0);
		}
		if (!strcmp(a, "--out")) {
			if (++i >= argc)
				lesson_fail("--out needs a directory");
			if (out_given++)
				lesson_fail("--out given twice");
			lesson_out = argv[i];
			if (!*lesson_out)
				lesson_fail("--out: an empty directory name (\".\" is the current one)");
			if (strlen(lesson_out) > LESSON_OUT_MAX)
				lesson_fail("--out: a directory of %zu bytes leaves no room for the "
					    "file names (at most %d)", strlen(lesson_out), LESSON_OUT_MAX);
			continue;
		}
		const lesson_opt *o = opts;
		while (o->name && strcmp(o->name, a))
			o++;
		if (!o->name)
			lesson_fail("unknown option '%s' (see --help)", a);
		size_t index = (size_t)(o - opts);
		if (index < 64 && (seen >> index & 1))
			lesson_fail("%s given twice", a);
		seen |= index < 64 ? 1ULL << index : 0;
		if (o->kind == 'f') {
			*(int *)o->dst = 1;
			continue;
		}
		if (++i >= argc)
			lesson_fail("%s needs a value", a);
		const char *v = argv[i];
		if (o->kind == 'n' || o->kind == 'r') {
			size_t used = strlen(lesson_given);
			snprintf(lesson_given + used, sizeof lesson_given - used, "%s%s %.40s",
				 used ? " " : "", a, v);
		}
		if (o->kind == 'n') {
			unsigned long long x = 0;
			if (bt_numio_parse_whole(v, &x) != 0 ||
			    x > (unsigned long long)BT_MAX_T * 100)
				lesson_fail("%s: '%.40s' is not a whole number up to %ld", a, v,
					    BT_MAX_T * 100);
			/* a seed as the command takes one (1 to 2^32 - 1): no two
			 * give the same stream */
			size_t len = strlen(a);
			if (len >= 4 && !strcmp(a + len - 4, "seed") && (x == 0 || x > BT_SEED_MAX))
				lesson_fail("%s: '%.40s' is not a seed: 1 to %llu (the generator, "
					    "MT19937, keeps 32 bits of a seed and takes 0 as 4357)",
					    a, v, BT_SEED_MAX);
			*(size_t *)o->dst = (size_t)x;
		} else if (o->kind == 'r') {
			double x;
			if (bt_numio_parse(v, &x) != 0 || !isfinite(x))
				lesson_fail("%s: '%.40s' is not a finite number", a, v);
			*(double *)o->dst = x;
		} else {
			*(const char **)o->dst = v;
		}
	}
	bt_set_memory_limit(lesson_memory_limit());
	lesson_signals();
	lesson_mkdir(lesson_out);
}

/* The next comma-separated token of a knob's list, from *c into tok (cap
 * bytes), *c moved to the comma or the NUL after it; count tokens were
 * read before it, at most max are allowed, and a token too long to be one
 * of what the list holds (e.g. "numbers") is refused. */
static inline void lesson_token(const char *knob, const char **c, char *tok, size_t cap,
				size_t count, size_t max, const char *what)
{
	size_t len = strcspn(*c, ",");
	if (count == max)
		lesson_fail("%s: at most %zu values", knob, max);
	if (len >= cap)
		lesson_fail("%s: '%.40s' is not a list of %s", knob, *c, what);
	memcpy(tok, *c, len);
	tok[len] = '\0';
	*c += len;
}

/* The comma-separated numbers of a knob's value (the syntax of a real
 * knob) into out, at most max of them: their count, or a refusal naming
 * the knob. */
static inline size_t lesson_list(const char *knob, const char *v, double *out, size_t max)
{
	size_t count = 0;
	for (const char *c = v;; c++) {
		char tok[64];
		lesson_token(knob, &c, tok, sizeof tok, count, max, "numbers");
		if (bt_numio_parse(tok, &out[count]) != 0 || !isfinite(out[count]))
			lesson_fail("%s: '%s' is not a finite number", knob, tok);
		count++;
		if (!*c)
			return count;
	}
}

/* The comma-separated whole numbers of a knob's value (the syntax of a
 * whole-number knob) into out, at most max of them: their count, or a
 * refusal naming the knob. */
static inline size_t lesson_whole_list(const char *knob, const char *v, size_t *out, size_t max)
{
	size_t count = 0;
	for (const char *c = v;; c++) {
		char tok[32];
		unsigned long long x;
		lesson_token(knob, &c, tok, sizeof tok, count, max, "whole numbers");
		if (bt_numio_parse_whole(tok, &x) != 0 || x > (unsigned long long)BT_MAX_T * 100)
			lesson_fail("%s: '%s' is not a whole number up to %ld", knob, tok, BT_MAX_T * 100);
		out[count++] = (size_t)x;
		if (!*c)
			return count;
	}
}

/* A data file under the output directory, written to NAME.tmp and renamed
 * by lesson_close, so a file is never half-written. */
typedef struct {
	FILE *f;
	char path[1024], tmp[1040];
	int datasets;
} lesson_file;

static inline void lesson_open(lesson_file *lf, const char *file)
{
	if ((size_t)snprintf(lf->path, sizeof lf->path, "%s/%s", lesson_out, file) >= sizeof lf->path ||
	    (size_t)snprintf(lf->tmp, sizeof lf->tmp, "%s.tmp", lf->path) >= sizeof lf->tmp)
		lesson_fail("--out: the path %s/%s is too long", lesson_out, file);
	lf->datasets = 0;
	/* a new file: one left by a killed run is removed first, and a
	 * symbolic link put in its place (by another user of a shared --out)
	 * is removed, not written through */
	unlink(lf->tmp);
	int fd = open(lf->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	lf->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!lf->f) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		lesson_fail("cannot write %s: %s", lf->tmp, strerror(saved));
	}
	memcpy(lesson_pending, lf->tmp, strlen(lf->tmp) + 1);
	lesson_has_pending = 1;
}

/* Starts a dataset: two blank lines before all but the first, `# name`,
 * then the column header `# col1 col2 …`. */
static inline void lesson_dataset(lesson_file *lf, const char *name, const char *columns)
{
	if (lf->datasets++)
		fputs("\n\n", lf->f);
	fprintf(lf->f, "# %s\n# %s\n", name, columns);
}

/* A value the figure quotes (a knob, a size): `# param NAME = VALUE`, read
 * by the figure's script as the variable NAME. */
static inline void lesson_param(lesson_file *lf, const char *name, double value)
{
	fprintf(lf->f, "# param %s = %.15g\n", name, value);
}

/* A text value: `# param NAME = "TEXT"` (TEXT without double quotes). */
static inline void lesson_param_text(lesson_file *lf, const char *name, const char *text)
{
	fprintf(lf->f, "# param %s = \"%s\"\n", name, text);
}

/* The legend entry of the dataset just started: `# label: TEXT` (gnuplot's
 * enhanced text: a_{b} is a subscript). */
static inline void lesson_label(lesson_file *lf, const char *fmt, ...)
{
	va_list ap;
	fputs("# label: ", lf->f);
	va_start(ap, fmt);
	vfprintf(lf->f, fmt, ap);
	va_end(ap);
	fputc('\n', lf->f);
}

/* Writes numbers %.17g separated by blanks, then a newline. */
static inline void lesson_row(lesson_file *lf, int count, ...)
{
	va_list ap;
	va_start(ap, count);
	for (int i = 0; i < count; i++) {
		double x = va_arg(ap, double);
		if (isnan(x))
			fputs("NaN", lf->f);
		else if (isinf(x))
			fputs(x > 0 ? "inf" : "-inf", lf->f);
		else
			fprintf(lf->f, "%.17g", x);
		fputc(i + 1 < count ? ' ' : '\n', lf->f);
	}
	va_end(ap);
}

static inline void lesson_close(lesson_file *lf)
{
	if (ferror(lf->f) | fclose(lf->f) || rename(lf->tmp, lf->path)) {
		remove(lf->tmp);
		lesson_has_pending = 0;
		lesson_fail("cannot write %s", lf->path);
	}
	lesson_has_pending = 0;
	printf("  wrote %s\n", lf->path);
}

/* Stops with a message when a library call fails. */
static inline void lesson_check(int status, const char *what)
{
	if (status != BT_OK)
		lesson_fail("%s: %s", what, bt_strerror(status));
}

/* Where the block called name starts in m->theta (a lesson that sets or
 * reads single weights). */
static inline size_t lesson_block_offset(const bt_model *m, const char *name)
{
	int i = bt_model_find_block(m, name);
	if (i < 0)
		lesson_fail("the model has no block %s", name);
	return m->blocks[i].offset;
}

/* Training on the adding problem at T as the lessons train (13, 15): Adam
 * at learning rate lr on minibatches of B, steps updates, the gradient
 * clipped to global norm clip (0: not clipped), the held-out MSE over esize
 * sequences every `every` steps; the rest as bt_train_options_default. */
static inline bt_train_options lesson_adding_training(size_t T, size_t B, size_t steps,
						      double lr, double clip, size_t every,
						      size_t esize)
{
	bt_train_options o;
	bt_train_options_default(&o);
	o.task.kind = BT_TASK_ADDING;
	o.task.T = T;
	o.batch = B;
	o.steps = steps;
	o.opt.lr = lr;
	o.clip = clip > 0 ? BT_CLIP_NORM : BT_CLIP_NONE;
	o.clip_threshold = clip;
	o.eval_every = every;
	o.eval_size = esize;
	return o;
}

/* A model of an architecture with init options, and random data. */
static inline bt_model *lesson_model(const char *arch, bt_activation act, size_t d,
			      size_t n, size_t m, const bt_init_options *opt)
{
	const bt_cell_type *t = bt_cell_lookup(arch);
	if (!t)
		lesson_fail("unknown architecture '%s'", arch);
	bt_dims dims = {d, n, m};
	bt_model *model;
	lesson_need_task(arch, d, n, m, 1, 1, LESSON_MODEL);
	lesson_check(bt_model_alloc(&model, t, dims, act), "model");
	lesson_check(bt_model_init(model, opt), "init");
	return model;
}

static inline bt_data *lesson_data(size_t T, size_t d, size_t m, unsigned long seed)
{
	bt_data *data;
	lesson_need(8.0 * (double)T * (double)(d + m), "random data");
	lesson_check(bt_data_alloc(&data, T, d, m, 0), "data");
	lesson_check(bt_data_random(data, seed), "data");
	return data;
}

/* Random data whose loss mask keeps only the last step: only ℓ_T counts. */
static inline bt_data *lesson_data_last(size_t T, size_t d, size_t m, unsigned long seed)
{
	bt_data *data;
	lesson_need(8.0 * (double)T * (double)(d + m + 1), "random data");
	lesson_check(bt_data_alloc(&data, T, d, m, 1), "data");
	lesson_check(bt_data_random(data, seed), "data");
	for (size_t t = 0; t + 1 < T; t++)
		data->M[t] = 0.0;
	return data;
}

#endif
