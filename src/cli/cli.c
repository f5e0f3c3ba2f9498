/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.c — the `bptt` command: argument parsing and messages only; the
 * library does the work.
 *
 * Exit status: 0 success, 1 a check that disagrees beyond its tolerance,
 * 2 bad arguments, a refused file, or a failure to compute or write. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "base/alloc.h"
#include "cli/cli.h"
#include "io/numio.h"

/* ---- options ----------------------------------------------------------- */

static const char *cmdname = "bptt";

void (*cli_exit_hook)(int status);

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

/* Frees everything still owned, the newest first. */
static void release_all(void)
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

void cli_exit(int status)
{
	release_all();
	if (cli_exit_hook)
		cli_exit_hook(status);
	exit(status);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", cmdname);
	cli_exit(EXIT_BAD);
}

void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_exit(EXIT_BAD);
}

/* Where the memory limit comes from, for messages. */
static const char default_limit_source[] = "the memory available; set BPTT_MAX_MEMORY to change it";
static const char *limit_source = default_limit_source;

void die_error(const bt_error *e)
{
	if (bt_cancel_requested())
		die_interrupted();
	const char *hint = strstr(e->msg, "memory limit") ? limit_source : NULL;
	if (e->line > 0)
		fprintf(stderr, "%s:%ld: %s", e->file, e->line, e->msg);
	else
		fprintf(stderr, "%s: %s", e->file, e->msg);
	if (hint)
		fprintf(stderr, " (%s)", hint);
	fputc('\n', stderr);
	cli_exit(EXIT_BAD);
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

void numeric_fault(int st, const char *what)
{
	if (st == BT_ECANCELED)
		die_interrupted();
	/* "in flow --lags", not "in flow" when the command is bptt flow */
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

/* ---- interrupts ---------------------------------------------------------
 * The first SIGINT (SIGTERM, SIGHUP) asks the library to stop at its next
 * poll; the command then says how far it got, leaves every output as it
 * was, and ends by the signal. A second one ends the command at once, if
 * it comes at least REPEAT_S seconds after the first: timeout(1) sends its
 * signal twice, to the process and then to its process group, and a
 * handler run between the two must not take that for a second request. */

#define REPEAT_S 0.5
static volatile sig_atomic_t got_signal;
static struct timespec first_signal;
static const char *prog_what;
static size_t prog_done, prog_total;
static char prog_context[160];

void progress_context(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prog_context, sizeof prog_context, fmt, ap);
	va_end(ap);
}

static void on_signal(int sig)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);   /* async-signal-safe */
	if (got_signal) {
		if ((double)(t.tv_sec - first_signal.tv_sec) +
		    1e-9 * (double)(t.tv_nsec - first_signal.tv_nsec) < REPEAT_S)
			return;   /* the same request, delivered twice */
		/* the second one: at once, but without a temporary file */
		bt_write_atomic_abort();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	first_signal = t;
	got_signal = sig;
	bt_cancel_request();
}

static int on_progress(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	prog_what = what;
	prog_done = done;
	prog_total = total;
	return 0;
}

int interrupted_by(void)
{
	return got_signal;
}

void die_interrupted(void)
{
	fprintf(stderr, "%s: interrupted", cmdname);
	if (prog_context[0])
		fprintf(stderr, " at %s", prog_context);
	if (prog_what)
		fprintf(stderr, " after %zu of %zu %s", prog_done, prog_total, prog_what);
	fprintf(stderr, "; nothing written\n");
	end_by_signal();
}

void die_interrupted_msg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: interrupted ", cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	end_by_signal();
}

void end_by_signal(void)
{
	int sig = got_signal ? got_signal : SIGINT;
	fflush(NULL);
	release_all();
	if (cli_exit_hook)
		cli_exit_hook(128 + sig);
	signal(sig, SIG_DFL);
	raise(sig);
	exit(128 + sig);
}

/* ---- memory --------------------------------------------------------------- */

