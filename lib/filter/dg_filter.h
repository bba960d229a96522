/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FILTER_H
#define DG_FILTER_H

/**
 * @file
 * Blocklist snapshot: a blocked Bloom prefilter in front of an exact table of normalised
 * wire names, with per-entry metadata. A snapshot is immutable once built: any number of
 * readers may use it at once without locks, and a lookup never allocates, locks or makes
 * a system call.
 *
 * Entries. An entry is a name with up to two policy lists: the "apex" list applies to the
 * name itself, the "below" list to every name under it. DG_MATCH_EXACT fills the apex
 * list, DG_MATCH_BELOW (RPZ `*.name`) the below list, DG_MATCH_SUBTREE both.
 *
 * Matching. The query name and its ancestors are tried most specific first; the first
 * suffix that has an active policy for its position gives the verdict. At one name and
 * position, an active allow beats any block; among the rest the entry added last wins.
 * An entry whose dates do not cover `today` is skipped as if absent, so parents are
 * still tried.
 *
 * Dates are calendar days since 1970-01-01 (the appliance compares them with the local
 * date of its [mgmt] timezone, lib/tz). start_day and end_day are both inclusive;
 * start_day 0 and end_day UINT32_MAX mean open.
 *
 * Changes. The builder is the mutable source set: add or delete entries
 * (dg_filter_builder_add/_del) and call dg_filter_build() again to get the next
 * snapshot; dg_filter_builder_from() seeds a builder from an existing snapshot.
 *
 * Two layers: base + delta. Runtime changes need not rebuild a big snapshot: keep the
 * base immutable and publish the changed names as a small second snapshot, the delta,
 * rebuilt from its own builder on every change and folded into the base at the next full
 * build (dg_filter_builder_merge()). The rules, applied by dg_filter_lookup2() and
 * dg_filter_lookup_bulk2():
 *  - A name present in the delta replaces the base's record for exactly that name, both
 *    positions (apex and below lists) at once. Present means: it has policies, or it is
 *    a tombstone (dg_filter_builder_tombstone(): present with no policy, it masks the
 *    base's record: a name deleted at run time). A name absent from the delta falls
 *    through to the base.
 *  - Suffixes are tried most specific first across both layers; at each suffix the
 *    delta's record, if any, is used instead of the base's, with the usual rules (allow
 *    first, then the last added; inactive dates skipped). A delta record without an
 *    active policy for the position decides nothing: the parents are tried next, and the
 *    base's record at that same name is not consulted.
 *  - So the delta must hold each changed name's full new state. A change of name N:
 *        if (!dg_filter_builder_has(db, N))
 *            dg_filter_builder_copy(db, base, N); // N's base state; marks N present
 *        dg_filter_builder_add(db, N, meta) or dg_filter_builder_del(db, N, mode, NULL);
 *        dg_filter_build(db, &delta); then publish delta beside base.
 *    A name seeded from the base stays present when its last policy is deleted, so it
 *    masks the base; a name the base does not hold needs no mask.
 *  - Matches in the delta point into the delta (meta, entry_name). Their ident_id is
 *    the delta's identifier index plus the base's info.idents, and their meta_id the
 *    delta's meta index plus the base's info.metas: ids are unique across both layers,
 *    ident ids run 1 .. base.idents + delta.idents (dg_filter_ident2() resolves them).
 *    An identifier in both layers has one id in each.
 *
 * No DPDK here: this library builds and tests anywhere.
 */

#include <stddef.h>
#include <stdint.h>

#include "dg_name.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What to do with a query that matches. */
enum dg_action {
	DG_ACTION_SINKHOLE, /**< answer with the sinkhole address (NODATA for other types) */
	DG_ACTION_NXDOMAIN,
	DG_ACTION_NODATA,
	DG_ACTION_DROP,
	DG_ACTION_ALLOW,    /**< passthru: forward, and shield the subtree from blocks above */
	DG_ACTION_LOG_ONLY, /**< count and log, forward unchanged */
	DG_ACTION_COUNT,
};

/** Which names an entry covers. */
enum dg_match_mode {
	DG_MATCH_EXACT,   /**< the name only */
	DG_MATCH_SUBTREE, /**< the name and everything below it */
	DG_MATCH_BELOW,   /**< everything below the name, not the name (RPZ `*.name`) */
	DG_MATCH_COUNT,
};

