/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The subscriber-side path of a worker, per burst: the mbufs become plain frames for the
 * decision (lib/decide: parse, opt-out, bulk lookup, policy, answer forged in place), the
 * hit records go to the management core's ring, then each frame is disposed of in
 * arrival order: forward unchanged to the peer port, answer out of the ingress port, or
 * drop; fragments go to the reassembly (dg_frag.c). No allocation, lock or system call.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dg_app.h"
#include "dg_filtering.h"
#include "dg_frag.h"
#include "dg_snapshot.h"

/*
 * Records of the last decision to the management core, each as the cells it uses (most
 * are two or three of a record's ten: fewer lines cross to the other core), all of a
 * record or none; a full ring loses the rest (counted).
 */
static inline void
enqueue(struct rte_ring *ring, const struct dg_hit_record *rec, unsigned int *n,
	uint64_t *lost)
{
	unsigned int q = 0;

	if (ring != NULL)
		while (q < *n && rte_ring_sp_enqueue_bulk_elem(ring, &rec[q], DG_HIT_CELL,
							       dg_hit_cells(&rec[q]), NULL) != 0)
			q++;
	if (q < *n)
		dg_cnt_add(lost, *n - q);
	*n = 0;
}

static inline void
queue_hits(struct dg_worker *wk)
{
	if (wk->dec.n_hits != 0)
		enqueue(wk->hits, wk->hitbuf, &wk->dec.n_hits, &wk->fc.log_lost);
	/* Sampling off: n_samples stays 0, one branch a decision. */
	if (unlikely(wk->dec.n_samples != 0))
		enqueue(wk->samples, wk->dec.samples, &wk->dec.n_samples, &wk->fc.sample_lost);
}

static inline void
policy(const struct dg_app *app, const struct dg_worker *wk, struct dg_decide_policy *pol)
{
	const struct dg_snapshot *snap = __atomic_load_n(&app->snap, __ATOMIC_ACQUIRE);

	pol->filter = snap->filter;
	pol->delta = snap->delta;
	pol->optout = snap->optout;
	pol->quar_prefixes = snap->quar_prefixes;
	pol->quarantine = snap->quarantine;
	pol->respip = snap->respip;
	pol->ident_hits = snap->hits + (size_t)wk->index * snap->hits_stride;
	pol->today = __atomic_load_n(&app->today, __ATOMIC_RELAXED);
}

enum dg_disp
dg_filtering_decide_copy(const struct dg_app *app, struct dg_worker *wk,
			 const struct dg_decide_policy *pol, uint64_t now, struct dg_frame *f,
			 uint32_t ans_room, struct dg_pkt *p)
{
	struct dg_decide_answer a;
	enum dg_fwd_reason r;
	enum dg_disp d;

	r = dg_pkt_parse_buf(f->data, f->len, f->room, &app->dcfg.pkt,
			     DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, p);
	if (r == DG_FWD_IP4_FRAGMENT || r == DG_FWD_IP6_FRAGMENT)
		return DG_DISP_FRAGMENT;
	if (r == DG_FWD_TCP_DNS)
		return DG_DISP_TCP;
	d = dg_decide_query(&wk->dec, pol, now, f, p, r, &a);
	if (d == DG_DISP_ANSWER) {
		/* the answer goes back in one segment */
		if (ans_room < f->room)
			f->room = ans_room;
		d = dg_decide_answer_udp(&wk->dec, pol, now, f, &a);
	}
	queue_hits(wk);
	return d;
}

void
dg_filtering_answer_into(struct rte_mbuf *m, const struct dg_frame *f)
{
	rte_pktmbuf_free(m->next);
	m->next = NULL;
	m->nb_segs = 1;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f->data, f->len);
	m->data_len = (uint16_t)f->len;
	m->pkt_len = f->len;
	m->ol_flags = 0;
}

void
dg_filtering_emit(const struct dg_app *app, struct dg_worker *wk, uint16_t in,
		  struct dg_burst_out *out, struct rte_mbuf *m)
{
	if (unlikely(out->n_fwd == DG_CONFIG_BURST_MAX)) {
		for (uint16_t i = 0; i < out->n_fwd; i++)
			dg_filtering_tx(app, wk, app->ports[in].peer, out->buf[i]);
		out->n_fwd = 0;
	}
	out->buf[out->n_fwd++] = m;
}

