/* cli.c — the `bptt` command: argument parsing and messages only; the
 * library does the work.
 *
 * Exit status: 0 success, 1 a check that disagrees beyond its tolerance,
 * 2 bad arguments, a refused file, or a failure to compute or write. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cblas.h>
#include "bt.h"

#define EXIT_DISAGREE 1
#define EXIT_BAD 2

/* ---- options ----------------------------------------------------------- */

typedef struct {
	const char *name;     /* "--truncate", or "-o" */
	const char *metavar;  /* NULL for a flag */
	const char *help;
} optdef;

typedef struct {
	const char *name;
	const char *synopsis;
	const char *about;
	const optdef *opts;
	int (*run)(const char **val);
} command;

static const char *cmdname = "bptt";

static void die_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", cmdname);
	exit(EXIT_BAD);
}

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_BAD);
}

static void die_error(const bt_error *e)
{
	if (e->line > 0)
		fprintf(stderr, "%s:%ld: %s\n", e->file, e->line, e->msg);
	else
		fprintf(stderr, "%s: %s\n", e->file, e->msg);
	exit(EXIT_BAD);
}

static void parse_options(const command *c, int argc, char **argv,
			  const char **val)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *eq = NULL;
		size_t alen = strlen(a);
		if (a[0] == '-' && a[1] == '-' && (eq = strchr(a, '=')))
			alen = (size_t)(eq - a);
		int k = -1;
		for (int j = 0; c->opts[j].name; j++)
			if (strlen(c->opts[j].name) == alen &&
			    !strncmp(c->opts[j].name, a, alen))
				k = j;
		if (k < 0) {
			if (a[0] == '-')
				die_usage("unknown option '%.*s'", (int)alen, a);
			die_usage("unexpected argument '%s'", a);
		}
		if (val[k])
			die_usage("option %s given twice", c->opts[k].name);
		if (!c->opts[k].metavar) {
			if (eq)
				die_usage("option %s takes no value", c->opts[k].name);
			val[k] = "1";
		} else if (eq) {
			val[k] = eq + 1;
		} else {
			if (i + 1 >= argc)
				die_usage("option %s needs a value (%s)",
					  c->opts[k].name, c->opts[k].metavar);
			val[k] = argv[++i];
		}
	}
}

static int opt_index(const command *c, const char *name)
{
	for (int j = 0; c->opts[j].name; j++)
		if (!strcmp(c->opts[j].name, name))
			return j;
	return -1;
}

static const command *current;
static const char **values;

static const char *get(const char *name)
{
	int k = opt_index(current, name);
	return k >= 0 ? values[k] : NULL;
}

static const char *need(const char *name)
{
	const char *v = get(name);
	if (!v)
		die_usage("missing %s", name);
	return v;
}

/* A whole number in [lo, hi]. */
static unsigned long long get_count(const char *name, unsigned long long dflt,
				    unsigned long long lo, unsigned long long hi)
{
	const char *v = get(name);
	if (!v)
		return dflt;
	char *end;
	errno = 0;
	if (!*v || strchr(v, '-') || strchr(v, ' '))
		die_usage("%s: '%s' is not a whole number", name, v);
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || errno)
		die_usage("%s: '%s' is not a whole number", name, v);
	if (x < lo || x > hi)
		die_usage("%s: %s is out of range (%llu to %llu)", name, v, lo, hi);
	return x;
}

static double get_real(const char *name, double dflt, double lo, double hi)
{
	const char *v = get(name);
	if (!v)
		return dflt;
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	if (!*v || *end || errno || !isfinite(x))
		die_usage("%s: '%s' is not a finite number", name, v);
	if (x < lo || x > hi)
		die_usage("%s: %s is out of range (%g to %g)", name, v, lo, hi);
	return x;
}

static bt_model *load_model(void)
{
	bt_model *m;
	bt_error e;
	if (bt_model_read(&m, need("--model"), &e) != BT_OK)
		die_error(&e);
	return m;
}

static bt_data *load_data(const bt_model *m)
{
	bt_data *d;
	bt_error e;
	const char *path = need("--data");
	if (bt_data_read(&d, path, &e) != BT_OK)
		die_error(&e);
	if (m && d->d != m->dims.d)
		die("%s: X has %zu columns, but the model's input size d is %zu",
		    path, d->d, m->dims.d);
	if (m && d->m != m->dims.m)
		die("%s: Y has %zu columns, but the model's output size m is %zu",
		    path, d->m, m->dims.m);
	return d;
}

