/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The network-side responses profile of dnsgate-pcapgen: DNS responses from the
 * resolver (port 53) to clients, with and without CNAME chains, for response policy
 * tests and benchmarks (docs/response-policy.md). Shares (the dns profile's options):
 *  - --blocked-pct: responses whose CNAME chain ends in a --blocked name (half of them a
 *    name below it): dnsgate rewrites these;
 *  - --malformed-pct: responses cut short inside their last record (forwarded, counted);
 *  - --other-pct: frames that are not DNS responses (TCP/443 segments, UDP/443);
 *  - the rest: benign answers, a third of them through a chain of one or two CNAMEs to
 *    cdn names; --ipv6, --vlan, --edns (an OPT, DO per --do) as for queries.
 * Manifest: index kind qname target ip-version.
 */
#include <stdio.h>
#include <string.h>

#include "dg_name.h"
#include "pg_gen.h"

/* Append a record: owner (wire), type, class IN, TTL, RDATA. */
static size_t
rr(uint8_t *p, const uint8_t *owner, size_t olen, uint16_t type, const uint8_t *rd,
   size_t rdlen)
{
	memcpy(p, owner, olen);
	p += olen;
	pg_put16(p, type);
	pg_put16(p + 2, 1);
	pg_put16(p + 4, 0);
	pg_put16(p + 6, 300);
	pg_put16(p + 8, (uint16_t)rdlen);
	memcpy(p + 10, rd, rdlen);
	return olen + 10 + rdlen;
}

static void
one_response(struct pg_gen *g, uint64_t i)
{
	static const uint8_t ptr_q[2] = { 0xc0, 0x0c };
	uint8_t msg[1200], frame[PG_FRAME_MAX], qname[DG_NAME_MAXLEN], tgt[3][DG_NAME_MAXLEN];
	size_t tlen[3] = { 0 }, qlen, n, owner_off = 12;
	const uint8_t *owner = ptr_q;
	uint8_t optr[2];
	struct pg_frame f = { 0 };
	const char *kind = "answer", *text;
	char name[300], tname[3][300];
	unsigned int chain = 0, an = 0;
	int edns = pg_chance(g, g->edns_pct), cut = pg_chance(g, g->malformed_pct);
	uint16_t qtype;
	uint8_t *p;

	f.ipv6 = pg_chance(g, g->ipv6_pct);
	qtype = f.ipv6 ? 28 : 1;
	if (g->names.n > 0)
		text = pg_pick(g, &g->names);
	else {
		snprintf(name, sizeof(name), "host%u.example%u.test", (unsigned int)(i % 100000),
			 (unsigned int)(i % 97));
		text = name;
	}
	if (g->blocked.n > 0 && pg_chance(g, g->blocked_pct)) {
		kind = "cloaked";
		chain = 1 + (unsigned int)(pg_rnd(g) % 2);
		snprintf(tname[0], sizeof(tname[0]), "edge%u.cdn.example", (unsigned int)(i % 1000));
		if (pg_rnd(g) % 2)
			snprintf(tname[chain - 1], sizeof(tname[0]), "x%u.%s",
				 (unsigned int)(i % 1000), pg_pick(g, &g->blocked));
		else
			snprintf(tname[chain - 1], sizeof(tname[0]), "%s", pg_pick(g, &g->blocked));
	} else if (pg_rnd(g) % 3 == 0) {
		kind = "chain";
		chain = 1 + (unsigned int)(pg_rnd(g) % 2);
		for (unsigned int k = 0; k < chain; k++)
			snprintf(tname[k], sizeof(tname[k]), "e%u.cdn%u.example", (unsigned int)(i % 1000),
				 k);
	}
	if (cut)
		kind = "cut";
	qlen = pg_name_wire(g, text, 0, qname);
	pg_put16(msg, (uint16_t)pg_rnd(g));
	pg_put16(msg + 2, 0x8180);
	pg_put16(msg + 4, 1);
	pg_put16(msg + 8, 0);
	p = msg + 12;
	memcpy(p, qname, qlen);
	p += qlen;
	pg_put16(p, qtype);
	pg_put16(p + 2, 1);
	p += 4;
	for (unsigned int k = 0; k < chain; k++) {
		tlen[k] = pg_name_wire(g, tname[k], 0, tgt[k]);
		n = rr(p, owner, 2, 5, tgt[k], tlen[k]);
		owner_off = (size_t)(p - msg) + 12; /* the target just written */
		pg_put16(optr, (uint16_t)(0xc000 | owner_off));
		owner = optr;
		p += n;
		an++;
	}
	if (qtype == 1)
		n = rr(p, owner, 2, 1, (const uint8_t[]){ 198, 51, 100, (uint8_t)(i % 250 + 1) }, 4);
	else
		n = rr(p, owner, 2, 28, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 16);
	p += n;
	an++;
	pg_put16(msg + 6, (uint16_t)an);
	pg_put16(msg + 10, edns ? 1 : 0);
	if (edns) {
		p[0] = 0;
		pg_put16(p + 1, 41);
		pg_put16(p + 3, 1232);
		pg_put16(p + 5, 0);
		pg_put16(p + 7, pg_chance(g, g->do_pct) ? 0x8000 : 0);
		pg_put16(p + 9, 0);
		p += 11;
	}
	f.payload = msg;
	f.payload_len = (size_t)(p - msg);
	if (cut)
		f.payload_len -= edns ? 12 : 1; /* inside the last record */
	pg_addr(g, &f, 0, 0);
	if (pg_chance(g, g->vlan_pct)) {
		f.n_vlan = 1;
		f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(5 << 13 | 10) };
	}
	f.l4 = PG_L4_UDP;
	f.sport = 53;
	f.dport = (uint16_t)(1024 + pg_rnd(g) % 64000);
	n = pg_frame_build(&f, frame, sizeof(frame));
	if (g->manifest != NULL)
		fprintf(g->manifest, "%llu %s %s %s %s\n", (unsigned long long)g->n, kind, text,
			chain ? tname[chain - 1] : "-", f.ipv6 ? "6" : "4");
	pg_emit(g, frame, n);
}

/* Not a DNS response: what most of a network side carries (HTTPS over TCP and QUIC). */
static void
one_other(struct pg_gen *g)
{
	uint8_t frame[PG_FRAME_MAX], data[1200];
	struct pg_frame f = { 0 };
	int tcp = pg_rnd(g) % 2;
	size_t n;

	memset(data, 0x17, sizeof(data));
	f.ipv6 = pg_chance(g, g->ipv6_pct);
	pg_addr(g, &f, 0, 0);
	f.l4 = tcp ? PG_L4_TCP : PG_L4_UDP;
	f.sport = 443;
	f.dport = (uint16_t)(1024 + pg_rnd(g) % 64000);
	f.payload = data;
	f.payload_len = tcp ? 1000 : 1200;
	n = pg_frame_build(&f, frame, sizeof(frame));
	if (g->manifest != NULL)
		fprintf(g->manifest, "%llu %s - - %s\n", (unsigned long long)g->n,
			tcp ? "other-tcp443" : "other-udp443", f.ipv6 ? "6" : "4");
	pg_emit(g, frame, n);
}

void
pg_profile_responses(struct pg_gen *g, uint64_t count)
{
	if (g->manifest != NULL)
		fprintf(g->manifest, "# frame kind qname target ip\n");
	for (uint64_t i = 0; g->n < count; i++) {
		if (pg_chance(g, g->other_pct))
			one_other(g);
		else
			one_response(g, i);
	}
}
