/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 04_tbptt_blind — truncated BPTT cannot see past its window.
 *
 * Only the last loss term counts (mask 0 except at step T), so the rows of
 * ∂L/∂X are ∂ℓ_T/∂x_{T−τ}: how much the input τ steps back matters to the
 * loss now. Full BPTT gives a profile that fades with τ; truncation to k
 * steps gives the same profile for τ < k and exact zeros from τ = k on. The
 * credit it throws away — the share of the squared gradient norm at lags
 * τ ≥ k, and the error of the parameter gradient — is measured against k. */
#include "lesson.h"

/* ‖row‖₂ of a T×d matrix, row r (0-based). */
static double row_norm(const double *A, size_t d, size_t r)
{
	double s = 0;
	for (size_t j = 0; j < d; j++)
		s += A[r * d + j] * A[r * d + j];
	return sqrt(s);
}

/* The share of Σ_{τ<T} s^{2τ} at τ ≥ k: (s^{2k} − s^{2T}) / (1 − s^{2T}),
 * what is lost if ‖∂ℓ_T/∂x_{T−τ}‖ were exactly s^τ times ‖∂ℓ_T/∂x_T‖. */
static double geometric_share(double s, size_t k, size_t T)
{
	if (s == 1)
		return (double)(T - k) / T;
	double q = s * s;
	return (pow(q, (double)k) - pow(q, (double)T)) / (1 - pow(q, (double)T));
}

