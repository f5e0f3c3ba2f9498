/* SPDX-License-Identifier: GPL-3.0-or-later */
/* testutil.h — small helpers shared by the Check suites. */
#ifndef BT_TESTUTIL_H
#define BT_TESTUTIL_H

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include "bt.h"

/* A model with irregular parameters: every entry N(0, sd²) from the seed
 * (biases included, so nothing is symmetric or zero). */
static inline bt_model *tu_model(const char *arch, bt_activation act,
				 size_t d, size_t n, size_t m, double sd,
				 unsigned long seed)
{
	const bt_cell_type *type = bt_cell_lookup(arch);
	ck_assert_msg(type != NULL, "no architecture %s", arch);
	bt_dims dims = {d, n, m};
	bt_model *model = NULL;
	if (!bt_cell_has_activation(type))
		act = BT_ACT_TANH;
	ck_assert_int_eq(bt_model_alloc(&model, type, dims, act), BT_OK);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, seed);
	for (size_t i = 0; i < model->nparams; i++)
		model->theta[i] = gsl_ran_gaussian(r, sd);
	gsl_rng_free(r);
	return model;
}

/* Data of length T: inputs and targets N(0,1); with_mask adds a mask with
 * the given pattern (1 everywhere except where pattern(t) says 0). */
static inline bt_data *tu_data(size_t T, size_t d, size_t m, int with_mask,
			       unsigned long seed)
{
	bt_data *data = NULL;
	ck_assert_int_eq(bt_data_alloc(&data, T, d, m, with_mask), BT_OK);
	ck_assert_int_eq(bt_data_random(data, seed), BT_OK);
	return data;
}

/* Largest |a_i − b_i| / max(|a_i|, |b_i|, floor). */
static inline double tu_max_rel(const double *a, const double *b, size_t k,
				double floor)
{
	double worst = 0;
	for (size_t i = 0; i < k; i++) {
		double s = fmax(fmax(fabs(a[i]), fabs(b[i])), floor);
		double e = fabs(a[i] - b[i]) / s;
		if (e > worst || isnan(e))
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

/* Full BPTT one sequence at a time (bt_seq_forward + bt_seq_backward),
 * zeroing grad and dX first, like bt_gradient(…, 0, …). bt_gradient's full
 * BPTT takes the batched kernels (batch.c), which agree with this to
 * rounding only; the truncation code shares this path, so a test that
 * asks for "k ≥ T is full BPTT" bit for bit compares against this. */
static inline int tu_gradient_seq(const bt_model *model, const bt_data *data,
				  double *loss, double *grad, double *dX)
{
	bt_seq *q = NULL;
	int st = bt_seq_alloc(&q, model, data->T);
	if (st != BT_OK)
		return st;
	if (grad)
		memset(grad, 0, model->nparams * sizeof(double));
	if (dX)
		memset(dX, 0, data->T * data->d * sizeof(double));
	st = bt_seq_forward(q, model, data, loss);
	if (st == BT_OK)
		st = bt_seq_backward(q, model, data, grad, dX);
	bt_seq_free(q);
	return st;
}

#endif
