/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CONTROL_H
#define DG_CONTROL_H

/**
 * @file
 * The control plane's bookkeeping, without DPDK: what an operator tells the appliance and
 * what the snapshots add up to.
 *
 *  - List options (`identifier=X category=Y action=A mode=M start=D end=D sinkhole4=A
 *    sinkhole6=A`), for configured lists and runtime `add`.
 *  - The runtime journal: `add`, `del`, opt-out `add`/`del`, appended to a file and synced
 *    before the command is acknowledged, replayed at start and after every reload,
 *    compacted when lists reload (dg_journal_*).
 *  - Identifiers: the metadata of the serving snapshot's identifiers and the filtered-query
 *    totals kept across snapshots, in hash maps (dg_idents_*).
 *  - A full build: every configured list into a fresh base snapshot
 *    (dg_control_build()); it touches no shared state, so it may run on any thread.
 *  - The delta: runtime and feed changes over the base, a small second layer
 *    (dg_control_delta_*), and the fingerprint of a build's inputs for its saved image.
 *
 * Publishing (RCU) and threads are the appliance's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dg_config.h"
#include "dg_filter.h"
#include "dg_lists.h"
#include "dg_name.h"
#include "dg_optout.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_CONTROL_STR_MAX = 255, /**< identifier and category bytes */
};

/**
 * Parse list options from @p n words `key=value` into @p o (strings copied into @p o's
 * own storage: see struct dg_control_opts).
 */
struct dg_control_opts {
	struct dg_list_opts list;           /**< defaults and mode (list.mode -1: none given) */
	char identifier[DG_CONTROL_STR_MAX + 1];
	char category[DG_CONTROL_STR_MAX + 1];
};

/** Empty options: dg_list_opts_init() defaults, no strings. */
void dg_control_opts_init(struct dg_control_opts *o);

/**
 * @param words  `key=value` words (keys: identifier or id, category, action, mode or
 *               match, start, end, sinkhole4, sinkhole6).
 * @param err    The reason on failure.
 * @return 0, or -EINVAL (unknown key, no '=', bad value, a string over
 *   DG_CONTROL_STR_MAX bytes). Nothing is cut silently.
 */
int dg_control_parse_opts(const char *const *words, size_t n, struct dg_control_opts *o,
			  char *err, size_t errlen);

/** The same from one line of space-separated words (a configured list's options). */
int dg_control_parse_opts_line(const char *line, struct dg_control_opts *o, char *err,
			       size_t errlen);

/** What a journal record does. */
enum dg_journal_kind {
	DG_JOURNAL_ADD,        /**< add (replacing the entry of the same name and mode) */
	DG_JOURNAL_DEL,        /**< delete every policy of the name at the mode's positions */
	DG_JOURNAL_OPTOUT_ADD,
	DG_JOURNAL_OPTOUT_DEL,
	DG_JOURNAL_QUARANTINE_ADD, /**< a quarantined prefix (docs/quarantine.md) */
	DG_JOURNAL_QUARANTINE_DEL,
};

/** Is @p k a change of a prefix table (opt-out or quarantine), not of an entry? */
static inline int
dg_journal_kind_prefix(enum dg_journal_kind k)
{
	return k >= DG_JOURNAL_OPTOUT_ADD && k <= DG_JOURNAL_QUARANTINE_DEL;
}

/** One runtime change. Its strings belong to the journal (valid until it is closed). */
struct dg_journal_op {
	enum dg_journal_kind kind;
	struct dg_name name;           /**< ADD, DEL */
	struct dg_entry_meta meta;     /**< ADD (mode: DEL too) */
	struct dg_optout_prefix prefix; /**< OPTOUT_*, QUARANTINE_* */
};

struct dg_journal;

/** What dg_journal_open() found in the file. */
struct dg_journal_info {
	size_t records;     /**< records replayed */
	size_t torn;        /**< a last record cut short by a crash (never acknowledged): 0/1 */
	size_t bad;         /**< records after a damaged one, set aside in PATH.bad */
	unsigned long bad_line; /**< line of the first damaged record, 0 = none */
};

/**
 * Open (create) the journal at @p path, or keep one in memory only (@p path NULL), and
 * read back its records. A record cut short at the end (a crash during its write, so never
 * acknowledged) is dropped and the file truncated before it; a damaged record elsewhere
 * ends the replay there: it and the rest are moved to PATH.bad, counted in @p info, and
 * the journal goes on from the good part.
 *
 * @return 0, or -ENOMEM, or the negative errno of open/read/write (with the reason in
 *   @p err).
 */
