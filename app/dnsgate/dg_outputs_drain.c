/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hit log writer thread: drains the workers' rings into the hit log and the dnstap
 * output, flushes once a second, rotates. A slow disk or writeback throttling stalls this
 * thread only, and the rings cover the stall; the management loop goes on answering the
 * control socket and closing history intervals. Before the thread starts and after it
 * stops, the management core drains the rings itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dg_outputs.h"

enum {
	DRAIN_BATCH = 64,
	ANSWER_MAX = 65535,
	IDLE_US = 200,       /* rings empty: look again after this */
	FLUSH_NS = 1000000000,
};

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One filtered query to the dnstap output, with the answer built again from the record. */
static void
tap_hit(struct dg_outputs *o, const struct dg_hit_record *r)
{
	static uint8_t ans[ANSWER_MAX];
	size_t alen = 0;
	int rc = -ENOENT;

	if (r->ans_len != 0) {
		rc = dg_decide_reforge(&o->app->dcfg, r, ans, sizeof(ans), &alen);
		if (rc < 0)
			__atomic_fetch_add(&o->tap_unforged, 1, __ATOMIC_RELAXED);
	}
	dg_dnstap_write_hit(o->tap, r, &o->clock, rc == 0 ? ans : NULL, alen);
}

/* The writer's counters, copied where the management core reads them. */
static void
publish_stats(struct dg_outputs *o)
{
	struct dg_hitlog_stats st;

	if (o->log == NULL)
		return;
	dg_hitlog_get_stats(o->log, &st);
	pthread_mutex_lock(&o->w_mu);
	o->log_st = st;
	pthread_mutex_unlock(&o->w_mu);
}

/*
 * Up to @p max records from ring @p r into @p rec; *@p cells: the ring elements they took.
 * A record's first cell tells how many follow (dg_hit_cells()); the worker enqueued them
 * all at once, so they are there.
 */
static unsigned int
dequeue_records(struct rte_ring *r, struct dg_hit_record *rec, unsigned int max,
		uint32_t *cells)
{
	unsigned int n = 0;

	*cells = 0;
	while (n < max && rte_ring_sc_dequeue_bulk_elem(r, &rec[n], DG_HIT_CELL, 1, NULL) == 1) {
		unsigned int c = dg_hit_cells(&rec[n]);

		*cells += 1;
		if (c > 1 && rte_ring_sc_dequeue_bulk_elem(r, (uint8_t *)&rec[n] + DG_HIT_CELL,
							   DG_HIT_CELL, c - 1, NULL) != c - 1)
			break; /* not with an all-or-nothing producer */
		*cells += c - 1;
		n++;
	}
	return n;
}

/* Every record queued so far, written; @return how many. Only one drainer at a time. */
static unsigned int
drain_rings(struct dg_outputs *o)
{
	static struct dg_hit_record rec[DRAIN_BATCH];
	unsigned int total = 0;
	uint32_t cells;

	for (unsigned int w = 0; w < o->app->n_workers; w++) {
		struct rte_ring *r = o->app->workers[w]->hits;
		struct rte_ring *s = o->app->workers[w]->samples;
		unsigned int n;

		if (r == NULL)
			continue;
		do {
			n = dequeue_records(r, rec, DRAIN_BATCH, &cells);
			/* failures are in the writer's counters */
			for (unsigned int i = 0; i < n; i++) {
				if (o->tap != NULL && !(rec[i].flags & DG_HIT_F_ENCDNS) &&
				    rec[i].trigger == DG_HIT_TRIGGER_QNAME)
					tap_hit(o, &rec[i]);
				if (o->log != NULL)
					dg_hitlog_write(o->log, &rec[i], &o->clock);
			}
			/* Written (or buffered): what pointed into a retired snapshot is used up. */
			o->w_pos[w] += cells; /* ring positions count cells */
			__atomic_store_n(&o->w_done[w], o->w_pos[w], __ATOMIC_RELEASE);
			total += n;
		} while (n == DRAIN_BATCH);
		while (s != NULL &&
		       (n = dequeue_records(s, rec, DRAIN_BATCH, &cells)) > 0) {
			for (unsigned int i = 0; i < n; i++)
				dg_dnstap_write_hit(o->tap, &rec[i], &o->clock, NULL, 0);
			total += n;
		}
	}
	return total;
}

