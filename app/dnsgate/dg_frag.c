/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Subscriber-side IP fragments (DESIGN.md 5: reassemble, then decide on the whole
 * datagram). The mbufs are held as they came, in the worker's table (lib/reasm, which
 * follows what the resolver's host would reassemble); a whole datagram is written once
 * into the worker's scratch buffer and decided there like a chained frame. Then:
 *  - answered: the answer goes back in the first-arrived fragment's mbuf, one segment;
 *    the other fragments are freed;
 *  - dropped (blocked, or fragments the host would read in more than one way): all freed;
 *  - otherwise: every fragment leaves byte for byte, in arrival order.
 * A timeout or a full table forwards what is held, counted. No allocation, lock or system
 * call: the table and the scratch buffer exist from start-up.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "dg_frag.h"
#include "dg_reasm.h"

enum { EXPIRE_PER_TICK = 64 }; /* datagrams timed out per call: each loop stays short */

static int
read_mbuf(void *h, uint32_t off, uint32_t len, uint8_t *dst, void *arg)
{
	const void *p = rte_pktmbuf_read(h, off, len, dst);

	(void)arg;
	if (p == NULL)
		return -EIO;
	if (p != dst)
		memcpy(dst, p, len);
	return 0;
}

uint32_t
dg_frag_held_max(const struct dg_config *cfg)
{
	/* Two fragments a datagram on average: a query that needs more is rare. */
	return 2 * cfg->frag_flows;
}

int
dg_frag_create(const struct dg_app *app, struct dg_worker *wk)
{
	const struct dg_config *cfg = &app->cfg;

	wk->reasm = NULL;
	if (cfg->frag_flows == 0)
		return 0;
	return dg_reasm_create(&wk->reasm, cfg->frag_flows, dg_frag_held_max(cfg),
			       rte_get_tsc_hz() / 1000 * cfg->frag_timeout_ms, rte_rand(),
			       read_mbuf, NULL);
}

void
dg_frag_free(struct dg_worker *wk)
{
	dg_reasm_free(wk->reasm);
	wk->reasm = NULL;
}

/* Port index of the peer of the port a held frame came in on (stamped at input). */
static uint16_t
peer_of(const struct dg_app *app, const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < app->n_ports; i++)
		if (app->ports[i].id == m->port)
			return app->ports[i].peer;
	return UINT16_MAX;
}

/*
 * The frames of @p o out unchanged, counted under @p r: after the burst's frames so far
 * (@p out), or straight to the TX buffers (@p out NULL: timeouts).
 */
static void
forward(const struct dg_app *app, struct dg_worker *wk, uint16_t in, struct dg_burst_out *out,
	const struct dg_reasm_out *o, enum dg_fwd_reason r)
{
	for (unsigned int i = 0; i < o->n; i++) {
		struct rte_mbuf *m = o->p[i].h;
		uint16_t peer = peer_of(app, m);

		if (out != NULL && peer == app->ports[in].peer)
			dg_filtering_emit(app, wk, in, out, m);
		else if (peer != UINT16_MAX)
			dg_filtering_tx(app, wk, peer, m);
		else
			rte_pktmbuf_free(m); /* not reached: every held frame is stamped */
	}
	dg_cnt_add(&wk->fc.fwd[r], o->n);
}

static void
drop(struct dg_worker *wk, const struct dg_reasm_out *o, enum dg_fwd_reason r)
{
	for (unsigned int i = 0; i < o->n; i++)
		rte_pktmbuf_free(o->p[i].h);
	dg_cnt_add(&wk->fc.drop[r], o->n);
}

static enum dg_fwd_reason
reason(enum dg_reasm_why why, uint8_t ver)
{
	switch (why) {
	case DG_REASM_WHY_OVERFLOW: return DG_FWD_FRAG_OVERFLOW;
	case DG_REASM_WHY_TIMEOUT: return DG_FWD_FRAG_TIMEOUT;
	case DG_REASM_WHY_OVERLAP: return DG_FWD_FRAG_OVERLAP;
	case DG_REASM_WHY_BAD: return DG_FWD_FRAG_BAD;
	case DG_REASM_WHY_TOO_MANY: return DG_FWD_FRAG_TOO_MANY;
	default: return ver == 4 ? DG_FWD_IP4_FRAGMENT : DG_FWD_IP6_FRAGMENT;
	}
}

