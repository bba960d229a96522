/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Symmetric RSS (app/dnsgate/dg_rss.h): with the key dnsgate programs, both directions of
 * random IPv4 and IPv6 4-tuples hash (rte_softrss, DPDK's software Toeplitz) to the same
 * queue, for every key length a NIC may ask for. A common asymmetric key does not: the
 * check can fail.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_thash.h>

#include "dg_rss.h"
#include "dg_test.h"

enum { TUPLES = 100000 };

static uint32_t
rnd32(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

/* IPv4 tuple words: src, dst, sport << 16 | dport (rte_ipv4_tuple in host order). */
static unsigned int
mismatches_v4(const uint8_t *key, uint16_t nq)
{
	unsigned int bad = 0;

	for (int i = 0; i < TUPLES; i++) {
		uint32_t s = rnd32(), d = rnd32(), sp = rnd32() & 0xffff, dp = 53;
		uint32_t fwd[3] = { s, d, sp << 16 | dp }, rev[3] = { d, s, dp << 16 | sp };

		if (dg_rss_queue(rte_softrss(fwd, 3, key), 512, nq) !=
		    dg_rss_queue(rte_softrss(rev, 3, key), 512, nq))
			bad++;
	}
	return bad;
}

static unsigned int
mismatches_v6(const uint8_t *key, uint16_t nq)
{
	unsigned int bad = 0;

	for (int i = 0; i < TUPLES / 10; i++) {
		uint32_t fwd[9], rev[9], sp = rnd32() & 0xffff, dp = 53;

		for (int k = 0; k < 4; k++) {
			fwd[k] = rev[4 + k] = rnd32();
			fwd[4 + k] = rev[k] = rnd32();
		}
		fwd[8] = sp << 16 | dp;
		rev[8] = dp << 16 | sp;
		if (dg_rss_queue(rte_softrss(fwd, 9, key), 512, nq) !=
		    dg_rss_queue(rte_softrss(rev, 9, key), 512, nq))
			bad++;
	}
	return bad;
}

static void
test_rss_symmetric_both_directions_one_queue(void)
{
	static const size_t lens[] = { 40, 52 }; /* most NICs; i40e/ice */
	uint8_t key[DG_RSS_KEY_MAX];

	srandom(1);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		dg_rss_key_fill(key, lens[i]);
		for (uint16_t nq = 2; nq <= 8; nq *= 2) {
			CU_ASSERT_EQUAL(mismatches_v4(key, nq), 0);
			CU_ASSERT_EQUAL(mismatches_v6(key, nq), 0);
		}
	}
}

static void
test_rss_asymmetric_key_fails(void)
{
	/* The Microsoft RSS verification key, common as a NIC default. */
	static const uint8_t ms[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};

	srandom(2);
	CU_ASSERT(mismatches_v4(ms, 4) > TUPLES / 2);
}

DG_TEST_MAIN("rss",
	DG_TEST(test_rss_symmetric_both_directions_one_queue),
	DG_TEST(test_rss_asymmetric_key_fails))
