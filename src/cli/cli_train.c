/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_train.c — bptt train: minibatch training with a choice of gradient
 * estimator, optimizer and clipping; the trained model, a learning curve,
 * progress on a terminal. The library's bt_train does the work. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"

static const optdef train_opts[] = {
	{"--model", "FILE", "the model to train (or build one with --arch and the init options)"},
	BUILD_OPTS("build a model: input size (default: the task's)",
		   "build a model: output size (default: the task's)",
		   "build a model: W normal or nonnormal (see bptt init)",
		   "build a model: strength of the non-normal part"),
	{"--task", "NAME", "train on fresh minibatches of a task: adding, copy or linear (see bptt task)"},
	{"--length", "T", "task: sequence length (adding, linear; copy: 2K + D)"},
	{"--symbols", "K", "copy task: symbols to remember (default 10)"},
	{"--alphabet", "A", "copy task: alphabet size (default 8)"},
	{"--delay", "D", "copy task: delay (or --length)"},
	{"--a", "A", "linear task: h_t = a h_{t-1} + b x_t (default 0.9)"},
	{"--b", "B", "linear task: input weight (default 1)"},
	{"--s", "S", "linear task: x_t ~ N(0, s^2) (default 1)"},
	{"--data", "FILE", "train on this one sequence instead of a task (every step uses it; the MSE reported is on it)"},
	{"--data-seed", "S", "seed of the minibatches, the held-out set and ARTBP's cuts (default 1)"},
	{"--batch", "B", "sequences per minibatch (default 32; not with --data)"},
	{"--steps", "N", "training steps, one update each (default 1000)"},
	{"--optimizer", "NAME", "adam (default) or sgd"},
	{"--lr", "ETA", "learning rate (default 1e-3 for adam, 0.01 for sgd)"},
	{"--momentum", "MU", "sgd: classical momentum, 0 <= MU < 1 (default 0)"},
	{"--nesterov", NULL, "sgd: Nesterov's momentum"},
	{"--clip-norm", "c", "clip the minibatch gradient to global norm c before the step"},
	{"--clip-value", "c", "clip every entry of the gradient to [-c, c] before the step"},
	{"--truncate", "k", "estimator: the sliding window, every loss term back through its last k states"},
	{"--tbptt", "k1,k2", "estimator: Williams & Peng's TBPTT(k1, k2): segments of k1 steps, each segment's terms back through the segment end's last k2 states"},
	{"--artbp", "c", "estimator: randomized truncation, each step boundary cut with probability c (0 <= c < 1), reweighted by 1/(1 - c) where not cut: unbiased"},
	{"--eval-every", "N", "held-out evaluation every N steps and after the last (default 100; 0: after the last only)"},
	{"--eval-size", "N", "held-out sequences (default 256; not with --data)"},
	{"--target-mse", "x", "stop after an evaluation whose held-out MSE per counted step is below x"},
	{"--curve", "FILE", "write the learning curve (one row per step) to FILE, atomically"},
	{"-o", "FILE", "write the trained model to FILE (atomically; also when interrupted) instead of standard output"},
	FORCE_OPT,
	{"--quiet", NULL, "no progress line and no final line on standard error"},
	HELP_OPT_END};

typedef struct {
	double *row;          /* steps × NCOL */
	size_t n;
	double t0;            /* clock at the start */
	size_t steps;
	int tty;
	double last_print;
} run_ctx;

enum { C_STEP, C_EXAMPLES, C_LOSS, C_MSE, C_NORM, C_CLIPPED, C_SECONDS, NCOL };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_duration(char *buf, size_t len, double s)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "?");
	else if (s < 90)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 5400)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

static int on_step(void *ctx, const bt_train_report *r)
{
	run_ctx *c = ctx;
	double t = now() - c->t0;
	double row[NCOL];
	row[C_STEP] = (double)r->step;
	row[C_EXAMPLES] = (double)r->examples;
	row[C_LOSS] = r->loss;
	row[C_MSE] = r->eval_mse;
	row[C_NORM] = r->grad_norm;
	row[C_CLIPPED] = r->clipped;
	row[C_SECONDS] = t;
	if (c->row)   /* kept for --curve only */
		memcpy(c->row + c->n * NCOL, row, sizeof row);
	c->n++;
	if (c->tty && (t - c->last_print >= 0.1 || r->step == c->steps)) {
		c->last_print = t;
		double rate = (double)r->step / t;
		char eta[32];
		fmt_duration(eta, sizeof eta, (double)(c->steps - r->step) / rate);
		fprintf(stderr, "\r\033[Kstep %zu/%zu  loss %.4g  |g| %.3g%s  %.1f steps/s  ETA %s",
			r->step, c->steps, r->loss, r->grad_norm, r->clipped ? " (clipped)" : "",
			rate, eta);
		fflush(stderr);
	}
	return 0;
}

