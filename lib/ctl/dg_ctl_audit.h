/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_CTL_AUDIT_H
#define DG_CTL_AUDIT_H

/**
 * @file
 * The audit trail of control changes (docs/control.md): one line per change, appended to
 * a file before the change's answer is sent.
 *
 *     2025-01-31T09:12:45.123Z uid=0 gid=0 pid=4242 result=OK cmd="add bad.example id=X"
 *     2025-01-31T09:12:47.020Z uid=1000 gid=1000 pid=4250 result=ERR reason="no such entry" cmd="del x.example"
 *
 * Time is RFC 3339 UTC with milliseconds; uid, gid and pid are the peer's as the kernel
 * recorded them at connect() (SO_PEERCRED). `cmd` is the request re-encoded as the
 * control protocol carries it (a word with blanks or quotes in double quotes, `"` and
 * `\` escaped there), then written as a quoted value: `"` and `\` take a backslash and
 * every byte outside 0x20..0x7e is written `\xHH`, so one record is always one line of
 * printable ASCII whatever a client sends. A record that would exceed the line cap is cut
 * (never inside an escape), its value closed, and ends with ` truncated=yes`.
 *
 * Each record is one write(2) to a file opened with O_APPEND: it is in the kernel when
 * the answer leaves (a crash of dnsgate loses nothing), but not fsync'ed. A failed write
 * is counted, never blocks the command. No DPDK here.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "dg_ctl.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	/** Longest record written, with its newline: a whole request fits escaped. */
	DG_CTL_AUDIT_LINE_MAX = 4 * DG_CTL_REQUEST_MAX + 4 * DG_CTL_REASON_MAX + 512,
	/** Shortest buffer dg_ctl_audit_format() accepts. */
	DG_CTL_AUDIT_LINE_MIN = 256,
	/** Most records dg_ctl_audit_tail() returns. */
	DG_CTL_AUDIT_TAIL_MAX = 10000,
	/** Most bytes dg_ctl_audit_tail() reads from the end of the file. */
	DG_CTL_AUDIT_TAIL_BYTES = 4 << 20,
};

/** One audited request. */
struct dg_ctl_audit_record {
	struct timespec time;      /**< CLOCK_REALTIME */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int argc;
	char *const *argv;         /**< the request words */
	int rc;                    /**< 0 (OK) or the negative errno answered */
	const char *reason;        /**< ERR reason; NULL or "" = strerror(-rc) */
};

/** Counters, for status output. */
struct dg_ctl_audit_stats {
	uint64_t written;          /**< records written whole */
	uint64_t failed;           /**< records not written (or cut short) */
	int last_error;            /**< negative errno of the last failure, 0 = none */
};

struct dg_ctl_audit;

/**
 * Format one record, with its newline and a NUL.
 *
 * @return its length (without the NUL), or -EINVAL (@p size below
 *         DG_CTL_AUDIT_LINE_MIN, NULL arguments, time outside gmtime's range). A record
 *         longer than @p size - 1 is cut and marked ` truncated=yes` (still one line).
 */
int dg_ctl_audit_format(const struct dg_ctl_audit_record *r, char *buf, size_t size);

/**
 * Open (create, mode 0640) @p path for appending.
 *
 * @param err  Receives `PATH: reason` on failure.
 * @return 0, -EINVAL, -ENOMEM or the negative errno of open(2).
 */
int dg_ctl_audit_open(const char *path, struct dg_ctl_audit **a, char *err, size_t errlen);

/**
 * Append one record (formatted by dg_ctl_audit_format()).
 * @return 0, or the negative errno of write(2) (-EIO for a short write); counted.
 */
int dg_ctl_audit_write(struct dg_ctl_audit *a, const struct dg_ctl_audit_record *r);

/**
 * Reopen the path (after logrotate moved the file). On failure the old file stays open.
 * @return 0 or the negative errno of open(2).
 */
int dg_ctl_audit_reopen(struct dg_ctl_audit *a);

/**
 * Append the last @p n records of the current file to @p out, oldest first, reading at
 * most DG_CTL_AUDIT_TAIL_BYTES from its end (fewer records then).
 *
 * @return records appended, -EINVAL (@p n 0 or over DG_CTL_AUDIT_TAIL_MAX), the negative
 *         errno of fstat/pread, or the sticky error of @p out.
 */
int dg_ctl_audit_tail(struct dg_ctl_audit *a, unsigned int n, struct dg_ctl_buf *out);

/** The path given to dg_ctl_audit_open(). */
const char *dg_ctl_audit_path(const struct dg_ctl_audit *a);

/** Copy the counters. */
void dg_ctl_audit_get_stats(const struct dg_ctl_audit *a, struct dg_ctl_audit_stats *st);

/** Close the file and free @p a (NULL is fine). */
void dg_ctl_audit_close(struct dg_ctl_audit *a);

#ifdef __cplusplus
}
#endif

#endif /* DG_CTL_AUDIT_H */
