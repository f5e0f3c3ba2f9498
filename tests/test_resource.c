/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_resource.c — what a request may take (resource.c): the _size functions
 * against the memory the computation really holds, the memory limit in
 * the readers, cancelling and progress in every long loop.
 *
 *  - the _size function of each computation, for every architecture, is
 *    at least the largest amount the computation has allocated at any of
 *    its polls (measured with the allocator's own count: mallinfo2, or
 *    ASan's when it runs), and not wildly more;
 *  - bt_seq_size and bt_batch_size are what bt_seq_alloc and
 *    bt_batch_alloc take, for every architecture;
 *  - a model or data file whose declared sizes exceed the limit is refused
 *    at the line that declares them; without a limit it reads;
 *  - bt_cancel_request stops each long loop with BT_ECANCELED, the progress
 *    hook sees the outermost loop only and can cancel at a given step;
 *  - a cancelled bt_write_atomic leaves the old file and no temporary. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/alloc.h"
#include "memcount.h"
#include "testutil.h"

/* ---- formatting and the limit ------------------------------------------------- */

/* Large buffers (alloc.c): bt_big_calloc gives zeros even where the heap
 * held other values, of the size asked (the allocator's usable size), and
 * refuses a count·size that overflows; bt_big_malloc's block is usable to
 * its last byte. */
START_TEST(test_big_alloc)
{
	const size_t N = (size_t)9 << 20;   /* 9 MiB: a few whole huge pages */
	/* keep freed blocks in the heap, so that the calloc below gets the
	 * dirty block back (glibc; the suite's last test, as it changes the
	 * allocator for the rest of the process under CK_FORK=no) */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	for (int round = 0; round < 3; round++) {
		unsigned char *dirty = bt_big_malloc(N);
		ck_assert_ptr_nonnull(dirty);
		memset(dirty, 0xa5, N);
		dirty[N - 1] = 0x5a;
		/* read it back: otherwise the compiler drops stores to a block
		 * that is freed next */
		ck_assert_uint_eq(dirty[N / 2] + dirty[N - 1], 0xa5 + 0x5a);
		free(dirty);
		double *z = bt_big_calloc(N / sizeof(double), sizeof(double));
		ck_assert_ptr_nonnull(z);
		ck_assert_uint_ge(malloc_usable_size(z), N);
		for (size_t i = 0; i < N / sizeof(double); i++)
			if (z[i] != 0)
				ck_abort_msg("round %d: entry %zu of a big calloc is %g", round, i, z[i]);
		free(z);
	}
	double *small = bt_big_calloc(3, sizeof(double));
	ck_assert_ptr_nonnull(small);
	ck_assert(small[0] == 0 && small[2] == 0);
	free(small);
	ck_assert_ptr_null(bt_big_calloc(SIZE_MAX / 2, 4));
	bt_advise_huge(NULL, N);   /* harmless */
}
END_TEST

/* The command's heap (bt_heap_for_process): what is allocated after it
 * lands in huge pages, wherever the heap's random start falls against the
 * 2 MiB boundaries. Each case runs in a child whose break is first moved
 * to the offset wanted; the child touches 8 MiB of a fresh malloc'd block
 * and counts its page faults against a control, 8 MiB of a fresh aligned
 * mapping with huge pages advised. (Before the fix, a heap starting more
 * than about 1 MiB past a boundary took some 512 faults more: the first
 * huge page had been touched in small pages before the advice.) Where the
 * control shows no huge pages (THP off) or the heap cannot be prepared
 * (AddressSanitizer's allocator), the case is skipped. */
static long minor_faults(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt;
}

static long control_faults(size_t bytes)
{
	const uintptr_t H = (uintptr_t)2 << 20;
	char *m = mmap(NULL, bytes + H, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	char *a = (char *)(((uintptr_t)m + H - 1) & ~(H - 1));
	(void)madvise(a, bytes, MADV_HUGEPAGE);
	long f0 = minor_faults();
	memset(a, 1, bytes);
	long f = minor_faults() - f0;
	munmap(m, bytes + H);
	return f;
}

START_TEST(test_heap_huge_pages)
{
	const size_t N = (size_t)8 << 20;
	const uintptr_t H = (uintptr_t)2 << 20;
	const size_t offsets[] = {16 << 10, 512 << 10, 960 << 10, 1020 << 10,
				  1100 << 10, 1500 << 10, 1900 << 10, 2040 << 10};
	int ran = 0;
	for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
		int fd[2];
		ck_assert_int_eq(pipe(fd), 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fd[0]);
			long out[2] = {-1, -1};
			uintptr_t at = (uintptr_t)sbrk(0) % H;
			intptr_t d = (intptr_t)((offsets[k] + H - at) % H);
			if (d && sbrk(d) == (void *)-1)
				_exit(3);
			out[0] = control_faults(N);
			if (out[0] < 0 || out[0] > 64 || !bt_heap_for_process())
				_exit(77);
			long f0 = minor_faults();
			volatile char *b = malloc(N);
			if (!b)
				_exit(4);
			memset((char *)b, 1, N);
			out[1] = minor_faults() - f0 + (b[N - 1] != 1);
			if (write(fd[1], out, sizeof out) != (ssize_t)sizeof out)
				_exit(5);
			_exit(0);
		}
		close(fd[1]);
		long got[2] = {-1, -1};
		ssize_t r = read(fd[0], got, sizeof got);
		close(fd[0]);
		int status = 0;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77)
			continue;
		ck_assert_msg(WEXITSTATUS(status) == 0 && r == (ssize_t)sizeof got,
			      "offset %zu KiB: the child ended with %d", offsets[k] >> 10,
			      WEXITSTATUS(status));
		ck_assert_msg(got[1] <= got[0] + 16,
			      "heap starting %zu KiB past a 2 MiB boundary: %ld faults to touch "
			      "8 MiB (a fresh mapping with huge pages: %ld)",
			      offsets[k] >> 10, got[1], got[0]);
		ran++;
	}
	if (!ran)
		fprintf(stderr, "test_heap_huge_pages: no huge pages here (or not glibc's heap): skipped\n");
}
END_TEST

