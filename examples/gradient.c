/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gradient.c — using the bptt library from C: build (or load) a model,
 * compute its exact BPTT gradient, check it against finite differences,
 * and measure how Jacobian products vanish over the lags.
 *
 *     cc gradient.c $(pkg-config --cflags --libs bptt) -o gradient
 *     ./gradient [model.txt data.txt]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "bt.h"

int main(int argc, char **argv)
{
	bt_model *model = NULL;
	bt_data *data = NULL;
	bt_error err;
	int st;

	if (argc == 3) {
		/* files in the bptt text format (bptt init / bptt data write them) */
		if (bt_model_read(&model, argv[1], &err) != BT_OK ||
		    bt_data_read(&data, argv[2], &err) != BT_OK) {
			fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg);
			return 2;
		}
	} else {
		/* a GRU with d = 3 inputs, n = 8 hidden units, m = 2 outputs */
		bt_dims dims = {3, 8, 2};
		bt_init_options opt;
		bt_init_options_default(&opt);
		opt.seed = 42;
		if ((st = bt_model_alloc(&model, bt_cell_lookup("gru"), dims, BT_ACT_TANH)) != BT_OK ||
		    (st = bt_model_init(model, &opt)) != BT_OK ||
		    (st = bt_data_alloc(&data, 50, 3, 2, 0)) != BT_OK ||
		    (st = bt_data_random(data, 7)) != BT_OK) {
			fprintf(stderr, "setup: %s\n", bt_strerror(st));
			return 2;
		}
	}
	if (bt_data_check(model, data) != BT_OK) {
		fprintf(stderr, "the data does not fit the model\n");
		return 2;
	}

	/* the loss and ∂L/∂θ (same flat layout as model->theta) and ∂L/∂x_t */
	double loss;
	double *grad = malloc(model->nparams * sizeof(double));
	double *dX = malloc(data->T * data->d * sizeof(double));
	if (!grad || !dX || (st = bt_gradient(model, data, 0, &loss, grad, dX)) != BT_OK) {
		fprintf(stderr, "gradient: %s\n", bt_strerror(grad && dX ? st : BT_ENOMEM));
		return 2;
	}
	printf("%s model, %zu parameters, T = %zu, loss %.6f\n",
	       bt_cell_name(model->type), model->nparams, data->T, loss);
	for (size_t b = 0; b < model->nblocks; b++) {
		const bt_block *blk = &model->blocks[b];
		double ss = 0;
		for (size_t i = 0; i < blk->rows * blk->cols; i++)
			ss += grad[blk->offset + i] * grad[blk->offset + i];
		printf("  |dL/d%-4s| = %.6g\n", blk->name, ss > 0 ? sqrt(ss) : 0.0);
	}

	/* the finite-difference check, block by block */
	bt_check_options copt;
	bt_check_options_default(&copt);
	bt_check_result res;
	if ((st = bt_gradcheck(model, data, &copt, &res)) != BT_OK) {
		fprintf(stderr, "check: %s\n", bt_strerror(st));
		return 2;
	}
	for (size_t b = 0; b < res.nblocks; b++)
		printf("  check %-4s max rel error %.2g  %s\n", res.blocks[b].name,
		       res.blocks[b].max_rel, res.blocks[b].ok ? "ok" : "DISAGREE");

	/* how fast ∂s_T/∂s_{T−τ} shrinks: log10 of its 2-norm at a few lags */
	bt_jacobian_result *jac;
	if ((st = bt_jacobian_alloc(&jac, data->T)) != BT_OK ||
	    (st = bt_jacobian_lags(model, data, jac)) != BT_OK) {
		fprintf(stderr, "jacobian: %s\n", bt_strerror(st));
		return 2;
	}
	for (size_t tau = 1; tau <= data->T; tau *= 2)
		printf("  lag %3zu: log10 |ds_T/ds_{T-tau}|_2 = %8.3f\n", tau,
		       jac->log10_norm2[tau - 1]);

	bt_jacobian_free(jac);
	free(grad);
	free(dX);
	bt_model_free(model);
	bt_data_free(data);
	return res.ok ? 0 : 1;
}
