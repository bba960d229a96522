/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_RPZ_H
#define DG_RPZ_H

/**
 * @file
 * The RPZ rules, in one place: what one record of a response policy zone stands for
 * (draft-vixie-dnsop-dns-rpz, QNAME triggers only), for the `rpz` zone-file loader and for
 * zones received by transfer (lib/feed), so both read a zone the same way.
 *
 *   name CNAME .             nxdomain      *.name CNAME .   the same, below name
 *   name CNAME *.            nodata        name CNAME rpz-passthru.   allow
 *   name CNAME rpz-drop.     drop          name A/AAAA addr  sinkhole to addr
 *
 * SOA and NS at the apex are the zone header. rpz-ip, rpz-nsip, rpz-nsdname and
 * rpz-client-ip triggers, CNAME rewrites, rpz-tcp-only and other local data are not
 * supported (reported). The A and AAAA records of one trigger make one sinkhole policy
 * (dg_rpz_acc).
 *
 * No DPDK here.
 */

#include <stdint.h>

#include "dg_lists.h"

#ifdef __cplusplus
extern "C" {
#endif

/** RR type numbers the rules look at (RFC 1035, RFC 3596). */
enum dg_rpz_type {
	DG_RPZ_TYPE_A = 1,
	DG_RPZ_TYPE_NS = 2,
	DG_RPZ_TYPE_CNAME = 5,
	DG_RPZ_TYPE_SOA = 6,
	DG_RPZ_TYPE_AAAA = 28,
};

/** One record of a policy zone, as a zone file or a transfer gives it. */
struct dg_rpz_rr {
	const struct dg_name *owner;  /**< may start with a `*` label; unused with @p apex */
	int wildcard;                 /**< a leading `*` label was already taken off @p owner */
	int relative;                 /**< @p owner is relative to the zone: keep it whole */
	const struct dg_name *origin; /**< the zone name, removed from absolute owners; NULL:
				       *   unknown (absolute owners are taken as they are) */
	int apex;                     /**< the owner is the zone apex (`@`) */
	uint16_t type;
	const char *type_name;        /**< for reasons; NULL prints TYPEn */
	unsigned int rdata_fields;    /**< 1 for a wire record; fields on a zone-file line */
	const struct dg_name *target; /**< CNAME target; NULL: it did not parse */
	const uint8_t *addr;          /**< A: 4 bytes, AAAA: 16; NULL: it did not parse */
	const char *rdata_text;       /**< the rdata as written, for reasons; may be NULL */
	size_t rdata_len;
};

/** What a record stands for. */
enum dg_rpz_kind {
	DG_RPZ_POLICY, /**< a QNAME policy: name, mode, action (and address for A/AAAA) */
	DG_RPZ_HEADER, /**< SOA or NS at the apex: zone header, nothing to load */
	DG_RPZ_REJECT, /**< not loaded: why and reason */
	/** a trigger dnsgate does not act on (rpz-ip, rpz-nsip, rpz-nsdname, rpz-client-ip):
	 *  counted once per list, not an error; reason names it ("rpz-ip trigger") */
	DG_RPZ_NOT_SUPPORTED,
};

struct dg_rpz_policy {
	struct dg_name name;       /**< the trigger: owner without origin and `*` label */
	enum dg_match_mode mode;   /**< DG_MATCH_EXACT, or DG_MATCH_BELOW for `*.name` */
	enum dg_action action;
	uint8_t family;            /**< 4 or 6: A/AAAA local data, sinkhole to addr; else 0 */
	uint8_t addr[16];
	enum dg_list_skip why;     /**< DG_RPZ_REJECT */
	char reason[192];          /**< DG_RPZ_REJECT: without file or line */
	char kind[96];             /**< DG_RPZ_REJECT: the reason with its values as `...`
				    *   (rejections are counted per kind) */
};

/**
 * Map one record to its policy.
 *
 * @return the kind; @p out holds the policy (DG_RPZ_POLICY) or the reason
 *   (DG_RPZ_REJECT).
 */
enum dg_rpz_kind dg_rpz_map(const struct dg_rpz_rr *rr, struct dg_rpz_policy *out);

/** Receives each finished policy; @p tag is the one of the policy's first record. */
typedef int (*dg_rpz_emit_fn)(void *arg, const struct dg_name *name,
			      const struct dg_entry_meta *meta, unsigned long tag);

/**
 * Turns mapped policies into entries: metadata from the list options (identifier,
 * category, dates; `rpz_action` overrides every block action), and the A and AAAA
 * policies of one trigger, one after the other, into one sinkhole entry with the first
 * address of each family.
 */
struct dg_rpz_acc {
	const struct dg_list_opts *opts;
	dg_rpz_emit_fn emit;
	void *arg;
	int pending;
	unsigned long ptag;
	struct dg_name pname;
	struct dg_entry_meta pmeta;
};

/** Start an accumulator. */
void dg_rpz_acc_init(struct dg_rpz_acc *a, const struct dg_list_opts *opts,
		     dg_rpz_emit_fn emit, void *arg);

/**
 * Add one DG_RPZ_POLICY; @p tag identifies the record (a line number) for the emit call.
 *
 * @return 0, 1 when it was a second address of one family (ignored: a duplicate), or the
 *   negative value an emit call returned.
 */
int dg_rpz_acc_add(struct dg_rpz_acc *a, const struct dg_rpz_policy *p, unsigned long tag);

/** Emit the pending sinkhole entry, if any. @return 0 or what emit returned. */
int dg_rpz_acc_flush(struct dg_rpz_acc *a);

#ifdef __cplusplus
}
#endif

#endif /* DG_RPZ_H */
