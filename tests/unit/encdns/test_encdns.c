/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/encdns: which frames are DoT, DoQ or DoH, what each mode makes of them, the
 * counters, the endpoint tables and their files, the SNI as a name, the canary entries.
 * Frames come from dg_vec (lengths and checksums not from lib/wire), ClientHellos from
 * tls_build; each frame is parsed as the worker parses it, then inspected in a buffer of
 * its exact length.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_encdns.h"
#include "dg_lists.h"
#include "dg_test.h"
#include "dg_vec.h"
#include "dg_wire.h"
#include "tls_build.h"

enum { SYN = 0x02, ACK = 0x10, RST = 0x04, PSH = 0x08, FIN = 0x01 };

/* Listed: two names (subtrees) and the lab resolver's addresses (198.18.0.53/32, 2001:2::/64). */
static const char *const names[] = { "doh.example.net", "dns.example.org" };

static struct dg_encdns *
table(uint8_t dot, uint8_t doq, uint8_t doh)
{
	const uint8_t modes[DG_ENCDNS__PROTO] = { dot, doq, doh };
	struct dg_optout_prefix p[2];
	struct dg_encdns *t = NULL;

	CU_ASSERT_EQUAL_FATAL(dg_optout_prefix_parse("198.18.0.53", &p[0], NULL), 0);
	CU_ASSERT_EQUAL_FATAL(dg_optout_prefix_parse("2001:2::/64", &p[1], NULL), 0);
	CU_ASSERT_EQUAL_FATAL(dg_encdns_create(&t, modes, names, 2, p, 2), 0);
	return t;
}

/* A frame's parse and inspection, the frame copied to a buffer of its exact length. */
static int
inspect(const struct dg_encdns *t, const uint8_t *f, size_t n, unsigned int hints,
	struct dg_encdns_match *m)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_pkt p;
	uint8_t *c = malloc(n);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, f, n);
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(c, n, &cfg, 0, &p), DG_FWD_NOT_DNS_PORT);
	rc = dg_encdns_inspect(t, c, n, &p, hints, m);
	free(c);
	return rc;
}

static size_t
tcp(uint8_t *f, int ver, uint16_t port, uint8_t flags, const uint8_t *pl, size_t plen)
{
	return vec_l4_frame(f, 4096, ver, 6, port, 1000, 5000, flags, pl, plen);
}

static size_t
hello_flags(uint8_t *f, int ver, const char *sni, uint8_t flags)
{
	struct tlb_hello h;
	uint8_t rec[2048];
	size_t n;

	tlb_hello_init(&h, sni);
	h.grease = true;
	n = tlb_hello_record(rec, sizeof(rec), &h);
	return tcp(f, ver, 443, flags, rec, n);
}

static size_t
hello_frame(uint8_t *f, int ver, const char *sni)
{
	return hello_flags(f, ver, sni, ACK | PSH);
}

static void
test_encdns_wants(void)
{
	struct dg_pkt p = { .dst_port = 853, .l4_proto = 6 };
	struct dg_encdns *t = table(DG_ENCDNS_COUNT, DG_ENCDNS_OFF, DG_ENCDNS_OFF);

	CU_ASSERT_TRUE(dg_encdns_wants(t, &p));
	p.l4_proto = 17;
	CU_ASSERT_FALSE(dg_encdns_wants(t, &p));
	p.dst_port = 443;
	CU_ASSERT_FALSE(dg_encdns_wants(t, &p));
	dg_encdns_free(t);
	t = table(DG_ENCDNS_OFF, DG_ENCDNS_BLOCK, DG_ENCDNS_COUNT);
	CU_ASSERT_FALSE(dg_encdns_wants(t, &p)); /* UDP/443: QUIC, not looked at */
	p.l4_proto = 6;
	CU_ASSERT_TRUE(dg_encdns_wants(t, &p));
	p.dst_port = 853;
	CU_ASSERT_FALSE(dg_encdns_wants(t, &p));
	p.l4_proto = 17;
	CU_ASSERT_TRUE(dg_encdns_wants(t, &p));
	p.dst_port = 854;
	CU_ASSERT_FALSE(dg_encdns_wants(t, &p));
	dg_encdns_free(t);
}

