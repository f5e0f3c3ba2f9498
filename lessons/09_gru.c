/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 09_gru — the GRU's update gate opens a path for the gradient.
 *
 * A GRU step mixes the old state and a candidate:
 *     h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t,   z_t = σ(W_z h_{t−1} + U_z x_t + b_z).
 * Where z_t ≈ 0 the state is copied and ∂h_t/∂h_{t−1} ≈ I. This lesson
 * recomputes the gates from the library's states and the W_z, U_z, b_z
 * blocks, reports their statistics over time, and measures
 * log10‖∂h_T/∂h_{T−τ}‖₂ against τ for a GRU whose b_z is shifted negative
 * (gate mostly closed), a GRU as initialised (b_z = 0, so z ≈ 1/2) and a
 * tanh RNN of the same size. */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics.h>
#include "lesson.h"

static const double *blk(const bt_model *m, const char *name)
{
	return m->theta + lesson_block_offset(m, name);
}

/* a = W h + U x + b, with the blocks named W, U, b. */
static void affine(const bt_model *m, const char *W, const char *U,
		   const char *b, const double *h, const double *x, double *a)
{
	size_t n = m->dims.n, d = m->dims.d;
	const double *Wp = blk(m, W), *Up = blk(m, U), *bp = blk(m, b);
	for (size_t i = 0; i < n; i++) {
		a[i] = bp[i];
		for (size_t j = 0; j < n; j++)
			a[i] += Wp[i * n + j] * h[j];
		for (size_t j = 0; j < d; j++)
			a[i] += Up[i * d + j] * x[j];
	}
}

static double sigma(double a) { return 1.0 / (1.0 + exp(-a)); }

/* The spec's GRU step (docs/spec.md), outside the library: the gates z and r, the
 * candidate h̃ and the new state h. rh (n) is scratch. */
static void gru_step(const bt_model *m, const double *hprev, const double *x,
		     double *z, double *r, double *rh, double *hh, double *h)
{
	size_t n = m->dims.n;
	affine(m, "W_z", "U_z", "b_z", hprev, x, z);   /* z = σ(W_z h + U_z x + b_z) */
	affine(m, "W_r", "U_r", "b_r", hprev, x, r);   /* r = σ(W_r h + U_r x + b_r) */
	for (size_t i = 0; i < n; i++) {
		z[i] = sigma(z[i]);
		r[i] = sigma(r[i]);
		rh[i] = r[i] * hprev[i];
	}
	affine(m, "W_h", "U_h", "b_h", rh, x, hh);    /* h̃ = tanh(W_h (r ⊙ h) + U_h x + b_h) */
	for (size_t i = 0; i < n; i++) {
		hh[i] = tanh(hh[i]);
		h[i] = (1.0 - z[i]) * hprev[i] + z[i] * hh[i];
	}
}

/* Least-squares slope of y[0..T-1] against τ = 1…T. */
static double slope(const double *y, size_t T)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (size_t tau = 1; tau <= T; tau++) {
		double v = y[tau - 1];
		sx += tau; sy += v; sxx += (double)tau * tau; sxy += tau * v;
	}
	return (T * sxy - sx * sy) / (T * sxx - sx * sx);
}

