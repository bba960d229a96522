/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_DECIDE_H
#define DG_DECIDE_H

/**
 * @file
 * The per-frame decision of a worker, for subscriber-side frames: parse, opt-out, lookup,
 * what a defective query gets (DESIGN.md 5), the reflection guard, the answer's size,
 * then the disposition, the counters and the hit record. The worker, the benchmarks and
 * the fuzzer all run this code, so what is tested and measured is what runs.
 *
 * Fail open for traffic, fail closed for blocked names: a frame whose question name
 * cannot be read is forwarded unchanged; once the name is read and blocked, the query is
 * answered, or dropped where an answer would be unsafe, never forwarded (unless the
 * resolver's host would drop it anyway: a bad checksum). A datagram with a wrong IPv4
 * header or UDP checksum is no query, listed or not: forwarded and counted by its defect.
 *
 * Counters are the caller's memory, written only through one struct dg_decide (one
 * writer, relaxed stores: readers on other cores sum them without locks).
 *
 * No DPDK here: no allocation, lock or system call in any function of this header.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dg_dns.h"
#include "dg_dns_resp.h"
#include "dg_encdns.h"
#include "dg_filter.h"
#include "dg_guard.h"
#include "dg_hitlog.h"
#include "dg_optout.h"
#include "dg_pkt.h"
#include "dg_quarantine.h"
#include "dg_respip.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { DG_DECIDE_BURST_MAX = 64 }; /**< frames per dg_decide_burst() call */

/** What happens to a frame. */
enum dg_disp {
	DG_DISP_FORWARD = 0, /**< unchanged, to the peer port */
	DG_DISP_ANSWER,      /**< rewritten in place into the answer: back out of the ingress */
	DG_DISP_DROP,        /**< dropped (counted by reason) */
	DG_DISP_FRAGMENT,    /**< an IP fragment: for the caller's reassembly, not counted */
	DG_DISP_TCP,         /**< TCP to the DNS port: for the caller's stream tracker */
	DG_DISP_RESET,       /**< encrypted DNS refused over TCP: the caller resets both ways
			      *   (dg_tcp_forge_reset(); a SYN: the client only) and drops it */
	DG_DISP_REWRITE,     /**< a network-side response rewritten in place into the forged
			      *   answer: on to the peer port (the subscriber), like a forward */
};

/** One writer's counters (summed over writers on read). */
struct dg_decide_counters {
	uint64_t fwd[DG_FWD__MAX];  /**< forwarded unchanged, by first defect (0 unused) */
	uint64_t drop[DG_FWD__MAX]; /**< listed queries dropped, by reason */
	uint64_t queries;           /**< queries whose name was read and whose checksums are
				     *   right, opt-out excluded */
	uint64_t optout;            /**< queries from opted-out subscribers */
	uint64_t verdict[DG_ACTION_COUNT]; /**< listed queries by what was done to them */
	uint64_t answered;          /**< forged answers sent */
	uint64_t truncated;         /**< of those, with TC=1 and no records (too large) */
	uint64_t log_lost;          /**< hit records the caller could not queue */
	uint64_t sample_lost;       /**< sampled benign queries the caller could not queue */
	uint64_t reassembled;       /**< datagrams reassembled from fragments and decided */
	uint64_t quarantined;       /**< queries of quarantined subscribers answered (or
				     *   dropped) under quarantine; in queries, not in verdicts */
	uint64_t quarantine_allowed; /**< of quarantined subscribers, forwarded by the
				      *   quarantine allow list */
	/* Response policy (network side, docs/response-policy.md). */
	uint64_t resp_inspected;    /**< responses from the DNS port read whole (UDP, and
				     *   TCP: dg_decide_resp_msg()) */
	uint64_t resp_bad[DG_RESP__MAX]; /**< responses not read (forwarded unchanged), by
				     *   reason (0 unused) */
	uint64_t resp_optout;       /**< listed responses to opted-out subscribers (forwarded) */
	uint64_t resp_fwd_bad_sum;  /**< listed responses with a wrong checksum (forwarded) */
	uint64_t resp_trigger[DG_HIT_TRIGGER_COUNT]; /**< listed responses by trigger */
	uint64_t resp_verdict[DG_ACTION_COUNT]; /**< listed responses by what was done */
	uint64_t resp_rewritten;    /**< responses replaced by a forged answer */
};

/** Add @p n to a counter that only the calling core writes. */
static inline void
dg_decide_cnt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/** Read a counter another core writes. */
static inline uint64_t
dg_decide_cnt_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/** Add every counter of @p c into @p sum (reads are relaxed atomics). */
void dg_decide_counters_sum(struct dg_decide_counters *sum, const struct dg_decide_counters *c);

/** Filtered queries: listed queries answered, dropped or logged (allow is not filtering). */
uint64_t dg_decide_filtered(const struct dg_decide_counters *c);

