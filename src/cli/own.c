/* SPDX-License-Identifier: GPL-3.0-or-later */
/* own.c — what the command owns, and how it ends on a refusal: the
 * ownership arena (own/release), the command's name for its messages,
 * the syntax of numbers and values quoted in messages, standard output
 * held until a report is complete, cli_exit and its hook, die and
 * die_usage. Everything else in src/cli/ uses this file; it uses none of
 * them. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "io/textio.h"
#include "io/numio.h"

static const char *cmdname = "bptt";

void (*cli_exit_hook)(int status);

void cli_set_name(const char *name)
{
	cmdname = name;
}

const char *cli_name(void)
{
	return cmdname;
}

/* ---- ownership ------------------------------------------------------------ */

typedef struct {
	void *p;
	void (*free_fn)(void *);
} owned;
static owned owns[256];
static size_t nowns;

static void free_model(void *p) { bt_model_free(p); }
static void free_data(void *p) { bt_data_free(p); }

void *own_with(void *p, void (*free_fn)(void *))
{
	if (!p)
		return NULL;
	if (nowns == sizeof owns / sizeof owns[0]) {
		free_fn(p);
		die("internal error: more than %zu objects at once", nowns);
	}
	owns[nowns].p = p;
	owns[nowns].free_fn = free_fn;
	nowns++;
	return p;
}

void *own_mem(void *p) { return own_with(p, free); }
bt_model *own_model(bt_model *m) { return own_with(m, free_model); }
bt_data *own_data(bt_data *d) { return own_with(d, free_data); }

void release(void *p)
{
	if (!p)
		return;
	for (size_t i = nowns; i-- > 0;)
		if (owns[i].p == p) {
			owns[i].free_fn(p);
			memmove(owns + i, owns + i + 1, (nowns - i - 1) * sizeof owns[0]);
			nowns--;
			return;
		}
	fprintf(stderr, "%s: internal error: releasing %p, which is not owned\n", cmdname, p);
	abort();
}

void release_all(void)
{
	while (nowns > 0) {
		nowns--;
		owns[nowns].free_fn(owns[nowns].p);
	}
}

void *xmalloc(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);
	if (!p)
		die("out of memory (%zu bytes)", bytes);
	return own_mem(p);
}

void own_check_empty(void)
{
	if (nowns) {
		fprintf(stderr, "%s: internal error: %zu objects not freed\n", cmdname, nowns);
		abort();
	}
}

void own_reset(void)
{
	cmdname = "bptt";
	nowns = 0;
}

const char *quoted(const char *s)
{
	static char buf[4][BT_SHOWN_SIZE + 2];
	static unsigned next;
	char *b = buf[next++ % 4];
	b[0] = '\'';
	bt_text_shown(b + 1, s);
	/* the closing quote before the "..." of a cut token */
	size_t n = strlen(b);
	if (n >= 4 && !strcmp(b + n - 3, "...")) {
		memmove(b + n - 2, b + n - 3, 4);
		b[n - 3] = '\'';
	} else {
		b[n] = '\'';
		b[n + 1] = '\0';
	}
	return b;
}

/* ---- numbers ----------------------------------------------------------------
 * One syntax everywhere, the files' (docs/command.md): a whole number is
 * decimal digits and nothing else; a real number is what the readers take
 * (only 0-9 + - . e E, read whole by strtod, finite). */

int parse_real(const char *s, double *out)
{
	double x;
	if (bt_numio_parse(s, &x) != 0 || !isfinite(x))
		return -1;
	*out = x;
	return 0;
}

/* ---- standard output held ---------------------------------------------- */

void hold_stdout(void)
{
	static char buf[1 << 16];
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
}

void drop_stdout(void)
{
	__fpurge(stdout);
}

/* ---- ending on a refusal ------------------------------------------------ */

void cli_exit(int status)
{
	release_all();
	if (cli_exit_hook)
		cli_exit_hook(status);
	exit(status);
}

/* "bptt NAME: " and the message, on standard error. */
static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", cmdname);
	vfprintf(stderr, fmt, ap);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", cmdname);
	cli_exit(EXIT_BAD);
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_exit(EXIT_BAD);
}
