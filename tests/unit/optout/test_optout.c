/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_optout.h"
#include "dg_test.h"

/* Parse or fail the test; prefixes in tests are literals, so failure is a test bug. */
static struct dg_optout_prefix
P(const char *s)
{
	struct dg_optout_prefix p;
	const char *why = NULL;

	if (dg_optout_prefix_parse(s, &p, &why) != 0) {
		fprintf(stderr, "bad test prefix %s: %s\n", s, why);
		abort();
	}
	return p;
}

static struct dg_optout *
build(const char *const *txt, size_t n)
{
	struct dg_optout_prefix v[64];
	struct dg_optout *t = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = P(txt[i]);
	CU_ASSERT_FATAL(dg_optout_build(v, n, &t) == 0);
	return t;
}

/* Text of the longest prefix covering an address given as text, or "-" for none. */
static const char *
match(const struct dg_optout *t, const char *addr)
{
	static char out[DG_OPTOUT_PREFIX_STRLEN];
	struct dg_optout_prefix a = P(addr);
	const struct dg_optout_prefix *m;
	bool hit;

	m = dg_optout_match(t, a.family, a.addr);
	hit = a.family == DG_OPTOUT_V4 ? dg_optout_lookup_v4(t, a.addr) :
		dg_optout_lookup_v6(t, a.addr);
	/* The boolean lookup, the diagnostic one and the index must always agree. */
	CU_ASSERT_EQUAL(hit, m != NULL);
	{
		long i = dg_optout_match_index(t, a.family, a.addr);

		CU_ASSERT_EQUAL(i >= 0, m != NULL);
		if (i >= 0)
			CU_ASSERT_PTR_EQUAL(dg_optout_get(t, (size_t)i), m);
	}
	if (m == NULL)
		return "-";
	CU_ASSERT_FATAL(dg_optout_prefix_format(m, out, sizeof(out)) == 0);
	return out;
}

static void
test_optout_parse_valid(void)
{
	struct dg_optout_prefix p;
	char buf[DG_OPTOUT_PREFIX_STRLEN];

	CU_ASSERT_EQUAL(dg_optout_prefix_parse("198.18.0.0/24", &p, NULL), 0);
	CU_ASSERT_EQUAL(p.family, DG_OPTOUT_V4);
	CU_ASSERT_EQUAL(p.len, 24);
	CU_ASSERT(p.addr[0] == 198 && p.addr[1] == 18 && p.addr[2] == 0 && p.addr[3] == 0);

	/* A bare address is a host route. */
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("198.18.7.9", &p, NULL), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("2001:2::1", &p, NULL), 0);
	CU_ASSERT_EQUAL(p.family, DG_OPTOUT_V6);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT(p.addr[0] == 0x20 && p.addr[1] == 0x01 && p.addr[3] == 0x02 &&
		p.addr[15] == 1);

	CU_ASSERT_EQUAL(dg_optout_prefix_parse("0.0.0.0/0", &p, NULL), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("::/0", &p, NULL), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("2001:2::/48", &p, NULL), 0);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("2001:2:0:ff80::/57", &p, NULL), 0);

	/* Format is canonical text with the length always present. */
	CU_ASSERT_EQUAL(dg_optout_prefix_format(&(struct dg_optout_prefix){ 0 }, buf,
		sizeof(buf)), -EINVAL);
	p = P("2001:0002:0000::/48");
	CU_ASSERT_EQUAL(dg_optout_prefix_format(&p, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2001:2::/48");
	p = P("198.18.7.9");
	CU_ASSERT_EQUAL(dg_optout_prefix_format(&p, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "198.18.7.9/32");
	CU_ASSERT_EQUAL(dg_optout_prefix_format(&p, buf, 13), -ENOSPC);
	CU_ASSERT_EQUAL(dg_optout_prefix_format(&p, buf, 14), 0);
}

static void
test_optout_parse_errors(void)
{
	static const struct {
		const char *text;
		const char *reason;
	} bad[] = {
		{ "", "empty prefix" },
		{ "198.18.0.256/24", "bad IPv4 address" },
		{ "198.18.0/24", "bad IPv4 address" },
		{ " 198.18.0.0/24", "bad IPv4 address" },
		{ "198.18.0.0 /24", "bad IPv4 address" },
		{ "2001:2::g/64", "bad IPv6 address" },
		{ "2001:2:::/64", "bad IPv6 address" },
		{ "fe80::1%eth0", "bad IPv6 address" },
		{ "198.18.0.0/", "missing prefix length after '/'" },
		{ "198.18.0.0/-1", "prefix length is not a decimal number" },
		{ "198.18.0.0/+8", "prefix length is not a decimal number" },
		{ "198.18.0.0/8x", "prefix length is not a decimal number" },
		{ "198.18.0.0/24/1", "prefix length is not a decimal number" },
		{ "198.18.0.0/33", "prefix length over 32" },
		{ "198.18.0.0/99999999999999999999", "prefix length over 32" },
		{ "2001:2::/129", "prefix length over 128" },
		{ "198.18.0.1/24", "host bits set below the prefix length" },
		{ "198.19.0.0/15", "host bits set below the prefix length" },
		{ "2001:2::1/127", "host bits set below the prefix length" },
		{ "::1/0", "host bits set below the prefix length" },
		{ "2001:0002:0000:0000:0000:0000:0000:0000:0000:0000:0000/64", "prefix text too long" },
	};
	struct dg_optout_prefix p;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CU_ASSERT_EQUAL(dg_optout_prefix_parse(bad[i].text, &p, &why), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		if (strcmp(why, bad[i].reason) != 0)
			fprintf(stderr, "\n  '%s': got '%s', want '%s'", bad[i].text, why,
				bad[i].reason);
		CU_ASSERT_STRING_EQUAL(why, bad[i].reason);
	}
	/* Boundaries that are valid. */
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("198.18.0.1/32", &p, NULL), 0);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("2001:2::1/128", &p, NULL), 0);
	CU_ASSERT_EQUAL(dg_optout_prefix_parse("198.18.0.0/15", &p, NULL), 0);
}

