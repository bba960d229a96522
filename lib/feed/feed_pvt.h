/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FEED_PVT_H
#define FEED_PVT_H

/* Shared by the feed client's parts (private; the unit tests use it too). */

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "dg_feed.h"
#include "dg_rpz.h"

enum {
	FEED_MSG_MAX = 65535,          /* a DNS message over TCP (2-byte length) */
	FEED_MAX_RRS = 64 * 1024 * 1024, /* records in one zone: beyond, the transfer fails */
	FEED_TSIG_FUDGE = 300,         /* seconds, RFC 8945 5.2.3 */
	FEED_MAX_NOTIFY = 16,          /* NOTIFY addresses */
	FEED_NOTIFY_TCP_MS = 2000,     /* a NOTIFY connection's whole life */
};

/* One record, canonical: type, class, TTL and uncompressed, lower-cased rdata. */
struct fz_rr {
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	uint8_t rdata[];
};

/* One owner name and its records, sorted (A and AAAA first: see fz_rr_cmp). */
struct fz_owner {
	ldns_rbnode_t node;            /* key: this struct */
	struct dg_name name;           /* normalised (lower case) */
	uint32_t n, cap;
	struct fz_rr **rrs;
};

/* A zone copy. */
struct fz_zone {
	ldns_rbtree_t *tree;           /* struct fz_owner by name */
	struct dg_name origin;
	struct fz_rr *soa;             /* NULL until the first SOA */
	uint64_t records;              /* SOA included */
	uint64_t policies;
};

/* Zone and rules of one feed, as the client thread sees it. */
struct feed {
	const struct dg_config_feed *cfg;
	unsigned int index;
	struct dg_name origin;
	struct dg_list_opts lopts;     /* identifier, category, action override */
	char path[DG_CONFIG_PATH_MAX + DG_CONFIG_TEXT_MAX + 8];
	char tsig_alg[24];             /* "hmac-sha256." as ldns names it; "" = no TSIG */
	struct fz_zone *zone;          /* NULL: nothing yet */
	const volatile int *stop;      /* the client's stop flag: a transfer gives up */
	double next_check;             /* monotonic seconds */
	double check_start;            /* when the current check began, for the log */
	time_t logged_at;              /* last failure line logged */
	time_t notify_logged_at;       /* last refused NOTIFY logged */
	struct dg_feed_status st;      /* under the client's lock */
};

struct dg_feed_client {
	unsigned int n;
	struct feed *feeds;
	FILE *log;
	int (*connect)(void *arg, const struct dg_config_feed *f);
	void *connect_arg;
	int notify_fd[FEED_MAX_NOTIFY];    /* UDP */
	int notify_tcp[FEED_MAX_NOTIFY];   /* TCP listeners on the same addresses */
	unsigned int n_notify;
	int wake[2];                   /* a byte wakes the thread up (stop, refresh) */
	volatile int stop;
	int refresh_all;
	pthread_t thread;
	int started;
	pthread_mutex_t lock;          /* the queue and every feed's st */
	struct dg_feed_result *head, *tail;
};

/* feed_zone.c */
struct fz_zone *fz_zone_new(const struct dg_name *origin);
void fz_zone_free(struct fz_zone *z);
/* Owner @p o (any case) in @p z, or NULL. */
struct fz_owner *fz_owner_find(struct fz_zone *z, const struct dg_name *o);
/* ldns record to canonical form: owner and fz_rr (malloc'd). 0, -EINVAL, -ENOMEM. */
int fz_rr_from_ldns(const ldns_rr *rr, struct dg_name *owner, struct fz_rr **out);
/* Add a record (a duplicate is dropped: returns 1), or 0; -EFBIG, -ENOMEM. */
int fz_add(struct fz_zone *z, const struct dg_name *owner, struct fz_rr *rr);
/* Delete a record equal to @p rr (TTL aside): 0, or -ENOENT. @p rr stays the caller's. */
int fz_del(struct fz_zone *z, const struct dg_name *owner, const struct fz_rr *rr);
uint32_t fz_serial(const struct fz_zone *z);
/* SOA refresh (i = 3) or retry (i = 4) of the zone, 0 without an SOA. */
uint32_t fz_soa_timer(const struct fz_zone *z, int i);

