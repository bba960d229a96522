/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_SNAPSHOT_H
#define DG_SNAPSHOT_H

/**
 * @file
 * Snapshots: what the workers read (filter + opt-out table + per-identifier hit rows),
 * built off the data path by the management core, published with one atomic store and
 * freed after an RCU grace period. Every change (reload, add, del, opt-out edit) makes a
 * new snapshot; a failed build leaves the serving one alone.
 */

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "dg_app.h"
#include "dg_filter.h"
#include "dg_lists.h"
#include "dg_optout.h"

/** Immutable once published. Only the hit rows are written, each by its own worker. */
struct dg_outputs;

struct dg_snapshot {
	struct dg_filter *filter;   /**< NULL: no list loaded */
	struct dg_optout *optout;   /**< NULL: nobody opted out */
	uint64_t generation;
	uint32_t n_idents;          /**< identifier ids run 1..n_idents */
	uint32_t hits_stride;       /**< counters per worker row (cache-line multiple) */
	uint64_t *hits;             /**< [worker * stride + ident]: filtered queries */
};

/** A runtime change to replay after each reload (so a reload does not undo it). */
struct dg_journal_op {
	int del;                    /**< 0 add, 1 del */
	struct dg_name name;
	struct dg_entry_meta meta;          /**< its string pointers are NULL: use the arrays */
	char identifier[64], category[64];  /**< "" = none */
};

/** Name under which entries without an identifier are counted. */
#define DG_IDENT_NONE "(none)"

/** One identifier's metadata in the serving snapshot (for the history and reports). */
struct dg_ident_meta {
	const char *identifier;   /**< points into the snapshot */
	const char *category;     /**< NULL = none; the last loaded entry's */
	uint64_t fqdns;           /**< distinct names carrying it */
	uint32_t start_day, end_day; /**< earliest start, latest end over its entries */
};

/** Filtered-query totals per identifier, kept across snapshots. */
struct dg_ident_total {
	char *identifier;
	uint64_t hits;
};

struct dg_control {
	struct dg_app *app;
	struct dg_filter_builder *builder; /**< source set of the serving snapshot */
	struct dg_journal_op *journal;
	size_t n_journal, cap_journal;
	struct dg_ident_total *totals;
	size_t n_totals, cap_totals;
	uint64_t generation;
	time_t loaded_at;
	uint64_t reloads_ok, reloads_failed;
	unsigned int n_reports;
	struct dg_list_report reports[DG_CONFIG_MAX_LISTS];
	struct dg_ident_meta *idmeta;      /**< of the serving snapshot */
	size_t n_idmeta;
	void (*before_free)(void *arg);    /**< called after a grace period, before a free */
	void *before_free_arg;
	void (*after_load)(void *arg);     /**< called after a new list set is serving */
	void *after_load_arg;
	struct dg_outputs *outputs;        /**< hit log and history, for commands */
};

/**
 * Load every configured list and the opt-out file and publish the first snapshot.
 * @return 0, or a negative errno with `FILE:LINE: reason` in @p err.
 */
int dg_snapshot_init(struct dg_control *c, struct dg_app *app, char *err, size_t errlen);

/**
 * Re-read every list (and replay the runtime journal); on success publish, else keep
 * serving the old snapshot. Rejected lines go to @p report (may be NULL).
 * @return 0, or a negative errno with a reason in @p err.
 */
int dg_snapshot_reload(struct dg_control *c, FILE *report, char *err, size_t errlen);

/** Add (or with @p del, delete) one entry at run time, journal it, publish. */
int dg_snapshot_change(struct dg_control *c, int del, const struct dg_name *name,
		       const struct dg_entry_meta *meta, char *err, size_t errlen);

/** Replace the opt-out table (the filter stays), publish. Takes ownership of @p t. */
int dg_snapshot_set_optout(struct dg_control *c, struct dg_optout *t);

/** The serving snapshot (management core only). */
const struct dg_snapshot *dg_snapshot_current(const struct dg_control *c);

/** Totals per identifier: retired snapshots plus the serving one. Calls @p cb per id. */
void dg_snapshot_ident_totals(struct dg_control *c,
			      void (*cb)(const char *ident, uint64_t hits, void *arg),
			      void *arg);

/** Category of an identifier in the serving snapshot, or NULL. */
const char *dg_snapshot_ident_category(const struct dg_control *c, const char *ident);

/** Retire the serving snapshot at shutdown (folds its counters) and free everything. */
void dg_snapshot_fini(struct dg_control *c);

/**
 * Parse list options `identifier=X category=Y action=A mode=M start=YYYY-MM-DD
 * end=YYYY-MM-DD sinkhole4=ADDR sinkhole6=ADDR` into @p o (strings point into @p buf).
 * @return 0 or -EINVAL with the reason in @p err.
 */
int dg_snapshot_parse_list_opts(const char *text, struct dg_list_opts *o, char *buf,
				size_t buflen, char *err, size_t errlen);

#endif /* DG_SNAPSHOT_H */