void need_bytes(double bytes, const char *fmt, ...)
{
	double limit = bt_memory_limit();
	if (!(limit > 0) || bytes <= limit)
		return;
	char what[512], need[32], lim[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	bt_format_bytes(bytes, need, sizeof need);
	bt_format_bytes(limit, lim, sizeof lim);
	die("%s: this needs about %s of memory, more than the limit of %s (%s); "
	    "nothing done", what, need, lim, limit_source);
}

static int planned_task = BT_TASK_MODEL;
static size_t planned_sets = 1;

void plan_task(int task, size_t sets)
{
	planned_task = task;
	planned_sets = sets;
}

void need_task(const bt_model *m, size_t T)
{
	need_memory(m->type, m->dims, T, planned_sets, planned_task);
}

void need_memory(const bt_cell_type *type, bt_dims dims, size_t T,
		 size_t sets, int task)
{
	char sets_s[64] = "";
	if (sets > 1)
		snprintf(sets_s, sizeof sets_s, " x %zu data sets", sets);
	char T_s[96] = "";
	if (T)
		snprintf(T_s, sizeof T_s, ", T=%zu%s", T, sets_s);
	need_bytes(bt_memory_estimate(type, dims, T, sets, task),
		   "arch %s with d=%zu n=%zu m=%zu (%.0f parameters)%s",
		   bt_cell_name(type), dims.d, dims.n, dims.m,
		   bt_cell_param_count(type, dims), T_s);
}

/* BPTT_MAX_MEMORY: bytes, with K, M, G or T (powers of 1024, optionally
 * followed by B or iB), or "unlimited"; unset: the memory available. */
static void set_memory_limit(void)
{
	const char *v = getenv("BPTT_MAX_MEMORY");
	if (!v) {
		bt_set_memory_limit(bt_memory_available());
		return;
	}
	limit_source = "set by BPTT_MAX_MEMORY";
	if (!strcmp(v, "unlimited") || !strcmp(v, "0")) {
		bt_set_memory_limit(0);
		return;
	}
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
	if (*end && u) {
		x *= pow(1024.0, (double)(u - units + 1));
		end++;
		if (!strcmp(end, "B") || !strcmp(end, "iB"))
			end += strlen(end);
	} else if (!strcmp(end, "B")) {
		end++;
	}
	if (end == v || *end || errno || !isfinite(x) || !(x >= 1) || !strchr("0123456789.", *v))
		die("BPTT_MAX_MEMORY: '%s' is not a size (bytes, or a number with K, M, G "
		    "or T, e.g. 512M or 4G; or unlimited)", v);
	bt_set_memory_limit(x);
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
	need_memory(type, dims, get("--data") ? 1 : get_count("--length", 100, 1, BT_MAX_T),
		    planned_sets, planned_task);
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
/* ---- running one subcommand ---------------------------------------------- */

/* The state as the process started: a harness may run several commands. */
void cli_reset(void)
{
	cmdname = "bptt";
	current = NULL;
	values = NULL;
	nowns = 0;
	planned_task = BT_TASK_MODEL;
	planned_sets = 1;
	prog_what = NULL;
	prog_done = prog_total = 0;
	prog_context[0] = '\0';
	got_signal = 0;
	limit_source = default_limit_source;
}

/* Parses argv (the words after the subcommand's name), sets the memory
 * limit, the signal handlers and the progress hook, and runs c. */
int cli_run(const command *c, int argc, char **argv)
{
	static char name[64];
	snprintf(name, sizeof name, "bptt %s", c->name);
	cmdname = name;
	const char *val[64] = {0};
	current = c;
	values = val;
	parse_options(c, argc, argv, val);
	set_memory_limit();
	/* a signal ignored when the command started (nohup, a
	 * background job of a script) stays ignored */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t s = 0; s < sizeof sigs / sizeof sigs[0]; s++) {
		struct sigaction sa, old;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		/* a write blocked on a pipe or FIFO resumes (the flag
		 * is polled; an EINTR would fail the write) */
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[s], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[s], &sa, NULL);
	}
	bt_set_progress(on_progress, NULL);
	int rc = c->run(val);
	if (nowns) {
		fprintf(stderr, "%s: internal error: %zu objects not freed\n", cmdname, nowns);
		abort();
	}
	return rc;
}
