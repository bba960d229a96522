/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hit log, stats history and Prometheus textfile, all written from the management core.
 * Workers only ever enqueue fixed-size records into their own ring; a full ring costs a
 * record (counted), never a wait.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dg_outputs.h"
#include "dg_stats.h"

enum { DRAIN_BATCH = 64 };

static int64_t
unix_now(void)
{
	return (int64_t)time(NULL);
}

int
dg_outputs_init(struct dg_outputs *o, struct dg_app *app, struct dg_control *ctl, char *err,
		size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	struct timespec ts;
	int rc;

	memset(o, 0, sizeof(*o));
	o->app = app;
	o->ctl = ctl;
	clock_gettime(CLOCK_REALTIME, &ts);
	o->clock.tsc0 = rte_rdtsc();
	o->clock.hz = rte_get_tsc_hz();
	o->clock.unix_ns0 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (cfg->log_file[0] != '\0') {
		rc = dg_hitlog_open(&o->log, cfg->log_file, err, len);
		if (rc < 0)
			return rc;
		for (unsigned int w = 0; w < app->n_workers; w++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "dg_hits_%u", w);
			app->workers[w]->hits = rte_ring_create_elem(name, sizeof(struct dg_hit_record),
				rte_align32pow2(cfg->log_ring), (int)rte_lcore_to_socket_id(
				app->workers[w]->lcore), RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
			if (app->workers[w]->hits == NULL) {
				snprintf(err, len, "hit log ring for worker %u: %s", w,
					 rte_strerror(rte_errno));
				return -rte_errno;
			}
		}
	}
	if (cfg->history[0] != '\0') {
		char host[64] = "dnsgate";

		if (cfg->appliance[0] == '\0')
			gethostname(host, sizeof(host) - 1);
		rc = dg_history_open(&o->hist, cfg->history,
				     cfg->appliance[0] ? cfg->appliance : host, err, len);
		if (rc < 0)
			return rc;
		o->iv_start = unix_now();
		/* Intervals end on multiples of their length: never across midnight. */
		o->iv_next = (o->iv_start / cfg->history_interval + 1) * cfg->history_interval;
	}
	if (cfg->prometheus[0] != '\0') {
		rc = dg_prom_new(&o->prom);
		if (rc < 0) {
			snprintf(err, len, "out of memory");
			return rc;
		}
	}
	return 0;
}

void
dg_outputs_drain(void *arg)
{
	struct dg_outputs *o = arg;
	struct dg_hit_record rec[DRAIN_BATCH];

	if (o->log == NULL)
		return;
	for (unsigned int w = 0; w < o->app->n_workers; w++) {
		struct rte_ring *r = o->app->workers[w]->hits;
		unsigned int n;

		do {
			n = rte_ring_dequeue_burst_elem(r, rec, sizeof(rec[0]), DRAIN_BATCH, NULL);
			for (unsigned int i = 0; i < n; i++) {
				if (dg_hitlog_write(o->log, &rec[i], &o->clock) == 0)
					o->log_written++;
				else
					o->log_failed++;
			}
		} while (n == DRAIN_BATCH);
	}
}

int
dg_outputs_rotate(struct dg_outputs *o)
{
	if (o->log == NULL)
		return -ENOENT;
	dg_outputs_drain(o);
	return dg_hitlog_rotate(o->log);
}

struct ident_collect {
	struct dg_ident_last *v;
	size_t n, cap;
};

static void
collect_cb(const char *ident, uint64_t hits, void *arg)
{
	struct ident_collect *c = arg;

	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct dg_ident_last *v = realloc(c->v, cap * sizeof(*v));

		if (v == NULL)
			return;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].identifier = strdup(ident);
	if (c->v[c->n].identifier != NULL)
		c->v[c->n++].hits = hits;
}

static uint64_t
last_hits(const struct dg_outputs *o, const char *ident)
{
	for (size_t i = 0; i < o->n_last_ids; i++)
		if (strcmp(o->last_ids[i].identifier, ident) == 0)
			return o->last_ids[i].hits;
	return 0;
}

