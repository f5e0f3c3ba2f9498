/* SPDX-License-Identifier: GPL-3.0-or-later */
/* grade_out.c — the grader's words: hints at four levels, the table, the
 * score (one-step and whole-sequence points) and the result file in three
 * formats (text, Gradescope's results.json, JUnit XML).
 *
 * Hint levels: 0 PASS/FAIL only; 1 the kind of mistake (sign, transpose,
 * a missing path, a time index off by one, …); 2 also which term of which
 * equation; 3 also the whole equation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "grade.h"

/* ---- the equations, for the hints ------------------------------------------ */

typedef struct {
	const char *ex, *block, *da, *vec, *eq;
} equation_t;

#define GRU_DZ "da_z = dh_t * (h~_t - h_{t-1}) * z_t * (1 - z_t)"
#define GRU_DR "da_r = (W_h^T da_h) * h_{t-1} * r_t * (1 - r_t)"
#define GRU_DH "da_h = dh_t * z_t * (1 - h~_t^2)"
#define LSTM_DC "dc'_t = dc_t + dh_t * o_t * (1 - tanh^2 c_t)"
#define LSTM_DF "da_f = dc'_t * c_{t-1} * f_t * (1 - f_t), " LSTM_DC
#define LSTM_DI "da_i = dc'_t * g_t * i_t * (1 - i_t), " LSTM_DC
#define LSTM_DO "da_o = dh_t * tanh(c_t) * o_t * (1 - o_t)"
#define LSTM_DG "da_g = dc'_t * i_t * (1 - g_t^2), " LSTM_DC
static const equation_t equations[] = {
	{"rnn", "W", "da_t", "h_{t-1}^T", "dW += da_t h_{t-1}^T with da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "U", "da_t", "x_t^T", "dU += da_t x_t^T with da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "b", "da_t", "", "db += da_t = dh_t * (1 - h_t^2)"},
	{"rnn", "X", "da_t", "", "dx_t += U^T da_t"},
	{"rnn", "h", "da_t", "", "dh_{t-1} += W^T da_t"},
	{"gru", "W_z", "da_z", "h_{t-1}^T", "dW_z += da_z h_{t-1}^T, " GRU_DZ},
	{"gru", "U_z", "da_z", "x_t^T", "dU_z += da_z x_t^T, " GRU_DZ},
	{"gru", "b_z", "da_z", "", "db_z += da_z, " GRU_DZ},
	{"gru", "W_r", "da_r", "h_{t-1}^T", "dW_r += da_r h_{t-1}^T, " GRU_DR},
	{"gru", "U_r", "da_r", "x_t^T", "dU_r += da_r x_t^T, " GRU_DR},
	{"gru", "b_r", "da_r", "", "db_r += da_r, " GRU_DR},
	{"gru", "W_h", "da_h", "(r_t * h_{t-1})^T", "dW_h += da_h (r_t * h_{t-1})^T, " GRU_DH},
	{"gru", "U_h", "da_h", "x_t^T", "dU_h += da_h x_t^T, " GRU_DH},
	{"gru", "b_h", "da_h", "", "db_h += da_h, " GRU_DH},
	{"gru", "X", "", "", "dx_t += U_z^T da_z + U_r^T da_r + U_h^T da_h"},
	{"gru", "h", "", "", "dh_{t-1} += (1 - z_t) * dh_t + r_t * (W_h^T da_h) + W_z^T da_z + W_r^T da_r"},
	{"lstm", "W_f", "da_f", "h_{t-1}^T", "dW_f += da_f h_{t-1}^T, " LSTM_DF},
	{"lstm", "W_i", "da_i", "h_{t-1}^T", "dW_i += da_i h_{t-1}^T, " LSTM_DI},
	{"lstm", "W_o", "da_o", "h_{t-1}^T", "dW_o += da_o h_{t-1}^T, " LSTM_DO},
	{"lstm", "W_g", "da_g", "h_{t-1}^T", "dW_g += da_g h_{t-1}^T, " LSTM_DG},
	{"lstm", "U_f", "da_f", "x_t^T", "dU_f += da_f x_t^T, " LSTM_DF},
	{"lstm", "U_i", "da_i", "x_t^T", "dU_i += da_i x_t^T, " LSTM_DI},
	{"lstm", "U_o", "da_o", "x_t^T", "dU_o += da_o x_t^T, " LSTM_DO},
	{"lstm", "U_g", "da_g", "x_t^T", "dU_g += da_g x_t^T, " LSTM_DG},
	{"lstm", "b_f", "da_f", "", "db_f += " LSTM_DF},
	{"lstm", "b_i", "da_i", "", "db_i += " LSTM_DI},
	{"lstm", "b_o", "da_o", "", "db_o += " LSTM_DO},
	{"lstm", "b_g", "da_g", "", "db_g += " LSTM_DG},
	{"lstm", "X", "", "", "dx_t += U_f^T da_f + U_i^T da_i + U_o^T da_o + U_g^T da_g"},
	{"lstm", "h", "", "", "dh_{t-1} += W_f^T da_f + W_i^T da_i + W_o^T da_o + W_g^T da_g"},
	{"lstm", "c", "", "", "dc_{t-1} += dc'_t * f_t, " LSTM_DC},
#define ATT_CORE "da_t = dh_t * (1 - h_t^2)"
#define ATT_DS "ds_k = alpha_k (x_k^T dc - sum_j alpha_j x_j^T dc), dc = V_c^T e"
	{"attention", "W", "da_t", "h_{t-1}^T", "dW += da_t h_{t-1}^T, " ATT_CORE},
	{"attention", "U", "da_t", "x_t^T", "dU += da_t x_t^T, " ATT_CORE},
	{"attention", "b", "da_t", "", "db += da_t, " ATT_CORE},
	{"attention", "W_a", "du", "h_t", "dW_a += h_t du^T, du = sum_k ds_k x_k, " ATT_DS},
	{"attention", "V_c", "e", "c_t^T", "dV_c += e c_t^T"},
	{"attention", "X", "", "", "dx_t += U^T da_t (and the direct part: dX_att)"},
	{"attention", "h", "", "", "dh_{t-1} += W^T da_t"},
	{"attention", "ha", "", "", "dh_t += W_a du, du = sum_k ds_k x_k, " ATT_DS},
	{"attention", "xa", "", "", "dx_k += ds_k u_t + alpha_k dc, u_t = W_a^T h_t, " ATT_DS},
	{"orthogonal", "A", "dL/dS", "", "dA += dS - dS^T with dS = -M^-T G (W + I)^T, "
	 "G = dL/dW, M = I + S"},
};

