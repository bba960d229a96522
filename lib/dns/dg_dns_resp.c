/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS response walking, for response policy. The same order as the query parser: fixed
 * header checks first, then the question, then the records one by one, every length
 * checked against what is there. Compressed names are followed with two limits that
 * bound the work whatever the input: pointers only go backwards (no loop can form) and a
 * name holds at most DG_DNS_RESP_HOPS_MAX of them.
 */
#include <string.h>

#include "dg_dns.h"
#include "dg_dns_resp.h"
#include "dg_wire.h"

enum { RR_FIXED = 10 }; /* type, class, TTL, RDLENGTH */

static const char *const reason_names[DG_RESP__MAX] = {
	[DG_RESP_OK] = "ok",
	[DG_RESP_SHORT] = "short",
	[DG_RESP_NOT_RESPONSE] = "not_response",
	[DG_RESP_OPCODE] = "opcode",
	[DG_RESP_QDCOUNT] = "qdcount",
	[DG_RESP_QNAME_BAD] = "qname_bad",
	[DG_RESP_QUESTION_TRUNCATED] = "question_truncated",
	[DG_RESP_NAME_TRUNCATED] = "name_truncated",
	[DG_RESP_NAME_BAD_LABEL] = "name_bad_label",
	[DG_RESP_NAME_TOO_LONG] = "name_too_long",
	[DG_RESP_POINTER_BAD] = "pointer_bad",
	[DG_RESP_POINTER_HOPS] = "pointer_hops",
	[DG_RESP_RR_TRUNCATED] = "rr_truncated",
	[DG_RESP_RDATA_BAD] = "rdata_bad",
	[DG_RESP_TOO_MANY] = "too_many",
	[DG_RESP_EDNS_DUPLICATE] = "edns_duplicate",
};

const char *
dg_resp_reason_name(enum dg_resp_reason r)
{
	if ((unsigned int)r >= DG_RESP__MAX || reason_names[r] == NULL)
		return "unknown";
	return reason_names[r];
}

/*
 * Walk the name at @p off of @p msg (@p len bytes). *@p end: the offset just past the
 * name where it starts (after its first pointer, or its root label). @p buf (may be NULL):
 * receives the uncompressed wire name, *@p wlen its length. @p ptr_ok: compression
 * allowed (not in the question).
 */
static enum dg_resp_reason
walk_name(const uint8_t *msg, size_t len, size_t off, bool ptr_ok, size_t *end, uint8_t *buf,
	  size_t *wlen)
{
	size_t pos = off, n = 0;
	unsigned int hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t ll;

		if (pos >= len)
			return DG_RESP_NAME_TRUNCATED;
		ll = msg[pos];
		if ((ll & DG_NAME_LABEL_TYPE_MASK) == DG_NAME_LABEL_POINTER) {
			size_t target;

			if (!ptr_ok)
				return DG_RESP_QNAME_BAD;
			if (pos + 1 >= len)
				return DG_RESP_NAME_TRUNCATED;
			target = (size_t)(ll & 0x3f) << 8 | msg[pos + 1];
			if (target >= pos || target < DG_DNS_HDR_LEN)
				return DG_RESP_POINTER_BAD;
			if (++hops > DG_DNS_RESP_HOPS_MAX)
				return DG_RESP_POINTER_HOPS;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = target;
			continue;
		}
		if (ll & DG_NAME_LABEL_TYPE_MASK)
			return DG_RESP_NAME_BAD_LABEL;
		if (n + 1 + ll > DG_NAME_MAXLEN)
			return DG_RESP_NAME_TOO_LONG;
		if (ll >= len - pos) /* the label's bytes */
			return DG_RESP_NAME_TRUNCATED;
		if (buf != NULL)
			memcpy(buf + n, msg + pos, 1 + (size_t)ll);
		n += 1 + (size_t)ll;
		if (ll == 0)
			break;
		pos += 1 + (size_t)ll;
	}
	if (!jumped)
		*end = pos + 1;
	if (wlen != NULL)
		*wlen = n;
	return DG_RESP_OK;
}

/* The question read by the caller's walk: map a walk's defect to the question's. */
static enum dg_resp_reason
question_reason(enum dg_resp_reason r)
{
	return r == DG_RESP_OK ? r : DG_RESP_QNAME_BAD;
}

/* One record of the answer section: note what the policy reads. */
static enum dg_resp_reason
answer_rr(const uint8_t *msg, uint16_t type, uint16_t rclass, size_t rdata, size_t rdlen,
	  struct dg_dns_resp *out)
{
	size_t end;
	enum dg_resp_reason r;

