/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hit log, stats history and Prometheus textfile. Workers only ever enqueue fixed-size
 * records into their own ring; a full ring costs a record (counted), never a wait. The
 * rings are drained by the writer thread (dg_outputs_drain.c); the history and the
 * textfile are written from the management core.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dg_counters.h"
#include "dg_outputs.h"
#include "dg_stats.h"
#include "dg_tz.h"

enum {
	/*
	 * Another writer holding the history's lock must not hold the management loop (the
	 * control socket, the hit log rings behind it): the interval stays open and is tried
	 * again at the next boundary. At shutdown the default wait applies.
	 */
	HISTORY_WAIT_MS = 10,
};

static int64_t
unix_now(void)
{
	return (int64_t)time(NULL);
}

/* The hit log's own counters: lines in the file, lines lost (a full disk). */
static void
log_counts(struct dg_outputs *o)
{
	struct dg_hitlog_stats st;
	struct dg_dnstap_stats ts;

	if (o->log == NULL)
		return;
	dg_outputs_log_stats(o, &st, &ts);
	o->log_written = st.written;
	o->log_failed = st.failed;
}

/*
 * When the interval open at @p now closes: on the next multiple of its length on the
 * local clock, and never past local midnight, so every interval lies in one local day
 * (and month) of [mgmt] timezone, whatever the length and the zone's offset.
 */
static int64_t
interval_end(const struct dg_outputs *o, int64_t now)
{
	const int64_t len = o->app->cfg.history_interval;
	int64_t off = dg_tz_offset(now), mid = dg_tz_next_midnight(now);
	int64_t end = ((now + off) / len + 1) * len - off;

	return end < mid ? end : mid;
}

/*
 * Open the history, or start a new one when it is @p damaged (a write found it so, and
 * said why in @p err). A damaged file is set aside and a new one started; one that is
 * busy, on a full disk or otherwise unavailable is tried again at every interval boundary
 * while the counts add up (forwarding never waits for it). @return 0 or a negative errno.
 */
static int
history_open(struct dg_outputs *o, bool damaged, char *err, size_t len)
{
	const char *path = o->app->cfg.history;
	char moved[4200];
	int rc;

	rc = damaged ? -EBADMSG : dg_history_open(&o->hist, path, o->appliance, err, len);
	if (rc == -EBADMSG) {
		fprintf(stderr, "dnsgate: %s\n", err);
		rc = dg_history_set_aside(path, moved, sizeof(moved));
		if (rc == 0) {
			o->history_set_aside++;
			fprintf(stderr, "dnsgate: stats history %s: damaged; moved to %s, starting "
				"a new one\n", path, moved);
			rc = dg_history_open(&o->hist, path, o->appliance, err, len);
		} else {
			snprintf(err, len, "history %s: damaged, and cannot be moved aside: %s",
				 path, strerror(-rc));
		}
	}
	if (rc == 0) {
		dg_history_set_busy_wait(o->hist, o->stopping ? DG_HISTORY_BUSY_MS : HISTORY_WAIT_MS);
	} else if (rc != -EPROTO && rc != -EINVAL) {
		o->history_errors++;
		fprintf(stderr, "dnsgate: %s; tried again every interval\n", err);
	}
	return rc;
}

/* One worker's ring of records to the management core. */
static struct rte_ring *
make_ring(const struct dg_app *app, unsigned int w, const char *what, char *err, size_t len)
{
	char name[RTE_RING_NAMESIZE];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "dg_%s_%u", what, w);
	/* room for log_ring whole records; most take a third of that (dg_hit_cells()) */
	r = rte_ring_create_elem(name, DG_HIT_CELL,
				 rte_align32pow2(app->cfg.log_ring) * DG_HIT_CELLS_MAX,
				 (int)rte_lcore_to_socket_id(app->workers[w]->lcore),
				 RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (r == NULL)
		snprintf(err, len, "%s ring for worker %u: %s", what, w, rte_strerror(rte_errno));
	return r;
}

