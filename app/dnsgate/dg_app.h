/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_APP_H
#define DG_APP_H

/**
 * @file
 * State shared by the appliance's main, port setup, workers and management loop.
 * Written by the main lcore before workers start; read-only afterwards except for the
 * per-worker counters (one writer each), the quit flag, and the link and watchdog state
 * that the management loop alone writes.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "dg_config.h"
#include "dg_ctl_server.h"
#include "dg_decide.h"
#include "dg_dns.h"
#include "dg_encdns.h"
#include "dg_filter.h"
#include "dg_guard.h"
#include "dg_notify.h"
#include "dg_pkt.h"
#include "dg_tcp.h"

enum {
	DG_MAX_PORTS = 2 * DG_CONFIG_MAX_PAIRS,
	DG_MAX_WORKERS = DG_CONFIG_MAX_LCORES,
	DG_MAX_RXQ_PER_WORKER = DG_MAX_PORTS,
	DG_DRAIN_US = 100, /**< longest a forwarded frame waits in a TX buffer */
	DG_SCRATCH_LEN = 16384, /**< a worker's linear copy of a chained frame or a datagram */
	/** Largest frame an MTU allows: Ethernet header and two VLAN tags (QinQ) around it. */
	DG_L2_OVERHEAD = RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN,
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
	uint16_t mtu;              /**< MTU the device is configured with */
	bool hw;                   /**< a hardware port (not on the vdev bus) */
	enum dg_port_side side;
	struct rte_mempool *pool;  /**< its RX mbufs, on its NUMA socket (dg_app.pools) */
	char name[RTE_ETH_NAME_MAX_LEN];
};

/** Counters one worker keeps for one port; only that worker writes them. */
struct dg_port_counters {
	uint64_t rx;      /**< frames received */
	uint64_t tx;      /**< frames handed to the NIC and accepted */
	uint64_t dropped; /**< frames the NIC did not accept (TX ring full) */
};

/* One writer per counter: a relaxed store of load+n is a plain add on x86 and never tears. */
#define dg_cnt_add dg_decide_cnt_add
#define dg_cnt_read dg_decide_cnt_read

/** Where a worker's cycles go (TSC), for cycles-per-packet figures. */
struct dg_cycle_counters {
	uint64_t busy_tsc;  /**< loop iterations that received frames, whole iteration */
	uint64_t work_tsc;  /**< inside dg_filtering_burst(): parse, lookup, forge */
	uint64_t busy_pkts; /**< frames received in those iterations */
	uint64_t shed;      /**< subscriber frames forwarded uninspected: the queue was behind */
	uint64_t shed_tsc;  /**< time spent shedding (TSC), episodes ended so far */
	uint64_t shed_episodes;
};

/** One RX queue a worker polls, and where its frames go. */
struct dg_rxq {
	uint16_t port;  /**< index in dg_app.ports */
	uint16_t queue;
	/** Overload: the queue is behind when descriptor @p behind_at is filled, or (PMDs that
	 * cannot tell) after @p behind_at frames in full bursts back to back; 0: never. */
	uint16_t behind_at;
	uint8_t desc_status;  /**< the PMD answers rte_eth_rx_descriptor_status() */
	uint8_t shedding;     /**< forwarding uninspected until the queue runs short */
	uint32_t full_run;    /**< frames in full bursts since the last short one */
	uint64_t shed_since;  /**< TSC the episode began */
};

struct dg_worker {
	unsigned int lcore;
	unsigned int index;        /**< worker number: its queue id on every port */
	unsigned int n_rxq;
	struct dg_rxq rxq[DG_MAX_RXQ_PER_WORKER];
	struct rte_eth_dev_tx_buffer *txb[DG_MAX_PORTS]; /**< by port index; NULL if unused */
	struct dg_port_counters cnt[DG_MAX_PORTS] __rte_cache_aligned;
	/** Loop iterations: the watchdog's proof of life (only this worker writes it). */
	uint64_t loops __rte_cache_aligned;
	/** What the worker did with subscriber-side traffic (the denominator of the published
	 * share is fc.queries: queries whose name was read, opt-out excluded). */
	struct dg_decide_counters fc __rte_cache_aligned;
	struct dg_cycle_counters cyc;
	struct dg_decide dec;      /**< this worker's decision state (guard, counters) */
	struct dg_guard *guard;    /**< this worker's reflection guard */
	struct rte_ring *hits;     /**< hit log records to the management core, or NULL */
	struct dg_hit_record hitbuf[DG_DECIDE_BURST_MAX]; /**< a burst's records, then queued */
	struct rte_ring *samples;  /**< sampled benign queries (dnstap), or NULL: sampling off */
	uint8_t *scratch;          /**< linear copy of a chained frame or a reassembled
				    *   datagram (DG_SCRATCH_LEN bytes) */
	struct dg_reasm *reasm;    /**< fragments held for reassembly, or NULL: off */
	struct dg_tcp_table *tcp;  /**< TCP/53 flows this worker follows, or NULL */
	struct dg_tcp_msgs tcp_msgs; /**< messages a client segment completed */
	/** Encrypted DNS and canary counters (dg_intercept.c); this worker writes them. */
	struct dg_encdns_counters ec __rte_cache_aligned;
	uint64_t *ep_hits;         /**< per DoH endpoint, or NULL */
} __rte_cache_aligned;

