/* SPDX-License-Identifier: GPL-3.0-or-later */
/* alloc.h — large buffers (internal).
 *
 * A fresh page costs a fault on first touch, which on some machines costs
 * more than the work done in it. For buffers of a few MiB and more the
 * library asks the kernel for transparent huge pages on the 2 MiB-aligned
 * part of the block (madvise MADV_HUGEPAGE; figures in docs/speed.md).
 * Nothing else changes: the block is an ordinary malloc'd block, freed
 * with free(); where huge pages are off or unknown, it is a plain
 * malloc. */
#ifndef BT_ALLOC_H
#define BT_ALLOC_H

#include <stddef.h>

/* Advises huge pages for the whole 2 MiB pages inside [p, p + bytes). */
void bt_advise_huge(void *p, size_t bytes);
/* malloc / calloc, then bt_advise_huge for blocks of 4 MiB and more
 * (bt_big_calloc: count·size must not overflow; NULL if it would). */
void *bt_big_malloc(size_t bytes);
void *bt_big_calloc(size_t count, size_t size);

/* For a short process that allocates a few big blocks and exits (the
 * command, not the library's callers): every block from one heap grown in
 * steps of 64 MiB (no mmap per block), with huge pages advised on the
 * first step, none of whose huge pages is touched before the advice, so
 * that the command's blocks are faulted in as huge pages (see
 * docs/speed.md). Nothing under
 * AddressSanitizer (its own allocator) or outside glibc. */
int bt_heap_for_process(void);   /* 1 when it did, 0 when it could not */

#endif
