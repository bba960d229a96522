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
 *  - [ports]   pair = SUBSCRIBER NETWORK [link_propagate=yes|no] (repeatable; DPDK port
 *              names), rx_desc, tx_desc, mbufs, mtu, mbuf_size
 *  - [workers] lcores (list like 1,3-4), burst
 *  - [mgmt]    stats_interval, run_for, idle_exit (seconds), timezone (IANA zone)
 *  - [filter]  list = FORMAT PATH [key=value...] (repeatable), strict, inspect, image,
 *              delta_fold, response_ip = PATH [key=value...]
 *  - [answer]  sinkhole_v4, sinkhole_v6, ttl, edns_udp_size, ede, ede_code, ede_text,
 *              soa = ZONE MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM,
 *              category_sinkhole = CATEGORY ADDRESS [ADDRESS] (repeatable)
 *  - [intercept] resolvers (addresses; empty = every destination), dns_port,
 *              min_src_port, vlan_max, frag_flows, frag_timeout_ms; encrypted DNS:
 *              canary, dot, doq, doh (off|count|block), doh_names, doh_addresses,
 *              encrypted_log; responses (response policy)
 *  - [guard]   rate, burst, slots
 *  - [optout]  file
 *  - [quarantine] file, rpz, lists, allow, action (sinkhole|nxdomain), qtypes,
 *              address_v4, address_v6
 *  - [ctl]     socket, mode, uid, gid, audit
 *  - [log]     file (hit log, JSON Lines), ring (records per worker ring), rotate_size,
 *              rotate_interval, rotate_keep, rotate_gzip, dnstap (unix:PATH or
 *              file:PATH), dnstap_sample
 *  - [stats]   history (SQLite), interval, appliance, prometheus, prometheus_interval
 *  - [feed]    (one section per feed, repeatable) zone, primary, notify, tsig_key or
 *              tsig_file, refresh, retry, timeout, identifier, category, action, state_dir
 *
 * No DPDK here: the config is checked before the EAL starts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_tz.h"

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
	DG_CONFIG_MTU_MIN = 68,         /**< RFC 791's minimum, DPDK's RTE_ETHER_MIN_MTU */
	DG_CONFIG_MTU_MAX = 9216,
	DG_CONFIG_MBUF_SIZE_MIN = 1024, /**< data room per mbuf, headroom excluded */
	DG_CONFIG_MBUF_SIZE_MAX = 65535 - 128, /**< data room + RTE_PKTMBUF_HEADROOM fit 16 bits */
	DG_CONFIG_MAX_FEEDS = 16,
	DG_CONFIG_TSIG_SECRET_MAX = 256, /**< base64 text of a TSIG secret */
};

/** One blocklist source: `list = FORMAT PATH [key=value ...]`. */
struct dg_config_list {
	char format[16];                 /**< native, rpz, hosts, domains, wildcard, adblock, auto */
	char path[DG_CONFIG_PATH_MAX];
	char opts[DG_CONFIG_TEXT_MAX];   /**< the key=value defaults, checked by the loader */
	unsigned int line;
};

/** [workers] shed: forward a queue uninspected while it is behind. */
enum dg_config_shed {
	DG_CONFIG_SHED_NO,
	DG_CONFIG_SHED_YES,  /**< also where only full bursts tell (replays always look behind) */
	DG_CONFIG_SHED_AUTO, /**< where the PMD reports RX backlog (rte_eth_rx_descriptor_status) */
};

