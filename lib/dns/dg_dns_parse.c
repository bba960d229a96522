/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS query parsing, in Knot's order: fixed header checks first (cheap, and they reject
 * responses before any name is touched), then the question, then the additional
 * section record by record. Every length comes from the message and is checked against
 * what is really there; the loops are bounded by the message size.
 */
#include <errno.h>

#include "dg_dns.h"
#include "dg_wire.h"

/* dg_name_from_wire() says -ENOTSUP for both: find which label type stopped it. */
static enum dg_fwd_reason
qname_unsupported(const uint8_t *p, size_t avail)
{
	size_t pos = 0;

	while (pos < avail) {
		uint8_t ll = p[pos];

		if ((ll & DG_NAME_LABEL_TYPE_MASK) == DG_NAME_LABEL_POINTER)
			return DG_FWD_QNAME_POINTER;
		if (ll & DG_NAME_LABEL_TYPE_MASK)
			return DG_FWD_QNAME_BAD_LABEL;
		if (ll == 0)
			break;
		pos += 1 + (size_t)ll;
	}
	return DG_FWD_QNAME_BAD_LABEL;
}

static enum dg_fwd_reason
qname_error(int rc, const uint8_t *p, size_t avail)
{
	switch (rc) {
	case -EMSGSIZE:
		return DG_FWD_QNAME_TOO_LONG;
	case -ENOTSUP:
		return qname_unsupported(p, avail);
	default:
		return DG_FWD_QNAME_TRUNCATED;
	}
}

/*
 * Skip an owner name in the additional section (a TSIG owner may be compressed: a
 * pointer ends it). @return 0, -EBADMSG if cut short, -ENOTSUP for a bad label type
 * or a name over 255 bytes.
 */
static int
skip_name(struct dg_wire_ctx *c)
{
	size_t n = 0;

	for (;;) {
		uint8_t ll = dg_wire_read_u8(c);

		if (c->error)
			return -EBADMSG;
		if (ll == 0)
			return 0;
		if ((ll & DG_NAME_LABEL_TYPE_MASK) == DG_NAME_LABEL_POINTER) {
			dg_wire_skip(c, 1);
			return c->error ? -EBADMSG : 0;
		}
		if (ll & DG_NAME_LABEL_TYPE_MASK)
			return -ENOTSUP;
		n += 1 + (size_t)ll;
		if (n + 1 > DG_NAME_MAXLEN)
			return -ENOTSUP;
		dg_wire_skip(c, ll);
	}
}

/* OPT RDATA: a list of {code, length, data}; only COOKIE is looked into (RFC 7873 4). */
static enum dg_fwd_reason
parse_opt_options(const uint8_t *rdata, size_t rdlen, struct dg_pkt *out)
{
	struct dg_wire_ctx c = dg_wire_init(rdata, rdlen);

	while (dg_wire_avail(&c) > 0) {
		uint16_t code = dg_wire_read_u16(&c);
		uint16_t len = dg_wire_read_u16(&c);

		dg_wire_skip(&c, len);
		if (c.error)
			return DG_FWD_EDNS_BAD_OPTION;
		if (code == DG_DNS_EDNS_COOKIE) {
			/* Client cookie alone (8), or with a server cookie of 8..32 bytes. */
			if (len != 8 && (len < 16 || len > 40))
				return DG_FWD_EDNS_BAD_COOKIE;
			out->edns_cookie = 1;
		}
	}
	return DG_FWD_NONE;
}

