/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-frame look at encrypted DNS, and the tables it reads. A frame costs the port
 * compares of dg_encdns_wants(), then for the few that pass: the TCP header's flags
 * and payload's first byte, then (ClientHellos, SYNs, DoQ datagrams only) the checksums,
 * the ClientHello and the lookups.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_encdns.h"
#include "dg_name.h"
#include "dg_tcp.h"
#include "dg_wire.h"

enum {
	TCP_HLEN = 20,
	TCP_DOFF = 12,
	TCP_FLAGS = 13,
	UDP_HLEN = 8,
	UDP_LEN = 4,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	QUIC_LONG = 0x80,           /* header form bit (RFC 9000 17.2) */
	QUIC_TYPE = 0x30,           /* long packet type bits */
	QUIC_V1 = 0x00000001,
	QUIC_V1_INITIAL = 0x00,     /* RFC 9000 17.2.2 */
	QUIC_V2 = 0x6b3343cf,
	QUIC_V2_INITIAL = 0x10,     /* RFC 9369 3.2 */
	QUIC_HLEN_MIN = 5,          /* first byte, version */
};

static const char *const counter_names[DG_ENCDNS_C__MAX] = {
	[DG_ENCDNS_C_DOT_SYN] = "dot_syn",
	[DG_ENCDNS_C_DOT_RESET] = "dot_reset",
	[DG_ENCDNS_C_DOQ_INITIAL] = "doq_initial",
	[DG_ENCDNS_C_DOQ_DROPPED] = "doq_dropped",
	[DG_ENCDNS_C_DOH_SNI] = "doh_sni",
	[DG_ENCDNS_C_DOH_ADDRESS] = "doh_address",
	[DG_ENCDNS_C_DOH_RESET] = "doh_reset",
	[DG_ENCDNS_C_TLS_HELLO] = "tls_hello",
	[DG_ENCDNS_C_TLS_NO_SNI] = "tls_no_sni",
	[DG_ENCDNS_C_TLS_ECH] = "tls_ech",
	[DG_ENCDNS_C_TLS_PARTIAL] = "tls_partial",
	[DG_ENCDNS_C_TLS_MALFORMED] = "tls_malformed",
	[DG_ENCDNS_C_BAD_CHECKSUM] = "bad_checksum",
	[DG_ENCDNS_C_OPTOUT] = "optout",
	[DG_ENCDNS_C_CANARY] = "canary",
	[DG_ENCDNS_C_RESET_FAILED] = "reset_failed",
};

const char *
dg_encdns_counter_name(enum dg_encdns_counter i)
{
	return (unsigned int)i < DG_ENCDNS_C__MAX ? counter_names[i] : "unknown";
}

void
dg_encdns_counters_sum(struct dg_encdns_counters *sum, const struct dg_encdns_counters *c)
{
	for (unsigned int i = 0; i < DG_ENCDNS_C__MAX; i++)
		sum->c[i] += __atomic_load_n(&c->c[i], __ATOMIC_RELAXED);
}

const char *const dg_encdns_canary_names[3] = {
	"use-application-dns.net", /* Firefox: no DoH by default where this is NXDOMAIN */
	"mask.icloud.com",         /* iCloud Private Relay: off where these are NXDOMAIN */
	"mask-h2.icloud.com",
};

int
dg_encdns_canary_add(struct dg_filter_builder *b)
{
	const struct dg_entry_meta m = {
		.category = DG_ENCDNS_CANARY_CATEGORY, .action = DG_ACTION_NXDOMAIN,
		.mode = DG_MATCH_EXACT, .start_day = DG_FILTER_DAY_OPEN_START,
		.end_day = DG_FILTER_DAY_OPEN_END,
	};

	for (size_t i = 0; i < sizeof(dg_encdns_canary_names) / sizeof(dg_encdns_canary_names[0]);
	     i++) {
		const char *s = dg_encdns_canary_names[i];
		struct dg_name n;
		int rc = dg_name_from_text(&n, s, strlen(s));

		if (rc == 0)
			rc = dg_filter_builder_add(b, &n, &m);
		if (rc < 0)
			return rc;
	}
	return 0;
}

bool
dg_encdns_is_canary(const struct dg_entry_meta *m)
{
	return m->category != NULL && strcmp(m->category, DG_ENCDNS_CANARY_CATEGORY) == 0;
}

/* A hit record's entry, by protocol (DoH endpoints have their own, same category). */
#define PROTO_META(c) { .category = c, .action = DG_ACTION_LOG_ONLY, .mode = DG_MATCH_EXACT, \
			.end_day = DG_FILTER_DAY_OPEN_END }
