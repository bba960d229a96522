/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_ENCDNS_H
#define DG_ENCDNS_H

/**
 * @file
 * Encrypted DNS seen from the subscriber side, made visible and, where the operator says
 * so, refused, so that clients fall back to port 53 (docs/encrypted-dns.md):
 *  - DoT: TCP to port 853. A SYN is a connection attempt.
 *  - DoQ: UDP to port 853. A QUIC Initial (v1 or v2) is a connection attempt.
 *  - DoH: the first client data segment of a TCP/443 flow, a TLS ClientHello
 *    (lib/tls), whose SNI is on the DoH endpoint name list, or whose destination is on
 *    the DoH address list. A ClientHello split over segments has no SNI here (it is
 *    counted as such, not guessed); its destination is still checked.
 * Each protocol is off, counted (forwarded), or blocked: a TCP segment gets resets both
 * ways (the caller forges them: dg_tcp_forge_reset()), a UDP datagram is dropped.
 *
 * No state per flow: every decision is made on one frame. Tables are built once
 * (dg_encdns_create(), dg_encdns_load()) and only read afterwards, by any number of
 * workers at once; the per-frame functions never allocate, lock or make a system call.
 *
 * Also here: the built-in canary entries (`[intercept] canary`), which the snapshot
 * builder adds like any list entry, so that they cost the benign query path nothing.
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dg_filter.h"
#include "dg_optout.h"
#include "dg_pkt.h"
#include "dg_tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The encrypted DNS protocols. */
enum dg_encdns_proto {
	DG_ENCDNS_DOT,
	DG_ENCDNS_DOQ,
	DG_ENCDNS_DOH,
	DG_ENCDNS__PROTO,
	DG_ENCDNS_NONE = DG_ENCDNS__PROTO, /**< a TLS ClientHello that is not DoH */
};

/** What a protocol gets (the values of [intercept] dot, doq, doh). */
enum dg_encdns_mode {
	DG_ENCDNS_OFF = 0,
	DG_ENCDNS_COUNT,
	DG_ENCDNS_BLOCK,
};

/** Ports (IANA: domain-s for DoT and DoQ, RFC 7858 and 9250; https for DoH). */
enum {
	DG_ENCDNS_PORT_DOT = 853,
	DG_ENCDNS_PORT_DOQ = 853,
	DG_ENCDNS_PORT_DOH = 443,
	DG_ENCDNS_ENDPOINTS_MAX = 65536, /**< endpoint counters; later entries share "(other)" */
};

/** What to do with a frame. */
enum dg_encdns_verdict {
	DG_ENCDNS_PASS,  /**< forward unchanged */
	DG_ENCDNS_RESET, /**< TCP: reset both ways (a SYN: to the client only), drop it */
	DG_ENCDNS_DROP,  /**< UDP: drop it */
};

/** How a frame was told to be encrypted DNS. */
enum dg_encdns_by {
	DG_ENCDNS_BY_PORT,    /**< DoT, DoQ */
	DG_ENCDNS_BY_SNI,     /**< DoH: the ClientHello's SNI is a listed endpoint */
	DG_ENCDNS_BY_ADDRESS, /**< DoH: the destination is a listed address */
};

/** Counters, one writer each (the worker), summed on read. */
enum dg_encdns_counter {
	DG_ENCDNS_C_DOT_SYN,       /**< DoT connection attempts (SYN to TCP/853) */
	DG_ENCDNS_C_DOT_RESET,     /**< DoT segments refused with resets */
	DG_ENCDNS_C_DOQ_INITIAL,   /**< DoQ connection attempts (QUIC Initial to UDP/853) */
	DG_ENCDNS_C_DOQ_DROPPED,   /**< UDP/853 datagrams dropped */
	DG_ENCDNS_C_DOH_SNI,       /**< ClientHellos to a listed DoH name */
	DG_ENCDNS_C_DOH_ADDRESS,   /**< other ClientHellos to a listed DoH address */
	DG_ENCDNS_C_DOH_RESET,     /**< DoH ClientHellos refused with resets */
	DG_ENCDNS_C_TLS_HELLO,     /**< ClientHellos on TCP/443 read whole */
	DG_ENCDNS_C_TLS_NO_SNI,    /**< of those, without a usable host name */
	DG_ENCDNS_C_TLS_ECH,       /**< of those, with encrypted_client_hello (outer SNI) */
	DG_ENCDNS_C_TLS_PARTIAL,   /**< ClientHellos split over segments: SNI unknown */
	DG_ENCDNS_C_TLS_MALFORMED, /**< TLS handshake records that are no valid ClientHello */
	DG_ENCDNS_C_BAD_CHECKSUM,  /**< matching frames with a checksum their receiver rejects:
				    *   forwarded, not counted as encrypted DNS */
	DG_ENCDNS_C_OPTOUT,        /**< encrypted DNS from opted-out subscribers: forwarded */
	DG_ENCDNS_C_CANARY,        /**< canary queries answered (or dropped, if malformed) */
	DG_ENCDNS_C_RESET_FAILED,  /**< refusals whose resets could not be built or queued */
	DG_ENCDNS_C__MAX
};