enum {
	DG_FILTER_DAY_OPEN_START = 0,
	DG_FILTER_DAY_OPEN_END = UINT32_MAX,
	DG_FILTER_BULK_MAX = 32, /**< names per internal pass of dg_filter_lookup_bulk() */
};

/** Metadata of one entry. Strings are copied (interned) by the builder. */
struct dg_entry_meta {
	const char *identifier; /**< malware identifier, e.g. "IIJ-20240416-0001"; may be NULL */
	const char *category;   /**< behaviour category; may be NULL */
	enum dg_action action;
	enum dg_match_mode mode;
	uint32_t start_day;     /**< first active day, inclusive; 0 = open */
	uint32_t end_day;       /**< last active day, inclusive; UINT32_MAX = open */
	uint8_t has_sinkhole4;  /**< sinkhole4 overrides the configured IPv4 sinkhole */
	uint8_t has_sinkhole6;  /**< sinkhole6 overrides the configured IPv6 sinkhole */
	uint8_t sinkhole4[4];   /**< network byte order */
	uint8_t sinkhole6[16];
};

/** Result of a lookup. */
struct dg_match {
	const struct dg_entry_meta *meta; /**< NULL: no verdict */
	const uint8_t *entry_name; /**< wire name of the matching entry (in the snapshot) */
	uint32_t meta_id;          /**< index of meta in the snapshot, for counters */
	uint32_t ident_id;         /**< identifier index (dg_filter_ident()); 0 = none */
	uint8_t entry_len;         /**< wire length of entry_name */
	uint8_t label;             /**< query label where the entry name starts; 0 = itself */
};

struct dg_filter;
struct dg_filter_builder;

/** Sizes and counts of a snapshot. */
struct dg_filter_info {
	uint64_t entries;       /**< distinct names with at least one policy */
	uint64_t tombstones;    /**< names present without a policy (dg_filter_builder_tombstone) */
	uint64_t policies;      /**< (name, position, meta) triples */
	uint64_t metas;         /**< distinct metadata records */
	uint64_t idents;        /**< distinct identifiers (index 0, "none", not counted) */
	uint64_t crowded_zones; /**< zones keyed on one more label */
	uint64_t top_entries;   /**< TLD and crowded-zone entries kept out of the Bloom filter */
	uint64_t bloom_bytes, table_bytes, arena_bytes, meta_bytes, top_bytes;
	uint64_t total_bytes;   /**< everything the snapshot allocated */
	uint64_t bloom_blocks, table_buckets;
	double bloom_fp_mean;   /**< expected false-positive rate of one probe, mean over blocks
				 *   (dg_filter_bloom_fp(); 0 from dg_filter_info()) */
	double bloom_fp_max;    /**< the same, for the worst block */
	double bloom_fp_p99;    /**< 99th percentile over blocks */
};

/**
 * Create a builder.
 *
 * @param expected  Expected number of distinct names (a hint; 0 is fine).
 * @return 0, or -ENOMEM.
 */
int dg_filter_builder_create(struct dg_filter_builder **b, size_t expected);

/**
 * Rewrites one metadata record before the builder stores it (e.g. fills a category's
 * sinkhole at build time). It gets a copy it may change; it must give the same result for
 * the same input.
 */
typedef void (*dg_filter_meta_fn)(void *arg, struct dg_entry_meta *meta);

/**
 * Pass every metadata record given to dg_filter_builder_add(), and the one an exact
 * dg_filter_builder_del() compares with, through @p fn first (NULL: none). Records copied
 * from a snapshot (dg_filter_builder_from/_copy/_merge) are taken as they are.
 */
void dg_filter_builder_set_meta_fn(struct dg_filter_builder *b, dg_filter_meta_fn fn,
				   void *arg);

/**
 * Add a policy for @p name. A second add of the same name merges: each position keeps a
 * list of policies; an add identical to one already present (same metadata) is a no-op.
 *
 * @return 0 (added), 1 (duplicate: already there; it now counts as the last added), or
 *   - -EINVAL: NULL argument, bad action/mode, the root name, or end_day < start_day
 *     (before or after the meta hook),
 *   - -E2BIG: more than 255 policies at one name and position,
 *   - -EFBIG: the builder's name store would pass 4 GiB,
 *   - -ENOMEM.
 */
