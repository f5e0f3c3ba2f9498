/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli.h — what the `bptt` subcommands share (internal to the command),
 * by the file that has it:
 *   own.c       owned memory and the exits (die, die_usage, cli_exit), the
 *               syntax of numbers, values quoted in messages, standard
 *               output held until a report is complete
 *   signals.c   SIGINT, SIGTERM, SIGHUP and how far the command got
 *   memlimit.c  the memory limit and the checks before allocating
 *   output.c    atomic output, numbers, the messages for library failures
 *   cli.c       the parsed options and their typed getters, the outputs
 *               checked before the work, the models and data built from
 *               them, cli_run
 *   help.c      --help, bptt(1) and the bash completion from the tables
 * Each subcommand is a `command` record in a cli_*.c file and one line in
 * main.c's table; its run function gets the options parsed against its
 * table and hands them on. */
#ifndef BT_CLI_H
#define BT_CLI_H

#include <stdio.h>
#include "bt.h"

#define EXIT_DISAGREE 1
#define EXIT_BAD 2

typedef struct {
	const char *name;     /* "--truncate", or "-o" */
	const char *metavar;  /* NULL for a flag */
	const char *help;
} optdef;

/* The options given to the running subcommand, by the names of its table;
 * cli_run parses them and hands them to run, which hands them on. */
typedef struct cli_args cli_args;

typedef struct {
	const char *name;
	const char *synopsis;
	const char *about;
	const optdef *opts;
	int (*run)(const cli_args *args);
} command;

/* The command, for main and for a harness that runs it in-process. */
int cli_main(int argc, char **argv);

/* ---- own.c -------------------------------------------------------------- */

/* How the command ends on a refusal: exit(status), or, when it is set, the
 * hook (which must not return; the fuzzing harness's child _exits). */
extern void (*cli_exit_hook)(int status);
_Noreturn void cli_exit(int status);

/* What the command allocates is owned until it is released: a refusal
 * (die and the like) frees everything still owned before it exits, so that
 * no refusal leaks, and a command that returns with something still owned
 * is an internal error. own_with registers p with the function that frees
 * it and returns p (NULL is not registered); release frees an owned p and
 * forgets it (NULL does nothing). */
void *own_with(void *p, void (*free_fn)(void *));
void *own_mem(void *p);                   /* malloc'd */
bt_model *own_model(bt_model *m);
bt_data *own_data(bt_data *d);
void release(void *p);
/* s for a message: in single quotes, at most 40 characters of it (then
 * "..."), bytes that are not printable ASCII escaped (\x1b); a rotating
 * set of buffers, so that a message may quote four things. */
const char *quoted(const char *s);
/* malloc that stops with "out of memory" and owns the block. */
void *xmalloc(size_t bytes);
/* Frees everything owned, the newest first (cli_exit, end_by_signal). */
void release_all(void);
/* The real numbers of options and environment variables, in the files'
 * syntax: only 0-9 + - . e E, read whole by strtod, finite. 0, or -1.
 * Whole numbers: bt_numio_parse_whole (io/numio.h), decimal digits only. */
int parse_real(const char *s, double *out);
/* For a command that prints a report on standard output and may still
 * fail or be interrupted: standard output fully buffered (64 KiB), so
 * that what is printed before the computation ends stays in the buffer;
 * drop_stdout discards what was not yet written (die_interrupted and the
 * numeric faults do, before they say "nothing written"). */
void hold_stdout(void);
void drop_stdout(void);
/* Messages on stderr, prefixed with the subcommand's name; exit status 2. */
_Noreturn void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The name in messages ("bptt grad"); for cli_run. */
void cli_set_name(const char *name);
const char *cli_name(void);
/* For cli_run and cli_reset: an internal error when something is still
 * owned; the state as the process started. */
void own_check_empty(void);
void own_reset(void);

/* ---- signals.c ---------------------------------------------------------- */

/* After SIGINT (or SIGTERM, SIGHUP): "interrupted after N of M …; nothing
 * written", then the signal's own exit (status 128 + signal). */
_Noreturn void die_interrupted(void);
/* For a command that writes something when interrupted (bptt train): the
 * message after "interrupted ", then the signal's own exit. */
_Noreturn void die_interrupted_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Frees everything owned and ends by the signal received (SIGINT if none). */
_Noreturn void end_by_signal(void);
/* For a command that writes something when interrupted (bptt train): no
 * deadline after the first signal (a second one still ends it at once). */
void signals_no_deadline(void);
/* The signal (SIGINT, SIGTERM, SIGHUP) that asked the command to stop, or 0. */
int interrupted_by(void);
/* Where a command that runs several computations is ("a = 0.9, k = 2 (row
 * 2 of 10)"), for die_interrupted's message. */
void progress_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For cli_run and cli_reset: the handlers and the progress hook; the state
 * as the process started. */
