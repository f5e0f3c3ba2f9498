/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 06_clipping — gradient clipping on a cliff.
 *
 * Clipping by norm, g̃ = min(1, c/‖g‖)·g, shortens a gradient and keeps its
 * direction. First a worked example: a gradient of norm 965 clipped at
 * c = 10. Then why one would want it: a single tanh unit
 *     h_1 = tanh(u x_1 + b),  h_t = tanh(w h_{t−1} + b),  L = ½ (h_T − y)²
 * (a pulse x_1 = 1, no input after it) has a loss surface over (w, b) with
 * a cliff where the unit has two stable states (w > 1): two plateaus, and
 * between them a thin wall with the minimum in a groove along it. Gradient
 * descent from one start, once plain and once with norm clipping, is drawn
 * on the surface. */
#include <float.h>
#include "lesson.h"

/* The one-unit model with its data, and where W and b live in θ. */
typedef struct {
	bt_model *m;
	bt_data *data;
	size_t iw, ib;
	double *grad;
	double dX[1024];   /* ∂L/∂x (not used; T ≤ 1024) */
	bt_seq *seq;       /* for ŷ_T alone */
} unit;

/* L(w, b) and (∂L/∂w, ∂L/∂b) by the library's BPTT. */
static double loss_at(unit *u, double w, double b, double g[2])
{
	double L;
	u->m->theta[u->iw] = w;
	u->m->theta[u->ib] = b;
	lesson_check(bt_gradient(u->m, u->data, 0, &L, u->grad, u->dX), "gradient");
	g[0] = u->grad[u->iw];
	g[1] = u->grad[u->ib];
	return L;
}

/* ŷ_T − y at (w, b): its sign says on which side of the groove L = 0 we are. */
static double miss_at(unit *u, double w, double b)
{
	double L;
	u->m->theta[u->iw] = w;
	u->m->theta[u->ib] = b;
	lesson_check(bt_seq_forward(u->seq, u->m, u->data, &L), "forward");
	return bt_seq_output(u->seq, u->data->T)[0] - u->data->Y[u->data->T - 1];
}

typedef struct {
	double w, b, L, gnorm;   /* at the last iterate */
	double maxstep;          /* the longest step taken */
	size_t at;               /* the iteration that took it */
	double from[2], to[2], gnorm_at, L_before, L_after;
	size_t clipped;          /* steps that were clipped */
	double gmax[2];          /* the gradient of the longest step */
} descent;

/* steps of gradient descent θ ← θ − η g̃ from (w, b); c = 0: no clipping.
 * Writes one row per iterate. */
static void run(unit *u, double w, double b, double eta, double c, size_t steps,
		lesson_file *lf, const char *name, descent *r)
{
	lesson_dataset(lf, name, "iteration w b loss grad_norm step_length");
	memset(r, 0, sizeof *r);
	for (size_t it = 0;; it++) {
		double g[2], gc[2];
		double L = loss_at(u, w, b, g);
		double gn = bt_vector_norm(g, 2), len = 0;
		if (it < steps) {
			if (c > 0) {
				bt_clip_result cr;
				lesson_check(bt_clip_norm(g, 2, c, gc, &cr), "clip");
				r->clipped += cr.changed > 0;
			} else {
				gc[0] = g[0];
				gc[1] = g[1];
			}
			len = eta * bt_vector_norm(gc, 2);
		}
		lesson_row(lf, 6, (double)it, w, b, L, gn, len);
		if (it == steps) {
			r->w = w; r->b = b; r->L = L; r->gnorm = gn;
			break;
		}
		double nw = w - eta * gc[0], nb = b - eta * gc[1];
		if (len > r->maxstep) {
			double dummy[2];
			r->maxstep = len;
			r->at = it;
			r->from[0] = w; r->from[1] = b;
			r->to[0] = nw; r->to[1] = nb;
			r->gnorm_at = gn;
			r->gmax[0] = g[0]; r->gmax[1] = g[1];
			r->L_before = L;
			r->L_after = loss_at(u, nw, nb, dummy);
		}
		w = nw;
		b = nb;
	}
}

