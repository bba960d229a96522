/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_LISTS_H
#define DG_LISTS_H

/**
 * @file
 * Blocklist loaders: read a list file into a filter builder (see dg_filter.h).
 *
 * Formats (docs/lists.md has the details): `native` (one entry per line with all of its
 * metadata), `rpz` (RPZ zone file), `hosts`, `domains`, `wildcard` (`*.name`) and
 * `adblock` (`||name^`, `@@||name^`). Every loader accepts comments, CRLF line ends, a
 * UTF-8 BOM, blank lines, trailing dots and upper case; names must be LDH (letters,
 * digits, '-', '_'), so internationalised names come as punycode.
 *
 * Every line that is not loaded, other than comments, blanks, zone headers, localhost
 * lines of hosts files and valid lines dnsgate does not act on ("not supported": RPZ
 * triggers other than QNAME), is a rejection: it is counted by reason and reported as
 * `FILE:LINE: reason` (dg_list_rejects.h keeps them for an operator). In strict mode the
 * first rejection stops the load; not-supported lines never do.
 *
 * Several sources merge in one builder: load them in order of increasing precedence.
 * For one name the builder keeps every source's policy; the lookup takes the most
 * specific name, then an active allow over a block, then the policy loaded last.
 *
 * No DPDK here: this library builds and tests anywhere.
 */

#include <stdint.h>
#include <stdio.h>

#include "dg_filter.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dg_list_format {
	DG_LIST_AUTO,     /**< detect from the content (dg_list_detect()) */
	DG_LIST_NATIVE,
	DG_LIST_RPZ,
	DG_LIST_HOSTS,
	DG_LIST_DOMAINS,
	DG_LIST_WILDCARD,
	DG_LIST_ADBLOCK,
	DG_LIST_FORMAT_COUNT,
};

/** Why a line was not loaded. */
enum dg_list_skip {
	DG_LIST_SKIP_IP,          /**< an IP address where a name was expected */
	DG_LIST_SKIP_LOCALHOST,   /**< a hosts-file localhost line (not reported) */
	/** valid, but a policy dnsgate does not act on: RPZ rpz-ip, rpz-nsip, rpz-nsdname,
	 *  rpz-client-ip triggers. Counted once per list, not a rejection. */
	DG_LIST_SKIP_NOT_SUPPORTED,
	DG_LIST_SKIP_UNSUPPORTED, /**< valid syntax with no filter equivalent (a rejection) */
	DG_LIST_SKIP_INVALID,     /**< malformed line or name */
	DG_LIST_SKIP_COUNT,
};

struct dg_list_rejects;

/** Called once per rejected line; @p reason has no file or line prefix. */
typedef void (*dg_list_report_cb)(void *arg, const char *file, unsigned long line,
				  enum dg_list_skip why, const char *reason);

struct dg_list_opts {
	/**
	 * Metadata for formats that carry none (all but native): identifier, category,
	 * action, dates, sinkhole override. RPZ and adblock set action and mode per line;
	 * the native format uses these fields where a line has '-'.
	 */
	struct dg_entry_meta defaults;
	/** Mode for hosts and domain lists; -1 = format default (domains subtree, hosts exact). */
	int mode;
	/** RPZ: -1 = the records' own actions; else every block entry gets this action
	 * (passthru records stay allow), as BIND's response-policy `policy` override. */
	int rpz_action;
	int strict;          /**< non-zero: the first rejection fails the load with -EINVAL */
	/**
	 * The load's report, written when it ends (also on failure): the first
	 * @ref report_lines rejected lines as `FILE:LINE: reason`, then counts per reason
	 * (dg_list_rejects_write()). NULL: none.
	 */
	FILE *report;
	size_t report_lines; /**< default DG_LIST_REPORT_LINES */
	/** Filled with this load's rejections when set (reset first); NULL: only counted. */
	struct dg_list_rejects *rejects;
	dg_list_report_cb report_cb; /**< also called per rejection when set */
	void *report_arg;
};

struct dg_list_report {
	uint64_t lines;       /**< lines read */
	uint64_t loaded;      /**< policies added (a hosts line with 3 names adds 3) */
	uint64_t duplicates;  /**< policies already in the builder */
	uint64_t ignored;     /**< comments, blank lines, zone header records */
	uint64_t skipped[DG_LIST_SKIP_COUNT];
	uint64_t rejected;    /**< sum of skipped[] except localhost and not supported */
	uint64_t not_supported; /**< skipped[DG_LIST_SKIP_NOT_SUPPORTED] */
	enum dg_list_format format; /**< the format used (after detection) */
};

/**
 * Load one list file into @p b.
 *
 * @param opts  NULL for the defaults: no identifier, sinkhole, open dates, not strict,
 *              a bounded report to stderr.
 * @param rep   Out, may be NULL: counts. Filled also on error (up to the failing line).
 * @return 0, or
 *   - -EINVAL: strict mode and a line was rejected, or a bad @p fmt,
 *   - -ENOMEM,
 *   - -errno of fopen() (e.g. -ENOENT), -EIO for a read error or an unseekable stream
 *     with DG_LIST_AUTO,
 *   - another negative errno from dg_filter_builder_add() (e.g. -E2BIG).
 */
int dg_lists_load(struct dg_filter_builder *b, const char *path, enum dg_list_format fmt,
		  const struct dg_list_opts *opts, struct dg_list_report *rep);

/** Load from an open stream; @p name is used in reports. Same returns as dg_lists_load(). */
int dg_lists_load_stream(struct dg_filter_builder *b, FILE *in, const char *name,
			 enum dg_list_format fmt, const struct dg_list_opts *opts,
			 struct dg_list_report *rep);

/**
 * Guess the format of a stream from its first meaningful lines (the stream is rewound).
 *
 * @return the format, or -EIO if the stream cannot be read or rewound.
 */
int dg_list_detect(FILE *in);

/** Fill @p o with the defaults used for NULL opts. */
void dg_list_opts_init(struct dg_list_opts *o);

/** "native", "rpz", "hosts", "domains", "wildcard", "adblock", "auto"; parse: -EINVAL. */
const char *dg_list_format_name(enum dg_list_format f);
int dg_list_format_parse(const char *s);
const char *dg_list_skip_name(enum dg_list_skip s);

/**
 * Parse a date `YYYY-MM-DD` to days since 1970-01-01, or `-` to @p open.
 * @return 0, or -EINVAL.
 */
int dg_list_parse_day(const char *s, size_t len, uint32_t open, uint32_t *day);

#ifdef __cplusplus
}
#endif

#endif /* DG_LISTS_H */