int dg_filter_builder_add(struct dg_filter_builder *b, const struct dg_name *name,
			  const struct dg_entry_meta *meta);

/**
 * Delete policies of @p name: with @p meta NULL, every policy at the positions of
 * @p mode; otherwise only policies whose metadata equals @p meta.
 *
 * @return number of policies removed (0 if none), or -EINVAL.
 */
int dg_filter_builder_del(struct dg_filter_builder *b, const struct dg_name *name,
			  enum dg_match_mode mode, const struct dg_entry_meta *meta);

/**
 * Seed a new builder with every policy of snapshot @p f (for add/delete at run time:
 * copy, change, build, swap).
 *
 * @return 0, or -ENOMEM.
 */
int dg_filter_builder_from(struct dg_filter_builder **b, const struct dg_filter *f);

/** Number of distinct names the next snapshot will hold (tombstones included). */
size_t dg_filter_builder_count(const struct dg_filter_builder *b);

/**
 * Keep @p name in the next snapshots even without a policy: a tombstone. In a delta it
 * masks the base's record of the name (a delete at run time); in a one-layer lookup it
 * matches nothing. Policies added later are kept as usual; deleting them does not
 * remove the mark, which lasts as long as the builder.
 *
 * @return 0, or -EINVAL (NULL argument, the root name), -EFBIG, -ENOMEM.
 */
int dg_filter_builder_tombstone(struct dg_filter_builder *b, const struct dg_name *name);

/**
 * Will the next snapshot hold @p name (policies or a tombstone)?
 *
 * @return 1 or 0, or -EINVAL.
 */
int dg_filter_builder_has(const struct dg_filter_builder *b, const struct dg_name *name);

/**
 * Give @p name in builder @p b exactly the policies it has in snapshot @p src, in the
 * same precedence order, and when @p src holds the name, mark it as a tombstone too (so
 * it stays present if its policies are then deleted). Use it to seed a delta builder with
 * a name's base state before changing it. When @p src does not hold the name, its
 * policies in @p b are removed (a mark already there stays).
 *
 * @return 1 (src holds the name), 0 (it does not), or -EINVAL, -E2BIG, -EFBIG, -ENOMEM.
 */
int dg_filter_builder_copy(struct dg_filter_builder *b, const struct dg_filter *src,
			   const struct dg_name *name);

/**
 * Fold a delta into a (base) builder: every name the delta holds gets the delta's
 * policies in @p b (none for a tombstone), replacing what @p b had; other names are left
 * alone. No tombstone mark is set in @p b.
 *
 * @return 0, or -EINVAL, -E2BIG, -EFBIG, -ENOMEM (then @p b is partly changed).
 */
int dg_filter_builder_merge(struct dg_filter_builder *b, const struct dg_filter *delta);

/**
 * Build an immutable snapshot from the builder. The builder is left unchanged and may be
 * changed and built again.
 *
 * @return 0, or
 *   - -EINVAL: NULL argument,
 *   - -EFBIG: name arena over 4 GiB,
 *   - -ENOMEM.
 */
int dg_filter_build(const struct dg_filter_builder *b, struct dg_filter **out);

void dg_filter_builder_free(struct dg_filter_builder *b);
void dg_filter_free(struct dg_filter *f);

/**
 * Look up @p name and its ancestors, most specific first.
 *
 * @param today  The date entries are active on, days since 1970-01-01.
 * @param m      Out: filled on a verdict; m->meta is NULL otherwise.
 * @return 1 on a verdict (allow included: check m->meta->action), 0 for no match.
 */
int dg_filter_lookup(const struct dg_filter *f, const struct dg_name *name, uint32_t today,
		     struct dg_match *m);

/**
 * dg_filter_lookup() for a burst: the Bloom lines, then the table buckets, of up to
 * DG_FILTER_BULK_MAX names are prefetched before any is tested.
 *
 * @return number of verdicts; out[i].meta is NULL for names without one.
 */
unsigned int dg_filter_lookup_bulk(const struct dg_filter *f,
				   const struct dg_name *const *names, unsigned int n,
				   uint32_t today, struct dg_match *out);

/**
 * dg_filter_lookup() over two layers: the base and a delta (rules in the file comment).
 * @p delta may be NULL or empty (then this is dg_filter_lookup()); @p base may not.
 * Same returns.
 */
