/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_OPTOUT_H
#define DG_OPTOUT_H

/**
 * @file
 * Opted-out subscriber prefixes (IPv4 and IPv6): queries from these sources are
 * forwarded unfiltered and counted apart.
 *
 * A table is immutable once built. Every change (file reload, runtime add or delete)
 * builds a new table from the old prefix set plus the change; the appliance publishes
 * it with one atomic store and frees the old one after an RCU grace period. Lookups
 * therefore take no lock and write nothing, and any number of lcores may run them on
 * the same table at once.
 *
 * Structure: the prefixes are flattened into a sorted array of breakpoints (the first
 * address of each run of addresses that share one longest-matching prefix, or none),
 * and a lookup is a branch-light binary search for the last breakpoint <= address.
 * Chosen over rte_lpm/rte_lpm6 because:
 *  - it needs no EAL or hugepage memory, so the library and its tests build and run
 *    anywhere, and a rebuild is a plain malloc off the data path;
 *  - opt-out sets are small (thousands of prefixes, not a routing table): n prefixes
 *    give at most 2n+1 breakpoints; the search walks only their start addresses (4
 *    bytes each for IPv4, 16 for IPv6), so a few thousand prefixes are a few tens of
 *    KiB and a lookup is ~log2(2n) probes in cache-resident lines, with no 64 MiB
 *    tbl24 to keep warm. Measured (tests/unit/optout/bench_optout, 2-core VM, warm):
 *    100 prefixes per family 7 / 14 ns (v4 / v6), 5000: 17 / 25 ns, 100000: 35 / 112
 *    ns; an empty table (the common case) 1.4 ns. Past ~50k prefixes per family a
 *    first-level index or rte_lpm would pay off.
 * The exact longest match is kept (not only "covered or not") so `optout list` and
 * diagnostics can say which prefix matched.
 *
 * Prefix text: `198.18.0.0/24`, `2001:2::/64`, or a bare address (a host route,
 * /32 or /128). Host bits below the prefix length must be zero.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest prefix text, with NUL: an IPv6 address, '/', three digits. */
#define DG_OPTOUT_PREFIX_STRLEN 50

/** Most prefixes one table holds (per family and in total). */
#define DG_OPTOUT_MAX_PREFIXES (1u << 20)

/** Address family of a prefix. */
enum dg_optout_family {
	DG_OPTOUT_V4 = 4,
	DG_OPTOUT_V6 = 6,
};

/** One prefix. Bytes of @c addr past the family's length and below @c len are zero. */
struct dg_optout_prefix {
	uint8_t family;     /**< enum dg_optout_family */
	uint8_t len;        /**< prefix length: 0..32 or 0..128 */
	uint8_t addr[16];   /**< network order; IPv4 uses the first 4 bytes */
	uint8_t value;      /**< the caller's tag kept with the prefix (0 unless set; a
			     *   quarantine action). Not compared: a prefix is in a table
			     *   once, with the value of the copy the build kept */
};

/** Opaque immutable table. */
struct dg_optout;

/**
 * Parse one prefix in text form (no surrounding blanks).
 *
 * @param text    `a.b.c.d[/len]` or `ipv6[/len]`.
 * @param out     Filled on success.
 * @param reason  On failure, set to a static reason text (may be NULL).
 * @return 0, or -EINVAL (bad address, bad or out-of-range length, host bits set).
 */
int dg_optout_prefix_parse(const char *text, struct dg_optout_prefix *out,
	const char **reason);

/**
 * Format a prefix as `addr/len` (always with the length).
 *
 * @return 0, -EINVAL (bad family or length), or -ENOSPC (@p size too small; use
 *         DG_OPTOUT_PREFIX_STRLEN).
 */
int dg_optout_prefix_format(const struct dg_optout_prefix *p, char *buf, size_t size);

/**
 * Build a table from @p n prefixes (any order; duplicates are merged).
 *
 * @param out  The new table, to release with dg_optout_free().
 * @return 0, -EINVAL (a prefix is malformed, or @p p NULL with @p n > 0), -E2BIG (more
 *         than DG_OPTOUT_MAX_PREFIXES), or -ENOMEM.
 */
int dg_optout_build(const struct dg_optout_prefix *p, size_t n, struct dg_optout **out);

/**
 * Build a table from a prefix file: one prefix per line, blank lines and anything from
 * `#` to the end of a line ignored, surrounding blanks ignored.
 *
 * @param path    File to read.
 * @param out     The new table, to release with dg_optout_free().
 * @param err     On failure, receives `FILE:LINE: reason` (or `FILE: reason` when the
 *                file cannot be read). May be NULL.
 * @param errlen  Size of @p err.
 * @return 0, -EINVAL (a line is not a valid prefix), -E2BIG (too many prefixes),
 *         -ENOMEM, or the negative errno of a failed open/read (e.g. -ENOENT, -EACCES).
 */
int dg_optout_load(const char *path, struct dg_optout **out, char *err, size_t errlen);

/**
 * Build a new table holding @p old's prefixes plus @p p. @p old is not changed.
 *
 * @param old  Current table, or NULL for none.
 * @return 0, -EEXIST (already present; no table is built), -EINVAL, -E2BIG, -ENOMEM.
 */
int dg_optout_with_added(const struct dg_optout *old, const struct dg_optout_prefix *p,
	struct dg_optout **out);

/**
 * Build a new table holding @p old's prefixes minus @p p (an exact prefix, not every
 * prefix it covers). @p old is not changed.
 *
 * @return 0, -ENOENT (not present; no table is built), -EINVAL, -ENOMEM.
 */
int dg_optout_with_deleted(const struct dg_optout *old, const struct dg_optout_prefix *p,
	struct dg_optout **out);

/** Release a table built by this library. NULL is ignored. */
void dg_optout_free(struct dg_optout *t);

/** Number of distinct prefixes in @p t (0 for NULL). */
size_t dg_optout_count(const struct dg_optout *t);

/**
 * The @p i-th prefix, IPv4 before IPv6, each in address then length order.
 *
 * @return the prefix, or NULL when @p i >= dg_optout_count().
 */
const struct dg_optout_prefix *dg_optout_get(const struct dg_optout *t, size_t i);

/**
 * Is an IPv4 source opted out? Data path: no lock, no write, no allocation.
 *
 * @param t  Table, or NULL (nothing opted out).
 * @param a  Address in network order (e.g. straight from the IPv4 header).
 */
bool dg_optout_lookup_v4(const struct dg_optout *t, const uint8_t a[4]);

/** Is an IPv6 source opted out? Same contract as dg_optout_lookup_v4(). */
bool dg_optout_lookup_v6(const struct dg_optout *t, const uint8_t a[16]);

/**
 * Longest prefix covering an IPv4 or IPv6 address (for diagnostics).
 *
 * @param family  DG_OPTOUT_V4 (@p a has 4 bytes) or DG_OPTOUT_V6 (16 bytes).
 * @return the matching prefix (owned by @p t), or NULL when none matches or
 *         @p family is invalid.
 */
const struct dg_optout_prefix *dg_optout_match(const struct dg_optout *t, int family,
	const uint8_t *a);

/**
 * dg_optout_match() as an index for dg_optout_get(), for callers that keep a counter per
 * prefix (the table is a general longest-prefix set: encrypted-DNS addresses use it too).
 * Data path: no lock, no write, no allocation.
 *
 * @return the index, or -1 when no prefix covers @p a or @p family is invalid.
 */
long dg_optout_match_index(const struct dg_optout *t, int family, const uint8_t *a);

#ifdef __cplusplus
}
#endif

#endif /* DG_OPTOUT_H */
