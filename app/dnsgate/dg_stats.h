/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_STATS_APP_H
#define DG_STATS_APP_H

#include <stdbool.h>

#include "dg_app.h"
#include "dg_ctl.h"
#include "dg_snapshot.h"

/** Every worker's filter counters summed. */
void dg_stats_filter_totals(const struct dg_app *app, struct dg_filter_counters *t);

/** Counters as `name value` lines, or one JSON object, into @p b. */
void dg_stats_write(struct dg_control *c, bool json, struct dg_ctl_buf *b);

#endif /* DG_STATS_APP_H */