/* The hit log with its rotation, and the dnstap output, as configured. */
static int
open_logs(struct dg_outputs *o, const char *identity, char *err, size_t len)
{
	const struct dg_config *cfg = &o->app->cfg;
	int rc;

	if (cfg->log_file[0] != '\0') {
		struct dg_hitlog_rotation rot = {
			.size = cfg->rotate_size, .interval = cfg->rotate_interval,
			.keep = cfg->rotate_keep, .gzip = cfg->rotate_gzip,
		};

		rc = dg_hitlog_open(&o->log, cfg->log_file, err, len);
		if (rc == 0 && (rc = dg_hitlog_set_rotation(o->log, &rot, unix_now())) < 0)
			snprintf(err, len, "hit log %s: rotation: %s", cfg->log_file, strerror(-rc));
		if (rc < 0)
			return rc;
	}
	if (cfg->dnstap[0] != '\0') {
		rc = dg_dnstap_open(&o->tap, cfg->dnstap, identity, "dnsgate " DG_VERSION,
				    cfg->log_ring, err, len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
dg_outputs_init(struct dg_outputs *o, struct dg_app *app, struct dg_control *ctl, char *err,
		size_t len)
{
	const struct dg_config *cfg = &app->cfg;
	char host[64] = "dnsgate";
	const char *identity = cfg->appliance[0] ? cfg->appliance : host;
	struct timespec ts;
	int rc;

	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->w_mu, NULL);
	o->app = app;
	o->ctl = ctl;
	clock_gettime(CLOCK_REALTIME, &ts);
	o->clock.tsc0 = rte_rdtsc();
	o->clock.hz = rte_get_tsc_hz();
	o->clock.unix_ns0 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (cfg->appliance[0] == '\0')
		gethostname(host, sizeof(host) - 1);
	rc = open_logs(o, identity, err, len);
	if (rc < 0)
		return rc;
	for (unsigned int w = 0; w < app->n_workers && app->dcfg.log; w++) {
		struct dg_worker *wk = app->workers[w];

		if ((wk->hits = make_ring(app, w, "hits", err, len)) == NULL)
			return -rte_errno;
		if (app->dcfg.sample == 0)
			continue;
		wk->dec.samples = rte_zmalloc_socket("dg_samples", sizeof(struct dg_hit_record) *
			DG_DECIDE_BURST_MAX, RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(wk->lcore));
		if (wk->dec.samples == NULL) {
			snprintf(err, len, "sample records for worker %u: out of memory", w);
			return -ENOMEM;
		}
		if ((wk->samples = make_ring(app, w, "samples", err, len)) == NULL)
			return -rte_errno;
	}
	if (cfg->history[0] != '\0') {
		snprintf(o->appliance, sizeof(o->appliance), "%s", identity);
		o->iv_start = unix_now();
		o->iv_next = interval_end(o, o->iv_start);
		/* Not ours to touch (a newer schema, another program's file): the operator's. */
		rc = history_open(o, false, err, len);
		if (rc == -EPROTO || rc == -EINVAL)
			return rc;
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

/* A write found the history damaged: set it aside, start a new one. @return 0 or -errno. */
static int
history_renew(struct dg_outputs *o)
{
	char err[1024];

	snprintf(err, sizeof(err), "history %s: %s", o->app->cfg.history,
		 dg_history_errmsg(o->hist));
	dg_history_close(o->hist);
	o->hist = NULL;
	return history_open(o, true, err, sizeof(err));
}

/* Store @p iv; in a new history (with the list metadata) if the old one is damaged. */
static int
history_append(struct dg_outputs *o, const struct dg_history_interval *iv)
{
	int rc = dg_history_append(o->hist, iv);

	if (rc == -EBADMSG && history_renew(o) == 0) {
		dg_outputs_record_load(o);
		rc = dg_history_append(o->hist, iv);
	}
	return rc;
}

void
dg_outputs_interval(struct dg_outputs *o)
{
	struct dg_decide_counters now;
	struct dg_history_interval iv = { 0 };
	struct ident_collect ids = { 0 };
	struct dg_history_ident *hi;
	char err[1024];
	size_t n = 0;
	int rc;

	if (o->app->cfg.history[0] == '\0')
		return;
	if (o->hist == NULL) {
		/* Unavailable so far: the interval stays open until it can be stored. */
		if (history_open(o, false, err, sizeof(err)) < 0) {
			o->iv_next = interval_end(o, unix_now());
			return;
		}
		dg_outputs_record_load(o);
	}
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
	iv.rate_limited = now.drop[DG_FWD_RATE_LIMITED] - o->last.drop[DG_FWD_RATE_LIMITED];
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
	rc = hi == NULL ? -ENOMEM : history_append(o, &iv);
	if (rc < 0) {
		/* Keep the interval open: its counts go into the next try. */
		o->history_errors++;
		fprintf(stderr, "dnsgate: stats history: %s\n", o->hist != NULL ?
			dg_history_errmsg(o->hist) : strerror(-rc));
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
	o->iv_next = interval_end(o, unix_now());
}

void
dg_outputs_record_load(struct dg_outputs *o)
{
	struct dg_history_list_entry *e;
	size_t n;
	int rc;

	if (o->hist == NULL)
		return;
	n = dg_idents_count(o->ctl->idents);
	e = calloc(n + 1, sizeof(*e));
	if (e == NULL)
		return;
	/* The serving snapshot's identifiers: those of retired ones have no names left. */
	for (size_t i = 0, k = 0; i < n; i++) {
		const struct dg_ident_meta *m = dg_idents_at(o->ctl->idents, i);

		if (m->fqdns == 0)
			continue;
		e[k++] = (struct dg_history_list_entry){ .identifier = m->identifier,
			.category = m->category, .fqdns = m->fqdns, .start_day = m->start_day,
			.end_day = m->end_day };
	}
	for (n = 0; e[n].identifier != NULL; n++)
		;
	rc = dg_history_record_load(o->hist, o->ctl->loaded_at, e, n);
	if (rc == -EBADMSG && history_renew(o) == 0)
		rc = dg_history_record_load(o->hist, o->ctl->loaded_at, e, n);
	if (rc < 0) {
		o->history_errors++;
		fprintf(stderr, "dnsgate: stats history: %s\n", o->hist != NULL ?
			dg_history_errmsg(o->hist) : strerror(-rc));
	}
	free(e);
}

static void
prom_write(struct dg_outputs *o)
{
	const struct dg_metrics_sel all = DG_METRICS_ALL;
	struct dg_counters w;

	dg_prom_reset(o->prom);
	dg_counters_open(&w);
	if (dg_metrics_prom(&w.reg, &all, o->prom) < 0 ||
	    dg_prom_write(o->prom, o->app->cfg.prometheus) < 0)
		fprintf(stderr, "dnsgate: cannot write %s\n", o->app->cfg.prometheus);
}

void
dg_outputs_tick(struct dg_outputs *o)
{
	int64_t now = unix_now();

	dg_outputs_drain(o);
	log_counts(o);
	if (o->app->cfg.history[0] != '\0' && now >= o->iv_next)
		dg_outputs_interval(o);
	if (o->prom != NULL && now >= o->prom_next) {
		prom_write(o);
		o->prom_next = now + o->app->cfg.prometheus_interval;
	}
}

void
dg_outputs_fini(struct dg_outputs *o)
{
	/* The workers have stopped: what their rings hold is written here, then the history's
	 * last interval, which may wait for a lock. */
	dg_outputs_stop(o);
	dg_outputs_drain(o);
	o->stopping = true;
	if (o->hist != NULL)
		dg_history_set_busy_wait(o->hist, DG_HISTORY_BUSY_MS);
	dg_outputs_interval(o);
	if (o->prom != NULL)
		prom_write(o);
	if (o->log != NULL) {
		dg_hitlog_finish(o->log); /* waits for the archive thread */
		dg_hitlog_get_stats(o->log, &o->log_final);
		o->log_written = o->log_final.written;
		o->log_failed = o->log_final.failed;
		dg_hitlog_close(o->log);
		o->log = NULL;
	}
	dg_dnstap_close(o->tap, &o->tap_final); /* waits for the writer thread */
	o->tap = NULL;
	dg_history_close(o->hist);
	dg_prom_free(o->prom);
	pthread_mutex_destroy(&o->w_mu);
	free_ids(o->last_ids, o->n_last_ids);
	for (unsigned int w = 0; w < o->app->n_workers; w++) {
		struct dg_worker *wk = o->app->workers[w];

		rte_ring_free(wk->hits);
		rte_ring_free(wk->samples);
		rte_free(wk->dec.samples);
		wk->hits = wk->samples = NULL;
		wk->dec.samples = NULL;
	}
}
