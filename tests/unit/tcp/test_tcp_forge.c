/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header parsing at its bounds, and the forged answer and RST checked field by field
 * against values taken from the test connection (never from lib/tcp), checksums by
 * dg_vec. DG_PCAP_OUT=file.pcap also writes every forged frame, and DG_TSHARK_EXPECT=file
 * one line per frame of the fields tshark must decode from it (tshark_check.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dg_tcp.h"
#include "dg_test.h"
#include "dg_vec.h"
#include "tcp_build.h"

static pcap_dumper_t *dump;
static FILE *expect;

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void
put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- dg_tcp_seg_parse ---- */

static void
reparse(struct tb_seg *g, unsigned int hints)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;

	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(g->frame, g->len, &cfg, 0, &g->p), DG_FWD_TCP_DNS);
	g->parse_rc = dg_tcp_seg_parse(g->frame, g->len, &g->p, hints, &g->s);
}

static void
test_tcp_seg_parse_fields(void)
{
	static struct tb_seg g;
	static const uint8_t opts[] = {
		2, 4, 0x05, 0xb4,               /* MSS 1460 */
		1, 3, 3, 7,                     /* NOP, window scale 7 */
		4, 2, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, /* SACK permitted, TS 5 6 */
	};
	struct tb_conn c;
	uint8_t pl[3] = { 0, 1, 2 };

	tb_conn_init(&c, 4, 1, false);
	c.pad = 9; /* Ethernet padding is not payload */
	tb_seg(&c, true, 0x01020304, 0x0a0b0c0d, DG_TCP_F_SYN, 0x7210, opts, sizeof(opts), pl,
	       sizeof(pl), &g);
	CU_ASSERT_EQUAL_FATAL(g.parse_rc, 0);
	CU_ASSERT_EQUAL(g.s.seq, 0x01020304);
	CU_ASSERT_EQUAL(g.s.ack, 0x0a0b0c0d);
	CU_ASSERT_EQUAL(g.s.flags, DG_TCP_F_SYN);
	CU_ASSERT_EQUAL(g.s.win, 0x7210);
	CU_ASSERT_EQUAL(g.s.hdr_len, 20 + sizeof(opts));
	CU_ASSERT_EQUAL(g.s.payload_off, 18 + 20 + 20 + sizeof(opts));
	CU_ASSERT_EQUAL(g.s.payload_len, sizeof(pl));
	CU_ASSERT(g.s.has_mss && g.s.mss == 1460);
	CU_ASSERT(g.s.has_wscale && g.s.wscale == 7);
	CU_ASSERT(g.s.sack_ok);
	CU_ASSERT(g.s.has_ts && g.s.tsval == 5 && g.s.tsecr == 6);
	CU_ASSERT(!g.s.bad_opts);
}

static void
test_tcp_seg_parse_options_at_the_last_byte(void)
{
	static struct tb_seg g;
	struct tb_conn c;
	uint8_t o[40];

	tb_conn_init(&c, 6, 0, false);
	/* 30 NOPs, then TS ending on the header's last byte */
	memset(o, 1, sizeof(o));
	memcpy(o + 30, (const uint8_t[]){ 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 }, 10);
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, o, sizeof(o), NULL, 0, &g);
	CU_ASSERT_EQUAL(g.parse_rc, 0);
	CU_ASSERT(g.s.has_ts && g.s.tsval == 1 && g.s.tsecr == 2);
	CU_ASSERT(!g.s.bad_opts);
	CU_ASSERT_EQUAL(g.s.hdr_len, 60);
	/* one NOP more: the option runs one past the header (ends parsing, as Linux does) */
	memset(o, 1, sizeof(o));
	memcpy(o + 31, (const uint8_t[]){ 8, 10, 0, 0, 0, 1, 0, 0, 0 }, 9);
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, o, sizeof(o), NULL, 0, &g);
	CU_ASSERT_EQUAL(g.parse_rc, 0);
	CU_ASSERT(!g.s.has_ts);
	CU_ASSERT(g.s.bad_opts);
	/* a kind on the last byte, its length byte past the header */
	memset(o, 1, sizeof(o));
	o[39] = 8;
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, o, sizeof(o), NULL, 0, &g);
	CU_ASSERT_EQUAL(g.parse_rc, 0);
	CU_ASSERT(g.s.bad_opts);
	/* length 1, and a known kind with a wrong length (skipped, not bad) */
	memset(o, 1, sizeof(o));
	o[0] = 8;
	o[1] = 8;
	o[8] = 30;
	o[9] = 1;
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, o, sizeof(o), NULL, 0, &g);
	CU_ASSERT(!g.s.has_ts);
	CU_ASSERT(g.s.bad_opts);
	/* EOL ends the list: junk after it is not read */
	memset(o, 0xff, sizeof(o));
	o[0] = 0;
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, o, sizeof(o), NULL, 0, &g);
	CU_ASSERT(!g.s.bad_opts);
}

