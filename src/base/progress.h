/* SPDX-License-Identifier: GPL-3.0-or-later */
/* progress.h — how the library's long loops poll for cancelling and report
 * progress (internal; the public side is in bt.h, resource.c).
 *
 *     bt_progress p;
 *     bt_progress_begin(&p, "lags", T);
 *     for (…) { if ((st = bt_progress_poll(&p, done)) != BT_OK) break; … }
 *     bt_progress_end(&p);
 *
 * Only the outermost loop running reports to the hook; an inner one (the
 * forward passes of the checker) only polls. end restores the nesting as
 * begin found it, so a loop left early by an inner function cannot leave
 * the count wrong for long. */
#ifndef BT_PROGRESS_H
#define BT_PROGRESS_H

#include <stddef.h>
#include "bt.h"

typedef struct {
	const char *what;
	size_t total;
	int level;      /* 0: the outermost */
} bt_progress;

void bt_progress_begin(bt_progress *p, const char *what, size_t total);
/* BT_ECANCELED when cancelling was asked for, BT_OK otherwise. */
int bt_progress_poll(const bt_progress *p, size_t done);
void bt_progress_end(const bt_progress *p);
/* begin for a loop that never reports even when it is the outermost of its
 * thread: a worker thread's share of a loop whose caller reports. */
void bt_progress_begin_nested(bt_progress *p, const char *what, size_t total);

#endif
