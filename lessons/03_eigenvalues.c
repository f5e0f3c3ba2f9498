/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 03_eigenvalues — eigenvalues are not enough.
 *
 * Two recurrent matrices with exactly the same eigenvalues, all of modulus
 * R < 1: a normal one, W = Q B Qᵀ, and a non-normal one, W = Q (B + c N) Qᵀ
 * (bt_matrix_with_eigenvalues through the init options). For the normal W,
 * ‖Wᵗ‖₂ = Rᵗ at every t. For the non-normal W, ‖Wᵗ‖₂ first grows, although
 * ρ(W) = R < 1, and only later decays at the rate R. In a linear RNN,
 * ∂h_T/∂h_{T−τ} = W^τ, so the gradient does the same: measured once as
 * powers (bt_spectrum_matrix) and once as a product of step Jacobians
 * (bt_jacobian_lags). */
#include <gsl/gsl_blas.h>
#include "lesson.h"

typedef struct {
	const char *name;
	bt_model *model;
	bt_spectrum_result *spec;
	bt_jacobian_result *jac;
} case_t;

int main(int argc, char **argv)
{
	size_t n = 16, T = 200, d = 4, seed = 3;
	double R = 0.9, c = 1.0;
	const lesson_opt opts[] = {
		{"--hidden", 'n', &n, "hidden size n (default 16)"},
		{"--radius", 'r', &R, "modulus R of every eigenvalue, 0 < R (default 0.9)"},
		{"--nonnormality", 'r', &c, "c, the strength of the non-normal part, c >= 0 (default 1)"},
		{"--length", 'n', &T, "the largest power t and lag tau (default 200)"},
		{"--seed", 'n', &seed, "seed of the eigenvalue angles and of Q (default 3)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "03_eigenvalues",
		    "A normal and a non-normal recurrent matrix with the same eigenvalues:\n"
		    "log10 |W^t|_2 against t, the eigenvalues in the complex plane, and\n"
		    "log10 |dh_T/dh_{T-tau}|_2 of a linear RNN with each W. Writes\n"
		    "plots/out/03_eigenvalues.dat and plots/out/03_eigenvalues_plane.dat.", opts);
	if (n < 2 || T < 2 || !(R > 0) || !(c >= 0))
		lesson_fail("--hidden and --length must be at least 2, --radius positive, --nonnormality >= 0");
	/* two models, each with its spectrum and Jacobians, and three n x n
	 * matrices */
	bt_dims dims = {d, n, 2};
	lesson_need(2 * (lesson_task_size("linear", d, n, 2, T, 1, LESSON_JACOBIAN) +
			 bt_spectrum_size(bt_cell_lookup("linear"), dims, T)) +
		    3 * 8.0 * (double)n * (double)n, "the two matrices' spectra and Jacobians");

	case_t cs[2] = {{"normal", NULL, NULL, NULL}, {"nonnormal", NULL, NULL, NULL}};
	bt_data *data = lesson_data(T, d, 2, seed + 1);   /* a linear RNN's J_t = W: inputs do not matter */
	gsl_matrix *W = lesson_matrix(n, n);
	for (int i = 0; i < 2; i++) {
		bt_init_options o;
		bt_init_options_default(&o);
		o.seed = seed;   /* the same seed: the same eigenvalues and the same Q */
		o.structure = i ? BT_STRUCTURE_NONNORMAL : BT_STRUCTURE_NORMAL;
		o.nonnormality = c;
		o.radius = R;
		cs[i].model = lesson_model("linear", BT_ACT_TANH, d, n, 2, &o);
		lesson_check(bt_model_recurrent(cs[i].model, W), "recurrent matrix");
		lesson_check(bt_spectrum_alloc(&cs[i].spec, n, T), "spectrum");
		lesson_check(bt_spectrum_matrix(W, cs[i].spec), "spectrum");
		lesson_check(bt_jacobian_alloc(&cs[i].jac, T), "jacobian");
		lesson_check(bt_jacobian_lags(cs[i].model, data, cs[i].jac), "jacobian");
	}
	bt_spectrum_result *N = cs[0].spec, *M = cs[1].spec;

	printf("Lesson 3: eigenvalues are not enough\n"
	       "Two %zu x %zu matrices built as W = Q (B + c N) Q^T from the same seed: B holds\n"
	       "%zu rotation blocks with eigenvalues R e^{+-i theta}, R = %g, Q is a random\n"
	       "orthogonal matrix, N has ones above B's blocks. c = 0 gives a normal W,\n"
	       "c = %g a non-normal one. B + cN is block triangular, so both have exactly\n"
	       "B's eigenvalues.\n\n", n, n, n / 2, R, c);

	/* the computed eigenvalues of the two: each of the normal W's against
	 * the nearest of the non-normal W's (all moduli are R, so the order by
	 * modulus is decided by round-off and cannot be used to pair them) */
	double deig = 0;
	for (size_t i = 0; i < n; i++) {
		double near = INFINITY;
		for (size_t j = 0; j < n; j++)
			near = fmin(near, hypot(N->eig_re[i] - M->eig_re[j], N->eig_im[i] - M->eig_im[j]));
		deig = fmax(deig, near);
	}
	double ones = (double)(n * n - 4 * (n / 2) - (n % 2)) / 2;   /* entries of N */
	printf("  %-34s %-16s %s\n", "", "normal", "non-normal");
	printf("  %-34s %-16.12f %.12f\n", "spectral radius rho", N->radius, M->radius);
	printf("  %-34s %-16.12f %.12f\n", "largest singular value s_max", N->smax, M->smax);
	printf("  %-34s %-16.3g %.12f\n", "Henrici departure from normality", N->henrici, M->henrici);
	printf("  (for c N with %g ones the departure is c sqrt(%g) = %.12f)\n", ones, ones,
	       c * sqrt(ones));
	printf("  largest distance between the two computed spectra: %.3g\n\n", deig);

	/* the powers: peak and where the non-normal curve drops below 1 for good */
	size_t tpeak = 1, tbelow = 0;
	double dev = 0, djac = 0;
	for (size_t t = 1; t <= T; t++) {
		if (M->log10_norm_power[t - 1] > M->log10_norm_power[tpeak - 1])
			tpeak = t;
		if (M->log10_norm_power[t - 1] >= 0)
			tbelow = t + 1;
		dev = fmax(dev, fabs(N->log10_norm_power[t - 1] - t * log10(R)));
		for (int i = 0; i < 2; i++)
			djac = fmax(djac, fabs(cs[i].jac->log10_norm2[t - 1] -
					       cs[i].spec->log10_norm_power[t - 1]));
	}
	double peak = M->log10_norm_power[tpeak - 1];
	printf("Powers: log10 |W^t|_2 for t = 1..%zu. Every eigenvalue has modulus %g, so\n"
	       "rho^t = %g^t falls from the start.\n", T, R, R);
	printf("  normal W: |W^t|_2 = rho^t; max |log10 |W^t|_2 - t log10 rho| = %.3g\n", dev);
	printf("  non-normal W: |W^t|_2 peaks at t = %zu with |W^t|_2 = %.4g (log10 %.4f),\n"
	       "    although rho^%zu = %.4g; ", tpeak, pow(10, peak), peak, tpeak, pow(R, (double)tpeak));
	if (tbelow == 0)
		printf("it is below 1 from t = 1 on.\n");
	else if (tbelow <= T)
		printf("it stays at or above 1 until t = %zu.\n", tbelow - 1);
	else
		printf("it is still at or above 1 at t = %zu.\n", T);
	printf("  at t = %zu: log10 |W^t|_2 = %.3f against t log10 rho = %.3f: the same slope\n"
	       "    in the end, but %.2f decades higher.\n\n", T, M->log10_norm_power[T - 1],
	       T * log10(R), M->log10_norm_power[T - 1] - T * log10(R));

	/* a third route at two powers: W^t by plain repeated products (no
	 * renormalisation; fine at these sizes), its 2-norm from an SVD */
	size_t tcheck[2] = {tpeak, T};
	double dsvd = 0;
	gsl_matrix *P = lesson_matrix(n, n), *Q = lesson_matrix(n, n);
	bt_spectrum_result *ps;
	lesson_check(bt_spectrum_alloc(&ps, n, 0), "spectrum");
	for (int i = 0; i < 2; i++) {
		lesson_check(bt_model_recurrent(cs[i].model, W), "recurrent matrix");
		gsl_matrix_memcpy(P, W);   /* W^t, t = 1 */
		for (size_t t = 1, j = 0; j < 2; j++) {
			for (; t < tcheck[j]; t++) {
				gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, P, W, 0.0, Q);
				gsl_matrix_memcpy(P, Q);
			}
			double want = cs[i].spec->log10_norm_power[t - 1];
			if (fabs(want) > 250)
				continue;   /* a plain product would under- or overflow */
			lesson_check(bt_spectrum_matrix(P, ps), "SVD of a power");
			dsvd = fmax(dsvd, fabs(log10(ps->smax) - want));
		}
	}
	bt_spectrum_free(ps);
	gsl_matrix_free(P);
	gsl_matrix_free(Q);
	printf("A third route at t = %zu and t = %zu: W^t by plain repeated products, its\n"
	       "2-norm from an SVD; max |difference of log10 norms| = %.3g\n\n", tpeak, T, dsvd);

	printf("Gradients: in a linear RNN (h_t = W h_{t-1} + U x_t + b) every step Jacobian\n"
	       "is W, so dh_T/dh_{T-tau} = W^tau. Measured as a product of %zu step Jacobians\n"
	       "(as lesson 2 measures it) it agrees with the powers above:\n"
	       "  max |difference of log10 norms| over both W and every lag = %.3g\n"
	       "  the gradient reaching tau = %zu steps back is multiplied by up to %.4g with the\n"
	       "  non-normal W and by %.4g with the normal one.\n\n", T, djac, tpeak,
	       pow(10, cs[1].jac->log10_norm2[tpeak - 1]), pow(10, cs[0].jac->log10_norm2[tpeak - 1]));

	lesson_file lf;
	lesson_open(&lf, "03_eigenvalues.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "rho", R);
	lesson_param(&lf, "c", c);
	lesson_param(&lf, "T", (double)T);
	for (int i = 0; i < 2; i++) {
		lesson_dataset(&lf, cs[i].name, "t log10_norm_power log10_radius_power log10_jacobian");
		if (i)
			lesson_label(&lf, "non-normal W (c = %g)", c);
		else
			lesson_label(&lf, "normal W (c = 0)");
		for (size_t t = 1; t <= T; t++)
			lesson_row(&lf, 4, (double)t, cs[i].spec->log10_norm_power[t - 1],
				   cs[i].spec->log10_radius_power[t - 1], cs[i].jac->log10_norm2[t - 1]);
	}
	lesson_dataset(&lf, "peak", "t log10_norm_power");
	lesson_row(&lf, 2, (double)tpeak, peak);
	lesson_close(&lf);
	lesson_open(&lf, "03_eigenvalues_plane.dat");
	lesson_param(&lf, "n", (double)n);
	lesson_param(&lf, "c", c);
	for (int i = 0; i < 2; i++) {
		lesson_dataset(&lf, cs[i].name, "re im abs");
		if (i)
			lesson_label(&lf, "non-normal W (c = %g)", c);
		else
			lesson_label(&lf, "normal W (c = 0)");
		for (size_t j = 0; j < n; j++)
			lesson_row(&lf, 3, cs[i].spec->eig_re[j], cs[i].spec->eig_im[j],
				   hypot(cs[i].spec->eig_re[j], cs[i].spec->eig_im[j]));
	}
	lesson_dataset(&lf, "radius", "radius");
	lesson_row(&lf, 1, N->radius);
	lesson_close(&lf);
	printf("\nRead the figures: 03_eigenvalues_plane shows the two spectra on top of each\n"
	       "other inside the unit circle; 03_eigenvalues shows the normal W on the line\n"
	       "t log10 rho and the non-normal W far above it: the eigenvalues tell how fast\n"
	       "the powers decay in the end, not how large they get on the way.\n");

	for (int i = 0; i < 2; i++) {
		bt_spectrum_free(cs[i].spec);
		bt_jacobian_free(cs[i].jac);
		bt_model_free(cs[i].model);
	}
	gsl_matrix_free(W);
	bt_data_free(data);
	return 0;
}
