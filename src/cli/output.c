/* SPDX-License-Identifier: GPL-3.0-or-later */
/* output.c — what the command writes, and the messages for what the
 * library refuses or fails to compute: numbers as the files have them, a
 * refused file (die_error), a non-finite value traced to its step and
 * block, a cancelled computation. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "io/numio.h"

void die_error(const bt_error *e)
{
	if (bt_cancel_requested())
		die_interrupted();
	const char *hint = strstr(e->msg, "memory limit") ? memory_limit_source() : NULL;
	if (e->line > 0)
		fprintf(stderr, "%s:%ld: %s", e->file, e->line, e->msg);
	else
		fprintf(stderr, "%s: %s", e->file, e->msg);
	if (hint)
		fprintf(stderr, " (%s)", hint);
	fputc('\n', stderr);
	cli_exit(EXIT_BAD);
}

void numeric_fault(int st, const char *what)
{
	if (st == BT_ECANCELED)
		die_interrupted();
	drop_stdout();
	/* "in flow --lags", not "in flow" when the command is bptt flow */
	const char *cmdname = cli_name();
	char in[80] = "";
	if (strcmp(what, cmdname + (strncmp(cmdname, "bptt ", 5) ? 0 : 5)))
		snprintf(in, sizeof in, " in %s", what);
	if (st == BT_ENUMERIC)
		die("a non-finite value appeared%s (the state or the loss "
		    "overflowed); nothing written", in);
	if (st != BT_OK)
		die("%s failed: %s", what, bt_strerror(st));
}

static const char *value_name(double x)
{
	return isnan(x) ? "NaN" : x > 0 ? "inf" : "-inf";
}

void numeric_fault_at(int st, const char *what, const bt_model *m,
		      const bt_data *d, size_t k)
{
	bt_fault f;
	if (st == BT_OK)
		return;
	if (st != BT_ENUMERIC || !m || !d)
		numeric_fault(st, what);
	int lst = bt_fault_locate(m, d, k, &f);
	if (lst == BT_ECANCELED)
		die_interrupted();
	if (lst != BT_OK || f.pass == BT_FAULT_NONE)
		numeric_fault(st, what);
	drop_stdout();
	char entry[96] = "", origin[160] = "";
	if (f.count > 1)
		snprintf(entry, sizeof entry, "entry %zu of %zu is %s", f.index,
			 f.count, value_name(f.value));
	else
		snprintf(entry, sizeof entry, "%s", value_name(f.value));
	if (f.pass == BT_FAULT_FORWARD && f.block[0])
		snprintf(origin, sizeof origin,
			 ", through the parameter block %s (with %s zero the step stays finite)",
			 f.block, f.block);
	else if (f.pass == BT_FAULT_BACKWARD && f.term)
		snprintf(origin, sizeof origin,
			 ", the loss term at step %zu going back through its window of %zu",
			 f.term, k);
	die("a non-finite value first appeared at step %zu in the %s (%s; %s pass%s)%s; nothing written",
	    f.step, f.quantity, entry,
	    f.pass == BT_FAULT_FORWARD ? "forward" : "backward",
	    f.pass == BT_FAULT_BACKWARD ? ", the forward pass is finite" : "", origin);
}

void put_num(FILE *f, double x, int last)
{
	if (isnan(x))
		fputs("NaN", f);
	else if (isinf(x))
		fputs(x > 0 ? "inf" : "-inf", f);
	else {
		/* bt_numio_format: the bytes of "%.17g", several times faster */
		char buf[BT_NUMIO_BUF];
		fwrite(buf, 1, bt_numio_format(buf, x), f);
	}
	fputc(last ? '\n' : ' ', f);
}

void write_out(const char *path, bt_write_fn fn, const void *ctx)
{
	bt_error e;
	if (bt_write_atomic(path, fn, ctx, &e) != BT_OK)
		die_error(&e);
}

typedef struct {
	const bt_model *m;
	double loss;
	const double *g, *dX;
	size_t T;
} grad_ctx;

static int grad_writer(FILE *f, const void *ctx)
{
	const grad_ctx *c = ctx;
	return bt_grad_write(f, c->m, c->loss, c->g, c->dX, c->T);
}

void write_grad(const char *path, const bt_model *m, double loss,
		const double *g, const double *dX, size_t T)
{
	grad_ctx c = {m, loss, g, dX, T};
	write_out(path, grad_writer, &c);
}

int model_writer(FILE *f, const void *model)
{
	return bt_model_write(f, model);
}

int data_writer(FILE *f, const void *data)
{
	return bt_data_write(f, data);
}
