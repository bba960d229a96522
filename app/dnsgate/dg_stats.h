/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_STATS_APP_H
#define DG_STATS_APP_H

/**
 * @file
 * The counter registry (dg_counters.h) as text: `stats` on the control socket, the live
 * line's port columns and the summary at exit. Management core only.
 */

#include <stdbool.h>
#include <stdio.h>

#include "dg_app.h"
#include "dg_ctl.h"
#include "dg_snapshot.h"

/** Every worker's filter counters summed (the history's interval totals). */
void dg_stats_filter_totals(const struct dg_app *app, struct dg_decide_counters *t);

/** Every counter as `name value` lines, or one JSON object, into @p b. */
void dg_stats_write(struct dg_control *c, bool json, struct dg_ctl_buf *b);

/** How dg_stats_port_columns() prints. */
enum dg_stats_cols {
	DG_STATS_COL_NAMES,  /**< the header: column names, right-aligned */
	DG_STATS_COL_VALUES, /**< a row: values under those names */
	DG_STATS_COL_PAIRS,  /**< ` name value` pairs (the live line) */
};

/** The port table's columns (DG_METRIC_F_COLUMN) for port index @p port. */
void dg_stats_port_columns(unsigned int port, enum dg_stats_cols how, FILE *out);

/**
 * The summary at exit: the port table, totals and cycles per frame, then every other
 * counter as `stats` shows it (zero array elements left out). After the workers stopped.
 */
void dg_stats_summary(const struct dg_app *app, FILE *out);

#endif /* DG_STATS_APP_H */
