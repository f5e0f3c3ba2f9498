/* SPDX-License-Identifier: GPL-3.0-or-later */
/* model.c — models: the flat parameter buffer, its named blocks, and
 * initialisation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_randist.h>
#include "cells/cell.h"
#include "base/alloc.h"

/* OpenBLAS starts one thread per core, and for the small matrices of these
 * models (n in the tens or hundreds, one matrix-vector product at a time)
 * the hand-offs cost far more than they save (docs/speed.md). Unless the
 * user set OPENBLAS_NUM_THREADS, the library asks for one thread when it
 * is loaded. The symbol is weak: with GSL's own CBLAS it is absent and
 * this does nothing. */
extern void openblas_set_num_threads(int) __attribute__((weak));

/* GSL's default error handler aborts the program; the library checks
 * every status GSL returns instead, so it turns the handler off when it is
 * loaded (a program that wants GSL's handler can set it again). */
__attribute__((constructor)) static void bt_library_setup(void)
{
	if (openblas_set_num_threads && !getenv("OPENBLAS_NUM_THREADS"))
		openblas_set_num_threads(1);
	gsl_set_error_handler_off();
}

const char *bt_version(void) { return BT_VERSION; }

const char *bt_strerror(int status)
{
	switch (status) {
	case BT_OK: return "success";
	case BT_EINVAL: return "invalid argument";
	case BT_ENOMEM: return "out of memory";
	case BT_EFORMAT: return "malformed file";
	case BT_EIO: return "input/output error";
	case BT_ENUMERIC: return "non-finite value";
	case BT_ECANCELED: return "cancelled";
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
	m->theta = bt_big_calloc(off, sizeof(double));
	if (!m->theta) {
		free(m);
		return BT_ENOMEM;
	}
	*out = m;
	return BT_OK;
}

double bt_model_size(const bt_cell_type *type, bt_dims dims)
{
	return type ? 8 * bt_cell_param_count(type, dims) : 0;
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
		(*out)->loss = src->loss;
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
	opt->orthogonal = 0;
	opt->scale = 0;
	opt->radius = 0;
	opt->forget_bias = 1.0;
	opt->structure = BT_STRUCTURE_GAUSSIAN;
	opt->nonnormality = 1.0;
}

int bt_model_init(bt_model *model, const bt_init_options *opt)
{
	bt_init_options def;
	if (!opt) {
		bt_init_options_default(&def);
		opt = &def;
	}
	if (!(opt->scale >= 0) || !isfinite(opt->scale) || !(opt->radius >= 0) ||
	    !isfinite(opt->radius) || (opt->scale > 0 && opt->radius > 0) ||
	    !isfinite(opt->forget_bias))
		return BT_EINVAL;
	/* a prescribed spectrum: one W, neither rescaled nor Haar orthogonal */
	if (opt->structure != BT_STRUCTURE_GAUSSIAN &&
	    (opt->structure != BT_STRUCTURE_NORMAL &&
	     opt->structure != BT_STRUCTURE_NONNORMAL))
		return BT_EINVAL;
	if (opt->structure != BT_STRUCTURE_GAUSSIAN &&
	    (!bt_cell_single_w(model->type) || opt->orthogonal || opt->scale > 0))
		return BT_EINVAL;
	if (opt->structure == BT_STRUCTURE_NONNORMAL &&
	    (!(opt->nonnormality >= 0) || !isfinite(opt->nonnormality)))
		return BT_EINVAL;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	if (!rng)
		return BT_ENOMEM;
	gsl_rng_set(rng, opt->seed);
	memset(model->theta, 0, model->nparams * sizeof(double));
	int st = model->type->init(model, rng, opt);
	/* V: Glorot-normal; b_y: zero */
	const bt_block *V = &model->blocks[model->type->nblocks];
	bt_fill_gaussian(model->theta + V->offset, V->rows * V->cols,
			 bt_glorot_sd(model->dims.n, model->dims.m), rng);
	gsl_rng_free(rng);
	return st;
}