static void
test_tcp_seg_parse_header_bounds(void)
{
	static struct tb_seg g;
	struct tb_conn c;
	uint8_t *th;

	tb_conn_init(&c, 4, 0, false);
	/* data offset 6 over a 24-byte TCP part: exactly the packet, no payload */
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, (const uint8_t[]){ 1, 1, 1, 1 }, 4, NULL, 0, &g);
	CU_ASSERT_EQUAL(g.parse_rc, 0);
	CU_ASSERT_EQUAL(g.s.payload_len, 0);
	th = g.frame + g.p.l4_off;
	/* 7: one word past the IP packet (though inside the frame, in its padding) */
	c.pad = 8;
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, (const uint8_t[]){ 1, 1, 1, 1 }, 4, NULL, 0, &g);
	th[12] = 7 << 4;
	reparse(&g, 0);
	CU_ASSERT_EQUAL(g.parse_rc, -EBADMSG);
	/* below 5 */
	th[12] = 4 << 4;
	reparse(&g, 0);
	CU_ASSERT_EQUAL(g.parse_rc, -EBADMSG);
	/* a TCP part of 19 bytes */
	c.pad = 0;
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, NULL, 0, NULL, 0, &g);
	g.frame[14 + 3] = 20 + 19;
	g.frame[14 + 10] = g.frame[14 + 11] = 0;
	{
		uint16_t cs = vec_ip4_csum(g.frame + 14, 20);

		g.frame[14 + 10] = (uint8_t)(cs >> 8);
		g.frame[14 + 11] = (uint8_t)cs;
	}
	reparse(&g, 0);
	CU_ASSERT_EQUAL(g.parse_rc, -EBADMSG);
	/* not TCP, or an IP packet past the frame */
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, NULL, 0, NULL, 0, &g);
	g.p.l4_proto = 17;
	CU_ASSERT_EQUAL(dg_tcp_seg_parse(g.frame, g.len, &g.p, 0, &g.s), -EINVAL);
	g.p.l4_proto = 6;
	CU_ASSERT_EQUAL(dg_tcp_seg_parse(g.frame, g.len - 1, &g.p, 0, &g.s), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_seg_parse(g.frame, g.len, &g.p, 0, &g.s), 0);
}

static void
test_tcp_seg_parse_checksums(void)
{
	static struct tb_seg g;
	struct tb_conn c;
	uint8_t pl[5] = { 1, 2, 3, 4, 5 };
	unsigned int v;

	for (v = 4; v <= 6; v += 2) {
		tb_conn_init(&c, (uint8_t)v, 0, true);
		tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, NULL, 0, pl, sizeof(pl), &g);
		CU_ASSERT_EQUAL(g.parse_rc, 0);
		g.frame[g.len - 1] ^= 1; /* the last payload byte */
		reparse(&g, 0);
		CU_ASSERT_EQUAL(g.parse_rc, -EILSEQ);
		reparse(&g, DG_PKT_HINT_L4_CSUM_GOOD); /* the NIC checked it */
		CU_ASSERT_EQUAL(g.parse_rc, 0);
	}
	/* IPv4 header checksum */
	tb_conn_init(&c, 4, 0, false);
	tb_seg(&c, true, 1, 2, DG_TCP_F_ACK, 100, NULL, 0, pl, sizeof(pl), &g);
	g.frame[14 + 8] = 63; /* TTL: the header checksum no longer fits, TCP's still does */
	reparse(&g, 0);
	CU_ASSERT_EQUAL(g.parse_rc, -EILSEQ);
	reparse(&g, DG_PKT_HINT_IP4_CSUM_GOOD);
	CU_ASSERT_EQUAL(g.parse_rc, 0);
}

/* ---- forging ---- */

struct shape {
	uint8_t ver, vlans;
	bool ts, fin;
};

static const struct shape shapes[] = {
	{ 4, 0, false, false }, { 4, 0, true, false }, { 4, 1, true, true },
	{ 4, 2, false, true }, { 4, 2, true, false }, { 6, 0, false, false },
	{ 6, 0, true, true }, { 6, 1, false, false }, { 6, 2, true, false },
	{ 6, 2, false, true },
};

