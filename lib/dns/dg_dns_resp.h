/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_DNS_RESP_H
#define DG_DNS_RESP_H

/**
 * @file
 * DNS responses on their way back to a subscriber: walk the answer section for CNAME and
 * DNAME targets and A/AAAA addresses (what response policy checks), find the OPT record,
 * and reject every malformed message with one reason (enum dg_resp_reason). A malformed
 * response is never rewritten: the appliance forwards it unchanged and counts the reason.
 *
 * Names in a response may be compressed: a pointer must point strictly backwards (before
 * the pointer itself, which rules out loops) and past the header, and a name may hold at
 * most DG_DNS_RESP_HOPS_MAX of them. Every name of the answer section is followed to its
 * end; the authority and additional sections are walked record by record.
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <stddef.h>
#include <stdint.h>

#include "dg_name.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why a response is not read (forwarded unchanged). Names are stable (dg_resp_reason_name()). */
enum dg_resp_reason {
	DG_RESP_OK = 0,             /**< read: targets and addresses are valid */
	DG_RESP_SHORT,              /**< fewer than 12 bytes */
	DG_RESP_NOT_RESPONSE,       /**< QR=0 */
	DG_RESP_OPCODE,             /**< opcode other than QUERY */
	DG_RESP_QDCOUNT,            /**< QDCOUNT != 1 */
	DG_RESP_QNAME_BAD,          /**< question name: pointer, bad label, over 255, cut short */
	DG_RESP_QUESTION_TRUNCATED, /**< no room for QTYPE/QCLASS */
	DG_RESP_NAME_TRUNCATED,     /**< a record's name runs past the message (or its RDATA) */
	DG_RESP_NAME_BAD_LABEL,     /**< extended (0x40) or reserved (0x80) label type */
	DG_RESP_NAME_TOO_LONG,      /**< a name over 255 bytes (after decompression) */
	DG_RESP_POINTER_BAD,        /**< a pointer to itself, further on, or into the header */
	DG_RESP_POINTER_HOPS,       /**< more than DG_DNS_RESP_HOPS_MAX pointers in one name */
	DG_RESP_RR_TRUNCATED,       /**< a record's fixed part or RDATA runs past the message */
	DG_RESP_RDATA_BAD,          /**< A not 4 bytes, AAAA not 16, a target not its RDATA */
	DG_RESP_TOO_MANY,           /**< over DG_DNS_RESP_TARGETS_MAX / DG_DNS_RESP_ADDRS_MAX */
	DG_RESP_EDNS_DUPLICATE,     /**< two OPT records */
	DG_RESP__MAX
};

enum {
	DG_DNS_RESP_TARGETS_MAX = 16, /**< CNAME/DNAME targets kept (resolvers chase fewer) */
	DG_DNS_RESP_ADDRS_MAX = 64,   /**< A/AAAA records kept */
	DG_DNS_RESP_HOPS_MAX = 16,    /**< compression pointers followed in one name */
};

enum { DG_DNS_TYPE_CNAME = 5, DG_DNS_TYPE_DNAME = 39 };

/** A response as read by dg_dns_resp_parse(). Offsets are from the message start. */
struct dg_dns_resp {
	uint16_t id;
	uint16_t flags;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t question_off;  /**< always DG_DNS_HDR_LEN */
	uint16_t question_len;  /**< name (uncompressed, as asked), QTYPE, QCLASS */
	uint8_t edns;           /**< an OPT record is in the additional section */
	uint8_t n_targets;
	uint8_t n_addrs;
	uint16_t edns_flags;    /**< its flags word (DO) */
	uint16_t target_off[DG_DNS_RESP_TARGETS_MAX]; /**< first byte of each target name */
	uint16_t target_type[DG_DNS_RESP_TARGETS_MAX]; /**< CNAME or DNAME */
	uint16_t addr_off[DG_DNS_RESP_ADDRS_MAX];     /**< first byte of each address */
	uint8_t addr_len[DG_DNS_RESP_ADDRS_MAX];      /**< 4 (A) or 16 (AAAA) */
};

/**
 * Read response @p msg of @p len bytes: header, the question, every record of the answer
 * section (CNAME/DNAME targets followed through their pointers, A/AAAA of class IN noted),
 * the authority section skipped record by record, and the additional section for one OPT.
 * Bytes after the last record are ignored (a resolver's client ignores them too).
 *
 * @return DG_RESP_OK with @p out filled, else the first defect (@p out partly filled).
 */
enum dg_resp_reason dg_dns_resp_parse(const uint8_t *msg, size_t len, struct dg_dns_resp *out);

/**
 * Decompress and normalise the name at offset @p off of @p msg (a target of a response
 * that dg_dns_resp_parse() read) into @p n, with the parser's checks.
 *
 * @return DG_RESP_OK, or the defect (for a name the parser never vouched for).
 */
enum dg_resp_reason dg_dns_resp_name(const uint8_t *msg, size_t len, size_t off,
				     struct dg_name *n);

/** Stable snake_case id of @p r ("ok" for DG_RESP_OK), "unknown" if out of range. */
const char *dg_resp_reason_name(enum dg_resp_reason r);

#ifdef __cplusplus
}
#endif

#endif /* DG_DNS_RESP_H */