START_TEST(test_format_bytes)
{
	char b[32];
	bt_format_bytes(0, b, sizeof b);
	ck_assert_str_eq(b, "0 B");
	bt_format_bytes(1023, b, sizeof b);
	ck_assert_str_eq(b, "1023 B");
	bt_format_bytes(1536, b, sizeof b);
	ck_assert_str_eq(b, "1.5 KiB");
	bt_format_bytes(64.0 * 1024 * 1024, b, sizeof b);
	ck_assert_str_eq(b, "64 MiB");
	bt_format_bytes(7.5 * 1024 * 1024 * 1024, b, sizeof b);
	ck_assert_str_eq(b, "7.5 GiB");
	bt_format_bytes(1e30, b, sizeof b);
	ck_assert_msg(strstr(b, "EiB") != NULL, "%s", b);
	bt_set_memory_limit(12345);
	ck_assert(bt_memory_limit() == 12345);
	bt_set_memory_limit(-3);
	ck_assert(bt_memory_limit() == 0);
	bt_set_memory_limit(NAN);
	ck_assert(bt_memory_limit() == 0);
	ck_assert(bt_memory_available() > 0);
}
END_TEST

/* ---- estimates against what the tasks hold ---------------------------------------- */

enum { GRADIENT, CHECK, FLOW_LAGS, JACOBIAN, SPECTRUM, LYAPUNOV, BIAS };
static const int tasks[] = {GRADIENT, CHECK, FLOW_LAGS, JACOBIAN, SPECTRUM,
			    LYAPUNOV, BIAS};

/* What the computation's _size function says it holds beside the model
 * and the data. */
static double computation_size(const bt_cell_type *type, bt_dims dims, size_t T, int task)
{
	switch (task) {
	case GRADIENT: return bt_gradient_size(type, dims, T);
	case CHECK: return bt_gradcheck_size(type, dims, T);
	case FLOW_LAGS: return bt_flow_lags_size(type, dims, T);
	case JACOBIAN: return bt_jacobian_lags_size(type, dims, T);
	case SPECTRUM: return bt_spectrum_size(type, dims, T);
	case LYAPUNOV: return bt_lyapunov_size(type, dims);
	case BIAS: return bt_bias_size(type, dims, T);
	}
	return 0;
}
#define NTASKS (sizeof tasks / sizeof tasks[0])