struct dg_encdns_counters {
	uint64_t c[DG_ENCDNS_C__MAX];
};

/** Stable snake_case name of counter @p i ("dot_syn", ...), "unknown" if out of range. */
const char *dg_encdns_counter_name(enum dg_encdns_counter i);

/** Add every counter of @p c into @p sum (reads are relaxed atomics). */
void dg_encdns_counters_sum(struct dg_encdns_counters *sum, const struct dg_encdns_counters *c);

/**
 * The tables. Public so that the per-frame pre-check is inline; every field is read-only
 * after dg_encdns_create().
 */
struct dg_encdns {
	uint8_t mode[DG_ENCDNS__PROTO]; /**< enum dg_encdns_mode per protocol */
	struct dg_filter *names;        /**< DoH names, one identifier per endpoint; or NULL */
	struct dg_optout *addrs;        /**< DoH address prefixes, or NULL */
	uint32_t n_names;               /**< endpoints 1..n_names are names */
	uint32_t n_addrs;               /**< then n_addrs address prefixes */
	uint32_t n_counters;            /**< endpoint counters (index 0: "(other)") */
	char (*addr_text)[DG_OPTOUT_PREFIX_STRLEN]; /**< prefix i as text */
	struct dg_entry_meta *addr_meta; /**< prefix i as a hit record's entry */
};

/**
 * Could frame @p p (parsed by dg_wire_parse_l2l4(): not to the DNS port, L3 and ports
 * set) be encrypted DNS under @p t's modes? Two compares for every other frame.
 */
static inline bool
dg_encdns_wants(const struct dg_encdns *t, const struct dg_pkt *p)
{
	if (p->dst_port == DG_ENCDNS_PORT_DOT)
		return t->mode[p->l4_proto == 6 ? DG_ENCDNS_DOT : DG_ENCDNS_DOQ] != DG_ENCDNS_OFF;
	return p->dst_port == DG_ENCDNS_PORT_DOH && p->l4_proto == 6 &&
	       t->mode[DG_ENCDNS_DOH] != DG_ENCDNS_OFF;
}

/** What dg_encdns_inspect() found in a frame. */
struct dg_encdns_match {
	uint8_t proto;        /**< enum dg_encdns_proto (DG_ENCDNS_NONE: a ClientHello only) */
	uint8_t by;           /**< enum dg_encdns_by */
	uint8_t verdict;      /**< enum dg_encdns_verdict */
	bool attempt;         /**< a connection attempt (DoT SYN, DoQ Initial, DoH hello):
			       *   worth a hit-log line */
	bool bad_checksum;    /**< a checksum is wrong: forward, count nothing else */
	int tls;              /**< dg_tls_client_hello()'s return for TCP/443; 1: not read */
	uint32_t endpoint;    /**< endpoint counter index (0: none or "(other)") */
	const char *endpoint_text; /**< the listed name or prefix, or NULL */
	const struct dg_entry_meta *meta; /**< the listed endpoint as a hit record's entry
					   *   (identifier, category), or NULL */
	struct dg_tls_hello hello; /**< with tls == 0 */
};

/**
 * Create tables from names and prefixes in memory.
 *
 * @param modes    enum dg_encdns_mode per protocol.
 * @param names    DoH endpoint names (text; each covers its subtree), may be NULL.
 * @param prefixes DoH endpoint prefixes, may be NULL.
 * @return 0, or -EINVAL (a bad name or prefix, or a NULL with a count), -E2BIG (more
 *   prefixes than lib/optout holds), -ENOMEM.
 */
