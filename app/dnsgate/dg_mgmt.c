/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management loop on the main lcore: the live line, stop conditions, link fault
 * propagation, systemd notifications and the date the workers filter with. It may sleep and make system
 * calls; the workers never wait for it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dg_app.h"
#include "dg_ctl_server.h"
#include "dg_stats.h"
#include "dg_tz.h"

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

/* A control command, bracketed for the watchdog (it may hold this loop for seconds). */
struct mgmt_cmd {
	struct dg_app *app;
	dg_ctl_handler_t fn;
	void *ctx;
};

static int
guarded_command(void *arg, const struct dg_ctl_request *req, struct dg_ctl_buf *body,
		char *reason, size_t rlen)
{
	struct mgmt_cmd *c = arg;
	int rc;

	dg_watchdog_busy(c->app, true);
	rc = c->fn(c->ctx, req, body, reason, rlen);
	dg_watchdog_busy(c->app, false);
	return rc;
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
		printf(" | %s", app->ports[i].name);
		dg_stats_port_columns(i, DG_STATS_COL_PAIRS, stdout);
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
	struct mgmt_cmd cmd = { app, fn, ctx };
	time_t last_sec = 0, sec;

	dg_link_init(app);
	dg_watchdog_init(app);
	while (!stop_requested) {
		double t;
		uint64_t rx;

		/* A control request wakes the loop at once; else it ticks every 2 ms. */
		if (srv == NULL || dg_ctl_server_wait(srv, DG_MGMT_TICK_US / 1000) < 0)
			usleep(DG_MGMT_TICK_US);
		dg_link_poll(app, rte_rdtsc());
		dg_watchdog_tick(app, rte_rdtsc());
		if (srv != NULL)
			dg_ctl_server_poll(srv, guarded_command, &cmd);
		if (tick != NULL)
			tick(tick_arg);
		/* Local midnight activates and expires entries: the filter takes the date. */
		sec = time(NULL);
		if (sec != last_sec) {
			last_sec = sec;
			__atomic_store_n(&app->today, (uint32_t)dg_tz_day((int64_t)sec),
					 __ATOMIC_RELAXED);
		}
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
	dg_watchdog_stop(app);
	__atomic_store_n(&app->quit, true, __ATOMIC_RELEASE);
}
