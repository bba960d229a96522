/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>

#include "dg_err.h"

int
dg_errf(char *err, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return rc;
}
