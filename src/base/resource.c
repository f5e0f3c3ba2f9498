/* SPDX-License-Identifier: GPL-3.0-or-later */
/* resource.c — what a request may take: a memory limit (the sizes are
 * beside each allocator: bt_seq_size, bt_gradient_size, …), and cancelling of long loops with progress. */
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "base/progress.h"


/* ---- the memory limit -------------------------------------------------- */

static double memory_limit;

void bt_set_memory_limit(double bytes)
{
	memory_limit = bytes > 0 && !isnan(bytes) ? bytes : 0;
}

double bt_memory_limit(void)
{
	return memory_limit;
}

void bt_format_bytes(double bytes, char *buf, size_t size)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	int u = 0;
	while (bytes >= 1024 && u < 6) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f B", bytes);
	else
		snprintf(buf, size, "%.*f %s", bytes < 10 ? 1 : 0, bytes, unit[u]);
}

double bt_memory_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	if (f) {
		char line[256];
		unsigned long long kb;
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
				fclose(f);
				return (double)kb * 1024.0;
			}
		fclose(f);
	}
#ifdef _SC_AVPHYS_PAGES
	long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages > 0 && size > 0)
		return (double)pages * (double)size;
#endif
	return 0;
}

/* ---- cancelling and progress ------------------------------------------- */

/* atomic: the checker's worker threads poll it (lock-free, so a signal
 * handler may still set it) */
static atomic_int cancel_flag;
static bt_progress_fn progress_fn;
static void *progress_ctx;
static _Thread_local int depth;

void bt_cancel_request(void)
{
	cancel_flag = 1;
}

void bt_cancel_reset(void)
{
	cancel_flag = 0;
}

int bt_cancel_requested(void)
{
	return cancel_flag != 0;
}

void bt_set_progress(bt_progress_fn fn, void *ctx)
{
	progress_fn = fn;
	progress_ctx = ctx;
}

void bt_progress_begin(bt_progress *p, const char *what, size_t total)
{
	p->what = what;
	p->total = total;
	p->level = depth;
	depth = p->level + 1;
}

void bt_progress_begin_nested(bt_progress *p, const char *what, size_t total)
{
	p->what = what;
	p->total = total;
	p->level = depth > 0 ? depth : 1;
	depth = p->level + 1;
}

int bt_progress_poll(const bt_progress *p, size_t done)
{
	if (cancel_flag)
		return BT_ECANCELED;
	if (p->level == 0 && progress_fn &&
	    progress_fn(progress_ctx, p->what, done, p->total))
		return BT_ECANCELED;
	return BT_OK;
}

void bt_progress_end(const bt_progress *p)
{
	depth = p->level;
}
