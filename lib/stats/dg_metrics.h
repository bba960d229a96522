/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_METRICS_H
#define DG_METRICS_H

/**
 * @file
 * One counter registry. Every counter is declared once, as a struct dg_metric in one table
 * (name, help text, type, the scope it is kept in, where its value is), and every output
 * is a walk of that table: `name value` text, JSON, the Prometheus text format, and a
 * dict for DPDK telemetry. The table's owner reads the values (struct dg_metrics
 * callbacks), so this library knows no counter struct and no DPDK.
 *
 * A name is words of [a-z0-9_] joined by '.', like `tcp.untracked`. A metric is a scalar
 * or an array: fixed (elements first..count-1, named by label_of()) or dynamic (the owner's
 * each() lists its elements: identifiers, a NIC's extended stats). What the outputs make
 * of a metric `a.b`, element `v` of label `L`, on port `P` (port scope):
 *
 *   text        `a.b 5`, `a.b.v 5`; port scope `port.P.a.b 5`
 *   JSON        `{"a":{"b":5}}`, `{"a":{"b":{"v":5}}}`; port scope
 *               `{"ports":{"P":{"a":{"b":5}}}}`
 *   Prometheus  `PREFIX_a_b_total{L="v"} 5`; port scope `PREFIX_port_a_b_total{port="P"}`;
 *               gauges without `_total`, ticks as seconds (the name ends in `_seconds`)
 *   dict        `a_b: 5`, arrays one nested dict `a_b: {v: 5}`; every port at once: one
 *               nested dict per port, its arrays flattened as `a_b_v`
 *
 * Values are read while the walk runs (relaxed loads of counters other cores write: the
 * owner's business). The walk itself allocates nothing; the outputs' writers may.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_prom.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dg_metric_type {
	DG_METRIC_COUNTER, /**< only grows (Prometheus `counter`, `_total`) */
	DG_METRIC_GAUGE,   /**< goes up and down */
};

enum dg_metric_scope {
	DG_METRIC_GLOBAL, /**< one value (summed over workers, or the appliance's own) */
	DG_METRIC_PORT,   /**< one value per port */
};

enum dg_metric_unit {
	DG_METRIC_UNIT_ONE,   /**< a count */
	DG_METRIC_UNIT_TICKS, /**< a duration in ticks of dg_metrics.hz, shown as seconds */
};

/** Flags of a metric (struct dg_metric.flags). */
enum dg_metric_flag {
	DG_METRIC_F_COLUMN = 1u << 0, /**< port scope: a column of the port table */
	DG_METRIC_F_MGMT = 1u << 1,   /**< readable on the owner's own thread only */
};

enum {
	DG_METRICS_NAME_MAX = 64, /**< bytes of a name, NUL included */
	DG_METRICS_KEY_MAX = 128, /**< bytes of a dict key, NUL included (telemetry's limit) */
};

/**
 * One element of a dynamic array, from struct dg_metric.each: @p label names it, @p label2
 * (may be NULL) is a second label (an identifier's category).
 * @return 0 to go on, anything else stops the walk and is its result.
 */
typedef int (*dg_metric_emit_fn)(void *arg, const char *label, const char *label2,
				 uint64_t value);

/** A counter, declared once. */
struct dg_metric {
	const char *name;    /**< see the file comment; unique in its scope */
	const char *help;    /**< one line, for Prometheus' HELP and docs */
	uint8_t type;        /**< enum dg_metric_type */
	uint8_t scope;       /**< enum dg_metric_scope */
	uint8_t unit;        /**< enum dg_metric_unit */
	uint8_t flags;       /**< DG_METRIC_F_* */
	const char *label;   /**< an array's label name (`reason`); NULL: a scalar */
	const char *label2;  /**< a dynamic array's second label name, or NULL */
	unsigned int first;  /**< fixed array: first element */
	unsigned int count;  /**< fixed array: one past the last element; 0: not fixed */
	const char *(*label_of)(unsigned int i); /**< fixed array: element i's label */
	/** Dynamic array: call @p fn for each element (@p port: -1 in global scope). */
	int (*each)(void *ctx, const struct dg_metric *m, int port, dg_metric_emit_fn fn,
		    void *arg);
	/* Where the value is, for the owner's read(); this library does not look. */
	unsigned int src;
	size_t off;
	size_t stride;
	uint64_t (*get)(void *ctx, int port, unsigned int i);
};

/** A registry: the table and how to read it. */
struct dg_metrics {
	const struct dg_metric *m;
	size_t n;
	const char *prefix;        /**< Prometheus names start `PREFIX_` */
	unsigned int n_ports;
	/** Port @p i's name (text key, JSON key, Prometheus `port` label). */
	const char *(*port_name)(void *ctx, unsigned int i);
	/** Scalar (@p i 0) or fixed-array element @p i of @p m; @p port -1 in global scope. */
	uint64_t (*read)(void *ctx, const struct dg_metric *m, int port, unsigned int i);
	uint64_t hz;               /**< ticks a second, for DG_METRIC_UNIT_TICKS */
	void *ctx;
};

