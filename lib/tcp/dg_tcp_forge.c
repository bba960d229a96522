/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two segments that end a blocked flow: the answer to the client, as if from the
 * server, and the reset to the server, as if from the client. Fresh L3/L4 headers after
 * the client frame's L2; all sizes are checked before the first byte is written, so a
 * failed forge leaves the buffer as it was.
 */
#include <errno.h>
#include <string.h>

#include "dg_wire.h"
#include "tcp_pvt.h"

enum {
	ETH_ALEN = 6,
	ETH_MACS = 2 * ETH_ALEN,
	IP4_HLEN = 20,
	IP6_HLEN = 40,
	TTL_HOPS = 64,
	IP4_DF = 0x4000,
	TS_OPT_LEN = 12, /* NOP, NOP, kind 8 length 10 (RFC 7323 appendix A layout) */
	DNS_PREFIX = 2,
	IP_MAX = 65535,
	PPPOE_LEN = 4,   /* PPPoE session header: payload length (PPP protocol + IP) */
	PPP_PROTO_LEN = 2,
};

/* One direction of a forged segment, everything but the payload. */
struct forge {
	const uint8_t *src;  /* IP source */
	const uint8_t *dst;
	uint8_t alen;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t win;
	bool ts;
	uint32_t tsval;
	uint32_t tsecr;
};

/*
 * The L2 bytes of a forged frame: the client frame's, MACs swapped when the segment goes
 * back to the client, every byte between the MACs and l3_off kept (VLAN tags with their
 * PCP/DEI). The one place L2 is written: an encapsulation whose header holds a length
 * (a PPPoE session header) gets it fixed here, from @p ip_len.
 */
static void
put_l2(uint8_t *out, const uint8_t *client_frame, const struct dg_pkt *p, bool swap_macs,
       size_t ip_len)
{
	uint8_t mac[ETH_MACS];

	memcpy(mac, client_frame, ETH_MACS);
	if (out != client_frame)
		memcpy(out + ETH_MACS, client_frame + ETH_MACS, p->l3_off - ETH_MACS);
	if (swap_macs) {
		memcpy(out, mac + ETH_ALEN, ETH_ALEN);
		memcpy(out + ETH_ALEN, mac, ETH_ALEN);
	} else {
		memcpy(out, mac, ETH_MACS);
	}
	if (p->encap == DG_PKT_ENCAP_PPPOE)
		dg_wire_put_u16(out + p->encap_off + PPPOE_LEN, (uint16_t)(PPP_PROTO_LEN + ip_len));
}

/* IPv4 or IPv6 header at @p ip for @p l4_len bytes of TCP; returns its length. */
static size_t
put_ip(uint8_t *ip, const struct forge *g, size_t l4_len)
{
	uint16_t csum;

	if (g->alen == 4) {
		ip[0] = 0x45;
		ip[1] = 0;
		dg_wire_put_u16(ip + 2, (uint16_t)(IP4_HLEN + l4_len));
		dg_wire_put_u16(ip + 4, 0); /* ID 0 with DF (RFC 6864) */
		dg_wire_put_u16(ip + 6, IP4_DF);
		ip[8] = TTL_HOPS;
		ip[9] = PROTO_TCP;
		memset(ip + 10, 0, 2);
		memcpy(ip + 12, g->src, 4);
		memcpy(ip + 16, g->dst, 4);
		csum = dg_wire_csum_final(dg_wire_csum_add(0, ip, IP4_HLEN));
		memcpy(ip + 10, &csum, sizeof(csum));
		return IP4_HLEN;
	}
	dg_wire_put_u32(ip, 0x60000000u);
	dg_wire_put_u16(ip + 4, (uint16_t)l4_len);
	ip[6] = PROTO_TCP;
	ip[7] = TTL_HOPS;
	memcpy(ip + 8, g->src, 16);
	memcpy(ip + 24, g->dst, 16);
	return IP6_HLEN;
}

static size_t
tcp_hlen(const struct forge *g)
{
	return TCP_HLEN + (g->ts ? TS_OPT_LEN : 0);
}

