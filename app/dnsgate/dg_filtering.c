/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The subscriber-side path of a worker, per burst: parse every frame, set aside queries
 * from opted-out subscribers, look the rest up in one bulk call (the filter prefetches
 * the whole burst), then dispose of each frame in arrival order: forward unchanged to
 * the peer port, answer out of the ingress port, or drop. No allocation, lock or system
 * call; anything not fully understood is forwarded (fail open).
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dg_app.h"
#include "dg_filtering.h"
#include "dg_hitlog.h"
#include "dg_optout.h"
#include "dg_snapshot.h"

/* Per-frame outcome within a burst. */
enum disp { DISP_FORWARD, DISP_LOOKUP, DISP_ANSWER, DISP_DROP };

static inline unsigned int
nic_hints(const struct rte_mbuf *m)
{
	unsigned int h = 0;

	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		h |= DG_PKT_HINT_IP4_CSUM_GOOD;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		h |= DG_PKT_HINT_L4_CSUM_GOOD;
	return h;
}

static inline int
opted_out(const struct dg_optout *t, const struct dg_pkt *p)
{
	if (t == NULL)
		return 0;
	return p->ip_ver == 4 ? dg_optout_lookup_v4(t, p->src_addr) :
				dg_optout_lookup_v6(t, p->src_addr);
}

/* Category sinkholes are rare and answers rarer still: a short scan is fine here. */
static void
overrides(const struct dg_app *app, const struct dg_entry_meta *m, struct dg_answer_ovr *o)
{
	memset(o, 0, sizeof(*o));
	if (m->has_sinkhole4)
		o->sinkhole4 = m->sinkhole4;
	if (m->has_sinkhole6)
		o->sinkhole6 = m->sinkhole6;
	if (m->category != NULL && (o->sinkhole4 == NULL || o->sinkhole6 == NULL)) {
		for (unsigned int i = 0; i < app->cfg.n_categories; i++) {
			const struct dg_config_category *c = &app->cfg.categories[i];

			if (strcmp(c->name, m->category) != 0)
				continue;
			if (o->sinkhole4 == NULL && c->v4_set)
				o->sinkhole4 = c->v4;
			if (o->sinkhole6 == NULL && c->v6_set)
				o->sinkhole6 = c->v6;
			break;
		}
	}
	if (app->cfg.ede_text)
		o->extra_text = m->identifier;
}

/* One record per filtered query; a full ring loses the record, never blocks. */
static void
log_hit(struct dg_worker *wk, uint64_t now, uint16_t port, const uint8_t *frame,
	const struct dg_pkt *p, const struct dg_entry_meta *meta)
{
	struct dg_hit_record r;
	uint8_t qlen = p->qname.len;

	r.tsc = now;
	r.identifier = meta->identifier;
	r.category = meta->category;
	r.qtype = p->qtype;
	r.src_port = p->src_port;
	r.family = p->ip_ver;
	r.action = (uint8_t)meta->action;
	r.port = (uint8_t)port;
	r.qname_len = qlen;
	memset(r.src_addr, 0, sizeof(r.src_addr));
	memcpy(r.src_addr, p->src_addr, p->addr_len);
	/* The name as asked: the question's first bytes, before any rewrite of the frame. */
	memcpy(r.qname, frame + p->question_off, qlen);
	if (rte_ring_enqueue_elem(wk->hits, &r, sizeof(r)) != 0)
		dg_cnt_add(&wk->fc.log_lost, 1);
}

static inline enum dg_answer_kind
answer_kind(enum dg_action a)
{
	return a == DG_ACTION_NXDOMAIN ? DG_ANSWER_NXDOMAIN :
	       a == DG_ACTION_NODATA ? DG_ANSWER_NODATA : DG_ANSWER_SINKHOLE;
}

/* A query with a blocking verdict: guard, then forge in place. */
static enum disp
answer(const struct dg_app *app, struct dg_worker *wk, uint64_t now, struct rte_mbuf *m,
       const struct dg_pkt *p, const struct dg_entry_meta *meta)
{
	struct dg_filter_counters *fc = &wk->fc;
	struct dg_answer_ovr ovr;
	size_t out_len;

	if (!dg_guard_allow(wk->guard, p->src_addr, p->addr_len, now)) {
		dg_cnt_add(&fc->fwd[DG_FWD_RATE_LIMITED], 1);
		return DISP_FORWARD;
	}
	overrides(app, meta, &ovr);
	if (dg_dns_forge_ovr(rte_pktmbuf_mtod(m, uint8_t *), m->buf_len - m->data_off, p,
			     answer_kind(meta->action), &app->answer_cfg, &ovr, &out_len) != 0) {
		dg_cnt_add(&fc->fwd[DG_FWD_ANSWER_TOO_BIG], 1);
		return DISP_FORWARD;
	}
	m->data_len = (uint16_t)out_len;
	m->pkt_len = (uint32_t)out_len;
	m->ol_flags = 0;
	dg_cnt_add(&fc->answered, 1);
	return DISP_ANSWER;
}

/*
 * A query with a filtering verdict: check what the miss path skipped (the IPv4 header
 * and UDP checksums, unless the NIC did), count it, log it, then answer, drop or forward.
 */