static void
free_ids(struct dg_ident_last *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].identifier);
	free(v);
}

void
dg_outputs_interval(struct dg_outputs *o)
{
	struct dg_filter_counters now;
	struct dg_history_interval iv = { 0 };
	struct ident_collect ids = { 0 };
	struct dg_history_ident *hi;
	size_t n = 0;

	if (o->hist == NULL)
		return;
	dg_stats_filter_totals(o->app, &now);
	dg_snapshot_ident_totals(o->ctl, collect_cb, &ids);
	hi = calloc(ids.n + 1, sizeof(*hi));
	iv.start = o->iv_start;
	iv.end = unix_now();
	if (iv.end < iv.start)
		iv.end = iv.start;
	iv.queries = now.queries - o->last.queries;
	iv.optout_queries = now.optout - o->last.optout;
	iv.answered = now.answered - o->last.answered;
	iv.rate_limited = now.fwd[DG_FWD_RATE_LIMITED] - o->last.fwd[DG_FWD_RATE_LIMITED];
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++) {
		iv.by_action[a] = now.verdict[a] - o->last.verdict[a];
		if (a != DG_ACTION_ALLOW)
			iv.filtered += iv.by_action[a];
	}
	iv.dropped = iv.by_action[DG_ACTION_DROP];
	for (size_t i = 0; hi != NULL && i < ids.n; i++) {
		uint64_t d = ids.v[i].hits - last_hits(o, ids.v[i].identifier);

		if (d == 0)
			continue;
		hi[n].identifier = strcmp(ids.v[i].identifier, DG_IDENT_NONE) ? ids.v[i].identifier :
									      NULL;
		hi[n].category = dg_snapshot_ident_category(o->ctl, ids.v[i].identifier);
		hi[n++].hits = d;
	}
	iv.idents = hi;
	iv.n_idents = n;
	if (hi == NULL || dg_history_append(o->hist, &iv) < 0) {
		/* Keep the interval open: its counts go into the next try. */
		o->history_errors++;
		fprintf(stderr, "dnsgate: stats history: %s\n", dg_history_errmsg(o->hist));
		free_ids(ids.v, ids.n);
	} else {
		o->intervals++;
		o->last = now;
		free_ids(o->last_ids, o->n_last_ids);
		o->last_ids = ids.v;
		o->n_last_ids = ids.n;
		o->iv_start = iv.end;
	}
	free(hi);
	o->iv_next = (unix_now() / o->app->cfg.history_interval + 1) * o->app->cfg.history_interval;
}

void
dg_outputs_record_load(struct dg_outputs *o)
{
	struct dg_history_list_entry *e;
	size_t n;

	if (o->hist == NULL)
		return;
	n = o->ctl->n_idmeta;
	e = calloc(n + 1, sizeof(*e));
	if (e == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct dg_ident_meta *m = &o->ctl->idmeta[i];

		e[i] = (struct dg_history_list_entry){ .identifier = m->identifier,
			.category = m->category, .fqdns = m->fqdns, .start_day = m->start_day,
			.end_day = m->end_day };
	}
	if (dg_history_record_load(o->hist, o->ctl->loaded_at, e, n) < 0) {
		o->history_errors++;
		fprintf(stderr, "dnsgate: stats history: %s\n", dg_history_errmsg(o->hist));
	}
	free(e);
}

