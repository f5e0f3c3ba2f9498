/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_model.c — bptt init and bptt data: new models and random data. */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_randist.h>
#include "cli/cli.h"

/* ---- bptt init -------------------------------------------------------- */

static const optdef init_opts[] = {
	{"--arch", "NAME", "architecture (see the list below)"},
	{"--input", "d", "input size"},
	{"--hidden", "n", "hidden size"},
	{"--output", "m", "output size"},
	{"--seed", "S", "random seed (default 20140901); same seed, same bytes"},
	{"--activation", "F", "tanh (default), relu, sigmoid or identity; rnn and residual only"},
	{"--scale", "G", "rescale every recurrent matrix so that its largest singular value s_max is exactly G"},
	{"--radius", "R", "rescale every recurrent matrix so that its spectral radius is exactly R (not with --scale)"},
	{"--orthogonal", NULL, "recurrent matrices Haar-random orthogonal (QR of a Gaussian matrix, sign-fixed) instead of N(0, 1/n)"},
	{"--forget-bias", "B", "lstm: initial forget-gate bias b_f (default 1)"},
	{"--structure", "S", "normal or nonnormal: W = Q (B + c N) Q^T with every eigenvalue of modulus R (--radius, default 1); rnn, linear, residual, attention"},
	{"--nonnormality", "c", "--structure nonnormal: strength c >= 0 of the strict upper part N (default 1)"},
	{"--loss", "NAME", "squared (default: 1/2 |yhat - y|^2 per step) or cross-entropy (of softmax(yhat) against a target distribution y, e.g. one-hot); written to the model file when not squared"},
	OUTPUT_OPT("the model"),
	HELP_OPT_END};

static int run_init(const cli_args *args)
{
	bt_model *m = model_from_options(args, 1);
	write_out(arg_get(args, "-o"), model_writer, m);
	release(m);
	return 0;
}

const command cmd_init = {"init", "--arch NAME --input d --hidden n --output m [--seed S] [--activation F]\n"
	 "                 [--scale G | --radius R] [--orthogonal] [--forget-bias B]\n"
	 "                 [--structure normal|nonnormal [--nonnormality c]]\n"
	 "                 [--loss squared|cross-entropy] [-o FILE [--force]]",
	 "Write a new model with random parameters: recurrent matrices N(0, 1/n)\n"
	 "(spectral radius about 1) or Haar orthogonal, optionally rescaled to an\n"
	 "exact largest singular value (--scale) or spectral radius (--radius);\n"
	 "input and output matrices Glorot-normal N(0, 2/(fan_in + fan_out));\n"
	 "biases zero, except the LSTM's forget bias.\n\n"
	 "--structure builds W with a prescribed spectrum instead (architectures with\n"
	 "a single W): W = Q (B + c N) Q^T, Q Haar orthogonal, B block diagonal with\n"
	 "2x2 blocks R(cos th, -sin th; sin th, cos th) (angles th uniform in [0, pi)\n"
	 "from the seed; for odd n one real eigenvalue +-R), N ones strictly above\n"
	 "B's blocks. 'normal' has c = 0: |W^t|_2 = R^t. 'nonnormal' has c =\n"
	 "--nonnormality: the same eigenvalues (same seed, same Q and angles), but\n"
	 "|W^t|_2 can grow for a while although R < 1; its departure from normality\n"
	 "is c*sqrt(number of ones in N). See bptt spectrum.",
	 init_opts, run_init};

/* ---- bptt data ----------------------------------------------------------- */

static const optdef data_opts[] = {
	{"--input", "d", "input size"},
	{"--output", "m", "output size"},
	{"--length", "T", "sequence length"},
	{"--seed", "S", "random seed (default 20140901)"},
	{"--mask", NULL, "add a loss mask M: each step counts with probability 3/4"},
	OUTPUT_OPT("the data"),
	HELP_OPT_END};

static int run_data(const cli_args *args)
{
	arg_need(args, "--input");
	arg_need(args, "--output");
	arg_need(args, "--length");
	size_t d = arg_count(args, "--input", 0, 1, BT_MAX_DIM);
	size_t m = arg_count(args, "--output", 0, 1, BT_MAX_DIM);
	size_t T = arg_count(args, "--length", 0, 1, BT_MAX_T);
	unsigned long seed = arg_count(args, "--seed", BT_DEFAULT_SEED, 0, ULONG_MAX);
	if ((double)T * (double)(d + m + 1) > (double)BT_MAX_NUMBERS)
		die("--length %zu with d = %zu and m = %zu: more than 10^9 numbers", T, d, m);
	need_bytes(8.0 * (double)T * (double)(d + m + 1), "data of T=%zu steps with d=%zu, m=%zu", T, d, m);
	bt_data *data;
	int mask = arg_get(args, "--mask") != NULL;
	if (bt_data_alloc(&data, T, d, m, mask) != BT_OK)
		die("cannot allocate %zu×(%zu+%zu) numbers", T, d, m);
	own_data(data);
	bt_data_random(data, seed);
	if (mask) {
		gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng_set(r, bt_seed_stream(seed, BT_STREAM_MASK, 0, 0));
		for (size_t t = 0; t < T; t++)
			data->M[t] = gsl_rng_uniform(r) < 0.75 ? 1.0 : 0.0;
		gsl_rng_free(r);
	}
	write_out(arg_get(args, "-o"), data_writer, data);
	release(data);
	return 0;
}

const command cmd_data = {"data", "--input d --output m --length T [--seed S] [--mask] [-o FILE [--force]]",
	 "Write random data: x_t and y_t i.i.d. N(0, 1).",
	 data_opts, run_data};
