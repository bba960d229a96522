/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over lib/tcp: a sequence of segments, each from a client or the
 * server of one of 16 connections, through a table of 8 flows (one bucket: placement does
 * not depend on the table's random seed, so every run is reproducible).
 *
 * Input: one configuration byte (bit 0 IPv6, bits 1-2 VLAN tags, bit 3 checksums left to
 * the parser instead of hinted good, bit 4 flows whose response was read are marked
 * answered), then records of 5 bytes and a payload:
 *   sel    bit 0: from the client; bits 1-4: connection; bit 5: timestamps option;
 *          bit 6: client: forge the answer and RST for the messages / server: a jump in
 *          time past the idle timeout; bit 7: client: mark the flow answered after
 *          forging / server: read its responses (dg_tcp_server_read()) and forge
 *   flags  the TCP flags byte
 *   dseq   signed offset from the sender's next sequence number (0: in order)
 *   dack   signed offset from the other side's next sequence number
 *   len    payload bytes (taken from the input that follows)
 * Every frame sits in a buffer of its exact length (ASan sees any read past it). Traps on
 * a broken invariant: message lengths and pointers, verdicts after dg_tcp_answered(),
 * forged frames that do not parse back with valid checksums and the expected fields.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dg_tcp.h"
#include "dg_wire.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum { CONNS = 16, FLOWS = 8, IDLE = 1000, ROOM = 4096 };

struct conn {
	uint32_t c_nxt, s_nxt;
	uint32_t c_ts, s_ts;
	bool answered;  /* dg_tcp_answered() called, no SYN since */
};

static const uint8_t mac_c[6] = { 2, 0, 0, 0, 0, 1 }, mac_s[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t a4_c[4] = { 198, 18, 0, 1 }, a4_s[4] = { 198, 18, 0, 53 };
static const uint8_t a6_c[16] = { 0x20, 1, 0, 2, [15] = 1 }, a6_s[16] = { 0x20, 1, 0, 2, [15] = 0x53 };

/* A segment of connection @p idx with correct lengths and checksums; returns its length. */
static size_t
build(uint8_t *f, uint8_t cfg, unsigned int idx, bool from_client, uint32_t seq, uint32_t ack,
      uint8_t flags, bool ts, uint32_t tsval, uint32_t tsecr, const uint8_t *pl, size_t plen)
{
	const bool v6 = cfg & 1;
	const unsigned int vlans = ((cfg >> 1) & 3) % 3;
	const uint8_t *src = v6 ? (from_client ? a6_c : a6_s) : (from_client ? a4_c : a4_s);
	const uint8_t *dst = v6 ? (from_client ? a6_s : a6_c) : (from_client ? a4_s : a4_c);
	const size_t alen = v6 ? 16 : 4, iphl = v6 ? 40 : 20, thl = ts ? 32 : 20;
	size_t off = 12, i;
	uint8_t *ip, *th;
	uint16_t cs;

	memcpy(f, from_client ? mac_s : mac_c, 6);
	memcpy(f + 6, from_client ? mac_c : mac_s, 6);
	for (i = 0; i < vlans; i++) {
		dg_wire_put_u16(f + off, i == 0 && vlans == 2 ? 0x88a8 : 0x8100);
		dg_wire_put_u16(f + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	dg_wire_put_u16(f + off, v6 ? 0x86dd : 0x0800);
	off += 2;
	ip = f + off;
	memset(ip, 0, iphl);
	if (v6) {
		ip[0] = 0x60;
		dg_wire_put_u16(ip + 4, (uint16_t)(thl + plen));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		dg_wire_put_u16(ip + 2, (uint16_t)(iphl + thl + plen));
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		cs = dg_wire_csum_final(dg_wire_csum_add(0, ip, 20));
		memcpy(ip + 10, &cs, 2);
	}
	th = ip + iphl;
	memset(th, 0, thl);
	dg_wire_put_u16(th, from_client ? (uint16_t)(40000 + idx) : 53);
	dg_wire_put_u16(th + 2, from_client ? 53 : (uint16_t)(40000 + idx));
	dg_wire_put_u32(th + 4, seq);
	dg_wire_put_u32(th + 8, ack);
	th[12] = (uint8_t)(thl / 4 << 4);
	th[13] = flags;
	dg_wire_put_u16(th + 14, (uint16_t)(1000 + idx));
	if (ts) {
		th[20] = th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		dg_wire_put_u32(th + 24, tsval);
		dg_wire_put_u32(th + 28, tsecr);
	}
	if (plen > 0)
		memcpy(th + thl, pl, plen);
	cs = dg_wire_csum_final(dg_wire_csum_add(
		dg_wire_csum_pseudo(src, dst, alen, 6, (uint32_t)(thl + plen)), th, thl + plen));
	memcpy(th + 16, &cs, 2);
	return off + iphl + thl + plen;
}

/* Parse a frame as the worker does; @p port: the destination port counted as "DNS". */
static void
parse(const uint8_t *f, size_t len, uint16_t port, unsigned int hints, struct dg_pkt *p,
      struct dg_tcp_seg *s)
{
	struct dg_pkt_cfg pc = DG_PKT_CFG_DEFAULT;

	pc.dns_port = port;
	CHECK(dg_wire_parse_l2l4(f, len, &pc, hints, p) == DG_FWD_TCP_DNS);
	CHECK(dg_tcp_seg_parse(f, len, p, hints, s) == 0);
}

/* A forged frame parses back, every checksum verified, with the fields it must have. */
static void
check_forged(const uint8_t *o, size_t olen, const struct dg_pkt *q, bool answer,
	     const uint8_t *dns, size_t dns_len)
{
	uint8_t *copy = malloc(olen);
	struct dg_tcp_seg s;
	struct dg_pkt p;

	memcpy(copy, o, olen);
	parse(copy, olen, answer ? q->src_port : q->dst_port, 0, &p, &s);
	CHECK(p.ip_ver == q->ip_ver && p.l3_off == q->l3_off && p.vlan_n == q->vlan_n);
	CHECK(p.l4_off == p.l3_off + (p.ip_ver == 4 ? 20 : 40));
	CHECK(p.l3_off + (size_t)p.ip_len == olen);
	if (answer) {
		CHECK(p.src_port == q->dst_port && p.dst_port == q->src_port);
		CHECK(memcmp(p.src_addr, q->dst_addr, q->addr_len) == 0);
		CHECK(s.flags == (DG_TCP_F_FIN | DG_TCP_F_PSH | DG_TCP_F_ACK));
		CHECK(s.payload_len == 2 + dns_len);
		CHECK(dg_wire_get_u16(copy + s.payload_off) == dns_len);
		CHECK(memcmp(copy + s.payload_off + 2, dns, dns_len) == 0);
	} else {
		CHECK(p.src_port == q->src_port && p.dst_port == q->dst_port);
		CHECK(memcmp(p.src_addr, q->src_addr, q->addr_len) == 0);
		CHECK(s.flags == (DG_TCP_F_RST | DG_TCP_F_ACK) && s.payload_len == 0);
	}
	free(copy);
}

/* Forge both segments for the first message, into a separate buffer and in place. */
static void
forge(struct dg_tcp_table *t, struct dg_tcp_msgs *m, const uint8_t *f, size_t len,
      const struct dg_pkt *p, const struct dg_tcp_seg *s, struct conn *c, bool answered)
{
	const struct dg_tcp_msg *msg = &m->msg[0];
	uint8_t *out = malloc(ROOM), *inplace = malloc(ROOM > len ? ROOM : len);
	size_t olen = 0, ilen = 0, need;
	const uint8_t *dns;
	int rc, rc2;

	need = p->l3_off + (p->ip_ver == 4 ? 20u : 40u) + 20u + 2 + msg->avail;
	rc = dg_tcp_forge_answer(m->flow, f, p, s, msg->data, msg->avail, out, ROOM, &olen);
	CHECK(rc == 0 || rc == -ENOTCONN || rc == -ENOSPC);
	CHECK(rc != -ENOSPC || need > ROOM);
	if (rc == 0) {
		CHECK(olen >= need && olen <= need + 12 && olen <= ROOM);
		check_forged(out, olen, p, true, msg->data, msg->avail);
		/* in place, the answer being the message itself (inside the frame or not) */
		memcpy(inplace, f, len);
		dns = msg->data >= f && msg->data < f + len ? inplace + (msg->data - f) : msg->data;
		rc2 = dg_tcp_forge_answer(m->flow, inplace, p, s, dns, msg->avail, inplace, ROOM,
					  &ilen);
		CHECK(rc2 == 0 && ilen == olen && memcmp(inplace, out, olen) == 0);
	}
	rc2 = dg_tcp_forge_rst(m->flow, f, p, s, out, ROOM, &olen);
	CHECK(rc2 == (rc == -ENOSPC ? 0 : rc));
	if (rc2 == 0)
		check_forged(out, olen, p, false, NULL, 0);
	if (answered) {
		dg_tcp_answered(t, m->flow);
		c->answered = true;
	}
	free(out);
	free(inplace);
}

/*
 * Responses read from a server segment: each message wholly inside the new payload, its
 * prefix right before it; the RST to the server and the segment rewritten into the answer
 * (the last message replaced by the first 12 bytes of the first), and into the reset to
 * the client, all parse back with valid checksums, at the segment's sequence number.
 */
static void
server_msgs(struct dg_tcp_table *t, struct dg_tcp_msgs *m, const uint8_t *f, size_t len,
	    const struct dg_pkt *p, const struct dg_tcp_seg *s, uint8_t cfg)
{
	const struct dg_tcp_msg *last = &m->msg[m->n - 1];
	uint8_t *out = malloc(ROOM), *copy = malloc(len + ROOM);
	uint8_t dns[12];
	struct dg_tcp_seg s2;
	struct dg_pkt p2;
	size_t olen, keep;
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		const struct dg_tcp_msg *g = &m->msg[i];

		CHECK(g->avail == g->len && g->len > 0);
		CHECK(g->data >= f + s->payload_off + 2 && g->data + g->len <= f + len);
		CHECK(dg_wire_get_u16(g->data - 2) == g->len);
		CHECK(i == 0 || g->data > m->msg[i - 1].data + m->msg[i - 1].len);
	}
	if (dg_tcp_forge_resp_rst(m->flow, f, p, s, out, ROOM, &olen) == 0) {
		parse(out, olen, 53, 0, &p2, &s2);
		CHECK(s2.flags == (DG_TCP_F_RST | DG_TCP_F_ACK) && s2.payload_len == 0);
		CHECK(s2.ack == s->seq + s->payload_len && p2.dst_port == p->src_port);
	}
	memset(dns, 0, sizeof(dns));
	memcpy(dns, m->msg[0].data, m->msg[0].len < sizeof(dns) ? m->msg[0].len : sizeof(dns));
	keep = (size_t)(last->data - 2 - (f + s->payload_off));
	memcpy(copy, f, len);
	CHECK(dg_tcp_forge_resp_answer(copy, p, s, keep, dns, sizeof(dns), len + ROOM, &olen) == 0);
	parse(copy, olen, p->dst_port, 0, &p2, &s2);
	CHECK(s2.seq == s->seq && (s2.flags & DG_TCP_F_FIN));
	CHECK(s2.payload_len == keep + 2 + sizeof(dns));
	CHECK(memcmp(copy + s2.payload_off, f + s->payload_off, keep) == 0);
	CHECK(dg_tcp_forge_resp_reset(copy, &p2, &s2, len + ROOM, &olen) == 0);
	parse(copy, olen, p->dst_port, 0, &p2, &s2);
	CHECK(s2.seq == s->seq && s2.flags == (DG_TCP_F_RST | DG_TCP_F_ACK) && s2.payload_len == 0);
	if (cfg & 0x10)
		dg_tcp_answered(t, m->flow);
	free(out);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dg_tcp_msgs m;
	struct conn conns[CONNS];
	struct dg_tcp_table *t;
	uint64_t now = 1, msgs = 0;
	size_t pos = 1;
	unsigned int hints, i;
	uint8_t cfg;

	if (size < 1)
		return 0;
	cfg = data[0];
	hints = cfg & 0x08 ? 0 : DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	if (dg_tcp_create(&t, FLOWS, IDLE) != 0)
		return 0;
	for (i = 0; i < CONNS; i++) {
		conns[i] = (struct conn){ .c_nxt = 0xfffffff0u - 1000 * i, .s_nxt = 0x10000000u + i,
					  .c_ts = 100, .s_ts = 5000 };
	}
	while (size - pos >= 5) {
		const uint8_t sel = data[pos], flags = data[pos + 1];
		const bool client = sel & 1, ts = sel & 0x20;
		const unsigned int idx = (sel >> 1) & 0xf;
		struct conn *c = &conns[idx];
		size_t plen = data[pos + 4], len;
		uint32_t seq, ack;
		struct dg_tcp_seg s;
		struct dg_pkt p;
		uint8_t *f;

		seq = (client ? c->c_nxt : c->s_nxt) + (uint32_t)(int32_t)(int8_t)data[pos + 2];
		ack = (client ? c->s_nxt : c->c_nxt) + (uint32_t)(int32_t)(int8_t)data[pos + 3];
		pos += 5;
		if (plen > size - pos)
			plen = size - pos;
		f = malloc(18 + 8 + 40 + 32 + plen);
		len = build(f, cfg, idx, client, seq, ack, flags, ts,
			    client ? c->c_ts++ : c->s_ts++, client ? c->s_ts : c->c_ts,
			    data + pos, plen);
		pos += plen;
		{
			/* exact-size copy: the builder's buffer has slack */
			uint8_t *g = malloc(len);

			memcpy(g, f, len);
			free(f);
			f = g;
		}
		parse(f, len, client ? 53 : (uint16_t)(40000 + idx), hints, &p, &s);
		CHECK(s.payload_len == plen && s.payload_off + plen == len);
		now++;
		if (client) {
			enum dg_tcp_verdict v = dg_tcp_client(t, f, &p, &s, now, &m);

			CHECK(v == DG_TCP_FORWARD || v == DG_TCP_MESSAGES || v == DG_TCP_DROP);
			CHECK(v == DG_TCP_MESSAGES ? m.n >= 1 && m.flow != NULL : m.n == 0);
			CHECK(m.n <= DG_TCP_MSGS_MAX);
			if ((flags & (DG_TCP_F_SYN | DG_TCP_F_ACK | DG_TCP_F_RST)) == DG_TCP_F_SYN)
				c->answered = false;
			/* an answered flow never reaches the server again */
			CHECK(!c->answered || v != DG_TCP_MESSAGES);
			for (i = 0; i < m.n; i++) {
				const struct dg_tcp_msg *g = &m.msg[i];
				uint64_t sum = 0;
				size_t j;

				CHECK(g->len >= DG_TCP_MSG_MIN && g->avail <= g->len);
				CHECK(g->avail == g->len || g->avail == DG_TCP_KEEP);
				if (g->data >= f && g->data < f + len) {
					CHECK(g->data >= f + s.payload_off + (i > 0 ? 2 : 0));
					CHECK(g->data + g->avail <= f + len);
					CHECK(g->avail == g->len);
					/* after the first, each prefix is in the segment's new bytes
					 * (the first one's may be earlier, or in trimmed old bytes) */
					if (i > 0)
						CHECK(dg_wire_get_u16(g->data - 2) == g->len);
				} else {
					CHECK(i == 0 && g->avail <= DG_TCP_KEEP);
				}
				for (j = 0; j < g->avail; j++) /* ASan: every byte is readable */
					sum += g->data[j];
				(void)sum;
			}
			if (v == DG_TCP_MESSAGES && (sel & 0x40))
				forge(t, &m, f, len, &p, &s, c, sel & 0x80);
			c->c_nxt = seq + (uint32_t)plen + !!(flags & DG_TCP_F_SYN) + !!(flags & DG_TCP_F_FIN);
		} else {
			if (sel & 0x40)
				now += IDLE + 1;
			if (sel & 0x80) {
				enum dg_tcp_verdict v = dg_tcp_server_read(t, f, &p, &s, now, &m);

				CHECK(v == DG_TCP_MESSAGES ? m.n >= 1 && m.flow != NULL : m.n == 0);
				CHECK(v != DG_TCP_DROP || plen > 0);
				if (v == DG_TCP_MESSAGES)
					server_msgs(t, &m, f, len, &p, &s, cfg);
			} else {
				dg_tcp_server(t, f, &p, &s, now);
			}
			c->s_nxt = seq + (uint32_t)plen + !!(flags & DG_TCP_F_SYN) + !!(flags & DG_TCP_F_FIN);
		}
		free(f);
		CHECK(dg_tcp_count(t) <= FLOWS);
		CHECK(dg_tcp_stats(t)->messages >= msgs);
		msgs = dg_tcp_stats(t)->messages;
	}
	CHECK(dg_tcp_stats(t)->answered <= dg_tcp_stats(t)->flows);
	dg_tcp_free(t);
	return 0;
}
