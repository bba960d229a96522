/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port and queue setup. Worker i owns queue i of every port it serves, for RX and TX, so
 * no two cores ever share a queue. A pair runs min(workers, queues both ports offer)
 * queues; RSS spreads flows over them where there are several.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dg_err.h"
#include "dg_app.h"

enum { DG_MEMPOOL_CACHE = 256 };

static int
find_port(struct dg_app *app, const char *name, unsigned int line, uint16_t *id,
	  char *err, size_t len)
{
	char avail[512] = "";
	size_t o = 0;
	uint16_t p;

	if (rte_eth_dev_get_port_by_name(name, id) == 0)
		return 0;
	RTE_ETH_FOREACH_DEV(p) {
		char n[RTE_ETH_NAME_MAX_LEN];

		if (rte_eth_dev_get_name_by_port(p, n) == 0 && o < sizeof(avail))
			o += (size_t)snprintf(avail + o, sizeof(avail) - o, "%s%s", o ? " " : "", n);
	}
	return dg_errf(err, len, -ENODEV, "%s:%u: port '%s' not found (ports: %s)",
		    app->cfg.path, line, name, o ? avail : "none; add --vdev or a PCI device");
}

static int
queues_for(uint16_t id, unsigned int workers, uint16_t *nq)
{
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(id, &info);

	if (rc < 0)
		return rc;
	*nq = (uint16_t)RTE_MIN(RTE_MIN((unsigned int)info.max_rx_queues,
					(unsigned int)info.max_tx_queues), workers);
	return 0;
}

static int
configure_port(struct dg_app *app, struct dg_port *p, char *err, size_t len)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rxd = (uint16_t)app->cfg.rx_desc, txd = (uint16_t)app->cfg.tx_desc;
	int rc;

	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc < 0)
		return dg_errf(err, len, rc, "port %s: cannot get device info: %s", p->name,
			    rte_strerror(-rc));
	if (p->nq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(p->id, p->nq, p->nq, &conf);
	if (rc < 0)
		return dg_errf(err, len, rc, "port %s: configure %u queues: %s", p->name, p->nq,
			    rte_strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &rxd, &txd);
	if (rc < 0)
		return dg_errf(err, len, rc, "port %s: descriptors: %s", p->name, rte_strerror(-rc));
	for (uint16_t q = 0; q < p->nq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(p->id, q, rxd, rte_eth_dev_socket_id(p->id), NULL,
					    app->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->id, q, txd, rte_eth_dev_socket_id(p->id),
						    &txc);
		if (rc < 0)
			return dg_errf(err, len, rc, "port %s: queue %u setup: %s", p->name, q,
				    rte_strerror(-rc));
	}
	/* A bump in the wire must pass frames for any MAC address. */
	rc = rte_eth_promiscuous_enable(p->id);
	if (rc < 0 && rc != -ENOTSUP)
		return dg_errf(err, len, rc, "port %s: promiscuous mode: %s", p->name,
			    rte_strerror(-rc));
	return 0;
}

static int
make_workers(struct dg_app *app, const unsigned int *lcores, char *err, size_t len)
{
	unsigned int burst = app->cfg.burst;

	for (unsigned int w = 0; w < app->n_workers; w++) {
		struct dg_worker *wk = rte_zmalloc_socket("dg_worker", sizeof(*wk),
			RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lcores[w]));

		if (wk == NULL)
			return dg_errf(err, len, -ENOMEM, "out of memory for worker %u", w);
		wk->lcore = lcores[w];
		wk->index = w;
		app->workers[w] = wk;
		for (unsigned int i = 0; i < app->n_ports; i++) {
			struct dg_port *p = &app->ports[i];

			if (w >= p->nq)
				continue;
			wk->rxq[wk->n_rxq++] = (struct dg_rxq){ .port = (uint16_t)i,
								 .queue = (uint16_t)w };
			wk->txb[i] = rte_zmalloc_socket("dg_txb", RTE_ETH_TX_BUFFER_SIZE(burst), 0,
							(int)rte_lcore_to_socket_id(lcores[w]));
			if (wk->txb[i] == NULL)
				return dg_errf(err, len, -ENOMEM, "out of memory for TX buffers");
			rte_eth_tx_buffer_init(wk->txb[i], (uint16_t)burst);
		}
	}
	return 0;
}

