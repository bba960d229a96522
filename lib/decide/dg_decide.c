/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The decision for subscriber-side frames (VPP's next/error pattern: every frame gets one
 * disposition and every reason one counter). The miss path is the product: a clean
 * query whose name is not listed costs a parse, a share of one bulk lookup and no counter
 * store of its own (misses are counted once a burst).
 */
#include <errno.h>
#include <string.h>

#include "dg_decide.h"
#include "dg_wire.h"
#include "decide_pvt.h"

void
dg_decide_counters_sum(struct dg_decide_counters *sum, const struct dg_decide_counters *c)
{
	unsigned int i;

	for (i = 0; i < DG_FWD__MAX; i++) {
		sum->fwd[i] += dg_decide_cnt_read(&c->fwd[i]);
		sum->drop[i] += dg_decide_cnt_read(&c->drop[i]);
	}
	for (i = 0; i < DG_ACTION_COUNT; i++)
		sum->verdict[i] += dg_decide_cnt_read(&c->verdict[i]);
	sum->queries += dg_decide_cnt_read(&c->queries);
	sum->optout += dg_decide_cnt_read(&c->optout);
	sum->answered += dg_decide_cnt_read(&c->answered);
	sum->truncated += dg_decide_cnt_read(&c->truncated);
	sum->log_lost += dg_decide_cnt_read(&c->log_lost);
	sum->sample_lost += dg_decide_cnt_read(&c->sample_lost);
	sum->reassembled += dg_decide_cnt_read(&c->reassembled);
	sum->quarantined += dg_decide_cnt_read(&c->quarantined);
	sum->quarantine_allowed += dg_decide_cnt_read(&c->quarantine_allowed);
	for (i = 0; i < DG_RESP__MAX; i++)
		sum->resp_bad[i] += dg_decide_cnt_read(&c->resp_bad[i]);
	for (i = 0; i < DG_HIT_TRIGGER_COUNT; i++)
		sum->resp_trigger[i] += dg_decide_cnt_read(&c->resp_trigger[i]);
	for (i = 0; i < DG_ACTION_COUNT; i++)
		sum->resp_verdict[i] += dg_decide_cnt_read(&c->resp_verdict[i]);
	sum->resp_inspected += dg_decide_cnt_read(&c->resp_inspected);
	sum->resp_optout += dg_decide_cnt_read(&c->resp_optout);
	sum->resp_fwd_bad_sum += dg_decide_cnt_read(&c->resp_fwd_bad_sum);
	sum->resp_rewritten += dg_decide_cnt_read(&c->resp_rewritten);
}

uint64_t
dg_decide_filtered(const struct dg_decide_counters *c)
{
	uint64_t n = 0;

	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
		if (a != DG_ACTION_ALLOW)
			n += c->verdict[a];
	return n;
}

/* Sampling is off on almost every appliance: a branch the predictor learns once. */
static inline bool
unlikely_sample(const struct dg_decide_cfg *cfg)
{
	return __builtin_expect(cfg->sample != 0, 0);
}

/* Is the source under quarantine? A policy without prefixes costs one branch. */
static inline bool
quarantined(const struct dg_decide_policy *pol, const struct dg_pkt *p)
{
	if (pol->quar_prefixes == NULL)
		return false;
	return p->ip_ver == 4 ? dg_optout_lookup_v4(pol->quar_prefixes, p->src_addr) :
				dg_optout_lookup_v6(pol->quar_prefixes, p->src_addr);
}

/* A verdict the lists keep under quarantine: a block (fail closed), not allow or log-only. */
static inline bool
blocks(const struct dg_entry_meta *m)
{
	return m != NULL && m->action != DG_ACTION_ALLOW && m->action != DG_ACTION_LOG_ONLY;
}

/* The entry is the quarantine policy's own: counted and logged apart from the lists. */
static inline bool
is_quarantine(const struct dg_decide_policy *pol, const struct dg_entry_meta *m)
{
	return dg_quarantine_is_meta(pol->quarantine, m);
}

static void
hit_frame(struct dg_hit_record *r, const struct dg_frame *f, const struct dg_pkt *p)
{
	hit_ends(r, f, p);
	r->qtype = p->qtype;
	r->msg_len = p->dns_len;
	r->edns_udp_size = p->edns_udp_size;
	r->qname_len = p->qname.len;
	memcpy(r->msg, f->data + p->dns_off,
	       p->dns_len < DG_HIT_MSG_MAX ? p->dns_len : DG_HIT_MSG_MAX);
}