void signals_install(void);
void signals_reset(void);

/* ---- memlimit.c --------------------------------------------------------- */

/* The computations of the subcommands, for the memory they need. */
enum {
	TASK_MODEL = 0,    /* the parameters alone (init, …) */
	TASK_GRADIENT,     /* grad, truncated or chunked, and clip */
	TASK_CHECK,        /* check (one thread; each further thread of the
			      entry-by-entry check holds about TASK_FLOW's
			      model, data and workspace more) */
	TASK_FLOW,         /* flow: a forward and a backward pass kept */
	TASK_FLOW_LAGS,    /* flow --lags */
	TASK_JACOBIAN,     /* jacobian */
	TASK_SPECTRUM,     /* spectrum */
	TASK_LYAPUNOV,     /* lyapunov (streams: T only for the data) */
	TASK_BIAS,         /* bias */
	TASK_TRAIN         /* train, with sets = the minibatch B (the held-out
			      sequences are data sets more) */
};
/* What a subcommand will compute over how many data sets: build_model and
 * build_data check its memory before they allocate. */
typedef struct {
	int task;
	size_t sets;
} task_plan;
#define PLAN_MODEL ((task_plan){TASK_MODEL, 1})
/* The bytes a task (TASK_*) holds on this architecture and these sizes,
 * with `sets` data sets (at least 1) of length T: the model, the data and
 * what the library's _size functions count, plus BT_MEMORY_SLACK; 0 for no
 * type. */
double task_memory(const bt_cell_type *type, bt_dims dims, size_t T,
		   size_t sets, int task);
/* Stops with a message naming the sizes and the estimate when a task on
 * this architecture and these sizes needs more memory than the limit
 * (BPTT_MAX_MEMORY, by default the memory available). */
void need_memory(const bt_cell_type *type, bt_dims dims, size_t T,
		 size_t sets, int task);