int dg_journal_open(struct dg_journal **j, const char *path, struct dg_journal_info *info,
		    char *err, size_t errlen);

/**
 * Append @p op (its strings are copied) and make it durable (fdatasync) before returning:
 * a command is acknowledged only after this succeeds.
 *
 * @return 0, -EINVAL (bad op), -ENOMEM, or the negative errno of write/fdatasync (the
 *   record is then not in the journal; the file is truncated back where it can be).
 */
int dg_journal_append(struct dg_journal *j, const struct dg_journal_op *op, char *err,
		      size_t errlen);

/** Records in the journal, and the i-th. */
size_t dg_journal_count(const struct dg_journal *j);
const struct dg_journal_op *dg_journal_get(const struct dg_journal *j, size_t i);

/**
 * Keep only the last record per entry (name and mode), per opt-out prefix and per
 * quarantined prefix, which gives
 * the same result applied on any list set; rewrite the file atomically (temporary file,
 * fsync, rename, fsync of the directory).
 *
 * @return 0, or -ENOMEM, or the negative errno of the rewrite (the old file stays).
 */
int dg_journal_compact(struct dg_journal *j, char *err, size_t errlen);

void dg_journal_close(struct dg_journal *j);

/**
 * The opt-out table @p base with the journal's opt-out records applied in order (an add
 * of a present prefix or a del of an absent one changes nothing).
 * @return 0 with *@p out set (a new table; @p base is left alone), or -ENOMEM.
 */
int dg_journal_apply_optout(const struct dg_journal *j, const struct dg_optout *base,
			    struct dg_optout **out);

/** dg_journal_apply_optout() for the quarantine records (QUARANTINE_ADD, _DEL). */
int dg_journal_apply_quarantine(const struct dg_journal *j, const struct dg_optout *base,
				struct dg_optout **out);

/**
 * Apply one entry change to a builder (ADD replaces).
 * @return 0 (ADD), the number of policies removed (DEL), or a negative errno.
 */
int dg_control_change(struct dg_filter_builder *b, const struct dg_journal_op *op);

/**
 * Category sinkholes at build time, as a dg_filter_meta_fn (@p cfg: the const struct
 * dg_config): an entry of a category with a `category_sinkhole` gets that address for each
 * family it has none of its own for.
 */
void dg_control_resolve_meta(void *cfg, struct dg_entry_meta *meta);

/**
 * The delta layer (see dg_filter.h, "Two layers"): @p db holds, for every name changed
 * since @p base was built, the name's full new state. dg_control_delta_change() applies
 * one entry change there: it seeds the name from @p base first (dg_filter_builder_copy())
 * unless @p db holds it already.
 * @return as dg_control_change().
 */
int dg_control_delta_change(struct dg_filter_builder *db, const struct dg_filter *base,
			    const struct dg_journal_op *op);

/**
 * A feed's change on the delta: add merges (an identical policy is a no-op), delete
 * removes only the policies whose metadata equals @p meta at @p meta->mode's positions.
 * @return 0 (add), the number of policies removed (delete), or a negative errno.
 */
int dg_control_delta_feed(struct dg_filter_builder *db, const struct dg_filter *base, int del,
			  const struct dg_name *name, const struct dg_entry_meta *meta);

/**
 * Every entry record of @p j, in order, on the delta (dg_control_delta_change()); with
 * @p base NULL, on @p db as a plain builder (dg_control_change()). Opt-out records are
 * dg_journal_apply_optout()'s.
 * @return 0, or the negative errno of the builder (with the reason in @p err).
 */
int dg_control_delta_journal(struct dg_filter_builder *db, const struct dg_filter *base,
			     const struct dg_journal *j, char *err, size_t errlen);

/**
 * Entries with a policy active on @p today over two layers: @p base_active (the base's
 * dg_filter_count_active() for that day) adjusted by the names @p delta holds. O(delta).
 * If memory runs short, the base's figure.
 */
uint64_t dg_control_count_active(const struct dg_filter *base, uint64_t base_active,
				 const struct dg_filter *delta, uint32_t today);

/** The same for entries with any policy (info.entries), from the base's @p base_entries. */
uint64_t dg_control_count_entries(const struct dg_filter *base, uint64_t base_entries,
				  const struct dg_filter *delta);

enum {
	DG_CONTROL_FP_LEN = 32, /**< bytes of a build fingerprint (DG_FILTER_FP_LEN) */
};