/*
 * One benign query in cfg->sample becomes a sample record (dnstap). Called for misses
 * only when sampling is on: off, it costs the caller one predictable branch.
 */
static void
sample(struct dg_decide *d, uint64_t now, const struct dg_frame *f, const struct dg_pkt *p)
{
	struct dg_hit_record *r;

	if (d->sample_left > 1) {
		d->sample_left--;
		return;
	}
	d->sample_left = d->cfg->sample;
	if (d->samples == NULL || d->n_samples >= DG_DECIDE_BURST_MAX)
		return;
	r = &d->samples[d->n_samples++];
	hit_frame(r, f, p);
	r->tsc = now;
	r->meta = NULL;
	r->port = f->port;
	r->ans_len = 0;
	r->action = DG_ACTION_ALLOW; /* forwarded unchanged */
	r->reason = 0;
	r->flags = (uint8_t)(DG_HIT_F_SAMPLE | hit_flags(p));
}

/*
 * A listed query's outcome: its verdict (what was done: @p action), the identifier's hit,
 * a drop's @p reason, and one hit record. The frame parts of the record come from @p f,
 * unless @p staged: then hit_frame() filled the slot before an answer overwrote the
 * query. @p flags: DG_HIT_F_*; @p ans_len: the answer's DNS message bytes, 0 = none sent.
 * A canary entry's query (cfg->canary) is no filtering: it is counted apart, not in the
 * verdicts (whose sum is the published share) nor per identifier.
 */
static void
account(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	const struct dg_frame *f, const struct dg_pkt *p, const struct dg_entry_meta *meta,
	uint32_t ident_id, enum dg_action action, enum dg_fwd_reason reason, unsigned int flags,
	size_t ans_len, bool staged)
{
	struct dg_decide_counters *c = d->cnt;
	struct dg_hit_record *r;

	if (action == DG_ACTION_DROP)
		dg_decide_cnt_add(&c->drop[reason], 1);
	if (is_quarantine(pol, meta)) {
		dg_decide_cnt_add(&c->quarantined, 1);
	} else if (d->cfg->canary && dg_encdns_is_canary(meta)) {
		dg_encdns_cnt_add(d->ecnt, DG_ENCDNS_C_CANARY, 1);
	} else {
		dg_decide_cnt_add(&c->verdict[action], 1);
		if (pol->ident_hits != NULL)
			dg_decide_cnt_add(&pol->ident_hits[ident_id], 1);
	}
	r = hit_slot(d);
	if (r == NULL)
		return;
	d->n_hits++;
	if (!staged)
		hit_frame(r, f, p);
	r->tsc = now;
	r->meta = meta;
	r->port = f->port;
	r->ans_len = (uint16_t)ans_len;
	r->action = (uint8_t)action;
	r->reason = (uint8_t)reason;
	r->flags = (uint8_t)(flags | hit_flags(p));
	if (is_quarantine(pol, meta)) {
		/* the record's copy: an answer built in place has swapped the frame's */
		const struct dg_optout_prefix *qp =
			dg_optout_match(pol->quar_prefixes, r->family, r->src_addr);

		r->trigger = DG_HIT_TRIGGER_CLIENT_IP;
		r->match[0] = qp != NULL ? qp->len : 0;
		memcpy(r->match + 1, qp != NULL ? qp->addr : r->src_addr, r->family == 4 ? 4 : 16);
		if (r->family == 6)
			r->flags |= DG_HIT_F_MATCH6;
	}
}

static enum dg_disp decide_block(struct dg_decide *d, const struct dg_decide_policy *pol,
				 uint64_t now, const struct dg_frame *f, struct dg_pkt *p,
				 const struct dg_entry_meta *meta, uint32_t ident_id,
				 struct dg_decide_answer *a);

/* A query whose name was read and that matched an entry (@p m). */
static enum dg_disp
decide_listed(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	      const struct dg_frame *f, struct dg_pkt *p, enum dg_fwd_reason r,
	      const struct dg_match *m, struct dg_decide_answer *a)
{
	const struct dg_entry_meta *meta = m->meta;
	struct dg_decide_counters *c = d->cnt;
	enum dg_fwd_reason bad = bad_checksum(f, p);

	if (bad != DG_FWD_NONE) {
		dg_decide_cnt_add(&c->fwd[bad], 1);
		return DG_DISP_FORWARD;
	}
	if (meta->action == DG_ACTION_ALLOW) {
		dg_decide_cnt_add(&c->verdict[DG_ACTION_ALLOW], 1);
		if (r != DG_FWD_NONE)
			dg_decide_cnt_add(&c->fwd[r], 1);
		return DG_DISP_FORWARD;
	}
	if (meta->action == DG_ACTION_LOG_ONLY) {
		account(d, pol, now, f, p, meta, m->ident_id, DG_ACTION_LOG_ONLY, DG_FWD_NONE, 0, 0,
			false);
		if (r != DG_FWD_NONE)
			dg_decide_cnt_add(&c->fwd[r], 1);
		return DG_DISP_FORWARD;
	}
	return decide_block(d, pol, now, f, p, meta, m->ident_id, a);
}

