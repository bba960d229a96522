/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dns profile: a query population with given shares (IPv6, VLAN, QinQ, EDNS, DO,
 * cookies, 0x20 mixed case, blocked names, opted-out clients, malformed queries), and an
 * optional manifest that says what each frame is, so tests can compute what dnsgate must
 * do with it without asking dnsgate's own parser.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dg_name.h"
#include "pg_gen.h"

/* Ways to break a query; every one must be forwarded unchanged (DESIGN.md section 5). */
enum pg_bad {
	PG_BAD_POINTER, PG_BAD_QR, PG_BAD_OPCODE, PG_BAD_TC, PG_BAD_QDCOUNT, PG_BAD_ANCOUNT,
	PG_BAD_UDP_CSUM, PG_BAD_FRAGMENT, PG_BAD_LABEL64, PG_BAD_EDNS_VERSION, PG_BAD_TRUNCATED,
	PG_BAD_SPORT, PG_BAD_CLASS, PG_BAD_AXFR, PG_BAD_COUNT,
};

static const char *const bad_names[PG_BAD_COUNT] = {
	"pointer", "qr", "opcode", "tc", "qdcount", "ancount", "udp_csum", "fragment",
	"label64", "edns_version", "truncated", "sport", "class", "axfr",
};

static const uint16_t qtypes[] = { 1, 1, 1, 1, 28, 28, 28, 65, 15, 16, 255, 64 };

const char *
pg_qtype_name(uint16_t t)
{
	switch (t) {
	case 1: return "A";
	case 28: return "AAAA";
	case 65: return "HTTPS";
	case 64: return "SVCB";
	case 15: return "MX";
	case 16: return "TXT";
	case 255: return "ANY";
	case 252: return "AXFR";
	default: return "OTHER";
	}
}

size_t
pg_name_wire(struct pg_gen *g, const char *text, int mixcase, uint8_t *wire)
{
	struct dg_name n;

	if (dg_name_from_text(&n, text, strlen(text)) < 0)
		dg_name_from_text(&n, "invalid.test", 12);
	memcpy(wire, n.wire, n.len);
	if (mixcase)
		for (size_t k = 0; k < n.len; k++)
			if (wire[k] >= 'a' && wire[k] <= 'z' && pg_rnd(g) % 2)
				wire[k] ^= 0x20;
	return n.len;
}

/* Build the DNS message of one query (corrupted per @p bad, or not). */
static size_t
message(struct pg_gen *g, const uint8_t *qname, size_t qlen, uint16_t qtype, int edns,
	int bad, uint8_t *msg, size_t size)
{
	struct pg_dns_query q = {
		.id = (uint16_t)pg_rnd(g), .qname = qname, .qname_len = qlen, .qtype = qtype,
		.qclass = 1, .rd = 1, .edns = edns, .udp_size = 1232,
	};
	size_t len;

	if (edns) {
		q.do_bit = pg_chance(g, g->do_pct);
		q.cookie = pg_chance(g, g->cookie_pct);
	}
	if (bad == PG_BAD_CLASS)
		q.qclass = 3;
	if (bad == PG_BAD_AXFR)
		q.qtype = 252;
	len = pg_dns_query(&q, msg, size);
	switch (bad) {
	case PG_BAD_POINTER: /* replace the name's end by a pointer to itself */
		msg[12 + qlen - 1] = 0xc0;
		memmove(msg + 12 + qlen + 1, msg + 12 + qlen, len - 12 - qlen);
		msg[12 + qlen] = 12;
		len++;
		break;
	case PG_BAD_QR: msg[2] |= 0x80; break;
	case PG_BAD_OPCODE: msg[2] |= 2 << 3; break;
	case PG_BAD_TC: msg[2] |= 0x02; break;
	case PG_BAD_QDCOUNT: pg_put16(msg + 4, 2); break;
	case PG_BAD_ANCOUNT: pg_put16(msg + 6, 1); break;
	case PG_BAD_LABEL64: msg[12] = 64; break;
	case PG_BAD_EDNS_VERSION:
		if (edns)
			msg[12 + qlen + 4 + 6] = 1; /* OPT TTL: ext-rcode, VERSION */
		break;
	default: break;
	}
	return len;
}

