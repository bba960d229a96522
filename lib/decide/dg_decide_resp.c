/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response policy on network-side frames (docs/response-policy.md). Almost nothing on a
 * link is a DNS response, so a frame pays a few loads before any parse; a response is
 * read whole (dg_dns_resp_parse()) before anything is looked up, so a malformed one is
 * only counted and goes on byte for byte. A listed CNAME/DNAME target, or else an A/AAAA
 * address on the response-IP list, turns the response into the answer the entry
 * prescribes for the response's own question, built in place by the query path's forge:
 * same ID, question bytes and EDNS rules.
 */
#include <string.h>

#include "dg_decide.h"
#include "dg_wire.h"
#include "decide_pvt.h"

enum {
	ETH_HLEN = 14,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	IP4_HLEN = 20,
	IP6_HLEN = 40,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ICMP6 = 58,
	ETH_ALEN = 6,
};

/*
 * Could the frame be a UDP datagram from the DNS port? Plain IPv4 and IPv6 (one 802.1Q
 * tag at most) are answered from a few loads; other shapes (tag stacks, PPPoE, MPLS,
 * IPv6 extension headers) say maybe, and the parse decides.
 */
static inline bool
maybe_response(const uint8_t *f, size_t len, uint16_t port)
{
	size_t l3 = ETH_HLEN;
	uint16_t type;

	if (len < ETH_HLEN)
		return false;
	type = dg_wire_get_u16(f + 12);
	if (type == ETHERTYPE_VLAN && len >= ETH_HLEN + 4) {
		type = dg_wire_get_u16(f + 16);
		l3 += 4;
	}
	if (type == ETHERTYPE_IPV4) {
		size_t ihl;

		if (len < l3 + IP4_HLEN || f[l3 + 9] != PROTO_UDP)
			return false;
		ihl = (size_t)(f[l3] & 0x0f) * 4;
		return len >= l3 + ihl + 2 && dg_wire_get_u16(f + l3 + ihl) == port;
	}
	if (type == ETHERTYPE_IPV6) {
		if (len < l3 + IP6_HLEN + 2)
			return false;
		if (f[l3 + 6] == PROTO_UDP)
			return dg_wire_get_u16(f + l3 + IP6_HLEN) == port;
		return f[l3 + 6] != PROTO_TCP && f[l3 + 6] != PROTO_ICMP6;
	}
	/* tag stacks, PPPoE sessions, MPLS: the parser walks them */
	return type == ETHERTYPE_VLAN || type == 0x88a8 || type == 0x9100 || type == 0x8864 ||
	       type == 0x8847 || type == 0x8848;
}

/*
 * L2-L4 of a datagram from the DNS port: the query parser, told that the DNS port is
 * this datagram's destination port (no source port rule, no resolver filter). Checksums
 * are verified later, for listed responses only. @return false when it is not one.
 */
static bool
parse_l2l4(const struct dg_decide_cfg *cfg, const struct dg_frame *f, struct dg_pkt *p)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	struct dg_pkt_cfg pc = cfg->pkt;

	p->src_port = 0;
	dg_wire_parse_l2l4(f->data, f->len, &pc, both, p);
	if (p->l4_proto != PROTO_UDP || p->src_port != pc.dns_port)
		return false;
	pc.dns_port = p->dst_port;
	pc.min_src_port = 0;
	pc.dst_filter = NULL;
	dg_wire_parse_l2l4(f->data, f->len, &pc, both, p);
	return p->blk != DG_PKT_BLK_FORWARD;
}

/*
 * The response as the query its answer is forged for: ends swapped (the subscriber is
 * the source), the response's question, ID and flags (RD, CD and opcode are the
 * query's), OPT as the response had it (a resolver sends one only to a query that had
 * one, with DO echoed); the client's UDP limit is at least what it was about to accept.
 */
static void
as_query(const struct dg_pkt *p, const struct dg_dns_resp *rs, struct dg_pkt *q)
{
	*q = *p;
	q->src_addr = p->dst_addr;
	q->dst_addr = p->src_addr;
	q->src_port = p->dst_port;
	q->dst_port = p->src_port;
	q->id = rs->id;
	q->flags = rs->flags;
	q->qtype = rs->qtype;
	q->qclass = rs->qclass;
	q->question_off = (uint16_t)(p->dns_off + rs->question_off);
	q->question_len = rs->question_len;
	q->edns = rs->edns;
	q->edns_cookie = 0;
	q->edns_flags = rs->edns_flags;
	q->edns_udp_size = p->dns_len > 512 ? p->dns_len : 512;
	q->qname.len = (uint8_t)(rs->question_len - 4);
}

