/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli_graph.c — bptt graph: the unrolled computational graph as Graphviz
 * DOT, shaded by the measured gradient when data are given. */
#include <limits.h>
#include <stdio.h>
#include "cli/cli.h"

static const optdef graph_opts[] = {
	{"--model", "FILE", "the model (or build one with --arch and the sizes)"},
	{"--data", "FILE", "measure the gradient on these data: shade each state by |dL/ds_t| (the graph has the data's length)"},
	BUILD_OPTS("build a model: input size (default 4)",
		   "build a model: output size (default 2)",
		   "build a model: W normal or nonnormal with eigenvalues of modulus --radius (see bptt init)",
		   "build a model: strength of the non-normal part (with --structure nonnormal)"),
	{"--length", "T", "without --data: the number of steps drawn, 1 to 200 (default 6)"},
	{"--truncate", "k", "box the windows of k states of truncated BPTT (the last loss term's, and every k-th before it); with --data, shade by the truncated gradient"},
	OUTPUT_OPT("the graph"),
	HELP_OPT_END};

typedef struct {
	const bt_model *m;
	const bt_graph_options *o;
} graph_ctx;

static int graph_writer(FILE *f, const void *ctx)
{
	const graph_ctx *c = ctx;
	return bt_graph_write(f, c->m, c->o);
}

static void free_flow(void *p) { bt_flow_free(p); }

/* The measured norms: full BPTT, or truncated with windows of k. */
static bt_flow_result *measure(const bt_model *m, const bt_data *d, size_t k,
			       bt_graph_options *o)
{
	bt_flow_result *r;
	if (bt_flow_alloc(&r, m, d->T) != BT_OK)
		die("out of memory");
	own_with(r, free_flow);
	numeric_fault_at(bt_flow_lags(m, d, k, 0, r), "graph", m, d, k);
	int trunc = k && k < d->T;
	o->log10_dh = trunc ? r->log10_dh_trunc : r->log10_dh;
	o->log10_dc = trunc ? r->log10_dc_trunc : r->log10_dc;
	o->mask = d->M;
	return r;
}

static int run_graph(const cli_args *args)
{
	bt_graph_options o = {0};
	const char *data = arg_get(args, "--data");
	if (data && arg_get(args, "--length"))
		die_usage("--length: give either --data FILE (its length) or --length T, not both");
	o.T = arg_count(args, "--length", 6, 1, BT_GRAPH_MAX_T);
	o.k = arg_count(args, "--truncate", 0, 1, ULLONG_MAX);
	task_plan plan = data ? (task_plan){TASK_FLOW_LAGS, 1} : PLAN_MODEL;
	bt_model *m = build_model(args, plan);
	bt_data *d = NULL;
	bt_flow_result *r = NULL;
	if (data) {
		d = load_data(args, m);
		if (d->T > BT_GRAPH_MAX_T)
			die("%s: the data have T = %zu steps; a graph draws at most %d "
			    "(give shorter data)", data, d->T, BT_GRAPH_MAX_T);
		need_plan(plan, m->type, m->dims, d->T);
		o.T = d->T;
		r = measure(m, d, o.k, &o);
	}
	graph_ctx c = {m, &o};
	write_out(arg_get(args, "-o"), graph_writer, &c);
	release(r);
	release(d);
	release(m);
	return 0;
}

const command cmd_graph = {"graph", "(--model FILE | --arch NAME [sizes, init options]) [--data FILE | --length T] [--truncate k] [-o FILE [--force]]",
	 "Write the model's computational graph unrolled over T steps as a Graphviz\n"
	 "digraph (DOT; draw it with: dot -Tsvg graph.dot -o graph.svg). Nodes: the\n"
	 "inputs x_t, the state (h_t; the LSTM's c_t beside it; the GRU's candidate as\n"
	 "a small box), the outputs y^_t and the loss terms l_t, for t = 1..T, and the\n"
	 "initial state at t = 0 (dashed). Edges carry the parameters they use (W, U,\n"
	 "V, the gates' matrices); attention's readout adds an edge from every past\n"
	 "input x_j to y^_t. The graph's label gives the step's equations.\n\n"
	 "With --data FILE the gradient is measured on those data (full BPTT, or the\n"
	 "truncated one with --truncate k): each state node shows |dL/ds_t| and is\n"
	 "shaded by it on a log scale, and the recurrent edge into it is drawn wider\n"
	 "and darker; an exact zero is dashed; masked loss terms are grey. With\n"
	 "--truncate k the windows of l_T, l_{T-k}, ... are boxed, and the edge before\n"
	 "each window is dashed: that term's gradient stops there. At most 200 steps.",
	 graph_opts, run_graph};
