/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memcount.h — bytes held by the allocator, and their peak over the
 * library's progress polls (for the tests of the memory estimates). */
#ifndef TU_MEMCOUNT_H
#define TU_MEMCOUNT_H

#include <malloc.h>
#include <stddef.h>

extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* What the allocator holds now: ASan's count when it runs, mallinfo2's
 * otherwise. */
static double held(void)
{
	if (__sanitizer_get_current_allocated_bytes)
		return (double)__sanitizer_get_current_allocated_bytes();
	struct mallinfo2 mi = mallinfo2();
	return (double)mi.uordblks + (double)mi.hblkhd;
}

/* The largest held() seen by sample, a progress hook (bt_set_progress);
 * set it to held() before the call to measure. */
static double peak;
static int sample(void *ctx, const char *what, size_t done, size_t total)
{
	(void)ctx;
	(void)what;
	(void)done;
	(void)total;
	double h = held();
	if (h > peak)
		peak = h;
	return 0;
}

#endif