/* A whole datagram: its linear copy decided, then its frames disposed of. */
static void
decide_whole(const struct dg_app *app, struct dg_worker *wk,
	     const struct dg_decide_policy *pol, uint64_t now, uint16_t in,
	     const struct dg_reasm_out *o, uint8_t ver, struct dg_burst_out *out)
{
	struct rte_mbuf *first = o->p[0].h;
	struct dg_frame f = { .data = wk->scratch, .room = DG_SCRATCH_LEN,
			      .port = app->ports[in].id };
	long len = dg_reasm_build(wk->reasm, o, wk->scratch, DG_SCRATCH_LEN);
	struct dg_pkt p;

	if (len < 0) {
		forward(app, wk, in, out, o, DG_FWD_FRAG_OVERFLOW);
		return;
	}
	dg_cnt_add(&wk->fc.reassembled, 1);
	f.len = (uint32_t)len;
	if (len > DG_SCRATCH_LEN) {
		/* Decided on its head, where the question is; the UDP checksum no longer
		 * covers what was copied (a bad one would only make an answer, not a leak). */
		f.len = DG_SCRATCH_LEN;
		f.hints = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	}
	switch (dg_filtering_decide_copy(app, wk, pol, now, &f,
					 (uint32_t)(first->buf_len - first->data_off), &p)) {
	case DG_DISP_ANSWER:
		dg_filtering_answer_into(first, &f);
		for (unsigned int i = 1; i < o->n; i++)
			rte_pktmbuf_free(o->p[i].h);
		out->ans[out->n_ans++] = first;
		break;
	case DG_DISP_DROP:
		for (unsigned int i = 0; i < o->n; i++)
			rte_pktmbuf_free(o->p[i].h);
		break;
	default:
		/* the decision counted the datagram; these count its frames */
		forward(app, wk, in, out, o, reason(DG_REASM_WHY_PASS, ver));
		break;
	}
}

void
dg_frag_input(const struct dg_app *app, struct dg_worker *wk,
	      const struct dg_decide_policy *pol, uint64_t now, uint16_t in,
	      struct rte_mbuf *m, const struct dg_pkt *p, struct dg_burst_out *out)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = m->data_len;
	struct dg_reasm_frag rf;
	struct dg_reasm_out o;
	enum dg_fwd_reason r;
	struct dg_pkt lp;

	m->port = app->ports[in].id;
	if (m->nb_segs != 1) {
		/* A chained fragment is read from a linear copy; the mbuf is what is held. */
		if (m->pkt_len > DG_SCRATCH_LEN) {
			dg_cnt_add(&wk->fc.fwd[DG_FWD_MULTI_SEGMENT], 1);
			dg_filtering_emit(app, wk, in, out, m);
			return;
		}
		frame = rte_pktmbuf_read(m, 0, m->pkt_len, wk->scratch);
		len = m->pkt_len;
		r = dg_wire_parse_l2l4(frame, len, &app->dcfg.pkt,
				       DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, &lp);
		if (r != DG_FWD_IP4_FRAGMENT && r != DG_FWD_IP6_FRAGMENT) {
			dg_cnt_add(&wk->fc.fwd[r], 1); /* not reached: the same bytes */
			dg_filtering_emit(app, wk, in, out, m);
			return;
		}
		p = &lp;
	}
	/* Not UDP, or a fragment the host drops on its own: it joins nothing. */
	if (dg_reasm_parse(frame, len, p, &app->dcfg.pkt, &rf) < 0) {
		dg_cnt_add(&wk->fc.fwd[reason(DG_REASM_WHY_PASS, p->ip_ver)], 1);
		dg_filtering_emit(app, wk, in, out, m);
		return;
	}
	/* The host drops a fragment with a wrong header checksum before reassembly. */
	if (rf.ver == 4 && !(dg_filtering_nic_hints(m) & DG_PKT_HINT_IP4_CSUM_GOOD) &&
	    !dg_wire_ip4_csum_ok(frame, p)) {
		dg_cnt_add(&wk->fc.fwd[DG_FWD_IP4_BAD_CHECKSUM], 1);
		dg_filtering_emit(app, wk, in, out, m);
		return;
	}
	switch (dg_reasm_add(wk->reasm, &rf, frame, m, now, &o)) {
	case DG_REASM_HELD:
		break;
	case DG_REASM_FORWARD:
		forward(app, wk, in, out, &o, reason(o.why, rf.ver));
		break;
	case DG_REASM_DISCARD:
		drop(wk, &o, reason(o.why, rf.ver));
		break;
	case DG_REASM_COMPLETE:
		decide_whole(app, wk, pol, now, in, &o, rf.ver, out);
		break;
	}
}

void
dg_frag_expire(const struct dg_app *app, struct dg_worker *wk, uint64_t now)
{
	struct dg_reasm_out o;

	for (unsigned int i = 0; i < EXPIRE_PER_TICK && dg_reasm_expire(wk->reasm, now, &o); i++)
		forward(app, wk, 0, NULL, &o, DG_FWD_FRAG_TIMEOUT);
}

void
dg_frag_flush(const struct dg_app *app, struct dg_worker *wk)
{
	struct dg_reasm_out o;

	while (dg_reasm_flush(wk->reasm, &o))
		forward(app, wk, 0, NULL, &o, DG_FWD_FRAG_TIMEOUT);
}
