/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lesson.h — the little that every lesson program shares: flags with
 * --help, the output directory, data files written whole (a temporary
 * file renamed at the end) with numbered datasets for gnuplot's `index`.
 * The library does the work; lessons only narrate and write.
 *
 * A data file carries what its figure needs to label itself, as comment
 * lines that plots/header.awk turns into gnuplot variables:
 *     # param n = 32              lesson_param: a knob or a setting
 *     # param arch = "rnn"        lesson_param_text
 *     # tanh-0.5                  lesson_dataset: the dataset's name,
 *     # label: s_max(W) = 0.5     lesson_label: its legend entry,
 *     # lag log10_norm2 ...       and its columns.
 * Datasets are separated by two blank lines and drawn by number (gnuplot's
 * `index "name"` would match any name that contains the string). */
#ifndef BT_LESSON_H
#define BT_LESSON_H

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bt.h"
#include "cli/fill.h"

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

static inline void lesson_fail(const char *fmt, ...)
{
	va_list ap;
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

/* ---- --help, at most 80 columns: the command's filling (src/cli/fill.c) */

/* Parses argv against opts (a NULL-named entry ends it); --help prints
 * usage and exits 0; --out DIR is always there. */
static inline void lesson_args(int argc, char **argv, const char *name,
			const char *about, const lesson_opt *opts)
{
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
			lesson_out = argv[i];
			continue;
		}
		const lesson_opt *o = opts;
		while (o->name && strcmp(o->name, a))
			o++;
		if (!o->name)
			lesson_fail("unknown option '%s' (see --help)", a);
		if (o->kind == 'f') {
			*(int *)o->dst = 1;
			continue;
		}
		if (++i >= argc)
			lesson_fail("%s needs a value", a);
		const char *v = argv[i];
		char *end;
		errno = 0;
		if (o->kind == 'n') {
			unsigned long long x = strtoull(v, &end, 10);
			if (!*v || *end || errno || strchr(v, '-') || x > (unsigned long long)BT_MAX_T * 100)
				lesson_fail("%s: '%s' is not a whole number", a, v);
			*(size_t *)o->dst = (size_t)x;
		} else if (o->kind == 'r') {
			double x = strtod(v, &end);
			if (!*v || *end || errno || !isfinite(x))
				lesson_fail("%s: '%s' is not a number", a, v);
			*(double *)o->dst = x;
		} else {
			*(const char **)o->dst = v;
		}
	}
	lesson_mkdir(lesson_out);
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
	snprintf(lf->path, sizeof lf->path, "%s/%s", lesson_out, file);
	snprintf(lf->tmp, sizeof lf->tmp, "%s.tmp", lf->path);
	lf->datasets = 0;
	lf->f = fopen(lf->tmp, "w");
	if (!lf->f)
		lesson_fail("cannot write %s: %s", lf->tmp, strerror(errno));
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
		lesson_fail("cannot write %s", lf->path);
	}
	printf("  wrote %s\n", lf->path);
}

/* Stops with a message when a library call fails. */
static inline void lesson_check(int status, const char *what)
{
	if (status != BT_OK)
		lesson_fail("%s: %s", what, bt_strerror(status));
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
	lesson_check(bt_model_alloc(&model, t, dims, act), "model");
	lesson_check(bt_model_init(model, opt), "init");
	return model;
}

static inline bt_data *lesson_data(size_t T, size_t d, size_t m, unsigned long seed)
{
	bt_data *data;
	lesson_check(bt_data_alloc(&data, T, d, m, 0), "data");
	lesson_check(bt_data_random(data, seed), "data");
	return data;
}

/* Random data whose loss mask keeps only the last step: only ℓ_T counts. */
static inline bt_data *lesson_data_last(size_t T, size_t d, size_t m, unsigned long seed)
{
	bt_data *data;
	lesson_check(bt_data_alloc(&data, T, d, m, 1), "data");
	lesson_check(bt_data_random(data, seed), "data");
	for (size_t t = 0; t + 1 < T; t++)
		data->M[t] = 0.0;
	return data;
}

#endif