/** How a walk runs (DG_METRICS_* in struct dg_metrics_sel.how). */
enum {
	/** Port scope metric by metric, each over the ports (Prometheus' families), instead of
	 * port by port, each with all its metrics (text, JSON). */
	DG_METRICS_BY_METRIC = 1u << 0,
	DG_METRICS_NONZERO = 1u << 1,    /**< array elements that are 0 are left out */
	DG_METRICS_NO_DYNAMIC = 1u << 2, /**< dynamic arrays are left out */
};

/** What a walk visits; all-zero with port -1 (DG_METRICS_ALL) is everything. */
struct dg_metrics_sel {
	unsigned int scopes;           /**< bits 1 << enum dg_metric_scope; 0: all */
	int port;                      /**< one port index only, or -1: all */
	const struct dg_metric *only;  /**< one metric only, or NULL */
	unsigned int skip;             /**< metrics with any of these DG_METRIC_F_* are left out */
	unsigned int need;             /**< only metrics with all of these DG_METRIC_F_* */
	unsigned int how;              /**< DG_METRICS_* */
};

#define DG_METRICS_ALL ((struct dg_metrics_sel){ .port = -1 })

/** One step of a walk. */
struct dg_metrics_sample {
	const struct dg_metric *m;
	int port;                /**< port index, -1 in global scope (and for BY_METRIC begins) */
	const char *port_name;   /**< NULL in global scope */
	bool begin;              /**< no value: @p m starts (once per metric with BY_METRIC,
				  *   else once per metric and port) */
	const char *label;       /**< an array element's label; NULL for a scalar */
	const char *label2;      /**< dynamic arrays: second label, or NULL */
	uint64_t value;
};

/** @return 0 to go on, anything else stops the walk and is its result. */
typedef int (*dg_metrics_fn)(void *arg, const struct dg_metrics_sample *s);

/**
 * Check a table: names well formed and unique, each name's groups (its dotted prefixes)
 * contiguous within its scope, no name a group of another, arrays labelled, Prometheus
 * family names distinct. Run it in a test over every table.
 *
 * @param err  Receives the first problem found (may be NULL).
 * @return 0, or -EINVAL.
 */
int dg_metrics_check(const struct dg_metrics *r, char *err, size_t len);

/**
 * Visit what @p sel selects, in table order; the port scope's metrics all at the place of
 * the first one (port by port), or each at its place (DG_METRICS_BY_METRIC).
 * @return 0, or the first non-zero result of @p fn or of an each().
 */
int dg_metrics_walk(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		    dg_metrics_fn fn, void *arg);

/** The metric named @p name (and of @p scope), or NULL. */
const struct dg_metric *dg_metrics_find(const struct dg_metrics *r, unsigned int scope,
					const char *name);

/** A value as the outputs print it: an integer, or seconds with 3 decimals (ticks). */
void dg_metrics_value_text(const struct dg_metrics *r, const struct dg_metric *m,
			   uint64_t v, char *buf, size_t len);

/** @p s as a dict key: [A-Za-z0-9_] kept, anything else '_', cut to @p len - 1 bytes. */
void dg_metrics_key(const char *s, char *key, size_t len);

/** Where text and JSON go: @p write gets every piece in order. */
struct dg_metrics_out {
	/** @return 0, or a negative errno that stops the rendering and is its result. */
	int (*write)(void *arg, const char *s, size_t n);
	void *arg;
};

/**
 * `name value` lines (see the file comment). Whitespace and control characters in a label
 * or port name become '_' so that a line stays two fields.
 * @return 0 or what @p out->write returned.
 */
int dg_metrics_text(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		    const struct dg_metrics_out *out);

/** One JSON object and a newline. @return 0 or what @p out->write returned. */
int dg_metrics_json(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		    const struct dg_metrics_out *out);

/**
 * Prometheus families (HELP, TYPE, samples) appended to @p p; the walk is by metric
 * whatever @p sel->how says.
 * @return 0, or what dg_prom_family() / dg_prom_sample() returned (-EINVAL, -ENOMEM).
 */
int dg_metrics_prom(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		    struct dg_prom *p);

/** A dict-shaped output with one nested level (DPDK telemetry's rte_tel_data). */
struct dg_metrics_dict {
	int (*u64)(void *arg, const char *key, uint64_t v);
	int (*str)(void *arg, const char *key, const char *v); /**< ticks as seconds */
	int (*open)(void *arg, const char *key);               /**< a nested dict */
	int (*close)(void *arg);
	void *arg;
};

/**
 * Fill a dict (see the file comment): keys through dg_metrics_key(). With every port
 * selected the ports nest and their arrays are flattened; otherwise arrays nest.
 * @return 0 or the first non-zero result of a dict callback.
 */
int dg_metrics_to_dict(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		       const struct dg_metrics_dict *d);

#ifdef __cplusplus
}
#endif

#endif /* DG_METRICS_H */
