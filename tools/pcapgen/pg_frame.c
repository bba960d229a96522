/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "pg_frame.h"

void
pg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071 one's-complement sum, folded later. */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t
pg_frame_build(const struct pg_frame *f, uint8_t *out, size_t size)
{
	size_t l2 = 12 + 4 * f->n_vlan + 2, l3 = f->ipv6 ? 40 : 20, l4;
	size_t total, pos;
	uint8_t *ip, *th;
	uint32_t s;

	switch (f->l4) {
	case PG_L4_UDP: l4 = 8; break;
	case PG_L4_TCP: l4 = 20; break;
	default: l4 = 8; break; /* ICMP echo header */
	}
	total = l2 + l3 + l4 + f->payload_len;
	if (total > size || f->n_vlan > PG_VLAN_MAX)
		return 0;
	memset(out, 0, total);
	memcpy(out, f->dst_mac, 6);
	memcpy(out + 6, f->src_mac, 6);
	pos = 12;
	for (unsigned int i = 0; i < f->n_vlan; i++) {
		pg_put16(out + pos, f->vlan[i].tpid);
		pg_put16(out + pos + 2, f->vlan[i].tci);
		pos += 4;
	}
	pg_put16(out + pos, f->ipv6 ? 0x86dd : 0x0800);
	ip = out + l2;
	th = ip + l3;
	if (f->ipv6) {
		ip[0] = 0x60;
		pg_put16(ip + 4, (uint16_t)(l4 + f->payload_len));
		ip[6] = (uint8_t)f->l4;
		ip[7] = 64;
		memcpy(ip + 8, f->src_ip, 16);
		memcpy(ip + 24, f->dst_ip, 16);
	} else {
		ip[0] = 0x45;
		pg_put16(ip + 2, (uint16_t)(l3 + l4 + f->payload_len));
		pg_put16(ip + 4, 0x1234);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = (uint8_t)f->l4;
		memcpy(ip + 12, f->src_ip, 4);
		memcpy(ip + 16, f->dst_ip, 4);
		pg_put16(ip + 10, fold(sum16(ip, 20, 0)));
	}
	memcpy(th + l4, f->payload, f->payload_len);
	switch (f->l4) {
	case PG_L4_UDP:
		pg_put16(th, f->sport);
		pg_put16(th + 2, f->dport);
		pg_put16(th + 4, (uint16_t)(l4 + f->payload_len));
		break;
	case PG_L4_TCP:
		pg_put16(th, f->sport);
		pg_put16(th + 2, f->dport);
		th[12] = 5 << 4;
		th[13] = 0x18; /* PSH ACK */
		pg_put16(th + 14, 65535);
		break;
	default:
		th[0] = f->ipv6 ? 128 : 8; /* echo request */
		pg_put16(th + 4, f->sport);
		pg_put16(th + 6, f->dport);
		break;
	}
	/* Transport checksum, with the pseudo-header except for ICMPv4. */
	s = 0;
	if (f->ipv6) {
		s = sum16(f->src_ip, 16, s);
		s = sum16(f->dst_ip, 16, s);
	} else if (f->l4 != PG_L4_ICMP) {
		s = sum16(f->src_ip, 4, s);
		s = sum16(f->dst_ip, 4, s);
	}
	if (f->ipv6 || f->l4 != PG_L4_ICMP)
		s += (uint32_t)f->l4 + (uint32_t)(l4 + f->payload_len);
	s = sum16(th, l4 + f->payload_len, s);
	{
		uint16_t c = fold(s);
		size_t off = f->l4 == PG_L4_UDP ? 6 : f->l4 == PG_L4_TCP ? 16 : 2;

		if (c == 0 && f->l4 == PG_L4_UDP)
			c = 0xffff;
		pg_put16(th + off, c);
	}
	return total;
}

size_t
pg_frame_arp(const uint8_t mac[6], const uint8_t spa[4], const uint8_t tpa[4], uint8_t *out,
	     size_t size)
{
	static const uint8_t hdr[] = { 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01 };

	if (size < 60)
		return 0;
	memset(out, 0, 60);
	memset(out, 0xff, 6);
	memcpy(out + 6, mac, 6);
	pg_put16(out + 12, 0x0806);
	memcpy(out + 14, hdr, sizeof(hdr));
	memcpy(out + 22, mac, 6);
	memcpy(out + 28, spa, 4);
	memcpy(out + 38, tpa, 4);
	return 60; /* padded to the Ethernet minimum, as on a real wire */
}

size_t
pg_dns_query(const struct pg_dns_query *q, uint8_t *out, size_t size)
{
	size_t need = 12 + q->qname_len + 4 + (q->edns ? 11 + (q->cookie ? 12 : 0) : 0);
	uint8_t *p = out;

	if (need > size)
		return 0;
	memset(out, 0, need);
	pg_put16(p, q->id);
	p[2] = q->rd ? 0x01 : 0x00;
	pg_put16(p + 4, 1);
	pg_put16(p + 10, q->edns ? 1 : 0);
	p += 12;
	memcpy(p, q->qname, q->qname_len);
	p += q->qname_len;
	pg_put16(p, q->qtype);
	pg_put16(p + 2, q->qclass);
	p += 4;
	if (q->edns) {
		p[0] = 0; /* root owner */
		pg_put16(p + 1, 41);
		pg_put16(p + 3, q->udp_size);
		p[7] = q->do_bit ? 0x80 : 0x00;
		pg_put16(p + 9, q->cookie ? 12 : 0);
		p += 11;
		if (q->cookie) {
			pg_put16(p, 10); /* COOKIE */
			pg_put16(p + 2, 8);
			for (int i = 0; i < 8; i++)
				p[4 + i] = (uint8_t)(q->id * 31 + i);
			p += 12;
		}
	}
	return (size_t)(p - out);
}

void
pg_ip4_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	pg_put16(ip + 10, fold(sum16(ip, hlen, 0)));
}

size_t
pg_frame_fragment(const uint8_t *whole, size_t l3_off, int ipv6, uint32_t off, uint32_t end,
		  int more, uint32_t id, uint8_t *out, size_t size)
{
	const size_t hl = ipv6 ? 40 : (size_t)(whole[l3_off] & 0x0f) * 4;
	const uint8_t *payload = whole + l3_off + hl;
	size_t total = l3_off + hl + (ipv6 ? 8 : 0) + (end - off);
	uint8_t *ip = out + l3_off;

	if (total > size || end < off)
		return 0;
	memcpy(out, whole, l3_off + hl);
	if (ipv6) {
		uint8_t *fh = ip + 40;

		fh[0] = ip[6];            /* the Fragment header's Next Header */
		fh[1] = 0;
		pg_put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
		fh[4] = (uint8_t)(id >> 24);
		fh[5] = (uint8_t)(id >> 16);
		fh[6] = (uint8_t)(id >> 8);
		fh[7] = (uint8_t)id;
		ip[6] = 44;
		pg_put16(ip + 4, (uint16_t)(8 + end - off));
		memcpy(fh + 8, payload + off, end - off);
	} else {
		pg_put16(ip + 2, (uint16_t)(hl + end - off));
		pg_put16(ip + 4, (uint16_t)id);
		pg_put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		memcpy(ip + hl, payload + off, end - off);
		pg_ip4_csum(ip);
	}
	return total;
}
