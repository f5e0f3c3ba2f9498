/* model.c — models: the flat parameter buffer, its named blocks, and
 * initialisation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "cell.h"

const char *bt_strerror(int status)
{
	switch (status) {
	case BT_OK: return "success";
	case BT_EINVAL: return "invalid argument";
	case BT_ENOMEM: return "out of memory";
	case BT_EFORMAT: return "malformed file";
	case BT_EIO: return "input/output error";
	case BT_ENUMERIC: return "non-finite value";
	}
	return "unknown error";
}

static int dims_ok(bt_dims d)
{
	return d.d >= 1 && d.n >= 1 && d.m >= 1 && d.d <= BT_MAX_DIM &&
	       d.n <= BT_MAX_DIM && d.m <= BT_MAX_DIM;
}

int bt_model_alloc(bt_model **out, const bt_cell_type *type, bt_dims dims,
		   bt_activation activation)
{
	*out = NULL;
	if (!type || !dims_ok(dims) || (unsigned)activation > BT_ACT_IDENTITY)
		return BT_EINVAL;
	if (!type->has_activation && activation != BT_ACT_TANH)
		return BT_EINVAL;
	if (type->nblocks + 2 > BT_MAX_BLOCKS)
		return BT_EINVAL;
	bt_model *m = calloc(1, sizeof *m);
	if (!m)
		return BT_ENOMEM;
	m->type = type;
	m->dims = dims;
	m->activation = activation;
	m->state_size = type->state_size(&dims);
	type->layout(&dims, m->blocks);
	m->nblocks = type->nblocks + 2;
	/* the readout: ŷ_t = V h_t + b_y */
	m->blocks[type->nblocks] = (bt_block){"V", dims.m, dims.n, 0};
	m->blocks[type->nblocks + 1] = (bt_block){"b_y", dims.m, 1, 0};
	size_t off = 0;
	for (size_t i = 0; i < m->nblocks; i++) {
		m->blocks[i].offset = off;
		off += m->blocks[i].rows * m->blocks[i].cols;
	}
	m->nparams = off;
	m->theta = calloc(off, sizeof(double));
	if (!m->theta) {
		free(m);
		return BT_ENOMEM;
	}
	*out = m;
	return BT_OK;
}

void bt_model_free(bt_model *model)
{
	if (!model)
		return;
	free(model->theta);
	free(model);
}

int bt_model_copy(bt_model **out, const bt_model *src)
{
	int st = bt_model_alloc(out, src->type, src->dims, src->activation);
	if (st == BT_OK)
		memcpy((*out)->theta, src->theta, src->nparams * sizeof(double));
	return st;
}

int bt_model_find_block(const bt_model *model, const char *name)
{
	for (size_t i = 0; i < model->nblocks; i++)
		if (strcmp(model->blocks[i].name, name) == 0)
			return (int)i;
	return -1;
}

gsl_matrix_view bt_block_view(const bt_model *model, double *base, size_t i)
{
	const bt_block *b = &model->blocks[i];
	return gsl_matrix_view_array(base + b->offset, b->rows, b->cols);
}

_gsl_matrix_const_view bt_block_const_view(const bt_model *model,
					  const double *base, size_t i)
{
	const bt_block *b = &model->blocks[i];
	return gsl_matrix_const_view_array(base + b->offset, b->rows, b->cols);
}

void bt_init_options_default(bt_init_options *opt)
{
	opt->seed = BT_DEFAULT_SEED;
	opt->scale = 1.0;
}

void bt_fill_gaussian(double *p, size_t count, double sd, gsl_rng *rng)
{
	for (size_t i = 0; i < count; i++)
		p[i] = gsl_ran_gaussian_ziggurat(rng, sd);
}

double bt_glorot_sd(size_t fan_in, size_t fan_out)
{
	return sqrt(2.0 / (double)(fan_in + fan_out));
}

int bt_model_init(bt_model *model, const bt_init_options *opt)
{
	bt_init_options def;
	if (!opt) {
		bt_init_options_default(&def);
		opt = &def;
	}
	if (!(opt->scale >= 0) || !isfinite(opt->scale))
		return BT_EINVAL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, opt->seed);
	memset(model->theta, 0, model->nparams * sizeof(double));
	model->type->init(model, rng, opt);
	/* V: Glorot-normal; b_y: zero */
	const bt_block *V = &model->blocks[model->type->nblocks];
	bt_fill_gaussian(model->theta + V->offset, V->rows * V->cols,
			 bt_glorot_sd(model->dims.n, model->dims.m), rng);
	gsl_rng_free(rng);
	return BT_OK;
}
