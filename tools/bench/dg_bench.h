/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the micro-benchmarks in tools/bench share: a seeded xorshift stream (the same
 * inputs every run) and a monotonic clock in seconds. Header only: each tool is one file.
 */
#ifndef DG_BENCH_H
#define DG_BENCH_H

#include <stdint.h>
#include <time.h>

/** The stream's state; any non-zero value is a seed. */
static uint64_t dg_bench_rng = 0x9e3779b97f4a7c15ull;

/** Next value of the xorshift64 stream (Marsaglia, 13/7/17). */
static inline uint64_t
dg_bench_rnd(void)
{
	dg_bench_rng ^= dg_bench_rng << 13;
	dg_bench_rng ^= dg_bench_rng >> 7;
	dg_bench_rng ^= dg_bench_rng << 17;
	return dg_bench_rng;
}

/** CLOCK_MONOTONIC in seconds. */
static inline double
dg_bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif /* DG_BENCH_H */
