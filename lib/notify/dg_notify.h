/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_NOTIFY_H
#define DG_NOTIFY_H

/**
 * @file
 * The systemd service notification protocol (sd_notify(3)), spoken directly: each message
 * is one datagram of `KEY=VALUE` lines sent to the AF_UNIX socket that $NOTIFY_SOCKET
 * names (a file system path, or an abstract name written with a leading '@'). systemd
 * documents this as a stable interface that services may implement themselves; doing so
 * keeps dnsgate free of a libsystemd dependency and lets it run unchanged without systemd
 * (no $NOTIFY_SOCKET: every call is a no-op).
 *
 * The watchdog (WatchdogSec= in the unit) arrives as $WATCHDOG_USEC, and $WATCHDOG_PID
 * when systemd wants a specific process to ping. A service pings (`WATCHDOG=1`) at least
 * once per $WATCHDOG_USEC; systemd kills and restarts it otherwise.
 *
 * No DPDK here. Sends never block (MSG_DONTWAIT) and raise no SIGPIPE.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A notification channel; fd < 0 when the process was not started by systemd. */
struct dg_notify {
	int fd;                  /**< datagram socket, or -1 (notifications off) */
	struct sockaddr_un addr; /**< where messages go */
	socklen_t addrlen;
	uint64_t watchdog_usec;  /**< systemd's watchdog timeout for us; 0 = no watchdog */
};

/**
 * Open the channel from the values of the environment variables (pass getenv()'s results).
 *
 * @param n        Filled in; safe to pass to the other calls whatever the result.
 * @param socket   $NOTIFY_SOCKET: "/path" or "@abstract", NULL or "" = not under systemd.
 * @param wd_usec  $WATCHDOG_USEC: a positive decimal count of microseconds, or NULL.
 * @param wd_pid   $WATCHDOG_PID: the pid that must ping, or NULL (then: this process).
 *                 A pid other than getpid() turns the watchdog off for this process.
 * @param err      Receives a one-line reason on failure.
 * @return 0, or
 *   - -EINVAL: @p socket is neither an absolute path nor '@' followed by a name, or its
 *     name does not fit a sockaddr_un, or @p wd_usec / @p wd_pid is not a positive number;
 *   - a negative errno from socket(2).
 */
int dg_notify_open(struct dg_notify *n, const char *socket, const char *wd_usec,
		   const char *wd_pid, char *err, size_t errlen);

/**
 * Send one message, e.g. "READY=1" or "WATCHDOG=1" (several lines may be joined by '\n').
 *
 * @return 0 (also when notifications are off), or a negative errno from sendto(2), such as
 *   -ECONNREFUSED or -ENOENT (nobody listens), -EAGAIN (the listener's queue is full).
 */
int dg_notify_send(const struct dg_notify *n, const char *msg);

/** Is systemd listening (was $NOTIFY_SOCKET given)? */
static inline bool
dg_notify_enabled(const struct dg_notify *n)
{
	return n->fd >= 0;
}

/** Close the socket; @p n is then off. */
void dg_notify_close(struct dg_notify *n);

/**
 * The watchdog's test of progress: have all @p count loop counters moved since the last
 * call? @p seen holds the values the last call saw and is updated to @p now.
 *
 * @return -1 when every counter advanced, otherwise the index of the first that did not.
 */
int dg_notify_first_stalled(uint64_t *seen, const uint64_t *now, unsigned int count);

#ifdef __cplusplus
}
#endif

#endif /* DG_NOTIFY_H */