/* What matched a response: the entry, and the value for the hit record. */
struct resp_hit {
	struct dg_match m;     /* m.meta: the entry; m.ident_id (response-ip: 0, none) */
	enum dg_hit_trigger trigger;
	uint8_t family;        /* response-ip: 4 or 6 */
	uint8_t plen;          /* response-ip: the matching prefix's length */
	const uint8_t *addr;   /* response-ip: the address in the message */
	struct dg_name name;   /* cname: the target */
};

/* The first listed target in answer order that is not allowed, or false. */
static bool
listed_target(const struct dg_decide_policy *pol, const uint8_t *msg, size_t len,
	      const struct dg_dns_resp *rs, struct dg_name *name, struct dg_match *m)
{
	for (unsigned int i = 0; i < rs->n_targets; i++) {
		if (dg_dns_resp_name(msg, len, rs->target_off[i], name) != DG_RESP_OK)
			continue; /* the parse vouched for it: not reached */
		if (dg_filter_lookup2(pol->filter, pol->delta, name, pol->today, m) != 0 &&
		    m->meta->action != DG_ACTION_ALLOW)
			return true;
	}
	return false;
}

/* The first listed address in answer order whose entry is not allow, or false. */
static bool
listed_address(const struct dg_decide_policy *pol, const uint8_t *msg,
	       const struct dg_dns_resp *rs, struct resp_hit *h)
{
	for (unsigned int i = 0; i < rs->n_addrs; i++) {
		const uint8_t fam = rs->addr_len[i] == 4 ? 4 : 6;
		const struct dg_entry_meta *e = dg_respip_lookup(pol->respip, fam,
								 msg + rs->addr_off[i], pol->today,
								 &h->plen);

		if (e != NULL && e->action != DG_ACTION_ALLOW) {
			memset(&h->m, 0, sizeof(h->m));
			h->m.meta = e;
			h->trigger = DG_HIT_TRIGGER_RESPONSE_IP;
			h->family = fam;
			h->addr = msg + rs->addr_off[i];
			return true;
		}
	}
	return false;
}

/* An allow entry on the question name shields its whole response. */
static bool
question_allowed(const struct dg_decide_policy *pol, const uint8_t *msg,
		 const struct dg_dns_resp *rs, struct dg_name *name)
{
	struct dg_match m;

	return dg_name_from_wire(name, msg + rs->question_off, rs->question_len - 4u, NULL) == 0 &&
	       dg_filter_lookup2(pol->filter, pol->delta, name, pol->today, &m) != 0 &&
	       m.meta->action == DG_ACTION_ALLOW;
}

/* A listed response's outcome: counters and its record (filled already, in @p r). */
static void
account(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	const struct dg_frame *f, const struct dg_pkt *q, const struct resp_hit *h,
	struct dg_hit_record *r, enum dg_action action, enum dg_fwd_reason reason,
	unsigned int flags, size_t ans_len)
{
	struct dg_decide_counters *c = d->cnt;

	dg_decide_cnt_add(&c->resp_verdict[action], 1);
	dg_decide_cnt_add(&c->resp_trigger[h->trigger], 1);
	/* the response-IP list's identifiers are not the name list's (no index) */
	if (pol->ident_hits != NULL && h->trigger == DG_HIT_TRIGGER_CNAME)
		dg_decide_cnt_add(&pol->ident_hits[h->m.ident_id], 1);
	if (r == NULL)
		return;
	d->n_hits++;
	r->tsc = now;
	r->meta = h->m.meta;
	r->port = f->port;
	r->ans_len = (uint16_t)ans_len;
	r->action = (uint8_t)action;
	r->reason = (uint8_t)reason;
	r->flags = (uint8_t)(flags | hit_flags(q) |
			     (h->trigger == DG_HIT_TRIGGER_RESPONSE_IP && h->family == 6 ?
			      DG_HIT_F_MATCH6 : 0));
}