/*
 * A blocked query (a list's block entry, or quarantine's own entry @p meta): answered, or
 * dropped where an answer would be unsafe. Never forwarded. Checksums were checked.
 */
static enum dg_disp
decide_block(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	     const struct dg_frame *f, struct dg_pkt *p, const struct dg_entry_meta *meta,
	     uint32_t ident_id, struct dg_decide_answer *a)
{
	if (p->blk == DG_PKT_BLK_DROP || meta->action == DG_ACTION_DROP) {
		account(d, pol, now, f, p, meta, ident_id, DG_ACTION_DROP,
			meta->action == DG_ACTION_DROP ? DG_FWD_ACTION_DROP :
							 (enum dg_fwd_reason)p->blk_reason, 0, 0, false);
		return DG_DISP_DROP;
	}
	/* A reflection guard for datagrams only: a TCP handshake proved the source. */
	if (p->transport == DG_PKT_UDP && d->guard != NULL &&
	    !dg_guard_allow(d->guard, p->src_addr, p->addr_len, now)) {
		account(d, pol, now, f, p, meta, ident_id, DG_ACTION_DROP,
			DG_FWD_RATE_LIMITED, 0, 0, false);
		return DG_DISP_DROP;
	}
	a->meta = meta;
	a->ident_id = ident_id;
	a->kind = answer_kind(meta->action);
	overrides(d->cfg, meta, &a->ovr);
	/* quarantine is policy, not a listed threat: EDE 17 Filtered (RFC 8914) */
	if (is_quarantine(pol, meta))
		a->ovr.ede_code = DG_DNS_EDE_FILTERED;
	/* The answer reads the query where it is; an unusable OPT is answered without one. */
	if (p->blk == DG_PKT_BLK_ANSWER_NO_OPT)
		p->edns = 0;
	a->q = p;
	return DG_DISP_ANSWER;
}

/*
 * A query of a quarantined subscriber whose name no list blocks (@p m: the lists' verdict,
 * or NULL). Types the policy does not answer and names on its allow list get the lists'
 * verdict (allow, log-only, or none); every other query gets the policy's answer, with the
 * rigour of a blocked name: a defective query is answered or dropped, never forwarded.
 */
static enum dg_disp
decide_quarantine(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		  const struct dg_frame *f, struct dg_pkt *p, enum dg_fwd_reason r,
		  const struct dg_match *m, struct dg_decide_answer *a)
{
	const struct dg_quarantine *q = pol->quarantine;
	struct dg_decide_counters *c = d->cnt;
	const struct dg_optout_prefix *qp;
	enum dg_fwd_reason bad;
	bool allowed = dg_quarantine_allowed(q, &p->qname);

	if (allowed || !dg_quarantine_wants_type(q, p->qtype)) {
		if (allowed)
			dg_decide_cnt_add(&c->quarantine_allowed, 1);
		if (m != NULL && m->meta != NULL)
			return decide_listed(d, pol, now, f, p, r, m, a);
		if (r != DG_FWD_NONE)
			dg_decide_cnt_add(&c->fwd[r], 1);
		return DG_DISP_FORWARD;
	}
	bad = bad_checksum(f, p);
	if (bad != DG_FWD_NONE) {
		dg_decide_cnt_add(&c->fwd[bad], 1);
		return DG_DISP_FORWARD;
	}
	/* the prefix's own action, if it has one */
	qp = dg_optout_match(pol->quar_prefixes, p->ip_ver, p->src_addr);
	return decide_block(d, pol, now, f, p, dg_quarantine_meta(q, qp != NULL ? qp->value : 0),
			    0, a);
}