static void
test_encdns_dot(void)
{
	struct dg_encdns *count = table(DG_ENCDNS_COUNT, DG_ENCDNS_OFF, DG_ENCDNS_OFF);
	struct dg_encdns *block = table(DG_ENCDNS_BLOCK, DG_ENCDNS_OFF, DG_ENCDNS_OFF);
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	for (int ver = 4; ver <= 6; ver += 2) {
		n = tcp(f, ver, 853, SYN, NULL, 0);
		CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 1);
		CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_DOT);
		CU_ASSERT_TRUE(m.attempt);
		CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
		CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_RESET);
		CU_ASSERT_TRUE(m.attempt);
		/* a data segment: counted once per connection (its SYN); refused */
		n = tcp(f, ver, 853, ACK | PSH, (const uint8_t *)"\x16\x03\x01", 3);
		CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
		CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_RESET);
		CU_ASSERT_FALSE(m.attempt);
		/* never answered: a RST, a SYN|ACK; nothing to reset: no ACK */
		n = tcp(f, ver, 853, RST | ACK, NULL, 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 0);
		n = tcp(f, ver, 853, SYN | ACK, NULL, 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 0);
		n = tcp(f, ver, 853, PSH, NULL, 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 0);
		n = tcp(f, ver, 853, FIN | ACK, NULL, 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
		/* the wrong port */
		n = tcp(f, ver, 854, SYN, NULL, 0);
		CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 0);
	}
	dg_encdns_free(count);
	dg_encdns_free(block);
}

static void
test_encdns_doq(void)
{
	static const uint8_t v1[] = { 0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t v2[] = { 0xd3, 0x6b, 0x33, 0x43, 0xcf, 8 };
	static const uint8_t v1_handshake[] = { 0xe3, 0, 0, 0, 1, 8 };
	static const uint8_t vneg[] = { 0xc3, 0, 0, 0, 0, 8 };
	static const uint8_t short_hdr[] = { 0x43, 1, 2, 3, 4, 5 };
	struct dg_encdns *count = table(DG_ENCDNS_OFF, DG_ENCDNS_COUNT, DG_ENCDNS_OFF);
	struct dg_encdns *block = table(DG_ENCDNS_OFF, DG_ENCDNS_BLOCK, DG_ENCDNS_OFF);
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, v1, sizeof(v1));
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_DOQ);
	CU_ASSERT_TRUE(m.attempt);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
	CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_DROP);
	n = vec_l4_frame(f, sizeof(f), 6, 17, 853, 0, 0, 0, v2, sizeof(v2));
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 1);
	CU_ASSERT_TRUE(m.attempt);
	/* the last byte of the version: 5 bytes are an Initial's minimum, 4 are not */
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, v1, 5);
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 1);
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, v1, 4);
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 0);
	CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
	CU_ASSERT_FALSE(m.attempt);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_DROP);
	/* not attempts: a v1 Handshake packet, version negotiation, a short header */
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, v1_handshake, sizeof(v1_handshake));
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 0);
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, vneg, sizeof(vneg));
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 0);
	n = vec_l4_frame(f, sizeof(f), 6, 17, 853, 0, 0, 0, short_hdr, sizeof(short_hdr));
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 0);
	CU_ASSERT_EQUAL(inspect(block, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_DROP);
	/* a bad UDP checksum: its receiver drops it; dropped here too, counted apart */
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, v1, sizeof(v1));
	f[n - 1] ^= 1;
	CU_ASSERT_EQUAL(inspect(count, f, n, 0, &m), 1);
	CU_ASSERT_TRUE(m.bad_checksum);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
	CU_ASSERT_EQUAL(inspect(count, f, n, DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD,
				&m), 1);
	CU_ASSERT_FALSE(m.bad_checksum);
	dg_encdns_free(count);
	dg_encdns_free(block);
}

static void
test_encdns_doh_sni(void)
{
	struct dg_encdns *t = table(DG_ENCDNS_OFF, DG_ENCDNS_OFF, DG_ENCDNS_BLOCK);
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	n = hello_frame(f, 4, "doh.example.net");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_DOH);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_SNI);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_RESET);
	CU_ASSERT_TRUE(m.attempt);
	CU_ASSERT_EQUAL(m.tls, 0);
	CU_ASSERT_TRUE(m.endpoint >= 1 && m.endpoint <= 2);
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "doh.example.net");
	CU_ASSERT_STRING_EQUAL(dg_encdns_endpoint_name(t, m.endpoint), "doh.example.net");
	/* the subtree, in any letter case; the parent is not listed */
	n = hello_frame(f, 6, "EU.DNS.Example.org");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_SNI);
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "dns.example.org");
	n = hello_frame(f, 4, "example.org");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_ADDRESS); /* to 198.18.0.53, listed */
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "198.18.0.53/32");
	CU_ASSERT_EQUAL(m.endpoint, 3);
	/* a host name that is no DNS name is never looked up */
	n = hello_frame(f, 4, "doh\\.example.net");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_ADDRESS);
	/* not TLS: nothing for us */
	n = tcp(f, 4, 443, ACK | PSH, (const uint8_t *)"\x17\x03\x03\x00\x01\x00", 6);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 0);
	n = tcp(f, 4, 443, SYN, NULL, 0);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 0);
	n = tcp(f, 4, 443, ACK, NULL, 0);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 0);
	dg_encdns_free(t);
}