static enum disp
decide(const struct dg_app *app, struct dg_worker *wk, const struct dg_snapshot *snap,
       uint64_t now, uint16_t in, struct rte_mbuf *m, const struct dg_pkt *p,
       const struct dg_match *match)
{
	const struct dg_entry_meta *meta = match->meta;
	struct dg_filter_counters *fc = &wk->fc;
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int hints;

	if (meta == NULL || meta->action == DG_ACTION_ALLOW) {
		dg_cnt_add(&fc->queries, 1);
		if (meta != NULL)
			dg_cnt_add(&fc->verdict[DG_ACTION_ALLOW], 1);
		return DISP_FORWARD;
	}
	hints = nic_hints(m);
	if (!(hints & DG_PKT_HINT_IP4_CSUM_GOOD) && !dg_wire_ip4_csum_ok(frame, p)) {
		dg_cnt_add(&fc->fwd[DG_FWD_IP4_BAD_CHECKSUM], 1);
		return DISP_FORWARD;
	}
	if (!(hints & DG_PKT_HINT_L4_CSUM_GOOD) &&
	    !dg_wire_udp_csum_ok(frame, (size_t)m->buf_len - m->data_off, p)) {
		dg_cnt_add(&fc->fwd[DG_FWD_UDP_BAD_CHECKSUM], 1);
		return DISP_FORWARD;
	}
	dg_cnt_add(&fc->queries, 1);
	dg_cnt_add(&fc->verdict[meta->action], 1);
	dg_cnt_add(&snap->hits[(size_t)wk->index * snap->hits_stride + match->ident_id], 1);
	if (wk->hits != NULL)
		log_hit(wk, now, app->ports[in].id, frame, p, meta);
	switch (meta->action) {
	case DG_ACTION_LOG_ONLY:
		return DISP_FORWARD;
	case DG_ACTION_DROP:
		return DISP_DROP;
	default:
		return answer(app, wk, now, m, p, meta);
	}
}

void
dg_filtering_burst(const struct dg_app *app, struct dg_worker *wk, uint64_t now, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n, struct dg_burst_out *out)
{
	const struct dg_snapshot *snap = __atomic_load_n(&app->snap, __ATOMIC_ACQUIRE);
	const uint32_t today = __atomic_load_n(&app->today, __ATOMIC_RELAXED);
	struct dg_filter_counters *fc = &wk->fc;
	struct dg_pkt pk[DG_CONFIG_BURST_MAX];
	const struct dg_name *names[DG_CONFIG_BURST_MAX];
	struct dg_match match[DG_CONFIG_BURST_MAX];
	uint8_t disp[DG_CONFIG_BURST_MAX], idx[DG_CONFIG_BURST_MAX];
	unsigned int k = 0, nq = 0, nf, na;
	bool diverted = false;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum dg_fwd_reason r;

		disp[i] = DISP_FORWARD;
		if (unlikely(m->nb_segs != 1)) {
			dg_cnt_add(&fc->fwd[DG_FWD_MULTI_SEGMENT], 1);
			continue;
		}
		/*
		 * Checksums are checked later, for the frames we would filter: every other
		 * frame leaves unchanged anyway, and the miss path is the product.
		 */
		r = dg_pkt_parse_buf(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
				     (size_t)m->buf_len - m->data_off, &app->pkt_cfg,
				     DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, &pk[i]);
		if (r != DG_FWD_NONE) {
			dg_cnt_add(&fc->fwd[r], 1);
			continue;
		}
		if (opted_out(snap->optout, &pk[i])) {
			dg_cnt_add(&fc->optout, 1);
			continue;
		}
		if (snap->filter == NULL) {
			nq++;
			continue;
		}
		disp[i] = DISP_LOOKUP;
		names[k] = &pk[i].qname;
		idx[k++] = (uint8_t)i;
	}
	if (k > 0)
		dg_filter_lookup_bulk(snap->filter, names, k, today, match);
	/* Misses need no more than a count, kept here: a counter in memory bumped once a
	 * frame would chain every frame through a store and a reload. */
	for (unsigned int j = 0; j < k; j++) {
		enum disp d;

		if (likely(match[j].meta == NULL)) {
			nq++;
			continue;
		}
		d = decide(app, wk, snap, now, in, pkts[idx[j]], &pk[idx[j]], &match[j]);
		disp[idx[j]] = (uint8_t)d;
		diverted |= d == DISP_ANSWER || d == DISP_DROP;
	}
	dg_cnt_add(&fc->queries, nq);
	out->n_ans = 0;
	if (!diverted) {
		out->fwd = pkts;
		out->n_fwd = n;
		return;
	}
	nf = na = 0;
	for (uint16_t i = 0; i < n; i++) {
		switch (disp[i]) {
		case DISP_ANSWER:
			out->ans[na++] = pkts[i];
			break;
		case DISP_DROP:
			rte_pktmbuf_free(pkts[i]);
			break;
		default:
			out->buf[nf++] = pkts[i];
			break;
		}
	}
	out->fwd = out->buf;
	out->n_fwd = (uint16_t)nf;
	out->n_ans = (uint16_t)na;
}
