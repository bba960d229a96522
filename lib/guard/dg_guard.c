/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_guard.h"

struct dg_guard {
	uint64_t interval; /**< clock units between answers at the steady rate */
	uint64_t tolerance; /**< how far ahead of now a cell may run: (burst - 1) intervals */
	uint32_t mask;
	bool unlimited;
	uint64_t tat[];    /**< theoretical arrival time per cell */
};

int
dg_guard_create_share(struct dg_guard **out, uint32_t slots, uint32_t rate, uint32_t burst,
		      uint64_t hz, uint32_t shares)
{
	struct dg_guard *g;
	uint32_t n = 1, b;

	if (slots == 0 || slots > (1u << 24) || hz == 0 || (rate > 0 && burst == 0) ||
	    shares == 0 || shares > (1u << 16) || hz > UINT64_MAX / shares)
		return -EINVAL;
	while (n < slots)
		n <<= 1;
	g = calloc(1, sizeof(*g) + (size_t)n * sizeof(g->tat[0]));
	if (g == NULL)
		return -ENOMEM;
	g->mask = n - 1;
	g->unlimited = rate == 0;
	if (!g->unlimited) {
		g->interval = hz * shares / rate > 0 ? hz * shares / rate : 1;
		b = burst / shares > 0 ? burst / shares : 1;
		g->tolerance = g->interval * (b - 1);
	}
	*out = g;
	return 0;
}

int
dg_guard_create(struct dg_guard **out, uint32_t slots, uint32_t rate, uint32_t burst,
		uint64_t hz)
{
	return dg_guard_create_share(out, slots, rate, burst, hz, 1);
}

void
dg_guard_free(struct dg_guard *g)
{
	free(g);
}

/* FNV-1a over the address: cheap, and the table only needs spread, not secrecy. */
static inline uint32_t
hash_addr(const uint8_t *a, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ a[i]) * 16777619u;
	return h ^ (h >> 15);
}

bool
dg_guard_allow(struct dg_guard *g, const uint8_t *addr, size_t len, uint64_t now)
{
	uint64_t *tat, t;

	if (g->unlimited)
		return true;
	tat = &g->tat[hash_addr(addr, len) & g->mask];
	t = *tat > now ? *tat : now;
	if (t - now > g->tolerance)
		return false;
	*tat = t + g->interval;
	return true;
}
