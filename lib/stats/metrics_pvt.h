/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef METRICS_PVT_H
#define METRICS_PVT_H

/* Shared by dg_metrics.c and dg_metrics_fmt.c; not installed. */

#include <stdbool.h>
#include <stddef.h>

#include "dg_metrics.h"

/* [a-z0-9_]: a character of a name's word or of a label name. */
static inline bool
metrics_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* @p m's Prometheus family name into @p buf; returns the length it needed. */
size_t metrics_family(const struct dg_metrics *r, const struct dg_metric *m, char *buf,
		      size_t len);

#endif /* METRICS_PVT_H */
