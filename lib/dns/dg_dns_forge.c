/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forge the answer in the query's own buffer. All sizes are computed first, so a frame
 * we cannot answer is left untouched (the caller then forwards it). New L3 headers are
 * never longer than the query's (options and extension headers are dropped), so the
 * question only ever moves towards the frame start: one memmove, then fresh headers.
 */
#include <errno.h>
#include <string.h>

#include "dg_dns.h"
#include "dg_wire.h"

enum {
	ETH_ALEN = 6,
	IP4_HLEN = 20,
	IP6_HLEN = 40,
	UDP_HLEN = 8,
	PROTO_UDP = 17,
	TTL_HOPS = 64,
	IP4_DF = 0x4000,
	RR_FIXED = 10,      /* type, class, TTL, RDLENGTH */
	EDE_FIXED = 6,      /* option code, length, info code */
	SOA_FIXED = 20,     /* serial, refresh, retry, expire, minimum */
	QNAME_PTR = 0xC000 | DG_DNS_HDR_LEN, /* compression pointer to the question */
	PPPOE_LEN = 4,      /* PPPoE session header: payload length */
	PPP_PROTO_LEN = 2,
};

void
dg_answer_cfg_init(struct dg_answer_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ttl = 300;
	cfg->edns_udp_size = 1232;
	cfg->ede = true;
	cfg->ede_code = DG_DNS_EDE_BLOCKED;
}

static inline size_t
soa_rr_len(const struct dg_answer_soa *s)
{
	return (size_t)s->owner.len + RR_FIXED + s->mname.len + s->rname.len + SOA_FIXED;
}

static void
write_soa(struct dg_wire_wctx *w, const struct dg_answer_soa *s)
{
	uint32_t ttl = s->ttl < s->minimum ? s->ttl : s->minimum;

	dg_wire_write(w, s->owner.wire, s->owner.len);
	dg_wire_write_u16(w, DG_DNS_TYPE_SOA);
	dg_wire_write_u16(w, DG_DNS_CLASS_IN);
	dg_wire_write_u32(w, ttl);
	dg_wire_write_u16(w, (uint16_t)(s->mname.len + s->rname.len + SOA_FIXED));
	dg_wire_write(w, s->mname.wire, s->mname.len);
	dg_wire_write(w, s->rname.wire, s->rname.len);
	dg_wire_write_u32(w, s->serial);
	dg_wire_write_u32(w, s->refresh);
	dg_wire_write_u32(w, s->retry);
	dg_wire_write_u32(w, s->expire);
	dg_wire_write_u32(w, s->minimum);
}

/*
 * Fresh L3 + UDP headers for an answer of dns_len bytes, addresses and ports swapped.
 * The header checksums are summed from the values (dg_wire_csum_u16()), not read back
 * from the frame just written.
 */
static void
write_l3l4(uint8_t *frame, size_t room, const struct dg_pkt *q, const uint8_t *src,
	   const uint8_t *dst, size_t dns_len)
{
	uint8_t *ip = frame + q->l3_off;
	uint16_t udp_len = (uint16_t)(UDP_HLEN + dns_len);
	uint8_t *udp;
	uint16_t csum;
	uint64_t sum;

	if (q->ip_ver == 4) {
		udp = ip + IP4_HLEN;
		sum = dg_wire_csum_u16(0x4500) + dg_wire_csum_u16((uint16_t)(IP4_HLEN + udp_len)) +
		      dg_wire_csum_u16(IP4_DF) + dg_wire_csum_u16(TTL_HOPS << 8 | PROTO_UDP);
		sum = dg_wire_csum_add(sum, src, 4);
		sum = dg_wire_csum_add(sum, dst, 4);
		ip[0] = 0x45;
		ip[1] = 0; /* DSCP/ECN of a query say nothing about the answer */
		dg_wire_put_u16(ip + 2, (uint16_t)(IP4_HLEN + udp_len));
		dg_wire_put_u16(ip + 4, 0); /* ID 0 is fine with DF (RFC 6864) */
		dg_wire_put_u16(ip + 6, IP4_DF);
		ip[8] = TTL_HOPS;
		ip[9] = PROTO_UDP;
		csum = dg_wire_csum_final(sum);
		memcpy(ip + 10, &csum, sizeof(csum));
		memcpy(ip + 12, dst, 4);
		memcpy(ip + 16, src, 4);
	} else {
		udp = ip + IP6_HLEN;
		dg_wire_put_u32(ip, 0x60000000u);
		dg_wire_put_u16(ip + 4, udp_len);
		ip[6] = PROTO_UDP;
		ip[7] = TTL_HOPS;
		memcpy(ip + 8, dst, 16);
		memcpy(ip + 24, src, 16);
	}
	/* The DNS message was written first; the UDP header's words are added as values. */
	sum = dg_wire_csum_pseudo(dst, src, q->addr_len, PROTO_UDP, udp_len);
	sum += dg_wire_csum_u16(q->dst_port) + dg_wire_csum_u16(q->src_port) +
	       dg_wire_csum_u16(udp_len);
	csum = dg_wire_csum_final(dg_wire_csum_add_pad(sum, udp + UDP_HLEN, dns_len,
						       room - (size_t)(udp + UDP_HLEN - frame)));
	if (csum == 0)
		csum = 0xffff; /* 0 would mean "no checksum" (RFC 768) */
	dg_wire_put_u16(udp, q->dst_port);
	dg_wire_put_u16(udp + 2, q->src_port);
	dg_wire_put_u16(udp + 4, udp_len);
	memcpy(udp + 6, &csum, sizeof(csum));
}

