/* seq_internal.h — the sequence workspace, shared by seq.c and tbptt.c. */
#ifndef BT_SEQ_INTERNAL_H
#define BT_SEQ_INTERNAL_H

#include "cell.h"

struct bt_seq {
	size_t T_max, T;     /* capacity, length of the last forward pass */
	size_t S, C, m;      /* state, cache per step, output sizes */
	double *states;      /* (T_max+1)×S, row 0 is s_0 = 0 */
	double *dstates;     /* (T_max+1)×S, ∂L/∂s_t after a full backward */
	double *cache;       /* T_max×C */
	double *out;         /* T_max×m, ŷ_t */
	double *err;         /* m */
	double *scratch;     /* the cell's scratch */
	double *buf;         /* 2×S, for truncated backward */
};

int bt_seq_readout_backward(bt_seq *q, const bt_model *model,
			    const bt_data *data, size_t t, double *grad,
			    double *dh);

#endif
