/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 12_lyapunov — order and chaos: the largest Lyapunov exponent of a random
 * tanh RNN against the gain g.
 *
 * A tanh RNN h_t = tanh(W h_{t−1} + U x_t) with a random Gaussian W scaled
 * to spectral radius g is kicked once (x_1 = 1) and then left alone. The
 * largest Lyapunov exponent λ (bt_lyapunov, natural log per step) says
 * whether nearby trajectories converge (λ < 0, order) or separate
 * (λ > 0, chaos). For g < 1 the state falls back to 0, where J_t = W, so
 * λ = ln ρ(W) = ln g exactly; beyond g ≈ 1 the network becomes chaotic.
 * The same number is the slope of lesson 2: log‖∂h_T/∂h_{T−τ}‖ grows or
 * shrinks by λ per step of lag, which bt_jacobian_lags measures over the
 * same steps. */
#include <gsl/gsl_fit.h>
#include "lesson.h"

/* One network of gain g (W's spectral radius, the same Gaussian draw for
 * every g of a seed) with d = m = 1. */
static bt_model *network(size_t n, double g, unsigned long seed)
{
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	o.radius = g;
	return lesson_model("rnn", BT_ACT_TANH, 1, n, 1, &o);
}

/* λ_1 with its standard error over the data's steps after a burn-in. */
static void largest(const bt_model *m, const bt_data *data, size_t burn, double *lam,
		    double *se)
{
	bt_lyapunov_options lo;
	bt_lyapunov_options_default(&lo);
	lo.count = 1;
	lo.burn_in = (long)burn;
	bt_lyapunov_result *r;
	lesson_check(bt_lyapunov_alloc(&r, m, data->T, &lo), "lyapunov");
	lesson_check(bt_lyapunov(m, data, r), "lyapunov");
	*lam = r->exponent[0];
	*se = r->std_error[0];
	bt_lyapunov_free(r);
}

