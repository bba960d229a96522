/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_PKT_H
#define DG_PKT_H

/**
 * @file
 * One frame as the worker sees it: where its layers are, and whether it is a DNS
 * query we may answer. The full parse (L2 to the DNS question and OPT) is
 * dg_pkt_parse() in lib/dns (dg_dns.h); this library does L2-L4
 * (dg_wire_parse_l2l4()) and owns the types and the reasons to forward.
 *
 * Every reason to forward a frame unchanged has its own id (enum dg_fwd_reason) and a
 * stable snake_case name for counters (dg_fwd_reason_name()).
 *
 * Fail open for traffic, fail closed for blocked names (DESIGN.md 2 and 5): a parser does
 * not stop at a defect a resolver would still answer through. It records the first
 * defect (the return value, for counters) and what a *blocked* name must get despite all
 * of them (dg_pkt.blk): an answer, an answer without OPT, a drop, or, when the name could
 * not be read the way a resolver reads it (or the resolver would never see the query),
 * forwarding unchanged.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "dg_name.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Why a frame is forwarded unchanged. DG_FWD_NONE means "an answerable query".
 * The first group is never returned by the parsers: callers set it (link type,
 * segmented mbuf, reflection guard, forge failure) so that all counters share one id
 * space. Values may be reordered between releases; the names are stable.
 */
