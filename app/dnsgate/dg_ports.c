/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port and queue setup. Worker i owns queue i of every port it serves, for RX and TX, so
 * no two cores ever share a queue. A pair runs min(workers, queues both ports offer)
 * queues; RSS spreads flows over them where there are several.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dg_err.h"
#include "dg_app.h"
#include "dg_rss.h"
#include "dg_frag.h"

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

/*
 * Several queues: symmetric RSS on addresses and ports (dg_rss.h). Without it the two
 * directions of a flow may reach different workers: TCP/53 answers and fragment
 * reassembly then miss their state, so say so loudly.
 */
static void
rss_conf(struct dg_port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf,
	 uint8_t *key)
{
	const uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	uint64_t hf = want & info->flow_type_rss_offloads;

	if (hf == 0) {
		fprintf(stderr, "dnsgate: WARNING: port %s has %u queues but no RSS: both "
			"directions of a flow may reach different workers (TCP/53 answers and "
			"fragment reassembly need them on one); run one worker or use a device "
			"with RSS\n", p->name, p->nq);
		return;
	}
	if (info->hash_key_size == 0 || info->hash_key_size > DG_RSS_KEY_MAX ||
	    (hf & (RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)) == 0)
		fprintf(stderr, "dnsgate: WARNING: port %s: RSS %s; flows may not be spread "
			"symmetrically over its %u queues\n", p->name,
			info->hash_key_size == 0 || info->hash_key_size > DG_RSS_KEY_MAX ?
			"key cannot be set" : "hashes addresses only", p->nq);
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
	if (info->hash_key_size > 0 && info->hash_key_size <= DG_RSS_KEY_MAX) {
		dg_rss_key_fill(key, info->hash_key_size);
		conf->rx_adv_conf.rss_conf.rss_key = key;
		conf->rx_adv_conf.rss_conf.rss_key_len = info->hash_key_size;
	}
}

/* The same redirection table on every port: entry i -> queue i mod n. */
static void
rss_reta(const struct dg_port *p, const struct rte_eth_dev_info *info)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];

	if (p->nq < 2 || info->reta_size == 0 || info->reta_size > RTE_ETH_RSS_RETA_SIZE_512)
		return;
	memset(reta, 0, sizeof(reta));
	for (unsigned int i = 0; i < info->reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(i % p->nq);
	}
	if (rte_eth_dev_rss_reta_update(p->id, reta, info->reta_size) != 0)
		fprintf(stderr, "dnsgate: WARNING: port %s: cannot set the RSS redirection "
			"table; its default decides which worker gets a flow\n", p->name);
}

static bool
on_hardware(const struct rte_eth_dev_info *info)
{
	const struct rte_bus *bus = info->device != NULL ? rte_dev_bus(info->device) : NULL;

	return bus != NULL && strcmp(rte_bus_name(bus), "vdev") != 0;
}

/* The MTU range the driver accepts, by ethdev's own rule (max_rx_pktlen less overhead). */
static void
driver_mtu_range(const struct rte_eth_dev_info *info, uint32_t *lo, uint32_t *hi)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	*lo = info->min_mtu;
	*hi = RTE_MIN((uint32_t)info->max_mtu,
		      info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : 0);
}

/*
 * net_af_packet copies each frame into a ring slot of `framesz` bytes (default 2048) and
 * truncates what does not fit, silently; the truncated frame would be forwarded. A slot
 * holds framesz - 66 bytes of frame (the TPACKET_V2 header and alignment come first).
 */
static void
warn_af_packet_slot(const struct dg_port *p, const struct rte_eth_dev_info *info,
		    unsigned int frame)
{
	const struct rte_devargs *da = rte_dev_devargs(info->device);
	const char *a = da != NULL ? da->args : NULL, *f;
	unsigned long slot = 2048;

	if (info->driver_name == NULL || strcmp(info->driver_name, "net_af_packet") != 0)
		return;
	for (f = a; f != NULL && *f != '\0'; f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL)
		if (strncmp(f, "framesz=", 8) == 0)
			slot = strtoul(f + 8, NULL, 0);
	if (slot < 66 || slot - 66 < frame)
		fprintf(stderr, "dnsgate: WARNING: port %s: framesz %lu holds frames up to %lu "
			"bytes, below the largest frame at [ports] mtu (%u): longer frames arrive "
			"truncated (give the vdev framesz=%u or more)\n", p->name, slot,
			slot < 66 ? 0 : slot - 66, frame, RTE_ALIGN_CEIL(frame + 66, 16));
}

/*
 * [ports] mtu on this port. A NIC that cannot take it is a configuration error: it would
 * drop every larger frame. Virtual devices often report a nominal limit and carry what
 * their backend does (net_af_packet says 1500 and passes frames up to its framesz), so
 * they get the nearest MTU they accept and a warning.
 */
