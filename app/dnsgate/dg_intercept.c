/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypted DNS and the canary in the appliance (docs/encrypted-dns.md): the DoH
 * endpoint tables loaded once at start (a reload does not re-read them), every worker's
 * counters, and the canary entries added to every snapshot build through the builder's
 * source hook (after the lists and the feeds' zone files, before the runtime journal).
 * The per-frame work is lib/decide's and dg_filtering.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "dg_app.h"
#include "dg_err.h"
#include "dg_snapshot.h"

/* The source hook that was there before ours (the feeds' zone files), called first. */
static struct {
	dg_control_more_fn fn;
	void *arg;
} prev_more;

static int
load_canary(void *arg, struct dg_filter_builder *b, FILE *report, char *err, size_t len)
{
	int rc = prev_more.fn != NULL ? prev_more.fn(prev_more.arg, b, report, err, len) : 0;

	(void)arg;
	if (rc == 0 && (rc = dg_encdns_canary_add(b)) < 0)
		return dg_errf(err, len, rc, "canary entries: %s", strerror(-rc));
	return rc;
}

int
dg_intercept_init(struct dg_app *app, struct dg_control *c, char *err, size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	const uint8_t modes[DG_ENCDNS__PROTO] = {
		[DG_ENCDNS_DOT] = (uint8_t)cfg->dot,
		[DG_ENCDNS_DOQ] = (uint8_t)cfg->doq,
		[DG_ENCDNS_DOH] = (uint8_t)cfg->doh,
	};
	int rc;

	if (cfg->canary) {
		prev_more.fn = c->load_more;
		prev_more.arg = c->load_more_arg;
		c->load_more = load_canary;
		c->load_more_arg = NULL;
		app->dcfg.canary = true;
	}
	if (cfg->dot == DG_CONFIG_ENCDNS_OFF && cfg->doq == DG_CONFIG_ENCDNS_OFF &&
	    cfg->doh == DG_CONFIG_ENCDNS_OFF)
		return 0;
	/* The endpoint lists matter to DoH only. */
	rc = dg_encdns_load(&app->encdns, modes,
			    cfg->doh != DG_CONFIG_ENCDNS_OFF && cfg->doh_names[0] ? cfg->doh_names : NULL,
			    cfg->doh != DG_CONFIG_ENCDNS_OFF && cfg->doh_addresses[0] ?
				    cfg->doh_addresses : NULL,
			    stderr, err, len);
	if (rc < 0)
		return rc;
	app->dcfg.encdns = app->encdns;
	app->dcfg.encdns_log = cfg->encrypted_log;
	if (app->encdns->n_names + app->encdns->n_addrs > 0)
		printf("encrypted DNS: %u DoH endpoint names, %u DoH address prefixes\n",
		       app->encdns->n_names, app->encdns->n_addrs);
	return 0;
}

int
dg_intercept_workers(struct dg_app *app, char *err, size_t len)
{
	for (unsigned int w = 0; w < app->n_workers; w++) {
		struct dg_worker *wk = app->workers[w];

		wk->dec.ecnt = &wk->ec;
		if (app->encdns == NULL)
			continue;
		wk->ep_hits = rte_zmalloc_socket("dg_doh_endpoints",
						 sizeof(uint64_t) * dg_encdns_endpoints(app->encdns),
						 RTE_CACHE_LINE_SIZE,
						 (int)rte_lcore_to_socket_id(wk->lcore));
		if (wk->ep_hits == NULL)
			return dg_errf(err, len, -ENOMEM, "out of memory for DoH endpoint counters");
		wk->dec.ep_hits = wk->ep_hits;
	}
	return 0;
}

void
dg_intercept_fini(struct dg_app *app)
{
	for (unsigned int w = 0; w < app->n_workers; w++) {
		if (app->workers[w] == NULL)
			continue;
		rte_free(app->workers[w]->ep_hits);
		app->workers[w]->ep_hits = NULL;
	}
	dg_encdns_free(app->encdns);
	app->encdns = NULL;
	app->dcfg.encdns = NULL;
}
