/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 of one frame: Ethernet + VLAN tags, IPv4 / IPv6 (+ extension headers), UDP/TCP.
 * Cheap rejections (not IP, not UDP, not the DNS port) come first so that the bulk of
 * non-DNS traffic costs a few loads; checksums are verified last, only for DNS.
 */
#include <stdbool.h>

#include "dg_pkt.h"
#include "dg_wire.h"

enum {
	ETH_HLEN = 14,
	ETH_DST = 0,
	ETH_SRC = 6,
	ETH_TYPE = 12,
	VLAN_TAG_LEN = 4,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86DD,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88A8,
	ETHERTYPE_QINQ_OLD = 0x9100,
	ETHERTYPE_PPPOE_SES = 0x8864,
	ETHERTYPE_MPLS = 0x8847,
	ETHERTYPE_MPLS_MC = 0x8848,
};

/* PPPoE session header (RFC 2516 4) and the PPP protocol field after it; MPLS (RFC 3032). */
enum {
	PPPOE_VER_TYPE = 0,
	PPPOE_CODE = 1,
	PPPOE_SESSION = 2,
	PPPOE_LEN = 4,      /* payload bytes: the PPP protocol field and the IP packet */
	PPPOE_HLEN = 6,
	PPPOE_V1T1 = 0x11,
	PPP_PROTO_LEN = 2,
	PPP_IPV4 = 0x0021,
	PPP_IPV6 = 0x0057,
	MPLS_LSE_LEN = 4,
	MPLS_BOS = 0x01,    /* bottom of stack, in the entry's third byte */
};

enum {
	IP4_HLEN = 20,
	IP4_VIHL = 0,
	IP4_TOTLEN = 2,
	IP4_FRAG = 6,
	IP4_PROTO = 9,
	IP4_SRC = 12,
	IP4_DST = 16,
	IP4_FRAG_MF = 0x2000,
	IP4_FRAG_OFFSET = 0x1fff,
	IP4_OPT_EOL = 0,
	IP4_OPT_NOP = 1,
	IP4_OPT_LSRR = 0x83,
	IP4_OPT_SSRR = 0x89,
};

enum {
	IP6_HLEN = 40,
	IP6_PLEN = 4,
	IP6_NEXT = 6,
	IP6_SRC = 8,
	IP6_DST = 24,
	IP6_EXT_MAX = 8, /* more than this many extension headers is abuse, not traffic */
};

enum {
	PROTO_HOPOPT = 0,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ROUTING = 43,
	PROTO_FRAGMENT = 44,
	PROTO_ESP = 50,
	PROTO_AH = 51,
	PROTO_DSTOPTS = 60,
	PROTO_MOBILITY = 135,
	PROTO_HIP = 139,
	PROTO_SHIM6 = 140,
	PROTO_EXP1 = 253,
	PROTO_EXP2 = 254,
};

enum { UDP_HLEN = 8, UDP_LEN = 4, UDP_CSUM = 6 };

void
dg_pkt_cfg_init(struct dg_pkt_cfg *cfg)
{
	const struct dg_pkt_cfg d = DG_PKT_CFG_DEFAULT;

	*cfg = d;
}

static inline bool
is_vlan(uint16_t t)
{
	return t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ_OLD;
}

