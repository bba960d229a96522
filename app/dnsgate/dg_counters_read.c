/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the registry's rows: per-worker counters summed (relaxed loads: each has one
 * writer), the management loop's own, the NIC's through ethdev (cached for one port at a
 * time), derived values and the dynamic arrays.
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_cycles.h>

#include "dg_counters_pvt.h"
#include "dg_feeds.h"
#include "dg_outputs.h"
#include "dg_stats.h"

static struct dg_control *where_ctl;
static struct dg_ctl_server *where_srv;

void
dg_counters_where(struct dg_control *ctl, struct dg_ctl_server *srv)
{
	where_ctl = ctl;
	where_srv = srv;
}

static uint64_t
at(const void *base, size_t off)
{
	return base == NULL ? 0 : dg_cnt_read((const uint64_t *)((const char *)base + off));
}

static uint64_t
read_row(void *ctx, const struct dg_metric *m, int port, unsigned int i)
{
	struct dg_counters *c = ctx;
	const struct dg_app *app = where_ctl->app;
	const size_t off = m->off + i * m->stride;
	uint64_t v = 0;

	switch (m->src) {
	case SRC_GET:
		return m->get(ctx, port, i);
	case SRC_WORKER:
		for (unsigned int w = 0; w < app->n_workers; w++)
			v += at(app->workers[w], off);
		return v;
	case SRC_WORKER_PORT:
		for (unsigned int w = 0; w < app->n_workers; w++)
			v += at(&app->workers[w]->cnt[port], off);
		return v;
	case SRC_TCP:
		for (unsigned int w = 0; w < app->n_workers; w++)
			if (app->workers[w]->tcp != NULL)
				v += at(dg_tcp_stats(app->workers[w]->tcp), off);
		return v;
	case SRC_APP:
		return at(app, off);
	case SRC_LINK:
		return at(&app->link[port], off);
	case SRC_NIC:
		if (c->nic_port != port) {
			memset(&c->nic, 0, sizeof(c->nic));
			rte_eth_stats_get(app->ports[port].id, &c->nic);
			c->nic_port = port;
		}
		return at(&c->nic, off);
	case SRC_OUTPUTS:
		return at(where_ctl->outputs, off);
	case SRC_HITLOG:
	case SRC_DNSTAP:
		if (where_ctl->outputs != NULL) {
			struct dg_hitlog_stats h;
			struct dg_dnstap_stats t;

			dg_outputs_log_stats(where_ctl->outputs, &h, &t);
			return m->src == SRC_HITLOG ? at(&h, off) : at(&t, off);
		}
		return 0;
	case SRC_CONTROL:
		return at(where_ctl, off);
	case SRC_FEEDS:
		return at(where_ctl->feeds, off);
	case SRC_CTL_SERVER:
		if (where_srv != NULL) {
			struct dg_ctl_server_stats st;

			dg_ctl_server_get_stats(where_srv, &st);
			return at(&st, off);
		}
		return 0;
	case SRC_AUDIT:
		if (where_ctl->audit != NULL) {
			struct dg_ctl_audit_stats st;

			dg_ctl_audit_get_stats(where_ctl->audit, &st);
			return at(&st, off);
		}
		return 0;
	default:
		return 0;
	}
}

static const char *
port_name(void *ctx, unsigned int i)
{
	(void)ctx;
	return where_ctl->app->ports[i].name;
}

void
dg_counters_reg(struct dg_counters *c, const struct dg_metric *table, size_t n)
{
	c->reg = (struct dg_metrics){
		.m = table, .n = n, .prefix = "dnsgate", .n_ports = where_ctl->app->n_ports,
		.port_name = port_name, .read = read_row, .hz = rte_get_tsc_hz(), .ctx = c,
	};
	c->nic_port = -1;
}

uint64_t
dg_counters_uptime(void *ctx, int port, unsigned int i)
{
	(void)ctx, (void)port, (void)i;
	return rte_rdtsc() - where_ctl->app->start_tsc;
}

