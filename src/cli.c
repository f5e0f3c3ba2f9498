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
#include "alloc.h"
#include "cli.h"
#include "numio.h"

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

/* ---- dispatch ------------------------------------------------------------------------ */

static const command *const commands[] = {
	&cmd_init, &cmd_data, &cmd_grad, &cmd_check, &cmd_flow, &cmd_jacobian,
	&cmd_spectrum,
	&cmd_lyapunov,
	&cmd_bias,
	&cmd_clip,
	&cmd_task,
	&cmd_train,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* ---- help text, at most 80 columns ---------------------------------------
 * Every line of --help fits in HELP_WIDTH columns, counted in characters
 * (a UTF-8 continuation byte takes no column). The tables keep their text
 * as it reads in bptt(1), which groff fills; these functions fill it for
 * the terminal. lessons/lesson.h has a copy of the filling (not of the
 * synopsis) for the lessons' help. */

#define HELP_WIDTH 80

static int text_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\n' || c == '\t';
}

/* Writes the words of s[a..b) from column *col: a run of blanks between
 * two words of one line is kept, one that holds a newline becomes one
 * blank (none before the first word written, *first), and where the next
 * word would pass HELP_WIDTH the line ends and the next starts with
 * indent blanks. */
static void put_words(FILE *f, const char *s, size_t a, size_t b, int *col,
		      int indent, int *first)
{
	size_t i = a;
	for (;;) {
		size_t gap_at = i;
		int newline = 0;
		while (i < b && is_blank(s[i]))
			newline |= s[i++] == '\n';
		if (i == b)
			return;
		size_t word = i;
		while (i < b && !is_blank(s[i]))
			i++;
		int w = text_width(s + word, i - word);
		int gap = newline ? 1 : (int)(word - gap_at);
		if (!*first && *col + gap + w > HELP_WIDTH) {
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
static int symbol_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalnum((unsigned char)w[i]) || (unsigned char)w[i] >= 0x80)
			return 0;
	return 1;
}

/* Follows the brackets a word opens and closes: *open of them are open,
 * and bit k of *keep says whether the k-th holds its line together: a '['
 * or a call's '(' ("N(0, s^2)"), not a parenthesis of prose. */
static void track_brackets(const char *w, size_t n, unsigned *keep, int *open)
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
 * already written up to there, filling lines to HELP_WIDTH, the lines after
 * the first indented by indent blanks (see put_words). A line does not
 * break next to a word of symbols ("a = b"), before a short word that
 * closes a bracket ("(default 1)"), nor inside brackets that keep together
 * ("N(0, s^2)", "[h; c]"), unless the words so held are wider than a line.
 * Ends the last line. */
static void put_fill(FILE *f, const char *s, size_t n, int col, int indent)
{
	size_t i = 0;
	int first = 1, open = 0;
	unsigned keep = 0;
	for (;;) {
		/* the next words that no break may part */
		size_t gap_at = i, start, end;
		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		start = i;
		int w = 0;
		for (;;) {
			size_t word = i;
			while (i < n && !is_blank(s[i]))
				i++;
			w += text_width(s + word, i - word);
			track_brackets(s + word, i - word, &keep, &open);
			end = i;
			size_t next = i;
			int newline = 0;
			while (next < n && is_blank(s[next]))
				newline |= s[next++] == '\n';
			size_t next_end = next;
			while (next_end < n && !is_blank(s[next_end]))
				next_end++;
			int next_w = text_width(s + next, next_end - next);
			if (next == n ||
			    !((keep & ((open < 32 ? 1u << open : 0u) - 1)) ||
			      symbol_word(s + word, i - word) ||
			      symbol_word(s + next, next_end - next) ||
			      (next_w <= 3 && (memchr(s + next, ')', next_end - next) ||
					       memchr(s + next, ']', next_end - next)))))
				break;
			w += newline ? 1 : (int)(next - i);
			i = next;
		}
		int gap = memchr(s + gap_at, '\n', start - gap_at) ? 1 : (int)(start - gap_at);
		if (!first && col + gap + w > HELP_WIDTH && indent + w <= HELP_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			gap_at = start;
			first = 1;
		}
		put_words(f, s, gap_at, end, &col, indent, &first);
		i = end;
	}
	fputc('\n', f);
}

/* The number of blanks that start s. */
static int indent_of(const char *s)
{
	int k = 0;
	while (s[k] == ' ')
		k++;
	return k;
}

/* Writes a free text, filled to HELP_WIDTH: a blank line stays a blank
 * line; lines that start unindented form a paragraph; an indented line
 * starts an item, continued by the lines indented further than it (whose
 * indent its wrapped lines take), or, when none follow, wrapped under its
 * second column (the text after a run of two blanks: "  name    text"). */
static void put_text(FILE *f, const char *s)
{
	while (*s) {
		const char *eol = s + strcspn(s, "\n");
		int ind = indent_of(s);
		if (s + ind == eol) {   /* a blank line */
			fputc('\n', f);
			s = *eol ? eol + 1 : eol;
			continue;
		}
		const char *end = eol;
		int hang = ind;
		while (*end) {   /* the lines that continue this one */
			const char *next = end + 1;
			int k = indent_of(next);
			if (next[k] == '\n' || !next[k] || (ind == 0 ? k != 0 : k <= ind))
				break;
			if (ind > 0 && end == eol)
				hang = k;
			end = next + strcspn(next, "\n");
		}
		if (ind > 0 && end == eol) {   /* an item alone: under its second column */
			const char *two = strstr(s + ind, "  ");
			if (two && two < eol) {
				const char *text = two + indent_of(two);
				if (text < eol)
					hang = text_width(s, (size_t)(text - s));
			}
		}
		fprintf(f, "%*s", ind, "");
		put_fill(f, s + ind, (size_t)(end - s - ind), ind, hang);
		s = *end ? end + 1 : end;
	}
}

/* One option (or another two-column entry): the left column from column 2,
 * the description from column col (on the next line when the left column
 * reaches it), wrapped under itself. */
static void put_entry(FILE *f, const char *lhs, int col, const char *text)
{
	int w = 2 + text_width(lhs, strlen(lhs));
	fprintf(f, "  %s", lhs);
	if (w + 1 > col) {
		fputc('\n', f);
		w = 0;
	}
	fprintf(f, "%*s", col - w, "");
	put_fill(f, text, strlen(text), col, col);
}

/* A synopsis breaks only before an option, a bracket or a '|' (not just
 * after one), outside brackets first: a group that no line can hold is
 * broken inside, between its alternatives ("a | b") first, then before any
 * option or bracket, one level of brackets at a time. s[a..b) is written
 * from *col (fresh: nothing yet after the line's lead), wrapped lines
 * starting at column hang; dep[i] is the number of brackets open at s[i];
 * level 2d breaks at depth d, level 2d - 1 at depth d before '|' only. */
static void syn_fill(FILE *f, const char *s, const unsigned char *dep, size_t a,
		     size_t b, int level, int *col, int hang, int *fresh)
{
	int depth = (level + 1) / 2;
	const char *at = level % 2 ? "|" : "[(-|";
	size_t u = a;
	while (u < b) {
		size_t e = u + 1;
		while (e < b && !(s[e] == ' ' && dep[e] == depth && s[e - 1] != '|' &&
				  strchr(at, s[e + 1])))
			e++;
		int w = text_width(s + u, e - u);
		if (*col + !*fresh + w <= HELP_WIDTH) {
			if (!*fresh)
				fputc(' ', f);
			*col += !*fresh;
		} else if (level < 16 && (*fresh || hang + w > HELP_WIDTH)) {
			syn_fill(f, s, dep, u, e, level + 1, col, hang, fresh);
			u = e + 1;
			continue;
		} else if (!*fresh) {
			fprintf(f, "\n%*s", hang, "");
			*col = hang;
		}
		fwrite(s + u, 1, e - u, f);
		*col += w;
		*fresh = 0;
		u = e + 1;
	}
}

/* The synopsis of c, one line per form (in the table a form after the
 * first starts on a line of its own with "bptt NAME"), wrapped: each form
 * is "bptt NAME ..." after lead (the first) or more (the others), its
 * wrapped lines indented by hang, or when hang is 0 aligned under the
 * form's first word after "bptt NAME". */
static void put_synopsis(FILE *f, const command *c, const char *lead,
			 const char *more, int hang)
{
	char form[1024];
	unsigned char dep[sizeof form];
	const char *s = c->synopsis;
	int n = 0;
	do {
		/* the form, every run of blanks made one blank */
		size_t k = 0;
		while (*s) {
			if (*s == '\n') {
				const char *t = s + indent_of(s + 1) + 1;
				size_t len = strlen(c->name);
				if (!strncmp(t, "bptt ", 5) && !strncmp(t + 5, c->name, len) &&
				    t[5 + len] == ' ') {
					s = t + 5 + len;
					s += indent_of(s);
					break;
				}
			}
			if (*s == ' ' || *s == '\n' || *s == '\t') {
				if (k && form[k - 1] != ' ' && k + 1 < sizeof form)
					form[k++] = ' ';
			} else if (k + 1 < sizeof form) {
				form[k++] = *s;
			}
			s++;
		}
		while (k && form[k - 1] == ' ')
			k--;
		form[k] = '\0';
		int d = 0;
		for (size_t i = 0; i < k; i++) {
			if (form[i] == ']' || form[i] == ')')
				d -= d > 0;
			dep[i] = (unsigned char)(d < 255 ? d : 255);
			if (form[i] == '[' || form[i] == '(')
				d++;
		}
		fprintf(f, "%sbptt %s ", n ? more : lead, c->name);
		int col = text_width(n ? more : lead, strlen(n ? more : lead)) + 6 +
			  text_width(c->name, strlen(c->name));
		int fresh = 1;
		syn_fill(f, form, dep, 0, k, 0, &col, hang ? hang : col, &fresh);
		fputc('\n', f);
		n++;
	} while (*s);
}

static void print_help(const command *c)
{
	put_synopsis(stdout, c, "usage: ", "       ", 0);
	putchar('\n');
	put_text(stdout, c->about);
	printf("\noptions:\n");
	for (int j = 0; c->opts[j].name; j++) {
		char lhs[64];
		if (c->opts[j].name[0] != '-' && c->opts[j].metavar)
			snprintf(lhs, sizeof lhs, "%s", c->opts[j].metavar);  /* a positional */
		else
			snprintf(lhs, sizeof lhs, "%s%s%s", c->opts[j].name,
				 c->opts[j].metavar ? " " : "",
				 c->opts[j].metavar ? c->opts[j].metavar : "");
		put_entry(stdout, lhs, 21, c->opts[j].help);
	}
	if (!strcmp(c->name, "init")) {
		printf("\narchitectures:\n");
		for (size_t i = 0; i < bt_cell_count(); i++)
			put_entry(stdout, bt_cell_name(bt_cell_at(i)), 13,
				  bt_cell_summary(bt_cell_at(i)));
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
		put_synopsis(f, commands[i], "  ", "  ", 6);
	fprintf(f, "\n'bptt COMMAND --help' explains each one. Exit status: 0 success,\n"
		   "1 a check that disagrees, 2 bad arguments or a refused file.\n");
}

/* ---- the man page and the bash completion, from the same table --------- */

/* Roff-escapes s: backslashes, hyphens, and a leading dot or quote. */
static void roff(FILE *f, const char *s)
{
	int bol = 1;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

/* The same, with every run of blanks and newlines made one blank. */
static void roff_flat(FILE *f, const char *s)
{
	char buf[1024];
	size_t k = 0;
	for (; *s && k + 1 < sizeof buf; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t') {
			if (k && buf[k - 1] != ' ')
				buf[k++] = ' ';
		} else {
			buf[k++] = *s;
		}
	}
	buf[k] = 0;
	roff(f, buf);
}

static void print_man(FILE *f)
{
	fprintf(f, ".\\\" bptt(1), written by `bptt --man` from the table that also\n"
		   ".\\\" gives `bptt COMMAND --help`, so the two cannot drift apart.\n"
		   ".TH BPTT 1 \"\" \"bptt %s\" \"bptt manual\"\n", bt_version());
	fprintf(f, ".SH NAME\nbptt \\- exact gradients of recurrent networks by backpropagation through time\n");
	fprintf(f, ".SH SYNOPSIS\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(f, ".B bptt %s\n", commands[i]->name);
		roff_flat(f, commands[i]->synopsis);
		fputs("\n.br\n", f);
	}
	fprintf(f, ".B bptt\n\\-\\-help | \\-\\-version\n");
	fprintf(f, ".SH DESCRIPTION\n"
		   "bptt instantiates recurrent networks (vanilla, linear, residual, orthogonal,\n"
		   "GRU, LSTM, attention), computes exact gradients by backpropagation through\n"
		   "time, full and truncated, checks them against finite differences, and\n"
		   "measures what governs gradient flow over time lags. Models, data and\n"
		   "gradients are text files described in\n.BR bptt\\-files (5);\n"
		   "instruments write whitespace\\-separated columns under a\n.B #\nheader line.\n");
	fprintf(f, ".SH COMMANDS\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const command *c = commands[i];
		fprintf(f, ".SS \"bptt %s\"\n", c->name);
		roff(f, c->about);
		fputs("\n.PP\n", f);
		for (int j = 0; c->opts[j].name; j++) {
			fputs(".TP\n.B ", f);
			roff(f, c->opts[j].name);
			if (c->opts[j].metavar) {
				fputs(" \\fI", f);
				roff(f, c->opts[j].metavar);
				fputs("\\fR", f);
			}
			fputc('\n', f);
			roff(f, c->opts[j].help);
			fputc('\n', f);
		}
		if (!strcmp(c->name, "init")) {
			fputs(".PP\nArchitectures:\n", f);
			for (size_t k = 0; k < bt_cell_count(); k++) {
				fprintf(f, ".TP\n.B %s\n", bt_cell_name(bt_cell_at(k)));
				roff(f, bt_cell_summary(bt_cell_at(k)));
				fputc('\n', f);
			}
		}
	}
	fprintf(f, ".SH EXIT STATUS\n.TP\n0\nsuccess\n.TP\n1\n"
		   ".B bptt check\nfound a block beyond its tolerance\n.TP\n2\n"
		   "bad arguments, a refused file, an output that could not be written, a\n"
		   "computation that produced a non\\-finite value (the message on standard\n"
		   "error says which, with the file and line for a refused file, the step,\n"
		   "quantity and parameter block for a non\\-finite value), or a request that\n"
		   "needs more memory than the limit (the message gives the sizes and the\n"
		   "estimate)\n.TP\n130, 143, 129\n"
		   "stopped by SIGINT, SIGTERM or SIGHUP: the command says how far it got,\n"
		   "writes nothing and leaves an existing output file as it was (except\n"
		   ".B bptt train,\n"
		   "which writes the model after its last completed step, complete); a second\n"
		   "signal ends it at once\n");
	fprintf(f, ".SH ENVIRONMENT\n.TP\n.B BPTT_MAX_MEMORY\n"
		   "The most memory a request may need, in bytes or with a suffix K, M, G or T\n"
		   "(powers of 1024; e.g. 512M, 4G), or unlimited. Default: the memory\n"
		   "available when the command starts (MemAvailable in /proc/meminfo). A file\n"
		   "whose declared sizes exceed it is refused at that line; a computation whose\n"
		   "estimate exceeds it is refused before anything is allocated.\n"
		   ".TP\n.B BPTT_THREADS\n"
		   "Threads of\n.BR \"bptt check\"\n"
		   "entry by entry, 1 to 64, when --threads is not given. Default: the online\n"
		   "processors, at most 8 (1 for a tiny check). The report is the same for any\n"
		   "number.\n"
		   ".TP\n.B OPENBLAS_NUM_THREADS\n"
		   "When unset, bptt asks OpenBLAS for one thread (faster for these sizes).\n");
	fprintf(f, ".SH SEE ALSO\n.BR bptt\\-files (5),\n.BR gnuplot (1)\n");
}

static void print_completion(FILE *f)
{
	fprintf(f, "# bash completion for bptt, written by `bptt --completion` from the\n"
		   "# table that also gives `bptt COMMAND --help`.\n"
		   "_bptt()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		   "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\tCOMPREPLY=($(compgen -W \"");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "%s ", commands[i]->name);
	fprintf(f, "--help --version\" -- \"$cur\"))\n\t\treturn\n\tfi\n"
		   "\tcase $prev in\n"
		   "\t-o|--model|--data|--grad) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
		   "\t--arch) COMPREPLY=($(compgen -W \"");
	for (size_t k = 0; k < bt_cell_count(); k++)
		fprintf(f, "%s ", bt_cell_name(bt_cell_at(k)));
	fprintf(f, "\" -- \"$cur\")); return ;;\n"
		   "\t--activation) COMPREPLY=($(compgen -W \"tanh relu sigmoid identity\" -- \"$cur\")); return ;;\n"
		   "\tesac\n\tcase ${COMP_WORDS[1]} in\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(f, "\t%s) COMPREPLY=($(compgen -W \"", commands[i]->name);
		for (int j = 0; commands[i]->opts[j].name; j++) {
			const optdef *o = &commands[i]->opts[j];
			if (o->name[0] != '-') {   /* a positional: its choices */
				for (const char *c = o->metavar; c && *c; c++)
					fputc(*c == '|' ? ' ' : *c, f);
				fputc(' ', f);
			} else {
				fprintf(f, "%s ", o->name);
			}
		}
		fprintf(f, "\" -- \"$cur\")) ;;\n");
	}
	fprintf(f, "\tesac\n}\ncomplete -F _bptt bptt\n");
}

int cli_main(int argc, char **argv)
{
	/* as the process started: a harness may call this more than once */
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
	if (argc < 2) {
		print_main_help(stderr);
		return EXIT_BAD;
	}
	if (!strcmp(argv[1], "--man")) {
		print_man(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--completion")) {
		print_completion(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bptt %s\n"
		       "License GPL-3.0-or-later: GNU GPL version 3 or later "
		       "<https://gnu.org/licenses/gpl.html>.\n"
		       "This is free software: you are free to change and "
		       "redistribute it.\n"
		       "There is NO WARRANTY, to the extent permitted by law.\n",
		       bt_version());
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2)
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (!strcmp(argv[2], commands[i]->name)) {
					print_help(commands[i]);
					return 0;
				}
		print_main_help(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const command *c = commands[i];
		if (strcmp(argv[1], c->name))
			continue;
		static char name[64];
		snprintf(name, sizeof name, "bptt %s", c->name);
		cmdname = name;
		const char *val[64] = {0};
		for (int j = 2; j < argc; j++)
			if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h")) {
				print_help(c);
				return 0;
			}
		current = c;
		values = val;
		parse_options(c, argc - 2, argv + 2, val);
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
	fprintf(stderr, "bptt: unknown command '%s' (see 'bptt --help')\n", argv[1]);
	return EXIT_BAD;
}

#ifndef BPTT_NO_MAIN
int main(int argc, char **argv)
{
	bt_heap_for_process();
	return cli_main(argc, argv);
}
#endif
