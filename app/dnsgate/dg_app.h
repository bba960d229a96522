/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_APP_H
#define DG_APP_H

/**
 * @file
 * State shared by the appliance's main, port setup, workers and management loop.
 * Written by the main lcore before workers start; read-only afterwards except for the
 * per-worker counters (one writer each) and the quit flag.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "dg_config.h"
#include "dg_ctl_server.h"
#include "dg_dns.h"
#include "dg_filter.h"
#include "dg_guard.h"
#include "dg_pkt.h"

enum {
	DG_MAX_PORTS = 2 * DG_CONFIG_MAX_PAIRS,
	DG_MAX_WORKERS = DG_CONFIG_MAX_LCORES,
	DG_MAX_RXQ_PER_WORKER = DG_MAX_PORTS,
	DG_DRAIN_US = 100, /**< longest a forwarded frame waits in a TX buffer */
};

/** Which side of the bump in the wire a port is on. */
enum dg_port_side {
	DG_SIDE_SUBSCRIBER, /**< queries arriving here are filtered */
	DG_SIDE_NETWORK,    /**< frames arriving here are forwarded, whatever they hold */
};

struct dg_port {
	uint16_t id;               /**< DPDK port id */
	uint16_t peer;             /**< index in dg_app.ports of the other side */
	uint16_t nq;               /**< RX/TX queues configured (one per worker up to this) */
	enum dg_port_side side;
	char name[RTE_ETH_NAME_MAX_LEN];
};

/** Counters one worker keeps for one port; only that worker writes them. */
struct dg_port_counters {
	uint64_t rx;      /**< frames received */
	uint64_t tx;      /**< frames handed to the NIC and accepted */
	uint64_t dropped; /**< frames the NIC did not accept (TX ring full) */
};

/* One writer per counter: a relaxed store of load+n is a plain add on x86 and never tears. */
static inline void
dg_cnt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static inline uint64_t
dg_cnt_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/**
 * What the worker did with subscriber-side DNS traffic; only that worker writes them.
 * "queries" is the denominator of the published share: answerable queries from
 * subscribers who did not opt out.
 */
struct dg_filter_counters {
	uint64_t fwd[DG_FWD__MAX];          /**< forwarded unchanged, by reason (0 unused) */
	uint64_t queries;                   /**< answerable queries, opt-out excluded */
	uint64_t optout;                    /**< queries from opted-out subscribers */
	uint64_t verdict[DG_ACTION_COUNT];  /**< queries with a verdict, by action */
	uint64_t answered;                  /**< forged answers sent back */
	uint64_t log_lost;                  /**< hit records not queued (ring full) */
};

/** Where a worker's cycles go (TSC), for cycles-per-packet figures. */
struct dg_cycle_counters {
	uint64_t busy_tsc;  /**< loop iterations that received frames, whole iteration */
	uint64_t work_tsc;  /**< inside dg_filtering_burst(): parse, lookup, forge */
	uint64_t busy_pkts; /**< frames received in those iterations */
};

/** One RX queue a worker polls, and where its frames go. */
struct dg_rxq {
	uint16_t port;  /**< index in dg_app.ports */
	uint16_t queue;
};

struct dg_worker {
	unsigned int lcore;
	unsigned int index;        /**< worker number: its queue id on every port */
	unsigned int n_rxq;
	struct dg_rxq rxq[DG_MAX_RXQ_PER_WORKER];
	struct rte_eth_dev_tx_buffer *txb[DG_MAX_PORTS]; /**< by port index; NULL if unused */
	struct dg_port_counters cnt[DG_MAX_PORTS] __rte_cache_aligned;
	struct dg_filter_counters fc __rte_cache_aligned;
	struct dg_cycle_counters cyc;
	struct dg_guard *guard;    /**< this worker's reflection guard */
	struct rte_ring *hits;     /**< hit log records to the management core, or NULL */
} __rte_cache_aligned;

struct dg_snapshot;

struct dg_app {
	struct dg_config cfg;
	unsigned int n_ports;
	struct dg_port ports[DG_MAX_PORTS];
	unsigned int n_workers;
	unsigned int worker_lcores[DG_MAX_WORKERS];
	struct dg_worker *workers[DG_MAX_WORKERS];
	struct rte_mempool *pool;
	volatile bool quit;        /**< set by the management core; workers poll it */
	uint64_t start_tsc;

	/* Filtering: read by workers, written by the management core only. */
	struct dg_snapshot *snap;  /**< current snapshot (atomic pointer, RCU-reclaimed) */
	uint32_t today;            /**< days since 1970-01-01 UTC (atomic) */
	struct rte_rcu_qsbr *qsbr; /**< workers report quiescence once per loop */
	struct dg_pkt_cfg pkt_cfg;
	struct dg_answer_cfg answer_cfg;
	struct dg_answer_soa soa;
};

/* dg_ports.c */
/** Pick worker lcores and find the ports; touches no port. 0, -ENODEV or -EINVAL. */
int dg_ports_plan(struct dg_app *app, char *err, size_t errlen);
/** Mbuf pool, queues, workers' TX buffers; start the ports. */
int dg_ports_start(struct dg_app *app, char *err, size_t errlen);
void dg_ports_close(struct dg_app *app);

/* dg_worker.c */
int dg_worker_main(void *arg);

/* dg_mgmt.c */
/**
 * Run the management loop on the calling (main) lcore until quit: live counters, the
 * control socket (@p srv may be NULL), the date the workers filter with.
 */
void dg_mgmt_loop(struct dg_app *app, struct dg_ctl_server *srv, dg_ctl_handler_t fn,
		  void *ctx, void (*tick)(void *), void *tick_arg);
/** Print the per-port summary (after the workers stopped). */
void dg_mgmt_summary(const struct dg_app *app, FILE *out);
/** Sum one port's counters over all workers. */
void dg_mgmt_port_totals(const struct dg_app *app, unsigned int port,
			 struct dg_port_counters *out);
/** Ask the loop to stop (async-signal-safe). */
void dg_mgmt_request_stop(void);

#endif /* DG_APP_H */
