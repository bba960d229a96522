/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One fragment's place in its datagram, read as the receiving host reads it (Linux:
 * net/ipv4/ip_fragment.c, net/ipv6/reassembly.c). The L2-L4 parser has already checked
 * the IP header and its lengths against the frame; this only finds the fragment fields.
 */
#include <errno.h>
#include <string.h>

#include "dg_reasm.h"
#include "dg_wire.h"

enum {
	IP4_HLEN = 20,
	IP4_FRAG = 6,
	IP4_PROTO = 9,
	IP4_SRC = 12,
	IP4_DST = 16,
	IP4_ID = 4,
	IP4_MF = 0x2000,
	IP4_OFFSET = 0x1fff,
	IP6_HLEN = 40,
	IP6_NEXT = 6,
	IP6_SRC = 8,
	IP6_DST = 24,
	IP6_EXT_MAX = 8,
	FRAG_HLEN = 8,
	FRAG_OFF = 2,
	FRAG_ID = 4,
	FRAG_M = 0x0001,
	FRAG_OFFSET = 0xfff8,
	PROTO_HOPOPT = 0,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ROUTING = 43,
	PROTO_FRAGMENT = 44,
	PROTO_AH = 51,
	PROTO_ICMP6 = 58,
	PROTO_DSTOPTS = 60,
	UDP_HLEN = 8,
	TCP_HLEN = 20,
	ICMP6_HLEN = 8,
	IP6_MAXPLEN = 65535,
	PPPOE_LEN = 4,
};

/*
 * The first fragment's upper-layer header, found the way Linux's ipv6_skip_exthdr() finds
 * it from @p off with Next Header @p nh: its protocol and offset. False when the chain
 * cannot be followed in the fragment (a header's first two bytes missing, a nested
 * Fragment header).
 */
static bool
upper_layer(const uint8_t *frame, uint32_t off, uint32_t end, uint8_t nh, uint8_t *proto,
	    uint32_t *l4)
{
	/* each header is at least 8 bytes long: the loop ends within the packet */
	while (nh == PROTO_HOPOPT || nh == PROTO_ROUTING || nh == PROTO_DSTOPTS ||
	       nh == PROTO_AH) {
		uint32_t hl;

		if (off > end || end - off < 2)
			return false;
		hl = nh == PROTO_AH ? ((uint32_t)frame[off + 1] + 2) * 4 :
				      ((uint32_t)frame[off + 1] + 1) * 8;
		nh = frame[off];
		off += hl;
	}
	if (nh == PROTO_FRAGMENT)
		return false;
	*proto = nh;
	*l4 = off;
	return true;
}

/*
 * A first fragment: does the host drop it on its own (RFC 8200 4.5, RFC 7112: it stops
 * before the end of its upper-layer header; Linux's ipv6_frag_thdr_truncated()), and may
 * its datagram be a DNS query we filter (UDP to the DNS port of a resolver we filter for;
 * left open when the ports are not in it)? @return -EINVAL if dropped, else 0.
 */
static int
first_fragment(const uint8_t *frame, const struct dg_pkt *p, const struct dg_pkt_cfg *cfg,
	       struct dg_reasm_frag *f)
{
	const uint32_t end = (uint32_t)p->l3_off + p->ip_len;
	uint32_t l4 = f->data, need;
	uint8_t proto = f->nh;
	struct dg_pkt q;

	if (f->ver == 6) {
		if (!upper_layer(frame, f->data, end, f->nh, &proto, &l4)) {
			f->maybe_dns = true;
			return 0;
		}
		need = proto == PROTO_TCP ? TCP_HLEN : proto == PROTO_UDP ? UDP_HLEN :
		       proto == PROTO_ICMP6 ? ICMP6_HLEN : 1;
		if (l4 > end || end - l4 < need)
			return -EINVAL;
	}
	if (proto != PROTO_UDP)
		return 0;
	if (l4 > end || end - l4 < 4) {
		f->maybe_dns = true;
		return 0;
	}
	q = *p;
	q.src_port = dg_wire_get_u16(frame + l4);
	q.dst_port = dg_wire_get_u16(frame + l4 + 2);
	f->maybe_dns = q.dst_port == cfg->dns_port &&
		       (cfg->dst_filter == NULL || cfg->dst_filter(&q, cfg->dst_filter_arg) != 0);
	return 0;
}

