/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link fault propagation, polled by the management loop. A bump in the wire that keeps
 * one side up while the other has lost link hides the fault from the router on the live
 * side, which keeps sending into a dead end. So when a port of a pair loses link, its
 * peer is taken down (rte_eth_dev_set_link_down) and both routers fail over; when the
 * link returns, the peer is brought back up.
 *
 * A port we hold down says nothing about its wire, so its state is ignored until we let
 * it go. A port just started or brought back up gets DG_LINK_SETTLE_S to come up (auto-
 * negotiation) before a down link counts as a fault: without that grace, two ports
 * renegotiating would take each other down in turn forever.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dg_app.h"

enum {
	DG_LINK_POLL_MS = 10,
	DG_LINK_SETTLE_S = 10,
};

static uint64_t next_poll;

void
dg_link_init(struct dg_app *app)
{
	const uint64_t settle = rte_get_tsc_hz() * DG_LINK_SETTLE_S, now = rte_rdtsc();

	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dg_port *p = &app->ports[i];
		const struct dg_config_pair *pair = &app->cfg.pairs[i / 2];
		struct dg_link_port *l = &app->link[i];

		memset(l, 0, sizeof(*l));
		/* Default: on where both ports are hardware; vdevs mostly cannot set a link. */
		if (pair->propagate == DG_CONFIG_PROPAGATE_AUTO)
			l->propagate = p->hw && app->ports[p->peer].hw;
		else
			l->propagate = pair->propagate == DG_CONFIG_PROPAGATE_ON;
		l->up = true;
		l->settle_tsc = now + settle;
	}
	for (unsigned int i = 0; i < app->n_ports; i += 2)
		if (app->link[i].propagate)
			printf("dnsgate: link_propagate on for %s <-> %s\n", app->ports[i].name,
			       app->ports[i + 1].name);
	fflush(stdout);
	next_poll = 0;
}

/* Take the peer down, or let it back up, after port @p i changed to @p up. */
static void
follow(struct dg_app *app, unsigned int i, bool up, uint64_t now)
{
	const struct dg_port *p = &app->ports[i], *q = &app->ports[p->peer];
	struct dg_link_port *peer = &app->link[p->peer];
	int rc;

	if (!up && !peer->held) {
		rc = rte_eth_dev_set_link_down(q->id);
		if (rc == 0) {
			peer->held = true;
			dg_cnt_add(&peer->held_downs, 1);
			printf("; %s taken down (link_propagate)", q->name);
		} else {
			dg_cnt_add(&peer->failures, 1);
			printf("; cannot take %s down: %s", q->name, rte_strerror(-rc));
		}
	} else if (up && peer->held) {
		rc = rte_eth_dev_set_link_up(q->id);
		if (rc == 0) {
			peer->held = false;
			peer->settle_tsc = now + rte_get_tsc_hz() * DG_LINK_SETTLE_S;
			printf("; %s brought back up", q->name);
		} else {
			/* Still held: the next change of this port tries again. */
			dg_cnt_add(&peer->failures, 1);
			printf("; cannot bring %s back up: %s", q->name, rte_strerror(-rc));
		}
	}
}

void
dg_link_poll(struct dg_app *app, uint64_t now)
{
	if (now < next_poll)
		return;
	next_poll = now + rte_get_tsc_hz() / 1000 * DG_LINK_POLL_MS;
	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dg_link_port *l = &app->link[i];
		struct rte_eth_link el;
		bool up;

		if (l->held || rte_eth_link_get_nowait(app->ports[i].id, &el) < 0)
			continue;
		up = el.link_status == RTE_ETH_LINK_UP;
		if (!up && l->settle_tsc != 0 && now < l->settle_tsc)
			continue;
		l->settle_tsc = 0;
		if (up == l->up)
			continue;
		l->up = up;
		dg_cnt_add(&l->changes, 1);
		printf("dnsgate: link %s %s", app->ports[i].name, up ? "up" : "down");
		if (l->propagate)
			follow(app, i, up, now);
		printf("\n");
		fflush(stdout);
	}
}