/* One connection up to a blocked query: what the forged segments must say. */
struct scene {
	struct dg_tcp_table *t;
	struct tb_conn c;
	struct tb_seg q;          /* the client segment with the query */
	struct dg_tcp_msgs m;
	uint8_t query[512], answer[600];
	size_t qlen, alen;
	uint32_t s_nxt, c_end, c_new, s_tsval;
	uint16_t s_win;
};

static void
scene_run(struct scene *sc, const struct shape *sh)
{
	static struct tb_seg g;
	struct tb_conn *c = &sc->c;
	uint8_t f[600], junk[40];
	uint32_t cseq, sseq;
	size_t fl;

	CU_ASSERT_EQUAL_FATAL(dg_tcp_create(&sc->t, 64, 1000), 0);
	tb_conn_init(c, sh->ver, sh->vlans, sh->ts);
	cseq = c->c_isn + 1;
	sseq = c->s_isn + 1;
	tb_seg(c, true, c->c_isn, 0, DG_TCP_F_SYN, 64240, NULL, 0, NULL, 0, &g);
	CU_ASSERT_EQUAL(dg_tcp_client(sc->t, g.frame, &g.p, &g.s, 1, &sc->m), DG_TCP_FORWARD);
	tb_seg(c, false, c->s_isn, cseq, DG_TCP_F_SYN | DG_TCP_F_ACK, 65160, NULL, 0, NULL, 0, &g);
	dg_tcp_server(sc->t, g.frame, &g.p, &g.s, 2);
	/* an earlier query's answer from the server: 30 bytes, then a later window */
	memset(junk, 0x5a, sizeof(junk));
	tb_seg(c, false, sseq, cseq, DG_TCP_F_ACK | DG_TCP_F_PSH, 501, NULL, 0, junk, 30, &g);
	dg_tcp_server(sc->t, g.frame, &g.p, &g.s, 3);
	sseq += 30;
	sc->s_tsval = c->s_tsval - 1; /* the newest TSval the server sent */
	/* a reordered older segment moves neither the sequence nor the TSval back; its
	 * window is the last one seen */
	c->s_tsval -= 5;
	tb_seg(c, false, sseq - 30, cseq, DG_TCP_F_ACK, 502, NULL, 0, junk, 10, &g);
	dg_tcp_server(sc->t, g.frame, &g.p, &g.s, 4);
	c->s_tsval = sc->s_tsval + 1;
	sc->s_win = 502;
	sc->s_nxt = sseq;
	/* the blocked query */
	sc->qlen = tb_query(sc->query, 0xbeef, "blocked.example.com");
	fl = tb_framed(f, sc->query, sc->qlen);
	tb_seg(c, true, cseq, sseq, DG_TCP_F_ACK | DG_TCP_F_PSH | (sh->fin ? DG_TCP_F_FIN : 0),
	       64240, NULL, 0, f, fl, &sc->q);
	CU_ASSERT_EQUAL_FATAL(sc->q.parse_rc, 0);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_client(sc->t, sc->q.frame, &sc->q.p, &sc->q.s, 5, &sc->m),
			      DG_TCP_MESSAGES);
	sc->c_new = cseq;
	sc->c_end = cseq + (uint32_t)fl + (sh->fin ? 1 : 0);
	sc->alen = tb_answer(sc->answer, sc->query, sc->qlen);
}

