/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 01_bptt — backpropagation through time by hand, checked, and timed.
 *
 * A tanh RNN small enough to read (d = 2, n = 3, m = 1, T = 5): the forward
 * states h_t, the backward state gradients δh_t, the gradient blocks. The
 * lesson redoes the backward recurrence and the gradient sums by hand from
 * the library's states and compares; then the finite-difference checker
 * compares every block with differences of the loss. Last, the cost: BPTT
 * keeps every state and visits every step once forwards and once backwards,
 * so its time should grow like T; we measure it. */
#include <float.h>
#include <time.h>
#include "base/timing.h"
#include "lesson.h"

static void print_vec(const char *label, const double *v, size_t k)
{
	printf("%s", label);
	for (size_t i = 0; i < k; i++)
		printf(" %10.6f", v[i]);
}

/* Wall-clock seconds of one forward pass (grad NULL) or one BPTT (forward
 * + backward into grad) in a workspace allocated once, so that the time is
 * the algorithm's, not the allocator's. The call is repeated to cover about
 * `steps` time steps, so that short sequences are not lost in the timer's
 * noise. */
static double time_once(bt_seq *q, const bt_model *model, const bt_data *data,
			double *grad, size_t steps)
{
	size_t inner = steps > data->T ? steps / data->T : 1;
	double t0 = bt_wall_seconds(), L;
	for (size_t i = 0; i < inner; i++) {
		lesson_check(bt_seq_forward(q, model, data, &L), "forward");
		if (grad) {
			memset(grad, 0, model->nparams * sizeof(double));
			lesson_check(bt_seq_backward(q, model, data, grad, NULL), "backward");
		}
	}
	return (bt_wall_seconds() - t0) / inner;
}

