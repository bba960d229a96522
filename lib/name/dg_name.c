/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dg_name.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

/*
 * Fold A-Z to a-z eight bytes at a time (SWAR). Length bytes are below 64 and so never
 * change; every other byte keeps its value unless it is an ASCII capital.
 */
static inline void
copy_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	size_t i = 0;

	/* Straight from the packet: reading back a fresh copy would stall store forwarding. */
	for (; i + 8 <= len; i += 8) {
		uint64_t x, h, ge_a, gt_z;

		memcpy(&x, src + i, 8);
		h = x & ~high;
		ge_a = h + ones * (0x80 - 'A');
		gt_z = h + ones * (0x7f - 'Z');
		x ^= ((ge_a ^ gt_z) & ~x & high) >> 2;
		memcpy(dst + i, &x, 8);
	}
	for (; i < len; i++)
		dst[i] = lower(src[i]);
}

/*
 * The same fold over a fixed 64 bytes, for names of up to 64 bytes when 64 bytes are
 * readable: a fixed count has no loop exit to mispredict on names of varying length,
 * and the bytes copied past the name are never read as part of it.
 */
static inline void
copy_lower64(uint8_t *dst, const uint8_t *src)
{
#if defined(__SSE2__)
	/* 'A'..'Z' + 0x3f are the 26 smallest signed bytes; nothing else lands there */
	const __m128i bias = _mm_set1_epi8(0x3f), lim = _mm_set1_epi8(-128 + 26);
	const __m128i bit = _mm_set1_epi8(0x20);

	for (unsigned int i = 0; i < 64; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		__m128i up = _mm_cmpgt_epi8(lim, _mm_add_epi8(x, bias));

		_mm_storeu_si128((__m128i *)(void *)(dst + i),
				 _mm_or_si128(x, _mm_and_si128(up, bit)));
	}
#else
	copy_lower(dst, src, 64);
#endif
}

int
dg_name_from_wire_pad(struct dg_name *restrict n, const uint8_t *restrict p, size_t avail,
		      size_t readable, size_t *restrict consumed)
{
	size_t pos = 0;
	unsigned int nl = 0;

	/* Walk the length bytes only; the name is copied and folded in one go after. */
	for (;;) {
		if (pos >= avail)
			return -EBADMSG;
		uint8_t ll = p[pos];

		if (ll & DG_NAME_LABEL_TYPE_MASK)
			return -ENOTSUP;
		if (ll == 0)
			break;
		/* The root byte still has to fit after this label. */
		if (pos + 1 + ll + 1 > DG_NAME_MAXLEN)
			return -EMSGSIZE;
		if (pos + 1 + ll >= avail)
			return -EBADMSG;
		n->label[nl++] = (uint8_t)pos;
		pos += 1 + (size_t)ll;
	}
	if (pos < 64 && readable >= 64)
		copy_lower64(n->wire, p);
	else
		copy_lower(n->wire, p, pos + 1);
	n->len = (uint8_t)(pos + 1);
	n->nlabels = (uint8_t)nl;
	if (consumed != NULL)
		*consumed = pos + 1;
	return 0;
}

int
dg_name_from_wire(struct dg_name *n, const uint8_t *p, size_t avail, size_t *consumed)
{
	return dg_name_from_wire_pad(n, p, avail, avail, consumed);
}

static int
digit(char c)
{
	return (c >= '0' && c <= '9') ? c - '0' : -1;
}

int
dg_name_from_text(struct dg_name *n, const char *s, size_t len)
{
	size_t i = 0, pos = 0, lstart = 0;
	unsigned int nl = 0;

	if (len == 0 || (len == 1 && s[0] == '.')) {
		n->wire[0] = 0;
		n->len = 1;
		n->nlabels = 0;
		return 0;
	}
	n->wire[0] = 0;
	pos = 1; /* wire[lstart] is the length byte of the label being written */
	while (i < len) {
		char c = s[i++];
		uint8_t b;

		if (c == '\0')
			return -EINVAL;
		if (c == '.') {
			size_t ll = pos - lstart - 1;

			if (ll == 0)
				return -EINVAL;
			if (nl >= DG_NAME_MAXLABELS)
				return -EMSGSIZE;
			n->wire[lstart] = (uint8_t)ll;
			n->label[nl++] = (uint8_t)lstart;
			lstart = pos;
			if (i == len)
				goto done;
			if (pos >= DG_NAME_MAXLEN - 1)
				return -EMSGSIZE;
			pos++;
			continue;
		}
		if (c == '\\') {
			if (i >= len)
				return -EINVAL;
			if (digit(s[i]) >= 0) {
				int v;

				if (i + 3 > len || digit(s[i + 1]) < 0 || digit(s[i + 2]) < 0)
					return -EINVAL;
				v = digit(s[i]) * 100 + digit(s[i + 1]) * 10 + digit(s[i + 2]);
				if (v > 255)
					return -EINVAL;
				b = (uint8_t)v;
				i += 3;
			} else {
				if (s[i] == '\0')
					return -EINVAL;
				b = (uint8_t)s[i++];
			}
		} else {
			b = (uint8_t)c;
		}
		if (pos - lstart - 1 >= DG_NAME_MAXLABEL)
			return -EMSGSIZE;
		/* Leave room for this byte and the root label. */
		if (pos + 1 >= DG_NAME_MAXLEN)
			return -EMSGSIZE;
		n->wire[pos++] = lower(b);
	}
	/* No final dot: close the last label. */
	if (pos - lstart - 1 == 0)
		return -EINVAL;
	if (nl >= DG_NAME_MAXLABELS)
		return -EMSGSIZE;
	n->wire[lstart] = (uint8_t)(pos - lstart - 1);
	n->label[nl++] = (uint8_t)lstart;
	lstart = pos;
done:
	n->wire[lstart] = 0;
	n->len = (uint8_t)(lstart + 1);
	n->nlabels = (uint8_t)nl;
	return 0;
}

int
dg_name_to_text(const uint8_t *wire, size_t len, char *buf, size_t size)
{
	size_t pos = 0, o = 0;

#define PUT(ch) do { if (o + 1 >= size) return -ENOSPC; buf[o++] = (char)(ch); } while (0)
	if (len == 0)
		return -EBADMSG;
	if (wire[0] == 0) {
		PUT('.');
		buf[o] = '\0';
		return (int)o;
	}
	while (pos < len && wire[pos] != 0) {
		uint8_t ll = wire[pos];

		if ((ll & DG_NAME_LABEL_TYPE_MASK) || pos + 1 + ll >= len)
			return -EBADMSG;
		for (size_t i = pos + 1; i <= pos + ll; i++) {
			uint8_t c = wire[i];

			if (c == '.' || c == '\\') {
				PUT('\\');
				PUT(c);
			} else if (c < 0x21 || c > 0x7e) {
				PUT('\\');
				PUT('0' + c / 100);
				PUT('0' + c / 10 % 10);
				PUT('0' + c % 10);
			} else {
				PUT(c);
			}
		}
		PUT('.');
		pos += 1 + (size_t)ll;
	}
	if (pos >= len)
		return -EBADMSG;
#undef PUT
	buf[o] = '\0';
	return (int)o;
}
