/* SPDX-License-Identifier: GPL-3.0-or-later */
/* grade.c — the grader of the exercises in lessons/exercises/: the checks.
 *
 *     make grade EX=gru [MODE=derive|guided] [HINTS=0..3] [FORMAT=text|gradescope|junit]
 *                       [STUDENT=path/to/ex_gru.c] [RESULT=file]
 *     grade [--exercise NAME] [--file PATH] [--result FILE] [--seed N]
 *           [--mode derive|guided] [--hints 0..3] [--format text|gradescope|junit]
 *           [--asan PATH]
 *
 * Linked with one exercise file (a student's, or a reference solution) and
 * the library; the file says which exercise it is (exercise.h). What is
 * printed and written is grade_out.c's.
 *
 * A cell exercise (rnn, gru, lstm) is graded in two parts:
 *
 *  1. one step: the student's backward from a random state, with the
 *     incoming δ given and the gradient buffers already holding random
 *     values, against the library's own cell on the same parameters (same
 *     layout), every output separately: each parameter block, δx_t and
 *     δs_{t-1}. A wrong one is compared with variants of the right one
 *     (zero, transposed, negated, scaled, overwritten instead of added to,
 *     another block's gradient or row stride, a path through one block left
 *     out, …); whatever explains every wrong step becomes the hint.
 *  2. the whole sequence: on a few random models with irregular parameters
 *     (T = 1 among them, masks among them) the library's sequence code runs
 *     the student's record backward, and every block of ∂L/∂θ and ∂L/∂X is
 *     compared with finite differences of the loss (bt_gradcheck_gradient,
 *     which uses only the given forward step).
 *
 * The truncated-BPTT exercise runs the student's sliding-window loop over
 * per-step callbacks (a tanh RNN) and compares every block with the
 * library's bt_gradient(…, k, …); hints come from the library's gradient
 * for k − 1, k + 1 and no truncation, and from the chunked variant. A
 * callback called with an index out of range fails the whole exercise.
 *
 * The grading runs in a child process. Its report comes back through
 * shared memory and counts only when the child marks it complete with a
 * random token drawn for this run: a student's code that ends the process,
 * writes to file descriptors or crashes never produces a pass. A crash is
 * run again under AddressSanitizer (--asan, the same file built with
 * -fsanitize=address) to name the student's file:line and the kind of
 * fault; a child that makes no progress for HANG_SECONDS is stopped and
 * the phase named.
 */
#define _GNU_SOURCE   /* strsignal */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "grade.h"

#define MAXB GRADE_MAXB
#define HANG_SECONDS 5     /* no progress for this long: an endless loop */
#define TIME_LIMIT 120     /* seconds for the whole grading */
/* The checker's relative tolerance. Its default, 1e-6, failed a correct
 * solution on 1 of 600 random models (a strongly nonlinear one, where the
 * finite differences themselves are off by 2e-6); 1e-5 failed none of
 * 3000, and a missing or wrong term is off by far more. */
#define GRADE_RTOL 1e-5

/* ---- the channel from the child: shared memory and a token ------------------- */

typedef struct {
	volatile unsigned long beat;   /* progress: changes while the child works */
	volatile char phase;           /* what the child is doing */
	volatile unsigned long long done;  /* the token once rep is complete */
	int error;                     /* the grader's own failure (BT_*), or 0 */
	report rep;
} channel;

static channel local_channel, *chan = &local_channel;
static unsigned long long run_token;
static unsigned long grade_seed = 20240607UL;   /* --seed */

static void phase(char c)
{
	chan->phase = c;
	chan->beat++;
}

static void beat(void)
{
	chan->beat++;
}

/* Hands the complete report to the parent and ends the child. */
static _Noreturn void publish(const report *rep, int error)
{
	fflush(stdout);
	memcpy(&chan->rep, rep, sizeof *rep);
	chan->error = error;
	__atomic_store_n(&chan->done, run_token, __ATOMIC_SEQ_CST);
	_exit(0);
}

static void diag_add(diag *g, unsigned bits, unsigned long long like,
		     unsigned long long path, unsigned long long tpath,
		     double factor)
{
	if (!g->wrong) {
		*g = (diag){1, bits, like, path, tpath, factor, g->spill_from};
		return;
	}
	if (fabs(factor - g->factor) > 1e-6 * fabs(g->factor))
		bits &= ~H_FACTOR;
	g->bits &= bits;
	g->like &= like;
	g->path &= path;
	g->tpath &= tpath;
}

/* ---- comparing arrays ------------------------------------------------------ */

static double amax(const double *a, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (!(fabs(a[i]) <= m))
			m = fabs(a[i]);
	return m;
}

/* a ≈ ca·b + cc·c entry by entry, to 1e-9 of the largest entry (c may be
 * NULL); NaN is never near. */
static int near_lin(const double *a, double cb, const double *b, double cc,
		    const double *c, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double v = cb * b[i] + (c ? cc * c[i] : 0);
		s = fmax(s, fmax(fabs(a[i]), fabs(v)));
	}
	double tol = 1e-9 * s + 1e-14;
	for (size_t i = 0; i < n; i++) {
		double v = cb * b[i] + (c ? cc * c[i] : 0);
		if (!(fabs(a[i] - v) <= tol))
			return 0;
	}
	return 1;
}

static int near(const double *a, const double *b, size_t n)
{
	return near_lin(a, 1, b, 0, NULL, n);
}

/* Each line (row when by_row, else column) of a (rows×cols, row-major) a
 * multiple of the same line of r. */
static int lines_proportional(const double *a, const double *r, size_t rows,
			      size_t cols, int by_row)
{
	double s = fmax(amax(a, rows * cols), amax(r, rows * cols));
	double tol = 1e-9 * s + 1e-14;
	size_t nl = by_row ? rows : cols, len = by_row ? cols : rows;
	for (size_t l = 0; l < nl; l++) {
		double ar = 0, rr = 0;
		for (size_t k = 0; k < len; k++) {
			size_t i = by_row ? l * cols + k : k * cols + l;
			ar += a[i] * r[i];
			rr += r[i] * r[i];
		}
		double c = rr > 0 ? ar / rr : 0;
		for (size_t k = 0; k < len; k++) {
			size_t i = by_row ? l * cols + k : k * cols + l;
			if (!(fabs(a[i] - c * r[i]) <= tol))
				return 0;
		}
	}
	return 1;
}

/* What explains a (the student's contribution) against r (the library's),
 * g0 what the buffer held before. */
static unsigned classify(const double *a, const double *r, const double *g0,
			 size_t rows, size_t cols, double *factor)
{
	size_t n = rows * cols;
	unsigned bits = 0;
	double ar = 0, rr = 0;
	*factor = 0;
	if (amax(a, n) <= 1e-12 * amax(r, n))
		bits |= H_ZERO;
	if (g0 && near_lin(a, 1, r, -1, g0, n))
		bits |= H_OVERWRITE;
	if (near_lin(a, -1, r, 0, NULL, n))
		bits |= H_SIGN;
	if (rows == cols && rows > 1) {
		int t = 1;
		double s = fmax(amax(a, n), amax(r, n)), tol = 1e-9 * s + 1e-14;
		for (size_t i = 0; i < rows && t; i++)
			for (size_t j = 0; j < cols && t; j++)
				t = fabs(a[i * cols + j] - r[j * cols + i]) <= tol;
		if (t)
			bits |= H_TRANSPOSE;
	}
	for (size_t i = 0; i < n; i++) {
		ar += a[i] * r[i];
		rr += r[i] * r[i];
	}
	if (rr > 0 && isfinite(ar)) {
		double c = ar / rr;
		if (c != 0 && fabs(c - 1) > 1e-6 && near_lin(a, c, r, 0, NULL, n)) {
			bits |= H_FACTOR;
			*factor = c;
		}
	}
	if (lines_proportional(a, r, rows, cols, 1))
		bits |= H_ROWS;
	if (lines_proportional(a, r, rows, cols, 0))
		bits |= H_COLS;
	if (!bt_all_finite(a, n))
		bits |= H_NAN;
	return bits;
}

/* ---- random models and data ------------------------------------------------- */

typedef struct {
	size_t d, n, m, T;
	int mask;
	size_t k;    /* tbptt only */
} shape;

/* The cell exercises: T = 1 twice (one of them all sizes 1), masks twice. */
static const shape cell_shapes[] = {
	{3, 4, 2, 6, 1, 0}, {1, 1, 1, 1, 0, 0}, {2, 3, 3, 1, 0, 0}, {4, 2, 1, 9, 1, 0},
};
/* The tbptt exercise: k inside, k = 1, k ≥ T = 1, k = T − 1, k > T. */
static const shape tbptt_shapes[] = {
	{2, 3, 2, 7, 1, 3}, {3, 4, 2, 6, 0, 1}, {1, 2, 1, 1, 0, 2},
	{2, 2, 3, 5, 1, 4}, {2, 3, 1, 4, 0, 9}, {2, 3, 2, 9, 0, 2},
};
#define NSHAPES(a) (sizeof a / sizeof a[0])

