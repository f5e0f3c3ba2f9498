/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_textio.c — the text format: exact round trips, what the strict
 * reader accepts, every refusal of the spec (status, file and physical
 * line), and atomic writes.
 *
 * Everything goes through bt.h only. Each test works in its own scratch
 * directory under one mkdtemp root, removed by main() at the end. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "io/numio.h"
#include "io/textio.h"

/* ---- scratch files ---------------------------------------------------- */

static char g_root[512];

static void scratch_dir(char *dir, size_t size)
{
	snprintf(dir, size, "%s/t.XXXXXX", g_root);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
		      strerror(errno));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "fopen %s", path);
	size_t len = strlen(text);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, NUL-terminated; *len its size. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "fopen %s", path);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void assert_same_bytes(const char *a, const char *b)
{
	size_t la, lb;
	char *x = read_all(a, &la), *y = read_all(b, &lb);
	ck_assert_msg(la == lb && memcmp(x, y, la) == 0,
		      "%s and %s differ (%zu and %zu bytes)", a, b, la, lb);
	free(x);
	free(y);
}

/* Names in dir other than . and .., joined with spaces into out. */
static int dir_entries(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "opendir %s", dir);
	int count = 0;
	out[0] = '\0';
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		count++;
		size_t used = strlen(out);
		snprintf(out + used, size - used, "%s%s", used ? " " : "",
			 e->d_name);
	}
	closedir(d);
	return count;
}

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			char sub[1024];
			while ((e = readdir(d)) != NULL) {
				if (!strcmp(e->d_name, ".") ||
				    !strcmp(e->d_name, ".."))
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path,
					 e->d_name);
				remove_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Caps the address space at what is mapped now plus 1 GiB, so that a
 * reader that allocates a huge declared block before refusing it fails
 * with BT_ENOMEM instead of passing by luck. Not under AddressSanitizer,
 * which maps terabytes of shadow memory. */
#if defined(__SANITIZE_ADDRESS__)
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_ASAN 1
#endif
#endif
static void cap_memory(void)
{
#ifndef TU_ASAN
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (!f)
		return;
	int ok = fscanf(f, "%lu", &pages) == 1;
	fclose(f);
	if (!ok)
		return;
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) != 0)
		return;
	rlim_t want = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) +
		      ((rlim_t)1 << 30);
	if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max)
		return;
	rl.rlim_cur = want;
	setrlimit(RLIMIT_AS, &rl);
#endif
}

/* ---- architectures × activations ---------------------------------------- */

typedef struct {
	size_t arch;
	int act;
} combo;
static combo g_combos[256];
static int g_ncombos;

static void make_combos(void)
{
	g_ncombos = 0;
	for (size_t i = 0; i < bt_cell_count(); i++) {
		int acts = bt_cell_has_activation(bt_cell_at(i)) ? 4 : 1;
		for (int a = 0; a < acts && g_ncombos < 256; a++)
			g_combos[g_ncombos++] = (combo){i, a};
	}
}

/* Values that a writer without %.17g, or a reader that trusts errno from
 * strtod (ERANGE on subnormals), gets wrong. */
static const double awkward[] = {
	-0.0, 1e-310, 1e308, 0.1, 1.0 / 3.0, 4.9406564584124654e-324,
	-DBL_MAX, DBL_MIN, 1e-5, 123456789012345678.0, 100.0, -2.5e-300,
	0.0, 7.0 / 3.0, -1e22,
};
#define NAWK (sizeof awkward / sizeof awkward[0])

/* Puts the awkward values at both ends of p[0..count). */
static void put_awkward(double *p, size_t count)
{
	for (size_t i = 0; i < NAWK && i < count; i++) {
		p[i] = awkward[i];
		p[count - 1 - i] = awkward[NAWK - 1 - i];
	}
}

static void assert_bits(const double *a, const double *b, size_t k,
			const char *what)
{
	for (size_t i = 0; i < k; i++)
		ck_assert_msg(memcmp(&a[i], &b[i], sizeof(double)) == 0,
			      "%s[%zu]: wrote %.17g, read %.17g", what, i,
			      a[i], b[i]);
}

static void model_to_file(const char *path, const bt_model *model)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bt_model_write(f, model), BT_OK);
	ck_assert_int_eq(fclose(f), 0);
}

static void data_to_file(const char *path, const bt_data *data)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bt_data_write(f, data), BT_OK);
	ck_assert_int_eq(fclose(f), 0);
}

static void grad_to_file(const char *path, const bt_model *model,
			 double loss, const double *grad, const double *dX,
			 size_t T)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(bt_grad_write(f, model, loss, grad, dX, T), BT_OK);
	ck_assert_int_eq(fclose(f), 0);
}

static void assert_same_model_shape(const bt_model *a, const bt_model *b)
{
	ck_assert_ptr_eq(a->type, b->type);
	ck_assert_uint_eq(a->dims.d, b->dims.d);
	ck_assert_uint_eq(a->dims.n, b->dims.n);
	ck_assert_uint_eq(a->dims.m, b->dims.m);
	ck_assert_uint_eq(a->nparams, b->nparams);
	ck_assert_uint_eq(a->nblocks, b->nblocks);
	if (bt_cell_has_activation(a->type))
		ck_assert_int_eq(a->activation, b->activation);
}

/* ---- round trips ------------------------------------------------------------ */

START_TEST(test_roundtrip_model)
{
	combo c = g_combos[_i];
	const char *arch = bt_cell_name(bt_cell_at(c.arch));
	char dir[600], p1[700], p2[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p1, sizeof p1, "%s/a.model", dir);
	snprintf(p2, sizeof p2, "%s/b.model", dir);

	bt_model *model = tu_model(arch, (bt_activation)c.act, 3, 4, 2, 0.7,
				   1000 + (unsigned long)_i);
	put_awkward(model->theta, model->nparams);
	model_to_file(p1, model);

	bt_model *back = NULL;
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_model_read(&back, p1, &err);
	ck_assert_msg(st == BT_OK, "%s/%d: read %s: %d %s:%ld: %s", arch,
		      c.act, p1, st, err.file, err.line, err.msg);
	assert_same_model_shape(model, back);
	assert_bits(model->theta, back->theta, model->nparams, arch);
	model_to_file(p2, back);
	assert_same_bytes(p1, p2);
	bt_model_free(back);
	bt_model_free(model);
}
END_TEST

static bt_data *irregular_data(size_t T, size_t d, size_t m, int mask,
			       unsigned long seed)
{
	bt_data *data = tu_data(T, d, m, mask, seed);
	put_awkward(data->X, T * d);
	put_awkward(data->Y, T * m);
	if (mask) {
		static const double pat[] = {1, 0, 1, 1, 0, 0, 1, 0, 1};
		for (size_t t = 0; t < T; t++)
			data->M[t] = pat[t % 9];
	}
	return data;
}

START_TEST(test_roundtrip_data)
{
	int mask = _i;
	char dir[600], p1[700], p2[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p1, sizeof p1, "%s/a.data", dir);
	snprintf(p2, sizeof p2, "%s/b.data", dir);

	bt_data *data = irregular_data(11, 3, 2, mask, 77);
	data_to_file(p1, data);
	bt_data *back = NULL;
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_data_read(&back, p1, &err);
	ck_assert_msg(st == BT_OK, "read %s: %d %s:%ld: %s", p1, st,
		      err.file, err.line, err.msg);
	ck_assert_uint_eq(back->T, 11);
	ck_assert_uint_eq(back->d, 3);
	ck_assert_uint_eq(back->m, 2);
	assert_bits(data->X, back->X, 33, "X");
	assert_bits(data->Y, back->Y, 22, "Y");
	if (mask) {
		ck_assert_ptr_nonnull(back->M);
		assert_bits(data->M, back->M, 11, "M");
	} else if (back->M) {
		for (size_t t = 0; t < 11; t++)
			ck_assert_msg(back->M[t] == 1.0,
				      "no M block written, but M[%zu] = %g",
				      t, back->M[t]);
	}
	data_to_file(p2, back);
	assert_same_bytes(p1, p2);
	bt_data_free(back);
	bt_data_free(data);
}
END_TEST

