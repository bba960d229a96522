/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_HITLOG_H
#define DG_HITLOG_H

/**
 * @file
 * The filtered-query log: one fixed-size record per filtered query, written by the
 * management core as JSON Lines, with built-in rotation by size and by time.
 *
 * Workers fill a struct dg_hit_record (no allocation, no pointer into an mbuf) and push
 * it onto their own lock-free ring; the management core drains the rings and hands each
 * record to dg_hitlog_write(), which formats it and buffers it. Nothing here is called on
 * the data path except filling the record, so this library may allocate, make system
 * calls and run a thread (compressing rotated files). No DPDK here: the time base is a
 * plain struct dg_hitlog_clock.
 *
 * One line per record, keys always present and always in this order:
 * @code
 * {"time":"2024-04-16T03:04:05.123456Z","client":"198.18.0.1","client_port":40000,
 *  "qname":"Evil.example.","qtype":"A","identifier":"IIJ-20240416-0001",
 *  "category":"backdoor","action":"sinkhole","port":0,"reason":null,"tc":false,
 *  "transport":"udp","id":4660,"resolver":"198.18.0.53","resolver_port":53,
 *  "vlan":[{"tpid":"0x88a8","pcp":0,"dei":0,"vid":100},{"tpid":"0x8100","pcp":5,
 *  "dei":0,"vid":200}]}
 * @endcode
 * (one line in the file). "qname" is the name as asked (letter case kept), in
 * presentation form with RFC 1035 escapes (`\.`, `\\`, `\DDD`), then JSON-escaped.
 * "identifier" and "category" are null when the entry has none. "qtype" is the mnemonic
 * when known, else RFC 3597 "TYPEnnn". "action" is what was done to the query (a
 * sinkhole entry's query dropped by the reflection guard says "drop"); "reason" says why
 * a query was dropped ("rate_limited", "action_drop", "src_port_low", ...), else null;
 * "tc" is true for an answer sent with TC=1 and no records (too large for the client).
 * "port" is the ingress DPDK port id (16 bits). "id" is the query's DNS ID, "resolver"
 * and "resolver_port" its destination. "vlan" is the tag stack as it came in, outermost
 * first (802.1Q 0x8100, QinQ 0x88a8 and 0x9100), [] when untagged. "trigger" says what
 * matched the entry (enum dg_hit_trigger): "qname" (the question), "cname" (a CNAME or
 * DNAME target in a response), "response-ip" (an address in a response) or "client-ip";
 * for every trigger but "qname" a last key "match" gives the matched value (a name in
 * presentation form, or an address). For a response hit, "client" is the response's
 * destination, "resolver" its source, and qname, qtype and id those of its question.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dg_entry_meta;

enum {
	DG_HITLOG_QNAME_MAX = 255,   /**< wire length of the longest name */
	DG_HITLOG_STR_MAX = 255,     /**< identifier/category length LINE_MAX allows for */
	/** Enough for any line whose identifier and category are <= DG_HITLOG_STR_MAX. */
	DG_HITLOG_LINE_MAX = 8192,
	DG_HIT_VLAN_MAX = 8,         /**< tags kept (the parser walks no more) */
	/**
	 * Bytes of the query's DNS message kept: the header and the longest question always
	 * fit, and an OPT record with it; only a longer additional section is cut. Sized so
	 * the record is six cache lines.
	 */
	DG_HIT_MSG_MAX = 282,
	DG_HIT_QNAME_OFF = 12,       /**< the question starts right after the DNS header */
	DG_HIT_MATCH_MAX = 255,      /**< dg_hit_record.match: the longest wire name */
};

/** dg_hit_record.flags */
enum {
	DG_HIT_F_TC = 1u << 0,     /**< answered with TC=1 and no records */
	DG_HIT_F_TCP = 1u << 1,    /**< the query came over TCP */
	DG_HIT_F_EDNS = 1u << 2,   /**< the answer carried an OPT record (the query's was usable) */
	DG_HIT_F_DO = 1u << 3,     /**< the query's OPT had DO set */
	DG_HIT_F_SAMPLE = 1u << 4, /**< not a hit: a benign query sampled for dnstap */
	/** Not a DNS query: an encrypted-DNS connection (DoT, DoQ, DoH). msg holds a zero
	 * header and a question of the SNI (the root without one), type 0; no dnstap. */
	DG_HIT_F_ENCDNS = 1u << 5,
	DG_HIT_F_MATCH6 = 1u << 6, /**< an address match (dg_hit_record.match) is IPv6 */
};

/** What matched the entry of a hit (dg_hit_record.trigger). */
enum dg_hit_trigger {
	DG_HIT_TRIGGER_QNAME = 0,   /**< the question name */
	DG_HIT_TRIGGER_CNAME,       /**< a CNAME/DNAME target in a response */
	DG_HIT_TRIGGER_RESPONSE_IP, /**< an A/AAAA address in a response */
	DG_HIT_TRIGGER_CLIENT_IP,   /**< the client's address */
	DG_HIT_TRIGGER_COUNT
};