static int
plan_mtu(struct dg_app *app, struct dg_port *p, char *err, size_t len)
{
	const unsigned int want = app->cfg.mtu;
	struct rte_eth_dev_info info;
	uint32_t lo, hi;
	int rc = rte_eth_dev_info_get(p->id, &info);

	if (rc < 0)
		return dg_errf(err, len, rc, "port %s: cannot get device info: %s", p->name,
			    rte_strerror(-rc));
	p->hw = on_hardware(&info);
	warn_af_packet_slot(p, &info, want + DG_L2_OVERHEAD);
	driver_mtu_range(&info, &lo, &hi);
	p->mtu = (uint16_t)want;
	if (want >= lo && want <= hi)
		return 0;
	if (p->hw || lo > hi)
		return dg_errf(err, len, -EINVAL, "%s: [ports] mtu %u: port %s takes %u..%u",
			    app->cfg.path, want, p->name, lo, hi);
	p->mtu = (uint16_t)(want < lo ? lo : hi);
	fprintf(stderr, "dnsgate: WARNING: port %s: its driver takes MTU %u..%u, not [ports] "
		"mtu %u; configured %u (a virtual device carries what its backend carries)\n",
		p->name, lo, hi, want, p->mtu);
	return 0;
}

/*
 * Data room per mbuf. A frame larger than one mbuf arrives as a chain where every port
 * scatters on RX and sends chains on TX; where one cannot, every mbuf holds a whole frame
 * (unless [ports] mbuf_size says otherwise: then the operator knows the drivers).
 */
static uint16_t
plan_room(const struct dg_app *app)
{
	const unsigned int frame = app->cfg.mtu + DG_L2_OVERHEAD;
	const char *cannot = NULL;
	unsigned int room = app->cfg.mbuf_size ? app->cfg.mbuf_size : RTE_MBUF_DEFAULT_DATAROOM;

	if (frame <= room)
		return (uint16_t)room;
	for (unsigned int i = 0; i < app->n_ports && cannot == NULL; i++) {
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(app->ports[i].id, &info) < 0 ||
		    !(info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) ||
		    !(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS))
			cannot = app->ports[i].name;
	}
	if (cannot == NULL)
		return (uint16_t)room;
	if (app->cfg.mbuf_size == 0)
		return (uint16_t)RTE_ALIGN_CEIL(frame, 1024);
	fprintf(stderr, "dnsgate: WARNING: port %s cannot chain frames (scattered RX and "
		"multi-segment TX) and [ports] mbuf_size %u is below the largest frame (%u): "
		"such frames pass only where its driver chains them itself\n", cannot, room,
		frame);
	return (uint16_t)room;
}

static int
configure_port(struct dg_app *app, struct dg_port *p, char *err, size_t len)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rxd = (uint16_t)app->cfg.rx_desc, txd = (uint16_t)app->cfg.tx_desc;
	uint8_t key[DG_RSS_KEY_MAX];
	int rc;

	rc = rte_eth_dev_info_get(p->id, &info);
	if (rc < 0)
		return dg_errf(err, len, rc, "port %s: cannot get device info: %s", p->name,
			    rte_strerror(-rc));
	if (p->nq > 1)
		rss_conf(p, &info, &conf, key);
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* Every query's checksums are verified: by the NIC where it can (the mbuf flags say
	 * so), else by the worker. */
	conf.rxmode.offloads |= info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	conf.rxmode.mtu = p->mtu;
	/* Frames longer than one mbuf: chained on RX, sent as chains (by either port). */
	if (app->cfg.mtu + DG_L2_OVERHEAD >
	    (unsigned int)(rte_pktmbuf_data_room_size(p->pool) - RTE_PKTMBUF_HEADROOM)) {
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
			conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	}
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
					    p->pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->id, q, txd, rte_eth_dev_socket_id(p->id),
						    &txc);
		if (rc < 0)
			return dg_errf(err, len, rc, "port %s: queue %u setup: %s", p->name, q,
				    rte_strerror(-rc));
	}
	rss_reta(p, &info);
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
		wk->scratch = rte_malloc_socket("dg_scratch", DG_SCRATCH_LEN, RTE_CACHE_LINE_SIZE,
						(int)rte_lcore_to_socket_id(lcores[w]));
		if (wk->scratch == NULL)
			return dg_errf(err, len, -ENOMEM, "out of memory for worker %u", w);
		if (dg_frag_create(app, wk) < 0)
			return dg_errf(err, len, -ENOMEM,
				    "out of memory for worker %u's reassembly table", w);
		wk->dec.cfg = &app->dcfg;
		wk->dec.cnt = &wk->fc;
		wk->dec.hits = wk->hitbuf;
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
		rc = plan_mtu(app, s, err, len);
		if (rc == 0)
			rc = plan_mtu(app, n, err, len);
		if (rc < 0)
			return rc;
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