/*
 * A frame in several segments (a jumbo frame, or a PMD that chains): decided on a linear
 * copy; an answer is copied back into the first segment, the others freed.
 */
static enum dg_disp
decide_chained(const struct dg_app *app, struct dg_worker *wk,
	       const struct dg_decide_policy *pol, uint64_t now, uint16_t in,
	       struct rte_mbuf *m, uint32_t *ans_len, struct dg_pkt *p)
{
	struct dg_frame f = {
		.data = wk->scratch, .len = m->pkt_len, .room = DG_SCRATCH_LEN,
		.hints = dg_filtering_nic_hints(m), .port = app->ports[in].id,
	};
	enum dg_disp d;

	if (m->pkt_len > DG_SCRATCH_LEN) {
		dg_cnt_add(&wk->fc.fwd[DG_FWD_MULTI_SEGMENT], 1);
		return DG_DISP_FORWARD;
	}
	if (rte_pktmbuf_read(m, 0, m->pkt_len, wk->scratch) != wk->scratch)
		return DG_DISP_FORWARD; /* contiguous after all: not reached for nb_segs > 1 */
	d = dg_filtering_decide_copy(app, wk, pol, now, &f,
				     (uint32_t)(m->buf_len - m->data_off), p);
	if (d == DG_DISP_ANSWER) {
		dg_filtering_answer_into(m, &f);
		*ans_len = f.len;
	}
	return d;
}

/*
 * One DNS message of a client's TCP stream, decided as a query of its own: the message
 * bytes are the frame the decision reads (the name as asked stays there until the caller
 * is done), transport TCP (no reflection guard, no source port rule).
 */
static enum dg_disp
tcp_message(struct dg_worker *wk, const struct dg_decide_policy *pol, uint64_t now,
	    uint16_t port, const uint8_t *l2, const struct dg_pkt *seg,
	    const struct dg_tcp_msg *msg, struct dg_pkt *q, struct dg_frame *f,
	    struct dg_decide_answer *a)
{
	enum dg_fwd_reason r;

	*q = *seg;
	q->dns_off = 0;
	q->dns_len = msg->avail;
	q->transport = DG_PKT_TCP;
	q->blk = DG_PKT_BLK_ANSWER;
	q->blk_reason = 0;
	r = dg_dns_parse(msg->data, q);
	/* Only the start of a long message was kept: its OPT cannot be trusted. */
	if (msg->avail < msg->len)
		dg_pkt_defect(q, &r, DG_FWD_EDNS_TRUNCATED, DG_PKT_BLK_ANSWER_NO_OPT);
	*f = (struct dg_frame){ .data = (uint8_t *)(uintptr_t)msg->data, .len = msg->avail,
				.room = msg->avail, .port = port, .l2 = l2,
				.hints = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD };
	return dg_decide_query(&wk->dec, pol, now, f, q, r, a);
}

/*
 * A blocked message ended in client segment @p m: the client gets the answer in the
 * stream (a new mbuf, back out of the ingress port), then FIN; the segment itself becomes
 * the RST that makes the resolver drop its half (forwarded to the network side).
 */
static enum dg_disp
tcp_block(const struct dg_app *app, struct dg_worker *wk, const struct dg_decide_policy *pol,
	  uint64_t now, struct rte_mbuf *m, const struct dg_pkt *p, const struct dg_tcp_seg *seg,
	  enum dg_disp d, const struct dg_frame *f, const struct dg_decide_answer *a,
	  struct dg_burst_out *out)
{
	struct dg_tcp_flow *flow = wk->tcp_msgs.flow;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	enum dg_fwd_reason why = DG_FWD_ANSWER_NO_ROOM;
	struct rte_mbuf *ans = NULL;
	size_t dlen = 0, alen;
	bool sent = false;
	int rc = -ENOSPC;