/* TCP header at @p th, its payload (@p plen bytes) already in place after it. */
static void
put_tcp(uint8_t *th, const struct forge *g, size_t plen)
{
	const size_t hl = tcp_hlen(g);
	uint16_t csum;

	dg_wire_put_u16(th, g->sport);
	dg_wire_put_u16(th + 2, g->dport);
	dg_wire_put_u32(th + TCP_SEQ, g->seq);
	dg_wire_put_u32(th + TCP_ACK, g->ack);
	th[TCP_DOFF] = (uint8_t)(hl / 4 << 4);
	th[TCP_FLAGS] = g->flags;
	dg_wire_put_u16(th + TCP_WIN, g->win);
	memset(th + TCP_CSUM, 0, 4); /* checksum, urgent pointer */
	if (g->ts) {
		th[TCP_HLEN] = TCP_OPT_NOP;
		th[TCP_HLEN + 1] = TCP_OPT_NOP;
		th[TCP_HLEN + 2] = TCP_OPT_TS;
		th[TCP_HLEN + 3] = TCP_OPT_TS_LEN;
		dg_wire_put_u32(th + TCP_HLEN + 4, g->tsval);
		dg_wire_put_u32(th + TCP_HLEN + 8, g->tsecr);
	}
	csum = dg_wire_csum_final(dg_wire_csum_add(
		dg_wire_csum_pseudo(g->src, g->dst, g->alen, PROTO_TCP, (uint32_t)(hl + plen)),
		th, hl + plen));
	memcpy(th + TCP_CSUM, &csum, sizeof(csum));
}

/* Arguments every forge needs, and a flow that belongs to the segment. */
static int
check(const struct dg_tcp_flow *f, const uint8_t *client_frame, const struct dg_pkt *p,
      const struct dg_tcp_seg *s, const uint8_t *out, const size_t *out_len)
{
	if (f == NULL || client_frame == NULL || p == NULL || s == NULL || out == NULL ||
	    out_len == NULL)
		return -EINVAL;
	if (p->l4_proto != PROTO_TCP || p->ip_ver != f->key.family || p->l3_off < ETH_MACS ||
	    p->addr_len != (p->ip_ver == 4 ? 4 : 16) || p->src_port != f->key.cport ||
	    p->dst_port != f->key.sport)
		return -EINVAL;
	if (f->state == FLOW_FREE || f->state == FLOW_SYN_SENT)
		return -ENOTCONN;
	return 0;
}

int
dg_tcp_forge_answer(const struct dg_tcp_flow *f, const uint8_t *client_frame,
		    const struct dg_pkt *p, const struct dg_tcp_seg *s, const uint8_t *dns,
		    size_t dns_len, uint8_t *out, size_t room, size_t *out_len)
{
	uint8_t cli[16], srv[16];
	struct forge g;
	size_t iphl, l4_len, total;
	uint8_t *th;
	int rc;

	rc = check(f, client_frame, p, s, out, out_len);
	if (rc != 0)
		return rc;
	if (dns == NULL && dns_len > 0)
		return -EINVAL;
	/* Saved first: in place, the new headers overwrite the client's. */
	memcpy(cli, p->src_addr, p->addr_len);
	memcpy(srv, p->dst_addr, p->addr_len);
	g = (struct forge){
		.src = srv, .dst = cli, .alen = p->addr_len,
		.sport = p->dst_port, .dport = p->src_port,
		.seq = f->s_nxt, .ack = f->c_nxt,
		.flags = DG_TCP_F_FIN | DG_TCP_F_PSH | DG_TCP_F_ACK,
		.win = f->s_win,
		.ts = (f->flags & FF_TS) != 0,
		.tsval = f->s_tsval,
		.tsecr = s->has_ts ? s->tsval : f->c_tsval,
	};
	iphl = p->ip_ver == 4 ? IP4_HLEN : IP6_HLEN;
	if (dns_len > UINT16_MAX)
		return -EMSGSIZE;
	l4_len = tcp_hlen(&g) + DNS_PREFIX + dns_len;
	if ((p->ip_ver == 4 ? IP4_HLEN + l4_len : l4_len) > IP_MAX)
		return -EMSGSIZE;
	total = (size_t)p->l3_off + iphl + l4_len;
	if (total > room)
		return -ENOSPC;

	th = out + p->l3_off + iphl;
	if (dns_len > 0)
		memmove(th + tcp_hlen(&g) + DNS_PREFIX, dns, dns_len);
	dg_wire_put_u16(th + tcp_hlen(&g), (uint16_t)dns_len);
	put_l2(out, client_frame, p, true, iphl + l4_len);
	put_ip(out + p->l3_off, &g, l4_len);
	put_tcp(th, &g, DNS_PREFIX + dns_len);
	*out_len = total;
	return 0;
}