/* Fields every forged segment has; returns the TCP header. */
static const uint8_t *
check_l2l3(const uint8_t *o, size_t olen, const struct scene *sc, bool to_client,
	   size_t l4_len)
{
	const struct tb_conn *c = &sc->c;
	const uint8_t *q = sc->q.frame, *ip = o + sc->q.p.l3_off;
	const uint8_t *src, *dst;
	size_t alen = c->ver == 4 ? 4 : 16, iphl = c->ver == 4 ? 20 : 40;

	CU_ASSERT_EQUAL(olen, sc->q.p.l3_off + iphl + l4_len);
	/* MACs: swapped back to the client, as they were towards the server */
	CU_ASSERT_EQUAL(memcmp(o, to_client ? tb_client_mac : tb_server_mac, 6), 0);
	CU_ASSERT_EQUAL(memcmp(o + 6, to_client ? tb_server_mac : tb_client_mac, 6), 0);
	/* the tag stack and ethertype byte for byte */
	CU_ASSERT_EQUAL(memcmp(o + 12, q + 12, sc->q.p.l3_off - 12u), 0);
	if (c->vlans > 0)
		CU_ASSERT_EQUAL(get16(o + 14), c->vlans == 2 ? TB_TCI_OUTER : TB_TCI_INNER);
	src = to_client ? (c->ver == 4 ? tb_server4 : tb_server6) : (c->ver == 4 ? tb_client4 : tb_client6);
	dst = to_client ? (c->ver == 4 ? tb_client4 : tb_client6) : (c->ver == 4 ? tb_server4 : tb_server6);
	if (c->ver == 4) {
		CU_ASSERT_EQUAL(ip[0], 0x45);
		CU_ASSERT_EQUAL(ip[1], 0);
		CU_ASSERT_EQUAL(get16(ip + 2), 20 + l4_len);
		CU_ASSERT_EQUAL(get16(ip + 4), 0);
		CU_ASSERT_EQUAL(get16(ip + 6), 0x4000);
		CU_ASSERT_EQUAL(ip[8], 64);
		CU_ASSERT_EQUAL(ip[9], 6);
		CU_ASSERT_EQUAL(get16(ip + 10), vec_ip4_csum(ip, 20));
		CU_ASSERT_EQUAL(memcmp(ip + 12, src, 4), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 16, dst, 4), 0);
	} else {
		CU_ASSERT_EQUAL(get32(ip), 0x60000000u);
		CU_ASSERT_EQUAL(get16(ip + 4), l4_len);
		CU_ASSERT_EQUAL(ip[6], 6);
		CU_ASSERT_EQUAL(ip[7], 64);
		CU_ASSERT_EQUAL(memcmp(ip + 8, src, 16), 0);
		CU_ASSERT_EQUAL(memcmp(ip + 24, dst, 16), 0);
	}
	CU_ASSERT(vec_l4_csum_ok(6, src, dst, alen, ip + iphl, l4_len));
	return ip + iphl;
}

static void
check_ts(const uint8_t *th, bool ts, uint32_t tsval, uint32_t tsecr)
{
	CU_ASSERT_EQUAL(th[12] >> 4, ts ? 8 : 5);
	if (ts) {
		CU_ASSERT_EQUAL(memcmp(th + 20, (const uint8_t[]){ 1, 1, 8, 10 }, 4), 0);
		CU_ASSERT_EQUAL(get32(th + 24), tsval);
		CU_ASSERT_EQUAL(get32(th + 28), tsecr);
	}
}

/* The forged frame read back by the worker's parsers, every checksum verified. */
static void
check_reparse(const uint8_t *o, size_t olen, uint16_t dport, uint32_t seq, uint32_t ack,
	      uint8_t flags, size_t payload)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	static uint8_t copy[TB_MAX];
	struct dg_tcp_seg s;
	struct dg_pkt p;

	memcpy(copy, o, olen); /* exactly olen bytes readable */
	cfg.dns_port = dport;
	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(copy, olen, &cfg, 0, &p), DG_FWD_TCP_DNS);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_seg_parse(copy, olen, &p, 0, &s), 0);
	CU_ASSERT_EQUAL(s.seq, seq);
	CU_ASSERT_EQUAL(s.ack, ack);
	CU_ASSERT_EQUAL(s.flags, flags);
	CU_ASSERT_EQUAL(s.payload_len, payload);
	CU_ASSERT(!s.bad_opts);
}

/* The fields tshark must decode from a forged frame, in tshark_check.sh's column order. */
static void
record(const uint8_t *fr, size_t len, const struct tb_conn *c, bool to_client,
       const uint8_t *th, bool dns)
{
	const void *cl = c->ver == 4 ? (const void *)tb_client4 : (const void *)tb_client6;
	const void *sv = c->ver == 4 ? (const void *)tb_server4 : (const void *)tb_server6;
	const int af = c->ver == 4 ? AF_INET : AF_INET6;
	char src[64], dst[64], ts[32] = "\t";

	if (dump != NULL) {
		struct pcap_pkthdr ph = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };

		pcap_dump((u_char *)dump, &ph, fr);
	}
	if (expect == NULL)
		return;
	inet_ntop(af, to_client ? sv : cl, src, sizeof(src));
	inet_ntop(af, to_client ? cl : sv, dst, sizeof(dst));
	if (th[12] >> 4 == 8)
		snprintf(ts, sizeof(ts), "%u\t%u", get32(th + 24), get32(th + 28));
	/* ip.src ipv6.src ip.dst ipv6.dst: the empty one first for IPv6 */
	fprintf(expect, "%s%s\t\t%s%s", c->ver == 4 ? "" : "\t", src, dst,
		c->ver == 4 ? "\t\t" : "\t");
	fprintf(expect, "%u\t%u\t%u\t%u\t0x%04x\t%u\t%s\t%s\t%s\t",
		to_client ? 53 : c->cport, to_client ? c->cport : 53, get32(th + 4),
		get32(th + 8), th[13], get16(th + 14), c->vlans == 2 ? "100" : "",
		c->vlans > 0 ? "200" : "", ts);
	fprintf(expect, "%s\t%s\t1\t%s\n", dns ? "0xbeef" : "", dns ? "198.18.99.1" : "",
		c->ver == 4 ? "1" : "");
}