START_TEST(test_estimate_covers)
{
	const bt_cell_type *type = bt_cell_at((size_t)_i / NTASKS);
	int task = tasks[(size_t)_i % NTASKS];
	/* sizes at which the buffers that grow are far above the estimate's
	 * constant for small ones (64 KiB) */
	size_t T = task == FLOW_LAGS ? 300 : task == BIAS ? 600 : 1500;
	bt_model *m = tu_model(bt_cell_name(type), BT_ACT_TANH, 3, 40, 2, 0.3 / sqrt(10.0), 5);
	bt_data *d = tu_data(T, 3, 2, 0, 6), *d2 = tu_data(T, 3, 2, 0, 7);
	size_t P = m->nparams;
	double *g = malloc(P * sizeof(double)), *dX = malloc(T * 3 * sizeof(double));
	ck_assert(g && dX);
	double L, base = held();
	int is_w = 0;
	peak = base;
	bt_set_progress(sample, NULL);
	int st = BT_OK;
	switch (task) {
	case GRADIENT:
		st = bt_gradient(m, d, 0, &L, g, dX);
		break;
	case CHECK: {
		/* the directional check holds what the per-entry one does
		 * (the same copies and gradients) and more: directions v */
		bt_check_dir_result r;
		st = bt_gradcheck_directional(m, d, NULL, &r);
		break;
	}
	case FLOW_LAGS: {
		bt_flow_result *r;
		ck_assert_int_eq(bt_flow_alloc(&r, m, T), BT_OK);
		st = bt_flow_lags(m, d, 5, 0, r);
		bt_flow_free(r);
		break;
	}
	case JACOBIAN: {
		bt_jacobian_result *r;
		ck_assert_int_eq(bt_jacobian_alloc(&r, T), BT_OK);
		st = bt_jacobian_lags(m, d, r);
		bt_jacobian_free(r);
		break;
	}
	case SPECTRUM: {
		gsl_matrix *A;
		bt_spectrum_result *r;
		ck_assert_int_eq(bt_spectrum_source(m, d, 0, &A, &is_w), BT_OK);
		ck_assert_int_eq(bt_spectrum_alloc(&r, A->size1, T), BT_OK);
		st = bt_spectrum_matrix(A, r);
		bt_spectrum_free(r);
		gsl_matrix_free(A);
		break;
	}
	case LYAPUNOV: {
		bt_lyapunov_result *r;
		ck_assert_int_eq(bt_lyapunov_alloc(&r, m, T, NULL), BT_OK);
		st = bt_lyapunov(m, d, r);
		bt_lyapunov_free(r);
		break;
	}
	case BIAS: {
		size_t k[3] = {1, 4, 9};
		const bt_data *ds[2] = {d, d2};
		bt_bias_result *r;
		ck_assert_int_eq(bt_bias_alloc(&r, k, 3, 2), BT_OK);
		st = bt_bias_model(m, ds, r);
		bt_bias_free(r);
		break;
	}
	}
	bt_set_progress(NULL, NULL);
	ck_assert_int_eq(st, BT_OK);
	/* what the computation held at its largest beyond the caller's
	 * buffers, against its _size function (and the constant for the
	 * small buffers) */
	double used = peak - base;
	double est = computation_size(type, m->dims, T, task) + BT_MEMORY_SLACK;
	ck_assert_msg(peak > base, "%s computation %d: no poll saw the task's memory", bt_cell_name(type), task);
	ck_assert_msg(est >= used, "%s computation %d: size %.0f below the %.0f bytes held",
		      bt_cell_name(type), task, est, used);
	/* the spectrum of W needs no forward pass: the estimate is for J_t */
	ck_assert_msg(is_w || est <= 4 * used + 2 * 65536, "%s computation %d: size %.0f far above the %.0f bytes held",
		      bt_cell_name(type), task, est, used);
	free(g);
	free(dX);
	bt_model_free(m);
	bt_data_free(d);
	bt_data_free(d2);
}
END_TEST

