/* SPDX-License-Identifier: GPL-3.0-or-later */
/* grade.c — the grader of the exercises in lessons/exercises/.
 *
 *     make grade EX=gru [STUDENT=path/to/ex_gru.c] [RESULT=file]
 *     grade [--exercise NAME] [--file PATH] [--result FILE] [--seed N]
 *
 * Linked with one exercise file (a student's, or a reference solution) and
 * the library; the file says which exercise it is (exercise.h).
 *
 * A cell exercise (rnn, gru, lstm) is graded block by block, two ways:
 *
 *  1. the verdict: on a few random models with irregular parameters (T = 1
 *     among them, masks among them) the library's sequence code runs the
 *     student's record forward and backward, and bt_gradcheck compares
 *     every block of ∂L/∂θ and ∂L/∂X with finite differences of the loss
 *     (which use only the given forward step). A block passes when it
 *     agrees on every model.
 *  2. the hint: one step of the student's backward from a random state,
 *     with the gradient buffers already holding random values, is compared
 *     with the library's own cell on the same parameters (same layout), and
 *     with variants of it: zero, transposed, negated, scaled, overwritten
 *     instead of added to, another block's gradient, a path through one
 *     block left out, the gradient arriving through c_t left out, each row
 *     (each unit's δa) off by its own factor… Whatever explains every
 *     wrong step becomes the hint.
 *
 * The truncated-BPTT exercise runs the student's sliding-window loop over
 * per-step callbacks (a tanh RNN) and compares every block with the
 * library's bt_gradient(…, k, …); hints come from the library's gradient
 * for k − 1, k + 1 and no truncation, and from the chunked variant.
 *
 * Output: a table (block, max relative error, PASS/FAIL, hint) on stdout,
 * and a result file (default grade-EX.txt) with one line per block
 * `block NAME MAX_REL_ERROR PASS|FAIL` and a last line `score P/N`.
 * Exit status 0 when every block passes, 1 otherwise (a crash or a time-out
 * of the student's code included: every block then FAILs), 2 on bad
 * arguments, a record whose layout is not the exercise's, or a result file
 * that could not be written.
 *
 * The grading runs in a child process, so that a crash in the student's
 * code still gives a message and a result file.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gsl/gsl_randist.h>
#include "exercise.h"

#define MAXB (BT_MAX_BLOCKS + 1)
#define TIME_LIMIT 120   /* seconds for the whole grading */
/* The checker's relative tolerance. Its default, 1e-6, failed a correct
 * solution on 1 of 600 random models (a strongly nonlinear one, where the
 * finite differences themselves are off by 2e-6); 1e-5 failed none of
 * 3000, and a missing or wrong term is off by far more. */
#define GRADE_RTOL 1e-5

/* Explanations of a wrong block; a hint is one that held every time. */
enum {
	H_ZERO = 1u << 0,       /* nothing added */
	H_OVERWRITE = 1u << 1,  /* = instead of += */
	H_SIGN = 1u << 2,
	H_TRANSPOSE = 1u << 3,
	H_FACTOR = 1u << 4,     /* a constant factor */
	H_NO_C = 1u << 5,       /* δc_t (the c part of ds) ignored */
	H_NO_H = 1u << 6,       /* δh_t ignored */
	H_DIRECT = 1u << 7,     /* the path without a matrix left out */
	H_ROWS = 1u << 8,       /* each row off by its own factor */
	H_COLS = 1u << 9,       /* each column off by its own factor */
	H_FULL = 1u << 10,      /* tbptt: no truncation */
	H_SHORT = 1u << 11,     /* tbptt: window k − 1 */
	H_LONG = 1u << 12,      /* tbptt: window k + 1 */
	H_CHUNK = 1u << 13      /* tbptt: chunked windows */
};

typedef struct {
	int wrong;                   /* differed at least once */
	unsigned bits;               /* the H_* that held every time */
	unsigned long long like;     /* blocks whose gradient it equalled */
	unsigned long long path;     /* blocks whose path it left out */
	unsigned long long tpath;    /* blocks it used transposed */
	double factor;
} diag;

typedef struct {
	char name[16];
	size_t rows, cols;
	double max_rel;
	int ok;
	diag step;
} gblock;

typedef struct {
	const char *ex, *file;
	size_t nb;                   /* graded blocks: the cell's, then X */
	gblock b[MAXB];
	size_t ncell;                /* the cell's blocks (names for like/path) */
	int forward_changed;
	int has_c;                   /* the state is [h; c] */
	diag state[2];               /* δh_{t-1}, δc_{t-1} */
	int null_differs;            /* other gradients with ds_prev = dx = NULL */
	char note[256];              /* tbptt: a misuse of the callbacks */
} report;