static void write_out(bt_write_fn fn, const void *ctx)
{
	bt_error e;
	if (bt_write_atomic(get("-o"), fn, ctx, &e) != BT_OK)
		die_error(&e);
}

static void numeric_fault(int st, const char *what)
{
	if (st == BT_ENUMERIC)
		die("%s: a non-finite value appeared (the state or the loss "
		    "overflowed); nothing written", what);
	if (st != BT_OK)
		die("%s failed: %s", what, bt_strerror(st));
}

/* ---- bptt init -------------------------------------------------------- */

static const optdef init_opts[] = {
	{"--arch", "NAME", "architecture (see the list below)"},
	{"--input", "d", "input size"},
	{"--hidden", "n", "hidden size"},
	{"--output", "m", "output size"},
	{"--seed", "S", "random seed (default 20140901); same seed, same bytes"},
	{"--activation", "F", "tanh (default), relu, sigmoid or identity; rnn and residual only"},
	{"--scale", "G", "rescale every recurrent matrix so that its largest singular value s_max is exactly G"},
	{"--radius", "R", "rescale every recurrent matrix so that its spectral radius is exactly R (not with --scale)"},
	{"--orthogonal", NULL, "recurrent matrices Haar-random orthogonal (QR of a Gaussian matrix, sign-fixed) instead of N(0, 1/n)"},
	{"--forget-bias", "B", "lstm: initial forget-gate bias b_f (default 1)"},
	{"-o", "FILE", "write the model to FILE (atomically) instead of standard output"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

static int model_writer(FILE *f, const void *ctx)
{
	return bt_model_write(f, ctx);
}

static int run_init(const char **val)
{
	(void)val;
	const char *arch = need("--arch");
	const bt_cell_type *type = bt_cell_lookup(arch);
	if (!type) {
		fprintf(stderr, "%s: --arch: unknown architecture '%s'; one of:", cmdname, arch);
		for (size_t i = 0; i < bt_cell_count(); i++)
			fprintf(stderr, " %s", bt_cell_name(bt_cell_at(i)));
		fputc('\n', stderr);
		return EXIT_BAD;
	}
	bt_dims dims;
	need("--input");
	need("--hidden");
	need("--output");
	dims.d = get_count("--input", 0, 1, BT_MAX_DIM);
	dims.n = get_count("--hidden", 0, 1, BT_MAX_DIM);
	dims.m = get_count("--output", 0, 1, BT_MAX_DIM);
	int act = BT_ACT_TANH;
	const char *a = get("--activation");
	if (a) {
		if (!bt_cell_has_activation(type))
			die_usage("--activation: architecture '%s' takes no activation", arch);
		if ((act = bt_activation_from_name(a)) < 0)
			die_usage("--activation: unknown activation '%s' (tanh, relu, sigmoid, identity)", a);
	}
	bt_init_options opt;
	bt_init_options_default(&opt);
	opt.seed = get_count("--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	opt.scale = get_real("--scale", 0.0, 1e-300, 1e6);
	opt.radius = get_real("--radius", 0.0, 1e-300, 1e6);
	if (opt.scale > 0 && opt.radius > 0)
		die_usage("--scale and --radius: give one of them, not both");
	if ((opt.scale > 0 || opt.radius > 0) && !bt_cell_takes_scale(type))
		die_usage("--scale/--radius: the recurrent matrix of '%s' is orthogonal by construction", arch);
	opt.orthogonal = get("--orthogonal") != NULL;
	opt.forget_bias = get_real("--forget-bias", opt.forget_bias, -1e6, 1e6);
	if (bt_cell_param_count(type, dims) > (double)BT_MAX_NUMBERS)
		die("sizes d=%zu n=%zu m=%zu give %.0f parameters, more than a file may hold (10^9)",
		    dims.d, dims.n, dims.m, bt_cell_param_count(type, dims));
	bt_model *m;
	int st = bt_model_alloc(&m, type, dims, (bt_activation)act);
	if (st != BT_OK)
		die("cannot create the model: %s", bt_strerror(st));
	if ((st = bt_model_init(m, &opt)) != BT_OK)
		die("cannot initialise the model: %s (is the matrix zero?)", bt_strerror(st));
	write_out(model_writer, m);
	bt_model_free(m);
	return 0;
}

/* ---- bptt data ----------------------------------------------------------- */

static const optdef data_opts[] = {
	{"--input", "d", "input size"},
	{"--output", "m", "output size"},
	{"--length", "T", "sequence length"},
	{"--seed", "S", "random seed (default 20140901)"},
	{"--mask", NULL, "add a loss mask M: each step counts with probability 3/4"},
	{"-o", "FILE", "write the data to FILE (atomically) instead of standard output"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

static int data_writer(FILE *f, const void *ctx)
{
	return bt_data_write(f, ctx);
}

static int run_data(const char **val)
{
	(void)val;
	need("--input");
	need("--output");
	need("--length");
	size_t d = get_count("--input", 0, 1, BT_MAX_DIM);
	size_t m = get_count("--output", 0, 1, BT_MAX_DIM);
	size_t T = get_count("--length", 0, 1, BT_MAX_T);
	unsigned long seed = get_count("--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	if ((double)T * (double)(d + m + 1) > (double)BT_MAX_NUMBERS)
		die("--length %zu with d = %zu and m = %zu: more than 10^9 numbers", T, d, m);
	bt_data *data;
	int mask = get("--mask") != NULL;
	if (bt_data_alloc(&data, T, d, m, mask) != BT_OK)
		die("cannot allocate %zu×(%zu+%zu) numbers", T, d, m);
	bt_data_random(data, seed);
	if (mask) {
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(r, seed + 1);
		for (size_t t = 0; t < T; t++)
			data->M[t] = gsl_rng_uniform(r) < 0.75 ? 1.0 : 0.0;
		gsl_rng_free(r);
	}
	write_out(data_writer, data);
	bt_data_free(data);
	return 0;
}

/* ---- bptt grad ------------------------------------------------------------ */

static const optdef grad_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data (X, Y, optional mask M)"},
	{"--truncate", "k", "truncated BPTT: each loss term sends gradients back through its last k states (k >= 1; k >= T is full BPTT)"},
	{"-o", "FILE", "write the gradient to FILE (atomically) instead of standard output"},
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

static int run_grad(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	size_t k = get_count("--truncate", 0, 1, ULLONG_MAX);
	double *g = malloc(m->nparams * sizeof(double));
	double *dX = malloc(d->T * d->d * sizeof(double));
	if (!g || !dX)
		die("out of memory");
	grad_ctx c = {m, 0, g, dX, d->T};
	numeric_fault(bt_gradient(m, d, k, &c.loss, g, dX), "grad");
	write_out(grad_writer, &c);
	free(g);
	free(dX);
	bt_model_free(m);
	bt_data_free(d);
	return 0;
}

/* ---- bptt check ------------------------------------------------------------- */

static const optdef check_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data"},
	{"--rtol", "R", "relative tolerance (default 1e-6)"},
	{"--atol", "A", "absolute tolerance (default 1e-8 * max(1, |L|))"},
	{"--step", "H", "relative step: h = H * max(1, |theta_i|) (default eps^(1/3), or eps^(1/5) with --order 4)"},
	{"--order", "2|4", "central differences (2, default) or the five-point stencil (4)"},
	{"--directions", "N", "instead of every entry, check N random directions v: g.v against (L(theta+hv) - L(theta-hv))/2h (for big models)"},
	{"--seed", "S", "seed of the random directions"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

static void shape(char *buf, size_t len, size_t r, size_t c)
{
	snprintf(buf, len, "%zux%zu", r, c);
}

static int run_check(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	bt_check_options opt;
	bt_check_options_default(&opt);
	opt.rtol = get_real("--rtol", opt.rtol, 0, 1);
	opt.atol = get_real("--atol", opt.atol, 0, DBL_MAX);
	if (!get("--atol"))
		opt.atol = -1;
	opt.order = (int)get_count("--order", 2, 2, 4);
	if (opt.order == 3)
		die_usage("--order: 3 is not 2 or 4");
	opt.step = get_real("--step", 0, 0, 1);
	if (get("--step") && opt.step == 0)
		die_usage("--step: must be positive");
	opt.seed = get_count("--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	printf("bptt check: %s (%s", get("--model"), bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		printf(", %s", bt_activation_name(m->activation));
	printf(", d=%zu n=%zu m=%zu) on %s (T=%zu)\n", m->dims.d, m->dims.n,
	       m->dims.m, get("--data"), d->T);
	int ok;
	if (get("--directions")) {
		opt.directions = get_count("--directions", 4, 1, 64);
		bt_check_dir_result r;
		numeric_fault(bt_gradcheck_directional(m, d, &opt, &r), "check");
		printf("exact gradient g against a central difference of L along %zu random unit directions v\n",
		       r.ndir);
		printf("%-10s %-24s %-24s %-12s %s\n", "direction", "g.v (BPTT)",
		       "finite difference", "rel error", "verdict");
		for (size_t i = 0; i < r.ndir; i++)
			printf("%-10zu %-24.15g %-24.15g %-12.3g %s\n", i + 1,
			       r.exact[i], r.fd[i], r.rel[i],
			       r.agree[i] ? "ok" : "DISAGREE");
		ok = r.ok;
		printf("%s: largest relative error %.3g (rtol %g)\n",
		       ok ? "agree" : "DISAGREE", r.max_rel, opt.rtol);
	} else {
		bt_check_result r;
		numeric_fault(bt_gradcheck(m, d, &opt, &r), "check");
		printf("finite differences of order %d, step %.3g * max(1,|x|); an entry agrees when\n"
		       "|exact - fd| <= atol + rtol * max(|exact|,|fd|), with rtol %g, atol %.3g; loss %.17g\n",
		       opt.order, opt.step ? opt.step : (opt.order == 4 ? pow(DBL_EPSILON, 0.2) : cbrt(DBL_EPSILON)),
		       r.rtol, r.atol, r.loss);
		printf("%-6s %-10s %-12s %-12s %-12s %-24s %-24s %s\n", "block", "shape",
		       "max abs err", "max rel err", "worst at", "exact", "finite diff",
		       "verdict");
		for (size_t i = 0; i < r.nblocks; i++) {
			const bt_check_block *b = &r.blocks[i];
			char sh[48], at[48];
			shape(sh, sizeof sh, b->rows, b->cols);
			snprintf(at, sizeof at, "(%zu,%zu)", b->worst / b->cols + 1,
				 b->worst % b->cols + 1);
			printf("%-6s %-10s %-12.3g %-12.3g %-12s %-24.17g %-24.17g %s\n",
			       b->name, sh, b->max_abs, b->max_rel, at,
			       b->worst_exact, b->worst_fd, b->ok ? "ok" : "DISAGREE");
		}
		ok = r.ok;
		printf("%s\n", ok ? "every block agrees" : "DISAGREE: some blocks are beyond the tolerance");
	}
	bt_model_free(m);
	bt_data_free(d);
	return ok ? 0 : EXIT_DISAGREE;
}

/* ---- bptt flow ------------------------------------------------------------------ */

static const optdef flow_opts[] = {
	{"--model", "FILE", "the model"},
	{"--data", "FILE", "the data"},
	{"--truncate", "k", "truncated BPTT with windows of k states"},
	{"-o", "FILE", "write the columns to FILE (atomically) instead of standard output"},
	{"--help", NULL, "show this help"},
	{NULL, NULL, NULL}};

typedef struct {
	const bt_model *m;
	const bt_seq *q;
	size_t T;
	size_t k;
} flow_ctx;

static int flow_writer(FILE *f, const void *ctx)
{
	const flow_ctx *c = ctx;
	size_t n = c->m->dims.n;
	fprintf(f, "# backpropagated gradient norms, arch %s, T %zu, %s\n",
		bt_cell_name(c->m->type), c->T, c->k ? "truncated" : "full BPTT");
	if (c->k)
		fprintf(f, "# truncate %zu\n", c->k);
	fprintf(f, "# t norm_dh log10_norm_dh\n");
	for (size_t t = 1; t <= c->T; t++) {
		const double *dh = bt_seq_dstate(c->q, t);
		double nrm = cblas_dnrm2((int)n, dh, 1);
		if (nrm > 0)
			fprintf(f, "%zu %.17g %.17g\n", t, nrm, log10(nrm));
		else
			fprintf(f, "%zu 0 NaN\n", t);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

static int run_flow(const char **val)
{
	(void)val;
	bt_model *m = load_model();
	bt_data *d = load_data(m);
	size_t k = get_count("--truncate", 0, 1, ULLONG_MAX);
	bt_seq *q;
	double L;
	if (bt_seq_alloc(&q, m, d->T) != BT_OK)
		die("out of memory");
	numeric_fault(bt_seq_forward(q, m, d, &L), "flow");
	if (k && k < d->T)
		numeric_fault(bt_seq_backward_truncated(q, m, d, k, NULL, NULL), "flow");
	else
		numeric_fault(bt_seq_backward(q, m, d, NULL, NULL), "flow");
	flow_ctx c = {m, q, d->T, k && k < d->T ? k : 0};
	write_out(flow_writer, &c);
	bt_seq_free(q);
	bt_model_free(m);
	bt_data_free(d);
	return 0;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static const command commands[] = {
	{"init", "--arch NAME --input d --hidden n --output m [--seed S] [--activation F]\n"
	 "                 [--scale G | --radius R] [--orthogonal] [--forget-bias B] [-o FILE]",
	 "Write a new model with random parameters: recurrent matrices N(0, 1/n)\n"
	 "(spectral radius about 1) or Haar orthogonal, optionally rescaled to an\n"
	 "exact largest singular value (--scale) or spectral radius (--radius);\n"
	 "input and output matrices Glorot-normal N(0, 2/(fan_in + fan_out));\n"
	 "biases zero, except the LSTM's forget bias.",
	 init_opts, run_init},
	{"data", "--input d --output m --length T [--seed S] [--mask] [-o FILE]",
	 "Write random data: x_t and y_t i.i.d. N(0, 1).",
	 data_opts, run_data},
	{"grad", "--model FILE --data FILE [--truncate k] [-o FILE]",
	 "Compute the loss L = sum_t mu_t * 1/2 |yhat_t - y_t|^2 and its exact gradient by\n"
	 "backpropagation through time, for every parameter block and every input\n"
	 "x_t; write them as a bptt-grad file.",
	 grad_opts, run_grad},
	{"check", "--model FILE --data FILE [--rtol R] [--atol A] [--step H] [--order 2|4] [--directions N]",
	 "Compare the exact BPTT gradient with finite differences of the loss,\n"
	 "entry by entry, and print per block the largest absolute and relative\n"
	 "error and where it occurs. Exit status 1 when a block disagrees.",
	 check_opts, run_check},
	{"flow", "--model FILE --data FILE [--truncate k] [-o FILE]",
	 "Write the norm of the backpropagated gradient |dL/dh_t| for t = 1..T\n"
	 "(columns: t norm_dh log10_norm_dh).",
	 flow_opts, run_flow},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(const command *c)
{
	printf("usage: bptt %s %s\n\n%s\n\noptions:\n", c->name, c->synopsis, c->about);
	for (int j = 0; c->opts[j].name; j++) {
		char lhs[64];
		snprintf(lhs, sizeof lhs, "%s%s%s", c->opts[j].name,
			 c->opts[j].metavar ? " " : "",
			 c->opts[j].metavar ? c->opts[j].metavar : "");
		printf("  %-18s %s\n", lhs, c->opts[j].help);
	}
	if (!strcmp(c->name, "init")) {
		printf("\narchitectures:\n");
		for (size_t i = 0; i < bt_cell_count(); i++) {
			printf("  %-10s %s\n", bt_cell_name(bt_cell_at(i)),
			       bt_cell_summary(bt_cell_at(i)));
		}
	}
	printf("\nexit status: 0 success, %s2 bad arguments or a refused file\n",
	       !strcmp(c->name, "check") ? "1 a block disagrees, " : "");
}

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: bptt COMMAND [OPTIONS]\n\n"
		   "Exact gradients of recurrent networks by backpropagation through time.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  bptt %s %s\n", commands[i].name, commands[i].synopsis);
	fprintf(f, "\n'bptt COMMAND --help' explains each one. Exit status: 0 success,\n"
		   "1 a check that disagrees, 2 bad arguments or a refused file.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_main_help(stderr);
		return EXIT_BAD;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(argv[2], commands[i].name)) {
					print_help(&commands[i]);
					return 0;
				}
		print_main_help(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const command *c = &commands[i];
		if (strcmp(argv[1], c->name))
			continue;
		static char name[64];
		snprintf(name, sizeof name, "bptt %s", c->name);
		cmdname = name;
		const char *val[32] = {0};
		for (int j = 2; j < argc; j++)
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				print_help(c);
				return 0;
			}
		current = c;
		values = val;
		parse_options(c, argc - 2, argv + 2, val);
		return c->run(val);
	}
	fprintf(stderr, "bptt: unknown command '%s' (see 'bptt --help')\n", argv[1]);
	return EXIT_BAD;
}
