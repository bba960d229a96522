/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CONFIG_PVT_H
#define CONFIG_PVT_H

/* [feed] keys (dg_config_feed.c), private to the config library. */

#include <stddef.h>

#include "dg_config.h"

/* One key of the last opened [feed]: 0, or -EINVAL with the reason in @p err. */
int config_feed_set(struct dg_config *c, const char *key, const char *v, char *err,
		    size_t len);

/* Every feed complete and no zone fed twice: 0, or -EINVAL with `FILE:LINE: reason`. */
int config_feed_validate(const struct dg_config *c, char *err, size_t len);

#endif /* CONFIG_PVT_H */