int
dg_tcp_forge_rst(const struct dg_tcp_flow *f, const uint8_t *client_frame,
		 const struct dg_pkt *p, const struct dg_tcp_seg *s, uint8_t *out, size_t room,
		 size_t *out_len)
{
	uint8_t cli[16], srv[16];
	struct forge g;
	size_t iphl, total;
	int rc;

	rc = check(f, client_frame, p, s, out, out_len);
	if (rc != 0)
		return rc;
	memcpy(cli, p->src_addr, p->addr_len);
	memcpy(srv, p->dst_addr, p->addr_len);
	g = (struct forge){
		.src = cli, .dst = srv, .alen = p->addr_len,
		.sport = p->src_port, .dport = p->dst_port,
		.seq = f->c_new, .ack = f->s_nxt,
		.flags = DG_TCP_F_RST | DG_TCP_F_ACK,
		.win = 0,
		.ts = (f->flags & FF_TS) != 0,
		.tsval = s->has_ts ? s->tsval : f->c_tsval,
		.tsecr = f->s_tsval,
	};
	iphl = p->ip_ver == 4 ? IP4_HLEN : IP6_HLEN;
	total = (size_t)p->l3_off + iphl + tcp_hlen(&g);
	if (total > room)
		return -ENOSPC;
	put_l2(out, client_frame, p, false, iphl + tcp_hlen(&g));
	put_ip(out + p->l3_off, &g, tcp_hlen(&g));
	put_tcp(out + p->l3_off + iphl, &g, 0);
	*out_len = total;
	return 0;
}

int
dg_tcp_forge_reset(const uint8_t *client_frame, const struct dg_pkt *p,
		   const struct dg_tcp_seg *s, enum dg_tcp_reset_to to, uint8_t *out, size_t room,
		   size_t *out_len)
{
	const bool syn = (s != NULL) && (s->flags & DG_TCP_F_SYN);
	uint8_t cli[16], srv[16];
	struct forge g;
	size_t iphl, total;
	uint32_t end;

	if (client_frame == NULL || p == NULL || s == NULL || out == NULL || out_len == NULL)
		return -EINVAL;
	if (p->l4_proto != PROTO_TCP || p->l3_off < ETH_MACS ||
	    p->addr_len != (p->ip_ver == 4 ? 4 : 16) || (p->ip_ver != 4 && p->ip_ver != 6))
		return -EINVAL;
	/* A RST is never answered; a SYN|ACK is the server's; a SYN reached no server. */
	if ((s->flags & DG_TCP_F_RST) || (syn && (s->flags & DG_TCP_F_ACK)) ||
	    (!syn && !(s->flags & DG_TCP_F_ACK)) || (syn && to == DG_TCP_RESET_SERVER))
		return -EINVAL;
	memcpy(cli, p->src_addr, p->addr_len);
	memcpy(srv, p->dst_addr, p->addr_len);
	end = s->seq + s->payload_len + (s->flags & DG_TCP_F_FIN ? 1 : 0);
	if (to == DG_TCP_RESET_CLIENT)
		g = (struct forge){ .src = srv, .dst = cli, .sport = p->dst_port,
				    .dport = p->src_port, .seq = syn ? 0 : s->ack,
				    .ack = syn ? s->seq + 1 : end };
	else
		g = (struct forge){ .src = cli, .dst = srv, .sport = p->src_port,
				    .dport = p->dst_port, .seq = s->seq, .ack = s->ack };
	g.alen = p->addr_len;
	g.flags = DG_TCP_F_RST | DG_TCP_F_ACK;
	iphl = p->ip_ver == 4 ? IP4_HLEN : IP6_HLEN;
	total = (size_t)p->l3_off + iphl + TCP_HLEN;
	if (total > room)
		return -ENOSPC;
	put_l2(out, client_frame, p, to == DG_TCP_RESET_CLIENT, iphl + TCP_HLEN);
	put_ip(out + p->l3_off, &g, TCP_HLEN);
	put_tcp(out + p->l3_off + iphl, &g, 0);
	*out_len = total;
	return 0;
}

/*
 * Server segment @p frame rewritten in place: its first @p keep payload bytes, then
 * [length][@p dns] with FIN|PSH added; or (@p rst) no payload, RST|ACK, window 0. The
 * server's other header fields stay; lengths and checksums are set again.
 */