static void
prom_write(struct dg_outputs *o)
{
	static const char *const fam[][3] = {
		{ "dnsgate_queries_total", "counter", "answerable DNS queries, opt-out excluded" },
		{ "dnsgate_optout_queries_total", "counter", "queries from opted-out subscribers" },
		{ "dnsgate_answered_total", "counter", "forged answers sent" },
		{ "dnsgate_verdicts_total", "counter", "queries with a verdict, by action" },
		{ "dnsgate_forwarded_total", "counter", "frames forwarded unchanged, by reason" },
		{ "dnsgate_filtered_by_identifier_total", "counter", "filtered queries, by identifier" },
		{ "dnsgate_hitlog_records_total", "counter", "hit log records, by outcome" },
	};
	struct dg_filter_counters t;
	struct ident_collect ids = { 0 };
	struct dg_prom *p = o->prom;

	dg_stats_filter_totals(o->app, &t);
	dg_prom_reset(p);
	dg_prom_family(p, fam[0][0], fam[0][1], fam[0][2]);
	dg_prom_sample(p, fam[0][0], NULL, 0, t.queries);
	dg_prom_family(p, fam[1][0], fam[1][1], fam[1][2]);
	dg_prom_sample(p, fam[1][0], NULL, 0, t.optout);
	dg_prom_family(p, fam[2][0], fam[2][1], fam[2][2]);
	dg_prom_sample(p, fam[2][0], NULL, 0, t.answered);
	dg_prom_family(p, fam[3][0], fam[3][1], fam[3][2]);
	for (unsigned int a = 0; a < DG_ACTION_COUNT; a++) {
		const char *l[] = { "action", dg_action_name(a) };

		dg_prom_sample(p, fam[3][0], l, 1, t.verdict[a]);
	}
	dg_prom_family(p, fam[4][0], fam[4][1], fam[4][2]);
	for (unsigned int r = 1; r < DG_FWD__MAX; r++) {
		const char *l[] = { "reason", dg_fwd_reason_name(r) };

		dg_prom_sample(p, fam[4][0], l, 1, t.fwd[r]);
	}
	dg_prom_family(p, fam[5][0], fam[5][1], fam[5][2]);
	dg_snapshot_ident_totals(o->ctl, collect_cb, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		const char *cat = dg_snapshot_ident_category(o->ctl, ids.v[i].identifier);
		const char *l[] = { "identifier", ids.v[i].identifier, "category", cat ? cat : "" };

		dg_prom_sample(p, fam[5][0], l, 2, ids.v[i].hits);
	}
	free_ids(ids.v, ids.n);
	dg_prom_family(p, fam[6][0], fam[6][1], fam[6][2]);
	{
		const char *w[] = { "outcome", "written" }, *f[] = { "outcome", "failed" };
		const char *q[] = { "outcome", "not_queued" };

		dg_prom_sample(p, fam[6][0], w, 1, o->log_written);
		dg_prom_sample(p, fam[6][0], f, 1, o->log_failed);
		dg_prom_sample(p, fam[6][0], q, 1, t.log_lost);
	}
	if (dg_prom_write(p, o->app->cfg.prometheus) < 0)
		fprintf(stderr, "dnsgate: cannot write %s\n", o->app->cfg.prometheus);
}

void
dg_outputs_tick(struct dg_outputs *o)
{
	uint64_t now_tsc = rte_rdtsc();
	int64_t now = unix_now();

	dg_outputs_drain(o);
	if (o->log != NULL && now_tsc - o->last_flush_tsc > rte_get_tsc_hz()) {
		dg_hitlog_flush(o->log);
		o->last_flush_tsc = now_tsc;
	}
	if (o->hist != NULL && now >= o->iv_next)
		dg_outputs_interval(o);
	if (o->prom != NULL && now >= o->prom_next) {
		prom_write(o);
		o->prom_next = now + o->app->cfg.prometheus_interval;
	}
}

void
dg_outputs_fini(struct dg_outputs *o)
{
	dg_outputs_drain(o);
	dg_outputs_interval(o);
	if (o->prom != NULL)
		prom_write(o);
	if (o->log != NULL) {
		dg_hitlog_flush(o->log);
		dg_hitlog_close(o->log);
	}
	dg_history_close(o->hist);
	dg_prom_free(o->prom);
	free_ids(o->last_ids, o->n_last_ids);
	for (unsigned int w = 0; w < o->app->n_workers; w++)
		rte_ring_free(o->app->workers[w]->hits);
}
