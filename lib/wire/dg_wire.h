/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_WIRE_H
#define DG_WIRE_H

/**
 * @file
 * Bounds-checked wire cursors with a sticky error (in the style of Knot DNS wire_ctx),
 * big-endian loads and stores through memcpy, and the Internet checksum.
 *
 * A read past the end (or a write past the room) sets the cursor's error once and
 * for all: every later call is a no-op returning zero, so a parser can read a whole
 * header and test the error a single time. A packet pointer is never cast to a wider
 * integer type; all multi-byte accesses go through memcpy.
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Load a big-endian 16-bit value from any alignment. */
static inline uint16_t
dg_wire_get_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

/** Load a big-endian 32-bit value from any alignment. */
static inline uint32_t
dg_wire_get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

/** Store a 16-bit value big-endian at any alignment. */
static inline void
dg_wire_put_u16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

/** Store a 32-bit value big-endian at any alignment. */
static inline void
dg_wire_put_u32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

/** Read cursor over a byte range. */
struct dg_wire_ctx {
	const uint8_t *wire; /**< first byte */
	const uint8_t *pos;  /**< next byte to read */
	size_t size;         /**< bytes in the range */
	int error;           /**< 0, or -EBADMSG once a read ran past the end (sticky) */
};

/** Cursor over @p size bytes at @p p. */
static inline struct dg_wire_ctx
dg_wire_init(const uint8_t *p, size_t size)
{
	struct dg_wire_ctx c = { .wire = p, .pos = p, .size = size, .error = 0 };

	return c;
}

/** Bytes left to read (0 after an error). */
static inline size_t
dg_wire_avail(const struct dg_wire_ctx *c)
{
	return c->error ? 0 : c->size - (size_t)(c->pos - c->wire);
}

/** Offset of the next byte from the start of the range. */
static inline size_t
dg_wire_offset(const struct dg_wire_ctx *c)
{
	return (size_t)(c->pos - c->wire);
}

/**
 * Check that @p n bytes can be read; sets the sticky error if not.
 * @return 0, or -EBADMSG.
 */
static inline int
dg_wire_need(struct dg_wire_ctx *c, size_t n)
{
	if (c->error)
		return c->error;
	if (n > c->size - (size_t)(c->pos - c->wire))
		c->error = -EBADMSG;
	return c->error;
}

/** Skip @p n bytes (error if they are not there). */
static inline void
dg_wire_skip(struct dg_wire_ctx *c, size_t n)
{
	if (dg_wire_need(c, n) == 0)
		c->pos += n;
}

/** Move to absolute offset @p off (error if past the end). */
static inline void
dg_wire_seek(struct dg_wire_ctx *c, size_t off)
{
	if (c->error)
		return;
	if (off > c->size)
		c->error = -EBADMSG;
	else
		c->pos = c->wire + off;
}

static inline uint8_t
dg_wire_read_u8(struct dg_wire_ctx *c)
{
	if (dg_wire_need(c, 1))
		return 0;
	return *c->pos++;
}

static inline uint16_t
dg_wire_read_u16(struct dg_wire_ctx *c)
{
	uint16_t v;

	if (dg_wire_need(c, 2))
		return 0;
	v = dg_wire_get_u16(c->pos);
	c->pos += 2;
	return v;
}

static inline uint32_t
dg_wire_read_u32(struct dg_wire_ctx *c)
{
	uint32_t v;

	if (dg_wire_need(c, 4))
		return 0;
	v = dg_wire_get_u32(c->pos);
	c->pos += 4;
	return v;
}