int
dg_ports_plan(struct dg_app *app, char *err, size_t len)
{
	unsigned int *lcores = app->worker_lcores, lc;
	const struct dg_config *cfg = &app->cfg;
	int rc;

	/* Workers: the configured lcores, or every lcore but the main one. */
	app->n_workers = 0;
	if (cfg->n_workers > 0) {
		for (unsigned int i = 0; i < cfg->n_workers; i++) {
			lc = cfg->workers[i];
			if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore())
				return dg_errf(err, len, -EINVAL,
					    "%s: [workers] lcores: lcore %u is %s", cfg->path, lc,
					    lc == rte_get_main_lcore() ? "the main (management) lcore" :
					    "not enabled in the EAL lcore list (-l)");
			lcores[app->n_workers++] = lc;
		}
	} else {
		RTE_LCORE_FOREACH_WORKER(lc)
			lcores[app->n_workers++] = lc;
	}
	if (app->n_workers == 0)
		return dg_errf(err, len, -EINVAL,
			    "no worker lcore: give the EAL at least two lcores (e.g. -l 0-1)");

	for (unsigned int i = 0; i < cfg->n_pairs; i++) {
		struct dg_port *s = &app->ports[2 * i], *n = &app->ports[2 * i + 1];
		uint16_t qs, qn;

		rc = find_port(app, cfg->pairs[i].sub, cfg->pairs[i].line, &s->id, err, len);
		if (rc == 0)
			rc = find_port(app, cfg->pairs[i].net, cfg->pairs[i].line, &n->id, err, len);
		if (rc < 0)
			return rc;
		snprintf(s->name, sizeof(s->name), "%s", cfg->pairs[i].sub);
		snprintf(n->name, sizeof(n->name), "%s", cfg->pairs[i].net);
		s->side = DG_SIDE_SUBSCRIBER;
		n->side = DG_SIDE_NETWORK;
		s->peer = (uint16_t)(2 * i + 1);
		n->peer = (uint16_t)(2 * i);
		if (queues_for(s->id, app->n_workers, &qs) < 0 ||
		    queues_for(n->id, app->n_workers, &qn) < 0)
			return dg_errf(err, len, -EIO, "pair %s %s: cannot query queues", s->name, n->name);
		s->nq = n->nq = RTE_MIN(qs, qn);
		if (s->nq == 0)
			return dg_errf(err, len, -EINVAL, "pair %s %s: a port offers no queue", s->name,
				    n->name);
	}
	app->n_ports = 2 * cfg->n_pairs;
	return 0;
}

int
dg_ports_start(struct dg_app *app, char *err, size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	unsigned int nmbufs = 0;
	int rc;

	for (unsigned int i = 0; i < app->n_ports; i++)
		nmbufs += app->ports[i].nq * (cfg->rx_desc + cfg->tx_desc);

	/* Enough for every ring, every TX buffer and the per-lcore caches. */
	nmbufs += app->n_workers * (app->n_ports * cfg->burst + DG_MEMPOOL_CACHE) + 4096;
	if (cfg->mbufs > 0)
		nmbufs = cfg->mbufs;
	app->pool = rte_pktmbuf_pool_create("dg_mbufs", nmbufs, DG_MEMPOOL_CACHE, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (app->pool == NULL)
		return dg_errf(err, len, -rte_errno, "mbuf pool of %u: %s", nmbufs,
			    rte_strerror(rte_errno));

	for (unsigned int i = 0; i < app->n_ports; i++) {
		rc = configure_port(app, &app->ports[i], err, len);
		if (rc < 0)
			return rc;
	}
	rc = make_workers(app, app->worker_lcores, err, len);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < app->n_ports; i++) {
		rc = rte_eth_dev_start(app->ports[i].id);
		if (rc < 0)
			return dg_errf(err, len, rc, "port %s: start: %s", app->ports[i].name,
				    rte_strerror(-rc));
	}
	return 0;
}

void
dg_ports_close(struct dg_app *app)
{
	/* Stopping flushes what some PMDs buffer (net_pcap writes its dump file here). */
	for (unsigned int i = 0; i < app->n_ports; i++) {
		rte_eth_dev_stop(app->ports[i].id);
		rte_eth_dev_close(app->ports[i].id);
	}
	for (unsigned int w = 0; w < app->n_workers; w++) {
		for (unsigned int i = 0; i < DG_MAX_PORTS; i++)
			rte_free(app->workers[w]->txb[i]);
		rte_free(app->workers[w]);
	}
	rte_mempool_free(app->pool);
}
