/* SPDX-License-Identifier: GPL-3.0-or-later */
/* timing.h — clocks and the median of timed runs, for the benchmarks and
 * the lessons that measure (static inline; the library itself never
 * times anything). */
#ifndef BT_TIMING_H
#define BT_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Wall-clock seconds (monotonic). */
static inline double bt_wall_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of this process: on a machine shared with other jobs, the
 * wall-clock time also counts the turns of the others. */
static inline double bt_cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort's comparison of doubles, ascending. */
static inline int bt_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v[0..k) ascending (so v[0] is then the fastest run) and returns
 * its median. */
static inline double bt_median(double *v, size_t k)
{
	qsort(v, k, sizeof(double), bt_cmp_double);
	return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

#endif
