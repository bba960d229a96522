/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management loop on the main lcore: live counters, stop conditions and the final
 * summary. It may sleep and make system calls; the workers never wait for it.
 */
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dg_app.h"
#include "dg_ctl_server.h"

enum { DG_MGMT_TICK_US = 2000 };

static volatile sig_atomic_t stop_requested;

void
dg_mgmt_request_stop(void)
{
	stop_requested = 1;
}

void
dg_mgmt_port_totals(const struct dg_app *app, unsigned int port, struct dg_port_counters *t)
{
	t->rx = t->tx = t->dropped = 0;
	for (unsigned int w = 0; w < app->n_workers; w++) {
		const struct dg_port_counters *c = &app->workers[w]->cnt[port];

		t->rx += dg_cnt_read(&c->rx);
		t->tx += dg_cnt_read(&c->tx);
		t->dropped += dg_cnt_read(&c->dropped);
	}
}

static uint64_t
total_rx(const struct dg_app *app)
{
	uint64_t rx = 0;

	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dg_port_counters t;

		dg_mgmt_port_totals(app, i, &t);
		rx += t.rx;
	}
	return rx;
}

static double
seconds_since(uint64_t tsc)
{
	return (double)(rte_rdtsc() - tsc) / (double)rte_get_tsc_hz();
}

static void
live_line(const struct dg_app *app, uint64_t *last_rx, double *last_t)
{
	double t = seconds_since(app->start_tsc), dt = t - *last_t;
	uint64_t rx = total_rx(app);

	printf("[%8.1fs] %.3f Mpps", t, dt > 0 ? (double)(rx - *last_rx) / dt / 1e6 : 0.0);
	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dg_port_counters c;

		dg_mgmt_port_totals(app, i, &c);
		printf(" | %s rx %" PRIu64 " tx %" PRIu64 " drop %" PRIu64, app->ports[i].name,
		       c.rx, c.tx, c.dropped);
	}
	printf("\n");
	fflush(stdout);
	*last_rx = rx;
	*last_t = t;
}

void
dg_mgmt_loop(struct dg_app *app, struct dg_ctl_server *srv, dg_ctl_handler_t fn, void *ctx,
	     void (*tick)(void *), void *tick_arg)
{
	const struct dg_config *cfg = &app->cfg;
	uint64_t last_rx = 0, idle_rx = 0;
	double last_t = 0, next_live = cfg->stats_interval, idle_since = 0;

	while (!stop_requested) {
		double t;
		uint64_t rx;

		usleep(DG_MGMT_TICK_US);
		if (srv != NULL)
			dg_ctl_server_poll(srv, fn, ctx);
		if (tick != NULL)
			tick(tick_arg);
		/* A day rollover activates and expires entries: the filter takes the date. */
		__atomic_store_n(&app->today, (uint32_t)(time(NULL) / 86400), __ATOMIC_RELAXED);
		t = seconds_since(app->start_tsc);
		if (cfg->stats_interval > 0 && t >= next_live) {
			live_line(app, &last_rx, &last_t);
			next_live += cfg->stats_interval;
		}
		if (cfg->run_for > 0 && t >= cfg->run_for)
			break;
		if (cfg->idle_exit > 0) {
			rx = total_rx(app);
			if (rx != idle_rx) {
				idle_rx = rx;
				idle_since = t;
			} else if (t - idle_since >= cfg->idle_exit) {
				break;
			}
		}
	}
	__atomic_store_n(&app->quit, true, __ATOMIC_RELEASE);
}

void
dg_mgmt_summary(const struct dg_app *app, FILE *out)
{
	double t = seconds_since(app->start_tsc);
	struct dg_port_counters sum = { 0 };

	fprintf(out, "dnsgate summary after %.2f s\n", t);
	fprintf(out, "%-4s %-24s %-10s %14s %14s %10s %10s %10s\n", "port", "name", "side", "rx",
		"tx", "dropped", "rx_missed", "rx_nombuf");
	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dg_port *p = &app->ports[i];
		struct rte_eth_stats st = { 0 };
		struct dg_port_counters c;

		dg_mgmt_port_totals(app, i, &c);
		rte_eth_stats_get(p->id, &st);
		fprintf(out, "%-4u %-24s %-10s %14" PRIu64 " %14" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 "\n", p->id, p->name,
			p->side == DG_SIDE_SUBSCRIBER ? "subscriber" : "network", c.rx, c.tx,
			c.dropped, st.imissed, st.rx_nombuf);
		sum.rx += c.rx;
		sum.tx += c.tx;
		sum.dropped += c.dropped;
	}
	fprintf(out, "total rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64 " (%.3f Mpps rx)\n",
		sum.rx, sum.tx, sum.dropped, t > 0 ? (double)sum.rx / t / 1e6 : 0.0);
	{
		uint64_t busy = 0, work = 0, pk = 0;

		for (unsigned int w = 0; w < app->n_workers; w++) {
			busy += dg_cnt_read(&app->workers[w]->cyc.busy_tsc);
			work += dg_cnt_read(&app->workers[w]->cyc.work_tsc);
			pk += dg_cnt_read(&app->workers[w]->cyc.busy_pkts);
		}
		if (pk > 0)
			fprintf(out, "cycles per frame: %.1f in busy loops, %.1f in dnsgate's own "
				"code (parse, lookup, forge), TSC %.2f GHz\n", (double)busy / (double)pk,
				(double)work / (double)pk, (double)rte_get_tsc_hz() / 1e9);
	}
	fflush(out);
}