static const char doh_category[] = "encrypted-dns:doh";
static const struct dg_entry_meta proto_meta[DG_ENCDNS__PROTO] = {
	[DG_ENCDNS_DOT] = PROTO_META("encrypted-dns:dot"),
	[DG_ENCDNS_DOQ] = PROTO_META("encrypted-dns:doq"),
	[DG_ENCDNS_DOH] = PROTO_META(doh_category),
};

const struct dg_entry_meta *
dg_encdns_hit_meta(const struct dg_encdns_match *m)
{
	if (m->meta != NULL)
		return m->meta;
	return m->proto < DG_ENCDNS__PROTO ? &proto_meta[m->proto] : NULL;
}

void
dg_encdns_free(struct dg_encdns *t)
{
	if (t == NULL)
		return;
	dg_filter_free(t->names);
	dg_optout_free(t->addrs);
	free(t->addr_text);
	free(t->addr_meta);
	free(t);
}

int
dg_encdns_create(struct dg_encdns **out, const uint8_t modes[DG_ENCDNS__PROTO],
		 const char *const *names, size_t n_names,
		 const struct dg_optout_prefix *prefixes, size_t n_prefixes)
{
	struct dg_filter_builder *b = NULL;
	struct dg_encdns *t;
	size_t total;
	int rc = 0;

	if (out == NULL || modes == NULL || (names == NULL && n_names > 0) ||
	    (prefixes == NULL && n_prefixes > 0))
		return -EINVAL;
	for (unsigned int i = 0; i < DG_ENCDNS__PROTO; i++)
		if (modes[i] > DG_ENCDNS_BLOCK)
			return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	memcpy(t->mode, modes, sizeof(t->mode));
	if (n_names > 0) {
		rc = dg_filter_builder_create(&b, n_names);
		/* One identifier per name: its id is the endpoint's counter index. */
		for (size_t i = 0; rc == 0 && i < n_names; i++) {
			struct dg_entry_meta m = { .identifier = names[i],
						   .category = doh_category,
						   .action = DG_ACTION_NXDOMAIN,
						   .mode = DG_MATCH_SUBTREE,
						   .end_day = DG_FILTER_DAY_OPEN_END };
			struct dg_name n;

			rc = dg_name_from_text(&n, names[i], strlen(names[i]));
			if (rc == 0)
				rc = dg_filter_builder_add(b, &n, &m);
			rc = rc < 0 ? (rc == -ENOMEM ? rc : -EINVAL) : 0;
		}
		if (rc == 0)
			rc = dg_filter_build(b, &t->names);
		dg_filter_builder_free(b);
		if (rc == 0) {
			struct dg_filter_info info;

			dg_filter_info(t->names, &info);
			t->n_names = (uint32_t)info.idents;
		}
	}
	if (rc == 0 && n_prefixes > 0) {
		rc = dg_optout_build(prefixes, n_prefixes, &t->addrs);
		if (rc == 0) {
			t->n_addrs = (uint32_t)dg_optout_count(t->addrs);
			t->addr_text = calloc(t->n_addrs, sizeof(*t->addr_text));
			t->addr_meta = calloc(t->n_addrs, sizeof(*t->addr_meta));
			if (t->addr_text == NULL || t->addr_meta == NULL)
				rc = -ENOMEM;
		}
		for (uint32_t i = 0; rc == 0 && i < t->n_addrs; i++) {
			dg_optout_prefix_format(dg_optout_get(t->addrs, i), t->addr_text[i],
						sizeof(t->addr_text[i]));
			t->addr_meta[i] = (struct dg_entry_meta)PROTO_META(doh_category);
			t->addr_meta[i].identifier = t->addr_text[i];
		}
	}
	if (rc < 0) {
		dg_encdns_free(t);
		return rc;
	}
	total = (size_t)t->n_names + t->n_addrs;
	t->n_counters = (uint32_t)(1 + (total < DG_ENCDNS_ENDPOINTS_MAX ? total :
					DG_ENCDNS_ENDPOINTS_MAX));
	*out = t;
	return 0;
}

const char *
dg_encdns_endpoint_name(const struct dg_encdns *t, uint32_t i)
{
	const char *s = NULL;

	if (i == 0 || i >= t->n_counters)
		return "(other)";
	if (i <= t->n_names)
		return dg_filter_ident(t->names, i, &s, NULL) == 0 && s != NULL ? s : "(other)";
	return t->addr_text[i - 1 - t->n_names];
}

/* Counter index of endpoint @p id (1-based over names then prefixes). */
static uint32_t
counter_of(const struct dg_encdns *t, uint32_t id)
{
	return id < t->n_counters ? id : 0;
}

