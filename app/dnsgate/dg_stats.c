/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter read-out for the control socket and the final summary: per-lcore counters
 * summed on read (the workers never share a written line).
 */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "dg_stats.h"

void
dg_stats_filter_totals(const struct dg_app *app, struct dg_filter_counters *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int w = 0; w < app->n_workers; w++) {
		const struct dg_filter_counters *f = &app->workers[w]->fc;

		for (unsigned int r = 0; r < DG_FWD__MAX; r++)
			t->fwd[r] += dg_cnt_read(&f->fwd[r]);
		for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
			t->verdict[a] += dg_cnt_read(&f->verdict[a]);
		t->queries += dg_cnt_read(&f->queries);
		t->optout += dg_cnt_read(&f->optout);
		t->answered += dg_cnt_read(&f->answered);
		t->log_lost += dg_cnt_read(&f->log_lost);
	}
}

/* Queries that got a filtering verdict (allow is not filtering). */
static uint64_t
filtered(const struct dg_filter_counters *t)
{
	uint64_t n = 0;

	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
		if (a != DG_ACTION_ALLOW)
			n += t->verdict[a];
	return n;
}

struct ident_out {
	struct dg_ctl_buf *b;
	bool json;
	bool first;
};

static void
ident_cb(const char *ident, uint64_t hits, void *arg)
{
	struct ident_out *o = arg;

	if (o->json) {
		/* Identifiers come from lists: escape what JSON needs. */
		dg_ctl_buf_printf(o->b, "%s\"", o->first ? "" : ",");
		for (const char *p = ident; *p; p++) {
			if (*p == '"' || *p == '\\')
				dg_ctl_buf_printf(o->b, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				dg_ctl_buf_printf(o->b, "\\u%04x", *p);
			else
				dg_ctl_buf_append(o->b, p, 1);
		}
		dg_ctl_buf_printf(o->b, "\":%" PRIu64, hits);
	} else {
		dg_ctl_buf_printf(o->b, "identifier.%s %" PRIu64 "\n", ident, hits);
	}
	o->first = false;
}

static void
write_text(struct dg_control *c, const struct dg_filter_counters *t, double up,
	   struct dg_ctl_buf *b)
{
	const struct dg_app *app = c->app;
	struct ident_out io = { b, false, true };

	dg_ctl_buf_printf(b, "uptime_seconds %.0f\ngeneration %" PRIu64 "\n", up, c->generation);
	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dg_port_counters p;

		dg_mgmt_port_totals(app, i, &p);
		dg_ctl_buf_printf(b, "port.%s.rx %" PRIu64 "\nport.%s.tx %" PRIu64
				  "\nport.%s.dropped %" PRIu64 "\n", app->ports[i].name, p.rx,
				  app->ports[i].name, p.tx, app->ports[i].name, p.dropped);
	}
	dg_ctl_buf_printf(b, "queries %" PRIu64 "\noptout_queries %" PRIu64 "\nfiltered %" PRIu64
			  "\nanswered %" PRIu64 "\n", t->queries, t->optout, filtered(t),
			  t->answered);
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
		dg_ctl_buf_printf(b, "verdict.%s %" PRIu64 "\n", dg_action_name(a), t->verdict[a]);
	for (unsigned int r = 1; r < DG_FWD__MAX; r++)
		dg_ctl_buf_printf(b, "forward.%s %" PRIu64 "\n", dg_fwd_reason_name(r), t->fwd[r]);
	dg_snapshot_ident_totals(c, ident_cb, &io);
}

static void
write_json(struct dg_control *c, const struct dg_filter_counters *t, double up,
	   struct dg_ctl_buf *b)
{
	const struct dg_app *app = c->app;
	struct ident_out io = { b, true, true };

	dg_ctl_buf_printf(b, "{\"uptime_seconds\":%.0f,\"generation\":%" PRIu64 ",\"ports\":{",
			  up, c->generation);
	for (unsigned int i = 0; i < app->n_ports; i++) {
		struct dg_port_counters p;

		dg_mgmt_port_totals(app, i, &p);
		dg_ctl_buf_printf(b, "%s\"%s\":{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"dropped\":%"
				  PRIu64 "}", i ? "," : "", app->ports[i].name, p.rx, p.tx, p.dropped);
	}
	dg_ctl_buf_printf(b, "},\"queries\":%" PRIu64 ",\"optout_queries\":%" PRIu64
			  ",\"filtered\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"verdict\":{",
			  t->queries, t->optout, filtered(t), t->answered);
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++)
		dg_ctl_buf_printf(b, "%s\"%s\":%" PRIu64, a ? "," : "", dg_action_name(a),
				  t->verdict[a]);
	dg_ctl_buf_printf(b, "},\"forward\":{");
	for (unsigned int r = 1; r < DG_FWD__MAX; r++)
		dg_ctl_buf_printf(b, "%s\"%s\":%" PRIu64, r > 1 ? "," : "", dg_fwd_reason_name(r),
				  t->fwd[r]);
	dg_ctl_buf_printf(b, "},\"identifiers\":{");
	dg_snapshot_ident_totals(c, ident_cb, &io);
	dg_ctl_buf_printf(b, "}}\n");
}

void
dg_stats_write(struct dg_control *c, bool json, struct dg_ctl_buf *b)
{
	struct dg_filter_counters t;
	double up = (double)(rte_rdtsc() - c->app->start_tsc) / (double)rte_get_tsc_hz();

	dg_stats_filter_totals(c->app, &t);
	if (json)
		write_json(c, &t, up, b);
	else
		write_text(c, &t, up, b);
}
