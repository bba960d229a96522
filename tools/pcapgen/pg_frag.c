/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The frag profile: DNS queries cut into IP fragments, the way an evader would send them,
 * between plain queries. Each datagram is cut
 *   hdr    inside the DNS header (the first fragment ends 8 bytes into it),
 *   name   inside the question name,
 *   after  after the name (the name wholly in the first fragment),
 *   all    at all three places,
 * and sent
 *   inorder, reversed,
 *   dup       in order, with an identical copy of the first fragment before the last,
 *   conflict  the same, but the copy's last byte differs,
 *   partial   in order, with a fragment straddling the end of the held data before the last,
 *   missing   in order without the last fragment (never completes),
 *   atomic    IPv6 only: one frame with a Fragment header, offset 0, no more (RFC 6946).
 * The manifest gives each frame's datagram, cut, order, role and byte range, so a test can
 * work out what dnsgate must do with it without dnsgate's code.
 */
#include <stdio.h>
#include <string.h>

#include "dg_name.h"
#include "pg_gen.h"

enum { PLAIN_PCT = 20, CUTS_MAX = 3, UDP_DNS_NAME = 8 + 12, ETH_MIN = 60 };

static const char *const splits[] = { "hdr", "name", "after", "all" };
static const char *const orders[] = { "inorder", "reversed", "dup", "conflict", "partial",
				      "missing", "atomic" };
enum order { O_IN, O_REV, O_DUP, O_CONFLICT, O_PARTIAL, O_MISSING, O_ATOMIC, O_COUNT };

struct dgram {
	uint8_t whole[PG_FRAME_MAX];
	size_t len, l3;
	int ipv6;
	uint32_t id, payload;  /* IP payload bytes: UDP header and DNS message */
	uint16_t dns_id;
	const char *kind, *name, *qtype, *split, *order;
	uint64_t index;
};

static void
manifest(struct pg_gen *g, const struct dgram *d, const char *role, uint32_t off,
	 uint32_t end, int more)
{
	if (g->manifest == NULL)
		return;
	if (d->index == UINT64_MAX)
		fprintf(g->manifest, "%llu - %s %s %s %d 0x%04x - plain whole 0 %u 0\n",
			(unsigned long long)g->n, d->kind, d->name, d->qtype, d->ipv6 ? 6 : 4,
			d->dns_id, d->payload);
	else
		fprintf(g->manifest, "%llu %llu %s %s %s %d 0x%04x %s %s %s %u %u %d\n",
			(unsigned long long)g->n, (unsigned long long)d->index, d->kind, d->name,
			d->qtype, d->ipv6 ? 6 : 4, d->dns_id, d->split, d->order, role, off, end,
			more);
}

static void
emit_frag(struct pg_gen *g, const struct dgram *d, const char *role, uint32_t off,
	  uint32_t end, int more, int flip_last)
{
	uint8_t frame[PG_FRAME_MAX];
	size_t len = pg_frame_fragment(d->whole, d->l3, d->ipv6, off, end, more, d->id, frame,
				       sizeof(frame));

	if (flip_last) {
		frame[len - 1] ^= 0x01;
		if (!d->ipv6)
			pg_ip4_csum(frame + d->l3);
	}
	/* Short fragments go padded to the Ethernet minimum, as on a wire. */
	if (len < ETH_MIN) {
		memset(frame + len, 0, ETH_MIN - len);
		len = ETH_MIN;
	}
	manifest(g, d, role, off, end, more);
	pg_emit(g, frame, len);
}

/* The whole query for @p text, built like the dns profile builds one. */
static void
build(struct pg_gen *g, struct dgram *d, const char *text, int force_edns)
{
	uint8_t qname[DG_NAME_MAXLEN], msg[600];
	static const uint16_t qtypes[] = { 1, 1, 28, 65, 16 };
	uint16_t qtype = qtypes[pg_rnd(g) % (sizeof(qtypes) / sizeof(qtypes[0]))];
	struct pg_frame f = { 0 };
	struct pg_dns_query q = {
		.id = (uint16_t)pg_rnd(g), .qtype = qtype, .qclass = 1, .rd = 1,
		.udp_size = 1232,
	};

	q.edns = force_edns || pg_chance(g, g->edns_pct);
	q.qname = qname;
	q.qname_len = pg_name_wire(g, text, 0, qname);
	f.ipv6 = d->ipv6;
	pg_addr(g, &f, 1, 0);
	if (pg_chance(g, g->vlan_pct)) {
		f.n_vlan = 1;
		f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(5 << 13 | 10) };
	}
	f.payload = msg;
	f.payload_len = pg_dns_query(&q, msg, sizeof(msg));
	f.l4 = PG_L4_UDP;
	f.sport = (uint16_t)(1024 + pg_rnd(g) % 64000);
	f.dport = 53;
	d->len = pg_frame_build(&f, d->whole, sizeof(d->whole));
	d->l3 = 14 + 4 * f.n_vlan;
	d->payload = (uint32_t)(8 + f.payload_len);
	d->dns_id = q.id;
	d->name = text;
	d->qtype = pg_qtype_name(qtype);
}

