/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_OUTPUTS_H
#define DG_OUTPUTS_H

/**
 * @file
 * What the management core writes: the hit log (drained from the workers' rings), the
 * stats history (one interval at a time, and before a reload and at shutdown) and the
 * Prometheus textfile. Management core only.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "dg_app.h"
#include "dg_dnstap.h"
#include "dg_hitlog.h"
#include "dg_history.h"
#include "dg_prom.h"
#include "dg_snapshot.h"

struct dg_ident_last {
	char *identifier;
	uint64_t hits;
};

struct dg_outputs {
	struct dg_app *app;
	struct dg_control *ctl;
	struct dg_hitlog *log;
	struct dg_hitlog_clock clock;
	uint64_t log_written, log_failed; /**< hit log lines in the file, lost writing them */
	struct dg_dnstap *tap;            /**< dnstap output, or NULL */
	uint64_t tap_unforged;            /**< answers that could not be built again (atomic) */
	/* The writer thread (dg_outputs_drain.c) and what it shares with the management core */
	pthread_t w_thread;
	bool w_running;
	bool w_stop, w_reopen;            /**< asked of the thread (atomic) */
	pthread_mutex_t w_mu;             /**< guards log_st */
	struct dg_hitlog_stats log_st;    /**< the writer's counters, as last published */
	uint32_t w_pos[DG_MAX_WORKERS];   /**< cells taken from each ring (its consumer index) */
	uint32_t w_done[DG_MAX_WORKERS];  /**< ... and written: published for log_passed (atomic) */
	int64_t last_flush_ns;
	struct dg_hitlog_stats log_final; /**< counters when closed, for the summary */
	struct dg_dnstap_stats tap_final;
	struct dg_history *hist;
	int64_t iv_start;                 /**< unix seconds the open interval began */
	int64_t iv_next;                  /**< when to close it (wall-clock aligned) */
	struct dg_decide_counters last;   /**< totals when the open interval began */
	struct dg_ident_last *last_ids;   /**< per identifier, likewise */
	size_t n_last_ids;
	uint64_t intervals, history_errors;
	uint64_t history_set_aside;       /**< damaged history files moved away */
	char appliance[64];               /**< the history's appliance name */
	bool stopping;                    /**< the last interval: waits for a lock */
	struct dg_prom *prom;
	int64_t prom_next;
};

/** Open the hit log, the history and the textfile as configured; create the rings. */
int dg_outputs_init(struct dg_outputs *o, struct dg_app *app, struct dg_control *ctl,
		    char *err, size_t errlen);

/** Called every management tick: drain rings, close an interval, refresh the textfile. */
void dg_outputs_tick(struct dg_outputs *o);

/**
 * Start the hit log writer thread: from now on it drains the rings, flushes, rotates and
 * reopens. @return 0 (also when there are no rings) or a negative errno (no thread: the
 * management core goes on draining on its ticks).
 */
int dg_outputs_start(struct dg_outputs *o);

/** Stop the writer thread after its current pass; the rings are left for the final drain. */
void dg_outputs_stop(struct dg_outputs *o);

/** Drain the rings, flush once a second, rotate: on the calling core, when no thread runs. */
void dg_outputs_drain(struct dg_outputs *o);

/** The rings' producer positions now (one per worker), for dg_outputs_log_passed(). */
void dg_outputs_log_mark(void *o, uint32_t *pos);

/** Whether every record queued before dg_outputs_log_mark() gave @p pos was written. */
bool dg_outputs_log_passed(void *o, const uint32_t *pos);

/** Hit log and dnstap counters, for stats and the summary (zeros for what is off). */
void dg_outputs_log_stats(const struct dg_outputs *o, struct dg_hitlog_stats *h,
			  struct dg_dnstap_stats *t);

/**
 * Reopen the hit log (logrotate moved the old one): the writer does it before its next
 * line. @return 0, or -ENOENT without a hit log. A failed reopen is reported on stderr
 * and the old file stays in use.
 */
int dg_outputs_rotate(struct dg_outputs *o);

/** Close the open interval now and store it (before a reload, at shutdown). */
void dg_outputs_interval(struct dg_outputs *o);

/** Record every identifier's metadata of the serving snapshot (after a list load). */
void dg_outputs_record_load(struct dg_outputs *o);

/** Final drain, interval and textfile; close everything. */
void dg_outputs_fini(struct dg_outputs *o);

#endif /* DG_OUTPUTS_H */
