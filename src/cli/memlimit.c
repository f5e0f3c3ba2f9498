/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memlimit.c — the memory limit (BPTT_MAX_MEMORY, by default the memory
 * available) and the checks that stop a command before it allocates more:
 * need_bytes, and need_memory, which adds up what a task holds from the
 * library's _size functions. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "io/numio.h"

/* Where the memory limit comes from, for messages. */
static const char default_limit_source[] = "the memory available; set BPTT_MAX_MEMORY to change it";
static const char *limit_source = default_limit_source;

const char *memory_limit_source(void)
{
	return limit_source;
}

void need_bytes(double bytes, const char *fmt, ...)
{
	double limit = bt_memory_limit();
	if (!(limit > 0) || bytes <= limit)
		return;
	char what[512], need[32], lim[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	bt_format_bytes(bytes, need, sizeof need);
	bt_format_bytes(limit, lim, sizeof lim);
	die("%s: this needs about %s of memory, more than the limit of %s (%s); "
	    "nothing done", what, need, lim, limit_source);
}

/* What a task holds at its largest: the model, the data sets and what the
 * library's computation holds beside them (its _size function), and the
 * command's own buffers. */
static double task_bytes(const bt_cell_type *type, bt_dims dims, size_t T,
			 size_t sets, int task)
{
	double model = bt_model_size(type, dims), data = bt_data_size(dims, T);
	double base = model + (double)(sets ? sets : 1) * data;
	switch (task) {
	case TASK_MODEL:
		return model;
	case TASK_GRADIENT:
		/* the gradient and clipping's copy of it */
		return base + bt_gradient_size(type, dims, T) +
		       2 * bt_gradient_buffers_size(type, dims, T);
	case TASK_CHECK:
		return base + bt_gradcheck_size(type, dims, T);
	case TASK_FLOW:
		return base + bt_seq_size(type, dims, T);
	case TASK_FLOW_LAGS:
		return base + bt_flow_lags_size(type, dims, T);
	case TASK_JACOBIAN:
		return base + bt_jacobian_lags_size(type, dims, T);
	case TASK_SPECTRUM:
		return base + bt_spectrum_size(type, dims, T);
	case TASK_LYAPUNOV:
		return base + bt_lyapunov_size(type, dims);
	case TASK_BIAS:
		return base + bt_bias_size(type, dims, T);
	case TASK_TRAIN:
		/* sets = the minibatch B, whose data bt_train_size counts */
		return model + bt_train_size(type, dims, T, sets);
	}
	return 0;
}

double task_memory(const bt_cell_type *type, bt_dims dims, size_t T,
		   size_t sets, int task)
{
	return type ? task_bytes(type, dims, T, sets, task) + BT_MEMORY_SLACK : 0;
}

void need_plan(task_plan plan, const bt_cell_type *type, bt_dims dims, size_t T)
{
	need_memory(type, dims, T, plan.sets, plan.task);
}

void need_memory(const bt_cell_type *type, bt_dims dims, size_t T,
		 size_t sets, int task)
{
	char sets_s[64] = "";
	if (sets > 1)
		snprintf(sets_s, sizeof sets_s, " x %zu data sets", sets);
	char T_s[96] = "";
	if (T)
		snprintf(T_s, sizeof T_s, ", T=%zu%s", T, sets_s);
	need_bytes(task_memory(type, dims, T, sets, task),
		   "arch %s with d=%zu n=%zu m=%zu (%.0f parameters)%s",
		   bt_cell_name(type), dims.d, dims.n, dims.m,
		   bt_cell_param_count(type, dims), T_s);
}

/* BPTT_MAX_MEMORY: bytes, with K, M, G or T (powers of 1024, optionally
 * followed by B or iB), or "unlimited"; unset: the memory available. */
void set_memory_limit(void)
{
	const char *v = getenv("BPTT_MAX_MEMORY");
	if (!v) {
		bt_set_memory_limit(bt_memory_available());
		return;
	}
	limit_source = "set by BPTT_MAX_MEMORY";
	double x;
	if (bt_numio_parse_size(v, &x) != 0)
		die("BPTT_MAX_MEMORY: %s is not a size (bytes, at least 1, or a number with K, M, G "
		    "or T, e.g. 512M or 4G; or unlimited)", quoted(v));
	bt_set_memory_limit(x);
}

void memlimit_reset(void)
{
	limit_source = default_limit_source;
}
