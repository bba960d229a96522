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
pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, size_t ulen)
{
	uint32_t s = sum16(0, src, alen);

	s = sum16(s, dst, alen);
	return s + 17 + (uint32_t)ulen;
}

int
vec_udp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen, const uint8_t *udp,
		size_t ulen)
{
	return fold(sum16(pseudo(src, dst, alen, ulen), udp, ulen)) == 0xffff;
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