static void
answer_done(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	    const struct dg_frame *f, const struct dg_decide_answer *a, size_t ans_len,
	    bool truncated, enum dg_fwd_reason reason, bool staged)
{
	if (ans_len == 0) {
		account(d, pol, now, f, a->q, a->meta, a->ident_id, DG_ACTION_DROP, reason, 0, 0,
			staged);
		return;
	}
	dg_decide_cnt_add(&d->cnt->answered, 1);
	if (truncated)
		dg_decide_cnt_add(&d->cnt->truncated, 1);
	account(d, pol, now, f, a->q, a->meta, a->ident_id, a->meta->action, DG_FWD_NONE,
		truncated ? DG_HIT_F_TC : 0, ans_len, staged);
}

void
dg_decide_answer_done(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		      const struct dg_frame *f, const struct dg_decide_answer *a, size_t ans_len,
		      bool truncated, enum dg_fwd_reason reason)
{
	answer_done(d, pol, now, f, a, ans_len, truncated, reason, false);
}

enum dg_disp
dg_decide_answer_udp(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		     struct dg_frame *f, const struct dg_decide_answer *a)
{
	const struct dg_pkt *q = a->q;
	struct dg_hit_record *r = hit_slot(d);
	size_t out_len, dns_off;
	bool tc;

	/* The answer overwrites the query: the record takes what it needs first. */
	if (r != NULL)
		hit_frame(r, f, q);
	if (dg_dns_forge_ovr(f->data, f->room, q, a->kind, &d->cfg->answer, &a->ovr,
			     &out_len) != 0) {
		answer_done(d, pol, now, f, a, 0, false, DG_FWD_ANSWER_NO_ROOM, r != NULL);
		return DG_DISP_DROP;
	}
	/* The answer's headers are fresh: no IP options, no extension headers. */
	dns_off = (size_t)q->l3_off + (q->ip_ver == 4 ? 20 : 40) + 8;
	tc = (f->data[dns_off + DG_DNS_HDR_FLAGS] & (DG_DNS_FLAG_TC >> 8)) != 0;
	f->len = (uint32_t)out_len;
	answer_done(d, pol, now, f, a, out_len - dns_off, tc, DG_FWD_NONE, r != NULL);
	return DG_DISP_ANSWER;
}

/*
 * A hit record for encrypted DNS (DG_HIT_F_ENCDNS): the SNI as the question's name (the
 * root without one), type 0, the listed endpoint as the entry; log-only when counted,
 * drop when refused.
 */
static void
encdns_hit(struct dg_decide *d, uint64_t now, const struct dg_frame *f,
	   const struct dg_pkt *p, const struct dg_encdns_match *m)
{
	struct dg_hit_record *r = hit_slot(d);
	int n;

	if (r == NULL || !d->cfg->encdns_log)
		return;
	d->n_hits++;
	hit_ends(r, f, p);
	r->tsc = now;
	r->meta = dg_encdns_hit_meta(m);
	r->qtype = 0;
	r->port = f->port;
	r->ans_len = 0;
	r->edns_udp_size = 0;
	r->action = (uint8_t)(m->verdict == DG_ENCDNS_PASS ? DG_ACTION_LOG_ONLY : DG_ACTION_DROP);
	r->reason = 0;
	r->flags = (uint8_t)(DG_HIT_F_ENCDNS | (p->l4_proto == 6 ? DG_HIT_F_TCP : 0));
	memset(r->msg, 0, DG_HIT_QNAME_OFF);
	n = m->tls == 0 ? dg_encdns_sni_wire(&m->hello, r->msg + DG_HIT_QNAME_OFF,
					      DG_HIT_MSG_MAX - DG_HIT_QNAME_OFF - 4) : -EINVAL;
	if (n < 0) {
		r->msg[DG_HIT_QNAME_OFF] = 0;
		n = 1;
	}
	memset(r->msg + DG_HIT_QNAME_OFF + n, 0, 4); /* type 0, class 0 */
	r->qname_len = (uint8_t)n;
	r->msg_len = (uint16_t)(DG_HIT_QNAME_OFF + n + 4);
}

/*
 * A frame dg_encdns_wants(): look at it; unless the client opted out, count it, log a
 * connection attempt or a reset, and say what becomes of it.
 */
