/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_SNAPSHOT_H
#define DG_SNAPSHOT_H

/**
 * @file
 * Snapshots: what the workers read (base filter + delta + opt-out table + per-identifier
 * hit rows), published by the management core with one atomic store and freed after an
 * RCU grace period. A full build (reload, a feed's whole zone, a fold) runs on the build
 * thread (dg_build.h) while the management loop goes on serving; a runtime change or a
 * feed's IXFR rebuilds only the small delta. A failed build leaves the serving one alone.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "dg_app.h"
#include "dg_control.h"
#include "dg_filter.h"
#include "dg_list_rejects.h"
#include "dg_lists.h"
#include "dg_optout.h"
#include "dg_quarantine.h"
#include "dg_respip.h"

/** Immutable once published. Only the hit rows are written, each by its own worker. */
struct dg_outputs;
struct dg_ctl_audit;
struct dg_ctl_server;
struct dg_feeds;
struct dg_build;
struct dg_pending;

struct dg_snapshot {
	struct dg_filter *filter;   /**< base: the lists at the last full build; NULL: none */
	struct dg_filter *delta;    /**< changes since (runtime, feeds' IXFR); NULL: none */
	struct dg_optout *optout;   /**< NULL: nobody opted out */
	struct dg_optout *quar_prefixes;  /**< quarantined subscribers; NULL: nobody */
	struct dg_quarantine *quarantine; /**< their policy; NULL before the first build */
	struct dg_respip *respip;   /**< response-IP list; NULL: none (or first build running) */
	uint64_t generation;
	uint32_t n_idents;          /**< identifier ids run 1..n_idents over both layers */
	uint32_t hits_stride;       /**< counters per worker row (cache-line multiple) */
	uint64_t *hits;             /**< [worker * stride + ident]: filtered queries */
	/** Retired: the next one waiting for the hit log, and the rings' positions it waits for */
	struct dg_snapshot *next_retired;
	uint32_t log_pos[DG_MAX_WORKERS];
};

/** Name under which entries without an identifier are counted. */
#define DG_IDENT_NONE "(none)"

struct dg_control {
	struct dg_app *app;
	struct dg_filter_builder *delta_b; /**< source of the delta: names changed since the base */
	struct dg_journal *journal;        /**< runtime changes, durable when [ctl] journal */
	struct dg_journal_info journal_info; /**< what the start found in it */
	/** Identifiers: the serving layers' metadata, retired snapshots' totals. */
	struct dg_idents *idents;
	struct dg_idents *base_meta;       /**< the base's identifiers' metadata (build thread) */
	bool meta_dirty;                   /**< idents lag the serving snapshot */
	double meta_at;                    /**< when idents were last brought up to date */
	bool load_pending;                 /**< idents changed since after_load was called */
	bool base_changed;                 /**< a new base since after_load was called */
	double load_at;                    /**< when after_load was last called */
	uint64_t base_active;              /**< base entries active on base_active_day */
	uint32_t base_active_day;
	uint64_t feed_ops;                 /**< feed changes in the delta since the base */
	uint64_t generation;
	time_t loaded_at;
	uint64_t reloads_ok, reloads_failed;
	unsigned int n_reports;                 /**< of the serving list set */
	struct dg_list_report reports[DG_CONFIG_MAX_LISTS];
	struct dg_list_rejects *rejects[DG_CONFIG_MAX_LISTS]; /**< kept lines, per list */
	bool from_image;                   /**< the base came from the image: no lines kept */
	char image_state[DG_CONFIG_ERR_MAX + 32]; /**< the image's last load or save */
	/* The full build under way (one at a time), and one more asked for meanwhile. */
	struct dg_build *build;
	double build_started;
	bool queued;
	int queued_why;                    /**< enum dg_build_why */
	bool queued_token_set;             /**< an operator waits for the queued one */
	uint64_t queued_token;
	struct dg_pending *pending;        /**< changes made during the build, made again */
	size_t n_pending, cap_pending;
	bool pending_failed;               /**< one could not be kept: drop the build's result */
	size_t cut;                        /**< journal records when the build began */
	double last_build_seconds;
	/**
	 * Hit records in the rings point into the snapshot they were made under: a retired
	 * snapshot is freed only once the hit log has written every record queued before
	 * its grace period ended. mark() takes the rings' positions, passed() tells whether
	 * the writer is past them. Both NULL: freed at once.
	 */
	void (*log_mark)(void *arg, uint32_t *pos);
	bool (*log_passed)(void *arg, const uint32_t *pos);
	void *log_arg;
	struct dg_snapshot *retired;       /**< waiting for the hit log, oldest first; they
					    *   hold only what no later snapshot shares */
	unsigned int freeing;              /**< retired bases being freed on threads of their own */
	void (*after_load)(void *arg);     /**< the identifiers' metadata changed: a new base at
					    *   once, runtime changes at most once a minute */
	void *after_load_arg;
	struct dg_outputs *outputs;        /**< hit log and history, for commands */
	struct dg_ctl_audit *audit;        /**< audit log of control changes, or NULL */
	struct dg_ctl_server *ctl;         /**< for answers that follow a build, or NULL */
	/**
	 * More list sources, loaded after the configured lists (the feeds' zone files), on
	 * the build thread: it writes more_next[0..n_more) and nothing else the management
	 * loop reads. Set before dg_snapshot_init(), which keeps them. NULL: none.
	 */
	int (*load_more)(void *arg, struct dg_filter_builder *b, FILE *report, char *err,
			 size_t errlen);
	void *load_more_arg;
	struct dg_list_report *more_next;  /**< what load_more fills */
	struct dg_list_report *more;       /**< the serving ones, for status */
	unsigned int n_more;
	/** Told when a full build ended (rc, reason), whoever asked for it. */
	void (*feed_built)(void *arg, int rc, const char *err);
	void *feed_built_arg;
	struct dg_feeds *feeds;            /**< zone-transfer feeds, for status; may be NULL */
	/** Quarantine for the next publish (dg_snapshot_quarantine_stage()); else kept. */
	bool quar_staged;
	struct dg_optout *quar_next_prefixes;
	struct dg_quarantine *quar_next;
	/** Response-IP list for the next publish (a full build's); else kept. */
	bool respip_staged;
	struct dg_respip *respip_next;
	struct dg_respip_report respip_rep_next;
	struct dg_respip_report respip_rep; /**< of the serving one, for status */
};