int ex_init_gaussian(bt_model *model, gsl_rng *rng, const bt_init_options *opt)
{
	(void)opt;
	for (size_t i = 0; i < model->type->nblocks; i++) {
		const bt_block *b = &model->blocks[i];
		bt_fill_gaussian(model->theta + b->offset, b->rows * b->cols,
				 1.0 / sqrt((double)b->cols), rng);
	}
	return BT_OK;
}

/* The library's initialisation, then N(0, 0.3²) added to every parameter:
 * irregular, biases not zero. */
static int random_model(bt_model **out, const bt_cell_type *type,
			const shape *sh, unsigned long seed, gsl_rng *rng)
{
	bt_dims dm = {sh->d, sh->n, sh->m};
	bt_init_options opt;
	bt_init_options_default(&opt);
	opt.seed = seed;
	int st = bt_model_alloc(out, type, dm, BT_ACT_TANH);
	if (st == BT_OK)
		st = bt_model_init(*out, &opt);
	if (st != BT_OK)
		return st;
	for (size_t i = 0; i < (*out)->nparams; i++)
		(*out)->theta[i] += gsl_ran_gaussian(rng, 0.3);
	return BT_OK;
}

/* Random inputs and targets; with a mask, every third step and the last
 * step do not count. */
static int random_data(bt_data **out, const shape *sh, unsigned long seed)
{
	int st = bt_data_alloc(out, sh->T, sh->d, sh->m, sh->mask);
	if (st == BT_OK)
		st = bt_data_random(*out, seed);
	if (st == BT_OK && sh->mask) {
		for (size_t t = 0; t < sh->T; t++)
			(*out)->M[t] = t % 3 == 1 ? 0 : 1;
		(*out)->M[sh->T - 1] = 0;
	}
	return st;
}

/* ---- the student's record, wrapped: progress and the first NaN --------------- */

static const bt_cell_type *student_type;
static bt_cell_type wrapped;
static report *cur_rep;          /* where the first NaN is noted */
static const bt_data *cur_data;  /* the sequence being run, or NULL */
static int nan_seen;

static void w_forward(const bt_step *c, const double *s_prev, const double *x,
		      double *s, double *cache)
{
	beat();
	student_type->forward(c, s_prev, x, s, cache);
}

static void note_nan(const bt_model *M, const double *x, const double *ds_prev,
		     const double *dx, const double *grad)
{
	report *rep = cur_rep;
	size_t n = M->dims.n, d = M->dims.d, S = M->state_size;
	const char *first = NULL;
	for (size_t i = 0; i < rep->ncell; i++)
		if (!bt_all_finite(grad + M->blocks[i].offset,
				   M->blocks[i].rows * M->blocks[i].cols)) {
			rep->b[i].nan = 1;
			first = first ? first : rep->b[i].name;
		}
	if (dx && !bt_all_finite(dx, d)) {
		rep->b[rep->ncell].nan = 1;
		first = first ? first : "dx";
	}
	if (ds_prev && !first && !bt_all_finite(ds_prev, n))
		first = "dh_prev";
	if (ds_prev && !first && S > n && !bt_all_finite(ds_prev + n, S - n))
		first = "dc_prev";
	if (!first)
		return;
	nan_seen = 1;
	snprintf(rep->nan_item, sizeof rep->nan_item, "%s", first);
	rep->nan_step = cur_data ? (size_t)(x - cur_data->X) / d + 1 : 0;
	rep->nan_T = cur_data ? cur_data->T : 0;
}

static void w_backward(const bt_step *c, const double *s_prev, const double *x,
		       const double *s, const double *cache, const double *ds,
		       double *ds_prev, double *dx, double *grad)
{
	beat();
	student_type->backward(c, s_prev, x, s, cache, ds, ds_prev, dx, grad);
	if (!nan_seen && cur_rep)
		note_nan(c->model, x, ds_prev, dx, grad);
}

static void w_readout_backward(const bt_step *c, size_t t, const double *h,
			       const double *X, const double *e, double *dh,
			       double *dX, double *grad, double *rs)
{
	beat();
	student_type->readout_backward(c, t, h, X, e, dh, dX, grad, rs);
}

static const bt_cell_type *wrap(const bt_cell_type *student)
{
	student_type = student;
	wrapped = *student;
	wrapped.forward = w_forward;
	wrapped.backward = w_backward;
	if (student->readout_backward)
		wrapped.readout_backward = w_readout_backward;
	return &wrapped;
}

/* ---- the cell exercises ------------------------------------------------------- */

static int same_layout(const bt_cell_type *a, const bt_cell_type *b,
		       char *msg, size_t len)
{
	bt_dims dm = {3, 5, 2};
	bt_block ba[BT_MAX_BLOCKS], bb[BT_MAX_BLOCKS];
	if (a->nblocks != b->nblocks || a->nblocks + 2 > BT_MAX_BLOCKS) {
		snprintf(msg, len, "it has %zu parameter blocks, the exercise %zu",
			 a->nblocks, b->nblocks);
		return 0;
	}
	a->layout(&dm, ba);
	b->layout(&dm, bb);
	for (size_t i = 0; i < a->nblocks; i++)
		if (strcmp(ba[i].name, bb[i].name) || ba[i].rows != bb[i].rows ||
		    ba[i].cols != bb[i].cols) {
			snprintf(msg, len, "block %zu is %.15s %zux%zu, the exercise's "
				 "%.15s %zux%zu (for d = 3, n = 5)", i + 1, ba[i].name,
				 ba[i].rows, ba[i].cols, bb[i].name, bb[i].rows,
				 bb[i].cols);
			return 0;
		}
	if (a->state_size(&dm) != b->state_size(&dm)) {
		snprintf(msg, len, "its state has %zu values, the exercise's %zu",
			 a->state_size(&dm), b->state_size(&dm));
		return 0;
	}
	return 1;
}

/* Everything one step case needs (one pool). */
typedef struct {
	const bt_model *R, *Sm;
	bt_model *Rz;
	size_t S, n, d, N, nc;
	double *sp, *ss, *sr, *x, *ds, *cs, *cr, *xs, *xr;
	double *g0, *gs, *gr, *gz, *spill;
	double *dx0, *dxs, *dxr, *dp0, *dps, *dpr;
	double *dxz, *dpz, *dxt, *dpt, *gpart, *dxpart, *dppart, *dspart;
	double *named;           /* GRU: δh_{t-1} without r⊙δ(r⊙h); LSTM: δc̄_t */
	double *pool;
} stepcase;

static void stepcase_free(stepcase *k)
{
	bt_model_free(k->Rz);
	free(k->pool);
}

static int stepcase_alloc(stepcase *k, const bt_model *R, const bt_model *Sm)
{
	const bt_cell_type *tr = R->type, *ts = Sm->type;
	const bt_dims *dm = &R->dims;
	size_t S = R->state_size, d = dm->d, N = R->nparams, nc = tr->nblocks;
	size_t Cs = ts->cache_size(dm), Cr = tr->cache_size(dm);
	size_t Xs = ts->scratch_size(dm), Xr = tr->scratch_size(dm);
	size_t total = 4 * S + d + Cs + Cr + Xs + Xr + 5 * N + 3 * d + 3 * S +
		       2 * (nc + 1) * (d + S) + 2 * N + 2 * (d + S) + 2 * S + S + 8;
	*k = (stepcase){.R = R, .Sm = Sm, .S = S, .n = dm->n, .d = d, .N = N, .nc = nc};
	double *p = k->pool = calloc(total, sizeof(double));
	int st = p ? bt_model_copy(&k->Rz, R) : BT_ENOMEM;
	if (st != BT_OK) {
		stepcase_free(k);
		return st;
	}
#define TAKE(m) (p += (m), p - (m))
	k->sp = TAKE(S); k->ss = TAKE(S); k->sr = TAKE(S); k->x = TAKE(d);
	k->ds = TAKE(S); k->cs = TAKE(Cs + 1); k->cr = TAKE(Cr + 1);
	k->xs = TAKE(Xs + 1); k->xr = TAKE(Xr + 1);
	k->g0 = TAKE(N); k->gs = TAKE(N); k->gr = TAKE(N); k->gz = TAKE(N);
	k->spill = TAKE(N);
	k->dx0 = TAKE(d); k->dxs = TAKE(d); k->dxr = TAKE(d);
	k->dp0 = TAKE(S); k->dps = TAKE(S); k->dpr = TAKE(S);
	k->dxz = TAKE((nc + 1) * d); k->dpz = TAKE((nc + 1) * S);
	k->dxt = TAKE((nc + 1) * d); k->dpt = TAKE((nc + 1) * S);
	k->gpart = TAKE(2 * N); k->dxpart = TAKE(2 * d); k->dppart = TAKE(2 * S);
	k->dspart = TAKE(2 * S); k->named = TAKE(S);
#undef TAKE
	return BT_OK;
}

/* The student's step and the library's from the same random point, as
 * contributions (after minus before). */
