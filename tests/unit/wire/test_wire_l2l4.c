/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 rows of DESIGN.md section 5, one test each, with annotated vectors. Every parse
 * runs on an exact-size heap copy so ASan flags a read one past the frame.
 */
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_pkt.h"
#include "dg_vec.h"
#include "dg_wire.h"

static uint8_t f[2048];
static struct dg_pkt pkt;

static unsigned int fast_taken; /* frames the fast path accepted, over the whole suite */

/*
 * Every frame of every test also goes through dg_wire_parse_l2l4_fast() with both
 * checksum hints: when it decides a frame, the full parser with the same hints must
 * decide it the same way (DG_FWD_NONE for a query, DG_FWD_NOT_DNS_PORT for a forward)
 * and fill the same fields.
 */
static void
check_fast(const uint8_t *copy, size_t len, const struct dg_pkt_cfg *cfg)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	struct dg_pkt a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (!dg_wire_parse_l2l4_fast(copy, len, cfg, both, &a))
		return;
	fast_taken++;
	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(copy, len, cfg, both, &b),
			      a.blk == DG_PKT_BLK_FORWARD ? DG_FWD_NOT_DNS_PORT : DG_FWD_NONE);
	CU_ASSERT(a.l3_off == b.l3_off && a.l4_off == b.l4_off && a.ip_len == b.ip_len);
	CU_ASSERT(a.dns_off == b.dns_off && a.dns_len == b.dns_len && a.vlan_n == b.vlan_n);
	CU_ASSERT(a.ip_ver == b.ip_ver && a.l4_proto == b.l4_proto && a.addr_len == b.addr_len);
	CU_ASSERT(a.src_addr == b.src_addr && a.dst_addr == b.dst_addr);
	CU_ASSERT(a.src_port == b.src_port && a.dst_port == b.dst_port);
	CU_ASSERT(a.blk == b.blk && a.blk_reason == b.blk_reason && a.encap == b.encap);
	CU_ASSERT(a.transport == b.transport && a.encap_off == b.encap_off);
}

static enum dg_fwd_reason
parse_cfg(const uint8_t *frame, size_t len, const struct dg_pkt_cfg *cfg)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum dg_fwd_reason r;

	memcpy(copy, frame, len);
	check_fast(copy, len, cfg);
	r = dg_wire_parse_l2l4(copy, len, cfg, 0, &pkt);
	free(copy);
	pkt.src_addr = pkt.dst_addr = NULL; /* pointed into the copy */
	return r;
}

static enum dg_fwd_reason
parse(const uint8_t *frame, size_t len)
{
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;

	return parse_cfg(frame, len, &cfg);
}

#define EXPECT(len, reason) CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(parse(f, (len))), \
						   dg_fwd_reason_name(reason))

static void
test_wire_ip4_udp_dns_ok(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.ip_ver, 4);
	CU_ASSERT_EQUAL(pkt.l3_off, 14);
	CU_ASSERT_EQUAL(pkt.l4_off, 34);
	CU_ASSERT_EQUAL(pkt.dns_off, 42);
	CU_ASSERT_EQUAL(pkt.dns_len, n - 42);
	CU_ASSERT_EQUAL(pkt.src_port, 40000);
	CU_ASSERT_EQUAL(pkt.dst_port, 53);
}

static void
test_wire_boundary_last_byte_one_past(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	size_t i;

	EXPECT(n, DG_FWD_NONE);       /* frame ends on the IP packet's last byte */
	EXPECT(n - 1, DG_FWD_IP4_BAD_LENGTH); /* total length one past the frame */
	/* Every shorter prefix is refused, none is read past. */
	for (i = 0; i < n; i++)
		CU_ASSERT_NOT_EQUAL(parse(f, i), DG_FWD_NONE);
	EXPECT(13, DG_FWD_L2_TRUNCATED);
	EXPECT(14 + 19, DG_FWD_IP4_TRUNCATED);
}

static void
test_wire_ethernet_padding_ignored(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 9, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.ip_len, n - 14 - 9);
	CU_ASSERT_EQUAL(pkt.dns_len, n - 42 - 9);
}

