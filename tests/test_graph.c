/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_graph.c — the unrolled graph as DOT (graph.c): every architecture's
 * step description is consistent, the shading scale puts the smallest norm
 * at white and the largest at the darkest colour, an exact zero is drawn
 * as such, the truncation windows are those of ℓ_T, ℓ_{T−k}, …, a masked
 * loss term is grey, and bad arguments are refused. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include <stdio.h>
#include "cells/cell.h"

/* The DOT text for model and opt (status into *st), malloc'd. */
static char *dot(const bt_model *model, const bt_graph_options *opt, int *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	*st = bt_graph_write(f, model, opt);
	fclose(f);
	return buf;
}

/* The line that declares node id ("\th3 [ … ];"), copied into line. */
static char line[1024];
static const char *node_line(const char *text, const char *id)
{
	char key[32];
	snprintf(key, sizeof key, "\n\t%s [", id);
	const char *at = strstr(text, key);
	ck_assert_msg(at != NULL, "no node %s", id);
	const char *end = strchr(at + 1, '\n');
	size_t len = end ? (size_t)(end - at) : strlen(at);
	ck_assert_uint_lt(len, sizeof line);
	memcpy(line, at, len);
	line[len] = 0;
	return line;
}

/* Every record's picture names only nodes it has, h_t first. */
START_TEST(test_records_consistent)
{
	const bt_cell_type *type = bt_cell_at((size_t)_i);
	const bt_cell_graph *g = type->graph;
	if (!g)
		return;   /* the affine picture */
	ck_assert_uint_ge(g->nnodes, 1);
	ck_assert_int_eq(g->nodes[0].part, 0);
	for (size_t i = 0; i < g->nnodes; i++) {
		const char *id = g->nodes[i].id;
		ck_assert_msg(strcmp(id, "x") && strcmp(id, "y") && strcmp(id, "l"),
			      "%s: node id %s is taken", bt_cell_name(type), id);
	}
	for (size_t e = 0; e < g->nedges; e++) {
		int from = !strcmp(g->edges[e].from, "x") && !g->edges[e].prev, to = 0;
		for (size_t i = 0; i < g->nnodes; i++) {
			from |= !strcmp(g->edges[e].from, g->nodes[i].id) &&
				(!g->edges[e].prev || g->nodes[i].part >= 0);
			to |= !strcmp(g->edges[e].to, g->nodes[i].id);
		}
		ck_assert_msg(from && to, "%s: edge %zu (%s -> %s) has an end that is no node",
			      bt_cell_name(type), e, g->edges[e].from, g->edges[e].to);
	}
}
END_TEST

/* Smallest norm white, largest darkest, exactly zero dashed and 0, and the
 * legend's range from the same numbers. */
START_TEST(test_shading)
{
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	double dh[4] = {-3, -1, -INFINITY, 0.5};
	bt_graph_options o = {.T = 4, .log10_dh = dh};
	int st;
	char *s = dot(m, &o, &st);
	ck_assert_int_eq(st, BT_OK);
	node_line(s, "h1");
	ck_assert_msg(strstr(line, "fillcolor=\"#ffffff\""), "h1: %s", line);
	ck_assert_msg(strstr(line, "10<sup>−3.0</sup>"), "h1: %s", line);
	node_line(s, "h4");
	ck_assert_msg(strstr(line, "fillcolor=\"#08306b\""), "h4: %s", line);
	ck_assert_msg(strstr(line, "fontcolor=\"white\""), "h4: %s", line);
	/* −1 is 4/7 of the way from −3 to 0.5: 255 + 4/7·(8 − 255) = 114 */
	node_line(s, "h2");
	ck_assert_msg(strstr(line, "fillcolor=\"#72"), "h2: %s", line);
	node_line(s, "h3");
	ck_assert_msg(strstr(line, "style=dashed") && !strstr(line, "fillcolor") &&
		      strstr(line, "<font point-size=\"9\">0</font>"), "h3: %s", line);
	ck_assert_msg(strstr(s, "10<sup>−3.0</sup> (white) to 10<sup>0.5</sup> (dark)"),
		      "the legend's range");
	/* the recurrent edge into h4 is the widest */
	ck_assert_ptr_nonnull(strstr(s, "h3 -> h4 [label=<<i>W</i>>, penwidth=4.00"));
	free(s);
	bt_model_free(m);
}
END_TEST