/* Sizes grow as the sizes say: linearly in T for the workspaces,
 * quadratically in the state size for the S×S matrices; absurd sizes give
 * large finite numbers, not overflow; no type gives 0. */
START_TEST(test_estimate_scaling)
{
	const bt_cell_type *lstm = bt_cell_lookup("lstm"), *att = bt_cell_lookup("attention");
	bt_dims dm = {4, 16, 2};
	double g1 = bt_gradient_size(lstm, dm, 1000);
	double g2 = bt_gradient_size(lstm, dm, 2000);
	double g0 = bt_gradient_size(lstm, dm, 0);
	double P = bt_cell_param_count(lstm, dm);
	ck_assert(g1 > g0 && g0 >= 0);
	ck_assert(fabs((g2 - g1) - (g1 - g0)) < 0.01 * g1);   /* linear in T */
	ck_assert(bt_gradient_buffers_size(lstm, dm, 0) == 8 * P);
	ck_assert(bt_gradient_buffers_size(lstm, dm, 10) == 8 * (P + 40));
	bt_dims big = {4, 60000, 2};
	double j = bt_jacobian_lags_size(lstm, big, 100);
	ck_assert(j > 3.0 * 8 * 120000.0 * 120000.0 && isfinite(j));
	ck_assert(bt_lyapunov_size(lstm, big) >= 3.0 * 8 * 120000.0 * 120000.0);
	ck_assert(bt_model_size(lstm, big) == 8 * bt_cell_param_count(lstm, big));
	ck_assert(bt_data_size(dm, 100) == 8.0 * 100 * 7);
	bt_dims top = {BT_MAX_DIM, BT_MAX_DIM, BT_MAX_DIM};
	size_t Tm = BT_MAX_T;
	double all[] = {bt_model_size(att, top), bt_data_size(top, Tm),
			bt_gradient_size(att, top, Tm), bt_gradient_buffers_size(att, top, Tm),
			bt_gradcheck_size(att, top, Tm), bt_flow_lags_size(att, top, Tm),
			bt_jacobian_lags_size(att, top, Tm), bt_spectrum_size(att, top, Tm),
			bt_lyapunov_size(att, top), bt_bias_size(att, top, Tm),
			bt_train_size(att, top, Tm, 100000)};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert(isfinite(all[i]) && all[i] > 0);
	double none[] = {bt_model_size(NULL, dm), bt_gradient_size(NULL, dm, 10),
			 bt_gradient_buffers_size(NULL, dm, 10), bt_gradcheck_size(NULL, dm, 10),
			 bt_flow_lags_size(NULL, dm, 10), bt_jacobian_lags_size(NULL, dm, 10),
			 bt_spectrum_size(NULL, dm, 10), bt_lyapunov_size(NULL, dm),
			 bt_bias_size(NULL, dm, 10), bt_train_size(NULL, dm, 10, 4)};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		ck_assert(none[i] == 0);
	/* a minibatch's data count */
	ck_assert(bt_train_size(att, dm, 100, 8) > bt_train_size(att, dm, 100, 1) + 7 * bt_data_size(dm, 100) - 1);
}
END_TEST

/* ---- workspace sizes against what the allocator takes ------------------------------ */

/* The bytes asked of the allocator while `counting`: with glibc, malloc
 * and calloc here count them and call glibc's own (mallinfo2 would count
 * blocks with their headers, and blocks its per-thread cache holds or
 * refills); with ASan, which must keep its own malloc, its count is the
 * bytes asked. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_COUNTS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_COUNTS 1
#endif
#endif
#if defined(__GLIBC__) && !defined(ASAN_COUNTS)
#define COUNT_ASKED 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
static int counting;
static double asked;

void *malloc(size_t size)
{
	if (counting)
		asked += (double)size;
	return __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	if (counting)
		asked += (double)count * (double)size;
	return __libc_calloc(count, size);
}
#endif

/* Bytes asked for so far (NAN where neither count is there). */
static double asked_so_far(void)
{
#ifdef COUNT_ASKED
	counting = 1;
	return asked;
#else
	if (__sanitizer_get_current_allocated_bytes)
		return (double)__sanitizer_get_current_allocated_bytes();
	return NAN;
#endif
}

