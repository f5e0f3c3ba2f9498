/* SPDX-License-Identifier: GPL-3.0-or-later */
/* textio.c — the text format of models, data and gradients: a strict
 * reader and an exact writer (%.17g round-trips every double bit for bit).
 *
 * Grammar (spec, "Text files"): `#` starts a comment to the end of the line;
 * blank lines are ignored; fields are separated by runs of blanks or tabs; a
 * final `\r` is ignored. The first content line is the header
 * `bptt-KIND 1`; then header lines (arch, dims, activation, loss — a
 * model's loss kind, a gradient's loss value —: each at most once, any
 * order); then blocks `NAME ROWS COLS` followed by ROWS lines
 * of COLS numbers, in any order. Every defect is refused with the file and
 * physical line. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cells/cell.h"
#include "base/alloc.h"
#include "io/numio.h"
#include "io/textio.h"

enum kind { K_MODEL, K_DATA, K_GRAD };

/* The size of the buffers for reading and writing numbers. */
#define IO_BUF (1 << 18)

/* The longest line the reader takes: a line before the blocks (and a
 * comment or blank line between them) at most LINE_BASE bytes, a row of a
 * block of C columns at most LINE_BASE + C·LINE_PER_NUMBER (a number of up
 * to a kilobyte, with its blanks: the exact decimal expansion of any
 * double is shorter). Past it the file is refused at that line, before
 * more is read: a file without line ends (/dev/zero) costs no more memory
 * than this. */
#define LINE_BASE ((size_t)64 * 1024)
#define LINE_PER_NUMBER ((size_t)1024)

/* A token in a message: at most this many bytes of it. */

/* Allocations of more numbers than this (64 MiB of doubles) are first
 * checked against the size of the file. */
#define BIG_ALLOC (8.0 * 1024 * 1024)
static const char *const kind_word[] = {"bptt-model", "bptt-data", "bptt-grad"};
static const char *const kind_noun[] = {"model", "data", "gradient"};

/* ---- errors ------------------------------------------------------------- */

