/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c — the `bptt` command: argument parsing, the models and data the
 * subcommands share, running one subcommand; the library does the work.
 *
 * Exit status: 0 success, 1 a check that disagrees beyond its tolerance,
 * 2 bad arguments, a refused file, or a failure to compute or write. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "io/numio.h"
#include "io/textio.h"

/* ---- options ----------------------------------------------------------- */

#define MAX_OPTS 64

/* The values given, slot j for the table's row j (NULL: not given; a flag
 * given: "1"). */
struct cli_args {
	const command *c;
	const char *val[MAX_OPTS];
};

static void parse_options(cli_args *args, int argc, char **argv)
{
	const command *c = args->c;
	const char **val = args->val;
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
		if (k < 0 && a[0] != '-')
			/* a positional argument: the first unset slot whose
			 * name is not an option ("TASK") */
			for (int j = 0; c->opts[j].name; j++)
				if (c->opts[j].name[0] != '-' && !val[j]) {
					val[j] = a;
					k = -2;
					break;
				}
		if (k == -2)
			continue;
		if (k < 0) {
			if (a[0] == '-')
				die_usage("unknown option '%.*s'", (int)alen, a);
			die_usage("unexpected argument %s", quoted(a));
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

const char *arg_get(const cli_args *args, const char *name)
{
	for (int j = 0; args->c->opts[j].name; j++)
		if (!strcmp(args->c->opts[j].name, name))
			return args->val[j];
	return NULL;
}

const char *arg_need(const cli_args *args, const char *name)
{
	const char *v = arg_get(args, name);
	if (!v)
		die_usage("missing %s", name);
	return v;
}

const char *arg_first(const cli_args *args, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (arg_get(args, names[i]))
			return names[i];
	return NULL;
}

void refuse_given(const cli_args *args, const char *const *names,
		  const char *why)
{
	const char *given = arg_first(args, names);
	if (given)
		die_usage("%s: %s", given, why);
}

/* A seed: 1 to BT_SEED_MAX, so that two seeds never give the same
 * stream. */
#define SEED_MAX BT_SEED_MAX

static int is_seed(const char *name)
{
	size_t n = strlen(name);
	return n >= 4 && !strcmp(name + n - 4, "seed");
}

/* A valid number for a message: as given, or quoted() when it is long. */
static const char *shown_number(const char *v)
{
	return strlen(v) <= 40 ? v : quoted(v);
}

/* A whole number in [lo, hi]; an option named ...seed is a seed. */
unsigned long long arg_count(const cli_args *args, const char *name,
			     unsigned long long dflt, unsigned long long lo,
			     unsigned long long hi)
{
	const char *v = arg_get(args, name);
	if (!v)
		return dflt;
	unsigned long long x;
	if (bt_numio_parse_whole(v, &x) != 0)
		die_usage("%s: %s is not a whole number (decimal digits)", name, quoted(v));
	if (is_seed(name) && (x == 0 || x > SEED_MAX))
		die_usage("%s: %s is not a seed: 1 to %llu (the generator, MT19937, keeps 32 bits "
			  "of a seed and takes 0 as 4357)", name, quoted(v), SEED_MAX);
	if (x < lo || x > hi)
		die_usage("%s: %s is out of range (%llu to %llu)", name, shown_number(v), lo, hi);
	return x;
}

double arg_real(const cli_args *args, const char *name, double dflt,
		double lo, double hi)
{
	const char *v = arg_get(args, name);
	if (!v)
		return dflt;
	double x;
	if (parse_real(v, &x) != 0)
		die_usage("%s: %s is not a finite number", name, quoted(v));
	if (x < lo || x > hi)
		die_usage("%s: %s is out of range (%g to %g)", name, shown_number(v), lo, hi);
	return x;
}

bt_model *load_model(const cli_args *args)
{
	bt_model *m;
	bt_error e;
	if (bt_model_read(&m, arg_need(args, "--model"), &e) != BT_OK)
		die_error(&e);
	return own_model(m);
}

bt_data *load_data(const cli_args *args, const bt_model *m)
{
	bt_data *d;
	bt_error e;
	const char *path = arg_need(args, "--data");
	if (bt_data_read(&d, path, &e) != BT_OK)
		die_error(&e);
	own_data(d);
	long lines[3];
	bt_textio_data_lines(lines);
	snprintf(e.file, sizeof e.file, "%s", path);
	if (m && d->d != m->dims.d) {
		e.line = lines[0];
		snprintf(e.msg, sizeof e.msg, "block 'X' has %zu columns, but the model's "
			 "input size d is %zu", d->d, m->dims.d);
		die_error(&e);
	}
	if (m && d->m != m->dims.m) {
		e.line = lines[1];
		snprintf(e.msg, sizeof e.msg, "block 'Y' has %zu columns, but the model's "
			 "output size m is %zu", d->m, m->dims.m);
		die_error(&e);
	}
	return d;
}

/* ---- a model and data for the instruments --------------------------------
 * Either --model FILE [--data FILE] or a model built here from --arch …
 * and random inputs of --length T. */

/* A new model from --arch, the sizes (required, or defaults d = 4, n = 16,
 * m = 2) and the init options of the running subcommand. */
bt_model *model_from_options(const cli_args *args, int sizes_required)
{
	bt_dims dflt = {4, 16, 2};
	return model_from_options_sized(args, sizes_required, dflt, PLAN_MODEL);
}

/* --arch NAME: its record, or a refusal listing them all. */
static const bt_cell_type *arch_from_options(const cli_args *args)
{
	const char *arch = arg_need(args, "--arch");
	const bt_cell_type *type = bt_cell_lookup(arch);
	if (!type) {
		char names[512] = "";
		for (size_t i = 0; i < bt_cell_count(); i++) {
			strncat(names, " ", sizeof names - strlen(names) - 1);
			strncat(names, bt_cell_name(bt_cell_at(i)), sizeof names - strlen(names) - 1);
		}
		die_usage("--arch: unknown architecture %s; one of:%s", quoted(arch), names);
	}
	return type;
}

/* --seed, --scale, --radius, --orthogonal, --forget-bias, --structure and
 * --nonnormality for architecture arch (type). */
static void init_from_options(const cli_args *args, const bt_cell_type *type,
			      const char *arch, bt_init_options *opt)
{
	bt_init_options_default(opt);
	opt->seed = arg_count(args, "--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	opt->scale = arg_real(args, "--scale", 0.0, 1e-300, 1e6);
	opt->radius = arg_real(args, "--radius", 0.0, 1e-300, 1e6);
	if (opt->scale > 0 && opt->radius > 0)
		die_usage("--scale and --radius: give one of them, not both");
	if ((opt->scale > 0 || opt->radius > 0) && !bt_cell_takes_scale(type))
		die_usage("--scale/--radius: the recurrent matrix of '%s' is orthogonal by construction", arch);
	opt->orthogonal = arg_get(args, "--orthogonal") != NULL;
	opt->forget_bias = arg_real(args, "--forget-bias", opt->forget_bias, -1e6, 1e6);
	const char *structure = arg_get(args, "--structure");
	if (structure) {
		if (!strcmp(structure, "normal"))
			opt->structure = BT_STRUCTURE_NORMAL;
		else if (!strcmp(structure, "nonnormal"))
			opt->structure = BT_STRUCTURE_NONNORMAL;
		else
			die_usage("--structure: unknown structure %s (normal, nonnormal)", quoted(structure));
		if (!bt_cell_single_w(type))
			die_usage("--structure: architecture '%s' has no single recurrent matrix W "
				  "to shape (rnn, linear, residual, attention have one)", arch);
		if (opt->scale > 0)
			die_usage("--structure and --scale: the eigenvalues' modulus is --radius R");
		if (opt->orthogonal)
			die_usage("--structure and --orthogonal: give one of them, not both");
	}
	if (arg_get(args, "--nonnormality") && opt->structure != BT_STRUCTURE_NONNORMAL)
		die_usage("--nonnormality: only with --structure nonnormal");
	opt->nonnormality = arg_real(args, "--nonnormality", opt->nonnormality, 0.0, 1e6);
}

bt_model *model_from_options_sized(const cli_args *args, int sizes_required,
				   bt_dims dflt, task_plan plan)
{
	const bt_cell_type *type = arch_from_options(args);
	const char *arch = arg_get(args, "--arch");
	if (sizes_required) {
		arg_need(args, "--input");
		arg_need(args, "--hidden");
		arg_need(args, "--output");
	}
	bt_dims dims;
	dims.d = arg_count(args, "--input", dflt.d, 1, BT_MAX_DIM);
	dims.n = arg_count(args, "--hidden", dflt.n, 1, BT_MAX_DIM);
	dims.m = arg_count(args, "--output", dflt.m, 1, BT_MAX_DIM);
	int act = BT_ACT_TANH;
	const char *a = arg_get(args, "--activation");
	if (a) {
		if (!bt_cell_has_activation(type))
			die_usage("--activation: architecture '%s' takes no activation", arch);
		if ((act = bt_activation_from_name(a)) < 0)
			die_usage("--activation: unknown activation %s (tanh, relu, sigmoid, identity)", quoted(a));
	}
	bt_init_options opt;
	init_from_options(args, type, arch, &opt);
	/* the whole task, before anything is allocated (the data's length is
	 * known here only when it is built: --length) */
	need_plan(plan, type, dims, arg_get(args, "--data") ? 1
			 : arg_count(args, "--length", 100, 1, BT_MAX_T));
	if (bt_cell_param_count(type, dims) > (double)BT_MAX_NUMBERS)
		die("sizes d=%zu n=%zu m=%zu give %.0f parameters, more than a file may hold (10^9)",
		    dims.d, dims.n, dims.m, bt_cell_param_count(type, dims));
	int loss = BT_LOSS_SQUARED;
	const char *ls = arg_get(args, "--loss");
	if (ls && (loss = bt_loss_from_name(ls)) < 0)
		die_usage("--loss: unknown loss %s (squared, cross-entropy)", quoted(ls));
	bt_model *m;
	int st = bt_model_alloc(&m, type, dims, (bt_activation)act);
	own_model(m);
	if (st == BT_OK)
		m->loss = (bt_loss_kind)loss;
	if (st == BT_OK)
		st = bt_model_init(m, &opt);
	if (st != BT_OK)
		die("cannot build the model: %s", bt_strerror(st));
	return m;
}

bt_model *build_model(const cli_args *args, task_plan plan)
{
	if (arg_get(args, "--model")) {
		static const char *const clash[] = {"--arch", "--input", "--hidden", "--output",
			"--activation", "--scale", "--radius", "--orthogonal", "--forget-bias", "--seed", "--loss",
			"--structure", "--nonnormality", NULL};
		refuse_given(args, clash, "give either --model FILE or a model to build, not both");
		return load_model(args);
	}
	if (!arg_get(args, "--arch"))
		die_usage("missing --model FILE (or --arch NAME to build one)");
	bt_dims dflt = {4, 16, 2};
	return model_from_options_sized(args, 0, dflt, plan);
}

bt_data *build_data(const cli_args *args, const bt_model *m, task_plan plan)
{
	if (arg_get(args, "--data")) {
		if (arg_get(args, "--length") || arg_get(args, "--data-seed"))
			die_usage("--length/--data-seed: give either --data FILE or random data, not both");
		bt_data *d = load_data(args, m);
		need_plan(plan, m->type, m->dims, d->T);
		return d;
	}
	size_t T = arg_count(args, "--length", 100, 1, BT_MAX_T);
	unsigned long seed = arg_count(args, "--data-seed", 1, 0, ULONG_MAX);
	bt_data *d;
	if ((double)T * (double)(m->dims.d + m->dims.m) > (double)BT_MAX_NUMBERS)
		die("--length %zu: more than 10^9 numbers of data", T);
	need_plan(plan, m->type, m->dims, T);
	if (bt_data_alloc(&d, T, m->dims.d, m->dims.m, 0) != BT_OK)
		die("cannot allocate the data");
	own_data(d);
	bt_data_random(d, seed);
	return d;
}

void describe(FILE *f, const cli_args *args, const bt_model *m,
	      const bt_data *d)
{
	fprintf(f, "# arch %s", bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		fprintf(f, " (%s)", bt_activation_name(m->activation));
	fprintf(f, ", d %zu, n %zu, m %zu, T %zu", m->dims.d, m->dims.n, m->dims.m, d->T);
	if (arg_get(args, "--model"))
		fprintf(f, ", model %s", arg_get(args, "--model"));
	if (arg_get(args, "--data"))
		fprintf(f, ", data %s", arg_get(args, "--data"));
	fputc('\n', f);
}

void check_outputs(const cli_args *args)
{
	static const char *const names[] = {"-o", "--curve"};
	const char *paths[2];
	size_t n = 0;
	for (size_t i = 0; i < 2; i++)
		if (arg_get(args, names[i]))
			paths[n++] = arg_get(args, names[i]);
	bt_error e;
	bt_outputs_force(arg_get(args, "--force") != NULL);
	if (n && bt_outputs_check(paths, n, &e) != BT_OK)
		die_error(&e);
}

/* ---- running one subcommand ---------------------------------------------- */

/* The state as the process started: a harness may run several commands. */
void cli_reset(void)
{
	own_reset();
	bt_outputs_force(0);
	memlimit_reset();
	signals_reset();
}

/* Parses argv (the words after the subcommand's name), sets the memory
 * limit, the signal handlers and the progress hook, and runs c. */
int cli_run(const command *c, int argc, char **argv)
{
	static char name[64];
	snprintf(name, sizeof name, "bptt %s", c->name);
	cli_set_name(name);
	cli_args args = {c, {0}};
	size_t nopts = 0;
	while (c->opts[nopts].name)
		nopts++;
	if (nopts > MAX_OPTS) {
		fprintf(stderr, "%s: internal error: more than %d options\n", name, MAX_OPTS);
		abort();
	}
	parse_options(&args, argc, argv);
	check_outputs(&args);
	set_memory_limit();
	signals_install();
	int rc = c->run(&args);
	own_check_empty();
	/* a report printed on standard output: written, or said so */
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		die("(standard output): write failed: %s",
		    errno ? strerror(errno) : "an earlier write failed");
	return rc;
}
