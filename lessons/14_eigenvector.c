/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 14_eigenvector — explosion along an eigenvector.
 *
 * A linear RNN h_t = W h_{t−1} + U x_t + b whose W has one real eigenvalue
 * ρ > 1 and all others of modulus at most s < ρ, built normal and
 * non-normal from the same eigenvalues (bt_matrix_with_eigenvalues). With
 * only the last loss term counted, BPTT sends δ_{T−τ} = ∂L/∂h_{T−τ} =
 * (Wᵀ)^τ δ_T back (the library's backward pass, bt_seq_dstate). The
 * lesson measures, against the lag τ, the growth per step
 * ln(‖δ_{T−τ}‖/‖δ_{T−τ+1}‖), which tends to ln ρ, and the cosine of δ with
 * the leading left and right eigenvectors of W: δ turns towards the left
 * one. */
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include "lesson.h"

/* The unit eigenvector of A (n×n) for its real eigenvalue of largest
 * modulus, into v; returns that eigenvalue (NaN when it is not real). */
static double leading_eigenvector(const gsl_matrix *A, double *v)
{
	size_t n = A->size1;
	gsl_matrix *M = lesson_matrix(n, n);
	gsl_vector_complex *eval = lesson_checked(gsl_vector_complex_alloc(n), "eigenvalues");
	gsl_matrix_complex *evec = lesson_checked(gsl_matrix_complex_alloc(n, n), "eigenvectors");
	gsl_eigen_nonsymmv_workspace *w = lesson_checked(gsl_eigen_nonsymmv_alloc(n), "a workspace");
	gsl_matrix_memcpy(M, A);
	if (gsl_eigen_nonsymmv(M, eval, evec, w))
		lesson_fail("the eigenvectors of W did not converge");
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (gsl_complex_abs(gsl_vector_complex_get(eval, i)) >
		    gsl_complex_abs(gsl_vector_complex_get(eval, best)))
			best = i;
	gsl_complex lam = gsl_vector_complex_get(eval, best);
	double norm = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = GSL_REAL(gsl_matrix_complex_get(evec, i, best));
		norm += v[i] * v[i];
	}
	for (size_t i = 0; i < n; i++)
		v[i] /= sqrt(norm);
	gsl_eigen_nonsymmv_free(w);
	gsl_matrix_complex_free(evec);
	gsl_vector_complex_free(eval);
	gsl_matrix_free(M);
	return GSL_IMAG(lam) == 0 ? GSL_REAL(lam) : NAN;
}

typedef struct {
	const char *name;
	double c;
	double *u, *v;          /* leading left and right unit eigenvectors */
	double *lognorm;        /* log10 ‖δ_{T−τ}‖/‖δ_T‖, τ = 0…T−1 */
	double *cos_left, *cos_right;
	double intercept;       /* log10(|vᵀδ_T| / (‖δ_T‖ |uᵀv|)): the asymptote at τ = 0 */
	double uv;              /* |uᵀv| = 1/κ(ρ) */
} case_t;

/* δ_{T−τ} for τ = 0…T−1 from the library's BPTT, and its measures. */
static void measure(case_t *cs, const double *re, const double *im, size_t n,
		    size_t T, unsigned long seed)
{
	bt_init_options o;
	bt_init_options_default(&o);
	o.seed = seed;
	bt_model *m = lesson_model("linear", BT_ACT_TANH, 2, n, 2, &o);
	int iw = bt_model_find_block(m, "W");
	gsl_matrix_view W = bt_block_view(m, m->theta, (size_t)iw);
	lesson_check(bt_matrix_with_eigenvalues(&W.matrix, re, im, cs->c, seed), "W");
	gsl_matrix *Wt = lesson_matrix(n, n);
	gsl_matrix_transpose_memcpy(Wt, &W.matrix);
	cs->u = malloc(n * sizeof(double));
	cs->v = malloc(n * sizeof(double));
	cs->lognorm = malloc(3 * T * sizeof(double));
	if (!cs->u || !cs->v || !cs->lognorm)
		lesson_fail("out of memory");
	cs->cos_left = cs->lognorm + T;
	cs->cos_right = cs->lognorm + 2 * T;
	if (!(leading_eigenvector(Wt, cs->u) > 1) || !(leading_eigenvector(&W.matrix, cs->v) > 1))
		lesson_fail("the leading eigenvalue of W is not the real rho > 1");
	gsl_matrix_free(Wt);

	bt_data *data = lesson_data_last(T, 2, 2, seed + 1);
	bt_seq *seq;
	double L;
	lesson_check(bt_seq_alloc(&seq, m, T), "workspace");
	lesson_check(bt_seq_forward(seq, m, data, &L), "forward");
	lesson_check(bt_seq_backward(seq, m, data, NULL, NULL), "backward");
	double uv = 0, vd = 0;
	const double *dT = bt_seq_dstate(seq, T);
	for (size_t i = 0; i < n; i++) {
		uv += cs->u[i] * cs->v[i];
		vd += cs->v[i] * dT[i];
	}
	double nT = bt_vector_norm(dT, n);
	cs->uv = fabs(uv);
	cs->intercept = log10(fabs(vd) / (nT * fabs(uv)));
	for (size_t tau = 0; tau < T; tau++) {
		const double *d = bt_seq_dstate(seq, T - tau);
		cs->lognorm[tau] = log10(bt_vector_norm(d, n) / nT);
		cs->cos_left[tau] = fabs(bt_vector_cosine(d, cs->u, n));
		cs->cos_right[tau] = fabs(bt_vector_cosine(d, cs->v, n));
	}
	bt_seq_free(seq);
	bt_data_free(data);
	bt_model_free(m);
}