static void
test_optout_v4_longest_prefix(void)
{
	static const char *const set[] = {
		"198.18.0.0/15", "198.18.1.0/24", "198.18.1.128/25", "198.18.1.129",
		"198.18.200.0/22",
	};
	struct dg_optout *t = build(set, 5);

	CU_ASSERT_STRING_EQUAL(match(t, "198.17.255.255"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.0"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.255"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.0"), "198.18.1.0/24");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.127"), "198.18.1.0/24");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.128"), "198.18.1.128/25");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.129"), "198.18.1.129/32");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.130"), "198.18.1.128/25");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.1.255"), "198.18.1.128/25");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.2.0"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.199.255"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.200.0"), "198.18.200.0/22");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.203.255"), "198.18.200.0/22");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.204.0"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.19.255.255"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.20.0.0"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "0.0.0.0"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "255.255.255.255"), "-");
	/* Families are separate: a v4 table matches no IPv6 address, mapped or not. */
	CU_ASSERT_STRING_EQUAL(match(t, "::ffff:198.18.1.1"), "-");
	dg_optout_free(t);
}

static void
test_optout_v4_edges(void)
{
	static const char *const all[] = { "0.0.0.0/0", "198.18.0.7" };
	static const char *const ends[] = { "0.0.0.0", "255.255.255.255", "255.255.255.254/31" };
	struct dg_optout *t;

	/* /0 covers everything; a host route inside it still wins. */
	t = build(all, 2);
	CU_ASSERT_STRING_EQUAL(match(t, "0.0.0.0"), "0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(match(t, "255.255.255.255"), "0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.6"), "0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.7"), "198.18.0.7/32");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.8"), "0.0.0.0/0");
	CU_ASSERT_STRING_EQUAL(match(t, "::"), "-");
	dg_optout_free(t);

	/* Host routes at both ends of the space (no wrap past 255.255.255.255). */
	t = build(ends, 3);
	CU_ASSERT_STRING_EQUAL(match(t, "0.0.0.0"), "0.0.0.0/32");
	CU_ASSERT_STRING_EQUAL(match(t, "0.0.0.1"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "255.255.255.253"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "255.255.255.254"), "255.255.255.254/31");
	CU_ASSERT_STRING_EQUAL(match(t, "255.255.255.255"), "255.255.255.255/32");
	dg_optout_free(t);
}

