/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 13_learning — which architecture learns a long dependency.
 *
 * The adding problem: x_t = (u_t, marker_t), u_t ~ U(0,1), two marked steps,
 * one in each half; the target at T alone is the sum of the two marked u.
 * A network without memory can do no better than ŷ = 1, MSE = Var(u₁ + u₂)
 * = 2·1/12 = 1/6. Every architecture in the registry is trained with the
 * same budget and settings (bt_train: fresh seeded minibatches, Adam, norm
 * clipping); a callback records the held-out MSE every few steps, and the
 * lesson reports which architecture got below 0.01, and after how many
 * steps. */
#include <time.h>
#include "base/timing.h"
#include "lesson.h"

#define MAX_ARCH 16

typedef struct {
	lesson_file *lf;
	size_t reached_step, reached_examples;  /* first evaluation below target */
	double target, best, train_sum;
	size_t best_step, train_count;
} curve;

/* After every step: accumulate the minibatch MSE; at an evaluation, write
 * a row (the held-out MSE and the minibatches' mean MSE since the last one). */
static int record(void *ctx, const bt_train_report *r)
{
	curve *c = ctx;
	c->train_sum += r->mse;
	c->train_count++;
	if (isnan(r->eval_mse))
		return 0;
	lesson_row(c->lf, 4, (double)r->step, (double)r->examples, r->eval_mse,
		   c->train_sum / (double)c->train_count);
	c->train_sum = 0;
	c->train_count = 0;
	if (r->eval_mse < c->best) {
		c->best = r->eval_mse;
		c->best_step = r->step;
	}
	if (!c->reached_step && r->eval_mse < c->target) {
		c->reached_step = r->step;
		c->reached_examples = r->examples;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t T = 50, n = 16, B = 32, steps = 1000, every = 25, esize = 256;
	size_t seed = BT_DEFAULT_SEED, dseed = 1, trunc = 0;
	double lr = 0.01, clip = 1, target = 0.01, artbp = 0;
	int unweighted = 0;
	const char *archs = "", *tbptt = "";
	const lesson_opt opts[] = {
		{"--length", 'n', &T, "sequence length T of the adding problem (default 50)"},
		{"--hidden", 'n', &n, "hidden size n of every architecture (default 16)"},
		{"--batch", 'n', &B, "sequences per minibatch (default 32)"},
		{"--steps", 'n', &steps, "training steps, one Adam update each (default 1000)"},
		{"--lr", 'r', &lr, "Adam's learning rate (default 0.01)"},
		{"--clip", 'r', &clip, "clip the gradient to global norm c; 0: no clipping (default 1)"},
		{"--truncate", 'n', &trunc, "estimator: the sliding window k (default 0: full BPTT)"},
		{"--tbptt", 's', &tbptt, "estimator: TBPTT(k1,k2), given as k1,k2"},
		{"--artbp", 'r', &artbp, "estimator: randomized truncation, cut probability c (0 < c < 1)"},
		{"--unweighted", 'f', &unweighted, "with --artbp: without the 1/(1 - c) weights (biased)"},
		{"--eval-every", 'n', &every, "held-out evaluation every N steps (default 25)"},
		{"--eval-size", 'n', &esize, "held-out sequences (default 256)"},
		{"--target", 'r', &target, "the MSE that counts as learned (default 0.01)"},
		{"--archs", 's', &archs, "architectures, comma-separated (default: every one in the registry)"},
		{"--seed", 'n', &seed, "seed of the models' initial parameters (default 20140901)"},
		{"--data-seed", 'n', &dseed, "seed of the minibatches and the held-out set (default 1)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "13_learning",
		    "Trains every architecture on the adding problem with the same budget and\n"
		    "settings and records the held-out MSE as it learns; says which got below\n"
		    "the target and when. Writes plots/out/13_learning.dat.", opts);
	if (T < 2 || n < 1 || B < 1 || steps < 1 || every < 1 || esize < 1 || !(lr > 0)
	    || !(clip >= 0) || !(target > 0))
		lesson_fail("--length must be at least 2; --hidden, --batch, --steps, --eval-every,\n"
			    "--eval-size at least 1; --lr and --target positive; --clip at least 0");

	bt_train_options o = lesson_adding_training(T, B, steps, lr, clip, every, esize);
	o.seed = dseed;
	o.callback = record;
	char estname[64] = "full BPTT", clipname[64] = "no clipping";
	if (clip > 0)
		snprintf(clipname, sizeof clipname, "the gradient clipped to global norm %g", clip);
	if (!!trunc + !!*tbptt + (artbp != 0) > 1)
		lesson_fail("--truncate, --tbptt and --artbp exclude each other");
	if (trunc) {
		o.estimator.kind = BT_EST_WINDOW;
		o.estimator.k = trunc;
		snprintf(estname, sizeof estname, "the sliding window k = %zu", trunc);
	} else if (*tbptt) {
		size_t kk[2];
		o.estimator.kind = BT_EST_TBPTT;
		if (lesson_whole_list("--tbptt", tbptt, kk, 2) != 2)
			lesson_fail("--tbptt: '%.40s' is not k1,k2", tbptt);
		o.estimator.k1 = kk[0];
		o.estimator.k2 = kk[1];
		snprintf(estname, sizeof estname, "TBPTT(%zu, %zu)", o.estimator.k1, o.estimator.k2);
	} else if (artbp != 0) {
		o.estimator.kind = BT_EST_ARTBP;
		o.estimator.c = artbp;
		o.estimator.unweighted = unweighted;
		snprintf(estname, sizeof estname, "%s random truncation, c = %g",
			 unweighted ? "unweighted (biased)" : "unbiased", artbp);
	}
	if (unweighted && artbp == 0)
		lesson_fail("--unweighted goes with --artbp c");
	if (bt_estimator_check(&o.estimator) != BT_OK)
		lesson_fail("the estimator's options are out of range (--tbptt k1,k2 both at least 1,\n"
			    "--artbp c below 1)");

	/* the architectures: the registry's order, or the list given */
	const bt_cell_type *types[MAX_ARCH];
	size_t na = 0;
	if (!*archs) {
		for (size_t i = 0; i < bt_cell_count() && na < MAX_ARCH; i++)
			types[na++] = bt_cell_at(i);
	} else {
		for (const char *p = archs;; p++) {
			char tok[32];
			size_t len = strcspn(p, ",");
			if (na == MAX_ARCH)
				lesson_fail("--archs: at most %d architectures", MAX_ARCH);
			snprintf(tok, sizeof tok, "%.*s", (int)(len < sizeof tok ? len : sizeof tok - 1), p);
			if (len >= sizeof tok || !(types[na++] = bt_cell_lookup(tok)))
				lesson_fail("--archs: unknown architecture '%.*s'", (int)(len < 40 ? len : 40), p);
			p += len;
			if (!*p)
				break;
		}
	}

	/* the largest of the trainings: a model, its training workspaces and
	 * the held-out set */
	double most = 0;
	for (size_t i = 0; i < na; i++) {
		bt_dims dims = {2, n, 1}, data_dims = {2, 0, 1};
		double bytes = lesson_task_size(bt_cell_name(types[i]), 2, n, 1, T, 0, LESSON_MODEL) +
			       bt_train_size(types[i], dims, T, B) +
			       (double)esize * bt_data_size(data_dims, T);
		most = bytes > most ? bytes : most;
	}
	lesson_need(most, "the training");

	printf("Lesson 13: which architecture learns a long dependency\n\n"
	       "The adding problem with T = %zu: at each step an input u_t ~ U(0,1) and a\n"
	       "marker; exactly two steps are marked, one in each half of the sequence, and\n"
	       "the one target, at the last step, is the sum of the two marked u. Only the\n"
	       "last step counts. Without memory the best guess is 1, with MSE\n"
	       "Var(u1 + u2) = 2 * 1/12 = 1/6. To beat it the network must carry a number\n"
	       "for up to %zu steps and know which number to carry.\n\n"
	       "Every architecture: n = %zu hidden units, minibatches of %zu fresh sequences,\n"
	       "%zu steps of Adam (lr %g), %s;\n"
	       "gradients by %s. The held-out MSE is measured on %zu other\n"
	       "sequences every %zu steps; learned means below %g. Same data for all:\n"
	       "minibatch s is the same sequences for every architecture.\n\n", T, T - 1, n, B, steps, lr,
	       clipname, estname, esize, every, target);

	lesson_file lf;
	lesson_open(&lf, "13_learning.dat");
	double baseline = NAN;
	typedef struct { curve c; size_t steps; int status; double secs, final; } outcome;
	outcome res[MAX_ARCH];
	for (size_t i = 0; i < na; i++) {
		const char *name = bt_cell_name(types[i]);
		bt_init_options io;
		bt_init_options_default(&io);
		io.seed = seed;
		bt_model *m = lesson_model(name, BT_ACT_TANH, 2, n, 1, &io);
		lesson_dataset(&lf, name, "step examples heldout_mse train_mse");
		outcome *r = &res[i];
		memset(r, 0, sizeof *r);
		r->c = (curve){&lf, 0, 0, target, INFINITY, 0, 0, 0};
		o.ctx = &r->c;
		fprintf(stderr, "13_learning: training %-10s (%zu parameters) ...", name, m->nparams);
		double t0 = bt_wall_seconds();
		bt_train_result tr;
		r->status = bt_train(m, &o, &tr);
		r->secs = bt_wall_seconds() - t0;
		r->steps = tr.steps;
		r->final = tr.eval_mse;
		if (r->status != BT_OK && r->status != BT_ENUMERIC)
			lesson_check(r->status, "training");
		baseline = tr.baseline_mse;
		fprintf(stderr, " %zu steps in %.1f s\n", tr.steps, r->secs);
		bt_model_free(m);
	}
	size_t nreached = 0;
	for (size_t i = 0; i < na; i++)
		nreached += res[i].c.reached_step != 0;
	lesson_dataset(&lf, "meta", "T batch baseline_mse target_mse steps hidden clip_norm lr reached");
	lesson_row(&lf, 9, (double)T, (double)B, baseline, target, (double)steps, (double)n, clip, lr,
		   (double)nreached);
	/* the architectures' names, in the order of their datasets */
	lesson_dataset(&lf, "archs", "arch_index name");
	for (size_t i = 0; i < na; i++)
		fprintf(lf.f, "%zu %s\n", i, bt_cell_name(types[i]));
	/* the first evaluation below the target, of each architecture that got there */
	lesson_dataset(&lf, "reached", "step examples heldout_mse arch_index");
	for (size_t i = 0; i < na; i++)
		if (res[i].c.reached_step)
			lesson_row(&lf, 4, (double)res[i].c.reached_step,
				   (double)res[i].c.reached_examples, target, (double)i);
	lesson_close(&lf);

	printf("\n  %-11s %-26s %-22s %-13s %s\n", "arch", "reached MSE < target", "best held-out MSE",
	       "final MSE", "seconds");
	size_t learned = 0;
	for (size_t i = 0; i < na; i++) {
		outcome *r = &res[i];
		char when[64], best[64];
		if (r->c.reached_step)
			snprintf(when, sizeof when, "step %zu (%zu seq.)", r->c.reached_step,
				 r->c.reached_examples);
		else
			snprintf(when, sizeof when, "no");
		snprintf(best, sizeof best, "%.4g (step %zu)", r->c.best, r->c.best_step);
		printf("  %-11s %-26s %-22s %-13.4g %.1f%s\n", bt_cell_name(types[i]), when, best,
		       r->final, r->secs,
		       r->status == BT_ENUMERIC ? "  diverged: a non-finite gradient" : "");
		learned += r->c.reached_step != 0;
	}
	printf("\n");
	for (size_t i = 0; i < na; i++) {
		outcome *r = &res[i];
		const char *name = bt_cell_name(types[i]);
		if (r->status == BT_ENUMERIC)
			printf("%s: stopped at step %zu, the gradient was no longer finite.\n", name, r->steps);
		else if (r->c.reached_step)
			printf("%s: reached MSE < %g at step %zu, after %zu sequences.\n", name, target,
			       r->c.reached_step, r->c.reached_examples);
		else
			printf("%s: not learned in %zu steps (best held-out MSE %.4g, the baseline %.4g).\n",
			       name, r->steps, r->c.best, baseline);
	}
	/* the best affine predictor of u_p + u_q from all the inputs (docs/adding.md) */
	double linfloor = 1.0 / 6 - (1.0 / (double)(T / 2) + 1.0 / (double)(T - T / 2)) / 12;
	printf("\n%zu of %zu architectures got below MSE %g within %zu steps.\n"
	       "The memoryless baseline is %.6f (1/6 = %.6f).\n"
	       "The linear floor is %.6f (1/6 - 1/(3T) for even T): the output of a linear\n"
	       "RNN is an affine function of the inputs, the target u_p + u_q is not, and no\n"
	       "affine function of the inputs has a smaller expected MSE.\n", learned, na, target,
	       steps, baseline, 1.0 / 6, linfloor);
	printf("\nRead the figure: a curve that stays on the dashed baseline has learned the\n"
	       "mean of the target and nothing else; it has not found the two marked numbers.\n"
	       "A curve that drops through the dotted target line has learned to keep them\n"
	       "across the sequence. Learners usually sit on the baseline for a while and then\n"
	       "fall steeply, once their weights store a marked value and keep it. The rule\n"
	       "(take u in when the marker is on, keep the state otherwise) is the same at\n"
	       "every step, so it can be learned from the last few steps alone: truncated\n"
	       "gradients that never reach the first marker learn it too (exercise 3).\n");
	return 0;
}