int main(int argc, char **argv)
{
	size_t T = 10, steps = 300, grid = 100;
	double kick = 0.6, target = 0.3, w0 = 2, b0 = 0, eta = 0.1, c = 1;
	double wmin = 0.5, wmax = 3, bmin = -0.8, bmax = 0.5;
	const lesson_opt opts[] = {
		{"--length", 'n', &T, "sequence length T; only the last step counts (default 10)"},
		{"--kick", 'r', &kick, "input weight u of the pulse x_1 = 1 (default 0.6)"},
		{"--target", 'r', &target, "target y for h_T (default 0.3)"},
		{"--start-w", 'r', &w0, "w where both descents start (default 2)"},
		{"--start-b", 'r', &b0, "b where both descents start (default 0)"},
		{"--rate", 'r', &eta, "learning rate eta (default 0.1)"},
		{"--clip", 'r', &c, "clipping threshold c of the clipped run (default 1)"},
		{"--steps", 'n', &steps, "iterations of each descent (default 300)"},
		{"--grid", 'n', &grid, "grid points per axis of the surface (default 100)"},
		{"--wmin", 'r', &wmin, "left edge of the map in w (default 0.5)"},
		{"--wmax", 'r', &wmax, "right edge of the map in w (default 3)"},
		{"--bmin", 'r', &bmin, "bottom edge of the map in b (default -0.8)"},
		{"--bmax", 'r', &bmax, "top edge of the map in b (default 0.5)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "06_clipping",
		    "Clips a gradient of norm 965 at c = 10 by norm and by value; then maps\n"
		    "the loss of one tanh unit over (w, b), which has a cliff, and runs gradient\n"
		    "descent on it with and without norm clipping.\n"
		    "Writes plots/out/06_clipping.dat.", opts);
	if (T < 2 || T > 1024 || grid < 2 || grid > 1000 || !(eta > 0) || !(c > 0) ||
	    !(wmax > wmin) || !(bmax > bmin))
		lesson_fail("--length must be 2 to 1024, --grid 2 to 1000, --rate and --clip "
			    "positive, and each map range non-empty");
	if (steps > 100000)
		lesson_fail("--steps: at most 100000 (each step is a row of the data file)");

	/* ---- 1. a worked example ---------------------------------------- */
	printf("Lesson 6: gradient clipping\n\n"
	       "Clipping by norm replaces a gradient g by min(1, c/|g|) g: when |g| exceeds\n"
	       "the threshold c the whole vector is shrunk to length c, in the same direction.\n\n"
	       "A worked example: suppose BPTT on a one-weight RNN gives g = 965; with c = 10:\n");
	double g1 = 965, o1;
	bt_clip_result cr;
	lesson_check(bt_clip_norm(&g1, 1, 10, &o1, &cr), "clip");
	printf("  one parameter:  g = %g  ->  %g   (norm %g -> %g, cosine %g)\n",
	       g1, o1, cr.norm_before, cr.norm_after, cr.cosine);
	double g2[2] = {579, 772}, o2[2], v2[2];
	lesson_check(bt_clip_norm(g2, 2, 10, o2, &cr), "clip");
	printf("  two parameters: g = (%g, %g), norm %g\n"
	       "    by norm,  c = 10:  (%.6g, %.6g)   norm %.6g, cosine %.6g\n",
	       g2[0], g2[1], cr.norm_before, o2[0], o2[1], cr.norm_after, cr.cosine);
	lesson_check(bt_clip_value(g2, 2, 10, v2, &cr), "clip");
	printf("    by value, c = 10:  (%.6g, %.6g)   norm %.6g, cosine %.6g\n"
	       "  Norm clipping keeps the direction (cosine 1) and only shortens the step;\n"
	       "  clipping each entry at +-c turns the direction towards the diagonal.\n\n",
	       v2[0], v2[1], cr.norm_after, cr.cosine);

	/* ---- 2. the cliff --------------------------------------------------- */
	const bt_cell_type *type = bt_cell_lookup("rnn");
	bt_dims dims = {1, 1, 1};
	unit u;
	lesson_check(bt_model_alloc(&u.m, type, dims, BT_ACT_TANH), "model");
	u.iw = lesson_block_offset(u.m, "W");
	u.ib = lesson_block_offset(u.m, "b");
	u.m->theta[lesson_block_offset(u.m, "U")] = kick;
	u.m->theta[lesson_block_offset(u.m, "V")] = 1;   /* ŷ_t = h_t */
	u.m->theta[lesson_block_offset(u.m, "b_y")] = 0;
	lesson_check(bt_data_alloc(&u.data, T, 1, 1, 1), "data");
	for (size_t t = 0; t < T; t++) {
		u.data->X[t] = t == 0;            /* the pulse x_1 = 1 */
		u.data->Y[t] = target;
		u.data->M[t] = t == T - 1;        /* only ℓ_T counts */
	}
	u.grad = lesson_alloc(u.m->nparams, sizeof(double));
	lesson_check(bt_seq_alloc(&u.seq, u.m, T), "workspace");

	printf("The cliff. One tanh unit: h_1 = tanh(%g x_1 + b) with a pulse x_1 = 1, then\n"
	       "h_t = tanh(w h_{t-1} + b) with no input, and the loss L = (h_T - %g)^2 / 2\n"
	       "at T = %zu. For w > 1 the unit has two stable states, near +1 and near -1,\n"
	       "and h_T ends close to one of them: L is flat there, and higher on the side\n"
	       "of the state farther from the target. Between the two sides, where h_1\n"
	       "starts right on the border of their basins, h_T passes through every value\n"
	       "within a thin band of (w, b): a cliff from one plateau to the other, with\n"
	       "L = 0 in a groove along it. The steeper the wall, the larger the gradient.\n\n",
	       kick, target, T);

	lesson_file lf;
	lesson_open(&lf, "06_clipping.dat");
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "kick", kick);
	lesson_param(&lf, "target", target);
	lesson_param(&lf, "eta", eta);
	lesson_param(&lf, "clip", c);
	lesson_param(&lf, "steps", (double)steps);
	lesson_dataset(&lf, "surface", "w b loss log10_loss log10_grad_norm");
	double gbig = 0, gbw = 0, gbb = 0, Lmin = INFINITY, Lmax = 0;
	for (size_t i = 0; i < grid; i++) {
		double w = wmin + (wmax - wmin) * i / (grid - 1);
		for (size_t j = 0; j < grid; j++) {
			double b = bmin + (bmax - bmin) * j / (grid - 1), g[2];
			double L = loss_at(&u, w, b, g), gn = bt_vector_norm(g, 2);
			if (gn > gbig) {
				gbig = gn; gbw = w; gbb = b;
			}
			Lmin = fmin(Lmin, L);
			Lmax = fmax(Lmax, L);
			lesson_row(&lf, 5, w, b, L, log10(fmax(L, DBL_MIN)), log10(fmax(gn, DBL_MIN)));
		}
		fputc('\n', lf.f);   /* one scan per w, for gnuplot's image */
	}
	/* The groove is often thinner than a grid cell: find its floor, where
	 * ŷ_T = y, by bisection in b between grid points where the sign changes. */
	lesson_dataset(&lf, "groove", "w b");
	size_t found = 0;
	for (size_t i = 0; i < grid; i++) {
		double w = wmin + (wmax - wmin) * i / (grid - 1);
		double lo = bmin, flo = miss_at(&u, w, lo);
		for (size_t j = 1; j < grid; j++) {
			double hi = bmin + (bmax - bmin) * j / (grid - 1), fhi = miss_at(&u, w, hi);
			if ((flo < 0) != (fhi < 0)) {
				for (int k = 0; k < 60; k++) {
					double mid = 0.5 * (lo + hi), fm = miss_at(&u, w, mid);
					if ((fm < 0) == (flo < 0)) {
						lo = mid;
						flo = fm;
					} else {
						hi = mid;
					}
				}
				lesson_row(&lf, 2, w, 0.5 * (lo + hi));
				found++;
				break;
			}
			lo = hi;
			flo = fhi;
		}
	}
	printf("On a %zu x %zu grid over w in [%g, %g], b in [%g, %g]:\n"
	       "  L runs from %.3g to %.3g; the largest gradient norm on the grid is %.3g,\n"
	       "  at (w, b) = (%.3f, %.3f) (between grid points it can be larger still).\n"
	       "  The floor of the groove, h_T = %g, found by bisection in %zu of the %zu\n"
	       "  columns (the dashed line in the figure).\n\n",
	       grid, grid, wmin, wmax, bmin, bmax, Lmin, Lmax, gbig, gbw, gbb, target,
	       found, grid);

	descent plain, clip;
	run(&u, w0, b0, eta, 0, steps, &lf, "plain", &plain);
	run(&u, w0, b0, eta, c, steps, &lf, "clipped", &clip);
	/* the plain run's longest step */
	lesson_dataset(&lf, "jump", "iteration w_from b_from w_to b_to grad_norm loss_after");
	lesson_row(&lf, 7, (double)plain.at, plain.from[0], plain.from[1], plain.to[0],
		   plain.to[1], plain.gnorm_at, plain.L_after);
	lesson_dataset(&lf, "meta", "eta clip start_w start_b steps");
	lesson_row(&lf, 5, eta, c, w0, b0, (double)steps);

	double gs[2];
	double Ls = loss_at(&u, w0, b0, gs);
	printf("Gradient descent theta <- theta - %g g on (w, b) only (u, V, b_y stay fixed),\n"
	       "%zu steps from (w, b) = (%g, %g), where L = %.4g and |g| = %.3g:\n\n",
	       eta, steps, w0, b0, Ls, bt_vector_norm(gs, 2));
	printf("  plain: the longest step is at iteration %zu, from (%.4f, %.4f) where\n"
	       "    L = %.4g and the gradient is (%.4g, %.4g), norm %.4g:\n"
	       "    a step of length %.4g to (%.4f, %.4f), where L = %.4g.\n",
	       plain.at, plain.from[0], plain.from[1], plain.L_before, plain.gmax[0],
	       plain.gmax[1], plain.gnorm_at, plain.maxstep, plain.to[0], plain.to[1],
	       plain.L_after);
	lesson_check(bt_clip_norm(plain.gmax, 2, c, o2, &cr), "clip");
	printf("    Clipped at c = %g that gradient would have been (%.4g, %.4g):\n"
	       "    norm %.6g, cosine %.6g, a step of %.4g.\n",
	       c, o2[0], o2[1], cr.norm_after, cr.cosine, eta * cr.norm_after);
	printf("    After %zu steps: (w, b) = (%.4f, %.4f), L = %.4g, |g| = %.3g.\n\n",
	       steps, plain.w, plain.b, plain.L, plain.gnorm);
	printf("  clipped at c = %g: %zu of the %zu steps were clipped; the longest step\n"
	       "    is %.4g (never more than eta c = %g).\n"
	       "    After %zu steps: (w, b) = (%.4f, %.4f), L = %.4g, |g| = %.3g.\n\n",
	       c, clip.clipped, steps, clip.maxstep, eta * c, steps, clip.w, clip.b,
	       clip.L, clip.gnorm);
	if (plain.L > 100 * clip.L)
		printf("Read the figures: both runs walk the same way until they reach the cliff.\n"
		       "A step lands on its face, where the gradient is as large as the wall is\n"
		       "steep, and the plain update, eta times that gradient, throws (w, b) far\n"
		       "away onto a plateau where the unit saturates: L stays high there and the\n"
		       "gradient is far too small to bring it back. The clipped run never steps\n"
		       "farther than eta c; it bounces across the groove and follows it down to\n"
		       "w < 1, where the wall flattens out and L goes to 0.\n");
	else
		printf("With these settings the plain run did not end much worse than the clipped\n"
		       "one: compare the longest steps above, and try other starts or rates.\n");
	lesson_close(&lf);

	bt_seq_free(u.seq);
	free(u.grad);
	bt_data_free(u.data);
	bt_model_free(u.m);
	return 0;
}