/* What goes into an answer: sized first, written once it fits. */
struct plan {
	const uint8_t *addr;              /* answer RDATA, or NULL: no answer record */
	const struct dg_answer_soa *soa;  /* authority record, or NULL */
	const char *text;                 /* EDE extra-text (text_len bytes) */
	size_t alen, text_len, dns_len;
	uint16_t an_type, rcode, ede_code;
	bool ede, edns, tc;
};

static size_t
plan_len(const struct dg_pkt *q, const struct plan *pl)
{
	size_t n = DG_DNS_HDR_LEN + q->question_len;

	if (pl->addr != NULL)
		n += 2 + RR_FIXED + pl->alen;
	if (pl->soa != NULL)
		n += soa_rr_len(pl->soa);
	if (pl->edns)
		n += DG_DNS_OPT_RDATA + (pl->ede ? EDE_FIXED + pl->text_len : 0);
	return n;
}

/*
 * Decide the answer's content for a message of at most @p limit bytes: drop the EDE
 * extra-text, then the records with TC=1 (the client retries over TCP, where the whole
 * answer fits). @return 0, -EINVAL (bad kind, EDE code or text), -ENOSPC (not even the
 * TC=1 form fits).
 */
static int
plan_answer(const struct dg_pkt *q, enum dg_answer_kind kind, const struct dg_answer_cfg *cfg,
	    const struct dg_answer_ovr *ovr, size_t limit, struct plan *pl)
{
	const uint8_t *a4, *a6;

	memset(pl, 0, sizeof(*pl));
	pl->ede_code = (ovr != NULL && ovr->ede_code != 0) ? ovr->ede_code : cfg->ede_code;
	pl->edns = q->edns;
	pl->ede = q->edns && cfg->ede;
	if (pl->ede && pl->ede_code != DG_DNS_EDE_BLOCKED && pl->ede_code != DG_DNS_EDE_FILTERED)
		return -EINVAL;
	switch (kind) {
	case DG_ANSWER_SINKHOLE:
		a4 = (ovr != NULL && ovr->sinkhole4 != NULL) ? ovr->sinkhole4 :
			cfg->sinkhole4_set ? cfg->sinkhole4 : NULL;
		a6 = (ovr != NULL && ovr->sinkhole6 != NULL) ? ovr->sinkhole6 :
			cfg->sinkhole6_set ? cfg->sinkhole6 : NULL;
		/* ANY gets one address RRset (RFC 8482 spirit); other types NODATA. */
		if ((q->qtype == DG_DNS_TYPE_A || q->qtype == DG_DNS_TYPE_ANY) && a4 != NULL) {
			pl->an_type = DG_DNS_TYPE_A;
			pl->addr = a4;
			pl->alen = 4;
		} else if ((q->qtype == DG_DNS_TYPE_AAAA || q->qtype == DG_DNS_TYPE_ANY) &&
			   a6 != NULL) {
			pl->an_type = DG_DNS_TYPE_AAAA;
			pl->addr = a6;
			pl->alen = 16;
		}
		break;
	case DG_ANSWER_NXDOMAIN:
		pl->rcode = DG_DNS_RCODE_NXDOMAIN;
		break;
	case DG_ANSWER_NODATA:
		break;
	default:
		return -EINVAL;
	}
	if (pl->addr == NULL)
		pl->soa = cfg->soa;
	if (pl->ede) {
		pl->text = (ovr != NULL && ovr->extra_text != NULL) ? ovr->extra_text :
			cfg->extra_text;
		if (pl->text != NULL)
			pl->text_len = strnlen(pl->text, DG_ANSWER_TEXT_MAX + 1);
		if (pl->text_len > DG_ANSWER_TEXT_MAX)
			return -EINVAL;
	}
	for (;;) {
		pl->dns_len = plan_len(q, pl);
		if (pl->dns_len <= limit)
			return 0;
		if (pl->text_len > 0) {
			pl->text_len = 0;
		} else if (pl->soa != NULL || pl->addr != NULL) {
			pl->soa = NULL;
			pl->addr = NULL;
			pl->tc = true;
		} else {
			return -ENOSPC;
		}
	}
}

