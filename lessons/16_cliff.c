/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 16_cliff — why clipping is needed: a gradient that really reaches 965.
 *
 * One tanh unit with one trained weight w (the library's rnn with
 * d = n = m = 1):
 *     h_1 = tanh(u x_1 + b),  h_t = tanh(w h_{t−1} + b),  L = ½ (h_T − y)²,
 * a pulse x_1 = 1, b < 0, u, y fixed. The map h ↦ tanh(w h + b) has a
 * saddle-node bifurcation at w_c: above it a second stable state appears.
 * Just below w_c a trajectory lingers near the vanished state for a time
 * that grows without bound as w → w_c, so for a long sequence h_T changes
 * from one state to the other within a tiny range of w: a cliff in L(w),
 * whose gradient grows like T³. The lesson maps L and ∂L/∂w (the library's
 * BPTT) for five lengths, finds where BPTT gives exactly ∂L/∂w = 965 at the
 * default length, checks it by finite differences and clips it at c = 10. */
#include "lesson.h"

typedef struct {
	bt_model *m;
	bt_data *data;
	size_t iw;
	double *grad, *dX;
} unit;

static void unit_alloc(unit *q, double u, double b, double y, size_t T)
{
	bt_dims dims = {1, 1, 1};
	lesson_check(bt_model_alloc(&q->m, bt_cell_lookup("rnn"), dims, BT_ACT_TANH), "model");
	q->iw = lesson_block_offset(q->m, "W");
	q->m->theta[lesson_block_offset(q->m, "U")] = u;
	q->m->theta[lesson_block_offset(q->m, "b")] = b;
	q->m->theta[lesson_block_offset(q->m, "V")] = 1;   /* ŷ_t = h_t */
	lesson_check(bt_data_alloc(&q->data, T, 1, 1, 1), "data");
	for (size_t t = 0; t < T; t++) {
		q->data->X[t] = t == 0;        /* the pulse x_1 = 1 */
		q->data->Y[t] = y;
		q->data->M[t] = t == T - 1;    /* only ℓ_T counts */
	}
	q->grad = malloc(q->m->nparams * sizeof(double));
	q->dX = malloc(T * sizeof(double));
	if (!q->grad || !q->dX)
		lesson_fail("out of memory");
}

static void unit_free(unit *q)
{
	free(q->grad);
	free(q->dX);
	bt_data_free(q->data);
	bt_model_free(q->m);
}

/* L(w) and ∂L/∂w by the library's full BPTT. */
static double loss_at(unit *q, double w, double *g)
{
	double L;
	q->m->theta[q->iw] = w;
	lesson_check(bt_gradient(q->m, q->data, 0, &L, q->grad, q->dX), "gradient");
	if (g)
		*g = q->grad[q->iw];
	return L;
}

/* w_c: where h = tanh(w h + b) and w (1 − h²) = 1 meet (b < 0, h > 0):
 * b = atanh(h) − h/(1 − h²), decreasing in h; then w_c = 1/(1 − h²). */
static double bifurcation(double b, double *hc)
{
	double lo = 0, hi = 1 - 1e-15;
	for (int k = 0; k < 200; k++) {
		double h = 0.5 * (lo + hi);
		if (atanh(h) - h / (1 - h * h) > b)
			lo = h;
		else
			hi = h;
	}
	*hc = 0.5 * (lo + hi);
	return 1 / (1 - *hc * *hc);
}

/* The w between a and c where |∂L/∂w| is largest (golden section; |g| has
 * one peak between neighbouring grid points around the grid's largest). */
static double peak_between(unit *q, double a, double c, double *gpeak)
{
	const double r = 0.6180339887498949;
	double x1 = c - r * (c - a), x2 = a + r * (c - a), g1, g2;
	loss_at(q, x1, &g1);
	loss_at(q, x2, &g2);
	for (int k = 0; k < 80; k++) {
		if (fabs(g1) > fabs(g2)) {
			c = x2; x2 = x1; g2 = g1;
			x1 = c - r * (c - a);
			loss_at(q, x1, &g1);
		} else {
			a = x1; x1 = x2; g1 = g2;
			x2 = a + r * (c - a);
			loss_at(q, x2, &g2);
		}
	}
	*gpeak = fabs(g1) > fabs(g2) ? g1 : g2;
	return fabs(g1) > fabs(g2) ? x1 : x2;
}

