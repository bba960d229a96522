/* SPDX-License-Identifier: BSD-3-Clause */
/* Cursor and checksum: boundaries (last byte, one past it) and the sticky error. */
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_pkt.h"
#include "dg_wire.h"

/* Reads on an exact-size heap copy, so ASan sees any read one past the end. */
static void
test_wire_read_last_byte_and_one_past(void)
{
	static const uint8_t src[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	uint8_t *buf = malloc(sizeof(src));
	struct dg_wire_ctx c;

	memcpy(buf, src, sizeof(src));
	c = dg_wire_init(buf, sizeof(src));
	CU_ASSERT_EQUAL(dg_wire_read_u8(&c), 0x01);
	CU_ASSERT_EQUAL(dg_wire_read_u16(&c), 0x0203);
	CU_ASSERT_EQUAL(dg_wire_read_u32(&c), 0x04050607u); /* ends on the last byte */
	CU_ASSERT_EQUAL(c.error, 0);
	CU_ASSERT_EQUAL(dg_wire_avail(&c), 0);
	CU_ASSERT_EQUAL(dg_wire_read_u8(&c), 0); /* one past */
	CU_ASSERT_EQUAL(c.error, -EBADMSG);
	free(buf);
}

static void
test_wire_read_wide_across_end(void)
{
	static const uint8_t src[] = { 0xaa, 0xbb, 0xcc };
	struct dg_wire_ctx c = dg_wire_init(src, sizeof(src));

	dg_wire_skip(&c, 1);
	CU_ASSERT_EQUAL(dg_wire_read_u16(&c), 0xbbcc);
	c = dg_wire_init(src, sizeof(src));
	dg_wire_skip(&c, 2);
	CU_ASSERT_EQUAL(dg_wire_read_u16(&c), 0); /* needs byte 3 */
	CU_ASSERT_EQUAL(c.error, -EBADMSG);
	c = dg_wire_init(src, sizeof(src));
	CU_ASSERT_EQUAL(dg_wire_read_u32(&c), 0);
	CU_ASSERT_EQUAL(c.error, -EBADMSG);
	/* Nothing consumed by the failed read. */
	CU_ASSERT_EQUAL(dg_wire_offset(&c), 0);
}

static void
test_wire_error_is_sticky(void)
{
	static const uint8_t src[] = { 1, 2, 3, 4 };
	struct dg_wire_ctx c = dg_wire_init(src, sizeof(src));
	uint8_t out[2] = { 9, 9 };

	dg_wire_skip(&c, 5);
	CU_ASSERT_EQUAL(c.error, -EBADMSG);
	CU_ASSERT_EQUAL(dg_wire_read_u8(&c), 0);
	CU_ASSERT_EQUAL(dg_wire_avail(&c), 0);
	dg_wire_seek(&c, 0);
	CU_ASSERT_EQUAL(dg_wire_read_u8(&c), 0); /* seek does not clear it */
	dg_wire_read(&c, out, 2);
	CU_ASSERT(out[0] == 0 && out[1] == 0);
}

static void
test_wire_seek_bounds(void)
{
	static const uint8_t src[] = { 1, 2, 3, 4 };
	struct dg_wire_ctx c = dg_wire_init(src, sizeof(src));

	dg_wire_seek(&c, 4); /* end is a valid position */
	CU_ASSERT_EQUAL(c.error, 0);
	CU_ASSERT_EQUAL(dg_wire_avail(&c), 0);
	dg_wire_seek(&c, 5);
	CU_ASSERT_EQUAL(c.error, -EBADMSG);
}

static void
test_wire_write_last_byte_and_one_past(void)
{
	uint8_t buf[8];
	struct dg_wire_wctx w = dg_wire_winit(buf, 7);
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };

	memset(buf, 0xee, sizeof(buf));
	dg_wire_write_u8(&w, 0x01);
	dg_wire_write_u16(&w, 0x0203);
	dg_wire_write_u32(&w, 0x04050607u);
	CU_ASSERT_EQUAL(w.error, 0);
	CU_ASSERT_EQUAL(memcmp(buf, want, 7), 0);
	dg_wire_write_u8(&w, 0xff);
	CU_ASSERT_EQUAL(w.error, -ENOSPC);
	CU_ASSERT_EQUAL(buf[7], 0xee); /* guard byte untouched */
	dg_wire_write(&w, want, 1);
	CU_ASSERT_EQUAL(dg_wire_woffset(&w), 7);
}

static void
test_wire_csum_rfc1071_example(void)
{
	/* RFC 1071 section 3: the sum of these words is ddf2, checksum 220d. */
	uint8_t b[16];
	size_t n = dg_test_hex("00 01 f2 03 f4 f5 f6 f7", b, sizeof(b));
	uint16_t c = dg_wire_csum_final(dg_wire_csum_add(0, b, n));
	uint8_t field[2];

	memcpy(field, &c, 2);
	CU_ASSERT_EQUAL(field[0], 0x22);
	CU_ASSERT_EQUAL(field[1], 0x0d);
}

