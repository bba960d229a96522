/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FEED_H
#define DG_FEED_H

/**
 * @file
 * RPZ feeds by zone transfer: a client that keeps a copy of each configured policy zone
 * (`[feed]` sections) up to date from its primary, and hands what changed to the caller.
 *
 * The client runs on a thread of its own: SOA checks every refresh interval, and at once
 * on a NOTIFY from the primary (RFC 1996); IXFR from the serial it has (RFC 1995), AXFR
 * when it has nothing yet or when the primary answers IXFR with a whole zone or refuses
 * it. Every query is signed and every answer must verify when the feed has a TSIG key
 * (RFC 8945, through ldns). Each good transfer is written to the state directory first
 * (temporary file, fsync, rename), then queued as a result:
 *  - DG_FEED_FULL after an AXFR: the zone file is the feed's new list source (load it
 *    with dg_lists_load(), format rpz, options from dg_feed_list_opts());
 *  - DG_FEED_DELTA after an IXFR: entries to delete (by exact metadata) and to add.
 * A failed transfer (network, TSIG, truncated, serial going backwards, malformed record)
 * changes nothing: the last good zone keeps serving, the failure is counted and its reason
 * is in the status and logged. A restart reads the zone file back and asks for IXFR from
 * its serial.
 *
 * Threads: dg_feed_client_poll() and dg_feed_client_status() may be called from any one
 * other thread while the client runs; they take a mutex for a short copy.
 *
 * No DPDK here.
 */

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "dg_config.h"
#include "dg_filter.h"
#include "dg_lists.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One entry change: delete the policy of @p name with exactly @p meta, or add it. */
struct dg_feed_op {
	int del;
	struct dg_name name;
	struct dg_entry_meta meta;   /**< strings point into the client's configuration */
};

enum dg_feed_result_kind {
	DG_FEED_FULL,  /**< a whole new zone is on disk: reload the feed's list source */
	DG_FEED_DELTA, /**< apply ops on top of what is serving */
};

/** What one good transfer changed. Free with dg_feed_result_free(). */
struct dg_feed_result {
	unsigned int feed;           /**< index in the configured feeds */
	enum dg_feed_result_kind kind;
	uint32_t from_serial, serial;
	double started;              /**< CLOCK_MONOTONIC s when the check that led here began
				      *   (at once on a NOTIFY): for latency figures */
	size_t n_ops;
	struct dg_feed_op *ops;      /**< DG_FEED_DELTA: deletions and additions, in order */
	struct dg_feed_result *next; /**< queue link (the client's) */
};

/** A feed's state, for `dnsgatectl status`. */
struct dg_feed_status {
	int has_zone;                /**< a zone is held (from disk or a transfer) */
	uint32_t serial;
	int failing;                 /**< the last check or transfer failed */
	time_t last_ok;              /**< last successful check or transfer, 0 = never */
	time_t last_transfer;        /**< last applied transfer, 0 = none */
	char last_kind[8];           /**< "axfr", "ixfr" or "" */
	uint32_t last_from;          /**< serial before the last transfer */
	time_t last_failure;
	char last_error[256];        /**< reason of the last failure, "" = none */
	uint64_t checks;             /**< SOA queries answered */
	uint64_t axfr, ixfr;         /**< transfers applied */
	uint64_t failures;           /**< checks and transfers that failed */
	uint64_t notifies;           /**< NOTIFY messages accepted */
	uint64_t notifies_refused;   /**< NOTIFY from elsewhere, for another zone or unsigned */
	uint64_t records;            /**< resource records in the zone */
	uint64_t policies;           /**< entries the zone makes */
	uint32_t next_check;         /**< seconds to the next SOA check */
};

/** Options of a client. */
struct dg_feed_opts {
	FILE *log;                   /**< one line per transfer or failure; NULL = stderr */
	/**
	 * Open a TCP connection to the feed's primary (NULL: connect to its address and
	 * port). Tests plug a fake primary in here. Returns a connected descriptor or a
	 * negative errno.
	 */
	int (*connect)(void *arg, const struct dg_config_feed *f);
	void *connect_arg;
};

struct dg_feed_client;

/**
 * Create a client for @p n feeds (the array must outlive the client): read each feed's
 * zone file back, open the NOTIFY sockets. Nothing is sent before dg_feed_client_start().
 *
 * @param opts  NULL for the defaults.
 * @return 0, or a negative errno with the reason in @p err:
 *   - -EINVAL: a feed the client cannot use (bad TSIG secret),
 *   - -EADDRINUSE, -EADDRNOTAVAIL, -EACCES: a NOTIFY address cannot be bound,
 *   - -ENOMEM.
 */
int dg_feed_client_create(struct dg_feed_client **out, const struct dg_config_feed *feeds,
			  unsigned int n, const struct dg_feed_opts *opts, char *err,
			  size_t errlen);

/** Start the client's thread. @return 0 or a negative errno (pthread_create). */
int dg_feed_client_start(struct dg_feed_client *c);

/** Stop the thread (a transfer under way is abandoned) and free everything. NULL is fine. */
void dg_feed_client_free(struct dg_feed_client *c);

/** Take the oldest queued result, or NULL. The caller frees it. */
struct dg_feed_result *dg_feed_client_poll(struct dg_feed_client *c);

void dg_feed_result_free(struct dg_feed_result *r);

/** Copy feed @p i's status. @return 0, or -ENOENT for a bad index. */
int dg_feed_client_status(struct dg_feed_client *c, unsigned int i, struct dg_feed_status *st);

/** Ask for an SOA check of every feed now (as a NOTIFY would). */
void dg_feed_client_refresh(struct dg_feed_client *c);

/**
 * Path of feed @p f's zone file: `STATE_DIR/ZONE.rpz` (zone without its final dot).
 * @return 0, or -ENAMETOOLONG.
 */
int dg_feed_zone_path(const struct dg_config_feed *f, char *buf, size_t size);

/**
 * List options to load the zone file with: the feed's identifier, category and action
 * override, not strict, no report stream. The strings point into @p f.
 */
void dg_feed_list_opts(const struct dg_config_feed *f, struct dg_list_opts *o);

#ifdef __cplusplus
}
#endif

#endif /* DG_FEED_H */