static void
test_wire_udp_length_over_ip_payload(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4,
			     "9c 40 00 35 00 2a 00 00 ; UDP length 42: one more than there is\n",
			     VEC_DNS_A, 0, VEC_FIX_ALL & ~VEC_FIX_UDPLEN);

	CU_ASSERT_EQUAL(n, 14 + 20 + 8 + 33);
	EXPECT(n, DG_FWD_UDP_BAD_LENGTH);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4,
		      "9c 40 00 35 00 07 00 00 ; UDP length 7 < header\n",
		      VEC_DNS_A, 0, VEC_FIX_ALL & ~VEC_FIX_UDPLEN);
	EXPECT(n, DG_FWD_UDP_BAD_LENGTH);
	/* Shorter than the IP payload is allowed: the rest is not DNS. */
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4,
		      "9c 40 00 35 00 29 00 00 ; UDP length 41 = exact\n",
		      VEC_DNS_A, 0, VEC_FIX_ALL & ~VEC_FIX_UDPLEN);
	EXPECT(n, DG_FWD_NONE);
}

static void
test_wire_ip_total_length_over_frame(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "45 00 00 40 1234 0000 40 11 0000 c6120001 c6120035 ; total 64\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL & ~VEC_FIX_IPLEN);

	EXPECT(n, DG_FWD_IP4_BAD_LENGTH);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 00 13 1234 0000 40 11 0000 c6120001 c6120035 ; total 19 < IHL\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL & ~VEC_FIX_IPLEN);
	EXPECT(n, DG_FWD_IP4_BAD_LENGTH);
}

static void
test_wire_ip4_bad_header_checksum(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	f[14 + 10] ^= 0x01;
	EXPECT(n, DG_FWD_IP4_BAD_CHECKSUM);
	/* The NIC's word is taken when it says good. */
	{
		const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;

		CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD, &pkt),
				DG_FWD_NONE);
	}
}

static void
test_wire_ip4_ihl_below_5(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "44 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 4\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP4_BAD_IHL);
}

static void
test_wire_ip4_options_answerable(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 7\n"
			     "94 04 00 00          ; Router Alert\n"
			     "01 01 01 00          ; NOP NOP NOP EOL\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.l4_off, 14 + 28);
	CU_ASSERT_EQUAL(pkt.dns_off, 14 + 28 + 8);
}

static void
test_wire_ip4_source_route(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 7\n"
			     "01 83 07 04 c6 12 00 09 ; NOP, LSRR len 7 ptr 4 198.18.0.9\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP4_SOURCE_ROUTE);
	f[14 + 21] = 0x89; /* SSRR */
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 7\n"
		      "01 89 07 04 c6 12 00 09 ; NOP, SSRR\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP4_SOURCE_ROUTE);
}

static void
test_wire_ip4_bad_options(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "46 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 6\n"
			     "44 08 05 00          ; timestamp claiming 8 bytes, 4 left\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP4_BAD_OPTIONS);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "46 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 6\n"
		      "01 01 01 07          ; 3 NOPs then a type with no length byte\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP4_BAD_OPTIONS);
}

static void
test_wire_ip4_fragment(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "45 00 0000 1234 2000 40 11 0000 c6120001 c6120035 ; MF\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP4_FRAGMENT);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 0000 1234 0001 40 11 0000 c6120001 c6120035 ; offset 8\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP4_FRAGMENT);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 0000 1234 4000 40 11 0000 c6120001 c6120035 ; DF only\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_NONE);
}

static void
test_wire_ip6_fragment_header(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("2c")
			     "11 00 00 01 0000 abcd ; Fragment: next UDP, offset 0, M=1\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP6_FRAGMENT);
	/* An atomic fragment (offset 0, M=0) is still a Fragment header: forwarded. */
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("2c")
		      "11 00 00 00 0000 abcd ; atomic fragment\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP6_FRAGMENT);
}

static void
test_wire_ip6_hbh_dstopts_answerable(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("00")
			     "3c 00 05 02 00 00 01 00 ; HBH: next DstOpts, Router Alert, PadN\n"
			     "11 01 01 0a 00000000 00000000 00000000 ; DstOpts 16 bytes: PadN 10\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.ip_ver, 6);
	CU_ASSERT_EQUAL(pkt.l4_off, 14 + 40 + 8 + 16);
	CU_ASSERT_EQUAL(pkt.dns_len, n - (14 + 40 + 8 + 16 + 8));
}