/* 0/8, 127/8, 224/4 multicast, 240/4 reserved and the limited broadcast: nobody to answer. */
static inline bool
ip4_bad_addr(const uint8_t *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

/*
 * ff00::/8 multicast, and everything with the first 96 bits zero: ::, ::1 and the
 * deprecated IPv4-compatible form. IPv4-mapped ::ffff:0:0/96 never appears on the wire.
 */
static inline bool
ip6_bad_addr(const uint8_t *a)
{
	static const uint8_t mapped_tail[4] = { 0, 0, 0xff, 0xff }; /* bytes 8..11 */
	uint64_t head;
	uint32_t tail, mapped;

	/* word loads, not memcmp(): a call here costs the whole parser its registers */
	memcpy(&head, a, sizeof(head));
	memcpy(&tail, a + 8, sizeof(tail));
	memcpy(&mapped, mapped_tail, sizeof(mapped));
	return a[0] == 0xff || (head == 0 && (tail == 0 || tail == mapped));
}

/* The L3 fields of @p out for an IPv4 or IPv6 header at @p h, @p ip_len bytes in all. */
static inline void
set_l3(struct dg_pkt *restrict out, const uint8_t *h, unsigned int ver, unsigned int ip_len)
{
	out->ip_ver = (uint8_t)ver;
	out->addr_len = ver == 4 ? 4 : 16;
	out->ip_len = (uint16_t)ip_len;
	out->src_addr = h + (ver == 4 ? IP4_SRC : IP6_SRC);
	out->dst_addr = h + (ver == 4 ? IP4_DST : IP6_DST);
}

/* Does the IPv4 header at @p h (@p hlen bytes) carry a right checksum? */
static inline bool
ip4_csum_ok(const uint8_t *h, size_t hlen)
{
	return dg_wire_csum_fold(dg_wire_csum_add(0, h, hlen)) == 0xffff;
}

/*
 * Does the UDP datagram at @p udp (@p ulen bytes, @p readable >= ulen loadable) of packet
 * @p p carry a right checksum?
 */
static inline bool
udp_csum_ok(const uint8_t *udp, size_t ulen, size_t readable, const struct dg_pkt *p)
{
	uint64_t sum = dg_wire_csum_pseudo(p->src_addr, p->dst_addr, p->addr_len, PROTO_UDP,
					   (uint32_t)ulen);

	return dg_wire_csum_fold(dg_wire_csum_add_pad(sum, udp, ulen, readable)) == 0xffff;
}

/* IPv4 options: reject source routes (a reply would have to follow them) and junk. */
static enum dg_fwd_reason
ip4_options(const uint8_t *h, unsigned int hlen)
{
	unsigned int i = IP4_HLEN;

	while (i < hlen) {
		uint8_t t = h[i];
		unsigned int l;

		if (t == IP4_OPT_EOL)
			break;
		if (t == IP4_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			return DG_FWD_IP4_BAD_OPTIONS;
		l = h[i + 1];
		if (l < 2 || i + l > hlen)
			return DG_FWD_IP4_BAD_OPTIONS;
		if (t == IP4_OPT_LSRR || t == IP4_OPT_SSRR)
			return DG_FWD_IP4_SOURCE_ROUTE;
		i += l;
	}
	return DG_FWD_NONE;
}

/*
 * Hop-by-Hop / Destination options: only those a host may skip (action bits 00) or
 * padding. Anything the destination would act on (discard, ICMP, jumbo) is left to it.
 */
static bool
ip6_opts_ok(const uint8_t *o, unsigned int len)
{
	unsigned int i = 2;

	while (i < len) {
		uint8_t t = o[i];

		if (t == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + (unsigned int)o[i + 1] > len)
			return false;
		if (t != 1 && (t & 0xc0) != 0)
			return false;
		i += 2 + (unsigned int)o[i + 1];
	}
	return true;
}

static enum dg_fwd_reason
parse_ip6(const uint8_t *restrict frame, size_t len, struct dg_pkt *restrict out,
	  unsigned int *restrict l4, uint8_t *restrict proto)
{
	const uint8_t *h = frame + out->l3_off;
	unsigned int off, end, plen, n;
	uint8_t nh;

	if (len - out->l3_off < IP6_HLEN)
		return DG_FWD_IP6_TRUNCATED;
	if ((h[0] >> 4) != 6)
		return DG_FWD_IP_BAD_VERSION;
	plen = dg_wire_get_u16(h + IP6_PLEN);
	if (plen == 0 || plen > len - out->l3_off - IP6_HLEN)
		return DG_FWD_IP6_BAD_LENGTH;
	set_l3(out, h, 6, IP6_HLEN + plen);
	off = out->l3_off + IP6_HLEN;
	end = out->l3_off + IP6_HLEN + plen;
	nh = h[IP6_NEXT];
	for (n = 0;; n++) {
		unsigned int hl;

		switch (nh) {
		case PROTO_UDP:
		case PROTO_TCP:
			*l4 = off;
			*proto = nh;
			return DG_FWD_NONE;
		case PROTO_HOPOPT:
			if (n != 0) /* RFC 8200 4.1: only right after the IPv6 header */
				return DG_FWD_IP6_BAD_EXT;
			/* fall through */
		case PROTO_DSTOPTS:
			if (n >= IP6_EXT_MAX || end - off < 2)
				return DG_FWD_IP6_BAD_EXT;
			hl = ((unsigned int)frame[off + 1] + 1) * 8;
			if (hl > end - off || !ip6_opts_ok(frame + off, hl))
				return DG_FWD_IP6_BAD_EXT;
			nh = frame[off];
			off += hl;
			break;
		case PROTO_ROUTING:
			return DG_FWD_IP6_ROUTING;
		case PROTO_FRAGMENT:
			return DG_FWD_IP6_FRAGMENT;
		case PROTO_ESP:
			return DG_FWD_IP6_ESP;
		case PROTO_AH:
		case PROTO_MOBILITY:
		case PROTO_HIP:
		case PROTO_SHIM6:
		case PROTO_EXP1:
		case PROTO_EXP2:
			return DG_FWD_IP6_UNSUPPORTED_EXT;
		default:
			return DG_FWD_NOT_UDP;
		}
	}
}

/* Ports of a UDP or TCP header at @p l4: is it the DNS port of a resolver we filter for? */
static inline enum dg_fwd_reason
to_resolver(const uint8_t *restrict frame, size_t l4, const struct dg_pkt_cfg *restrict cfg,
	    struct dg_pkt *restrict out)
{
	out->src_port = dg_wire_get_u16(frame + l4);
	out->dst_port = dg_wire_get_u16(frame + l4 + 2);
	if (out->dst_port != cfg->dns_port)
		return DG_FWD_NOT_DNS_PORT;
	if (cfg->dst_filter != NULL && !cfg->dst_filter(out, cfg->dst_filter_arg))
		return DG_FWD_NOT_RESOLVER;
	return DG_FWD_NONE;
}

/*
 * Ethernet, VLAN tags, then a PPPoE session or an MPLS stack, up to the IP header: its
 * offset in *@p off and its ethertype in *@p type. *@p len shrinks to the end of a PPPoE
 * payload (bytes after it are padding). @return DG_FWD_NONE, or a reason that stops.
 */
static enum dg_fwd_reason
parse_l2(const uint8_t *restrict frame, size_t *restrict len, const struct dg_pkt_cfg *restrict cfg,
	 struct dg_pkt *restrict out, enum dg_fwd_reason *first, unsigned int *off_out,
	 uint16_t *type_out)
{
	unsigned int off = ETH_HLEN;
	uint16_t type = dg_wire_get_u16(frame + ETH_TYPE);

	while (is_vlan(type)) {
		if (out->vlan_n >= cfg->vlan_max)
			dg_pkt_defect(out, first, DG_FWD_VLAN_TOO_DEEP, DG_PKT_BLK_DROP);
		if (out->vlan_n >= DG_PKT_VLAN_HARD_MAX)
			return DG_FWD_VLAN_TOO_DEEP;
		if (*len - off < VLAN_TAG_LEN)
			return DG_FWD_L2_TRUNCATED;
		type = dg_wire_get_u16(frame + off + 2);
		off += VLAN_TAG_LEN;
		out->vlan_n++;
	}
	if (type == ETHERTYPE_PPPOE_SES) {
		const uint8_t *h = frame + off;
		unsigned int plen;
		uint16_t proto;

		if (*len - off < PPPOE_HLEN + PPP_PROTO_LEN)
			return DG_FWD_PPPOE_BAD;
		plen = dg_wire_get_u16(h + PPPOE_LEN);
		if (h[PPPOE_VER_TYPE] != PPPOE_V1T1 || h[PPPOE_CODE] != 0 ||
		    plen < PPP_PROTO_LEN || plen > *len - off - PPPOE_HLEN)
			return DG_FWD_PPPOE_BAD;
		proto = dg_wire_get_u16(h + PPPOE_HLEN);
		if (proto == PPP_IPV4)
			type = ETHERTYPE_IPV4;
		else if (proto == PPP_IPV6)
			type = ETHERTYPE_IPV6;
		else
			return DG_FWD_NOT_IP;
		out->encap = DG_PKT_ENCAP_PPPOE;
		out->encap_off = (uint16_t)off;
		*len = off + PPPOE_HLEN + plen;
		off += PPPOE_HLEN + PPP_PROTO_LEN;
	} else if (type == ETHERTYPE_MPLS || type == ETHERTYPE_MPLS_MC) {
		unsigned int n;

		for (n = 0;; n++) {
			if (n == DG_PKT_MPLS_MAX || *len - off < MPLS_LSE_LEN)
				return DG_FWD_MPLS_TOO_DEEP;
			off += MPLS_LSE_LEN;
			if (frame[off - MPLS_LSE_LEN + 2] & MPLS_BOS)
				break;
		}
		if (*len - off < 1)
			return DG_FWD_L2_TRUNCATED;
		/* No ethertype after the stack: the version nibble tells (a pseudowire's
		 * control word starts with 0). */
		type = (frame[off] >> 4) == 4 ? ETHERTYPE_IPV4 :
		       (frame[off] >> 4) == 6 ? ETHERTYPE_IPV6 : 0;
		if (type == 0)
			return DG_FWD_NOT_IP;
		out->encap = DG_PKT_ENCAP_MPLS;
	}
	*off_out = off;
	*type_out = type;
	return DG_FWD_NONE;
}

/*
 * Stop the parse at reason @p r: the name cannot be read here (or no resolver would see
 * it). Fragments and TCP to the DNS port are returned as such whatever came before: the
 * caller hands them to reassembly and the stream tracker, which parse them again.
 */
static inline enum dg_fwd_reason
stop(struct dg_pkt *out, enum dg_fwd_reason *first, enum dg_fwd_reason r)
{
	dg_pkt_defect(out, first, r, DG_PKT_BLK_FORWARD);
	if (r == DG_FWD_IP4_FRAGMENT || r == DG_FWD_IP6_FRAGMENT || r == DG_FWD_TCP_DNS)
		return r;
	return *first;
}

enum dg_fwd_reason
dg_wire_parse_l2l4(const uint8_t *restrict frame, size_t len, const struct dg_pkt_cfg *restrict cfg,
		   unsigned int hints, struct dg_pkt *restrict out)
{
	enum dg_fwd_reason first = DG_FWD_NONE, r;
	unsigned int off, l4 = 0, ulen, hlen = 0;
	uint16_t type, csum;
	uint8_t proto = 0;

	out->vlan_n = 0;
	out->l4_proto = 0;
	out->blk = DG_PKT_BLK_ANSWER;
	out->blk_reason = 0;
	out->encap = DG_PKT_ENCAP_NONE;
	out->transport = DG_PKT_UDP;
	out->encap_off = 0;
	/* Offsets are 16-bit; no IP packet needs more, padding beyond is ignored. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	if (len < ETH_HLEN)
		return stop(out, &first, DG_FWD_L2_TRUNCATED);
	if (frame[ETH_SRC] & 0x01)
		dg_pkt_defect(out, &first, DG_FWD_SRC_MAC_GROUP, DG_PKT_BLK_DROP);
	r = parse_l2(frame, &len, cfg, out, &first, &off, &type);
	if (r != DG_FWD_NONE)
		return stop(out, &first, r);
	out->l3_off = (uint16_t)off;

	if (type == ETHERTYPE_IPV4) {
		const uint8_t *h = frame + off;
		unsigned int tot;

		if (len - off < IP4_HLEN)
			return stop(out, &first, DG_FWD_IP4_TRUNCATED);
		if ((h[IP4_VIHL] >> 4) != 4)
			return stop(out, &first, DG_FWD_IP_BAD_VERSION);
		hlen = (h[IP4_VIHL] & 0x0f) * 4u;
		if (hlen < IP4_HLEN)
			return stop(out, &first, DG_FWD_IP4_BAD_IHL);
		tot = dg_wire_get_u16(h + IP4_TOTLEN);
		if (tot < hlen || tot > len - off)
			return stop(out, &first, DG_FWD_IP4_BAD_LENGTH);
		proto = h[IP4_PROTO];
		set_l3(out, h, 4, tot);
		if (dg_wire_get_u16(h + IP4_FRAG) & (IP4_FRAG_MF | IP4_FRAG_OFFSET))
			return stop(out, &first, DG_FWD_IP4_FRAGMENT);
		l4 = off + hlen;
	} else if (type == ETHERTYPE_IPV6) {
		r = parse_ip6(frame, len, out, &l4, &proto);
		if (r != DG_FWD_NONE)
			return stop(out, &first, r);
	} else {
		return stop(out, &first, DG_FWD_NOT_IP);
	}
	out->l4_off = (uint16_t)l4;
	out->l4_proto = proto;
	/* Bytes of L4 inside the IP packet (frame padding is not ours). */
	ulen = out->l3_off + out->ip_len - l4;

	if (proto == PROTO_TCP) {
		if (ulen < 4)
			return stop(out, &first, DG_FWD_TCP_TRUNCATED);
		r = to_resolver(frame, l4, cfg, out);
		return stop(out, &first, r != DG_FWD_NONE ? r : DG_FWD_TCP_DNS);
	}
	if (proto != PROTO_UDP)
		return stop(out, &first, DG_FWD_NOT_UDP);
	if (ulen < UDP_HLEN)
		return stop(out, &first, DG_FWD_UDP_TRUNCATED);
	r = to_resolver(frame, l4, cfg, out);
	if (r != DG_FWD_NONE)
		return stop(out, &first, r);

	/*
	 * A DNS datagram: now the checks that cost more than a load. What a resolver would
	 * still receive (group MACs, bad addresses, low ports) is recorded and the parse goes
	 * on to the name; what its host would drop (bad checksums, bad lengths) stops it.
	 * Our answer's source MAC is the query's destination: not a group address.
	 */
	if (frame[ETH_DST] & 0x01)
		dg_pkt_defect(out, &first, DG_FWD_DST_MAC_GROUP, DG_PKT_BLK_DROP);
	if (out->ip_ver == 4) {
		const uint8_t *h = frame + out->l3_off;
		/* from the frame, not through out->src_addr: no reload of a just-stored pointer */
		const bool bad_src = ip4_bad_addr(h + IP4_SRC), bad_dst = ip4_bad_addr(h + IP4_DST);

		if (!(hints & DG_PKT_HINT_IP4_CSUM_GOOD) && !ip4_csum_ok(h, hlen))
			return stop(out, &first, DG_FWD_IP4_BAD_CHECKSUM);
		if (hlen > IP4_HLEN) {
			r = ip4_options(h, hlen);
			if (r != DG_FWD_NONE)
				return stop(out, &first, r);
		}
		if (bad_src)
			dg_pkt_defect(out, &first, DG_FWD_IP_BAD_SOURCE, DG_PKT_BLK_DROP);
		if (bad_dst)
			dg_pkt_defect(out, &first, DG_FWD_IP_BAD_DESTINATION, DG_PKT_BLK_DROP);
	} else {
		if (ip6_bad_addr(out->src_addr))
			dg_pkt_defect(out, &first, DG_FWD_IP_BAD_SOURCE, DG_PKT_BLK_DROP);
		if (ip6_bad_addr(out->dst_addr))
			dg_pkt_defect(out, &first, DG_FWD_IP_BAD_DESTINATION, DG_PKT_BLK_DROP);
	}
	if (out->src_port == 0 || out->src_port < cfg->min_src_port)
		dg_pkt_defect(out, &first, DG_FWD_SRC_PORT_LOW, DG_PKT_BLK_DROP);

	{
		unsigned int udplen = dg_wire_get_u16(frame + l4 + UDP_LEN);

		if (udplen < UDP_HLEN || udplen > ulen)
			return stop(out, &first, DG_FWD_UDP_BAD_LENGTH);
		ulen = udplen;
	}
	memcpy(&csum, frame + l4 + UDP_CSUM, sizeof(csum));
	if (csum == 0) {
		/* RFC 8200 8.1: mandatory over IPv6; over IPv4 zero means "not computed". */
		if (out->ip_ver == 6)
			return stop(out, &first, DG_FWD_UDP6_ZERO_CHECKSUM);
	} else if (!(hints & DG_PKT_HINT_L4_CSUM_GOOD) &&
		   !udp_csum_ok(frame + l4, ulen, len - l4, out)) {
		return stop(out, &first, DG_FWD_UDP_BAD_CHECKSUM);
	}
	out->dns_off = (uint16_t)(l4 + UDP_HLEN);
	out->dns_len = (uint16_t)(ulen - UDP_HLEN);
	return first;
}

/*
 * The shape of nearly every frame: Ethernet with at most one 802.1Q tag, IPv4 without
 * options or IPv6 without extension headers, UDP or TCP, checksums vouched for by
 * @p hints. Decided here with a few loads and one branch per check: UDP to the DNS port
 * (out->blk DG_PKT_BLK_ANSWER), or UDP or TCP to another port (DG_PKT_BLK_FORWARD, the
 * full parser's DG_FWD_NOT_DNS_PORT: most of a link's traffic). For anything else, and
 * for anything the full parser would reject, false: the caller runs the full parser,
 * which alone gives reasons. On true, @p out is what dg_wire_parse_l2l4() sets.
 */
bool
dg_wire_parse_l2l4_fast(const uint8_t *restrict frame, size_t len,
			const struct dg_pkt_cfg *restrict cfg, unsigned int hints,
			struct dg_pkt *restrict out)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	unsigned int off = ETH_HLEN, l4, ulen, udplen;
	const uint8_t *h;
	uint16_t type, sport, dport;
	uint8_t proto;

	if ((hints & both) != both || cfg->dst_filter != NULL || len > UINT16_MAX ||
	    len < ETH_HLEN + VLAN_TAG_LEN + IP6_HLEN || ((frame[ETH_SRC] | frame[ETH_DST]) & 0x01))
		return false;
	type = dg_wire_get_u16(frame + ETH_TYPE);
	if (type == ETHERTYPE_VLAN) {
		if (cfg->vlan_max < 1)
			return false;
		type = dg_wire_get_u16(frame + ETH_HLEN + 2);
		off += VLAN_TAG_LEN;
	}
	h = frame + off;
	if (type == ETHERTYPE_IPV4) {
		unsigned int tot = dg_wire_get_u16(h + IP4_TOTLEN);

		if (h[IP4_VIHL] != 0x45 || tot < IP4_HLEN + UDP_HLEN || tot > len - off ||
		    (dg_wire_get_u16(h + IP4_FRAG) & (IP4_FRAG_MF | IP4_FRAG_OFFSET)))
			return false;
		proto = h[IP4_PROTO];
		l4 = off + IP4_HLEN;
		ulen = tot - IP4_HLEN;
	} else if (type == ETHERTYPE_IPV6) {
		/* len >= the minimum above covers the 40-byte header after one tag */
		if ((h[0] >> 4) != 6)
			return false;
		ulen = dg_wire_get_u16(h + IP6_PLEN);
		if (ulen < UDP_HLEN || ulen > len - off - IP6_HLEN)
			return false;
		proto = h[IP6_NEXT];
		l4 = off + IP6_HLEN;
	} else {
		return false;
	}
	sport = dg_wire_get_u16(frame + l4);
	dport = dg_wire_get_u16(frame + l4 + 2);
	if (proto == PROTO_UDP && dport == cfg->dns_port) {
		/* a query: what a resolver would drop or we would refuse is the full path's */
		if (type == ETHERTYPE_IPV4 ? ip4_bad_addr(h + IP4_SRC) || ip4_bad_addr(h + IP4_DST) :
		    ip6_bad_addr(h + IP6_SRC) || ip6_bad_addr(h + IP6_DST) ||
		    /* RFC 8200 8.1: a zero UDP checksum is an error over IPv6 */
		    (frame[l4 + UDP_CSUM] == 0 && frame[l4 + UDP_CSUM + 1] == 0))
			return false;
		udplen = dg_wire_get_u16(frame + l4 + UDP_LEN);
		if (sport == 0 || sport < cfg->min_src_port || udplen < UDP_HLEN || udplen > ulen)
			return false;
		out->blk = DG_PKT_BLK_ANSWER;
		out->dns_off = (uint16_t)(l4 + UDP_HLEN);
		out->dns_len = (uint16_t)(udplen - UDP_HLEN);
	} else if ((proto == PROTO_UDP || proto == PROTO_TCP) && dport != cfg->dns_port) {
		/* not to a resolver: forwarded, whatever its addresses or lengths */
		out->blk = DG_PKT_BLK_FORWARD;
	} else {
		return false; /* TCP to the DNS port (the stream tracker's), or not UDP/TCP */
	}
	set_l3(out, h, type == ETHERTYPE_IPV4 ? 4 : 6,
	       type == ETHERTYPE_IPV4 ? IP4_HLEN + ulen : IP6_HLEN + ulen);
	out->vlan_n = (uint8_t)(off != ETH_HLEN);
	out->blk_reason = 0;
	out->encap = DG_PKT_ENCAP_NONE;
	out->transport = DG_PKT_UDP;
	out->encap_off = 0;
	out->l3_off = (uint16_t)off;
	out->l4_off = (uint16_t)l4;
	out->l4_proto = proto;
	out->src_port = sport;
	out->dst_port = dport;
	return true;
}

int
dg_wire_udp_csum_ok(const uint8_t *frame, size_t readable, const struct dg_pkt *p)
{
	size_t ulen = (size_t)p->dns_len + UDP_HLEN;
	uint16_t csum;

	memcpy(&csum, frame + p->l4_off + UDP_CSUM, sizeof(csum));
	if (csum == 0)
		return p->ip_ver == 4;
	if (readable < (size_t)p->l4_off + ulen)
		readable = (size_t)p->l4_off + ulen;
	return udp_csum_ok(frame + p->l4_off, ulen, readable - p->l4_off, p);
}

int
dg_wire_ip4_csum_ok(const uint8_t *frame, const struct dg_pkt *p)
{
	const uint8_t *h = frame + p->l3_off;

	if (p->ip_ver != 4)
		return 1;
	return ip4_csum_ok(h, (size_t)(h[0] & 0x0f) * 4);
}