static enum dg_fwd_reason
parse_additional(struct dg_wire_ctx *restrict c, struct dg_pkt *restrict out)
{
	uint16_t type, rclass, rdlen;
	const uint8_t *rdata;
	uint32_t ttl;
	bool root;
	int rc;

	if (dg_wire_avail(c) == 0)
		return DG_FWD_EDNS_MISSING;
	root = c->pos[0] == 0;
	rc = skip_name(c);
	if (rc == -ENOTSUP)
		return DG_FWD_DNS_ADDITIONAL;
	type = dg_wire_read_u16(c);
	rclass = dg_wire_read_u16(c);
	ttl = dg_wire_read_u32(c);
	rdlen = dg_wire_read_u16(c);
	rdata = c->pos;
	dg_wire_skip(c, rdlen);
	if (rc != 0 || c->error)
		return DG_FWD_EDNS_TRUNCATED;
	if (type == DG_DNS_TYPE_TSIG || type == DG_DNS_TYPE_SIG)
		return DG_FWD_DNS_SIGNED;
	if (type != DG_DNS_TYPE_OPT)
		return DG_FWD_DNS_ADDITIONAL;
	if (out->edns)
		return DG_FWD_EDNS_DUPLICATE;
	if (!root)
		return DG_FWD_EDNS_OWNER_NOT_ROOT;
	/* TTL of OPT: extended RCODE (8) | version (8) | flags (16). */
	if (((ttl >> 16) & 0xff) != 0)
		return DG_FWD_EDNS_BAD_VERSION;
	out->edns = 1;
	out->edns_udp_size = rclass;
	out->edns_flags = (uint16_t)ttl;
	return parse_opt_options(rdata, rdlen, out);
}

static inline bool
qtype_refused(uint16_t t)
{
	return t == 0 || t == DG_DNS_TYPE_OPT || t == DG_DNS_TYPE_TKEY ||
	       t == DG_DNS_TYPE_TSIG || t == DG_DNS_TYPE_IXFR || t == DG_DNS_TYPE_AXFR;
}

/*
 * The header checks of the usual query failed: record each defect in the order the
 * reasons are defined to be reported. @return false when the question cannot be read.
 */
static bool
header_defects(uint16_t flags, const uint8_t *m, struct dg_pkt *out, enum dg_fwd_reason *first)
{
	if (flags & DG_DNS_FLAG_QR) {
		dg_pkt_defect(out, first, DG_FWD_DNS_RESPONSE, DG_PKT_BLK_FORWARD);
		return false;
	}
	if (flags & DG_DNS_FLAG_OPCODE)
		dg_pkt_defect(out, first, DG_FWD_DNS_OPCODE, DG_PKT_BLK_DROP);
	if (flags & DG_DNS_FLAG_TC)
		dg_pkt_defect(out, first, DG_FWD_DNS_TC, DG_PKT_BLK_ANSWER);
	if (dg_wire_get_u16(m + DG_DNS_HDR_QDCOUNT) != 1) {
		dg_pkt_defect(out, first, DG_FWD_DNS_QDCOUNT, DG_PKT_BLK_FORWARD);
		return false;
	}
	/* Records before the additional section are not walked: the OPT is not looked for. */
	if (dg_wire_get_u16(m + DG_DNS_HDR_ANCOUNT) | dg_wire_get_u16(m + DG_DNS_HDR_NSCOUNT))
		dg_pkt_defect(out, first, DG_FWD_DNS_AN_NS_COUNT, DG_PKT_BLK_ANSWER_NO_OPT);
	return true;
}

/* What a blocked name gets for a defect of the additional section. */
static enum dg_pkt_blk
additional_blk(enum dg_fwd_reason r)
{
	switch (r) {
	case DG_FWD_DNS_SIGNED:
		return DG_PKT_BLK_DROP;
	case DG_FWD_DNS_ADDITIONAL:
		return DG_PKT_BLK_ANSWER;
	default: /* every OPT defect: answer without one */
		return DG_PKT_BLK_ANSWER_NO_OPT;
	}
}

/*
 * The usual additional section, read with direct loads: one OPT record, owner the root,
 * version 0, ending where the message ends. Anything else (and any bad byte) returns
 * false and goes through the cursor, which gives the reason; this path sets what the
 * cursor would.
 */
static inline bool
opt_fast(const uint8_t *m, size_t qend, size_t mlen, struct dg_pkt *out,
	 enum dg_fwd_reason *r)
{
	const uint8_t *o = m + qend;
	uint32_t ttl;
	uint16_t rdlen;

