/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_PROM_H
#define DG_PROM_H

/**
 * @file
 * Prometheus text exposition for node_exporter's textfile collector: build the page in
 * memory, then replace the .prom file atomically (temporary file in the same directory,
 * fsync, rename), so the collector never reads half a page.
 *
 * Management core only (allocates, writes files). No DPDK here.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dg_prom;

/** @return 0 or -ENOMEM. */
int dg_prom_new(struct dg_prom **p);

/**
 * Start a metric family: `# HELP` and `# TYPE` lines.
 *
 * @param type  "counter", "gauge" or "untyped".
 * @return 0, or -EINVAL (bad metric name or type), or -ENOMEM.
 */
int dg_prom_family(struct dg_prom *p, const char *name, const char *type, const char *help);

/**
 * One sample line: `name{l1="v1",...} value`. Label values are escaped (`\\`, `\"`, `\n`).
 *
 * @param labels  @p n_labels pairs: labels[2i] is a name, labels[2i+1] its value.
 * @return 0, or -EINVAL (bad metric or label name, NULL value), or -ENOMEM.
 */
int dg_prom_sample(struct dg_prom *p, const char *name, const char *const *labels,
		   size_t n_labels, uint64_t value);

/** dg_prom_sample() with a floating-point value (seconds). Same errors. */
int dg_prom_sample_f(struct dg_prom *p, const char *name, const char *const *labels,
		     size_t n_labels, double value);

/** The page built so far (NUL-terminated) and its length. */
const char *dg_prom_text(const struct dg_prom *p, size_t *len);

/**
 * Atomically replace @p path with the page.
 *
 * @return 0, or -ENOMEM if an earlier call ran out of memory (the page is incomplete),
 *   -ENAMETOOLONG, or the negative errno of open/write/fsync/rename.
 */
int dg_prom_write(const struct dg_prom *p, const char *path);

/** Empty the page (keeps the buffer for the next refresh). */
void dg_prom_reset(struct dg_prom *p);

/** Free; NULL is ignored. */
void dg_prom_free(struct dg_prom *p);

#ifdef __cplusplus
}
#endif

#endif /* DG_PROM_H */