/*
 * Write the planned message at @p d: header, the question from @p question (which may
 * overlap @p d: moved first), then the records. @return bytes written.
 */
static size_t
write_msg(uint8_t *d, const uint8_t *question, const struct dg_pkt *q,
	  const struct dg_answer_cfg *cfg, const struct plan *pl)
{
	uint16_t flags;
	uint8_t *p;

	if (d + DG_DNS_HDR_LEN != question)
		memmove(d + DG_DNS_HDR_LEN, question, q->question_len);
	flags = DG_DNS_FLAG_QR | DG_DNS_FLAG_RA | pl->rcode | (pl->tc ? DG_DNS_FLAG_TC : 0) |
		(q->flags & (DG_DNS_FLAG_OPCODE | DG_DNS_FLAG_RD | DG_DNS_FLAG_CD));
	dg_wire_put_u16(d + DG_DNS_HDR_ID, q->id);
	dg_wire_put_u16(d + DG_DNS_HDR_FLAGS, flags);
	dg_wire_put_u16(d + DG_DNS_HDR_QDCOUNT, 1);
	dg_wire_put_u16(d + DG_DNS_HDR_ANCOUNT, pl->addr != NULL ? 1 : 0);
	dg_wire_put_u16(d + DG_DNS_HDR_NSCOUNT, pl->soa != NULL ? 1 : 0);
	dg_wire_put_u16(d + DG_DNS_HDR_ARCOUNT, pl->edns ? 1 : 0);
	p = d + DG_DNS_HDR_LEN + q->question_len;
	if (pl->addr != NULL) {
		dg_wire_put_u16(p, QNAME_PTR);
		dg_wire_put_u16(p + 2, pl->an_type);
		dg_wire_put_u16(p + 4, DG_DNS_CLASS_IN);
		dg_wire_put_u32(p + 6, cfg->ttl);
		dg_wire_put_u16(p + 10, (uint16_t)pl->alen);
		memcpy(p + 2 + RR_FIXED, pl->addr, pl->alen);
		p += 2 + RR_FIXED + pl->alen;
	}
	if (pl->soa != NULL) {
		struct dg_wire_wctx w = dg_wire_winit(p, soa_rr_len(pl->soa));

		write_soa(&w, pl->soa);
		p += dg_wire_woffset(&w);
	}
	if (pl->edns) {
		p[DG_DNS_OPT_OWNER] = 0; /* the root */
		dg_wire_put_u16(p + DG_DNS_OPT_TYPE, DG_DNS_TYPE_OPT);
		dg_wire_put_u16(p + DG_DNS_OPT_UDP_SIZE, cfg->edns_udp_size);
		/* Extended RCODE 0, version 0, only DO copied: no unknown flag echoed. */
		dg_wire_put_u32(p + DG_DNS_OPT_TTL, q->edns_flags & DG_PKT_EDNS_DO);
		dg_wire_put_u16(p + DG_DNS_OPT_RDLEN,
				(uint16_t)(pl->ede ? EDE_FIXED + pl->text_len : 0));
		p += DG_DNS_OPT_RDATA;
		if (pl->ede) {
			dg_wire_put_u16(p, DG_DNS_EDNS_EDE);
			dg_wire_put_u16(p + 2, (uint16_t)(2 + pl->text_len));
			dg_wire_put_u16(p + 4, pl->ede_code);
			if (pl->text_len > 0) /* text may be NULL then */
				memcpy(p + EDE_FIXED, pl->text, pl->text_len);
			p += EDE_FIXED + pl->text_len;
		}
	}
	return (size_t)(p - d);
}