static void
test_wire_ip6_bad_ext_chain(void)
{
	/* Hop-by-Hop after another header (RFC 8200 4.1). */
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("3c")
			     "00 00 01 04 00000000 ; DstOpts then HBH\n"
			     "11 00 01 04 00000000 ; HBH\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP6_BAD_EXT);
	/* Option the host must act on (action bits 10: discard + ICMP). */
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("3c")
		      "11 00 87 04 00000000 ; DstOpts: type 0x87, 4 bytes\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP6_BAD_EXT);
}

static void
test_wire_ip6_routing_esp_unknown(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("2b")
			     "11 00 00 00 00000000 ; Routing type 0, segments left 0\n",
			     VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_IP6_ROUTING);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("32"),
		      "00001234 00000001 ; ESP SPI, sequence\n", "00 00 00 00", 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP6_ESP);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("fd"),
		      "11 00 00 00 00000000 ; experimental 253\n", VEC_UDP VEC_DNS_A, 0,
		      VEC_FIX_IPLEN);
	EXPECT(n, DG_FWD_IP6_UNSUPPORTED_EXT);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6_NH("3a"),
		      "80 00 0000 0001 0001 ; ICMPv6 echo request\n", NULL, 0, VEC_FIX_IPLEN);
	EXPECT(n, DG_FWD_NOT_UDP);
}

static void
test_wire_ip6_length_rows(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	EXPECT(n - 1, DG_FWD_IP6_BAD_LENGTH);
	EXPECT(14 + 39, DG_FWD_IP6_TRUNCATED);
	f[14 + 4] = f[14 + 5] = 0; /* payload length 0: jumbogram */
	EXPECT(n, DG_FWD_IP6_BAD_LENGTH);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP_BAD_VERSION);
}

static void
test_wire_udp_checksum_rows(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0,
			     VEC_FIX_ALL & ~VEC_FIX_UDPCSUM);

	EXPECT(n, DG_FWD_UDP6_ZERO_CHECKSUM);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	f[n - 1] ^= 0x40; /* payload changed after the checksum */
	EXPECT(n, DG_FWD_UDP_BAD_CHECKSUM);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0,
		      VEC_FIX_ALL & ~VEC_FIX_UDPCSUM);
	EXPECT(n, DG_FWD_NONE); /* IPv4: zero means "not computed" */
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	f[14 + 20 + 7] ^= 0x01;
	EXPECT(n, DG_FWD_UDP_BAD_CHECKSUM);
}

/* The deferred check: parse trusting the checksum, verify it only before answering. */
static void
test_wire_udp_checksum_deferred(void)
{
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_pkt p;
	size_t n;

	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_L4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 1);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, n, &p), 1);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, 0, &p), 1); /* below the end: taken as the end */
	/* what follows the datagram in the buffer is not covered (summed in blocks) */
	memset(f + n, 0xff, sizeof(f) - n);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 1);
	f[n] = 0x5a;
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 1);
	f[n - 1] ^= 0x40; /* the last byte of the datagram is covered */
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_L4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 0);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, n, &p), 0);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	f[14 + 20 + 7] ^= 0x01;
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_L4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 0);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0,
		      VEC_FIX_ALL & ~VEC_FIX_UDPCSUM);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_L4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_udp_csum_ok(f, sizeof(f), &p), 1); /* IPv4 zero: not computed */
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 1);
	f[14 + 19] ^= 0x01; /* last byte of the IPv4 header */
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD |
					  DG_PKT_HINT_L4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 0);
	/* With options the header is longer: its last byte counts, the first UDP byte not. */
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 ; IHL 7\n"
		      "94 04 00 00 01 01 01 00 ; Router Alert, NOP NOP NOP EOL\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 1);
	f[14 + 27] ^= 0x01; /* last option byte */
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 0);
	f[14 + 27] ^= 0x01;
	f[14 + 28] ^= 0x01; /* one past: the UDP source port, not in this checksum */
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 1);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, 0, &p), DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_wire_ip4_csum_ok(f, &p), 1); /* IPv6: no header checksum */
}