static void
test_optout_v6_longest_prefix(void)
{
	static const char *const set[] = {
		"2001:2::/48", "2001:2:0:1::/64", "2001:2:0:1::5", "2001:2:0:1:8000::/65",
		"2001:2:0:2::/63", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"198.18.0.0/15",
	};
	struct dg_optout *t = build(set, 8);

	CU_ASSERT_STRING_EQUAL(match(t, "::"), "::/0");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:1:ffff:ffff:ffff:ffff:ffff:ffff"), "::/0");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2::"), "2001:2::/48");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:0:ffff:ffff:ffff:ffff"), "2001:2::/48");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::"), "2001:2:0:1::/64");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::4"), "2001:2:0:1::/64");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::5"), "2001:2:0:1::5/128");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::6"), "2001:2:0:1::/64");
	/* The /64-/65 split sits on the boundary between the two 64-bit halves. */
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1:7fff:ffff:ffff:ffff"), "2001:2:0:1::/64");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1:8000::"), "2001:2:0:1:8000::/65");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1:ffff:ffff:ffff:ffff"),
		"2001:2:0:1:8000::/65");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:2::"), "2001:2:0:2::/63");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:3:ffff:ffff:ffff:ffff"), "2001:2:0:2::/63");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:4::"), "2001:2::/48");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:ffff:ffff:ffff:ffff:ffff"), "2001:2::/48");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:1::"), "::/0");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:3::"), "::/0");
	CU_ASSERT_STRING_EQUAL(match(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), "::/0");
	CU_ASSERT_STRING_EQUAL(match(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.1"), "198.18.0.0/15");
	CU_ASSERT_STRING_EQUAL(match(t, "198.20.0.1"), "-");
	dg_optout_free(t);
}

static void
test_optout_empty_and_null(void)
{
	static const uint8_t a4[4] = { 198, 18, 0, 1 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0, 2 };
	struct dg_optout *t = NULL;

	CU_ASSERT_FALSE(dg_optout_lookup_v4(NULL, a4));
	CU_ASSERT_FALSE(dg_optout_lookup_v6(NULL, a6));
	CU_ASSERT_PTR_NULL(dg_optout_match(NULL, DG_OPTOUT_V4, a4));
	CU_ASSERT_EQUAL(dg_optout_count(NULL), 0);
	CU_ASSERT_PTR_NULL(dg_optout_get(NULL, 0));

	CU_ASSERT_EQUAL(dg_optout_build(NULL, 0, &t), 0);
	CU_ASSERT_FALSE(dg_optout_lookup_v4(t, a4));
	CU_ASSERT_FALSE(dg_optout_lookup_v6(t, a6));
	CU_ASSERT_EQUAL(dg_optout_count(t), 0);
	CU_ASSERT_PTR_NULL(dg_optout_match(t, 5, a4));
	CU_ASSERT_EQUAL(dg_optout_match_index(t, 5, a4), -1);
	CU_ASSERT_EQUAL(dg_optout_match_index(NULL, DG_OPTOUT_V4, a4), -1);
	CU_ASSERT_EQUAL(dg_optout_match_index(t, DG_OPTOUT_V6, NULL), -1);
	dg_optout_free(t);
	CU_ASSERT_EQUAL(dg_optout_build(NULL, 1, &t), -EINVAL);
}

static void
test_optout_build_rejects_and_dedups(void)
{
	struct dg_optout_prefix v[4];
	struct dg_optout *t = NULL;
	char buf[DG_OPTOUT_PREFIX_STRLEN];

	v[0] = P("2001:2::/48");
	v[1] = P("198.18.1.0/24");
	v[2] = P("198.18.0.0/24");
	v[3] = P("198.18.1.0/24");
	CU_ASSERT_EQUAL_FATAL(dg_optout_build(v, 4, &t), 0);
	/* Duplicates merged; order: IPv4 first, by address then length. */
	CU_ASSERT_EQUAL(dg_optout_count(t), 3);
	CU_ASSERT_EQUAL(dg_optout_prefix_format(dg_optout_get(t, 0), buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "198.18.0.0/24");
	CU_ASSERT_EQUAL(dg_optout_prefix_format(dg_optout_get(t, 1), buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "198.18.1.0/24");
	CU_ASSERT_EQUAL(dg_optout_prefix_format(dg_optout_get(t, 2), buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "2001:2::/48");
	CU_ASSERT_PTR_NULL(dg_optout_get(t, 3));
	dg_optout_free(t);

	/* Hand-made prefixes are checked too. */
	v[0].addr[3] = 1;   /* host bit under 198.18.1.0/24 */
	CU_ASSERT_EQUAL(dg_optout_build(v + 1, 1, &t), 0);
	dg_optout_free(t);
	v[1].addr[3] = 1;
	CU_ASSERT_EQUAL(dg_optout_build(v + 1, 1, &t), -EINVAL);
	v[1] = P("198.18.1.0/24");
	v[1].len = 33;
	CU_ASSERT_EQUAL(dg_optout_build(v + 1, 1, &t), -EINVAL);
	v[1] = P("198.18.1.0/24");
	v[1].addr[8] = 1;   /* v4 prefix with junk in the unused bytes */
	CU_ASSERT_EQUAL(dg_optout_build(v + 1, 1, &t), -EINVAL);
	v[1].family = 5;
	CU_ASSERT_EQUAL(dg_optout_build(v + 1, 1, &t), -EINVAL);
}

static void
test_optout_add_del(void)
{
	static const char *const set[] = { "198.18.0.0/24" };
	struct dg_optout *t0 = build(set, 1), *t1 = NULL, *t2 = NULL, *t3 = NULL;
	struct dg_optout_prefix p = P("2001:2::/64"), q = P("198.18.0.0/24");

	CU_ASSERT_EQUAL(dg_optout_with_added(t0, &q, &t1), -EEXIST);
	CU_ASSERT_PTR_NULL(t1);
	CU_ASSERT_EQUAL_FATAL(dg_optout_with_added(t0, &p, &t1), 0);
	/* The old table is unchanged: readers still on it see the old set. */
	CU_ASSERT_EQUAL(dg_optout_count(t0), 1);
	CU_ASSERT_STRING_EQUAL(match(t0, "2001:2::1"), "-");
	CU_ASSERT_STRING_EQUAL(match(t1, "2001:2::1"), "2001:2::/64");
	CU_ASSERT_STRING_EQUAL(match(t1, "198.18.0.1"), "198.18.0.0/24");

	CU_ASSERT_EQUAL(dg_optout_with_deleted(t1, &(struct dg_optout_prefix){
		.family = DG_OPTOUT_V4, .len = 25, .addr = { 198, 18 } }, &t2), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(dg_optout_with_deleted(t1, &q, &t2), 0);
	CU_ASSERT_STRING_EQUAL(match(t2, "198.18.0.1"), "-");
	CU_ASSERT_STRING_EQUAL(match(t2, "2001:2::1"), "2001:2::/64");
	CU_ASSERT_STRING_EQUAL(match(t1, "198.18.0.1"), "198.18.0.0/24");
	CU_ASSERT_EQUAL_FATAL(dg_optout_with_deleted(t2, &p, &t3), 0);
	CU_ASSERT_EQUAL(dg_optout_count(t3), 0);
	CU_ASSERT_STRING_EQUAL(match(t3, "2001:2::1"), "-");
	CU_ASSERT_EQUAL(dg_optout_with_deleted(t3, &p, &t0), -ENOENT);
	CU_ASSERT_EQUAL(dg_optout_with_deleted(NULL, &p, &t0), -ENOENT);
	dg_optout_free(t0);
	t0 = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_optout_with_added(NULL, &p, &t0), 0);
	CU_ASSERT_STRING_EQUAL(match(t0, "2001:2::1"), "2001:2::/64");
	dg_optout_free(t0);
	dg_optout_free(t1);
	dg_optout_free(t2);
	dg_optout_free(t3);
}

/* Reference: linear scan for the longest covering prefix. Index or -1. */
static int
naive(const struct dg_optout_prefix *v, size_t n, int fam, const uint8_t *a)
{
	int best = -1, i;
	unsigned int b;

	for (i = 0; i < (int)n; i++) {
		if (v[i].family != fam || (best >= 0 && v[i].len <= v[best].len))
			continue;
		for (b = 0; b < v[i].len; b++)
			if (((a[b / 8] ^ v[i].addr[b / 8]) >> (7 - b % 8)) & 1)
				break;
		if (b == v[i].len)
			best = i;
	}
	return best;
}

/* Address at @p off (-1, 0, +1 ...) from the first or last address of a prefix. */
static void
near(const struct dg_optout_prefix *p, bool last, int off, uint8_t *a)
{
	unsigned int bytes = p->family == DG_OPTOUT_V4 ? 4 : 16, b;
	int i;

	memcpy(a, p->addr, bytes);
	if (last)
		for (b = p->len; b < bytes * 8; b++)
			a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	for (; off > 0; off--)
		for (i = (int)bytes - 1; i >= 0 && ++a[i] == 0; i--)
			;
	for (; off < 0; off++)
		for (i = (int)bytes - 1; i >= 0 && a[i]-- == 0; i--)
			;
}

/* Random nested sets checked against the reference at every prefix boundary. */
static void
test_optout_matches_reference(void)
{
	struct dg_optout_prefix v[60];
	struct dg_optout *t;
	unsigned int round, i, k, fails = 0;
	uint8_t a[16];

	srand(12345);
	for (round = 0; round < 300; round++) {
		int fam = round % 2 ? DG_OPTOUT_V6 : DG_OPTOUT_V4;
		unsigned int bits = fam == DG_OPTOUT_V4 ? 32 : 128, n = 1 + rand() % 60;

		for (i = 0; i < n; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			v[i].family = (uint8_t)fam;
			/* Reuse earlier prefixes' bits so that sets nest and overlap. */
			if (i > 0 && rand() % 2)
				memcpy(v[i].addr, v[rand() % i].addr, 16);
			else
				for (k = 0; k < bits / 8; k++)
					v[i].addr[k] = (uint8_t)(k < 2 ? 198 + rand() % 2 : rand());
			v[i].len = (uint8_t)(rand() % (bits + 1));
			for (k = v[i].len; k < 128; k++)
				v[i].addr[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
		}
		CU_ASSERT_EQUAL_FATAL(dg_optout_build(v, n, &t), 0);
		for (i = 0; i < n; i++) {
			for (k = 0; k < 6; k++) {
				int want, off = (int)(k % 3) - 1;
				const struct dg_optout_prefix *m;

				near(&v[i], k >= 3, off, a);
				want = naive(v, n, fam, a);
				m = dg_optout_match(t, fam, a);
				if ((want < 0) != (m == NULL) ||
						(m != NULL && (m->len != v[want].len ||
						memcmp(m->addr, v[want].addr, 16) != 0)))
					fails++;
				if ((fam == DG_OPTOUT_V4 ? dg_optout_lookup_v4(t, a) :
						dg_optout_lookup_v6(t, a)) != (want >= 0))
					fails++;
			}
		}
		dg_optout_free(t);
	}
	CU_ASSERT_EQUAL(fails, 0);
}

/* Write @p text to a fresh temp file; returns its path (static storage). */
static const char *
tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/test_optout.XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
expect_load_error(const char *text, int want, const char *want_msg)
{
	const char *path = tmpfile_with(text);
	char err[256], exp[256];
	struct dg_optout *t = NULL;

	err[0] = '\0';
	CU_ASSERT_EQUAL(dg_optout_load(path, &t, err, sizeof(err)), want);
	CU_ASSERT_PTR_NULL(t);
	snprintf(exp, sizeof(exp), "%s:%s", path, want_msg);
	if (strcmp(err, exp) != 0)
		fprintf(stderr, "\n  got  '%s'\n  want '%s'", err, exp);
	CU_ASSERT_STRING_EQUAL(err, exp);
	unlink(path);
}

static void
test_optout_load_file(void)
{
	const char *path = tmpfile_with(
		"# opted-out subscribers\n"
		"\n"
		"198.18.0.0/24\n"
		"   198.18.5.5   # one customer, blanks around\n"
		"2001:2::/64\r\n"
		"\t2001:2:0:1::1\t\n"
		"198.18.0.0/24\n"
		"198.18.9.0/24");   /* no final newline */
	struct dg_optout *t = NULL;
	char err[256] = "";

	CU_ASSERT_EQUAL_FATAL(dg_optout_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_optout_count(t), 5);
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.0.200"), "198.18.0.0/24");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.5.5"), "198.18.5.5/32");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.5.6"), "-");
	CU_ASSERT_STRING_EQUAL(match(t, "198.18.9.1"), "198.18.9.0/24");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2::abcd"), "2001:2::/64");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::1"), "2001:2:0:1::1/128");
	CU_ASSERT_STRING_EQUAL(match(t, "2001:2:0:1::2"), "-");
	dg_optout_free(t);
	unlink(path);

	/* Empty and comment-only files give an empty table. */
	path = tmpfile_with("# nobody yet\n\n");
	t = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_optout_load(path, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_optout_count(t), 0);
	dg_optout_free(t);
	unlink(path);
}

static void
test_optout_load_errors(void)
{
	struct dg_optout *t = NULL;
	char err[256];

	expect_load_error("198.18.0.0/24\n# fine\n198.18.0.300/24\n", -EINVAL,
		"3: bad IPv4 address: '198.18.0.300/24'");
	expect_load_error("\n\n\n\n198.18.0.1/24 # typo\n", -EINVAL,
		"5: host bits set below the prefix length: '198.18.0.1/24'");
	expect_load_error("2001:2::/129\n", -EINVAL,
		"1: prefix length over 128: '2001:2::/129'");
	expect_load_error("198.18.0.0/24 198.18.1.0/24\n", -EINVAL,
		"1: unexpected text after the prefix: '198.18.0.0/24 198.18.1.0/24'");
	expect_load_error("198.18.0.0/24\n198.18.1.0/24,\n", -EINVAL,
		"2: prefix length is not a decimal number: '198.18.1.0/24,'");

	/* A NUL byte cannot be written through tmpfile_with(); build it by hand. */
	{
		static const char nul[] = "198.18.0.0/24\n1\0" "98.18.1.0/24\n";
		char path[] = "/tmp/test_optout.XXXXXX", exp[256];
		int fd = mkstemp(path);

		CU_ASSERT_FATAL(fd >= 0);
		CU_ASSERT_FATAL(write(fd, nul, sizeof(nul) - 1) == (ssize_t)sizeof(nul) - 1);
		close(fd);
		CU_ASSERT_EQUAL(dg_optout_load(path, &t, err, sizeof(err)), -EINVAL);
		snprintf(exp, sizeof(exp), "%s:2: NUL byte in line", path);
		CU_ASSERT_STRING_EQUAL(err, exp);
		unlink(path);
	}

	CU_ASSERT_EQUAL(dg_optout_load("/nonexistent/optout.txt", &t, err, sizeof(err)),
		-ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/optout.txt: No such file or directory");
	CU_ASSERT_EQUAL(dg_optout_load("/tmp", &t, err, sizeof(err)), -EISDIR);
	CU_ASSERT_PTR_NULL(t);
}

DG_TEST_MAIN("optout",
	DG_TEST(test_optout_parse_valid),
	DG_TEST(test_optout_parse_errors),
	DG_TEST(test_optout_v4_longest_prefix),
	DG_TEST(test_optout_v4_edges),
	DG_TEST(test_optout_v6_longest_prefix),
	DG_TEST(test_optout_empty_and_null),
	DG_TEST(test_optout_build_rejects_and_dedups),
	DG_TEST(test_optout_add_del),
	DG_TEST(test_optout_matches_reference),
	DG_TEST(test_optout_load_file),
	DG_TEST(test_optout_load_errors))