/* T = 10, k = 3: the windows of ℓ_10, ℓ_7, ℓ_4, ℓ_1, the last cut short,
 * and the edges into the first step of each, h_1 → h_2, h_4 → h_5 and
 * h_7 → h_8, dashed, no other. */
START_TEST(test_windows)
{
	bt_model *m = tu_model("lstm", BT_ACT_TANH, 2, 3, 1, 0.5, 2);
	bt_graph_options o = {.T = 10, .k = 3};
	int st;
	char *s = dot(m, &o, &st);
	ck_assert_int_eq(st, BT_OK);
	ck_assert_ptr_nonnull(strstr(s, "subgraph cluster_w10 {"));
	const char *w = strstr(s, "subgraph cluster_w1 {");
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, "\t\th1; c1; \n"));
	const char *w7 = strstr(s, "subgraph cluster_w7 {");
	ck_assert_ptr_nonnull(w7);
	ck_assert_ptr_nonnull(strstr(w7, "\t\th5; c5; h6; c6; h7; c7; \n"));
	ck_assert_ptr_nonnull(strstr(s, "subgraph cluster_w4 {"));
	size_t nclusters = 0, ndashed = 0;
	for (const char *p = s; (p = strstr(p, "subgraph cluster_w")); p++)
		nclusters++;
	ck_assert_uint_eq(nclusters, 4);
	/* dashed: the carousel c and the W_o edge into the first step of a
	 * window, t = 2, 5, 8 */
	for (size_t t = 2; t <= 10; t++) {
		char key[64];
		snprintf(key, sizeof key, "\tc%zu -> c%zu [label=<f ⊙>", t - 1, t);
		const char *e = strstr(s, key);
		ck_assert_ptr_nonnull(e);
		int dashed = strstr(e, "style=dashed") && strstr(e, "style=dashed") < strchr(e, '\n');
		ck_assert_msg(dashed == (t % 3 == 2), "c%zu -> c%zu dashed: %d", t - 1, t, dashed);
		ndashed += dashed;
	}
	ck_assert_uint_eq(ndashed, 3);
	free(s);
	/* k ≥ T: none */
	o.k = 10;
	s = dot(m, &o, &st);
	ck_assert_ptr_null(strstr(s, "cluster"));
	free(s);
	bt_model_free(m);
}
END_TEST

START_TEST(test_mask_and_refusals)
{
	bt_model *m = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 3);
	double mask[3] = {1, 0, 1}, dh[3] = {0, 0, 0};
	bt_graph_options o = {.T = 3, .mask = mask};
	int st;
	char *s = dot(m, &o, &st);
	ck_assert_int_eq(st, BT_OK);
	ck_assert_msg(strstr(node_line(s, "l2"), "#999999"), "l2: %s", line);
	ck_assert_msg(!strstr(node_line(s, "l1"), "#999999"), "l1: %s", line);
	free(s);
	bt_graph_options bad[] = {{.T = 0}, {.T = BT_GRAPH_MAX_T + 1},
				  {.T = 3, .log10_dc = dh}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = dot(m, &bad[i], &st);
		ck_assert_int_eq(st, BT_EINVAL);
		ck_assert_msg(!s || !*s, "refused, yet wrote %s", s);
		free(s);
	}
	/* all norms equal: no range, every node at the darkest colour */
	o = (bt_graph_options){.T = 3, .log10_dh = dh};
	s = dot(m, &o, &st);
	ck_assert_int_eq(st, BT_OK);
	ck_assert_ptr_nonnull(strstr(node_line(s, "h2"), "#08306b"));
	free(s);
	bt_model_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_records_consistent, 0, (int)bt_cell_count());
	tcase_add_test(tc, test_shading);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_mask_and_refusals);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
