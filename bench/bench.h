/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench.h — the benchmarks' clocks and their qsort comparison (static
 * functions, one copy in each benchmark program). */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

/* Wall-clock seconds (monotonic). */
static inline double bench_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* CPU seconds of this process: on a machine shared with other jobs, the
 * wall-clock time also counts the turns of the others. */
static inline double bench_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* qsort's comparison of doubles, ascending. */
static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#endif
