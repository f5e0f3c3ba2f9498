/* SPDX-License-Identifier: GPL-3.0-or-later */
/* task.c — tasks with known baselines, generated from a seed: the adding
 * problem, the copy (memory) task and a scalar linear-Gaussian task. Each
 * fills X, Y and the loss mask M (1 where a target counts) and states what
 * a network without memory can do: the baseline's error in closed form. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "bt.h"

void bt_task_options_default(bt_task_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->kind = BT_TASK_ADDING;
	opt->T = 100;
	opt->seed = BT_DEFAULT_SEED;
	opt->symbols = 10;
	opt->alphabet = 8;
	opt->delay = 100;
	opt->a = 0.9;
	opt->b = 1.0;
	opt->s = 1.0;
}

int bt_task_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "adding"))
		return BT_TASK_ADDING;
	if (!strcmp(name, "copy"))
		return BT_TASK_COPY;
	if (!strcmp(name, "linear"))
		return BT_TASK_LINEAR;
	return -1;
}

const char *bt_task_name(int kind)
{
	switch (kind) {
	case BT_TASK_ADDING: return "adding";
	case BT_TASK_COPY: return "copy";
	case BT_TASK_LINEAR: return "linear";
	default: return NULL;
	}
}

/* Adding problem: x_t = (u_t, marker_t), u_t ~ U(0,1); one marker uniform
 * in steps 1…⌊T/2⌋, one uniform in ⌊T/2⌋+1…T; y_T = u_p + u_q, the two
 * marked values; y_t = 0 and μ_t = 0 for t < T, μ_T = 1. */
static int adding(bt_data *D, const bt_task_options *o, gsl_rng *r,
		  bt_task_info *info)
{
	size_t T = o->T;
	for (size_t t = 0; t < T; t++) {
		D->X[2 * t] = gsl_rng_uniform(r);
		D->M[t] = 0.0;
	}
	size_t half = T / 2;
	size_t p = gsl_rng_uniform_int(r, half);
	size_t q = half + gsl_rng_uniform_int(r, T - half);
	D->X[2 * p + 1] = 1.0;
	D->X[2 * q + 1] = 1.0;
	D->Y[T - 1] = D->X[2 * p] + D->X[2 * q];
	D->M[T - 1] = 1.0;
	/* Predicting E[y_T] = 1: E(u_p + u_q − 1)² = Var(u_p + u_q) = 2/12. */
	info->baseline_mse = 1.0 / 6.0;
	info->baseline_ce = NAN;
	info->baseline_loss = 1.0 / 12.0;
	snprintf(info->description, sizeof info->description,
		 "adding problem, T = %zu: x_t = (u_t ~ U(0,1), marker), one marker in steps 1-%zu "
		 "and one in %zu-%zu; y_T = sum of the two marked values, mask 1 at T only",
		 T, half, half + 1, T);
	snprintf(info->baseline, sizeof info->baseline,
		 "predicting 1 (the mean) at T: MSE = Var(u1 + u2) = 1/6 = 0.1667, "
		 "loss 1/2 (y - 1)^2 = 1/12 = 0.0833 per sequence");
	return BT_OK;
}

/* Copy task: alphabet size A, K symbols, delay D, T = 2K + D. Inputs are
 * one-hot of size A + 2 (symbols 0…A−1, blank A, go A+1): steps 1…K the K
 * symbols (i.i.d. uniform), steps K+1…K+D−1 blank, step K+D the go marker,
 * steps K+D+1…T blank. Targets are one-hot of size A: the K symbols in
 * order at steps K+D+1…T (μ = 1 there), zero elsewhere (μ = 0). */
static int copy(bt_data *D, const bt_task_options *o, gsl_rng *r,
		bt_task_info *info)
{
	size_t K = o->symbols, A = o->alphabet, Dl = o->delay;
	size_t T = 2 * K + Dl, d = A + 2;
	for (size_t t = 0; t < T; t++)
		D->M[t] = 0.0;
	for (size_t k = 0; k < K; k++) {
		size_t c = gsl_rng_uniform_int(r, A);
		D->X[k * d + c] = 1.0;
		D->Y[(K + Dl + k) * A + c] = 1.0;
		D->M[K + Dl + k] = 1.0;
	}
	for (size_t t = K; t < T; t++)
		D->X[t * d + (t == K + Dl - 1 ? A + 1 : A)] = 1.0;
	/* Without memory the best constant output is E[y] = (1/A, …, 1/A):
	 * ‖ŷ − y‖² = (1 − 1/A)² + (A − 1)/A² = 1 − 1/A per recalled step. */
	double A_ = (double)A;
	info->baseline_mse = 1.0 - 1.0 / A_;
	/* and with the cross-entropy: −log(1/A) per recalled step */
	info->baseline_ce = log(A_);
	info->baseline_loss = 0.5 * (double)K * (1.0 - 1.0 / A_);
	snprintf(info->description, sizeof info->description,
		 "copy task: %zu symbols of %zu (one-hot, inputs %zu wide with blank and go), "
		 "delay %zu, T = %zu; recall at steps %zu-%zu (mask 1 there only)",
		 K, A, d, Dl, T, K + Dl + 1, T);
	snprintf(info->baseline, sizeof info->baseline,
		 "memoryless: predicting 1/A for every symbol: |y^ - y|^2 = 1 - 1/A = %.4g per "
		 "recalled step, loss K(1 - 1/A)/2 = %.4g per sequence",
		 info->baseline_mse, info->baseline_loss);
	return BT_OK;
}