int main(int argc, char **argv)
{
	size_t n = 32, T = 200, d = 4, seed = 9;
	double shift = -4, xs = 1.0;
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n (default 32)"},
		{"--length", 'n', &T, "sequence length T, the longest lag (default 200)"},
		{"--shift", 'r', &shift, "b_z of the closed-gate GRU (default -4: sigma(-4) = 0.018)"},
		{"--input-scale", 'r', &xs, "inputs are N(0, X^2) (default 1)"},
		{"--seed", 'n', &seed, "seed of the models and the inputs (default 9)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "09_gru",
		    "Recomputes the GRU's update gate z_t from its states and parameters and\n"
		    "measures log10 |dh_T/dh_{T-tau}|_2 against the lag for a GRU with b_z shifted\n"
		    "negative, a GRU as initialised and a tanh RNN of the same size; writes\n"
		    "plots/out/09_gru.dat and plots/out/09_gru_gates.dat.", opts);
	if (n < 1 || T < 2)
		lesson_fail("--hidden must be at least 1 and --length at least 2");
	/* three models and the data; a GRU's states, every gate value and one
	 * model's Jacobians at a time */
	const bt_cell_type *gru = bt_cell_lookup("gru");
	bt_dims dims = {d, n, 2};
	lesson_need(lesson_task_size("gru", d, n, 2, T, 1, LESSON_JACOBIAN) +
		    2 * bt_model_size(gru, dims) + bt_seq_size(gru, dims, T) +
		    lesson_doubles((double)T * (double)n + 6.0 * (double)n), "the gates and the Jacobians");

	printf("Lesson 9: the GRU's update gate\n"
	       "A GRU keeps (1 - z_t) of its old state and takes z_t of a candidate:\n"
	       "h_t = (1 - z_t) * h_{t-1} + z_t * htilde_t. Where z_t is near 0 a unit copies\n"
	       "itself and the step Jacobian dh_t/dh_{t-1} is near the identity. Three models\n"
	       "of size n = %zu run over the same T = %zu random inputs: a GRU with every\n"
	       "b_z = %g, a GRU as initialised (b_z = 0) and a tanh RNN.\n\n", n, T, shift);

	bt_data *data = lesson_data(T, d, 2, seed + 1);
	for (size_t i = 0; i < T * d; i++)
		data->X[i] *= xs;
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	const char *names[3] = {"gru-closed", "gru-default", "rnn"};
	bt_model *models[3] = {lesson_model("gru", BT_ACT_TANH, d, n, 2, &o),
			       lesson_model("gru", BT_ACT_TANH, d, n, 2, &o),
			       lesson_model("rnn", BT_ACT_TANH, d, n, 2, &o)};
	double *bz = models[0]->theta + models[0]->blocks[bt_model_find_block(models[0], "b_z")].offset;
	for (size_t i = 0; i < n; i++)
		bz[i] += shift;

	/* The gates, step by step, from the library's states. */
	lesson_file gf;
	lesson_open(&gf, "09_gru_gates.dat");
	lesson_param(&gf, "n", (double)n);
	lesson_param(&gf, "T", (double)T);
	lesson_param(&gf, "input_scale", xs);
	lesson_param(&gf, "shift", shift);
	double *z = lesson_alloc(5 * n, sizeof(double)), *r = z + n, *rh = z + 2 * n,
	       *hh = z + 3 * n, *h = z + 4 * n;
	double *zall = lesson_alloc(T * n, sizeof(double));
	double *logkeep = lesson_alloc(n, sizeof(double));   /* Σ_t log10(1 − z_{t,i}) */
	double zmean[2], recon = 0, keep_slope[2];
	printf("  %-12s %-8s %-22s %s\n", "model", "mean z", "z < 0.1 (fraction)", "10% .. 90% of z");
	for (int g = 0; g < 2; g++) {
		bt_seq *q;
		lesson_check(bt_seq_alloc(&q, models[g], T), "workspace");
		lesson_check(bt_seq_forward(q, models[g], data, NULL), "forward");
		lesson_dataset(&gf, names[g], "t mean_z q10_z q90_z");
		lesson_param(&gf, g ? "bz_default" : "bz_closed", g ? 0.0 : shift);
		lesson_label(&gf, g ? "GRU, b_z = 0" : "GRU, b_z = %g", shift);
		memset(logkeep, 0, n * sizeof(double));
		for (size_t t = 1; t <= T; t++) {
			gru_step(models[g], bt_seq_state(q, t - 1), data->X + (t - 1) * d,
				 z, r, rh, hh, h);
			const double *ht = bt_seq_state(q, t);
			for (size_t i = 0; i < n; i++) {
				recon = fmax(recon, fabs(h[i] - ht[i]));
				logkeep[i] += log10(1.0 - z[i]);
			}
			memcpy(zall + (t - 1) * n, z, n * sizeof(double));
			gsl_sort(z, 1, n);
			lesson_row(&gf, 4, (double)t, gsl_stats_mean(z, 1, n),
				   gsl_stats_quantile_from_sorted_data(z, 1, n, 0.1),
				   gsl_stats_quantile_from_sorted_data(z, 1, n, 0.9));
		}
		zmean[g] = gsl_stats_mean(zall, 1, T * n);
		size_t small = 0;
		for (size_t i = 0; i < T * n; i++)
			small += zall[i] < 0.1;
		gsl_sort(zall, 1, T * n);
		printf("  %-12s %-8.4f %-22.3f %.4f .. %.4f\n", names[g], zmean[g],
		       (double)small / (double)(T * n),
		       gsl_stats_quantile_from_sorted_data(zall, 1, T * n, 0.1),
		       gsl_stats_quantile_from_sorted_data(zall, 1, T * n, 0.9));
		/* the slowest unit's mean log10(1 − z) per step */
		keep_slope[g] = logkeep[0];
		for (size_t i = 1; i < n; i++)
			keep_slope[g] = fmax(keep_slope[g], logkeep[i]);
		keep_slope[g] /= (double)T;
		bt_seq_free(q);
	}
	lesson_close(&gf);
	printf("sigma(%g) = %.4f and sigma(0) = 0.5 are the gates with no input and no state;\n"
	       "inputs and state spread z around them (figure 09_gru_gates shows z over t).\n"
	       "Recomputing h_t = (1 - z_t) h_{t-1} + z_t htilde_t from these gates gives the\n"
	       "library's states back: max |difference| = %.3g.\n\n", shift, sigma(shift), recon);
	printf("Now the Jacobian products dh_T/dh_{T-tau}, log10 of the 2-norm against tau.\n"
	       "The copy path alone, prod_t diag(1 - z_t), has norm max_i prod_t (1 - z_t,i):\n"
	       "its slope is the slowest unit's mean log10(1 - z) per step.\n\n");

	/* Jacobian products over lags. */
	lesson_file lf;
	lesson_open(&lf, "09_gru.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "input_scale", xs);
	lesson_param(&lf, "shift", shift);
	double slopes[3];
	printf("  %-12s %-16s %-22s %s\n", "model", "measured slope",
	       "copy path alone", "log10 norm at tau = T");
	for (int g = 0; g < 3; g++) {
		bt_jacobian_result *res;
		lesson_check(bt_jacobian_alloc(&res, T), "jacobian");
		lesson_check(bt_jacobian_lags(models[g], data, res), "jacobian");
		lesson_dataset(&lf, names[g], "lag log10_norm2");
		if (g < 2)
			lesson_label(&lf, g ? "GRU, b_z = 0" : "GRU, b_z = %g", shift);
		else
			lesson_label(&lf, "tanh RNN");
		for (size_t tau = 1; tau <= T; tau++)
			lesson_row(&lf, 2, (double)tau, res->log10_norm2[tau - 1]);
		char pred[32] = "-";
		if (g < 2)
			snprintf(pred, sizeof pred, "%.4f", keep_slope[g]);
		slopes[g] = slope(res->log10_norm2, T);
		printf("  %-12s %-16.4f %-22s %.2f\n", names[g], slopes[g], pred,
		       res->log10_norm2[T - 1]);
		bt_jacobian_free(res);
	}
	lesson_close(&lf);
	printf("\nRead the figures: with b_z = %g the gate is nearly shut (mean z = %.4f), each\n"
	       "step is close to the identity and the product loses only %.4f decades per step;\n"
	       "with b_z = 0 (mean z = %.4f) half of the state is replaced at every step and\n"
	       "the gradient vanishes even faster than in the tanh RNN. The measured\n"
	       "slopes are shallower than the copy path alone: the candidate htilde_t also\n"
	       "depends on h_{t-1} (through W_h) and hands part of the signal back.\n",
	       shift, zmean[0], -slopes[0], zmean[1]);

	free(z);
	free(zall);
	free(logkeep);
	for (int g = 0; g < 3; g++)
		bt_model_free(models[g]);
	bt_data_free(data);
	return 0;
}
