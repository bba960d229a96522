/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_COUNTERS_H
#define DG_COUNTERS_H

/**
 * @file
 * The appliance's counter registry (lib/stats dg_metrics): every counter it keeps, declared
 * once in dg_counters.c, with where its value is. Text and JSON stats, the summary, the
 * live line, DPDK telemetry and Prometheus all walk it; docs/counters.md lists it.
 *
 * A walk reads per-worker counters with relaxed loads (any thread), the management loop's
 * own counters the same way, and the NIC's counters through ethdev. Metrics flagged
 * DG_METRIC_F_MGMT (the identifiers: they follow the snapshots) are walked on the
 * management core only.
 */

#include <stdio.h>

#include <rte_ethdev.h>

#include "dg_ctl_audit.h"
#include "dg_ctl_server.h"
#include "dg_metrics.h"
#include "dg_snapshot.h"

/** One walk's registry: the table, the read callbacks and what they cache. */
struct dg_counters {
	struct dg_metrics reg;
	int nic_port;              /**< port whose rte_eth_stats are in @p nic, or -1 */
	struct rte_eth_stats nic;
};

/**
 * Where the counters are: @p ctl (its app, outputs, feeds and audit log) and the control
 * socket @p srv (may be NULL). Main thread, before the first walk.
 * @return 0, or -EINVAL with the reason in @p err: the table breaks a dg_metrics_check()
 *   rule (a bug of the table).
 */
int dg_counters_init(struct dg_control *ctl, struct dg_ctl_server *srv, char *err,
		     size_t errlen);

/** The registry as a Markdown table (docs/counters.md; `dnsgate --counters`). */
void dg_counters_list(FILE *out);

/** Ready @p c for a walk (each thread its own). */
void dg_counters_open(struct dg_counters *c);

#endif /* DG_COUNTERS_H */
