/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 15_regularise — regularising the gradient's path.
 *
 * The step Jacobians of a tanh RNN are J_t = diag(tanh'(a_t)) W. A penalty
 * on W that keeps its singular values near 1, the soft orthogonality
 * penalty λ‖WᵀW − I‖²_F (bt_penalty_orthogonal), acts on every J_t at
 * once. The lesson trains the same tanh RNN from the same start on the
 * adding problem twice with bt_train, without and with the penalty
 * (bt_train_options.orthogonality), records the held-out MSE, the
 * penalty's value and s_max, s_min of W along the way, and measures the
 * Jacobian norms ‖∂h_T/∂h_{T−τ}‖ of both trained networks (and of the
 * start) on held-out sequences with bt_jacobian_lags. */
#include "lesson.h"
#include "base/timing.h"

typedef struct {
	lesson_file *lf;
	bt_model *m;
	double target, best;
	size_t reached, best_step;
	gsl_matrix *W;
	bt_spectrum_result *sp;
} curve;

/* ‖WᵀW − I‖_F, s_max and s_min of the current W. */
static void w_measures(curve *c, double *dev, double *smax, double *smin)
{
	double P;
	lesson_check(bt_penalty_orthogonal(c->m, 1, NULL, &P), "penalty");
	lesson_check(bt_model_recurrent(c->m, c->W), "W");
	lesson_check(bt_spectrum_matrix(c->W, c->sp), "singular values");
	*dev = sqrt(P);
	*smax = c->sp->sv[0];
	*smin = c->sp->sv[c->sp->n - 1];
}

static int record(void *ctx, const bt_train_report *r)
{
	curve *c = ctx;
	if (isnan(r->eval_mse))
		return 0;
	double dev, smax, smin;
	w_measures(c, &dev, &smax, &smin);
	lesson_row(c->lf, 6, (double)r->step, r->eval_mse, r->grad_norm, dev, smax, smin);
	if (r->eval_mse < c->best) {
		c->best = r->eval_mse;
		c->best_step = r->step;
	}
	if (!c->reached && r->eval_mse < c->target)
		c->reached = r->step;
	return 0;
}

/* The mean over held-out adding sequences of log10 ‖∂h_T/∂h_{T−τ}‖₂ (into
 * out) and of its stable rank ‖·‖_F²/‖·‖₂² (into rank): how many directions
 * of the state the gradient's path keeps, 1 to n. */
static void jacobian_curve(const bt_model *m, const bt_task_options *task, size_t nseq,
			   double *out, double *rank)
{
	bt_jacobian_result *jr;
	lesson_check(bt_jacobian_alloc(&jr, task->T), "jacobian");
	jr->skip_steps = 1;
	memset(out, 0, task->T * sizeof(double));
	memset(rank, 0, task->T * sizeof(double));
	for (size_t s = 0; s < nseq; s++) {
		bt_task_options o = *task;
		o.seed = 1000003 + s;
		bt_data *d;
		lesson_check(bt_task_generate(&d, &o, NULL), "held-out sequence");
		lesson_check(bt_jacobian_lags(m, d, jr), "jacobian");
		for (size_t t = 0; t < task->T; t++) {
			out[t] += jr->log10_norm2[t] / (double)nseq;
			rank[t] += pow(10, 2 * (jr->log10_normF[t] - jr->log10_norm2[t])) / (double)nseq;
		}
		bt_data_free(d);
	}
	bt_jacobian_free(jr);
}

int main(int argc, char **argv)
{
	size_t T = 40, n = 16, B = 32, steps = 2000, every = 50, esize = 256;
	size_t seed = BT_DEFAULT_SEED, dseed = 1, nseq = 16, orth_init = 0;
	double lr = 0.01, clip = 1, lambda = 0.1, target = 0.01;
	const lesson_opt opts[] = {
		{"--length", 'n', &T, "T of the adding problem (default 40)"},
		{"--hidden", 'n', &n, "hidden size n (default 16)"},
		{"--lambda", 'r', &lambda, "the penalty's weight lambda > 0 (default 0.1)"},
		{"--steps", 'n', &steps, "training steps of each run (default 2000)"},
		{"--batch", 'n', &B, "sequences per minibatch (default 32)"},
		{"--lr", 'r', &lr, "Adam's learning rate (default 0.01)"},
		{"--clip", 'r', &clip, "clip the gradient to this global norm, 0: no "
				       "clipping (default 1)"},
		{"--eval-every", 'n', &every, "held-out evaluation every N steps (default 50)"},
		{"--target", 'r', &target, "the held-out MSE that counts as learned "
					   "(default 0.01)"},
		{"--orthogonal-init", 'f', &orth_init, "start both runs from a Haar-orthogonal W"},
		{"--seed", 'n', &seed, "seed of the initial weights (default 20140901)"},
		{"--data-seed", 'n', &dseed, "seed of the minibatches (default 1)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "15_regularise",
		    "A tanh RNN trained on the adding problem from the same start twice, without\n"
		    "and with the soft orthogonality penalty lambda |W^T W - I|_F^2: held-out MSE,\n"
		    "the distance of W from orthogonal and its extreme singular values during\n"
		    "training, and the Jacobian norms of the trained networks. Writes\n"
		    "plots/out/15_regularise.dat.", opts);
	if (T < 2 || n < 1 || B < 1 || steps < 1 || every < 1 || !(lambda > 0) || !(lr > 0) ||
	    !(clip >= 0) || !(target > 0))
		lesson_fail("--length must be at least 2; --hidden, --batch, --steps, --eval-every at\n"
			    "least 1; --lambda, --lr and --target positive; --clip at least 0");

	bt_init_options io;
	bt_init_options_default(&io);
	io.seed = seed;
	io.orthogonal = (int)orth_init;
	bt_model *start = lesson_model("rnn", BT_ACT_TANH, 2, n, 1, &io);

	bt_train_options o;
	bt_train_options_default(&o);
	o.task.kind = BT_TASK_ADDING;
	o.task.T = T;
	o.batch = B;
	o.steps = steps;
	o.opt.lr = lr;
	o.clip = clip > 0 ? BT_CLIP_NORM : BT_CLIP_NONE;
	o.clip_threshold = clip;
	o.seed = dseed;
	o.eval_every = every;
	o.eval_size = esize;
	o.callback = record;

	char clipname[64] = "no clipping";
	if (clip > 0)
		snprintf(clipname, sizeof clipname, "the gradient clipped to norm %g", clip);
	printf("Lesson 15: regularising the gradient's path\n\n"
	       "A tanh RNN, n = %zu, trained on the adding problem at T = %zu (held-out MSE\n"
	       "over %zu sequences; 1/6 = %.4f without memory), twice from the same start\n"
	       "and with the same minibatches: Adam, learning rate %g, %s,\n"
	       "%zu steps; once plain and once with the penalty lambda |W^T W - I|_F^2,\n"
	       "lambda = %g, added to the loss.\n\n", n, T, esize, 1.0 / 6, lr, clipname, steps,
	       lambda);

	lesson_file lf;
	lesson_open(&lf, "15_regularise.dat");
	const char *names[2] = {"plain", "penalty"};
	bt_model *trained[2];
	curve cv[2];
	for (int k = 0; k < 2; k++) {
		lesson_check(bt_model_copy(&trained[k], start), "model");
		curve *c = &cv[k];
		memset(c, 0, sizeof *c);
		c->lf = &lf;
		c->m = trained[k];
		c->target = target;
		c->best = INFINITY;
		c->W = gsl_matrix_alloc(n, n);
		lesson_check(bt_spectrum_alloc(&c->sp, n, 0), "spectrum");
		o.ctx = c;
		o.orthogonality = k ? lambda : 0;
		char title[64];
		snprintf(title, sizeof title, k ? "penalty, lambda = %g" : "plain", lambda);
		lesson_dataset(&lf, title, "step eval_mse grad_norm w_dev smax smin");
		double dev, smax, smin, t0 = bt_wall_seconds();
		w_measures(c, &dev, &smax, &smin);
		lesson_row(&lf, 6, 0.0, NAN, NAN, dev, smax, smin);
		bt_train_result tr;
		lesson_check(bt_train(trained[k], &o, &tr), "training");
		w_measures(c, &dev, &smax, &smin);
		printf("  %-8s best held-out MSE %.4f (step %zu), last %.4f; %s\n"
		       "           W at the end: |W^T W - I|_F = %.3f, s_max = %.3f, s_min = %.3f"
		       " (%.1f s)\n", names[k], c->best, c->best_step, tr.eval_mse,
		       c->reached ? "learned" : "not learned", dev, smax, smin,
		       bt_wall_seconds() - t0);
		if (c->reached)
			printf("           held-out MSE below %g from step %zu on\n", target, c->reached);
	}

	/* the Jacobian norms of the start and of both trained networks */
	double *jc[3], *jr[3];
	const bt_model *ms[3] = {start, trained[0], trained[1]};
	const char *jn[3] = {"start", "plain, trained", "penalty, trained"};
	printf("\nThe product dh_T/dh_{T-tau}, the mean over %zu held-out sequences: log10 of\n"
	       "its 2-norm, and its stable rank |.|_F^2 / |.|_2^2 (how many of the n = %zu\n"
	       "directions of the state it keeps):\n"
	       "  %-18s %-10s %-10s %-10s %-10s %s\n", nseq, n, "", "tau = 1", "tau = T/2",
	       "tau = T-1", "rank T/2", "rank T-1");
	for (int k = 0; k < 3; k++) {
		jc[k] = malloc(T * sizeof(double));
		jr[k] = malloc(T * sizeof(double));
		if (!jc[k] || !jr[k])
			lesson_fail("out of memory");
		jacobian_curve(ms[k], &o.task, nseq, jc[k], jr[k]);
		lesson_dataset(&lf, jn[k], "tau log10_jacobian_norm stable_rank");
		for (size_t t = 1; t < T; t++)
			lesson_row(&lf, 3, (double)t, jc[k][t - 1], jr[k][t - 1]);
		printf("  %-18s %-10.3f %-10.3f %-10.3f %-10.2f %.2f\n", jn[k], jc[k][0],
		       jc[k][T / 2 - 1], jc[k][T - 2], jr[k][T / 2 - 1], jr[k][T - 2]);
	}
	lesson_dataset(&lf, "meta", "T baseline target lambda steps");
	lesson_row(&lf, 5, (double)T, 1.0 / 6, target, lambda, (double)steps);
	lesson_close(&lf);

	for (int k = 0; k < 3; k++) {
		free(jc[k]);
		free(jr[k]);
	}
	for (int k = 0; k < 2; k++) {
		gsl_matrix_free(cv[k].W);
		bt_spectrum_free(cv[k].sp);
		bt_model_free(trained[k]);
	}
	bt_model_free(start);
	return 0;
}