static void
test_tcp_forge_answer_fields(void)
{
	static uint8_t out[TB_MAX], inplace[TB_MAX];
	static struct scene sc;
	const uint8_t *th;
	size_t olen, ilen, i, l4;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];

		scene_run(&sc, sh);
		memset(out, 0xee, sizeof(out));
		CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s,
							  sc.answer, sc.alen, out, sizeof(out),
							  &olen), 0);
		l4 = (sh->ts ? 32 : 20) + 2 + sc.alen;
		th = check_l2l3(out, olen, &sc, true, l4);
		CU_ASSERT_EQUAL(get16(th), 53);
		CU_ASSERT_EQUAL(get16(th + 2), sc.c.cport);
		CU_ASSERT_EQUAL(get32(th + 4), sc.s_nxt);
		CU_ASSERT_EQUAL(get32(th + 8), sc.c_end);
		CU_ASSERT_EQUAL(th[13], DG_TCP_F_FIN | DG_TCP_F_PSH | DG_TCP_F_ACK);
		CU_ASSERT_EQUAL(get16(th + 14), sc.s_win);
		CU_ASSERT_EQUAL(get16(th + 18), 0);
		check_ts(th, sh->ts, sc.s_tsval, sc.q.s.tsval);
		th += sh->ts ? 32 : 20;
		CU_ASSERT_EQUAL(get16(th), sc.alen);
		CU_ASSERT_EQUAL(memcmp(th + 2, sc.answer, sc.alen), 0);
		CU_ASSERT_EQUAL(out[olen], 0xee); /* nothing written past it */
		check_reparse(out, olen, sc.c.cport, sc.s_nxt, sc.c_end,
			      DG_TCP_F_FIN | DG_TCP_F_PSH | DG_TCP_F_ACK, 2 + sc.alen);

		/* in place, the answer taken from inside the same buffer: the same bytes */
		memcpy(inplace, sc.q.frame, sc.q.len);
		memcpy(inplace + 3000, sc.answer, sc.alen);
		CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, inplace, &sc.q.p, &sc.q.s,
						    inplace + 3000, sc.alen, inplace,
						    sizeof(inplace), &ilen), 0);
		CU_ASSERT_EQUAL(ilen, olen);
		CU_ASSERT_EQUAL(memcmp(inplace, out, olen), 0);
		/* ... and with the answer overlapping where it goes */
		memcpy(inplace, sc.q.frame, sc.q.len);
		memcpy(inplace + sc.q.p.l3_off + 30, sc.answer, sc.alen);
		CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, inplace, &sc.q.p, &sc.q.s,
						    inplace + sc.q.p.l3_off + 30, sc.alen,
						    inplace, sizeof(inplace), &ilen), 0);
		CU_ASSERT_EQUAL(memcmp(inplace, out, olen), 0);

		record(out, olen, &sc.c, true, out + sc.q.p.l3_off + (sh->ver == 4 ? 20 : 40), true);
		dg_tcp_free(sc.t);
	}
}

static void
test_tcp_forge_rst_fields(void)
{
	static uint8_t out[TB_MAX];
	static struct scene sc;
	const uint8_t *th;
	size_t olen, i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];

		scene_run(&sc, sh);
		memset(out, 0xee, sizeof(out));
		CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_rst(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, out,
						       sizeof(out), &olen), 0);
		th = check_l2l3(out, olen, &sc, false, sh->ts ? 32 : 20);
		CU_ASSERT_EQUAL(get16(th), sc.c.cport);
		CU_ASSERT_EQUAL(get16(th + 2), 53);
		CU_ASSERT_EQUAL(get32(th + 4), sc.c_new);
		CU_ASSERT_EQUAL(get32(th + 8), sc.s_nxt);
		CU_ASSERT_EQUAL(th[13], DG_TCP_F_RST | DG_TCP_F_ACK);
		CU_ASSERT_EQUAL(get16(th + 14), 0);
		check_ts(th, sh->ts, sc.q.s.tsval, sc.s_tsval);
		CU_ASSERT_EQUAL(out[olen], 0xee);
		check_reparse(out, olen, 53, sc.c_new, sc.s_nxt, DG_TCP_F_RST | DG_TCP_F_ACK, 0);

		record(out, olen, &sc.c, false, th, false);
		dg_tcp_free(sc.t);
	}
}

