/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dg_name.h"
#include "dg_test.h"

static void
test_name_wire_lowercases_ascii_only(void)
{
	uint8_t in[64], want[64];
	size_t n = dg_test_hex("03 57 77 57   ; 'WwW'\n"
			       "04 C3 89 2e 00  ; 0xC3 0x89 (UTF-8 E-acute), '.', NUL\n"
			       "00            ; root\n", in, sizeof(in));
	size_t w = dg_test_hex("03 77 77 77 04 C3 89 2e 00 00", want, sizeof(want));
	struct dg_name nm;
	size_t used;

	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, in, n, &used), 0);
	CU_ASSERT_EQUAL(used, n);
	CU_ASSERT_EQUAL(nm.len, w);
	CU_ASSERT_EQUAL(memcmp(nm.wire, want, w), 0);
	CU_ASSERT_EQUAL(nm.nlabels, 2);
	CU_ASSERT_EQUAL(nm.label[0], 0);
	CU_ASSERT_EQUAL(nm.label[1], 4);
}

/* Every byte value in every position of an 8-byte chunk folds as the scalar rule says. */
static void
test_name_wire_fold_every_byte(void)
{
	for (unsigned int pos = 0; pos < 9; pos++) {
		for (unsigned int b = 1; b < 256; b++) {
			uint8_t in[16] = { 10, 'A', 'z', '@', '[', '`', '{', 'Q', 'r', 'S', 'T', 0 };
			struct dg_name nm;
			int bad = 0;

			in[1 + pos] = (uint8_t)b;
			CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&nm, in, sizeof(in), NULL), 0);
			for (unsigned int i = 1; i <= 10; i++) {
				uint8_t c = in[i], want = (c >= 'A' && c <= 'Z') ? c + 32 : c;

				bad |= nm.wire[i] != want;
			}
			CU_ASSERT_FALSE(bad);
		}
	}
}

static void
test_name_wire_last_byte_and_one_past(void)
{
	uint8_t in[] = { 1, 'a', 0 };
	struct dg_name nm;

	/* Root byte is the last readable byte: fine. One short: unterminated. */
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, in, 3, NULL), 0);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, in, 2, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, in, 1, NULL), -EBADMSG);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, in, 0, NULL), -EBADMSG);
}

static void
test_name_wire_rejects_pointer_and_extended(void)
{
	uint8_t ptr[] = { 1, 'a', 0xc0, 0x0c };
	uint8_t ext[] = { 0x41, 0 };
	uint8_t res[] = { 0x80, 0 };
	struct dg_name nm;

	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, ptr, sizeof(ptr), NULL), -ENOTSUP);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, ext, sizeof(ext), NULL), -ENOTSUP);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, res, sizeof(res), NULL), -ENOTSUP);
}

/* Build a wire name of exactly `total` bytes out of 63-byte labels plus one filler. */
static size_t
long_name(uint8_t *buf, size_t total)
{
	size_t pos = 0;

	while (total - pos - 1 > 0) {
		size_t ll = total - pos - 2;

		if (ll > 63)
			ll = 63;
		buf[pos] = (uint8_t)ll;
		memset(buf + pos + 1, 'x', ll);
		pos += 1 + ll;
	}
	buf[pos++] = 0;
	return pos;
}

static void
test_name_wire_255_ok_256_too_long(void)
{
	uint8_t buf[300];
	struct dg_name nm;
	size_t n;

	n = long_name(buf, 255);
	CU_ASSERT_EQUAL(n, 255);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, buf, n, NULL), 0);
	CU_ASSERT_EQUAL(nm.len, 255);
	n = long_name(buf, 256);
	CU_ASSERT_EQUAL(n, 256);
	CU_ASSERT_EQUAL(dg_name_from_wire(&nm, buf, n, NULL), -EMSGSIZE);
}

