/* SPDX-License-Identifier: GPL-3.0-or-later */
/* graph.c — the unrolled computational graph as Graphviz DOT.
 *
 * Rows from the bottom: x_t, the state's nodes (and intermediate values
 * such as the GRU's candidate), ŷ_t, ℓ_t; one column per step t = 1 … T,
 * and column 0 with the initial state s_0 = 0 only (dashed). Each row is
 * one rank (newrank: the truncation windows' boxes may cut across them),
 * kept in the order of time by a chain of invisible edges (and no second
 * pass of dot's crossing minimisation, which undid it inside the boxes). Intermediate
 * values (the GRU's candidate) sit in the row of h_t, between h_{t−1} and
 * h_t, so that the path through them and the one around them show side by
 * side.
 *
 * The architecture's step comes from its record (bt_cell_graph in
 * cells/cell.h); records without one are drawn as the affine family,
 * h_{t−1} → W → h_t ← U ← x_t.
 *
 * With measured norms, v = log10‖δ‖ of each state node is mapped linearly
 * from the smallest finite value over all nodes (q = 0, white) to the
 * largest (q = 1, dark blue); an exact zero is white, dashed and labelled
 * 0. The recurrent edges into a node, along which that gradient flows
 * back, take its colour and a width of 1 + 3q. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cells/cell.h"

static const bt_graph_node affine_nodes[] = {{"h", "<i>h</i>", 0}};
static const bt_graph_edge affine_edges[] = {
	{"h", 1, "h", "<i>W</i>"},
	{"x", 0, "h", "<i>U</i>"},
};
static const bt_cell_graph affine_graph = {1, 2, affine_nodes, affine_edges,
					   NULL, NULL, NULL};

typedef struct {
	FILE *f;
	const bt_model *m;
	const bt_cell_graph *g;
	const bt_graph_options *o;
	size_t T, k;          /* k = 0: no truncation */
	double lo, hi;        /* the finite range of the norms */
} gctx;

/* log10 of the gradient's norm at a node of step t; NAN where nothing is
 * measured (no norms, an intermediate node, s_0). */
static double value(const gctx *c, int part, size_t t)
{
	if (!c->o->log10_dh || part < 0 || t < 1)
		return NAN;
	const double *v = part == 0 ? c->o->log10_dh : c->o->log10_dc;
	return v ? v[t - 1] : NAN;
}

/* Its place on the scale, 0 … 1; NAN for none, −1 for an exact zero. */
static double frac(const gctx *c, double v)
{
	if (isnan(v))
		return NAN;
	if (v == -INFINITY)
		return -1;
	if (!(c->hi > c->lo))
		return 1;
	return (v - c->lo) / (c->hi - c->lo);
}

/* The colour at q on the ramp white → #08306b. */
static void colour(FILE *f, double q)
{
	static const int dark[3] = {0x08, 0x30, 0x6b};
	fputc('#', f);
	for (int i = 0; i < 3; i++)
		fprintf(f, "%02x", (int)lround(255 + q * (dark[i] - 255)));
}

/* 10^v with a true minus sign, as HTML text. */
static void power(FILE *f, double v)
{
	char s[32];
	snprintf(s, sizeof s, "%.1f", fabs(v));
	fprintf(f, "10<sup>%s%s</sup>", v < 0 && strcmp(s, "0.0") ? "−" : "", s);
}

/* The finite range of the norms over every state node. */
static void range(gctx *c)
{
	c->lo = INFINITY;
	c->hi = -INFINITY;
	for (size_t i = 0; i < c->g->nnodes; i++)
		for (size_t t = 1; t <= c->T; t++) {
			double v = value(c, c->g->nodes[i].part, t);
			if (isfinite(v)) {
				c->lo = fmin(c->lo, v);
				c->hi = fmax(c->hi, v);
			}
		}
}

