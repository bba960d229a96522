/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_COUNTERS_PVT_H
#define DG_COUNTERS_PVT_H

/* Between the registry's table (dg_counters.c) and its readers (dg_counters_read.c). */

#include "dg_counters.h"

/* Where a row's value is (struct dg_metric.src); off is into the struct named. */
enum dg_counters_src {
	SRC_GET,          /* the row's get(), or its each() */
	SRC_WORKER,       /* struct dg_worker, summed over workers */
	SRC_WORKER_PORT,  /* struct dg_port_counters of the port, summed over workers */
	SRC_TCP,          /* struct dg_tcp_stats, summed over the workers' TCP tables */
	SRC_APP,          /* struct dg_app */
	SRC_LINK,         /* struct dg_link_port of the port */
	SRC_NIC,          /* struct rte_eth_stats of the port */
	SRC_OUTPUTS,      /* struct dg_outputs */
	SRC_HITLOG,       /* struct dg_hitlog_stats (dg_outputs_log_stats()) */
	SRC_DNSTAP,       /* struct dg_dnstap_stats (dg_outputs_log_stats()) */
	SRC_CONTROL,      /* struct dg_control */
	SRC_FEEDS,        /* struct dg_feeds */
	SRC_FEED,         /* struct dg_feed_status of each feed (each()) */
	SRC_CTL_SERVER,   /* struct dg_ctl_server_stats */
	SRC_AUDIT,        /* struct dg_ctl_audit_stats */
};

/* Remember where the counters are (dg_counters_init()). */
void dg_counters_where(struct dg_control *ctl, struct dg_ctl_server *srv);

/* Fill @p c's registry for @p table. */
void dg_counters_reg(struct dg_counters *c, const struct dg_metric *table, size_t n);

/* Derived values and dynamic arrays, named in the table. */
uint64_t dg_counters_uptime(void *ctx, int port, unsigned int i);
uint64_t dg_counters_filtered(void *ctx, int port, unsigned int i);
uint64_t dg_counters_link_up(void *ctx, int port, unsigned int i);
uint64_t dg_counters_link_held(void *ctx, int port, unsigned int i);
uint64_t dg_counters_link_propagate(void *ctx, int port, unsigned int i);
int dg_counters_each_xstat(void *ctx, const struct dg_metric *m, int port,
			   dg_metric_emit_fn fn, void *arg);
int dg_counters_each_feed(void *ctx, const struct dg_metric *m, int port,
			  dg_metric_emit_fn fn, void *arg);
int dg_counters_each_doh_endpoint(void *ctx, const struct dg_metric *m, int port,
				  dg_metric_emit_fn fn, void *arg);
int dg_counters_each_ident(void *ctx, const struct dg_metric *m, int port,
			   dg_metric_emit_fn fn, void *arg);

#endif /* DG_COUNTERS_PVT_H */
