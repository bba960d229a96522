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
	DG_TEST(test_name_text_roundtrip_escapes),
	DG_TEST(test_name_text_no_final_dot_same_name),
	DG_TEST(test_name_text_rejects_bad_input),
	DG_TEST(test_name_text_255_ok_256_too_long),
	DG_TEST(test_name_suffix_walk),
	DG_TEST(test_name_to_text_small_buffer))
