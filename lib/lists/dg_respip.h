/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_RESPIP_H
#define DG_RESPIP_H

/**
 * @file
 * The response-IP list: IPv4/IPv6 prefixes, each with an entry's metadata (identifier,
 * category, action, dates, sinkhole), that the addresses of DNS responses are checked
 * against (docs/response-policy.md). Longest prefix wins. Built off the data path,
 * immutable once built; a lookup takes no lock, writes nothing and allocates nothing
 * (lib/optout's breakpoint table, dg_optout.h).
 *
 * File formats (docs/lists.md), detected per line:
 *  - plain: one prefix per line, `198.18.0.0/24`, `2001:2::/48`, or a bare address (a host
 *    route); `#` starts a comment. Metadata from the load's defaults.
 *  - RPZ `rpz-ip` triggers (an RPZ zone file, or its rpz-ip lines):
 *    `32.1.2.0.192.rpz-ip CNAME .` (192.0.2.1/32), `48.zz.2.2001.rpz-ip CNAME .`
 *    (2001:2::/48), the owner relative or followed by the zone's origin. The action comes
 *    from the RDATA as for QNAME triggers (dg_rpz.h): `CNAME .` nxdomain, `CNAME *.`
 *    nodata, `CNAME rpz-drop.` drop, `CNAME rpz-passthru.` allow, `A`/`AAAA` local data
 *    sinkhole to that address; the defaults' action, when not sinkhole, overrides block
 *    actions (as a list's `action=`). Other records of the zone (its header, QNAME
 *    triggers, $ORIGIN, $TTL) are skipped and counted.
 *
 * No DPDK here.
 */

#include <stdint.h>
#include <stdio.h>

#include "dg_filter.h"
#include "dg_optout.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque immutable table. */
struct dg_respip;

/** What a load read. */
struct dg_respip_report {
	uint64_t lines;    /**< lines read */
	uint64_t loaded;   /**< prefixes added (a later duplicate replaces an earlier one) */
	uint64_t skipped;  /**< RPZ lines that are not rpz-ip triggers (header, QNAME, ...) */
};

/**
 * Parse an rpz-ip trigger's owner labels before `.rpz-ip` (`32.1.2.0.192`,
 * `128.1.zz.db8.2001`) into a prefix.
 *
 * @return 0, or -EINVAL (bad length, bad label, host bits set).
 */
int dg_respip_parse_rpz(const char *s, size_t len, struct dg_optout_prefix *out);

/**
 * Load a response-IP file into a new table, metadata from @p defaults (action
 * DG_ACTION_SINKHOLE unless said otherwise).
 *
 * @param err  `FILE:LINE: reason` on failure.
 * @return 0, -EINVAL (a line that is neither a prefix nor an RPZ record, a bad rpz-ip
 *   owner, or an rpz-ip record whose RDATA is not a policy), -E2BIG, -ENOMEM, or the
 *   negative errno of a failed open/read.
 */
int dg_respip_load(const char *path, const struct dg_entry_meta *defaults,
		   struct dg_respip **out, struct dg_respip_report *rep, char *err,
		   size_t errlen);

/** As dg_respip_load() from a stream; @p name is used in reasons. */
int dg_respip_load_stream(FILE *in, const char *name, const struct dg_entry_meta *defaults,
			  struct dg_respip **out, struct dg_respip_report *rep, char *err,
			  size_t errlen);

/**
 * The entry of the longest prefix covering @p addr, if it is active on @p today.
 * Data path: no lock, write or allocation.
 *
 * @param family  4 (@p addr 4 bytes) or 6 (16 bytes).
 * @param plen    Out, may be NULL: the matching prefix's length.
 * @return the entry's metadata (owned by @p t), or NULL.
 */
const struct dg_entry_meta *dg_respip_lookup(const struct dg_respip *t, int family,
					     const uint8_t *addr, uint32_t today, uint8_t *plen);

/** Prefixes in @p t (0 for NULL). */
size_t dg_respip_count(const struct dg_respip *t);

/** Release @p t (NULL is ignored). */
void dg_respip_free(struct dg_respip *t);

#ifdef __cplusplus
}
#endif

#endif /* DG_RESPIP_H */
