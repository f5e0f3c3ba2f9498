/* SPDX-License-Identifier: GPL-3.0-or-later */
/* alloc.c — large buffers with transparent huge pages (see alloc.h). */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "base/alloc.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define BIG_BLOCK ((size_t)4 << 20)

void bt_advise_huge(void *p, size_t bytes)
{
#if defined(MADV_HUGEPAGE) && !defined(BT_PORTABLE)
	if (!p || bytes < HUGE_PAGE)
		return;
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + bytes) & ~(HUGE_PAGE - 1);
	/* only advice: a kernel without THP says EINVAL, which changes
	 * nothing */
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

void *bt_big_malloc(size_t bytes)
{
	void *p = malloc(bytes ? bytes : 1);
	if (p && bytes >= BIG_BLOCK)
		bt_advise_huge(p, bytes);
	return p;
}

void *bt_big_calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	size_t bytes = count * size;
	if (bytes < BIG_BLOCK)
		return calloc(count ? count : 1, size ? size : 1);
	/* malloc, advise, then zero: the zeroing is the first touch, made
	 * with huge pages where the kernel gives them */
	void *p = malloc(bytes);
	if (p) {
		bt_advise_huge(p, bytes);
		memset(p, 0, bytes);
	}
	return p;
}

#if defined(__SANITIZE_ADDRESS__)
#define BT_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BT_OWN_ALLOCATOR 1
#endif
#endif

static void *volatile heap_hole;

int bt_heap_for_process(void)
{
#if defined(__GLIBC__) && defined(M_TOP_PAD) && !defined(BT_OWN_ALLOCATOR) && !defined(BT_PORTABLE)
	const size_t pad = (size_t)64 << 20, first = (size_t)1 << 20;
	mallopt(M_MMAP_THRESHOLD, 256 << 20);   /* blocks up to 256 MiB: heap */
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	mallopt(M_TOP_PAD, (int)pad);
	/* grow the heap once (a block larger than what the start-up left
	 * free at its top), then advise huge pages on the new part */
	char *before = sbrk(0);
	void *volatile p = malloc(first);   /* volatile: kept */
	char *after = sbrk(0);
	if (!p || before == (char *)-1 || after == (char *)-1 || after <= before) {
		free(p);   /* another allocator (valgrind's): nothing to do */
		return 0;
	}
	bt_advise_huge(before, (size_t)(after - before));
	/* Below the first 2 MiB boundary the heap has small pages, and so
	 * has the huge page where malloc wrote, just past the block above,
	 * the header of the heap's free top before the advice was given: a
	 * page touched first in small pages stays in them (when the heap's
	 * random start puts that header past a boundary, the command's
	 * blocks would take hundreds of small-page faults; docs/speed.md).
	 * So the block grows, in place, into one hole that reaches the first
	 * 2 MiB boundary past that header; untouched beyond its first page,
	 * it costs no memory, and what the command allocates next starts on
	 * pages nothing has touched. It stays reachable through heap_hole
	 * until the process ends. */
	uintptr_t a = (uintptr_t)p, end = a + first + 64;
	uintptr_t up = (end + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *hole = realloc(p, up - a - 64);
	heap_hole = hole ? hole : p;
	return 1;
#else
	return 0;
#endif
}