void
pg_dns_one(struct pg_gen *g, uint64_t i)
{
	uint8_t qname[DG_NAME_MAXLEN], msg[600], frame[PG_FRAME_MAX];
	struct pg_frame f = { 0 };
	const char *kind = "query", *text;
	char sub[300];
	int optout = pg_chance(g, g->optout_pct), bad = -1, edns, mix;
	uint16_t qtype = qtypes[pg_rnd(g) % (sizeof(qtypes) / sizeof(qtypes[0]))];
	size_t qlen, len;

	if (g->blocked.n > 0 && pg_chance(g, g->blocked_pct)) {
		text = pg_pick(g, &g->blocked);
		kind = "blocked";
		/* Half the blocked queries ask for a name below the listed one. */
		if (pg_rnd(g) % 2) {
			snprintf(sub, sizeof(sub), "x%u.%s", (unsigned int)(pg_rnd(g) % 1000), text);
			text = sub;
		}
	} else if (g->names.n > 0) {
		text = pg_pick(g, &g->names);
	} else {
		snprintf(sub, sizeof(sub), "host%u.example%u.test", (unsigned int)(i % 100000),
			 (unsigned int)(i % 97));
		text = sub;
	}
	if (pg_chance(g, g->malformed_pct)) {
		bad = (int)(pg_rnd(g) % PG_BAD_COUNT);
		kind = bad_names[bad];
	}
	f.ipv6 = pg_chance(g, g->ipv6_pct);
	pg_addr(g, &f, 1, optout);
	if (pg_chance(g, g->qinq_pct)) {
		f.n_vlan = 2;
		f.vlan[0] = (struct pg_vlan){ 0x88a8, 100 };
		f.vlan[1] = (struct pg_vlan){ 0x8100, (uint16_t)(3 << 13 | 200) };
	} else if (pg_chance(g, g->vlan_pct)) {
		f.n_vlan = 1;
		f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(5 << 13 | 10) };
	}
	edns = pg_chance(g, g->edns_pct) || bad == PG_BAD_EDNS_VERSION;
	mix = pg_chance(g, g->mixcase_pct);
	qlen = pg_name_wire(g, text, mix, qname);
	f.payload = msg;
	f.payload_len = message(g, qname, qlen, qtype, edns, bad, msg, sizeof(msg));
	f.l4 = PG_L4_UDP;
	f.sport = bad == PG_BAD_SPORT ? 53 : (uint16_t)(1024 + pg_rnd(g) % 64000);
	f.dport = 53;
	len = pg_frame_build(&f, frame, sizeof(frame));
	if (bad == PG_BAD_UDP_CSUM) {
		size_t l4 = 14 + 4 * f.n_vlan + (f.ipv6 ? 40 : 20);

		frame[l4 + 6] ^= 0x5a;
	} else if (bad == PG_BAD_FRAGMENT) {
		if (f.ipv6) { /* IPv6 has no flag to set: break it like IPv4 would be */
			frame[14 + 4 * f.n_vlan + 6] = 44; /* Fragment header next */
		} else {
			uint8_t *ip = frame + 14 + 4 * f.n_vlan;

			ip[6] |= 0x20; /* MF */
			pg_ip4_csum(ip);
		}
	} else if (bad == PG_BAD_TRUNCATED) {
		len -= 3;
	}
	if (g->manifest != NULL)
		fprintf(g->manifest, "%llu %s %s %s %s %d\n", (unsigned long long)g->n, kind,
			text, pg_qtype_name(bad == PG_BAD_AXFR ? 252 : qtype), f.ipv6 ? "6" : "4", optout);
	pg_emit(g, frame, len);
}

/* Not a DNS query at all: TCP to port 53, UDP to another port, ICMP echo, ARP. */
static void
one_other(struct pg_gen *g)
{
	static const char *const kinds[] = { "other-tcp53", "other-udp123", "other-icmp",
					     "other-arp" };
	uint8_t frame[PG_FRAME_MAX], junk[64];
	struct pg_frame f = { 0 };
	unsigned int k = (unsigned int)(pg_rnd(g) % 4);
	size_t len;

	memset(junk, 0x42, sizeof(junk));
	f.ipv6 = pg_chance(g, g->ipv6_pct);
	pg_addr(g, &f, 1, 0);
	f.payload = junk;
	f.payload_len = sizeof(junk);
	f.sport = (uint16_t)(1024 + pg_rnd(g) % 60000);
	if (k == 0) {
		f.l4 = PG_L4_TCP;
		f.dport = 53;
	} else if (k == 1) {
		f.l4 = PG_L4_UDP;
		f.dport = 123;
	} else {
		f.l4 = f.ipv6 ? PG_L4_ICMP6 : PG_L4_ICMP;
	}
	if (k == 3) {
		const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

		len = pg_frame_arp(f.src_mac, a, b, frame, sizeof(frame));
	} else {
		len = pg_frame_build(&f, frame, sizeof(frame));
	}
	if (g->manifest != NULL)
		fprintf(g->manifest, "%llu %s - - %s 0\n", (unsigned long long)g->n, kinds[k],
			f.ipv6 ? "6" : "4");
	pg_emit(g, frame, len);
}

void
pg_profile_dns(struct pg_gen *g, uint64_t count)
{
	if (g->manifest != NULL)
		fprintf(g->manifest, "# frame kind name qtype ip optout\n");
	for (uint64_t i = 0; g->n < count; i++) {
		if (pg_chance(g, g->other_pct))
			one_other(g);
		else
			pg_dns_one(g, i);
	}
}