/** One feed entry change for dg_snapshot_apply(). */
struct dg_snapshot_op {
	int del;                          /**< 0 add (merges), 1 delete */
	const struct dg_name *name;
	const struct dg_entry_meta *meta; /**< add: the entry; del: the policies with exactly
					   *   this metadata at meta->mode's positions */
};

/**
 * Open the journal, load the image when [filter] image is set and its fingerprint matches
 * the inputs (else parse every list, saying why in one line), put the journal's changes in
 * the delta and publish the first snapshot. A start from the image leaves the identifiers'
 * metadata to a background walk (dg_snapshot_tick()).
 * @return 0, or a negative errno with `FILE:LINE: reason` in @p err.
 */
int dg_snapshot_init(struct dg_control *c, struct dg_app *app, char *err, size_t errlen);

/**
 * Start a full build (re-read every list, the feeds' zone files and the opt-out file) on
 * the build thread; dg_snapshot_tick() publishes it with the journal's changes on top,
 * compacts the journal and answers the operator (@p token, when @p has_token) with
 * dg_ctl_server_complete(). A failed build keeps the old snapshot serving.
 * @param why  enum dg_build_why: RELOAD is refused while another build parses (it waits
 *             behind a metadata walk or an image write); FEED and FOLD
 *             wait for it.
 * @return 0 (started, or queued), or -EBUSY with the reason in @p err, or a negative
 *   errno from starting the thread.
 */
int dg_snapshot_reload(struct dg_control *c, int why, bool has_token, uint64_t token,
		       char *err, size_t errlen);

/** The management loop's turn: finish a build, start a queued one, refresh metadata. */
void dg_snapshot_tick(struct dg_control *c);

/** Bring the identifiers' metadata up to date and hand it on now (before a shutdown). */
void dg_snapshot_meta_flush(struct dg_control *c);

/**
 * A runtime change (entry add/del, opt-out add/del): journal it (durable before this
 * returns), apply it to the delta, publish. `add` replaces the entry of the same name and
 * mode. Workers see it before this returns.
 * @return 0, or a negative errno with the reason in @p err (-ENOENT: nothing to delete,
 *   -EEXIST: the prefix is already opted out); nothing is journaled then.
 */
int dg_snapshot_change(struct dg_control *c, const struct dg_journal_op *op, char *err,
		       size_t errlen);

/**
 * A feed's IXFR: @p n changes on the delta, not journaled (the zone file holds them and a
 * full build reads it), one publish. An add merges with what is there; a delete removes
 * only the policy whose metadata equals meta (none there is no error).
 *
 * @return 0, or a negative errno with the reason in @p err (-ENOMEM, or what the builder
 *   returned); then the serving snapshot is the old one, and the caller should ask for a
 *   full build, which starts again from the zone files.
 */
int dg_snapshot_apply(struct dg_control *c, const struct dg_snapshot_op *ops, size_t n,
		      char *err, size_t errlen);

/** Seconds since the build under way started. */
double dg_snapshot_build_age(const struct dg_control *c);

/** Names the delta holds. */
size_t dg_snapshot_delta_names(const struct dg_control *c);

/** Entries active today over both layers. */
uint64_t dg_snapshot_active(const struct dg_control *c);

/** The serving snapshot (management core only). */
const struct dg_snapshot *dg_snapshot_current(const struct dg_control *c);

/** Totals per identifier: retired snapshots plus the serving one. Calls @p cb per id. */
void dg_snapshot_ident_totals(struct dg_control *c,
			      void (*cb)(const char *ident, uint64_t hits, void *arg),
			      void *arg);

/** Category of an identifier in the serving snapshot, or NULL. */
const char *dg_snapshot_ident_category(const struct dg_control *c, const char *ident);

/**
 * Wait for a build under way (its result is dropped; an image being written is finished),
 * retire the serving snapshot (folds its counters) and free everything.
 */
void dg_snapshot_fini(struct dg_control *c);

#endif /* DG_SNAPSHOT_H */
