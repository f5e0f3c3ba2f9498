/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 17_charlm — learning from real text with truncated BPTT.
 *
 * A character-level language model: x_t is the one-hot code of character
 * t, y_t that of character t + 1, the loss the cross-entropy of the
 * softmax of the readout (BT_LOSS_CROSS_ENTROPY). The text (by default the
 * project's LICENSE, which never changes, so that the numbers the lesson
 * quotes stay true) is cut into sequences of T + 1 characters; its last
 * part is held out. One model initialisation, one seed, one budget of
 * updates (bt_train with the training sequences as a fixed data set), five
 * gradient estimators: full BPTT, the sliding window k, chunks TBPTT(k, k),
 * TBPTT(k1, k2) with k1 < k2, and ARTBP with cut probability c. For each:
 * held-out bits per character against updates and against compute, the
 * compute counted as cell backward steps (each estimator's count per
 * sequence is exact: the formulas are in backward_steps below).
 * Then, at the parameters full BPTT reached, every estimator's gradient
 * over held-out sequences against the full one: relative error and cosine;
 * for ARTBP the mean of R independent draws against R. Last, a sample of
 * text from the full-BPTT model, fed its own characters. */
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include "lesson.h"
#include "base/timing.h"

/* The repository's root (the Makefile sets it), where the default text is. */
#ifndef LESSON_ROOT
#define LESSON_ROOT "."
#endif

/* The vocabulary: space (every run of white space), lowercase letters
 * (capitals folded), one symbol for every digit (0), a few punctuation
 * marks, and one symbol for everything else (a UTF-8 character counts
 * once). */
static const char VOCAB[] = " abcdefghijklmnopqrstuvwxyz0.,:;()-'\"~";
#define NV (sizeof VOCAB - 1)
#define OTHER (NV - 1)

enum { E_FULL, E_WINDOW, E_CHUNKS, E_TBPTT, E_ARTBP, NEST };
static const char *const EST_KEY[NEST] = {"full", "window", "chunks", "tbptt", "artbp"};
static char est_label[NEST][64];   /* the legend entries */

static size_t code_of(unsigned char ch)
{
	ch = (unsigned char)tolower(ch);
	if (isdigit(ch))
		ch = '0';
	const char *p = ch ? strchr(VOCAB, ch) : NULL;
	return p && (size_t)(p - VOCAB) < OTHER ? (size_t)(p - VOCAB) : OTHER;
}

