/* alloc.c — large buffers with transparent huge pages (see alloc.h). */
#define _DEFAULT_SOURCE 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "alloc.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define BIG_BLOCK ((size_t)4 << 20)

void bt_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
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