static void
test_wire_bad_sources(void)
{
	static const char *const v4[] = {
		"45 00 0000 1234 0000 40 11 0000 ffffffff c6120035 ; src broadcast\n",
		"45 00 0000 1234 0000 40 11 0000 e0000001 c6120035 ; src 224.0.0.1\n",
		"45 00 0000 1234 0000 40 11 0000 00000000 c6120035 ; src 0.0.0.0\n",
		"45 00 0000 1234 0000 40 11 0000 7f000001 c6120035 ; src 127.0.0.1\n",
	};
	static const char *const v6[] = {
		"60000000 0000 11 40 ff020000000000000000000000000001 20010002000000000000000000000053 ; ff02::1\n",
		"60000000 0000 11 40 00000000000000000000000000000000 20010002000000000000000000000053 ; ::\n",
		"60000000 0000 11 40 00000000000000000000000000000001 20010002000000000000000000000053 ; ::1\n",
		"60000000 0000 11 40 00000000000000000000ffffc6120001 20010002000000000000000000000053 ; mapped\n",
	};
	size_t i, n;

	for (i = 0; i < 4; i++) {
		n = vec_build(f, sizeof(f), VEC_ETH4, v4[i], VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
		EXPECT(n, DG_FWD_IP_BAD_SOURCE);
		n = vec_build(f, sizeof(f), VEC_ETH6, v6[i], VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
		EXPECT(n, DG_FWD_IP_BAD_SOURCE);
	}
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 0000 1234 0000 40 11 0000 c6120001 e00000fb ; dst 224.0.0.251\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_IP_BAD_DESTINATION);
}

static void
test_wire_src_mac_group_bit(void)
{
	size_t n = vec_build(f, sizeof(f),
			     "02 00 00 00 00 02 03 00 00 00 00 01 08 00 ; src MAC group bit\n",
			     VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_SRC_MAC_GROUP);
	n = vec_build(f, sizeof(f),
		      "ff ff ff ff ff ff 02 00 00 00 00 01 08 00 ; dst MAC broadcast\n",
		      VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_DST_MAC_GROUP);
}

static void
test_wire_src_port_loop_guard(void)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4,
			     "03 ff 00 35 0000 0000 ; sport 1023\n", VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_SRC_PORT_LOW);
	cfg.min_src_port = 1023;
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_NONE);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, "04 00 00 35 0000 0000 ; sport 1024\n",
		      VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_NONE);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, "00 00 00 35 0000 0000 ; sport 0\n",
		      VEC_DNS_A, 0, VEC_FIX_ALL);
	cfg.min_src_port = 0;
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_SRC_PORT_LOW);
}

static void
test_wire_vlan_depth(void)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	size_t n = vec_build(f, sizeof(f),
			     "02 00 00 00 00 02 02 00 00 00 00 01 ; MACs\n"
			     "88 a8 a0 64          ; S-tag PCP 5 VID 100\n"
			     "81 00 20 0a          ; C-tag PCP 1 VID 10\n"
			     "08 00\n", VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.vlan_n, 2);
	CU_ASSERT_EQUAL(pkt.l3_off, 22);
	cfg.vlan_max = 1;
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_VLAN_TOO_DEEP);
	n = vec_build(f, sizeof(f),
		      "02 00 00 00 00 02 02 00 00 00 00 01 ; MACs\n"
		      "91 00 00 01 88 a8 00 02 81 00 00 03 ; three tags (old QinQ first)\n"
		      "08 00\n", VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_VLAN_TOO_DEEP);
	cfg.vlan_max = 3;
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.l3_off, 26);
	EXPECT(16, DG_FWD_L2_TRUNCATED); /* tag cut short */
}

static void
test_wire_tcp_port_53(void)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "45 00 0000 1234 0000 40 06 0000 c6120001 c6120035 ; TCP\n",
			     "9c 40 00 35 00000001 00000000 50 02 ffff 0000 0000 ; SYN to 53\n",
			     NULL, 0, VEC_FIX_IPLEN | VEC_FIX_IPCSUM);

	EXPECT(n, DG_FWD_TCP_DNS);
	f[14 + 20 + 3] = 80;
	EXPECT(n, DG_FWD_NOT_DNS_PORT);
}

