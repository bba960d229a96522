/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CTL_SERVER_H
#define DG_CTL_SERVER_H

/**
 * @file
 * Non-blocking control socket server for the management loop.
 *
 * dg_ctl_server_poll() is called every few milliseconds; it never blocks: it accepts,
 * reads and writes with poll(2) at zero timeout on non-blocking sockets, so a slow or
 * broken client cannot stall the loop. Per client it enforces:
 *  - peer credentials (SO_PEERCRED, SO_PEERGROUPS): root, the allowed uid, or a process
 *    whose primary or supplementary groups hold the allowed gid; anyone else gets
 *    `ERR permission denied` and is closed;
 *  - a request line of at most DG_CTL_REQUEST_MAX bytes (else `ERR request too long`,
 *    then close);
 *  - a time limit: each request must arrive, and its response be read, within
 *    timeout_ms of the connection opening or of the previous response being read
 *    (else `ERR timeout` when nothing of a response is in flight, then close);
 *  - a cap on clients (the extra one gets `ERR too many clients`).
 * Responses are buffered whole; partial writes continue on later calls. A client may
 * send several requests on one connection; they are answered in order. Changes are
 * recorded in the audit log when one is configured.
 *
 * The handler runs inside dg_ctl_server_poll(), so it should be quick; work that takes
 * long (e.g. a reload) belongs elsewhere: the handler starts it and returns
 * DG_CTL_PENDING, and the answer follows with dg_ctl_server_complete() when the work is
 * done (a pending request has no time limit; the client's later requests wait for it).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dg_ctl.h"

#ifdef __cplusplus
extern "C" {
#endif

/** No uid / gid allowed besides root. */
#define DG_CTL_ID_NONE ((unsigned int)-1)

/** Server settings. Fill with dg_ctl_server_conf_init(), then override. */
struct dg_ctl_audit;

struct dg_ctl_server_conf {
	const char *path;           /**< socket path (required) */
	mode_t mode;                /**< socket file mode, default 0660 */
	uid_t uid;                  /**< allowed uid besides root, or DG_CTL_ID_NONE */
	gid_t gid;                  /**< allowed group, or DG_CTL_ID_NONE; also made the
				     *   socket file's group so that mode 0660 admits it */
	unsigned int max_clients;   /**< simultaneous clients, default 16 */
	unsigned int timeout_ms;    /**< per-request time limit, default 5000 */
	size_t max_body;            /**< response body cap, default DG_CTL_BODY_MAX_DEFAULT */
	/**
	 * Audit log (dg_ctl_audit.h), or NULL. Every request for a command flagged
	 * DG_CTL_CMD_F_CHANGE is recorded with its peer and outcome after the handler ran
	 * and before the answer is queued; when that fails, an OK answer's body ends with
	 * `warning: not recorded in the audit log: REASON`. Not owned by the server.
	 */
	struct dg_ctl_audit *audit;
};

/** Who sent a request, and what. */
struct dg_ctl_request {
	int argc;                   /**< >= 1 */
	char **argv;                /**< words, argv[argc] == NULL */
	pid_t pid;                  /**< peer process at connect time */
	uid_t uid;
	gid_t gid;
	uint64_t token;             /**< names this request in dg_ctl_server_complete() */
};

/** A handler's return: the answer comes later, through dg_ctl_server_complete(). */
#define DG_CTL_PENDING 1

/**
 * Serve one request: write the body (if any) into @p body and return 0, or return a
 * negative errno and (optionally) a reason in @p reason. The client then gets
 * `OK <len>` and the body, or `ERR <reason>` (strerror of the code when @p reason is
 * left empty). A body that overflows its cap turns into `ERR response too large`.
 */
typedef int (*dg_ctl_handler_t)(void *ctx, const struct dg_ctl_request *req,
	struct dg_ctl_buf *body, char *reason, size_t rlen);

/** Counters, for status output and tests. */
struct dg_ctl_server_stats {
	uint64_t accepted;          /**< connections admitted */
	uint64_t denied;            /**< refused: credentials */
	uint64_t full;              /**< refused: too many clients */
	uint64_t requests;          /**< requests handled (OK or ERR) */
	uint64_t too_long;          /**< dropped: request over DG_CTL_REQUEST_MAX */
	uint64_t timeouts;          /**< dropped: time limit */
};

struct dg_ctl_server;

/** Defaults: mode 0660, root only, 16 clients, 5000 ms, DG_CTL_BODY_MAX_DEFAULT. */
void dg_ctl_server_conf_init(struct dg_ctl_server_conf *conf);

/**
 * Create, bind and listen on the socket. A stale socket file left by a dead process is
 * removed; a live one (something accepts on it) or a non-socket file is not touched.
 *
 * @param err  Receives a one-line reason on failure (may be NULL).
 * @return 0, -EINVAL (no path, zero limits), -ENAMETOOLONG (path does not fit
 *         sun_path), -EADDRINUSE (another process listens there), -EEXIST (path is not
 *         a socket), -ENOMEM, or the negative errno of socket/bind/chown/chmod/listen.
 */
int dg_ctl_server_open(const struct dg_ctl_server_conf *conf, struct dg_ctl_server **srv,
	char *err, size_t errlen);

/**
 * Do all socket work that is ready now, without blocking; run @p fn for each complete
 * request.
 *
 * @return requests handled (>= 0), -EINVAL (@p srv or @p fn NULL), or the negative
 *         errno of a failed poll(2) (EINTR counts as nothing ready).
 */
int dg_ctl_server_poll(struct dg_ctl_server *srv, dg_ctl_handler_t fn, void *ctx);

/**
 * Sleep until a connection, a request or room for a response is ready, or @p timeout_ms
 * passed: the loop's pause, so a request is served when it arrives, not at the next tick.
 * Serves nothing; call dg_ctl_server_poll() after it.
 *
 * @return sockets ready (0: the time passed or a signal came), -EINVAL (@p srv NULL or
 *         @p timeout_ms negative), or the negative errno of a failed poll(2).
 */
int dg_ctl_server_wait(struct dg_ctl_server *srv, int timeout_ms);

/**
 * Answer a request whose handler returned DG_CTL_PENDING: @p ret 0 with @p body (may be
 * NULL), or a negative errno with @p reason (NULL: strerror). Recorded in the audit log
 * now when it is a change. A client that left meanwhile is not an error.
 *
 * @return 0, or -ENOENT (no pending request has that token), -ENOMEM.
 */
int dg_ctl_server_complete(struct dg_ctl_server *srv, uint64_t token, int ret,
	const struct dg_ctl_buf *body, const char *reason);

/** Requests waiting for dg_ctl_server_complete(). */
unsigned int dg_ctl_server_pending(const struct dg_ctl_server *srv);

/** Clients currently connected. */
unsigned int dg_ctl_server_clients(const struct dg_ctl_server *srv);

/** Copy the counters. */
void dg_ctl_server_get_stats(const struct dg_ctl_server *srv,
	struct dg_ctl_server_stats *st);

/** Close every client and the socket, unlink the socket file if it is still ours. */
void dg_ctl_server_close(struct dg_ctl_server *srv);

#ifdef __cplusplus
}
#endif

#endif /* DG_CTL_SERVER_H */
