/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 15_regularise — regularising the gradient's path.
 *
 * The step Jacobians of a tanh RNN are J_t = diag(tanh'(a_t)) W. A penalty
 * on W that keeps its singular values near 1, the soft orthogonality
 * penalty λ‖WᵀW − I‖²_F (bt_penalty_orthogonal), acts on every J_t at
 * once. The lesson trains the same tanh RNN from the same start on the
 * adding problem twice with bt_train, without and with the penalty
 * (bt_train_options.orthogonality), records the held-out MSE and s_max,
 * s_min of W along the way, and measures the products ‖∂h_T/∂h_{T−τ}‖ of
 * the start and both trained networks on held-out sequences with
 * bt_jacobian_lags. One such pair of trainings is chaotic: another seed,
 * or another BLAS kernel's rounding, moves its numbers a lot. So the lesson
 * repeats it over several seeds (run i = 1, 2, …: weights of seed + i − 1,
 * minibatches of data-seed + i − 1) and reports each run and the medians. */
#include "lesson.h"
#include "base/timing.h"

/* What is recorded of one training at each held-out evaluation. */
enum { C_STEP, C_MSE, C_GNORM, C_DEV, C_SMAX, C_SMIN, NCOL };

typedef struct {
	bt_model *m;
	gsl_matrix *W;
	bt_spectrum_result *sp;
	double *rows;        /* cap × NCOL */
	size_t cap, npts;
	double target, best;
	size_t best_step, reached;
} curve;

/* ‖WᵀW − I‖_F, s_max and s_min of the current W, into a row. */
static void w_measures(curve *c, double *row)
{
	double P;
	lesson_check(bt_penalty_orthogonal(c->m, 1, NULL, &P), "penalty");
	lesson_check(bt_model_recurrent(c->m, c->W), "W");
	lesson_check(bt_spectrum_matrix(c->W, c->sp), "singular values");
	row[C_DEV] = sqrt(P);
	row[C_SMAX] = c->sp->sv[0];
	row[C_SMIN] = c->sp->sv[c->sp->n - 1];
}

static double *next_row(curve *c)
{
	if (c->npts == c->cap)
		lesson_fail("more evaluations than expected");
	return c->rows + NCOL * c->npts++;
}

static int record(void *ctx, const bt_train_report *r)
{
	curve *c = ctx;
	if (isnan(r->eval_mse))
		return 0;
	double *row = next_row(c);
	row[C_STEP] = (double)r->step;
	row[C_MSE] = r->eval_mse;
	row[C_GNORM] = r->grad_norm;
	w_measures(c, row);
	if (r->eval_mse < c->best) {
		c->best = r->eval_mse;
		c->best_step = r->step;
	}
	if (!c->reached && r->eval_mse < c->target)
		c->reached = r->step;
	return 0;
}

/* The mean over held-out adding sequences of log10 ‖∂h_T/∂h_{T−τ}‖₂ (into
 * norm[τ−1]) and of its stable rank ‖·‖_F²/‖·‖₂² (into rank[τ−1]): how
 * many directions of the state the gradient's path keeps, 1 to n. */
static void jacobian_curve(const bt_model *m, const bt_task_options *task, size_t nseq,
			   double *norm, double *rank)
{
	bt_jacobian_result *jr;
	lesson_check(bt_jacobian_alloc(&jr, task->T), "jacobian");
	jr->skip_steps = 1;
	memset(norm, 0, task->T * sizeof(double));
	memset(rank, 0, task->T * sizeof(double));
	for (size_t s = 0; s < nseq; s++) {
		bt_task_options o = *task;
		o.seed = 1000003 + s;
		bt_data *d;
		lesson_check(bt_task_generate(&d, &o, NULL), "held-out sequence");
		lesson_check(bt_jacobian_lags(m, d, jr), "jacobian");
		for (size_t t = 0; t < task->T; t++) {
			norm[t] += jr->log10_norm2[t] / (double)nseq;
			rank[t] += pow(10, 2 * (jr->log10_normF[t] - jr->log10_norm2[t])) /
				   (double)nseq;
		}
		bt_data_free(d);
	}
	bt_jacobian_free(jr);
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of x[0], x[stride], … (count values; NaN if any is NaN). */
static double median(const double *x, size_t count, size_t stride)
{
	double v[64];
	for (size_t i = 0; i < count; i++) {
		v[i] = x[i * stride];
		if (isnan(v[i]))
			return NAN;
	}
	qsort(v, count, sizeof v[0], by_value);
	return count % 2 ? v[count / 2] : (v[count / 2 - 1] + v[count / 2]) / 2;
}

enum { MAX_RUNS = 64 };
/* The measured products of one network: [0] log10 norms, [1] stable ranks. */
enum { J_START, J_PLAIN, J_PENALTY, NJ };

int main(int argc, char **argv)
{
	size_t T = 40, n = 16, B = 32, steps = 3000, every = 50, esize = 256, runs = 4;
	size_t seed = BT_DEFAULT_SEED, dseed = 1, nseq = 16, gaussian = 0;
	double lr = 0.01, clip = 1, lambda = 0.3, target = 0.01;
	const lesson_opt opts[] = {
		{"--length", 'n', &T, "T of the adding problem (default 40)"},
		{"--hidden", 'n', &n, "hidden size n (default 16)"},
		{"--lambda", 'r', &lambda, "the penalty's weight lambda > 0 (default 0.3)"},
		{"--runs", 'n', &runs, "how many seeds the pair of trainings is repeated for, "
				       "1 to 64 (default 4)"},
		{"--steps", 'n', &steps, "training steps of each run (default 3000)"},
		{"--batch", 'n', &B, "sequences per minibatch (default 32)"},
		{"--lr", 'r', &lr, "Adam's learning rate (default 0.01)"},
		{"--clip", 'r', &clip, "clip the gradient to this global norm, 0: no "
				       "clipping (default 1)"},
		{"--eval-every", 'n', &every, "held-out evaluation every N steps (default 50)"},
		{"--target", 'r', &target, "the held-out MSE that counts as learned "
					   "(default 0.01)"},
		{"--gaussian-init", 'f', &gaussian, "start from a Gaussian W, entries N(0, 1/n), "
						    "instead of a Haar-orthogonal one"},
		{"--seed", 'n', &seed, "seed of the initial weights of run 1; run i uses "
				       "seed + i - 1 (default 20140901)"},
		{"--data-seed", 'n', &dseed, "seed of the minibatches of run 1; run i uses "
					     "data-seed + i - 1 (default 1)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "15_regularise",
		    "A tanh RNN trained on the adding problem from the same start twice, without\n"
		    "and with the soft orthogonality penalty lambda |W^T W - I|_F^2, repeated for\n"
		    "several seeds: held-out MSE, the distance of W from orthogonal and its\n"
		    "extreme singular values during training, and the Jacobian products of the\n"
		    "start and of the trained networks, per run and the median over runs. Writes\n"
		    "plots/out/15_regularise.dat.", opts);
	if (T < 2 || n < 1 || B < 1 || steps < 1 || every < 1 || runs < 1 || runs > MAX_RUNS ||
	    !(lambda > 0) || !(lr > 0) || !(clip >= 0) || !(target > 0))
		lesson_fail("--length must be at least 2; --hidden, --batch, --steps, --eval-every at\n"
			    "least 1; --runs 1 to %d; --lambda, --lr and --target positive; --clip at\n"
			    "least 0", MAX_RUNS);
	if (seed > BT_SEED_MAX - (runs - 1) || dseed > BT_SEED_MAX - (runs - 1))
		lesson_fail("--seed and --data-seed: at most %llu, to leave room for the seeds of "
			    "%zu runs", BT_SEED_MAX - (runs - 1), runs);
	{
		/* the start, two trainings with their held-out set, the two
		 * copies' W and spectra, and every run's curves */
		const bt_cell_type *rnn = bt_cell_lookup("rnn");
		bt_dims dims = {2, n, 1};
		double bytes = lesson_task_size("rnn", 2, n, 1, T, 1, LESSON_JACOBIAN) +
			       2 * bt_model_size(rnn, dims) + bt_train_size(rnn, dims, T, B) +
			       (double)esize * bt_data_size(dims, T) +
			       2 * bt_spectrum_size(rnn, dims, 1) + lesson_doubles(2.0 * n * n) +
			       lesson_doubles((double)runs * (2.0 * NCOL * (steps / every + 2) +
							      2.0 * NJ * T));
		lesson_need(bytes, "two trainings and their curves");
	}

	bt_init_options io;
	bt_init_options_default(&io);
	io.orthogonal = !gaussian;

	bt_train_options o = lesson_adding_training(T, B, steps, lr, clip, every, esize);
	o.callback = record;

	char clipname[64] = "no clipping";
	if (clip > 0)
		snprintf(clipname, sizeof clipname, "the gradient clipped to norm %g", clip);
	char intro[1024];
	snprintf(intro, sizeof intro,
		 "A tanh RNN, n = %zu, on the adding problem at T = %zu (held-out MSE over %zu "
		 "sequences; 1/6 = %.4f without memory): Adam, learning rate %g, %s, %zu steps. "
		 "Each run trains one start, W %s, twice on the same minibatches: plain, and with "
		 "the penalty lambda |W^T W - I|_F^2, lambda = %g, added to the loss. %zu run%s: "
		 "run i starts from the weights of seed %zu + i - 1 and draws the minibatches of "
		 "seed %zu + i - 1.", n, T, esize, 1.0 / 6, lr, clipname, steps,
		 gaussian ? "Gaussian" : "orthogonal", lambda, runs, runs > 1 ? "s" : "", seed,
		 dseed);
	printf("Lesson 15: regularising the gradient's path\n\n");
	fill_text(stdout, intro);
	printf("\n");
	printf("         best held-out MSE  W at the end, plain      W at the end, penalty\n"
	       "  run    plain    penalty   s_max s_min; |W^TW-I|_F  s_max s_min; |W^TW-I|_F\n");
	fflush(stdout);

	size_t cap = steps / every + 2;
	curve cv[2];
	double *rows = lesson_alloc(runs * 2 * cap * NCOL, sizeof(double));
	double *jac = lesson_alloc(runs * NJ * 2 * T, sizeof(double));
	size_t npts[2] = {0, 0}, lower = 0, learned[2] = {0, 0};
	double best[2][MAX_RUNS], end[2][MAX_RUNS][NCOL], t0 = bt_wall_seconds();
	for (int k = 0; k < 2; k++) {
		cv[k].W = lesson_matrix(n, n);
		lesson_check(bt_spectrum_alloc(&cv[k].sp, n, 0), "spectrum");
	}
	for (size_t r = 0; r < runs; r++) {
		io.seed = seed + r;
		o.seed = dseed + r;
		bt_model *start = lesson_model("rnn", BT_ACT_TANH, 2, n, 1, &io);
		double *jr = jac + r * NJ * 2 * T;
		jacobian_curve(start, &o.task, nseq, jr, jr + T);
		for (int k = 0; k < 2; k++) {
			curve *c = &cv[k];
			lesson_check(bt_model_copy(&c->m, start), "model");
			c->rows = rows + (r * 2 + k) * cap * NCOL;
			c->cap = cap;
			c->npts = 0;
			c->target = target;
			c->best = INFINITY;
			c->best_step = c->reached = 0;
			double *row = next_row(c);
			row[C_STEP] = 0;
			row[C_MSE] = row[C_GNORM] = NAN;
			w_measures(c, row);
			o.ctx = c;
			o.orthogonality = k ? lambda : 0;
			bt_train_result tr;
			lesson_check(bt_train(c->m, &o, &tr), "training");
			w_measures(c, end[k][r]);
			best[k][r] = c->best;
			learned[k] += c->reached != 0;
			npts[k] = c->npts;
			double *jk = jac + (r * NJ + 1 + (size_t)k) * 2 * T;
			jacobian_curve(c->m, &o.task, nseq, jk, jk + T);
			bt_model_free(c->m);
		}
		lower += best[1][r] < best[0][r];
		printf("  %-6zu %-8.4f %-9.4f %.3f %.3f; %-11.3f %.3f %.3f; %.3f\n", r + 1,
		       best[0][r], best[1][r], end[0][r][C_SMAX], end[0][r][C_SMIN],
		       end[0][r][C_DEV], end[1][r][C_SMAX], end[1][r][C_SMIN], end[1][r][C_DEV]);
		fflush(stdout);
		bt_model_free(start);
	}
	if (runs > 1)
		printf("  median %-8.4f %-9.4f %.3f %.3f; %-11.3f %.3f %.3f; %.3f\n",
		       median(best[0], runs, 1), median(best[1], runs, 1),
		       median(&end[0][0][C_SMAX], runs, NCOL), median(&end[0][0][C_SMIN], runs, NCOL),
		       median(&end[0][0][C_DEV], runs, NCOL), median(&end[1][0][C_SMAX], runs, NCOL),
		       median(&end[1][0][C_SMIN], runs, NCOL), median(&end[1][0][C_DEV], runs, NCOL));
	printf("\nThe penalty ended with the lower best MSE in %zu of %zu runs. Below the target\n"
	       "%g: plain in %zu of %zu runs, penalty in %zu of %zu. (%zu trainings in %.1f s)\n",
	       lower, runs, target, learned[0], runs, learned[1], runs, 2 * runs,
	       bt_wall_seconds() - t0);

	/* the products: per run, and the median over runs */
	size_t half = T / 2;
	printf("\nThe product dh_T/dh_{T-tau}, the mean over %zu held-out sequences: log10 of its\n"
	       "2-norm, and its stable rank |.|_F^2 / |.|_2^2 (how many of the n = %zu\n"
	       "directions of the state it keeps):\n"
	       "         log10 2-norm, tau = %-3zu log10 2-norm, tau = %-3zu stable rank, tau = %zu\n"
	       "  run    start  plain  penalty  start  plain   penalty  start plain penalty\n",
	       nseq, n, half, T - 1, half);
	for (size_t r = 0; r <= runs; r++) {
		if (r == runs && runs == 1)
			break;
		double v[2][NJ][2];   /* [norm, rank][network][T/2, T-1] */
		for (int w = 0; w < 2; w++)
			for (int j = 0; j < NJ; j++)
				for (int e = 0; e < 2; e++) {
					size_t tau = e ? T - 1 : half;
					const double *x = jac + (size_t)j * 2 * T + (size_t)w * T + tau - 1;
					v[w][j][e] = r < runs ? x[r * NJ * 2 * T]
						   : median(x, runs, NJ * 2 * T);
				}
		char label[16];
		snprintf(label, sizeof label, r < runs ? "%zu" : "median", r + 1);
		printf("  %-6s %-6.3f %-6.3f %-8.3f %-6.3f %-7.3f %-8.3f %-5.2f %-5.2f %.2f\n", label,
		       v[0][0][0], v[0][1][0], v[0][2][0], v[0][0][1], v[0][1][1], v[0][2][1],
		       v[1][0][0], v[1][1][0], v[1][2][0]);
	}

	/* the data: medians first, then every run */
	lesson_file lf;
	lesson_open(&lf, "15_regularise.dat");
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "lambda", lambda);
	lesson_param(&lf, "steps", (double)steps);
	lesson_param(&lf, "runs", (double)runs);
	lesson_param(&lf, "baseline", 1.0 / 6);
	lesson_param(&lf, "target", target);
	static const char *const cols = "step eval_mse grad_norm w_dev smax smin";
	const char *names[2] = {"plain", "penalty"};
	for (int k = 0; k < 2; k++) {
		lesson_dataset(&lf, k ? "median penalty" : "median plain", cols);
		for (size_t i = 0; i < npts[k]; i++) {
			const double *x = rows + ((size_t)k * cap + i) * NCOL;
			double m[NCOL];
			for (int col = 0; col < NCOL; col++)
				m[col] = median(x + col, runs, 2 * cap * NCOL);
			lesson_row(&lf, NCOL, m[0], m[1], m[2], m[3], m[4], m[5]);
		}
	}
	static const char *const jcols =
		"tau log10_norm_start log10_norm_plain log10_norm_penalty "
		"rank_start rank_plain rank_penalty";
	for (size_t r = 0; r <= runs; r++) {
		char title[48];
		snprintf(title, sizeof title, r < runs ? "jacobian run %zu" : "median jacobian",
			 r + 1);
		lesson_dataset(&lf, title, jcols);
		for (size_t t = 1; t < T; t++) {
			double v[2 * NJ];
			for (int w = 0; w < 2; w++)
				for (int j = 0; j < NJ; j++) {
					const double *x = jac + (size_t)j * 2 * T + (size_t)w * T + t - 1;
					v[w * NJ + j] = r < runs ? x[r * NJ * 2 * T]
						      : median(x, runs, NJ * 2 * T);
				}
			lesson_row(&lf, 7, (double)t, v[0], v[1], v[2], v[3], v[4], v[5]);
		}
	}
	for (size_t r = 0; r < runs; r++)
		for (int k = 0; k < 2; k++) {
			char title[48];
			snprintf(title, sizeof title, "%s run %zu", names[k], r + 1);
			lesson_dataset(&lf, title, cols);
			for (size_t i = 0; i < npts[k]; i++) {
				const double *x = rows + ((r * 2 + (size_t)k) * cap + i) * NCOL;
				lesson_row(&lf, NCOL, x[0], x[1], x[2], x[3], x[4], x[5]);
			}
		}
	lesson_close(&lf);

	for (int k = 0; k < 2; k++) {
		gsl_matrix_free(cv[k].W);
		bt_spectrum_free(cv[k].sp);
	}
	free(rows);
	free(jac);
	return 0;
}