static void
test_tcp_forge_rst_after_overlap(void)
{
	static struct scene sc;
	static struct tb_seg g;
	static uint8_t out[TB_MAX];
	const struct shape sh = { 4, 0, true, false };
	uint8_t f[600];
	size_t fl, olen;
	uint32_t start;

	/* the blocked message arrives in a retransmission that starts 5 bytes early: the
	 * server expects the first new byte, so that is where the RST must sit */
	scene_run(&sc, &sh);
	start = sc.c_end;
	fl = tb_framed(f, sc.query, sc.qlen);
	tb_seg(&sc.c, true, start, sc.s_nxt, DG_TCP_F_ACK, 100, NULL, 0, f, 10, &g);
	CU_ASSERT_EQUAL(dg_tcp_client(sc.t, g.frame, &g.p, &g.s, 6, &sc.m), DG_TCP_FORWARD);
	tb_seg(&sc.c, true, start + 5, sc.s_nxt, DG_TCP_F_ACK, 100, NULL, 0, f + 5, fl - 5, &g);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_client(sc.t, g.frame, &g.p, &g.s, 7, &sc.m), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(dg_tcp_forge_rst(sc.m.flow, g.frame, &g.p, &g.s, out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(get32(out + 14 + 20 + 4), start + 10);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, g.frame, &g.p, &g.s, sc.answer, sc.alen,
					    out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(get32(out + 14 + 20 + 8), start + fl);
	dg_tcp_free(sc.t);
}

/*
 * Resets from the client segment alone (no flow): the same sequence numbers the tracker's
 * RST uses towards the server, and the client's own view for the reset back to it.
 */
static void
test_tcp_forge_reset_fields(void)
{
	static uint8_t out[TB_MAX], inplace[TB_MAX];
	static struct scene sc;
	const uint8_t *th;
	size_t olen, ilen, i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *sh = &shapes[i];

		scene_run(&sc, sh);
		memset(out, 0xee, sizeof(out));
		CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_reset(sc.q.frame, &sc.q.p, &sc.q.s,
							 DG_TCP_RESET_CLIENT, out, sizeof(out),
							 &olen), 0);
		th = check_l2l3(out, olen, &sc, true, 20);
		CU_ASSERT_EQUAL(get16(th), 53);
		CU_ASSERT_EQUAL(get16(th + 2), sc.c.cport);
		CU_ASSERT_EQUAL(get32(th + 4), sc.s_nxt);
		CU_ASSERT_EQUAL(get32(th + 8), sc.c_end);
		CU_ASSERT_EQUAL(th[13], DG_TCP_F_RST | DG_TCP_F_ACK);
		CU_ASSERT_EQUAL(get16(th + 14), 0);
		check_ts(th, false, 0, 0);
		CU_ASSERT_EQUAL(out[olen], 0xee);
		check_reparse(out, olen, sc.c.cport, sc.s_nxt, sc.c_end,
			      DG_TCP_F_RST | DG_TCP_F_ACK, 0);
		record(out, olen, &sc.c, true, th, false);

		CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_reset(sc.q.frame, &sc.q.p, &sc.q.s,
							 DG_TCP_RESET_SERVER, out, sizeof(out),
							 &olen), 0);
		th = check_l2l3(out, olen, &sc, false, 20);
		CU_ASSERT_EQUAL(get16(th), sc.c.cport);
		CU_ASSERT_EQUAL(get16(th + 2), 53);
		CU_ASSERT_EQUAL(get32(th + 4), sc.c_new);
		CU_ASSERT_EQUAL(get32(th + 8), sc.s_nxt);
		CU_ASSERT_EQUAL(th[13], DG_TCP_F_RST | DG_TCP_F_ACK);
		check_reparse(out, olen, 53, sc.c_new, sc.s_nxt, DG_TCP_F_RST | DG_TCP_F_ACK, 0);
		record(out, olen, &sc.c, false, th, false);
		/* in place over the client segment: the same bytes */
		memcpy(inplace, sc.q.frame, sc.q.len);
		CU_ASSERT_EQUAL(dg_tcp_forge_reset(inplace, &sc.q.p, &sc.q.s, DG_TCP_RESET_SERVER,
						   inplace, sc.q.len, &ilen), 0);
		CU_ASSERT_EQUAL(ilen, olen);
		CU_ASSERT_EQUAL(memcmp(inplace, out, olen), 0);
		dg_tcp_free(sc.t);
	}
}