	if (d == DG_DISP_ANSWER) {
		/* The message is read from the segment or the flow: build before rewriting. */
		if (dg_dns_forge_msg(f->data, a->q, a->kind, &app->dcfg.answer, &a->ovr,
				     wk->scratch, DG_SCRATCH_LEN, &dlen) == 0 &&
		    (ans = rte_pktmbuf_alloc(m->pool)) != NULL)
			rc = dg_tcp_forge_answer(flow, frame, p, seg, wk->scratch, dlen,
						 rte_pktmbuf_mtod(ans, uint8_t *),
						 rte_pktmbuf_tailroom(ans), &alen);
		if (rc == 0) {
			ans->data_len = (uint16_t)alen;
			ans->pkt_len = (uint32_t)alen;
			out->ans[out->n_ans++] = ans;
			sent = true;
		} else {
			rte_pktmbuf_free(ans); /* NULL is fine */
			if (rc == -ENOTCONN)
				why = DG_FWD_TCP_NO_STATE;
		}
		dg_decide_answer_done(&wk->dec, pol, now, f, a, sent ? dlen : 0,
				      sent && (wk->scratch[DG_DNS_HDR_FLAGS] & (DG_DNS_FLAG_TC >> 8)),
				      why);
	}
	d = DG_DISP_DROP;
	if (dg_tcp_forge_rst(flow, frame, p, seg, frame, (size_t)(m->buf_len - m->data_off),
			     &alen) == 0) {
		m->data_len = (uint16_t)alen;
		m->pkt_len = (uint32_t)alen;
		m->ol_flags = 0;
		d = DG_DISP_FORWARD;
	}
	dg_tcp_answered(wk->tcp, flow);
	return d;
}

/* A client segment to TCP port 53 (the L2-L4 parse is in @p p). */
static enum dg_disp
decide_tcp(const struct dg_app *app, struct dg_worker *wk, const struct dg_decide_policy *pol,
	   uint64_t now, uint16_t in, struct rte_mbuf *m, const struct dg_pkt *p,
	   struct dg_burst_out *out)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct dg_tcp_msgs *msgs = &wk->tcp_msgs;
	struct dg_tcp_seg seg;

	if (wk->tcp == NULL || m->nb_segs != 1 ||
	    dg_tcp_seg_parse(frame, m->data_len, p, dg_filtering_nic_hints(m), &seg) != 0) {
		dg_cnt_add(&wk->fc.fwd[DG_FWD_TCP_DNS], 1);
		return DG_DISP_FORWARD;
	}
	switch (dg_tcp_client(wk->tcp, frame, p, &seg, now, msgs)) {
	case DG_TCP_FORWARD:
		return DG_DISP_FORWARD;
	case DG_TCP_DROP:
		return DG_DISP_DROP;
	default:
		break;
	}
	for (unsigned int i = 0; i < msgs->n; i++) {
		struct dg_decide_answer a;
		struct dg_frame f;
		struct dg_pkt q;
		enum dg_disp d = tcp_message(wk, pol, now, app->ports[in].id, frame, p,
					     &msgs->msg[i], &q, &f, &a);

		if (d != DG_DISP_FORWARD)
			return tcp_block(app, wk, pol, now, m, p, &seg, d, &f, &a, out);
	}
	return DG_DISP_FORWARD;
}

/*
 * Encrypted DNS refused over TCP (DG_DISP_RESET): a reset back to the client, from a new
 * mbuf, and the segment itself rewritten into the reset to the server (forwarded). A SYN
 * reached no server: the segment itself becomes the reset to the client. A reset that
 * cannot be built is counted; the segment is not forwarded either way.
 */
