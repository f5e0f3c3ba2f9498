/* SPDX-License-Identifier: GPL-3.0-or-later */
/* registry.c — architecture name → record. One line per architecture. */
#include <string.h>
#include "cells/cell.h"

static const bt_cell_type *const registry[] = {
	&bt_cell_rnn,
	&bt_cell_linear,
	&bt_cell_residual,
	&bt_cell_orthogonal,
	&bt_cell_gru,
	&bt_cell_lstm,
	&bt_cell_attention,
};

#define NCELLS (sizeof registry / sizeof registry[0])

size_t bt_cell_count(void) { return NCELLS; }

const bt_cell_type *bt_cell_at(size_t i)
{
	return i < NCELLS ? registry[i] : NULL;
}

const bt_cell_type *bt_cell_lookup(const char *name)
{
	for (size_t i = 0; name && i < NCELLS; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const char *bt_cell_name(const bt_cell_type *type) { return type->name; }
int bt_cell_has_activation(const bt_cell_type *type) { return type->has_activation; }
const char *bt_cell_summary(const bt_cell_type *type) { return type->summary; }
int bt_cell_takes_scale(const bt_cell_type *type) { return !type->fixed_norm; }
int bt_cell_geometric(const bt_cell_type *type)
{
	return type->bound == BT_BOUND_POWER && type->recurrent && !type->fixed_norm &&
	       !type->readout_forward;
}

double bt_cell_param_count(const bt_cell_type *type, bt_dims dims)
{
	bt_block blocks[BT_MAX_BLOCKS];
	type->layout(&dims, blocks);
	double total = (double)dims.m * ((double)dims.n + 1);
	for (size_t i = 0; i < type->nblocks; i++)
		total += (double)blocks[i].rows * (double)blocks[i].cols;
	return total;
}
