/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 05_tbptt_bias — truncated BPTT is biased.
 *
 * Part 1, the scalar model h_t = a h_{t-1} + b x_t with ℓ_t = ½ h_t²: the
 * expected truncated gradient with respect to a misses
 *     bias(k) = − a^{2k+1} b² s² / (1 − a²)²
 * per step (the spec's reference fact, docs/spec.md). The lesson puts this closed form
 * beside a Monte-Carlo estimate made with the library's own full and
 * truncated gradients (bt_bias_scalar), with standard errors, for several a.
 * Part 2, a GRU: how far the truncated gradient over all parameters is
 * from the full one (relative error, cosine) against k, for the sliding
 * window and for chunks (bt_bias_model), over several data sets. */
#include "lesson.h"

#define MAX_A 8

int main(int argc, char **argv)
{
	size_t kmax = 20, T = 1000, N = 50, seed = 20140901;
	size_t n = 16, Tg = 100, D = 12, gseed = 5;
	double b = 1, s = 1;
	const char *as = "0.5,0.8,0.9";
	const lesson_opt opts[] = {
		{"--a", 's', &as, "values of a, comma-separated, each 0 < a < 1 (default 0.5,0.8,0.9)"},
		{"--kmax", 'n', &kmax, "largest truncation length k (default 20)"},
		{"--sequences", 'n', &N, "Monte-Carlo sequences per (a, k), at least 2 (default 50)"},
		{"--length", 'n', &T, "counted steps per sequence (default 1000)"},
		{"--s", 'r', &s, "standard deviation s of the inputs x_t (default 1; b is 1)"},
		{"--seed", 'n', &seed, "seed of the Monte-Carlo sequences (default 20140901)"},
		{"--hidden", 'n', &n, "GRU hidden size n (default 16)"},
		{"--gru-length", 'n', &Tg, "GRU sequence length T (default 100)"},
		{"--datasets", 'n', &D, "GRU: random data sets to average over, at least 2 (default 12)"},
		{"--gru-seed", 'n', &gseed, "seed of the GRU and of its data sets (default 5)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "05_tbptt_bias",
		    "The bias of truncated BPTT: the scalar closed form against Monte Carlo for\n"
		    "several a, then relative error and cosine of truncated gradients of a GRU\n"
		    "(sliding window and chunks) against k. Writes plots/out/05_tbptt_bias.dat\n"
		    "and plots/out/05_tbptt_bias_gru.dat.", opts);
	if (kmax < 1 || T < 1 || N < 2 || !(s >= 0) || n < 1 || Tg < 2 || D < 2)
		lesson_fail("--kmax, --length, --hidden must be at least 1, --sequences, --datasets and --gru-length at least 2");
	double av[MAX_A];
	size_t na = lesson_list("--a", as, av, MAX_A), burn_max = 0;
	for (size_t i = 0; i < na; i++) {
		if (!(av[i] > 0 && av[i] < 1))
			lesson_fail("--a: %g is not between 0 and 1", av[i]);
		size_t burn = bt_bias_scalar_burn_in(av[i], kmax);
		burn_max = burn > burn_max ? burn : burn_max;
	}
	/* both parts' sizes, before the first runs: a Monte-Carlo sequence
	 * (burn-in and counted steps, its full and truncated gradients), and
	 * the GRU's data sets and gradients */
	if (burn_max > (size_t)BT_MAX_T || T > (size_t)BT_MAX_T - burn_max)
		lesson_fail("%s: sequences of %zu burn-in and %zu counted steps are longer "
			    "than the library's %ld", lesson_knobs(), burn_max, T, BT_MAX_T);
	lesson_need(2 * lesson_task_size("linear", 1, 1, 1, burn_max + T, 1, LESSON_GRADIENT) +
		    lesson_task_size("gru", 4, n, 2, Tg, D, LESSON_BIAS) +
		    lesson_doubles((double)D * (double)Tg * 6), "the Monte Carlo and the GRU");

	printf("Lesson 5: truncated BPTT is biased\n\n"
	       "Part 1. The scalar model h_t = a h_{t-1} + x_t, inputs x_t ~ N(0, %g^2), loss\n"
	       "l_t = h_t^2 / 2. Per step, the truncated gradient dL_k/da misses on average\n"
	       "  bias(k) = - a^(2k+1) s^2 / (1 - a^2)^2,\n"
	       "which is negative for every 0 < a < 1: truncation underestimates the\n"
	       "gradient. The Monte Carlo below uses the library's own full and truncated\n"
	       "BPTT on %zu sequences of %zu counted steps (after a burn-in) per (a, k):\n"
	       "the mean of (g_k - g_full)/T and its standard error se. We go up to\n"
	       "k = %zu, but stop an a early once se exceeds a quarter of |bias|: from there\n"
	       "on, this many sequences cannot tell the bias from zero.\n\n", s, N, T, kmax);
	printf("  %-5s %-4s %-14s %-14s %-12s %s\n", "a", "k", "closed form", "Monte Carlo", "se",
	       "(MC - closed)/se");

	lesson_file lf;
	lesson_open(&lf, "05_tbptt_bias.dat");
	lesson_param(&lf, "s", s);
	lesson_param(&lf, "sequences", (double)N);
	lesson_param(&lf, "T", (double)T);
	/* the values of a, in the order of the datasets closed-1, mc-1, … */
	lesson_dataset(&lf, "meta", "a");
	for (size_t i = 0; i < na; i++)
		lesson_row(&lf, 1, av[i]);
	char name[64];
	double zmax = 0;
	size_t rows = 0;
	for (size_t i = 0; i < na; i++) {
		double a = av[i];
		size_t burn = bt_bias_scalar_burn_in(a, kmax);
		snprintf(name, sizeof name, "closed-%zu", i + 1);
		lesson_dataset(&lf, name, "k minus_bias_closed");
		lesson_label(&lf, "a = %g", a);
		for (size_t k = 1; k <= kmax; k++)
			lesson_row(&lf, 2, (double)k, -bt_bias_scalar_closed(a, b, s, k));
		snprintf(name, sizeof name, "mc-%zu", i + 1);
		lesson_dataset(&lf, name, "k closed_form monte_carlo stderr minus_mc");
		lesson_label(&lf, "a = %g, Monte Carlo", a);
		size_t last = 0;
		double lastratio = 0;
		/* weighted least squares of log10(−MC) against k, weights (MC/se)² */
		double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (size_t k = 1; k <= kmax; k++) {
			bt_bias_scalar_result r;
			lesson_check(bt_bias_scalar(a, b, s, k, T, burn, N, seed, &r), "Monte Carlo");
			double ratio = r.std_error / fabs(r.closed_form);
			if (ratio > 0.25) {
				lastratio = ratio;
				break;
			}
			last = k;
			double z = (r.monte_carlo - r.closed_form) / r.std_error;
			zmax = fmax(zmax, fabs(z));
			rows++;
			lesson_row(&lf, 5, (double)k, r.closed_form, r.monte_carlo, r.std_error,
				   -r.monte_carlo);
			if (r.monte_carlo < 0) {
				double y = log10(-r.monte_carlo), w = 1 / (ratio * ratio);
				sw += w; sx += w * k; sy += w * y; sxx += w * k * k; sxy += w * k * y;
			}
			if (k <= 2 || k % 5 == 0 || k == kmax)
				printf("  %-5g %-4zu %-14.6g %-14.6g %-12.3g %+.2f\n", a, k, r.closed_form,
				       r.monte_carlo, r.std_error, z);
		}
		double slope = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
		printf("        a = %g: resolved for k = 1..%zu", a, last);
		if (last < kmax)
			printf(" (at k = %zu, se = %.0f%% of |bias|)", last + 1, 100 * lastratio);
		if (last >= 3)
			printf(";\n        slope of log10(-MC) against k %.4f, closed form 2 log10 a = %.4f",
			       slope, 2 * log10(fabs(a)));
		printf("\n");
	}
	printf("All %zu Monte-Carlo rows lie within %.2f standard errors of the closed form.\n"
	       "The bias shrinks like a^(2k), the noise of one sequence only like a^k: the\n"
	       "larger k, the more sequences it takes to see the bias at all.\n", rows, zmax);
	lesson_close(&lf);
	printf("\n");

	/* Part 2: a GRU */
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = gseed;
	bt_model *gru = lesson_model("gru", BT_ACT_TANH, 4, n, 2, &o);
	bt_data **data = lesson_alloc(D, sizeof *data);
	for (size_t i = 0; i < D; i++)
		data[i] = lesson_data(Tg, 4, 2, gseed + 1 + i);
	size_t K = kmax < Tg ? kmax : Tg;
	size_t *ks = lesson_alloc(K, sizeof *ks);
	for (size_t k = 1; k <= K; k++)
		ks[k - 1] = k;
	bt_bias_result *r;
	lesson_check(bt_bias_alloc(&r, ks, K, D), "bias");
	lesson_check(bt_bias_model(gru, (const bt_data *const *)data, r), "bias");
	/* k = T: both methods are full BPTT */
	size_t kT = Tg;
	bt_bias_result *rT;
	lesson_check(bt_bias_alloc(&rT, &kT, 1, D), "bias");
	lesson_check(bt_bias_model(gru, (const bt_data *const *)data, rT), "bias");

	printf("Part 2. A GRU (d = 4, n = %zu, m = 2, as initialised) on %zu random data sets\n"
	       "of T = %zu steps. For each k, the gradient g_k over all parameters against the\n"
	       "full one: relative error |g_k - g|/|g| and cosine, mean +- standard error over\n"
	       "the data sets. Sliding window: every loss term goes back k steps. Chunks:\n"
	       "[1..k], [k+1..2k], ...; a term goes back only to the start of its chunk.\n\n",
	       n, D, Tg);
	printf("  %-4s %-22s %-22s %-22s %s\n", "k", "sliding rel. error", "sliding 1 - cosine",
	       "chunked rel. error", "chunked 1 - cosine");
	lesson_open(&lf, "05_tbptt_bias_gru.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)Tg);
	lesson_param(&lf, "datasets_averaged", (double)D);
	lesson_dataset(&lf, "gru", "k rel_error rel_error_stderr cosine cosine_stderr chunked_rel_error chunked_rel_error_stderr chunked_cosine chunked_cosine_stderr");
	const int S = BT_TRUNC_SLIDING, C = BT_TRUNC_CHUNKED;
	for (size_t j = 0; j < K; j++) {
		lesson_row(&lf, 9, (double)ks[j], r->rel_mean[S][j], r->rel_se[S][j],
			   r->cos_mean[S][j], r->cos_se[S][j], r->rel_mean[C][j], r->rel_se[C][j],
			   r->cos_mean[C][j], r->cos_se[C][j]);
		size_t k = ks[j];
		if (k == 1 || k == 2 || k % 5 == 0 || k == K) {
			char c1[32], c2[32], c3[32], c4[32];
			snprintf(c1, sizeof c1, "%.3g +- %.1g", r->rel_mean[S][j], r->rel_se[S][j]);
			snprintf(c2, sizeof c2, "%.3g +- %.1g", 1 - r->cos_mean[S][j], r->cos_se[S][j]);
			snprintf(c3, sizeof c3, "%.3g +- %.1g", r->rel_mean[C][j], r->rel_se[C][j]);
			snprintf(c4, sizeof c4, "%.3g +- %.1g", 1 - r->cos_mean[C][j], r->cos_se[C][j]);
			printf("  %-4zu %-22s %-22s %-22s %s\n", k, c1, c2, c3, c4);
		}
	}
	/* at k = 1 the two truncations are the same computation's result */
	double d1 = 0, dT = 0;
	for (size_t i = 0; i < D; i++) {
		d1 = fmax(d1, fabs(r->rel[S][i] - r->rel[C][i]));
		dT = fmax(dT, fmax(fabs(rT->rel[S][i]), fabs(rT->rel[C][i])));
	}
	printf("\n  at k = 1 sliding and chunked coincide: max |difference of rel. errors| = %.3g\n"
	       "  at k = T = %zu both are full BPTT: max rel. error = %.3g\n", d1, Tg, dT);
	double fs = pow(r->rel_mean[S][K - 1] / r->rel_mean[S][0], 1.0 / (double)(K - 1));
	lesson_close(&lf);
	printf("\nThe sliding window's error falls geometrically, by a factor of about %.2f\n"
	       "per step of k. The chunked error falls far more slowly (%.3g at k = %zu):\n"
	       "the terms near the start of each chunk see only 1, 2, ... steps back, and\n"
	       "there is such a start every k steps, whatever k is.\n", fs, r->rel_mean[C][K - 1], K);

	bt_bias_free(r);
	bt_bias_free(rT);
	free(ks);
	for (size_t i = 0; i < D; i++)
		bt_data_free(data[i]);
	free(data);
	bt_model_free(gru);
	return 0;
}