static void state_node(const gctx *c, const bt_graph_node *nd, size_t t)
{
	FILE *f = c->f;
	double v = value(c, nd->part, t), q = frac(c, v);
	fprintf(f, "\t%s%zu [group=t%zu, label=<", nd->id, t, t);
	if (!isnan(q))
		fputs("<table border=\"0\" cellpadding=\"0\" cellspacing=\"0\"><tr><td>", f);
	fprintf(f, "%s<sub>%zu</sub>", nd->label, t);
	if (!isnan(q)) {
		fputs("</td></tr><tr><td><font point-size=\"9\">", f);
		if (q >= 0)
			power(f, v);
		else
			fputs("0", f);
		fputs("</font></td></tr></table>", f);
	}
	fputc('>', f);
	if (nd->part < 0)
		fputs(", shape=box, style=rounded, width=0.4, height=0.3", f);
	if (t == 0)
		fputs(", style=dashed, tooltip=\"the initial state, 0\"", f);
	if (q == -1)
		fputs(", style=dashed, tooltip=\"exactly zero\"", f);
	if (q >= 0) {
		fputs(", style=filled, fillcolor=\"", f);
		colour(f, q);
		fprintf(f, "\", fontcolor=\"%s\"", q > 0.55 ? "white" : "black");
	}
	fputs("];\n", f);
}

/* Does the window of a boxed loss term start at step a (a ≥ 2)? The boxed
 * terms are ℓ_T, ℓ_{T−k}, …; that of ℓ_t starts at t − k + 1. */
static int window_starts(const gctx *c, size_t a)
{
	return c->k && a >= 2 && a <= c->T && (c->T - a + 1) % c->k == 0;
}

static const bt_graph_node *node_by_id(const gctx *c, const char *id)
{
	for (size_t i = 0; i < c->g->nnodes; i++)
		if (!strcmp(c->g->nodes[i].id, id))
			return &c->g->nodes[i];
	return NULL;
}

/* The row an end of an edge is drawn in, from the bottom: x_t 0, then
 * the state's other parts (the LSTM's c_t 1), then h_t with the
 * intermediate values. */
static int row_of(const gctx *c, const char *id)
{
	if (!strcmp(id, "x"))
		return 0;
	const bt_graph_node *nd = node_by_id(c, id);
	if (nd && nd->part >= 1)
		return nd->part;
	int top = 0;
	for (size_t i = 0; i < c->g->nnodes; i++)
		top = c->g->nodes[i].part > top ? c->g->nodes[i].part : top;
	return top + 1;
}

/* The edge e into step t. One that runs down a row (h_{t−1} → c_t) is
 * written upwards with its arrow reversed, so that every edge agrees
 * with the order of the rows. */
static void step_edge(const gctx *c, const bt_graph_edge *e, size_t t)
{
	FILE *f = c->f;
	size_t tf = e->prev ? t - 1 : t;
	if (row_of(c, e->from) > row_of(c, e->to))
		fprintf(f, "\t%s%zu -> %s%zu [dir=back, label=<%s>", e->to, t,
			e->from, tf, e->label);
	else
		fprintf(f, "\t%s%zu -> %s%zu [label=<%s>", e->from, tf, e->to,
			t, e->label);
	const bt_graph_node *head = node_by_id(c, e->to);
	double q = frac(c, value(c, head && e->prev ? head->part : -1, t));
	if (q >= 0) {
		fprintf(f, ", penwidth=%.2f, color=\"", 1 + 3 * q);
		colour(f, 0.25 + 0.75 * q);
		fputc('"', f);
	} else if (q == -1)
		fputs(", color=\"#999999\"", f);
	if (e->prev && window_starts(c, t))
		fputs(", style=dashed", f);
	fputs("];\n", f);
}

/* Column t: x_t, the step's nodes, ŷ_t and ℓ_t, and the edges into them.
 * Column 0 holds the initial state only. */
static void step(const gctx *c, size_t t)
{
	FILE *f = c->f;
	const bt_cell_graph *g = c->g;
	for (size_t i = 0; i < g->nnodes; i++)
		if (t > 0 || g->nodes[i].part >= 0)
			state_node(c, &g->nodes[i], t);
	if (t == 0)
		return;
	fprintf(f, "\tx%zu [group=t%zu, label=<<i>x</i><sub>%zu</sub>>, shape=box];\n", t, t, t);
	for (size_t i = 0; i < g->nedges; i++)
		step_edge(c, &g->edges[i], t);
	int off = c->o->mask && c->o->mask[t - 1] == 0;
	fprintf(f, "\ty%zu [group=t%zu, label=<ŷ<sub>%zu</sub>>];\n", t, t, t);
	fprintf(f, "\tl%zu [group=t%zu, label=<ℓ<sub>%zu</sub>>, shape=box%s];\n", t, t, t,
		off ? ", style=dashed, color=\"#999999\", fontcolor=\"#999999\"" : "");
	fprintf(f, "\t%s%zu -> y%zu [label=<<i>V</i>>];\n", g->nodes[0].id, t, t);
	fprintf(f, "\ty%zu -> l%zu%s;\n", t, t,
		off ? " [style=dashed, color=\"#999999\"]" : "");
}