static void stepcase_run(report *rep, stepcase *k, gsl_rng *rng)
{
	const bt_cell_type *tr = k->R->type, *ts = k->Sm->type;
	size_t S = k->S, d = k->d, N = k->N;
	for (size_t i = 0; i < S; i++) {
		k->sp[i] = gsl_ran_gaussian(rng, 0.6);
		k->ds[i] = gsl_ran_gaussian(rng, 1.0);
		k->dp0[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (size_t i = 0; i < d; i++) {
		k->x[i] = gsl_ran_gaussian(rng, 1.0);
		k->dx0[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (size_t i = 0; i < N; i++)
		k->g0[i] = gsl_ran_gaussian(rng, 1.0);
	bt_step cst = {k->Sm, NULL, NULL, k->xs}, crt = {k->R, NULL, NULL, k->xr};
	ts->forward(&cst, k->sp, k->x, k->ss, k->cs);
	tr->forward(&crt, k->sp, k->x, k->sr, k->cr);
	if (!near(k->ss, k->sr, S))
		rep->forward_changed = 1;
	/* ds_prev and dx may be NULL: the parameter gradients must not change */
	phase('n');
	memcpy(k->gs, k->g0, N * sizeof(double));
	ts->backward(&cst, k->sp, k->x, k->ss, k->cs, k->ds, NULL, NULL, k->gs);
	memcpy(k->gz, k->gs, N * sizeof(double));
	phase('s');
	memcpy(k->gs, k->g0, N * sizeof(double));
	memcpy(k->gr, k->g0, N * sizeof(double));
	memcpy(k->dxs, k->dx0, d * sizeof(double));
	memcpy(k->dxr, k->dx0, d * sizeof(double));
	memcpy(k->dps, k->dp0, S * sizeof(double));
	memcpy(k->dpr, k->dp0, S * sizeof(double));
	ts->backward(&cst, k->sp, k->x, k->ss, k->cs, k->ds, k->dps, k->dxs, k->gs);
	tr->backward(&crt, k->sp, k->x, k->sr, k->cr, k->ds, k->dpr, k->dxr, k->gr);
	if (!near(k->gz, k->gs, N))
		rep->null_differs = 1;
	for (size_t i = 0; i < N; i++) {
		k->gs[i] -= k->g0[i];
		k->gr[i] -= k->g0[i];
	}
	for (size_t i = 0; i < d; i++) {
		k->dxs[i] -= k->dx0[i];
		k->dxr[i] -= k->dx0[i];
	}
	for (size_t i = 0; i < S; i++) {
		k->dps[i] -= k->dp0[i];
		k->dpr[i] -= k->dp0[i];
	}
}

/* The library's step with block B zeroed (a path left out; B = nc: every
 * block, what is left is the direct path), with one square block
 * transposed (W where Wᵀ belongs; B = nc: every square block), and with
 * the c part of ds zeroed, then the h part. */
static void stepcase_variants(stepcase *k)
{
	const bt_model *R = k->R;
	const bt_cell_type *tr = R->type;
	size_t nc = k->nc, N = k->N, S = k->S, d = k->d;
	for (int tp = 0; tp < 2; tp++)
		for (size_t B = 0; B <= nc && (!tp || k->n > 1); B++) {
			memcpy(k->Rz->theta, R->theta, N * sizeof(double));
			for (size_t j = 0; j < nc; j++) {
				const bt_block *bl = &R->blocks[j];
				double *w = k->Rz->theta + bl->offset;
				const double *w0 = R->theta + bl->offset;
				if (j != B && B != nc)
					continue;
				if (!tp)
					memset(w, 0, bl->rows * bl->cols * sizeof(double));
				else if (bl->rows == bl->cols)
					for (size_t i = 0; i < bl->rows; i++)
						for (size_t q = 0; q < bl->cols; q++)
							w[i * bl->cols + q] = w0[q * bl->cols + i];
			}
			bt_step cz = {k->Rz, NULL, NULL, k->xr};
			memset(k->gz, 0, N * sizeof(double));
			tr->backward(&cz, k->sp, k->x, k->sr, k->cr, k->ds,
				     (tp ? k->dpt : k->dpz) + B * S,
				     (tp ? k->dxt : k->dxz) + B * d, k->gz);
		}
	bt_step crt = {R, NULL, NULL, k->xr};
	for (int q = 0; q < (S > k->n ? 2 : 0); q++) {
		double *dsq = k->dspart + q * S;
		memcpy(dsq, k->ds, S * sizeof(double));
		memset(q == 0 ? dsq + k->n : dsq, 0,
		       (q == 0 ? S - k->n : k->n) * sizeof(double));
		tr->backward(&crt, k->sp, k->x, k->sr, k->cr, dsq,
			     k->dppart + q * S, k->dxpart + q * d, k->gpart + q * N);
	}
}

static const double *block_of(const bt_model *M, const double *base, const char *name)
{
	for (size_t i = 0; i < M->type->nblocks; i++)
		if (!strcmp(M->blocks[i].name, name))
			return base + M->blocks[i].offset;
	return NULL;
}

static double sigm(double a) { return 1.0 / (1.0 + exp(-a)); }

/* a = W v + U x + b of one gate, from the blocks named W_g, U_g, b_g. */
static void gate(const bt_model *M, const char *g, const double *v,
		 const double *x, double *a)
{
	char wn[8], un[8], bn[8];
	snprintf(wn, sizeof wn, "W_%s", g);
	snprintf(un, sizeof un, "U_%s", g);
	snprintf(bn, sizeof bn, "b_%s", g);
	const double *W = block_of(M, M->theta, wn), *U = block_of(M, M->theta, un);
	const double *b = block_of(M, M->theta, bn);
	size_t n = M->dims.n, d = M->dims.d;
	for (size_t i = 0; i < n; i++) {
		a[i] = b[i];
		for (size_t j = 0; j < n; j++)
			a[i] += W[i * n + j] * v[j];
		for (size_t j = 0; j < d; j++)
			a[i] += U[i * d + j] * x[j];
	}
}

/* The named mistakes of δs_{t-1} that no block-zeroing variant makes:
 * the GRU's δh_{t-1} without r_t ⊙ W_hᵀ δa_h (the path through the reset
 * product), and the LSTM's δc_{t-1} = δc̄_t without the factor f_t. */
static void stepcase_named(stepcase *k, const char *ex)
{
	const bt_model *R = k->R;
	size_t n = k->n;
	double *t1 = k->gz, *t2 = k->gz + n, *t3 = k->gz + 2 * n, *t4 = k->gz + 3 * n;
	if (k->N < 4 * n)
		return;
	if (!strcmp(ex, "gru")) {
		const double *Wh = block_of(R, R->theta, "W_h");
		gate(R, "z", k->sp, k->x, t1);
		gate(R, "r", k->sp, k->x, t2);
		for (size_t i = 0; i < n; i++)
			t3[i] = sigm(t2[i]) * k->sp[i];
		gate(R, "h", t3, k->x, t4);
		for (size_t i = 0; i < n; i++)   /* δa_h */
			t3[i] = k->ds[i] * sigm(t1[i]) * (1 - tanh(t4[i]) * tanh(t4[i]));
		for (size_t j = 0; j < n; j++) {
			double v = 0;
			for (size_t i = 0; i < n; i++)
				v += Wh[i * n + j] * t3[i];
			k->named[j] = k->dpr[j] - sigm(t2[j]) * v;
		}
	} else if (!strcmp(ex, "lstm")) {
		const double *cp = k->sp + n, *dh = k->ds, *dc = k->ds + n;
		gate(R, "f", k->sp, k->x, t1);
		gate(R, "i", k->sp, k->x, t2);
		gate(R, "o", k->sp, k->x, t3);
		gate(R, "g", k->sp, k->x, t4);
		for (size_t i = 0; i < n; i++) {
			double c = sigm(t1[i]) * cp[i] + sigm(t2[i]) * tanh(t4[i]);
			double th = tanh(c);
			k->named[n + i] = dc[i] + dh[i] * sigm(t3[i]) * (1 - th * th);
		}
	}
}

/* Block B's contribution written with row stride s instead of its own
 * (U with n, W with d), spilling into the blocks after it: does that
 * explain the student's blocks? */
static void stepcase_stride(report *rep, stepcase *k, unsigned *extra)
{
	const bt_model *R = k->R;
	for (size_t B = 0; B < k->nc; B++) {
		const bt_block *bl = &R->blocks[B];
		size_t s = bl->cols == k->n ? k->d : k->n;
		if (bl->cols < 2 || s == bl->cols)
			continue;
		memcpy(k->spill, k->gr, k->N * sizeof(double));
		memset(k->spill + bl->offset, 0, bl->rows * bl->cols * sizeof(double));
		for (size_t i = 0; i < bl->rows; i++)
			for (size_t j = 0; j < bl->cols; j++)
				if (bl->offset + i * s + j < k->N)
					k->spill[bl->offset + i * s + j] +=
						k->gr[bl->offset + i * bl->cols + j];
		if (near(k->gs + bl->offset, k->gr + bl->offset, bl->rows * bl->cols) ||
		    !near(k->gs, k->spill, k->N))
			continue;
		for (size_t i = 0; i < k->nc; i++) {
			const bt_block *bi = &R->blocks[i];
			size_t cnt = bi->rows * bi->cols;
			if (!near(k->gs + bi->offset, k->gr + bi->offset, cnt)) {
				extra[i] |= i == B ? H_STRIDE : H_SPILL;
				rep->b[i].step.spill_from = B;
			}
		}
		return;
	}
}

static void stepcase_blocks(report *rep, stepcase *k)
{
	const bt_model *R = k->R;
	size_t nc = k->nc;
	unsigned extra[MAXB] = {0};
	double f;
	stepcase_stride(rep, k, extra);
	for (size_t i = 0; i < nc; i++) {
		const bt_block *bl = &R->blocks[i];
		size_t o = bl->offset, cnt = bl->rows * bl->cols;
		if (near(k->gs + o, k->gr + o, cnt))
			continue;
		unsigned bits = classify(k->gs + o, k->gr + o, k->g0 + o, bl->rows,
					 bl->cols, &f) | extra[i];
		unsigned long long like = 0;
		for (size_t j = 0; j < nc; j++) {
			const bt_block *bj = &R->blocks[j];
			if (j != i && bj->rows == bl->rows && bj->cols == bl->cols &&
			    near(k->gs + o, k->gr + bj->offset, cnt))
				like |= 1ull << j;
		}
		for (int q = 0; q < (k->S > k->n ? 2 : 0); q++)
			if (!near(k->gpart + q * k->N + o, k->gr + o, cnt) &&
			    near(k->gs + o, k->gpart + q * k->N + o, cnt))
				bits |= q == 0 ? H_NO_C : H_NO_H;
		diag_add(&rep->b[i].step, bits, like, 0, 0, f);
	}
}

/* dx, then δh_{t-1} and δc_{t-1}: which paths are missing. */
static void stepcase_vectors(report *rep, stepcase *k)
{
	size_t nc = k->nc, n = k->n, S = k->S, d = k->d;
	struct {
		double *a, *r, *z, *t, *part;
		size_t off, len, stride;
		diag *g;
	} vec[3] = {
		{k->dxs, k->dxr, k->dxz, k->dxt, k->dxpart, 0, d, d, &rep->b[nc].step},
		{k->dps, k->dpr, k->dpz, k->dpt, k->dppart, 0, n, S, &rep->state[0]},
		{k->dps, k->dpr, k->dpz, k->dpt, k->dppart, n, S - n, S, &rep->state[1]},
	};
	double f;
	for (int v = 0; v < (S > n ? 3 : 2); v++) {
		double *a = vec[v].a + vec[v].off, *r = vec[v].r + vec[v].off;
		size_t len = vec[v].len, str = vec[v].stride;
		if (near(a, r, len))
			continue;
		unsigned bits = classify(a, r, NULL, len, 1, &f);
		unsigned long long path = 0, tpath = 0;
		for (size_t B = 0; B <= nc; B++) {
			const double *z = vec[v].z + B * str + vec[v].off;
			const double *t = vec[v].t + B * str + vec[v].off;
			int square = B == nc || (k->R->blocks[B].rows == k->R->blocks[B].cols);
			if (B < nc && !near(z, r, len) && near(a, z, len))
				path |= 1ull << B;
			if (n > 1 && square && !near(t, r, len) && near(a, t, len))
				tpath |= 1ull << B;
		}
		/* the direct path: r minus what is left with every block zeroed */
		const double *z0 = vec[v].z + nc * str + vec[v].off;
		if (amax(z0, len) > 1e-9 * amax(r, len) && near_lin(a, 1, r, -1, z0, len))
			bits |= H_DIRECT;
		for (int q = 0; q < (S > n ? 2 : 0); q++) {
			const double *z = vec[v].part + q * str + vec[v].off;
			if (!near(z, r, len) && near(a, z, len))
				bits |= q == 0 ? H_NO_C : H_NO_H;
		}
		if (v == 1 && !strcmp(rep->ex, "gru") && near(a, k->named, n))
			bits |= H_RESET;
		if (v == 2 && !strcmp(rep->ex, "lstm") && near(a, k->named + n, S - n))
			bits |= H_NO_F;
		diag_add(vec[v].g, bits, 0, path, tpath, f);
	}
}

/* One step from a random state, the student's record against the
 * library's. */
static int step_case(report *rep, const bt_model *R, const bt_model *Sm,
		     gsl_rng *rng)
{
	stepcase k;
	int st = stepcase_alloc(&k, R, Sm);
	if (st != BT_OK)
		return st;
	stepcase_run(rep, &k, rng);
	stepcase_variants(&k);
	stepcase_named(&k, rep->ex);
	stepcase_blocks(rep, &k);
	stepcase_vectors(rep, &k);
	stepcase_free(&k);
	return BT_OK;
}

/* The orthogonal exercise: the student's finish (∂L/∂W → ∂L/∂A) from a
 * random A and a random G = ∂L/∂W, against the library's. */
static int finish_case(report *rep, const bt_model *R, const bt_model *Sm,
		       gsl_rng *rng)
{
	const bt_cell_type *tr = R->type, *ts = Sm->type;
	const bt_dims *dm = &R->dims;
	size_t n = dm->n, N = R->nparams, nn = n * n;
	size_t As = ts->aux_size(dm), Ar = tr->aux_size(dm);
	size_t Xs = ts->scratch_size(dm), Xr = tr->scratch_size(dm);
	size_t Amax = As > Ar ? As : Ar;
	double *pool = calloc(As + Ar + Xs + Xr + 2 * Amax + 4 * N + nn + 8, sizeof(double));
	if (!pool)
		return BT_ENOMEM;
	double *as = pool, *ar = as + As + 1, *xs = ar + Ar + 1, *xr = xs + Xs + 1;
	double *Gs = xr + Xr + 1, *Gr = Gs + Amax + 1, *g0 = Gr + Amax + 1;
	double *gs = g0 + N, *gr = gs + N, *d = gr + N;
	for (size_t i = 0; i < nn; i++)
		Gs[i] = Gr[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < N; i++)
		g0[i] = gsl_ran_gaussian(rng, 1.0);
	bt_step cs = {Sm, as, NULL, xs}, cr = {R, ar, NULL, xr};
	int st = tr->prepare(&cr, ar);
	if (st == BT_OK && ts->prepare(&cs, as) != BT_OK)
		rep->forward_changed = 1;
	if (st != BT_OK || rep->forward_changed) {
		free(pool);
		return st;
	}
	phase('F');
	memcpy(gs, g0, N * sizeof(double));
	memcpy(gr, g0, N * sizeof(double));
	ts->finish(&cs, Gs, gs);
	tr->finish(&cr, Gr, gr);
	for (size_t i = 0; i < N; i++) {
		gs[i] -= g0[i];
		gr[i] -= g0[i];
	}
	double f;
	for (size_t b = 0; b < tr->nblocks; b++) {
		const bt_block *bl = &R->blocks[b];
		size_t o = bl->offset, cnt = bl->rows * bl->cols;
		if (near(gs + o, gr + o, cnt))
			continue;
		unsigned bits = b == 0 ? classify(gs + o, gr + o, g0 + o, n, n, &f) : 0;
		if (b == 0) {   /* ∂L/∂S alone: its antisymmetric part is right */
			for (size_t i = 0; i < n; i++)
				for (size_t j = 0; j < n; j++)
					d[i * n + j] = gs[o + i * n + j] - gs[o + j * n + i];
			if (near(d, gr + o, nn))
				bits |= H_HALF;
		}
		diag_add(&rep->b[0].step, bits, 0, 0, 0, b == 0 ? f : 0);
		if (b > 0)
			snprintf(rep->note, sizeof rep->note, "your finish changed the "
				 "gradient of %s: it adds to A only", bl->name);
	}
	free(pool);
	return BT_OK;
}

/* Compares a contribution vector and notes it in g. */
static void vector_case(diag *g, const double *a, const double *r, size_t len)
{
	double f;
	if (!near(a, r, len)) {
		unsigned bits = classify(a, r, NULL, len, 1, &f);
		diag_add(g, bits, 0, 0, 0, f);
	}
}

/* The attention exercise's direct part: the student's readout_backward
 * from a random h_t, x_1 … x_t and e = ∂L/∂ŷ_t against the library's;
 * blocks (W_a, V_c), then δh_t and δX into state[1] and state[2]. */
static int readout_case(report *rep, const bt_model *R, const bt_model *Sm,
			gsl_rng *rng)
{
	const bt_dims *dm = &R->dims;
	size_t n = dm->n, d = dm->d, m = dm->m, N = R->nparams, t = 3, td = t * d;
	size_t Rs = Sm->type->readout_scratch_size(dm, t);
	size_t Rr = R->type->readout_scratch_size(dm, t);
	double *pool = calloc(Rs + Rr + n + td + m + 3 * N + 3 * n + 3 * td + 8,
			      sizeof(double));
	if (!pool)
		return BT_ENOMEM;
	double *rs = pool, *rr = rs + Rs + 1, *h = rr + Rr + 1, *X = h + n, *e = X + td;
	double *g0 = e + m, *gs = g0 + N, *gr = gs + N, *dh0 = gr + N, *dhs = dh0 + n;
	double *dhr = dhs + n, *dX0 = dhr + n, *dXs = dX0 + td, *dXr = dXs + td;
	for (size_t i = 0; i < n; i++)
		h[i] = tanh(gsl_ran_gaussian(rng, 1.0)), dh0[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < td; i++)
		X[i] = gsl_ran_gaussian(rng, 1.0), dX0[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < m; i++)
		e[i] = gsl_ran_gaussian(rng, 1.0);
	for (size_t i = 0; i < N; i++)
		g0[i] = gsl_ran_gaussian(rng, 1.0);
	bt_step cs = {Sm, NULL, NULL, NULL}, cr = {R, NULL, NULL, NULL};
	phase('R');
	memcpy(gs, g0, N * sizeof(double));
	memcpy(dhs, dh0, n * sizeof(double));
	Sm->type->readout_backward(&cs, t, h, X, e, dhs, NULL, gs, rs);
	phase('r');
	memcpy(gs, g0, N * sizeof(double));
	memcpy(gr, g0, N * sizeof(double));
	memcpy(dhs, dh0, n * sizeof(double));
	memcpy(dhr, dh0, n * sizeof(double));
	memcpy(dXs, dX0, td * sizeof(double));
	memcpy(dXr, dX0, td * sizeof(double));
	Sm->type->readout_backward(&cs, t, h, X, e, dhs, dXs, gs, rs);
	R->type->readout_backward(&cr, t, h, X, e, dhr, dXr, gr, rr);
	for (size_t i = 0; i < N; i++)
		gs[i] -= g0[i], gr[i] -= g0[i];
	for (size_t i = 0; i < n; i++)
		dhs[i] -= dh0[i], dhr[i] -= dh0[i];
	for (size_t i = 0; i < td; i++)
		dXs[i] -= dX0[i], dXr[i] -= dX0[i];
	double f;
	for (size_t b = 0; b < R->type->nblocks; b++) {
		const bt_block *bl = &R->blocks[b];
		size_t o = bl->offset, cnt = bl->rows * bl->cols;
		if (near(gs + o, gr + o, cnt))
			continue;
		unsigned bits = classify(gs + o, gr + o, g0 + o, bl->rows, bl->cols, &f);
		diag_add(&rep->b[b].step, bits, 0, 0, 0, f);
	}
	vector_case(&rep->state[1], dhs, dhr, n);
	vector_case(&rep->state[2], dXs, dXr, td);
	free(pool);
	return BT_OK;
}

static void merge_check(gblock *g, const bt_check_block *c)
{
	if (!(c->max_rel <= g->max_rel))
		g->max_rel = c->max_rel;
	g->ok &= c->ok;
}

/* The whole sequence: the student's gradient (through the wrapped record)
 * against finite differences of the loss of the library's cell, whose
 * forward step is the given one. */
static int sequence_case(report *rep, const bt_model *R, const bt_model *Sm,
			 const bt_data *data)
{
	size_t N = R->nparams, NX = data->T * data->d, nc = R->type->nblocks;
	double Lr = 0, Ls = 0;
	phase('f');
	int st = bt_loss(R, data, &Lr);
	if (st == BT_OK && (bt_loss(Sm, data, &Ls) != BT_OK ||
			    !(fabs(Ls - Lr) <= 1e-10 * fmax(1, fabs(Lr)))))
		rep->forward_changed = 1;
	if (st != BT_OK || rep->forward_changed)
		return st;
	double *g = calloc(N + NX + 1, sizeof(double));
	if (!g)
		return BT_ENOMEM;
	cur_data = data;
	st = bt_gradient(Sm, data, 0, &Ls, g, g + N);
	cur_data = NULL;
	if (st == BT_ENUMERIC)   /* a NaN of the student's: that block fails */
		st = BT_OK;
	for (size_t i = 0; i <= nc && st == BT_OK; i++) {
		size_t off = i < nc ? R->blocks[i].offset : N;
		size_t cnt = i < nc ? R->blocks[i].rows * R->blocks[i].cols : NX;
		if (!bt_all_finite(g + off, cnt) && !rep->b[i].nan)
			rep->b[i].nan = 2;
	}
	bt_check_result res;
	bt_check_options opt;
	bt_check_options_default(&opt);
	opt.rtol = GRADE_RTOL;
	opt.threads = 1;
	if (st == BT_OK)
		st = bt_gradcheck_gradient(R, data, g, g + N, &opt, &res);
	if (st == BT_OK) {
		for (size_t i = 0; i < nc; i++)
			merge_check(&rep->b[i], &res.blocks[i]);
		merge_check(&rep->b[nc], &res.blocks[res.nblocks - 1]);
	}
	free(g);
	return st;
}

static int grade_cell(report *rep, const bt_cell_type *student,
		      const bt_cell_type *ref)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, grade_seed);
	const bt_cell_type *ws = wrap(student);
	cur_rep = rep;
	rep->local = 1;
	for (size_t i = 0; i < rep->nb; i++)
		rep->b[i].ok = 1;
	int st = BT_OK;
	for (size_t c = 0; c < NSHAPES(cell_shapes) && st == BT_OK; c++) {
		const shape *sh = &cell_shapes[c];
		bt_model *R = NULL, *Sm = NULL;
		bt_data *data = NULL;
		st = random_model(&R, ref, sh, grade_seed + 11 + c, rng);
		if (st == BT_OK)
			st = bt_model_alloc(&Sm, ws, R->dims, BT_ACT_TANH);
		if (st == BT_OK)
			st = random_data(&data, sh, grade_seed + 101 + c);
		if (st == BT_OK) {
			memcpy(Sm->theta, R->theta, R->nparams * sizeof(double));
			rep->has_c = R->state_size > R->dims.n;
			st = student->finish ? finish_case(rep, R, Sm, rng)
					     : step_case(rep, R, Sm, rng);
			if (st == BT_OK && student->readout_backward)
				st = readout_case(rep, R, Sm, rng);
		}
		if (st == BT_OK)
			st = sequence_case(rep, R, Sm, data);
		bt_model_free(R);
		bt_model_free(Sm);
		bt_data_free(data);
	}
	if (rep->forward_changed)
		for (size_t i = 0; i < rep->nb; i++) {
			rep->b[i].ok = 0;
			rep->b[i].max_rel = INFINITY;
		}
	gsl_rng_free(rng);
	return st;
}

/* ---- the truncated-BPTT exercise -------------------------------------------- */

typedef struct {
	const bt_model *model;
	const bt_data *data;
	size_t S, C;
	double *states, *caches, *out, *scratch;
	double *grad, *dX;       /* where the callbacks add */
	report *rep;             /* NULL: the grader's own calls */
	size_t k, calls, budget; /* the student's step() calls so far */
} tb_ctx;

/* A misuse of the callbacks fails the whole exercise, at once (a loop that
 * runs past its end may never stop). */
static _Noreturn void tb_fail(report *rep)
{
	rep->misuse = 1;
	for (size_t i = 0; i < rep->nb; i++) {
		rep->b[i].ok = 0;
		rep->b[i].max_rel = INFINITY;
	}
	publish(rep, 0);
}

static void tb_misuse(tb_ctx *c, const char *what, size_t v)
{
	report *rep = c->rep;
	if (!rep)
		return;
	if (v > c->data->T + 1000)
		snprintf(rep->note, sizeof rep->note, "%s(%zd) called (T = %zu, k = %zu): "
			 "out of range 1..%zu; an unsigned index counted below 0?",
			 what, (ssize_t)v, c->data->T, c->k, c->data->T);
	else
		snprintf(rep->note, sizeof rep->note, "%s(%zu) called (T = %zu, k = %zu): "
			 "out of range 1..%zu%s", what, v, c->data->T, c->k, c->data->T,
			 v == 0 ? ": the window reaches below step 1" : "");
	tb_fail(rep);
}

static int tb_term(const ex_tbptt *p, size_t t, double *ds)
{
	tb_ctx *c = p->ctx;
	const bt_model *M = c->model;
	size_t n = M->dims.n, m = M->dims.m, nb = M->type->nblocks;
	beat();
	if (t < 1 || t > c->data->T)
		tb_misuse(c, "term", t);
	memset(ds, 0, c->S * sizeof(double));
	double mu = c->data->M ? c->data->M[t - 1] : 1.0;
	if (mu == 0)
		return 0;
	const double *V = M->theta + M->blocks[nb].offset;
	double *gV = c->grad + M->blocks[nb].offset;
	double *gb = c->grad + M->blocks[nb + 1].offset;
	const double *h = c->states + t * c->S;
	const double *yh = c->out + (t - 1) * m, *y = c->data->Y + (t - 1) * m;
	/* e = μ_t (ŷ_t − y_t);  ∂V += e h_tᵀ,  ∂b_y += e,  δh_t = Vᵀ e */
	for (size_t i = 0; i < m; i++) {
		double e = mu * (yh[i] - y[i]);
		for (size_t j = 0; j < n; j++) {
			gV[i * n + j] += e * h[j];
			ds[j] += V[i * n + j] * e;
		}
		gb[i] += e;
	}
	return 1;
}

static void tb_step(const ex_tbptt *p, size_t u, const double *ds,
		    double *ds_prev)
{
	tb_ctx *c = p->ctx;
	beat();
	if (u < 1 || u > c->data->T)
		tb_misuse(c, "step", u);
	if (c->rep && ++c->calls > c->budget) {
		snprintf(c->rep->note, sizeof c->rep->note, "step() called %zu times "
			 "for T = %zu, k = %zu (at most T * k are needed): an endless loop?",
			 c->calls, c->data->T, c->k);
		tb_fail(c->rep);
	}
	size_t d = c->model->dims.d;
	bt_step st = {c->model, NULL, NULL, c->scratch};
	c->model->type->backward(&st, c->states + (u - 1) * c->S,
				 c->data->X + (u - 1) * d, c->states + u * c->S,
				 c->caches + (u - 1) * c->C, ds, ds_prev,
				 c->dX + (u - 1) * d, c->grad);
}

/* The chunked variant (windows restart every k steps), a wrong answer the
 * hints recognise: the term at t flows back to the start of its chunk. */
static void tb_chunked(const ex_tbptt *p, size_t k)
{
	for (size_t t = 1; t <= p->T; t++) {
		double *cur = p->cur, *prev = p->prev;
		if (!p->term(p, t, cur))
			continue;
		size_t start = (t - 1) / k * k + 1;
		for (size_t u = t; u >= start; u--) {
			int last = u == start;
			memset(prev, 0, p->S * sizeof(double));
			p->step(p, u, cur, last ? NULL : prev);
			double *tmp = cur;
			cur = prev;
			prev = tmp;
		}
	}
}

/* Entry by entry as the checker does, with tight tolerances: the student's
 * loop calls the same steps as the library's, so only summation order may
 * differ. */
static void compare_exact(gblock *g, const double *a, const double *r,
			  size_t cnt, double atol)
{
	for (size_t i = 0; i < cnt; i++) {
		double e = fabs(a[i] - r[i]), s = fmax(fabs(a[i]), fabs(r[i]));
		if (!(e <= atol + 1e-8 * s))
			g->ok = 0;
		double rel = isnan(e) ? INFINITY : s > atol ? e / s : 0;
		if (rel > g->max_rel)
			g->max_rel = rel;
	}
}

/* student, reference (k), full, k − 1, k + 1, chunked */
enum { STU, REF, FULL, SHORT, LONG, CHUNK, NV };

/* The forward pass, kept for the callbacks. */
static void tb_forward(tb_ctx *ctx)
{
	const bt_model *M = ctx->model;
	const bt_data *data = ctx->data;
	bt_step fs = {M, NULL, NULL, ctx->scratch};
	size_t nb = M->type->nblocks, n = M->dims.n, m = M->dims.m, S = ctx->S;
	const double *V = M->theta + M->blocks[nb].offset;
	const double *by = M->theta + M->blocks[nb + 1].offset;
	for (size_t t = 1; t <= data->T; t++) {
		double *s = ctx->states + t * S, *yh = ctx->out + (t - 1) * m;
		M->type->forward(&fs, s - S, data->X + (t - 1) * M->dims.d, s,
				 ctx->caches + (t - 1) * ctx->C);
		for (size_t i = 0; i < m; i++) {
			yh[i] = by[i];
			for (size_t j = 0; j < n; j++)
				yh[i] += V[i * n + j] * s[j];
		}
	}
}

/* Every block of the student's result against the reference and the
 * wrong variants. */
static void tb_compare(report *rep, const bt_model *M, size_t T, size_t dd,
		       double *g[NV], double *dX[NV], double atol)
{
	for (size_t i = 0; i < rep->nb; i++) {
		size_t off = i < M->nblocks ? M->blocks[i].offset : 0;
		size_t rows = i < M->nblocks ? M->blocks[i].rows : T;
		size_t cols = i < M->nblocks ? M->blocks[i].cols : dd;
		size_t cnt = rows * cols;
		double *base[NV];
		for (int v = 0; v < NV; v++)
			base[v] = (i < M->nblocks ? g[v] : dX[v]) + off;
		gblock *gb = &rep->b[i];
		int was_ok = gb->ok;
		gb->ok = 1;
		compare_exact(gb, base[STU], base[REF], cnt, atol);
		if (!gb->ok) {
			double f;
			unsigned bits = classify(base[STU], base[REF], NULL, rows, cols, &f);
			bits &= ~(H_ROWS | H_COLS | H_TRANSPOSE);
			static const unsigned vb[NV] = {0, 0, H_FULL, H_SHORT, H_LONG, H_CHUNK};
			for (int v = FULL; v < NV; v++)
				if (near(base[STU], base[v], cnt))
					bits |= vb[v];
			diag_add(&gb->step, bits, 0, 0, 0, f);
		}
		gb->ok &= was_ok;
	}
}

/* The library's gradients for k, no truncation, k − 1 and k + 1. */
static int tb_reference(const bt_model *M, const bt_data *data, size_t k,
			double *g[NV], double *dX[NV], double *L)
{
	int st;
	if ((st = bt_gradient(M, data, k, L, g[REF], dX[REF])) != BT_OK ||
	    (st = bt_gradient(M, data, 0, L, g[FULL], dX[FULL])) != BT_OK ||
	    (st = bt_gradient(M, data, k > 1 ? k - 1 : 1, L, g[SHORT], dX[SHORT])) != BT_OK ||
	    (st = bt_gradient(M, data, k + 1, L, g[LONG], dX[LONG])) != BT_OK)
		return st;
	if (k == 1) {   /* the window k − 1 = 0 keeps only V and b_y */
		memset(dX[SHORT], 0, data->T * data->d * sizeof(double));
		for (size_t i = 0; i < M->type->nblocks; i++)
			memset(g[SHORT] + M->blocks[i].offset, 0,
			       M->blocks[i].rows * M->blocks[i].cols * sizeof(double));
	}
	return BT_OK;
}

static int tb_case(report *rep, const shape *sh, size_t c, gsl_rng *rng,
		   void (*truncated)(const ex_tbptt *, size_t))
{
	bt_model *M = NULL;
	bt_data *data = NULL;
	double *pool = NULL;
	int st = random_model(&M, &bt_cell_rnn, sh, grade_seed + 21 + c, rng);
	if (st == BT_OK)
		st = random_data(&data, sh, grade_seed + 201 + c);
	size_t N = M ? M->nparams : 0, NX = sh->T * sh->d, S = M ? M->state_size : 0;
	size_t C = M ? M->type->cache_size(&M->dims) : 0, T = sh->T;
	size_t Xs = M ? M->type->scratch_size(&M->dims) : 0;
	size_t total = NV * (N + NX) + (T + 1) * S + T * C + T * sh->m + Xs + 1 + 2 * S;
	if (st == BT_OK && !(pool = calloc(total, sizeof(double))))
		st = BT_ENOMEM;
	if (st != BT_OK)
		goto done;
	double *g[NV], *dX[NV], *p = pool;
	for (int v = 0; v < NV; v++) {
		g[v] = p;
		dX[v] = p + N;
		p += N + NX;
	}
	tb_ctx ctx = {M, data, S, C, p, p + (T + 1) * S, p + (T + 1) * S + T * C,
		      p + (T + 1) * S + T * C + T * sh->m, g[CHUNK], dX[CHUNK],
		      NULL, sh->k, 0, 0};
	double *bufs = ctx.scratch + Xs + 1, L;
	tb_forward(&ctx);
	ex_tbptt prob = {T, S, tb_term, tb_step, bufs, bufs + S, &ctx};
	tb_chunked(&prob, sh->k);
	if ((st = tb_reference(M, data, sh->k, g, dX, &L)) != BT_OK)
		goto done;
	phase('k');
	ctx.grad = g[STU];
	ctx.dX = dX[STU];
	ctx.rep = rep;
	ctx.budget = 4 * T * (sh->k + 1) + 16;
	memset(bufs, 0, 2 * S * sizeof(double));
	truncated(&prob, sh->k);
	tb_compare(rep, M, T, sh->d, g, dX, 1e-10 * fmax(1, fabs(L)));
done:
	free(pool);
	bt_model_free(M);
	bt_data_free(data);
	return st;
}

static int grade_tbptt(report *rep, void (*truncated)(const ex_tbptt *, size_t))
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, grade_seed + 1);
	for (size_t i = 0; i < rep->nb; i++)
		rep->b[i].ok = 1;
	int st = BT_OK;
	for (size_t c = 0; c < NSHAPES(tbptt_shapes) && st == BT_OK; c++)
		st = tb_case(rep, &tbptt_shapes[c], c, rng, truncated);
	gsl_rng_free(rng);
	return st;
}