/** Settings shared by every worker; read-only while they run. */
struct dg_decide_cfg {
	struct dg_pkt_cfg pkt;        /**< what the parser accepts */
	struct dg_answer_cfg answer;  /**< answer settings */
	bool ede_text;                /**< EDE extra-text names the entry's identifier */
	bool log;                     /**< fill hit records */
	/** Encrypted DNS tables and modes (docs/encrypted-dns.md), or NULL: not looked at. */
	const struct dg_encdns *encdns;
	bool encdns_log;              /**< hit records for encrypted DNS too (with log) */
	bool canary;                  /**< canary entries are in the snapshots: count their
				       *   answers apart (dg_encdns_is_canary()) */
	uint32_t sample;              /**< one benign query in this many becomes a sample
				       *   record (dnstap); 0 = off */
	bool responses;               /**< response policy on network-side frames
				       *   (dg_decide_net_burst()) */
};

/** The policy a frame is decided against: one snapshot's view. */
struct dg_decide_policy {
	const struct dg_filter *filter;  /**< NULL: no list */
	const struct dg_filter *delta;   /**< runtime changes over filter (dg_filter.h), or NULL */
	const struct dg_optout *optout;  /**< NULL: nobody opted out */
	/** Quarantined prefixes (NULL: nobody) and their policy (required with them). */
	const struct dg_optout *quar_prefixes;
	const struct dg_quarantine *quarantine;
	const struct dg_respip *respip;  /**< response-IP list (dg_respip.h), or NULL: none */
	uint64_t *ident_hits;            /**< this writer's row of per-identifier hits, or NULL */
	uint32_t today;                  /**< days since 1970-01-01, for entry dates */
};

/** One decider: a worker's state. Fill it, then use it from that worker only. */
struct dg_decide {
	const struct dg_decide_cfg *cfg;
	struct dg_guard *guard;          /**< reflection guard, or NULL: no limit */
	struct dg_decide_counters *cnt;
	/** Hit records of the last call, for the caller to queue; room for a whole burst. */
	struct dg_hit_record *hits;
	unsigned int n_hits;
	/** Encrypted-DNS and canary counters: required with cfg->encdns or cfg->canary. */
	struct dg_encdns_counters *ecnt;
	uint64_t *ep_hits;               /**< per DoH endpoint (dg_encdns_endpoints()), or NULL */
	/** Sampled benign queries (cfg->sample), likewise; NULL = none kept. */
	struct dg_hit_record *samples;
	unsigned int n_samples;
	uint32_t sample_left;            /**< benign queries until the next sample */
};

/** A frame in a buffer the decision may rewrite. */
struct dg_frame {
	uint8_t *data;    /**< first byte of the Ethernet header */
	uint32_t len;     /**< frame bytes; set to the answer's length on DG_DISP_ANSWER */
	uint32_t room;    /**< writable (and loadable) bytes from @p data, >= len */
	uint16_t hints;   /**< DG_PKT_HINT_* the NIC vouched for */
	uint16_t port;    /**< ingress port id, for the hit log */
	/** Ethernet header the query came in (VLAN tags for the hit log) when @p data is not
	 * a frame (a message from a TCP stream); NULL: @p data. */
	const uint8_t *l2;
};

/**
 * Decide a burst of subscriber-side frames: parse each, set opted-out subscribers aside,
 * look the rest up in one bulk call, then decide each in arrival order. Precedence:
 * opt-out, then names the lists block, then quarantine (its allow list forwards), then
 * the lists' other verdicts (docs/quarantine.md). Answers are
 * forged in place (f[i].len updated). Fragments and TCP to the DNS port are only
 * classified (DG_DISP_FRAGMENT, DG_DISP_TCP; @p pk holds their L2-L4 parse), and so is
 * encrypted DNS refused over TCP (DG_DISP_RESET); refused over UDP, it is DG_DISP_DROP.
 * d->n_hits and d->n_samples are reset, then hold this burst's records.
 *
 * @param n    Frames, at most DG_DECIDE_BURST_MAX.
 * @param pk   Out: each frame's parse (n entries).
 * @param disp Out: each frame's enum dg_disp (n entries).
 * @return frames whose disposition is not DG_DISP_FORWARD (0: forward the whole burst).
 */
unsigned int dg_decide_burst(struct dg_decide *d, const struct dg_decide_policy *pol,
			     uint64_t now, struct dg_frame *f, unsigned int n,
			     struct dg_pkt *pk, uint8_t *disp);

/**
 * Decide a burst of network-side frames (response policy, docs/response-policy.md): a
 * UDP datagram from the DNS port is read as a response (dg_dns_resp_parse()); the
 * CNAME/DNAME targets of its answer section are looked up as question names are, then
 * its A/AAAA addresses in pol->respip (longest prefix). A listed target or address (an
 * allow entry on the question name shields the whole response)
 * makes the response the forged answer to its own question, rewritten in place
 * (DG_DISP_REWRITE, f[i].len updated: on to the subscriber), or DG_DISP_DROP (drop
 * action, or no answer can be built); log-only logs and forwards. Everything else,
 * malformed responses included (counted by reason), is DG_DISP_FORWARD, byte for byte.
 * Frames that are not UDP from the DNS port cost a few loads (plain IPv4/IPv6, one
 * 802.1Q tag) before any parse. d->n_hits is reset, then holds this burst's records.
 *
 * @param n    Frames, at most DG_DECIDE_BURST_MAX.
 * @param disp Out: each frame's enum dg_disp (n entries).
 * @return frames whose disposition is not DG_DISP_FORWARD.
 */