static void
test_name_text_roundtrip_escapes(void)
{
	static const char *in = "A\\.b\\000c.Example.COM.";
	struct dg_name nm;
	char out[DG_NAME_TEXT_MAX];

	CU_ASSERT_EQUAL(dg_name_from_text(&nm, in, strlen(in)), 0);
	CU_ASSERT_EQUAL(nm.nlabels, 3);
	CU_ASSERT_EQUAL(nm.wire[0], 5);
	CU_ASSERT_EQUAL(memcmp(nm.wire + 1, "a.b\0c", 5), 0);
	CU_ASSERT(dg_name_to_text(nm.wire, nm.len, out, sizeof(out)) > 0);
	CU_ASSERT_STRING_EQUAL(out, "a\\.b\\000c.example.com.");
}

static void
test_name_text_no_final_dot_same_name(void)
{
	struct dg_name a, b;

	CU_ASSERT_EQUAL(dg_name_from_text(&a, "example.com", 11), 0);
	CU_ASSERT_EQUAL(dg_name_from_text(&b, "EXAMPLE.com.", 12), 0);
	CU_ASSERT_EQUAL(a.len, b.len);
	CU_ASSERT_EQUAL(memcmp(a.wire, b.wire, a.len), 0);
	CU_ASSERT_EQUAL(dg_name_from_text(&a, ".", 1), 0);
	CU_ASSERT_EQUAL(a.len, 1);
	CU_ASSERT_EQUAL(a.nlabels, 0);
}

static void
test_name_text_rejects_bad_input(void)
{
	struct dg_name nm;
	char l64[70];

	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a..b", 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, ".a", 2), -EINVAL);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a\\", 2), -EINVAL);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a\\25", 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a\\256", 5), -EINVAL);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a\0b", 3), -EINVAL);
	memset(l64, 'x', 64);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, l64, 63), 0);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, l64, 64), -EMSGSIZE);
}

static void
test_name_text_255_ok_256_too_long(void)
{
	char s[400];
	struct dg_name nm;
	size_t o = 0;

	/* 63+1 bytes x3 = 192, then 61+1 = 254, + root = 255 wire bytes. */
	for (int l = 0; l < 3; l++) {
		memset(s + o, 'y', 63);
		o += 63;
		s[o++] = '.';
	}
	memset(s + o, 'z', 61);
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, s, o + 61), 0);
	CU_ASSERT_EQUAL(nm.len, 255);
	s[o + 61] = 'z';
	CU_ASSERT_EQUAL(dg_name_from_text(&nm, s, o + 62), -EMSGSIZE);
}

/* A name of exactly @p total wire bytes (root included), labels of about @p label bytes. */
static size_t
mkname(uint8_t *b, size_t total, unsigned int label)
{
	size_t pos = 0, r = total - 1; /* bytes left for labels */

	while (r > 0) {
		size_t ll = r - 1 < label ? r - 1 : label;

		if (r - 1 - ll == 1) /* one byte left would be an empty label */
			ll = ll > 1 ? ll - 1 : 2;
		b[pos] = (uint8_t)ll;
		for (size_t i = 1; i <= ll; i++)
			b[pos + i] = (uint8_t)((i & 1 ? 'A' : 'a') + (pos + i) % 26);
		pos += 1 + ll;
		r -= 1 + ll;
	}
	b[pos] = 0;
	return pos + 1;
}

/*
 * The padded variant takes the fixed 64-byte copy for names whose root byte is at most at
 * offset 63 when 64 bytes are readable, and the exact copy otherwise: both must give what
 * dg_name_from_wire() gives, at the last byte of the block and one past it.
 */
