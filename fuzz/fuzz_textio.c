/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_textio.c — a libFuzzer target for the strict text reader: any input
 * is read as a model, a data file and a gradient file. The reader must
 * refuse or accept it cleanly: no crash, no leak, no undefined behaviour,
 * and a refusal always names a line. Built and run by `make fuzz`.
 *
 * The memory limit is 256 MiB, as the command sets one (by default the
 * memory available): a header that declares more is refused at its line.
 * Without it, "X 181107 5401" made the reader ask for 7.8 GB before it had
 * read a row (fuzz/regressions/oom-declared-block.txt).
 *
 * The input is also a number twice over: as text, bt_numio_parse must agree
 * with strtod (accepting exactly the strings of 0-9+-.eE that strtod reads
 * to the end, to the same double); its first 8 bytes as a double,
 * bt_numio_format must write the bytes of printf("%.17g").
 *
 * No input may make the reader's line buffer larger than the longest line
 * it allows (64 KiB, and 1 KiB per number in a block's rows): a file
 * without line ends once took all the memory there was. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bt.h"
#include "io/numio.h"
#include "io/textio.h"

static char path[64];

static void check_error(int st, const bt_error *e)
{
	/* a format refusal names the file and a physical line */
	if (st == BT_EFORMAT && (e->line < 1 || strcmp(e->file, path) != 0 || !e->msg[0]))
		abort();
}

/* The line buffer the reads since the last call used: within the cap. */
static void check_line_use(void)
{
	size_t buffer, allowed;
	bt_textio_line_use(&buffer, &allowed);
	if (buffer > allowed + 1 + BT_NUMIO_PAD ||
	    allowed > 64 * 1024 + 1024 * (size_t)BT_MAX_DIM)
		abort();
}

static void remove_file(void)
{
	unlink(path);
}

static void check_numbers(const uint8_t *data, size_t size)
{
	char s[128];
	if (size < sizeof s && !memchr(data, '\0', size)) {
		memcpy(s, data, size);
		s[size] = '\0';
		char *end;
		double ref = strtod(s, &end), v;
		int ok = strspn(s, "0123456789+-.eE") == size && end != s && !*end;
		int st = bt_numio_parse(s, &v);
		if (st != (ok ? 0 : -1) || (ok && memcmp(&v, &ref, sizeof v)))
			abort();
	}
	if (size >= sizeof(double)) {
		double x;
		char mine[BT_NUMIO_BUF], ref[64];
		memcpy(&x, data, sizeof x);
		bt_numio_format(mine, x);
		snprintf(ref, sizeof ref, "%.17g", x);
		if (strcmp(mine, ref))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_numbers(data, size);
	if (!path[0]) {
		snprintf(path, sizeof path, "/tmp/bptt-fuzz-%ld.txt", (long)getpid());
		atexit(remove_file);
		bt_set_memory_limit(256.0 * 1024 * 1024);
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	bt_error e;
	bt_model *m = NULL;
	int st = bt_model_read(&m, path, &e);
	check_error(st, &e);
	if (st == BT_OK) {
		/* what was read writes out and reads back to the same numbers */
		FILE *o = fopen(path, "w");
		if (o) {
			bt_model_write(o, m);
			fclose(o);
			bt_model *m2 = NULL;
			if (bt_model_read(&m2, path, &e) != BT_OK ||
			    memcmp(m->theta, m2->theta, m->nparams * sizeof(double)) != 0)
				abort();
			bt_model_free(m2);
		}
		bt_model_free(m);
		check_line_use();
		return 0;
	}
	bt_data *d = NULL;
	st = bt_data_read(&d, path, &e);
	check_error(st, &e);
	bt_data_free(d);
	bt_model *g = NULL;
	double loss, *dX = NULL;
	size_t T;
	st = bt_grad_read(&g, &loss, &dX, &T, path, &e);
	check_error(st, &e);
	bt_model_free(g);
	free(dX);
	check_line_use();
	return 0;
}