/* bt_seq_size and bt_batch_size against the bytes the allocators take: a
 * sequence workspace, a batched one for B = 1 (in place) and B = 3 (with
 * a per-sequence workspace), for every architecture. */
START_TEST(test_workspace_sizes)
{
	const bt_cell_type *type = bt_cell_at((size_t)_i);
	const char *arch = bt_cell_name(type);
	const size_t T = 100;
	bt_model *m = tu_model(arch, BT_ACT_TANH, 3, 6, 2, 0.3, 5);
	if (isnan(asked_so_far())) {
		fprintf(stderr, "test_workspace_sizes: no allocation count here: skipped\n");
		bt_model_free(m);
		return;
	}
	/* nothing between the two counts but the allocation (ck_assert
	 * allocates) */
	double before = asked_so_far();
	bt_seq *q;
	int st = bt_seq_alloc(&q, m, T);
	double got = asked_so_far() - before, size = bt_seq_size(type, m->dims, T);
	ck_assert_int_eq(st, BT_OK);
	ck_assert_msg(got == size, "%s: bt_seq_alloc, T = %zu: %.0f bytes allocated, size %.0f",
		      arch, T, got, size);
	bt_seq_free(q);
	for (size_t B = 1; B <= 3; B += 2) {
		before = asked_so_far();
		bt_batch *w;
		st = bt_batch_alloc(&w, m, B, T);
		got = asked_so_far() - before;
		ck_assert_int_eq(st, BT_OK);
		size = bt_batch_size(type, m->dims, B, T);
		ck_assert_msg(got == size, "%s: bt_batch_alloc, B = %zu, T = %zu: %.0f bytes "
			      "allocated, size %.0f", arch, B, T, got, size);
		bt_batch_free(w);
	}
#ifdef COUNT_ASKED
	counting = 0;
#endif
	ck_assert(bt_seq_size(NULL, m->dims, T) == 0 && bt_batch_size(NULL, m->dims, 1, T) == 0);
	bt_model_free(m);
}
END_TEST

/* ---- the limit in the readers -------------------------------------------------- */

