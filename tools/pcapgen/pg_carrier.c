/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The carrier profile: all of a link's traffic, where DNS is a few percent. Frames that are
 * not DNS take the simple IMIX of 64, 576 and 1500 bytes (as captured) in a 7:4:1 ratio,
 * over TCP (HTTPS and HTTP), QUIC (UDP 443, short headers and a few long-header Initials)
 * and other UDP; DNS queries are the dns profile's (its options apply), a --blocked-pct of
 * them for a listed name: one in a million unless told. Shares of IPv6 and 802.1Q apply to
 * every frame. The manifest has the dns profile's columns: kind carrier-tcp, carrier-quic
 * or carrier-udp and no name for the rest.
 */
#include <stdio.h>
#include <string.h>

#include "pg_gen.h"

/* The IMIX frame lengths and their weights (out of 12). */
static const struct {
	size_t len;
	unsigned int weight;
} imix[] = { { 64, 7 }, { 576, 4 }, { 1500, 1 } };

enum pg_carrier_kind { PG_C_TCP, PG_C_QUIC, PG_C_UDP };

static size_t
imix_len(struct pg_gen *g)
{
	unsigned int r = (unsigned int)(pg_rnd(g) % 12);

	for (size_t i = 0; i < sizeof(imix) / sizeof(imix[0]); i++) {
		if (r < imix[i].weight)
			return imix[i].len;
		r -= imix[i].weight;
	}
	return imix[0].len;
}

/* A server away from the resolver: 198.19.1.0/24 plus, 2001:2:0:2::/64. */
static void
server_addr(struct pg_gen *g, struct pg_frame *f)
{
	uint32_t s = (uint32_t)pg_rnd(g);

	if (f->ipv6) {
		f->dst_ip[7] = 2;
		f->dst_ip[14] = (uint8_t)(s >> 8);
		f->dst_ip[15] = (uint8_t)(s | 1);
	} else {
		f->dst_ip[2] = (uint8_t)(1 + (s >> 8) % 254);
		f->dst_ip[3] = (uint8_t)(1 + s % 254);
	}
}

static void
one_flow_frame(struct pg_gen *g, enum pg_carrier_kind kind)
{
	static const char *const names[] = { "carrier-tcp", "carrier-quic", "carrier-udp" };
	static const uint16_t udp_ports[] = { 4500, 123, 5060, 3478, 51820 };
	uint8_t frame[PG_FRAME_MAX], payload[PG_FRAME_MAX];
	struct pg_frame f = { 0 };
	size_t want = imix_len(g), hdr, len;

	f.ipv6 = pg_chance(g, g->ipv6_pct);
	pg_addr(g, &f, 1, 0);
	server_addr(g, &f);
	if (pg_chance(g, g->vlan_pct)) {
		f.n_vlan = 1;
		f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(0 << 13 | 20) };
	}
	f.sport = (uint16_t)(1024 + pg_rnd(g) % 64000);
	switch (kind) {
	case PG_C_TCP:
		f.l4 = PG_L4_TCP;
		f.dport = pg_rnd(g) % 5 ? 443 : 80;
		break;
	case PG_C_QUIC:
		f.l4 = PG_L4_UDP;
		f.dport = 443;
		break;
	default:
		f.l4 = PG_L4_UDP;
		f.dport = udp_ports[pg_rnd(g) % (sizeof(udp_ports) / sizeof(udp_ports[0]))];
		break;
	}
	hdr = 14 + 4 * f.n_vlan + (f.ipv6 ? 40 : 20) + (f.l4 == PG_L4_TCP ? 20 : 8);
	f.payload_len = want > hdr + 1 ? want - hdr : 1;
	for (size_t k = 0; k < f.payload_len; k++)
		payload[k] = (uint8_t)pg_rnd(g);
	if (kind == PG_C_QUIC) {
		if (pg_rnd(g) % 50 == 0 && f.payload_len >= 7) {
			payload[0] = 0xc0 | (payload[0] & 0x0f); /* long header, Initial */
			memcpy(payload + 1, "\x00\x00\x00\x01", 4); /* version 1 */
		} else {
			payload[0] = 0x40 | (payload[0] & 0x3f); /* short header */
		}
	}
	f.payload = payload;
	len = pg_frame_build(&f, frame, sizeof(frame));
	if (g->manifest != NULL)
		fprintf(g->manifest, "%llu %s - - %s 0\n", (unsigned long long)g->n, names[kind],
			f.ipv6 ? "6" : "4");
	pg_emit(g, frame, len);
}

void
pg_profile_carrier(struct pg_gen *g, uint64_t count)
{
	/* Shares not given take a carrier's: of all frames, DNS 3%, QUIC 8%, other UDP
	 * 10%, the rest TCP; IPv6 15%, 802.1Q 10%; a DNS query blocked one in a million. */
	double dns = g->dns_pct >= 0 ? g->dns_pct : 3, quic = g->quic_pct >= 0 ? g->quic_pct : 8;

	if (g->ipv6_pct < 0)
		g->ipv6_pct = 15;
	if (g->vlan_pct < 0)
		g->vlan_pct = 10;
	if (g->blocked_pct < 0)
		g->blocked_pct = 0.0001;
	if (g->manifest != NULL)
		fprintf(g->manifest, "# frame kind name qtype ip optout\n");
	for (uint64_t i = 0; g->n < count; i++) {
		double u = (double)(pg_rnd(g) % 1000000) / 10000.0;

		if (u < dns)
			pg_dns_one(g, i);
		else if (u < dns + quic)
			one_flow_frame(g, PG_C_QUIC);
		else if (u < dns + quic + 10)
			one_flow_frame(g, PG_C_UDP);
		else
			one_flow_frame(g, PG_C_TCP);
	}
}
