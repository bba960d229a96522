/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP header of one segment, and the checksums its receiver checks: a segment the
 * server would drop must not move the tracker (that would let a client slip bytes past
 * it with a bad checksum, then send others in their place).
 */
#include <errno.h>
#include <string.h>

#include "dg_wire.h"
#include "tcp_pvt.h"

/*
 * Options as Linux's tcp_parse_options() and FreeBSD's tcp_dooptions() read them: a
 * known kind with another length is ignored, a malformed length ends the list.
 */
static void
parse_options(const uint8_t *o, unsigned int n, struct dg_tcp_seg *s)
{
	unsigned int i = 0;

	while (i < n) {
		uint8_t kind = o[i];
		unsigned int l;

		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i) {
			s->bad_opts = true;
			break;
		}
		l = o[i + 1];
		switch (kind) {
		case TCP_OPT_MSS:
			if (l == 4) {
				s->has_mss = true;
				s->mss = dg_wire_get_u16(o + i + 2);
			}
			break;
		case TCP_OPT_WS:
			if (l == 3) {
				s->has_wscale = true;
				s->wscale = o[i + 2];
			}
			break;
		case TCP_OPT_SACK_OK:
			if (l == 2)
				s->sack_ok = true;
			break;
		case TCP_OPT_TS:
			if (l == TCP_OPT_TS_LEN) {
				s->has_ts = true;
				s->tsval = dg_wire_get_u32(o + i + 2);
				s->tsecr = dg_wire_get_u32(o + i + 6);
			}
			break;
		default:
			break;
		}
		i += l;
	}
}

int
dg_tcp_seg_parse(const uint8_t *frame, size_t len, const struct dg_pkt *p, unsigned int hints,
		 struct dg_tcp_seg *s)
{
	const uint8_t *th;
	size_t end, tlen, doff;
	uint64_t sum;

	if (frame == NULL || p == NULL || s == NULL || p->l4_proto != PROTO_TCP ||
	    (p->ip_ver != 4 && p->ip_ver != 6) || p->addr_len != (p->ip_ver == 4 ? 4 : 16))
		return -EINVAL;
	end = (size_t)p->l3_off + p->ip_len;
	if (end > len || p->l4_off < p->l3_off || p->l4_off > end)
		return -EINVAL;
	tlen = end - p->l4_off;
	if (tlen < TCP_HLEN)
		return -EBADMSG;
	th = frame + p->l4_off;
	doff = (size_t)(th[TCP_DOFF] >> 4) * 4;
	if (doff < TCP_HLEN || doff > tlen)
		return -EBADMSG;

	memset(s, 0, sizeof(*s));
	s->seq = dg_wire_get_u32(th + TCP_SEQ);
	s->ack = dg_wire_get_u32(th + TCP_ACK);
	s->flags = th[TCP_FLAGS];
	s->win = dg_wire_get_u16(th + TCP_WIN);
	s->urg_ptr = dg_wire_get_u16(th + TCP_URP);
	s->hdr_len = (uint8_t)doff;
	s->payload_off = (uint16_t)(p->l4_off + doff);
	s->payload_len = (uint16_t)(tlen - doff);
	parse_options(th + TCP_HLEN, (unsigned int)(doff - TCP_HLEN), s);

	if (!(hints & DG_PKT_HINT_IP4_CSUM_GOOD) && !dg_wire_ip4_csum_ok(frame, p))
		return -EILSEQ;
	if (!(hints & DG_PKT_HINT_L4_CSUM_GOOD)) {
		sum = dg_wire_csum_pseudo(p->src_addr, p->dst_addr, p->addr_len, PROTO_TCP,
					  (uint32_t)tlen);
		if (dg_wire_csum_fold(dg_wire_csum_add(sum, th, tlen)) != 0xffff)
			return -EILSEQ;
	}
	return 0;
}
