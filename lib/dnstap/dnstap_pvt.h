/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DNSTAP_PVT_H
#define DNSTAP_PVT_H

/* The encoder (dg_dnstap_encode.c), private to lib/dnstap. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_hitlog.h"

/*
 * One dnstap payload for record @p r: its CLIENT_QUERY, or with @p ans its
 * CLIENT_RESPONSE. *@p out is malloc'd (the writer thread frees it).
 * @return 0, -EAFNOSUPPORT (bad family) or -ENOMEM.
 */
int dnstap_encode(const struct dg_hit_record *r, const struct dg_hitlog_clock *c,
		  const char *identity, const char *version, const uint8_t *ans,
		  size_t ans_len, uint8_t **out, size_t *len);

#endif /* DNSTAP_PVT_H */
