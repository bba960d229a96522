/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CONFIG_H
#define DG_CONFIG_H

/**
 * @file
 * The appliance's INI configuration (read with inih), validated before any port is
 * touched. Every error names the file and line: `FILE:LINE: reason`.
 *
 * Sections and keys (see docs/config.md for the full reference):
 *  - [eal]     args (whitespace-split EAL options), vdev (repeatable)
 *  - [ports]   pair = SUBSCRIBER NETWORK (repeatable; DPDK port names), rx_desc, tx_desc,
 *              mbufs
 *  - [workers] lcores (list like 1,3-4), burst
 *  - [mgmt]    stats_interval, run_for, idle_exit (seconds)
 *  - [filter]  list = FORMAT PATH [key=value...] (repeatable), strict, inspect
 *  - [answer]  sinkhole_v4, sinkhole_v6, ttl, edns_udp_size, ede, ede_code, ede_text,
 *              soa = ZONE MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM,
 *              category_sinkhole = CATEGORY ADDRESS [ADDRESS] (repeatable)
 *  - [intercept] resolvers (addresses; empty = every destination), dns_port,
 *              min_src_port, vlan_max
 *  - [guard]   rate, burst, slots
 *  - [optout]  file
 *  - [ctl]     socket, mode, uid, gid
 *  - [log]     file (hit log, JSON Lines), ring (records per worker ring)
 *  - [stats]   history (SQLite), interval, appliance, prometheus, prometheus_interval
 *
 * No DPDK here: the config is checked before the EAL starts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_CONFIG_MAX_EAL_ARGS = 64,
	DG_CONFIG_MAX_PAIRS = 16,
	DG_CONFIG_MAX_LCORES = 128,
	DG_CONFIG_PORT_NAME_MAX = 64,
	DG_CONFIG_ERR_MAX = 512,
	DG_CONFIG_BURST_MAX = 256,
	DG_CONFIG_MAX_LISTS = 64,
	DG_CONFIG_MAX_RESOLVERS = 64,
	DG_CONFIG_MAX_CATEGORIES = 64,
	DG_CONFIG_PATH_MAX = 512,
	DG_CONFIG_TEXT_MAX = 256,
};

/** One blocklist source: `list = FORMAT PATH [key=value ...]`. */
struct dg_config_list {
	char format[16];                 /**< native, rpz, hosts, domains, wildcard, adblock, auto */
	char path[DG_CONFIG_PATH_MAX];
	char opts[DG_CONFIG_TEXT_MAX];   /**< the key=value defaults, checked by the loader */
	unsigned int line;
};

/** An IPv4 or IPv6 address from the config. */
struct dg_config_addr {
	uint8_t family;                  /**< 4 or 6 */
	uint8_t addr[16];
};

/** A sinkhole override for one behaviour category. */
struct dg_config_category {
	char name[64];
	bool v4_set, v6_set;
	uint8_t v4[4], v6[16];
};

/** NXDOMAIN/NODATA authority: the SOA of the filtering zone. */
struct dg_config_soa {
	bool set;
	char zone[DG_CONFIG_TEXT_MAX], mname[DG_CONFIG_TEXT_MAX], rname[DG_CONFIG_TEXT_MAX];
	uint32_t serial, refresh, retry, expire, minimum;
};

/** One bump-in-the-wire pair: frames from one side leave by the other. */
struct dg_config_pair {
	char sub[DG_CONFIG_PORT_NAME_MAX]; /**< subscriber side port (queries filtered) */
	char net[DG_CONFIG_PORT_NAME_MAX]; /**< network side port (never filtered) */
	unsigned int line;                 /**< config line, for later errors */
};

struct dg_config {
	const char *path;                           /**< file this was read from */
	unsigned int n_eal;                         /**< EAL arguments from [eal] */
	char *eal[DG_CONFIG_MAX_EAL_ARGS];          /**< owned strings */
	unsigned int n_pairs;
	struct dg_config_pair pairs[DG_CONFIG_MAX_PAIRS];
	unsigned int n_workers;                     /**< 0: every non-main lcore */
	uint16_t workers[DG_CONFIG_MAX_LCORES];     /**< worker lcore ids */
	unsigned int burst;                         /**< rx burst size (1..256) */
	unsigned int rx_desc, tx_desc;              /**< ring sizes per queue */
	unsigned int mbufs;                         /**< mbuf pool size (0: computed) */
	unsigned int stats_interval;                /**< s between live lines, 0 = off */
	unsigned int run_for;                       /**< s until stop, 0 = until signal */
	unsigned int idle_exit;                     /**< s without rx until stop, 0 = never */