int main(int argc, char **argv)
{
	size_t n = 16, T = 120, seed = 5;
	double rho = 1.1, s = 0.9, c = 1;
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n, at least 3 (default 16)"},
		{"--radius", 'r', &rho, "the leading eigenvalue rho > 1 of W (default 1.1)"},
		{"--second", 'r', &s, "largest modulus s of the other eigenvalues, 0 < s < rho "
				      "(default 0.9)"},
		{"--nonnormality", 'r', &c, "c of the non-normal W, c >= 0 (default 1)"},
		{"--length", 'n', &T, "sequence length T, the largest lag is T - 1 (default 120)"},
		{"--seed", 'n', &seed, "seed of the eigenvalues, Q, the weights and the data "
				       "(default 5)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "14_eigenvector",
		    "A linear RNN whose W has one real eigenvalue rho > 1: the error sent back\n"
		    "by BPTT grows by ln rho per step and turns towards the leading left\n"
		    "eigenvector of W, for a normal and a non-normal W with the same\n"
		    "eigenvalues. Writes plots/out/14_eigenvector.dat.", opts);
	if (n < 3 || n > 1000 || T < 10 || T > 100000 || !(rho > 1) || !(s > 0) || !(s < rho) ||
	    !(c >= 0) || T * log10(rho) > 250)
		lesson_fail("need 3 <= --hidden <= 1000, 10 <= --length <= 100000, --radius > 1,\n"
			    "0 < --second < --radius, --nonnormality >= 0, and rho^T below 1e250");
	/* two cases, each a model with BPTT's workspace over T, the data, the
	 * eigenvectors (complex n x n) and three numbers per lag */
	bt_dims dims = {2, n, 2};
	lesson_need(2 * (lesson_task_size("linear", 2, n, 2, T, 1, LESSON_MODEL) +
			 bt_data_size(dims, T) + bt_seq_size(bt_cell_lookup("linear"), dims, T) +
			 lesson_doubles(6.0 * (double)n * (double)n + 3.0 * (double)T)),
		    "the two cases");

	/* the eigenvalues: rho, then −s (real), then conjugate pairs (and one
	 * more real one for odd n) with moduli in [0.2 s, s] and angles in
	 * (0, π) from the seed */
	double *re = lesson_alloc(n, sizeof(double)), *im = lesson_alloc(n, sizeof(double));
	gsl_rng *r = lesson_checked(gsl_rng_alloc(gsl_rng_mt19937), "a generator");
	gsl_rng_set(r, seed);
	re[0] = rho; im[0] = 0;
	re[1] = -s; im[1] = 0;
	size_t i = 2;
	for (; i + 1 < n; i += 2) {
		double mod = s * (0.2 + 0.8 * gsl_rng_uniform(r)), th = 3.14159265358979323846 * gsl_rng_uniform_pos(r);
		re[i] = re[i + 1] = mod * cos(th);
		im[i] = mod * sin(th);
		im[i + 1] = -im[i];
	}
	if (i < n) {
		re[i] = s * (0.2 + 0.8 * gsl_rng_uniform(r));
		im[i] = 0;
	}
	gsl_rng_free(r);

	case_t cs[2] = {{.name = "normal", .c = 0}, {.name = "nonnormal", .c = c}};
	for (int k = 0; k < 2; k++)
		measure(&cs[k], re, im, n, T, seed);

	printf("Lesson 14: explosion along an eigenvector\n\n"
	       "A linear RNN, h_t = W h_{t-1} + U x_t + b, n = %zu, T = %zu, with the loss on\n"
	       "the last step only. W = Q (B + c N) Q^T has the eigenvalues rho = %g (real),\n"
	       "-%g, and %zu more of modulus below %g; c = 0 gives a normal W, c = %g a\n"
	       "non-normal one with the same eigenvalues. BPTT sends back\n"
	       "delta_{T-tau} = dL/dh_{T-tau} = (W^T)^tau delta_T.\n\n",
	       n, T, rho, s, n - 2, s, c);
	double lnrho = log(rho), worst = 0;
	size_t half = T / 2;
	printf("Measured over the lags tau = %zu..%zu (u, v: the leading left and right unit\n"
	       "eigenvectors of W, u^T W = rho u^T, W v = rho v):\n\n", half, T - 1);
	printf("  %-10s %-14s %-16s %-16s %s\n", "W", "growth/step", "|cos(delta, u)|",
	       "|cos(delta, v)|", "|u^T v|");
	for (int k = 0; k < 2; k++) {
		case_t *q = &cs[k];
		double rate = (q->lognorm[T - 1] - q->lognorm[half]) / (double)(T - 1 - half) * log(10);
		worst = fmax(worst, fabs(rate - lnrho));
		printf("  %-10s %-14.6f %-16.10f %-16.6f %.6f\n", q->name, rate,
		       q->cos_left[T - 1], q->cos_right[T - 1], q->uv);
	}
	printf("\n  growth/step: ln(|delta_{T-tau}| / |delta_{T-tau+1}|) averaged over those\n"
	       "  lags; the cosines at tau = %zu.\n\n", T - 1);
	printf("ln rho = %.6f; the largest |growth/step - ln rho| is %.2g.\n"
	       "In both cases the error ends up along u, the left eigenvector:\n"
	       "|cos(delta, u)| -> 1. It ends up along v, the right eigenvector, only for\n"
	       "the normal W, where u = v; for the non-normal W the cosine with v stays at\n"
	       "|u^T v| = %.6f. The other eigenvalues set how fast the turn happens:\n"
	       "1 - |cos| falls like (s/rho)^(2 tau) = 10^(%.4f tau).\n\n",
	       lnrho, worst, cs[1].uv, 2 * log10(s / rho));
	for (int k = 0; k < 2; k++) {
		case_t *q = &cs[k];
		size_t at = T, peak = 1;
		for (size_t tau = T; tau-- > 0;) {
			if (1 - q->cos_left[tau] > 1e-6)
				break;
			at = tau;
		}
		for (size_t tau = 1; tau < T; tau++)
			if (q->lognorm[tau] - q->lognorm[tau - 1] > q->lognorm[peak] - q->lognorm[peak - 1])
				peak = tau;
		if (at < T)
			printf("  %s W: 1 - |cos(delta, u)| < 1e-6 from tau = %zu on;\n", q->name, at);
		else
			printf("  %s W: 1 - |cos(delta, u)| still above 1e-6 at tau = %zu;\n",
			       q->name, T - 1);
		printf("    the largest growth in one step is %.4f, at tau = %zu;\n"
		       "    log10(|delta_{T-tau}| / |delta_T|) at tau = %zu: %.4f, asymptote %.4f\n",
		       (q->lognorm[peak] - q->lognorm[peak - 1]) * log(10), peak,
		       T - 1, q->lognorm[T - 1], (T - 1) * log10(rho) + q->intercept);
	}
	printf("  (asymptote: tau log10 rho + log10(|v^T delta_T| / (|delta_T| |u^T v|)))\n\n");

	lesson_file lf;
	lesson_open(&lf, "14_eigenvector.dat");
	for (int k = 0; k < 2; k++) {
		case_t *q = &cs[k];
		lesson_dataset(&lf, q->name,
			       "tau log10_gain rate cos_left cos_right asymptote log10_one_minus_cos_left");
		/* the rate from τ = 1 on; 1 − |cos| floored at 1e-16 (rounding) */
		for (size_t tau = 1; tau < T; tau++)
			lesson_row(&lf, 7, (double)tau, q->lognorm[tau],
				   (q->lognorm[tau] - q->lognorm[tau - 1]) * log(10),
				   q->cos_left[tau], q->cos_right[tau],
				   tau * log10(rho) + q->intercept,
				   log10(fmax(1 - q->cos_left[tau], 1e-16)));
	}
	lesson_dataset(&lf, "meta", "rho ln_rho s uv_nonnormal c");
	lesson_row(&lf, 5, rho, lnrho, s, cs[1].uv, c);
	lesson_close(&lf);
	printf("\nRead the figures: 14_eigenvector shows the growth per step settling on\n"
	       "ln rho and the cosine with u rising to 1; 14_eigenvector_norm shows\n"
	       "log10 |delta_{T-tau}| / |delta_T| reaching its straight asymptote of slope\n"
	       "log10 rho, and 1 - |cos(delta, u)| falling like (s/rho)^(2 tau).\n");
	for (int k = 0; k < 2; k++) {
		free(cs[k].u);
		free(cs[k].v);
		free(cs[k].lognorm);
	}
	free(re);
	free(im);
	return 0;
}
