/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_SNAPSHOT_PVT_H
#define DG_SNAPSHOT_PVT_H

/* Shared by dg_snapshot.c (publishing, changes) and dg_reload.c (full builds). */

#include "dg_snapshot.h"

/** A change made while a full build runs: made again on its result, in order. */
struct dg_pending {
	bool feed;             /**< a feed's change; else journal record jidx */
	size_t jidx;
	int del;
	struct dg_name name;
	struct dg_entry_meta meta; /**< strings owned */
};

/** Free what the hit log is past (all of it when @p all: the writer has stopped). */
void dg_snapshot_reap(struct dg_control *c, bool all);

/** A new snapshot of these parts, published; the old one retired after a grace period. */
int dg_snapshot_publish(struct dg_control *c, struct dg_filter *base, struct dg_filter *delta,
			struct dg_optout *optout);

/** A fresh delta builder (category sinkholes resolved as in a full build). */
int dg_snapshot_delta_new(struct dg_control *c, struct dg_filter_builder **db);

/** The delta of @p db built (NULL when it holds no name). @return 0 or -errno. */
int dg_snapshot_delta_build(const struct dg_filter_builder *db, struct dg_filter **out);

void dg_snapshot_pending_clear(struct dg_control *c);

/**
 * The quarantine policy from the configuration ([quarantine] file, rpz, allow, ...) with
 * the journal's quarantine records on top, staged for the next dg_snapshot_publish().
 * @return 0, or a negative errno with the reason (file and line) in @p err.
 */
int dg_snapshot_quarantine_load(struct dg_control *c, char *err, size_t len);

/** Stage @p q and @p prefixes (owned from here) for the next publish; @p q may be the
 * serving one (shared). */
void dg_snapshot_quarantine_stage(struct dg_control *c, struct dg_quarantine *q,
				  struct dg_optout *prefixes);

/** Drop what is staged (a publish that failed). */
void dg_snapshot_quarantine_unstage(struct dg_control *c);

/**
 * Stage the response-IP list @p t (owned from here; NULL: none configured) and what its
 * load read, for the next dg_snapshot_publish(); until then the serving one is kept.
 */
void dg_snapshot_respip_stage(struct dg_control *c, struct dg_respip *t,
			      const struct dg_respip_report *rep);

/** Drop the staged response-IP list (a publish that failed). */
void dg_snapshot_respip_unstage(struct dg_control *c);

/** A feed changed the delta: start a fold when there is enough of it. */
void dg_snapshot_maybe_fold(struct dg_control *c);

#endif /* DG_SNAPSHOT_PVT_H */
