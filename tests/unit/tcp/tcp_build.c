/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "dg_vec.h"
#include "tcp_build.h"

const uint8_t tb_client_mac[6] = { 2, 0, 0, 0, 0, 1 };
const uint8_t tb_server_mac[6] = { 2, 0, 0, 0, 0, 2 };
const uint8_t tb_client4[4] = { 198, 18, 0, 1 };
const uint8_t tb_server4[4] = { 198, 18, 0, 53 };
const uint8_t tb_client6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
const uint8_t tb_server6[16] = { 0x20, 0x01, 0, 2, [15] = 0x53 };

void
tb_conn_init(struct tb_conn *c, uint8_t ver, uint8_t vlans, bool ts)
{
	memset(c, 0, sizeof(*c));
	c->ver = ver;
	c->vlans = vlans;
	c->ts = ts;
	c->cport = 40000;
	c->c_isn = 0xfffffff0u; /* the stream wraps past 2^32 early on */
	c->s_isn = 0x10000000u;
	c->c_tsval = 1000;
	c->s_tsval = 7000000;
	c->s_win = 0xfe88;
}

static void
put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

void
tb_seg(struct tb_conn *c, bool from_client, uint32_t seq, uint32_t ack, uint8_t flags,
       uint16_t win, const uint8_t *opts, size_t optlen, const uint8_t *pl, size_t plen,
       struct tb_seg *g)
{
	struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	const size_t alen = c->ver == 4 ? 4 : 16;
	uint8_t ts[12], *f = g->frame, *ip, *th;
	size_t off = 12, iphl = c->ver == 4 ? 20 : 40, thl, tot;
	enum dg_fwd_reason r;
	unsigned int i;

	if (opts == NULL && c->ts) {
		ts[0] = ts[1] = 1;
		ts[2] = 8;
		ts[3] = 10;
		put32(ts + 4, from_client ? c->c_tsval++ : c->s_tsval++);
		put32(ts + 8, from_client ? c->s_tsval - 1 : c->c_tsval - 1);
		opts = ts;
		optlen = sizeof(ts);
	}
	thl = 20 + optlen;
	if (optlen % 4 != 0 || 12 + 8 + iphl + thl + plen + c->pad > TB_MAX) {
		fprintf(stderr, "tb_seg: bad test segment\n");
		abort();
	}
	memset(g, 0, sizeof(*g));
	memcpy(f, from_client ? tb_server_mac : tb_client_mac, 6);
	memcpy(f + 6, from_client ? tb_client_mac : tb_server_mac, 6);
	for (i = 0; i < c->vlans; i++) {
		put16(f + off, i == 0 && c->vlans == 2 ? 0x88a8 : 0x8100);
		put16(f + off + 2, i == 0 && c->vlans == 2 ? TB_TCI_OUTER : TB_TCI_INNER);
		off += 4;
	}
	put16(f + off, c->ver == 4 ? 0x0800 : 0x86dd);
	off += 2;
	ip = f + off;
	tot = iphl + thl + plen;
	if (c->ver == 4) {
		ip[0] = 0x45;
		put16(ip + 2, (unsigned int)tot);
		put16(ip + 4, 0x1234);
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, from_client ? tb_client4 : tb_server4, 4);
		memcpy(ip + 16, from_client ? tb_server4 : tb_client4, 4);
		put16(ip + 10, vec_ip4_csum(ip, 20));
	} else {
		ip[0] = 0x60;
		put16(ip + 4, (unsigned int)(tot - 40));
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, from_client ? tb_client6 : tb_server6, 16);
		memcpy(ip + 24, from_client ? tb_server6 : tb_client6, 16);
	}
	th = ip + iphl;
	put16(th, from_client ? c->cport : 53);
	put16(th + 2, from_client ? 53 : c->cport);
	put32(th + 4, seq);
	put32(th + 8, ack);
	th[12] = (uint8_t)(thl / 4 << 4);
	th[13] = flags;
	put16(th + 14, win);
	if (optlen > 0)
		memcpy(th + 20, opts, optlen);
	if (plen > 0)
		memcpy(th + thl, pl, plen);
	put16(th + 16, vec_l4_csum(6, ip + (c->ver == 4 ? 12 : 8), ip + (c->ver == 4 ? 16 : 24),
				   alen, th, thl + plen, 16));
	g->len = off + tot + c->pad;
	memset(f + off + tot, 0, c->pad);

	/* The worker's parse: server segments are "to the DNS port" of the client. */
	cfg.dns_port = from_client ? 53 : c->cport;
	r = dg_wire_parse_l2l4(f, g->len, &cfg, 0, &g->p);
	CU_ASSERT_EQUAL_FATAL(r, DG_FWD_TCP_DNS);
	g->parse_rc = dg_tcp_seg_parse(f, g->len, &g->p, 0, &g->s);
}

size_t
tb_query(uint8_t *out, uint16_t id, const char *name)
{
	size_t n = 12;
	const char *l = name;

	memset(out, 0, 12);
	put16(out, id);
	put16(out + 2, 0x0100);
	put16(out + 4, 1);
	while (*l != '\0') {
		const char *dot = strchr(l, '.');
		size_t ll = dot != NULL ? (size_t)(dot - l) : strlen(l);

		out[n++] = (uint8_t)ll;
		memcpy(out + n, l, ll);
		n += ll;
		l += ll + (dot != NULL);
	}
	out[n++] = 0;
	put16(out + n, 1);
	put16(out + n + 2, 1);
	return n + 4;
}

size_t
tb_answer(uint8_t *out, const uint8_t *q, size_t qlen)
{
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 198, 18, 99, 1 };

	memcpy(out, q, qlen);
	put16(out + 2, 0x8180);
	put16(out + 6, 1);
	memcpy(out + qlen, rr, sizeof(rr));
	return qlen + sizeof(rr);
}

size_t
tb_framed(uint8_t *out, const uint8_t *msg, size_t len)
{
	put16(out, (unsigned int)len);
	memmove(out + 2, msg, len);
	return len + 2;
}