/** "qname", "cname", "response-ip", "client-ip"; "unknown" out of range. */
const char *dg_hit_trigger_name(enum dg_hit_trigger t);

/**
 * One filtered query or response (or a sampled benign query), filled by a worker. Fixed
 * size (ten cache lines; a worker writes the first two, as much of msg as the query has,
 * and match only for a trigger other than the question), no pointer into packet memory.
 * On a worker's ring a record takes only the cache lines it uses (dg_hit_cells()).
 */
struct dg_hit_record {
	uint64_t tsc;             /**< worker TSC at the decision */
	/**
	 * The matching entry (identifier, category, answer overrides), NULL for a sample.
	 * Points into the snapshot: valid until the management core drains the ring, which
	 * it does before it frees a snapshot.
	 */
	const struct dg_entry_meta *meta;
	uint16_t qtype;
	uint16_t src_port;        /**< client port, host order */
	uint16_t dst_port;        /**< resolver port, host order */
	uint16_t port;            /**< ingress DPDK port id */
	uint16_t msg_len;         /**< bytes of the query's DNS message (msg holds the first
				   *   DG_HIT_MSG_MAX of them) */
	uint16_t ans_len;         /**< bytes of the answer's DNS message; 0 = none was sent */
	uint16_t edns_udp_size;   /**< the query's advertised UDP size (0 without EDNS) */
	uint8_t family;           /**< 4 or 6 */
	uint8_t action;           /**< enum dg_action: what was done */
	uint8_t reason;           /**< enum dg_fwd_reason: why it was dropped; 0 = none */
	uint8_t flags;            /**< DG_HIT_F_* */
	uint8_t qname_len;        /**< wire length of the name as asked (1..255), at
				   *   msg + DG_HIT_QNAME_OFF */
	uint8_t vlan_n;           /**< VLAN tags in vlan (0..DG_HIT_VLAN_MAX) */
	uint8_t trigger;          /**< enum dg_hit_trigger */
	uint8_t src_addr[16];     /**< client address, network order; IPv4 in the first 4 */
	uint8_t dst_addr[16];     /**< resolver address, likewise */
	uint8_t vlan[DG_HIT_VLAN_MAX][4]; /**< TPID and TCI of each tag, as on the wire */
	uint8_t msg[DG_HIT_MSG_MAX]; /**< the query's DNS message as received (a response
				      *   hit: the response's) */
	/** The matched value for triggers other than qname: a wire name (lowercase,
	 * uncompressed), or for an address trigger the prefix length in bits then the
	 * address (4 bytes, or 16 with DG_HIT_F_MATCH6). */
	uint8_t match[DG_HIT_MATCH_MAX];
};

/** Identifier of the record's entry, or NULL. */
const char *dg_hit_identifier(const struct dg_hit_record *r);

/** Behaviour category of the record's entry, or NULL. */
const char *dg_hit_category(const struct dg_hit_record *r);

/** The query's DNS ID (host order). */
static inline uint16_t
dg_hit_id(const struct dg_hit_record *r)
{
	return (uint16_t)(r->msg[0] << 8 | r->msg[1]);
}

/** Bytes of the query message kept in r->msg. */
static inline size_t
dg_hit_msg_kept(const struct dg_hit_record *r)
{
	return r->msg_len < DG_HIT_MSG_MAX ? r->msg_len : DG_HIT_MSG_MAX;
}

enum {
	DG_HIT_CELL = 64, /**< bytes of one element of a worker's record ring */
	/** Cells of a whole record. */
	DG_HIT_CELLS_MAX = sizeof(struct dg_hit_record) / DG_HIT_CELL,
};

/**
 * Cells (DG_HIT_CELL bytes) of @p r a worker's ring carries: the head and the kept
 * message, or the whole record when match is used (a trigger other than the question).
 * Read from the first cell alone, so that a reader can take the rest after it.
 */
static inline unsigned int
dg_hit_cells(const struct dg_hit_record *r)
{
	if (r->trigger != DG_HIT_TRIGGER_QNAME)
		return DG_HIT_CELLS_MAX;
	return (unsigned int)((offsetof(struct dg_hit_record, msg) + dg_hit_msg_kept(r) +
			       DG_HIT_CELL - 1) / DG_HIT_CELL);
}

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

/**
 * Where the record came in, as one JSON object: {"port":0,"vlan":[...]} (the line's "port"
 * and "vlan" values), NUL-terminated. dnstap carries it in its "extra" field.
 *
 * @return its length (NUL not counted), or -ENOSPC (128 + 64 * DG_HIT_VLAN_MAX bytes are
 *   always enough).
 */
int dg_hitlog_format_l2(const struct dg_hit_record *r, char *buf, size_t len);

