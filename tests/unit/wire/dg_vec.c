/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_vec.h"

/* Plain 16-bit big-endian one's complement sum, independent of lib/wire. */
static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint16_t
vec_ip4_csum(const uint8_t *h, size_t hlen)
{
	uint8_t tmp[60];

	memcpy(tmp, h, hlen);
	tmp[10] = tmp[11] = 0;
	return (uint16_t)~fold(sum16(0, tmp, hlen));
}

static uint32_t
pseudo_proto(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto, size_t len)
{
	uint32_t s = sum16(0, src, alen);

	s = sum16(s, dst, alen);
	return s + proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
}

static uint32_t
pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, size_t ulen)
{
	return pseudo_proto(src, dst, alen, 17, ulen);
}

int
vec_udp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, const uint8_t *udp,
		size_t ulen)
{
	return vec_l4_csum_ok(17, src, dst, alen, udp, ulen);
}

int
vec_l4_csum_ok(uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t alen,
	       const uint8_t *l4, size_t len)
{
	return fold(sum16(pseudo_proto(src, dst, alen, proto, len), l4, len)) == 0xffff;
}

uint16_t
vec_l4_csum(uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t alen,
	    const uint8_t *l4, size_t len, size_t csum_off)
{
	uint32_t s = pseudo_proto(src, dst, alen, proto, len);

	s = sum16(s, l4, csum_off);
	s = sum16(s, l4 + csum_off + 2, len - csum_off - 2);
	return (uint16_t)~fold(s);
}

static size_t
piece(const char *hex, uint8_t *out, size_t max)
{
	return hex != NULL ? dg_test_hex(hex, out, max) : 0;
}

size_t
vec_build(uint8_t *out, size_t max, const char *l2, const char *l3, const char *l4,
	  const char *dns, size_t pad_len, unsigned int fix)
{
	size_t n2, n3, n4, nd;
	uint8_t *ip, *udp;

	n2 = piece(l2, out, max);
	n3 = piece(l3, out + n2, max - n2);
	n4 = piece(l4, out + n2 + n3, max - n2 - n3);
	nd = piece(dns, out + n2 + n3 + n4, max - n2 - n3 - n4);
	if (n2 + n3 + n4 + nd + pad_len > max) {
		fprintf(stderr, "vec_build: frame too big\n");
		abort();
	}
	memset(out + n2 + n3 + n4 + nd, 0, pad_len);
	ip = out + n2;
	udp = ip + n3;
	if (n4 == 8 && (fix & VEC_FIX_UDPLEN)) {
		udp[4] = (uint8_t)((8 + nd) >> 8);
		udp[5] = (uint8_t)(8 + nd);
	}
	if (n3 >= 20 && (ip[0] >> 4) == 4) {
		size_t hlen = (size_t)(ip[0] & 0xf) * 4;

		if (fix & VEC_FIX_IPLEN) {
			ip[2] = (uint8_t)((n3 + n4 + nd) >> 8);
			ip[3] = (uint8_t)(n3 + n4 + nd);
		}
		if (n4 == 8 && (fix & VEC_FIX_UDPCSUM)) {
			uint16_t c;

			udp[6] = udp[7] = 0;
			c = (uint16_t)~fold(sum16(pseudo(ip + 12, ip + 16, 4, 8 + nd), udp, 8 + nd));
			if (c == 0)
				c = 0xffff;
			udp[6] = (uint8_t)(c >> 8);
			udp[7] = (uint8_t)c;
		}
		if ((fix & VEC_FIX_IPCSUM) && hlen >= 20 && hlen <= n3) {
			uint16_t c = vec_ip4_csum(ip, hlen);

			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
		}
	} else if (n3 >= 40 && (ip[0] >> 4) == 6) {
		if (fix & VEC_FIX_IPLEN) {
			ip[4] = (uint8_t)((n3 - 40 + n4 + nd) >> 8);
			ip[5] = (uint8_t)(n3 - 40 + n4 + nd);
		}
		if (n4 == 8 && (fix & VEC_FIX_UDPCSUM)) {
			uint16_t c;

			udp[6] = udp[7] = 0;
			c = (uint16_t)~fold(sum16(pseudo(ip + 8, ip + 24, 16, 8 + nd), udp, 8 + nd));
			if (c == 0)
				c = 0xffff;
			udp[6] = (uint8_t)(c >> 8);
			udp[7] = (uint8_t)c;
		}
	}
	return n2 + n3 + n4 + nd + pad_len;
}

size_t
vec_l4_frame(uint8_t *out, size_t max, int ver, uint8_t proto, uint16_t dport, uint32_t seq,
	     uint32_t ack, uint8_t flags, const uint8_t *pl, size_t plen)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	static const uint8_t c4[4] = { 198, 18, 0, 1 }, s4[4] = { 198, 18, 0, 53 };
	static const uint8_t c6[16] = { 0x20, 1, 0, 2, [15] = 1 };
	static const uint8_t s6[16] = { 0x20, 1, 0, 2, [15] = 0x53 };
	const size_t iphl = ver == 4 ? 20 : 40, l4hl = proto == 6 ? 20 : 8;
	const size_t l4len = l4hl + plen, total = 14 + iphl + l4len;
	uint8_t *ip = out + 14, *l4 = ip + iphl;
	uint16_t cs;

	if (total > max || total > 65535) {
		fprintf(stderr, "vec_l4_frame: frame too large\n");
		abort();
	}
	memset(out, 0, 14 + iphl + l4hl);
	memcpy(out, macs, 12);
	out[12] = ver == 4 ? 0x08 : 0x86;
	out[13] = ver == 4 ? 0x00 : 0xdd;
	if (ver == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((iphl + l4len) >> 8);
		ip[3] = (uint8_t)(iphl + l4len);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, c4, 4);
		memcpy(ip + 16, s4, 4);
		cs = vec_ip4_csum(ip, 20);
		ip[10] = (uint8_t)(cs >> 8);
		ip[11] = (uint8_t)cs;
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, c6, 16);
		memcpy(ip + 24, s6, 16);
	}
	l4[0] = 0x9c; /* source port 40000 */
	l4[1] = 0x40;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == 6) {
		for (int i = 0; i < 4; i++) {
			l4[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
			l4[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
		}
		l4[12] = 0x50;
		l4[13] = flags;
		l4[14] = 0xfa; /* window 64240 */
		l4[15] = 0xf0;
	} else {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	}
	if (plen > 0)
		memcpy(l4 + l4hl, pl, plen);
	cs = vec_l4_csum(proto, ver == 4 ? ip + 12 : ip + 8, ver == 4 ? ip + 16 : ip + 24,
			 ver == 4 ? 4 : 16, l4, l4len, proto == 6 ? 16 : 6);
	if (proto == 17 && cs == 0)
		cs = 0xffff;
	l4[proto == 6 ? 16 : 6] = (uint8_t)(cs >> 8);
	l4[proto == 6 ? 17 : 7] = (uint8_t)cs;
	return total;
}
