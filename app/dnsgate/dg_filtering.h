/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FILTERING_H
#define DG_FILTERING_H

#include <rte_mbuf.h>

#include "dg_app.h"

/** Where the frames of one subscriber-side burst go. */
struct dg_burst_out {
	uint16_t n_fwd, n_ans;
	/** To the peer port, unchanged, in order: the burst itself when all of it goes
	 * there (the common case, no copy), else @p buf. */
	struct rte_mbuf **fwd;
	struct rte_mbuf *buf[DG_CONFIG_BURST_MAX];
	struct rte_mbuf *ans[DG_CONFIG_BURST_MAX]; /**< forged answers, back out of the ingress */
};

/**
 * Decide every frame of a burst that arrived on subscriber-side port @p in; dropped
 * frames are freed here. Worker lcores only. @p now: the TSC when the burst arrived
 * (reflection guard, hit log); read once a burst, since a TSC read costs tens of cycles.
 */
void dg_filtering_burst(const struct dg_app *app, struct dg_worker *wk, uint64_t now,
			uint16_t in, struct rte_mbuf **pkts, uint16_t n,
			struct dg_burst_out *out);

#endif /* DG_FILTERING_H */