/* need_memory for a plan. */
void need_plan(task_plan plan, const bt_cell_type *type, bt_dims dims, size_t T);
/* The same for a number of bytes that something described needs. */
void need_bytes(double bytes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For cli_run and cli_reset: the limit from BPTT_MAX_MEMORY (stops on a
 * bad value); where it comes from, for messages; the state as the process
 * started. */
void set_memory_limit(void);
const char *memory_limit_source(void);
void memlimit_reset(void);

/* ---- output.c ----------------------------------------------------------- */

/* %.17g, NaN, inf or -inf, then a blank or a newline. */
void put_num(FILE *f, double x, int last);

/* To path atomically, or to standard output when path is NULL or "-"
 * (write_out(arg_get(args, "-o"), …)). */
void write_out(const char *path, bt_write_fn fn, const void *ctx);
/* The same for a bptt-grad file: the loss, dL/dtheta in m's layout, dL/dX
 * (T rows). */
void write_grad(const char *path, const bt_model *m, double loss,
		const double *g, const double *dX, size_t T);
/* Writers (bt_write_fn) of a bt_model and a bt_data. */
int model_writer(FILE *f, const void *model);
int data_writer(FILE *f, const void *data);
/* A refused file (or a failed write): "FILE:LINE: message"; exit status 2. */
_Noreturn void die_error(const bt_error *e);
/* Stops with a message when st is not BT_OK; BT_ECANCELED says how far the
 * computation got (die_interrupted). */
void numeric_fault(int st, const char *what);
/* The same, and for BT_ENUMERIC runs bt_fault_locate on the model and data
 * (truncation k) to say at which step, in what and in which block. */
void numeric_fault_at(int st, const char *what, const bt_model *m,
		      const bt_data *d, size_t k);

/* ---- cli.c -------------------------------------------------------------- */

/* The value of the option name (a row of the subcommand's table) as given,
 * "1" for a flag given, or NULL (not given, or not in the table). */
const char *arg_get(const cli_args *args, const char *name);
/* The same, stopping with "missing NAME" when it is absent. */
const char *arg_need(const cli_args *args, const char *name);
/* A whole number in [lo, hi] (dflt when absent); an option whose name ends
 * in "seed" takes 1 to 2^32 - 1. */
unsigned long long arg_count(const cli_args *args, const char *name,
			     unsigned long long dflt, unsigned long long lo,
			     unsigned long long hi);
/* A finite number in [lo, hi] (dflt when absent). */
double arg_real(const cli_args *args, const char *name, double dflt,
		double lo, double hi);
/* The first of names (up to a NULL) that is given, or NULL. */
const char *arg_first(const cli_args *args, const char *const *names);
/* Stops with "NAME: why" for the first of names (up to a NULL) given. */
void refuse_given(const cli_args *args, const char *const *names,
		  const char *why);

/* Before any work: the outputs given (-o, --curve) can be written (a
 * read-only file only with --force), and are not the same file
 * (bt_outputs_check); stops with a message if not.
 * An output may name an input: every command reads its inputs whole
 * before it writes. */
void check_outputs(const cli_args *args);
bt_model *load_model(const cli_args *args);   /* --model FILE */
/* --data FILE, checked against m */
bt_data *load_data(const cli_args *args, const bt_model *m);
/* A new model from --arch, the sizes (required, or the defaults d = 4,
 * n = 16, m = 2) and the subcommand's init options. */
bt_model *model_from_options(const cli_args *args, int sizes_required);
/* The same with other default sizes (bptt train: the task's d and m),
 * checking the memory of plan before anything is allocated. */
bt_model *model_from_options_sized(const cli_args *args, int sizes_required,
				   bt_dims dflt, task_plan plan);
/* bt_task_options from --length, --symbols, --alphabet, --delay, --a, --b,
 * --s for the task called name (cli_task.c); the seed is left at its
 * default. */
void task_from_options(const cli_args *args, const char *name,
		       bt_task_options *o);
/* --model FILE, or a model built from --arch and the sizes and init
 * options; the memory of plan checked first (for the length of --length:
 * for data from a file, build_data checks it again) */
bt_model *build_model(const cli_args *args, task_plan plan);
/* --data FILE, or random inputs of --length T (--data-seed); the memory of
 * plan checked before the data are allocated */
bt_data *build_data(const cli_args *args, const bt_model *m, task_plan plan);
/* A comment line naming the model and data (and their files, if given). */
void describe(FILE *f, const cli_args *args, const bt_model *m,
	      const bt_data *d);
/* What an instrument's writer gets: the options (for describe), the model,
 * the data and the instrument's result. */
typedef struct {
	const cli_args *args;
	const bt_model *m;
	const bt_data *d;
	const void *r;
} result_ctx;

/* cli.c: the state as the process started; parse argv (the words after
 * the subcommand's name) and run c with the limits and handlers set. */
void cli_reset(void);
int cli_run(const command *c, int argc, char **argv);

/* ---- the option tables -------------------------------------------------- */

/* Rows of the option tables that several subcommands share. */

/* The options of a model built here (model_from_options); the help of the
 * four whose defaults or details differ between subcommands is given. */
#define BUILD_OPTS(input_help, output_help, structure_help, nonnormality_help) \
	{"--arch", "NAME", "build a model: architecture (see bptt init --help)"}, \
	{"--input", "d", input_help}, \
	{"--hidden", "n", "build a model: hidden size (default 16)"}, \
	{"--output", "m", output_help}, \
	{"--activation", "F", "build a model: rnn and residual activation"}, \
	{"--scale", "G", "build a model: largest singular value of W"}, \
	{"--radius", "R", "build a model: spectral radius of W"}, \
	{"--orthogonal", NULL, "build a model: Haar orthogonal recurrent matrices"}, \
	{"--forget-bias", "B", "build a model: lstm forget bias (default 1)"}, \
	{"--loss", "NAME", "build a model: squared (default) or cross-entropy"}, \
	{"--structure", "KIND", structure_help}, \
	{"--nonnormality", "c", nonnormality_help}, \
	{"--seed", "S", "seed of the model built here (default 20140901)"}

/* The options that build_model and build_data read. */
#define SOURCE_OPTS \
	{"--model", "FILE", "the model (or build one with --arch and the sizes)"}, \
	{"--data", "FILE", "the data (or random inputs of --length T)"}, \
	BUILD_OPTS("build a model: input size (default 4)", \
		   "build a model: output size (default 2)", \
		   "build a model: W normal or nonnormal with eigenvalues of modulus --radius (see bptt init)", \
		   "build a model: strength of the non-normal part (with --structure nonnormal)"), \
	{"--length", "T", "random data: length (default 100)"}, \
	{"--data-seed", "S", "random data: seed (default 1)"}

/* -o FILE for what the command writes ("the columns"), and --force. */
#define OUTPUT_OPT(what) \
	{"-o", "FILE", "write " what " to FILE (atomically) instead of standard output"}, \
	FORCE_OPT
#define FORCE_OPT \
	{"--force", NULL, "replace an output file even if it is read-only, keeping its mode (as cp -f does)"}

/* The last rows of every table. */
#define HELP_OPT_END \
	{"--help", NULL, "show this help"}, \
	{NULL, NULL, NULL}

/* The subcommands. */
extern const command cmd_init, cmd_data, cmd_grad, cmd_check, cmd_flow,
	cmd_jacobian;
extern const command cmd_spectrum, cmd_lyapunov, cmd_bias, cmd_clip, cmd_task,
	cmd_train, cmd_graph;

/* help.c: --help, bptt(1) and the bash completion from the tables. */
void print_help(const command *c);
void print_main_help(FILE *f, const command *const *cmds, size_t n);
void print_man(FILE *f, const command *const *cmds, size_t n);
void print_completion(FILE *f, const command *const *cmds, size_t n);

#endif