static int curve_writer(FILE *f, const void *ctx)
{
	const run_ctx *c = ctx;
	fprintf(f, "# bptt train: learning curve; heldout_mse is NaN where not evaluated\n"
		   "# step examples train_loss heldout_mse grad_norm clipped seconds\n");
	for (size_t i = 0; i < c->n; i++) {
		if (bt_cancel_requested())
			return BT_ECANCELED;
		const double *row = c->row + i * NCOL;
		fprintf(f, "%.0f %.0f ", row[C_STEP], row[C_EXAMPLES]);
		put_num(f, row[C_LOSS], 0);
		put_num(f, row[C_MSE], 0);
		put_num(f, row[C_NORM], 0);
		fprintf(f, "%.0f %.3f\n", row[C_CLIPPED], row[C_SECONDS]);
	}
	return ferror(f) ? BT_EIO : BT_OK;
}

/* Writes the model (-o or stdout) and the curve; when interrupted (before
 * or during the writes), the writes are made anyway, complete, and the
 * command ends by the signal. */
static void write_results(const cli_args *args, const bt_model *m,
			  const run_ctx *c)
{
	bt_error e;
	int st;
	/* both or neither */
	bt_output out[2] = {{arg_get(args, "-o"), model_writer, m},
			    {arg_get(args, "--curve"), curve_writer, c}};
	for (int attempt = 0; attempt < 2; attempt++) {
		if (interrupted_by())
			bt_cancel_reset();   /* the writers stop on the flag */
		st = bt_write_atomic_all(out, arg_get(args, "--curve") ? 2 : 1, &e);
		if (st != BT_ECANCELED)
			break;
	}
	if (st != BT_OK)
		die_error(&e);
}

static void estimator_from_options(const cli_args *args, bt_estimator *e)
{
	memset(e, 0, sizeof *e);
	int given = !!arg_get(args, "--truncate") + !!arg_get(args, "--tbptt") +
		    !!arg_get(args, "--artbp");
	if (given > 1)
		die_usage("--truncate, --tbptt and --artbp: give one estimator, not %d", given);
	e->kind = BT_EST_FULL;
	if (arg_get(args, "--truncate")) {
		e->kind = BT_EST_WINDOW;
		e->k = arg_count(args, "--truncate", 0, 1, BT_MAX_T);
	} else if (arg_get(args, "--tbptt")) {
		const char *v = arg_get(args, "--tbptt");
		char a[32], b[32];
		const char *comma = strchr(v, ',');
		size_t la = comma ? (size_t)(comma - v) : 0;
		if (!comma || la == 0 || la >= sizeof a || strlen(comma + 1) == 0 ||
		    strlen(comma + 1) >= sizeof b || strchr(comma + 1, ','))
			die_usage("--tbptt: %s is not k1,k2 (two whole numbers >= 1, e.g. 20,40)", quoted(v));
		memcpy(a, v, la);
		a[la] = 0;
		strcpy(b, comma + 1);
		unsigned long long x[2];
		const char *part[2] = {a, b};
		for (int i = 0; i < 2; i++) {
			char *end;
			errno = 0;
			x[i] = strtoull(part[i], &end, 10);
			if (!*part[i] || *end || errno || part[i][0] < '0' || part[i][0] > '9')
				die_usage("--tbptt: %s is not k1,k2 (two whole numbers >= 1, e.g. 20,40)", quoted(v));
			if (x[i] < 1 || x[i] > (unsigned long long)BT_MAX_T)
				die_usage("--tbptt: %s %s is out of range (1 to %ld)", i ? "k2" : "k1",
					  part[i], BT_MAX_T);
		}
		e->kind = BT_EST_TBPTT;
		e->k1 = x[0];
		e->k2 = x[1];
	} else if (arg_get(args, "--artbp")) {
		e->kind = BT_EST_ARTBP;
		e->c = arg_real(args, "--artbp", 0, 0, 1);
		if (e->c >= 1)
			die_usage("--artbp: the cut probability c must be below 1 (0 <= c < 1)");
	}
}

