/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_HISTORY_H
#define DG_HISTORY_H

/**
 * @file
 * Stats history: interval totals and list-load metadata in an SQLite database, the only
 * input dnsgate-report needs.
 *
 * The management core appends one interval every stats period (default 60 s), at
 * shutdown and before a reload; each append is one transaction, so a crash loses at most
 * the interval being counted and never leaves half an interval. Each list load records
 * the identifiers' metadata (category, FQDN count, filtering dates) as one transaction.
 * The database is in WAL mode with synchronous=NORMAL: readers (the report, sqlite3) never
 * block the appliance, a committed interval survives a crash of the process, and a commit
 * costs no fsync on the management loop (the WAL is synced at checkpoints and at close).
 *
 * The schema is documented in docs/report.md; PRAGMA user_version holds its version
 * (DG_HISTORY_SCHEMA). Every row carries the appliance name, so databases of several
 * appliances merge by plain union.
 *
 * Calls block on disk I/O: management core only, never a worker. No DPDK here.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_HISTORY_SCHEMA = 1,     /**< PRAGMA user_version of the current schema */
	DG_HISTORY_ACTIONS = 8,    /**< slots in by_action (enum dg_action order) */
	DG_HISTORY_ACTIONS_USED = 6, /**< sinkhole nxdomain nodata drop allow log-only */
	DG_HISTORY_DAY_OPEN_START = 0,
	DG_HISTORY_DAY_OPEN_END = UINT32_MAX,
	DG_HISTORY_BUSY_MS = 5000, /**< default wait for another writer's lock */
};

struct dg_history;

/** Hits of one identifier in one interval. */
struct dg_history_ident {
	const char *identifier; /**< NULL or "" = entries without an identifier */
	const char *category;   /**< NULL = none */
	uint64_t hits;
};

/** Totals of one interval [start, end). */
struct dg_history_interval {
	int64_t start, end;        /**< unix seconds, start <= end */
	uint64_t queries;          /**< all answerable queries, opt-out excluded */
	uint64_t optout_queries;   /**< queries from opted-out subscribers */
	uint64_t filtered;         /**< queries with a filtering verdict (not allow) */
	uint64_t answered, dropped, rate_limited;
	/** Verdicts per action in enum dg_action order; slots 6 and 7 must be 0. */
	uint64_t by_action[DG_HISTORY_ACTIONS];
	const struct dg_history_ident *idents; /**< hits per identifier, each at most once */
	size_t n_idents;
};

/** One identifier's metadata as of a list load. */
struct dg_history_list_entry {
	const char *identifier; /**< non-empty */
	const char *category;   /**< NULL = none */
	uint64_t fqdns;         /**< names listed under this identifier */
	uint32_t start_day;     /**< days since epoch; DG_HISTORY_DAY_OPEN_START = open */
	uint32_t end_day;       /**< inclusive; DG_HISTORY_DAY_OPEN_END = open */
};

/** Sums over the intervals that start in [from, to). */
struct dg_history_sum {
	uint64_t intervals;
	uint64_t queries, optout_queries, filtered, answered, dropped, rate_limited;
	uint64_t by_action[DG_HISTORY_ACTIONS];
};

/**
 * Open or create the history at @p path, creating or migrating the schema.
 *
 * @param appliance  Name stored with every row this handle writes (non-empty).
 * @param err        Receives a readable reason on failure (may be NULL).
 * A write waits DG_HISTORY_BUSY_MS for another writer's lock (dg_history_set_busy_wait()).
 *
 * @return 0, or
 *   - -EINVAL: empty appliance name,
 *   - -ENOMEM,
 *   - -EPROTO: not ours to change: a newer schema than this build knows, or another
 *     program's tables,
 *   - -EBADMSG: the file is not an SQLite database or is corrupt (dg_history_set_aside()),
 *   - -EACCES / -ENOENT / -EROFS / -EIO / -EBUSY / -ENOSPC: the file cannot be opened or
 *     written.
 */
int dg_history_open(struct dg_history **h, const char *path, const char *appliance,
		    char *err, size_t len);

/**
 * Append one interval and its per-identifier hits, in one transaction: on any error
 * nothing of it is stored.
 *
 * @return 0, or
 *   - -EINVAL: end < start, by_action[6..7] not 0, n_idents without idents, or an
 *     identifier given twice,
 *   - -ERANGE: a count above INT64_MAX (SQLite integers are signed),
 *   - -EBUSY / -ENOSPC / -EIO / -EROFS / -ENOMEM: from SQLite,
 *   - -EBADMSG: the database is damaged (an open reads only its first page, so damage
 *     elsewhere shows here; see dg_history_set_aside()).
 */
int dg_history_append(struct dg_history *h, const struct dg_history_interval *iv);

/**
 * Record the metadata of every identifier of one list load (at @p loaded_at, unix
 * seconds), in one transaction.
 *
 * @return 0, or
 *   - -EINVAL: an empty or NULL identifier, one given twice, or end_day < start_day,
 *   - -ERANGE: fqdns above INT64_MAX,
 *   - -EBUSY / -ENOSPC / -EIO / -EROFS / -ENOMEM / -EBADMSG: from SQLite.
 */
int dg_history_record_load(struct dg_history *h, int64_t loaded_at,
			   const struct dg_history_list_entry *e, size_t n);

/**
 * Sum this appliance's intervals that start in [from, to) (e.g. to compare a replay's
 * known totals with what was stored).
 *
 * @return 0, or -EBUSY / -EIO / -ENOMEM / -EBADMSG from SQLite.
 */
int dg_history_sum(struct dg_history *h, int64_t from, int64_t to,
		   struct dg_history_sum *out);

/**
 * How long a write waits for another writer's lock before it fails with -EBUSY (0: not at
 * all). A caller that must not stall (a management loop) waits briefly and tries again
 * later.
 */
void dg_history_set_busy_wait(struct dg_history *h, unsigned int ms);

/**
 * Move a damaged history out of the way so a new one can be created at @p path: rename it,
 * and its `-wal` and `-shm` files when present, to `PATH.bad-UNIXTIME` (then `-wal`,
 * `-shm`), adding `.N` when that name is taken. Nothing is deleted.
 *
 * @param moved  Receives the new name of the database file (may be NULL).
 * @return 0, or
 *   - -ENOENT: no file at @p path,
 *   - -EEXIST: every candidate name is taken,
 *   - -ENAMETOOLONG: the new name does not fit,
 *   - the negative errno of rename(2).
 */
int dg_history_set_aside(const char *path, char *moved, size_t len);

/** Why the last append or load failed, as SQLite says it (for logs). */
const char *dg_history_errmsg(struct dg_history *h);

/** Close; NULL is ignored. */
void dg_history_close(struct dg_history *h);

#ifdef __cplusplus
}
#endif

#endif /* DG_HISTORY_H */