START_TEST(test_roundtrip_grad)
{
	combo c = g_combos[_i];
	const char *arch = bt_cell_name(bt_cell_at(c.arch));
	char dir[600], p1[700], p2[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p1, sizeof p1, "%s/a.grad", dir);
	snprintf(p2, sizeof p2, "%s/b.grad", dir);

	const size_t T = 6, d = 3;
	bt_model *model = tu_model(arch, (bt_activation)c.act, d, 4, 2, 0.9,
				   500 + (unsigned long)_i);
	bt_model *g = tu_model(arch, (bt_activation)c.act, d, 4, 2, 2.3,
			       900 + (unsigned long)_i);
	put_awkward(g->theta, g->nparams);
	double *dX = malloc(T * d * sizeof *dX);
	ck_assert_ptr_nonnull(dX);
	for (size_t i = 0; i < T * d; i++)
		dX[i] = sin(1.0 + 3.7 * (double)i) / (1.0 + (double)i);
	put_awkward(dX, T * d);
	double loss = 1.0 / 3.0;
	grad_to_file(p1, model, loss, g->theta, dX, T);

	bt_model *gb = NULL;
	double lb = -1;
	double *dXb = NULL;
	size_t Tb = 0;
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_grad_read(&gb, &lb, &dXb, &Tb, p1, &err);
	ck_assert_msg(st == BT_OK, "%s/%d: read %s: %d %s:%ld: %s", arch,
		      c.act, p1, st, err.file, err.line, err.msg);
	assert_same_model_shape(model, gb);
	assert_bits(g->theta, gb->theta, g->nparams, "grad");
	assert_bits(&loss, &lb, 1, "loss");
	ck_assert_uint_eq(Tb, T);
	ck_assert_ptr_nonnull(dXb);
	assert_bits(dX, dXb, T * d, "dX");
	grad_to_file(p2, gb, lb, gb->theta, dXb, Tb);
	assert_same_bytes(p1, p2);
	char *text = read_all(p1, NULL);
	ck_assert_msg(strncmp(text, "bptt-grad 1", 11) == 0,
		      "a gradient file starts with: %.20s", text);
	free(text);
	free(dXb);
	free(dX);
	bt_model_free(gb);
	bt_model_free(g);
	bt_model_free(model);
}
END_TEST

/* Round trip through bt_write_atomic, the way the command writes. */
static int write_model_cb(FILE *f, const void *ctx)
{
	return bt_model_write(f, ctx);
}

START_TEST(test_roundtrip_atomic_model)
{
	char dir[600], p[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/m.txt", dir);
	bt_model *model = tu_model("rnn", BT_ACT_SIGMOID, 2, 5, 3, 1.3, 4);
	bt_error err;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(bt_write_atomic(p, write_model_cb, model, &err),
			 BT_OK);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 1);
	bt_model *back = NULL;
	ck_assert_int_eq(bt_model_read(&back, p, &err), BT_OK);
	assert_same_model_shape(model, back);
	assert_bits(model->theta, back->theta, model->nparams, "theta");
	bt_model_free(back);
	bt_model_free(model);
}
END_TEST

/* ---- what the reader accepts --------------------------------------------- */

/* A valid rnn model, d = 2, n = 3, m = 1, with its physical lines:
 *  1 header, 2 arch, 3 dims, 4-7 W, 8-11 U, 12-15 b, 16-17 V, 18-19 b_y. */
#define MH "bptt-model 1\n"
#define MARCH "arch rnn\n"
#define MDIMS "dims 2 3 1\n"
#define MHEAD MH MARCH MDIMS
#define MW "W 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n"
#define MU "U 3 2\n1 2\n3 4.5\n-5 6\n"
#define MB "b 3 1\n0.1\n0.2\n-0.3\n"
#define MV "V 1 3\n7 -8 9\n"
#define MBY "b_y 1 1\n-1.5\n"
#define MBLOCKS MW MU MB MV MBY
#define MODEL MHEAD MBLOCKS

/* A valid data file, T = 4, d = 2, m = 1:
 *  1 header, 2-6 X, 7-11 Y, 12-16 M. */
#define DH "bptt-data 1\n"
#define DX "X 4 2\n0.5 -1\n2 0.25\n-3 4\n1e-3 7\n"
#define DY "Y 4 1\n1\n-2\n3.5\n0\n"
#define DM "M 4 1\n1\n0\n1\n1\n"

/* A valid gradient file for the model above, T = 2:
 *  1 header, 2 arch, 3 dims, 4 loss, 5-20 blocks, 21-23 X. */
#define GH "bptt-grad 1\n"
#define GLOSS "loss 1.25\n"
#define GX "X 2 2\n0.1 0.2\n0.3 -0.4\n"
#define GRAD GH MARCH MDIMS GLOSS MBLOCKS GX

static const struct {
	const char *name;
	double v[9];
	size_t k;
} model_expect[] = {
	{"W", {0.5, -0.25, 0.125, 1.5, 2.25, -3, 0.75, 0.1, -0.2}, 9},
	{"U", {1, 2, 3, 4.5, -5, 6}, 6},
	{"b", {0.1, 0.2, -0.3}, 3},
	{"V", {7, -8, 9}, 3},
	{"b_y", {-1.5}, 1},
};

/* Reads text as a model; asserts it is accepted and holds the values of
 * MODEL (checked block by block, row by row). */
static bt_model *accept_model(const char *text, const char *what)
{
	char dir[600], p[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/in.model", dir);
	write_text(p, text);
	bt_model *model = NULL;
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_model_read(&model, p, &err);
	ck_assert_msg(st == BT_OK, "%s: refused (%d) at %s:%ld: %s", what, st,
		      err.file, err.line, err.msg);
	ck_assert_str_eq(bt_cell_name(model->type), "rnn");
	ck_assert_uint_eq(model->dims.d, 2);
	ck_assert_uint_eq(model->dims.n, 3);
	ck_assert_uint_eq(model->dims.m, 1);
	for (size_t j = 0; j < sizeof model_expect / sizeof model_expect[0];
	     j++) {
		int i = bt_model_find_block(model, model_expect[j].name);
		ck_assert_msg(i >= 0, "%s: no block %s", what,
			      model_expect[j].name);
		gsl_matrix_const_view v =
			bt_block_const_view(model, model->theta, (size_t)i);
		ck_assert_uint_eq(v.matrix.size1 * v.matrix.size2,
				  model_expect[j].k);
		for (size_t r = 0; r < v.matrix.size1; r++)
			for (size_t c = 0; c < v.matrix.size2; c++) {
				double got = gsl_matrix_get(&v.matrix, r, c);
				double want =
					model_expect[j].v[r * v.matrix.size2 + c];
				ck_assert_msg(got == want,
					      "%s: %s(%zu,%zu) = %.17g, want %.17g",
					      what, model_expect[j].name, r, c,
					      got, want);
			}
	}
	return model;
}

/* Same text with every "\n" made "\r\n". */
static char *crlf(const char *text)
{
	size_t n = strlen(text), lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	char *out = malloc(n + lines + 1), *o = out;
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n')
			*o++ = '\r';
		*o++ = text[i];
	}
	*o = '\0';
	return out;
}

START_TEST(test_accept_plain)
{
	bt_model *m = accept_model(MODEL, "plain");
	ck_assert_int_eq(m->activation, BT_ACT_TANH);
	bt_model_free(m);
}
END_TEST