/* ---- the phases of bptt train --------------------------------------------- */

/* What the sequences are: a task's, or the one sequence of --data FILE. */
typedef struct {
	bt_data *data;      /* --data FILE (owned), or NULL */
	size_t T, d, m;     /* length, inputs, outputs (a task's: once known) */
} train_source;

/* --task NAME and its options, or --data FILE; a task's shape. */
static void choose_source(const cli_args *args, bt_train_options *o,
			  train_source *s)
{
	if (arg_get(args, "--task") && arg_get(args, "--data"))
		die_usage("--task and --data: give one of them");
	if (!arg_get(args, "--task") && !arg_get(args, "--data"))
		die_usage("missing --task NAME (adding, copy, linear) or --data FILE");
	static const char *const task_only[] = {"--length", "--symbols", "--alphabet", "--delay",
		"--a", "--b", "--s", "--batch", "--eval-size", NULL};
	if (arg_get(args, "--data"))
		refuse_given(args, task_only,
			     "with --data FILE there is no task (every step uses that sequence)");
	if (arg_get(args, "--task")) {
		task_from_options(args, arg_get(args, "--task"), &o->task);
		int st = bt_task_shape(&o->task, &s->T, &s->d, &s->m);
		if (st != BT_OK)
			die("cannot make the %s task: %s", arg_get(args, "--task"), bt_strerror(st));
	}
}

/* The model: read, or built with the task's sizes by default (or the data
 * file's, which is then read here). */
static bt_model *train_model(const cli_args *args, train_source *s)
{
	if (arg_get(args, "--model"))
		return build_model(args, PLAN_MODEL);
	if (!arg_get(args, "--arch"))
		die_usage("missing --model FILE (or --arch NAME to build one)");
	int task = arg_get(args, "--task") != NULL;
	bt_dims dflt = {task ? s->d : 4, 16, task ? s->m : 2};
	if (arg_get(args, "--data") && (!arg_get(args, "--input") || !arg_get(args, "--output"))) {
		/* the sizes come from the data file */
		bt_error e;
		if (bt_data_read(&s->data, arg_get(args, "--data"), &e) != BT_OK)
			die_error(&e);
		own_data(s->data);
		dflt.d = s->data->d;
		dflt.m = s->data->m;
	}
	return model_from_options_sized(args, 0, dflt, PLAN_MODEL);
}

/* The data file (read if it is not yet) or the task, against the model;
 * the data file is then every step's one sequence. */
static void fit_source(const cli_args *args, const bt_model *model,
		       bt_train_options *o, train_source *s)
{
	if (!arg_get(args, "--data")) {
		if (model->dims.d != s->d || model->dims.m != s->m)
			die("the %s task has d = %zu inputs and m = %zu outputs, the model d = %zu, m = %zu",
			    arg_get(args, "--task"), s->d, s->m, model->dims.d, model->dims.m);
		return;
	}
	if (!s->data)
		s->data = load_data(args, model);
	else if (s->data->d != model->dims.d || s->data->m != model->dims.m)
		die("%s: the data's d = %zu, m = %zu do not fit the model's d = %zu, m = %zu",
		    arg_get(args, "--data"), s->data->d, s->data->m, model->dims.d, model->dims.m);
	s->T = s->data->T;
	s->d = s->data->d;
	s->m = s->data->m;
	o->data = (const bt_data *const *)&s->data;
	o->ndata = 1;
	o->batch = 1;
}

/* --optimizer, --lr, --momentum, --nesterov. */
static void optimizer_from_options(const cli_args *args, bt_train_options *o)
{
	const char *oname = arg_get(args, "--optimizer") ? arg_get(args, "--optimizer") : "adam";
	o->optimizer = bt_optimizer_lookup(oname);
	if (!o->optimizer)
		die_usage("--optimizer: unknown optimizer %s (adam or sgd)", quoted(oname));
	bt_optimizer_options_default(&o->opt, o->optimizer);
	static const char *const sgd_only[] = {"--momentum", "--nesterov", NULL};
	if (o->optimizer != bt_optimizer_sgd)
		refuse_given(args, sgd_only, "only with --optimizer sgd");
	o->opt.lr = arg_real(args, "--lr", o->opt.lr, 0, 1e6);
	if (!(o->opt.lr > 0))
		die_usage("--lr: the learning rate must be positive");
	o->opt.momentum = arg_real(args, "--momentum", 0, 0, 1);
	if (o->opt.momentum >= 1)
		die_usage("--momentum: MU must be below 1 (0 <= MU < 1)");
	o->opt.nesterov = arg_get(args, "--nesterov") != NULL;
}