/** The writer: one JSON Lines file opened for append, with its own write buffer. */
struct dg_hitlog;

/** What a writer has done since it was opened. */
struct dg_hitlog_stats {
	uint64_t written;   /**< lines handed to the kernel */
	uint64_t failed;    /**< lines lost: bad records, or dropped after a write error */
	uint64_t reopens;   /**< successful dg_hitlog_reopen() calls */
	uint64_t rotations; /**< files closed by dg_hitlog_rotate() (size, time or asked) */
	uint64_t compressed; /**< rotated files gzipped */
	uint64_t removed;   /**< rotated files removed beyond the number kept */
	uint64_t archive_errors; /**< rotations, compressions or removals that failed */
};

/**
 * Open (create if needed, mode 0640) @p path for appending. A file that ends inside a line
 * (its writer was killed mid-write, or its disk filled up) gets that line ended before the
 * first new one, so no record is glued to a cut one.
 *
 * @param err  Receives a readable reason on failure (may be NULL).
 * @return 0, or -ENOMEM, or the negative errno of open(2) (-ENOENT, -EACCES, ...).
 */
int dg_hitlog_open(struct dg_hitlog **h, const char *path, char *err, size_t len);

/** Built-in rotation (dg_hitlog_set_rotation()). */
struct dg_hitlog_rotation {
	uint64_t size;     /**< rotate before a line would take the file past this many
			    *   bytes; 0 = no size limit */
	uint32_t interval; /**< rotate at each multiple of this many seconds since the
			    *   epoch (86400: at 00:00 UTC); 0 = never */
	uint32_t keep;     /**< rotated files kept, the oldest removed first; 0 = all */
	bool gzip;         /**< gzip rotated files (in a thread of this library) */
};

/**
 * Turn on built-in rotation (an empty @p rot turns nothing on). A rotated file is renamed
 * PATH.YYYYMMDDTHHMMSSZ.NNNN (UTC time of the rotation, NNNN telling apart rotations in
 * the same second), then, off the caller's thread, gzipped to that name plus ".gz" and
 * the oldest removed beyond @p rot->keep (files of earlier runs included: the names sort
 * in time order). Call once, after dg_hitlog_open().
 *
 * @param now  Unix seconds now (for the first interval's end).
 * @return 0, -EINVAL (called twice), or -EAGAIN / -ENOMEM (the thread could not start).
 */
int dg_hitlog_set_rotation(struct dg_hitlog *h, const struct dg_hitlog_rotation *rot,
			   int64_t now);

/**
 * Format one record into the write buffer; writes the buffer out when it is full, and
 * rotates first when the line would take the file past the rotation size.
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
 * On a write error (a full disk) the lines that reached the file whole count as written,
 * the rest are dropped and counted as failed (the buffer never grows without bound). A
 * line cut short in the file is ended with '\n' before anything else is written to it, so
 * once the disk takes bytes again every new line is whole.
 *
 * @return 0, or the negative errno of write(2).
 */
int dg_hitlog_flush(struct dg_hitlog *h);

/**
 * Time-based rotation: rotate if an interval ended since the last call (a file with no
 * line is left as it is). Call every management tick.
 *
 * @param now  Unix seconds now.
 * @return 0, or an error of dg_hitlog_rotate().
 */
int dg_hitlog_tick(struct dg_hitlog *h, int64_t now);

/**
 * Rotate now: flush, rename the file to its rotated name, open a new one at the path,
 * and queue the old one for gzip and removal. Every line written before is in the
 * rotated file, every line after in the new one. If the new file cannot be opened the
 * rotated one stays in use (and is not queued).
 *
 * @return 0, or the negative errno of the flush, of rename(2) (the file stays as it was)
 *   or of open(2); -EEXIST when 10000 rotations fell in one second.
 */
int dg_hitlog_rotate(struct dg_hitlog *h);

/**
 * Flush, then close and reopen the same path (logrotate has moved the old file away:
 * SIGHUP). If the path cannot be reopened the old file stays in use.
 *
 * @return 0, or the negative errno of the flush or of open(2).
 */
int dg_hitlog_reopen(struct dg_hitlog *h);

/** Counters since open (the archive thread's are read with relaxed atomics). */
void dg_hitlog_get_stats(const struct dg_hitlog *h, struct dg_hitlog_stats *s);

/**
 * Flush, and wait until the archive thread has done all it was given (rotated files
 * gzipped and removed): the counters are then final. Rotation stops; lines can still
 * be written.
 *
 * @return 0, or the negative errno of the flush.
 */
int dg_hitlog_finish(struct dg_hitlog *h);

/** dg_hitlog_finish(), then close; NULL is ignored. */
void dg_hitlog_close(struct dg_hitlog *h);

#ifdef __cplusplus
}
#endif

#endif /* DG_HITLOG_H */
