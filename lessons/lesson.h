/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lesson.h — the little that every lesson program shares: flags with
 * --help, the output directory, data files written whole (a temporary
 * file renamed at the end) with named datasets for gnuplot's `index`.
 * The library does the work; lessons only narrate and write. */
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

typedef struct {
	const char *name;    /* "--seed" */
	char kind;           /* 'n' whole number, 'r' real, 's' string, 'f' flag */
	void *dst;           /* size_t*, double*, const char**, int* */
	const char *help;
} lesson_opt;

static const char *lesson_name = "lesson";
static const char *lesson_out = "plots/out";

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

/* ---- --help, at most 80 columns ------------------------------------------
 * The same filling as the bptt command's help (src/cli.c, whose comments
 * say more): every line fits in LESSON_HELP_WIDTH characters (UTF-8
 * counted as characters), options' descriptions wrapped under their column,
 * the about text filled as paragraphs. */
#define LESSON_HELP_WIDTH 80

static inline int lesson_text_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static inline int lesson_is_blank(char c)
{
	return c == ' ' || c == '\n' || c == '\t';
}

/* Writes the words of s[a..b) from column *col: a run of blanks between
 * two words of one line is kept, one that holds a newline becomes one
 * blank (none before the first word written, *first), and where the next
 * word would pass LESSON_HELP_WIDTH the line ends and the next starts with
 * indent blanks. */
static inline void lesson_put_words(FILE *f, const char *s, size_t a, size_t b,
				    int *col, int indent, int *first)
{
	size_t i = a;
	for (;;) {
		size_t gap_at = i;
		int newline = 0;
		while (i < b && lesson_is_blank(s[i]))
			newline |= s[i++] == '\n';
		if (i == b)
			return;
		size_t word = i;
		while (i < b && !lesson_is_blank(s[i]))
			i++;
		int w = lesson_text_width(s + word, i - word);
		int gap = newline ? 1 : (int)(word - gap_at);
		if (!*first && *col + gap + w > LESSON_HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			*col = indent;
		} else if (!*first) {
			if (newline)
				fputc(' ', f);
			else
				fwrite(s + gap_at, 1, (size_t)gap, f);
			*col += gap;
		}
		fwrite(s + word, 1, i - word, f);
		*col += w;
		*first = 0;
	}
}

/* A word of symbols only ("=", "<=", "...", "|"): no break on either side. */
static inline int lesson_symbol_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalnum((unsigned char)w[i]) || (unsigned char)w[i] >= 0x80)
			return 0;
	return 1;
}

/* Follows the brackets a word opens and closes: *open of them are open,
 * and bit k of *keep says whether the k-th holds its line together: a '['
 * or a call's '(' ("N(0, s^2)"), not a parenthesis of prose. */
static inline void lesson_track_brackets(const char *w, size_t n, unsigned *keep,
					 int *open)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '(' || w[i] == '[') {
			unsigned k = w[i] == '[' || (i > 0 && (isalnum((unsigned char)w[i - 1]) ||
							       w[i - 1] == '_'));
			if (*open < 32)
				*keep = (*keep & ~(1u << *open)) | k << *open;
			(*open)++;
		} else if ((w[i] == ')' || w[i] == ']') && *open > 0) {
			(*open)--;
		}
	}
}

/* Writes the words of s[0..n), the first one at column col, the line
 * already written up to there, filling lines to LESSON_HELP_WIDTH, the lines after
 * the first indented by indent blanks (see lesson_put_words). A line does not
 * break next to a word of symbols ("a = b"), before a short word that
 * closes a bracket ("(default 1)"), nor inside brackets that keep together
 * ("N(0, s^2)", "[h; c]"), unless the words so held are wider than a line.
 * Ends the last line. */