/*
 * A listed ClientHello in a segment no reset can answer (no ACK: the server drops it; RST;
 * SYN|ACK) is not looked at; in a SYN (TCP Fast Open) it is refused.
 */
static void
test_encdns_doh_unresettable(void)
{
	static const uint8_t none[] = { PSH, RST | ACK | PSH, SYN | ACK, SYN | RST, 0 };
	struct dg_encdns *t = table(DG_ENCDNS_OFF, DG_ENCDNS_OFF, DG_ENCDNS_BLOCK);
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	for (size_t i = 0; i < sizeof(none); i++) {
		n = hello_flags(f, 4, "doh.example.net", none[i]);
		CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 0);
	}
	n = hello_flags(f, 6, "doh.example.net", SYN);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_RESET);
	dg_encdns_free(t);
}

/* A hit record's entry: the listed endpoint, else the protocol's; none for plain TLS. */
static void
test_encdns_hit_meta(void)
{
	struct dg_encdns *t = table(DG_ENCDNS_COUNT, DG_ENCDNS_COUNT, DG_ENCDNS_COUNT);
	const struct dg_entry_meta *e;
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	n = hello_frame(f, 4, "doh.example.net");
	CU_ASSERT_EQUAL_FATAL(inspect(t, f, n, 0, &m), 1);
	e = dg_encdns_hit_meta(&m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->identifier, "doh.example.net");
	CU_ASSERT_STRING_EQUAL(e->category, "encrypted-dns:doh");
	n = hello_frame(f, 4, NULL); /* to 198.18.0.53: the prefix's entry */
	CU_ASSERT_EQUAL_FATAL(inspect(t, f, n, 0, &m), 1);
	e = dg_encdns_hit_meta(&m);
	CU_ASSERT_STRING_EQUAL(e->identifier, "198.18.0.53/32");
	CU_ASSERT_STRING_EQUAL(e->category, "encrypted-dns:doh");
	n = tcp(f, 4, 853, SYN, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(inspect(t, f, n, 0, &m), 1);
	e = dg_encdns_hit_meta(&m);
	CU_ASSERT_PTR_NULL(e->identifier);
	CU_ASSERT_STRING_EQUAL(e->category, "encrypted-dns:dot");
	m.proto = DG_ENCDNS_NONE; /* a ClientHello that is not DoH */
	m.meta = NULL;
	CU_ASSERT_PTR_NULL(dg_encdns_hit_meta(&m));
	dg_encdns_free(t);
}

/* Destinations not listed: a ClientHello is counted as TLS only, passed on. */
static void
test_encdns_doh_unlisted(void)
{
	const uint8_t modes[DG_ENCDNS__PROTO] = { 0, 0, DG_ENCDNS_BLOCK };
	struct dg_encdns *t = NULL;
	struct dg_encdns_match m;
	struct tlb_hello h;
	uint8_t f[4096], rec[4096];
	size_t n;

	CU_ASSERT_EQUAL_FATAL(dg_encdns_create(&t, modes, names, 2, NULL, 0), 0);
	n = hello_frame(f, 4, "www.example.com");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_NONE);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
	CU_ASSERT_FALSE(m.attempt);
	CU_ASSERT_EQUAL(m.tls, 0);
	/* split over segments: unknown, even with a listed SNI in the first part */
	tlb_hello_init(&h, "doh.example.net");
	h.key_share = 1216;
	h.pad = 256;
	n = tlb_hello_record(rec, sizeof(rec), &h);
	n = tcp(f, 4, 443, ACK, rec, 1460);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.tls, -EAGAIN);
	CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_NONE);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
	dg_encdns_free(t);
	/* the same to a listed address: DoH by address */
	t = table(0, 0, DG_ENCDNS_COUNT);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.tls, -EAGAIN);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_ADDRESS);
	CU_ASSERT_EQUAL(m.verdict, DG_ENCDNS_PASS);
	dg_encdns_free(t);
}

