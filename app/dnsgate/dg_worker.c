/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker: a run-to-completion burst loop (DPDK l3fwd's shape). Frames are buffered per
 * output port and sent when a buffer fills or every DG_DRAIN_US, so small bursts still
 * leave in large ones. No allocation, lock or system call here.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dg_app.h"
#include "dg_filtering.h"
#include "dg_frag.h"

/* TX buffer error callback: the NIC refused these; count and free them. */
static void
tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	struct dg_port_counters *c = userdata;

	dg_cnt_add(&c->dropped, unsent);
	rte_pktmbuf_free_bulk(pkts, unsent);
}

static inline void
drain(struct dg_app *app, struct dg_worker *wk)
{
	for (unsigned int i = 0; i < app->n_ports; i++) {
		if (wk->txb[i] == NULL)
			continue;
		dg_cnt_add(&wk->cnt[i].tx, rte_eth_tx_buffer_flush(app->ports[i].id,
				(uint16_t)wk->index, wk->txb[i]));
	}
}

static inline void
send_burst(struct dg_app *app, struct dg_worker *wk, uint16_t out, struct rte_mbuf **pkts,
	   uint16_t n)
{
	const uint16_t port_id = app->ports[out].id, q = (uint16_t)wk->index;
	struct rte_eth_dev_tx_buffer *txb = wk->txb[out];
	uint64_t sent = 0;

	/* A full burst with nothing waiting goes straight out: buffering only adds a copy. */
	if (n == txb->size && txb->length == 0) {
		uint16_t k = rte_eth_tx_burst(port_id, q, pkts, n);

		if (unlikely(k < n))
			tx_unsent(pkts + k, (uint16_t)(n - k), &wk->cnt[out]);
		dg_cnt_add(&wk->cnt[out].tx, k);
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		sent += rte_eth_tx_buffer(port_id, q, txb, pkts[i]);
	dg_cnt_add(&wk->cnt[out].tx, sent);
}

/*
 * Overload sheds inspection, not frames: is this subscriber-side queue behind? A full
 * burst with the threshold descriptor filled (or, where the PMD cannot tell, enough full
 * bursts back to back) starts an episode; a short burst (the queue drained) ends it.
 */
static inline bool
behind(const struct dg_app *app, struct dg_worker *wk, struct dg_rxq *rq, uint16_t n,
       uint16_t burst, uint64_t now)
{
	if (n < burst) {
		rq->full_run = 0;
		if (unlikely(rq->shedding)) {
			rq->shedding = 0;
			dg_cnt_add(&wk->cyc.shed_tsc, now - rq->shed_since);
		}
		return false;
	}
	rq->full_run += n;
	if (likely(!rq->shedding)) {
		if (rq->desc_status ?
		    rte_eth_rx_descriptor_status(app->ports[rq->port].id, rq->queue, rq->behind_at) !=
			    RTE_ETH_RX_DESC_DONE :
		    rq->full_run < rq->behind_at)
			return false;
		rq->shedding = 1;
		rq->shed_since = now;
		dg_cnt_add(&wk->cyc.shed_episodes, 1);
	}
	return true;
}

int
dg_worker_main(void *arg)
{
	struct dg_app *app = arg;
	struct dg_worker *wk = NULL;
	struct rte_mbuf *pkts[DG_CONFIG_BURST_MAX];
	const uint16_t burst = (uint16_t)app->cfg.burst;
	uint64_t drain_tsc, last_drain, last_expire;
	const bool inspect = app->cfg.inspect;
	const bool resp = inspect && app->dcfg.responses;
	struct dg_burst_out bo;

	for (unsigned int w = 0; w < app->n_workers; w++)
		if (app->workers[w]->lcore == rte_lcore_id())
			wk = app->workers[w];
	if (wk == NULL)
		return 0;
	for (unsigned int i = 0; i < app->n_ports; i++)
		if (wk->txb[i] != NULL)
			rte_eth_tx_buffer_set_err_callback(wk->txb[i], tx_unsent, &wk->cnt[i]);

	rte_rcu_qsbr_thread_register(app->qsbr, wk->index);
	rte_rcu_qsbr_thread_online(app->qsbr, wk->index);
	drain_tsc = (rte_get_tsc_hz() + US_PER_S - 1) / US_PER_S * DG_DRAIN_US;
	last_drain = last_expire = rte_rdtsc();
	while (!__atomic_load_n(&app->quit, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc(), got = 0;
		bool short_burst = false;

		dg_cnt_add(&wk->loops, 1); /* the watchdog's proof of life */
		if (unlikely(now - last_drain > drain_tsc)) {
			drain(app, wk);
			last_drain = now;
		}
		/* Its own tick: short bursts drain early and would starve the one above. */
		if (unlikely(now - last_expire > drain_tsc) && wk->reasm != NULL) {
			dg_frag_expire(app, wk, now);
			last_expire = now;
		}
		for (unsigned int r = 0; r < wk->n_rxq; r++) {
			struct dg_rxq *rq = &wk->rxq[r];
			uint16_t n = rte_eth_rx_burst(app->ports[rq->port].id, rq->queue, pkts, burst);
			const bool sub = app->ports[rq->port].side == DG_SIDE_SUBSCRIBER && inspect;
			const bool shedding = sub && rq->behind_at != 0 &&
					      behind(app, wk, rq, n, burst, now);

			if (n < burst)
				short_burst = true;
			if (n == 0)
				continue;
			dg_cnt_add(&wk->cnt[rq->port].rx, n);
			got += n;
			if (sub && !shedding) {
				uint64_t t0 = rte_rdtsc();

				dg_filtering_burst(app, wk, t0, rq->port, pkts, n, &bo);
				dg_cnt_add(&wk->cyc.work_tsc, rte_rdtsc() - t0);
				send_burst(app, wk, app->ports[rq->port].peer, bo.fwd, bo.n_fwd);
				send_burst(app, wk, rq->port, bo.ans, bo.n_ans);
			} else {
				if (shedding)
					dg_cnt_add(&wk->cyc.shed, n);
				if (wk->tcp != NULL &&
				    app->ports[rq->port].side == DG_SIDE_NETWORK)
					n = dg_filtering_net(app, wk, now, rq->port, resp, pkts,
							     n);
				if (resp && app->ports[rq->port].side == DG_SIDE_NETWORK)
					n = dg_filtering_resp(app, wk, now, rq->port, pkts, n);
				send_burst(app, wk, app->ports[rq->port].peer, pkts, n);
			}
		}
		/* Nothing from an older snapshot is held past this point. */
		rte_rcu_qsbr_quiescent(app->qsbr, wk->index);
		/*
		 * A short burst means the queues are not backed up: send what waits now rather
		 * than at the next drain tick (latency at low load); under load every burst is
		 * full and the buffers keep batching.
		 */
		if (got > 0 && short_burst) {
			drain(app, wk);
			last_drain = now;
		}
		if (got > 0) {
			/* Busy loops only: idle polling is not a cost of the frames. */
			dg_cnt_add(&wk->cyc.busy_tsc, rte_rdtsc() - now);
			dg_cnt_add(&wk->cyc.busy_pkts, got);
		}
	}
	if (wk->reasm != NULL)
		dg_frag_flush(app, wk); /* nothing held is lost */
	drain(app, wk);
	for (unsigned int r = 0; r < wk->n_rxq; r++)
		if (wk->rxq[r].shedding)
			dg_cnt_add(&wk->cyc.shed_tsc, rte_rdtsc() - wk->rxq[r].shed_since);
	rte_rcu_qsbr_thread_offline(app->qsbr, wk->index);
	rte_rcu_qsbr_thread_unregister(app->qsbr, wk->index);
	return 0;
}