/*
 * Read response @p msg (@p p: its L2-L4 parse, dns_off/dns_len the message) and find what
 * lists it: false (counted) when it is malformed, not listed, shielded or for an
 * opted-out subscriber; else @p h, @p rs and @p q (the query the answer is for) are set.
 * Inlined: the UDP path keeps its locals in registers, as before the TCP path shared it.
 */
static inline __attribute__((always_inline)) bool
resp_listed(struct dg_decide *d, const struct dg_decide_policy *pol, const struct dg_pkt *p,
	    const uint8_t *msg, struct dg_dns_resp *rs, struct resp_hit *h, struct dg_pkt *q)
{
	struct dg_decide_counters *c = d->cnt;
	struct dg_name qname;
	enum dg_resp_reason rr;

	rr = dg_dns_resp_parse(msg, p->dns_len, rs);
	if (rr != DG_RESP_OK) {
		dg_decide_cnt_add(&c->resp_bad[rr], 1);
		return false;
	}
	dg_decide_cnt_add(&c->resp_inspected, 1);
	if (rs->n_targets != 0 && pol->filter != NULL &&
	    listed_target(pol, msg, p->dns_len, rs, &h->name, &h->m))
		h->trigger = DG_HIT_TRIGGER_CNAME;
	else if (rs->n_addrs == 0 || pol->respip == NULL || !listed_address(pol, msg, rs, h))
		return false;
	as_query(p, rs, q);
	if (opted_out(pol->optout, q)) {
		dg_decide_cnt_add(&c->resp_optout, 1);
		return false;
	}
	if (pol->filter != NULL && question_allowed(pol, msg, rs, &qname)) {
		dg_decide_cnt_add(&c->resp_verdict[DG_ACTION_ALLOW], 1);
		return false;
	}
	return true;
}

/* The hit record of a listed response, taken before an answer overwrites it. */
static struct dg_hit_record *
resp_record(struct dg_decide *d, const struct dg_frame *f, const struct dg_pkt *p,
	    const struct dg_pkt *q, const uint8_t *msg, const struct resp_hit *h)
{
	struct dg_hit_record *r = hit_slot(d);

	if (r == NULL)
		return NULL;
	hit_ends(r, f, q);
	r->qtype = q->qtype;
	r->msg_len = p->dns_len;
	r->edns_udp_size = q->edns_udp_size;
	r->qname_len = q->qname.len;
	memcpy(r->msg, msg, p->dns_len < DG_HIT_MSG_MAX ? p->dns_len : DG_HIT_MSG_MAX);
	r->trigger = (uint8_t)h->trigger;
	if (h->trigger == DG_HIT_TRIGGER_CNAME) {
		memcpy(r->match, h->name.wire, h->name.len);
	} else {
		r->match[0] = h->plen;
		memcpy(r->match + 1, h->addr, h->family == 4 ? 4 : 16);
	}
	return r;
}

/* log-only and drop: accounted here, true; an answer to build: false. */
static bool
resp_no_answer(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	       const struct dg_frame *f, const struct dg_pkt *q, const struct resp_hit *h,
	       struct dg_hit_record *r, enum dg_disp *disp)
{
	const enum dg_action action = h->m.meta->action;

	if (action == DG_ACTION_LOG_ONLY) {
		account(d, pol, now, f, q, h, r, action, DG_FWD_NONE, 0, 0);
		*disp = DG_DISP_FORWARD;
		return true;
	}
	if (action == DG_ACTION_DROP) {
		account(d, pol, now, f, q, h, r, action, DG_FWD_ACTION_DROP, 0, 0);
		*disp = DG_DISP_DROP;
		return true;
	}
	return false;
}