	if (mlen - qend < DG_DNS_OPT_RDATA || o[DG_DNS_OPT_OWNER] != 0 ||
	    dg_wire_get_u16(o + DG_DNS_OPT_TYPE) != DG_DNS_TYPE_OPT)
		return false;
	ttl = dg_wire_get_u32(o + DG_DNS_OPT_TTL);
	rdlen = dg_wire_get_u16(o + DG_DNS_OPT_RDLEN);
	if (((ttl >> 16) & 0xff) != 0 || qend + DG_DNS_OPT_RDATA + rdlen != mlen)
		return false;
	out->edns = 1;
	out->edns_udp_size = dg_wire_get_u16(o + DG_DNS_OPT_UDP_SIZE);
	out->edns_flags = (uint16_t)ttl;
	*r = rdlen == 0 ? DG_FWD_NONE : parse_opt_options(o + DG_DNS_OPT_RDATA, rdlen, out);
	return true;
}

/*
 * @p readable: bytes loadable from @p frame, at least to the end of the message.
 * Header and question are read with direct loads (every offset checked against mlen
 * first); the cursor is only set up for an additional section. @p fast: try opt_fast()
 * first (the appliance's path; the reference parsers leave it out so that tests and the
 * fuzzer compare the two). @p first: the defect the L2-L4 parse reported, if any.
 * Defects past the name are recorded and the parse goes on (dg_pkt_defect()).
 */
static inline __attribute__((always_inline)) enum dg_fwd_reason
dns_parse(const uint8_t *restrict frame, size_t readable, bool fast, enum dg_fwd_reason first,
	  struct dg_pkt *restrict out)
{
	const uint8_t *m = frame + out->dns_off;
	size_t mlen = out->dns_len, consumed = 0, qend;
	uint16_t flags, ar;
	struct dg_wire_ctx c;
	enum dg_fwd_reason r;
	bool an_ns = false;
	unsigned int i;
	int rc;

	if (mlen < DG_DNS_HDR_LEN)
		return dg_pkt_defect(out, &first, DG_FWD_DNS_SHORT, DG_PKT_BLK_FORWARD);
	out->id = dg_wire_get_u16(m + DG_DNS_HDR_ID);
	flags = dg_wire_get_u16(m + DG_DNS_HDR_FLAGS);
	out->flags = flags;
	/* one test for the usual query: QD 1, AN 0, NS 0 and none of QR, OPCODE, TC */
	if ((flags & (DG_DNS_FLAG_QR | DG_DNS_FLAG_OPCODE | DG_DNS_FLAG_TC)) ||
	    dg_wire_get_u16(m + DG_DNS_HDR_QDCOUNT) != 1 ||
	    (dg_wire_get_u16(m + DG_DNS_HDR_ANCOUNT) | dg_wire_get_u16(m + DG_DNS_HDR_NSCOUNT))) {
		if (!header_defects(flags, m, out, &first))
			return first;
		an_ns = (dg_wire_get_u16(m + DG_DNS_HDR_ANCOUNT) |
			 dg_wire_get_u16(m + DG_DNS_HDR_NSCOUNT)) != 0;
	}
	ar = dg_wire_get_u16(m + DG_DNS_HDR_ARCOUNT);