int main(int argc, char **argv)
{
	size_t d = 2, n = 3, m = 1, T = 5, seed = 3;
	size_t tn = 32, td = 4, tm = 2, tmin = 100, tmax = 12800, reps = 7, order = 2;
	double step = 0;
	const lesson_opt opts[] = {
		{"--input", 'n', &d, "input size d of the small model (default 2)"},
		{"--hidden", 'n', &n, "hidden size n of the small model (default 3)"},
		{"--output", 'n', &m, "output size m of the small model (default 1)"},
		{"--length", 'n', &T, "sequence length T of the small model (default 5)"},
		{"--seed", 'n', &seed, "seed of the models and the data (default 3)"},
		{"--step", 'r', &step, "finite-difference step H, h = H max(1, |theta_i|) (default 0: eps^(1/3), or eps^(1/5) for order 4)"},
		{"--order", 'n', &order, "finite-difference order, 2 (central) or 4 (five-point) (default 2)"},
		{"--time-hidden", 'n', &tn, "hidden size of the timed model (default 32; d = 4, m = 2)"},
		{"--time-min", 'n', &tmin, "shortest timed sequence (default 100)"},
		{"--time-max", 'n', &tmax, "longest timed sequence; lengths double from the shortest (default 12800)"},
		{"--repeats", 'n', &reps, "timed runs per length; the fastest and the median are shown (default 7)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "01_bptt",
		    "Backpropagation through time on a tiny tanh RNN: forward states, backward\n"
		    "state gradients, the gradient blocks redone by hand and checked against\n"
		    "finite differences; then the time of one BPTT against T. Writes\n"
		    "plots/out/01_bptt.dat.", opts);
	if (order != 2 && order != 4)
		lesson_fail("--order must be 2 or 4");
	if (step < 0 || step >= 1)
		lesson_fail("--step must be in [0, 1)");
	if (d < 1 || n < 1 || m < 1 || T < 1 || tn < 1 || tmin < 1 || tmax < tmin || reps < 1)
		lesson_fail("sizes, lengths and --repeats must be at least 1, --time-max at least --time-min");
	/* the memory both parts take, before the first runs: the small model's
	 * gradient, and the timed model on lengths doubling up to the longest
	 * (their data together at most twice the longest's) */
	size_t nT = 0, Tlast = tmin;
	for (size_t Tt = tmin; Tt <= tmax && nT < 40; Tt *= 2, nT++)
		Tlast = Tt;
	lesson_need(lesson_task_size("rnn", d, n, m, T, 1, LESSON_GRADIENT) +
		    8.0 * (double)(T + 2) * (double)n +
		    lesson_task_size("rnn", td, tn, tm, Tlast, 2, LESSON_GRADIENT) +
		    16.0 * (double)nT * (double)reps, "the gradient check and the timed runs");

	/* ---- the small model, forwards ---------------------------------- */
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	bt_model *model = lesson_model("rnn", BT_ACT_TANH, d, n, m, &o);
	bt_data *data = lesson_data(T, d, m, seed + 1);
	bt_seq *q;
	lesson_check(bt_seq_alloc(&q, model, T), "workspace");
	double L;
	lesson_check(bt_seq_forward(q, model, data, &L), "forward");
	printf("Lesson 1: backpropagation through time, by hand and checked\n\n"
	       "A tanh RNN with d = %zu inputs, n = %zu hidden units and m = %zu output runs\n"
	       "over T = %zu random steps: a_t = W h_{t-1} + U x_t + b, h_t = tanh(a_t),\n"
	       "yhat_t = V h_t + b_y, L = sum_t 1/2 |yhat_t - y_t|^2.\n\n"
	       "The recurrent and readout weights (U is random too, b and b_y start at 0):\n",
	       d, n, m, T);
	const char *shown[] = {"W", "V"};
	for (size_t k = 0; k < 2; k++) {
		const bt_block *B = &model->blocks[bt_model_find_block(model, shown[k])];
		for (size_t r = 0; r < B->rows; r++) {
			printf("  %-4s", r == 0 ? B->name : "");
			print_vec("", model->theta + B->offset + r * B->cols, B->cols);
			printf("\n");
		}
	}
	printf("\nForward pass (h_0 = 0):\n");
	for (size_t t = 1; t <= T; t++) {
		printf("  t=%zu", t);
		print_vec("  h_t", bt_seq_state(q, t), n);
		print_vec("   yhat_t", bt_seq_output(q, t), m);
		print_vec("   y_t", data->Y + (t - 1) * m, m);
		printf("\n");
	}
	printf("  loss L = %.10g\n\n", L);

	/* ---- backwards: the library, then the same by hand --------------- */
	double *grad = calloc(model->nparams, sizeof(double));
	double *hand = calloc(model->nparams, sizeof(double));
	double *dh = calloc((T + 2) * n, sizeof(double));   /* row t: δh_t; row T+1 = 0 */
	if (!grad || !hand || !dh)
		lesson_fail("out of memory");
	lesson_check(bt_seq_backward(q, model, data, grad, NULL), "backward");
	printf("Backward pass: dh_t = dL/dh_t, from t = T down to 1 (library):\n");
	for (size_t t = T; t >= 1; t--) {
		printf("  t=%zu", t);
		print_vec("  dh_t", bt_seq_dstate(q, t), n);
		printf("\n");
	}
	const double *W = model->theta + model->blocks[bt_model_find_block(model, "W")].offset;
	const double *V = model->theta + model->blocks[bt_model_find_block(model, "V")].offset;
	double *gW = hand + model->blocks[bt_model_find_block(model, "W")].offset;
	double *gU = hand + model->blocks[bt_model_find_block(model, "U")].offset;
	double *gb = hand + model->blocks[bt_model_find_block(model, "b")].offset;
	double *gV = hand + model->blocks[bt_model_find_block(model, "V")].offset;
	double *gby = hand + model->blocks[bt_model_find_block(model, "b_y")].offset;
	double dh_diff = 0;
	for (size_t t = T; t >= 1; t--) {
		const double *h = bt_seq_state(q, t), *hp = bt_seq_state(q, t - 1);
		const double *x = data->X + (t - 1) * d, *y = data->Y + (t - 1) * m;
		const double *yh = bt_seq_output(q, t), *hn = bt_seq_state(q, t < T ? t + 1 : t);
		double *g = dh + t * n, *gn = dh + (t + 1) * n;
		/* δh_t = Vᵀ(ŷ_t − y_t) + Wᵀ diag(1 − h_{t+1}²) δh_{t+1};  ∂V += e hᵀ, ∂b_y += e */
		for (size_t k = 0; k < m; k++) {
			double e = yh[k] - y[k];
			gby[k] += e;
			for (size_t i = 0; i < n; i++) {
				g[i] += V[k * n + i] * e;
				gV[k * n + i] += e * h[i];
			}
		}
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < n; i++)
				g[i] += W[j * n + i] * (1 - hn[j] * hn[j]) * gn[j];
		/* δa_t = diag(1 − h_t²) δh_t;  ∂W += δa_t h_{t−1}ᵀ, ∂U += δa_t x_tᵀ, ∂b += δa_t */
		for (size_t i = 0; i < n; i++) {
			double da = (1 - h[i] * h[i]) * g[i];
			gb[i] += da;
			for (size_t j = 0; j < n; j++)
				gW[i * n + j] += da * hp[j];
			for (size_t j = 0; j < d; j++)
				gU[i * d + j] += da * x[j];
			dh_diff = fmax(dh_diff, fabs(g[i] - bt_seq_dstate(q, t)[i]));
		}
	}
	double grad_diff = 0;
	for (size_t i = 0; i < model->nparams; i++)
		grad_diff = fmax(grad_diff, fabs(hand[i] - grad[i]));
	printf("\nThe same recurrence by hand, dh_t = V^T (yhat_t - y_t) + W^T diag(1 - h_{t+1}^2) dh_{t+1},\n"
	       "and the sums dL/dW = sum_t diag(1 - h_t^2) dh_t h_{t-1}^T (and likewise U, b, V, b_y):\n"
	       "  by hand against the library: max |difference| in dh_t = %.3g, in the gradient = %.3g\n\n",
	       dh_diff, grad_diff);

	printf("The gradient blocks (library):\n");
	for (size_t b = 0; b < model->nblocks; b++) {
		const bt_block *B = &model->blocks[b];
		for (size_t r = 0; r < B->rows; r++) {
			printf("  %-4s", r == 0 ? B->name : "");
			print_vec("", grad + B->offset + r * B->cols, B->cols);
			printf("\n");
		}
	}

	/* ---- the finite-difference check -------------------------------- */
	bt_check_options co;
	bt_check_options_default(&co);
	co.step = step;
	co.order = (int)order;
	bt_check_result cr;
	lesson_check(bt_gradcheck(model, data, &co, &cr), "gradcheck");
	printf("\nFinite differences: move each parameter and each input by +-h; the change\n"
	       "of L divided by 2h is f (order %d; order 4 also uses +-2h; H = %.3g), and f\n"
	       "is compared with BPTT's g. An entry agrees when\n"
	       "|g - f| <= atol + rtol max(|g|, |f|), with atol = %.3g and rtol = %.3g.\n",
	       co.order, step > 0 ? step : order == 4 ? pow(DBL_EPSILON, 0.2)
						  : cbrt(DBL_EPSILON),
	       cr.atol, cr.rtol);
	printf("  %-6s %-6s %-12s %-12s %-8s %s\n", "block", "size", "max abs err",
	       "max rel err", "worst", "verdict");
	size_t agree = 0;
	for (size_t b = 0; b < cr.nblocks; b++) {
		const bt_check_block *k = &cr.blocks[b];
		char size[32], worst[32];
		snprintf(size, sizeof size, "%zux%zu", k->rows, k->cols);
		snprintf(worst, sizeof worst, "(%zu,%zu)", k->worst / k->cols + 1, k->worst % k->cols + 1);
		printf("  %-6s %-6s %-12.3g %-12.3g %-8s %s\n", k->name, size, k->max_abs,
		       k->max_rel, worst, k->ok ? "agrees" : "DISAGREES");
		agree += k->ok != 0;
	}
	printf("  blocks that agree: %zu of %zu\n\n", agree, cr.nblocks);

	/* ---- the cost against T ----------------------------------------- */
	printf("The cost: one forward pass, and one BPTT (forward + backward, every\n"
	       "parameter), for a tanh RNN with n = %zu, d = %zu, m = %zu; the fastest and the\n"
	       "median of %zu runs. Other programs on the machine can only slow a run down,\n"
	       "so the fastest run is the closest to the algorithm's own cost. BPTT must\n"
	       "keep every state h_1..h_T for the backward pass: T n doubles.\n",
	       tn, td, tm, reps);
	printf("  %-7s %-13s %-13s %-13s %-7s %s\n", "T", "forward (ms)", "BPTT (ms)",
	       "BPTT median", "ratio", "states kept (KiB)");
	bt_model *big = lesson_model("rnn", BT_ACT_TANH, td, tn, tm, &o);
	double *bg = malloc(big->nparams * sizeof(double));
	double *tf = malloc(nT * reps * sizeof(double)), *tb = malloc(nT * reps * sizeof(double));
	bt_data **bd = malloc(nT * sizeof(bt_data *));
	bt_seq *bq;
	if (!bg || !tf || !tb || !bd)
		lesson_fail("out of memory");
	lesson_check(bt_seq_alloc(&bq, big, tmin << (nT - 1)), "workspace");
	for (size_t i = 0; i < nT; i++)
		bd[i] = lesson_data(tmin << i, td, tm, seed + 2);
	/* every length once per round, so that a busy moment of the machine
	 * touches all lengths alike and the medians stay comparable */
	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < nT; i++) {
			tf[i * reps + r] = time_once(bq, big, bd[i], NULL, 2000);
			tb[i * reps + r] = time_once(bq, big, bd[i], bg, 2000);
		}
	lesson_file lf;
	lesson_open(&lf, "01_bptt.dat");
	lesson_param(&lf, "n", (double)tn);
	lesson_param(&lf, "d", (double)td);
	lesson_param(&lf, "m", (double)tm);
	lesson_param(&lf, "repeats", (double)reps);
	lesson_dataset(&lf, "cost", "T forward_ms bptt_ms forward_median_ms bptt_median_ms states_kib");
	double sx = 0, sy = 0, sxx = 0, sxy = 0, ratios[40];
	size_t count = nT;
	for (size_t i = 0; i < nT; i++) {
		size_t Tt = tmin << i;
		/* bt_median() sorts, so the fastest run is then the first */
		double fm = bt_median(tf + i * reps, reps), bm = bt_median(tb + i * reps, reps);
		double f = tf[i * reps], b = tb[i * reps];
		double kib = (double)Tt * tn * sizeof(double) / 1024;
		printf("  %-7zu %-13.4f %-13.4f %-13.4f %-7.2f %.1f\n", Tt, 1e3 * f, 1e3 * b,
		       1e3 * bm, b / f, kib);
		lesson_row(&lf, 6, (double)Tt, 1e3 * f, 1e3 * b, 1e3 * fm, 1e3 * bm, kib);
		double x = log10((double)Tt), y = log10(b);
		sx += x; sy += y; sxx += x * x; sxy += x * y;
		ratios[i] = b / f;
		bt_data_free(bd[i]);
	}
	lesson_close(&lf);
	if (count >= 2) {
		double slope = (count * sxy - sx * sy) / (count * sxx - sx * sx);
		printf("\nFitted slope of log10(fastest BPTT time) against log10(T): %.3f\n"
		       "(1 means linear in T: twice the sequence, twice the time; a little above 1\n"
		       "when long sequences no longer fit in the processor's caches).\n"
		       "One BPTT costs about %.1f forward passes (the median of the ratios) at every\n"
		       "T: the backward step multiplies by W^T and also forms the outer products\n"
		       "for dL/dW and dL/dU, so it does more work than a forward step, but a fixed\n"
		       "amount.\n",
		       slope, bt_median(ratios, count));
	}
	free(tf);
	free(tb);
	free(bd);
	free(bg);
	bt_seq_free(bq);
	bt_model_free(big);
	free(grad);
	free(hand);
	free(dh);
	bt_seq_free(q);
	bt_data_free(data);
	bt_model_free(model);
	return 0;
}
