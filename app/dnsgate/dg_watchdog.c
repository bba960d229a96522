/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd's side of the appliance, run by the management loop: READY=1 once every worker
 * polls its queues, WATCHDOG=1 while every worker's loop counter keeps moving, STOPPING=1
 * on a clean stop. A wedged worker stops the pings and systemd restarts the appliance
 * (WatchdogSec= in drivers-config/dnsgate.service). Workers only bump their counter.
 *
 * A control command (a reload parses every list) blocks this loop for as long as it
 * runs. While the workers are healthy, the watchdog timeout is lengthened for the command
 * (WATCHDOG_USEC=, systemd 236+) and restored after it, so a long reload does not get a
 * healthy appliance killed; a stalled worker gets no such leash.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dg_app.h"

enum { DG_WATCHDOG_BUSY_S = 600 }; /**< longest a command may hold the management loop */

static void
loops_now(const struct dg_app *app, uint64_t *out)
{
	for (unsigned int w = 0; w < app->n_workers; w++)
		out[w] = dg_cnt_read(&app->workers[w]->loops);
}

void
dg_watchdog_init(struct dg_app *app)
{
	struct dg_watchdog *wd = &app->wd;
	char err[256];

	memset(wd, 0, sizeof(*wd));
	wd->stalled = -1;
	if (dg_notify_open(&wd->n, getenv("NOTIFY_SOCKET"), getenv("WATCHDOG_USEC"),
			   getenv("WATCHDOG_PID"), err, sizeof(err)) < 0) {
		/* systemd will not see READY and will say so; the appliance still forwards. */
		fprintf(stderr, "dnsgate: WARNING: %s: no systemd notifications\n", err);
		return;
	}
	if (wd->n.watchdog_usec > 0) {
		/* Check and ping twice per period, as sd_watchdog_enabled(3) advises. */
		wd->period_tsc = (uint64_t)((double)wd->n.watchdog_usec / 2e6 *
					    (double)rte_get_tsc_hz());
		printf("dnsgate: systemd watchdog: %.3f s, a ping every %.3f s while every "
		       "worker loops\n", (double)wd->n.watchdog_usec / 1e6,
		       (double)wd->n.watchdog_usec / 2e6);
		fflush(stdout);
	}
}

static void
send_or_warn(const struct dg_watchdog *wd, const char *msg)
{
	int rc = dg_notify_send(&wd->n, msg);

	if (rc < 0)
		fprintf(stderr, "dnsgate: systemd notification '%.20s' failed: %s\n", msg,
			strerror(-rc));
}

void
dg_watchdog_tick(struct dg_app *app, uint64_t now)
{
	struct dg_watchdog *wd = &app->wd;
	uint64_t cur[DG_MAX_WORKERS];
	char msg[128];
	int w;

	if (!dg_notify_enabled(&wd->n))
		return;
	if (wd->ready && (wd->period_tsc == 0 || now < wd->next_tsc))
		return;
	loops_now(app, cur);
	if (!wd->ready) {
		/* Ready means forwarding: the ports are started and every worker polls them. */
		for (unsigned int i = 0; i < app->n_workers; i++)
			if (cur[i] == 0)
				return;
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=forwarding: %u worker(s), %u port(s)",
			 app->n_workers, app->n_ports);
		send_or_warn(wd, msg);
		wd->ready = true;
		memcpy(wd->seen, cur, sizeof(cur[0]) * app->n_workers);
		wd->next_tsc = now + wd->period_tsc;
		return;
	}
	wd->next_tsc = now + wd->period_tsc;
	w = dg_notify_first_stalled(wd->seen, cur, app->n_workers);
	if (w < 0) {
		if (wd->stalled >= 0) {
			printf("dnsgate: watchdog: worker %d loops again; pings resume\n",
			       wd->stalled);
			fflush(stdout);
			send_or_warn(wd, "STATUS=forwarding");
		}
		wd->stalled = -1;
		send_or_warn(wd, "WATCHDOG=1");
		dg_cnt_add(&wd->pings, 1);
		return;
	}
	dg_cnt_add(&wd->withheld, 1);
	if (w != wd->stalled) {
		fprintf(stderr, "dnsgate: watchdog: worker %d (lcore %u) has not looped for "
			"%.1f s: no WATCHDOG=1 until it does\n", w, app->workers[w]->lcore,
			(double)wd->n.watchdog_usec / 2e6);
		snprintf(msg, sizeof(msg), "STATUS=worker %d (lcore %u) stalled", w,
			 app->workers[w]->lcore);
		send_or_warn(wd, msg);
		wd->stalled = w;
	}
}

void
dg_watchdog_stop(struct dg_app *app)
{
	if (dg_notify_enabled(&app->wd.n))
		send_or_warn(&app->wd, "STOPPING=1");
	dg_notify_close(&app->wd.n);
}

void
dg_watchdog_busy(struct dg_app *app, bool busy)
{
	struct dg_watchdog *wd = &app->wd;
	uint64_t cur[DG_MAX_WORKERS];
	char msg[64];

	if (wd->period_tsc == 0 || !wd->ready)
		return;
	if (busy) {
		/* Only a healthy appliance gets the longer leash: a stall must still end it. */
		if (wd->stalled >= 0)
			return;
		loops_now(app, cur);
		for (unsigned int i = 0; i < app->n_workers; i++)
			if (cur[i] == wd->seen[i])
				return;
		snprintf(msg, sizeof(msg), "WATCHDOG_USEC=%" PRIu64,
			 (uint64_t)DG_WATCHDOG_BUSY_S * 1000000);
		send_or_warn(wd, msg);
		wd->extended = true;
	} else if (wd->extended) {
		snprintf(msg, sizeof(msg), "WATCHDOG_USEC=%" PRIu64, wd->n.watchdog_usec);
		send_or_warn(wd, msg);
		wd->extended = false;
	}
}
