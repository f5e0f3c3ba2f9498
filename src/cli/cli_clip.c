/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_clip.c — bptt clip: global-norm and value clipping of a gradient,
 * from a file or computed here, with the norms and the cosine that show
 * what clipping did. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

static const optdef clip_opts[] = {
	{"--grad", "FILE", "the gradient to clip, a bptt-grad file (or compute one: --model/--arch below)"},
	{"--norm", "c", "global-norm clipping: g~ = min(1, c/|g|) g, |g| over all parameters at once"},
	{"--value", "c", "value clipping: every entry into [-c, c]"},
	{"--truncate", "k", "a computed gradient: truncated BPTT, window k (as bptt grad)"},
	SOURCE_OPTS,
	{"-o", "FILE", "also write the clipped gradient to FILE (atomically), a bptt-grad file: loss and X block unchanged"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

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

static int run_clip(const cli_args *args)
{
	const char *o = arg_get(args, "-o");
	if (o && !strcmp(o, "-"))
		die_usage("-o: the report goes to standard output; give the clipped gradient a file name");
	int by_norm = arg_get(args, "--norm") != NULL;
	if (by_norm == (arg_get(args, "--value") != NULL))
		die_usage("give one of --norm c or --value c");
	const char *which = by_norm ? "--norm" : "--value";
	double c = arg_real(args, which, 0, -INFINITY, INFINITY);
	if (!(c > 0))
		die_usage("%s: the threshold must be positive", which);

	bt_model *m;        /* the model, or the gradient in its layout */
	double loss = 0, *dX = NULL, *g;
	size_t T = 0;
	const char *source = arg_get(args, "--grad");
	if (source) {
		static const char *const clash[] = {"--model", "--data", "--arch",
			"--input", "--hidden", "--output", "--activation", "--scale",
			"--radius", "--orthogonal", "--forget-bias", "--seed", "--length",
			"--data-seed", "--truncate", NULL};
		refuse_given(args, clash, "not with --grad FILE (the gradient is read, not computed)");
		bt_error e;
		if (bt_grad_read(&m, &loss, &dX, &T, source, &e) != BT_OK)
			die_error(&e);
		own_model(m);
		own_mem(dX);
		g = m->theta;
	} else {
		plan_task(BT_TASK_GRADIENT, 1);
		m = build_model(args);
		bt_data *d = build_data(args, m);
		size_t k = arg_count(args, "--truncate", 0, 1, ULLONG_MAX);
		T = d->T;
		g = xmalloc(m->nparams * sizeof(double));
		dX = xmalloc(T * m->dims.d * sizeof(double));
		numeric_fault_at(bt_gradient(m, d, k, &loss, g, dX), "clip", m, d, k);
		release(d);
	}
	double *out = xmalloc(m->nparams * sizeof(double));
	bt_clip_result r;
	int st = by_norm ? bt_clip_norm(g, m->nparams, c, out, &r)
			 : bt_clip_value(g, m->nparams, c, out, &r);
	if (st == BT_ENUMERIC)
		die("the gradient's norm is beyond the largest double; nothing written");
	numeric_fault(st, "clip");
	if (o) {
		grad_ctx gc = {m, loss, out, dX, T};
		write_out(o, grad_writer, &gc);
	}
	printf("# method threshold norm_before norm_after cosine changed parameters\n");
	printf("# gradient %s%s: arch %s, d %zu, n %zu, m %zu, T %zu\n",
	       source ? "file " : "computed", source ? source : "",
	       bt_cell_name(m->type), m->dims.d, m->dims.n, m->dims.m, T);
	printf("# norms over all parameters at once; the X block (dL/dx) is never clipped; cosine = cos(g, g~)\n");
	printf("%s ", by_norm ? "norm" : "value");
	put_num(stdout, c, 0);
	put_num(stdout, r.norm_before, 0);
	put_num(stdout, r.norm_after, 0);
	put_num(stdout, r.cosine, 0);
	printf("%zu %zu\n", r.changed, m->nparams);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write failed on standard output");
	if (!source)
		release(g);
	release(out);
	release(dX);
	release(m);
	return 0;
}

const command cmd_clip = {"clip",
	 "(--grad FILE | --model FILE [--data FILE] [--truncate k] | --arch NAME [sizes, init options]) (--norm c | --value c) [-o FILE]",
	 "Clip a gradient, read from a bptt-grad file or computed here (full BPTT, or\n"
	 "--truncate k), and report what clipping did. --norm c is the spec's global-norm\n"
	 "clipping, g~ = min(1, c/|g|) g with |g| the Euclidean norm over all parameters\n"
	 "at once: the length changes, the direction does not (cosine 1), and a\n"
	 "gradient with |g| <= c is left exactly as it is. --value c clips every entry\n"
	 "into [-c, c], which bends the direction (cosine below 1). Only the parameter\n"
	 "blocks are clipped: the X block (dL/dx) and the loss are copied unchanged.\n"
	 "Standard output gets one row with columns method threshold norm_before\n"
	 "norm_after cosine changed parameters (entries changed, entries in all);\n"
	 "-o FILE also writes the clipped gradient as a bptt-grad file. Norms are\n"
	 "computed without overflow. Example (the seed's): |g| = 965 with --norm 10\n"
	 "gives norm 10 and cosine 1.",
	 clip_opts, run_clip};
