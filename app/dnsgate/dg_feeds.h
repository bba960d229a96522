/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FEEDS_H
#define DG_FEEDS_H

/**
 * @file
 * The appliance's side of RPZ feeds (lib/feed): the client thread runs the transfers; the
 * management loop drains its results every tick. A whole new zone (AXFR) reloads the list
 * sources (the feed's zone file is one of them, after the configured lists); an IXFR's
 * entry changes go to the serving snapshot through one function, apply_delta().
 */

#include "dg_ctl.h"
#include "dg_feed.h"
#include "dg_snapshot.h"

struct dg_feeds {
	struct dg_control *control;
	struct dg_feed_client *client;          /**< NULL: no [feed] section */
	struct dg_list_report reports[DG_CONFIG_MAX_FEEDS]; /**< zone files, serving load */
	struct dg_list_report reports_next[DG_CONFIG_MAX_FEEDS]; /**< the build thread's */
	bool build_wanted;                      /**< a full build asked for is pending */
	uint64_t applied;                       /**< results that reached the snapshot */
	uint64_t apply_failed;                  /**< deltas that failed (then: reload) */
	char apply_error[512];
	time_t reload_retry;                    /**< a failed reload is tried again then; 0 = none */
};

/**
 * Create the client (zone files read back, NOTIFY sockets bound) and make the zone files
 * list sources of @p c. Call before dg_snapshot_init().
 * @return 0, or a negative errno with the reason in @p err.
 */
int dg_feeds_init(struct dg_feeds *fs, struct dg_app *app, struct dg_control *c, char *err,
		  size_t errlen);

/**
 * Start the transfers: a pthread of its own, not an EAL lcore. Started from the main lcore,
 * it inherits that core's CPU set, so it never competes with a worker.
 * @return 0 or a negative errno.
 */
int dg_feeds_start(struct dg_feeds *fs);

/** Management tick: apply what the client has finished. */
void dg_feeds_tick(struct dg_feeds *fs);

/** `feed:` lines of `status`. */
void dg_feeds_status(struct dg_feeds *fs, struct dg_ctl_buf *b);

/** Stop the client and free it. */
void dg_feeds_fini(struct dg_feeds *fs);

#endif /* DG_FEEDS_H */
