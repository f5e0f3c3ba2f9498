/* SPDX-License-Identifier: GPL-3.0-or-later */
/* data.c — input, target and mask sequences. */
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "bt.h"
#include "base/alloc.h"

int bt_data_alloc(bt_data **out, size_t T, size_t d, size_t m, int with_mask)
{
	*out = NULL;
	if (T < 1 || d < 1 || m < 1 || T > (size_t)BT_MAX_T ||
	    d > (size_t)BT_MAX_DIM || m > (size_t)BT_MAX_DIM)
		return BT_EINVAL;
	bt_data *data = calloc(1, sizeof *data);
	if (!data)
		return BT_ENOMEM;
	data->T = T;
	data->d = d;
	data->m = m;
	data->X = bt_big_calloc(T * d, sizeof(double));
	data->Y = bt_big_calloc(T * m, sizeof(double));
	if (with_mask) {
		data->M = malloc(T * sizeof(double));
		if (data->M)
			for (size_t t = 0; t < T; t++)
				data->M[t] = 1.0;
	}
	if (!data->X || !data->Y || (with_mask && !data->M)) {
		bt_data_free(data);
		return BT_ENOMEM;
	}
	*out = data;
	return BT_OK;
}

double bt_data_size(bt_dims dims, size_t T)
{
	return 8.0 * (double)T * ((double)dims.d + (double)dims.m + 1);
}

void bt_data_free(bt_data *data)
{
	if (!data)
		return;
	free(data->X);
	free(data->Y);
	free(data->M);
	free(data);
}

int bt_data_copy(bt_data **out, const bt_data *src)
{
	int st = bt_data_alloc(out, src->T, src->d, src->m, src->M != NULL);
	if (st != BT_OK)
		return st;
	memcpy((*out)->X, src->X, src->T * src->d * sizeof(double));
	memcpy((*out)->Y, src->Y, src->T * src->m * sizeof(double));
	if (src->M)
		memcpy((*out)->M, src->M, src->T * sizeof(double));
	return BT_OK;
}

int bt_data_check(const bt_model *model, const bt_data *data)
{
	if (!model || !data || data->d != model->dims.d ||
	    data->m != model->dims.m || data->T < 1)
		return BT_EINVAL;
	return BT_OK;
}

/* SplitMix64's finaliser (Steele, Lea and Flood 2014). */
static unsigned long long mix64(unsigned long long x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

unsigned long bt_seed_stream(unsigned long seed, int what, size_t i, size_t j)
{
	unsigned long long x = mix64((unsigned long long)seed);
	x = mix64(x ^ (unsigned long long)what);
	x = mix64(x ^ (unsigned long long)i);
	x = mix64(x ^ (unsigned long long)j);
	return (unsigned long)x;
}

int bt_data_random(bt_data *data, unsigned long seed)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, seed);
	for (size_t i = 0; i < data->T * data->d; i++)
		data->X[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
	for (size_t i = 0; i < data->T * data->m; i++)
		data->Y[i] = gsl_ran_gaussian_ziggurat(rng, 1.0);
	gsl_rng_free(rng);
	return BT_OK;
}