/** Copy @p n bytes out; on error @p dst is zeroed. */
static inline void
dg_wire_read(struct dg_wire_ctx *c, void *dst, size_t n)
{
	if (dg_wire_need(c, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->pos, n);
	c->pos += n;
}

/** Write cursor over a writable byte range. */
struct dg_wire_wctx {
	uint8_t *wire; /**< first byte */
	uint8_t *pos;  /**< next byte to write */
	size_t size;   /**< room in bytes */
	int error;     /**< 0, or -ENOSPC once a write did not fit (sticky) */
};

static inline struct dg_wire_wctx
dg_wire_winit(uint8_t *p, size_t size)
{
	struct dg_wire_wctx c = { .wire = p, .pos = p, .size = size, .error = 0 };

	return c;
}

static inline size_t
dg_wire_woffset(const struct dg_wire_wctx *c)
{
	return (size_t)(c->pos - c->wire);
}

/** Reserve @p n bytes and return where they start, or NULL (sticky -ENOSPC). */
static inline uint8_t *
dg_wire_wreserve(struct dg_wire_wctx *c, size_t n)
{
	uint8_t *p;

	if (c->error)
		return NULL;
	if (n > c->size - (size_t)(c->pos - c->wire)) {
		c->error = -ENOSPC;
		return NULL;
	}
	p = c->pos;
	c->pos += n;
	return p;
}

static inline void
dg_wire_write_u8(struct dg_wire_wctx *c, uint8_t v)
{
	uint8_t *p = dg_wire_wreserve(c, 1);

	if (p != NULL)
		*p = v;
}

static inline void
dg_wire_write_u16(struct dg_wire_wctx *c, uint16_t v)
{
	uint8_t *p = dg_wire_wreserve(c, 2);

	if (p != NULL)
		dg_wire_put_u16(p, v);
}

static inline void
dg_wire_write_u32(struct dg_wire_wctx *c, uint32_t v)
{
	uint8_t *p = dg_wire_wreserve(c, 4);

	if (p != NULL)
		dg_wire_put_u32(p, v);
}

/** Copy @p n bytes in (the source must not overlap the destination). */
static inline void
dg_wire_write(struct dg_wire_wctx *c, const void *src, size_t n)
{
	uint8_t *p = dg_wire_wreserve(c, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

/**
 * Add @p len bytes at @p p to a running one's complement sum (RFC 1071). The words are
 * loaded in host order (the sum is byte-order independent); dg_wire_csum_final() turns
 * the result into the checksum field's value, to be stored with memcpy, not put_u16.
 * An odd byte at the end is padded with zero, so only the last chunk may be odd.
 * Inline: it is on every DNS frame's path (two checksums to verify, two to write).
 */
static inline uint64_t
dg_wire_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	const int whole = len >= 8;
	uint64_t s2 = 0;
	uint32_t a, b;

	/* 32-bit words into two 64-bit accumulators: no carry to handle (a frame is far
	 * below 2^32 words) and two independent add chains. */
	while (len >= 8) {
		memcpy(&a, p, sizeof(a));
		memcpy(&b, p + 4, sizeof(b));
		sum += a;
		s2 += b;
		p += 8;
		len -= 8;
	}
	if (whole) {
		/*
		 * 0..7 bytes left: load the buffer's last 8 and shift out those already summed.
		 * The tail keeps its even offsets, an odd last byte gets a zero pad, and no
		 * branch depends on the length (the 4-2-1 steps below mispredict on DNS
		 * messages, whose lengths vary frame to frame). Two shifts: 64 is out of range.
		 */
		uint64_t w;

		memcpy(&w, p + len - 8, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = (w << 1) << (63 - 8 * len);
#else
		w = (w >> 1) >> (63 - 8 * len);
#endif
		return sum + s2 + (uint32_t)w + (w >> 32);
	}
	if (len >= 4) {
		memcpy(&a, p, sizeof(a));
		sum += a;
		p += 4;
		len -= 4;
	}
	/* 16-bit words may be added unshifted: 2^16 = 1 modulo 2^16-1. Fixed-size copies
	 * only; a variable-length memcpy here became a slow `rep movsb`. */
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, sizeof(w));
		sum += w;
		p += 2;
		len -= 2;
	}
	if (len > 0) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;

		memcpy(&w, last, sizeof(w));
		sum += w;
	}
	return sum + s2;
}