/* --batch, --steps, the optimizer, clipping, the estimator, the seed and
 * the evaluation. */
static void training_options(const cli_args *args, bt_train_options *o)
{
	if (!o->data)
		o->batch = arg_count(args, "--batch", 32, 1, 1000000);
	o->steps = arg_count(args, "--steps", 1000, 1, 1000000000);
	optimizer_from_options(args, o);
	if (arg_get(args, "--clip-norm") && arg_get(args, "--clip-value"))
		die_usage("--clip-norm and --clip-value: give one of them");
	if (arg_get(args, "--clip-norm") || arg_get(args, "--clip-value")) {
		const char *which = arg_get(args, "--clip-norm") ? "--clip-norm" : "--clip-value";
		o->clip = arg_get(args, "--clip-norm") ? BT_CLIP_NORM : BT_CLIP_VALUE;
		o->clip_threshold = arg_real(args, which, 0, 0, 1e300);
		if (!(o->clip_threshold > 0))
			die_usage("%s: the threshold must be positive", which);
	}
	estimator_from_options(args, &o->estimator);
	o->seed = arg_count(args, "--data-seed", 1, 0, ULONG_MAX);
	o->eval_every = arg_count(args, "--eval-every", 100, 0, 1000000000);
	if (!o->data)
		o->eval_size = arg_count(args, "--eval-size", 256, 1, 1000000);
	if (arg_get(args, "--target-mse")) {
		o->target_mse = arg_real(args, "--target-mse", 0, 0, 1e300);
		if (!(o->target_mse > 0))
			die_usage("--target-mse: must be positive");
	}
}

/* Memory: the training workspaces, the held-out set, the curve. */
static void need_training_memory(const cli_args *args, const bt_model *model,
				 const bt_train_options *o, const train_source *s)
{
	double E = o->data ? 0 : (double)o->eval_size;
	double curve = arg_get(args, "--curve") ? 8.0 * NCOL * (double)o->steps : 0;
	bt_dims data_dims = {s->d, 0, s->m};
	need_bytes(task_memory(model->type, model->dims, s->T, o->batch, TASK_TRAIN) +
			   E * bt_data_size(data_dims, s->T) + curve,
		   "training arch %s with d=%zu n=%zu m=%zu (%.0f parameters), T=%zu, batch %zu, "
		   "%.0f held-out sequences, %zu steps", bt_cell_name(model->type), model->dims.d,
		   model->dims.n, model->dims.m, (double)model->nparams, s->T, o->batch, E, o->steps);
}

/* The last line on standard error (not with --quiet). */
static void say_done(const bt_train_options *o, const bt_train_result *res,
		     double secs, bt_loss_kind model_loss)
{
	char mse[200], base[64] = "";
	const char *what = model_loss == BT_LOSS_CROSS_ENTROPY ? "cross-entropy (nats)" : "MSE";
	if (!isnan(res->baseline_mse))
		snprintf(base, sizeof base, " (the memoryless baseline: %.4g)", res->baseline_mse);
	if (isnan(res->eval_mse))
		snprintf(mse, sizeof mse, "no evaluation");
	else if (o->data)
		snprintf(mse, sizeof mse, "%s on the data %.4g per counted step", what, res->eval_mse);
	else
		snprintf(mse, sizeof mse, "held-out %s %.4g per counted step%s", what,
			 res->eval_mse, base);
	fprintf(stderr, "bptt train: %zu steps (%zu sequences) in %.1f s; %s after step %zu%s\n",
		res->steps, res->examples, secs, mse, res->eval_step,
		res->reached_target ? "; reached --target-mse" : "");
}

/* Trains, writes the model and the curve, and says how it went; when
 * interrupted, how far it got, and then ends by the signal. */
