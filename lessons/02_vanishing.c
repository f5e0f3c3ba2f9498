/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 02_vanishing — vanishing and exploding gradients.
 *
 * How much does the state T steps ahead depend on the state τ steps back?
 * ∂h_T/∂h_{T−τ} is a product of τ step Jacobians diag(φ'(a_t)) W, and its
 * norm is bounded by (L_φ s_max(W))^τ. For tanh RNNs at several scales of
 * W this lesson measures log10‖∂h_T/∂h_{T−τ}‖₂ against τ beside the bound,
 * and checks the linear case, where the bound is exact. */
#include "lesson.h"

int main(int argc, char **argv)
{
	size_t n = 32, T = 200, d = 4;
	size_t seed = 7;
	double xs = 0.3;
	const char *scales = "0.5,0.9,1.0,1.1,1.5";
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n (default 32)"},
		{"--length", 'n', &T, "sequence length T, the longest lag (default 200)"},
		{"--scales", 's', &scales, "largest singular values of W, comma-separated (default 0.5,0.9,1.0,1.1,1.5)"},
		{"--seed", 'n', &seed, "seed of the models and the inputs (default 7)"},
		{"--input-scale", 'r', &xs, "inputs are N(0, X^2) (default 0.3: small, so tanh is not saturated at once)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "02_vanishing",
		    "Measures log10 |dh_T/dh_{T-tau}|_2 against the lag tau for tanh RNNs whose\n"
		    "recurrent matrix W has the given largest singular values, beside the\n"
		    "bound tau*log10(s_max(W)); writes plots/out/02_vanishing.dat.", opts);
	if (n < 1 || T < 2)
		lesson_fail("--hidden must be at least 1 and --length at least 2");
	double sv[32];
	size_t ns = lesson_list("--scales", scales, sv, 32);
	for (size_t i = 0; i < ns; i++)
		if (!(sv[i] > 0))
			lesson_fail("--scales: %g is not positive", sv[i]);
	/* the data and one model with its Jacobian at a time */
	lesson_need(lesson_task_size("rnn", d, n, 2, T, 1, LESSON_JACOBIAN), "the Jacobians");

	printf("Lesson 2: vanishing and exploding gradients\n"
	       "A tanh RNN (n = %zu, W = s Q with Q orthogonal, so every singular value of W\n"
	       "is s) runs over T = %zu small random inputs. For every lag tau we\n"
	       "measure how strongly h_T depends on h_{T-tau}: the 2-norm of the product of\n"
	       "tau step Jacobians diag(1 - h_t^2) W, kept as a logarithm so that it never\n"
	       "under- or overflows. Since |tanh'| <= 1, the norm can be at most\n"
	       "s_max(W)^tau: a straight line of slope log10 s_max(W) in this plot.\n\n",
	       n, T);
	printf("  %-8s %-22s %-22s %s\n", "s_max", "slope of the bound", "measured slope", "log10 norm at tau = T");

	lesson_file lf;
	lesson_open(&lf, "02_vanishing.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "input_scale", xs);
	bt_data *data = lesson_data(T, d, 2, seed + 1);
	for (size_t i = 0; i < T * d; i++)
		data->X[i] *= xs;
	for (size_t is = 0; is < ns; is++) {
		double s = sv[is];
		bt_init_options o;
		bt_init_options_default(&o);
		o.seed = seed;
		o.orthogonal = 1;   /* every singular value of W is s */
		o.scale = s;
		bt_model *m = lesson_model("rnn", BT_ACT_TANH, d, n, 2, &o);
		bt_jacobian_result *r;
		lesson_check(bt_jacobian_alloc(&r, T), "jacobian");
		lesson_check(bt_jacobian_lags(m, data, r), "jacobian");
		char name[64];
		snprintf(name, sizeof name, "tanh-%g", s);
		lesson_dataset(&lf, name, "lag log10_norm2 log10_bound");
		lesson_label(&lf, "s = %g", s);
		/* least-squares slope of the measured log norm over the lags */
		double sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (size_t tau = 1; tau <= T; tau++) {
			double y = r->log10_norm2[tau - 1];
			lesson_row(&lf, 3, (double)tau, y, r->log10_bound[tau - 1]);
			sx += tau; sy += y; sxx += (double)tau * tau; sxy += tau * y;
		}
		double slope = (T * sxy - sx * sy) / (T * sxx - sx * sx);
		printf("  %-8g %-22.4f %-22.4f %.2f\n", s, log10(s), slope, r->log10_norm2[T - 1]);
		bt_jacobian_free(r);
		bt_model_free(m);
	}

	/* The linear case: identity activation and W = s·Q, Q orthogonal. Every
	 * singular value of the product is s^τ, so the bound is met exactly. */
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	o.orthogonal = 1;
	o.scale = 1.1;
	bt_model *lin = lesson_model("rnn", BT_ACT_IDENTITY, d, n, 2, &o);
	bt_jacobian_result *r;
	lesson_check(bt_jacobian_alloc(&r, T), "jacobian");
	lesson_check(bt_jacobian_lags(lin, data, r), "jacobian");
	lesson_dataset(&lf, "linear-1.1", "lag log10_norm2 log10_bound");
	lesson_label(&lf, "linear RNN, s = 1.1");
	for (size_t tau = 1; tau <= T; tau++)
		lesson_row(&lf, 3, (double)tau, r->log10_norm2[tau - 1], r->log10_bound[tau - 1]);
	double lin_slope = (r->log10_norm2[T - 1] - r->log10_norm2[0]) / (double)(T - 1);
	lesson_close(&lf);
	printf("\nThe linear check: with phi = identity and W = 1.1 Q (Q orthogonal) every\n"
	       "singular value of the product is 1.1^tau, so the measured slope should be\n"
	       "log10 1.1 = %.6f; it is %.6f.\n", log10(1.1), lin_slope);
	printf("\nRead the figure: below the dashed bounds, the tanh curves fall faster than\n"
	       "their bounds because saturated units (|h| near 1) have tanh' near 0. Even at\n"
	       "s_max > 1 the gradient can vanish; where it does not, it explodes.\n");
	bt_jacobian_free(r);
	bt_model_free(lin);
	bt_data_free(data);
	return 0;
}
