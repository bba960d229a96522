/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_ERR_H
#define DG_ERR_H

/**
 * @file
 * Error reporting shared by every module: functions return 0 or a negative errno and, for
 * an operator, a one-line reason in a caller's buffer. No DPDK here.
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Format a reason into @p err (cut to @p len; nothing when @p err is NULL or @p len 0)
 * and return @p rc, so that `return dg_errf(err, len, -EINVAL, "...", ...);` reports and
 * fails in one statement.
 *
 * @return @p rc, unchanged.
 */
int dg_errf(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif /* DG_ERR_H */