static void
test_wire_csum_odd_length_and_split(void)
{
	/* Odd tail is padded with zero; splitting at an even offset must not matter. */
	uint8_t b[16];
	size_t n = dg_test_hex("45 00 00 1c 12 34 40 00 40 11 c6", b, sizeof(b));
	uint64_t whole = dg_wire_csum_add(0, b, n);
	uint64_t split = dg_wire_csum_add(dg_wire_csum_add(0, b, 4), b + 4, n - 4);
	uint8_t ref[12] = { 0 };
	uint32_t s = 0;
	uint16_t v;
	size_t i;

	memcpy(ref, b, n);
	for (i = 0; i < 12; i += 2)
		s += (uint32_t)ref[i] << 8 | ref[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	CU_ASSERT_EQUAL(dg_wire_csum_fold(whole), dg_wire_csum_fold(split));
	v = dg_wire_csum_fold(whole);
	memcpy(ref, &v, 2);
	CU_ASSERT_EQUAL((uint32_t)(ref[0] << 8 | ref[1]), s);
}

/* Byte-wise RFC 1071 sum of big-endian words, folded: the reference. */
static uint16_t
ref_csum(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += i % 2 ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * Every length 0..300, at even and odd starts: the sum equals the byte-wise reference, and
 * the bytes one past the end (set to 0xff, then flipped) never change it. Lengths from 8
 * up end on a load of the last eight bytes, so the tail of each is the edge under test.
 */
static void
test_wire_csum_every_length_last_byte_and_one_past(void)
{
	uint8_t buf[320];
	unsigned int bad = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	for (size_t start = 0; start < 2; start++) {
		for (size_t n = 0; n <= 300; n++) {
			uint8_t *b = buf + start;
			uint16_t want = ref_csum(b, n), got, v;

			b[n] = 0xff;
			v = dg_wire_csum_fold(dg_wire_csum_add(0, b, n));
			memcpy(buf + 316, &v, 2);
			got = (uint16_t)(buf[316] << 8 | buf[317]);
			b[n] = 0x00;
			v = dg_wire_csum_fold(dg_wire_csum_add(0, b, n));
			memcpy(buf + 316, &v, 2);
			/* 0x0000 and 0xffff are the same one's complement number */
			if ((got != want && !(got == 0xffff && want == 0)) ||
			    (uint16_t)(buf[316] << 8 | buf[317]) != got)
				bad++;
			b[n] = (uint8_t)((start + n) * 37 + 11);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/*
 * dg_wire_csum_add_pad() against dg_wire_csum_add() and the reference, every length 0..300
 * at even and odd starts, with what may be loaded ending at the length itself, one byte
 * short of the 128 that the block sum needs (so not taken), and exactly there: the
 * readable bytes past the end (0xff, then their complement) never count. All-zero and
 * all-0xff bytes keep the 0x0000 / 0xffff distinction of the plain sum.
 */
static void
test_wire_csum_pad_every_length_last_byte_and_one_past(void)
{
	uint8_t buf[512];
	unsigned int bad = 0, blocks = 0;

	for (unsigned int fill = 0; fill < 3; fill++) {
		for (size_t start = 0; start < 2; start++) {
			for (size_t n = 0; n <= 300; n++) {
				const size_t need = 128;
				const size_t rd[3] = { n, need - 1, need };
				uint8_t *b = buf + start;

				for (size_t i = 0; i < sizeof(buf); i++)
					buf[i] = fill == 0 ? (uint8_t)(i * 37 + 11) :
						 fill == 1 ? 0 : 0xff;
				for (unsigned int r = 0; r < 3; r++) {
					const size_t readable = rd[r] < n ? n : rd[r];
					uint16_t want = dg_wire_csum_fold(dg_wire_csum_add(0, b, n));
					uint16_t ref = ref_csum(b, n), got[2], be;

					blocks += n <= 128 && readable >= need;
					for (unsigned int k = 0; k < 2; k++) {
						for (size_t i = n; i < readable; i++)
							b[i] = k ? (uint8_t)~b[i] : 0xff;
						got[k] = dg_wire_csum_fold(
							dg_wire_csum_add_pad(0, b, n, readable));
					}
					memcpy(buf + 508, &want, 2);
					be = (uint16_t)(buf[508] << 8 | buf[509]);
					/* 0x0000 and 0xffff are the same one's complement number */
					if (got[0] != want || got[1] != want ||
					    (be != ref && !(be == 0xffff && ref == 0)))
						bad++;
				}
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(blocks > 300); /* the block sum was exercised, not only the fallback */
}

static void
test_wire_reason_names_unique(void)
{
	unsigned int i, j;

	for (i = 0; i < DG_FWD__MAX; i++) {
		const char *n = dg_fwd_reason_name((enum dg_fwd_reason)i);

		CU_ASSERT_STRING_NOT_EQUAL(n, "unknown");
		CU_ASSERT(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(n));
		for (j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(n, dg_fwd_reason_name((enum dg_fwd_reason)j));
	}
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(DG_FWD__MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(DG_FWD_NONE), "answerable");
}

DG_TEST_MAIN("wire_ctx",
	DG_TEST(test_wire_read_last_byte_and_one_past),
	DG_TEST(test_wire_read_wide_across_end),
	DG_TEST(test_wire_error_is_sticky),
	DG_TEST(test_wire_seek_bounds),
	DG_TEST(test_wire_write_last_byte_and_one_past),
	DG_TEST(test_wire_csum_rfc1071_example),
	DG_TEST(test_wire_csum_odd_length_and_split),
	DG_TEST(test_wire_csum_every_length_last_byte_and_one_past),
	DG_TEST(test_wire_csum_pad_every_length_last_byte_and_one_past),
	DG_TEST(test_wire_reason_names_unique))