static void
test_wire_not_ip_not_udp_not_dns(void)
{
	size_t n = vec_build(f, sizeof(f),
			     "ff ff ff ff ff ff 02 00 00 00 00 01 08 06 ; ARP\n",
			     "0001 0800 06 04 0001 020000000001 c6120001 000000000000 c6120035\n",
			     NULL, NULL, 0, 0);

	EXPECT(n, DG_FWD_NOT_IP);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 0000 1234 0000 40 01 0000 c6120001 c6120035 ; ICMP\n",
		      "08 00 0000 0001 0001 ; echo\n", NULL, 0, VEC_FIX_IPLEN | VEC_FIX_IPCSUM);
	EXPECT(n, DG_FWD_NOT_UDP);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, "9c 40 14 e9 0000 0000 ; to 5353\n",
		      VEC_DNS_A, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_NOT_DNS_PORT);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, NULL, NULL, 0, VEC_FIX_ALL);
	EXPECT(n, DG_FWD_UDP_TRUNCATED);
}

static int
only_53_53(const struct dg_pkt *p, void *arg)
{
	(void)arg;
	return p->ip_ver == 4 && p->dst_addr[3] == 0x35;
}

static void
test_wire_dst_filter(void)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);

	cfg.dst_filter = only_53_53;
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_NONE);
	n = vec_build(f, sizeof(f), VEC_ETH4,
		      "45 00 0000 1234 0000 40 11 0000 c6120001 c6120036 ; dst .54\n",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_NOT_RESOLVER);
}

/* The reflection guard's key: family + source address, the rest zero. */
static void
test_wire_src_key(void)
{
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	static const uint8_t want6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x01 };
	static const uint8_t want4[16] = { 198, 18, 0, 1 };
	struct dg_pkt_src_key k;
	size_t n;

	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(f, n, &cfg, 0, &pkt), DG_FWD_NONE);
	dg_pkt_src_key(&pkt, &k);
	CU_ASSERT_EQUAL(k.family, 4);
	CU_ASSERT_EQUAL(memcmp(k.addr, want4, 16), 0);
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(f, n, &cfg, 0, &pkt), DG_FWD_NONE);
	dg_pkt_src_key(&pkt, &k);
	CU_ASSERT_EQUAL(k.family, 6);
	CU_ASSERT_EQUAL(memcmp(k.addr, want6, 16), 0);
}

/*
 * The fast path takes the common shapes (IPv4, IPv6, one 802.1Q tag) and leaves the rest
 * to the full parser: QinQ, IPv4 options, a zero UDP checksum over IPv6, a frame one byte
 * short of its IP length.
 */
static void
test_wire_fast_path_shapes(void)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_pkt p;
	size_t n;

	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD, &p));
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n - 1, &cfg, both, &p)); /* one past */
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_EQUAL(p.ip_ver, 6);
	memset(f + p.l4_off + 6, 0, 2); /* UDP checksum 0: an error over IPv6 */
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n, &cfg, both, &p), DG_FWD_UDP6_ZERO_CHECKSUM);
	n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	memmove(f + 16, f + 12, n - 12); /* one 802.1Q tag */
	memcpy(f + 12, "\x81\x00\x00\x07", 4);
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n + 4, &cfg, both, &p));
	CU_ASSERT_EQUAL(p.vlan_n, 1);
	CU_ASSERT_EQUAL(p.l3_off, 18);
	memmove(f + 16, f + 12, n + 4 - 12); /* a second tag: QinQ is for the full parser */
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n + 8, &cfg, both, &p));
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(f, n + 8, &cfg, both, &p), DG_FWD_NONE);
	CU_ASSERT(fast_taken > 0);
}

/*
 * Traffic that is not DNS (UDP or TCP to another port) is decided on the fast path too,
 * as the full parser decides it: forwarded, whatever its addresses; TCP to port 53 and a
 * frame one byte short of its IP length go to the full parser.
 */