/* The frame's last byte: the ClientHello ends with the IP packet, and one byte short. */
static void
test_encdns_last_byte(void)
{
	struct dg_encdns *t = table(0, 0, DG_ENCDNS_COUNT);
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n = hello_frame(f, 4, "doh.example.net");
	uint16_t tot = dg_wire_get_u16(f + 14 + 2);

	CU_ASSERT_EQUAL(inspect(t, f, n, DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD,
				&m), 1);
	CU_ASSERT_EQUAL(m.tls, 0);
	/* one byte less in the IP packet (hints: the checksums are not what is tested) */
	dg_wire_put_u16(f + 14 + 2, (uint16_t)(tot - 1));
	CU_ASSERT_EQUAL(inspect(t, f, n - 1, DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD,
				&m), 1);
	CU_ASSERT_EQUAL(m.tls, -EAGAIN);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_ADDRESS);
	/* checked: the IPv4 header checksum no longer holds */
	CU_ASSERT_EQUAL(inspect(t, f, n - 1, 0, &m), 1);
	CU_ASSERT_TRUE(m.bad_checksum);
	dg_encdns_free(t);
}

static void
test_encdns_count(void)
{
	struct dg_encdns *t = table(DG_ENCDNS_BLOCK, DG_ENCDNS_BLOCK, DG_ENCDNS_BLOCK);
	struct dg_encdns_counters c;
	struct dg_encdns_counters sum;
	struct dg_encdns_match m;
	uint64_t ep[8] = { 0 };
	uint8_t f[4096];
	size_t n;

	memset(&c, 0, sizeof(c));
	CU_ASSERT_EQUAL(dg_encdns_endpoints(t), 5); /* "(other)", 2 names, 2 prefixes */
	n = tcp(f, 4, 853, SYN, NULL, 0);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	dg_encdns_count(&c, ep, &m);
	n = hello_frame(f, 6, "doh.example.net");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	dg_encdns_count(&c, ep, &m);
	CU_ASSERT_EQUAL(ep[m.endpoint], 1);
	n = hello_frame(f, 6, NULL); /* no SNI, to 2001:2::53: by address */
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.endpoint, 4);
	dg_encdns_count(&c, ep, &m);
	n = vec_l4_frame(f, sizeof(f), 4, 17, 853, 0, 0, 0, (const uint8_t *)"\x40", 1);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	dg_encdns_count(&c, ep, &m);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOT_SYN], 1);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOT_RESET], 1);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOH_SNI], 1);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOH_ADDRESS], 1);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOH_RESET], 2);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_TLS_HELLO], 2);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_TLS_NO_SNI], 1);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOQ_INITIAL], 0);
	CU_ASSERT_EQUAL(c.c[DG_ENCDNS_C_DOQ_DROPPED], 1);
	CU_ASSERT_EQUAL(ep[4], 1);
	CU_ASSERT_STRING_EQUAL(dg_encdns_endpoint_name(t, 4), "2001:2::/64");
	CU_ASSERT_STRING_EQUAL(dg_encdns_endpoint_name(t, 0), "(other)");
	CU_ASSERT_STRING_EQUAL(dg_encdns_endpoint_name(t, 5), "(other)");
	memset(&sum, 0, sizeof(sum));
	dg_encdns_counters_sum(&sum, &c);
	dg_encdns_counters_sum(&sum, &c);
	CU_ASSERT_EQUAL(sum.c[DG_ENCDNS_C_DOH_RESET], 4);
	for (unsigned int i = 0; i < DG_ENCDNS_C__MAX; i++)
		CU_ASSERT_STRING_NOT_EQUAL(dg_encdns_counter_name(i), "unknown");
	CU_ASSERT_STRING_EQUAL(dg_encdns_counter_name(DG_ENCDNS_C__MAX), "unknown");
	dg_encdns_free(t);
}