/* A policy an owner makes: one entry. */
struct fz_policy {
	struct dg_name name;
	struct dg_entry_meta meta;
};
/*
 * The entries the RPZ rules make of owner @p o (NULL: none), at most @p max.
 * Returns how many, or -E2BIG.
 */
int fz_owner_policies(const struct feed *f, const struct fz_owner *o, struct fz_policy *out,
		      int max);
/* Count every policy of the zone into z->policies. */
void fz_count_policies(const struct feed *f, struct fz_zone *z);

/* The zone file: write (tmp, fsync, rename, fsync dir) and read back. 0 or -errno. */
int fz_save(const struct fz_zone *z, const char *path, char *err, size_t len);
int fz_load(const struct feed *f, const char *path, struct fz_zone **out, char *err,
	    size_t len);

/* Entry changes for an IXFR: begin (old policies of touched owners), apply, finish. */
struct fz_delta;
struct fz_delta *fz_delta_new(void);
/* Remember owner @p o's policies before its first change. 0 or -ENOMEM/-E2BIG. */
int fz_delta_touch(struct fz_delta *d, const struct feed *f, struct fz_zone *z,
		   const struct dg_name *o);
/* The ops: old policies no longer made, then new ones. Frees @p d. 0 or -ENOMEM. */
int fz_delta_finish(struct fz_delta *d, const struct feed *f, struct fz_zone *z,
		    struct dg_feed_op **ops, size_t *n_ops);
void fz_delta_free(struct fz_delta *d);

/* feed_xfr.c: one transfer or SOA query over a connected TCP descriptor. */
enum xfr_outcome {
	XFR_UPTODATE,   /* the primary has our serial */
	XFR_FULL,       /* a whole zone: *full */
	XFR_DELTA,      /* changes applied to the zone: ops */
	XFR_FALLBACK,   /* IXFR refused or not possible: ask AXFR */
};
struct xfr_result {
	enum xfr_outcome outcome;
	uint32_t serial;               /* the primary's */
	struct fz_zone *full;          /* XFR_FULL */
	struct dg_feed_op *ops;        /* XFR_DELTA */
	size_t n_ops;
};
/*
 * SOA query: the primary's serial. 0, or a negative errno with a reason in @p err
 * (-EBADMSG malformed, -EPERM TSIG, -ECONNREFUSED..., -ETIMEDOUT, -EPROTO error rcode).
 */
int xfr_soa(struct feed *f, int fd, uint32_t *serial, char *err, size_t len);
/*
 * AXFR (@p ixfr 0) or IXFR from the zone's serial. On XFR_DELTA f->zone has changed; on
 * any error it is as it was before only if the error came before the first change
 * (*dirty 0), else the caller reads the zone file back.
 */
int xfr_transfer(struct feed *f, int fd, int ixfr, struct xfr_result *res, int *dirty,
		 char *err, size_t len);
/* RFC 1982: is @p a newer than @p b? */
int xfr_serial_newer(uint32_t a, uint32_t b);

/* feed_notify.c: one NOTIFY datagram. */
/*
 * Check @p msg from @p from against the feeds and build the answer in @p resp
 * (*resp_len 0: none). Returns the index of the feed to check, or -1.
 */
int notify_handle(struct dg_feed_client *c, const uint8_t *msg, size_t len,
		  const struct sockaddr *from, uint8_t *resp, size_t *resp_len);

/* TSIG with ldns (feed_xfr.c); the feed's key. */
int feed_tsig_sign(const struct feed *f, ldns_pkt *p, const ldns_rdf *prior_mac);
/* Verify @p p (from @p wire); 0, or -EPERM with the reason. @p mac is updated. */
int feed_tsig_verify(const struct feed *f, ldns_pkt *p, const uint8_t *wire, size_t len,
		     ldns_rdf **mac, int timers_only, char *err, size_t errlen);

#endif /* FEED_PVT_H */