unsigned int dg_decide_net_burst(struct dg_decide *d, const struct dg_decide_policy *pol,
				 uint64_t now, struct dg_frame *f, unsigned int n, uint8_t *disp);

/**
 * Decide one DNS response read from a server's TCP stream (dg_tcp_server_read()), with
 * the checks of dg_decide_net_burst() (the segment's checksums were verified by the
 * tracker). A listed response's forged answer to its own question is written to @p ans
 * (the caller frames it in the stream: dg_tcp_forge_resp_answer()).
 *
 * @param f    The segment: data, len, port (hit log).
 * @param seg  Its L2-L4 parse (source: the server).
 * @param msg  The message, inside f->data, @p len bytes (after its length prefix).
 * @param ans  Where the answer goes (@p room bytes; not inside the message).
 * @return DG_DISP_FORWARD (not listed, log-only, malformed: counted), DG_DISP_DROP (drop
 *   action, or no answer fits: the caller resets both ways), or DG_DISP_REWRITE with
 *   *@p ans_len set.
 */
enum dg_disp dg_decide_resp_msg(struct dg_decide *d, const struct dg_decide_policy *pol,
				uint64_t now, const struct dg_frame *f, const struct dg_pkt *seg,
				const uint8_t *msg, uint16_t len, uint8_t *ans, size_t room,
				size_t *ans_len);

/** A decided answer not yet built (dg_decide_query() returned DG_DISP_ANSWER). */
struct dg_decide_answer {
	const struct dg_entry_meta *meta;
	uint32_t ident_id;
	enum dg_answer_kind kind;
	struct dg_answer_ovr ovr;
	const struct dg_pkt *q; /**< the query as the answer must see it: the caller's, its OPT
				 *   cleared if unusable; valid while the caller's query is */
};

/**
 * Decide one query parsed into @p p (reason @p r from the parser), for frames outside a
 * burst: a reassembled datagram, a message from a TCP stream (p->transport DG_PKT_TCP; no
 * reflection guard, no source port rule: the handshake proved the source). Counts what it
 * decides, except an answer: then @p a is filled and the caller builds the answer
 * (dg_decide_answer_udp(), or its own framing from dg_dns_forge_msg()) and reports the
 * outcome with dg_decide_answer_done(). Appends at most one hit record to d->hits or one
 * sample to d->samples (neither count is reset). A pending answer points at @p p (its
 * OPT cleared where the answer must go without one): keep @p p until the answer is done.
 *
 * @return DG_DISP_FORWARD, DG_DISP_DROP or DG_DISP_ANSWER (pending in @p a).
 */
enum dg_disp dg_decide_query(struct dg_decide *d, const struct dg_decide_policy *pol,
			     uint64_t now, const struct dg_frame *f, struct dg_pkt *p,
			     enum dg_fwd_reason r, struct dg_decide_answer *a);

/**
 * Build a pending answer in place in the UDP frame @p f (dg_dns_forge_ovr()) and report it.
 * @return DG_DISP_ANSWER (f->len set), or DG_DISP_DROP when it cannot be built (no room:
 *   counted as a drop, reason answer_no_room).
 */
enum dg_disp dg_decide_answer_udp(struct dg_decide *d, const struct dg_decide_policy *pol,
				  uint64_t now, struct dg_frame *f,
				  const struct dg_decide_answer *a);

/**
 * Report what became of a pending answer built by the caller: sent as a DNS message of
 * @p ans_len bytes (with @p truncated when it went with TC=1), or not (@p ans_len 0: then
 * a drop for @p reason). Counts it and fills the hit record; @p f must still hold the
 * query.
 */
void dg_decide_answer_done(struct dg_decide *d, const struct dg_decide_policy *pol,
			   uint64_t now, const struct dg_frame *f,
			   const struct dg_decide_answer *a, size_t ans_len, bool truncated,
			   enum dg_fwd_reason reason);

/**
 * Build again, from hit record @p r alone, the DNS message of the answer a worker sent
 * (for the dnstap output, on the management core: workers keep no copy of answers). The
 * record holds the query as received, the EDNS view the answer was built from and the
 * answer's length; with the same settings @p cfg the result is the same bytes.
 *
 * @param room  Bytes at @p out (r->ans_len are enough).
 * @return 0 with *@p len set, or
 *   - -ENOENT: no answer was sent for @p r (r->ans_len is 0, or r is a sample),
 *   - -EBADMSG: the record's question is not whole in r->msg,
 *   - -ENOSPC: @p room is below r->ans_len,
 *   - -EPROTO: the result differs in length from what was sent (settings changed),
 *   - -EINVAL: an error of dg_dns_forge_msg().
 */
int dg_decide_reforge(const struct dg_decide_cfg *cfg, const struct dg_hit_record *r,
		      uint8_t *out, size_t room, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* DG_DECIDE_H */