static void
test_name_wire_pad_block_edges(void)
{
	static const size_t lens[] = { 1, 3, 62, 63, 64, 65, 66, 128, 255 };

	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		for (unsigned int label = 1; label <= 63; label += 31) {
			uint8_t buf[320];
			struct dg_name a, b;
			size_t n, ua, ub;

			memset(buf, 'Q', sizeof(buf));
			n = mkname(buf, lens[li], label);
			CU_ASSERT_EQUAL_FATAL(n, lens[li]);
			CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&a, buf, n, &ua), 0);
			for (size_t readable = n; readable <= n + 65; readable++) {
				memset(&b, 0xee, sizeof(b));
				CU_ASSERT_EQUAL_FATAL(dg_name_from_wire_pad(&b, buf, n, readable,
									    &ub), 0);
				CU_ASSERT_EQUAL(ub, ua);
				CU_ASSERT_EQUAL(b.len, a.len);
				CU_ASSERT_EQUAL(b.nlabels, a.nlabels);
				CU_ASSERT_EQUAL(memcmp(b.label, a.label, a.nlabels), 0);
				CU_ASSERT_EQUAL(memcmp(b.wire, a.wire, a.len), 0);
			}
		}
	}
}

/* The vector fold: every byte value at every offset of the 64-byte block. */
static void
test_name_wire_pad_fold_every_byte(void)
{
	int bad = 0;

	for (unsigned int pos = 1; pos < 63; pos++) {
		for (unsigned int v = 1; v < 256; v++) {
			uint8_t in[64];
			struct dg_name nm;

			memset(in, 'M', sizeof(in));
			in[0] = 62; /* one label of 62 bytes, root at offset 63 */
			in[63] = 0;
			in[pos] = (uint8_t)v;
			if (dg_name_from_wire_pad(&nm, in, 64, 64, NULL) != 0) {
				bad++;
				continue;
			}
			for (unsigned int i = 1; i < 63; i++) {
				uint8_t c = in[i], want = (c >= 'A' && c <= 'Z') ? c + 32 : c;

				bad |= nm.wire[i] != want;
			}
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Errors come from the bounds in @p avail, whatever is readable past them. */
static void
test_name_wire_pad_errors_ignore_readable(void)
{
	uint8_t in[80] = { 3, 'w', 'w', 'w', 0 };
	struct dg_name nm;

	CU_ASSERT_EQUAL(dg_name_from_wire_pad(&nm, in, 5, 80, NULL), 0);
	CU_ASSERT_EQUAL(dg_name_from_wire_pad(&nm, in, 4, 80, NULL), -EBADMSG);
	in[4] = 0xc0;
	CU_ASSERT_EQUAL(dg_name_from_wire_pad(&nm, in, 80, 80, NULL), -ENOTSUP);
}

static void
test_name_suffix_walk(void)
{
	struct dg_name nm;
	size_t len;
	const uint8_t *p;

	CU_ASSERT_EQUAL(dg_name_from_text(&nm, "a.bb.ccc", 8), 0);
	p = dg_name_suffix(&nm, 1, &len);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_EQUAL(memcmp(p, "\2bb\3ccc\0", 8), 0);
	p = dg_name_suffix(&nm, 3, &len);
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(p[0], 0);
}

static void
test_name_to_text_small_buffer(void)
{
	char out[4];
	uint8_t w[] = { 3, 'a', 'b', 'c', 0 };

	CU_ASSERT_EQUAL(dg_name_to_text(w, sizeof(w), out, sizeof(out)), -ENOSPC);
	CU_ASSERT_EQUAL(dg_name_to_text(w, 4, out, sizeof(out)), -EBADMSG);
}

DG_TEST_MAIN("name",
	DG_TEST(test_name_wire_lowercases_ascii_only),
	DG_TEST(test_name_wire_fold_every_byte),
	DG_TEST(test_name_wire_last_byte_and_one_past),
	DG_TEST(test_name_wire_rejects_pointer_and_extended),
	DG_TEST(test_name_wire_255_ok_256_too_long),
	DG_TEST(test_name_wire_pad_block_edges),
	DG_TEST(test_name_wire_pad_fold_every_byte),
	DG_TEST(test_name_wire_pad_errors_ignore_readable),
	DG_TEST(test_name_text_roundtrip_escapes),
	DG_TEST(test_name_text_no_final_dot_same_name),
	DG_TEST(test_name_text_rejects_bad_input),
	DG_TEST(test_name_text_255_ok_256_too_long),
	DG_TEST(test_name_suffix_walk),
	DG_TEST(test_name_to_text_small_buffer))
