/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_QUARANTINE_H
#define DG_QUARANTINE_H

/**
 * @file
 * Client-IP policy (quarantine): subscriber prefixes whose queries are answered with the
 * walled-garden action, except names on the quarantine allow list (docs/quarantine.md).
 *
 * A policy is immutable once built, like an opt-out table, and published the same way
 * (one atomic store, freed after an RCU grace period). The prefixes are an opt-out table
 * (lib/optout: same prefix text, same longest-prefix lookup); the allow list is a filter
 * of allow entries matched like the name lists (a name and everything below it).
 *
 * Precedence, in lib/decide: opt-out, then names the lists block (fail closed: their
 * verdict stands), then quarantine, then the allow list and the lists' other verdicts.
 *
 * Sources: a plain prefix file, RPZ `rpz-client-ip` triggers
 * (draft-vixie-dnsop-dns-rpz: `N.a.b.c.d.rpz-client-ip`, `N.w8...w1.rpz-client-ip` with
 * `zz` for the longest run of zero words), and runtime changes (journaled).
 *
 * No DPDK here. Lookups take no lock and write nothing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_filter.h"
#include "dg_name.h"
#include "dg_optout.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most query types a policy answers. */
#define DG_QUARANTINE_QTYPES_MAX 8

/** Identifier and category a quarantine answer's hit record carries. */
#define DG_QUARANTINE_IDENT "quarantine"

/** A quarantined prefix's own action (struct dg_optout_prefix.value). */
enum dg_quarantine_action {
	DG_QUARANTINE_DEFAULT = 0, /**< the policy's (the section's `action`) */
	DG_QUARANTINE_SINKHOLE,    /**< the walled garden */
	DG_QUARANTINE_NXDOMAIN,
	DG_QUARANTINE__MAX,
};

/** Settings of a policy (the `[quarantine]` section). */
struct dg_quarantine_cfg {
	enum dg_action action;    /**< DG_ACTION_SINKHOLE or DG_ACTION_NXDOMAIN */
	unsigned int n_qtypes;    /**< 0: every type */
	uint16_t qtypes[DG_QUARANTINE_QTYPES_MAX];
	bool has_addr4;           /**< walled-garden IPv4; else the answer's sinkhole */
	bool has_addr6;
	uint8_t addr4[4];
	uint8_t addr6[16];
};

/** Opaque immutable policy. */
struct dg_quarantine;

/**
 * Build a policy: settings and allow list. The prefixes are a separate opt-out table
 * (lib/optout), published beside it, so a runtime change rebuilds only the table.
 * Takes ownership of @p allow, also on failure.
 *
 * @param allow  Names never quarantined (allow entries), or NULL: none.
 * @return 0, -EINVAL (@p cfg or @p out NULL, action not sinkhole or nxdomain, more than
 *         DG_QUARANTINE_QTYPES_MAX types), or -ENOMEM.
 */
int dg_quarantine_build(const struct dg_quarantine_cfg *cfg, struct dg_filter *allow,
			struct dg_quarantine **out);

/** Release a policy and its allow list. NULL is ignored. */
void dg_quarantine_free(struct dg_quarantine *q);

/** The policy's settings. */
const struct dg_quarantine_cfg *dg_quarantine_cfg(const struct dg_quarantine *q);

/** Allow-list names (0 for none or NULL). */
size_t dg_quarantine_allow_count(const struct dg_quarantine *q);

/** Does the policy answer this query type? Data path. */
bool dg_quarantine_wants_type(const struct dg_quarantine *q, uint16_t qtype);

/** Is @p name on the allow list (itself or a parent)? Data path. */
bool dg_quarantine_allowed(const struct dg_quarantine *q, const struct dg_name *name);

/** The entry a quarantine answer is forged from and logged with (action, sinkholes), for
 * a prefix's enum dg_quarantine_action @p value (out of range: the default). */
const struct dg_entry_meta *dg_quarantine_meta(const struct dg_quarantine *q, uint8_t value);

/** Is @p m one of the policy's entries (a quarantine answer, not a list's)? */
bool dg_quarantine_is_meta(const struct dg_quarantine *q, const struct dg_entry_meta *m);

/**
 * Parse a prefix option `action=sinkhole` or `action=nxdomain` (`dnsgatectl quarantine
 * add PREFIX key=value`).
 *
 * @param value  Receives the enum dg_quarantine_action.
 * @return 0, or -EINVAL (another key or value).
 */
int dg_quarantine_opt_parse(const char *kv, uint8_t *value);

/** "sinkhole", "nxdomain", or NULL for the default or a value out of range. */
const char *dg_quarantine_action_name(uint8_t value);

/**
 * Parse a query type list: names (A, AAAA, ANY, HTTPS, ...) or numbers, separated by
 * commas or blanks; `*` or `all` for every type.
 *
 * @return 0, or -EINVAL (unknown name, number over 65535, more than
 *         DG_QUARANTINE_QTYPES_MAX, empty).
 */
int dg_quarantine_qtypes_parse(const char *text, struct dg_quarantine_cfg *cfg);

/**
 * Build an allow list from a file: one domain per line (a leading `*.` is accepted and
 * means the same), `#` comments, blank lines. Every name matches itself and below.
 *
 * @param out   The list (NULL for a file without names).
 * @param err   `FILE:LINE: reason` on failure. May be NULL.
 * @return 0, -EINVAL (a line is not a name), -ENOMEM, or the negative errno of the open.
 */
int dg_quarantine_allow_load(const char *path, struct dg_filter **out, char *err,
			     size_t errlen);

/**
 * Parse the owner of an RPZ `rpz-client-ip` trigger, without `.rpz-client-ip` and the
 * origin: `24.0.2.0.198` is 198.0.2.0/24; `64.zz.2.2001` is 2001:2::/64 (words in reverse
 * order, `zz` for a run of zero words, once). Case-insensitive; no trailing dot.
 *
 * @param reason  On failure a static reason (may be NULL).
 * @return 0, or -EINVAL (length not 1..32 / 1..128, wrong label count, bad label, host
 *         bits set below the length).
 */
int dg_quarantine_rpz_prefix_parse(const char *text, size_t len, struct dg_optout_prefix *out,
				   const char **reason);

/**
 * Add the `rpz-client-ip` triggers of an RPZ zone file to @p *v (a malloc'd array of
 * @p *n prefixes; grown as needed). Other records are ignored; the trigger's policy record
 * (CNAME ., an address, ...) selects nothing: the policy's action applies.
 *
 * @param err  `FILE:LINE: reason` on failure. May be NULL.
 * @return 0, -EINVAL (a bad trigger), -E2BIG, -ENOMEM, or the negative errno of the open.
 */
int dg_quarantine_rpz_load(const char *path, struct dg_optout_prefix **v, size_t *n,
			   char *err, size_t errlen);

/**
 * Add the prefixes of a plain prefix file (dg_optout_load()'s format) to @p *v.
 *
 * @return as dg_quarantine_rpz_load().
 */
int dg_quarantine_file_load(const char *path, struct dg_optout_prefix **v, size_t *n,
			    char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* DG_QUARANTINE_H */
