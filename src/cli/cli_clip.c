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
	FORCE_OPT,
	HELP_OPT_END};

/* The gradient to clip: read from --grad FILE, or computed here. */
typedef struct {
	bt_model *m;          /* the model, or the gradient in its layout */
	double loss;
	double *g, *dX;       /* dL/dtheta (m's theta when read), dL/dX */
	size_t T;
	const char *file;     /* --grad FILE, or NULL */
} clip_source;

static void gradient_to_clip(const cli_args *args, clip_source *s)
{
	s->loss = 0;
	s->dX = NULL;
	s->T = 0;
	s->file = arg_get(args, "--grad");
	if (s->file) {
		static const char *const clash[] = {"--model", "--data", "--arch",
			"--input", "--hidden", "--output", "--activation", "--scale",
			"--radius", "--orthogonal", "--forget-bias", "--loss", "--seed", "--length",
			"--data-seed", "--truncate", NULL};
		refuse_given(args, clash, "not with --grad FILE (the gradient is read, not computed)");
		bt_error e;
		if (bt_grad_read(&s->m, &s->loss, &s->dX, &s->T, s->file, &e) != BT_OK)
			die_error(&e);
		own_model(s->m);
		own_mem(s->dX);
		s->g = s->m->theta;
		return;
	}
	task_plan plan = {TASK_GRADIENT, 1};
	s->m = build_model(args, plan);
	bt_data *d = build_data(args, s->m, plan);
	size_t k = arg_count(args, "--truncate", 0, 1, ULLONG_MAX);
	s->T = d->T;
	s->g = xmalloc(s->m->nparams * sizeof(double));
	s->dX = xmalloc(s->T * s->m->dims.d * sizeof(double));
	numeric_fault_at(bt_gradient(s->m, d, k, &s->loss, s->g, s->dX), "clip", s->m, d, k);
	release(d);
}

/* The report's row, with its header, on standard output. */
static void clip_report(const clip_source *s, int by_norm, double c,
			const bt_clip_result *r)
{
	const bt_model *m = s->m;
	printf("# method threshold norm_before norm_after cosine changed parameters\n");
	printf("# gradient %s%s: arch %s, d %zu, n %zu, m %zu, T %zu\n",
	       s->file ? "file " : "computed", s->file ? s->file : "",
	       bt_cell_name(m->type), m->dims.d, m->dims.n, m->dims.m, s->T);
	printf("# norms over all parameters at once; the X block (dL/dx) is never clipped; cosine = cos(g, g~)\n");
	printf("%s ", by_norm ? "norm" : "value");
	put_num(stdout, c, 0);
	put_num(stdout, r->norm_before, 0);
	put_num(stdout, r->norm_after, 0);
	put_num(stdout, r->cosine, 0);
	printf("%zu %zu\n", r->changed, m->nparams);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write failed on standard output");
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

	clip_source s;
	gradient_to_clip(args, &s);
	size_t n = s.m->nparams;
	double *out = xmalloc(n * sizeof(double));
	bt_clip_result r;
	int st = by_norm ? bt_clip_norm(s.g, n, c, out, &r) : bt_clip_value(s.g, n, c, out, &r);
	if (st == BT_ENUMERIC)
		die("the gradient's norm is beyond the largest double; nothing written");
	numeric_fault(st, "clip");
	if (o)
		write_grad(o, s.m, s.loss, out, s.dX, s.T);
	clip_report(&s, by_norm, c, &r);
	if (!s.file)
		release(s.g);
	release(out);
	release(s.dX);
	release(s.m);
	return 0;
}

const command cmd_clip = {"clip",
	 "(--grad FILE | --model FILE [--data FILE] [--truncate k] | --arch NAME [sizes, init options]) (--norm c | --value c) [-o FILE [--force]]",
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