int main(int argc, char **argv)
{
	size_t n = 100, T = 1000, burn = 200, nets = 3, seed = 1;
	double gmin = 0.5, gmax = 3, gstep = 0.1, xs = 0;
	const char *compare = "0.8,2";
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n (default 100)"},
		{"--length", 'n', &T, "steps T of each run (default 1000)"},
		{"--burn-in", 'n', &burn, "steps B left out at the start (default 200)"},
		{"--gmin", 'r', &gmin, "smallest gain g (default 0.5)"},
		{"--gmax", 'r', &gmax, "largest gain g (default 3)"},
		{"--gstep", 'r', &gstep, "step in g (default 0.1)"},
		{"--networks", 'n', &nets, "random networks, one W each (default 3)"},
		{"--seed", 'n', &seed, "seed of the first network; the others follow (default 1)"},
		{"--input-scale", 'r', &xs, "inputs after the kick are N(0, X^2) (default 0: none)"},
		{"--compare", 's', &compare, "gains whose exponent is set beside the slope of the Jacobian\n"
		 "                     product, comma-separated (default 0.8,2)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "12_lyapunov",
		    "The largest Lyapunov exponent of random tanh RNNs (spectral radius g) against\n"
		    "g, from order (negative) to chaos (positive); and, for a few g, the exponent\n"
		    "beside the slope of log |dh_T/dh_{T-tau}| over the lag. Writes\n"
		    "plots/out/12_lyapunov.dat and plots/out/12_lyapunov_lags.dat.", opts);
	if (n < 1 || nets < 1 || nets > 20 || !(gmin > 0) || !(gmax >= gmin) || !(gstep > 0) ||
	    burn + 20 > T)
		lesson_fail("--hidden and --networks (up to 20) must be at least 1, 0 < gmin <= gmax,"
			    " gstep > 0, and --length at least --burn-in + 20");
	double ngd = floor((gmax - gmin) / gstep + 1e-9) + 1;
	if (!(ngd <= 1000))
		lesson_fail("--gmin, --gmax, --gstep: %.3g gains, more than 1000", ngd);
	size_t ng = (size_t)ngd;
	double gc[32];
	size_t ncmp = lesson_list("--compare", compare, gc, 32);
	for (size_t i = 0; i < ncmp; i++)
		if (!(gc[i] > 0))
			lesson_fail("--compare: %g is not positive", gc[i]);
	/* the data, one network with its exponent's workspace and Jacobians
	 * over T, the line fit's points, the exponents */
	bt_dims dims = {1, n, 1};
	lesson_need(lesson_task_size("rnn", 1, n, 1, T, 1, LESSON_JACOBIAN) +
		    bt_lyapunov_size(bt_cell_lookup("rnn"), dims) +
		    lesson_doubles(4.0 * (double)T + 2.0 * (double)nets * (double)ng),
		    "the exponents and the Jacobians");

	/* x_1 = 1 kicks the state off h = 0 (through U); then N(0, xs²) or nothing */
	bt_data *data = lesson_data(T, 1, 1, seed + 1000);
	for (size_t t = 0; t < T; t++)
		data->X[t] = t == 0 ? 1 : xs * data->X[t];
	size_t N = T - burn;

	printf("Lesson 12: order, chaos and Lyapunov exponents\n\n"
	       "A tanh RNN, h_t = tanh(W h_{t-1} + U x_t), n = %zu, W Gaussian and scaled so that\n"
	       "its spectral radius is exactly g. One kick x_1 = 1, then %s.\n"
	       "The largest Lyapunov exponent lambda is the average of ln(growth) per step of\n"
	       "a small perturbation of the state, over steps %zu..%zu (Benettin's method, with\n"
	       "the standard error of 10 block means): lambda < 0 means that trajectories\n"
	       "converge (order), lambda > 0 that they separate exponentially (chaos).\n"
	       "Reference: if the state sits at h = 0, then J_t = W and lambda = ln rho(W) = ln g.\n\n",
	       n, xs > 0 ? "inputs N(0, s^2) with s = --input-scale" : "no input", burn + 1, T);
	if (xs > 0)
		printf("(input scale s = %g)\n\n", xs);

	lesson_file lf;
	lesson_open(&lf, "12_lyapunov.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "burn_in", (double)burn);
	lesson_param(&lf, "input_scale", xs);
	lesson_dataset(&lf, "meta", "networks n T burn_in");
	lesson_row(&lf, 4, (double)nets, (double)n, (double)T, (double)burn);
	double *lam = lesson_alloc(nets * ng, sizeof(double)), *se = lesson_alloc(nets * ng, sizeof(double));
	for (size_t k = 0; k < nets; k++) {
		char name[32];
		snprintf(name, sizeof name, "net-%zu", k + 1);
		lesson_dataset(&lf, name, "g exponent stderr");
		lesson_label(&lf, "network %zu (seed %zu)", k + 1, (size_t)(seed + k));
		for (size_t i = 0; i < ng; i++) {
			double g = gmin + gstep * i;
			bt_model *m = network(n, g, seed + k);
			largest(m, data, burn, &lam[k * ng + i], &se[k * ng + i]);
			lesson_row(&lf, 3, g, lam[k * ng + i], se[k * ng + i]);
			bt_model_free(m);
		}
	}
	lesson_dataset(&lf, "reference", "g ln_g");
	for (size_t i = 0; i < ng; i++) {
		double g = gmin + gstep * i;
		lesson_row(&lf, 2, g, log(g));
	}
	lesson_close(&lf);

	printf("  %-6s %-9s", "g", "ln g");
	for (size_t k = 0; k < nets; k++)
		printf(" network %-2zu lambda (stderr)", k + 1);
	printf("\n");
	for (size_t i = 0; i < ng; i++) {
		printf("  %-6.3g %-9.4f", gmin + gstep * i, log(gmin + gstep * i));
		for (size_t k = 0; k < nets; k++)
			printf("   %9.5f (%.5f)       ", lam[k * ng + i], se[k * ng + i]);
		printf("\n");
	}
	/* where each network becomes chaotic: the first g with λ clearly above 0 */
	printf("\nThe first g at which lambda > 0 by more than 3 standard errors and 0.005:\n");
	for (size_t k = 0; k < nets; k++) {
		size_t i = 0;
		while (i < ng && !(lam[k * ng + i] > 3 * se[k * ng + i] && lam[k * ng + i] > 0.005))
			i++;
		if (i < ng)
			printf("  network %zu: g = %.3g (lambda = %.4f +- %.4f)\n", k + 1, gmin + gstep * i,
			       lam[k * ng + i], se[k * ng + i]);
		else
			printf("  network %zu: none up to g = %g\n", k + 1, gmax);
	}
	/* the ordered end of the sweep against its closed form */
	printf("\nAt the smallest gain the state decays to 0, J_t -> W, and lambda must be\n"
	       "ln rho(W) = ln g: at g = %.3g, lambda = %.6f (network 1), ln g = %.6f.\n",
	       gmin, lam[0], log(gmin));

	/* ---- the same number as the slope of lesson 2 ---------------------- */
	printf("\nThe slope of lesson 2. The Jacobian products give log10 |dh_T/dh_{T-tau}|_2 for\n"
	       "tau = 1..T. Over the lags that cover the same steps as lambda (tau <= %zu,\n"
	       "leaving out tau < %zu, while the product turns into its leading direction),\n"
	       "its least-squares slope times ln 10 estimates lambda (network 1):\n\n", N, N / 10);
	printf("  %-6s %-18s %-18s %-22s %s\n", "g", "slope (log10/step)", "slope * ln 10",
	       "lambda +- stderr", "difference / stderr");
	lesson_open(&lf, "12_lyapunov_lags.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "seed", (double)seed);
	lesson_dataset(&lf, "meta", "compared first_lag last_lag");
	lesson_row(&lf, 3, (double)ncmp, (double)(N / 10), (double)N);
	for (size_t ic = 0; ic < ncmp; ic++) {
		double g = gc[ic];
		bt_model *m = network(n, g, seed);
		double l, s;
		largest(m, data, burn, &l, &s);
		bt_jacobian_result *r;
		lesson_check(bt_jacobian_alloc(&r, T), "jacobian");
		lesson_check(bt_jacobian_lags(m, data, r), "jacobian");
		/* least-squares line through (τ, log10 norm) for τ = N/10 … N */
		size_t t0 = N / 10, cnt = N - t0 + 1;
		double *x = malloc(cnt * sizeof(double)), *y = malloc(cnt * sizeof(double));
		if (!x || !y)
			lesson_fail("out of memory");
		for (size_t j = 0; j < cnt; j++) {
			x[j] = (double)(t0 + j);
			y[j] = r->log10_norm2[t0 + j - 1];
		}
		double c0, c1, cov00, cov01, cov11, sumsq, off = 0;
		gsl_fit_linear(x, 1, y, 1, cnt, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
		for (size_t j = 0; j < cnt; j++)   /* the line of slope λ/ln 10 through the data */
			off += (y[j] - x[j] * l / M_LN10) / cnt;
		printf("  %-6g %-18.6f %-18.5f %.5f +- %-10.5f %.2f\n", g, c1, c1 * M_LN10, l, s,
		       s > 0 ? fabs(c1 * M_LN10 - l) / s : NAN);
		char name[32];
		snprintf(name, sizeof name, "g-%zu", ic + 1);
		lesson_dataset(&lf, name, "lag log10_norm2 lyapunov_line g exponent stderr");
		lesson_label(&lf, "g = %g", g);
		for (size_t tau = 1; tau <= N; tau++)
			lesson_row(&lf, 6, (double)tau, r->log10_norm2[tau - 1], off + tau * l / M_LN10,
				   g, l, s);
		free(x);
		free(y);
		bt_jacobian_free(r);
		bt_model_free(m);
	}
	lesson_close(&lf);
	printf("\nRead the figures: in 12_lyapunov.png the exponents lie on ln g below g = 1,\n"
	       "where every trajectory falls back to h = 0. Past g = 1 that state is\n"
	       "unstable, yet saturation (tanh' < 1) holds lambda far below ln g. Networks\n"
	       "of this size first settle on a fixed point, a cycle or a closed curve\n"
	       "(lambda <= 0) and turn chaotic only at the gains listed above; the larger\n"
	       "n, the closer to g = 1 that happens.\n"
	       "In 12_lyapunov_lags.png the log norm of the Jacobian product runs parallel\n"
	       "to a line of slope lambda / ln 10: the rate at which gradients grow or\n"
	       "vanish over long lags is the largest Lyapunov exponent.\n");
	free(lam);
	free(se);
	bt_data_free(data);
	return 0;
}
