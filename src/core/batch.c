/* SPDX-License-Identifier: GPL-3.0-or-later */
/* batch.c — B sequences at once: the sum of their full-BPTT results.
 *
 *     L = Σ_b L_b,   ∂L/∂θ = Σ_b ∂L_b/∂θ,   ∂L/∂X_b = ∂L_b/∂X_b
 *
 * Sequences of one length T step together through the architecture's
 * batched kernels (cell.h, bt_batch_step): the B states of a step are one
 * B×n block, every quantity over all steps one (T·B)×k array, so that only
 * the recurrent products are in the time loop and everything else is one
 * GEMM over all T·B columns:
 *
 *     load_rows       X, Y, μ of every sequence into rows (t−1)·B + b
 *     forward         the cell's input projections U X + b before the
 *                     loop; in it the cell's step (H_{t-1} Wᵀ and the gates)
 *     readout_loss    Ŷ = H Vᵀ + b_y,  L = Σ μ ½‖ŷ − y‖²,  E = μ ⊙ (Ŷ − Y)
 *                     (readout.c)
 *     backward        δH = E V,  ∂V = Eᵀ H,  ∂b_y = Σ E;  in the loop the
 *                     cell's step back (δA_t W into δH_{t-1})
 *     cell_gradients  the cell's ∂W, ∂U, ∂b, ∂X
 *     scatter         ∂L/∂X back to the sequences
 *
 * With B = 1 this is also the fast path of bt_gradient (grad.c). An
 * architecture without batched kernels (attention) or sequences of unequal
 * lengths are done one sequence after another through a bt_seq workspace
 * (same result). Every buffer is allocated in bt_batch_alloc; nothing is
 * allocated in bt_batch_gradient (a design property, not something a test
 * could see). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/alloc.h"
#include "base/progress.h"
#include "core/readout.h"
#include "core/seq_internal.h"

struct bt_batch {
	size_t B, T_max, P;
	const bt_cell_type *type;
	bt_dims dims;
	int batched;         /* the architecture has batched kernels */
	int together;        /* B at once below the cell's batch_min_n too */
	bt_seq *seq;         /* one sequence at a time (NULL when never needed) */
	double *g;           /* P values: a gradient when the caller gives none,
				and one sequence's on the per-sequence path */
	/* the batched path: row (t−1)·B + b of X, Y, MU, E, dX is step t of
	 * sequence b; H and dH have a block of B rows for t = 0 first */
	double *X, *Y, *MU, *E, *dX;
	double *H, *dH, *cache, *work;
	double *aux, *daux, *scratch;
};

/* ---- the workspace and its size ------------------------------------------------ */

/* What bt_batch_alloc allocates, buffer by buffer, in doubles: one
 * gradient; with batched kernels, the inputs and their gradients (B > 1;
 * B = 1 works in place), targets, errors and mask of the T·B rows, h_t,
 * ∂L/∂h_t and the cell's batched cache for T·B + B rows, the cell's work,
 * aux and its gradient, scratch (every buffer at least one double); and
 * the bytes of the per-sequence workspace (without batched kernels, or
 * for B > 1 sequences that may differ in length), 0 when there is none. */
typedef struct {
	int batched;
	double g, X, dX, Y, E, MU, H, dH, cache, work, aux, daux, scratch;
	double seq;
} batch_sizes;

static double nonempty(double count)
{
	return count > 0 ? count : 1;
}