/* A SYN is refused back to its client; nothing is reset that a reset cannot answer. */
static void
test_tcp_forge_reset_syn(void)
{
	static uint8_t out[TB_MAX], before[TB_MAX];
	static struct tb_seg g;
	struct tb_conn c;
	size_t olen = 0, need;

	tb_conn_init(&c, 6, 1, true);
	tb_seg(&c, true, c.c_isn, 0, DG_TCP_F_SYN, 64240, NULL, 0, NULL, 0, &g);
	need = g.p.l3_off + 40 + 20;
	memset(out, 0xa5, sizeof(out));
	memcpy(before, out, sizeof(out));
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_CLIENT, out,
					   need - 1, &olen), -ENOSPC);
	CU_ASSERT_EQUAL(memcmp(out, before, sizeof(out)), 0);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_CLIENT, out, need,
					   &olen), 0);
	CU_ASSERT_EQUAL(olen, need);
	/* SYN-SENT accepts a RST whose ACK acknowledges the SYN; seq 0 */
	check_reparse(out, olen, c.cport, 0, c.c_isn + 1, DG_TCP_F_RST | DG_TCP_F_ACK, 0);
	CU_ASSERT_EQUAL(memcmp(out, tb_client_mac, 6), 0);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_SERVER, out,
					   sizeof(out), &olen), -EINVAL);
	tb_seg(&c, false, c.s_isn, c.c_isn + 1, DG_TCP_F_SYN | DG_TCP_F_ACK, 100, NULL, 0, NULL, 0,
	       &g);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_CLIENT, out,
					   sizeof(out), &olen), -EINVAL);
	tb_seg(&c, true, c.c_isn + 1, 1, DG_TCP_F_RST | DG_TCP_F_ACK, 0, NULL, 0, NULL, 0, &g);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_CLIENT, out,
					   sizeof(out), &olen), -EINVAL);
	tb_seg(&c, true, c.c_isn + 1, 1, DG_TCP_F_PSH, 0, NULL, 0, NULL, 0, &g);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(g.frame, &g.p, &g.s, DG_TCP_RESET_CLIENT, out,
					   sizeof(out), &olen), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(NULL, &g.p, &g.s, DG_TCP_RESET_CLIENT, out,
					   sizeof(out), &olen), -EINVAL);
}

/* Inside a PPPoE session the forged segments carry their own payload length. */
static void
test_tcp_forge_reset_pppoe(void)
{
	static struct tb_seg g;
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	struct dg_tcp_seg s;
	struct dg_pkt p;
	struct tb_conn c;
	uint8_t f[TB_MAX], out[TB_MAX];
	size_t ip_len, n, olen;

	tb_conn_init(&c, 4, 0, false);
	tb_seg(&c, true, 7, 9, DG_TCP_F_ACK | DG_TCP_F_PSH, 100, NULL, 0,
	       (const uint8_t *)"hello", 5, &g);
	ip_len = g.len - 14;
	memcpy(f, g.frame, 12);
	memcpy(f + 12, "\x88\x64\x11\x00\x12\x34", 6); /* PPPoE session 0x1234 */
	put16(f + 18, (unsigned int)(ip_len + 2));
	put16(f + 20, 0x0021);                         /* PPP: IPv4 */
	memcpy(f + 22, g.frame + 14, ip_len);
	n = 22 + ip_len;
	CU_ASSERT_EQUAL_FATAL(dg_wire_parse_l2l4(f, n, &cfg, 0, &p), DG_FWD_TCP_DNS);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_seg_parse(f, n, &p, 0, &s), 0);
	CU_ASSERT_EQUAL(dg_tcp_forge_reset(f, &p, &s, DG_TCP_RESET_CLIENT, out, sizeof(out),
					   &olen), 0);
	CU_ASSERT_EQUAL(olen, 22 + 20 + 20u);
	CU_ASSERT_EQUAL(get16(out + 18), 2 + 20 + 20);
	CU_ASSERT_EQUAL(get16(out + 16), 0x1234);
	cfg.dns_port = c.cport;
	CU_ASSERT_EQUAL(dg_wire_parse_l2l4(out, olen, &cfg, 0, &p), DG_FWD_TCP_DNS);
	CU_ASSERT_EQUAL(p.encap, DG_PKT_ENCAP_PPPOE);
	CU_ASSERT_EQUAL(dg_tcp_seg_parse(out, olen, &p, 0, &s), 0);
	CU_ASSERT_EQUAL(s.seq, 9);
	CU_ASSERT_EQUAL(s.ack, 12);
}