/* ---- arguments ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: grade [--exercise NAME] [--file PATH] [--result FILE] [--seed N]\n"
		"             [--mode derive|guided] [--hints 0..3]\n"
		"             [--format text|gradescope|junit] [--asan PATH]\n\n"
		"Grades the exercise file this program was linked with (make grade\n"
		"EX=NAME [STUDENT=file.c] builds and runs it): each output of one step\n"
		"of the backward pass against the library's cell, and every block of\n"
		"the whole-sequence gradient against finite differences of the loss\n"
		"(the truncated-BPTT exercise: against the library's truncated\n"
		"gradient). A failing part gets a hint.\n\n"
		"  --exercise NAME  refuse to grade unless the file is this exercise\n"
		"  --file PATH      the file's name, for the messages\n"
		"  --result FILE    the result file (default grade-NAME.txt, results.json\n"
		"                   for gradescope, grade-NAME.xml for junit)\n"
		"  --seed N         other random models (default 20240607)\n"
		"  --mode M         derive (default) or guided: recorded in the result\n"
		"  --hints L        0 PASS/FAIL only, 1 the kind of mistake (default),\n"
		"                   2 also which term of which equation, 3 also the\n"
		"                   equation\n"
		"  --format F       text (default), gradescope (results.json) or junit\n"
		"  --asan PATH      the same file built with AddressSanitizer: a crash is\n"
		"                   run again with it to name the file:line\n\n"
		"Exit status: 0 full marks, 1 anything less (a crash, an endless loop or\n"
		"an exit of the code under test included), 2 bad arguments, a record that\n"
		"is not the exercise's, or an unwritable result file.\n");
}

typedef struct {
	const char *want, *file, *result, *asan;
	int diagnose;
} args;

static int pick(const char *v, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i])) {
			*out = i;
			return 1;
		}
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, args *a, report *rep)
{
	static const char *const modes[] = {"derive", "guided"};
	static const char *const fmts[] = {"text", "gradescope", "junit"};
	static const char *const levels[] = {"0", "1", "2", "3"};
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int ok = 1;
		if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(o, "--diagnose")) {
			a->diagnose = 1;
			continue;
		}
		if (!v || strncmp(o, "--", 2)) {
			fprintf(stderr, "grade: %s: %s\n", o, o[0] == '-' ? "missing value"
				: "unexpected argument");
			usage(stderr);
			return 2;
		}
		i++;
		if (!strcmp(o, "--exercise"))
			a->want = v;
		else if (!strcmp(o, "--file"))
			a->file = v;
		else if (!strcmp(o, "--result"))
			a->result = v;
		else if (!strcmp(o, "--asan"))
			a->asan = v;
		else if (!strcmp(o, "--mode"))
			ok = pick(v, modes, 2, &rep->mode);
		else if (!strcmp(o, "--format"))
			ok = pick(v, fmts, 3, &rep->format);
		else if (!strcmp(o, "--hints"))
			ok = pick(v, levels, 4, &rep->hints);
		else if (!strcmp(o, "--seed")) {
			char *end;
			errno = 0;
			grade_seed = strtoul(v, &end, 10);
			ok = !(errno || end == v || *end || v[0] == '-');
		} else {
			fprintf(stderr, "grade: %s: unknown option\n", o);
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "grade: %s %s: not one of the values --help lists\n", o, v);
			return 2;
		}
	}
	return -1;
}

/* The blocks the exercise grades, before anything of the student's runs. */
static int expected_blocks(report *rep, const bt_cell_type *type)
{
	bt_model *M = NULL;
	bt_dims dm = {2, 2, 2};
	int st = bt_model_alloc(&M, type, dm, BT_ACT_TANH);
	if (st != BT_OK)
		return st;
	size_t nb = !strcmp(rep->ex, "tbptt") ? M->nblocks : type->nblocks;
	for (size_t i = 0; i < nb; i++)
		snprintf(rep->b[i].name, sizeof rep->b[i].name, "%s", M->blocks[i].name);
	snprintf(rep->b[nb].name, sizeof rep->b[nb].name, "X");
	rep->nb = nb + 1;
	rep->ncell = type->nblocks;
	rep->has_c = M->state_size > dm.n;
	rep->local = strcmp(rep->ex, "tbptt") != 0;
	/* the orthogonal exercise grades A only: the rest is given code */
	int fin = !strcmp(rep->ex, "orthogonal");
	if (fin)
		rep->nb = 1;
	rep->nlocal = !rep->local ? 0 : fin ? 1 : rep->nb;
	rep->nstate = !rep->local || fin ? 0 : rep->has_c ? 2 : 1;
	if (!strcmp(rep->ex, "attention"))
		rep->nstate = 3;
	bt_model_free(M);
	return BT_OK;
}

