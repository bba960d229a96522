/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_DNSTAP_H
#define DG_DNSTAP_H

/**
 * @file
 * dnstap output: hit records as dnstap protobuf payloads (schema: dnstap.proto) in Frame
 * Streams (libfstrm), to a collector's Unix socket or to a file.
 *
 * A filtered query becomes a CLIENT_QUERY (the query message as received) and, when an
 * answer was sent, a CLIENT_RESPONSE (the answer's message), both with the policy:
 * type "dnsgate", rule = the entry's identifier, action (sinkhole LOCAL_DATA, nxdomain
 * NXDOMAIN, nodata NODATA, an answer sent with TC=1 TRUNCATE, drop DROP, log-only PASS),
 * match QNAME, value = the name as asked (wire form). A sampled benign query becomes a
 * CLIENT_QUERY without policy. "extra" holds the ingress port and the VLAN stack as JSON
 * (dg_hitlog_format_l2()).
 *
 * The management core encodes (dg_dnstap_write_hit()) and appends payloads to a bounded
 * queue; a thread of this library writes them. Nothing waits for the collector: a full
 * queue (a slow reader), no reader, or a failed write loses payloads, each counted. No
 * DPDK here.
 */

#include <stddef.h>
#include <stdint.h>

#include "dg_hitlog.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The Frame Streams content type of every payload. */
#define DG_DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"

/** dnstap Policy.Action values. */
enum dg_dnstap_action {
	DG_DNSTAP_NXDOMAIN = 1,
	DG_DNSTAP_NODATA = 2,
	DG_DNSTAP_PASS = 3,
	DG_DNSTAP_DROP = 4,
	DG_DNSTAP_TRUNCATE = 5,
	DG_DNSTAP_LOCAL_DATA = 6,
};

/** The dnstap policy action for what a hit record says was done. */
enum dg_dnstap_action dg_dnstap_action(const struct dg_hit_record *r);

/** One output. */
struct dg_dnstap;

/** What an output has done since it was opened (payloads: a query or a response). */
struct dg_dnstap_stats {
	uint64_t written;    /**< handed to the socket or the file */
	uint64_t lost_full;  /**< dropped: the queue to the writer thread was full */
	uint64_t lost_io;    /**< dropped: no reader connected (or no file), or a write failed */
	uint64_t bad;        /**< records that could not be encoded */
	uint64_t connects;   /**< times the writer (re)opened its socket or file */
};

/**
 * Start an output.
 *
 * @param spec      "unix:PATH" (a collector listening there, e.g. fstrm_capture;
 *                  reconnected every second while absent) or "file:PATH" (created or
 *                  truncated; a non-empty file there is first renamed PATH.old).
 * @param identity  dnstap identity (e.g. the appliance name), or NULL.
 * @param version   dnstap version, or NULL.
 * @param queue     payloads the queue holds (rounded up to a power of two, >= 64).
 * @param err       Receives a readable reason on failure (may be NULL).
 * @return 0, or -EINVAL (bad @p spec), -ENOMEM, -EAGAIN (no thread).
 */
int dg_dnstap_open(struct dg_dnstap **t, const char *spec, const char *identity,
		   const char *version, unsigned int queue, char *err, size_t len);

/**
 * Encode the payloads of one record and queue them (management core only).
 *
 * @param ans      The answer's DNS message (dg_decide_reforge()), or NULL: then no
 *                 CLIENT_RESPONSE (a drop, a log-only entry, a sample).
 * @return 0, or -ENOBUFS (the queue was full: counted in lost_full), -ENOMEM, or
 *   -EAFNOSUPPORT (bad family: counted in bad).
 */
int dg_dnstap_write_hit(struct dg_dnstap *t, const struct dg_hit_record *r,
			const struct dg_hitlog_clock *c, const uint8_t *ans, size_t ans_len);

/** Counters (relaxed atomic reads: the thread writes some of them). */
void dg_dnstap_get_stats(const struct dg_dnstap *t, struct dg_dnstap_stats *s);

/**
 * Write what is queued (a stuck reader gets a few seconds), close the stream and stop the
 * thread. NULL is ignored.
 *
 * @param final  Receives the counters once everything is written or lost (may be NULL).
 */
void dg_dnstap_close(struct dg_dnstap *t, struct dg_dnstap_stats *final);

#ifdef __cplusplus
}
#endif

#endif /* DG_DNSTAP_H */