int dg_filter_lookup2(const struct dg_filter *base, const struct dg_filter *delta,
		      const struct dg_name *name, uint32_t today, struct dg_match *m);

/** dg_filter_lookup_bulk() over two layers; @p delta may be NULL. Same returns. */
unsigned int dg_filter_lookup_bulk2(const struct dg_filter *base, const struct dg_filter *delta,
				    const struct dg_name *const *names, unsigned int n,
				    uint32_t today, struct dg_match *out);

/**
 * Diagnostics (not for the data path): how many suffixes of @p name pass the Bloom
 * prefilter; each costs an exact-table probe. *probes gets the number of suffixes tested
 * (may be NULL). For a name without a listed suffix, passes / probes is the measured
 * false-positive rate.
 */
unsigned int dg_filter_prefilter(const struct dg_filter *f, const struct dg_name *name,
				 unsigned int *probes);

/** Sizes and counts, in constant time (the FP figures are left 0). */
void dg_filter_info(const struct dg_filter *f, struct dg_filter_info *info);

/**
 * The Bloom false-positive figures of @p info, from the bit counts of every block: a walk
 * and a sort over all blocks, for diagnostics and benchmarks (not for a control loop).
 */
void dg_filter_bloom_fp(const struct dg_filter *f, struct dg_filter_info *info);

/** Entries with at least one policy active on @p today (walks the snapshot). */
uint64_t dg_filter_count_active(const struct dg_filter *f, uint32_t today);

/**
 * Identifier @p id (1 .. info.idents): its text and how many distinct names carry it.
 *
 * @return 0, or -ENOENT.
 */
int dg_filter_ident(const struct dg_filter *f, uint32_t id, const char **text,
		    uint64_t *fqdns);

/**
 * dg_filter_ident() for an ident_id of a two-layer match: ids up to the base's count are
 * the base's, the next ones the delta's. @p base or @p delta may be NULL.
 *
 * @return 0, or -ENOENT.
 */
int dg_filter_ident2(const struct dg_filter *base, const struct dg_filter *delta, uint32_t id,
		     const char **text, uint64_t *fqdns);

/** One policy of a name (dg_filter_get()). */
struct dg_filter_policy {
	enum dg_match_mode pos; /**< DG_MATCH_EXACT: the apex list; DG_MATCH_BELOW: below */
	const struct dg_entry_meta *meta; /**< in the snapshot; meta->mode is as added */
};

enum {
	DG_FILTER_POLICIES_MAX = 2 * 255, /**< policies at one name, both positions */
};

/**
 * The policies stored at exactly @p name (not its parents), apex list first, each list
 * in precedence order (the first active one decides). A policy added as
 * DG_MATCH_SUBTREE is in both lists. Up to @p cap are written to @p out.
 *
 * @return the number of policies (may be over @p cap; 0 for a tombstone), or
 *   - -ENOENT: the snapshot does not hold the name,
 *   - -EINVAL: NULL argument (out may be NULL when cap is 0).
 */
int dg_filter_get(const struct dg_filter *f, const struct dg_name *name,
		  struct dg_filter_policy *out, unsigned int cap);

/**
 * Call @p cb for every policy: entry name (wire), its mode for this policy
 * (DG_MATCH_EXACT for the apex list, DG_MATCH_BELOW for the below list) and metadata.
 * Tombstones have no policy: the walk does not see them.
 * A non-zero return from @p cb stops the walk and is returned.
 */
typedef int (*dg_filter_walk_cb)(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
				 const struct dg_entry_meta *meta, void *arg);
int dg_filter_walk(const struct dg_filter *f, dg_filter_walk_cb cb, void *arg);

/**
 * Call @p cb once for every name the snapshot holds, tombstones included (@p policies 0),
 * in the same order as dg_filter_walk(). A non-zero return stops the walk and is returned.
 */
typedef int (*dg_filter_name_cb)(const uint8_t *wire, uint8_t len, unsigned int policies,
				 void *arg);
int dg_filter_walk_names(const struct dg_filter *f, dg_filter_name_cb cb, void *arg);

/** Text names of actions and modes ("sinkhole", "subtree", ...), and their parsers. */
const char *dg_action_name(enum dg_action a);
const char *dg_match_mode_name(enum dg_match_mode m);
/** @return the value, or -EINVAL. */
int dg_action_parse(const char *s, size_t len);
int dg_match_mode_parse(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DG_FILTER_H */