/**
 * The fingerprint of everything a full build of @p cfg reads: the configured list lines
 * (format, path, options), strictness, category sinkholes, the bytes of every list file
 * and of the @p n_extra files in @p extra (a feed's zone file; a missing one counts as
 * empty). Equal fingerprints: the same base snapshot.
 * @return 0, or a negative errno from reading a list file (with the reason in @p err).
 */
int dg_control_fingerprint(const struct dg_config *cfg, const char *const *extra,
			   size_t n_extra, uint8_t fp[DG_CONTROL_FP_LEN], char *err,
			   size_t errlen);

/** One identifier as the reports need it. */
struct dg_ident_meta {
	const char *identifier;   /**< owned by the idents map */
	const char *category;     /**< NULL = none; the last loaded entry's */
	uint64_t fqdns;           /**< distinct names carrying it */
	bool blocking;            /**< some entry with it blocks (is not `allow`) */
	uint32_t start_day, end_day; /**< earliest start, latest end over its blocking entries;
				       *   0 / UINT32_MAX: open, and so when it has none */
	uint64_t hits;            /**< filtered queries, retired snapshots only */
};

struct dg_idents;

/** @return 0, or -ENOMEM. */
int dg_idents_create(struct dg_idents **m);
void dg_idents_free(struct dg_idents *m);

/** The entry of @p identifier, created (zeroed) when @p create, else NULL if absent. */
struct dg_ident_meta *dg_idents_get(struct dg_idents *m, const char *identifier,
				    bool create);

/** Entries, in insertion order (stable across calls that add nothing). */
size_t dg_idents_count(const struct dg_idents *m);
struct dg_ident_meta *dg_idents_at(struct dg_idents *m, size_t i);

/**
 * Replace every identifier's snapshot metadata (category, FQDNs, dates) with @p f's, in
 * one walk of the snapshot (totals are kept). Identifiers only in earlier snapshots keep
 * their totals and lose their metadata.
 * @return 0, or -ENOMEM.
 */
int dg_idents_refresh(struct dg_idents *m, const struct dg_filter *f);

/**
 * Replace every identifier's metadata with that of the two layers: @p base_meta (the
 * base's, from dg_control_build()) adjusted by the delta @p delta over @p base. FQDNs are
 * exact (a name the delta holds counts with its delta policies, not its base ones); the
 * category is the delta's where it has one; dates are the widest over both layers (a
 * base entry the delta removed still counts until the next full build). Totals are kept.
 * O(identifiers + delta), not a walk of the base.
 * @return 0, or -ENOMEM.
 */
int dg_idents_view(struct dg_idents *m, struct dg_idents *base_meta,
		   const struct dg_filter *base, const struct dg_filter *delta);

/** What a full build produced, beside the snapshot. */
struct dg_control_result {
	struct dg_filter *filter;                          /**< the new base snapshot */
	struct dg_idents *meta;                            /**< its identifiers' metadata */
	unsigned int n_lists;
	struct dg_list_report reports[DG_CONFIG_MAX_LISTS];
	struct dg_list_rejects *rejects[DG_CONFIG_MAX_LISTS];
};

/**
 * More list sources for a full build (e.g. the zone files of RPZ feeds), loaded into @p b
 * after the configured lists. @return 0 or a negative errno with the reason in @p err.
 */
typedef int (*dg_control_more_fn)(void *arg, struct dg_filter_builder *b, FILE *report,
				  char *err, size_t errlen);

/**
 * Build the base snapshot of @p cfg's lists, then @p more's sources (may be NULL), with
 * category sinkholes filled in (dg_control_resolve_meta()), and its identifiers'
 * metadata (dg_idents_refresh() on a fresh map). The journal is not applied: runtime
 * changes go in the delta (dg_control_delta_journal()). Rejected lines go to @p report
 * (bounded, dg_lists) and into the result's rejects. Touches no shared state: any thread.
 *
 * @return 0 with @p res filled (release with dg_control_result_free()), or a negative
 *   errno with `FILE:LINE: reason` in @p err and nothing to free.
 */
int dg_control_build(const struct dg_config *cfg, dg_control_more_fn more, void *more_arg,
		     FILE *report, struct dg_control_result *res, char *err, size_t errlen);

/** Free what a result still owns (pointers moved out first are left NULL). */
void dg_control_result_free(struct dg_control_result *res);

#ifdef __cplusplus
}
#endif

#endif /* DG_CONTROL_H */