/* Reads FILE as codes into *out (allocated); returns the count. */
static size_t read_text(const char *path, unsigned char **out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		lesson_fail("--text: cannot read %s: %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	/* each character becomes two one-hot rows of NV numbers: a text
	 * longer than the memory limit allows is refused as it is read (it
	 * may be a device that never ends) */
	double lim = bt_memory_limit();
	size_t most = lim > 0 ? (size_t)(lim / (16.0 * NV)) : (size_t)-1;
	unsigned char *c = malloc(cap);
	int ch, space = 1;
	while (c && (ch = fgetc(f)) != EOF) {
		if (len >= most) {
			char have[32];
			bt_format_bytes(lim, have, sizeof have);
			lesson_fail("--text %s: more than %zu characters, whose sequences need more "
				    "than the %s of memory available; nothing done", path, most, have);
		}
		if (ch >= 0x80 && ch < 0xC0)
			continue;            /* a UTF-8 continuation byte */
		if (isspace(ch)) {
			if (space)
				continue;
			space = 1;
			ch = ' ';
		} else {
			space = 0;
		}
		if (len == cap) {
			unsigned char *nc = realloc(c, cap *= 2);
			if (!nc)
				free(c);
			c = nc;
		}
		if (c)
			c[len++] = (unsigned char)code_of((unsigned char)ch);
	}
	int bad = ferror(f);
	fclose(f);
	if (!c || bad)
		lesson_fail("--text: cannot read %s", path);
	*out = c;
	return len;
}

/* Sequences of T steps from codes[start …]: x_t one-hot of character t,
 * y_t of character t + 1; count sequences, consecutive, not overlapping. */
static bt_data **make_sequences(const unsigned char *codes, size_t count, size_t T)
{
	bt_data **s = calloc(count, sizeof *s);
	if (!s)
		lesson_fail("out of memory");
	for (size_t i = 0; i < count; i++) {
		lesson_check(bt_data_alloc(&s[i], T, NV, NV, 0), "data");
		const unsigned char *c = codes + i * T;
		for (size_t t = 0; t < T; t++) {
			s[i]->X[t * NV + c[t]] = 1;
			s[i]->Y[t * NV + c[t + 1]] = 1;
		}
	}
	return s;
}

/* Cell backward steps per sequence of T steps: full BPTT, chunks and
 * ARTBP one per step; the window min(k, t) for the term at t; TBPTT(k1, k2)
 * min(k2, t_e) for the segment ending at t_e. */
static double backward_steps(int e, size_t T, size_t k, size_t k1, size_t k2)
{
	double s = 0;
	if (e == E_WINDOW)
		for (size_t t = 1; t <= T; t++)
			s += (double)(t < k ? t : k);
	else if (e == E_TBPTT)
		for (size_t te = k1; te < T + k1; te += k1) {
			size_t end = te < T ? te : T;
			s += (double)(end < k2 ? end : k2);
		}
	else
		s = (double)T;
	return s;
}

/* Held-out cross-entropy in bits per character. */
static double heldout_bpc(const bt_model *m, bt_data *const *h, size_t nh)
{
	double total = 0, L;
	for (size_t i = 0; i < nh; i++) {
		lesson_check(bt_loss(m, h[i], &L), "held-out loss");
		total += L;
	}
	return total / (double)(nh * h[0]->T) / log(2.0);
}

typedef struct {
	lesson_file *lf;
	const bt_model *model;
	bt_data *const *held;
	size_t nheld, every, steps;
	double per_step;      /* backward steps per update */
	double final, best;
	double train_last;    /* the minibatches' bpc over the last interval */
	double train_sum;     /* minibatch nats per character since the last row */
	size_t train_count;
} curve;

/* After every update: at an evaluation, a row with the held-out bits per
 * character and the minibatches' mean since the last row. */
static int record(void *ctx, const bt_train_report *r)
{
	curve *c = ctx;
	c->train_sum += r->mse;
	c->train_count++;
	if (r->step % c->every && r->step != c->steps)
		return 0;
	double bpc = heldout_bpc(c->model, c->held, c->nheld);
	c->train_last = c->train_sum / (double)c->train_count / log(2.0);
	lesson_row(c->lf, 4, (double)r->step, c->per_step * (double)r->step, bpc, c->train_last);
	c->train_sum = 0;
	c->train_count = 0;
	c->final = bpc;
	if (bpc < c->best)
		c->best = bpc;
	return 0;
}

/* The memoryless (unigram) and one-character (bigram) baselines fitted on
 * the training codes, add-one smoothed, in bits per character on the
 * held-out targets. */
static void baselines(const unsigned char *train, size_t ntrain, const unsigned char *held,
		      size_t nheld, double *uni, double *bi)
{
	double c1[NV] = {0}, c2[NV][NV] = {{0}}, r1[NV] = {0};
	for (size_t i = 0; i + 1 < ntrain; i++) {
		c1[train[i + 1]]++;
		c2[train[i]][train[i + 1]]++;
		r1[train[i]]++;
	}
	double n1 = (double)(ntrain - 1), su = 0, sb = 0;
	for (size_t i = 0; i + 1 < nheld; i++) {
		su -= log2((c1[held[i + 1]] + 1) / (n1 + NV));
		sb -= log2((c2[held[i]][held[i + 1]] + 1) / (r1[held[i]] + NV));
	}
	*uni = su / (double)(nheld - 1);
	*bi = sb / (double)(nheld - 1);
}

/* The character the model draws after state s (its logits V h + b_y, h the
 * first n values of s), at temperature temp. */
static size_t draw(const bt_model *m, const double *s, double temp, gsl_rng *rng)
{
	size_t n = m->dims.n;
	double z[NV], p[NV], zmax = -INFINITY, sum = 0;
	gsl_matrix_const_view V = bt_block_const_view(m, m->theta, (size_t)bt_model_find_block(m, "V"));
	gsl_matrix_const_view by = bt_block_const_view(m, m->theta, (size_t)bt_model_find_block(m, "b_y"));
	for (size_t i = 0; i < NV; i++) {
		z[i] = gsl_matrix_get(&by.matrix, i, 0);
		for (size_t j = 0; j < n; j++)
			z[i] += gsl_matrix_get(&V.matrix, i, j) * s[j];
		z[i] /= temp;
		if (z[i] > zmax)
			zmax = z[i];
	}
	for (size_t i = 0; i < NV; i++)
		sum += p[i] = exp(z[i] - zmax);
	double u = gsl_rng_uniform(rng) * sum;
	for (size_t i = 0; i < NV; i++)
		if ((u -= p[i]) < 0)
			return i;
	return NV - 1;
}

/* Prints the prompt and len characters the model writes after it. */
static void sample(const bt_model *m, const char *prompt, size_t len, double temp,
		   unsigned long seed)
{
	size_t S = m->state_size;
	bt_data *one;
	bt_seq *q;
	lesson_check(bt_data_alloc(&one, 1, NV, NV, 0), "data");
	lesson_check(bt_seq_alloc(&q, m, 1), "workspace");
	double L, *s = calloc(S, sizeof *s), *s2 = calloc(S, sizeof *s2), x[NV];
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!s || !s2 || !rng)
		lesson_fail("out of memory");
	gsl_rng_set(rng, seed);
	lesson_check(bt_seq_forward(q, m, one, &L), "forward");  /* derived quantities */
	printf("  \"");
	size_t c = 0, col = strlen(prompt);
	for (const char *p = prompt; *p; p++) {
		c = code_of((unsigned char)*p);
		memset(x, 0, sizeof x);
		x[c] = 1;
		lesson_check(bt_seq_step(q, m, s, x, s2), "step");
		memcpy(s, s2, S * sizeof *s);
		putchar(VOCAB[c]);
	}
	for (size_t i = 0; i < len; i++) {
		c = draw(m, s, temp, rng);
		if (++col > 64 && VOCAB[c] == ' ') {
			printf("\n   ");
			col = 0;
		} else {
			putchar(VOCAB[c]);
		}
		memset(x, 0, sizeof x);
		x[c] = 1;
		lesson_check(bt_seq_step(q, m, s, x, s2), "step");
		memcpy(s, s2, S * sizeof *s);
	}
	printf("\"\n");
	gsl_rng_free(rng);
	free(s);
	free(s2);
	bt_seq_free(q);
	bt_data_free(one);
}

