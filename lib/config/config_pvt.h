/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CONFIG_PVT_H
#define CONFIG_PVT_H

#include <stddef.h>

/* Private to lib/config. */

/** Format a reason into @p err and return @p rc (for `return cfg_fail(...)`). */
int cfg_fail(char *err, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* CONFIG_PVT_H */