static const equation_t *equation(const char *ex, const char *block)
{
	for (size_t i = 0; i < sizeof equations / sizeof equations[0]; i++)
		if (!strcmp(equations[i].ex, ex) && !strcmp(equations[i].block, block))
			return &equations[i];
	return NULL;
}

/* ---- hints ----------------------------------------------------------------------- */

static const char *state_name(const report *rep, int k);
static size_t nstates(const report *rep);

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

/* why (level 1), term (level 2: which term of which equation), the
 * equation (level 3) into buf. */
static void compose(const report *rep, const char *why, const char *term,
		    const char *lhs, const equation_t *eq, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", why);
	if (rep->hints >= 2 && term && term[0] && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "; look at %s in the equation "
			      "for %s", term, lhs);
	if (rep->hints >= 3 && eq && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; want %s", eq->eq);
}

static void nan_hint(const report *rep, const char *what, int first, char *buf, size_t len)
{
	if (first && rep->nan_step)
		snprintf(buf, len, "NaN in %s at step %zu of %zu: a division by a state "
			 "that can be 0 (h_0 = 0 at step 1)?", what, rep->nan_step, rep->nan_T);
	else if (first)
		snprintf(buf, len, "NaN in %s on one step: a division by 0, or a log or "
			 "square root of a negative number?", what);
	else
		snprintf(buf, len, "NaN, carried in from %s at step %zu: fix that first",
			 rep->nan_item, rep->nan_step);
}

/* The hint for a vector (dx, δh_{t-1}, δc_{t-1}). */
static void vector_hint(const report *rep, const diag *g, const char *what,
			const char *eqname, char *buf, size_t len)
{
	unsigned b = g->bits;
	const equation_t *eq = equation(rep->ex, eqname);
	char why[240], term[160] = "";
	if (b & H_NAN)
		nan_hint(rep, what, 1, why, sizeof why);
	else if (b & H_ZERO)
		snprintf(why, sizeof why, "nothing added to %s", what);
	else if (b & H_OVERWRITE)
		snprintf(why, sizeof why, "%s overwritten instead of added to (use +=)", what);
	else if (b & H_SIGN)
		snprintf(why, sizeof why, "%s has the wrong sign", what);
	else if (b & H_NO_C)
		snprintf(why, sizeof why, "%s ignores dc_t (the gradient reaching c_t from later steps)", what);
	else if (b & H_NO_H)
		snprintf(why, sizeof why, "%s ignores dh_t", what);
	else if (b & H_NO_F) {
		snprintf(why, sizeof why, "%s misses the forget gate: the path from c_{t-1} to c_t "
			 "goes through f_t", what);
		snprintf(term, sizeof term, "the factor f_t");
	} else if (b & H_RESET) {
		snprintf(why, sizeof why, "%s misses the path through the reset product "
			 "r_t * h_{t-1} (into W_h)", what);
		snprintf(term, sizeof term, "the term r_t * (W_h^T da_h)");
	} else if (g->tpath) {
		snprintf(why, sizeof why, "%s uses %s where its transpose belongs "
			 "(transposed: entry (i, j) is at [i * n + j])", what, lowest(rep, g->tpath));
		snprintf(term, sizeof term, "the term with %s^T", lowest(rep, g->tpath));
	} else if (g->path) {
		snprintf(why, sizeof why, "%s misses the path through %s: missing a term?", what,
			 lowest(rep, g->path));
		snprintf(term, sizeof term, "the term with %s^T", lowest(rep, g->path));
	} else if (b & H_DIRECT) {
		snprintf(why, sizeof why, "%s misses the direct path (the term without a matrix)", what);
		snprintf(term, sizeof term, "the term without a matrix");
	} else if (b & H_FACTOR)
		snprintf(why, sizeof why, "%s off by a factor %.3g", what, g->factor);
	else if (some_block_wrong(rep))
		snprintf(why, sizeof why, "%s is wrong (fix the parameter blocks "
			 "first: it is built from the same da)", what);
	else
		snprintf(why, sizeof why, "%s is wrong", what);
	if (!term[0] && !(b & H_NAN))
		snprintf(term, sizeof term, "every term");
	compose(rep, why, term, what, eq, buf, len);
}

static void tbptt_hint(const report *rep, const diag *g, char *buf, size_t len)
{
	static const char *loop = "for t = 1..T: ds = term(t) (skip when 0); then for "
		"u = t, t-1, ..., max(1, t-k+1): zero ds_prev, step(u, ds, ds_prev, or NULL "
		"on the last step), ds = ds_prev";
	unsigned b = g->bits;
	const char *why, *term = "the loop";
	if (b & H_ZERO)
		why = "nothing added: not implemented yet?";
	else if (b & H_SIGN)
		why = "sign flipped?";
	else if (b & H_SHORT) {
		why = "time index off by one: the window is one step too short";
		term = "the window: the term at t flows back through the k states s_t ... s_{t-k+1}";
	} else if (b & H_LONG) {
		why = "time index off by one: the window is one step too long";
		term = "the window: s_{t-k} is a constant for the term at t (ds_prev = NULL "
		       "on the k-th step back)";
	} else if (b & H_CHUNK) {
		why = "chunked windows (restarting every k steps)";
		term = "the window's start: every term needs its own window of k steps";
	} else if (b & H_FULL) {
		why = "this is full BPTT: the window of k steps is not applied";
		term = "where the window stops";
	} else if (b & H_FACTOR)
		why = "off by a constant factor";
	else
		why = "wrong";
	int n = snprintf(buf, len, "%s", why);
	if (rep->hints >= 2 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "; look at %s", term);
	if (rep->hints >= 3 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "; want: %s", loop);
}

static void param_why(const report *rep, const diag *g, const gblock *gb,
		      const equation_t *eq, char *why, size_t wl, char *term, size_t tl)
{
	unsigned b = g->bits;
	const char *da = eq ? eq->da : "da", *vec = eq ? eq->vec : "";
	const char *other = g->spill_from < rep->ncell ? rep->b[g->spill_from].name : "?";
	term[0] = 0;
	if (b & H_NAN)
		nan_hint(rep, gb->name, 1, why, wl);
	else if (b & H_HALF) {
		snprintf(why, wl, "this is dL/dS, not dL/dA: A enters S = A - A^T twice "
			 "(S_ij = A_ij - A_ji)");
		snprintf(term, tl, "the last step, from dL/dS to dL/dA");
	} else if (b & H_STRIDE) {
		snprintf(why, wl, "wrong stride: %s is written with another block's row "
			 "length (row i of an r x c block starts at [i * c])", gb->name);
		snprintf(term, tl, "the index of d%s", gb->name);
	} else if (b & H_SPILL) {
		snprintf(why, wl, "this block is right, but d%s's wrong stride writes past "
			 "its end into it (row i of %s starts at [i * cols])", other, other);
		snprintf(term, tl, "the index of d%s", other);
	} else if (b & H_ZERO)
		snprintf(why, wl, "nothing added: not implemented yet?");
	else if (b & H_OVERWRITE)
		snprintf(why, wl, "overwritten instead of added to: use += (the caller zeroes)");
	else if (b & H_SIGN)
		snprintf(why, wl, "sign flipped?");
	else if (b & H_TRANSPOSE) {
		snprintf(why, wl, "transposed? entry (i, j) is da_i times input j, at [i * cols + j]");
		snprintf(term, tl, "the outer product %s %s", da, vec);
	} else if (g->like)
		snprintf(why, wl, "this is the gradient of %s: written into the wrong block?",
			 lowest(rep, g->like));
	else if (b & H_FACTOR)
		snprintf(why, wl, "off by a constant factor %.3g", g->factor);
	else if (b & H_NO_C) {
		snprintf(why, wl, "ignores dc_t, the gradient reaching c_t from later steps: "
			 "missing a term from the gate?");
		snprintf(term, tl, "the dc_t term of dc'_t");
	} else if (b & H_NO_H)
		snprintf(why, wl, "ignores dh_t: missing a term from the gate?");
	else if ((b & (H_ROWS | H_COLS)) && !strcmp(gb->name, "W_a")) {
		snprintf(why, wl, (b & H_COLS) ? "each column off by its own factor: du is "
			 "wrong (the softmax's derivative ds_k?)" : "du is right but it "
			 "multiplies the wrong vector (h_t)");
		snprintf(term, tl, (b & H_COLS) ? "du and ds_k" : "the vector h_t");
	} else if (b & H_ROWS) {
		snprintf(why, wl, "each unit's da off by its own factor: missing a term from "
			 "the gate (or its derivative)?");
		snprintf(term, tl, "%s", da);
	} else if (b & H_COLS) {
		snprintf(why, wl, "da is right but it multiplies the wrong vector");
		snprintf(term, tl, "the vector %s", vec);
	} else {
		snprintf(why, wl, "wrong");
		snprintf(term, tl, "%s", da);
	}
}

/* The hint of part i (a block, X); in buf. */
static void block_hint(const report *rep, size_t i, char *buf, size_t len)
{
	const gblock *gb = &rep->b[i];
	const diag *g = &gb->step;
	int is_x = !strcmp(gb->name, "X");
	char why[320], term[160], lhs[24];
	if (rep->crash[0]) {
		snprintf(buf, len, "not graded: see the FAIL message above");
		return;
	}
	if (rep->misuse) {
		snprintf(buf, len, "not graded: see the FAIL message below");
		return;
	}
	if (gb->nan && !gb->ok && (!g->wrong || (g->bits & H_NAN))) {
		nan_hint(rep, is_x ? "dx" : gb->name, gb->nan == 1, buf, len);
		return;
	}
	if (!rep->local) {
		tbptt_hint(rep, g, buf, len);
		return;
	}
	if (rep->forward_changed) {
		snprintf(buf, len, "the forward step was changed: it is given, restore it");
		return;
	}
	if (!g->wrong) {   /* right on one step */
		char names[64] = "";
		for (size_t k = 0; k < nstates(rep); k++)
			if (rep->state[k].wrong)
				snprintf(names + strlen(names), sizeof names - strlen(names),
					 "%s%s", names[0] ? " and " : "", state_name(rep, (int)k));
		if (names[0])
			snprintf(buf, len, "right on one step, wrong through time: "
				 "see %s below", names);
		else
			snprintf(buf, len, "right on one step, but not over a sequence "
				 "(something kept between calls?)");
		return;
	}
	if (is_x) {
		vector_hint(rep, g, "dx_t", "X", buf, len);
		return;
	}
	const equation_t *eq = equation(rep->ex, gb->name);
	param_why(rep, g, gb, eq, why, sizeof why, term, sizeof term);
	snprintf(lhs, sizeof lhs, "d%s", gb->name);
	char body[700];
	compose(rep, why, term, lhs, eq, body, sizeof body);
	if (gb->ok)
		snprintf(buf, len, "passes over sequences, but one step from a random state "
			 "differs from the library's: %s", body);
	else
		snprintf(buf, len, "%s", body);
}

static void state_hint(const report *rep, int k, char *buf, size_t len)
{
	int att = !strcmp(rep->ex, "attention");
	if (k == 0)
		vector_hint(rep, &rep->state[0], "dh_{t-1} (ds_prev)", "h", buf, len);
	else if (att)
		vector_hint(rep, &rep->state[k], k == 1 ? "the attention's dh_t (dh)" :
			    "the attention's dx_k (dX)", k == 1 ? "ha" : "xa", buf, len);
	else
		vector_hint(rep, &rep->state[1], "dc_{t-1} (ds_prev + n)", "c", buf, len);
}

/* ---- points ---------------------------------------------------------------------- */

static int local_ok(const report *rep, size_t i)
{
	return i < rep->nlocal && !rep->forward_changed && !rep->crash[0] &&
	       !rep->b[i].step.wrong;
}

static int state_ok(const report *rep, int k)
{
	return !rep->forward_changed && !rep->crash[0] && !rep->state[k].wrong;
}

static size_t nstates(const report *rep)
{
	return rep->nstate;
}

static const char *state_name(const report *rep, int k)
{
	static const char *const att[] = {"dh_prev", "dh_att", "dX_att"};
	if (!strcmp(rep->ex, "attention"))
		return att[k];
	return k ? "dc_prev" : "dh_prev";
}

/* Points: one per part on one step (cell exercises: each block, X and
 * δs_{t-1}), one per block over whole sequences. */
size_t grade_points(const report *rep, size_t *max)
{
	size_t got = 0;
	*max = rep->nb + rep->nlocal + nstates(rep);
	for (size_t i = 0; i < rep->nb; i++) {
		got += rep->b[i].ok != 0;
		got += local_ok(rep, i);
	}
	for (size_t k = 0; k < nstates(rep); k++)
		got += state_ok(rep, (int)k);
	return got;
}

static void local_points(const report *rep, size_t *got, size_t *max)
{
	*got = *max = 0;
	if (!rep->local)
		return;
	for (size_t i = 0; i < rep->nb; i++)
		*got += local_ok(rep, i);
	for (size_t k = 0; k < nstates(rep); k++)
		*got += state_ok(rep, (int)k);
	*max = rep->nlocal + nstates(rep);
}

static size_t seq_points(const report *rep)
{
	size_t got = 0;
	for (size_t i = 0; i < rep->nb; i++)
		got += rep->b[i].ok != 0;
	return got;
}

/* ---- the table ------------------------------------------------------------------- */

static void print_row(const report *rep, size_t i, int w)
{
	char hint[1000] = "";
	const gblock *gb = &rep->b[i];
	int quiet = gb->ok && (i >= rep->nlocal || local_ok(rep, i));
	if (!quiet && rep->hints > 0)
		block_hint(rep, i, hint, sizeof hint);
	if (rep->local)
		printf("%-*s  %-8s  %-8s  %-*.3g%s%s\n", w, gb->name,
		       i >= rep->nlocal ? "-" : local_ok(rep, i) ? "PASS" : "FAIL",
		       gb->ok ? "PASS" : "FAIL",
		       hint[0] ? 13 : 0, gb->max_rel, hint[0] ? "  " : "", hint);
	else
		printf("%-*s  %-8s  %-*.3g%s%s\n", w, gb->name, gb->ok ? "PASS" : "FAIL",
		       hint[0] ? 13 : 0, gb->max_rel, hint[0] ? "  " : "", hint);
}

static void print_score(const report *rep)
{
	size_t max, got = grade_points(rep, &max), lg, lm;
	local_points(rep, &lg, &lm);
	printf("\nscore %zu/%zu", got, max);
	if (rep->local)
		printf(" (one step %zu/%zu, whole sequence %zu/%zu)", lg, lm,
		       seq_points(rep), rep->nb);
	if (got == max) {
		printf(": PASS, every part agrees\n");
		return;
	}
	printf(": FAIL in");
	int all_zero = !rep->crash[0] && !rep->forward_changed && !rep->misuse &&
		       lg == 0 && (rep->local || got == 0);
	for (size_t i = 0; i < rep->nb; i++)
		if (!rep->b[i].ok || (i < rep->nlocal && !local_ok(rep, i))) {
			printf(" %s", rep->b[i].name);
			all_zero &= rep->b[i].step.wrong && (rep->b[i].step.bits & H_ZERO);
		}
	for (size_t k = 0; k < nstates(rep); k++)
		if (!state_ok(rep, (int)k))
			printf(" %s", state_name(rep, (int)k));
	printf("\n");
	if (all_zero)
		printf("nothing is implemented yet: every gradient is zero (the TODO in %s)\n",
		       rep->file);
}

void grade_print(const report *rep)
{
	int w = 7;
	if (!strcmp(rep->ex, "attention"))
		printf("  one step: each output of your backward (the recurrent part) and\n"
		       "  of your readout backward (the direct part) from random points\n"
		       "  against the library's; whole sequence: every block on 4 random\n"
		       "  models (T = 1 to 9, masks) against finite differences of the loss\n\n");
	else if (rep->nstate == 0 && rep->local)
		printf("  one step: your finish (dL/dW to dL/dA) from a random A and dL/dW\n"
		       "  against the library's; whole sequence: every block on 4 random\n"
		       "  models (T = 1 to 9, masks) against finite differences of the loss\n\n");
	else if (rep->local)
		printf("  one step: each output of your backward from a random state against\n"
		       "  the library's; whole sequence: every block on 4 random models\n"
		       "  (T = 1 to 9, masks) against finite differences of the loss\n\n");
	else
		printf("  6 tanh RNNs (T = 1 to 9, k = 1 to 9, masks), every block\n"
		       "  against the library's truncated gradient bt_gradient(..., k, ...)\n\n");
	if (rep->crash[0])
		printf("FAIL: %s\n\n", rep->crash);
	if (rep->local)
		printf("%-*s  %-8s  %-8s  %-13s  %s\n", w, "part", "one step", "sequence",
		       "max_rel_error", rep->hints ? "hint" : "");
	else
		printf("%-*s  %-8s  %-13s  %s\n", w, "block", "sequence", "max_rel_error",
		       rep->hints ? "hint" : "");
	for (size_t i = 0; i < rep->nb; i++)
		print_row(rep, i, w);
	for (size_t k = 0; k < nstates(rep); k++) {
		char s[800] = "";
		if (!state_ok(rep, (int)k) && rep->hints > 0 && !rep->crash[0] &&
		    !rep->forward_changed)
			state_hint(rep, (int)k, s, sizeof s);
		printf("%-*s  %-8s  %-8s  %-*s%s%s\n", w, state_name(rep, (int)k),
		       state_ok(rep, (int)k) ? "PASS" : "FAIL", "-", s[0] ? 13 : 0, "-",
		       s[0] ? "  " : "", s);
	}
	if (rep->local && !rep->crash[0] && !rep->forward_changed && rep->hints > 0 &&
	    (rep->state[0].wrong || (rep->has_c && rep->state[1].wrong)))
		printf("note: over a sequence every block depends on what your step sends "
		       "back in ds_prev (dh_prev%s)\n", rep->has_c ? ", dc_prev" : "");
	if (!strcmp(rep->ex, "attention") && !rep->crash[0] && rep->hints > 0 &&
	    (rep->state[1].wrong || rep->state[2].wrong))
		printf("note: the attention's share of dh_t reaches every block of the "
		       "core over a sequence\n");
	if (rep->note[0])
		printf("FAIL: %s\n", rep->note);
	if (rep->null_differs && !rep->crash[0])
		printf("note: with ds_prev = NULL and dx = NULL the parameter gradients "
		       "differ (NULL means: do not compute that one, not: change the others)\n");
	print_score(rep);
}

/* ---- result files ---------------------------------------------------------------- */

const char *grade_default_result(const report *rep, char *buf, size_t len)
{
	if (rep->format == FMT_GRADESCOPE)
		snprintf(buf, len, "results.json");
	else
		snprintf(buf, len, "grade-%.16s.%s", rep->ex,
			 rep->format == FMT_JUNIT ? "xml" : "txt");
	return buf;
}

/* One graded part: its name, points, and the hint (text) for the files. */
typedef struct {
	char name[40];
	int ok;
	char out[1000];
} part;

/* Part j of the report, j < nparts(rep): the one-step parts first. */
static size_t nparts(const report *rep)
{
	return rep->nb + rep->nlocal + nstates(rep);
}

static void get_part(const report *rep, size_t j, part *p)
{
	size_t nl = rep->nlocal + nstates(rep);
	p->out[0] = 0;
	if (j < rep->nlocal) {
		snprintf(p->name, sizeof p->name, "%s: one step", rep->b[j].name);
		p->ok = local_ok(rep, j);
		if (!p->ok && rep->hints > 0)
			block_hint(rep, j, p->out, sizeof p->out);
	} else if (j < nl) {
		int k = (int)(j - rep->nlocal);
		snprintf(p->name, sizeof p->name, "%s: one step", state_name(rep, k));
		p->ok = state_ok(rep, k);
		if (!p->ok && rep->hints > 0 && !rep->crash[0] && !rep->forward_changed)
			state_hint(rep, k, p->out, sizeof p->out);
	} else {
		size_t i = j - nl;
		snprintf(p->name, sizeof p->name, "%s: whole sequence", rep->b[i].name);
		p->ok = rep->b[i].ok;
		if (!p->ok && rep->hints > 0)
			block_hint(rep, i, p->out, sizeof p->out);
	}
	if (!p->ok && (rep->crash[0] || rep->note[0]))
		snprintf(p->out, sizeof p->out, "%s", rep->crash[0] ? rep->crash : rep->note);
}

static int write_text(FILE *f, const report *rep)
{
	size_t max, got = grade_points(rep, &max);
	fprintf(f, "# bptt grade: exercise %s, mode %s, file %s\n", rep->ex,
		rep->mode == MODE_GUIDED ? "guided" : "derive", rep->file);
	if (rep->crash[0] || rep->misuse)
		fprintf(f, "# %s\n", rep->crash[0] ? "crashed, hung or exited" : "callback out of range");
	for (size_t i = 0; i < rep->nlocal; i++)
		fprintf(f, "step %s %s\n", rep->b[i].name, local_ok(rep, i) ? "PASS" : "FAIL");
	for (size_t k = 0; k < nstates(rep); k++)
		fprintf(f, "step %s %s\n", state_name(rep, (int)k), state_ok(rep, (int)k) ? "PASS" : "FAIL");
	for (size_t i = 0; i < rep->nb; i++)
		fprintf(f, "block %s %.6g %s\n", rep->b[i].name, rep->b[i].max_rel,
			rep->b[i].ok ? "PASS" : "FAIL");
	fprintf(f, "score %zu/%zu\n", got, max);
	return 0;
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Gradescope's autograder format: a total score and one test per part. */
static int write_gradescope(FILE *f, const report *rep)
{
	size_t max, got = grade_points(rep, &max);
	char summary[900];
	part p;
	snprintf(summary, sizeof summary, "exercise %s (%s mode), file %s: %zu/%zu%s%s",
		 rep->ex, rep->mode == MODE_GUIDED ? "guided" : "derive", rep->file, got,
		 max, rep->crash[0] || rep->note[0] ? "\n" : "",
		 rep->crash[0] ? rep->crash : rep->note);
	fprintf(f, "{\n  \"score\": %zu,\n  \"max_score\": %zu,\n  \"output\": ", got, max);
	json_string(f, summary);
	fprintf(f, ",\n  \"tests\": [\n");
	for (size_t j = 0; j < nparts(rep); j++) {
		get_part(rep, j, &p);
		fprintf(f, "    {\"name\": ");
		json_string(f, p.name);
		fprintf(f, ", \"score\": %d, \"max_score\": 1, \"status\": \"%s\", \"output\": ",
			p.ok, p.ok ? "passed" : "failed");
		json_string(f, p.out);
		fprintf(f, "}%s\n", j + 1 < nparts(rep) ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	return 0;
}

static void xml_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (*p >= 0x20 || *p == '\n' || *p == '\t')
				fputc(*p, f);
		}
	}
}

static int write_junit(FILE *f, const report *rep)
{
	size_t max, got = grade_points(rep, &max);
	part p;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"bptt grade\" tests=\"%zu\" failures=\"%zu\">\n", max,
		max - got);
	fprintf(f, "  <testsuite name=\"");
	xml_text(f, rep->ex);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", max, max - got);
	fprintf(f, "    <properties><property name=\"file\" value=\"");
	xml_text(f, rep->file);
	fprintf(f, "\"/><property name=\"mode\" value=\"%s\"/></properties>\n",
		rep->mode == MODE_GUIDED ? "guided" : "derive");
	for (size_t j = 0; j < nparts(rep); j++) {
		get_part(rep, j, &p);
		fprintf(f, "    <testcase classname=\"grade.%s\" name=\"", rep->ex);
		xml_text(f, p.name);
		if (p.ok) {
			fprintf(f, "\"/>\n");
			continue;
		}
		fprintf(f, "\">\n      <failure message=\"");
		xml_text(f, p.out[0] ? p.out : "FAIL");
		fprintf(f, "\">");
		xml_text(f, p.out);
		fprintf(f, "</failure>\n    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return 0;
}

static int write_result(FILE *f, const void *vrep)
{
	const report *rep = vrep;
	if (rep->format == FMT_GRADESCOPE)
		write_gradescope(f, rep);
	else if (rep->format == FMT_JUNIT)
		write_junit(f, rep);
	else
		write_text(f, rep);
	return ferror(f) ? BT_EIO : BT_OK;
}

int grade_save(const report *rep, const char *path)
{
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_write_atomic(path, write_result, rep, &err);
	if (st != BT_OK) {
		fprintf(stderr, "grade: cannot write %s: %s\n", path,
			err.msg[0] ? err.msg : bt_strerror(st));
		return 2;
	}
	return 0;
}