	rc = dg_name_from_wire_pad(&out->qname, m + DG_DNS_HDR_LEN, mlen - DG_DNS_HDR_LEN,
				   readable - out->dns_off - DG_DNS_HDR_LEN, &consumed);
	if (rc != 0)
		return dg_pkt_defect(out, &first,
				     qname_error(rc, m + DG_DNS_HDR_LEN, mlen - DG_DNS_HDR_LEN),
				     DG_PKT_BLK_FORWARD);
	qend = DG_DNS_HDR_LEN + consumed + 4;
	if (qend > mlen)
		return dg_pkt_defect(out, &first, DG_FWD_QUESTION_TRUNCATED, DG_PKT_BLK_FORWARD);
	out->qtype = dg_wire_get_u16(m + qend - 4);
	out->qclass = dg_wire_get_u16(m + qend - 2);
	out->question_off = (uint16_t)(out->dns_off + DG_DNS_HDR_LEN);
	out->question_len = (uint16_t)(consumed + 4);
	out->edns = 0;
	out->edns_cookie = 0;
	out->edns_udp_size = 0;
	out->edns_flags = 0;
	if (out->qclass != DG_DNS_CLASS_IN) {
		if (out->qclass == DG_DNS_CLASS_ANY)
			dg_pkt_defect(out, &first, DG_FWD_QCLASS_ANY, DG_PKT_BLK_ANSWER);
		else
			dg_pkt_defect(out, &first, DG_FWD_QCLASS_NOT_IN, DG_PKT_BLK_DROP);
	}
	if (qtype_refused(out->qtype))
		dg_pkt_defect(out, &first, DG_FWD_QTYPE_REFUSED, DG_PKT_BLK_DROP);

	if (ar == 0 || an_ns) {
		if (!an_ns && qend != mlen)
			dg_pkt_defect(out, &first, DG_FWD_DNS_TRAILING, DG_PKT_BLK_ANSWER);
		return first;
	}
	if (fast && ar == 1 && opt_fast(m, qend, mlen, out, &r)) {
		if (r != DG_FWD_NONE)
			dg_pkt_defect(out, &first, r, additional_blk(r));
		return first;
	}
	c = dg_wire_init(m, mlen);
	dg_wire_seek(&c, qend);
	/* Each record takes at least 11 bytes, so this ends within mlen / 11 rounds. */
	for (i = 0; i < ar; i++) {
		r = parse_additional(&c, out);
		if (r == DG_FWD_NONE)
			continue;
		dg_pkt_defect(out, &first, r, additional_blk(r));
		if (r == DG_FWD_EDNS_MISSING || r == DG_FWD_EDNS_TRUNCATED)
			return first; /* no record boundary to go on from */
	}
	if (dg_wire_avail(&c) != 0)
		dg_pkt_defect(out, &first, DG_FWD_DNS_TRAILING, DG_PKT_BLK_ANSWER);
	return first;
}

enum dg_fwd_reason
dg_dns_parse(const uint8_t *frame, struct dg_pkt *out)
{
	return dns_parse(frame, (size_t)out->dns_off + out->dns_len, false, DG_FWD_NONE, out);
}

enum dg_fwd_reason
dg_pkt_parse_buf(const uint8_t *frame, size_t len, size_t readable,
		 const struct dg_pkt_cfg *cfg, unsigned int hints, struct dg_pkt *out)
{
	enum dg_fwd_reason r = DG_FWD_NONE;

	if (!dg_wire_parse_l2l4_fast(frame, len, cfg, hints, out))
		r = dg_wire_parse_l2l4(frame, len, cfg, hints, out);
	if (out->blk == DG_PKT_BLK_FORWARD) /* the fast path forwards only to other ports */
		return r != DG_FWD_NONE ? r : DG_FWD_NOT_DNS_PORT;
	return dns_parse(frame, readable > len ? readable : len, true, r, out);
}

enum dg_fwd_reason
dg_pkt_parse_hint(const uint8_t *frame, size_t len, const struct dg_pkt_cfg *cfg,
		  unsigned int hints, struct dg_pkt *out)
{
	enum dg_fwd_reason r = dg_wire_parse_l2l4(frame, len, cfg, hints, out);

	return out->blk == DG_PKT_BLK_FORWARD ? r : dns_parse(frame, len, false, r, out);
}

enum dg_fwd_reason
dg_pkt_parse(const uint8_t *frame, size_t len, const struct dg_pkt_cfg *cfg,
	     struct dg_pkt *out)
{
	return dg_pkt_parse_hint(frame, len, cfg, 0, out);
}
