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

#include "dg_app.h"
#include "dg_filtering.h"
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

static inline enum dg_answer_kind
answer_kind(enum dg_action a)
{
	return a == DG_ACTION_NXDOMAIN ? DG_ANSWER_NXDOMAIN :
	       a == DG_ACTION_NODATA ? DG_ANSWER_NODATA : DG_ANSWER_SINKHOLE;
}

/* A query with a blocking verdict: guard, then forge in place. */
static enum disp
answer(const struct dg_app *app, struct dg_worker *wk, struct rte_mbuf *m,
       const struct dg_pkt *p, const struct dg_entry_meta *meta)
{
	struct dg_filter_counters *fc = &wk->fc;
	struct dg_answer_ovr ovr;
	size_t out_len;

	if (!dg_guard_allow(wk->guard, p->src_addr, p->addr_len, rte_rdtsc())) {
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

void
dg_filtering_burst(const struct dg_app *app, struct dg_worker *wk, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n, struct dg_burst_out *out)
{
	const struct dg_snapshot *snap = __atomic_load_n(&app->snap, __ATOMIC_ACQUIRE);
	const uint32_t today = __atomic_load_n(&app->today, __ATOMIC_RELAXED);
	struct dg_filter_counters *fc = &wk->fc;
	struct dg_pkt pk[DG_CONFIG_BURST_MAX];
	const struct dg_name *names[DG_CONFIG_BURST_MAX];
	struct dg_match match[DG_CONFIG_BURST_MAX];
	uint8_t disp[DG_CONFIG_BURST_MAX], idx[DG_CONFIG_BURST_MAX];
	unsigned int k = 0, verdicts = 0;

	(void)in;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum dg_fwd_reason r;

		disp[i] = DISP_FORWARD;
		if (unlikely(m->nb_segs != 1)) {
			dg_cnt_add(&fc->fwd[DG_FWD_MULTI_SEGMENT], 1);
			continue;
		}
		r = dg_pkt_parse_hint(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len,
				      &app->pkt_cfg, nic_hints(m), &pk[i]);
		if (r != DG_FWD_NONE) {
			dg_cnt_add(&fc->fwd[r], 1);
			continue;
		}
		if (opted_out(snap->optout, &pk[i])) {
			dg_cnt_add(&fc->optout, 1);
			continue;
		}
		dg_cnt_add(&fc->queries, 1);
		if (snap->filter == NULL)
			continue;
		disp[i] = DISP_LOOKUP;
		names[k] = &pk[i].qname;
		idx[k++] = (uint8_t)i;
	}
	if (k > 0)
		verdicts = dg_filter_lookup_bulk(snap->filter, names, k, today, match);
	for (unsigned int j = 0; verdicts > 0 && j < k; j++) {
		const struct dg_entry_meta *meta = match[j].meta;
		unsigned int i = idx[j];

		disp[i] = DISP_FORWARD;
		if (meta == NULL)
			continue;
		verdicts--;
		dg_cnt_add(&fc->verdict[meta->action], 1);
		if (meta->action != DG_ACTION_ALLOW)
			dg_cnt_add(&snap->hits[(size_t)wk->index * snap->hits_stride +
					       match[j].ident_id], 1);
		switch (meta->action) {
		case DG_ACTION_ALLOW:
		case DG_ACTION_LOG_ONLY:
			break;
		case DG_ACTION_DROP:
			disp[i] = DISP_DROP;
			break;
		default:
			disp[i] = answer(app, wk, pkts[i], &pk[i], meta);
			break;
		}
	}
	out->n_fwd = out->n_ans = 0;
	for (uint16_t i = 0; i < n; i++) {
		switch (disp[i]) {
		case DISP_ANSWER:
			out->ans[out->n_ans++] = pkts[i];
			break;
		case DISP_DROP:
			rte_pktmbuf_free(pkts[i]);
			break;
		default:
			out->fwd[out->n_fwd++] = pkts[i];
			break;
		}
	}
}