static int
resp_rewrite(uint8_t *frame, const struct dg_pkt *p, const struct dg_tcp_seg *s, size_t keep,
	     const uint8_t *dns, size_t dns_len, bool rst, size_t room, size_t *out_len)
{
	size_t l4_len, ip_len, total, hl;
	uint8_t *th, *ip;
	uint64_t sum;
	uint16_t csum;

	if (frame == NULL || p == NULL || s == NULL || out_len == NULL ||
	    (dns == NULL && dns_len > 0))
		return -EINVAL;
	if (p->l4_proto != PROTO_TCP || p->addr_len != (p->ip_ver == 4 ? 4 : 16) ||
	    (p->ip_ver != 4 && p->ip_ver != 6) || keep > s->payload_len ||
	    s->payload_off != p->l4_off + s->hdr_len || p->l4_off < p->l3_off)
		return -EINVAL;
	if (dns_len > UINT16_MAX)
		return -EMSGSIZE;
	hl = s->hdr_len;
	l4_len = rst ? hl : hl + keep + DNS_PREFIX + dns_len;
	/* everything between the IP header's start and TCP (options, extension headers) */
	ip_len = (size_t)(p->l4_off - p->l3_off) + l4_len;
	if (ip_len - (p->ip_ver == 4 ? 0 : IP6_HLEN) > IP_MAX)
		return -EMSGSIZE;
	total = (size_t)p->l3_off + ip_len;
	if (total > room)
		return -ENOSPC;

	th = frame + p->l4_off;
	ip = frame + p->l3_off;
	if (rst) {
		th[TCP_FLAGS] = DG_TCP_F_RST | DG_TCP_F_ACK;
		dg_wire_put_u16(th + TCP_WIN, 0);
	} else {
		if (dns_len > 0)
			memmove(th + hl + keep + DNS_PREFIX, dns, dns_len);
		dg_wire_put_u16(th + hl + keep, (uint16_t)dns_len);
		th[TCP_FLAGS] = (uint8_t)((th[TCP_FLAGS] | DG_TCP_F_FIN | DG_TCP_F_PSH) &
					  ~DG_TCP_F_URG);
	}
	memset(th + TCP_CSUM, 0, 4); /* checksum, urgent pointer */
	if (p->ip_ver == 4) {
		const size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

		dg_wire_put_u16(ip + 2, (uint16_t)ip_len);
		memset(ip + 10, 0, 2);
		csum = dg_wire_csum_final(dg_wire_csum_add(0, ip, ihl));
		memcpy(ip + 10, &csum, sizeof(csum));
	} else {
		dg_wire_put_u16(ip + 4, (uint16_t)(ip_len - IP6_HLEN));
	}
	if (p->encap == DG_PKT_ENCAP_PPPOE)
		dg_wire_put_u16(frame + p->encap_off + PPPOE_LEN,
				(uint16_t)(PPP_PROTO_LEN + ip_len));
	sum = dg_wire_csum_pseudo(p->src_addr, p->dst_addr, p->addr_len, PROTO_TCP,
				  (uint32_t)l4_len);
	csum = dg_wire_csum_final(dg_wire_csum_add(sum, th, l4_len));
	memcpy(th + TCP_CSUM, &csum, sizeof(csum));
	*out_len = total;
	return 0;
}

int
dg_tcp_forge_resp_answer(uint8_t *frame, const struct dg_pkt *p, const struct dg_tcp_seg *s,
			 size_t keep, const uint8_t *dns, size_t dns_len, size_t room,
			 size_t *out_len)
{
	return resp_rewrite(frame, p, s, keep, dns, dns_len, false, room, out_len);
}

int
dg_tcp_forge_resp_reset(uint8_t *frame, const struct dg_pkt *p, const struct dg_tcp_seg *s,
			size_t room, size_t *out_len)
{
	return resp_rewrite(frame, p, s, 0, NULL, 0, true, room, out_len);
}

int
dg_tcp_forge_resp_rst(const struct dg_tcp_flow *f, const uint8_t *server_frame,
		      const struct dg_pkt *p, const struct dg_tcp_seg *s, uint8_t *out,
		      size_t room, size_t *out_len)
{
	struct forge g;
	size_t iphl, total;

	if (f == NULL || server_frame == NULL || p == NULL || s == NULL || out == NULL ||
	    out_len == NULL)
		return -EINVAL;
	if (p->l4_proto != PROTO_TCP || p->ip_ver != f->key.family || p->l3_off < ETH_MACS ||
	    p->addr_len != (p->ip_ver == 4 ? 4 : 16) || p->src_port != f->key.sport ||
	    p->dst_port != f->key.cport)
		return -EINVAL;
	if (f->state == FLOW_FREE || f->state == FLOW_SYN_SENT)
		return -ENOTCONN;
	g = (struct forge){
		.src = p->dst_addr, .dst = p->src_addr, .alen = p->addr_len,
		.sport = p->dst_port, .dport = p->src_port,
		.seq = f->c_nxt, .ack = s->seq + s->payload_len,
		.flags = DG_TCP_F_RST | DG_TCP_F_ACK,
		.win = 0,
		.ts = (f->flags & FF_TS) != 0,
		.tsval = f->c_tsval,
		.tsecr = s->has_ts ? s->tsval : f->s_tsval,
	};
	iphl = p->ip_ver == 4 ? IP4_HLEN : IP6_HLEN;
	total = (size_t)p->l3_off + iphl + tcp_hlen(&g);
	if (total > room)
		return -ENOSPC;
	put_l2(out, server_frame, p, true, iphl + tcp_hlen(&g));
	put_ip(out + p->l3_off, &g, tcp_hlen(&g));
	put_tcp(out + p->l3_off + iphl, &g, 0);
	*out_len = total;
	return 0;
}
