/* SPDX-License-Identifier: GPL-3.0-or-later */
/* grade.h — what the grader's checking part (grade.c) hands to its
 * reporting part (grade_out.c): one report per graded file.
 *
 * The report is filled in a child process that runs the student's code and
 * copied back through shared memory; it holds no pointers that the child
 * could have changed (ex and file are set again by the parent).
 */
#ifndef BT_GRADE_H
#define BT_GRADE_H

#include <stddef.h>
#include "exercise.h"

#define GRADE_MAXB (BT_MAX_BLOCKS + 1)

/* Explanations of a wrong block; a hint is one that held every time. */
enum {
	H_ZERO = 1u << 0,       /* nothing added */
	H_OVERWRITE = 1u << 1,  /* = instead of += */
	H_SIGN = 1u << 2,
	H_TRANSPOSE = 1u << 3,
	H_FACTOR = 1u << 4,     /* a constant factor */
	H_NO_C = 1u << 5,       /* δc_t (the c part of ds) ignored */
	H_NO_H = 1u << 6,       /* δh_t ignored */
	H_DIRECT = 1u << 7,     /* the path without a matrix left out */
	H_ROWS = 1u << 8,       /* each row off by its own factor */
	H_COLS = 1u << 9,       /* each column off by its own factor */
	H_FULL = 1u << 10,      /* tbptt: no truncation */
	H_SHORT = 1u << 11,     /* tbptt: window k − 1 */
	H_LONG = 1u << 12,      /* tbptt: window k + 1 */
	H_CHUNK = 1u << 13,     /* tbptt: chunked windows */
	H_STRIDE = 1u << 14,    /* written with another block's row stride */
	H_SPILL = 1u << 15,     /* another block's wrong stride wrote here */
	H_RESET = 1u << 16,     /* GRU: r ⊙ δ(r ⊙ h) left out of δh_{t-1} */
	H_NO_F = 1u << 17,      /* LSTM: δc_{t-1} without the factor f_t */
	H_NAN = 1u << 18,       /* a NaN or an infinity */
	H_HALF = 1u << 19       /* orthogonal: ∂L/∂S where ∂L/∂A belongs */
};

typedef struct {
	int wrong;                   /* differed at least once */
	unsigned bits;               /* the H_* that held every time */
	unsigned long long like;     /* blocks whose gradient it equalled */
	unsigned long long path;     /* blocks whose path it left out */
	unsigned long long tpath;    /* blocks it used transposed */
	double factor;
	size_t spill_from;           /* H_SPILL, H_STRIDE: the block */
} diag;

typedef struct {
	char name[16];
	double max_rel;              /* the sequence check's */
	int ok;                      /* the whole-sequence gradient agrees */
	diag step;                   /* one step: wrong when diag.wrong */
	int nan;                     /* 1: non-finite first here, 2: carried in */
} gblock;

enum { MODE_DERIVE, MODE_GUIDED };
enum { FMT_TEXT, FMT_GRADESCOPE, FMT_JUNIT };

typedef struct {
	const char *ex, *file;       /* set by the parent */
	int mode, hints, format;
	size_t nb;                   /* graded blocks: the cell's, then X */
	gblock b[GRADE_MAXB];
	size_t ncell;                /* the cell's blocks (names for like/path) */
	int local;                   /* one-step points are given (cell exercises) */
	size_t nlocal;               /* blocks 0 … nlocal − 1 have a one-step part */
	size_t nstate;               /* δh_{t-1}, δc_{t-1} graded on one step */
	int forward_changed;
	int has_c;                   /* the state is [h; c] */
	diag state[3];               /* δh_{t-1}, then δc_{t-1} (LSTM) or the
					attention's δh_t and δX (attention) */
	int null_differs;            /* other gradients with ds_prev = dx = NULL */
	int misuse;                  /* tbptt: a callback called out of range */
	char note[256];              /* tbptt: that call */
	char nan_item[16];           /* where the first non-finite value appeared */
	size_t nan_step, nan_T;      /* its step (0: one step from a random state) */
	char crash[600];             /* the student's code crashed, hung, exited */
} report;

/* grade_out.c */
void grade_print(const report *rep);
int grade_save(const report *rep, const char *path);
size_t grade_points(const report *rep, size_t *max);
const char *grade_default_result(const report *rep, char *buf, size_t len);

#endif /* BT_GRADE_H */