static void set_error(bt_error *err, const char *file, long line,
		      const char *fmt, ...)
{
	if (!err)
		return;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* ---- lines and fields ------------------------------------------------------ */

typedef struct {
	const char *path;
	int fd;
	bt_error *err;
	char *line;
	size_t cap;
	size_t maxline;    /* the longest line taken now (LINE_BASE, or a row's) */
	double held;       /* bytes of numbers allocated so far (the memory limit) */
	double offset;     /* bytes of the file consumed */
	size_t ipos, iend; /* the unread part of iobuf */
	long lineno;      /* physical line of the current line */
	char **fields;
	size_t nf, fcap;
	char *rest;        /* next_line_split(r, 0): the line from its first field */
	int failed;
	double size;       /* the file's size in bytes, or -1 when unknown */
	int status;       /* a status other than BT_EFORMAT (BT_ECANCELED), or 0 */
	char *iobuf;       /* the read buffer (IO_BUF bytes) */
	char shown[3][BT_SHOWN_SIZE];   /* tokens for messages (shown) */
	unsigned nshown;
} reader;

/* What the last read used and allowed, and where the last data file read
 * declared its blocks (textio.h). */
static size_t peak_buffer, peak_allowed;
static long data_lines[3];

static int fail(reader *r, long line, const char *fmt, ...)
{
	if (r->err) {
		snprintf(r->err->file, sizeof r->err->file, "%s", r->path);
		r->err->line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
		va_end(ap);
	}
	r->failed = 1;
	return BT_EFORMAT;
}

/* io/textio.h: a token as messages show it. */
char *bt_text_shown(char *dst, const char *s)
{
	char *p = dst;
	size_t i = 0;
	for (; s[i] && i < BT_SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	if (s[i])
		p += sprintf(p, "...");
	*p = '\0';
	return dst;
}

/* The same into the reader's buffers, three at a time. */
static const char *shown(reader *r, const char *s)
{
	return bt_text_shown(r->shown[r->nshown++ % 3], s);
}

/* realloc for the reader: NULL, with r->err set, when memory runs out. */
static void *grow(reader *r, void *p, size_t bytes)
{
	void *q = realloc(p, bytes);
	if (!q) {
		set_error(r->err, r->path, r->lineno, "out of memory");
		r->failed = 1;
	}
	return q;
}

/* Splits s into r->fields/r->nf at runs of blanks and tabs (NULs written
 * in). Returns 0, or -1 when out of memory (r->err set). */
static int split_fields(reader *r, char *s)
{
	r->nf = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (r->nf == r->fcap) {
			size_t nc = r->fcap ? 2 * r->fcap : 16;
			char **nfp = grow(r, r->fields, nc * sizeof *nfp);
			if (!nfp)
				return -1;
			r->fields = nfp;
			r->fcap = nc;
		}
		r->fields[r->nf++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return 0;
}

/* Fills the read buffer: 1, 0 at the end of the file, -1 on an error (a
 * read interrupted by a signal that asks to cancel is one). */
static int fill(reader *r)
{
	for (;;) {
		ssize_t k = read(r->fd, r->iobuf, IO_BUF);
		if (k >= 0) {
			r->ipos = 0;
			r->iend = (size_t)k;
			return k > 0;
		}
		if (errno != EINTR || bt_cancel_requested())
			return -1;
	}
}

/* Room for len bytes of line, its NUL and the BT_NUMIO_PAD bytes that
 * bt_numio_scan_row may read past it (numio.h), within r->maxline and the
 * memory limit. 0, or -1 with r->err set. */
static int line_room(reader *r, size_t len)
{
	size_t need = len + 1 + BT_NUMIO_PAD;
	if (r->cap >= need)
		return 0;
	size_t nc = 2 * need, most = r->maxline + 1 + BT_NUMIO_PAD;
	if (nc > most)
		nc = most;
	/* past the 64 KiB any read may take, the line counts with the
	 * numbers against the memory limit */
	double limit = bt_memory_limit();
	if (limit > 0 && nc > LINE_BASE + 1 + BT_NUMIO_PAD && r->held + (double)nc > limit) {
		char lim[32];
		bt_format_bytes(limit, lim, sizeof lim);
		fail(r, r->lineno + 1, "a line of %zu bytes and more does not fit the memory limit of %s",
		     len, lim);
		return -1;
	}
	char *nl = grow(r, r->line, nc);
	if (!nl)
		return -1;
	r->line = nl;
	r->cap = nc;
	if (nc > peak_buffer)
		peak_buffer = nc;
	return 0;
}

/* The next physical line into r->line, its '\n' kept: its length, -1 at
 * the end of the file, -2 on an error (r->err set). A line longer than
 * r->maxline is refused as soon as that many bytes are read. */
static ssize_t read_line(reader *r)
{
	size_t len = 0;
	if (r->maxline > peak_allowed)
		peak_allowed = r->maxline;
	for (;;) {
		if (r->ipos == r->iend) {
			int k = fill(r);
			if (k < 0) {
				if (bt_cancel_requested()) {
					set_error(r->err, r->path, r->lineno, "interrupted while reading");
					r->status = BT_ECANCELED;
				} else {
					set_error(r->err, r->path, r->lineno + 1, "read error: %s",
						  strerror(errno));
				}
				r->failed = 1;
				return -2;
			}
			if (k == 0)
				return len ? (ssize_t)len : -1;
		}
		const char *s = r->iobuf + r->ipos;
		size_t avail = r->iend - r->ipos;
		const char *nl = memchr(s, '\n', avail);
		size_t take = nl ? (size_t)(nl - s) + 1 : avail;
		if (len + take - (nl ? 1 : 0) > r->maxline) {
			int cr = memchr(r->line ? r->line : "", '\r', r->line ? len : 0) ||
				 memchr(s, '\r', take);
			fail(r, r->lineno + 1, "the line is longer than %zu bytes, the most %s%s",
			     r->maxline, r->maxline == LINE_BASE
			     ? "a line outside a block's rows may hold"
			     : "a row of this block may hold (1 KiB per number and 64 KiB)",
			     cr ? " (its lines end with a carriage return alone: convert them to LF)"
			     : r->maxline == LINE_BASE ? " (is the file text with line ends?)" : "");
			return -2;
		}
		if (line_room(r, len + take) < 0)
			return -2;
		memcpy(r->line + len, s, take);
		len += take;
		r->ipos += take;
		r->offset += (double)take;
		if (nl)
			return (ssize_t)len;
	}
}

/* Reads the next line that has fields. Returns 1 with r->fields/r->nf set
 * (or, when split is 0, only r->rest: the line from its first field on,
 * comment and line end cut off), 0 at end of file, -1 on error (r->err
 * set). */
static int next_line_split(reader *r, int split)
{
	for (;;) {
		if (bt_cancel_requested()) {
			set_error(r->err, r->path, r->lineno, "interrupted while reading");
			r->failed = 1;
			r->status = BT_ECANCELED;
			return -1;
		}
		ssize_t len = read_line(r);
		if (len == -1)
			return 0;
		if (len < 0)
			return -1;
		memset(r->line + len + 1, 0, BT_NUMIO_PAD);
		r->lineno++;
		if (memchr(r->line, '\0', (size_t)len)) {
			fail(r, r->lineno, "the line holds a NUL byte");
			return -1;
		}
		/* read_line gave the length: cut at '#', drop a final "\n", "\r" */
		char *s = r->line;
		size_t k = (size_t)len;
		char *hash = memchr(s, '#', k);
		if (hash)
			k = (size_t)(hash - s);
		if (k && s[k - 1] == '\n')
			k--;
		if (k && s[k - 1] == '\r')
			k--;
		s[k] = '\0';
		if (!split) {
			while (*s == ' ' || *s == '\t')
				s++;
			if (*s) {
				r->rest = s;
				return 1;
			}
			continue;
		}
		if (split_fields(r, s) < 0)
			return -1;
		if (r->nf > 0)
			return 1;
	}
}

static int next_line(reader *r)
{
	return next_line_split(r, 1);
}

/* A size: plain decimal digits, at least 1, at most max. */
static int parse_size(reader *r, const char *s, const char *what, long max,
		      size_t *out)
{
	size_t v = 0, k = 0;
	for (const char *p = s; *p; p++, k++) {
		if (*p < '0' || *p > '9')
			return fail(r, r->lineno,
				    "%s '%s' is not a positive whole number", what, shown(r, s));
		if (v <= (size_t)max)
			v = v * 10 + (size_t)(*p - '0');
	}
	if (k == 0 || v == 0)
		return fail(r, r->lineno, "%s must be at least 1, not '%s'", what, shown(r, s));
	if (v > (size_t)max)
		return fail(r, r->lineno, "%s %s is absurd (at most %ld)", what, s, max);
	*out = v;
	return BT_OK;
}

/* A number: decimal, as strtod reads it; NaN, infinity and overflow are
 * refused. */
static int parse_number(reader *r, const char *s, double *out)
{
	/* bt_numio_parse takes exactly the strings of 0-9+-.eE that strtod
	 * reads to the end, and returns what strtod returns (numio.h) */
	double v;
	if (bt_numio_parse(s, &v) != 0)
		return fail(r, r->lineno, "'%s' is not a decimal number", shown(r, s));
	if (!isfinite(v))
		return fail(r, r->lineno, "'%s' overflows a double", shown(r, s));
	*out = v;
	return BT_OK;
}

/* Reads rows×cols numbers into dst; a mask's values must be 0 or 1. */
static int read_rows_at(reader *r, const char *name, long head_line, size_t rows,
			size_t cols, double *dst, int is_mask)
{
	for (size_t i = 0; i < rows; i++) {
		int k = next_line_split(r, 0);
		if (k < 0)
			return BT_EFORMAT;
		if (k == 0)
			return fail(r, r->lineno > 0 ? r->lineno : 1,
				    "the file ends inside block '%s' (line %ld): "
				    "%zu of %zu rows read", name, head_line, i, rows);
		/* the common case in one pass: cols numbers, each ended by a
		 * blank, a tab or the line's end, all finite (and 0 or 1 in a
		 * mask), nothing after them */
		const char *s = r->rest;
		double *row = dst + i * cols;
		size_t j = bt_numio_scan_row(&s, row, cols);
		while (*s == ' ' || *s == '\t')
			s++;
		if (is_mask)
			for (size_t c = 0; c < j; c++)
				if (row[c] != 0.0 && row[c] != 1.0)
					j = 0;
		if (j == cols && !*s)
			continue;
		/* something is wrong: split the line into fields and say what */
		if (split_fields(r, r->rest) < 0)
			return BT_EFORMAT;
		if (r->nf != cols)
			return fail(r, r->lineno,
				    "row %zu of block '%s' has %zu numbers, expected %zu",
				    i + 1, name, r->nf, cols);
		for (size_t j = 0; j < cols; j++) {
			double v;
			if (parse_number(r, r->fields[j], &v) != BT_OK)
				return BT_EFORMAT;
			if (is_mask && v != 0.0 && v != 1.0)
				return fail(r, r->lineno,
					    "mask value '%s' is not 0 or 1", shown(r, r->fields[j]));
			dst[i * cols + j] = v;
		}
	}
	return BT_OK;
}

/* read_rows_at with the longest line a row of cols numbers may take. */
static int read_rows(reader *r, const char *name, long head_line, size_t rows,
		     size_t cols, double *dst, int is_mask)
{
	r->maxline = LINE_BASE + cols * LINE_PER_NUMBER;
	int st = read_rows_at(r, name, head_line, rows, cols, dst, is_mask);
	r->maxline = LINE_BASE;
	return st;
}

/* ---- the common reader -------------------------------------------------------- */

typedef struct {
	enum kind kind;
	/* header lines (line 0 = absent) */
	long arch_line, dims_line, act_line, loss_line;
	const bt_cell_type *type;
	bt_dims dims;
	int activation;
	double loss;               /* a gradient file's loss value */
	int loss_kind;             /* a model file's loss (bt_loss_kind) */
	/* model and gradient files */
	bt_model *model;
	long seen[BT_MAX_BLOCKS];  /* line of each block, 0 if not seen */
	/* data blocks (X, Y, M) and the gradient's X */
	double *arr[3];
	size_t rows[3], cols[3];
	long arr_line[3];
	size_t numbers;            /* declared so far */
} parsed;

static const char *const data_names[3] = {"X", "Y", "M"};

static void parsed_free(parsed *p)
{
	bt_model_free(p->model);
	for (int i = 0; i < 3; i++)
		free(p->arr[i]);
}

/* Header lines are done (first block or end of file): check and allocate. */
static int finish_header(reader *r, parsed *p, int at_eof)
{
	if (p->kind == K_DATA)
		return BT_OK;
	if ((!p->arch_line || !p->dims_line) && !at_eof && r->nf != 3)
		return fail(r, r->lineno,
			    "'%s' is not a header line (arch, dims, activation%s)",
			    shown(r, r->fields[0]), ", loss");
	if (!p->arch_line)
		return fail(r, r->lineno, "missing 'arch' line before the blocks");
	if (!p->dims_line)
		return fail(r, r->lineno, "missing 'dims' line before the blocks");
	if (p->kind == K_GRAD && !p->loss_line)
		return fail(r, r->lineno, "missing 'loss' line before the blocks");
	if (p->act_line && !p->type->has_activation)
		return fail(r, p->act_line,
			    "architecture '%s' takes no 'activation' line",
			    p->type->name);
	double total = bt_cell_param_count(p->type, p->dims);
	if (total > (double)BT_MAX_NUMBERS)
		return fail(r, p->dims_line,
			    "dims %zu %zu %zu give %.0f parameters, more than 10^9",
			    p->dims.d, p->dims.n, p->dims.m, total);
	/* every number takes at least two bytes (a digit and a separator): a
	 * large model that the file is too short to hold is refused before
	 * anything is allocated (small ones are read, and refused where the file
	 * ends) */
	if (r->size >= 0 && 2 * total > r->size && total > BIG_ALLOC)
		return fail(r, p->dims_line,
			    "dims %zu %zu %zu need %.0f numbers, but the file has only %.0f bytes",
			    p->dims.d, p->dims.n, p->dims.m, total, r->size);
	double limit = bt_memory_limit();
	if (limit > 0 && 8 * total > limit) {
		char need[32], lim[32];
		bt_format_bytes(8 * total, need, sizeof need);
		bt_format_bytes(limit, lim, sizeof lim);
		return fail(r, p->dims_line,
			    "dims %zu %zu %zu give %.0f parameters, %s, more than the memory limit of %s",
			    p->dims.d, p->dims.n, p->dims.m, total, need, lim);
	}
	int st = bt_model_alloc(&p->model, p->type, p->dims,
				p->act_line ? (bt_activation)p->activation : BT_ACT_TANH);
	if (st != BT_OK) {
		fail(r, p->dims_line, "cannot allocate the model: %s", bt_strerror(st));
		return st;
	}
	p->model->loss = (bt_loss_kind)p->loss_kind;
	/* the parameters count towards the file's 10^9 numbers */
	p->numbers = p->model->nparams;
	r->held = 8.0 * (double)p->numbers;
	return BT_OK;
}

static int header_line(reader *r, parsed *p, const char *key, int nblocks_seen)
{
	long *slot = !strcmp(key, "arch") ? &p->arch_line
		   : !strcmp(key, "dims") ? &p->dims_line
		   : !strcmp(key, "activation") ? &p->act_line
		   : &p->loss_line;
	if (nblocks_seen)
		return fail(r, r->lineno,
			    "header line '%s' after the first block", key);
	if (p->kind == K_DATA)
		return fail(r, r->lineno, "a data file has no '%s' line", key);
	if (*slot)
		return fail(r, r->lineno, "repeated '%s' line (first at line %ld)",
			    key, *slot);
	size_t want = slot == &p->dims_line ? 4 : 2;
	if (r->nf != want)
		return fail(r, r->lineno, "'%s' takes %zu value%s, found %zu", key,
			    want - 1, want == 2 ? "" : "s", r->nf - 1);
	*slot = r->lineno;
	const char *v = r->fields[1];
	if (slot == &p->arch_line) {
		p->type = bt_cell_lookup(v);
		if (!p->type)
			return fail(r, r->lineno, "unknown architecture '%s'", shown(r, v));
	} else if (slot == &p->act_line) {
		p->activation = bt_activation_from_name(v);
		if (p->activation < 0)
			return fail(r, r->lineno,
				    "unknown activation '%s' (tanh, relu, sigmoid, identity)", shown(r, v));
	} else if (slot == &p->loss_line && p->kind == K_MODEL) {
		p->loss_kind = bt_loss_from_name(v);
		if (p->loss_kind < 0)
			return fail(r, r->lineno,
				    "unknown loss '%s' (squared, cross-entropy)", shown(r, v));
	} else if (slot == &p->loss_line) {
		return parse_number(r, v, &p->loss);
	} else {
		static const char *const what[3] = {"input size d", "hidden size n",
						    "output size m"};
		size_t *dst[3] = {&p->dims.d, &p->dims.n, &p->dims.m};
		for (int i = 0; i < 3; i++)
			if (parse_size(r, r->fields[1 + i], what[i], BT_MAX_DIM,
				       dst[i]) != BT_OK)
				return BT_EFORMAT;
	}
	return BT_OK;
}

/* A block's header line NAME ROWS COLS: its name and sizes, checked
 * against the file's 10^9 numbers and the memory limit (count = rows·cols). */
static int block_head(reader *r, const parsed *p, char *name, size_t size,
		      size_t *rows, size_t *cols)
{
	if (r->nf != 3)
		return fail(r, r->lineno,
			    "expected a block header 'NAME ROWS COLS' or a header line, found '%s' with %zu field%s",
			    shown(r, r->fields[0]), r->nf, r->nf == 1 ? "" : "s");
	/* as messages show it: a name that is cut or escaped is no block's */
	snprintf(name, size, "%s", shown(r, r->fields[0]));
	long line = r->lineno;
	if (parse_size(r, r->fields[1], "the row count", BT_MAX_T, rows) != BT_OK ||
	    parse_size(r, r->fields[2], "the column count", BT_MAX_DIM, cols) != BT_OK)
		return BT_EFORMAT;
	double count = (double)*rows * (double)*cols;
	if ((double)p->numbers + count > (double)BT_MAX_NUMBERS)
		return fail(r, line, "block '%s' would bring the file past 10^9 numbers",
			    name);
	double limit = bt_memory_limit(), bytes = 8 * ((double)p->numbers + count);
	if (limit > 0 && bytes > limit) {
		char need[32], lim[32];
		bt_format_bytes(bytes, need, sizeof need);
		bt_format_bytes(limit, lim, sizeof lim);
		return fail(r, line,
			    "block '%s' (%zu×%zu) brings the file's numbers to %s, more than the memory limit of %s",
			    name, *rows, *cols, need, lim);
	}
	return BT_OK;
}

/* Data block di (X, Y, M; a gradient file's X) declared at line: checked
 * against the blocks before it and the file's size, then allocated (*dst). */
static int data_block(reader *r, parsed *p, int di, const char *name,
		      long line, size_t rows, size_t cols, double **dst)
{
	double count = (double)rows * (double)cols;
	if (p->arr_line[di])
		return fail(r, line, "repeated block '%s' (first at line %ld)",
			    name, p->arr_line[di]);
	if (p->kind == K_GRAD && cols != p->dims.d)
		return fail(r, line, "block 'X' has %zu columns, but d is %zu",
			    cols, p->dims.d);
	if (di == 2 && cols != 1)
		return fail(r, line, "block 'M' has %zu columns, expected 1", cols);
	for (int j = 0; j < 3; j++)
		if (p->arr_line[j] && p->rows[j] != rows)
			return fail(r, line,
				    "block '%s' has %zu rows, but block '%s' (line %ld) has %zu",
				    name, rows, data_names[j], p->arr_line[j], p->rows[j]);
	double here = r->offset;
	if (r->size >= 0 && 2 * count > r->size - here &&
	    count > BIG_ALLOC)
		return fail(r, line,
			    "block '%s' declares %zu×%zu numbers, but only %.0f bytes of the file remain",
			    name, rows, cols, r->size - here);
	p->arr[di] = bt_big_malloc((size_t)count * sizeof(double));
	if (!p->arr[di]) {
		fail(r, line, "out of memory for block '%s' (%zu×%zu)", name,
		     rows, cols);
		return BT_ENOMEM;
	}
	p->arr_line[di] = line;
	p->rows[di] = rows;
	p->cols[di] = cols;
	*dst = p->arr[di];
	return BT_OK;
}

/* A parameter block of the model declared at line: known to the
 * architecture, not seen before, of the shape dims make it (*dst: its
 * place in θ). */
static int param_block(reader *r, parsed *p, const char *name, long line,
		       size_t rows, size_t cols, double **dst)
{
	if (p->kind == K_DATA)
		return fail(r, line, "unknown block '%s' (a data file has X, Y and M)",
			    name);
	int bi = bt_model_find_block(p->model, name);
	if (bi < 0)
		return fail(r, line, "unknown block '%s' for architecture '%s'",
			    name, p->type->name);
	if (p->seen[bi])
		return fail(r, line, "repeated block '%s' (first at line %ld)",
			    name, p->seen[bi]);
	const bt_block *b = &p->model->blocks[bi];
	if (b->rows != rows || b->cols != cols)
		return fail(r, line,
			    "block '%s' is %zu×%zu here, but dims %zu %zu %zu make it %zu×%zu",
			    name, rows, cols, p->dims.d, p->dims.n, p->dims.m,
			    b->rows, b->cols);
	p->seen[bi] = line;
	*dst = p->model->theta + b->offset;
	return BT_OK;
}

/* A block: its header line (the current line), then its rows. */
static int block(reader *r, parsed *p)
{
	char name[BT_SHOWN_SIZE];
	long line = r->lineno;
	size_t rows, cols;
	int st = block_head(r, p, name, sizeof name, &rows, &cols);
	if (st != BT_OK)
		return st;
	/* where do the numbers go? */
	int di = -1;
	if (p->kind != K_MODEL)
		for (int i = 0; i < (p->kind == K_DATA ? 3 : 1); i++)
			if (!strcmp(name, data_names[i]))
				di = i;
	double *dst = NULL;
	st = di >= 0 ? data_block(r, p, di, name, line, rows, cols, &dst)
		     : param_block(r, p, name, line, rows, cols, &dst);
	if (st != BT_OK)
		return st;
	p->numbers += (size_t)((double)rows * (double)cols);
	r->held = 8.0 * (double)p->numbers;
	return read_rows(r, name, line, rows, cols, dst, di == 2 && p->kind == K_DATA);
}

/* Opens r->path for reading, with a buffer of 256 KiB (a read(2) per 4 KiB
 * is most of the time the system spends on a file of megabytes), and
 * notes its size. */
static int reader_open(reader *r)
{
	r->maxline = LINE_BASE;
	do
		r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	while (r->fd < 0 && errno == EINTR && !bt_cancel_requested());
	if (r->fd < 0) {
		if (errno == EINTR) {
			set_error(r->err, r->path, 0, "interrupted while opening");
			return BT_ECANCELED;
		}
		set_error(r->err, r->path, 0, "cannot open: %s", strerror(errno));
		return BT_EIO;
	}
	r->iobuf = malloc(IO_BUF);
	if (!r->iobuf) {
		close(r->fd);
		set_error(r->err, r->path, 0, "out of memory");
		return BT_ENOMEM;
	}
	struct stat sb;
	r->size = (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode)) ? (double)sb.st_size : -1;
	return BT_OK;
}

static void reader_close(reader *r)
{
	free(r->line);
	free(r->fields);
	close(r->fd);
	free(r->iobuf);
}

void bt_textio_data_lines(long lines[3])
{
	memcpy(lines, data_lines, sizeof data_lines);
}

void bt_textio_line_use(size_t *buffer, size_t *allowed)
{
	*buffer = peak_buffer;
	*allowed = peak_allowed;
	peak_buffer = peak_allowed = 0;
}

/* The first content line: the header 'bptt-KIND 1'. What is wrong with
 * one that is not is said: a byte order mark, line ends of a carriage
 * return alone, another version, something after the version. */
static int read_magic(reader *r, enum kind kind)
{
	int k = next_line(r);
	if (k == 0)
		return fail(r, r->lineno > 0 ? r->lineno : 1,
			    "empty file: expected the header '%s 1'", kind_word[kind]);
	if (k < 0)
		return BT_EFORMAT;
	const char *w = r->fields[0];
	if (!strncmp(w, "\xef\xbb\xbf", 3))
		return fail(r, r->lineno, "the file starts with a UTF-8 byte order mark "
			    "(bytes EF BB BF) before '%s 1': save it without one", kind_word[kind]);
	for (size_t i = 0; i < r->nf; i++)
		if (strchr(r->fields[i], '\r'))
			return fail(r, r->lineno, "the lines end with a carriage return alone "
				    "(CR, not LF or CR LF): convert the line ends to LF");
	int which = -1;
	for (int i = 0; i < 3; i++)
		if (!strcmp(w, kind_word[i]))
			which = i;
	if (which < 0)
		return fail(r, r->lineno, "expected the header '%s 1', found '%s'",
			    kind_word[kind], shown(r, w));
	if (which != (int)kind)
		return fail(r, r->lineno, "this is a %s file, not a %s file",
			    kind_noun[which], kind_noun[kind]);
	if (r->nf == 1)
		return fail(r, r->lineno, "the header '%s' has no version: expected '%s 1'",
			    w, kind_word[kind]);
	if (strcmp(r->fields[1], "1"))
		return fail(r, r->lineno, "unsupported version '%s': this reader knows '%s 1'",
			    shown(r, r->fields[1]), kind_word[kind]);
	if (r->nf > 2)
		return fail(r, r->lineno, "'%s' after the header '%s 1': the header line "
			    "holds nothing else", shown(r, r->fields[2]), kind_word[kind]);
	return BT_OK;
}

/* The lines after the header to the end of the file: header lines, then
 * blocks (*nblocks of them). */
static int read_body(reader *r, parsed *p, int *nblocks)
{
	int st = BT_OK, k = 0;
	while (st == BT_OK && (k = next_line(r)) > 0) {
		const char *w = r->fields[0];
		if (!strcmp(w, "arch") || !strcmp(w, "dims") ||
		    !strcmp(w, "activation") || !strcmp(w, "loss")) {
			st = header_line(r, p, w, *nblocks);
			continue;
		}
		if ((*nblocks)++ == 0 && (st = finish_header(r, p, 0)) != BT_OK)
			break;
		st = block(r, p);
	}
	if (st == BT_OK && k < 0)
		st = BT_EFORMAT;
	return st;
}

/* At the end of the file (reported at its last line): the header done
 * when there were no blocks, and every block the kind needs present. */
static int check_complete(reader *r, parsed *p, int nblocks)
{
	long last = r->lineno > 0 ? r->lineno : 1;
	r->lineno = last;
	int st = BT_OK;
	if (nblocks == 0)
		st = finish_header(r, p, 1);
	if (st == BT_OK && p->model)
		for (size_t i = 0; i < p->model->nblocks && st == BT_OK; i++)
			if (!p->seen[i])
				st = fail(r, last, "missing block '%s' (%zu×%zu)",
					  p->model->blocks[i].name,
					  p->model->blocks[i].rows,
					  p->model->blocks[i].cols);
	if (st == BT_OK && p->kind == K_DATA) {
		if (!p->arr_line[0])
			st = fail(r, last, "missing block 'X' (T×d inputs)");
		else if (!p->arr_line[1])
			st = fail(r, last, "missing block 'Y' (T×m targets)");
	}
	if (st == BT_OK && p->kind == K_GRAD && !p->arr_line[0])
		st = fail(r, last, "missing block 'X' (T×d, ∂L/∂x_t)");
	return st;
}

static int parse(const char *path, enum kind kind, parsed *p, bt_error *err)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	reader r = {.path = path, .err = err};
	int st = reader_open(&r);
	if (st != BT_OK)
		return st;
	int nblocks = 0;
	st = read_magic(&r, kind);
	if (st == BT_OK)
		st = read_body(&r, p, &nblocks);
	if (st == BT_OK)
		st = check_complete(&r, p, nblocks);
	reader_close(&r);
	if (st != BT_OK && r.status)
		st = r.status;
	if (st != BT_OK)
		parsed_free(p);
	return st;
}

int bt_model_read(bt_model **out, const char *path, bt_error *err)
{
	parsed p;
	*out = NULL;
	int st = parse(path, K_MODEL, &p, err);
	if (st != BT_OK)
		return st;
	*out = p.model;
	return BT_OK;
}

int bt_data_read(bt_data **out, const char *path, bt_error *err)
{
	parsed p;
	*out = NULL;
	int st = parse(path, K_DATA, &p, err);
	if (st != BT_OK)
		return st;
	bt_data *d = calloc(1, sizeof *d);
	if (!d) {
		parsed_free(&p);
		set_error(err, path, 0, "out of memory");
		return BT_ENOMEM;
	}
	memcpy(data_lines, p.arr_line, sizeof data_lines);
	d->T = p.rows[0];
	d->d = p.cols[0];
	d->m = p.cols[1];
	d->X = p.arr[0];
	d->Y = p.arr[1];
	d->M = p.arr[2];
	*out = d;
	return BT_OK;
}

int bt_grad_read(bt_model **grad, double *loss, double **dX, size_t *T_out,
		 const char *path, bt_error *err)
{
	parsed p;
	*grad = NULL;
	*dX = NULL;
	int st = parse(path, K_GRAD, &p, err);
	if (st != BT_OK)
		return st;
	*grad = p.model;
	*loss = p.loss;
	*dX = p.arr[0];
	*T_out = p.rows[0];
	return BT_OK;
}

/* ---- writers ------------------------------------------------------------------------- */

/* Numbers are formatted into a buffer of 256 KiB and written with one
 * fwrite when it fills: bt_numio_format writes the bytes of "%.17g",
 * several times faster than fprintf. */
typedef struct {
	FILE *f;
	size_t n;
	char buf[IO_BUF];
} outbuf;

static void out_flush(outbuf *o)
{
	if (o->n)
		fwrite(o->buf, 1, o->n, o->f);
	o->n = 0;
}

/* Row by row; stops (returning BT_ECANCELED) when cancelling is asked for,
 * so that a long write is interrupted too. */
static int write_matrix(FILE *f, const char *name, const double *a,
			size_t rows, size_t cols)
{
	outbuf *o = malloc(sizeof *o);
	if (!o)
		return BT_ENOMEM;
	o->f = f;
	o->n = 0;
	fprintf(f, "%s %zu %zu\n", name, rows, cols);
	int st = BT_OK;
	for (size_t i = 0; i < rows && st == BT_OK; i++) {
		if (bt_cancel_requested()) {
			st = BT_ECANCELED;
			break;
		}
		for (size_t j = 0; j < cols; j++) {
			if (o->n > IO_BUF - BT_NUMIO_BUF)
				out_flush(o);
			o->n += bt_numio_format(o->buf + o->n, a[i * cols + j]);
			o->buf[o->n++] = j + 1 < cols ? ' ' : '\n';
		}
	}
	out_flush(o);
	free(o);
	return st;
}

static void write_model_header(FILE *f, const char *word, const bt_model *m)
{
	fprintf(f, "%s 1\narch %s\ndims %zu %zu %zu  # d n m\n", word,
		m->type->name, m->dims.d, m->dims.n, m->dims.m);
	if (m->type->has_activation)
		fprintf(f, "activation %s\n", bt_activation_name(m->activation));
	/* a model's loss when it is not the default (a gradient file's `loss`
	 * line is its value) */
	if (!strcmp(word, "bptt-model") && m->loss != BT_LOSS_SQUARED)
		fprintf(f, "loss %s\n", bt_loss_name(m->loss));
}

static int write_blocks(FILE *f, const bt_model *m, const double *base)
{
	int st = BT_OK;
	for (size_t i = 0; st == BT_OK && i < m->nblocks; i++)
		st = write_matrix(f, m->blocks[i].name, base + m->blocks[i].offset,
				  m->blocks[i].rows, m->blocks[i].cols);
	return st;
}

int bt_model_write(FILE *f, const bt_model *model)
{
	write_model_header(f, "bptt-model", model);
	int st = write_blocks(f, model, model->theta);
	return st ? st : ferror(f) ? BT_EIO : BT_OK;
}

int bt_data_write(FILE *f, const bt_data *data)
{
	fprintf(f, "bptt-data 1\n");
	int st = write_matrix(f, "X", data->X, data->T, data->d);
	if (st == BT_OK)
		st = write_matrix(f, "Y", data->Y, data->T, data->m);
	if (st == BT_OK && data->M)
		st = write_matrix(f, "M", data->M, data->T, 1);
	return st ? st : ferror(f) ? BT_EIO : BT_OK;
}

int bt_grad_write(FILE *f, const bt_model *model, double loss,
		  const double *grad, const double *dX, size_t T)
{
	write_model_header(f, "bptt-grad", model);
	char num[BT_NUMIO_BUF];
	bt_numio_format(num, loss);
	fprintf(f, "loss %s\n", num);
	int st = write_blocks(f, model, grad);
	if (st == BT_OK)
		st = write_matrix(f, "X", dX, T, model->dims.d);
	return st ? st : ferror(f) ? BT_EIO : BT_OK;
}
