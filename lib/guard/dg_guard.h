/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_GUARD_H
#define DG_GUARD_H

/**
 * @file
 * Reflection guard: a per-source rate limit on forged answers, so the appliance cannot be
 * used to flood a spoofed victim. Over the limit, the caller forwards the query unchanged
 * (the resolver then applies its own limits).
 *
 * One guard per worker lcore (no sharing, no atomics). RSS spreads one source's flows over
 * the workers, so each worker's guard holds its share of the budget (dg_guard_create_share())
 * and the configured rate holds per appliance. Sources hash into a fixed table of
 * GCRA cells (8 bytes each, one theoretical arrival time); colliding sources share a cell,
 * which errs on the side of forwarding. No allocation after create, no system call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dg_guard;

/**
 * Create a guard.
 *
 * @param slots  Table cells, rounded up to a power of two (1..2^24).
 * @param rate   Answers per second allowed per source (0: no limit).
 * @param burst  Answers a quiet source may get back to back (>= 1).
 * @param hz     Clock units per second of the @p now values passed to dg_guard_allow().
 * @return 0, or -EINVAL (slots 0 or over 2^24, burst 0 with a rate, hz 0), -ENOMEM.
 */
int dg_guard_create(struct dg_guard **g, uint32_t slots, uint32_t rate, uint32_t burst,
		    uint64_t hz);

/**
 * Create one of @p shares guards that together allow @p rate answers per second and
 * @p burst back to back per source: this one allows rate / shares (exactly, in clock units)
 * and a burst of burst / shares (at least 1, so the appliance's burst is at most
 * max(burst, shares)). dg_guard_create() is this with one share.
 *
 * @return 0, or -EINVAL (as dg_guard_create(), or @p shares 0 or over 2^16), -ENOMEM.
 */
int dg_guard_create_share(struct dg_guard **g, uint32_t slots, uint32_t rate, uint32_t burst,
			  uint64_t hz, uint32_t shares);

void dg_guard_free(struct dg_guard *g);

/**
 * May this source get one more forged answer at time @p now? Counts it when yes.
 *
 * @param addr  Source address bytes (4 for IPv4, 16 for IPv6).
 */
bool dg_guard_allow(struct dg_guard *g, const uint8_t *addr, size_t len, uint64_t now);

#ifdef __cplusplus
}
#endif

#endif /* DG_GUARD_H */