static enum dg_disp
decide_encdns(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
	      const struct dg_frame *f, const struct dg_pkt *p)
{
	struct dg_encdns_match m;

	if (dg_encdns_inspect(d->cfg->encdns, f->data, f->len, p, f->hints, &m) == 0)
		return DG_DISP_FORWARD;
	if (opted_out(pol->optout, p)) {
		if (m.proto != DG_ENCDNS_NONE && !m.bad_checksum)
			dg_encdns_cnt_add(d->ecnt, DG_ENCDNS_C_OPTOUT, 1);
		return DG_DISP_FORWARD;
	}
	dg_encdns_count(d->ecnt, d->ep_hits, &m);
	/* a line per connection attempt or reset; not per datagram of a QUIC flow */
	if (m.proto != DG_ENCDNS_NONE && (m.attempt || m.verdict == DG_ENCDNS_RESET))
		encdns_hit(d, now, f, p, &m);
	return m.verdict == DG_ENCDNS_RESET ? DG_DISP_RESET :
	       m.verdict == DG_ENCDNS_DROP ? DG_DISP_DROP : DG_DISP_FORWARD;
}

int
dg_decide_reforge(const struct dg_decide_cfg *cfg, const struct dg_hit_record *r,
		  uint8_t *out, size_t room, size_t *len)
{
	size_t qend = (size_t)DG_HIT_QNAME_OFF + r->qname_len + 4;
	struct dg_answer_ovr ovr;
	struct dg_pkt q;
	int rc;

	if (r->ans_len == 0 || r->meta == NULL || (r->flags & DG_HIT_F_SAMPLE))
		return -ENOENT;
	if (qend > dg_hit_msg_kept(r))
		return -EBADMSG;
	if (room < r->ans_len)
		return -ENOSPC;
	memset(&q, 0, sizeof(q));
	q.ip_ver = r->family;
	q.transport = r->flags & DG_HIT_F_TCP ? DG_PKT_TCP : DG_PKT_UDP;
	q.id = dg_hit_id(r);
	q.flags = dg_wire_get_u16(r->msg + DG_DNS_HDR_FLAGS);
	q.qtype = r->qtype;
	q.qclass = dg_wire_get_u16(r->msg + qend - 2);
	q.question_off = DG_HIT_QNAME_OFF;
	q.question_len = (uint16_t)(qend - DG_HIT_QNAME_OFF);
	q.edns = (r->flags & DG_HIT_F_EDNS) != 0;
	q.edns_flags = r->flags & DG_HIT_F_DO ? DG_PKT_EDNS_DO : 0;
	q.edns_udp_size = r->edns_udp_size;
	overrides(cfg, r->meta, &ovr);
	if (r->trigger == DG_HIT_TRIGGER_CLIENT_IP)
		ovr.ede_code = DG_DNS_EDE_FILTERED;
	/* Room = what was sent: the forge drops what did not fit then, the same way. */
	rc = dg_dns_forge_msg(r->msg, &q, answer_kind(r->meta->action), &cfg->answer, &ovr, out,
			      r->ans_len, len);
	if (rc < 0)
		return rc == -ENOSPC ? -EPROTO : -EINVAL;
	return *len == r->ans_len ? 0 : -EPROTO;
}

enum dg_disp
dg_decide_query(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		const struct dg_frame *f, struct dg_pkt *p, enum dg_fwd_reason r,
		struct dg_decide_answer *a)
{
	struct dg_decide_counters *c = d->cnt;
	struct dg_match m;

	if (p->blk == DG_PKT_BLK_FORWARD) {
		dg_decide_cnt_add(&c->fwd[r], 1);
		return DG_DISP_FORWARD;
	}
	if (opted_out(pol->optout, p)) {
		dg_decide_cnt_add(&c->optout, 1);
		return DG_DISP_FORWARD;
	}
	dg_decide_cnt_add(&c->queries, 1);
	if (pol->filter == NULL ||
	    dg_filter_lookup2(pol->filter, pol->delta, &p->qname, pol->today, &m) == 0)
		m.meta = NULL;
	if (quarantined(pol, p) && !blocks(m.meta))
		return decide_quarantine(d, pol, now, f, p, r, &m, a);
	if (m.meta == NULL) {
		if (r != DG_FWD_NONE)
			dg_decide_cnt_add(&c->fwd[r], 1);
		if (unlikely_sample(d->cfg))
			sample(d, now, f, p);
		return DG_DISP_FORWARD;
	}
	return decide_listed(d, pol, now, f, p, r, &m, a);
}

unsigned int
dg_decide_burst(struct dg_decide *d, const struct dg_decide_policy *pol, uint64_t now,
		struct dg_frame *f, unsigned int n, struct dg_pkt *pk, uint8_t *disp)
{
	const struct dg_decide_cfg *cfg = d->cfg;
	struct dg_decide_counters *c = d->cnt;
	const struct dg_name *names[DG_DECIDE_BURST_MAX];
	struct dg_match match[DG_DECIDE_BURST_MAX];
	enum dg_fwd_reason reason[DG_DECIDE_BURST_MAX];
	uint8_t idx[DG_DECIDE_BURST_MAX];
	uint64_t quar = 0; /* bit i: frame i's source is quarantined */
	unsigned int i, j, k = 0, nq = 0, not_dns = 0, out = 0;

