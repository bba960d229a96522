/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_DNS_H
#define DG_DNS_H

/**
 * @file
 * DNS queries in a frame: parse the header, question and OPT record (dg_pkt_parse()
 * runs the whole frame), and forge the answer in place (dg_dns_forge()).
 *
 * The appliance's decision around these (lookup, opt-out, reflection guard, what a
 * defective query gets) is lib/decide's dg_decide_*().
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_name.h"
#include "dg_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** DNS header field offsets (RFC 1035 4.1.1). */
enum dg_dns_hdr {
	DG_DNS_HDR_ID = 0,
	DG_DNS_HDR_FLAGS = 2,
	DG_DNS_HDR_QDCOUNT = 4,
	DG_DNS_HDR_ANCOUNT = 6,
	DG_DNS_HDR_NSCOUNT = 8,
	DG_DNS_HDR_ARCOUNT = 10,
	DG_DNS_HDR_LEN = 12,
};

/** Bits of the 16-bit flags word. */
enum dg_dns_flag {
	DG_DNS_FLAG_QR = 0x8000,
	DG_DNS_FLAG_OPCODE = 0x7800,
	DG_DNS_FLAG_AA = 0x0400,
	DG_DNS_FLAG_TC = 0x0200,
	DG_DNS_FLAG_RD = 0x0100,
	DG_DNS_FLAG_RA = 0x0080,
	DG_DNS_FLAG_Z = 0x0040,
	DG_DNS_FLAG_AD = 0x0020,
	DG_DNS_FLAG_CD = 0x0010,
	DG_DNS_FLAG_RCODE = 0x000f,
};

enum dg_dns_rcode {
	DG_DNS_RCODE_NOERROR = 0,
	DG_DNS_RCODE_NXDOMAIN = 3,
};

enum dg_dns_type {
	DG_DNS_TYPE_A = 1,
	DG_DNS_TYPE_SOA = 6,
	DG_DNS_TYPE_SIG = 24,
	DG_DNS_TYPE_AAAA = 28,
	DG_DNS_TYPE_OPT = 41,
	DG_DNS_TYPE_TKEY = 249,
	DG_DNS_TYPE_TSIG = 250,
	DG_DNS_TYPE_IXFR = 251,
	DG_DNS_TYPE_AXFR = 252,
	DG_DNS_TYPE_ANY = 255,
};

enum { DG_DNS_CLASS_IN = 1, DG_DNS_CLASS_ANY = 255 };

/** An OPT record with the root as owner (RFC 6891 6.1.2): offsets from its first byte. */
enum dg_dns_opt_rr {
	DG_DNS_OPT_OWNER = 0,    /**< the root: one zero byte */
	DG_DNS_OPT_TYPE = 1,
	DG_DNS_OPT_UDP_SIZE = 3, /**< CLASS: the requestor's UDP payload size */
	DG_DNS_OPT_TTL = 5,      /**< extended RCODE (8), version (8), flags (16) */
	DG_DNS_OPT_RDLEN = 9,
	DG_DNS_OPT_RDATA = 11,
};

/** EDNS option codes we read or write. */
enum dg_dns_edns_opt {
	DG_DNS_EDNS_COOKIE = 10, /**< RFC 7873 */
	DG_DNS_EDNS_EDE = 15,    /**< RFC 8914 Extended DNS Error */
};

/** Extended DNS Error info codes we send. */
enum dg_dns_ede {
	DG_DNS_EDE_BLOCKED = 15,
	DG_DNS_EDE_FILTERED = 17,
};

/**
 * Parse the DNS message at @p out->dns_off (@p out->dns_len bytes, as set by
 * dg_wire_parse_l2l4()) and decide whether it is a query we may answer: header,
 * question (qname normalised into @p out->qname) and the additional section (one OPT
 * at most, no signatures, nothing after it).
 *
 * @return DG_FWD_NONE, or a reason from the DNS group of enum dg_fwd_reason.
 */
enum dg_fwd_reason dg_dns_parse(const uint8_t *frame, struct dg_pkt *out);

/**
 * Parse a whole frame: dg_wire_parse_l2l4() then dg_dns_parse().
 *
 * @param frame  Ethernet frame, one contiguous buffer (one mbuf segment).
 * @param len    Its length; nothing past it is read.
 * @param cfg    Parser settings (DG_PKT_CFG_DEFAULT).
 * @param out    Filled as far as parsing got.
 * @return DG_FWD_NONE for an answerable query, else the reason to forward unchanged.
 */
enum dg_fwd_reason dg_pkt_parse(const uint8_t *frame, size_t len,
				const struct dg_pkt_cfg *cfg, struct dg_pkt *out);

/** As dg_pkt_parse(), with checksum hints (enum dg_pkt_hint) from the NIC. */
enum dg_fwd_reason dg_pkt_parse_hint(const uint8_t *frame, size_t len,
				     const struct dg_pkt_cfg *cfg, unsigned int hints,
				     struct dg_pkt *out);

/**
 * As dg_pkt_parse_hint(), for a frame at the start of a larger buffer (an mbuf's data
 * room): every check is still against @p len, but up to @p readable bytes from @p frame
 * may be loaded (fixed-size block copies of the qname). @p readable below @p len counts
 * as @p len. The appliance's path: it tries dg_wire_parse_l2l4_fast() first, and direct
 * loads for the usual additional section (one OPT record, nothing after it); the verdict
 * and every field are those of dg_pkt_parse_hint() (the unit suites and the fuzzer check
 * both on every input).
 */
