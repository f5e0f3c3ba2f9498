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

#endif