/** [intercept] dot, doq, doh: what encrypted DNS gets (docs/encrypted-dns.md). */
enum dg_config_encdns {
	DG_CONFIG_ENCDNS_OFF,   /**< not looked at */
	DG_CONFIG_ENCDNS_COUNT, /**< counted (and logged), forwarded */
	DG_CONFIG_ENCDNS_BLOCK, /**< refused: TCP reset both ways, UDP dropped */
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

/** Whether a pair takes one port's link down while the other port has lost link. */
enum dg_config_propagate {
	DG_CONFIG_PROPAGATE_AUTO, /**< not said: on for hardware ports, off for vdevs */
	DG_CONFIG_PROPAGATE_ON,
	DG_CONFIG_PROPAGATE_OFF,
};

/** One bump-in-the-wire pair: frames from one side leave by the other. */
struct dg_config_pair {
	char sub[DG_CONFIG_PORT_NAME_MAX]; /**< subscriber side port (queries filtered) */
	char net[DG_CONFIG_PORT_NAME_MAX]; /**< network side port (never filtered) */
	enum dg_config_propagate propagate; /**< `link_propagate=` */
	unsigned int line;                 /**< config line, for later errors */
};

/** An address and a UDP/TCP port. */
struct dg_config_endpoint {
	bool set;
	struct dg_config_addr a;
	uint16_t port;
};

/**
 * One RPZ feed by zone transfer: a `[feed]` section. Names and the secret are checked for
 * syntax here; lib/feed does the rest.
 */
struct dg_config_feed {
	char zone[DG_CONFIG_TEXT_MAX];        /**< zone name as written (required) */
	struct dg_config_endpoint primary;    /**< required */
	struct dg_config_endpoint notify;     /**< NOTIFY listener; unset = none */
	char tsig_name[DG_CONFIG_TEXT_MAX];   /**< "" = no TSIG */
	char tsig_algorithm[16];              /**< hmac-sha256, hmac-sha512, hmac-sha1 */
	char tsig_secret[DG_CONFIG_TSIG_SECRET_MAX]; /**< base64 */
	unsigned int refresh;                 /**< s between SOA checks; 0 = the SOA's refresh */
	unsigned int retry;                   /**< s after a failure; 0 = the SOA's retry */
	unsigned int timeout;                 /**< s without progress before a transfer fails */
	char identifier[DG_CONFIG_TEXT_MAX];  /**< metadata of the feed's entries; "" = none */
	char category[DG_CONFIG_TEXT_MAX];
	char action[16];                      /**< "given" (the records') or an action name */
	char state_dir[DG_CONFIG_PATH_MAX];   /**< where the zone is kept (required) */
	unsigned int line;                    /**< line of the [feed] header */
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
	unsigned int mtu;                           /**< IP MTU of every port, default 1500 */
	unsigned int mbuf_size;                     /**< data room per mbuf (0: from the MTU) */
	unsigned int stats_interval;                /**< s between live lines, 0 = off */
	unsigned int run_for;                       /**< s until stop, 0 = until signal */
	unsigned int idle_exit;                     /**< s without rx until stop, 0 = never */
	char timezone[DG_TZ_NAME_MAX];              /**< IANA zone of entry dates, default UTC */

