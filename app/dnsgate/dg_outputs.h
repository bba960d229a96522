/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_OUTPUTS_H
#define DG_OUTPUTS_H

/**
 * @file
 * What the management core writes: the hit log (drained from the workers' rings), the
 * stats history (one interval at a time, and before a reload and at shutdown) and the
 * Prometheus textfile. Management core only.
 */

#include <signal.h>
#include <stdint.h>

#include <rte_ring.h>

#include "dg_app.h"
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
	uint64_t log_written, log_failed;
	struct dg_history *hist;
	int64_t iv_start;                 /**< unix seconds the open interval began */
	int64_t iv_next;                  /**< when to close it (wall-clock aligned) */
	struct dg_filter_counters last;   /**< totals when the open interval began */
	struct dg_ident_last *last_ids;   /**< per identifier, likewise */
	size_t n_last_ids;
	uint64_t intervals, history_errors;
	struct dg_prom *prom;
	int64_t prom_next;
	uint64_t last_flush_tsc;
};

/** Open the hit log, the history and the textfile as configured; create the rings. */
int dg_outputs_init(struct dg_outputs *o, struct dg_app *app, struct dg_control *ctl,
		    char *err, size_t errlen);

/** Called every management tick: drain rings, close an interval, refresh the textfile. */
void dg_outputs_tick(struct dg_outputs *o);

/** Drain every worker ring into the hit log now (before a snapshot is freed). */
void dg_outputs_drain(void *o);

/** Reopen the hit log (logrotate moved the old one). @return 0 or a negative errno. */
int dg_outputs_rotate(struct dg_outputs *o);

/** Close the open interval now and store it (before a reload, at shutdown). */
void dg_outputs_interval(struct dg_outputs *o);

/** Record every identifier's metadata of the serving snapshot (after a list load). */
void dg_outputs_record_load(struct dg_outputs *o);

/** Final drain, interval and textfile; close everything. */
void dg_outputs_fini(struct dg_outputs *o);

#endif /* DG_OUTPUTS_H */