static batch_sizes batch_sizes_for(const bt_cell_type *ty, const bt_dims *dm,
				   size_t B, size_t T_max)
{
	batch_sizes z = {0};
	/* BLAS counts in int: T·B columns past INT_MAX go one at a time */
	z.batched = ty->batch_forward != NULL &&
		    B <= (size_t)INT_MAX / (T_max ? T_max : 1);
	z.g = nonempty(bt_cell_param_count(ty, *dm));
	if (!z.batched || B > 1)
		z.seq = bt_seq_size(ty, *dm, T_max);
	if (!z.batched)
		return z;
	double N = (double)T_max * (double)B, rows = N + (double)B;
	double n = (double)dm->n, d = (double)dm->d, m = (double)dm->m;
	double A = ty->aux_size ? (double)ty->aux_size(dm) : 0;
	z.X = z.dX = nonempty(B > 1 ? N * d : 0);
	z.Y = z.E = nonempty(N * m);
	z.MU = nonempty(N);
	z.H = z.dH = nonempty(rows * n);
	z.cache = nonempty(rows * (double)ty->batch_cache_size(dm));
	z.work = nonempty((double)ty->batch_work_size(dm, B));
	z.aux = z.daux = nonempty(A);
	z.scratch = nonempty((double)ty->scratch_size(dm));
	return z;
}

double bt_batch_size(const bt_cell_type *type, bt_dims dims, size_t B,
		     size_t T_max)
{
	if (!type)
		return 0;
	batch_sizes z = batch_sizes_for(type, &dims, B, T_max);
	return (double)sizeof(bt_batch) + z.seq +
	       8 * (z.g + z.X + z.dX + z.Y + z.E + z.MU + z.H + z.dH + z.cache +
		    z.work + z.aux + z.daux + z.scratch);
}

/* Not zeroed: every buffer is written before it is read, and zeroing
 * them (some 20 MB per call at the benchmarks' sizes) would cost
 * bt_gradient time. */
static double *alloc_doubles(double count)
{
	return bt_big_malloc((size_t)count * sizeof(double));
}

int bt_batch_alloc(bt_batch **out, const bt_model *model, size_t B,
		   size_t T_max)
{
	*out = NULL;
	if (!model || B < 1 || T_max < 1 || T_max > (size_t)BT_MAX_T)
		return BT_EINVAL;
	const bt_cell_type *ty = model->type;
	const bt_dims *dm = &model->dims;
	/* T·B·max(n, d, m) and the cache must not overflow a size_t */
	size_t wide = dm->n > dm->d ? dm->n : dm->d;
	wide = wide > dm->m ? wide : dm->m;
	size_t cs = ty->batch_cache_size ? ty->batch_cache_size(dm) : 0;
	wide = wide > cs ? wide : cs;
	if (B > (size_t)-1 / (T_max + 1) / (wide + 1))
		return BT_ENOMEM;
	batch_sizes z = batch_sizes_for(ty, dm, B, T_max);
	bt_batch *w = calloc(1, sizeof *w);
	if (!w)
		return BT_ENOMEM;
	w->B = B;
	w->T_max = T_max;
	w->P = model->nparams;
	w->type = ty;
	w->dims = *dm;
	w->batched = z.batched;
	int st = BT_OK;
	w->g = alloc_doubles(z.g);
	if (!w->g)
		st = BT_ENOMEM;
	if (st == BT_OK && z.seq > 0)
		st = bt_seq_alloc(&w->seq, model, T_max);
	if (st == BT_OK && w->batched) {
		w->X = alloc_doubles(z.X);   /* B = 1: unused, X in place */
		w->dX = alloc_doubles(z.dX);
		w->Y = alloc_doubles(z.Y);
		w->E = alloc_doubles(z.E);
		w->MU = alloc_doubles(z.MU);
		w->H = alloc_doubles(z.H);
		w->dH = alloc_doubles(z.dH);
		w->cache = alloc_doubles(z.cache);
		w->work = alloc_doubles(z.work);
		w->aux = alloc_doubles(z.aux);
		w->daux = alloc_doubles(z.daux);
		w->scratch = alloc_doubles(z.scratch);
		if (!w->X || !w->dX || !w->Y || !w->E || !w->MU || !w->H ||
		    !w->dH || !w->cache || !w->work || !w->aux || !w->daux ||
		    !w->scratch)
			st = BT_ENOMEM;
	}
	if (st != BT_OK) {
		bt_batch_free(w);
		return st;
	}
	*out = w;
	return BT_OK;
}