/* One row: its nodes on one rank, kept in the order of time by a chain of
 * invisible edges. first: 0 for a row that starts with s_0. */
static void row(const gctx *c, const char *id, size_t first)
{
	FILE *f = c->f;
	fputs("\t{rank=same;", f);
	for (size_t t = first; t <= c->T; t++)
		fprintf(f, " %s%zu;", id, t);
	fputs("}\n", f);
	for (size_t t = first; t < c->T; t++)
		fprintf(f, "\t%s%zu -> %s%zu [style=invis];\n", id, t, id, t + 1);
}

/* The state row of h_t also holds the intermediate values, each between
 * s_{t−1} and s_t: h_0, h̃_1, h_1, h̃_2, … */
static void state_row(const gctx *c)
{
	FILE *f = c->f;
	const bt_cell_graph *g = c->g;
	fprintf(f, "\t{rank=same; %s0;", g->nodes[0].id);
	for (size_t t = 1; t <= c->T; t++)
		for (size_t i = 0; i < g->nnodes; i++)
			if (g->nodes[i].part < 0 || i == 0)
				fprintf(f, " %s%zu;", g->nodes[i].id, t);
	fputs("}\n", f);
	/* the chain h_{t−1} → (the intermediates of step t) → h_t */
	for (size_t t = 1; t <= c->T; t++) {
		const char *last = g->nodes[0].id;
		size_t lt = t - 1;
		for (size_t i = 1; i <= g->nnodes; i++) {
			size_t j = i % g->nnodes;   /* the intermediates, then h */
			if (j && g->nodes[j].part >= 0)
				continue;
			fprintf(f, "\t%s%zu -> %s%zu [style=invis];\n", last, lt,
				g->nodes[j].id, t);
			last = g->nodes[j].id;
			lt = t;
		}
	}
}

static void rows(const gctx *c)
{
	row(c, "x", 1);
	state_row(c);
	for (size_t i = 1; i < c->g->nnodes; i++)
		if (c->g->nodes[i].part >= 0)
			row(c, c->g->nodes[i].id, 0);
	row(c, "y", 1);
	row(c, "l", 1);
}

/* Attention: x_j → ŷ_t for every j ≤ t (straight lines: routed around
 * the nodes they loop wide; the legend names their parameters). */
static void direct_edges(const gctx *c)
{
	for (size_t t = 1; t <= c->T; t++)
		for (size_t j = 1; j <= t; j++) {
			fprintf(c->f, "\tx%zu -> y%zu [color=\"#d95f02\", constraint=false];\n", j, t);
		}
}

/* A box around the state nodes of each window: ℓ_T's, ℓ_{T−k}'s, …; and
 * an invisible one around s_0, which keeps it at the left of the others. */
static void windows(const gctx *c)
{
	fputs("\tsubgraph cluster_s0 {\n\t\tlabel=\"\"; peripheries=0;\n\t\t", c->f);
	for (size_t i = 0; i < c->g->nnodes; i++)
		if (c->g->nodes[i].part >= 0)
			fprintf(c->f, "%s0; ", c->g->nodes[i].id);
	fputs("\n\t}\n", c->f);
	for (size_t te = c->T; te >= 1; te = te > c->k ? te - c->k : 0) {
		size_t ts = te >= c->k ? te - c->k + 1 : 1;
		fprintf(c->f, "\tsubgraph cluster_w%zu {\n\t\tlabel=<window of ℓ<sub>%zu</sub>>;"
			" style=\"rounded,dashed\"; color=\"#d95f02\"; fontcolor=\"#d95f02\";\n\t\t", te, te);
		for (size_t t = ts; t <= te; t++)
			for (size_t i = 0; i < c->g->nnodes; i++)
				fprintf(c->f, "%s%zu; ", c->g->nodes[i].id, t);
		fputs("\n\t}\n", c->f);
	}
}