static enum dg_disp
decide_response(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		struct dg_frame *f)
{
	struct dg_decide_counters *c = d->cnt;
	struct dg_hit_record *r;
	struct dg_answer_ovr ovr;
	struct resp_hit h;
	struct dg_dns_resp rs;
	uint8_t mac[ETH_ALEN];
	enum dg_action action;
	struct dg_pkt p, q;
	size_t out_len, dns_off;
	enum dg_disp disp;
	bool tc;

	if (!parse_l2l4(d->cfg, f, &p))
		return DG_DISP_FORWARD;
	if (!resp_listed(d, pol, &p, f->data + p.dns_off, &rs, &h, &q))
		return DG_DISP_FORWARD;
	if (bad_checksum(f, &p) != DG_FWD_NONE) {
		dg_decide_cnt_add(&c->resp_fwd_bad_sum, 1);
		return DG_DISP_FORWARD;
	}
	r = resp_record(d, f, &p, &q, f->data + p.dns_off, &h);
	if (resp_no_answer(d, pol, now, f, &q, &h, r, &disp))
		return disp;
	action = h.m.meta->action;
	overrides(d->cfg, h.m.meta, &ovr);
	if (dg_dns_forge_ovr(f->data, f->room, &q, answer_kind(action), &d->cfg->answer, &ovr,
			     &out_len) != 0) {
		/* fail closed: a listed target never reaches the subscriber */
		account(d, pol, now, f, &q, &h, r, DG_ACTION_DROP, DG_FWD_ANSWER_NO_ROOM, 0, 0);
		return DG_DISP_DROP;
	}
	/* The forge answers back to the sender: the answer goes on, so the MACs go back. */
	memcpy(mac, f->data, ETH_ALEN);
	memcpy(f->data, f->data + ETH_ALEN, ETH_ALEN);
	memcpy(f->data + ETH_ALEN, mac, ETH_ALEN);
	dns_off = (size_t)q.l3_off + (q.ip_ver == 4 ? IP4_HLEN : IP6_HLEN) + 8;
	tc = (f->data[dns_off + DG_DNS_HDR_FLAGS] & (DG_DNS_FLAG_TC >> 8)) != 0;
	f->len = (uint32_t)out_len;
	dg_decide_cnt_add(&c->resp_rewritten, 1);
	account(d, pol, now, f, &q, &h, r, action, DG_FWD_NONE, tc ? DG_HIT_F_TC : 0,
		out_len - dns_off);
	return DG_DISP_REWRITE;
}

enum dg_disp
dg_decide_resp_msg(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		   const struct dg_frame *f, const struct dg_pkt *seg, const uint8_t *msg,
		   uint16_t len, uint8_t *ans, size_t room, size_t *ans_len)
{
	struct dg_hit_record *r;
	struct dg_answer_ovr ovr;
	struct resp_hit h;
	struct dg_dns_resp rs;
	enum dg_action action;
	struct dg_pkt p, q;
	enum dg_disp disp;

	*ans_len = 0;
	if (!d->cfg->responses || msg < f->data || msg + len > f->data + f->len)
		return DG_DISP_FORWARD;
	p = *seg;
	p.transport = DG_PKT_TCP;
	p.dns_off = (uint16_t)(msg - f->data);
	p.dns_len = len;
	if (!resp_listed(d, pol, &p, msg, &rs, &h, &q))
		return DG_DISP_FORWARD;
	r = resp_record(d, f, &p, &q, msg, &h);
	if (resp_no_answer(d, pol, now, f, &q, &h, r, &disp))
		return disp;
	action = h.m.meta->action;
	overrides(d->cfg, h.m.meta, &ovr);
	if (dg_dns_forge_msg(f->data, &q, answer_kind(action), &d->cfg->answer, &ovr, ans, room,
			     ans_len) != 0) {
		*ans_len = 0;
		account(d, pol, now, f, &q, &h, r, DG_ACTION_DROP, DG_FWD_ANSWER_NO_ROOM, 0, 0);
		return DG_DISP_DROP;
	}
	dg_decide_cnt_add(&d->cnt->resp_rewritten, 1);
	account(d, pol, now, f, &q, &h, r, action, DG_FWD_NONE,
		(ans[DG_DNS_HDR_FLAGS] & (DG_DNS_FLAG_TC >> 8)) ? DG_HIT_F_TC : 0, *ans_len);
	return DG_DISP_REWRITE;
}

unsigned int
dg_decide_net_burst(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		    struct dg_frame *f, unsigned int n, uint8_t *disp)
{
	const uint16_t port = d->cfg->pkt.dns_port;
	unsigned int out = 0;

	d->n_hits = 0;
	for (unsigned int i = 0; i < n; i++) {
		disp[i] = DG_DISP_FORWARD;
		if (!d->cfg->responses || !maybe_response(f[i].data, f[i].len, port))
			continue;
		disp[i] = (uint8_t)decide_response(d, pol, now, &f[i]);
		out += disp[i] != DG_DISP_FORWARD;
	}
	return out;
}
