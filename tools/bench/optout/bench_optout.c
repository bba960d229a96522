/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opt-out lookup micro-benchmark: N random prefixes per family (host routes and /20../30
 * for IPv4, /48../64 and /128 for IPv6), then LOOKUPS lookups of random addresses, half
 * of them inside a listed prefix. Prints what it measured.
 *   bench_optout [N] [LOOKUPS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_optout.h"
#include "dg_bench.h"

static void
mask(struct dg_optout_prefix *p)
{
	unsigned int b;

	for (b = p->len; b < 128; b++)
		p->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	size_t lookups = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000000;
	struct dg_optout_prefix *v = calloc(2 * n + 1, sizeof(*v));
	uint8_t (*q4)[4] = malloc(4096 * 4), (*q6)[16] = malloc(4096 * 16);
	struct dg_optout *t;
	size_t i, hits;
	double t0, t1;
	int ret;

	if (v == NULL || q4 == NULL || q6 == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		uint64_t r = dg_bench_rnd(), s = dg_bench_rnd();

		v[i].family = DG_OPTOUT_V4;
		v[i].len = (uint8_t)(r % 2 ? 32 : 20 + r % 11);
		memcpy(v[i].addr, &s, 4);
		mask(&v[i]);
		v[n + i].family = DG_OPTOUT_V6;
		v[n + i].len = (uint8_t)(r % 2 ? 128 : 48 + r % 17);
		memcpy(v[n + i].addr, &s, 8);
		s = dg_bench_rnd();
		memcpy(v[n + i].addr + 8, &s, 8);
		v[n + i].addr[0] = 0x20;
		mask(&v[n + i]);
	}
	t0 = dg_bench_now();
	ret = dg_optout_build(v, 2 * n, &t);
	t1 = dg_bench_now();
	if (ret != 0) {
		fprintf(stderr, "build failed: %d\n", ret);
		return 1;
	}
	printf("build: %zu prefixes (%zu distinct) in %.3f ms\n", 2 * n, dg_optout_count(t),
		(t1 - t0) * 1e3);

	/* A query set that fits L1, so we time the search, not the query array. */
	for (i = 0; i < 4096; i++) {
		uint64_t r = dg_bench_rnd();
		const struct dg_optout_prefix *p = &v[dg_bench_rnd() % n];

		memcpy(q4[i], &r, 4);
		memcpy(q6[i], &r, 8);
		r = dg_bench_rnd();
		memcpy(q6[i] + 8, &r, 8);
		q6[i][0] = 0x20;
		if (i % 2) {   /* inside a listed prefix: keep its network bits */
			memcpy(q4[i], p->addr, p->len / 8);
			memcpy(q6[i], p[n].addr, p[n].len / 8);
		}
	}
	hits = 0;
	t0 = dg_bench_now();
	for (i = 0; i < lookups; i++)
		hits += dg_optout_lookup_v4(t, q4[i & 4095]);
	t1 = dg_bench_now();
	printf("v4 lookup: %zu in %.3f s = %.1f ns/lookup (%.1f%% opted out)\n", lookups,
		t1 - t0, (t1 - t0) * 1e9 / (double)lookups, 100.0 * (double)hits / (double)lookups);
	hits = 0;
	t0 = dg_bench_now();
	for (i = 0; i < lookups; i++)
		hits += dg_optout_lookup_v6(t, q6[i & 4095]);
	t1 = dg_bench_now();
	printf("v6 lookup: %zu in %.3f s = %.1f ns/lookup (%.1f%% opted out)\n", lookups,
		t1 - t0, (t1 - t0) * 1e9 / (double)lookups, 100.0 * (double)hits / (double)lookups);
	dg_optout_free(t);
	t0 = dg_bench_now();
	for (i = 0; i < lookups; i++)
		hits += dg_optout_lookup_v4(NULL, q4[i & 4095]);
	t1 = dg_bench_now();
	printf("no table: %.1f ns/lookup\n", (t1 - t0) * 1e9 / (double)lookups);
	free(v);
	free(q4);
	free(q6);
	return 0;
}
