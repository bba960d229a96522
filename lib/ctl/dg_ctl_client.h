/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CTL_CLIENT_H
#define DG_CTL_CLIENT_H

/**
 * @file
 * Blocking control client (for dnsgatectl and tests, never for the data path): one
 * connection, one request, one answer.
 */

#include <stddef.h>

#include "dg_ctl.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default socket path. */
#define DG_CTL_DEFAULT_PATH "/run/dnsgate.sock"

/**
 * Parse a status line (without its '\n').
 *
 * @param line      e.g. "OK 12" or "ERR no such entry".
 * @param body_len  Receives the body length for OK.
 * @param reason    Receives a pointer into @p line for ERR.
 * @return 0 for OK, 1 for ERR, -EPROTO for anything else (unknown status word,
 *         length missing, not decimal, with leading zeros or trailing junk, or over
 *         SIZE_MAX / 2).
 */
int dg_ctl_status_parse(const char *line, size_t *body_len, const char **reason);

/**
 * Send one request and read its answer.
 *
 * @param path        Socket path.
 * @param argc, argv  Request words (encoded with dg_ctl_encode()).
 * @param timeout_ms  Limit for connect, send and each receive (0 = none).
 * @param body        Receives the body on OK (appended; its max bounds what is read).
 * @param reason      Receives the server's reason on ERR, or a one-line local error
 *                    such as `cannot connect to PATH: No such file or directory`.
 * @param rlen        Size of @p reason.
 * @return 0 on OK, 1 on ERR, or a negative errno for a local or transport failure:
 *         -EINVAL / -EMSGSIZE (request cannot be encoded), -ENAMETOOLONG, the connect
 *         or send errno, -ETIMEDOUT, -EPROTO (malformed or cut answer), -ENOBUFS
 *         (body over its max), -ENOMEM.
 */
int dg_ctl_client_call(const char *path, int argc, char *const argv[],
	unsigned int timeout_ms, struct dg_ctl_buf *body, char *reason, size_t rlen);

#ifdef __cplusplus
}
#endif

#endif /* DG_CTL_CLIENT_H */