enum dg_fwd_reason {
	DG_FWD_NONE = 0,           /**< answerable DNS query */
	/* set by callers */
	DG_FWD_NOT_ETHERNET,       /**< link type is not Ethernet */
	DG_FWD_MULTI_SEGMENT,      /**< frame longer than the worker's linear copy */
	DG_FWD_RATE_LIMITED,       /**< reflection guard refused an answer (a drop reason) */
	DG_FWD_ACTION_DROP,        /**< the entry's action is drop (a drop reason) */
	DG_FWD_ANSWER_NO_ROOM,     /**< no room in the buffer for the answer (a drop reason) */
	DG_FWD_TCP_NO_STATE,       /**< a blocked TCP message on a flow whose SYN-ACK was not
				    *   seen: no sequence number to answer with (a drop reason) */
	DG_FWD_FRAG_TIMEOUT,       /**< a fragment of a datagram incomplete when its time ran out */
	DG_FWD_FRAG_OVERFLOW,      /**< a fragment the reassembly table had no room for */
	DG_FWD_FRAG_OVERLAP,       /**< overlapping fragments, or a duplicate with other bytes
				    *   (a drop reason) */
	DG_FWD_FRAG_BAD,           /**< fragment lengths the receiving host rejects (a drop reason) */
	DG_FWD_FRAG_TOO_MANY,      /**< over DG_REASM_FRAGS_MAX fragments (a drop reason) */
	/* L2 */
	DG_FWD_L2_TRUNCATED,       /**< shorter than an Ethernet header / VLAN tag */
	DG_FWD_SRC_MAC_GROUP,      /**< source MAC has the group bit */
	DG_FWD_DST_MAC_GROUP,      /**< DNS query sent to a group MAC (our answer's source) */
	DG_FWD_VLAN_TOO_DEEP,      /**< more VLAN tags than cfg->vlan_max */
	DG_FWD_NOT_IP,             /**< ethertype is neither IPv4 nor IPv6 */
	DG_FWD_PPPOE_BAD,          /**< PPPoE session header malformed, or PPP not IP */
	DG_FWD_MPLS_TOO_DEEP,      /**< MPLS label stack over DG_PKT_MPLS_MAX or cut short */
	/* L3 */
	DG_FWD_IP_BAD_VERSION,     /**< version field disagrees with the ethertype */
	DG_FWD_IP4_TRUNCATED,      /**< frame ends inside the IPv4 header */
	DG_FWD_IP4_BAD_IHL,        /**< IHL < 5 */
	DG_FWD_IP4_BAD_LENGTH,     /**< total length < header or > frame */
	DG_FWD_IP4_BAD_CHECKSUM,   /**< header checksum wrong */
	DG_FWD_IP4_FRAGMENT,       /**< MF set or fragment offset != 0 */
	DG_FWD_IP4_SOURCE_ROUTE,   /**< LSRR/SSRR option */
	DG_FWD_IP4_BAD_OPTIONS,    /**< malformed option list */
	DG_FWD_IP6_TRUNCATED,      /**< frame ends inside the IPv6 header */
	DG_FWD_IP6_BAD_LENGTH,     /**< payload length > frame, or 0 (jumbogram) */
	DG_FWD_IP6_FRAGMENT,       /**< Fragment header */
	DG_FWD_IP6_ROUTING,        /**< Routing header */
	DG_FWD_IP6_ESP,            /**< ESP */
	DG_FWD_IP6_UNSUPPORTED_EXT, /**< AH, Mobility, HIP, Shim6, experimental headers */
	DG_FWD_IP6_BAD_EXT,        /**< truncated chain, misplaced Hop-by-Hop, too many */
	DG_FWD_IP_BAD_SOURCE,      /**< source unspecified/loopback/multicast/broadcast */
	DG_FWD_IP_BAD_DESTINATION, /**< destination unspecified/multicast/broadcast */
	/* L4 */
	DG_FWD_NOT_UDP,            /**< upper layer neither UDP nor TCP */
	DG_FWD_TCP_DNS,            /**< TCP to the DNS port (the stream tracker's) */
	DG_FWD_NOT_DNS_PORT,       /**< UDP/TCP to another port */
	DG_FWD_NOT_RESOLVER,       /**< cfg->dst_filter rejected the destination */
	DG_FWD_UDP_TRUNCATED,      /**< IP payload shorter than a UDP header */
	DG_FWD_UDP_BAD_LENGTH,     /**< UDP length < 8 or > IP payload */
	DG_FWD_UDP6_ZERO_CHECKSUM, /**< checksum 0 over IPv6 */
	DG_FWD_UDP_BAD_CHECKSUM,   /**< checksum wrong */
	DG_FWD_SRC_PORT_LOW,       /**< source port 0 or < cfg->min_src_port */
	DG_FWD_TCP_TRUNCATED,      /**< IP payload shorter than the TCP ports */
	/* DNS */
	DG_FWD_DNS_SHORT,          /**< fewer than 12 bytes */
	DG_FWD_DNS_RESPONSE,       /**< QR=1 */
	DG_FWD_DNS_OPCODE,         /**< opcode != QUERY */
	DG_FWD_DNS_TC,             /**< TC=1 in a query */
	DG_FWD_DNS_QDCOUNT,        /**< QDCOUNT != 1 */
	DG_FWD_DNS_AN_NS_COUNT,    /**< ANCOUNT or NSCOUNT != 0 */
	DG_FWD_QNAME_POINTER,      /**< compression pointer in the question (loops too) */
	DG_FWD_QNAME_BAD_LABEL,    /**< extended (0x40) or reserved (0x80) label type */
	DG_FWD_QNAME_TOO_LONG,     /**< name over 255 bytes */
	DG_FWD_QNAME_TRUNCATED,    /**< name runs past the message */
	DG_FWD_QUESTION_TRUNCATED, /**< no room for QTYPE/QCLASS */
	DG_FWD_QCLASS_NOT_IN,      /**< QCLASS neither IN nor ANY */
	DG_FWD_QCLASS_ANY,         /**< QCLASS ANY */
	DG_FWD_QTYPE_REFUSED,      /**< QTYPE 0, OPT, TKEY, TSIG, IXFR or AXFR */
	DG_FWD_EDNS_MISSING,       /**< ARCOUNT > 0 but the message ends */
	DG_FWD_EDNS_TRUNCATED,     /**< additional record cut short */
	DG_FWD_EDNS_DUPLICATE,     /**< two OPT records */
	DG_FWD_EDNS_OWNER_NOT_ROOT, /**< OPT owner is not the root */
	DG_FWD_EDNS_BAD_VERSION,   /**< EDNS version != 0 (resolver answers BADVERS) */
	DG_FWD_EDNS_BAD_OPTION,    /**< option length runs past the OPT RDATA */
	DG_FWD_EDNS_BAD_COOKIE,    /**< COOKIE option of a bad length (RFC 7873) */
	DG_FWD_DNS_SIGNED,         /**< TSIG or SIG(0) in the additional section */
	DG_FWD_DNS_ADDITIONAL,     /**< other record in the additional section */
	DG_FWD_DNS_TRAILING,       /**< bytes after the last record */
	DG_FWD__MAX
};

