/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench_train.c — how fast an LSTM learns the adding problem with bt_train:
 * the steps and seconds until the held-out MSE falls below a target.
 *
 * usage: bench_train [T] [n] [batch] [lr] [clip] [max_steps] [seed]
 *        (defaults 50 24 32 0.02 1 3000 1)
 * Adam, global-norm clipping, full BPTT, evaluation every 50 steps on 200
 * held-out sequences, target MSE 0.01 (the memoryless baseline is 1/6).
 * Prints one line per evaluation and a summary. A benchmark, not a test:
 * tests/test_train.c asserts the default settings reach the target. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bt.h"
#include "base/timing.h"

static double t0;

static int report(void *ctx, const bt_train_report *r)
{
	(void)ctx;
	if (!isnan(r->eval_mse))
		printf("step %5zu  loss %-10.4g  |g| %-10.3g  held-out MSE %-10.4g  %6.1f s\n",
		       r->step, r->loss, r->grad_norm, r->eval_mse, bt_wall_seconds() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	size_t T = argc > 1 ? strtoul(argv[1], NULL, 10) : 50;
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 24;
	size_t B = argc > 3 ? strtoul(argv[3], NULL, 10) : 32;
	double lr = argc > 4 ? atof(argv[4]) : 0.02;
	double clip = argc > 5 ? atof(argv[5]) : 1;
	size_t steps = argc > 6 ? strtoul(argv[6], NULL, 10) : 3000;
	unsigned long seed = argc > 7 ? strtoul(argv[7], NULL, 10) : 1;
	bt_model *m;
	bt_dims dm = {2, n, 1};
	bt_init_options io;
	bt_init_options_default(&io);
	io.seed = seed;
	if (bt_model_alloc(&m, bt_cell_lookup("lstm"), dm, BT_ACT_TANH) != BT_OK ||
	    bt_model_init(m, &io) != BT_OK) {
		fprintf(stderr, "bench_train: cannot make the model\n");
		return 1;
	}
	bt_train_options o;
	bt_train_options_default(&o);
	o.task.kind = BT_TASK_ADDING;
	o.task.T = T;
	o.batch = B;
	o.steps = steps;
	o.opt.lr = lr;
	if (clip > 0) {
		o.clip = BT_CLIP_NORM;
		o.clip_threshold = clip;
	}
	o.eval_every = 50;
	o.eval_size = 200;
	o.target_mse = 0.01;
	o.seed = seed;
	o.callback = report;
	printf("lstm n=%zu on adding T=%zu, batch %zu, adam lr %g, clip-norm %g, seed %lu\n",
	       n, T, B, lr, clip, seed);
	t0 = bt_wall_seconds();
	bt_train_result r;
	int st = bt_train(m, &o, &r);
	double secs = bt_wall_seconds() - t0;
	printf("%s after %zu steps (%zu sequences), %.2f s (%.1f ms/step): held-out MSE %.4g, baseline %.4g\n",
	       r.reached_target ? "reached MSE < 0.01" : "did NOT reach MSE < 0.01", r.steps,
	       r.examples, secs, 1e3 * secs / (double)(r.steps ? r.steps : 1), r.eval_mse,
	       r.baseline_mse);
	bt_model_free(m);
	return st == BT_OK ? 0 : 1;
}