/* The query fields an answer can be built from (any transport). */
static bool
answerable(const struct dg_pkt *q)
{
	return (q->ip_ver == 4 || q->ip_ver == 6) &&
	       (q->qclass == DG_DNS_CLASS_IN || q->qclass == DG_DNS_CLASS_ANY) &&
	       q->question_len >= 5;
}

int
dg_dns_forge_ovr(uint8_t *frame, size_t room, const struct dg_pkt *q,
		 enum dg_answer_kind kind, const struct dg_answer_cfg *cfg,
		 const struct dg_answer_ovr *ovr, size_t *out_len)
{
	uint8_t mac[2 * ETH_ALEN], src[16], dst[16], *d;
	size_t dns_off, limit;
	struct plan pl;
	int rc;

	if (frame == NULL || q == NULL || cfg == NULL || out_len == NULL)
		return -EINVAL;
	if (!answerable(q) || q->l4_proto != PROTO_UDP ||
	    (size_t)q->question_off + q->question_len > room)
		return -EINVAL;
	dns_off = (size_t)q->l3_off + (q->ip_ver == 4 ? IP4_HLEN : IP6_HLEN) + UDP_HLEN;
	/* Parsed frames always satisfy this: our headers are never longer than theirs. */
	if (dns_off + DG_DNS_HDR_LEN > q->question_off)
		return -EINVAL;
	limit = dg_pkt_udp_max(q);
	if (room - dns_off < limit)
		limit = room - dns_off;
	rc = plan_answer(q, kind, cfg, ovr, limit, &pl);
	if (rc != 0)
		return rc;

	/*
	 * Keep what we need from the query before overwriting it. 16 bytes whatever the
	 * family: a fixed-size copy has no branch, and a parsed IPv4 frame always holds the
	 * 16 bytes from either address on (the UDP header and the DNS header follow).
	 */
	memcpy(mac, frame, sizeof(mac));
	memcpy(src, q->src_addr, sizeof(src));
	memcpy(dst, q->dst_addr, sizeof(dst));
	d = frame + dns_off;
	/* The sizes above are exact; a mismatch is a bug here, not bad input. */
	if (write_msg(d, frame + q->question_off, q, cfg, &pl) != pl.dns_len)
		return -EFAULT;

	write_l3l4(frame, room, q, src, dst, pl.dns_len);
	if (q->encap == DG_PKT_ENCAP_PPPOE) /* PPPoE length: PPP protocol field + IP packet */
		dg_wire_put_u16(frame + q->encap_off + PPPOE_LEN,
				(uint16_t)(PPP_PROTO_LEN + dns_off + pl.dns_len - q->l3_off));
	memcpy(frame, mac + ETH_ALEN, ETH_ALEN);
	memcpy(frame + ETH_ALEN, mac, ETH_ALEN);
	*out_len = dns_off + pl.dns_len;
	return 0;
}

int
dg_dns_forge_msg(const uint8_t *frame, const struct dg_pkt *q, enum dg_answer_kind kind,
		 const struct dg_answer_cfg *cfg, const struct dg_answer_ovr *ovr, uint8_t *out,
		 size_t room, size_t *out_len)
{
	size_t limit;
	struct plan pl;
	int rc;

	if (frame == NULL || q == NULL || cfg == NULL || out == NULL || out_len == NULL ||
	    !answerable(q))
		return -EINVAL;
	limit = dg_pkt_udp_max(q) < room ? dg_pkt_udp_max(q) : room;
	rc = plan_answer(q, kind, cfg, ovr, limit, &pl);
	if (rc != 0)
		return rc;
	if (write_msg(out, frame + q->question_off, q, cfg, &pl) != pl.dns_len)
		return -EFAULT;
	*out_len = pl.dns_len;
	return 0;
}

int
dg_dns_forge(uint8_t *frame, size_t room, const struct dg_pkt *q, enum dg_answer_kind kind,
	     const struct dg_answer_cfg *cfg, size_t *out_len)
{
	return dg_dns_forge_ovr(frame, room, q, kind, cfg, NULL, out_len);
}