/* The exercise's reference record, or NULL after a message. */
static const bt_cell_type *check_exercise(const ex_exercise *ex, const char *file,
					  const char *ename)
{
	char msg[256];
	if (!strcmp(ename, "tbptt")) {
		if (!ex->truncated) {
			fprintf(stderr, "grade: %s: student_exercise.truncated is NULL\n", file);
			return NULL;
		}
		return &bt_cell_rnn;
	}
	const bt_cell_type *ref = bt_cell_lookup(ename);
	int fin = !strcmp(ename, "orthogonal"), att = !strcmp(ename, "attention");
	if (!ref || (strcmp(ename, "rnn") && strcmp(ename, "gru") && strcmp(ename, "lstm") &&
		     !fin && !att)) {
		fprintf(stderr, "grade: %s: unknown exercise '%s' (rnn, gru, lstm, "
			"orthogonal, attention, tbptt)\n", file, ename);
		return NULL;
	}
	const bt_cell_type *c = ex->cell;
	if (!c) {
		fprintf(stderr, "grade: %s: student_exercise.cell is NULL\n", file);
		return NULL;
	}
	if (!c->backward || !c->forward || !c->layout || !c->state_size ||
	    !c->cache_size || !c->scratch_size ||
	    (fin && (!c->prepare || !c->finish || !c->aux_size)) ||
	    (att && (!c->readout_forward || !c->readout_backward ||
		     !c->readout_scratch_size))) {
		fprintf(stderr, "grade: %s: the record lacks forward, backward, "
			"layout or a size function%s\n", file,
			fin ? " (or prepare, finish, aux_size)" :
			att ? " (or the readout functions)" : "");
		return NULL;
	}
	if (!same_layout(c, ref, msg, sizeof msg)) {
		fprintf(stderr, "grade: %s: the record's layout is not the %s exercise's: "
			"%s (the layout is given: restore it)\n", file, ename, msg);
		return NULL;
	}
	return ref;
}

