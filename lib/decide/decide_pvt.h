/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DECIDE_PVT_H
#define DECIDE_PVT_H

/* What the query and the response decisions share (dg_decide.c, dg_decide_resp.c). */

#include <string.h>

#include "dg_decide.h"
#include "dg_wire.h"

enum { ETH_TAGS_OFF = 12 }; /* VLAN tags follow the two MAC addresses */

static inline bool
opted_out(const struct dg_optout *t, const struct dg_pkt *p)
{
	if (t == NULL)
		return false;
	return p->ip_ver == 4 ? dg_optout_lookup_v4(t, p->src_addr) :
				dg_optout_lookup_v6(t, p->src_addr);
}

/* An entry's own sinkholes; a category's were filled in at build time. */
static inline void
overrides(const struct dg_decide_cfg *cfg, const struct dg_entry_meta *m,
	  struct dg_answer_ovr *o)
{
	memset(o, 0, sizeof(*o));
	if (m->has_sinkhole4)
		o->sinkhole4 = m->sinkhole4;
	if (m->has_sinkhole6)
		o->sinkhole6 = m->sinkhole6;
	if (cfg->ede_text)
		o->extra_text = m->identifier;
}

static inline enum dg_answer_kind
answer_kind(enum dg_action a)
{
	return a == DG_ACTION_NXDOMAIN ? DG_ANSWER_NXDOMAIN :
	       a == DG_ACTION_NODATA ? DG_ANSWER_NODATA : DG_ANSWER_SINKHOLE;
}

/*
 * What a record takes from the frame (@p f still holds the query): addresses, ports, the
 * VLAN tags, and the DNS message as received (the name as asked, letter case kept).
 */
/* The record's addresses, ports and VLAN tags, from the frame's L2-L4 parse. */
static inline void
hit_ends(struct dg_hit_record *r, const struct dg_frame *f, const struct dg_pkt *p)
{
	const uint8_t *eth = f->l2 != NULL ? f->l2 : f->data;
	unsigned int nv = p->vlan_n < DG_HIT_VLAN_MAX ? p->vlan_n : DG_HIT_VLAN_MAX;

	r->src_port = p->src_port;
	r->dst_port = p->dst_port;
	r->family = p->ip_ver;
	r->vlan_n = (uint8_t)nv;
	memset(r->src_addr, 0, sizeof(r->src_addr));
	memcpy(r->src_addr, p->src_addr, p->addr_len);
	memset(r->dst_addr, 0, sizeof(r->dst_addr));
	memcpy(r->dst_addr, p->dst_addr, p->addr_len);
	memcpy(r->vlan, eth + ETH_TAGS_OFF, 4 * nv);
	r->trigger = DG_HIT_TRIGGER_QNAME;
}

static inline unsigned int
hit_flags(const struct dg_pkt *p)
{
	return (p->transport == DG_PKT_TCP ? DG_HIT_F_TCP : 0) | (p->edns ? DG_HIT_F_EDNS : 0) |
	       (p->edns_flags & DG_PKT_EDNS_DO ? DG_HIT_F_DO : 0);
}

/* The next hit record's slot, or NULL when none is kept. */
static inline struct dg_hit_record *
hit_slot(struct dg_decide *d)
{
	if (!d->cfg->log || d->hits == NULL || d->n_hits >= DG_DECIDE_BURST_MAX)
		return NULL;
	return &d->hits[d->n_hits];
}

/*
 * A datagram its receiver drops (IPv4 header or UDP checksum wrong) is never answered or
 * dropped: it is forwarded, as the receiver would see it. The parse skipped both sums (its
 * fast path needs the hints); they are verified only for listed queries, unless the NIC
 * did: work the miss path does not pay. Such a query counts in `queries`
 * listed or not, as every query whose name was read. A TCP message's segment was
 * verified by the stream tracker. DG_FWD_NONE: both right.
 */
static inline enum dg_fwd_reason
bad_checksum(const struct dg_frame *f, const struct dg_pkt *p)
{
	if (p->transport != DG_PKT_UDP)
		return DG_FWD_NONE;
	if (!(f->hints & DG_PKT_HINT_IP4_CSUM_GOOD) && !dg_wire_ip4_csum_ok(f->data, p))
		return DG_FWD_IP4_BAD_CHECKSUM;
	if (!(f->hints & DG_PKT_HINT_L4_CSUM_GOOD) && !dg_wire_udp_csum_ok(f->data, f->room, p))
		return DG_FWD_UDP_BAD_CHECKSUM;
	return DG_FWD_NONE;
}

#endif /* DECIDE_PVT_H */
