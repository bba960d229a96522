/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mixed profile: every kind of frame a bump in the wire sees (ARP, IPv4/IPv6 over UDP,
 * TCP and ICMP, DNS and non-DNS, 802.1Q and QinQ, EDNS with cookies, DNS responses,
 * frames padded to the Ethernet minimum), for passthrough tests.
 */
#include <stdio.h>
#include <string.h>

#include "dg_name.h"
#include "pg_gen.h"

static size_t
synth_name(struct pg_gen *g, uint64_t i, uint8_t *wire)
{
	char text[64];
	struct dg_name n;
	int len;

	len = snprintf(text, sizeof(text), "host%llu.example%llu.test",
			       (unsigned long long)(i % 100000), (unsigned long long)(i % 97));
	if (dg_name_from_text(&n, text, (size_t)len) < 0)
		dg_name_from_text(&n, "invalid.test", 12);
	/* Mixed case on the wire sometimes, as 0x20-randomising resolvers send. */
	memcpy(wire, n.wire, n.len);
	if (pg_rnd(g) % 4 == 0)
		for (size_t k = 0; k < n.len; k++)
			if (wire[k] >= 'a' && wire[k] <= 'z' && pg_rnd(g) % 2)
				wire[k] ^= 0x20;
	return n.len;
}

/* One DNS query frame with the given shape. */
static void
dns_query(struct pg_gen *g, struct pg_frame *f, uint64_t i, uint16_t qtype, int edns)
{
	uint8_t qname[DG_NAME_MAXLEN], msg[600], frame[PG_FRAME_MAX];
	struct pg_dns_query q = {
		.id = (uint16_t)pg_rnd(g), .qtype = qtype, .qclass = 1, .rd = 1,
		.edns = edns, .do_bit = edns && (i % 3 == 0), .udp_size = 1232,
		.cookie = edns && (i % 2 == 0),
	};
	size_t len;

	q.qname = qname;
	q.qname_len = synth_name(g, i, qname);
	f->payload = msg;
	f->payload_len = pg_dns_query(&q, msg, sizeof(msg));
	f->l4 = PG_L4_UDP;
	f->sport = (uint16_t)(1024 + pg_rnd(g) % 64000);
	f->dport = 53;
	len = pg_frame_build(f, frame, sizeof(frame));
	pg_emit(g, frame, len);
}

void
pg_profile_mixed(struct pg_gen *g, uint64_t count)
{
	static const uint16_t qtypes[] = { 1, 28, 65, 15, 16, 255 };
	uint8_t frame[PG_FRAME_MAX], junk[300];

	for (size_t k = 0; k < sizeof(junk); k++)
		junk[k] = (uint8_t)(k * 7);
	for (uint64_t i = 0; g->n < count; i++) {
		struct pg_frame f = { 0 };
		unsigned int kind = (unsigned int)(i % 14);
		size_t len;

		f.ipv6 = kind >= 7;
		pg_addr(g, &f, 1, 0);
		switch (kind) {
		case 0: { /* ARP */
			const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
			const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

			len = pg_frame_arp(mac, a, b, frame, sizeof(frame));
			pg_emit(g, frame, len);
			continue;
		}
		case 1: case 7: /* plain DNS query */
			dns_query(g, &f, i, qtypes[i % 6], 0);
			continue;
		case 2: case 8: /* EDNS query with cookie, maybe DO */
			dns_query(g, &f, i, qtypes[(i + 1) % 6], 1);
			continue;
		case 3: /* 802.1Q */
			f.n_vlan = 1;
			f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(5 << 13 | 1 << 12 | 11) };
			dns_query(g, &f, i, 1, i % 2);
			continue;
		case 9: /* QinQ, 802.1ad outer */
			f.n_vlan = 2;
			f.vlan[0] = (struct pg_vlan){ 0x88a8, 100 };
			f.vlan[1] = (struct pg_vlan){ 0x8100, (uint16_t)(3 << 13 | 200) };
			dns_query(g, &f, i, 28, 1);
			continue;
		case 10: /* old-style QinQ, 0x9100 outer, IPv4 */
			f.ipv6 = 0;
			pg_addr(g, &f, 1, 0);
			f.n_vlan = 2;
			f.vlan[0] = (struct pg_vlan){ 0x9100, 300 };
			f.vlan[1] = (struct pg_vlan){ 0x8100, 301 };
			dns_query(g, &f, i, 65, 0);
			continue;
		case 4: case 11: /* DNS-looking TCP to port 53 and plain web TCP */
			f.l4 = PG_L4_TCP;
			f.sport = (uint16_t)(1024 + pg_rnd(g) % 60000);
			f.dport = kind == 4 ? 53 : 443;
			f.payload = junk;
			f.payload_len = 40 + pg_rnd(g) % 200;
			break;
		case 5: case 12: /* ICMP / ICMPv6 echo */
			f.l4 = f.ipv6 ? PG_L4_ICMP6 : PG_L4_ICMP;
			f.sport = (uint16_t)i;
			f.dport = 1;
			f.payload = junk;
			f.payload_len = 56;
			break;
		case 6: /* a DNS response travelling toward the client */
			pg_addr(g, &f, 0, 0);
			f.l4 = PG_L4_UDP;
			f.sport = 53;
			f.dport = (uint16_t)(1024 + pg_rnd(g) % 60000);
			f.payload = junk;
			f.payload_len = 12 + pg_rnd(g) % 100;
			break;
		default: /* 13: small non-DNS UDP, padded to the Ethernet minimum */
			f.l4 = PG_L4_UDP;
			f.sport = 5000;
			f.dport = 123;
			f.payload = junk;
			f.payload_len = 2;
			break;
		}
		len = pg_frame_build(&f, frame, sizeof(frame));
		if (len < 60) {
			memset(frame + len, 0, 60 - len);
			len = 60;
		}
		pg_emit(g, frame, len);
	}
}

