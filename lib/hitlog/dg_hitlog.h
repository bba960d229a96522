/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_HITLOG_H
#define DG_HITLOG_H

/**
 * @file
 * The filtered-query log: one fixed-size record per filtered query, written by the
 * management core as JSON Lines.
 *
 * Workers fill a struct dg_hit_record (no allocation, no pointer into an mbuf) and push
 * it onto their own lock-free ring; the management core drains the rings and hands each
 * record to dg_hitlog_write(), which formats it and buffers it. Nothing here is called on
 * the data path except filling the record, so this library may allocate and make system
 * calls. No DPDK here: the time base is a plain struct dg_hitlog_clock.
 *
 * One line per record, keys always present and always in this order:
 * @code
 * {"time":"2024-04-16T03:04:05.123456Z","client":"198.18.0.1","client_port":40000,
 *  "qname":"Evil.example.","qtype":"A","identifier":"IIJ-20240416-0001",
 *  "category":"backdoor","action":"sinkhole","port":0}
 * @endcode
 * (one line in the file). "qname" is the name as asked (letter case kept), in
 * presentation form with RFC 1035 escapes (`\.`, `\\`, `\DDD`), then JSON-escaped.
 * "identifier" and "category" are null when the entry has none. "qtype" is the mnemonic
 * when known, else RFC 3597 "TYPEnnn". "port" is the ingress DPDK port id.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_HITLOG_QNAME_MAX = 255,   /**< wire length of the longest name */
	DG_HITLOG_STR_MAX = 255,     /**< identifier/category length LINE_MAX allows for */
	/** Enough for any line whose identifier and category are <= DG_HITLOG_STR_MAX. */
	DG_HITLOG_LINE_MAX = 8192,
};

/** One filtered query, filled by a worker. Fixed size, no pointer into packet memory. */
struct dg_hit_record {
	uint64_t tsc;             /**< worker TSC at the decision */
	/**
	 * Identifier of the matching entry, NULL = none. Points into the snapshot: valid
	 * until the management core drains the ring, which it does before it frees a
	 * snapshot.
	 */
	const char *identifier;
	const char *category;     /**< behaviour category, NULL = none (same lifetime) */
	uint16_t qtype;
	uint16_t src_port;        /**< client UDP port, host order */
	uint8_t family;           /**< 4 or 6 */
	uint8_t action;           /**< enum dg_action */
	uint8_t port;             /**< ingress DPDK port id */
	uint8_t qname_len;        /**< wire length of the name as asked (1..255) */
	uint8_t src_addr[16];     /**< client address, network order; IPv4 in the first 4 */
	uint8_t qname[DG_HITLOG_QNAME_MAX]; /**< wire form, letter case as asked */
};

/** Maps a worker TSC to wall-clock time: unix_ns = unix_ns0 + (tsc - tsc0) / hz s. */
struct dg_hitlog_clock {
	uint64_t tsc0;     /**< TSC read at the same moment as unix_ns0 */
	uint64_t hz;       /**< TSC ticks per second (rte_get_tsc_hz()); 0 = tsc is in ns */
	int64_t unix_ns0;  /**< CLOCK_REALTIME at tsc0, nanoseconds */
};

/**
 * Wall-clock time of a TSC value, in nanoseconds since the epoch.
 * A TSC before tsc0 gives a time before unix_ns0.
 */
int64_t dg_hitlog_clock_ns(const struct dg_hitlog_clock *c, uint64_t tsc);

/**
 * Name of a query type: "A", "AAAA", "HTTPS", ... or "TYPEnnn" (RFC 3597).
 *
 * @param buf  At least 12 bytes (enough for "TYPE65535").
 * @return @p buf.
 */
const char *dg_hitlog_qtype_name(uint16_t qtype, char *buf, size_t len);

/**
 * Format one record as one JSON line, '\n' included, NUL-terminated.
 *
 * Strings are JSON-escaped (quotes, backslashes, control bytes as \\u00XX; bytes that are
 * not valid UTF-8 become U+FFFD), so any identifier, category or name gives valid JSON.
 *
 * @param buf  Output; DG_HITLOG_LINE_MAX bytes are enough when identifier and category
 *             are at most DG_HITLOG_STR_MAX bytes each (the writer's buffer is larger).
 * @return the line length (NUL not counted), or
 *   - -ENOSPC: @p len is too small for the line and its NUL (buf is then unspecified),
 *   - -EBADMSG: qname/qname_len is not a valid uncompressed wire name,
 *   - -EAFNOSUPPORT: family is neither 4 nor 6.
 */
int dg_hitlog_format_json(const struct dg_hit_record *r, const struct dg_hitlog_clock *c,
			  char *buf, size_t len);

/** The writer: one JSON Lines file opened for append, with its own write buffer. */
struct dg_hitlog;

/** What a writer has done since it was opened. */
struct dg_hitlog_stats {
	uint64_t written;   /**< lines handed to the kernel */
	uint64_t failed;    /**< lines lost: bad records, or dropped after a write error */
	uint64_t rotations; /**< successful dg_hitlog_rotate() calls */
};

/**
 * Open (create if needed, mode 0640) @p path for appending.
 *
 * @param err  Receives a readable reason on failure (may be NULL).
 * @return 0, or -ENOMEM, or the negative errno of open(2) (-ENOENT, -EACCES, ...).
 */
int dg_hitlog_open(struct dg_hitlog **h, const char *path, char *err, size_t len);

/**
 * Format one record into the write buffer; writes the buffer out when it is full.
 *
 * @return 0, or
 *   - -EBADMSG / -EAFNOSUPPORT: the record is malformed (counted as failed, not written),
 *   - a negative errno of write(2) (-ENOSPC, -EIO, ...) from flushing a full buffer: the
 *     buffered lines are dropped and counted as failed, this record is kept buffered.
 */
int dg_hitlog_write(struct dg_hitlog *h, const struct dg_hit_record *r,
		    const struct dg_hitlog_clock *c);

/**
 * Write out everything buffered.
 *
 * @return 0, or the negative errno of write(2); the buffered lines are then dropped and
 *   counted as failed (the log never grows without bound).
 */
int dg_hitlog_flush(struct dg_hitlog *h);

/**
 * Flush, then close and reopen the same path (logrotate has moved the old file away).
 * If the path cannot be reopened the old file stays in use.
 *
 * @return 0, or the negative errno of the flush or of open(2).
 */
int dg_hitlog_rotate(struct dg_hitlog *h);

/** Counters since open. */
void dg_hitlog_get_stats(const struct dg_hitlog *h, struct dg_hitlog_stats *s);

/** Flush and close; NULL is ignored. */
void dg_hitlog_close(struct dg_hitlog *h);

#ifdef __cplusplus
}
#endif

#endif /* DG_HITLOG_H */