static void train_and_write(const cli_args *args, bt_model *model,
			    bt_train_options *o)
{
	run_ctx c;
	memset(&c, 0, sizeof c);
	/* interrupted, it stops after a step and writes the model then: no
	 * deadline cuts that short */
	signals_no_deadline();
	if (arg_get(args, "--curve"))
		c.row = xmalloc(o->steps * NCOL * sizeof(double));
	c.steps = o->steps;
	c.tty = !arg_get(args, "--quiet") && isatty(STDERR_FILENO);
	o->callback = on_step;
	o->ctx = &c;
	c.t0 = now();
	bt_train_result res;
	int st = bt_train(model, o, &res);
	double secs = now() - c.t0;
	if (c.tty)
		fputc('\n', stderr);
	if (st == BT_ENUMERIC)
		die("a non-finite loss or gradient at step %zu (the state or the loss overflowed; "
		    "try a smaller --lr or --clip-norm); nothing written", res.steps + 1);
	if (st != BT_OK && st != BT_ECANCELED)
		die("training failed: %s", bt_strerror(st));
	write_results(args, model, &c);
	if (st == BT_ECANCELED || interrupted_by()) {
		char where[600] = "standard output";
		if (arg_get(args, "-o"))
			snprintf(where, sizeof where, "%s", arg_get(args, "-o"));
		die_interrupted_msg("after %zu of %zu steps; the model after step %zu written to %s%s%s",
				    res.steps, o->steps, res.steps, where,
				    arg_get(args, "--curve") ? ", the curve to " : "",
				    arg_get(args, "--curve") ? arg_get(args, "--curve") : "");
	}
	if (!arg_get(args, "--quiet"))
		say_done(o, &res, secs, model->loss);
	release(c.row);
}

static int run_train(const cli_args *args)
{
	bt_train_options o;
	bt_train_options_default(&o);
	train_source s = {NULL, 0, 0, 0};
	choose_source(args, &o, &s);
	bt_model *model = train_model(args, &s);
	fit_source(args, model, &o, &s);
	training_options(args, &o);
	need_training_memory(args, model, &o, &s);
	train_and_write(args, model, &o);
	release(model);
	release(s.data);
	return 0;
}

const command cmd_train = {"train", "(--model FILE | --arch NAME [init options]) (--task NAME [task options] | --data FILE)\n"
	 "                 [--batch B] [--steps N] [--optimizer adam|sgd] [--lr ETA] [--momentum MU [--nesterov]]\n"
	 "                 [--clip-norm c | --clip-value c] [--truncate k | --tbptt k1,k2 | --artbp c]\n"
	 "                 [--eval-every N] [--eval-size N] [--target-mse x] [--data-seed S]\n"
	 "                 [--curve FILE] [-o FILE] [--force] [--quiet]",
	 "Train a model by minibatch gradient descent. Every step draws a fresh\n"
	 "minibatch of B sequences from the task (seeded from --data-seed and the\n"
	 "step, so the same arguments give the same bytes), computes the mean\n"
	 "gradient over it with the chosen estimator at fixed parameters (full\n"
	 "BPTT by default), records its norm, clips it, and makes one optimizer\n"
	 "step: one update per minibatch for every estimator (TBPTT(k1,k2) sums its\n"
	 "segments' gradients; the state is carried across segments). adam:\n"
	 "Kingma & Ba with bias correction (beta1 0.9, beta2 0.999, eps 1e-8);\n"
	 "sgd: v = MU v + g, theta -= ETA v (Nesterov: theta -= ETA (g + MU v)).\n\n"
	 "The held-out MSE (|y^ - y|^2 per counted step) is measured on a fixed set\n"
	 "of --eval-size sequences from seeds disjoint from the training ones, and\n"
	 "compared at the end with the task's memoryless baseline. On a terminal a\n"
	 "progress line on standard error shows the step, loss, gradient norm\n"
	 "before clipping, steps per second and ETA.\n\n"
	 "--curve columns: step examples train_loss heldout_mse grad_norm clipped\n"
	 "seconds (train_loss: the minibatch's mean loss per sequence; grad_norm\n"
	 "before clipping; clipped 0/1; seconds of wall time, the one column that\n"
	 "differs between two runs with the same arguments).\n\n"
	 "Interrupted (SIGINT, SIGTERM, SIGHUP), it writes the model after the\n"
	 "last completed step, complete, and the curve so far, says how far it\n"
	 "got, and ends by the signal (status 130 for SIGINT).",
	 train_opts, run_train};