/**
 * What a query whose name is blocked gets, given every defect the parser saw (DESIGN.md 5).
 * Ordered: a frame's value is the largest any of its defects asks for.
 */
enum dg_pkt_blk {
	DG_PKT_BLK_ANSWER = 0,    /**< the normal forged answer (OPT as the query had it) */
	DG_PKT_BLK_ANSWER_NO_OPT, /**< an answer without OPT (the query's OPT is unusable) */
	DG_PKT_BLK_DROP,          /**< drop: an answer would be unsafe (dg_pkt.blk_reason) */
	DG_PKT_BLK_FORWARD,       /**< name not read, or never seen by a resolver: forward */
};

/** Encapsulation between the Ethernet/VLAN header and IP, kept in answers. */
enum dg_pkt_encap {
	DG_PKT_ENCAP_NONE = 0,
	DG_PKT_ENCAP_PPPOE,       /**< PPPoE session (0x8864), PPP IPv4/IPv6 */
	DG_PKT_ENCAP_MPLS,        /**< MPLS label stack (0x8847/0x8848), then IP */
};

enum {
	DG_PKT_MPLS_MAX = 8,      /**< labels followed in a stack */
	DG_PKT_VLAN_HARD_MAX = 8, /**< tags walked past cfg->vlan_max to read a query */
};

/** Stable snake_case id of @p r ("answerable" for DG_FWD_NONE), "unknown" if out of range. */
const char *dg_fwd_reason_name(enum dg_fwd_reason r);

struct dg_pkt;

/**
 * Destination filter: return nonzero when the frame's destination (p->ip_ver,
 * p->dst_addr, p->dst_port are set) is a resolver we filter for. Runs on the data path:
 * no allocation, no locks, no system calls.
 */
typedef int (*dg_pkt_dst_fn)(const struct dg_pkt *p, void *arg);

/** What the parser accepts. Start from DG_PKT_CFG_DEFAULT or dg_pkt_cfg_init(). */
struct dg_pkt_cfg {
	uint8_t vlan_max;       /**< VLAN tags allowed (802.1Q/QinQ), default 2 */
	uint16_t min_src_port;  /**< loop guard: lower source ports forwarded, default 1024 */
	uint16_t dns_port;      /**< destination port of DNS, default 53 */
	dg_pkt_dst_fn dst_filter; /**< NULL: any destination counts as a resolver */
	void *dst_filter_arg;
};

#define DG_PKT_CFG_DEFAULT { .vlan_max = 2, .min_src_port = 1024, .dns_port = 53, \
			     .dst_filter = NULL, .dst_filter_arg = NULL }

/** Fill @p cfg with the defaults. */
void dg_pkt_cfg_init(struct dg_pkt_cfg *cfg);

/** Checksum hints from the NIC (mbuf ol_flags): a verified-good checksum is not redone. */
enum dg_pkt_hint {
	DG_PKT_HINT_IP4_CSUM_GOOD = 1u << 0,
	DG_PKT_HINT_L4_CSUM_GOOD = 1u << 1,
};

/** EDNS header flag: DNSSEC OK. */
#define DG_PKT_EDNS_DO 0x8000u

/**
 * A parsed frame. Offsets are from the frame start; addresses point into the frame
 * (valid until it is rewritten). Fields past the layer where parsing stopped are
 * unspecified.
 */