START_TEST(test_accept_comments)
{
	const char *text =
		"# a model file\n"
		"bptt-model 1 # the header\n"
		"# about the architecture\n"
		"arch rnn # arch\n"
		"\n"
		"dims 2 3 1 # d n m\n"
		"# blocks follow\n"
		"W 3 3 # W, n x n\n"
		"0.5 -0.25 0.125 # row 1\n"
		"# a comment between rows\n"
		"\n"
		"1.5 2.25 -3\n"
		"0.75 0.1 -0.2   # last row\n"
		"U 3 2\n1 2\n3 4.5 #\n-5 6\n"
		"#\n"
		"b 3 1\n0.1\n0.2\n-0.3\n"
		"V 1 3\n7 -8 9\n"
		"b_y 1 1\n-1.5 # ## #\n"
		"# trailing comment\n"
		"\n";
	bt_model_free(accept_model(text, "comments"));
}
END_TEST

START_TEST(test_accept_comment_glued)
{
	/* "# starts a comment anywhere on a line", also right after a field. */
	const char *text =
		"bptt-model 1# header\n"
		"arch rnn#x\n"
		"dims 2 3 1#d n m\n"
		"W 3 3#\n0.5 -0.25 0.125#row\n1.5 2.25 -3\n0.75 0.1 -0.2\n"
		MU MB MV MBY;
	bt_model_free(accept_model(text, "glued comments"));
}
END_TEST

START_TEST(test_accept_blanks)
{
	const char *text =
		"\n\n"
		"bptt-model\t1\n"
		"arch \t rnn\n"
		"  dims\t\t2   3\t1  \n"
		"\t\n"
		"W  3\t3\n"
		"\t0.5\t-0.25    0.125\n"
		"  1.5 2.25 -3  \n"
		"0.75\t0.1\t-0.2\t\n"
		"U 3 2\n  1   2\n3\t4.5\n\t-5\t\t6\n"
		"\n\n\n"
		"b\t3\t1\n0.1\n\t0.2\n-0.3 \n"
		"V 1 3\n7 -8 9\n"
		"b_y 1 1\n-1.5\n"
		"   \n";
	bt_model_free(accept_model(text, "blanks and tabs"));
}
END_TEST

START_TEST(test_accept_crlf)
{
	const char *base =
		"bptt-model 1\n"
		"# comment\n"
		"\n" MARCH MDIMS "W 3 3 # W\n0.5 -0.25 0.125\n1.5 2.25 -3\n"
		"0.75 0.1 -0.2\n" MU MB MV MBY;
	char *text = crlf(base);
	bt_model_free(accept_model(text, "CRLF"));
	free(text);
}
END_TEST

START_TEST(test_accept_no_final_newline)
{
	bt_model_free(accept_model(MHEAD MW MU MB MV "b_y 1 1\n-1.5",
				   "no final newline"));
}
END_TEST

START_TEST(test_accept_header_order)
{
	bt_model *m = accept_model(MH "dims 2 3 1\nactivation relu\narch rnn\n"
				   MBLOCKS, "dims, activation, arch");
	ck_assert_int_eq(m->activation, BT_ACT_RELU);
	bt_model_free(m);
	m = accept_model(MH "activation sigmoid\narch rnn\ndims 2 3 1\n"
			 MBLOCKS, "activation, arch, dims");
	ck_assert_int_eq(m->activation, BT_ACT_SIGMOID);
	bt_model_free(m);
	m = accept_model(MHEAD "activation identity\n" MBLOCKS,
			 "arch, dims, activation");
	ck_assert_int_eq(m->activation, BT_ACT_IDENTITY);
	bt_model_free(m);
}
END_TEST

START_TEST(test_accept_block_order)
{
	bt_model_free(accept_model(MHEAD MBY MV MB MU MW, "reversed blocks"));
	bt_model_free(accept_model(MHEAD MU MBY MW MV MB, "shuffled blocks"));
}
END_TEST

