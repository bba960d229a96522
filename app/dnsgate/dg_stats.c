/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry's text outputs: `stats` (text or JSON) on the control socket, the live
 * line and the summary at exit. Per-lcore counters are summed on read.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>

#include "dg_counters.h"
#include "dg_stats.h"

void
dg_stats_filter_totals(const struct dg_app *app, struct dg_decide_counters *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int w = 0; w < app->n_workers; w++)
		dg_decide_counters_sum(t, &app->workers[w]->fc);
}

static int
buf_write(void *arg, const char *s, size_t n)
{
	return dg_ctl_buf_append(arg, s, n);
}

void
dg_stats_write(struct dg_control *c, bool json, struct dg_ctl_buf *b)
{
	const struct dg_metrics_sel all = DG_METRICS_ALL;
	struct dg_metrics_out out = { buf_write, b };
	struct dg_counters w;

	(void)c;
	dg_counters_open(&w);
	if (json)
		dg_metrics_json(&w.reg, &all, &out);
	else
		dg_metrics_text(&w.reg, &all, &out);
}

static int
file_write(void *arg, const char *s, size_t n)
{
	return fwrite(s, 1, n, arg) == n ? 0 : -EIO;
}

/* A port's table columns (DG_METRIC_F_COLUMN). */
struct columns {
	FILE *out;
	enum dg_stats_cols how;
};

static int
column(void *arg, const struct dg_metrics_sample *s)
{
	const struct columns *c = arg;
	int w = (int)strlen(s->m->name) + 1;

	if (s->begin)
		return 0;
	if (c->how == DG_STATS_COL_NAMES)
		fprintf(c->out, " %*s", w < 14 ? 14 : w, s->m->name);
	else if (c->how == DG_STATS_COL_VALUES)
		fprintf(c->out, " %*" PRIu64, w < 14 ? 14 : w, s->value);
	else
		fprintf(c->out, " %s %" PRIu64, s->m->name, s->value);
	return 0;
}

void
dg_stats_port_columns(unsigned int port, enum dg_stats_cols how, FILE *out)
{
	struct dg_metrics_sel sel = { .scopes = 1u << DG_METRIC_PORT, .port = (int)port,
				      .need = DG_METRIC_F_COLUMN };
	struct columns c = { out, how };
	struct dg_counters w;

	dg_counters_open(&w);
	dg_metrics_walk(&w.reg, &sel, column, &c);
}

/* A global counter's value by name (the summary's derived figures). */
static uint64_t
value(struct dg_counters *w, const char *name, int port)
{
	const struct dg_metric *m = dg_metrics_find(&w->reg, port < 0 ? DG_METRIC_GLOBAL :
						    DG_METRIC_PORT, name);

	return m != NULL ? w->reg.read(w->reg.ctx, m, port, 0) : 0;
}

void
dg_stats_summary(const struct dg_app *app, FILE *out)
{
	const double t = (double)(rte_rdtsc() - app->start_tsc) / (double)rte_get_tsc_hz();
	const struct dg_metrics_sel rest = { .port = -1, .skip = DG_METRIC_F_COLUMN,
					     .how = DG_METRICS_NONZERO };
	struct dg_metrics_out o = { file_write, out };
	uint64_t rx = 0, tx = 0, dropped = 0, frames;
	struct dg_counters w;

	dg_counters_open(&w);
	fprintf(out, "dnsgate summary after %.2f s\n%-4s %-24s %-10s", t, "port", "name", "side");
	dg_stats_port_columns(0, DG_STATS_COL_NAMES, out);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < app->n_ports; i++) {
		const struct dg_port *p = &app->ports[i];

		fprintf(out, "%-4u %-24s %-10s", p->id, p->name,
			p->side == DG_SIDE_SUBSCRIBER ? "subscriber" : "network");
		dg_stats_port_columns(i, DG_STATS_COL_VALUES, out);
		fprintf(out, "\n");
		rx += value(&w, "rx", (int)i);
		tx += value(&w, "tx", (int)i);
		dropped += value(&w, "dropped", (int)i);
	}
	fprintf(out, "total rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64 " (%.3f Mpps rx)\n",
		rx, tx, dropped, t > 0 ? (double)rx / t / 1e6 : 0.0);
	frames = value(&w, "cycles.frames", -1);
	if (frames > 0)
		fprintf(out, "cycles per frame: %.1f in busy loops, %.1f in dnsgate's own code "
			"(parse, lookup, forge), TSC %.2f GHz\n",
			(double)value(&w, "cycles.busy", -1) / (double)frames,
			(double)value(&w, "cycles.work", -1) / (double)frames,
			(double)rte_get_tsc_hz() / 1e9);
	/* Then every other counter, as `stats` shows it, zero array elements left out. */
	dg_metrics_text(&w.reg, &rest, &o);
	fflush(out);
}