/* Where a queue counts as behind: [workers] shed_backlog of its ring (docs/config.md). */
static void
shed_setup(const struct dg_app *app, struct dg_rxq *rq)
{
	struct rte_eth_rxq_info qi;
	uint16_t id = app->ports[rq->port].id;
	unsigned int ring = app->cfg.rx_desc;

	if (rte_eth_rx_queue_info_get(id, rq->queue, &qi) == 0 && qi.nb_desc > 0)
		ring = qi.nb_desc;
	rq->behind_at = (uint16_t)RTE_MAX(1u, RTE_MIN(ring - 1, ring * app->cfg.shed_pct / 100));
	rq->desc_status = rte_eth_rx_descriptor_status(id, rq->queue, 0) >= 0;
	/* auto: only where the PMD tells; never behind otherwise */
	if (app->cfg.shed == DG_CONFIG_SHED_NO ||
	    (!rq->desc_status && app->cfg.shed == DG_CONFIG_SHED_AUTO))
		rq->behind_at = 0;
}

/* The socket a port's memory belongs on: its device's, else the main lcore's, else 0. */
static unsigned int
port_socket(const struct dg_port *p)
{
	int s = rte_eth_dev_socket_id(p->id);

	if (s >= 0 && s < RTE_MAX_NUMA_NODES)
		return (unsigned int)s;
	return rte_socket_id() < RTE_MAX_NUMA_NODES ? rte_socket_id() : 0;
}

/*
 * One mbuf pool per NUMA socket that has a port, on that socket: a port receives into its
 * socket's pool, and an answer is allocated from the pool of the frame it answers.
 */
static int
make_pools(struct dg_app *app, unsigned int *total, uint16_t *room, char *err, size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	unsigned int per[RTE_MAX_NUMA_NODES] = { 0 };

	*room = plan_room(app);
	*total = 0;
	for (unsigned int i = 0; i < app->n_ports; i++)
		per[port_socket(&app->ports[i])] +=
			app->ports[i].nq * (cfg->rx_desc + cfg->tx_desc);
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		char name[RTE_MEMPOOL_NAMESIZE];
		unsigned int n = per[s];

		if (n == 0)
			continue;
		/* Every TX buffer, the per-lcore caches and held fragments, as any worker may
		 * hold this socket's mbufs. */
		n += app->n_workers * (app->n_ports * cfg->burst + DG_MEMPOOL_CACHE +
				       dg_frag_held_max(cfg)) + 4096;
		if (cfg->mbufs > 0)
			n = cfg->mbufs;
		if (s == rte_socket_id())
			snprintf(name, sizeof(name), "dg_mbufs");
		else
			snprintf(name, sizeof(name), "dg_mbufs_s%u", s);
		app->pools[s] = rte_pktmbuf_pool_create(name, n, DG_MEMPOOL_CACHE, 0,
							(uint16_t)(*room + RTE_PKTMBUF_HEADROOM),
							(int)s);
		if (app->pools[s] == NULL && rte_errno == ENOMEM) {
			/* No memory on that socket (e.g. --no-huge, -m on one socket): anywhere. */
			fprintf(stderr, "dnsgate: WARNING: no memory for the mbuf pool on socket "
				"%u: allocated on any socket\n", s);
			app->pools[s] = rte_pktmbuf_pool_create(name, n, DG_MEMPOOL_CACHE, 0,
				(uint16_t)(*room + RTE_PKTMBUF_HEADROOM), SOCKET_ID_ANY);
		}
		if (app->pools[s] == NULL)
			return dg_errf(err, len, -rte_errno, "mbuf pool of %u x %u bytes on socket "
				    "%u: %s", n, *room, s, rte_strerror(rte_errno));
		*total += n;
	}
	for (unsigned int i = 0; i < app->n_ports; i++)
		app->ports[i].pool = app->pools[port_socket(&app->ports[i])];
	return 0;
}

int
dg_ports_start(struct dg_app *app, char *err, size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	unsigned int nmbufs;
	uint16_t room;
	int rc;

	rc = make_pools(app, &nmbufs, &room, err, len);
	if (rc < 0)
		return rc;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		rc = configure_port(app, &app->ports[i], err, len);
		if (rc < 0)
			return rc;
	}
	printf("dnsgate: mtu %u: frames up to %u bytes, %u mbufs of %u bytes%s\n", cfg->mtu,
	       cfg->mtu + DG_L2_OVERHEAD, nmbufs, room,
	       cfg->mtu + DG_L2_OVERHEAD > room ? ", larger frames chained" : "");
	rc = make_workers(app, app->worker_lcores, err, len);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < app->n_ports; i++) {
		rc = rte_eth_dev_start(app->ports[i].id);
		if (rc < 0)
			return dg_errf(err, len, rc, "port %s: start: %s", app->ports[i].name,
				    rte_strerror(-rc));
	}
	for (unsigned int w = 0; w < app->n_workers; w++)
		for (unsigned int r = 0; r < app->workers[w]->n_rxq; r++)
			shed_setup(app, &app->workers[w]->rxq[r]);
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
		rte_free(app->workers[w]->scratch);
		dg_frag_free(app->workers[w]);
		rte_free(app->workers[w]);
	}
	for (unsigned int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(app->pools[s]);
}