static void
encdns_reset(const struct dg_app *app, struct dg_worker *wk, uint16_t in, struct rte_mbuf *m,
	     const struct dg_pkt *p, struct dg_burst_out *out)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const size_t room = (size_t)(m->buf_len - m->data_off);
	struct rte_mbuf *c = NULL;
	struct dg_tcp_seg s;
	size_t n;

	/* the decision read this segment whole: its checksums were checked there */
	if (dg_tcp_seg_parse(frame, m->data_len, p,
			     DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, &s) != 0)
		goto fail;
	if (s.flags & DG_TCP_F_SYN) {
		if (dg_tcp_forge_reset(frame, p, &s, DG_TCP_RESET_CLIENT, frame, room, &n) != 0)
			goto fail;
		m->data_len = (uint16_t)n;
		m->pkt_len = (uint32_t)n;
		m->ol_flags = 0;
		out->ans[out->n_ans++] = m;
		return;
	}
	c = rte_pktmbuf_alloc(m->pool); /* the RX port's pool, on its socket */
	if (c != NULL && dg_tcp_forge_reset(frame, p, &s, DG_TCP_RESET_CLIENT,
					    rte_pktmbuf_mtod(c, uint8_t *),
					    rte_pktmbuf_tailroom(c), &n) == 0) {
		c->data_len = (uint16_t)n;
		c->pkt_len = (uint32_t)n;
		out->ans[out->n_ans++] = c;
	} else {
		rte_pktmbuf_free(c); /* NULL is fine */
		dg_encdns_cnt_add(&wk->ec, DG_ENCDNS_C_RESET_FAILED, 1);
	}
	if (dg_tcp_forge_reset(frame, p, &s, DG_TCP_RESET_SERVER, frame, room, &n) != 0)
		goto fail;
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	m->ol_flags = 0;
	dg_filtering_emit(app, wk, in, out, m);
	return;
fail:
	dg_encdns_cnt_add(&wk->ec, DG_ENCDNS_C_RESET_FAILED, 1);
	rte_pktmbuf_free(m);
}

/*
 * A listed response in server segment @p m (DG_DISP_REWRITE: answer in wk->scratch, or
 * DG_DISP_DROP): a RST to the server from a new mbuf, back out of the ingress port, and
 * the segment itself rewritten into the answer + FIN (REWRITE) or a RST (DROP) to the
 * client. The flow is answered from then on. @return false when @p m is to be freed.
 */
static bool
tcp_resp_block(const struct dg_app *app, struct dg_worker *wk, uint16_t in, struct rte_mbuf *m,
	       const struct dg_pkt *p, const struct dg_tcp_seg *seg, const uint8_t *msg,
	       enum dg_disp d, size_t ans_len)
{
	struct dg_tcp_flow *flow = wk->tcp_msgs.flow;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	const size_t room = (size_t)(m->buf_len - m->data_off);
	struct rte_mbuf *rst = rte_pktmbuf_alloc(m->pool);
	size_t n;
	int rc;

	if (rst != NULL &&
	    dg_tcp_forge_resp_rst(flow, frame, p, seg, rte_pktmbuf_mtod(rst, uint8_t *),
				  rte_pktmbuf_tailroom(rst), &n) == 0) {
		rst->data_len = (uint16_t)n;
		rst->pkt_len = (uint32_t)n;
		dg_filtering_tx(app, wk, in, rst);
	} else {
		rte_pktmbuf_free(rst); /* NULL is fine */
	}
	dg_tcp_answered(wk->tcp, flow);
	rc = -EINVAL;
	if (d == DG_DISP_REWRITE)
		rc = dg_tcp_forge_resp_answer(frame, p, seg,
					      (size_t)(msg - 2 - (frame + seg->payload_off)),
					      wk->scratch, ans_len, room, &n);
	if (rc != 0)
		rc = dg_tcp_forge_resp_reset(frame, p, seg, room, &n);
	if (rc != 0)
		return false;
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	m->ol_flags = 0;
	return true;
}

/*
 * The responses of server segment @p m (response policy): each complete one is decided as
 * a UDP response is. @return false when @p m is to be freed.
 */
static bool
tcp_resp(const struct dg_app *app, struct dg_worker *wk, const struct dg_decide_policy *pol,
	 uint64_t now, uint16_t in, struct rte_mbuf *m, const struct dg_pkt *p,
	 const struct dg_tcp_seg *seg)
{
	struct dg_tcp_msgs *msgs = &wk->tcp_msgs;
	struct dg_frame f = {
		.data = rte_pktmbuf_mtod(m, uint8_t *), .len = m->data_len,
		.room = m->data_len, .port = app->ports[in].id,
	};

	switch (dg_tcp_server_read(wk->tcp, f.data, p, seg, now, msgs)) {
	case DG_TCP_FORWARD:
		return true;
	case DG_TCP_DROP:
		return false;
	default:
		break;
	}
	for (unsigned int i = 0; i < msgs->n; i++) {
		size_t alen;
		enum dg_disp d = dg_decide_resp_msg(&wk->dec, pol, now, &f, p, msgs->msg[i].data,
						    msgs->msg[i].len, wk->scratch, DG_SCRATCH_LEN,
						    &alen);

		if (d != DG_DISP_FORWARD)
			return tcp_resp_block(app, wk, in, m, p, seg, msgs->msg[i].data, d, alen);
	}
	return true;
}