int main(int argc, char **argv)
{
	size_t n = 32, d = 4, m = 2, T = 100, seed = 11;   /* d and m fixed */
	double scale = 0.98, xs = 0.01;
	const char *ks = "5,20,50", *arch = "rnn";
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n (default 32)"},
		{"--length", 'n', &T, "sequence length T, the longest lag + 1 (default 100)"},
		{"--truncate", 's', &ks, "truncation lengths k, comma-separated (default 5,20,50)"},
		{"--scale", 'r', &scale, "W = scale * Q, Q random orthogonal (default 0.98)"},
		{"--input-scale", 'r', &xs, "inputs are N(0, X^2) (default 0.01: tanh stays nearly linear)"},
		{"--seed", 'n', &seed, "seed of the model and the data (default 11)"},
		{"--arch", 's', &arch, "architecture (default rnn, with tanh; try attention)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "04_tbptt_blind",
		    "The lag profile |dl_T/dx_{T-tau}| under full and truncated BPTT for a tanh\n"
		    "RNN with orthogonal W, and the share of the gradient that truncation to k\n"
		    "steps throws away. Writes plots/out/04_tbptt_blind.dat and\n"
		    "plots/out/04_tbptt_blind_share.dat.", opts);
	if (n < 1 || T < 2 || !(scale > 0) || !(xs >= 0))
		lesson_fail("--hidden must be at least 1, --length at least 2, --scale positive");
	/* the gradient, and two copies of dθ and of dX */
	double need = lesson_task_size(arch, d, n, m, T, 1, LESSON_GRADIENT);
	double P2 = 2 * bt_cell_param_count(bt_cell_lookup(arch), (bt_dims){d, n, m});
	lesson_need(need + 8 * (P2 + 2.0 * (double)T * (double)d + (double)T), "the gradients");

	size_t kv[32], nk = lesson_whole_list("--truncate", ks, kv, 32);   /* the truncation lengths */
	for (size_t i = 0; i < nk; i++)
		if (kv[i] < 1 || kv[i] >= T)
			lesson_fail("--truncate: %zu is not from 1 to T-1 = %zu", kv[i], T - 1);

	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	o.orthogonal = 1;   /* every singular value of W is the scale */
	const bt_cell_type *type = bt_cell_lookup(arch);
	if (!type)
		lesson_fail("unknown architecture '%s'", arch);
	o.scale = bt_cell_takes_scale(type) ? scale : 0;
	bt_model *model = lesson_model(arch, BT_ACT_TANH, d, n, m, &o);
	/* W = s Q exactly and no other path (rnn, linear): a geometric
	 * reference applies */
	int geometric = bt_cell_geometric(type);
	bt_data *data = lesson_data(T, d, m, seed + 1);
	for (size_t i = 0; i < T * d; i++)
		data->X[i] *= xs;
	data->M = calloc(T, sizeof(double));   /* freed by bt_data_free */
	if (!data->M)
		lesson_fail("out of memory");
	data->M[T - 1] = 1;   /* only the last loss term, ℓ_T, counts */

	size_t P = model->nparams;
	double *g = malloc(P * sizeof(double)), *gk = malloc(P * sizeof(double));
	double *dX = malloc(T * d * sizeof(double)), *dXk = malloc(T * d * sizeof(double));
	if (!g || !gk || !dX || !dXk)
		lesson_fail("out of memory");
	double L;
	lesson_check(bt_gradient(model, data, 0, &L, g, dX), "full BPTT");

	printf("Lesson 4: truncated BPTT is blind beyond its window\n\n"
	       "A recurrent network (arch %s, d = %zu, n = %zu) with orthogonal recurrent\n"
	       "matrices", arch, d, n);
	if (o.scale > 0)
		printf(" times %g", o.scale);
	printf(" and inputs of size %g runs T = %zu steps, and only the\n"
	       "last loss term l_T counts (mask 0 before). Row T - tau of dL/dX is then\n"
	       "dl_T/dx_{T-tau}: how much the input tau steps back matters to the loss now.", xs, T);
	if (geometric)
		printf("\nWith full BPTT it fades slowly with tau: W shrinks every vector by exactly\n"
		       "s = %g per step, and with small inputs tanh' is close to 1.\n\n", scale);
	else
		printf("\n\n");

	lesson_file lf;
	lesson_open(&lf, "04_tbptt_blind.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "scale", scale);
	lesson_param(&lf, "input_scale", xs);
	lesson_param_text(&lf, "arch", arch);
	/* what the figure script needs to know: how many truncated datasets
	 * follow, and whether there is a reference line */
	lesson_dataset(&lf, "meta", "truncated_datasets has_reference");
	lesson_row(&lf, 2, (double)nk, (double)geometric);
	lesson_dataset(&lf, "full", "lag norm log10_norm k");
	double total = 0;
	for (size_t tau = 0; tau < T; tau++) {
		double r = row_norm(dX, d, T - 1 - tau);
		total += r * r;
		lesson_row(&lf, 4, (double)tau, r, r > 0 ? log10(r) : NAN, 0.0);
	}
	printf("  full BPTT: |dl_T/dx_T| = %.3g, |dl_T/dx_1| = %.3g (lag %zu)\n\n",
	       row_norm(dX, d, T - 1), row_norm(dX, d, 0), T - 1);
	if (geometric) {
		/* the line c + τ log10 s through the middle of the full profile */
		double c = 0;
		size_t cnt = 0;
		for (size_t tau = 0; tau < T; tau++) {
			double r = row_norm(dX, d, T - 1 - tau);
			if (r > 0) {
				c += log10(r) - tau * log10(scale);
				cnt++;
			}
		}
		c = cnt ? c / cnt : 0;
		lesson_dataset(&lf, "reference", "lag log10_norm");
		for (size_t tau = 0; tau < T; tau++)
			lesson_row(&lf, 2, (double)tau, c + tau * log10(scale));
	}

	double gg = 0;
	for (size_t i = 0; i < P; i++)
		gg += g[i] * g[i];
	char name[64];
	for (size_t ik = 0; ik < nk; ik++) {
		size_t k = kv[ik];
		lesson_check(bt_gradient(model, data, k, NULL, gk, dXk), "truncated BPTT");
		snprintf(name, sizeof name, "truncated-%zu", ik + 1);
		lesson_dataset(&lf, name, "lag norm log10_norm k");
		lesson_label(&lf, "truncated, k = %zu", k);
		size_t zeros = 0, past = 0;
		double maxrel = 0, lost = 0, tailk = 0, e = 0;
		for (size_t tau = 0; tau < T; tau++) {
			size_t row = T - 1 - tau;
			double r = row_norm(dXk, d, row);
			for (size_t j = 0; j < d; j++) {
				double a = dXk[row * d + j], b = dX[row * d + j];
				lost += (a - b) * (a - b);
				if (tau >= k) {
					past++;
					zeros += a == 0.0;   /* exactly zero, not merely small */
				} else if (a != b) {
					maxrel = fmax(maxrel, fabs(a - b) / fmax(fabs(a), fabs(b)));
				}
			}
			if (tau >= k)
				tailk += row_norm(dX, d, row) * row_norm(dX, d, row);
			lesson_row(&lf, 4, (double)tau, r, r > 0 ? log10(r) : NAN, (double)k);
		}
		for (size_t i = 0; i < P; i++)
			e += (gk[i] - g[i]) * (gk[i] - g[i]);
		printf("  k = %zu: entries past k are exactly 0: %zu of %zu\n"
		       "      lags tau < k: largest relative difference from full BPTT %.3g\n"
		       "      share of |dl_T/dx|^2 lost, |dX_k - dX|^2 / |dX|^2: %.4f\n"
		       "      share that full BPTT puts at lags >= k: %.4f", k, zeros, past, maxrel,
		       lost / total, tailk / total);
		if (geometric)
			printf(" (if every step shrank it\n        by exactly s = %g: %.4f)",
			       scale, geometric_share(scale, k, T));
		printf("\n      parameter gradient, relative error |g_k - g| / |g|: %.4f\n",
		       sqrt(e / gg));
	}
	printf("  (Exact zeros cannot be drawn on a log scale: where a truncated gradient is\n"
	       "  0, its curve in the figure stops; for rnn that is from tau = k on.)\n");
	lesson_close(&lf);

	/* The credit lost against k: the squared relative error of the input
	 * gradient and of the parameter gradient. */
	lesson_open(&lf, "04_tbptt_blind_share.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "T", (double)T);
	lesson_param(&lf, "scale", scale);
	lesson_param_text(&lf, "arch", arch);
	lesson_dataset(&lf, "share", "k share_x share_theta");
	size_t half = 0, within = 1;
	for (size_t k = 1; k < T; k++) {
		lesson_check(bt_gradient(model, data, k, NULL, gk, dXk), "truncated BPTT");
		double e = 0, ex = 0;
		for (size_t i = 0; i < P; i++)
			e += (gk[i] - g[i]) * (gk[i] - g[i]);
		for (size_t i = 0; i < T * d; i++)
			ex += (dXk[i] - dX[i]) * (dXk[i] - dX[i]);
		lesson_row(&lf, 3, (double)k, ex / total, e / gg);
		if (ex / total >= 0.5)
			half = k;         /* a window of k still loses half or more */
		if (e / gg >= 1e-2)
			within = k + 1;   /* within 10% only from k + 1 on */
	}
	if (geometric) {
		lesson_dataset(&lf, "geometric", "k share");
		for (size_t k = 1; k < T; k++)
			lesson_row(&lf, 2, (double)k, geometric_share(scale, k, T));
	}
	lesson_close(&lf);
	printf("\nThe credit truncation throws away, for every k from 1 to T-1, is in\n"
	       "04_tbptt_blind_share.dat: |dX_k - dX|^2 / |dX|^2 for the input gradient and\n"
	       "|g_k - g|^2 / |g|^2 for the parameter gradient.\n");
	if (half)
		printf("  a window of %zu steps or fewer loses at least half of |dl_T/dx|^2\n", half);
	else
		printf("  even a window of 1 step loses less than half of |dl_T/dx|^2\n");
	if (within < T)
		printf("  the parameter gradient is within 10%% of the full one only for k >= %zu\n",
		       within);
	else
		printf("  the parameter gradient is more than 10%% off the full one for every k < T\n");

	free(g);
	free(gk);
	free(dX);
	free(dXk);
	bt_data_free(data);
	bt_model_free(model);
	return 0;
}
