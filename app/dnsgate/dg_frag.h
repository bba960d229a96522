/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FRAG_H
#define DG_FRAG_H

/**
 * @file
 * Subscriber-side IP fragments (DESIGN.md 5): held in the worker's reassembly table
 * (lib/reasm) until their datagram is whole, then decided on a linear copy. Private to
 * the appliance.
 */

#include <rte_mbuf.h>

#include "dg_app.h"
#include "dg_filtering.h"

/** Frames one worker may hold (the mbuf pool is sized for it). */
uint32_t dg_frag_held_max(const struct dg_config *cfg);

/**
 * The reassembly table of worker @p wk, when [intercept] frag_flows is not 0.
 * @return 0, or -ENOMEM.
 */
int dg_frag_create(const struct dg_app *app, struct dg_worker *wk);

/** Free the table (nothing may be held: see dg_frag_flush()). */
void dg_frag_free(struct dg_worker *wk);

/**
 * A fragment that arrived on subscriber-side port @p in (dg_decide_burst() said
 * DG_DISP_FRAGMENT; @p p is its parse, for a frame in one segment): hold it, pass it, or
 * with the datagram now whole decide it. Frames leave through @p out in arrival order.
 */
void dg_frag_input(const struct dg_app *app, struct dg_worker *wk,
		   const struct dg_decide_policy *pol, uint64_t now, uint16_t in,
		   struct rte_mbuf *m, const struct dg_pkt *p, struct dg_burst_out *out);

/** Forward, byte for byte, the fragments of datagrams whose time ran out at @p now. */
void dg_frag_expire(const struct dg_app *app, struct dg_worker *wk, uint64_t now);

/** Forward everything held (the worker is stopping). */
void dg_frag_flush(const struct dg_app *app, struct dg_worker *wk);

#endif /* DG_FRAG_H */