uint16_t
dg_filtering_net(const struct dg_app *app, struct dg_worker *wk, uint64_t now, uint16_t in,
		 bool resp, struct rte_mbuf **pkts, uint16_t n)
{
	const uint16_t dns_port = app->dcfg.pkt.dns_port;
	struct dg_decide_policy pol;
	uint16_t kept = 0;

	if (resp)
		policy(app, wk, &pol);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		struct dg_tcp_seg seg;
		struct dg_pkt p;
		uint16_t type;

		pkts[kept++] = m;
		if (m->data_len < 34)
			continue;
		/* Most of a link is not TCP: two loads set plain IPv4/IPv6 UDP and the rest
		 * of IPv4 aside before any parse. */
		type = (uint16_t)(f[12] << 8 | f[13]);
		if ((type == 0x0800 && f[23] != 6) || (type == 0x86dd && f[20] == 17))
			continue;
		if (dg_wire_parse_l2l4(f, m->data_len, &app->dcfg.pkt, dg_filtering_nic_hints(m),
				       &p) != DG_FWD_NOT_DNS_PORT ||
		    p.l4_proto != 6 ||
		    p.src_port != dns_port)
			continue;
		if (dg_tcp_seg_parse(f, m->data_len, &p, dg_filtering_nic_hints(m), &seg) != 0) {
			if (resp)
				dg_tcp_unread_count(wk->tcp, DG_TCP_UNREAD_BAD_SEGMENT);
			continue;
		}
		if (!resp || m->nb_segs != 1) {
			dg_tcp_server(wk->tcp, f, &p, &seg, now);
			continue;
		}
		if (!tcp_resp(app, wk, &pol, now, in, m, &p, &seg)) {
			rte_pktmbuf_free(m);
			kept--;
		}
		queue_hits(wk); /* d->hits holds one burst's worth: queued per segment */
	}
	return kept;
}

uint16_t
dg_filtering_resp(const struct dg_app *app, struct dg_worker *wk, uint64_t now, uint16_t in,
		  struct rte_mbuf **pkts, uint16_t n)
{
	struct dg_frame f[DG_DECIDE_BURST_MAX];
	uint8_t disp[DG_DECIDE_BURST_MAX];
	struct dg_decide_policy pol;
	uint16_t kept = 0;

	policy(app, wk, &pol);
	for (uint16_t i = 0; i < n; i += DG_DECIDE_BURST_MAX) {
		const uint16_t c = (uint16_t)(n - i < DG_DECIDE_BURST_MAX ? n - i :
								     DG_DECIDE_BURST_MAX);

		for (uint16_t j = 0; j < c; j++) {
			struct rte_mbuf *m = pkts[i + j];

			f[j].data = rte_pktmbuf_mtod(m, uint8_t *);
			/* a chained frame is not looked into: it goes on as it is */
			f[j].len = m->nb_segs == 1 ? m->data_len : 0;
			f[j].room = (uint32_t)(m->buf_len - m->data_off);
			f[j].hints = dg_filtering_nic_hints(m);
			f[j].port = app->ports[in].id;
			f[j].l2 = NULL;
		}
		if (dg_decide_net_burst(&wk->dec, &pol, now, f, c, disp) == 0) {
			queue_hits(wk);
			if (kept != i)
				memmove(pkts + kept, pkts + i, c * sizeof(pkts[0]));
			kept = (uint16_t)(kept + c);
			continue;
		}
		queue_hits(wk);
		for (uint16_t j = 0; j < c; j++) {
			struct rte_mbuf *m = pkts[i + j];

			if (disp[j] == DG_DISP_DROP) {
				rte_pktmbuf_free(m);
				continue;
			}
			if (disp[j] == DG_DISP_REWRITE) {
				m->data_len = (uint16_t)f[j].len;
				m->pkt_len = f[j].len;
				m->ol_flags = 0;
			}
			pkts[kept++] = m;
		}
	}
	return kept;
}