void bt_batch_free(bt_batch *w)
{
	if (!w)
		return;
	bt_seq_free(w->seq);
	free(w->g);
	free(w->X);
	free(w->dX);
	free(w->Y);
	free(w->E);
	free(w->MU);
	free(w->H);
	free(w->dH);
	free(w->cache);
	free(w->work);
	free(w->aux);
	free(w->daux);
	free(w->scratch);
	free(w);
}

/* ---- one sequence at a time ------------------------------------------------ */

static int per_sequence(bt_batch *w, const bt_model *model,
			const bt_data *const *data, size_t B, double *loss,
			double *grad, double *const *dX)
{
	double total = 0;
	for (size_t b = 0; b < B; b++) {
		double *dx = dX ? dX[b] : NULL;
		double l;
		int st = bt_seq_forward_pass(w->seq, model, data[b], &l);
		if (st != BT_OK)
			return st;
		memset(w->g, 0, w->P * sizeof(double));
		st = bt_seq_backward_sweep(w->seq, model, data[b], 0,
					   grad ? w->g : NULL, dx, NULL,
					   BT_SWEEP_FULL);
		if (st != BT_OK)
			return st;
		total += l;
		if (grad)
			for (size_t i = 0; i < w->P; i++)
				grad[i] += w->g[i];
		if (dx && !bt_all_finite(dx, data[b]->T * data[b]->d))
			return BT_ENUMERIC;
	}
	if (grad && !bt_all_finite(grad, w->P))
		return BT_ENUMERIC;
	if (loss)
		*loss = total;
	return BT_OK;
}

/* ---- the batched path, phase by phase ------------------------------------------ */

/* Row (t−1)·B + b is step t of sequence b: X (B > 1; B = 1 reads the data
 * in place), Y and the mask μ. */
static void load_rows(bt_batch *w, const bt_data *const *data, size_t B,
		      size_t T)
{
	const size_t d = w->dims.d, m = w->dims.m;
	for (size_t b = 0; b < B; b++) {
		const bt_data *D = data[b];
		for (size_t t = 0; t < T; t++) {
			size_t r = t * B + b;
			if (B > 1)
				memcpy(w->X + r * d, D->X + t * d, d * sizeof(double));
			memcpy(w->Y + r * m, D->Y + t * m, m * sizeof(double));
			w->MU[r] = D->M ? D->M[t] : 1.0;
		}
	}
}

/* H_t = F(H_{t-1}, X_t) for t = 1…T from H_0 = 0; BT_ENUMERIC on an
 * overflowed state, even where masked out (seq.c). */
static int forward(bt_batch *w, const bt_batch_step *c)
{
	const bt_cell_type *ty = w->type;
	const size_t T = c->T, B = c->B, n = w->dims.n;
	int st = BT_OK;
	if (ty->prepare && (st = ty->prepare(&c->step, w->aux)) != BT_OK)
		return st;
	memset(w->H, 0, B * n * sizeof(double));
	ty->batch_begin(c);
	bt_progress pr;
	bt_progress_begin(&pr, "steps of the forward pass", T);
	for (size_t t = 1; t <= T; t++) {
		if ((st = bt_progress_poll(&pr, t - 1)) != BT_OK)
			break;
		ty->batch_forward(c, t);
	}
	bt_progress_end(&pr);
	if (st != BT_OK)
		return st;
	return bt_all_finite(w->H + B * n, T * B * n) ? BT_OK : BT_ENUMERIC;
}

/* Ŷ = H Vᵀ + b_y over all T·B rows, then L and E = ∂L/∂Ŷ in its place. */
static int readout_loss(bt_batch *w, const bt_batch_step *c, size_t N,
			double *L)
{
	bt_readout_rows(c->step.model, N, c->H + c->B * w->dims.n, w->E);
	*L = bt_loss_rows(c->step.model->loss, N, w->dims.m, w->E, w->Y, w->MU);
	return isfinite(*L) ? BT_OK : BT_ENUMERIC;
}