	/* [filter] */
	unsigned int n_lists;
	struct dg_config_list lists[DG_CONFIG_MAX_LISTS];
	bool strict;                                /**< any rejected list line fails a load */
	bool inspect;                               /**< parse subscriber DNS at all (default yes) */
	/* [answer] */
	bool sinkhole4_set, sinkhole6_set;
	uint8_t sinkhole4[4], sinkhole6[16];
	unsigned int ttl;                           /**< answer TTL, default 300 */
	unsigned int edns_udp_size;                 /**< default 1232 */
	bool ede;                                   /**< Extended DNS Error, default on */
	unsigned int ede_code;                      /**< 15 (blocked, default) or 17 */
	bool ede_text;                              /**< name the identifier in extra-text */
	struct dg_config_soa soa;
	unsigned int n_categories;
	struct dg_config_category categories[DG_CONFIG_MAX_CATEGORIES];
	/* [intercept] */
	unsigned int n_resolvers;                   /**< 0: every destination */
	struct dg_config_addr resolvers[DG_CONFIG_MAX_RESOLVERS];
	unsigned int dns_port;                      /**< default 53 */
	unsigned int min_src_port;                  /**< default 1024 */
	unsigned int vlan_max;                      /**< default 2 */
	/* [guard] */
	unsigned int guard_rate;                    /**< answers/s per source, 0 = off */
	unsigned int guard_burst;
	unsigned int guard_slots;
	/* [optout] */
	char optout_file[DG_CONFIG_PATH_MAX];       /**< "" = none */
	/* [ctl] */
	char ctl_socket[108];                       /**< "" = no control socket */
	unsigned int ctl_mode;                      /**< default 0660 */
	long ctl_uid, ctl_gid;                      /**< allowed peer besides root, -1 = none */
	/* [log] */
	char log_file[DG_CONFIG_PATH_MAX];          /**< "" = no hit log */
	unsigned int log_ring;                      /**< records per worker ring, default 16384 */
	/* [stats] */
	char history[DG_CONFIG_PATH_MAX];           /**< "" = no history database */
	unsigned int history_interval;              /**< seconds per interval, default 60 */
	char appliance[64];                         /**< name in the history, default hostname */
	char prometheus[DG_CONFIG_PATH_MAX];        /**< "" = no textfile */
	unsigned int prometheus_interval;           /**< seconds, default 15 */
};

/** Set every field to its default (no pairs, no EAL args). */
void dg_config_defaults(struct dg_config *c);

/**
 * Read and validate a config file into @p c (which dg_config_defaults() prepared).
 *
 * @param err  Receives `FILE:LINE: reason` (or `FILE: reason`) on failure.
 * @return 0, or
 *   - -ENOENT / -EACCES / -EIO: the file cannot be read (errno from fopen),
 *   - -EINVAL: a syntax error, unknown section or key, or a bad value,
 *   - -E2BIG: too many EAL arguments, pairs or lcores,
 *   - -ENOMEM: out of memory.
 */
int dg_config_load(struct dg_config *c, const char *path, char *err, size_t errlen);

/**
 * Apply one `key = value` of @p section as if it stood on @p line of the file (used by
 * the loader, and by command-line overrides such as --run-for).
 *
 * @return 0, or -EINVAL / -E2BIG / -ENOMEM with a reason (without file:line) in @p err.
 */
int dg_config_set(struct dg_config *c, const char *section, const char *key,
		  const char *value, char *err, size_t errlen);

/**
 * Checks that need the whole file: at least one pair, no port used twice.
 * @return 0 or -EINVAL with `FILE:LINE: reason` in @p err.
 */
int dg_config_validate(const struct dg_config *c, char *err, size_t errlen);

/** Free what dg_config_load() allocated. */
void dg_config_free(struct dg_config *c);

/**
 * Parse a list of lcore ids like "1,3-5" into @p out.
 * @return the count, or -EINVAL (syntax, id >= DG_CONFIG_MAX_LCORES, duplicate, empty),
 *   -E2BIG (more than @p max).
 */
int dg_config_parse_lcores(const char *s, uint16_t *out, unsigned int max);

/**
 * Parse an IPv4 or IPv6 address (inet_pton forms).
 * @return 0 or -EINVAL.
 */
int dg_config_parse_addr(const char *s, struct dg_config_addr *out);

/**
 * Parse a boolean: yes/no, true/false, on/off, 1/0.
 * @return 0 or -EINVAL.
 */
int dg_config_parse_bool(const char *s, bool *out);

/**
 * Parse an unsigned decimal integer in [min, max] (no sign, no trailing junk).
 * @return 0 or -EINVAL (not a number) / -ERANGE (outside [min, max]).
 */
int dg_config_parse_uint(const char *s, unsigned long min, unsigned long max,
			 unsigned long *out);

#ifdef __cplusplus
}
#endif

#endif /* DG_CONFIG_H */