/* The graph's title and key, at the top. */
static void legend(const gctx *c)
{
	FILE *f = c->f;
	const bt_model *m = c->m;
	const char *br = "<br align=\"left\"/>";
	fprintf(f, "\tlabel=<<b>%s", bt_cell_name(m->type));
	if (bt_cell_has_activation(m->type))
		fprintf(f, " (%s)", bt_activation_name(m->activation));
	fprintf(f, "</b>, n = %zu: the graph unrolled over T = %zu steps%s", m->dims.n, c->T, br);
	if (c->g->equations)
		fprintf(f, "%s%s", c->g->equations, br);
	else if (bt_cell_has_activation(m->type))
		fprintf(f, "h<sub>t</sub> = φ(<i>W</i> h<sub>t−1</sub> + <i>U</i> x<sub>t</sub> + b), φ = %s%s",
			bt_activation_name(m->activation), br);
	else
		fprintf(f, "h<sub>t</sub> = <i>W</i> h<sub>t−1</sub> + <i>U</i> x<sub>t</sub> + b%s", br);
	fprintf(f, "%s, ℓ<sub>t</sub> = μ<sub>t</sub> · loss(ŷ<sub>t</sub>, y<sub>t</sub>)%s",
		c->g->readout ? c->g->readout : "ŷ<sub>t</sub> = <i>V</i> h<sub>t</sub> + b<sub>y</sub>", br);
	if (c->o->log10_dh && c->lo <= c->hi) {
		fputs("shade and width: ", f);
		size_t parts = 0;
		for (size_t i = 0; i < c->g->nnodes; i++)
			if (c->g->nodes[i].part >= 0 && (c->g->nodes[i].part == 0 || c->o->log10_dc))
				fprintf(f, "%s‖∂L/∂%s<sub>t</sub>‖", parts++ ? " and " : "",
					c->g->nodes[i].label);
		if (parts > 1)
			fputs(", the parts of ∂L/∂s<sub>t</sub> for the state s<sub>t</sub> that step t + 1 reads", f);
		fprintf(f, "%s, log scale, ", c->k ? ", as truncated BPTT computes them" : "");
		power(f, c->lo);
		fputs(" (white) to ", f);
		power(f, c->hi);
		fprintf(f, " (dark)%s", br);
	}
	if (c->k) {
		fprintf(f, "every ℓ<sub>t</sub> sends its gradient back through its last k = %zu states only;%s"
			"boxes: the windows of ", c->k, br);
		size_t shown = 0;
		for (size_t te = c->T; te >= 1 && shown < 4; te = te > c->k ? te - c->k : 0)
			fprintf(f, "%sℓ<sub>%zu</sub>", shown++ ? ", " : "", te);
		fprintf(f, "%s; dashed: where the boxed term's gradient stops%s",
			c->T > 4 * c->k ? ", …" : "", br);
	}
	if (c->o->mask)
		fprintf(f, "grey ℓ<sub>t</sub>: masked out (μ<sub>t</sub> = 0)%s", br);
	if (c->g->direct)
		fprintf(f, "orange: the readout (%s) reads every past input directly, x<sub>j</sub> → ŷ<sub>t</sub> (j ≤ t); truncation keeps these paths%s",
			c->g->direct, br);
	fputs(">;\n", f);
}

int bt_graph_write(FILE *f, const bt_model *model, const bt_graph_options *opt)
{
	if (!f || !model || !opt || opt->T < 1 || opt->T > BT_GRAPH_MAX_T ||
	    (opt->log10_dc && !opt->log10_dh))
		return BT_EINVAL;
	gctx c = {f, model, model->type->graph ? model->type->graph : &affine_graph,
		  opt, opt->T, opt->k < opt->T ? opt->k : 0, 0, 0};
	range(&c);
	fputs("digraph bptt {\n"
	      "\tgraph [rankdir=BT, newrank=true, remincross=false, nodesep=0.3, ranksep=0.5, labelloc=t, labeljust=l,"
	      " fontname=\"DejaVu Sans\", fontsize=13];\n"
	      "\tnode [shape=circle, margin=0.02, fontname=\"DejaVu Sans\", fontsize=14];\n"
	      "\tedge [arrowsize=0.6, fontname=\"DejaVu Sans\", fontsize=11];\n", f);
	if (c.g->direct)
		fputs("\tgraph [splines=line];\n", f);
	legend(&c);
	for (size_t t = 0; t <= c.T; t++)
		step(&c, t);
	rows(&c);
	if (c.g->direct)
		direct_edges(&c);
	if (c.k)
		windows(&c);
	fputs("}\n", f);
	return ferror(f) ? BT_EIO : BT_OK;
}
