/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming 64-bit hash: the XXH64 algorithm (Yann Collet's published specification),
 * four independent multiply-rotate lanes over 32-byte stripes, so it runs at several
 * GB/s in plain C. Not cryptographic: it detects changes and corruption, not tampering.
 */
#include <string.h>

#include "dg_filter_image.h"

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)
#define P5 UINT64_C(0x27D4EB2F165667C5)

static inline uint64_t
rotl(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The specification reads little-endian words. */
static inline uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t
round64(uint64_t acc, uint64_t in)
{
	return rotl(acc + in * P2, 31) * P1;
}

static inline uint64_t
merge(uint64_t h, uint64_t v)
{
	return (h ^ round64(0, v)) * P1 + P4;
}

void
dg_filter_hash_init(struct dg_filter_hash *h, uint64_t seed)
{
	h->v[0] = seed + P1 + P2;
	h->v[1] = seed + P2;
	h->v[2] = seed;
	h->v[3] = seed - P1;
	h->total = 0;
	h->nbuf = 0;
}

/* Whole stripes of @p p into the lanes; returns the bytes used. */
static size_t
stripes(uint64_t v[4], const uint8_t *p, size_t n)
{
	uint64_t a = v[0], b = v[1], c = v[2], d = v[3];
	size_t done = 0;

	for (; done + 32 <= n; done += 32) {
		a = round64(a, rd64(p + done));
		b = round64(b, rd64(p + done + 8));
		c = round64(c, rd64(p + done + 16));
		d = round64(d, rd64(p + done + 24));
	}
	v[0] = a;
	v[1] = b;
	v[2] = c;
	v[3] = d;
	return done;
}

void
dg_filter_hash_update(struct dg_filter_hash *h, const void *data, size_t n)
{
	const uint8_t *p = data;

	h->total += n;
	if (h->nbuf != 0) {
		size_t k = 32 - h->nbuf < n ? 32 - h->nbuf : n;

		memcpy(h->buf + h->nbuf, p, k);
		h->nbuf += (uint32_t)k;
		p += k;
		n -= k;
		if (h->nbuf < 32)
			return;
		stripes(h->v, h->buf, 32);
		h->nbuf = 0;
	}
	size_t done = stripes(h->v, p, n);

	memcpy(h->buf, p + done, n - done);
	h->nbuf = (uint32_t)(n - done);
}

uint64_t
dg_filter_hash_digest(const struct dg_filter_hash *h)
{
	const uint8_t *p = h->buf;
	size_t n = h->nbuf;
	uint64_t d;

	if (h->total >= 32) {
		d = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
		for (int i = 0; i < 4; i++)
			d = merge(d, h->v[i]);
	} else {
		d = h->v[2] + P5; /* v[2] is the seed until a stripe is done */
	}
	d += h->total;
	for (; n >= 8; p += 8, n -= 8)
		d = rotl(d ^ round64(0, rd64(p)), 27) * P1 + P4;
	if (n >= 4) {
		d = rotl(d ^ (uint64_t)rd32(p) * P1, 23) * P2 + P3;
		p += 4;
		n -= 4;
	}
	for (; n > 0; p++, n--)
		d = rotl(d ^ *p * P5, 11) * P1;
	d ^= d >> 33;
	d *= P2;
	d ^= d >> 29;
	d *= P3;
	return d ^ (d >> 32);
}

uint64_t
dg_filter_hash64(const void *p, size_t n, uint64_t seed)
{
	struct dg_filter_hash h;

	dg_filter_hash_init(&h, seed);
	dg_filter_hash_update(&h, p, n);
	return dg_filter_hash_digest(&h);
}