static void
test_wire_fast_path_not_dns(void)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_pkt p;
	size_t n = vec_build(f, sizeof(f), VEC_ETH4,
			     "45 00 0000 1234 0000 40 06 0000 c6120001 c6120035 ; TCP\n",
			     "9c 40 01 bb 00000001 00000000 80 10 ffff 0000 0000 ; ACK to 443\n"
			     "01 01 08 0a 00000001 00000000 ; NOP NOP timestamps\n",
			     NULL, 0, VEC_FIX_IPLEN | VEC_FIX_IPCSUM);

	memset(&p, 0, sizeof(p));
	CU_ASSERT_TRUE_FATAL(dg_wire_parse_l2l4_fast(f, n + 6, &cfg, both, &p)); /* padded */
	CU_ASSERT_EQUAL(p.blk, DG_PKT_BLK_FORWARD);
	CU_ASSERT_EQUAL(p.l4_proto, 6);
	CU_ASSERT_EQUAL(p.dst_port, 443);
	CU_ASSERT_EQUAL(p.l4_off, 34);
	CU_ASSERT_EQUAL(parse_cfg(f, n + 6, &cfg), DG_FWD_NOT_DNS_PORT);
	f[14 + 12] = 0; /* source 0.198.0.1: a query from it would be dropped, this goes on */
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n + 6, &cfg, both, &p));
	CU_ASSERT_EQUAL(parse_cfg(f, n + 6, &cfg), DG_FWD_NOT_DNS_PORT);
	f[14 + 12] = 0xc6;
	/* the last byte of the IP packet inside the frame, and one past it */
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n - 1, &cfg, both, &p));
	CU_ASSERT_EQUAL(parse_cfg(f, n - 1, &cfg), DG_FWD_IP4_BAD_LENGTH);
	f[14 + 20 + 2] = 0; /* TCP to the DNS port: the stream tracker's */
	f[14 + 20 + 3] = 53;
	CU_ASSERT_FALSE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_TCP_DNS);
	/* UDP over IPv6 to 443 with a zero checksum: not DNS, forwarded as the full parser */
	n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, "9c 40 01 bb 0000 0000 ; to 443\n",
		      "00 00 00 00 00 00 00 00", 0, VEC_FIX_IPLEN | VEC_FIX_UDPLEN);
	CU_ASSERT_TRUE(dg_wire_parse_l2l4_fast(f, n, &cfg, both, &p));
	CU_ASSERT_EQUAL(p.blk, DG_PKT_BLK_FORWARD);
	CU_ASSERT_EQUAL(parse_cfg(f, n, &cfg), DG_FWD_NOT_DNS_PORT);
}

/* Defects a resolver still receives the query through: recorded, and the parse goes on. */
static void
test_wire_soft_defects_read_on(void)
{
	size_t n = vec_build(f, sizeof(f), "02 00 00 00 00 02 03 00 00 00 00 01 08 00",
			     "45 00 0000 1234 0000 40 11 0000 e0 00 00 01 c6 12 00 35",
			     "00 35 00 35 0000 0000 ; from port 53", VEC_DNS_A, 0, VEC_FIX_ALL);

	EXPECT(n, DG_FWD_SRC_MAC_GROUP);
	CU_ASSERT_EQUAL(pkt.blk, DG_PKT_BLK_DROP);
	CU_ASSERT_EQUAL(pkt.blk_reason, DG_FWD_SRC_MAC_GROUP);
	CU_ASSERT_EQUAL(pkt.dns_off, 42); /* reached the DNS payload */
	/* a hard stop after soft defects: the first defect reported, the frame forwarded */
	f[14 + 10] ^= 0xff; /* IPv4 header checksum */
	EXPECT(n, DG_FWD_SRC_MAC_GROUP);
	CU_ASSERT_EQUAL(pkt.blk, DG_PKT_BLK_FORWARD);
}