	d->n_hits = 0;
	d->n_samples = 0;
	for (i = 0; i < n; i++) {
		enum dg_fwd_reason r;

		disp[i] = DG_DISP_FORWARD;
		/* The parse's fast path needs both checksum hints: the sums come next. */
		r = dg_pkt_parse_buf(f[i].data, f[i].len, f[i].room, &cfg->pkt,
				     DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, &pk[i]);
		reason[i] = r;
		if (pk[i].blk == DG_PKT_BLK_FORWARD) {
			if (r == DG_FWD_IP4_FRAGMENT || r == DG_FWD_IP6_FRAGMENT) {
				disp[i] = DG_DISP_FRAGMENT;
				out++;
			} else if (r == DG_FWD_TCP_DNS) {
				disp[i] = DG_DISP_TCP;
				out++;
			} else if (r == DG_FWD_NOT_DNS_PORT && cfg->encdns != NULL &&
				   dg_encdns_wants(cfg->encdns, &pk[i]) &&
				   (disp[i] = (uint8_t)decide_encdns(d, pol, now, &f[i], &pk[i])) !=
					   DG_DISP_FORWARD) {
				out++;
			} else if (r == DG_FWD_NOT_DNS_PORT) {
				not_dns++; /* most of a link: counted once a burst, below */
			} else {
				dg_decide_cnt_add(&c->fwd[r], 1);
			}
			continue;
		}
		if (opted_out(pol->optout, &pk[i])) {
			dg_decide_cnt_add(&c->optout, 1);
			continue;
		}
		nq++;
		if (__builtin_expect(pol->quar_prefixes != NULL, 0) && quarantined(pol, &pk[i]))
			quar |= UINT64_C(1) << i;
		if (pol->filter == NULL) {
			if (quar >> i & 1) {
				struct dg_decide_answer a;
				enum dg_disp dp = decide_quarantine(d, pol, now, &f[i], &pk[i], r,
								    NULL, &a);

				if (dp == DG_DISP_ANSWER)
					dp = dg_decide_answer_udp(d, pol, now, &f[i], &a);
				disp[i] = (uint8_t)dp;
				out += dp != DG_DISP_FORWARD;
				continue;
			}
			if (r != DG_FWD_NONE)
				dg_decide_cnt_add(&c->fwd[r], 1);
			if (unlikely_sample(cfg))
				sample(d, now, &f[i], &pk[i]);
			continue;
		}
		names[k] = &pk[i].qname;
		idx[k++] = (uint8_t)i;
	}
	/* Misses need no more than a count, kept here: a counter in memory bumped once a
	 * frame would chain every frame through a store and a reload. */
	dg_decide_cnt_add(&c->queries, nq);
	dg_decide_cnt_add(&c->fwd[DG_FWD_NOT_DNS_PORT], not_dns);
	if (k == 0)
		return out;
	if (pol->delta == NULL)
		dg_filter_lookup_bulk(pol->filter, names, k, pol->today, match);
	else
		dg_filter_lookup_bulk2(pol->filter, pol->delta, names, k, pol->today, match);
	for (j = 0; j < k; j++) {
		struct dg_decide_answer a;
		enum dg_disp dp;

		i = idx[j];
		if (__builtin_expect(quar != 0, 0) && (quar >> i & 1) && !blocks(match[j].meta)) {
			dp = decide_quarantine(d, pol, now, &f[i], &pk[i], reason[i], &match[j],
					       &a);
		} else if (__builtin_expect(match[j].meta == NULL, 1)) {
			if (reason[i] != DG_FWD_NONE)
				dg_decide_cnt_add(&c->fwd[reason[i]], 1);
			if (unlikely_sample(cfg))
				sample(d, now, &f[i], &pk[i]);
			continue;
		} else {
			dp = decide_listed(d, pol, now, &f[i], &pk[i], reason[i], &match[j], &a);
		}
		if (dp == DG_DISP_ANSWER)
			dp = dg_decide_answer_udp(d, pol, now, &f[i], &a);
		disp[i] = (uint8_t)dp;
		out += dp != DG_DISP_FORWARD;
	}
	return out;
}