/* Relative error ‖a − g‖/‖g‖ of a against g (P values), tmp scratch. */
static double relerr(const double *a, const double *g, double *tmp, size_t P)
{
	for (size_t i = 0; i < P; i++)
		tmp[i] = a[i] - g[i];
	return bt_vector_norm(tmp, P) / bt_vector_norm(g, P);
}

typedef struct {
	double rel[NEST], cos[NEST];   /* ARTBP: one draw */
	double rel_mean, cos_mean;     /* ARTBP: mean of every draw */
	double rel_unw, rel_unw_mean;  /* without the 1/(1 − c) */
} bias_result;

/* The mean of draws 1 … r of G (R×P) into out. */
static void mean_of(const double *G, size_t r, size_t P, double *out)
{
	memset(out, 0, P * sizeof *out);
	for (size_t j = 0; j < r; j++)
		for (size_t i = 0; i < P; i++)
			out[i] += G[j * P + i] / (double)r;
}

/* At m's parameters, over h[0 … nb−1]: every estimator's summed gradient
 * against the full one; ARTBP in R draws (with and without reweighting,
 * the same cuts), written as the mean of the first r draws against r. */
static void bias(const bt_model *m, bt_data *const *h, size_t nb, const bt_estimator *est,
		 size_t R, unsigned long seed, lesson_file *lf, bias_result *br)
{
	size_t P = m->nparams;
	double *g = calloc(P * NEST, sizeof *g), *G = calloc(2 * R * P, sizeof *G);
	double *mean = calloc(P, sizeof *mean), *tmp = calloc(P, sizeof *tmp);
	bt_seq *q;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!g || !G || !mean || !tmp || !rng)
		lesson_fail("out of memory");
	lesson_check(bt_seq_alloc(&q, m, h[0]->T), "workspace");
	for (size_t s = 0; s < nb; s++) {
		double L;
		lesson_check(bt_seq_forward(q, m, h[s], &L), "forward");
		for (int e = 0; e < E_ARTBP; e++)
			lesson_check(bt_seq_backward_estimate(q, m, h[s], &est[e], NULL, g + e * P, NULL),
				     "backward");
		for (size_t r = 0; r < 2 * R; r++) {
			gsl_rng_set(rng, seed + 1000003UL * (r % R) + s);   /* the same cuts twice */
			lesson_check(bt_seq_backward_artbp(q, m, h[s], est[E_ARTBP].c, r < R, rng,
							   G + r * P, NULL), "backward");
		}
	}
	for (int e = 1; e < E_ARTBP; e++) {
		br->rel[e] = relerr(g + e * P, g, tmp, P);
		br->cos[e] = bt_vector_cosine(g + e * P, g, P);
		lesson_dataset(lf, EST_KEY[e], "draws relerr cosine");
		lesson_label(lf, "%s", est_label[e]);
		lesson_row(lf, 3, 1.0, br->rel[e], br->cos[e]);
		lesson_row(lf, 3, (double)R, br->rel[e], br->cos[e]);
	}
	for (int w = 0; w < 2; w++) {
		lesson_dataset(lf, w ? "random" : "artbp", "draws relerr cosine");
		if (w)
			lesson_label(lf, "random cuts, no 1/(1 − c)");
		else
			lesson_label(lf, "%s", est_label[E_ARTBP]);
		for (size_t r = 1; r <= R; r = r * 2 <= R || r == R ? r * 2 : R) {
			mean_of(G + (w ? R * P : 0), r, P, mean);
			double re = relerr(mean, g, tmp, P), co = bt_vector_cosine(mean, g, P);
			lesson_row(lf, 3, (double)r, re, co);
			if (r == 1 && !w) {
				br->rel[E_ARTBP] = re;
				br->cos[E_ARTBP] = co;
			}
			if (r == 1 && w)
				br->rel_unw = re;
			if (r == R && !w) {
				br->rel_mean = re;
				br->cos_mean = co;
			}
			if (r == R && w)
				br->rel_unw_mean = re;
		}
	}
	gsl_rng_free(rng);
	bt_seq_free(q);
	free(g);
	free(G);
	free(mean);
	free(tmp);
}