struct dg_pkt {
	/* L2-L4 (dg_wire_parse_l2l4) */
	uint16_t l3_off;      /**< IP header (after the VLAN tags) */
	uint16_t l4_off;      /**< UDP/TCP header (after IPv4 options / IPv6 ext headers) */
	uint16_t ip_len;      /**< bytes of the IP packet (frame padding excluded) */
	uint16_t dns_off;     /**< DNS message (UDP payload) */
	uint16_t dns_len;     /**< DNS message bytes (UDP length - 8) */
	uint8_t vlan_n;       /**< VLAN tags between the MACs and l3 */
	uint8_t blk;          /**< enum dg_pkt_blk: what a blocked name gets */
	uint8_t blk_reason;   /**< with DG_PKT_BLK_DROP: the first defect asking for it */
	uint8_t encap;        /**< enum dg_pkt_encap */
	uint8_t transport;    /**< 0: a UDP datagram; 1: a message from a TCP stream */
	uint16_t encap_off;   /**< PPPoE header offset (encap PPPoE), else 0 */
	uint8_t ip_ver;       /**< 4 or 6 */
	uint8_t l4_proto;     /**< 17 (UDP) or 6 (TCP) */
	uint8_t addr_len;     /**< 4 or 16 */
	const uint8_t *src_addr; /**< source address in the frame (reflection guard key) */
	const uint8_t *dst_addr; /**< destination address in the frame */
	uint16_t src_port;    /**< host order */
	uint16_t dst_port;    /**< host order */
	/* DNS (dg_dns_parse) */
	uint16_t id;          /**< DNS ID, host order */
	uint16_t flags;       /**< DNS header flags word, host order */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t question_off; /**< raw question (qname as asked, QTYPE, QCLASS) */
	uint16_t question_len;
	uint8_t edns;         /**< the query had an OPT record */
	uint8_t edns_cookie;  /**< the OPT held a well-formed COOKIE */
	uint16_t edns_udp_size; /**< advertised payload size (0 without EDNS) */
	uint16_t edns_flags;  /**< OPT flags word (DG_PKT_EDNS_DO) */
	struct dg_name qname; /**< question name, lowercased, for the lookup */
};

/** dg_pkt.transport values. */
enum { DG_PKT_UDP = 0, DG_PKT_TCP = 1 };

/**
 * Largest DNS message the client accepts: over TCP 65535, over UDP its EDNS size
 * (RFC 6891 6.2.5: below 512 means 512). Callers that answer without OPT clear edns first.
 */
static inline size_t
dg_pkt_udp_max(const struct dg_pkt *p)
{
	if (p->transport == DG_PKT_TCP)
		return 65535;
	if (p->edns && p->edns_udp_size > 512)
		return p->edns_udp_size;
	return 512;
}

/** Per-source key for a reflection guard / rate limiter: family then address. */
struct dg_pkt_src_key {
	uint8_t family;   /**< 4 or 6 */
	uint8_t addr[16]; /**< IPv4 in the first 4 bytes, rest zero */
};

/**
 * Verify the UDP checksum of a frame that was parsed with DG_PKT_HINT_L4_CSUM_GOOD set
 * although the NIC did not check it: the parse's fast path needs the hint, so the decision
 * sums the datagram after it, once it holds a readable query.
 * @p readable: bytes loadable from @p frame (e.g. to the end of the mbuf's data room),
 * which lets short datagrams be summed in fixed blocks; a value below the datagram's end
 * is taken as its end.
 *
 * @return 1 if the checksum is right, or zero over IPv4 (not computed); 0 if it is wrong.
 */
int dg_wire_udp_csum_ok(const uint8_t *frame, size_t readable, const struct dg_pkt *p);

/**
 * Verify the IPv4 header checksum of a frame parsed with DG_PKT_HINT_IP4_CSUM_GOOD set
 * although the NIC did not check it (the same deferral as dg_wire_udp_csum_ok()).
 *
 * @return 1 if right or the frame is IPv6 (no header checksum), 0 if wrong.
 */