/* Endpoints past DG_ENCDNS_ENDPOINTS_MAX share counter 0. */
static void
test_encdns_endpoint_cap(void)
{
	const uint8_t modes[DG_ENCDNS__PROTO] = { 0, 0, DG_ENCDNS_COUNT };
	const size_t np = DG_ENCDNS_ENDPOINTS_MAX + 1;
	struct dg_optout_prefix *p = calloc(np, sizeof(*p));
	struct dg_encdns *t = NULL;
	struct dg_encdns_match m;
	uint8_t f[4096];
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	for (size_t i = 0; i < np; i++) { /* 10.0.0.0 up; 198.18.0.53 (the frames') last */
		p[i].family = DG_OPTOUT_V4;
		p[i].len = 32;
		p[i].addr[0] = 10;
		p[i].addr[1] = (uint8_t)(i >> 16);
		p[i].addr[2] = (uint8_t)(i >> 8);
		p[i].addr[3] = (uint8_t)i;
	}
	memcpy(p[np - 1].addr, (const uint8_t[]){ 198, 18, 0, 53 }, 4);
	CU_ASSERT_EQUAL_FATAL(dg_encdns_create(&t, modes, NULL, 0, p, np), 0);
	CU_ASSERT_EQUAL(dg_encdns_endpoints(t), DG_ENCDNS_ENDPOINTS_MAX + 1);
	n = hello_frame(f, 4, NULL);
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_ADDRESS);
	CU_ASSERT_EQUAL(m.endpoint, 0);
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "198.18.0.53/32");
	dg_encdns_free(t);
	free(p);
}

static void
test_encdns_sni_wire(void)
{
	static const struct { const char *sni; int want; } c[] = {
		{ "a.b", 5 }, { "192.0.2.1", 11 }, { "a.b.", -EINVAL }, { ".a", -EINVAL },
		{ "a..b", -EINVAL }, { "a b", -EINVAL }, { "a\\.b", -EINVAL }, { "", -EINVAL },
		{ "A-b_c.d9", 10 },
	};
	struct dg_tls_hello h;
	uint8_t w[DG_NAME_MAXLEN];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&h, 0, sizeof(h));
		h.sni_len = (uint16_t)strlen(c[i].sni);
		memcpy(h.sni, c[i].sni, h.sni_len);
		CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, sizeof(w)), c[i].want);
	}
	/* the last, "A-b_c.d9": case kept, lengths in place */
	CU_ASSERT_EQUAL(memcmp(w, "\x05" "A-b_c" "\x02" "d9", 10), 0);
	/* a 63-byte label is the longest; 253 characters the longest name */
	memset(h.sni, 'x', sizeof(h.sni));
	h.sni_len = 63;
	CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, sizeof(w)), 65);
	CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, 64), -EINVAL); /* one byte short */
	h.sni_len = 64;
	CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, sizeof(w)), -EINVAL);
	for (int i = 63; i < 253; i += 64)
		h.sni[i] = '.';
	h.sni_len = 253;
	CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, sizeof(w)), 255);
	h.sni_len = 254;
	h.sni[253] = 'x';
	CU_ASSERT_EQUAL(dg_encdns_sni_wire(&h, w, sizeof(w)), -EINVAL);
}