typedef struct {
	size_t T, n, B, steps, every, k, k1, k2, draws, nbias, sample_len;
	size_t seed, init_seed, sample_seed;
	double lr, clip, c, heldout, temp;
	const char *text, *arch, *prompt, *only;
} knobs;

/* Whether estimator e is trained: full BPTT always (the bias and the
 * sample use its model), the others when --only names them or is empty. */
static int wanted(const knobs *K, int e)
{
	if (e == E_FULL || !*K->only)
		return 1;
	size_t len = strlen(EST_KEY[e]);
	for (const char *p = K->only; (p = strstr(p, EST_KEY[e])); p += len)
		if ((p == K->only || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

/* Trains a copy of init with each estimator on one budget; writes a
 * dataset per estimator; returns the full-BPTT model. */
static bt_model *train_all(const bt_model *init, const knobs *K, const bt_estimator *est,
			   bt_data *const *train, size_t ntrain, bt_data *const *held,
			   size_t nheld, lesson_file *lf)
{
	bt_model *keep = NULL;
	double b0 = heldout_bpc(init, held, nheld);
	printf("Before training: %.3f bpc (a uniform guess over the %zu symbols: log2 %zu = %.3f).\n\n",
	       b0, NV, NV, log2((double)NV));
	printf("Held-out bits per character every %zu updates (bwd/seq: cell backward steps\n"
	       "per sequence; bpc: bits per character, held out at the end and the best of the\n"
	       "evaluations, and the training minibatches' over the last %zu updates; seconds:\n"
	       "this machine's wall clock):\n\n", K->every, K->every);
	printf("  %-7s %8s %9s %9s %9s %8s  %s\n", "key", "bwd/seq", "held-out", "best", "train",
	       "seconds", "estimator");
	printf("  %-7s %8s %9s %9s %9s\n", "", "", "bpc", "bpc", "bpc");
	for (int e = 0; e < NEST; e++) {
		if (!wanted(K, e))
			continue;
		bt_model *m;
		lesson_check(bt_model_copy(&m, init), "model");
		bt_train_options o;
		bt_train_options_default(&o);
		o.data = (const bt_data *const *)train;
		o.ndata = ntrain;
		o.batch = K->B;
		o.steps = K->steps;
		o.opt.lr = K->lr;
		o.clip = K->clip > 0 ? BT_CLIP_NORM : BT_CLIP_NONE;
		o.clip_threshold = K->clip;
		o.estimator = est[e];
		o.seed = K->seed;
		o.eval_every = 0;
		double per_seq = backward_steps(e, K->T, K->k, e == E_CHUNKS ? K->k : K->k1,
						e == E_CHUNKS ? K->k : K->k2);
		curve c = {lf, m, held, nheld, K->every, K->steps, per_seq * (double)K->B, NAN, INFINITY, NAN, 0, 0};
		o.callback = record;
		o.ctx = &c;
		lesson_dataset(lf, EST_KEY[e], "step backward_steps heldout_bpc train_bpc");
		lesson_label(lf, "%s", est_label[e]);
		lesson_row(lf, 4, 0.0, 0.0, b0, NAN);
		fprintf(stderr, "17_charlm: training with %s ...", est_label[e]);
		double t0 = bt_wall_seconds();
		lesson_check(bt_train(m, &o, NULL), "training");
		double secs = bt_wall_seconds() - t0;
		fprintf(stderr, " %.1f s\n", secs);
		printf("  %-7s %8.0f %9.3f %9.3f %9.3f %8.2f  %s\n", EST_KEY[e], per_seq, c.final,
		       c.best, c.train_last, secs, est_label[e]);
		if (e == E_FULL)
			keep = m;
		else
			bt_model_free(m);
	}
	return keep;
}

static void check_knobs(const knobs *K)
{
	if (K->T < 2 || K->n < 1 || K->B < 1 || K->steps < 1 || K->every < 1 || K->k < 1 ||
	    K->k1 < 1 || K->k2 < 1 || K->draws < 1 || K->nbias < 1)
		lesson_fail("--length must be at least 2; --hidden, --batch, --steps, --every, --k, --k1,\n"
			    "--k2, --draws and --bias-seqs at least 1");
	if (!(K->c > 0 && K->c < 1))
		lesson_fail("--c: the cut probability must be in (0, 1)");
	if (!(K->heldout > 0 && K->heldout < 1))
		lesson_fail("--heldout: the fraction must be in (0, 1)");
	if (!(K->lr > 0) || !(K->clip >= 0) || !(K->temp > 0))
		lesson_fail("--lr and --temperature must be positive, --clip at least 0");
	for (const char *p = K->only; *p;) {
		size_t len = strcspn(p, ","), ok = 0;
		for (int e = 0; e < NEST; e++)
			ok |= strlen(EST_KEY[e]) == len && !strncmp(p, EST_KEY[e], len);
		if (!ok)
			lesson_fail("--only: '%s' is not a list of full, window, chunks, tbptt, artbp",
				    K->only);
		p += len + (p[len] == ',');
	}
	if (strcmp(K->arch, "rnn") && strcmp(K->arch, "gru") && strcmp(K->arch, "lstm"))
		lesson_fail("--arch: '%s' is not rnn, gru or lstm", K->arch);
}

/* The estimators and their legend entries. */
static void estimators(const knobs *K, bt_estimator *est)
{
	memset(est, 0, NEST * sizeof *est);
	est[E_FULL].kind = BT_EST_FULL;
	est[E_WINDOW] = (bt_estimator){.kind = BT_EST_WINDOW, .k = K->k};
	est[E_CHUNKS] = (bt_estimator){.kind = BT_EST_TBPTT, .k1 = K->k, .k2 = K->k};
	est[E_TBPTT] = (bt_estimator){.kind = BT_EST_TBPTT, .k1 = K->k1, .k2 = K->k2};
	est[E_ARTBP] = (bt_estimator){.kind = BT_EST_ARTBP, .c = K->c};
	snprintf(est_label[E_FULL], 64, "full BPTT");
	snprintf(est_label[E_WINDOW], 64, "sliding window k = %zu", K->k);
	snprintf(est_label[E_CHUNKS], 64, "chunks TBPTT(%zu, %zu)", K->k, K->k);
	snprintf(est_label[E_TBPTT], 64, "TBPTT(%zu, %zu)", K->k1, K->k2);
	snprintf(est_label[E_ARTBP], 64, "ARTBP c = %g", K->c);
}

/* The text, cut: training sequences (shuffled, seeded) and held-out ones. */
typedef struct {
	unsigned char *codes;
	size_t len, ntrain_chars, ntrain, nheld;
	bt_data **train, **held;
} corpus;

static void cut_text(const knobs *K, corpus *C)
{
	C->len = read_text(K->text, &C->codes);
	C->ntrain_chars = (size_t)((1 - K->heldout) * (double)C->len);
	C->ntrain = C->ntrain_chars > 0 ? (C->ntrain_chars - 1) / K->T : 0;
	C->nheld = (C->len - C->ntrain_chars - 1) / K->T;
	if (C->len < 2 * K->T + 2 || C->ntrain < 1 || C->nheld < 1)
		lesson_fail("--text %s: %zu characters, too short for a training and a held-out\n"
			    "sequence of %zu characters (see --length and --heldout)", K->text, C->len, K->T + 1);
	/* everything the sizes give, before the first allocation: the
	 * sequences, a model and its copy in training, the training's
	 * workspaces, the bias measurement's gradients */
	const bt_cell_type *type = bt_cell_lookup(K->arch);
	bt_dims dims = {NV, K->n, NV}, data_dims = {NV, 0, NV};
	double P = bt_cell_param_count(type, dims);
	lesson_need(2 * lesson_task_size(K->arch, NV, K->n, NV, K->T, 0, LESSON_MODEL) +
		    (double)(C->ntrain + C->nheld) * bt_data_size(data_dims, K->T) +
		    bt_train_size(type, dims, K->T, K->B) + bt_seq_size(type, dims, K->T) +
		    lesson_doubles(P * (NEST + 2.0 * (double)K->draws + 2)),
		    "the sequences, the training and the bias measurement");
	C->train = make_sequences(C->codes, C->ntrain, K->T);
	C->held = make_sequences(C->codes + C->ntrain_chars, C->nheld, K->T);
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		lesson_fail("out of memory");
	gsl_rng_set(rng, K->seed);
	for (size_t i = C->ntrain - 1; i > 0; i--) {
		size_t j = gsl_rng_uniform_int(rng, i + 1);
		bt_data *t = C->train[i];
		C->train[i] = C->train[j];
		C->train[j] = t;
	}
	gsl_rng_free(rng);
}

/* The bias measurement at the full-BPTT model, written and narrated. */
static void report_bias(const knobs *K, const bt_estimator *est, const bt_model *full,
			const corpus *C)
{
	size_t nb = K->nbias < C->nheld ? K->nbias : C->nheld;
	lesson_file lf;
	lesson_open(&lf, "17_charlm_bias.dat");
	lesson_param(&lf, "sequences", (double)nb);
	lesson_param(&lf, "T", (double)K->T);
	lesson_param(&lf, "draws", (double)K->draws);
	lesson_param_text(&lf, "arch", K->arch);
	bias_result br = {{0}, {0}, 0, 0, 0, 0};
	bias(full, C->held, nb, est, K->draws, K->seed, &lf, &br);
	lesson_close(&lf);
	printf("\nThe gradient of each estimator against full BPTT's, at the parameters full\n"
	       "BPTT reached, summed over %zu held-out sequences (rel. error: |g_est - g|/|g|):\n\n",
	       nb);
	printf("  %-12s %10s %10s  %s\n", "key", "rel. error", "cosine", "estimator");
	for (int e = 1; e < E_ARTBP; e++)
		printf("  %-12s %10.4f %10.4f  %s\n", EST_KEY[e], br.rel[e], br.cos[e], est_label[e]);
	printf("  %-12s %10.4f %10.4f  %s, one draw\n", "artbp", br.rel[E_ARTBP], br.cos[E_ARTBP],
	       est_label[E_ARTBP]);
	printf("  %-12s %10.4f %10.4f  %s, mean of %zu draws\n", "artbp-mean", br.rel_mean,
	       br.cos_mean, est_label[E_ARTBP], K->draws);
	printf("  %-12s %10.4f %10s  random cuts without 1/(1 - c), one draw\n", "random",
	       br.rel_unw, "");
	printf("  %-12s %10.4f %10s  random cuts without 1/(1 - c), mean of %zu draws\n",
	       "random-mean", br.rel_unw_mean, "", K->draws);
}

static int run(const knobs *K)
{
	check_knobs(K);
	bt_estimator est[NEST];
	estimators(K, est);
	corpus C;
	cut_text(K, &C);
	double uni, bi;
	baselines(C.codes, C.ntrain_chars, C.codes + C.ntrain_chars, C.len - C.ntrain_chars, &uni, &bi);
	const char *base = strrchr(K->text, '/') ? strrchr(K->text, '/') + 1 : K->text;
	printf("Lesson 17: learning from real text with truncated BPTT\n\n"
	       "The text: %s, %zu characters over a vocabulary of %zu symbols (white space\n"
	       "runs as one space, capitals folded, \"~\" for any other character). The first\n"
	       "%zu characters give %zu training sequences of T = %zu (shuffled, seed %zu);\n"
	       "the last %zu give %zu held-out ones. Held-out baselines in bits per character:\n"
	       "no memory (character frequencies) %.3f, one character of memory (pairs) %.3f.\n\n",
	       base, C.len, NV, C.ntrain_chars, C.ntrain, K->T, K->seed, C.len - C.ntrain_chars,
	       C.nheld, uni, bi);
	bt_init_options io;
	bt_init_options_default(&io);
	io.seed = K->init_seed;
	bt_model *init = lesson_model(K->arch, BT_ACT_TANH, NV, K->n, NV, &io);
	init->loss = BT_LOSS_CROSS_ENTROPY;
	char clipname[48] = "no clipping";
	if (K->clip > 0)
		snprintf(clipname, sizeof clipname, "norm clipping at %g", K->clip);
	printf("A %s with n = %zu (%zu parameters), softmax readout, cross-entropy loss; the\n"
	       "same initialisation (seed %zu) for every estimator, %zu updates of Adam\n"
	       "(lr %g) on minibatches of %zu sequences, the same ones in the same order,\n"
	       "%s.\n\n",
	       K->arch, K->n, init->nparams, K->init_seed, K->steps, K->lr, K->B,
	       clipname);
	lesson_file lf;
	lesson_open(&lf, "17_charlm.dat");
	lesson_param_text(&lf, "arch", K->arch);
	lesson_param_text(&lf, "text", base);
	lesson_param(&lf, "n", (double)K->n);
	lesson_param(&lf, "T", (double)K->T);
	lesson_param(&lf, "batch", (double)K->B);
	lesson_param(&lf, "steps", (double)K->steps);
	lesson_param(&lf, "unigram", uni);
	lesson_param(&lf, "bigram", bi);
	bt_model *full = train_all(init, K, est, C.train, C.ntrain, C.held, C.nheld, &lf);
	lesson_close(&lf);
	report_bias(K, est, full, &C);
	printf("\nA sample from the full-BPTT model, fed its own characters (temperature %g,\n"
	       "seed %zu), after the prompt \"%s\":\n\n", K->temp, K->sample_seed, K->prompt);
	sample(full, K->prompt, K->sample_len, K->temp, K->sample_seed);
	printf("\nRead the figures: 17_charlm.png, the held-out curves per update (left) and\n"
	       "per backward step (right); 17_charlm_bias.png, the gradients' distance from\n"
	       "full BPTT's: a flat line is a bias, which averaging cannot remove.\n");
	bt_model_free(full);
	bt_model_free(init);
	for (size_t i = 0; i < C.ntrain; i++)
		bt_data_free(C.train[i]);
	for (size_t i = 0; i < C.nheld; i++)
		bt_data_free(C.held[i]);
	free(C.train);
	free(C.held);
	free(C.codes);
	return 0;
}

int main(int argc, char **argv)
{
	knobs K = {.T = 50, .n = 32, .B = 8, .steps = 200, .every = 20, .k = 5, .k1 = 5, .k2 = 20,
		   .draws = 32, .nbias = 16, .sample_len = 240, .seed = 1, .init_seed = BT_DEFAULT_SEED,
		   .sample_seed = 7, .lr = 0.01, .clip = 1, .c = 0.2, .heldout = 0.1, .temp = 0.8,
		   .text = LESSON_ROOT "/LICENSE", .arch = "gru", .prompt = "the program ", .only = ""};
	const lesson_opt opts[] = {
		{"--text", 's', &K.text, "the text to learn (default the project's LICENSE)"},
		{"--arch", 's', &K.arch, "rnn, gru or lstm (default gru)"},
		{"--hidden", 'n', &K.n, "hidden size n (default 32)"},
		{"--length", 'n', &K.T, "sequence length T, characters per sequence (default 50)"},
		{"--batch", 'n', &K.B, "sequences per update (default 8)"},
		{"--steps", 'n', &K.steps, "updates, the budget of every estimator (default 200)"},
		{"--every", 'n', &K.every, "held-out evaluation every N updates (default 20)"},
		{"--lr", 'r', &K.lr, "Adam's learning rate (default 0.01)"},
		{"--clip", 'r', &K.clip, "gradient-norm clipping threshold, 0 for none (default 1)"},
		{"--k", 'n', &K.k, "sliding window k and chunks TBPTT(k, k) (default 5)"},
		{"--k1", 'n', &K.k1, "TBPTT(k1, k2): segment length k1 (default 5)"},
		{"--k2", 'n', &K.k2, "TBPTT(k1, k2): backward length k2 (default 20)"},
		{"--c", 'r', &K.c, "ARTBP: cut probability c, 0 < c < 1 (default 0.2)"},
		{"--heldout", 'r', &K.heldout, "fraction of the text held out, at its end (default 0.1)"},
		{"--draws", 'n', &K.draws, "ARTBP draws for the bias measurement (default 32)"},
		{"--bias-seqs", 'n', &K.nbias, "held-out sequences for the bias measurement (default 16)"},
		{"--seed", 'n', &K.seed, "seed of the minibatch order and ARTBP's cuts (default 1)"},
		{"--init-seed", 'n', &K.init_seed, "seed of the model's initialisation (default 20140901)"},
		{"--sample", 'n', &K.sample_len, "characters to generate at the end (default 240)"},
		{"--temperature", 'r', &K.temp, "sampling temperature (default 0.8)"},
		{"--sample-seed", 'n', &K.sample_seed, "seed of the sample (default 7)"},
		{"--only", 's', &K.only, "train only these (full BPTT always): full,window,chunks,tbptt,artbp (default all)"},
		{"--prompt", 's', &K.prompt, "the text the sample starts from (default \"the program \")"},
		{NULL, 0, NULL, NULL}};
	lesson_args(argc, argv, "17_charlm",
		    "A character-level language model (a GRU by default, softmax readout,\n"
		    "cross-entropy) on a real text, trained on one budget with full BPTT, the\n"
		    "sliding window k, chunks\n"
		    "TBPTT(k, k), TBPTT(k1, k2) and ARTBP c: held-out bits per character against\n"
		    "updates and against backward steps, and each estimator's gradient against the\n"
		    "full one on held-out text. Writes plots/out/17_charlm.dat and\n"
		    "plots/out/17_charlm_bias.dat.", opts);
	return run(&K);
}