int dg_encdns_create(struct dg_encdns **t, const uint8_t modes[DG_ENCDNS__PROTO],
		     const char *const *names, size_t n_names,
		     const struct dg_optout_prefix *prefixes, size_t n_prefixes);

/**
 * Create tables from files: @p names_path in any list format lib/lists reads (auto:
 * detected; a domains list is taken as subtrees), @p addrs_path with one address or
 * prefix a line (lib/optout's format). Either may be NULL. Rejected name lines are
 * reported to @p report (bounded, as for blocklists) and skipped; a bad address line fails.
 *
 * @return 0, or a negative errno with `FILE[:LINE]: reason` in @p err.
 */
int dg_encdns_load(struct dg_encdns **t, const uint8_t modes[DG_ENCDNS__PROTO],
		   const char *names_path, const char *addrs_path, FILE *report, char *err,
		   size_t errlen);

void dg_encdns_free(struct dg_encdns *t);

/** Endpoint counters a worker keeps (t->n_counters, at least 1). */
static inline uint32_t
dg_encdns_endpoints(const struct dg_encdns *t)
{
	return t->n_counters;
}

/** Text of endpoint counter @p i: a listed name, a prefix, or "(other)" for 0. */
const char *dg_encdns_endpoint_name(const struct dg_encdns *t, uint32_t i);

/**
 * Look at a frame for which dg_encdns_wants() is true: a DoT segment, a DoQ datagram, a
 * TLS ClientHello. Checksums are verified (unless @p hints vouches for them) only for the
 * frames that match. Data path.
 *
 * @param len  Bytes in the frame; nothing past them is read.
 * @return 1 with @p m filled (to count with dg_encdns_count(), unless the client opted
 *   out, and to act on per m->verdict), or 0: nothing for us (forward, count nothing).
 */
int dg_encdns_inspect(const struct dg_encdns *t, const uint8_t *frame, size_t len,
		      const struct dg_pkt *p, unsigned int hints, struct dg_encdns_match *m);

/**
 * The SNI of @p h as an uncompressed wire name, letter case kept (for a hit record).
 *
 * @return the wire length (root label included), or -EINVAL: no SNI, or one that names no
 *   host (a byte outside letters, digits, '-', '_' and '.', an empty or 64-byte label, a
 *   trailing dot, over 253 characters, over @p room bytes).
 */
int dg_encdns_sni_wire(const struct dg_tls_hello *h, uint8_t *wire, size_t room);

/**
 * Count what dg_encdns_inspect() found: @p c, and @p ep (t->n_counters counters, or NULL)
 * for the endpoint. One writer per @p c and @p ep (relaxed stores). Data path.
 */
void dg_encdns_count(struct dg_encdns_counters *c, uint64_t *ep,
		     const struct dg_encdns_match *m);

/**
 * What a hit record of @p m points to (struct dg_hit_record.meta): the listed endpoint,
 * or the protocol's entry without an identifier; category `encrypted-dns:dot|doq|doh`.
 * Valid while the tables are. NULL for DG_ENCDNS_NONE.
 */
const struct dg_entry_meta *dg_encdns_hit_meta(const struct dg_encdns_match *m);

/** Add @p n to counter @p i of @p c (one writer). */
static inline void
dg_encdns_cnt_add(struct dg_encdns_counters *c, enum dg_encdns_counter i, uint64_t n)
{
	__atomic_store_n(&c->c[i], c->c[i] + n, __ATOMIC_RELAXED);
}

/** Category of the built-in canary entries (reserved: lists must not use it). */
#define DG_ENCDNS_CANARY_CATEGORY "dnsgate-canary"

/** The names the canary answers with NXDOMAIN: the browser DoH canary, Apple's relay. */
extern const char *const dg_encdns_canary_names[3];

/**
 * Add the canary entries to @p b: each name exact, NXDOMAIN, no identifier, category
 * DG_ENCDNS_CANARY_CATEGORY. A builder loaded in order of precedence (dg_lists.h) puts
 * them after the lists: an allow entry for one of the names still wins.
 *
 * @return 0, or what dg_filter_builder_add() returned.
 */
int dg_encdns_canary_add(struct dg_filter_builder *b);

/** Is @p m a canary entry's metadata? (Only for matches: a string compare.) */
bool dg_encdns_is_canary(const struct dg_entry_meta *m);

#ifdef __cplusplus
}
#endif

#endif /* DG_ENCDNS_H */