enum dg_fwd_reason dg_pkt_parse_buf(const uint8_t *frame, size_t len, size_t readable,
				    const struct dg_pkt_cfg *cfg, unsigned int hints,
				    struct dg_pkt *out);

/** What to answer. */
enum dg_answer_kind {
	DG_ANSWER_SINKHOLE, /**< A/AAAA/ANY -> sinkhole address, other types (or none set) -> NODATA */
	DG_ANSWER_NXDOMAIN,
	DG_ANSWER_NODATA,
};

/** SOA placed in the authority section of NXDOMAIN / NODATA answers. */
struct dg_answer_soa {
	struct dg_name owner; /**< zone apex the SOA belongs to */
	struct dg_name mname;
	struct dg_name rname;
	uint32_t serial, refresh, retry, expire, minimum;
	uint32_t ttl;         /**< sent as min(ttl, minimum) (RFC 2308 3) */
};

/** Largest extra-text we put in an EDE option. */
#define DG_ANSWER_TEXT_MAX 255

/** Answer settings (per appliance). Start from dg_answer_cfg_init(). */
struct dg_answer_cfg {
	uint32_t ttl;            /**< answer TTL, default 300 */
	bool sinkhole4_set;
	uint8_t sinkhole4[4];
	bool sinkhole6_set;
	uint8_t sinkhole6[16];
	uint16_t edns_udp_size;  /**< payload size we advertise, default 1232 */
	bool ede;                /**< add Extended DNS Error when the query had EDNS */
	uint16_t ede_code;       /**< DG_DNS_EDE_BLOCKED or DG_DNS_EDE_FILTERED */
	const char *extra_text;  /**< EDE extra-text (UTF-8, <= 255 bytes) or NULL */
	const struct dg_answer_soa *soa; /**< authority for NXDOMAIN/NODATA, or NULL */
};

/** Per-answer overrides (per entry or category); NULL fields use the cfg's. */
struct dg_answer_ovr {
	const uint8_t *sinkhole4; /**< 4 bytes */
	const uint8_t *sinkhole6; /**< 16 bytes */
	const char *extra_text;   /**< e.g. the malware identifier */
	uint16_t ede_code;        /**< 0: cfg's */
};

/** Defaults: TTL 300, no sinkhole, EDNS size 1232, EDE 15 on, no text, no SOA. */
void dg_answer_cfg_init(struct dg_answer_cfg *cfg);

/**
 * Rewrite the query frame parsed into @p q into the forged answer, in place.
 *
 * Ethernet MACs swapped, VLAN tags, PPPoE session (length fixed up) or MPLS stack kept; a
 * fresh IPv4 (20 bytes, TTL 64, DF) or IPv6 (hop limit 64, no extension headers) header
 * with addresses swapped; UDP ports swapped and checksum computed; DNS header per
 * DESIGN.md 4, the question copied byte for byte (class IN or ANY), answer owner
 * compressed to the question; a fresh OPT (DO copied, EDE) only if q->edns is set (a
 * caller answering a query whose OPT is unusable clears it first). Padding after the
 * query's IP packet is not kept.
 * If the answer is larger than the client accepts (dg_pkt_udp_max()) or than @p room
 * allows, the EDE extra-text is dropped first, then every record: the answer then goes
 * with TC=1 and no answer or authority records, so the client retries over TCP.
 *
 * @param frame    The frame @p q was parsed from (its bytes are overwritten).
 * @param room     Writable bytes from @p frame (at least the parsed frame length).
 * @param q        Result of a parse whose name was read (dg_pkt.blk an answer).
 * @param kind     What to answer.
 * @param cfg      Answer settings.
 * @param out_len  Out: answer frame length.
 * @return 0, or
 *   - -EINVAL: @p q is not an answerable query, bad @p kind or EDE code,
 *   - -ENOSPC: not even the TC=1 form fits in @p room,
 *   - -EFAULT: internal size mismatch (a bug in this library, never input-driven).
 *   On error the frame is unchanged (except after -EFAULT).
 */
int dg_dns_forge(uint8_t *frame, size_t room, const struct dg_pkt *q,
		 enum dg_answer_kind kind, const struct dg_answer_cfg *cfg, size_t *out_len);

/** As dg_dns_forge(), with per-answer overrides @p ovr (may be NULL). Same errors. */
int dg_dns_forge_ovr(uint8_t *frame, size_t room, const struct dg_pkt *q,
		     enum dg_answer_kind kind, const struct dg_answer_cfg *cfg,
		     const struct dg_answer_ovr *ovr, size_t *out_len);

/**
 * The answer's DNS message alone, written to @p out (@p room bytes; it may overlap the
 * query's bytes in @p frame): for a message read from a TCP stream, which its caller
 * frames itself. Same content and size rules as dg_dns_forge_ovr(), the limit being
 * dg_pkt_udp_max() (65535 for q->transport DG_PKT_TCP) or @p room.
 *
 * @param frame  Buffer the query was parsed from (q->question_off is relative to it).
 * @return 0, or -EINVAL, -ENOSPC, -EFAULT as dg_dns_forge().
 */
int dg_dns_forge_msg(const uint8_t *frame, const struct dg_pkt *q, enum dg_answer_kind kind,
		     const struct dg_answer_cfg *cfg, const struct dg_answer_ovr *ovr,
		     uint8_t *out, size_t room, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* DG_DNS_H */
