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
 * Dates are days since 1970-01-01 (UTC). start_day and end_day are both inclusive;
 * start_day 0 and end_day UINT32_MAX mean open.
 *
 * Changes. The builder is the retained, mutable source set: keep it, add or delete
 * entries (dg_filter_builder_add/_del) and call dg_filter_build() again to get the next
 * snapshot; dg_filter_builder_from() seeds a builder from an existing snapshot.
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
	uint64_t policies;      /**< (name, position, meta) triples */
	uint64_t metas;         /**< distinct metadata records */
	uint64_t idents;        /**< distinct identifiers (index 0, "none", not counted) */
	uint64_t crowded_zones; /**< zones keyed on one more label */
	uint64_t top_entries;   /**< TLD and crowded-zone entries kept out of the Bloom filter */
	uint64_t bloom_bytes, table_bytes, arena_bytes, meta_bytes, top_bytes;
	uint64_t total_bytes;   /**< everything the snapshot allocated */
	uint64_t bloom_blocks, table_buckets;
	double bloom_fp_mean;   /**< expected false-positive rate of one probe, mean over blocks */
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
 * Add a policy for @p name. A second add of the same name merges: each position keeps a
 * list of policies; an add identical to one already present (same metadata) is a no-op.
 *
 * @return 0 (added), 1 (duplicate: already there; it now counts as the last added), or
 *   - -EINVAL: NULL argument, bad action/mode, the root name, or end_day < start_day,
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

/** Number of distinct names in the builder. */
size_t dg_filter_builder_count(const struct dg_filter_builder *b);

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
 * @param today  Days since 1970-01-01 (UTC).
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
 * Diagnostics (not for the data path): how many suffixes of @p name pass the Bloom
 * prefilter; each costs an exact-table probe. *probes gets the number of suffixes tested
 * (may be NULL). For a name without a listed suffix, passes / probes is the measured
 * false-positive rate.
 */
unsigned int dg_filter_prefilter(const struct dg_filter *f, const struct dg_name *name,
				 unsigned int *probes);

/** Sizes and counts; the FP figures are computed from the bit counts of every block. */
void dg_filter_info(const struct dg_filter *f, struct dg_filter_info *info);

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
 * Call @p cb for every policy: entry name (wire), its mode for this policy
 * (DG_MATCH_EXACT for the apex list, DG_MATCH_BELOW for the below list) and metadata.
 * A non-zero return from @p cb stops the walk and is returned.
 */
typedef int (*dg_filter_walk_cb)(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
				 const struct dg_entry_meta *meta, void *arg);
int dg_filter_walk(const struct dg_filter *f, dg_filter_walk_cb cb, void *arg);

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