static int
parse_ip4(const uint8_t *frame, const struct dg_pkt *p, struct dg_reasm_frag *out)
{
	const uint8_t *h = frame + p->l3_off;
	unsigned int ihl = (h[0] & 0x0f) * 4u;
	uint16_t fo = dg_wire_get_u16(h + IP4_FRAG);

	if (ihl < IP4_HLEN || ihl > p->ip_len)
		return -EINVAL;
	if (h[IP4_PROTO] != PROTO_UDP)
		return -ENOTSUP;
	out->key.proto = PROTO_UDP;
	out->key.id = dg_wire_get_u16(h + IP4_ID);
	memcpy(out->key.src, h + IP4_SRC, 4);
	memcpy(out->key.dst, h + IP4_DST, 4);
	out->nh = PROTO_UDP;
	out->data = (uint16_t)(p->l3_off + ihl);
	out->hdr_len = out->data;
	out->off = (uint32_t)(fo & IP4_OFFSET) * 8;
	out->more = (fo & IP4_MF) != 0;
	out->end = out->off + p->ip_len - ihl;
	/* Linux cuts a non-last fragment to a multiple of 8 (ip_frag_queue()). */
	if (out->more)
		out->end &= ~7u;
	return 0;
}

static int
parse_ip6(const uint8_t *frame, const struct dg_pkt *p, struct dg_reasm_frag *out)
{
	const uint8_t *h = frame + p->l3_off;
	const uint32_t end = (uint32_t)p->l3_off + p->ip_len;
	uint32_t off = (uint32_t)p->l3_off + IP6_HLEN, payload;
	uint16_t nh_off = (uint16_t)(p->l3_off + IP6_NEXT), fo;
	uint8_t nh = h[IP6_NEXT];

	/* The parser walked these already; walk them again to find the Fragment header. */
	for (unsigned int n = 0; nh != PROTO_FRAGMENT; n++) {
		if ((nh != PROTO_HOPOPT && nh != PROTO_DSTOPTS) || n >= IP6_EXT_MAX ||
		    end - off < 2)
			return -EINVAL;
		nh_off = (uint16_t)off;
		nh = frame[off];
		off += ((uint32_t)frame[off + 1] + 1) * 8;
		if (off > end)
			return -EINVAL;
	}
	if (end - off < FRAG_HLEN)
		return -EINVAL;
	memcpy(out->key.src, h + IP6_SRC, 16);
	memcpy(out->key.dst, h + IP6_DST, 16);
	out->key.id = dg_wire_get_u32(frame + off + FRAG_ID);
	fo = dg_wire_get_u16(frame + off + FRAG_OFF);
	out->nh = frame[off];
	out->nh_off = nh_off;
	out->hdr_len = (uint16_t)off;
	out->data = (uint16_t)(off + FRAG_HLEN);
	out->off = fo & FRAG_OFFSET;
	out->more = (fo & FRAG_M) != 0;
	payload = end - out->data;
	out->end = out->off + payload;
	/* RFC 8200 4.5: the host drops these fragments on their own (ICMP Parameter Problem). */
	if ((out->more && (payload & 7) != 0) || out->end > IP6_MAXPLEN)
		return -EINVAL;
	return 0;
}

int
dg_reasm_parse(const uint8_t *frame, size_t len, const struct dg_pkt *p,
	       const struct dg_pkt_cfg *cfg, struct dg_reasm_frag *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((p->ip_ver != 4 && p->ip_ver != 6) || (size_t)p->l3_off + p->ip_len > len ||
	    p->ip_len < (p->ip_ver == 4 ? IP4_HLEN : IP6_HLEN))
		return -EINVAL;
	out->ver = p->ip_ver;
	out->key.family = p->ip_ver;
	out->l3_off = p->l3_off;
	if (p->encap == DG_PKT_ENCAP_PPPOE)
		out->pppoe_off = p->encap_off;
	rc = p->ip_ver == 4 ? parse_ip4(frame, p, out) : parse_ip6(frame, p, out);
	if (rc < 0 || out->off != 0)
		return rc;
	return first_fragment(frame, p, cfg, out);
}
