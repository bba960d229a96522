/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_VEC_H
#define DG_VEC_H

/**
 * @file
 * Test frames from annotated hex pieces (L2, L3, L4, DNS), with lengths and checksums
 * filled in by this helper's own code (RFC 1071 written again here, on purpose: the
 * tests must not trust lib/wire to check lib/wire). Shared by the wire and dns suites,
 * the fuzz seed generator and the benchmark.
 */

#include <stddef.h>
#include <stdint.h>

enum vec_fix {
	VEC_FIX_IPLEN = 1u << 0,   /* IPv4 total length / IPv6 payload length */
	VEC_FIX_IPCSUM = 1u << 1,  /* IPv4 header checksum */
	VEC_FIX_UDPLEN = 1u << 2,  /* UDP length */
	VEC_FIX_UDPCSUM = 1u << 3, /* UDP checksum */
	VEC_FIX_ALL = 0xf,
};

/* Common pieces. Lengths and checksums are zero here and fixed by vec_build(). */
#define VEC_ETH4 \
	"02 00 00 00 00 02   ; dst MAC\n" \
	"02 00 00 00 00 01   ; src MAC (unicast, local)\n" \
	"08 00               ; IPv4\n"
#define VEC_ETH6 \
	"02 00 00 00 00 02 02 00 00 00 00 01 ; dst, src MAC\n" \
	"86 dd               ; IPv6\n"
#define VEC_IP4 \
	"45 00 0000          ; v4, IHL 5, TOS, total length\n" \
	"1234 0000           ; ID, flags/fragment offset 0\n" \
	"40 11 0000          ; TTL 64, UDP, header checksum\n" \
	"c6 12 00 01         ; src 198.18.0.1\n" \
	"c6 12 00 35         ; dst 198.18.0.53\n"
#define VEC_IP6_NH(nh) \
	"60 00 00 00         ; v6, TC 0, flow 0\n" \
	"0000 " nh " 40      ; payload length, next header, hop limit 64\n" \
	"2001 0002 0000 0000 0000 0000 0000 0001 ; src 2001:2::1\n" \
	"2001 0002 0000 0000 0000 0000 0000 0053 ; dst 2001:2::53\n"
#define VEC_IP6 VEC_IP6_NH("11")
#define VEC_UDP \
	"9c 40 00 35 0000 0000 ; sport 40000, dport 53, length, checksum\n"
/* www.ExAmpLe.com A IN, RD, no EDNS (mixed case on purpose: 0x20 must survive). */
#define VEC_DNS_HDR(ar) \
	"ab cd               ; ID\n" \
	"01 00               ; flags: RD\n" \
	"00 01 00 00 00 00 " ar " ; QD=1 AN=0 NS=0 AR\n"
#define VEC_QNAME \
	"03 77 77 77 07 45 78 41 6d 70 4c 65 03 63 6f 6d 00 ; www.ExAmpLe.com.\n"
#define VEC_DNS_A VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 01 ; A IN\n"
#define VEC_OPT_DO \
	"00 00 29 04 d0      ; OPT root, type 41, size 1232\n" \
	"00 00 80 00         ; ext-rcode 0, version 0, DO\n" \
	"00 00               ; RDLEN 0\n"
#define VEC_DNS_A_EDNS VEC_DNS_HDR("00 01") VEC_QNAME "00 01 00 01 ; A IN\n" VEC_OPT_DO

/**
 * Build a frame into @p out: @p l2 (Ethernet + tags) then @p l3 (IP header with
 * options / extension headers), @p l4 (UDP header), @p dns, then @p pad_len zero bytes
 * of Ethernet padding. @p fix says which fields to compute.
 * @return frame length (aborts on a malformed vector: a test bug).
 */
size_t vec_build(uint8_t *out, size_t max, const char *l2, const char *l3, const char *l4,
		 const char *dns, size_t pad_len, unsigned int fix);

/** IPv4 header checksum of @p h (@p hlen bytes) computed as the field should be. */
uint16_t vec_ip4_csum(const uint8_t *h, size_t hlen);

/**
 * 1 if the UDP checksum of the datagram at @p udp (@p ulen bytes) is valid for the
 * addresses at @p src / @p dst (@p alen 4 or 16), else 0.
 */
int vec_udp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen,
		    const uint8_t *udp, size_t ulen);

/** 1 if the UDP/TCP (@p proto 17/6) checksum of @p len bytes at @p l4 is valid, else 0. */
int vec_l4_csum_ok(uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t alen,
		   const uint8_t *l4, size_t len);

/**
 * The checksum field value (host order) for the UDP/TCP segment at @p l4 (@p len bytes),
 * whose checksum field at @p csum_off (even) is left out of the sum.
 */
uint16_t vec_l4_csum(uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t alen,
		     const uint8_t *l4, size_t len, size_t csum_off);

/**
 * A TCP (@p proto 6: @p seq, @p ack, @p flags, data offset 5) or UDP (17) frame with no
 * VLAN tag from 198.18.0.1 / 2001:2::1 port 40000 to 198.18.0.53 / 2001:2::53 port
 * @p dport (@p ver 4 or 6), carrying @p plen bytes of @p pl; lengths and checksums
 * computed here. @return the frame length (aborts when over @p max: a test bug).
 */
size_t vec_l4_frame(uint8_t *out, size_t max, int ver, uint8_t proto, uint16_t dport,
		    uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl, size_t plen);

#endif /* DG_VEC_H */