static void
test_encdns_canary(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_match m;
	struct dg_name n;
	const char *sub = "x.use-application-dns.net";

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 4), 0);
	CU_ASSERT_EQUAL(dg_encdns_canary_add(b), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	for (size_t i = 0; i < 3; i++) {
		const char *s = dg_encdns_canary_names[i];

		CU_ASSERT_EQUAL(dg_name_from_text(&n, s, strlen(s)), 0);
		CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, 20000, &m), 1);
		CU_ASSERT_EQUAL(m.meta->action, DG_ACTION_NXDOMAIN);
		CU_ASSERT_PTR_NULL(m.meta->identifier);
		CU_ASSERT_TRUE(dg_encdns_is_canary(m.meta));
	}
	CU_ASSERT_EQUAL(dg_name_from_text(&n, sub, strlen(sub)), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, 20000, &m), 0); /* exact names only */
	{
		struct dg_entry_meta other = { .category = "backdoor" };
		struct dg_entry_meta none = { 0 };

		CU_ASSERT_FALSE(dg_encdns_is_canary(&other));
		CU_ASSERT_FALSE(dg_encdns_is_canary(&none));
	}
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void
test_encdns_load(void)
{
	const uint8_t modes[DG_ENCDNS__PROTO] = { 0, 0, DG_ENCDNS_COUNT };
	char dir[] = "/tmp/test_encdns.XXXXXX", names_p[64], addrs_p[64], err[512];
	struct dg_encdns *t = NULL;
	struct dg_encdns_match m;
	uint8_t f[4096];
	FILE *report = fopen("/dev/null", "w");
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(names_p, sizeof(names_p), "%s/names", dir);
	snprintf(addrs_p, sizeof(addrs_p), "%s/addrs", dir);
	write_file(names_p, "# DoH endpoints\ndoh.example.net\n1.1.1.1\nDNS.Example.ORG.\n"
		   "doh.example.net\n");
	write_file(addrs_p, "# addresses\n198.18.0.53\n2001:2::/64 # a prefix\n");
	CU_ASSERT_EQUAL_FATAL(dg_encdns_load(&t, modes, names_p, addrs_p, report, err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL(t->n_names, 2); /* the address line is rejected, the repeat merged */
	CU_ASSERT_EQUAL(t->n_addrs, 2);
	n = hello_frame(f, 4, "dns.example.org");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_SNI);
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "dns.example.org");
	dg_encdns_free(t);
	t = NULL;
	write_file(addrs_p, "198.18.0.53\nnot-an-address\n");
	CU_ASSERT_EQUAL(dg_encdns_load(&t, modes, NULL, addrs_p, report, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2:"));
	CU_ASSERT_PTR_NULL(t);
	unlink(addrs_p);
	CU_ASSERT_EQUAL(dg_encdns_load(&t, modes, NULL, addrs_p, report, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, addrs_p));
	unlink(names_p);
	CU_ASSERT_EQUAL(dg_encdns_load(&t, modes, names_p, NULL, report, err, sizeof(err)),
			-ENOENT);
	rmdir(dir);
	fclose(report);
}

/* Lines that are neither blank nor comments. */
static uint32_t
entry_lines(const char *path)
{
	char line[1024];
	uint32_t n = 0;
	FILE *f = fopen(path, "r");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += line[0] != '#' && line[0] != '\n' && line[0] != '\0';
	fclose(f);
	return n;
}

/* The public DoH lists (hagezi, GPL-3.0: read from ../shared/data, never copied). */
static void
test_encdns_shared_lists(void)
{
	const uint8_t modes[DG_ENCDNS__PROTO] = { 0, 0, DG_ENCDNS_COUNT };
	const char *d = dg_test_shared_data();
	char names_p[1024], addrs_p[1024], err[512];
	struct dg_encdns *t = NULL;
	struct dg_encdns_match m;
	uint8_t f[4096];
	FILE *report = fopen("/dev/null", "w");
	size_t n;

	if (d == NULL) {
		printf("\n  shared data absent: the public DoH lists are not tested\n");
		fclose(report);
		return;
	}
	snprintf(names_p, sizeof(names_p), "%s/blocklists/hagezi-doh.domains.2026-08-15.txt", d);
	snprintf(addrs_p, sizeof(addrs_p), "%s/blocklists/hagezi-doh.ips.2026-08-15.txt", d);
	CU_ASSERT_EQUAL_FATAL(dg_encdns_load(&t, modes, names_p, addrs_p, report, err,
					     sizeof(err)), 0);
	/* one endpoint per distinct line: both lists hold no repeats */
	CU_ASSERT_EQUAL(t->n_names, entry_lines(names_p));
	CU_ASSERT_EQUAL(t->n_addrs, entry_lines(addrs_p));
	CU_ASSERT_TRUE(t->n_names > 1000 && t->n_addrs > 1000);
	n = hello_frame(f, 4, "dns.google");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.by, DG_ENCDNS_BY_SNI);
	CU_ASSERT_STRING_EQUAL(m.endpoint_text, "dns.google");
	n = hello_frame(f, 4, "www.example.com");
	CU_ASSERT_EQUAL(inspect(t, f, n, 0, &m), 1);
	CU_ASSERT_EQUAL(m.proto, DG_ENCDNS_NONE);
	dg_encdns_free(t);
	fclose(report);
}

DG_TEST_MAIN("encdns",
	DG_TEST(test_encdns_wants),
	DG_TEST(test_encdns_dot),
	DG_TEST(test_encdns_doq),
	DG_TEST(test_encdns_doh_sni),
	DG_TEST(test_encdns_doh_unresettable),
	DG_TEST(test_encdns_hit_meta),
	DG_TEST(test_encdns_doh_unlisted),
	DG_TEST(test_encdns_last_byte),
	DG_TEST(test_encdns_count),
	DG_TEST(test_encdns_endpoint_cap),
	DG_TEST(test_encdns_sni_wire),
	DG_TEST(test_encdns_canary),
	DG_TEST(test_encdns_load),
	DG_TEST(test_encdns_shared_lists))
