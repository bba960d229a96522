/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_LIST_REJECTS_H
#define DG_LIST_REJECTS_H

/**
 * @file
 * The lines one list load did not take, kept for an operator (docs/lists.md).
 *
 * A load fills one of these (see dg_list_opts.rejects): every rejected line is counted
 * by reason kind (its message with the details left out, e.g. `bad date (YYYY-MM-DD or -)`)
 * and the first ones are kept as `FILE:LINE: reason`, up to a line and a byte cap, so a
 * list with a million bad lines costs bounded memory. Lines that are valid but carry a
 * policy dnsgate does not act on (RPZ rpz-ip, rpz-nsip, rpz-nsdname, rpz-client-ip
 * triggers) are "not supported": counted per kind, never kept line by line, never an error.
 *
 * dg_list_rejects_write() prints the operator's report: the first N kept lines, one
 * count line per reason kind, one line for everything not supported, and how many lines
 * were left out. No DPDK here.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dg_lists.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	/** Rejected lines a bounded report shows before the counts. */
	DG_LIST_REPORT_LINES = 20,
	/** Default cap on the rejected lines kept per list. */
	DG_LIST_REJECTS_MAX_LINES = 100000,
	/** Default cap on their text, counted as printed by dg_list_rejects_write(). */
	DG_LIST_REJECTS_MAX_BYTES = 8 << 20,
	/** Distinct reason kinds counted apart; further kinds share one "other" count. */
	DG_LIST_REJECTS_MAX_KINDS = 64,
	/** Longest reason text kept (longer ones are cut). */
	DG_LIST_REJECTS_REASON_MAX = 512,
};

/** What one load left out. */
struct dg_list_rejects;

/** Totals of one load. */
struct dg_list_rejects_info {
	uint64_t rejected;      /**< lines rejected (errors) */
	uint64_t not_supported; /**< valid lines with a policy dnsgate does not act on */
	uint64_t kept;          /**< rejected lines kept as text */
	uint64_t dropped;       /**< rejected lines counted but not kept (caps, memory) */
	unsigned int kinds;     /**< reason kinds seen, both sorts */
};

/**
 * Create an empty record.
 *
 * @param max_lines  rejected lines to keep (0: counts only).
 * @param max_bytes  cap on the kept lines' text as printed, `FILE:LINE: reason\n`.
 * @return 0, -EINVAL (@p r NULL) or -ENOMEM.
 */
int dg_list_rejects_create(struct dg_list_rejects **r, size_t max_lines, size_t max_bytes);

/** Free @p r (NULL is fine). */
void dg_list_rejects_free(struct dg_list_rejects *r);

/**
 * Start a new load of @p file: forget what was recorded, keep the caps.
 * @return 0, -EINVAL or -ENOMEM.
 */
int dg_list_rejects_reset(struct dg_list_rejects *r, const char *file);

/**
 * Record one line that was not loaded.
 *
 * @param why     DG_LIST_SKIP_LOCALHOST: ignored; DG_LIST_SKIP_NOT_SUPPORTED: counted
 *                under @p kind, the line not kept; any other: a rejection.
 * @param kind    The reason without its details, the key the line is counted under.
 * @param reason  The full reason (cut at DG_LIST_REJECTS_REASON_MAX - 1 bytes).
 * @return 0, or -ENOMEM: counted, but its line not kept (it counts as dropped).
 */
int dg_list_rejects_add(struct dg_list_rejects *r, unsigned long line, enum dg_list_skip why,
			const char *kind, const char *reason);

/** Totals. */
void dg_list_rejects_info(const struct dg_list_rejects *r, struct dg_list_rejects_info *info);

/** The file name given to the last dg_list_rejects_reset() ("" before). */
const char *dg_list_rejects_file(const struct dg_list_rejects *r);

/**
 * The @p i th kept rejected line, in file order.
 * @return 0, or -ENOENT (@p i out of range).
 */
int dg_list_rejects_get(const struct dg_list_rejects *r, size_t i, unsigned long *line,
			const char **reason);

/**
 * Print the report to @p out:
 *
 *     FILE:LINE: reason                                    the first @p max_lines kept
 *     FILE: N lines rejected: KIND (first: line L)         one per rejection kind
 *     FILE: N lines not supported, skipped: KIND N, ... (first: line L)
 *     FILE: N more rejected lines not shown                 when some were not printed
 *     FILE: N more rejected lines not kept (cap: L lines, B bytes)
 *
 * Count lines come in order of first appearance; nothing is printed for a clean load.
 * The last two lines are exclusive: "not kept" when every kept line was printed.
 *
 * @param max_lines  SIZE_MAX for every kept line.
 * @return 0, or -EIO when writing to @p out failed.
 */
int dg_list_rejects_write(const struct dg_list_rejects *r, FILE *out, size_t max_lines);

/**
 * The reason kind of a printf format: each conversion becomes `...` (`%%` stays `%`),
 * e.g. `bad date '%.*s'` gives `bad date '...'`. Cut to @p size - 1 bytes.
 */
void dg_list_reason_kind(const char *fmt, char *kind, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* DG_LIST_REJECTS_H */
