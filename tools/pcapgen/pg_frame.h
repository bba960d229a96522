/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PG_FRAME_H
#define PG_FRAME_H

/**
 * @file
 * Frame builder for dnsgate-pcapgen: writes well-formed test frames (checksums right)
 * into a caller's buffer. Used only by tools, never by the data path.
 */

#include <stddef.h>
#include <stdint.h>

enum { PG_FRAME_MAX = 1600, PG_VLAN_MAX = 4 };

enum pg_l4 { PG_L4_UDP = 17, PG_L4_TCP = 6, PG_L4_ICMP = 1, PG_L4_ICMP6 = 58 };

struct pg_vlan {
	uint16_t tpid; /**< 0x8100, 0x88a8 or 0x9100 */
	uint16_t tci;  /**< PCP(3) DEI(1) VID(12) */
};

/** What one frame carries; the builder fills in lengths and checksums. */
struct pg_frame {
	uint8_t src_mac[6], dst_mac[6];
	unsigned int n_vlan;
	struct pg_vlan vlan[PG_VLAN_MAX];
	int ipv6;                     /**< 0: IPv4, 1: IPv6 */
	uint8_t src_ip[16], dst_ip[16];
	enum pg_l4 l4;
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t payload_len;
};

/** Build the frame into @p out. @return its length, or 0 if it does not fit. */
size_t pg_frame_build(const struct pg_frame *f, uint8_t *out, size_t size);

/**
 * One fragment of the whole datagram frame @p whole (IP header at @p l3_off): bytes
 * [@p off, @p end) of its IP payload, Identification @p id (IPv4: the low 16 bits; IPv6:
 * a Fragment header), more fragments to follow if @p more. @return its length, or 0.
 */
size_t pg_frame_fragment(const uint8_t *whole, size_t l3_off, int ipv6, uint32_t off,
			 uint32_t end, int more, uint32_t id, uint8_t *out, size_t size);

/** Recompute the IPv4 header checksum at @p ip after an edit. */
void pg_ip4_csum(uint8_t *ip);

/** Store @p v big-endian. */
void pg_put16(uint8_t *p, uint16_t v);

/** Build an ARP request frame. @return its length. */
size_t pg_frame_arp(const uint8_t mac[6], const uint8_t spa[4], const uint8_t tpa[4],
		    uint8_t *out, size_t size);

/** DNS query options for pg_dns_query(). */
struct pg_dns_query {
	uint16_t id;
	const uint8_t *qname; /**< wire form */
	size_t qname_len;
	uint16_t qtype, qclass;
	int rd;
	int edns;             /**< add an OPT record */
	int do_bit;
	uint16_t udp_size;
	int cookie;           /**< add an 8-byte client cookie option */
};

/** Write a DNS query message. @return its length, or 0 if it does not fit. */
size_t pg_dns_query(const struct pg_dns_query *q, uint8_t *out, size_t size);

#endif /* PG_FRAME_H */