static void
test_tcp_forge_errors(void)
{
	static uint8_t out[70000], before[70000];
	static struct scene sc;
	static struct tb_seg g;
	const struct shape sh = { 4, 1, true, false };
	struct dg_pkt p;
	size_t olen = 0, need;

	scene_run(&sc, &sh);
	need = sc.q.p.l3_off + 20 + 32 + 2 + sc.alen;
	memset(out, 0xa5, sizeof(out));
	memcpy(before, out, sizeof(out));
	/* one byte short of room: nothing written */
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, sc.answer,
					    sc.alen, out, need - 1, &olen), -ENOSPC);
	CU_ASSERT_EQUAL(memcmp(out, before, sizeof(out)), 0);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, sc.answer,
					    sc.alen, out, need, &olen), 0);
	CU_ASSERT_EQUAL(olen, need);
	memcpy(before, out, sizeof(out));
	CU_ASSERT_EQUAL(dg_tcp_forge_rst(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, out,
					 sc.q.p.l3_off + 20 + 32 - 1, &olen), -ENOSPC);
	CU_ASSERT_EQUAL(memcmp(out, before, sizeof(out)), 0);
	/* the largest IPv4 packet, and one byte over it */
	need = 65535 - 20 - 32 - 2;
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, out, need,
					    out, sizeof(out), &olen), 0);
	CU_ASSERT_EQUAL(olen, sc.q.p.l3_off + 65535u);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, out, need + 1,
					    out, sizeof(out), &olen), -EMSGSIZE);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, out, 65536,
					    out, sizeof(out), &olen), -EMSGSIZE);
	/* another flow's segment, NULLs */
	p = sc.q.p;
	p.src_port++;
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &p, &sc.q.s, sc.answer, sc.alen,
					    out, sizeof(out), &olen), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_forge_rst(sc.m.flow, sc.q.frame, &p, &sc.q.s, out, sizeof(out),
					 &olen), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(NULL, sc.q.frame, &sc.q.p, &sc.q.s, sc.answer, sc.alen,
					    out, sizeof(out), &olen), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, sc.q.frame, &sc.q.p, &sc.q.s, NULL, 1,
					    out, sizeof(out), &olen), -EINVAL);
	dg_tcp_free(sc.t);

	/* no SYN-ACK seen: no sequence number to answer with */
	CU_ASSERT_EQUAL_FATAL(dg_tcp_create(&sc.t, 8, 100), 0);
	tb_conn_init(&sc.c, 6, 0, false);
	tb_seg(&sc.c, true, sc.c.c_isn, 0, DG_TCP_F_SYN, 100, NULL, 0, NULL, 0, &g);
	CU_ASSERT_EQUAL(dg_tcp_client(sc.t, g.frame, &g.p, &g.s, 1, &sc.m), DG_TCP_FORWARD);
	sc.qlen = tb_framed(sc.query, sc.answer, tb_query(sc.answer, 1, "x.example"));
	tb_seg(&sc.c, true, sc.c.c_isn + 1, 0, DG_TCP_F_ACK, 100, NULL, 0, sc.query, sc.qlen, &g);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_client(sc.t, g.frame, &g.p, &g.s, 1, &sc.m), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(dg_tcp_forge_answer(sc.m.flow, g.frame, &g.p, &g.s, sc.answer, 20, out,
					    sizeof(out), &olen), -ENOTCONN);
	CU_ASSERT_EQUAL(dg_tcp_forge_rst(sc.m.flow, g.frame, &g.p, &g.s, out, sizeof(out), &olen),
			-ENOTCONN);
	dg_tcp_free(sc.t);
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_tcp_seg_parse_fields),
		DG_TEST(test_tcp_seg_parse_options_at_the_last_byte),
		DG_TEST(test_tcp_seg_parse_header_bounds),
		DG_TEST(test_tcp_seg_parse_checksums),
		DG_TEST(test_tcp_forge_answer_fields),
		DG_TEST(test_tcp_forge_rst_fields),
		DG_TEST(test_tcp_forge_rst_after_overlap),
		DG_TEST(test_tcp_forge_errors),
		DG_TEST(test_tcp_forge_reset_fields),
		DG_TEST(test_tcp_forge_reset_syn),
		DG_TEST(test_tcp_forge_reset_pppoe),
	};
	const char *out = getenv("DG_PCAP_OUT"), *exp = getenv("DG_TSHARK_EXPECT");
	pcap_t *dead = NULL;
	int fails;

	if (out != NULL) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);
		dump = pcap_dump_open(dead, out);
		if (dump == NULL) {
			fprintf(stderr, "%s: %s\n", out, pcap_geterr(dead));
			return 1;
		}
	}
	if (exp != NULL && (expect = fopen(exp, "w")) == NULL) {
		perror(exp);
		return 1;
	}
	fails = dg_test_run("tcp_forge", t, sizeof(t) / sizeof(t[0]));
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	if (expect != NULL)
		fclose(expect);
	return fails ? 1 : 0;
}