static inline void lesson_put_fill(FILE *f, const char *s, size_t n, int col,
				   int indent)
{
	size_t i = 0;
	int first = 1, open = 0;
	unsigned keep = 0;
	for (;;) {
		/* the next words that no break may part */
		size_t gap_at = i, start, end;
		while (i < n && lesson_is_blank(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		int w = 0;
		for (;;) {
			size_t word = i;
			while (i < n && !lesson_is_blank(s[i]))
				i++;
			w += lesson_text_width(s + word, i - word);
			lesson_track_brackets(s + word, i - word, &keep, &open);
			end = i;
			size_t next = i;
			int newline = 0;
			while (next < n && lesson_is_blank(s[next]))
				newline |= s[next++] == '\n';
			size_t next_end = next;
			while (next_end < n && !lesson_is_blank(s[next_end]))
				next_end++;
			int next_w = lesson_text_width(s + next, next_end - next);
			if (next == n ||
			    !((keep & ((open < 32 ? 1u << open : 0u) - 1)) ||
			      lesson_symbol_word(s + word, i - word) ||
			      lesson_symbol_word(s + next, next_end - next) ||
			      (next_w <= 3 && (memchr(s + next, ')', next_end - next) ||
					       memchr(s + next, ']', next_end - next)))))
				break;
			w += newline ? 1 : (int)(next - i);
			i = next;
		}
		int gap = memchr(s + gap_at, '\n', start - gap_at) ? 1 : (int)(start - gap_at);
		if (!first && col + gap + w > LESSON_HELP_WIDTH && indent + w <= LESSON_HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			gap_at = start;
			first = 1;
		}
		lesson_put_words(f, s, gap_at, end, &col, indent, &first);
		i = end;
	}
	fputc('\n', f);
}

/* The number of blanks that start s. */
static inline int lesson_indent_of(const char *s)
{
	int k = 0;
	while (s[k] == ' ')
		k++;
	return k;
}

/* Writes a free text, filled to LESSON_HELP_WIDTH: a blank line stays a blank
 * line; lines that start unindented form a paragraph; an indented line
 * starts an item, continued by the lines indented further than it (whose
 * indent its wrapped lines take), or, when none follow, wrapped under its
 * second column (the text after a run of two blanks: "  name    text"). */
static inline void lesson_put_text(FILE *f, const char *s)
{
	while (*s) {
		const char *eol = s + strcspn(s, "\n");
		int ind = lesson_indent_of(s);
		if (s + ind == eol) {   /* a blank line */
			fputc('\n', f);
			s = *eol ? eol + 1 : eol;
			continue;
		}
		const char *end = eol;
		int hang = ind;
		while (*end) {   /* the lines that continue this one */
			const char *next = end + 1;
			int k = lesson_indent_of(next);
			if (next[k] == '\n' || !next[k] || (ind == 0 ? k != 0 : k <= ind))
				break;
			if (ind > 0 && end == eol)
				hang = k;
			end = next + strcspn(next, "\n");
		}
		if (ind > 0 && end == eol) {   /* an item alone: under its second column */
			const char *two = strstr(s + ind, "  ");
			if (two && two < eol) {
				const char *text = two + lesson_indent_of(two);
				if (text < eol)
					hang = lesson_text_width(s, (size_t)(text - s));
			}
		}
		fprintf(f, "%*s", ind, "");
		lesson_put_fill(f, s + ind, (size_t)(end - s - ind), ind, hang);
		s = *end ? end + 1 : end;
	}
}

/* One option (or another two-column entry): the left column from column 2,
 * the description from column col (on the next line when the left column
 * reaches it), wrapped under itself. */
static inline void lesson_put_entry(FILE *f, const char *lhs, int col,
				    const char *text)
{
	int w = 2 + lesson_text_width(lhs, strlen(lhs));
	fprintf(f, "  %s", lhs);
	if (w + 1 > col) {
		fputc('\n', f);
		w = 0;
	}
	fprintf(f, "%*s", col - w, "");
	lesson_put_fill(f, text, strlen(text), col, col);
}

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
			lesson_put_text(stdout, about);
			printf("\noptions:\n");
			for (const lesson_opt *o = opts; o->name; o++) {
				const char *mv = o->kind == 'n' ? " N" : o->kind == 'r' ? " X"
						: o->kind == 's' ? " S" : "";
				char lhs[48];
				snprintf(lhs, sizeof lhs, "%s%s", o->name, mv);
				lesson_put_entry(stdout, lhs, 21, o->help);
			}
			lesson_put_entry(stdout, "--out DIR", 21,
					 "where the data files go (default plots/out)");
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
	mkdir(lesson_out, 0777);   /* fine if it exists */
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