/* PPPoE session (RFC 2516): the payload length bounds the IP packet. */
static void
test_wire_pppoe_session(void)
{
	static const char l2[] = "02 00 00 00 00 02 02 00 00 00 00 01 88 64 "
				 "11 00 00 07 0000 00 21 ; session 7, PPP IPv4";
	size_t n = vec_build(f, sizeof(f), l2, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	size_t ip = n - 22;

	f[18] = (uint8_t)((ip + 2) >> 8);
	f[19] = (uint8_t)(ip + 2);
	EXPECT(n, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.encap, DG_PKT_ENCAP_PPPOE);
	CU_ASSERT_EQUAL(pkt.encap_off, 14);
	CU_ASSERT_EQUAL(pkt.l3_off, 22);
	EXPECT(n - 1, DG_FWD_PPPOE_BAD); /* the payload's last byte missing */
	f[19]--; /* the PPPoE payload one short of the IP packet */
	EXPECT(n, DG_FWD_IP4_BAD_LENGTH);
	f[19]++;
	f[14] = 0x12; /* version/type */
	EXPECT(n, DG_FWD_PPPOE_BAD);
	f[14] = 0x11;
	EXPECT(22 + 20 - 1, DG_FWD_PPPOE_BAD); /* the IPv4 header cut */
	EXPECT(21, DG_FWD_PPPOE_BAD);          /* the PPP protocol field cut */
	f[21] = 0x57; /* PPP IPv6 over an IPv4 packet: the version disagrees */
	EXPECT(n, DG_FWD_IP_BAD_VERSION);
}

/* MPLS: up to DG_PKT_MPLS_MAX labels, the bottom of stack bit ends it, then IP by version. */
static void
test_wire_mpls_stack(void)
{
	char l2[512];
	size_t n;

	for (int labels = 1; labels <= DG_PKT_MPLS_MAX + 1; labels++) {
		strcpy(l2, "02 00 00 00 00 02 02 00 00 00 00 01 88 47 ");
		for (int i = 0; i < labels; i++)
			strcat(l2, i == labels - 1 ? "00 01 41 40 " : "00 01 40 40 ");
		n = vec_build(f, sizeof(f), l2, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
		EXPECT(n, labels <= DG_PKT_MPLS_MAX ? DG_FWD_NONE : DG_FWD_MPLS_TOO_DEEP);
		if (labels <= DG_PKT_MPLS_MAX) {
			CU_ASSERT_EQUAL(pkt.encap, DG_PKT_ENCAP_MPLS);
			CU_ASSERT_EQUAL(pkt.l3_off, 14 + 4 * labels);
		}
	}
	n = vec_build(f, sizeof(f), "02 00 00 00 00 02 02 00 00 00 00 01 88 47 00 01 41 40",
		      NULL, NULL, NULL, 0, 0);
	EXPECT(n, DG_FWD_L2_TRUNCATED);           /* nothing after the stack */
	EXPECT(n - 1, DG_FWD_MPLS_TOO_DEEP);      /* the label cut */
	n = vec_build(f, sizeof(f), "02 00 00 00 00 02 02 00 00 00 00 01 88 47 00 01 41 40 "
		      "00 00 00 00 ; pseudowire control word", VEC_IP4, VEC_UDP, VEC_DNS_A, 0,
		      VEC_FIX_ALL);
	EXPECT(n, DG_FWD_NOT_IP);
}

DG_TEST_MAIN("wire_l2l4",
	DG_TEST(test_wire_soft_defects_read_on),
	DG_TEST(test_wire_pppoe_session),
	DG_TEST(test_wire_mpls_stack),
	DG_TEST(test_wire_src_key),
	DG_TEST(test_wire_ip4_udp_dns_ok),
	DG_TEST(test_wire_boundary_last_byte_one_past),
	DG_TEST(test_wire_ethernet_padding_ignored),
	DG_TEST(test_wire_udp_length_over_ip_payload),
	DG_TEST(test_wire_ip_total_length_over_frame),
	DG_TEST(test_wire_ip4_bad_header_checksum),
	DG_TEST(test_wire_ip4_ihl_below_5),
	DG_TEST(test_wire_ip4_options_answerable),
	DG_TEST(test_wire_ip4_source_route),
	DG_TEST(test_wire_ip4_bad_options),
	DG_TEST(test_wire_ip4_fragment),
	DG_TEST(test_wire_ip6_fragment_header),
	DG_TEST(test_wire_ip6_hbh_dstopts_answerable),
	DG_TEST(test_wire_ip6_bad_ext_chain),
	DG_TEST(test_wire_ip6_routing_esp_unknown),
	DG_TEST(test_wire_ip6_length_rows),
	DG_TEST(test_wire_udp_checksum_rows),
	DG_TEST(test_wire_udp_checksum_deferred),
	DG_TEST(test_wire_bad_sources),
	DG_TEST(test_wire_src_mac_group_bit),
	DG_TEST(test_wire_src_port_loop_guard),
	DG_TEST(test_wire_vlan_depth),
	DG_TEST(test_wire_tcp_port_53),
	DG_TEST(test_wire_not_ip_not_udp_not_dns),
	DG_TEST(test_wire_dst_filter),
	DG_TEST(test_wire_fast_path_not_dns),
	DG_TEST(test_wire_fast_path_shapes)) /* last: counts the fast paths of all above */