typedef struct {
	size_t T;
	double wpeak, gpeak, Lleft, Lright;
} profile;

/* L and ∂L/∂w over w = w_c − 10^e, e from emin to emax (grid points), as
 * one dataset; the peak of |∂L/∂w| refined between grid points. */
static void map_length(lesson_file *lf, double u, double b, double y, double wc,
		       size_t grid, double emin, double emax, profile *p)
{
	unit q;
	unit_alloc(&q, u, b, y, p->T);
	char name[32];
	snprintf(name, sizeof name, "T = %zu", p->T);
	lesson_dataset(lf, name, "w distance_below_wc loss dL_dw abs_dL_dw");
	size_t best = 0;
	double gbest = -1;
	for (size_t i = 0; i < grid; i++) {
		double e = emax - (emax - emin) * i / (grid - 1), w = wc - pow(10, e), g;
		double L = loss_at(&q, w, &g);
		if (fabs(g) > gbest) {
			gbest = fabs(g);
			best = i;
		}
		lesson_row(lf, 5, w, wc - w, L, g, fabs(g));
	}
	double e0 = emax - (emax - emin) * (best ? best - 1 : 0) / (grid - 1);
	double e1 = emax - (emax - emin) * (best + 1 < grid ? best + 1 : best) / (grid - 1);
	p->wpeak = peak_between(&q, wc - pow(10, e0), wc - pow(10, e1), &p->gpeak);
	p->Lleft = loss_at(&q, wc - 3 * (wc - p->wpeak), NULL);
	p->Lright = loss_at(&q, wc + 0.01, NULL);
	unit_free(&q);
}

/* On the flank to the right of the peak (w between wpeak and wc), the w
 * where ∂L/∂w = G, by bisection (|g| falls from the peak to below G). */