/* Where to cut: offsets in the IP payload, multiples of 8, inside (0, payload). */
static unsigned int
cuts(const struct dgram *d, unsigned int split, size_t qlen, uint32_t *c)
{
	const uint32_t after = (uint32_t)(UDP_DNS_NAME + qlen + 7) & ~7u;
	uint32_t want[CUTS_MAX];
	unsigned int n = 0, k = 0;

	if (split == 0 || split == 3)
		want[k++] = 16;
	if (split == 1 || split == 3)
		want[k++] = 24;
	if (split == 2 || split == 3)
		want[k++] = after;
	for (unsigned int i = 0; i < k; i++)
		if (want[i] < d->payload && (n == 0 || want[i] > c[n - 1]))
			c[n++] = want[i];
	return n;
}

static void
one_datagram(struct pg_gen *g, uint64_t index, const char *text, const char *kind)
{
	struct dgram d = { .index = index, .kind = kind };
	unsigned int split = (unsigned int)(pg_rnd(g) % 4), order, n, i;
	uint32_t c[CUTS_MAX + 2], lo, hi;
	char role[8];
	size_t qlen = strlen(text) + 2;

	d.ipv6 = pg_chance(g, g->ipv6_pct);
	order = (unsigned int)(pg_rnd(g) % (d.ipv6 ? O_COUNT : O_ATOMIC));
	/* "after" needs bytes past the name: an OPT record makes sure of them */
	build(g, &d, text, split >= 2);
	d.id = (uint32_t)(0x1000 + index);
	d.split = order == O_ATOMIC ? "-" : splits[split];
	d.order = orders[order];
	if (order == O_ATOMIC) {
		emit_frag(g, &d, "whole", 0, d.payload, 0, 0);
		return;
	}
	n = cuts(&d, split, qlen, c + 1);
	c[0] = 0;
	c[n + 1] = d.payload;
	/* fragments: [c[i], c[i + 1]) for i in 0..n */
	for (unsigned int k = 0; k <= n; k++) {
		i = order == O_REV ? n - k : k;
		if (order == O_MISSING && i == n)
			break;
		if (k == n && (order == O_DUP || order == O_CONFLICT))
			emit_frag(g, &d, order == O_DUP ? "dup" : "conflict", c[0], c[1], 1,
				  order == O_CONFLICT);
		if (k == n && order == O_PARTIAL) {
			/* from inside the held run to past its end: an overlap, not a duplicate */
			lo = c[n] - 8;
			hi = c[n] + 8 < d.payload ? c[n] + 8 : d.payload;
			emit_frag(g, &d, "partial", lo, hi, hi < d.payload, 0);
		}
		snprintf(role, sizeof(role), "f%u", i);
		emit_frag(g, &d, role, c[i], c[i + 1], i < n, 0);
	}
}

static void
one_plain(struct pg_gen *g, const char *text, const char *kind)
{
	struct dgram d = { .index = UINT64_MAX, .kind = kind };

	d.ipv6 = pg_chance(g, g->ipv6_pct);
	build(g, &d, text, 0);
	manifest(g, &d, "whole", 0, d.payload, 0);
	pg_emit(g, d.whole, d.len);
}

void
pg_profile_frag(struct pg_gen *g, uint64_t count)
{
	char sub[300];
	uint64_t dg = 0;

	if (g->manifest != NULL)
		fprintf(g->manifest, "# frame dgram kind name qtype ip id split order role off end "
				     "mf\n");
	for (uint64_t i = 0; g->n < count; i++) {
		const char *text, *kind = "query";

		if (g->blocked.n > 0 && pg_chance(g, g->blocked_pct)) {
			text = pg_pick(g, &g->blocked);
			kind = "blocked";
		} else if (g->names.n > 0) {
			text = pg_pick(g, &g->names);
		} else {
			snprintf(sub, sizeof(sub), "host%u.example%u.test",
				 (unsigned int)(i % 100000), (unsigned int)(i % 97));
			text = sub;
		}
		if (pg_chance(g, PLAIN_PCT))
			one_plain(g, text, kind);
		else
			one_datagram(g, dg++, text, kind);
	}
}