static void
decide_chunk(const struct dg_app *app, struct dg_worker *wk,
	     const struct dg_decide_policy *pol, uint64_t now, uint16_t in,
	     struct rte_mbuf **pkts, uint16_t n, struct dg_burst_out *out, bool *split)
{
	struct dg_frame f[DG_DECIDE_BURST_MAX];
	struct dg_pkt pk[DG_DECIDE_BURST_MAX];
	uint8_t disp[DG_DECIDE_BURST_MAX];
	const uint16_t port = app->ports[in].id;
	unsigned int chained = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		f[i].data = rte_pktmbuf_mtod(m, uint8_t *);
		f[i].len = m->data_len;
		f[i].room = (uint32_t)(m->buf_len - m->data_off);
		f[i].hints = dg_filtering_nic_hints(m);
		f[i].port = port;
		f[i].l2 = NULL;
		chained |= m->nb_segs != 1;
	}
	if (unlikely(chained)) {
		/* rare: decide frame by frame, each chained one on its linear copy */
		for (uint16_t i = 0; i < n; i++) {
			if (pkts[i]->nb_segs != 1) {
				disp[i] = (uint8_t)decide_chained(app, wk, pol, now, in, pkts[i],
								  &f[i].len, &pk[i]);
				continue;
			}
			dg_decide_burst(&wk->dec, pol, now, &f[i], 1, &pk[i], &disp[i]);
			queue_hits(wk);
		}
	} else if (dg_decide_burst(&wk->dec, pol, now, f, n, pk, disp) == 0) {
		queue_hits(wk);
		if (!*split) {
			/* the whole burst goes on so far: no copy (the common case) */
			out->n_fwd = (uint16_t)(out->n_fwd + n);
			return;
		}
		memset(disp, DG_DISP_FORWARD, n);
	} else {
		queue_hits(wk);
	}
	if (!*split) {
		/* frames of earlier chunks all went on: they now go through the buffer */
		for (uint16_t i = 0; i < out->n_fwd; i++)
			out->buf[i] = out->fwd[i];
		out->fwd = out->buf;
		*split = true;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		switch (disp[i]) {
		case DG_DISP_ANSWER: /* a chained frame's answer is in its first segment now */
			m->data_len = (uint16_t)f[i].len;
			m->pkt_len = f[i].len;
			m->ol_flags = 0;
			out->ans[out->n_ans++] = m;
			break;
		case DG_DISP_DROP:
			rte_pktmbuf_free(m);
			break;
		case DG_DISP_RESET:
			encdns_reset(app, wk, in, m, &pk[i], out);
			break;
		case DG_DISP_TCP:
			if (decide_tcp(app, wk, pol, now, in, m, &pk[i], out) == DG_DISP_DROP)
				rte_pktmbuf_free(m);
			else
				dg_filtering_emit(app, wk, in, out, m);
			queue_hits(wk);
			break;
		case DG_DISP_FRAGMENT:
			if (wk->reasm != NULL) {
				dg_frag_input(app, wk, pol, now, in, m, &pk[i], out);
				break;
			}
			dg_cnt_add(&wk->fc.fwd[pk[i].ip_ver == 6 ? DG_FWD_IP6_FRAGMENT :
								   DG_FWD_IP4_FRAGMENT], 1);
			dg_filtering_emit(app, wk, in, out, m);
			break;
		default:
			dg_filtering_emit(app, wk, in, out, m);
			break;
		}
	}
}

void
dg_filtering_burst(const struct dg_app *app, struct dg_worker *wk, uint64_t now, uint16_t in,
		   struct rte_mbuf **pkts, uint16_t n, struct dg_burst_out *out)
{
	struct dg_decide_policy pol;
	bool split = false;

	policy(app, wk, &pol);
	out->fwd = pkts;
	out->n_fwd = 0;
	out->n_ans = 0;
	for (uint16_t i = 0; i < n; i += DG_DECIDE_BURST_MAX) {
		uint16_t c = (uint16_t)(n - i < DG_DECIDE_BURST_MAX ? n - i : DG_DECIDE_BURST_MAX);

		decide_chunk(app, wk, &pol, now, in, pkts + i, c, out, &split);
	}
}