/* ---- the child, and watching it ------------------------------------------------ */

static const char *phase_text(char c)
{
	switch (c) {
	case 'n':
		return "while calling your backward with ds_prev = NULL and dx = NULL";
	case 's':
		return "while running one step of your backward";
	case 'f':
		return "while the checker ran your backward over sequences";
	case 'k':
		return "while running your truncated loop";
	case 'F':
		return "while running your finish (dL/dW to dL/dA)";
	case 'R':
		return "while calling your readout backward with dX = NULL";
	case 'r':
		return "while running your readout backward (the direct part) once";
	default:
		return "before your code ran";
	}
}

static int run_grading(report *rep, const ex_exercise *ex, const bt_cell_type *ref)
{
	return !strcmp(rep->ex, "tbptt") ? grade_tbptt(rep, ex->truncated)
					 : grade_cell(rep, ex->cell, ref);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Waits for the child; stops it when it makes no progress for HANG_SECONDS
 * or runs longer than TIME_LIMIT. Returns 0, or 1 (hung), 2 (too long). */
static int watch(pid_t pid, int *status)
{
	unsigned long last = chan->beat;
	double t0 = now(), tb = t0;
	int stopped = 0;
	for (;;) {
		pid_t w = waitpid(pid, status, stopped ? 0 : WNOHANG);
		if (w == pid)
			return stopped;
		if (w < 0 && errno != EINTR) {
			*status = 0;
			return stopped;
		}
		if (stopped)
			continue;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		double t = now();
		if (chan->beat != last) {
			last = chan->beat;
			tb = t;
		}
		if (t - tb > HANG_SECONDS || t - t0 > TIME_LIMIT) {
			stopped = t - tb > HANG_SECONDS ? 1 : 2;
			kill(pid, SIGKILL);
		}
	}
}

static unsigned long long draw_token(void)
{
	unsigned long long t = 0;
	while (t == 0)
		if (getrandom(&t, sizeof t, 0) != (ssize_t)sizeof t)
			t = (unsigned long long)now() * 2654435761ULL ^ (unsigned long long)getpid();
	return t;
}

/* The report the child published, if it is complete and is the one this
 * run asked for. */
static int accept_report(const report *want, int status)
{
	if (__atomic_load_n(&chan->done, __ATOMIC_SEQ_CST) != run_token ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 0;
	const report *got = &chan->rep;
	if (chan->error)
		return 1;
	if (got->nb != want->nb)
		return 0;
	for (size_t i = 0; i < want->nb; i++)
		if (strcmp(got->b[i].name, want->b[i].name))
			return 0;
	return 1;
}

/* ---- what went wrong: AddressSanitizer's word ---------------------------------- */

/* The first "NAME:LINE" of the student's file in the report. */
static int find_location(const char *text, const char *base, char *out, size_t len)
{
	size_t bl = strlen(base);
	for (const char *p = strstr(text, base); p; p = strstr(p + 1, base)) {
		if (p > text && p[-1] != '/' && p[-1] != ' ' && p[-1] != '(')
			continue;
		if (p[bl] != ':' || p[bl + 1] < '0' || p[bl + 1] > '9')
			continue;
		snprintf(out, len, "%.*s:%ld", (int)(bl > 200 ? 200 : bl), base,
			 strtol(p + bl + 1, NULL, 10));
		return 1;
	}
	return 0;
}

static void fault_kind(const char *text, const char *phase, char *out, size_t len)
{
	const char *p;
	int write = strstr(text, "WRITE") != NULL;
	const char *acc = write ? "a write" : "a read";
	if ((p = strstr(text, "runtime error: "))) {
		p += strlen("runtime error: ");
		snprintf(out, len, "undefined behaviour: %.*s%s", (int)strcspn(p, "\n"), p,
			 strstr(text, "null pointer") && phase && phase[0] == 'n'
				 ? " (ds_prev or dx is NULL here, which is allowed: it means "
				   "'not needed'; check before writing)" : "");
	} else if (strstr(text, "stack-overflow")) {
		snprintf(out, len, "stack overflow: a recursion that never ends, or a huge local array?");
	} else if ((p = strstr(text, "-buffer-overflow"))) {
		const char *r = strstr(text, "-byte region");
		long size = 0;
		if (r) {
			while (r > text && r[-1] >= '0' && r[-1] <= '9')
				r--;
			size = strtol(r, NULL, 10);
		}
		int before = strstr(text, "to the left of") || strstr(text, "bytes before");
		snprintf(out, len, "%s %s a %ld-byte %s (an index out of range: check "
			 "the loop bounds and the strides, e.g. [i * d + j] for U)", acc,
			 before ? "before the start of" : "past the end of", size,
			 strstr(text, "stack-buffer") ? "local array" : "buffer");
	} else if (strstr(text, "SEGV on unknown address")) {
		const char *a = strstr(text, "address ");
		unsigned long addr = a ? strtoul(a + 8, NULL, 16) : 1;
		if (addr < 4096 || strstr(text, "zero page"))
			snprintf(out, len, "%s through a NULL pointer%s", acc, phase &&
				 phase[0] == 'n' ? " (ds_prev or dx is NULL here, which is "
				 "allowed: it means 'not needed'; check before writing)" : "");
		else
			snprintf(out, len, "%s at a wild address (an index far out of "
				 "range, or a pointer not set?)", acc);
	} else if (strstr(text, "ABRT")) {
		snprintf(out, len, "abort() was called (a failed assert?)");
	} else if (strstr(text, "FPE")) {
		snprintf(out, len, "an arithmetic fault (an integer division by zero?)");
	} else if ((p = strstr(text, "ERROR: AddressSanitizer: "))) {
		p += strlen("ERROR: AddressSanitizer: ");
		snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
	} else {
		out[0] = 0;
	}
}

/* Runs the AddressSanitizer build on the same file; its report on stderr
 * says where and what. */
static void asan_diagnose(const char *asan, const report *rep, char ph,
			  char *out, size_t len)
{
	out[0] = 0;
	int fds[2];
	if (!asan || access(asan, X_OK) != 0 || pipe(fds) != 0)
		return;
	char seed[32], phs[2] = {ph, 0};
	snprintf(seed, sizeof seed, "%lu", grade_seed);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		setenv("ASAN_OPTIONS", "detect_leaks=0:handle_abort=1:handle_sigfpe=1:"
		       "handle_sigill=1:symbolize=1:exitcode=99", 1);
		setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1", 1);
		execl(asan, asan, "--exercise", rep->ex, "--file", rep->file, "--seed",
		      seed, "--diagnose", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		return;
	}
	static char text[65536];
	size_t got = 0;
	ssize_t r;
	double t0 = now();
	while (got + 1 < sizeof text && (r = read(fds[0], text + got, sizeof text - 1 - got)) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		got += r > 0 ? (size_t)r : 0;
		if (now() - t0 > 60)
			break;
	}
	text[got] = 0;
	close(fds[0]);
	kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	const char *base = strrchr(rep->file, '/') ? strrchr(rep->file, '/') + 1 : rep->file;
	char loc[256] = "", kind[300];
	fault_kind(text, phs, kind, sizeof kind);
	if (!kind[0])
		return;
	if (find_location(text, base, loc, sizeof loc))
		snprintf(out, len, "%s: %s", loc, kind);
	else
		snprintf(out, len, "%s (not in a line of %s: in a function it called?)",
			 kind, base);
}

/* The child did not finish: why, in rep->crash; every part fails. */
static void explain_failure(report *rep, int status, int stopped, char ph,
			    const char *asan)
{
	char where[400] = "";
	if (stopped == 1)
		snprintf(rep->crash, sizeof rep->crash, "your code made no progress for "
			 "%d s %s: an endless loop?", HANG_SECONDS, phase_text(ph));
	else if (stopped == 2)
		snprintf(rep->crash, sizeof rep->crash, "your code ran longer than %d s "
			 "%s: an endless loop?", TIME_LIMIT, phase_text(ph));
	else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (sig != SIGKILL)
			asan_diagnose(asan, rep, ph, where, sizeof where);
		snprintf(rep->crash, sizeof rep->crash, "your code was ended by signal %d "
			 "(SIG%s, %s) %s%s%s%s", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
			 strsignal(sig), phase_text(ph), where[0] ? "\n      " : "", where,
			 sig == SIGKILL ? "\n      (SIGKILL: too much memory, or a kill)" :
			 where[0] || asan ? "" : "\n      (make grade ... SANITIZE=1 shows where)");
	} else if (WIFEXITED(status)) {
		if (WEXITSTATUS(status) == 99 || WEXITSTATUS(status) == 1)
			asan_diagnose(asan, rep, ph, where, sizeof where);
		if (where[0])   /* a sanitizer in this build stopped it */
			snprintf(rep->crash, sizeof rep->crash, "your code crashed "
				 "(AddressSanitizer or UBSan stopped it, exit status %d) %s\n      %s",
				 WEXITSTATUS(status), phase_text(ph), where);
		else
			snprintf(rep->crash, sizeof rep->crash, "your code ended the program "
				 "(exit status %d, without a complete result) %s",
				 WEXITSTATUS(status), phase_text(ph));
	} else {
		snprintf(rep->crash, sizeof rep->crash, "the grading stopped %s", phase_text(ph));
	}
	for (size_t i = 0; i < rep->nb; i++) {
		rep->b[i].ok = 0;
		rep->b[i].max_rel = INFINITY;
		rep->b[i].step.wrong = 1;
		rep->b[i].step.bits = 0;
	}
	rep->state[0].wrong = rep->state[1].wrong = 1;
}

/* ---- main ------------------------------------------------------------------------ */

/* Grades in a child; fills rep (complete, or failing with the reason).
 * Returns -1, or an exit status (the grader's own failure). */
static int grade_in_child(report *rep, const ex_exercise *ex,
			  const bt_cell_type *ref, const char *asan)
{
	chan = mmap(NULL, sizeof *chan, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (chan == MAP_FAILED) {
		perror("grade: mmap");
		return 2;
	}
	memset(chan, 0, sizeof *chan);
	run_token = draw_token();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("grade: fork");
		return 2;
	}
	if (pid == 0)
		publish(rep, run_grading(rep, ex, ref));
	int status = 0;
	int stopped = watch(pid, &status);
	if (!stopped && accept_report(rep, status)) {
		if (chan->error) {
			fprintf(stderr, "grade: %s\n", bt_strerror(chan->error));
			return 2;
		}
		const char *e = rep->ex, *f = rep->file;
		memcpy(rep, &chan->rep, sizeof *rep);
		rep->ex = e;
		rep->file = f;
		return -1;
	}
	explain_failure(rep, status, stopped, chan->phase, asan);
	return -1;
}

int main(int argc, char **argv)
{
	static report rep;
	args a = {NULL, "(linked exercise file)", NULL, NULL, 0};
	rep.hints = 1;
	int rc = parse_args(argc, argv, &a, &rep);
	if (rc >= 0)
		return rc;
	const ex_exercise *ex = &student_exercise;
	rep.ex = ex->name ? ex->name : "?";
	rep.file = a.file;
	if (a.want && strcmp(a.want, rep.ex)) {
		fprintf(stderr, "grade: %s is the '%s' exercise, not '%s'\n", a.file,
			rep.ex, a.want);
		return 2;
	}
	const bt_cell_type *ref = check_exercise(ex, a.file, rep.ex);
	if (!ref)
		return 2;
	if (expected_blocks(&rep, ref) != BT_OK) {
		fprintf(stderr, "grade: out of memory\n");
		return 2;
	}
	if (a.diagnose)   /* under AddressSanitizer, to crash where the child did */
		return run_grading(&rep, ex, ref) == BT_OK ? 0 : 2;
	char defpath[64];
	const char *result = a.result ? a.result
				      : grade_default_result(&rep, defpath, sizeof defpath);
	printf("grading the %s exercise (%s mode): %s\n", rep.ex,
	       rep.mode == MODE_GUIDED ? "guided" : "derive", a.file);
	if ((rc = grade_in_child(&rep, ex, ref, a.asan)) >= 0)
		return rc;
	grade_print(&rep);
	if (grade_save(&rep, result) != 0)
		return 2;
	printf("result: %s\n", result);
	size_t max, got = grade_points(&rep, &max);
	return got == max ? 0 : 1;
}