/* Scalar linear-Gaussian: x_t ~ N(0, s²) i.i.d., h_0 = 0,
 * h_t = a h_{t−1} + b x_t, y_t = h_t; μ_t = 1 everywhere. */
static int linear(bt_data *D, const bt_task_options *o, gsl_rng *r,
		  bt_task_info *info)
{
	size_t T = o->T;
	double h = 0, v = 0, sum = 0, a2 = o->a * o->a, bs2 = o->b * o->b * o->s * o->s;
	for (size_t t = 0; t < T; t++) {
		D->X[t] = gsl_ran_gaussian_ziggurat(r, o->s);
		h = o->a * h + o->b * D->X[t];
		D->Y[t] = h;
		/* Var h_t = a² Var h_{t−1} + b²s² */
		v = a2 * v + bs2;
		sum += v;
	}
	for (size_t t = 0; t < T; t++)
		if (!isfinite(D->Y[t]))
			return BT_ENUMERIC;
	info->baseline_mse = sum / (double)T;
	info->baseline_ce = NAN;
	info->baseline_loss = 0.5 * sum;
	snprintf(info->description, sizeof info->description,
		 "scalar linear-Gaussian, T = %zu: x_t ~ N(0, %g^2), h_t = %g h_{t-1} + %g x_t, "
		 "y_t = h_t (the linear architecture with W = a, U = b, V = 1 fits it exactly)",
		 T, o->s, o->a, o->b);
	if (fabs(o->a) < 1)
		snprintf(info->baseline, sizeof info->baseline,
			 "predicting 0 (the mean): MSE = mean of Var h_t = b^2 s^2 (1 - a^(2t))/(1 - a^2) "
			 "= %.4g (stationary b^2 s^2/(1 - a^2) = %.4g), loss %.4g per sequence",
			 info->baseline_mse, bs2 / (1 - a2), info->baseline_loss);
	else
		snprintf(info->baseline, sizeof info->baseline,
			 "predicting 0 (the mean): MSE = mean of Var h_t = %.4g (|a| >= 1: no "
			 "stationary state), loss %.4g per sequence",
			 info->baseline_mse, info->baseline_loss);
	return BT_OK;
}

int bt_task_shape(const bt_task_options *opt, size_t *T, size_t *d, size_t *m)
{
	if (!opt)
		return BT_EINVAL;
	switch (opt->kind) {
	case BT_TASK_ADDING:
	case BT_TASK_LINEAR:
		if (opt->T < (opt->kind == BT_TASK_ADDING ? 2u : 1u) ||
		    opt->T > (size_t)BT_MAX_T)
			return BT_EINVAL;
		if (opt->kind == BT_TASK_LINEAR &&
		    (!isfinite(opt->a) || !isfinite(opt->b) || !isfinite(opt->s) || opt->s < 0))
			return BT_EINVAL;
		*T = opt->T;
		*d = opt->kind == BT_TASK_ADDING ? 2 : 1;
		*m = 1;
		return BT_OK;
	case BT_TASK_COPY: {
		size_t K = opt->symbols, A = opt->alphabet, Dl = opt->delay;
		if (K < 1 || A < 2 || Dl < 1 || A + 2 > (size_t)BT_MAX_DIM ||
		    (double)K * 2 + (double)Dl > (double)BT_MAX_T)
			return BT_EINVAL;
		size_t TT = 2 * K + Dl;
		if ((double)TT * (double)(A + 2 + A + 1) > (double)BT_MAX_NUMBERS)
			return BT_EINVAL;
		*T = TT;
		*d = A + 2;
		*m = A;
		return BT_OK;
	}
	default:
		return BT_EINVAL;
	}
}

int bt_task_fill(bt_data *data, const bt_task_options *opt, gsl_rng *rng,
		 bt_task_info *info)
{
	bt_task_info scratch;
	if (!info)
		info = &scratch;
	memset(info, 0, sizeof *info);
	size_t T, d, m;
	int st = bt_task_shape(opt, &T, &d, &m);
	if (st != BT_OK)
		return st;
	if (!data || !rng || !data->M || data->T != T || data->d != d || data->m != m)
		return BT_EINVAL;
	memset(data->X, 0, T * d * sizeof(double));
	memset(data->Y, 0, T * m * sizeof(double));
	for (size_t t = 0; t < T; t++)
		data->M[t] = 1.0;
	gsl_rng_set(rng, opt->seed);
	switch (opt->kind) {
	case BT_TASK_ADDING: return adding(data, opt, rng, info);
	case BT_TASK_COPY: return copy(data, opt, rng, info);
	default: return linear(data, opt, rng, info);
	}
}

int bt_task_generate(bt_data **out, const bt_task_options *opt,
		     bt_task_info *info)
{
	*out = NULL;
	if (info)
		memset(info, 0, sizeof *info);
	size_t T, d, m;
	int st = bt_task_shape(opt, &T, &d, &m);
	if (st != BT_OK)
		return st;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	if (!r)
		return BT_ENOMEM;
	bt_data *D = NULL;
	st = bt_data_alloc(&D, T, d, m, 1);
	if (st == BT_OK)
		st = bt_task_fill(D, opt, r, info);
	gsl_rng_free(r);
	if (st != BT_OK) {
		bt_data_free(D);
		return st;
	}
	*out = D;
	return BT_OK;
}