uint64_t
dg_counters_filtered(void *ctx, int port, unsigned int i)
{
	struct dg_decide_counters t;

	(void)ctx, (void)port, (void)i;
	dg_stats_filter_totals(where_ctl->app, &t);
	return dg_decide_filtered(&t);
}

uint64_t
dg_counters_link_up(void *ctx, int port, unsigned int i)
{
	const struct dg_link_port *l = &where_ctl->app->link[port];

	(void)ctx, (void)i;
	return l->up && !l->held;
}

uint64_t
dg_counters_link_held(void *ctx, int port, unsigned int i)
{
	(void)ctx, (void)i;
	return where_ctl->app->link[port].held;
}

uint64_t
dg_counters_link_propagate(void *ctx, int port, unsigned int i)
{
	(void)ctx, (void)i;
	return where_ctl->app->link[port].propagate;
}

/* Every extended statistic of the port's PMD, by name. */
int
dg_counters_each_xstat(void *ctx, const struct dg_metric *m, int port, dg_metric_emit_fn fn,
		       void *arg)
{
	const uint16_t id = where_ctl->app->ports[port].id;
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n = rte_eth_xstats_get_names(id, NULL, 0), got, rc = 0;

	(void)ctx, (void)m;
	if (n <= 0)
		return 0;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names != NULL && vals != NULL && rte_eth_xstats_get_names(id, names, (unsigned int)n) == n) {
		got = rte_eth_xstats_get(id, vals, (unsigned int)n);
		for (int k = 0; k < got && k < n && rc == 0; k++)
			if (vals[k].id < (uint64_t)n)
				rc = fn(arg, names[vals[k].id].name, NULL, vals[k].value);
	}
	free(names);
	free(vals);
	return rc;
}

/* Each feed's status field at m->off, labelled with its zone. */
int
dg_counters_each_feed(void *ctx, const struct dg_metric *m, int port, dg_metric_emit_fn fn,
		      void *arg)
{
	const struct dg_config *cfg = &where_ctl->app->cfg;
	int rc = 0;

	(void)ctx, (void)port;
	if (where_ctl->feeds == NULL || where_ctl->feeds->client == NULL)
		return 0;
	for (unsigned int i = 0; i < cfg->n_feeds && rc == 0; i++) {
		struct dg_feed_status st;

		if (dg_feed_client_status(where_ctl->feeds->client, i, &st) == 0)
			rc = fn(arg, cfg->feeds[i].zone, NULL, at(&st, m->off));
	}
	return rc;
}

/* DoH endpoints seen, summed over the workers: the lists hold thousands, most unseen. */
int
dg_counters_each_doh_endpoint(void *ctx, const struct dg_metric *m, int port,
			      dg_metric_emit_fn fn, void *arg)
{
	const struct dg_app *app = where_ctl->app;
	int rc = 0;

	(void)ctx, (void)m, (void)port;
	for (uint32_t i = 0; app->encdns != NULL && i < dg_encdns_endpoints(app->encdns) &&
	     rc == 0; i++) {
		uint64_t v = 0;

		for (unsigned int w = 0; w < app->n_workers; w++)
			if (app->workers[w]->ep_hits != NULL)
				v += dg_cnt_read(&app->workers[w]->ep_hits[i]);
		if (v > 0)
			rc = fn(arg, dg_encdns_endpoint_name(app->encdns, i), NULL, v);
	}
	return rc;
}

struct ident_emit {
	dg_metric_emit_fn fn;
	void *arg;
	int rc;
};

static void
ident_cb(const char *ident, uint64_t hits, void *arg)
{
	struct ident_emit *e = arg;

	if (e->rc == 0)
		e->rc = e->fn(e->arg, ident, dg_snapshot_ident_category(where_ctl, ident), hits);
}

/* Filtered queries per identifier: management core only (the snapshots' metadata). */
int
dg_counters_each_ident(void *ctx, const struct dg_metric *m, int port, dg_metric_emit_fn fn,
		       void *arg)
{
	struct ident_emit e = { fn, arg, 0 };

	(void)ctx, (void)m, (void)port;
	dg_snapshot_ident_totals(where_ctl, ident_cb, &e);
	return e.rc;
}
