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

/* ---- options ----------------------------------------------------------- */

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

const char *get(const char *name)
{
	int k = opt_index(current, name);
	return k >= 0 ? values[k] : NULL;
}

const char *need(const char *name)
{
	const char *v = get(name);
	if (!v)
		die_usage("missing %s", name);
	return v;
}

/* A whole number in [lo, hi]. */
unsigned long long get_count(const char *name, unsigned long long dflt,
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

double get_real(const char *name, double dflt, double lo, double hi)
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

bt_model *load_model(void)
{
	bt_model *m;
	bt_error e;
	if (bt_model_read(&m, need("--model"), &e) != BT_OK)
		die_error(&e);
	return own_model(m);
}

bt_data *load_data(const bt_model *m)
{
	bt_data *d;
	bt_error e;
	const char *path = need("--data");
	if (bt_data_read(&d, path, &e) != BT_OK)
		die_error(&e);
	own_data(d);
	if (m && d->d != m->dims.d)
		die("%s: X has %zu columns, but the model's input size d is %zu",
		    path, d->d, m->dims.d);
	if (m && d->m != m->dims.m)
		die("%s: Y has %zu columns, but the model's output size m is %zu",
		    path, d->m, m->dims.m);
	return d;
}

void write_out(bt_write_fn fn, const void *ctx)
{
	bt_error e;
	if (bt_write_atomic(get("-o"), fn, ctx, &e) != BT_OK)
		die_error(&e);
}

/* ---- a model and data for the instruments --------------------------------
 * Either --model FILE [--data FILE] or a model built here from --arch …
 * and random inputs of --length T. */

/* A new model from --arch, the sizes (required, or defaults d = 4, n = 16,
 * m = 2) and the init options of the running subcommand. */
bt_model *model_from_options(int sizes_required)
{
	bt_dims dflt = {4, 16, 2};
	return model_from_options_sized(sizes_required, dflt);
}

bt_model *model_from_options_sized(int sizes_required, bt_dims dflt)
{
	const char *arch = need("--arch");
	const bt_cell_type *type = bt_cell_lookup(arch);
	if (!type) {
		char names[512] = "";
		for (size_t i = 0; i < bt_cell_count(); i++) {
			strncat(names, " ", sizeof names - strlen(names) - 1);
			strncat(names, bt_cell_name(bt_cell_at(i)), sizeof names - strlen(names) - 1);
		}
		die_usage("--arch: unknown architecture '%s'; one of:%s", arch, names);
	}
	if (sizes_required) {
		need("--input");
		need("--hidden");
		need("--output");
	}
	bt_dims dims;
	dims.d = get_count("--input", dflt.d, 1, BT_MAX_DIM);
	dims.n = get_count("--hidden", dflt.n, 1, BT_MAX_DIM);
	dims.m = get_count("--output", dflt.m, 1, BT_MAX_DIM);
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
	const char *structure = get("--structure");
	if (structure) {
		if (!strcmp(structure, "normal"))
			opt.structure = BT_STRUCTURE_NORMAL;
		else if (!strcmp(structure, "nonnormal"))
			opt.structure = BT_STRUCTURE_NONNORMAL;
		else
			die_usage("--structure: unknown structure '%s' (normal, nonnormal)", structure);
		if (!bt_cell_single_w(type))
			die_usage("--structure: architecture '%s' has no single recurrent matrix W "
				  "to shape (rnn, linear, residual, attention have one)", arch);
		if (opt.scale > 0)
			die_usage("--structure and --scale: the eigenvalues' modulus is --radius R");
		if (opt.orthogonal)
			die_usage("--structure and --orthogonal: give one of them, not both");
	}
	if (get("--nonnormality") && opt.structure != BT_STRUCTURE_NONNORMAL)
		die_usage("--nonnormality: only with --structure nonnormal");
	opt.nonnormality = get_real("--nonnormality", opt.nonnormality, 0.0, 1e6);
	/* the whole task, before anything is allocated (the data's length is
	 * known here only when it is built: --length) */
	need_planned(type, dims, get("--data") ? 1 : get_count("--length", 100, 1, BT_MAX_T));
	if (bt_cell_param_count(type, dims) > (double)BT_MAX_NUMBERS)
		die("sizes d=%zu n=%zu m=%zu give %.0f parameters, more than a file may hold (10^9)",
		    dims.d, dims.n, dims.m, bt_cell_param_count(type, dims));
	bt_model *m;
	int st = bt_model_alloc(&m, type, dims, (bt_activation)act);
	own_model(m);
	if (st == BT_OK)
		st = bt_model_init(m, &opt);
	if (st != BT_OK)
		die("cannot build the model: %s", bt_strerror(st));
	return m;
}

bt_model *build_model(void)
{
	if (get("--model")) {
		static const char *const clash[] = {"--arch", "--input", "--hidden", "--output",
			"--activation", "--scale", "--radius", "--orthogonal", "--forget-bias", "--seed",
			"--structure", "--nonnormality"};
		for (size_t i = 0; i < sizeof clash / sizeof clash[0]; i++)
			if (get(clash[i]))
				die_usage("%s: give either --model FILE or a model to build, not both", clash[i]);
		return load_model();
	}
	if (!get("--arch"))
		die_usage("missing --model FILE (or --arch NAME to build one)");
	return model_from_options(0);
}

bt_data *build_data(const bt_model *m)
{
	if (get("--data")) {
		if (get("--length") || get("--data-seed"))
			die_usage("--length/--data-seed: give either --data FILE or random data, not both");
		bt_data *d = load_data(m);
		need_task(m, d->T);
		return d;
	}
	size_t T = get_count("--length", 100, 1, BT_MAX_T);
	unsigned long seed = get_count("--data-seed", 1, 0, ULONG_MAX);
	bt_data *d;
	if ((double)T * (double)(m->dims.d + m->dims.m) > (double)BT_MAX_NUMBERS)
		die("--length %zu: more than 10^9 numbers of data", T);
	need_task(m, T);
	if (bt_data_alloc(&d, T, m->dims.d, m->dims.m, 0) != BT_OK)
		die("cannot allocate the data");
	own_data(d);
	bt_data_random(d, seed);
	return d;
}

void describe(FILE *f, const bt_model *m, const bt_data *d)
{
	fprintf(f, "# arch %s", bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		fprintf(f, " (%s)", bt_activation_name(m->activation));
	fprintf(f, ", d %zu, n %zu, m %zu, T %zu", m->dims.d, m->dims.n, m->dims.m, d->T);
	if (get("--model"))
		fprintf(f, ", model %s", get("--model"));
	if (get("--data"))
		fprintf(f, ", data %s", get("--data"));
	fputc('\n', f);
}

/* ---- running one subcommand ---------------------------------------------- */

/* The state as the process started: a harness may run several commands. */
void cli_reset(void)
{
	own_reset();
	current = NULL;
	values = NULL;
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
	const char *val[64] = {0};
	current = c;
	values = val;
	parse_options(c, argc, argv, val);
	set_memory_limit();
	signals_install();
	int rc = c->run(val);
	own_check_empty();
	return rc;
}