	if (rclass != DG_DNS_CLASS_IN)
		return DG_RESP_OK;
	switch (type) {
	case DG_DNS_TYPE_A:
	case DG_DNS_TYPE_AAAA:
		if (rdlen != (type == DG_DNS_TYPE_A ? 4u : 16u))
			return DG_RESP_RDATA_BAD;
		if (out->n_addrs >= DG_DNS_RESP_ADDRS_MAX)
			return DG_RESP_TOO_MANY;
		out->addr_off[out->n_addrs] = (uint16_t)rdata;
		out->addr_len[out->n_addrs++] = (uint8_t)rdlen;
		return DG_RESP_OK;
	case DG_DNS_TYPE_CNAME:
	case DG_DNS_TYPE_DNAME:
		/* The target's own bytes end where the RDATA ends; its pointers go backwards. */
		r = walk_name(msg, rdata + rdlen, rdata, true, &end, NULL, NULL);
		if (r != DG_RESP_OK)
			return r;
		if (end != rdata + rdlen)
			return DG_RESP_RDATA_BAD;
		if (out->n_targets >= DG_DNS_RESP_TARGETS_MAX)
			return DG_RESP_TOO_MANY;
		out->target_off[out->n_targets] = (uint16_t)rdata;
		out->target_type[out->n_targets++] = type;
		return DG_RESP_OK;
	default:
		return DG_RESP_OK;
	}
}

enum { SEC_AN, SEC_NS, SEC_AR };

/* @p count records of section @p sec from *@p pos. */
static enum dg_resp_reason
section(const uint8_t *msg, size_t len, unsigned int sec, unsigned int count, size_t *pos,
	struct dg_dns_resp *out)
{
	/* Each record takes at least 11 bytes: the loop ends within len / 11 rounds. */
	for (unsigned int i = 0; i < count; i++) {
		size_t p, rdata, rdlen;
		uint16_t type, rclass;
		enum dg_resp_reason r;

		r = walk_name(msg, len, *pos, true, &p, NULL, NULL);
		if (r != DG_RESP_OK)
			return r;
		if (len - p < RR_FIXED)
			return DG_RESP_RR_TRUNCATED;
		type = dg_wire_get_u16(msg + p);
		rclass = dg_wire_get_u16(msg + p + 2);
		rdlen = dg_wire_get_u16(msg + p + 8);
		rdata = p + RR_FIXED;
		if (rdlen > len - rdata)
			return DG_RESP_RR_TRUNCATED;
		*pos = rdata + rdlen;
		if (sec == SEC_AN) {
			r = answer_rr(msg, type, rclass, rdata, rdlen, out);
			if (r != DG_RESP_OK)
				return r;
		} else if (sec == SEC_AR && type == DG_DNS_TYPE_OPT) {
			if (out->edns)
				return DG_RESP_EDNS_DUPLICATE;
			out->edns = 1;
			out->edns_flags = dg_wire_get_u16(msg + p + 6);
		}
	}
	return DG_RESP_OK;
}

enum dg_resp_reason
dg_dns_resp_parse(const uint8_t *msg, size_t len, struct dg_dns_resp *out)
{
	enum dg_resp_reason r;
	size_t pos;

	out->n_targets = 0;
	out->n_addrs = 0;
	out->edns = 0;
	out->edns_flags = 0;
	if (len < DG_DNS_HDR_LEN)
		return DG_RESP_SHORT;
	if (len > UINT16_MAX)
		len = UINT16_MAX; /* offsets are 16-bit; a datagram holds no more */
	out->id = dg_wire_get_u16(msg + DG_DNS_HDR_ID);
	out->flags = dg_wire_get_u16(msg + DG_DNS_HDR_FLAGS);
	if (!(out->flags & DG_DNS_FLAG_QR))
		return DG_RESP_NOT_RESPONSE;
	if (out->flags & DG_DNS_FLAG_OPCODE)
		return DG_RESP_OPCODE;
	if (dg_wire_get_u16(msg + DG_DNS_HDR_QDCOUNT) != 1)
		return DG_RESP_QDCOUNT;
	r = question_reason(walk_name(msg, len, DG_DNS_HDR_LEN, false, &pos, NULL, NULL));
	if (r != DG_RESP_OK)
		return r;
	if (len - pos < 4)
		return DG_RESP_QUESTION_TRUNCATED;
	out->qtype = dg_wire_get_u16(msg + pos);
	out->qclass = dg_wire_get_u16(msg + pos + 2);
	out->question_off = DG_DNS_HDR_LEN;
	out->question_len = (uint16_t)(pos + 4 - DG_DNS_HDR_LEN);
	pos += 4;
	r = section(msg, len, SEC_AN, dg_wire_get_u16(msg + DG_DNS_HDR_ANCOUNT), &pos, out);
	if (r == DG_RESP_OK)
		r = section(msg, len, SEC_NS, dg_wire_get_u16(msg + DG_DNS_HDR_NSCOUNT), &pos, out);
	if (r == DG_RESP_OK)
		r = section(msg, len, SEC_AR, dg_wire_get_u16(msg + DG_DNS_HDR_ARCOUNT), &pos, out);
	return r;
}

enum dg_resp_reason
dg_dns_resp_name(const uint8_t *msg, size_t len, size_t off, struct dg_name *n)
{
	uint8_t buf[DG_NAME_MAXLEN];
	enum dg_resp_reason r;
	size_t end, wlen;

	if (len > UINT16_MAX)
		len = UINT16_MAX;
	r = walk_name(msg, len, off, true, &end, buf, &wlen);
	if (r != DG_RESP_OK)
		return r;
	/* The walk's checks are the normaliser's, bar the label count (a name of 255 bytes
	 * holds at most 127 labels): it cannot fail, but say so if it does. */
	return dg_name_from_wire(n, buf, wlen, NULL) == 0 ? DG_RESP_OK : DG_RESP_NAME_TOO_LONG;
}