int dg_wire_ip4_csum_ok(const uint8_t *frame, const struct dg_pkt *p);

/**
 * Record defect @p r of a frame being parsed: the first one becomes the frame's reason
 * (*@p first), and p->blk the largest disposition any defect asks for. Parsers call it
 * for every defect, DG_PKT_BLK_FORWARD included (then they stop).
 * @return the frame's reason so far.
 */
static inline enum dg_fwd_reason
dg_pkt_defect(struct dg_pkt *p, enum dg_fwd_reason *first, enum dg_fwd_reason r,
	      enum dg_pkt_blk blk)
{
	if (*first == DG_FWD_NONE)
		*first = r;
	if (blk > p->blk) {
		if (blk == DG_PKT_BLK_DROP)
			p->blk_reason = (uint8_t)r;
		p->blk = (uint8_t)blk;
	}
	return *first;
}

/** Fill @p k from a parsed frame (after dg_wire_parse_l2l4() succeeded). */
static inline void
dg_pkt_src_key(const struct dg_pkt *p, struct dg_pkt_src_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = p->ip_ver;
	memcpy(k->addr, p->src_addr, p->addr_len);
}

/**
 * Parse Ethernet (VLAN tags, a PPPoE session or an MPLS label stack), IPv4 or IPv6 and
 * UDP/TCP, and decide whether the frame is a UDP datagram to a resolver's DNS port from a
 * source we may answer. Fills the L2-L4 part of @p out.
 *
 * Defects a resolver would still receive the query through (a group source MAC, more
 * VLAN tags than cfg->vlan_max, a bad source address, a low source port, ...) do not
 * stop the parse: they are recorded (dg_pkt_defect()) and the payload still goes to the
 * DNS parser when out->blk is not DG_PKT_BLK_FORWARD.
 *
 * @param frame  First byte of the Ethernet header; one contiguous buffer.
 * @param len    Bytes in the frame; nothing past it is read.
 * @param hints  DG_PKT_HINT_* from the NIC, or 0 to verify every checksum here.
 * @return DG_FWD_NONE for a clean UDP datagram to the DNS port, else the first defect
 *   (one of the L2, L3 and L4 groups of enum dg_fwd_reason). The DNS parser runs when
 *   out->blk != DG_PKT_BLK_FORWARD. Whatever the reason, out->l4_proto is 6 or 17 only
 *   when the L3 header was read; with DG_FWD_NOT_DNS_PORT the L3 fields and both ports
 *   are set (a network-side TCP segment from the DNS port is read that way).
 */
enum dg_fwd_reason dg_wire_parse_l2l4(const uint8_t *frame, size_t len,
				      const struct dg_pkt_cfg *cfg, unsigned int hints,
				      struct dg_pkt *out);

/**
 * dg_wire_parse_l2l4() for the common shapes only (Ethernet with at most one 802.1Q tag,
 * IPv4 without options or IPv6 without extension headers, UDP or TCP), and only with
 * both checksum hints set: fewer loads and branches for the miss path and for traffic
 * that is not DNS.
 *
 * @return true with @p out filled exactly as dg_wire_parse_l2l4() would fill it, for a
 *   frame whose verdict is known here: out->blk DG_PKT_BLK_ANSWER for UDP to the DNS port
 *   (dg_wire_parse_l2l4() returns DG_FWD_NONE), DG_PKT_BLK_FORWARD for UDP or TCP to
 *   another port (it returns DG_FWD_NOT_DNS_PORT); false for any other frame, with
 *   @p out partly written: then call dg_wire_parse_l2l4(), which gives the reason.
 */
bool dg_wire_parse_l2l4_fast(const uint8_t *frame, size_t len, const struct dg_pkt_cfg *cfg,
			     unsigned int hints, struct dg_pkt *out);

#ifdef __cplusplus
}
#endif

#endif /* DG_PKT_H */