int
dg_encdns_sni_wire(const struct dg_tls_hello *h, uint8_t *wire, size_t room)
{
	size_t out = 1, label = 0;

	/* RFC 6066 3: a host name in ASCII, no trailing dot; with an empty label, an
	 * over-long one or a byte outside letters, digits, '-' and '_' it names no host. */
	if (h->sni_len == 0 || (size_t)h->sni_len + 2 > DG_NAME_MAXLEN || room < (size_t)h->sni_len + 2)
		return -EINVAL;
	for (unsigned int i = 0; i <= h->sni_len; i++) {
		const unsigned char ch = i < h->sni_len ? (unsigned char)h->sni[i] : '.';

		if (ch == '.') {
			if (out - label - 1 == 0 || out - label - 1 > DG_NAME_MAXLABEL)
				return -EINVAL;
			wire[label] = (uint8_t)(out - label - 1);
			label = out++;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return -EINVAL;
		wire[out++] = ch;
	}
	wire[label] = 0;
	return (int)(label + 1);
}

/* DoH endpoint of a ClientHello: its SNI, else its destination. */
static void
doh_endpoint(const struct dg_encdns *t, const struct dg_pkt *p, struct dg_encdns_match *m)
{
	uint8_t wire[DG_NAME_MAXLEN];
	struct dg_name n;
	struct dg_match mt;
	long i;
	int wlen;

	if (t->names != NULL && m->tls == 0 &&
	    (wlen = dg_encdns_sni_wire(&m->hello, wire, sizeof(wire))) > 0 &&
	    dg_name_from_wire(&n, wire, (size_t)wlen, NULL) == 0 &&
	    dg_filter_lookup(t->names, &n, 0, &mt) == 1 && mt.ident_id != 0) {
		m->proto = DG_ENCDNS_DOH;
		m->by = DG_ENCDNS_BY_SNI;
		m->endpoint = counter_of(t, mt.ident_id);
		m->endpoint_text = mt.meta->identifier;
		m->meta = mt.meta;
		return;
	}
	i = dg_optout_match_index(t->addrs, p->ip_ver, p->dst_addr);
	if (i >= 0) {
		m->proto = DG_ENCDNS_DOH;
		m->by = DG_ENCDNS_BY_ADDRESS;
		m->endpoint = counter_of(t, t->n_names + 1 + (uint32_t)i);
		m->endpoint_text = t->addr_text[i];
		m->meta = &t->addr_meta[i];
	}
}

/* TCP to 853 or 443. */
static int
inspect_tcp(const struct dg_encdns *t, const uint8_t *frame, size_t len,
	    const struct dg_pkt *p, unsigned int hints, struct dg_encdns_match *m)
{
	const size_t end = (size_t)p->l3_off + p->ip_len;
	const bool dot = p->dst_port == DG_ENCDNS_PORT_DOT;
	struct dg_tcp_seg s;
	size_t doff, poff;
	uint8_t flags;
	bool syn, resettable;

	if (end > len || p->l4_off > end || end - p->l4_off < TCP_HLEN)
		return 0;
	doff = (size_t)(frame[p->l4_off + TCP_DOFF] >> 4) * 4;
	poff = p->l4_off + doff;
	if (doff < TCP_HLEN || poff > end)
		return 0;
	flags = frame[p->l4_off + TCP_FLAGS];
	syn = (flags & (DG_TCP_F_SYN | DG_TCP_F_ACK)) == DG_TCP_F_SYN;
	/* A reset can answer a SYN, or a segment with ACK and neither SYN nor RST: what a
	 * server takes (without ACK it drops the segment, RFC 9293 3.10.7.4). */
	resettable = !(flags & DG_TCP_F_RST) &&
		     (syn || (flags & (DG_TCP_F_SYN | DG_TCP_F_ACK)) == DG_TCP_F_ACK);
	if (dot) {
		/* Counted: attempts. Blocked: every segment that a reset can answer. */
		if (t->mode[DG_ENCDNS_DOT] == DG_ENCDNS_COUNT ? !syn : !resettable)
			return 0;
	} else if (poff == end || frame[poff] != DG_TLS_CT_HANDSHAKE || !resettable) {
		return 0; /* most of TCP/443: not a handshake record */
	}
	if (dg_tcp_seg_parse(frame, len, p, hints, &s) != 0) {
		m->bad_checksum = true;
		return 1;
	}
	if (dot) {
		m->proto = DG_ENCDNS_DOT;
		m->attempt = syn;
		if (t->mode[DG_ENCDNS_DOT] == DG_ENCDNS_BLOCK)
			m->verdict = DG_ENCDNS_RESET;
		return 1;
	}
	m->tls = dg_tls_client_hello(frame + s.payload_off, s.payload_len, &m->hello);
	if (m->tls == -ENOMSG)
		return 0;
	doh_endpoint(t, p, m);
	if (m->proto == DG_ENCDNS_DOH) {
		m->attempt = true;
		if (t->mode[DG_ENCDNS_DOH] == DG_ENCDNS_BLOCK)
			m->verdict = DG_ENCDNS_RESET;
	}
	return 1;
}

/* UDP to 853: a QUIC long header with the Initial type of v1 or v2. */
static int
inspect_udp(const struct dg_encdns *t, const uint8_t *frame, size_t len,
	    const struct dg_pkt *p, unsigned int hints, struct dg_encdns_match *m)
{
	const size_t end = (size_t)p->l3_off + p->ip_len;
	const bool block = t->mode[DG_ENCDNS_DOQ] == DG_ENCDNS_BLOCK;
	const uint8_t *q;
	size_t ulen;
	bool initial = false;

	if (end > len || p->l4_off > end || end - p->l4_off < UDP_HLEN)
		return 0;
	ulen = dg_wire_get_u16(frame + p->l4_off + UDP_LEN);
	if (ulen < UDP_HLEN || ulen > end - p->l4_off)
		return 0; /* its receiver drops it */
	q = frame + p->l4_off + UDP_HLEN;
	if (ulen - UDP_HLEN >= QUIC_HLEN_MIN && (q[0] & QUIC_LONG)) {
		uint32_t v = dg_wire_get_u32(q + 1);

		initial = (v == QUIC_V1 && (q[0] & QUIC_TYPE) == QUIC_V1_INITIAL) ||
			  (v == QUIC_V2 && (q[0] & QUIC_TYPE) == QUIC_V2_INITIAL);
	}
	if (!initial && !block)
		return 0;
	if (!(hints & DG_PKT_HINT_IP4_CSUM_GOOD) && !dg_wire_ip4_csum_ok(frame, p)) {
		m->bad_checksum = true;
		return 1;
	}
	if (!(hints & DG_PKT_HINT_L4_CSUM_GOOD)) {
		struct dg_pkt u = *p;

		u.dns_len = (uint16_t)(ulen - UDP_HLEN);
		if (!dg_wire_udp_csum_ok(frame, len, &u)) {
			m->bad_checksum = true;
			return 1;
		}
	}
	m->proto = DG_ENCDNS_DOQ;
	m->attempt = initial;
	if (block)
		m->verdict = DG_ENCDNS_DROP;
	return 1;
}

int
dg_encdns_inspect(const struct dg_encdns *t, const uint8_t *frame, size_t len,
		  const struct dg_pkt *p, unsigned int hints, struct dg_encdns_match *m)
{
	m->proto = DG_ENCDNS_NONE;
	m->by = DG_ENCDNS_BY_PORT;
	m->verdict = DG_ENCDNS_PASS;
	m->attempt = false;
	m->bad_checksum = false;
	m->tls = 1;
	m->endpoint = 0;
	m->endpoint_text = NULL;
	m->meta = NULL;
	if (!dg_encdns_wants(t, p))
		return 0;
	if (p->l4_proto == PROTO_TCP)
		return inspect_tcp(t, frame, len, p, hints, m);
	if (p->l4_proto == PROTO_UDP)
		return inspect_udp(t, frame, len, p, hints, m);
	return 0;
}

void
dg_encdns_count(struct dg_encdns_counters *c, uint64_t *ep, const struct dg_encdns_match *m)
{
	const bool reset = m->verdict == DG_ENCDNS_RESET;

	if (m->bad_checksum) {
		dg_encdns_cnt_add(c, DG_ENCDNS_C_BAD_CHECKSUM, 1);
		return;
	}
	switch (m->tls) {
	case 0:
		dg_encdns_cnt_add(c, DG_ENCDNS_C_TLS_HELLO, 1);
		if (m->hello.sni_len == 0)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_TLS_NO_SNI, 1);
		if (m->hello.ech)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_TLS_ECH, 1);
		break;
	case -EAGAIN:
		dg_encdns_cnt_add(c, DG_ENCDNS_C_TLS_PARTIAL, 1);
		break;
	case 1:
		break;
	default:
		dg_encdns_cnt_add(c, DG_ENCDNS_C_TLS_MALFORMED, 1);
		break;
	}
	switch (m->proto) {
	case DG_ENCDNS_DOT:
		if (m->attempt)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_DOT_SYN, 1);
		if (reset)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_DOT_RESET, 1);
		break;
	case DG_ENCDNS_DOQ:
		if (m->attempt)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_DOQ_INITIAL, 1);
		if (m->verdict == DG_ENCDNS_DROP)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_DOQ_DROPPED, 1);
		break;
	case DG_ENCDNS_DOH:
		dg_encdns_cnt_add(c, m->by == DG_ENCDNS_BY_SNI ? DG_ENCDNS_C_DOH_SNI :
				  DG_ENCDNS_C_DOH_ADDRESS, 1);
		if (reset)
			dg_encdns_cnt_add(c, DG_ENCDNS_C_DOH_RESET, 1);
		if (ep != NULL)
			__atomic_store_n(&ep[m->endpoint], ep[m->endpoint] + 1, __ATOMIC_RELAXED);
		break;
	default:
		break;
	}
}