static double where_gradient(unit *q, double wpeak, double wc, double G)
{
	double lo = wpeak, hi = wc, g;
	loss_at(q, hi, &g);
	if (!(fabs(g) < G))
		lesson_fail("the gradient at w_c is not below %g", G);
	for (int k = 0; k < 200; k++) {
		double mid = 0.5 * (lo + hi);
		loss_at(q, mid, &g);
		if (fabs(g) > G)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

int main(int argc, char **argv)
{
	size_t T = 200, grid = 1200, steps = 100;
	double u = 1, b = -0.1, y = -0.5, G = 965, c = 10, eta = 0.01;
	const lesson_opt opts[] = {
		{"--length", 'n', &T, "T of the clipped gradient; the maps use T/8, T/4, T/2, "
				      "T, 2T (default 200)"},
		{"--bias", 'r', &b, "the fixed bias b < 0 (default -0.1)"},
		{"--kick", 'r', &u, "input weight u of the pulse x_1 = 1 (default 1)"},
		{"--target", 'r', &y, "target y of h_T (default -0.5)"},
		{"--gradient", 'r', &G, "the gradient to find on the cliff (default 965)"},
		{"--clip", 'r', &c, "clipping threshold c (default 10)"},
		{"--rate", 'r', &eta, "learning rate eta of the two descents (default 0.01)"},
		{"--steps", 'n', &steps, "steps of the two descents from there (default 100)"},
		{"--grid", 'n', &grid, "points of each map (default 1200)"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "16_cliff",
		    "One tanh unit with one trained weight w, h_t = tanh(w h_{t-1} + b), near\n"
		    "a saddle-node bifurcation: the loss L(w) = (h_T - y)^2 / 2 has a cliff\n"
		    "whose gradient grows like T^3. Maps L and dL/dw (BPTT) for five lengths,\n"
		    "finds the w where BPTT gives dL/dw = 965, checks it by finite differences\n"
		    "and clips it at c = 10. Writes plots/out/16_cliff.dat.", opts);
	if (T < 16 || T > 4000 || !(b < 0) || !(G > 0) || !(c > 0) || !(eta > 0) ||
	    grid < 10 || grid > 100000)
		lesson_fail("need 16 <= --length <= 4000, --bias < 0, --gradient, --clip and --rate\n"
			    "positive, 10 <= --grid <= 100000");
	if (steps > 100000)
		lesson_fail("--steps: at most 100000 (each step is a row of the data file)");
	double hc, wc = bifurcation(b, &hc);
	if (!(tanh(u + b) > hc))
		lesson_fail("the pulse must start the unit above the bifurcation state: "
			    "tanh(u + b) = %.4g is not above h_c = %.4g (raise --kick)", tanh(u + b), hc);

	printf("Lesson 16: a gradient that really reaches %g\n\n"
	       "One tanh unit, h_1 = tanh(%g + b), h_t = tanh(w h_{t-1} + b), b = %g, and\n"
	       "L(w) = (h_T - y)^2 / 2 with y = %g; the one trained weight is w. For w above\n"
	       "w_c = %.6f the map h -> tanh(w h + b) has a stable state near +0.5 as well as\n"
	       "one near -0.8; at w_c the upper one appears (saddle-node bifurcation, at\n"
	       "h_c = %.6f). Starting from h_1 = %.4f above h_c, a unit with w just below\n"
	       "w_c lingers near h_c for longer the closer w is to w_c, then falls to the\n"
	       "lower state: whether it has fallen by step T decides L.\n\n",
	       G, u, b, y, wc, hc, tanh(u + b));

	lesson_file lf;
	lesson_open(&lf, "16_cliff.dat");
	size_t lens[5] = {T / 8, T / 4, T / 2, T, 2 * T};
	/* the maps reach a decade past where the longest cliff is expected
	 * (w_c − w of order 40/T², exercise 3) */
	double emin = fmin(-4, log10(40.0 / (4.0 * T * T))) - 1;
	profile P[5];
	printf("  %-6s %-12s %-12s %-12s %-12s %s\n", "T", "w at peak", "w_c - w", "peak dL/dw",
	       "L below", "L above");
	for (int i = 0; i < 5; i++) {
		P[i].T = lens[i];
		map_length(&lf, u, b, y, wc, grid, emin, -0.5, &P[i]);
		printf("  %-6zu %-12.8f %-12.4e %-12.6g %-12.4f %.4f\n", P[i].T, P[i].wpeak,
		       wc - P[i].wpeak, P[i].gpeak, P[i].Lleft, P[i].Lright);
	}
	double sp = log(fabs(P[4].gpeak / P[2].gpeak)) / log(4.0);
	double sd = log((wc - P[4].wpeak) / (wc - P[2].wpeak)) / log(4.0);
	printf("  (the peak of |dL/dw| between grid points; L below: at w_c - 3 (w_c - w);\n"
	       "  L above: at w_c + 0.01)\n");
	printf("\nFrom T = %zu to %zu: the peak grows like T^%.2f and the cliff moves\n"
	       "towards w_c like T^%.2f.\n\n", P[2].T, P[4].T, sp, sd);

	/* lesson 6's gradient of 965, on the right flank at length T */
	unit q;
	unit_alloc(&q, u, b, y, T);
	if (fabs(P[3].gpeak) < G) {
		printf("At T = %zu no w gives dL/dw = %g: the largest is %.6g. The lesson clips\n"
		       "that one instead (a longer --length reaches %g).\n\n", T, G,
		       fabs(P[3].gpeak), G);
		G = fabs(P[3].gpeak) * (1 - 1e-9);
	}
	double ws = where_gradient(&q, P[3].wpeak, wc, G), gs, Ls = loss_at(&q, ws, &gs);
	double h = 1e-9 * ws, Lp = loss_at(&q, ws + h, NULL), Lm = loss_at(&q, ws - h, NULL);
	double fd = (Lp - Lm) / (2 * h);
	printf("At T = %zu, coming down from w_c, BPTT gives dL/dw = %.3f at w = %.10f\n"
	       "(%.3e below w_c), where L = %.4f. Central differences with step %.1e:\n"
	       "%.3f (relative difference %.1e).\n\n", T, gs, ws, wc - ws, Ls, h, fd,
	       fabs(fd - gs) / fabs(gs));
	double gc;
	bt_clip_result cr;
	lesson_check(bt_clip_norm(&gs, 1, c, &gc, &cr), "clip");
	double g10;
	loss_at(&q, ws + 0.01, &g10);
	printf("Clipped by norm at c = %g: %.3f -> %g (cosine %g). Large gradients live in a\n"
	       "narrow band: %.1e from here the peak is %.6g, while 0.01 to the right\n"
	       "dL/dw is only %.4f.\n\n", c, gs, gc, cr.cosine, ws - P[3].wpeak, P[3].gpeak, g10);
	/* gradient descent from there, plain and clipped */
	printf("Gradient descent w <- w - %g g from w = %.6f, %zu steps:\n", eta, ws, steps);
	lesson_dataset(&lf, "descent", "step w_plain loss_plain w_clipped loss_clipped");
	double w1 = ws, w2 = ws, L1 = Ls, L2 = Ls, g1 = gs, g2 = gs, first[2] = {0, 0};
	for (size_t k = 0; k <= steps; k++) {
		lesson_row(&lf, 5, (double)k, w1, L1, w2, L2);
		if (k == steps)
			break;
		double g2c;
		lesson_check(bt_clip_norm(&g2, 1, c, &g2c, &cr), "clip");
		w1 -= eta * g1;
		w2 -= eta * g2c;
		L1 = loss_at(&q, w1, &g1);
		L2 = loss_at(&q, w2, &g2);
		if (k == 0) {
			first[0] = L1;
			first[1] = L2;
			printf("  the first step: plain %.4f to w = %.4f (L = %.4f, dL/dw = %.1e),\n"
			       "                  clipped %.4f to w = %.4f (L = %.4f, dL/dw = %.4f)\n",
			       eta * gs, w1, L1, g1, eta * gc, w2, L2, g2);
		}
	}
	(void)first;
	printf("  after %zu steps: plain w = %.4f, L = %.4f, |dL/dw| = %.1e\n"
	       "                  clipped w = %.4f, L = %.2e, |dL/dw| = %.1e\n\n",
	       steps, w1, L1, fabs(g1), w2, L2, fabs(g2));
	printf("The plain step, %.4g times longer than the clipped one, throws w to a value\n"
	       "where the unit flips between -1 and +1 at every step: saturated, it passes\n"
	       "almost no gradient, and learning stops there. The clipped step, %g long,\n"
	       "crosses the cliff and goes on descending on the other side.\n\n",
	       fabs(gs / gc), eta * c);

	lesson_dataset(&lf, "peaks", "T w_peak distance_below_wc abs_peak");
	for (int i = 0; i < 5; i++)
		lesson_row(&lf, 4, (double)P[i].T, P[i].wpeak, wc - P[i].wpeak, fabs(P[i].gpeak));
	lesson_dataset(&lf, "clipped", "T w distance_below_wc gradient clipped threshold rate");
	lesson_row(&lf, 7, (double)T, ws, wc - ws, gs, gc, c, eta);
	lesson_dataset(&lf, "meta", "wc hc bias kick target exponent_peak exponent_distance");
	lesson_row(&lf, 7, wc, hc, b, u, y, sp, sd);
	lesson_close(&lf);
	printf("\nRead the figures: 16_cliff shows L and |dL/dw| against the distance below\n"
	       "w_c for the five lengths, with the point where BPTT gives %g and its clipped\n"
	       "value; 16_cliff_peaks shows how the peak grows and moves with T.\n", G);
	unit_free(&q);
	return 0;
}