static char dir[256];

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_reader_limit)
{
	char data[512], model[512];
	snprintf(data, sizeof data, "%s/d.txt", dir);
	snprintf(model, sizeof model, "%s/m.txt", dir);
	/* 3 × 2 + 3 × 1 numbers: X is 48 bytes, X and Y 72 */
	write_text(data, "bptt-data 1\n# two blocks\nX 3 2\n1 2\n3 4\n5 6\nY 3 1\n1\n2\n3\n");
	bt_data *d = NULL;
	bt_error e;
	bt_set_memory_limit(60);
	ck_assert_int_eq(bt_data_read(&d, data, &e), BT_EFORMAT);
	ck_assert_ptr_null(d);
	ck_assert_int_eq(e.line, 7);
	ck_assert_msg(strstr(e.msg, "memory limit") && strstr(e.msg, "'Y'"), "%s", e.msg);
	bt_set_memory_limit(40);
	ck_assert_int_eq(bt_data_read(&d, data, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 3);
	bt_set_memory_limit(72);
	ck_assert_int_eq(bt_data_read(&d, data, &e), BT_OK);
	bt_data_free(d);
	/* a model: the parameters, at the dims line */
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	FILE *f = fopen(model, "w");
	ck_assert_int_eq(bt_model_write(f, m), BT_OK);
	fclose(f);
	bt_set_memory_limit(8.0 * (double)m->nparams - 1);
	bt_model *r = NULL;
	ck_assert_int_eq(bt_model_read(&r, model, &e), BT_EFORMAT);
	ck_assert_int_eq(e.line, 3);
	ck_assert_msg(strstr(e.msg, "memory limit"), "%s", e.msg);
	bt_set_memory_limit(0);
	ck_assert_int_eq(bt_model_read(&r, model, &e), BT_OK);
	bt_model_free(r);
	bt_model_free(m);
}
END_TEST

/* ---- cancelling and progress -------------------------------------------------------- */

static const char *seen_what;
static size_t seen_calls, seen_total, stop_at;
static int count_and_stop(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	if (!seen_what)
		seen_what = what;
	/* bt_gradient's two passes are both outermost, one after the other;
	 * anything else is one loop */
	if (strcmp(what, seen_what) && !strcmp(seen_what, "steps of the forward pass"))
		seen_what = what;
	ck_assert_msg(!strcmp(what, seen_what), "an inner loop reported: %s after %s", what, seen_what);
	ck_assert_uint_le(done, total);
	seen_calls++;
	seen_total = total;
	return stop_at && done >= stop_at;
}

/* Each long computation: the hook sees its outermost loop (name, total),
 * stops it at a given count; a cancel request stops it at once. */
static bt_progress_fn hook;   /* the hook the test has set */

enum { C_GRADIENT, C_TRUNCATED, C_CHUNKED, C_CHECK, C_DIRECTIONS, C_TAYLOR,
       C_SWEEP, C_FLOW, C_JACOBIAN, C_SPECTRUM, C_LYAPUNOV, C_BIAS_SCALAR,
       C_BIAS_MODEL, NCASES };

static int run_case(int c, const bt_model *m, const bt_data *d)
{
	double L, *g = malloc(m->nparams * sizeof(double)), *dX = malloc(d->T * d->d * sizeof(double));
	int st = BT_EINVAL;
	bt_check_options opt;
	bt_check_options_default(&opt);
	switch (c) {
	case C_GRADIENT:
		st = bt_gradient(m, d, 0, &L, g, dX);
		break;
	case C_TRUNCATED:
	case C_CHUNKED: {
		bt_seq *q;
		ck_assert_int_eq(bt_seq_alloc(&q, m, d->T), BT_OK);
		/* the forward pass without the hook: the backward one reports */
		bt_set_progress(NULL, NULL);
		st = bt_seq_forward(q, m, d, &L);
		bt_set_progress(hook, NULL);
		if (st == BT_OK)
			st = c == C_TRUNCATED ? bt_seq_backward_truncated(q, m, d, 3, g, dX)
					      : bt_seq_backward_chunked(q, m, d, 3, g, dX);
		bt_seq_free(q);
		break;
	}
	case C_CHECK: {
		bt_check_result r;
		st = bt_gradcheck(m, d, &opt, &r);
		break;
	}
	case C_DIRECTIONS: {
		bt_check_dir_result r;
		opt.directions = 6;
		st = bt_gradcheck_directional(m, d, &opt, &r);
		break;
	}
	case C_TAYLOR: {
		bt_taylor_result r;
		st = bt_gradcheck_taylor(m, d, NULL, NULL, &opt, NULL, 0, &r);
		break;
	}
	case C_SWEEP: {
		bt_fd_sweep *s;
		ck_assert_int_eq(bt_fd_sweep_alloc(&s, 9), BT_OK);
		for (size_t i = 0; i < 9; i++)
			s->h[i] = pow(10.0, -1.0 - (double)i);
		st = bt_gradcheck_sweep(m, d, &opt, s);
		bt_fd_sweep_free(s);
		break;
	}
	case C_FLOW: {
		bt_flow_result *r;
		ck_assert_int_eq(bt_flow_alloc(&r, m, d->T), BT_OK);
		st = bt_flow_lags(m, d, 4, 0, r);
		bt_flow_free(r);
		break;
	}
	case C_JACOBIAN: {
		bt_jacobian_result *r;
		ck_assert_int_eq(bt_jacobian_alloc(&r, d->T), BT_OK);
		st = bt_jacobian_lags(m, d, r);
		bt_jacobian_free(r);
		break;
	}
	case C_SPECTRUM: {
		gsl_matrix *A;
		bt_spectrum_result *r;
		ck_assert_int_eq(bt_spectrum_source(m, d, 0, &A, NULL), BT_OK);
		ck_assert_int_eq(bt_spectrum_alloc(&r, A->size1, d->T), BT_OK);
		st = bt_spectrum_matrix(A, r);
		bt_spectrum_free(r);
		gsl_matrix_free(A);
		break;
	}
	case C_LYAPUNOV: {
		bt_lyapunov_result *r;
		ck_assert_int_eq(bt_lyapunov_alloc(&r, m, d->T, NULL), BT_OK);
		st = bt_lyapunov(m, d, r);
		bt_lyapunov_free(r);
		break;
	}
	case C_BIAS_SCALAR: {
		bt_bias_scalar_result r;
		st = bt_bias_scalar(0.7, 1.0, 1.0, 2, 50, 20, 30, 1, &r);
		break;
	}
	case C_BIAS_MODEL: {
		size_t k[2] = {1, 5};
		const bt_data *ds[1] = {d};
		bt_bias_result *r;
		ck_assert_int_eq(bt_bias_alloc(&r, k, 2, 1), BT_OK);
		st = bt_bias_model(m, ds, r);
		bt_bias_free(r);
		break;
	}
	}
	free(g);
	free(dX);
	return st;
}

static const char *const case_what[NCASES] = {
	"steps of the backward pass", "loss terms of the truncated backward pass",
	"steps of the chunked backward pass", "finite differences", "directions",
	"Taylor remainders", "steps h", "lags", "lags", "powers of the matrix", "steps",
	"sequences", "truncated gradients"};

START_TEST(test_cancel_each)
{
	int c = _i;
	bt_model *m = tu_model("rnn", BT_ACT_TANH, 2, 3, 2, 0.5, 3);
	bt_data *d = tu_data(20, 2, 2, 0, 3);
	/* runs to the end with the hook watching */
	seen_what = NULL;
	seen_calls = 0;
	stop_at = 0;
	bt_set_progress(hook = count_and_stop, NULL);
	ck_assert_int_eq(run_case(c, m, d), BT_OK);
	ck_assert_msg(seen_what && !strcmp(seen_what, case_what[c]), "case %d reported '%s' last", c,
		      seen_what ? seen_what : "(nothing)");
	size_t calls = seen_calls, total = seen_total;
	ck_assert_uint_ge(calls, 2);
	/* the hook stops it after a few */
	seen_what = NULL;
	seen_calls = 0;
	stop_at = 2;
	ck_assert_int_eq(run_case(c, m, d), BT_ECANCELED);
	ck_assert_uint_eq(seen_calls, 3);   /* done = 0, 1, 2 */
	ck_assert_uint_eq(seen_total, total);
	bt_set_progress(hook = NULL, NULL);
	/* a cancel request stops it before anything, and is kept until reset */
	bt_cancel_request();
	ck_assert(bt_cancel_requested());
	ck_assert_int_eq(run_case(c, m, d), BT_ECANCELED);
	ck_assert_int_eq(run_case(c, m, d), BT_ECANCELED);
	bt_cancel_reset();
	ck_assert(!bt_cancel_requested());
	ck_assert_int_eq(run_case(c, m, d), BT_OK);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

static int write_hello(FILE *f, const void *ctx)
{
	(void)ctx;
	/* the interrupt arrives while the file is being written */
	bt_cancel_request();
	return fputs("hello\n", f) < 0 ? BT_EIO : BT_OK;
}

/* A data file being written when the interrupt arrives: the writer stops
 * between rows. */
static int write_data_cancelled(FILE *f, const void *ctx)
{
	bt_cancel_request();
	return bt_data_write(f, ctx);
}

/* A second signal's handler removing the temporary file mid-write. */
static int write_and_abort(FILE *f, const void *ctx)
{
	(void)ctx;
	fputs("half\n", f);
	bt_write_atomic_abort();
	return BT_OK;
}

static void assert_only(const char *path, const char *content, const char *tmp_prefix)
{
	char line[64];
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_str_eq(line, content);
	DIR *dp = opendir(dir);
	struct dirent *de;
	while ((de = readdir(dp)))
		ck_assert_msg(strncmp(de->d_name, tmp_prefix, strlen(tmp_prefix)) != 0, "left %s", de->d_name);
	closedir(dp);
}

START_TEST(test_cancel_writers)
{
	char path[512];
	snprintf(path, sizeof path, "%s/w.txt", dir);
	write_text(path, "old\n");
	bt_data *d = tu_data(50, 3, 2, 1, 1);
	bt_error e;
	ck_assert_int_eq(bt_write_atomic(path, write_data_cancelled, d, &e), BT_ECANCELED);
	bt_cancel_reset();
	assert_only(path, "old\n", ".w.txt.");
	/* the writers themselves, on a stream */
	FILE *f = tmpfile();
	bt_model *m = tu_model("gru", BT_ACT_TANH, 2, 3, 1, 0.5, 1);
	double *g = calloc(m->nparams, sizeof(double)), dX[6] = {0};
	bt_cancel_request();
	ck_assert_int_eq(bt_data_write(f, d), BT_ECANCELED);
	ck_assert_int_eq(bt_model_write(f, m), BT_ECANCELED);
	ck_assert_int_eq(bt_grad_write(f, m, 1.0, g, dX, 3), BT_ECANCELED);
	bt_cancel_reset();
	ck_assert_int_eq(bt_grad_write(f, m, 1.0, g, dX, 3), BT_OK);
	fclose(f);
	/* the temporary file removed under the writer: the old file stays */
	ck_assert_int_eq(bt_write_atomic(path, write_and_abort, NULL, &e), BT_EIO);
	assert_only(path, "old\n", ".w.txt.");
	bt_write_atomic_abort();   /* nothing pending: nothing happens */
	assert_only(path, "old\n", ".w.txt.");
	free(g);
	bt_model_free(m);
	bt_data_free(d);
}
END_TEST

START_TEST(test_cancel_io)
{
	char path[512], line[64];
	snprintf(path, sizeof path, "%s/out.txt", dir);
	write_text(path, "old\n");
	bt_error e;
	ck_assert_int_eq(bt_write_atomic(path, write_hello, NULL, &e), BT_ECANCELED);
	ck_assert_msg(strstr(e.msg, "interrupted"), "%s", e.msg);
	bt_cancel_reset();
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_str_eq(line, "old\n");
	/* nothing else in the directory: no .out.txt.XXXXXX */
	DIR *dp = opendir(dir);
	struct dirent *de;
	while ((de = readdir(dp)))
		ck_assert_msg(strncmp(de->d_name, ".out.txt.", 9) != 0, "left %s", de->d_name);
	closedir(dp);
	/* the readers stop too */
	bt_model *m = NULL;
	write_text(path, "bptt-model 1\narch rnn\n");
	bt_cancel_request();
	ck_assert_int_eq(bt_model_read(&m, path, &e), BT_ECANCELED);
	ck_assert_ptr_null(m);
	ck_assert_msg(strstr(e.msg, "interrupted"), "%s", e.msg);
	bt_cancel_reset();
	ck_assert_str_eq(bt_strerror(BT_ECANCELED), "cancelled");
}
END_TEST

int main(void)
{
	snprintf(dir, sizeof dir, "%s/bptt-resource.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	Suite *s = suite_create("resource");
	TCase *tc = tcase_create("resource");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_format_bytes);
	tcase_add_loop_test(tc, test_estimate_covers, 0, (int)(bt_cell_count() * NTASKS));
	tcase_add_test(tc, test_estimate_scaling);
	tcase_add_loop_test(tc, test_workspace_sizes, 0, (int)bt_cell_count());
	tcase_add_test(tc, test_reader_limit);
	tcase_add_loop_test(tc, test_cancel_each, 0, NCASES);
	tcase_add_test(tc, test_cancel_io);
	tcase_add_test(tc, test_cancel_writers);
	tcase_add_test(tc, test_heap_huge_pages);
	tcase_add_test(tc, test_big_alloc);   /* last: it sets mallopt */
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		failed++;
	return failed ? 1 : 0;
}