/* The readout's part (δH = E V, ∂V, ∂b_y into g), then the recurrence
 * from T down to 1, each step adding δH_{t-1}. */
static int backward(bt_batch *w, const bt_batch_step *c, size_t N, double *g)
{
	const bt_cell_type *ty = w->type;
	const size_t T = c->T, off = c->B * w->dims.n;
	bt_readout_rows_backward(c->step.model, N, w->E, w->H + off,
				 w->dH + off, g);
	if (ty->aux_size)
		memset(w->daux, 0, ty->aux_size(&w->dims) * sizeof(double));
	int st = BT_OK;
	bt_progress pr;
	bt_progress_begin(&pr, "steps of the backward pass", T);
	for (size_t t = T; t >= 1; t--) {
		if ((st = bt_progress_poll(&pr, T - t)) != BT_OK)
			break;
		ty->batch_backward(c, t);
	}
	bt_progress_end(&pr);
	return st;
}

/* The cell's ∂L/∂θ over all T·B columns, ∂L/∂X into dXs (N×d rows) when
 * not NULL, and aux's gradient folded into θ's. */
static void cell_gradients(bt_batch *w, const bt_batch_step *c, size_t N,
			   double *g, double *dXs)
{
	if (dXs)
		memset(dXs, 0, N * w->dims.d * sizeof(double));
	w->type->batch_end(c, g, dXs);
	if (w->type->finish)
		w->type->finish(&c->step, w->daux, g);
}

/* Rows of dXs back to each sequence's dX[b] (B > 1; B = 1 wrote in
 * place). */
static void scatter(const bt_batch *w, size_t B, size_t T, const double *dXs,
		    double *const *dX)
{
	const size_t d = w->dims.d;
	for (size_t b = 0; B > 1 && b < B; b++) {
		if (!dX[b])
			continue;
		for (size_t t = 0; t < T; t++)
			memcpy(dX[b] + t * d, dXs + (t * B + b) * d,
			       d * sizeof(double));
	}
}

/* Full BPTT of B sequences of one length T, phase by phase (see the top
 * of the file), into grad as the caller zeroed it (w->g, zeroed here, when
 * there is none) and dX. */
static int batched(bt_batch *w, const bt_model *model,
		   const bt_data *const *data, size_t B, double *loss,
		   double *grad, double *const *dX)
{
	const bt_cell_type *ty = model->type;
	const size_t T = data[0]->T, N = T * B;
	int want_dX = 0;
	for (size_t b = 0; dX && b < B; b++)
		want_dX |= dX[b] != NULL;
	double *g = grad;
	if (!g) {
		g = w->g;
		memset(g, 0, w->P * sizeof(double));
	}
	/* with B = 1 the rows are the data's own layout: X and dX in place */
	const double *X = B == 1 ? data[0]->X : w->X;
	double *dXs = !want_dX ? NULL : B == 1 ? dX[0] : w->dX;
	bt_batch_step c = {
		.step = {model, ty->aux_size ? w->aux : NULL,
			 ty->aux_size ? w->daux : NULL, w->scratch},
		.T = T, .B = B, .X = X, .H = w->H, .dH = w->dH,
		.cache = w->cache, .work = w->work,
	};
	double L;
	load_rows(w, data, B, T);
	int st = forward(w, &c);
	if (st == BT_OK)
		st = readout_loss(w, &c, N, &L);
	if (st == BT_OK)
		st = backward(w, &c, N, g);
	if (st != BT_OK)
		return st;
	cell_gradients(w, &c, N, g, dXs);
	if (dXs)
		scatter(w, B, T, dXs, dX);
	if (!bt_all_finite(g, w->P) || (dXs && !bt_all_finite(dXs, N * w->dims.d)))
		return BT_ENUMERIC;
	if (loss)
		*loss = L;
	return BT_OK;
}

