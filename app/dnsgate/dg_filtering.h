/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FILTERING_H
#define DG_FILTERING_H

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dg_app.h"

/** Where the frames of one subscriber-side burst go. */
struct dg_burst_out {
	uint16_t n_fwd, n_ans;
	/** To the peer port, unchanged, in order: the burst itself when all of it goes
	 * there (the common case, no copy), else @p buf. */
	struct rte_mbuf **fwd;
	struct rte_mbuf *buf[DG_CONFIG_BURST_MAX];
	struct rte_mbuf *ans[DG_CONFIG_BURST_MAX]; /**< forged answers, back out of the ingress */
};

/**
 * Decide every frame of a burst that arrived on subscriber-side port @p in; dropped
 * frames are freed here. Worker lcores only. @p now: the TSC when the burst arrived
 * (reflection guard, hit log); read once a burst, since a TSC read costs tens of cycles.
 */
void dg_filtering_burst(const struct dg_app *app, struct dg_worker *wk, uint64_t now,
			uint16_t in, struct rte_mbuf **pkts, uint16_t n,
			struct dg_burst_out *out);

/**
 * Read a network-side burst that arrived on port index @p in for the state of TCP/53
 * flows (the server's sequence numbers, window, FIN/RST). With @p resp (response policy),
 * the responses in tracked server segments are decided too: a listed one rewrites its
 * segment into the answer + FIN to the client and sends a RST to the server out of
 * @p in; dropped frames are freed and @p pkts compacted in order. Worker lcores with a
 * TCP table only. @return frames left in @p pkts.
 */
uint16_t dg_filtering_net(const struct dg_app *app, struct dg_worker *wk, uint64_t now,
			  uint16_t in, bool resp, struct rte_mbuf **pkts, uint16_t n);

/**
 * Response policy over a network-side burst that arrived on port index @p in
 * (dg_decide_net_burst()): responses rewritten in place, dropped ones freed; @p pkts is
 * compacted in order. Worker lcores only. @return frames left in @p pkts, for the peer.
 */
uint16_t dg_filtering_resp(const struct dg_app *app, struct dg_worker *wk, uint64_t now,
			   uint16_t in, struct rte_mbuf **pkts, uint16_t n);

/** Checksums the NIC vouched for (DG_PKT_HINT_*). */
static inline uint16_t
dg_filtering_nic_hints(const struct rte_mbuf *m)
{
	uint16_t h = 0;

	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		h |= DG_PKT_HINT_IP4_CSUM_GOOD;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		h |= DG_PKT_HINT_L4_CSUM_GOOD;
	return h;
}

/** Hand @p m to this worker's TX buffer of port index @p port. */
static inline void
dg_filtering_tx(const struct dg_app *app, struct dg_worker *wk, uint16_t port,
		struct rte_mbuf *m)
{
	dg_cnt_add(&wk->cnt[port].tx, rte_eth_tx_buffer(app->ports[port].id,
							(uint16_t)wk->index, wk->txb[port], m));
}

/*
 * For the reassembly (dg_frag.c), inside dg_filtering_burst() only.
 */

/**
 * Forward @p m to the peer of port @p in after every frame of the burst decided so far:
 * through @p out's buffer (the burst is split already), which goes to the TX buffer
 * when full.
 */
void dg_filtering_emit(const struct dg_app *app, struct dg_worker *wk, uint16_t in,
		       struct dg_burst_out *out, struct rte_mbuf *m);

/**
 * Decide a frame copied into wk->scratch (@p f; a chained frame, a reassembled
 * datagram) and queue its hit record. An answer is forged in the copy within
 * @p ans_room bytes. Fragments and TCP to the DNS port are not decided:
 * DG_DISP_FRAGMENT / DG_DISP_TCP, with the parse in @p p.
 */
enum dg_disp dg_filtering_decide_copy(const struct dg_app *app, struct dg_worker *wk,
				      const struct dg_decide_policy *pol, uint64_t now,
				      struct dg_frame *f, uint32_t ans_room, struct dg_pkt *p);

/** Make @p m the answer @p f (one segment: the others are freed). */
void dg_filtering_answer_into(struct rte_mbuf *m, const struct dg_frame *f);

#endif /* DG_FILTERING_H */
