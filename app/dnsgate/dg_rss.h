/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_RSS_H
#define DG_RSS_H

/**
 * @file
 * Symmetric RSS: both directions of a flow hash to the same queue index, so the worker
 * that sees a client's TCP segments (or fragments) on the subscriber port also sees the
 * server's on the network port. The Toeplitz key 0x6d5a repeated (Woo and Park, "Scalable
 * TCP Session Monitoring with Symmetric Receive-side Scaling") gives the same hash when
 * source and destination (addresses, and ports) are swapped, because the key repeats every
 * 16 bits and the fields swap at 16-bit multiples. Both ports of a pair get the same key
 * and the same redirection table (entry i -> queue i mod n).
 */

#include <stddef.h>
#include <stdint.h>

enum { DG_RSS_KEY_MAX = 64 };

/** Fill @p key (@p len bytes, the device's hash_key_size) with the symmetric pattern. */
static inline void
dg_rss_key_fill(uint8_t *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
}

/** The queue a hash maps to through a redirection table of i -> i mod @p nq. */
static inline uint16_t
dg_rss_queue(uint32_t hash, uint16_t reta_size, uint16_t nq)
{
	return (uint16_t)((hash % reta_size) % nq);
}

#endif /* DG_RSS_H */