/* Whether B sequences of length T go through the batched kernels one at a
 * time (B = 1: the matrix–vector kernels of base/matvec.c): below the
 * cell's batch_min_n, for sequences whose own workspace is too large for
 * B of them to stay near the core. Short sequences step together at every
 * size: their per-call costs dominate. bench_speed's "per sequence" table
 * at T = 50, 200, 500 and 1000 put the line at about a quarter MiB
 * (docs/speed.md). */
#define BT_BATCH_SEQ_BYTES (256.0 * 1024)

static int one_by_one(const bt_batch *w, size_t B, size_t T)
{
	return B > 1 && !w->together && w->dims.n < w->type->batch_min_n &&
	       bt_batch_size(w->type, w->dims, 1, T) >= BT_BATCH_SEQ_BYTES;
}

void bt_batch_set_together(bt_batch *w, int always)
{
	if (w)
		w->together = always != 0;
}

static int one_at_a_time(bt_batch *w, const bt_model *model,
			 const bt_data *const *data, size_t B, double *loss,
			 double *grad, double *const *dX)
{
	double total = 0, l;
	for (size_t b = 0; b < B; b++) {
		double *const *dx = dX ? dX + b : NULL;
		int st = batched(w, model, data + b, 1, &l, grad, dx);
		if (st != BT_OK)
			return st;
		total += l;
	}
	if (loss)
		*loss = total;
	return BT_OK;
}

/* ---- the entry points ---------------------------------------------------------- */

int bt_batch_gradient(bt_batch *w, const bt_model *model,
		      const bt_data *const *data, size_t B, double *loss,
		      double *grad, double *const *dX)
{
	if (!w || !model || !data || B < 1 || B > w->B ||
	    model->nparams != w->P || model->type != w->type ||
	    model->dims.d != w->dims.d || model->dims.n != w->dims.n ||
	    model->dims.m != w->dims.m)
		return BT_EINVAL;
	for (size_t b = 0; b < B; b++) {
		if (!data[b] || data[b]->T > w->T_max)
			return BT_EINVAL;
		int st = bt_data_check(model, data[b]);
		if (st != BT_OK)
			return st;
	}
	return bt_batch_run(w, model, data, B, loss, grad, dX);
}

/* Sequences of one length through the batched kernels (B at once, or one
 * at a time: one_by_one), others one at a time through the sequence
 * engine; grad and dX zeroed first. */
int bt_batch_run(bt_batch *w, const bt_model *model, const bt_data *const *data,
		 size_t B, double *loss, double *grad, double *const *dX)
{
	int same = 1;
	for (size_t b = 0; b < B; b++)
		same &= data[b]->T == data[0]->T;
	if (grad)
		memset(grad, 0, w->P * sizeof(double));
	if (w->batched && same && one_by_one(w, B, data[0]->T))
		return one_at_a_time(w, model, data, B, loss, grad, dX);
	if (w->batched && same)
		return batched(w, model, data, B, loss, grad, dX);
	for (size_t b = 0; dX && b < B; b++)
		if (dX[b])
			memset(dX[b], 0, data[b]->T * data[b]->d * sizeof(double));
	return per_sequence(w, model, data, B, loss, grad, dX);
}

int bt_gradient_batch(const bt_model *model, const bt_data *const *data,
		      size_t B, double *loss, double *grad, double *const *dX)
{
	if (!model || !data || B < 1)
		return BT_EINVAL;
	size_t T_max = 0;
	for (size_t b = 0; b < B; b++) {
		if (!data[b])
			return BT_EINVAL;
		int st = bt_data_check(model, data[b]);
		if (st != BT_OK)
			return st;
		if (data[b]->T > T_max)
			T_max = data[b]->T;
	}
	bt_batch *w;
	int st = bt_batch_alloc(&w, model, B, T_max);
	if (st != BT_OK)
		return st;
	st = bt_batch_run(w, model, data, B, loss, grad, dX);
	bt_batch_free(w);
	return st;
}
