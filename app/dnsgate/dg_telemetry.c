/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands: /dnsgate/stats (filter counters), /dnsgate/forward (frames
 * forwarded unchanged, by reason) and /dnsgate/ports. The telemetry thread only reads
 * per-lcore counters (atomic loads), so it needs no lock with the workers or the
 * management core.
 */
#include <rte_telemetry.h>

#include "dg_stats.h"
#include "dg_telemetry.h"

static const struct dg_app *tapp;

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dg_filter_counters t;
	uint64_t filtered = 0;

	(void)cmd;
	(void)params;
	dg_stats_filter_totals(tapp, &t);
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
		if (a != DG_ACTION_ALLOW)
			filtered += t.verdict[a];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "queries", t.queries);
	rte_tel_data_add_dict_u64(d, "optout_queries", t.optout);
	rte_tel_data_add_dict_u64(d, "filtered", filtered);
	rte_tel_data_add_dict_u64(d, "answered", t.answered);
	rte_tel_data_add_dict_u64(d, "rate_limited", t.fwd[DG_FWD_RATE_LIMITED]);
	rte_tel_data_add_dict_u64(d, "hitlog_not_queued", t.log_lost);
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++) {
		char key[RTE_TEL_MAX_STRING_LEN];

		snprintf(key, sizeof(key), "verdict_%s", dg_action_name(a));
		/* Telemetry names allow no '-': log-only becomes verdict_log_only. */
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		rte_tel_data_add_dict_u64(d, key, t.verdict[a]);
	}
	return 0;
}

static int
tel_forward(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct dg_filter_counters t;

	(void)cmd;
	(void)params;
	dg_stats_filter_totals(tapp, &t);
	rte_tel_data_start_dict(d);
	for (unsigned int r = 1; r < DG_FWD__MAX; r++)
		rte_tel_data_add_dict_u64(d, dg_fwd_reason_name(r), t.fwd[r]);
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tapp->n_ports; i++) {
		struct dg_port_counters c;
		char key[RTE_TEL_MAX_STRING_LEN];

		dg_mgmt_port_totals(tapp, i, &c);
		/* Telemetry keys allow [A-Za-z0-9_/] only: PCI names have ':' and '.'. */
		snprintf(key, sizeof(key), "port%u_rx", tapp->ports[i].id);
		rte_tel_data_add_dict_u64(d, key, c.rx);
		snprintf(key, sizeof(key), "port%u_tx", tapp->ports[i].id);
		rte_tel_data_add_dict_u64(d, key, c.tx);
		snprintf(key, sizeof(key), "port%u_dropped", tapp->ports[i].id);
		rte_tel_data_add_dict_u64(d, key, c.dropped);
	}
	return 0;
}

int
dg_telemetry_register(const struct dg_app *app)
{
	int rc;

	tapp = app;
	rc = rte_telemetry_register_cmd("/dnsgate/stats", tel_stats,
		"dnsgate query counters: queries, opt-out, filtered, answered, verdicts");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/dnsgate/forward", tel_forward,
			"dnsgate frames forwarded unchanged, by reason");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/dnsgate/ports", tel_ports,
			"dnsgate per-port frames: rx, tx, dropped");
	return rc;
}