/* The hit log's flush, rotation and reopen, on whichever side drains. */
static void
log_upkeep(struct dg_outputs *o, int64_t *last_flush)
{
	int64_t now = mono_ns();

	if (o->log == NULL)
		return;
	if (__atomic_exchange_n(&o->w_reopen, false, __ATOMIC_ACQ_REL) &&
	    dg_hitlog_reopen(o->log) < 0)
		fprintf(stderr, "dnsgate: hit log %s: reopen failed, writing to the old file\n",
			o->app->cfg.log_file);
	if (dg_hitlog_tick(o->log, (int64_t)time(NULL)) < 0)
		fprintf(stderr, "dnsgate: hit log rotation failed\n");
	if (now - *last_flush >= FLUSH_NS) {
		dg_hitlog_flush(o->log);
		*last_flush = now;
	}
}

static void *
writer_main(void *arg)
{
	struct dg_outputs *o = arg;
	int64_t last_flush = mono_ns();

	while (!__atomic_load_n(&o->w_stop, __ATOMIC_ACQUIRE)) {
		unsigned int n = drain_rings(o);

		log_upkeep(o, &last_flush);
		publish_stats(o);
		if (n == 0)
			usleep(IDLE_US);
	}
	return NULL;
}

int
dg_outputs_start(struct dg_outputs *o)
{
	bool rings = false;
	int rc;

	for (unsigned int w = 0; w < o->app->n_workers; w++)
		rings |= o->app->workers[w]->hits != NULL;
	if (!rings || o->w_running)
		return 0;
	__atomic_store_n(&o->w_stop, false, __ATOMIC_RELEASE);
	rc = pthread_create(&o->w_thread, NULL, writer_main, o);
	if (rc != 0)
		return -rc;
	pthread_setname_np(o->w_thread, "dg-hitlog");
	o->w_running = true;
	return 0;
}

void
dg_outputs_stop(struct dg_outputs *o)
{
	if (!o->w_running)
		return;
	__atomic_store_n(&o->w_stop, true, __ATOMIC_RELEASE);
	pthread_join(o->w_thread, NULL);
	o->w_running = false;
}

void
dg_outputs_drain(struct dg_outputs *o)
{
	if (o->w_running)
		return;
	drain_rings(o);
	log_upkeep(o, &o->last_flush_ns);
	publish_stats(o);
}

void
dg_outputs_log_mark(void *arg, uint32_t *pos)
{
	struct dg_outputs *o = arg;

	for (unsigned int w = 0; w < o->app->n_workers; w++) {
		const struct rte_ring *r = o->app->workers[w]->hits;

		pos[w] = r != NULL ? __atomic_load_n(&r->prod.tail, __ATOMIC_ACQUIRE) : 0;
	}
}

bool
dg_outputs_log_passed(void *arg, const uint32_t *pos)
{
	struct dg_outputs *o = arg;

	dg_outputs_drain(o); /* no thread: this core is the writer */
	for (unsigned int w = 0; w < o->app->n_workers; w++) {
		uint32_t done = __atomic_load_n(&o->w_done[w], __ATOMIC_ACQUIRE);

		if (o->app->workers[w]->hits != NULL && (int32_t)(done - pos[w]) < 0)
			return false;
	}
	return true;
}

int
dg_outputs_rotate(struct dg_outputs *o)
{
	if (o->log == NULL)
		return -ENOENT;
	__atomic_store_n(&o->w_reopen, true, __ATOMIC_RELEASE);
	dg_outputs_drain(o); /* no thread: reopened here, now */
	return 0;
}

void
dg_outputs_log_stats(const struct dg_outputs *o, struct dg_hitlog_stats *h,
		     struct dg_dnstap_stats *t)
{
	*h = o->log_final;
	*t = o->tap_final;
	if (o->log != NULL) {
		pthread_mutex_lock((pthread_mutex_t *)&o->w_mu);
		*h = o->log_st;
		pthread_mutex_unlock((pthread_mutex_t *)&o->w_mu);
	}
	if (o->tap != NULL)
		dg_dnstap_get_stats(o->tap, t);
	t->bad += __atomic_load_n(&o->tap_unforged, __ATOMIC_RELAXED);
}