static void diag_add(diag *g, unsigned bits, unsigned long long like,
		     unsigned long long path, unsigned long long tpath,
		     double factor)
{
	if (!g->wrong) {
		*g = (diag){1, bits, like, path, tpath, factor};
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
	return bits;
}

/* ---- the equations, for the hints ------------------------------------------ */

static const struct {
	const char *ex, *block, *eq;
} equations[] = {
	{"rnn", "W", "dW += da_t h_{t-1}^T with da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "U", "dU += da_t x_t^T with da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "b", "db += da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "X", "dx_t += U^T da_t"},
	{"rnn", "h", "dh_{t-1} += W^T da_t"},
#define GRU_DZ "da_z = dh_t * (h~_t - h_{t-1}) * z_t * (1 - z_t)"
#define GRU_DR "da_r = (W_h^T da_h) * h_{t-1} * r_t * (1 - r_t)"
#define GRU_DH "da_h = dh_t * z_t * (1 - h~_t^2)"
	{"gru", "W_z", "dW_z += da_z h_{t-1}^T, " GRU_DZ},
	{"gru", "U_z", "dU_z += da_z x_t^T, " GRU_DZ},
	{"gru", "b_z", "db_z += da_z, " GRU_DZ},
	{"gru", "W_r", "dW_r += da_r h_{t-1}^T, " GRU_DR},
	{"gru", "U_r", "dU_r += da_r x_t^T, " GRU_DR},
	{"gru", "b_r", "db_r += da_r, " GRU_DR},
	{"gru", "W_h", "dW_h += da_h (r_t * h_{t-1})^T, " GRU_DH},
	{"gru", "U_h", "dU_h += da_h x_t^T, " GRU_DH},
	{"gru", "b_h", "db_h += da_h, " GRU_DH},
	{"gru", "X", "dx_t += U_z^T da_z + U_r^T da_r + U_h^T da_h"},
	{"gru", "h", "dh_{t-1} += (1 - z_t) * dh_t + r_t * (W_h^T da_h) + W_z^T da_z + W_r^T da_r"},
#define LSTM_DC "dc'_t = dc_t + dh_t * o_t * (1 - tanh^2 c_t)"
#define LSTM_DF "da_f = dc'_t * c_{t-1} * f_t * (1 - f_t), " LSTM_DC
#define LSTM_DI "da_i = dc'_t * g_t * i_t * (1 - i_t), " LSTM_DC
#define LSTM_DO "da_o = dh_t * tanh(c_t) * o_t * (1 - o_t)"
#define LSTM_DG "da_g = dc'_t * i_t * (1 - g_t^2), " LSTM_DC
	{"lstm", "W_f", "dW_f += da_f h_{t-1}^T, " LSTM_DF},
	{"lstm", "W_i", "dW_i += da_i h_{t-1}^T, " LSTM_DI},
	{"lstm", "W_o", "dW_o += da_o h_{t-1}^T, " LSTM_DO},
	{"lstm", "W_g", "dW_g += da_g h_{t-1}^T, " LSTM_DG},
	{"lstm", "U_f", "dU_f += da_f x_t^T, " LSTM_DF},
	{"lstm", "U_i", "dU_i += da_i x_t^T, " LSTM_DI},
	{"lstm", "U_o", "dU_o += da_o x_t^T, " LSTM_DO},
	{"lstm", "U_g", "dU_g += da_g x_t^T, " LSTM_DG},
	{"lstm", "b_f", "db_f += " LSTM_DF},
	{"lstm", "b_i", "db_i += " LSTM_DI},
	{"lstm", "b_o", "db_o += " LSTM_DO},
	{"lstm", "b_g", "db_g += " LSTM_DG},
	{"lstm", "X", "dx_t += U_f^T da_f + U_i^T da_i + U_o^T da_o + U_g^T da_g"},
	{"lstm", "h", "dh_{t-1} += W_f^T da_f + W_i^T da_i + W_o^T da_o + W_g^T da_g"},
	{"lstm", "c", "dc_{t-1} += dc'_t * f_t, " LSTM_DC},
};

static const char *equation(const char *ex, const char *block)
{
	for (size_t i = 0; i < sizeof equations / sizeof equations[0]; i++)
		if (!strcmp(equations[i].ex, ex) && !strcmp(equations[i].block, block))
			return equations[i].eq;
	return NULL;
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

/* ---- child → parent: how far the grading got ------------------------------- */

static int progress_fd = -1;
static unsigned long grade_seed = 20240607UL;   /* --seed */

static void phase(char c)
{
	if (progress_fd >= 0) {
		ssize_t w = write(progress_fd, &c, 1);
		(void)w;
	}
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
			snprintf(msg, len, "block %zu is %s %zux%zu, the exercise's "
				 "%s %zux%zu (for d = 3, n = 5)", i + 1, ba[i].name,
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

/* One step from a random state, the student's record against the
 * library's, everything compared as contributions (after minus before). */
static int step_case(report *rep, const bt_model *R, const bt_model *Sm,
		     gsl_rng *rng)
{
	const bt_cell_type *tr = R->type, *ts = Sm->type;
	const bt_dims *dm = &R->dims;
	size_t S = R->state_size, n = dm->n, d = dm->d, N = R->nparams;
	size_t nc = tr->nblocks;
	size_t Cs = ts->cache_size(dm), Cr = tr->cache_size(dm);
	size_t Xs = ts->scratch_size(dm), Xr = tr->scratch_size(dm);
	size_t total = 3 * S + d + S + Cs + Cr + Xs + Xr + 4 * N + 3 * d + 3 * S +
		       2 * (nc + 1) * (d + S) + 2 * N + 2 * (d + S) + 2 * S + 8;
	double *pool = calloc(total, sizeof(double)), *p = pool;
	bt_model *Rz = NULL;
	int st = pool ? bt_model_copy(&Rz, R) : BT_ENOMEM;
	if (st != BT_OK) {
		free(pool);
		return st;
	}
#define TAKE(k) (p += (k), p - (k))
	double *sp = TAKE(S), *ss = TAKE(S), *sr = TAKE(S), *x = TAKE(d);
	double *ds = TAKE(S), *cs = TAKE(Cs + 1), *cr = TAKE(Cr + 1);
	double *xs = TAKE(Xs + 1), *xr = TAKE(Xr + 1);
	double *g0 = TAKE(N), *gs = TAKE(N), *gr = TAKE(N), *gz = TAKE(N);
	double *dx0 = TAKE(d), *dxs = TAKE(d), *dxr = TAKE(d);
	double *dp0 = TAKE(S), *dps = TAKE(S), *dpr = TAKE(S);
	double *dxz = TAKE((nc + 1) * d), *dpz = TAKE((nc + 1) * S);
	double *dxt = TAKE((nc + 1) * d), *dpt = TAKE((nc + 1) * S);
	double *gpart = TAKE(2 * N), *dxpart = TAKE(2 * d), *dppart = TAKE(2 * S);
	double *dspart = TAKE(2 * S);
#undef TAKE
	for (size_t i = 0; i < S; i++) {
		sp[i] = gsl_ran_gaussian(rng, 0.6);
		ds[i] = gsl_ran_gaussian(rng, 1.0);
		dp0[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (size_t i = 0; i < d; i++) {
		x[i] = gsl_ran_gaussian(rng, 1.0);
		dx0[i] = gsl_ran_gaussian(rng, 1.0);
	}
	for (size_t i = 0; i < N; i++)
		g0[i] = gsl_ran_gaussian(rng, 1.0);
	bt_step cst = {Sm, NULL, NULL, xs}, crt = {R, NULL, NULL, xr};
	ts->forward(&cst, sp, x, ss, cs);
	tr->forward(&crt, sp, x, sr, cr);
	if (!near(ss, sr, S))
		rep->forward_changed = 1;

	/* ds_prev and dx may be NULL: the parameter gradients must not change */
	phase('n');
	memcpy(gs, g0, N * sizeof(double));
	ts->backward(&cst, sp, x, ss, cs, ds, NULL, NULL, gs);
	memcpy(gz, gs, N * sizeof(double));

	phase('s');
	memcpy(gs, g0, N * sizeof(double));
	memcpy(gr, g0, N * sizeof(double));
	memcpy(dxs, dx0, d * sizeof(double));
	memcpy(dxr, dx0, d * sizeof(double));
	memcpy(dps, dp0, S * sizeof(double));
	memcpy(dpr, dp0, S * sizeof(double));
	ts->backward(&cst, sp, x, ss, cs, ds, dps, dxs, gs);
	tr->backward(&crt, sp, x, sr, cr, ds, dpr, dxr, gr);
	if (!near(gz, gs, N))
		rep->null_differs = 1;
	/* contributions */
	for (size_t i = 0; i < N; i++) {
		gs[i] -= g0[i];
		gr[i] -= g0[i];
	}
	for (size_t i = 0; i < d; i++) {
		dxs[i] -= dx0[i];
		dxr[i] -= dx0[i];
	}
	for (size_t i = 0; i < S; i++) {
		dps[i] -= dp0[i];
		dpr[i] -= dp0[i];
	}
	/* the library's step with block B zeroed (a path left out), and with
	 * every block zeroed (what is left is the direct path) */
	for (size_t B = 0; B <= nc; B++) {
		memcpy(Rz->theta, R->theta, N * sizeof(double));
		for (size_t j = 0; j < nc; j++)
			if (j == B || B == nc)
				memset(Rz->theta + Rz->blocks[j].offset, 0,
				       Rz->blocks[j].rows * Rz->blocks[j].cols *
					       sizeof(double));
		bt_step cz = {Rz, NULL, NULL, xr};
		memset(gz, 0, N * sizeof(double));
		tr->backward(&cz, sp, x, sr, cr, ds, dpz + B * S, dxz + B * d, gz);
	}
	/* …and with one square block transposed (W where Wᵀ belongs), or
	 * every square block (B = nc) */
	for (size_t B = 0; B <= nc && n > 1; B++) {
		memcpy(Rz->theta, R->theta, N * sizeof(double));
		for (size_t j = 0; j < nc; j++) {
			const bt_block *bl = &R->blocks[j];
			if ((j != B && B != nc) || bl->rows != bl->cols)
				continue;
			double *w = Rz->theta + bl->offset;
			const double *w0 = R->theta + bl->offset;
			for (size_t i = 0; i < bl->rows; i++)
				for (size_t k = 0; k < bl->cols; k++)
					w[i * bl->cols + k] = w0[k * bl->cols + i];
		}
		bt_step cz = {Rz, NULL, NULL, xr};
		memset(gz, 0, N * sizeof(double));
		tr->backward(&cz, sp, x, sr, cr, ds, dpt + B * S, dxt + B * d, gz);
	}
	/* the library's step with the c part of ds zeroed, then the h part */
	int parts = S > n ? 2 : 0;
	for (int q = 0; q < parts; q++) {
		double *dsq = dspart + q * S;
		memcpy(dsq, ds, S * sizeof(double));
		memset(q == 0 ? dsq + n : dsq, 0,
		       (q == 0 ? S - n : n) * sizeof(double));
		tr->backward(&crt, sp, x, sr, cr, dsq, dppart + q * S,
			     dxpart + q * d, gpart + q * N);
	}
	double f;
	for (size_t i = 0; i < nc; i++) {
		const bt_block *bl = &R->blocks[i];
		size_t o = bl->offset, cnt = bl->rows * bl->cols;
		if (near(gs + o, gr + o, cnt))
			continue;
		unsigned bits = classify(gs + o, gr + o, g0 + o, bl->rows,
					 bl->cols, &f);
		unsigned long long like = 0;
		for (size_t j = 0; j < nc; j++) {
			const bt_block *bj = &R->blocks[j];
			if (j != i && bj->rows == bl->rows && bj->cols == bl->cols &&
			    near(gs + o, gr + bj->offset, cnt))
				like |= 1ull << j;
		}
		for (int q = 0; q < parts; q++)
			if (!near(gpart + q * N + o, gr + o, cnt) &&
			    near(gs + o, gpart + q * N + o, cnt))
				bits |= q == 0 ? H_NO_C : H_NO_H;
		diag_add(&rep->b[i].step, bits, like, 0, 0, f);
	}
	/* dx, then δh_{t-1} and δc_{t-1}: which paths are missing */
	struct {
		double *a, *r, *z, *t, *part;
		size_t off, len, stride;
		diag *g;
	} vec[3] = {
		{dxs, dxr, dxz, dxt, dxpart, 0, d, d, &rep->b[nc].step},
		{dps, dpr, dpz, dpt, dppart, 0, n, S, &rep->state[0]},
		{dps, dpr, dpz, dpt, dppart, n, S - n, S, &rep->state[1]},
	};
	for (int v = 0; v < (S > n ? 3 : 2); v++) {
		double *a = vec[v].a + vec[v].off, *r = vec[v].r + vec[v].off;
		size_t len = vec[v].len, str = vec[v].stride;
		if (near(a, r, len))
			continue;
		unsigned bits = classify(a, r, NULL, len, 1, &f);
		bits &= ~(H_ROWS | H_COLS | H_TRANSPOSE);
		unsigned long long path = 0, tpath = 0;
		for (size_t B = 0; B <= nc; B++) {
			const double *z = vec[v].z + B * str + vec[v].off;
			const double *t = vec[v].t + B * str + vec[v].off;
			int square = B == nc || (R->blocks[B].rows == R->blocks[B].cols);
			if (B < nc && !near(z, r, len) && near(a, z, len))
				path |= 1ull << B;
			if (n > 1 && square && !near(t, r, len) && near(a, t, len))
				tpath |= 1ull << B;
		}
		/* the direct path: r minus what is left with every block zeroed */
		const double *z0 = vec[v].z + nc * str + vec[v].off;
		if (amax(z0, len) > 1e-9 * amax(r, len) &&
		    near_lin(a, 1, r, -1, z0, len))
			bits |= H_DIRECT;
		for (int q = 0; q < parts; q++) {
			const double *z = vec[v].part + q * str + vec[v].off;
			if (!near(z, r, len) && near(a, z, len))
				bits |= q == 0 ? H_NO_C : H_NO_H;
		}
		diag_add(vec[v].g, bits, 0, path, tpath, f);
	}
	bt_model_free(Rz);
	free(pool);
	return BT_OK;
}

static void merge_check(gblock *g, const bt_check_block *c)
{
	if (!(c->max_rel <= g->max_rel))
		g->max_rel = c->max_rel;
	g->ok &= c->ok;
}

static int grade_cell(report *rep, const bt_cell_type *student,
		      const bt_cell_type *ref)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, grade_seed);
	int st = BT_OK;
	for (size_t c = 0; c < NSHAPES(cell_shapes) && st == BT_OK; c++) {
		const shape *sh = &cell_shapes[c];
		bt_model *R = NULL, *Sm = NULL;
		bt_data *data = NULL;
		st = random_model(&R, ref, sh, grade_seed + 11 + c, rng);
		if (st == BT_OK)
			st = bt_model_alloc(&Sm, student, R->dims, BT_ACT_TANH);
		if (st == BT_OK)
			st = random_data(&data, sh, grade_seed + 101 + c);
		if (st == BT_OK) {
			memcpy(Sm->theta, R->theta, R->nparams * sizeof(double));
			if (c == 0) {
				rep->ncell = ref->nblocks;
				rep->has_c = R->state_size > R->dims.n;
				for (size_t i = 0; i < ref->nblocks; i++)
					snprintf(rep->b[i].name, sizeof rep->b[i].name,
						 "%s", R->blocks[i].name);
				snprintf(rep->b[ref->nblocks].name, 16, "X");
				rep->nb = ref->nblocks + 1;
				for (size_t i = 0; i < rep->nb; i++)
					rep->b[i].ok = 1;
			}
			st = step_case(rep, R, Sm, rng);
		}
		if (st == BT_OK) {
			double Lr = 0, Ls = 0;
			phase('f');
			st = bt_loss(R, data, &Lr);
			if (st == BT_OK && (bt_loss(Sm, data, &Ls) != BT_OK ||
					    !(fabs(Ls - Lr) <= 1e-10 * fmax(1, fabs(Lr)))))
				rep->forward_changed = 1;
			bt_check_result res;
			bt_check_options opt;
			bt_check_options_default(&opt);
			opt.rtol = GRADE_RTOL;
			/* a student's cell may keep scratch in a static buffer:
			 * one thread, so that such a cell is graded, not raced */
			opt.threads = 1;
			int cs = rep->forward_changed ? BT_OK
						      : bt_gradcheck(Sm, data, &opt, &res);
			if (st == BT_OK && !rep->forward_changed) {
				if (cs != BT_OK) {
					st = cs;
				} else {
					for (size_t i = 0; i < ref->nblocks; i++)
						merge_check(&rep->b[i], &res.blocks[i]);
					merge_check(&rep->b[ref->nblocks],
						    &res.blocks[res.nblocks - 1]);
				}
			}
		}
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
	char *note;              /* the first misuse of the callbacks */
	size_t note_len;
} tb_ctx;

static void tb_misuse(tb_ctx *c, const char *what, size_t v)
{
	if (!c->note[0])
		snprintf(c->note, c->note_len, "%s(%zu) called: out of range 1..%zu",
			 what, v, c->data->T);
}

static int tb_term(const ex_tbptt *p, size_t t, double *ds)
{
	tb_ctx *c = p->ctx;
	const bt_model *M = c->model;
	size_t n = M->dims.n, m = M->dims.m, nb = M->type->nblocks;
	memset(ds, 0, c->S * sizeof(double));
	if (t < 1 || t > c->data->T) {
		tb_misuse(c, "term", t);
		return 0;
	}
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
	if (u < 1 || u > c->data->T) {
		tb_misuse(c, "step", u);
		return;
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

static int grade_tbptt(report *rep, void (*truncated)(const ex_tbptt *, size_t))
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, grade_seed + 1);
	int st = BT_OK;
	for (size_t c = 0; c < NSHAPES(tbptt_shapes) && st == BT_OK; c++) {
		const shape *sh = &tbptt_shapes[c];
		bt_model *M = NULL;
		bt_data *data = NULL;
		double *pool = NULL;
		st = random_model(&M, &bt_cell_rnn, sh, grade_seed + 21 + c, rng);
		if (st == BT_OK)
			st = random_data(&data, sh, grade_seed + 201 + c);
		if (st != BT_OK)
			goto next;
		size_t N = M->nparams, NX = sh->T * sh->d, S = M->state_size;
		size_t C = M->type->cache_size(&M->dims);
		size_t Xs = M->type->scratch_size(&M->dims), k = sh->k, T = sh->T;
		/* student, reference (k), full, k − 1, k + 1, chunked */
		enum { STU, REF, FULL, SHORT, LONG, CHUNK, NV };
		size_t total = NV * (N + NX) + (T + 1) * S + T * C + T * sh->m +
			       Xs + 1 + 2 * S;
		pool = calloc(total, sizeof(double));
		if (!pool) {
			st = BT_ENOMEM;
			goto next;
		}
		double *g[NV], *dX[NV], *p = pool;
		for (int v = 0; v < NV; v++) {
			g[v] = p;
			dX[v] = p + N;
			p += N + NX;
		}
		tb_ctx ctx = {M, data, S, C, p, p + (T + 1) * S,
			      p + (T + 1) * S + T * C, p + (T + 1) * S + T * C + T * sh->m,
			      NULL, NULL, rep->note, sizeof rep->note};
		double *bufs = ctx.scratch + Xs + 1;
		/* the forward pass, kept for the callbacks */
		bt_step fs = {M, NULL, NULL, ctx.scratch};
		size_t nb = M->type->nblocks, n = M->dims.n, m = M->dims.m;
		const double *V = M->theta + M->blocks[nb].offset;
		const double *by = M->theta + M->blocks[nb + 1].offset;
		for (size_t t = 1; t <= T; t++) {
			double *s = ctx.states + t * S, *yh = ctx.out + (t - 1) * m;
			M->type->forward(&fs, s - S, data->X + (t - 1) * sh->d, s,
					 ctx.caches + (t - 1) * C);
			for (size_t i = 0; i < m; i++) {
				yh[i] = by[i];
				for (size_t j = 0; j < n; j++)
					yh[i] += V[i * n + j] * s[j];
			}
		}
		ex_tbptt prob = {T, S, tb_term, tb_step, bufs, bufs + S, &ctx};
		double L;
		ctx.grad = g[CHUNK];
		ctx.dX = dX[CHUNK];
		tb_chunked(&prob, k);
		if ((st = bt_gradient(M, data, k, &L, g[REF], dX[REF])) != BT_OK ||
		    (st = bt_gradient(M, data, 0, &L, g[FULL], dX[FULL])) != BT_OK ||
		    (k > 1 && (st = bt_gradient(M, data, k - 1, &L, g[SHORT],
						dX[SHORT])) != BT_OK) ||
		    /* k − 1 = 0: only the readout's blocks */
		    (k == 1 && (st = bt_gradient(M, data, 1, &L, g[SHORT],
						 dX[SHORT])) != BT_OK) ||
		    (st = bt_gradient(M, data, k + 1, &L, g[LONG], dX[LONG])) != BT_OK)
			goto next;
		phase('k');
		ctx.grad = g[STU];
		ctx.dX = dX[STU];
		memset(bufs, 0, 2 * S * sizeof(double));
		truncated(&prob, k);
		if (k == 1) {   /* the window k − 1 = 0 keeps only V and b_y */
			memset(dX[SHORT], 0, NX * sizeof(double));
			for (size_t i = 0; i < nb; i++)
				memset(g[SHORT] + M->blocks[i].offset, 0,
				       M->blocks[i].rows * M->blocks[i].cols *
					       sizeof(double));
		}
		if (c == 0) {
			for (size_t i = 0; i < M->nblocks; i++)
				snprintf(rep->b[i].name, 16, "%s", M->blocks[i].name);
			snprintf(rep->b[M->nblocks].name, 16, "X");
			rep->nb = M->nblocks + 1;
			for (size_t i = 0; i < rep->nb; i++)
				rep->b[i].ok = 1;
		}
		double atol = 1e-10 * fmax(1, fabs(L));
		for (size_t i = 0; i < rep->nb; i++) {
			size_t off = i < M->nblocks ? M->blocks[i].offset : 0;
			size_t rows = i < M->nblocks ? M->blocks[i].rows : T;
			size_t cols = i < M->nblocks ? M->blocks[i].cols : sh->d;
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
				unsigned bits = classify(base[STU], base[REF], NULL,
							 rows, cols, &f);
				bits &= ~(H_ROWS | H_COLS | H_TRANSPOSE);
				if (near(base[STU], base[FULL], cnt))
					bits |= H_FULL;
				if (near(base[STU], base[SHORT], cnt))
					bits |= H_SHORT;
				if (near(base[STU], base[LONG], cnt))
					bits |= H_LONG;
				if (near(base[STU], base[CHUNK], cnt))
					bits |= H_CHUNK;
				diag_add(&gb->step, bits, 0, 0, 0, f);
			}
			gb->ok &= was_ok;
		}
next:
		free(pool);
		bt_model_free(M);
		bt_data_free(data);
	}
	gsl_rng_free(rng);
	return st;
}

/* ---- hints and output ----------------------------------------------------------- */

static const char *lowest(const report *rep, unsigned long long mask)
{
	for (size_t j = 0; j < rep->ncell; j++)
		if (mask & (1ull << j))
			return rep->b[j].name;
	return mask & (1ull << rep->ncell) ? "every W" : "?";
}

/* Whether some parameter block is wrong on one step: its δa is wrong, and
 * dx and ds_prev are built from the same δa. */
static int some_block_wrong(const report *rep)
{
	for (size_t j = 0; j < rep->ncell; j++)
		if (rep->b[j].step.wrong)
			return 1;
	return 0;
}

/* The hint for a vector (dx, δh_{t-1}, δc_{t-1}). */
static void vector_hint(const report *rep, const diag *g, const char *what,
			const char *eqname, char *buf, size_t len)
{
	unsigned b = g->bits;
	const char *eq = equation(rep->ex, eqname);
	char why[200];
	if (b & H_ZERO)
		snprintf(why, sizeof why, "nothing added to %s", what);
	else if (b & H_OVERWRITE)
		snprintf(why, sizeof why, "%s overwritten instead of added to (use +=)", what);
	else if (b & H_SIGN)
		snprintf(why, sizeof why, "%s has the wrong sign", what);
	else if (b & H_NO_C)
		snprintf(why, sizeof why, "%s ignores dc_t (the gradient reaching c_t from later steps)", what);
	else if (b & H_NO_H)
		snprintf(why, sizeof why, "%s ignores dh_t", what);
	else if (g->tpath)
		snprintf(why, sizeof why, "%s uses %s where its transpose belongs "
			 "(entry (i, j) is at [i * n + j])", what, lowest(rep, g->tpath));
	else if (g->path)
		snprintf(why, sizeof why, "%s misses the path through %s: missing a term?", what,
			 lowest(rep, g->path));
	else if (b & H_DIRECT)
		snprintf(why, sizeof why, "%s misses the direct path (the term without a matrix)", what);
	else if (b & H_FACTOR)
		snprintf(why, sizeof why, "%s off by a factor %.3g", what, g->factor);
	else if (some_block_wrong(rep))
		snprintf(why, sizeof why, "%s is wrong (fix the parameter blocks "
			 "first: it is built from the same da)", what);
	else
		snprintf(why, sizeof why, "%s is wrong", what);
	if (eq)
		snprintf(buf, len, "%s; want %s", why, eq);
	else
		snprintf(buf, len, "%s", why);
}

static void state_hint(const report *rep, char *buf, size_t len)
{
	char h[400] = "", c[400] = "";
	if (rep->state[0].wrong)
		vector_hint(rep, &rep->state[0], "dh_{t-1} (ds_prev)", "h", h, sizeof h);
	if (rep->state[1].wrong)
		vector_hint(rep, &rep->state[1], "dc_{t-1} (ds_prev + n)", "c", c, sizeof c);
	snprintf(buf, len, "%s%s%s", h, h[0] && c[0] ? "; " : "", c);
}

static void block_hint(const report *rep, size_t i, char *buf, size_t len)
{
	const gblock *gb = &rep->b[i];
	const diag *g = &gb->step;
	int is_x = !strcmp(gb->name, "X");
	int state_wrong = rep->state[0].wrong || rep->state[1].wrong;
	unsigned b = g->bits;
	char why[300];
	if (!strcmp(rep->ex, "tbptt")) {
		if (rep->note[0])
			snprintf(buf, len, "%s", rep->note);
		else if (b & H_ZERO)
			snprintf(buf, len, "nothing added: not implemented yet?");
		else if (b & H_SIGN)
			snprintf(buf, len, "sign flipped?");
		else if (b & H_SHORT)
			snprintf(buf, len, "window one step too short: the term at t flows "
				 "back through the k states s_t ... s_{t-k+1}");
		else if (b & H_LONG)
			snprintf(buf, len, "window one step too long: s_{t-k} is a constant "
				 "for the term at t (ds_prev = NULL on the k-th step back)");
		else if (b & H_CHUNK)
			snprintf(buf, len, "chunked windows (restarting every k steps): "
				 "every term needs its own window of k steps");
		else if (b & H_FULL)
			snprintf(buf, len, "this is full BPTT: the window of k steps is not applied");
		else if (b & H_FACTOR)
			snprintf(buf, len, "off by a factor %.3g", g->factor);
		else
			snprintf(buf, len, "wrong: for each t, ds = term(t), then k steps "
				 "back (fewer near t = 1), zeroing ds_prev before each step");
		return;
	}
	if (rep->forward_changed) {
		snprintf(buf, len, "the forward step was changed: it is given, restore it");
		return;
	}
	if (!g->wrong) {
		/* right on one step */
		if (gb->ok)
			snprintf(buf, len, "-");
		else if (state_wrong)
			snprintf(buf, len, "right on one step, wrong through time: "
				 "see the note on ds_prev below");
		else
			snprintf(buf, len, "right on one step, but not over a sequence "
				 "(something kept between calls?)");
		return;
	}
	if (is_x) {
		vector_hint(rep, g, "dx_t", "X", buf, len);
		return;
	}
	const char *eq = equation(rep->ex, gb->name);
	if (b & H_ZERO)
		snprintf(why, sizeof why, "nothing added: not implemented yet?");
	else if (b & H_OVERWRITE)
		snprintf(why, sizeof why, "overwritten instead of added to: use += (the caller zeroes)");
	else if (b & H_SIGN)
		snprintf(why, sizeof why, "sign flipped?");
	else if (b & H_TRANSPOSE)
		snprintf(why, sizeof why, "transposed? entry (i, j) is da_i times input j, "
			 "at [i * cols + j]");
	else if (g->like)
		snprintf(why, sizeof why, "this is the gradient of %s: written into the wrong block?",
			 lowest(rep, g->like));
	else if (b & H_FACTOR)
		snprintf(why, sizeof why, "off by a constant factor %.3g", g->factor);
	else if (b & H_NO_C)
		snprintf(why, sizeof why, "ignores dc_t, the gradient reaching c_t from later "
			 "steps: missing a term from the gate?");
	else if (b & H_NO_H)
		snprintf(why, sizeof why, "ignores dh_t: missing a term from the gate?");
	else if (b & H_ROWS)
		snprintf(why, sizeof why, "each unit's da off by its own factor: missing a "
			 "term from the gate (or its derivative)?");
	else if (b & H_COLS)
		snprintf(why, sizeof why, "da is right but it multiplies the wrong vector");
	else
		snprintf(why, sizeof why, "wrong");
	if (gb->ok)
		snprintf(buf, len, "passes the checker, but one step from a random state "
			 "differs from the library's: %s", why);
	else if (eq)
		snprintf(buf, len, "%s; want %s", why, eq);
	else
		snprintf(buf, len, "%s", why);
}

typedef struct {
	const report *rep;
} result_ctx;

static int write_result(FILE *f, const void *vctx)
{
	const report *rep = ((const result_ctx *)vctx)->rep;
	size_t pass = 0;
	fprintf(f, "# bptt grade: exercise %s, file %s\n", rep->ex, rep->file);
	for (size_t i = 0; i < rep->nb; i++) {
		fprintf(f, "block %s %.6g %s\n", rep->b[i].name, rep->b[i].max_rel,
			rep->b[i].ok ? "PASS" : "FAIL");
		pass += rep->b[i].ok != 0;
	}
	fprintf(f, "score %zu/%zu\n", pass, rep->nb);
	return ferror(f) ? BT_EIO : BT_OK;
}

static int save(const report *rep, const char *path)
{
	result_ctx ctx = {rep};
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_write_atomic(path, write_result, &ctx, &err);
	if (st != BT_OK) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path,
			err.msg[0] ? err.msg : bt_strerror(st));
		return 2;
	}
	return 0;
}

static void print_table(const report *rep)
{
	size_t pass = 0;
	int w = 5;
	for (size_t i = 0; i < rep->nb; i++)
		if ((int)strlen(rep->b[i].name) > w)
			w = (int)strlen(rep->b[i].name);
	printf("%-*s  %-13s %-6s %s\n", w, "block", "max_rel_error", "result", "hint");
	for (size_t i = 0; i < rep->nb; i++) {
		char hint[800];
		block_hint(rep, i, hint, sizeof hint);
		int quiet = rep->b[i].ok && !rep->b[i].step.wrong;
		printf("%-*s  %-13.3g %s%s%s\n", w, rep->b[i].name, rep->b[i].max_rel,
		       rep->b[i].ok ? "PASS" : "FAIL", quiet ? "" : "   ",
		       quiet ? "" : hint);
		pass += rep->b[i].ok != 0;
	}
	if (strcmp(rep->ex, "tbptt") && !rep->forward_changed &&
	    (rep->state[0].wrong || rep->state[1].wrong)) {
		char s[800];
		state_hint(rep, s, sizeof s);
		printf("note: %s (over a sequence every block depends on it)\n", s);
	}
	if (rep->note[0])
		printf("note: %s\n", rep->note);
	if (rep->null_differs)
		printf("note: with ds_prev = NULL and dx = NULL the parameter gradients "
		       "differ (NULL means: do not compute that one, not: change the others)\n");
	printf("\nscore %zu/%zu: ", pass, rep->nb);
	if (pass == rep->nb) {
		printf("PASS, every block agrees\n");
		return;
	}
	printf("FAIL in");
	int all_zero = 1;
	for (size_t i = 0; i < rep->nb; i++)
		if (!rep->b[i].ok) {
			printf(" %s", rep->b[i].name);
			all_zero &= rep->b[i].step.wrong && (rep->b[i].step.bits & H_ZERO);
		}
	printf("\n");
	if (all_zero && pass == 0 && !rep->forward_changed)
		printf("nothing is implemented yet: every gradient is zero (the TODO in %s)\n",
		       rep->file);
}

/* ---- main ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: grade [--exercise NAME] [--file PATH] [--result FILE] [--seed N]\n\n"
		"Grades the exercise file this program was linked with (make grade\n"
		"EX=NAME [STUDENT=file.c] builds and runs it). Every block of the\n"
		"gradient is checked against finite differences of the loss (the\n"
		"truncated-BPTT exercise: against the library's truncated gradient);\n"
		"a failing block gets a hint from comparing one step with the\n"
		"library's own cell.\n\n"
		"  --exercise NAME  refuse to grade unless the file is this exercise\n"
		"  --file PATH      the file's name, for the messages\n"
		"  --result FILE    the machine-readable result (default grade-NAME.txt):\n"
		"                   lines 'block NAME MAX_REL_ERROR PASS|FAIL', then\n"
		"                   'score PASSED/TOTAL'\n"
		"  --seed N         other random models (default 20240607)\n\n"
		"Exit status: 0 every block passes, 1 some fail (or the code crashed),\n"
		"2 bad arguments, a record that is not the exercise's, or an unwritable\n"
		"result file.\n");
}

/* The blocks the exercise grades, before anything of the student's runs. */
static int expected_blocks(report *rep, const bt_cell_type *type)
{
	bt_model *M = NULL;
	bt_dims dm = {2, 2, 2};
	int st = bt_model_alloc(&M, type, dm, BT_ACT_TANH);
	if (st != BT_OK)
		return st;
	size_t nb = type == &bt_cell_rnn && !strcmp(rep->ex, "tbptt")
			    ? M->nblocks : type->nblocks;
	for (size_t i = 0; i < nb; i++)
		snprintf(rep->b[i].name, 16, "%s", M->blocks[i].name);
	snprintf(rep->b[nb].name, 16, "X");
	rep->nb = nb + 1;
	rep->ncell = type->nblocks;
	bt_model_free(M);
	return BT_OK;
}

static const char *phase_text(char c)
{
	switch (c) {
	case 'n':
		return "while calling your backward with ds_prev = NULL and dx = NULL "
		       "(allowed: they mean 'not needed'; check before writing)";
	case 's':
		return "while running one step of your backward";
	case 'f':
		return "while the checker ran your backward over sequences";
	case 'k':
		return "while running your truncated loop";
	default:
		return "before your code ran";
	}
}

int main(int argc, char **argv)
{
	const char *want = NULL, *file = "(linked exercise file)", *result = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if ((!strcmp(a, "--exercise") || !strcmp(a, "--file") ||
		     !strcmp(a, "--result") || !strcmp(a, "--seed")) && i + 1 < argc) {
			const char *v = argv[++i];
			char *end;
			if (!strcmp(a, "--exercise"))
				want = v;
			else if (!strcmp(a, "--file"))
				file = v;
			else if (!strcmp(a, "--result"))
				result = v;
			else {
				errno = 0;
				grade_seed = strtoul(v, &end, 10);
				if (errno || end == v || *end || v[0] == '-') {
					fprintf(stderr, "grade: --seed %s: not a whole number\n", v);
					return 2;
				}
			}
			continue;
		}
		fprintf(stderr, "grade: %s: %s\n", a,
			a[0] == '-' && a[1] == '-' ? "unknown option or missing value"
						   : "unexpected argument");
		usage(stderr);
		return 2;
	}
	const ex_exercise *ex = &student_exercise;
	static report rep;
	rep.ex = ex->name ? ex->name : "?";
	rep.file = file;
	if (want && strcmp(want, rep.ex)) {
		fprintf(stderr, "grade: %s is the '%s' exercise, not '%s'\n", file,
			rep.ex, want);
		return 2;
	}
	const bt_cell_type *ref = NULL;
	int is_tbptt = !strcmp(rep.ex, "tbptt");
	if (is_tbptt) {
		if (!ex->truncated) {
			fprintf(stderr, "grade: %s: student_exercise.truncated is NULL\n", file);
			return 2;
		}
		ref = &bt_cell_rnn;
	} else {
		ref = bt_cell_lookup(rep.ex);
		char msg[256];
		if (!ref || (strcmp(rep.ex, "rnn") && strcmp(rep.ex, "gru") &&
			     strcmp(rep.ex, "lstm"))) {
			fprintf(stderr, "grade: %s: unknown exercise '%s' (rnn, gru, "
				"lstm, tbptt)\n", file, rep.ex);
			return 2;
		}
		if (!ex->cell) {
			fprintf(stderr, "grade: %s: student_exercise.cell is NULL\n", file);
			return 2;
		}
		if (!ex->cell->backward || !ex->cell->forward || !ex->cell->layout ||
		    !ex->cell->state_size || !ex->cell->cache_size ||
		    !ex->cell->scratch_size) {
			fprintf(stderr, "grade: %s: the record lacks forward, backward, "
				"layout or a size function\n", file);
			return 2;
		}
		if (!same_layout(ex->cell, ref, msg, sizeof msg)) {
			fprintf(stderr, "grade: %s: the record's layout is not the %s "
				"exercise's: %s (the layout is given: restore it)\n",
				file, rep.ex, msg);
			return 2;
		}
	}
	char defpath[64];
	if (!result) {
		snprintf(defpath, sizeof defpath, "grade-%s.txt", rep.ex);
		result = defpath;
	}
	if (expected_blocks(&rep, is_tbptt ? &bt_cell_rnn : ref) != BT_OK) {
		fprintf(stderr, "grade: out of memory\n");
		return 2;
	}
	printf("grading the %s exercise: %s\n", rep.ex, file);
	if (is_tbptt)
		printf("  %zu tanh RNNs (T = 1 to 9, k = 1 to 9, masks), every block\n"
		       "  against the library's truncated gradient bt_gradient(..., k, ...)\n\n",
		       NSHAPES(tbptt_shapes));
	else
		printf("  %zu random models (T = 1 to 9, masks), every block against finite\n"
		       "  differences of the loss; hints from one step against the library's %s\n\n",
		       NSHAPES(cell_shapes), rep.ex);
	fflush(stdout);

	int fds[2];
	if (pipe(fds) != 0) {
		perror("grade: pipe");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("grade: fork");
		return 2;
	}
	if (pid == 0) {
		close(fds[0]);
		progress_fd = fds[1];
		alarm(TIME_LIMIT);
		int st = is_tbptt ? grade_tbptt(&rep, ex->truncated)
				  : grade_cell(&rep, ex->cell, ref);
		if (st != BT_OK) {
			fprintf(stderr, "grade: %s\n", bt_strerror(st));
			exit(2);
		}
		print_table(&rep);
		int rc = save(&rep, result);
		if (rc == 0) {
			printf("result: %s\n", result);
			rc = 1;
			for (size_t i = 0; i < rep.nb; i++)
				if (!rep.b[i].ok)
					break;
				else if (i + 1 == rep.nb)
					rc = 0;
		}
		fflush(stdout);
		phase('d');
		close(fds[1]);
		exit(rc);
	}
	close(fds[1]);
	char last = 0, c;
	while (1) {
		ssize_t r = read(fds[0], &c, 1);
		if (r == 1)
			last = c;
		else if (r == 0 || errno != EINTR)
			break;
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (last == 'd' && WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return 2;   /* the grader's own failure; the child said why */
	/* the student's code crashed or ran too long: everything fails */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		printf("FAIL: your code ran longer than %d s %s: an endless loop?\n",
		       TIME_LIMIT, phase_text(last));
	else if (WIFSIGNALED(status))
		printf("FAIL: your code crashed (%s) %s: %s\n"
		       "      (make grade EX=%s SANITIZE=1 shows where)\n",
		       strsignal(WTERMSIG(status)), phase_text(last),
		       last == 'n' ? "writing through a NULL pointer?"
				   : "an index out of range?", rep.ex);
	else
		printf("FAIL: your code stopped the grader (exit status %d) %s\n",
		       WEXITSTATUS(status), phase_text(last));
	for (size_t i = 0; i < rep.nb; i++) {
		rep.b[i].ok = 0;
		rep.b[i].max_rel = INFINITY;
	}
	printf("score 0/%zu: FAIL\n", rep.nb);
	int rc = save(&rep, result);
	if (rc == 0)
		printf("result: %s\n", result);
	return rc ? rc : 1;
}