struct dg_reasm;

/** One port's link as the management loop tracks it (only that loop writes this). */
struct dg_link_port {
	bool propagate;        /**< its pair follows link faults (link_propagate) */
	bool up;               /**< the port's own link, as last reported while not held down */
	bool held;             /**< held down by us because its peer lost link */
	uint64_t settle_tsc;   /**< until then a down link is not a fault: it is coming up */
	uint64_t changes;      /**< link transitions seen on the wire (not our own) */
	uint64_t held_downs;   /**< times taken down for its peer */
	uint64_t failures;     /**< link down/up requests the driver refused */
};

/** systemd notifications and the watchdog (management loop only). */
struct dg_watchdog {
	struct dg_notify n;
	bool ready;                      /**< READY=1 sent */
	bool extended;                   /**< timeout lengthened for a running command */
	uint64_t period_tsc;             /**< between progress checks; 0 = no watchdog */
	uint64_t next_tsc;
	uint64_t seen[DG_MAX_WORKERS];   /**< loop counters at the last check */
	int stalled;                     /**< worker whose stall withholds pings, -1 = none */
	uint64_t pings;                  /**< WATCHDOG=1 sent */
	uint64_t withheld;               /**< checks that found a worker stalled */
};

struct dg_snapshot;

struct dg_app {
	struct dg_config cfg;
	unsigned int n_ports;
	struct dg_port ports[DG_MAX_PORTS];
	unsigned int n_workers;
	unsigned int worker_lcores[DG_MAX_WORKERS];
	struct dg_worker *workers[DG_MAX_WORKERS];
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES]; /**< by socket: one per socket with a port */
	volatile bool quit;        /**< set by the management core; workers poll it */
	uint64_t start_tsc;
	struct dg_link_port link[DG_MAX_PORTS]; /**< by port index */
	struct dg_watchdog wd;

	/* Filtering: read by workers, written by the management core only. */
	struct dg_snapshot *snap;  /**< current snapshot (atomic pointer, RCU-reclaimed) */
	uint32_t today;            /**< the local date in [mgmt] timezone, days since
				    *   1970-01-01 (atomic) */
	struct rte_rcu_qsbr *qsbr; /**< workers report quiescence once per loop */
	struct dg_decide_cfg dcfg; /**< parser, answer and policy settings */
	struct dg_encdns *encdns;  /**< encrypted DNS tables, or NULL: off (dg_intercept.c) */
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
/** Sum one port's counters over all workers. */
void dg_mgmt_port_totals(const struct dg_app *app, unsigned int port,
			 struct dg_port_counters *out);
/** Ask the loop to stop (async-signal-safe). */
void dg_mgmt_request_stop(void);

/* dg_intercept.c */
struct dg_control;
/**
 * Encrypted DNS and the canary ([intercept] canary, dot, doq, doh): load the DoH endpoint
 * lists and make the snapshot builds add the canary entries. Before dg_snapshot_init().
 * @return 0, or a negative errno with `FILE[:LINE]: reason` in @p err.
 */
int dg_intercept_init(struct dg_app *app, struct dg_control *c, char *err, size_t errlen);
/** Every worker's counters, once the workers exist (dg_ports_start()). 0 or -ENOMEM. */
int dg_intercept_workers(struct dg_app *app, char *err, size_t errlen);
void dg_intercept_fini(struct dg_app *app);

/* dg_link.c */
/** Resolve link_propagate per pair and start tracking every port's link. */
void dg_link_init(struct dg_app *app);
/** Read every port's link; on a change, log it and take the peer down or bring it back. */
void dg_link_poll(struct dg_app *app, uint64_t now_tsc);

/* dg_watchdog.c */
/** Open the systemd channel from the environment (a bad one is reported, then ignored). */
void dg_watchdog_init(struct dg_app *app);
/**
 * READY=1 once every worker loops; then WATCHDOG=1 every half watchdog period while every
 * worker's loop counter advanced since the last check, and nothing while one did not.
 */
void dg_watchdog_tick(struct dg_app *app, uint64_t now_tsc);
/**
 * Around a control command (@p busy true before, false after): lengthen the watchdog
 * timeout while it holds the management loop, if every worker is looping; restore it.
 */
void dg_watchdog_busy(struct dg_app *app, bool busy);
/** STOPPING=1 and close. */
void dg_watchdog_stop(struct dg_app *app);

#endif /* DG_APP_H */