	/* [filter] */
	unsigned int n_lists;
	struct dg_config_list lists[DG_CONFIG_MAX_LISTS];
	bool strict;                                /**< any rejected list line fails a load */
	bool inspect;                               /**< parse subscriber DNS at all (default yes) */
	char image[DG_CONFIG_PATH_MAX];             /**< saved snapshot image, "" = none */
	char respip_path[DG_CONFIG_PATH_MAX];       /**< response-IP list, "" = none */
	char respip_opts[DG_CONFIG_TEXT_MAX];       /**< its key=value defaults */
	unsigned int delta_fold;                    /**< feed changes since the last full build
						     *   that start one (65536; 0 = never) */
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
	unsigned int shed;                          /**< enum dg_config_shed */
	unsigned int shed_pct;                      /**< RX backlog (% of the ring) that is behind */
	unsigned int tcp_flows;                     /**< TCP/53 flows per worker, 0 = off */
	unsigned int tcp_idle;                      /**< s until an idle TCP/53 flow is dropped */
	unsigned int frag_flows;                    /**< datagrams reassembled at once per
						     *   worker, 0 = no reassembly (4096) */
	unsigned int frag_timeout_ms;               /**< longest wait for a datagram (100) */
	bool canary;                                /**< NXDOMAIN for the DoH canary and the
						     *   relay names */
	unsigned int dot, doq, doh;                 /**< enum dg_config_encdns each */
	char doh_names[DG_CONFIG_PATH_MAX];         /**< DoH endpoint names, "" = none */
	char doh_addresses[DG_CONFIG_PATH_MAX];     /**< DoH endpoint addresses, "" = none */
	bool encrypted_log;                         /**< hit-log lines for encrypted DNS */
	bool responses;                             /**< response policy on network-side
						     *   responses (default yes) */
	/* [guard] */
	unsigned int guard_rate;                    /**< answers/s per source, 0 = off */
	unsigned int guard_burst;
	unsigned int guard_slots;
	/* [optout] */
	char optout_file[DG_CONFIG_PATH_MAX];       /**< "" = none */
	/* [quarantine] (docs/quarantine.md) */
	char quarantine_file[DG_CONFIG_PATH_MAX];   /**< plain prefixes, "" = none */
	char quarantine_rpz[DG_CONFIG_PATH_MAX];    /**< RPZ zone: rpz-client-ip, "" = none */
	char quarantine_allow[DG_CONFIG_PATH_MAX];  /**< names never quarantined, "" = none */
	bool quarantine_lists;                      /**< also the rpz-client-ip triggers of
						     *   every [filter] list = rpz file */
	bool quarantine_nxdomain;                   /**< action nxdomain; default sinkhole */
	char quarantine_qtypes[DG_CONFIG_TEXT_MAX]; /**< checked by lib/quarantine ("A AAAA") */
	bool quarantine4_set, quarantine6_set;      /**< walled garden, else [answer] sinkhole */
	uint8_t quarantine4[4];
	uint8_t quarantine6[16];
	/* [ctl] */
	char ctl_socket[108];                       /**< "" = no control socket */
	unsigned int ctl_mode;                      /**< default 0660 */
	long ctl_uid, ctl_gid;                      /**< allowed peer besides root, -1 = none */
	char ctl_audit[DG_CONFIG_PATH_MAX];         /**< audit log of control changes, "" = none */
	/* [log] */
	char log_file[DG_CONFIG_PATH_MAX];          /**< "" = no hit log */
	char journal[DG_CONFIG_PATH_MAX];           /**< runtime changes file; "" = memory only */
	unsigned int log_ring;                      /**< records per worker ring, default 16384 */
	uint64_t rotate_size;                       /**< bytes per hit log file, 0 = no limit */
	unsigned int rotate_interval;               /**< s per hit log file, 0 = no limit */
	unsigned int rotate_keep;                   /**< rotated files kept, 0 = all */
	bool rotate_gzip;                           /**< gzip rotated files */
	char dnstap[DG_CONFIG_PATH_MAX];            /**< "unix:PATH" or "file:PATH"; "" = none */
	unsigned int dnstap_sample;                 /**< 1 benign query in N to dnstap, 0 = off */
	/* [stats] */
	char history[DG_CONFIG_PATH_MAX];           /**< "" = no history database */
	unsigned int history_interval;              /**< seconds per interval, default 60 */
	char appliance[64];                         /**< name in the history, default hostname */
	char prometheus[DG_CONFIG_PATH_MAX];        /**< "" = no textfile */
	unsigned int prometheus_interval;           /**< seconds, default 15 */
	/* [feed] */
	unsigned int n_feeds;
	struct dg_config_feed feeds[DG_CONFIG_MAX_FEEDS];
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
 * Open a new `[feed]` section that stands on @p line: later `feed` keys go to it (the
 * loader calls this for each `[feed]` header).
 *
 * @return 0, or -E2BIG (more than DG_CONFIG_MAX_FEEDS) with the reason in @p err.
 */
int dg_config_feed_open(struct dg_config *c, unsigned int line, char *err, size_t errlen);

/**
 * Checks that need the whole file: at least one pair, no port used twice; each feed has
 * a zone, a primary and a state directory, and no two feeds share a zone; doh needs
 * doh_names or doh_addresses, encrypted_log a hit log.
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