START_TEST(test_accept_other_arch)
{
	/* linear and residual have the rnn's blocks; residual takes an
	 * activation, linear does not need one. */
	char dir[600], p[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/x.model", dir);
	bt_error err;
	memset(&err, 0, sizeof err);
	bt_model *m = NULL;
	write_text(p, MH "arch linear\n" MDIMS MBLOCKS);
	ck_assert_int_eq(bt_model_read(&m, p, &err), BT_OK);
	ck_assert_str_eq(bt_cell_name(m->type), "linear");
	bt_model_free(m);
	m = NULL;
	write_text(p, MH "arch residual\n" MDIMS "activation relu\n" MBLOCKS);
	ck_assert_int_eq(bt_model_read(&m, p, &err), BT_OK);
	ck_assert_str_eq(bt_cell_name(m->type), "residual");
	ck_assert_int_eq(m->activation, BT_ACT_RELU);
	bt_model_free(m);
}
END_TEST

START_TEST(test_accept_data)
{
	char dir[600], p[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/x.data", dir);
	static const double X[] = {0.5, -1, 2, 0.25, -3, 4, 1e-3, 7};
	static const double Y[] = {1, -2, 3.5, 0};
	static const double M[] = {1, 0, 1, 1};
	const char *texts[] = {
		DH DX DY DM,
		DH DM DY DX,
		"# data\n\n" DH "\n" DY "# mask\n" DM "\t\n" DX "# end\n",
		NULL, /* CRLF, below */
	};
	char *c = crlf("bptt-data 1 # h\n" DM "# x\n" DX DY);
	texts[3] = c;
	for (size_t k = 0; k < 4; k++) {
		write_text(p, texts[k]);
		bt_data *data = NULL;
		bt_error err;
		memset(&err, 0, sizeof err);
		int st = bt_data_read(&data, p, &err);
		ck_assert_msg(st == BT_OK, "data text %zu refused: %s:%ld: %s",
			      k, err.file, err.line, err.msg);
		ck_assert_uint_eq(data->T, 4);
		ck_assert_uint_eq(data->d, 2);
		ck_assert_uint_eq(data->m, 1);
		ck_assert_ptr_nonnull(data->M);
		for (size_t i = 0; i < 8; i++)
			ck_assert_msg(data->X[i] == X[i], "text %zu X[%zu]", k, i);
		for (size_t i = 0; i < 4; i++) {
			ck_assert_msg(data->Y[i] == Y[i], "text %zu Y[%zu]", k, i);
			ck_assert_msg(data->M[i] == M[i], "text %zu M[%zu]", k, i);
		}
		bt_data_free(data);
	}
	free(c);

	/* Without M: no mask, or a mask of ones. */
	write_text(p, DH DY DX);
	bt_data *data = NULL;
	bt_error err;
	ck_assert_int_eq(bt_data_read(&data, p, &err), BT_OK);
	if (data->M)
		for (size_t i = 0; i < 4; i++)
			ck_assert(data->M[i] == 1.0);
	bt_data_free(data);
}
END_TEST

START_TEST(test_accept_grad)
{
	char dir[600], p[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/x.grad", dir);
	write_text(p, GRAD);
	{
		bt_model *g = NULL;
		double loss = 0, *dX = NULL;
		size_t T = 0;
		bt_error err;
		memset(&err, 0, sizeof err);
		int st = bt_grad_read(&g, &loss, &dX, &T, p, &err);
		ck_assert_msg(st == BT_OK, "grad refused: %s:%ld: %s",
			      err.file, err.line, err.msg);
		ck_assert(loss == 1.25);
		ck_assert_uint_eq(T, 2);
		ck_assert(dX[0] == 0.1 && dX[1] == 0.2 && dX[2] == 0.3 &&
			  dX[3] == -0.4);
		int i = bt_model_find_block(g, "U");
		ck_assert_int_ge(i, 0);
		gsl_matrix_const_view v =
			bt_block_const_view(g, g->theta, (size_t)i);
		ck_assert(gsl_matrix_get(&v.matrix, 1, 1) == 4.5);
		ck_assert(gsl_matrix_get(&v.matrix, 2, 0) == -5);
		free(dX);
		bt_model_free(g);
	}
	/* Header lines in any order, blocks in any order. */
	write_text(p, GH "loss 1.25 # L\n" MDIMS MARCH GX MBY MV MB MU MW
		   "# end\n");
	bt_model *g = NULL;
	double loss = 0, *dX = NULL;
	size_t T = 0;
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_grad_read(&g, &loss, &dX, &T, p, &err);
	ck_assert_msg(st == BT_OK, "reordered grad refused: %s:%ld: %s",
		      err.file, err.line, err.msg);
	ck_assert(loss == 1.25);
	free(dX);
	bt_model_free(g);
}
END_TEST

/* A tiny file that declares a huge model or block is refused at the line
 * that declares it, before the numbers are allocated (found by the fuzzer:
 * dims 2 8227 71011 made the reader allocate 5 GB). */
START_TEST(test_refuse_short_file)
{
	char dir[] = "/tmp/bptt-short-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/m.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("bptt-model 1\narch orthogonal\ndims 2 08227 71011\n0\n", f);
	fclose(f);
	bt_model *m = NULL;
	bt_error e;
	ck_assert_int_eq(bt_model_read(&m, path, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 3);
	ck_assert_msg(strstr(e.msg, "bytes") != NULL, "message: %s", e.msg);
	f = fopen(path, "w");
	fputs("bptt-data 1\nX 50000000 2\n1 2\n", f);
	fclose(f);
	bt_data *d = NULL;
	ck_assert_int_eq(bt_data_read(&d, path, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 2);
	ck_assert_msg(strstr(e.msg, "bytes") != NULL, "message: %s", e.msg);
	remove(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_read_missing_file)
{
	char dir[600], p[700];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/no-such-file", dir);
	bt_error err;
	memset(&err, 0, sizeof err);
	bt_model *m = NULL;
	ck_assert_int_eq(bt_model_read(&m, p, &err), BT_EIO);
	ck_assert_str_eq(err.file, p);
	ck_assert(err.msg[0] != '\0');
	bt_data *d = NULL;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(bt_data_read(&d, p, &err), BT_EIO);
	ck_assert_str_eq(err.file, p);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------- */

enum { K_MODEL, K_DATA, K_GRAD };
#define ANY (-1)   /* assert refusal only, not the line */

static const struct refusal {
	const char *name;
	int kind;
	const char *text;
	long line;       /* the offending physical line, or ANY */
	long line_alt;   /* a second acceptable line, or 0 */
	int huge;        /* declares more than memory holds: run on its own */
} refusals[] = {
	/* headers */
	{"model: wrong header word", K_MODEL, "bptt-modl 1\n" MARCH MDIMS MBLOCKS, 1, 0, 0},
	{"model: version 2", K_MODEL, "bptt-model 2\n" MARCH MDIMS MBLOCKS, 1, 0, 0},
	{"model: version 2 after comments", K_MODEL,
	 "# hello\n\n  # more\nbptt-model 2\n" MARCH MDIMS MBLOCKS, 4, 0, 0},
	{"model: header without version", K_MODEL, "bptt-model\n" MARCH MDIMS MBLOCKS, 1, 0, 0},
	{"model: header with extra field", K_MODEL, "bptt-model 1 1\n" MARCH MDIMS MBLOCKS, 1, 0, 0},
	{"model: data header", K_MODEL, DH MARCH MDIMS MBLOCKS, 1, 0, 0},
	{"model: grad header", K_MODEL, GRAD, 1, 0, 0},
	{"model: header line first", K_MODEL, MARCH MH MDIMS MBLOCKS, 1, 0, 0},
	{"model: unknown header line", K_MODEL, MH MARCH "colour blue\n" MDIMS MBLOCKS, 3, 0, 0},
	{"model: unknown header line after dims", K_MODEL, MHEAD "colour blue\n" MBLOCKS, 4, 0, 0},
	{"model: unknown 3-field line after dims", K_MODEL, MHEAD "colour blue green\n" MBLOCKS, 4, 0, 0},
	{"model: repeated dims", K_MODEL, MHEAD "dims 2 3 1\n" MBLOCKS, 4, 0, 0},
	{"model: repeated arch", K_MODEL, MH MARCH MARCH MDIMS MBLOCKS, 3, 0, 0},
	{"model: repeated activation", K_MODEL,
	 MHEAD "activation tanh\n# c\nactivation tanh\n" MBLOCKS, 6, 0, 0},
	{"model: header line after a block", K_MODEL,
	 MHEAD MW "activation tanh\n" MU MB MV MBY, 8, 0, 0},
	{"model: repeated header after a block", K_MODEL,
	 MHEAD MW MU MDIMS MB MV MBY, 12, 0, 0},
	{"model: missing arch", K_MODEL, MH MDIMS MBLOCKS, ANY, 0, 0},
	{"model: missing dims", K_MODEL, MH MARCH MBLOCKS, ANY, 0, 0},
	{"model: unknown arch", K_MODEL, MH "arch nosuch\n" MDIMS MBLOCKS, 2, 0, 0},
	{"model: arch without name", K_MODEL, MH "arch\n" MDIMS MBLOCKS, 2, 0, 0},
	{"model: arch with two names", K_MODEL, MH "arch rnn gru\n" MDIMS MBLOCKS, 2, 0, 0},
	{"model: activation on linear", K_MODEL,
	 MH "arch linear\n" MDIMS "activation tanh\n" MBLOCKS, 4, 0, 0},
	{"model: activation identity on linear", K_MODEL,
	 MH "arch linear\n" MDIMS "activation identity\n" MBLOCKS, 4, 0, 0},
	{"model: unknown activation", K_MODEL, MHEAD "activation softsign\n" MBLOCKS, 4, 0, 0},
	{"model: activation without name", K_MODEL, MHEAD "activation\n" MBLOCKS, 4, 0, 0},
	/* blocks */
	{"model: unknown block", K_MODEL,
	 MHEAD MW "Z 3 2\n1 2\n3 4.5\n-5 6\n" MB MV MBY, 8, 0, 0},
	{"model: repeated block", K_MODEL, MHEAD MW MU MW MB MV MBY, 12, 0, 0},
	{"model: missing last block", K_MODEL, MHEAD MW MU MB MV, 17, 0, 0},
	{"model: missing block, trailing comment", K_MODEL,
	 MHEAD MW MU MB MV "# no b_y here\n", 18, 0, 0},
	{"model: missing first block", K_MODEL, MHEAD MU MB MV MBY, 15, 0, 0},
	{"model: header only", K_MODEL, MHEAD, 3, 0, 0},
	{"model: W 3x2", K_MODEL,
	 MHEAD "W 3 2\n0.5 -0.25\n1.5 2.25\n0.75 0.1\n" MU MB MV MBY, 4, 0, 0},
	{"model: U transposed", K_MODEL,
	 MHEAD MW "U 2 3\n1 2 3\n4.5 -5 6\n" MB MV MBY, 8, 0, 0},
	{"model: V transposed", K_MODEL, MHEAD MW MU MB "V 3 1\n7\n-8\n9\n" MBY, 16, 0, 0},
	{"model: b_y 1x2", K_MODEL, MHEAD MW MU MB MV "b_y 1 2\n-1.5 2\n", 18, 0, 0},
	{"model: block header 2 fields", K_MODEL, MHEAD "W 3\n" MU MB MV MBY, 4, 0, 0},
	{"model: block header 4 fields", K_MODEL,
	 MHEAD "W 3 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 4, 0, 0},
	{"model: block header name only", K_MODEL, MHEAD "W\n" MU MB MV MBY, 4, 0, 0},
	{"model: block rows 0", K_MODEL, MHEAD "W 0 3\n" MU MB MV MBY, 4, 0, 0},
	{"model: block rows -3", K_MODEL, MHEAD "W -3 3\n" MU MB MV MBY, 4, 0, 0},
	{"model: block cols 3.0", K_MODEL,
	 MHEAD "W 3 3.0\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, ANY, 0, 0},
	{"model: block rows +3", K_MODEL,
	 MHEAD "W +3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, ANY, 0, 0},
	{"model: block rows 3e0", K_MODEL,
	 MHEAD "W 3e0 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, ANY, 0, 0},
	/* dims */
	{"model: dims n 0", K_MODEL, MH MARCH "dims 2 0 1\n" MBLOCKS, 3, 0, 0},
	{"model: dims d 0", K_MODEL, MH MARCH "dims 0 3 1\n" MBLOCKS, 3, 0, 0},
	{"model: dims m 0", K_MODEL, MH MARCH "dims 2 3 0\n" MBLOCKS, 3, 0, 0},
	{"model: dims negative", K_MODEL, MH MARCH "dims 2 -3 1\n" MBLOCKS, 3, 0, 0},
	{"model: dims 3.5", K_MODEL, MH MARCH "dims 2 3.5 1\n" MBLOCKS, ANY, 0, 0},
	{"model: dims 1e2", K_MODEL, MH MARCH "dims 2 3 1e2\n" MBLOCKS, ANY, 0, 0},
	{"model: dims 1e0", K_MODEL, MH MARCH "dims 2 3 1e0\n" MBLOCKS, ANY, 0, 0},
	{"model: dims +3", K_MODEL, MH MARCH "dims 2 +3 1\n" MBLOCKS, ANY, 0, 0},
	{"model: dims 3.0", K_MODEL, MH MARCH "dims 2 3.0 1\n" MBLOCKS, ANY, 0, 0},
	{"model: dims 0x3", K_MODEL, MH MARCH "dims 2 0x3 1\n" MBLOCKS, ANY, 0, 0},
	{"model: dims 3x", K_MODEL, MH MARCH "dims 2 3x 1\n" MBLOCKS, 3, 0, 0},
	{"model: dims two fields", K_MODEL, MH MARCH "dims 2 3\n" MBLOCKS, 3, 0, 0},
	{"model: dims four fields", K_MODEL, MH MARCH "dims 2 3 1 4\n" MBLOCKS, 3, 0, 0},
	{"model: d above limit", K_MODEL, MH MARCH "dims 100001 3 1\n" MBLOCKS, 3, 0, 0},
	{"model: n above limit", K_MODEL, MH MARCH "dims 2 100001 1\n" MBLOCKS, 3, 0, 0},
	{"model: m above limit", K_MODEL, MH MARCH "dims 2 3 100001\n" MBLOCKS, 3, 0, 0},
	{"model: dims overflow long", K_MODEL,
	 MH MARCH "dims 2 99999999999999999999999 1\n" MBLOCKS, 3, 0, 0},
	{"model: dims 2^64+3", K_MODEL,
	 MH MARCH "dims 2 18446744073709551619 1\n" MBLOCKS, 3, 0, 0},
	/* W alone holds 1e10 numbers. */
	{"model: one block above 1e9 numbers", K_MODEL,
	 MH MARCH "dims 100000 100000 1\nW 100000 100000\n1 2\n# more\n# more\n", 3, 4, 1},
	/* No block above 1e9 but U + V + W = 1.025e9. */
	{"model: blocks above 1e9 numbers in all", K_MODEL,
	 MH MARCH "dims 100000 5000 100000\nW 5000 5000\n1 2\n# more\n# more\n", 3, 4, 1},
	/* numbers */
	{"model: 1.2.3", K_MODEL, MHEAD "W 3 3\n0.5 1.2.3 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 5, 0, 0},
	{"model: abc", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 abc -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 6, 0, 0},
	{"model: 1e", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 1e\n" MU MB MV MBY, 7, 0, 0},
	{"model: 0.5x", K_MODEL, MHEAD MW "U 3 2\n1 2\n3 4.5x\n-5 6\n" MB MV MBY, 10, 0, 0},
	{"model: lone minus", K_MODEL, MHEAD MW MU "b 3 1\n0.1\n-\n-0.3\n" MV MBY, 14, 0, 0},
	{"model: 1,5", K_MODEL, MHEAD MW MU MB MV "b_y 1 1\n1,5\n", 19, 0, 0},
	{"model: nan", K_MODEL, MHEAD "W 3 3\nnan -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 5, 0, 0},
	{"model: NAN", K_MODEL, MHEAD MW MU MB "V 1 3\n7 NAN 9\n" MBY, 17, 0, 0},
	{"model: -nan", K_MODEL, MHEAD MW MU MB "V 1 3\n7 -nan 9\n" MBY, 17, 0, 0},
	{"model: inf", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 inf -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 6, 0, 0},
	{"model: -inf", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -inf\n" MU MB MV MBY, 7, 0, 0},
	{"model: Infinity", K_MODEL, MHEAD MW MU MB MV "b_y 1 1\nInfinity\n", 19, 0, 0},
	{"model: 1e999", K_MODEL, MHEAD "W 3 3\n1e999 -0.25 0.125\n1.5 2.25 -3\n0.75 0.1 -0.2\n" MU MB MV MBY, 5, 0, 0},
	{"model: -1e999", K_MODEL, MHEAD MW "U 3 2\n1 2\n3 -1e999\n-5 6\n" MB MV MBY, 10, 0, 0},
	{"model: too few numbers", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 2.25\n0.75 0.1 -0.2\n" MU MB MV MBY, 6, 0, 0},
	{"model: too many numbers", K_MODEL, MHEAD "W 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3 4\n0.75 0.1 -0.2\n" MU MB MV MBY, 6, 0, 0},
	{"model: too many numbers in a column", K_MODEL, MHEAD MW MU "b 3 1\n0.1\n0.2 0.3\n-0.3\n" MV MBY, 14, 0, 0},
	{"model: file ends after a comment in a block", K_MODEL, MHEAD MW MU MB MV "b_y 1 1\n# no number\n\n", 20, 0, 0},
	{"model: file ends in last block", K_MODEL, MHEAD MW MU MB MV "b_y 1 1\n", 18, 0, 0},
	{"model: file ends in a block, comments after", K_MODEL,
	 MHEAD "W 3 3\n0.5 -0.25 0.125\n# c\n\n", 7, 0, 0},
	{"model: file ends in a block, no newline", K_MODEL,
	 MHEAD "W 3 3\n0.5 -0.25 0.125", 5, 0, 0},
	{"model: empty file", K_MODEL, "", 0, 1, 0},
	{"model: only comments", K_MODEL, "# just\n\n# comments\n", 3, 0, 0},
	{"model: only blanks", K_MODEL, "  \n\t\n", 2, 0, 0},

	/* data */
	{"data: model header", K_DATA, MH DX DY, 1, 0, 0},
	{"data: version 2", K_DATA, "bptt-data 2\n" DX DY, 1, 0, 0},
	{"data: wrong header word", K_DATA, "bptt-dat 1\n" DX DY, 1, 0, 0},
	{"data: grad header", K_DATA, GH DX DY, 1, 0, 0},
	{"data: unknown header line", K_DATA, DH "colour blue\n" DX DY, 2, 0, 0},
	{"data: Y rows differ from X", K_DATA, DH DX "Y 3 1\n1\n-2\n3.5\n", 7, 0, 0},
	{"data: X rows differ from Y", K_DATA, DH DY "X 3 2\n0.5 -1\n2 0.25\n-3 4\n", 7, 0, 0},
	{"data: M 4x2", K_DATA, DH DX DY "M 4 2\n1 0\n0 1\n1 1\n1 0\n", 12, 0, 0},
	{"data: M 3x1", K_DATA, DH DX DY "M 3 1\n1\n0\n1\n", 12, 0, 0},
	{"data: M 5x1", K_DATA, DH DX DY "M 5 1\n1\n0\n1\n1\n0\n", 12, 0, 0},
	{"data: M before X, wrong rows", K_DATA, DH "M 3 1\n1\n0\n1\n" DX DY, 6, 2, 0},
	{"data: mask 0.5", K_DATA, DH DX DY "M 4 1\n1\n0.5\n1\n1\n", 14, 0, 0},
	{"data: mask 2", K_DATA, DH DX DY "M 4 1\n1\n0\n2\n1\n", 15, 0, 0},
	{"data: mask -1", K_DATA, DH DX DY "M 4 1\n1\n0\n1\n-1\n", 16, 0, 0},
	{"data: mask nan", K_DATA, DH DX DY "M 4 1\nnan\n0\n1\n1\n", 13, 0, 0},
	{"data: missing X", K_DATA, DH DY, 6, 0, 0},
	{"data: missing Y", K_DATA, DH DX, 6, 0, 0},
	{"data: missing Y, with M", K_DATA, DH DX DM "# end\n", 12, 0, 0},
	{"data: header only", K_DATA, DH, 1, 0, 0},
	{"data: unknown block", K_DATA, DH DX DY "Z 4 1\n1\n0\n1\n1\n", 12, 0, 0},
	{"data: repeated X", K_DATA, DH DX DY DX, 12, 0, 0},
	{"data: repeated M", K_DATA, DH DX DY DM DM, 17, 0, 0},
	{"data: nan in X", K_DATA, DH "X 4 2\n0.5 -1\nnan 0.25\n-3 4\n1e-3 7\n" DY, 4, 0, 0},
	{"data: inf in Y", K_DATA, DH DX "Y 4 1\n1\n-2\ninf\n0\n", 10, 0, 0},
	{"data: 1e999 in X", K_DATA, DH "X 4 2\n0.5 1e999\n2 0.25\n-3 4\n1e-3 7\n" DY, 3, 0, 0},
	{"data: 1.2.3 in Y", K_DATA, DH DX "Y 4 1\n1.2.3\n-2\n3.5\n0\n", 8, 0, 0},
	{"data: too few numbers", K_DATA, DH "X 4 2\n0.5 -1\n2\n-3 4\n1e-3 7\n" DY, 4, 0, 0},
	{"data: too many numbers", K_DATA, DH "X 4 2\n0.5 -1\n2 0.25 9\n-3 4\n1e-3 7\n" DY, 4, 0, 0},
	{"data: file ends in Y", K_DATA, DH DX "Y 4 1\n1\n-2\n", 9, 0, 0},
	{"data: file ends in X, comment after", K_DATA, DH "X 4 2\n0.5 -1\n# c\n", 4, 0, 0},
	{"data: X rows 0", K_DATA, DH "X 0 2\n" DY, 2, 0, 0},
	{"data: X cols 0", K_DATA, DH "X 4 0\n" DY, 2, 0, 0},
	{"data: Y cols 0", K_DATA, DH DX "Y 4 0\n", 7, 0, 0},
	{"data: X rows -4", K_DATA, DH "X -4 2\n" DY, 2, 0, 0},
	{"data: X rows 4.0", K_DATA, DH "X 4.0 2\n0.5 -1\n2 0.25\n-3 4\n1e-3 7\n" DY, ANY, 0, 0},
	{"data: X block header 2 fields", K_DATA, DH "X 4\n" DY, 2, 0, 0},
	{"data: T above 1e8", K_DATA, DH "X 100000001 2\n0.5 -1\n# more\n", 2, 0, 1},
	{"data: d above limit", K_DATA, DH "X 4 100001\n0.5 -1\n# more\n", 2, 0, 0},
	{"data: m above limit", K_DATA, DH DX "Y 4 100001\n1\n# more\n", 7, 0, 0},
	{"data: 1e10 numbers", K_DATA, DH "X 100000000 100\n0.5 -1\n# more\n", 2, 0, 1},
	{"data: empty file", K_DATA, "", 0, 1, 0},
	{"data: only comments", K_DATA, "# a\n#b\n", 2, 0, 0},

	/* gradients */
	{"grad: model header", K_GRAD, MH MARCH MDIMS GLOSS MBLOCKS GX, 1, 0, 0},
	{"grad: data header", K_GRAD, DH MARCH MDIMS GLOSS MBLOCKS GX, 1, 0, 0},
	{"grad: version 2", K_GRAD, "bptt-grad 2\n" MARCH MDIMS GLOSS MBLOCKS GX, 1, 0, 0},
	{"grad: missing loss", K_GRAD, GH MARCH MDIMS MBLOCKS GX, 22, 4, 0},
	{"grad: missing X", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS, 20, 0, 0},
	{"grad: missing X, comment after", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "\n# x\n", 22, 0, 0},
	{"grad: missing V", K_GRAD, GH MARCH MDIMS GLOSS MW MU MB MBY GX, 21, 0, 0},
	{"grad: loss nan", K_GRAD, GH MARCH MDIMS "loss nan\n" MBLOCKS GX, 4, 0, 0},
	{"grad: loss inf", K_GRAD, GH MARCH MDIMS "loss inf\n" MBLOCKS GX, 4, 0, 0},
	{"grad: loss abc", K_GRAD, GH MARCH MDIMS "loss abc\n" MBLOCKS GX, 4, 0, 0},
	{"grad: loss two values", K_GRAD, GH MARCH MDIMS "loss 1 2\n" MBLOCKS GX, 4, 0, 0},
	{"grad: loss without value", K_GRAD, GH MARCH MDIMS "loss\n" MBLOCKS GX, 4, 0, 0},
	{"grad: repeated loss", K_GRAD, GH MARCH MDIMS GLOSS GLOSS MBLOCKS GX, 5, 0, 0},
	{"grad: loss after a block", K_GRAD, GH MARCH MDIMS MBLOCKS GLOSS GX, 20, 4, 0},
	{"grad: unknown arch", K_GRAD, GH "arch nosuch\n" MDIMS GLOSS MBLOCKS GX, 2, 0, 0},
	{"grad: X cols differ from d", K_GRAD,
	 GH MARCH MDIMS GLOSS MBLOCKS "X 2 3\n0.1 0.2 0.3\n0.3 -0.4 0.5\n", 21, 0, 0},
	{"grad: X rows 0", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "X 0 2\n", 21, 0, 0},
	{"grad: T above 1e8", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "X 100000001 2\n0.1 0.2\n", 21, 0, 1},
	{"grad: nan in X", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "X 2 2\n0.1 0.2\nnan -0.4\n", 23, 0, 0},
	{"grad: nan in W", K_GRAD,
	 GH MARCH MDIMS GLOSS "W 3 3\n0.5 -0.25 0.125\n1.5 2.25 -3\n0.75 nan -0.2\n" MU MB MV MBY GX, 8, 0, 0},
	{"grad: too many numbers in X", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "X 2 2\n0.1 0.2\n0.3 -0.4 7\n", 23, 0, 0},
	{"grad: file ends in X", K_GRAD, GH MARCH MDIMS GLOSS MBLOCKS "X 2 2\n0.1 0.2\n", 22, 0, 0},
	{"grad: shape mismatch", K_GRAD, GH MARCH MDIMS GLOSS MW "U 2 3\n1 2 3\n4.5 -5 6\n" MB MV MBY GX, 9, 0, 0},
	{"grad: activation on linear", K_GRAD,
	 GH "arch linear\n" MDIMS "activation relu\n" GLOSS MBLOCKS GX, 4, 0, 0},
	{"grad: empty file", K_GRAD, "", 0, 1, 0},
	/* dims 10 3 1 make 46 parameters; X then holds exactly 10^9 numbers,
	 * so the file has 10^9 + 46 in all. */
	{"grad: parameters + X above 1e9 numbers, blocks first", K_GRAD,
	 GH MARCH "dims 10 3 1\n" GLOSS
	 "W 3 3\n1 2 3\n4 5 6\n7 8 9\n"
	 "U 3 10\n1 2 3 4 5 6 7 8 9 10\n2 3 4 5 6 7 8 9 10 11\n3 4 5 6 7 8 9 10 11 12\n"
	 "b 3 1\n1\n2\n3\nV 1 3\n1 2 3\nb_y 1 1\n4\n"
	 "X 100000000 10\n1 2 3 4 5 6 7 8 9 10\n# more\n# more\n", 21, 0, 1},
	{"grad: parameters + X above 1e9 numbers, X first", K_GRAD,
	 GH MARCH "dims 10 3 1\n" GLOSS
	 "X 100000000 10\n1 2 3 4 5 6 7 8 9 10\n# more\n# more\n", 5, 0, 1},
};
#define NREFUSALS ((int)(sizeof refusals / sizeof refusals[0]))

/* Reads c's text with the reader of its kind; returns 0 when refused as
 * the spec says, else 1 with the reason in why. */
static int check_refusal(const struct refusal *c, const char *dir, char *why,
			 size_t len)
{
	char p[700];
	snprintf(p, sizeof p, "%s/bad.txt", dir);
	write_text(p, c->text);

	bt_error err;
	memset(&err, 0, sizeof err);
	err.line = -12345;
	int st;
	if (c->kind == K_MODEL) {
		bt_model *m = NULL;
		st = bt_model_read(&m, p, &err);
		if (st == BT_OK)
			bt_model_free(m);
	} else if (c->kind == K_DATA) {
		bt_data *d = NULL;
		st = bt_data_read(&d, p, &err);
		if (st == BT_OK)
			bt_data_free(d);
	} else {
		bt_model *g = NULL;
		double loss, *dX = NULL;
		size_t T;
		st = bt_grad_read(&g, &loss, &dX, &T, p, &err);
		if (st == BT_OK) {
			bt_model_free(g);
			free(dX);
		}
	}
	if (st != BT_EFORMAT)
		snprintf(why, len, "%s: status %d (%s), want BT_EFORMAT; "
			 "err line %ld: %s", c->name, st,
			 st == BT_OK ? "accepted" : bt_strerror(st), err.line,
			 err.msg);
	else if (strcmp(err.file, p) != 0)
		snprintf(why, len, "%s: err.file \"%s\"", c->name, err.file);
	else if (err.msg[0] == '\0')
		snprintf(why, len, "%s: empty message", c->name);
	/* Under cap_memory, a reader that allocates what a refused file
	 * declares runs out of memory: that is not a refusal of the format. */
	else if (strstr(err.msg, "memory") != NULL)
		snprintf(why, len, "%s: refused for lack of memory, line %ld: %s",
			 c->name, err.line, err.msg);
	else if (c->line != ANY && err.line != c->line &&
		 !(c->line_alt && err.line == c->line_alt))
		snprintf(why, len, "%s: line %ld, want %ld%s (msg: %s)", c->name,
			 err.line, c->line,
			 c->line_alt ? " or the alternative" : "", err.msg);
	else
		return 0;
	return 1;
}

/* Every ordinary case of one kind in one test (a fork each would make the
 * sanitizer build slow); the failure lists every case that went wrong. */
static void refuse_kind(int kind)
{
	char dir[600], why[600], report[6000] = "";
	scratch_dir(dir, sizeof dir);
	cap_memory();
	int bad = 0, run = 0;
	for (int i = 0; i < NREFUSALS; i++) {
		if (refusals[i].kind != kind || refusals[i].huge)
			continue;
		run++;
		if (check_refusal(&refusals[i], dir, why, sizeof why)) {
			bad++;
			size_t used = strlen(report);
			snprintf(report + used, sizeof report - used, "\n  %s", why);
		}
	}
	ck_assert_int_gt(run, 0);
	ck_assert_msg(bad == 0, "%d of %d refusals wrong:%s", bad, run, report);
}

START_TEST(test_refuse_model)
{
	refuse_kind(K_MODEL);
}
END_TEST

START_TEST(test_refuse_data)
{
	refuse_kind(K_DATA);
}
END_TEST

START_TEST(test_refuse_grad)
{
	refuse_kind(K_GRAD);
}
END_TEST

/* The huge declarations, one test each: the reader must refuse them
 * before allocating (here: under a cap on the address space). */
static int g_huge[32], g_nhuge;

START_TEST(test_refuse_huge)
{
	char dir[600], why[600];
	scratch_dir(dir, sizeof dir);
	cap_memory();
	const struct refusal *c = &refusals[g_huge[_i]];
	ck_assert_msg(!check_refusal(c, dir, why, sizeof why), "%s", why);
}
END_TEST

/* ---- the longest line ------------------------------------------------------------ */

/* text, then fill bytes of c, then tail, as the file p. */
static void write_long(const char *p, const char *text, int c, size_t fill,
		       const char *tail)
{
	FILE *f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	for (size_t i = 0; i < fill; i++)
		putc(c, f);
	fputs(tail, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The status of reading p as data; the line buffer it used stays within
 * the longest line it allowed. */
static int read_data_capped(const char *p, bt_error *err, size_t *allowed)
{
	bt_data *d = NULL;
	size_t buffer;
	bt_textio_line_use(&buffer, allowed);
	memset(err, 0, sizeof *err);
	int st = bt_data_read(&d, p, err);
	bt_data_free(d);
	bt_textio_line_use(&buffer, allowed);
	ck_assert_msg(buffer <= *allowed + 1 + BT_NUMIO_PAD,
		      "line buffer of %zu bytes, allowed %zu", buffer, *allowed);
	return st;
}

START_TEST(test_line_cap)
{
	char dir[600], p[700];
	size_t allowed;
	bt_error err;
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/d.txt", dir);
	/* a file without line ends: refused after 64 KiB, at line 1 */
	write_long(p, "", 'x', 4 << 20, "");
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_EFORMAT);
	ck_assert_int_eq(err.line, 1);
	ck_assert_uint_eq(allowed, 65536);
	ck_assert_msg(strstr(err.msg, "longer than 65536 bytes"), "%s", err.msg);
	/* a comment of a megabyte after the header */
	write_long(p, "bptt-data 1\n#", 'c', 1 << 20, "\nX 1 1\n1\nY 1 1\n2\n");
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_EFORMAT);
	ck_assert_int_eq(err.line, 2);
	/* just under the limit: read */
	write_long(p, "bptt-data 1\n#", 'c', 65000, "\nX 1 1\n1\nY 1 1\n2\n");
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_OK);
	/* a row may hold 64 KiB and a kilobyte per number */
	write_long(p, "bptt-data 1\nX 1 2\n1 2", ' ', 66000, "\nY 1 1\n2\n");
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_OK);
	ck_assert_uint_eq(allowed, 65536 + 2 * 1024);
	write_long(p, "bptt-data 1\nX 1 2\n1 2", ' ', 68000, "\nY 1 1\n2\n");
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_EFORMAT);
	ck_assert_int_eq(err.line, 3);
	ck_assert_msg(strstr(err.msg, "row"), "%s", err.msg);
	/* past 64 KiB the line buffer counts against the memory limit */
	write_long(p, "bptt-data 1\nX 1 1000\n1", ' ', 300000, "\nY 1 1\n2\n");
	bt_set_memory_limit(200000);
	ck_assert_int_eq(read_data_capped(p, &err, &allowed), BT_EFORMAT);
	bt_set_memory_limit(0);
	ck_assert_int_eq(err.line, 3);
	ck_assert_msg(strstr(err.msg, "memory limit"), "%s", err.msg);
}
END_TEST

/* ---- atomic writes -------------------------------------------------------------- */

typedef struct {
	const char *text;
	int fail;   /* write half of text, then return this status if non-zero */
} writer_ctx;

static int text_writer(FILE *f, const void *ctx)
{
	const writer_ctx *w = ctx;
	size_t n = strlen(w->text);
	if (w->fail) {
		fwrite(w->text, 1, n / 2, f);
		fflush(f);
		return w->fail;
	}
	return fwrite(w->text, 1, n, f) == n ? BT_OK : BT_EIO;
}

/* Two outputs: the second one's writer fails, so neither file changes
 * and no temporary file stays; both succeed: both written. */
START_TEST(test_atomic_all_or_none)
{
	char dir[600], a[700], b[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(a, sizeof a, "%s/a.txt", dir);
	snprintf(b, sizeof b, "%s/b.txt", dir);
	write_text(a, "old a\n");
	write_text(b, "old b\n");
	writer_ctx good = {"new\n", 0}, bad = {"half written\n", BT_EIO};
	bt_output outs[2] = {{a, text_writer, &good}, {b, text_writer, &bad}};
	bt_error err;
	ck_assert_int_eq(bt_write_atomic_all(outs, 2, &err), BT_EIO);
	ck_assert_str_eq(err.file, b);
	char *got = read_all(a, NULL);
	ck_assert_str_eq(got, "old a\n");
	free(got);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 2);
	outs[1].ctx = &good;
	ck_assert_int_eq(bt_write_atomic_all(outs, 2, &err), BT_OK);
	got = read_all(b, NULL);
	ck_assert_str_eq(got, "new\n");
	free(got);
	/* the same file twice: refused before anything is written */
	outs[1].path = a;
	write_text(a, "old a\n");
	ck_assert_int_eq(bt_write_atomic_all(outs, 2, &err), BT_EIO);
	ck_assert_msg(strstr(err.msg, "same file"), "%s", err.msg);
	got = read_all(a, NULL);
	ck_assert_str_eq(got, "old a\n");
	free(got);
	const char *paths[2] = {a, b};
	ck_assert_int_eq(bt_outputs_check(paths, 2, &err), BT_OK);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 2);
	/* a read-only file: refused, naming --force; forced, replaced with its
	 * mode kept; a directory refused even when forced */
	chmod(b, 0444);
	ck_assert_int_eq(bt_write_atomic(b, text_writer, &good, &err), BT_EIO);
	ck_assert_msg(strstr(err.msg, "read-only") && strstr(err.msg, "--force"), "%s", err.msg);
	bt_outputs_force(1);
	writer_ctx forced = {"forced\n", 0};
	ck_assert_int_eq(bt_write_atomic(b, text_writer, &forced, &err), BT_OK);
	ck_assert_int_eq(bt_write_atomic(dir, text_writer, &forced, &err), BT_EIO);
	ck_assert_msg(strstr(err.msg, "directory"), "%s", err.msg);
	bt_outputs_force(0);
	got = read_all(b, NULL);
	ck_assert_str_eq(got, "forced\n");
	free(got);
	struct stat st;
	ck_assert_int_eq(stat(b, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0444);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 2);
}
END_TEST

START_TEST(test_atomic_new_file)
{
	char dir[600], p[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/out.txt", dir);
	writer_ctx w = {"first line\n2.5 -3\n", 0};
	bt_error err;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(bt_write_atomic(p, text_writer, &w, &err), BT_OK);
	char *got = read_all(p, NULL);
	ck_assert_str_eq(got, w.text);
	free(got);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 1);
	ck_assert_str_eq(names, "out.txt");
}
END_TEST

START_TEST(test_atomic_replace)
{
	char dir[600], p[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/out.txt", dir);
	write_text(p, "old content\n");
	/* Longer than any stdio buffer, so part of it reaches the disk. */
	size_t big = 200000;
	char *text = malloc(big + 1);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < big; i++)
		text[i] = (i % 61 == 60) ? '\n' : (char)('a' + i % 26);
	text[big] = '\0';
	writer_ctx w = {text, 0};
	bt_error err;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(bt_write_atomic(p, text_writer, &w, &err), BT_OK);
	size_t len;
	char *got = read_all(p, &len);
	ck_assert_uint_eq(len, big);
	ck_assert(memcmp(got, text, big) == 0);
	free(got);
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 1);
	free(text);
}
END_TEST

START_TEST(test_atomic_failing_writer)
{
	char dir[600], p[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/out.txt", dir);
	write_text(p, "old content\n");
	size_t big = 100000;
	char *text = malloc(big + 1);
	ck_assert_ptr_nonnull(text);
	memset(text, 'x', big);
	text[big] = '\0';
	writer_ctx w = {text, BT_ENUMERIC};
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_write_atomic(p, text_writer, &w, &err);
	ck_assert_int_ne(st, BT_OK);
	char *got = read_all(p, NULL);
	ck_assert_str_eq(got, "old content\n");
	free(got);
	ck_assert_msg(dir_entries(dir, names, sizeof names) == 1,
		      "left behind: %s", names);

	/* A short failing write to a new path leaves nothing at all. */
	char q[700];
	snprintf(q, sizeof q, "%s/new.txt", dir);
	w.text = "half of this\n";
	w.fail = 1;
	memset(&err, 0, sizeof err);
	ck_assert_int_ne(bt_write_atomic(q, text_writer, &w, &err), BT_OK);
	ck_assert_msg(dir_entries(dir, names, sizeof names) == 1,
		      "left behind: %s", names);
	free(text);
}
END_TEST

START_TEST(test_atomic_no_dir)
{
	char dir[600], p[700], names[2048];
	scratch_dir(dir, sizeof dir);
	snprintf(p, sizeof p, "%s/no/such/dir/out.txt", dir);
	writer_ctx w = {"text\n", 0};
	bt_error err;
	memset(&err, 0, sizeof err);
	int st = bt_write_atomic(p, text_writer, &w, &err);
	ck_assert_int_eq(st, BT_EIO);
	ck_assert_msg(err.file[0] != '\0', "err.file empty");
	ck_assert_msg(strstr(err.file, "no/such/dir") != NULL,
		      "err.file \"%s\" does not name the path", err.file);
	ck_assert_msg(err.msg[0] != '\0', "err.msg empty");
	ck_assert_int_eq(dir_entries(dir, names, sizeof names), 0);
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static Suite *textio_suite(void)
{
	Suite *s = suite_create("textio");
	make_combos();

	TCase *tc = tcase_create("roundtrip");
	tcase_add_loop_test(tc, test_roundtrip_model, 0, g_ncombos);
	tcase_add_loop_test(tc, test_roundtrip_data, 0, 2);
	tcase_add_loop_test(tc, test_roundtrip_grad, 0, g_ncombos);
	tcase_add_test(tc, test_roundtrip_atomic_model);
	suite_add_tcase(s, tc);

	tc = tcase_create("accept");
	tcase_add_test(tc, test_accept_plain);
	tcase_add_test(tc, test_accept_comments);
	tcase_add_test(tc, test_accept_comment_glued);
	tcase_add_test(tc, test_accept_blanks);
	tcase_add_test(tc, test_accept_crlf);
	tcase_add_test(tc, test_accept_no_final_newline);
	tcase_add_test(tc, test_accept_header_order);
	tcase_add_test(tc, test_accept_block_order);
	tcase_add_test(tc, test_accept_other_arch);
	tcase_add_test(tc, test_accept_data);
	tcase_add_test(tc, test_accept_grad);
	tcase_add_test(tc, test_read_missing_file);
	tcase_add_test(tc, test_refuse_short_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_test(tc, test_refuse_model);
	tcase_add_test(tc, test_refuse_data);
	tcase_add_test(tc, test_refuse_grad);
	suite_add_tcase(s, tc);

	g_nhuge = 0;
	for (int i = 0; i < NREFUSALS && g_nhuge < 32; i++)
		if (refusals[i].huge)
			g_huge[g_nhuge++] = i;
	tc = tcase_create("refuse_huge");
	/* A reader that does allocate 8 GB is slow to fail under ASan. */
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_refuse_huge, 0, g_nhuge);
	suite_add_tcase(s, tc);

	tc = tcase_create("line_cap");
	tcase_add_test(tc, test_line_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("atomic");
	tcase_add_test(tc, test_atomic_new_file);
	tcase_add_test(tc, test_atomic_all_or_none);
	tcase_add_test(tc, test_atomic_replace);
	tcase_add_test(tc, test_atomic_failing_writer);
	tcase_add_test(tc, test_atomic_no_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(g_root, sizeof g_root, "%s/bt_textio.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	SRunner *sr = srunner_create(textio_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tree(g_root);
	return failures ? 1 : 0;
}
