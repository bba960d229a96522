/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_OPTOUT_PVT_H
#define DG_OPTOUT_PVT_H

/* Private to lib/optout: not installed, not included from outside. */

#include "dg_optout.h"

/* 0 when family, length and zero host bits are all right, else -EINVAL. */
int dg_optout_prefix_check(const struct dg_optout_prefix *p);

#endif /* DG_OPTOUT_PVT_H */