#if defined(__SSE2__)
/*
 * For dg_wire_csum_add_pad(): the eight 16-bit words at @p p + @p off, bytes at or past the
 * length masked off (@p last: length - 1 in every byte, compared signed), summed in pairs
 * into four 32-bit lanes. pmaddwd takes words as signed, so each is flipped to w - 32768
 * first; the caller adds the 8 * 32768 back for every block.
 */
static inline __m128i
dg_wire_csum_block16(const uint8_t *p, unsigned int off, __m128i last)
{
	const __m128i idx = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + off));

	x = _mm_andnot_si128(_mm_cmpgt_epi8(_mm_add_epi8(idx, _mm_set1_epi8((char)off)), last), x);
	return _mm_madd_epi16(_mm_xor_si128(x, _mm_set1_epi16(INT16_MIN)), _mm_set1_epi16(1));
}
#endif

/**
 * dg_wire_csum_add() for bytes inside a larger buffer: @p readable (>= @p len) bytes may
 * be loaded from @p p. When that is at least 128 and @p len at most 128, the bytes are
 * summed in fixed 16-byte blocks (four, or eight past 64 bytes) with those past @p len
 * masked off: no loop exit on the length, which mispredicts on DNS messages (their
 * lengths vary frame to frame). The sum differs from dg_wire_csum_add()'s only by a
 * multiple of 0xffff and is zero only when theirs is, so both fold to the same checksum.
 */
static inline uint64_t
dg_wire_csum_add_pad(uint64_t sum, const uint8_t *p, size_t len, size_t readable)
{
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len <= 128 && readable >= 128) {
		/* length - 1 as a signed byte: -1 for 0 masks everything */
		const __m128i last = _mm_set1_epi8((char)((int)len - 1));
		int64_t bias = 4 * 8 * 32768;
		__m128i acc;

		acc = dg_wire_csum_block16(p, 0, last);
		acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 16, last));
		acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 32, last));
		acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 48, last));
		if (len > 64) {
			acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 64, last));
			acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 80, last));
			acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 96, last));
			acc = _mm_add_epi32(acc, dg_wire_csum_block16(p, 112, last));
			bias *= 2;
		}
		/* at most 64 words of -32768..32767 each: no lane overflows */
		acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
		acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
		return sum + (uint64_t)((int64_t)_mm_cvtsi128_si32(acc) + bias);
	}
#endif
	(void)readable;
	return dg_wire_csum_add(sum, p, len);
}

/** Fold a running sum to 16 bits (not complemented), host-order word. */
static inline uint16_t
dg_wire_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * A 16-bit field, given as its host value, as dg_wire_csum_add() would sum it from its
 * big-endian bytes: lets a checksum cover header fields without storing and reloading
 * them (a load over fresh byte-sized stores waits for them to reach the cache).
 */
static inline uint64_t
dg_wire_csum_u16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint16_t)(v << 8 | v >> 8);
#else
	return v;
#endif
}

/** Checksum field value (host-order word: store it with memcpy). */
static inline uint16_t
dg_wire_csum_final(uint64_t sum)
{
	return (uint16_t)~dg_wire_csum_fold(sum);
}

/**
 * Sum of the UDP/TCP pseudo header (RFC 768 / RFC 8200 8.1) for addresses of
 * @p alen bytes (4 or 16), protocol @p proto and upper-layer length @p l4len.
 * Inline, with a fixed-size sum for each family: it is on every answer's path twice.
 */
static inline uint64_t
dg_wire_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		    uint32_t l4len)
{
	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header.
	 * Both sum the same once folded, so one layout serves: words l4len >> 16,
	 * l4len & 0xffff, 0, proto. */
	uint64_t sum = dg_wire_csum_u16((uint16_t)(l4len >> 16)) +
		       dg_wire_csum_u16((uint16_t)l4len) + dg_wire_csum_u16(proto);

	if (alen == 4)
		return dg_wire_csum_add(dg_wire_csum_add(sum, src, 4), dst, 4);
	return dg_wire_csum_add(dg_wire_csum_add(sum, src, alen), dst, alen);
}

#ifdef __cplusplus
}
#endif

#endif /* DG_WIRE_H */
