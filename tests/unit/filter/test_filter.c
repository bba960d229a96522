/* SPDX-License-Identifier: BSD-3-Clause */
/* Matching semantics of the blocklist snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_filter.h"
#include "dg_test.h"
#include "filter_pvt.h" /* white box: the record compare (flt_rec_is) */

static struct dg_name
N(const char *text)
{
	struct dg_name n;
	int rc = dg_name_from_text(&n, text, strlen(text));

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return n;
}

static struct dg_entry_meta
M(enum dg_action a, enum dg_match_mode mode)
{
	struct dg_entry_meta m = {
		.identifier = "IIJ-20240416-0001",
		.category = "backdoor",
		.action = a,
		.mode = mode,
		.start_day = DG_FILTER_DAY_OPEN_START,
		.end_day = DG_FILTER_DAY_OPEN_END,
	};
	return m;
}

static void
add(struct dg_filter_builder *b, const char *name, enum dg_action a, enum dg_match_mode mode)
{
	struct dg_name n = N(name);
	struct dg_entry_meta m = M(a, mode);

	CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &n, &m) >= 0);
}

/* Verdict for @p name: action, or -1 for no match; *label gets the matching label. */
static int
look(const struct dg_filter *f, const char *name, uint32_t today, int *label)
{
	struct dg_name n = N(name);
	struct dg_match m;
	int rc = dg_filter_lookup(f, &n, today, &m);

	if (rc == 0) {
		CU_ASSERT_PTR_NULL(m.meta);
		return -1;
	}
	CU_ASSERT_EQUAL(rc, 1);
	if (label != NULL)
		*label = m.label;
	return (int)m.meta->action;
}

static struct dg_filter *
build(struct dg_filter_builder *b)
{
	struct dg_filter *f = NULL;

	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	return f;
}

static void
test_filter_exact_subtree_below(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	int label = -1;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	add(b, "exact.example", DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	add(b, "tree.example", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE);
	add(b, "below.example", DG_ACTION_NODATA, DG_MATCH_BELOW);
	f = build(b);
	CU_ASSERT_EQUAL(look(f, "exact.example", 1, &label), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(label, 0);
	CU_ASSERT_EQUAL(look(f, "www.exact.example", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "example", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "tree.example", 1, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f, "a.b.c.tree.example", 1, &label), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(label, 3);
	/* label boundaries: not a string suffix match */
	CU_ASSERT_EQUAL(look(f, "subtree.example", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "tree.example.net", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "below.example", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "x.below.example", 1, &label), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(label, 1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_allow_shields_most_specific(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	int label = -1;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	add(b, "evil.test", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, "good.evil.test", DG_ACTION_ALLOW, DG_MATCH_SUBTREE);
	add(b, "bad.good.evil.test", DG_ACTION_SINKHOLE, DG_MATCH_EXACT);
	add(b, "deep.evil.test", DG_ACTION_DROP, DG_MATCH_SUBTREE);
	f = build(b);
	CU_ASSERT_EQUAL(look(f, "evil.test", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "www.evil.test", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "good.evil.test", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "www.good.evil.test", 1, &label), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(label, 1);
	CU_ASSERT_EQUAL(look(f, "bad.good.evil.test", 1, NULL), DG_ACTION_SINKHOLE);
	/* exact block does not cover its children: the allow above shields them */
	CU_ASSERT_EQUAL(look(f, "x.bad.good.evil.test", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "x.deep.evil.test", 1, &label), DG_ACTION_DROP);
	CU_ASSERT_EQUAL(label, 1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_same_name_precedence(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	/* allow beats block at the same name, whichever came first */
	add(b, "a.test", DG_ACTION_ALLOW, DG_MATCH_SUBTREE);
	add(b, "a.test", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, "b.test", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, "b.test", DG_ACTION_ALLOW, DG_MATCH_SUBTREE);
	/* among blocks, the last added wins */
	add(b, "c.test", DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	add(b, "c.test", DG_ACTION_NODATA, DG_MATCH_EXACT);
	/* RPZ pair: name and *.name merge into one entry with both positions */
	add(b, "d.test", DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	add(b, "d.test", DG_ACTION_NODATA, DG_MATCH_BELOW);
	f = build(b);
	CU_ASSERT_EQUAL(look(f, "a.test", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "x.a.test", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "b.test", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "c.test", 1, NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(look(f, "d.test", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "x.d.test", 1, NULL), DG_ACTION_NODATA);
	struct dg_filter_info in;

	dg_filter_info(f, &in);
	CU_ASSERT_EQUAL(in.entries, 4);
	CU_ASSERT_EQUAL(in.policies, 12);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_case_and_odd_labels(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_name n;
	struct dg_match m;
	/* wire form with upper case: "ExAmPlE" "CoM" */
	static const uint8_t wire[] = "\x07" "ExAmPlE" "\x03" "CoM";

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	add(b, "EXAMPLE.com.", DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	add(b, "a\\.b.test", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE);   /* one label "a.b" */
	add(b, "n\\000ul.test", DG_ACTION_NODATA, DG_MATCH_SUBTREE);  /* label with a NUL */
	add(b, "\\195\\169t\\195\\169.test", DG_ACTION_DROP, DG_MATCH_EXACT); /* non-ASCII */
	f = build(b);
	CU_ASSERT_EQUAL(look(f, "example.COM", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&n, wire, sizeof(wire), NULL), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, 1, &m), 1);
	CU_ASSERT_EQUAL(look(f, "a\\.b.test", 1, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f, "x.A\\.B.test", 1, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f, "a.b.test", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "b.test", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "n\\000ul.test", 1, NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(look(f, "n.test", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "n\\000uL.test", 1, NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(look(f, "n\\001ul.test", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "\\195\\169t\\195\\169.test", 1, NULL), DG_ACTION_DROP);
	/* only ASCII letters fold: 0xC3 0x89 is not 0xC3 0xA9 */
	CU_ASSERT_EQUAL(look(f, "\\195\\137t\\195\\169.test", 1, NULL), -1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/*
 * A label near the end of a long name is hashed without reading past the name buffer;
 * the same label early in a short name is read in whole words. Both must agree.
 */
static void
test_filter_long_names(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	char lng[300], x[300];
	int p = 0, label = -1;

	for (int l = 0; l < 3; l++) {
		memset(lng + p, 'a' + l, 63);
		p += 63;
		lng[p++] = '.';
	}
	memset(lng + p, 'd', 40);
	p += 40;
	strcpy(lng + p, ".example.com"); /* 246 bytes in wire form */
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	add(b, "example.com", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, lng + 64, DG_ACTION_NODATA, DG_MATCH_SUBTREE);
	f = build(b);
	/* "com" sits 241 bytes into lng: hashed by the careful path, in the entries by words */
	CU_ASSERT_EQUAL(look(f, lng, 1, &label), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(label, 1);
	CU_ASSERT_EQUAL(look(f, lng + 64, 1, &label), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(label, 0);
	memset(lng + 192, 'z', 4); /* the 40-byte label no longer matches */
	CU_ASSERT_EQUAL(look(f, lng, 1, &label), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(label, 4);
	memset(lng + 192, 'd', 4);
	/* 63-byte labels (over 16: the block loop) and a 255-byte name */
	snprintf(x, sizeof(x), "%.61s.%s", lng, lng + 64);
	CU_ASSERT_EQUAL(look(f, x, 1, &label), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(label, 1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/*
 * The exact-table compare reads 32 bytes whatever the length, masked: for every length
 * 1..255, a record at the arena's end (only FLT_ARENA_SLACK readable after it) equals
 * its name; a change in the last byte is seen; a change one past the end (in the record's
 * slack, in the name's spare bytes) is not, nor is a record of another length.
 */
static void
test_filter_rec_compare_last_byte_and_one_past(void)
{
	static uint8_t arena[FLT_REC_HDR + DG_NAME_MAXLEN + FLT_ARENA_SLACK];
	struct dg_filter f;
	struct dg_name n;
	unsigned int bad = 0;

	memset(&f, 0, sizeof(f));
	for (unsigned int len = 1; len <= DG_NAME_MAXLEN; len++) {
		uint32_t rec = (uint32_t)(DG_NAME_MAXLEN - len); /* ends where the slack starts */
		uint8_t *r = arena + rec;

		memset(arena, 0x5a, sizeof(arena));
		memset(&n, 0xa5, sizeof(n));
		r[0] = (uint8_t)len;
		for (unsigned int i = 0; i < len; i++)
			r[FLT_REC_HDR + i] = n.wire[i] = (uint8_t)(i * 7 + len);
		f.arena = arena;
		bad += !flt_rec_is(&f, rec, n.wire, len);
		r[FLT_REC_HDR + len - 1] ^= 1;
		bad += flt_rec_is(&f, rec, n.wire, len);
		r[FLT_REC_HDR + len - 1] ^= 1;
		r[FLT_REC_HDR + len] ^= 0xff;
		n.wire[len] ^= 0x0f;
		bad += !flt_rec_is(&f, rec, n.wire, len);
		r[0] = (uint8_t)(len + 1);
		bad += flt_rec_is(&f, rec, n.wire, len);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_filter_dates(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_name n = N("c2.mal.test");
	struct dg_entry_meta m = M(DG_ACTION_SINKHOLE, DG_MATCH_EXACT);

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	m.start_day = 100;
	m.end_day = 200;
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	m.start_day = 300;
	m.end_day = 100;
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), -EINVAL);
	add(b, "mal.test", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	f = build(b);
	/* inclusive on both ends; outside, the parent's entry answers */
	CU_ASSERT_EQUAL(look(f, "c2.mal.test", 99, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "c2.mal.test", 100, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f, "c2.mal.test", 200, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f, "c2.mal.test", 201, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(dg_filter_count_active(f, 150), 2);
	CU_ASSERT_EQUAL(dg_filter_count_active(f, 250), 1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_tld_and_errors(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_name root = N(".");
	struct dg_entry_meta m = M(DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	struct dg_filter_info in;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &root, &m), -EINVAL);
	m.action = DG_ACTION_COUNT;
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &root, &m), -EINVAL);
	add(b, "zip", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, "mov", DG_ACTION_NODATA, DG_MATCH_EXACT);
	add(b, "ok.zip", DG_ACTION_ALLOW, DG_MATCH_EXACT);
	f = build(b);
	dg_filter_info(f, &in);
	CU_ASSERT_EQUAL(in.top_entries, 2);
	CU_ASSERT_EQUAL(look(f, "zip", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "a.b.zip", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "ok.zip", 1, NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(look(f, "x.ok.zip", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "mov", 1, NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(look(f, "a.mov", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, ".", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "zipp", 1, NULL), -1);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_crowded_zone(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_filter_info in;
	char name[64];

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "h%d.duckdns.org", i);
		add(b, name, DG_ACTION_SINKHOLE, i % 2 ? DG_MATCH_EXACT : DG_MATCH_SUBTREE);
	}
	add(b, "x.h1.duckdns.org", DG_ACTION_NODATA, DG_MATCH_EXACT);
	add(b, "other.org", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	add(b, "deep.co.uk", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	f = build(b);
	dg_filter_info(f, &in);
	CU_ASSERT_EQUAL(in.crowded_zones, 1);
	CU_ASSERT_EQUAL(in.entries, 503);
	for (int i = 0; i < 500; i++) {
		snprintf(name, sizeof(name), "h%d.duckdns.org", i);
		CU_ASSERT_EQUAL(look(f, name, 1, NULL), DG_ACTION_SINKHOLE);
		snprintf(name, sizeof(name), "www.h%d.duckdns.org", i);
		CU_ASSERT_EQUAL(look(f, name, 1, NULL), i % 2 ? -1 : DG_ACTION_SINKHOLE);
		snprintf(name, sizeof(name), "g%d.duckdns.org", i);
		CU_ASSERT_EQUAL(look(f, name, 1, NULL), -1);
	}
	CU_ASSERT_EQUAL(look(f, "x.h1.duckdns.org", 1, NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(look(f, "duckdns.org", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "other.org", 1, NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(look(f, "a.deep.co.uk", 1, NULL), DG_ACTION_NXDOMAIN);
	dg_filter_free(f);
	/* The zone itself listed while crowded: kept in the top set, still matched. */
	add(b, "duckdns.org", DG_ACTION_DROP, DG_MATCH_EXACT);
	f = build(b);
	CU_ASSERT_EQUAL(look(f, "duckdns.org", 1, NULL), DG_ACTION_DROP);
	CU_ASSERT_EQUAL(look(f, "g1.duckdns.org", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f, "h2.duckdns.org", 1, NULL), DG_ACTION_SINKHOLE);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_filter_idents_walk_delete(void)
{
	struct dg_filter_builder *b, *b2;
	struct dg_filter *f, *f2;
	struct dg_entry_meta m = M(DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE);
	struct dg_name n;
	const char *text;
	uint64_t cnt;
	char idbuf[32];

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	n = N("one.test");
	/* the builder copies strings: reuse the buffer */
	strcpy(idbuf, "ID-A");
	m.identifier = idbuf;
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 1); /* duplicate */
	n = N("two.test");
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	strcpy(idbuf, "ID-B");
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	f = build(b);
	CU_ASSERT_EQUAL(dg_filter_ident(f, 1, &text, &cnt), 0);
	CU_ASSERT_STRING_EQUAL(text, "ID-A");
	CU_ASSERT_EQUAL(cnt, 2);
	CU_ASSERT_EQUAL(dg_filter_ident(f, 2, &text, &cnt), 0);
	CU_ASSERT_STRING_EQUAL(text, "ID-B");
	CU_ASSERT_EQUAL(cnt, 1);
	CU_ASSERT_EQUAL(dg_filter_ident(f, 3, &text, &cnt), -ENOENT);

	/* copy the snapshot into a builder, delete ID-B's policy and one name */
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_from(&b2, f), 0);
	CU_ASSERT_EQUAL(dg_filter_builder_count(b2), 2);
	CU_ASSERT_EQUAL(dg_filter_builder_del(b2, &n, DG_MATCH_SUBTREE, &m), 2);
	n = N("one.test");
	CU_ASSERT_EQUAL(dg_filter_builder_del(b2, &n, DG_MATCH_EXACT, NULL), 1);
	f2 = build(b2);
	CU_ASSERT_EQUAL(look(f2, "one.test", 1, NULL), -1);
	CU_ASSERT_EQUAL(look(f2, "x.one.test", 1, NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(look(f2, "two.test", 1, NULL), DG_ACTION_SINKHOLE);
	struct dg_name q = N("two.test");
	struct dg_match mt;

	CU_ASSERT_EQUAL(dg_filter_lookup(f2, &q, 1, &mt), 1);
	CU_ASSERT_STRING_EQUAL(mt.meta->identifier, "ID-A");
	/* the old snapshot is untouched */
	CU_ASSERT_EQUAL(dg_filter_lookup(f, &q, 1, &mt), 1);
	CU_ASSERT_STRING_EQUAL(mt.meta->identifier, "ID-B");
	dg_filter_free(f2);
	dg_filter_builder_free(b2);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/*
 * The Bloom prefilter's false-positive rate, measured on names with no listed suffix,
 * against the rate expected from the blocks' fill (dg_filter_bloom_fp()).
 */
static void
test_filter_bloom_fp_rate(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_filter_info in;
	struct dg_entry_meta m = M(DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	uint64_t rng = 0x2545f4914f6cdd1dull, pass = 0, probes = 0;
	char text[64];

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 100000), 0);
	for (int i = 0; i < 200000; i++) {
		struct dg_name n;
		struct dg_match mt;
		unsigned int pr = 0;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		if (i == 100000) {
			CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
			dg_filter_info(f, &in);
			dg_filter_bloom_fp(f, &in);
		}
		if (i < 100000) {
			/* listed: e<x>.z<k>.com */
			snprintf(text, sizeof(text), "e%llx.z%llu.com",
				 (unsigned long long)(rng >> 24), (unsigned long long)(rng % 50000));
			n = N(text);
			CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &n, &m) >= 0);
			continue;
		}
		/* queried: q<x>.y<k>.com, no suffix of which is listed */
		snprintf(text, sizeof(text), "q%llx.y%llu.com", (unsigned long long)(rng >> 24),
			 (unsigned long long)(rng % 50000));
		n = N(text);
		CU_ASSERT_EQUAL(dg_filter_lookup(f, &n, 1, &mt), 0);
		pass += dg_filter_prefilter(f, &n, &pr);
		probes += pr;
	}
	double measured = (double)pass / (double)probes;

	printf("\n  bloom: %llu probes, measured FP %.4f%%, expected %.4f%% (p99 block %.4f%%)\n",
	       (unsigned long long)probes, measured * 100, in.bloom_fp_mean * 100,
	       in.bloom_fp_p99 * 100);
	CU_ASSERT_EQUAL(probes, 200000);
	CU_ASSERT_TRUE(in.bloom_fp_mean < 0.005);
	CU_ASSERT_TRUE(measured < 2 * in.bloom_fp_mean + 0.0005);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/* Fills a sinkhole for category "backdoor" unless the entry has its own. */
static void
hook_backdoor(void *arg, struct dg_entry_meta *m)
{
	static const uint8_t addr[4] = { 198, 18, 0, 9 };

	(*(int *)arg)++;
	if (m->category != NULL && strcmp(m->category, "backdoor") == 0 && !m->has_sinkhole4) {
		m->has_sinkhole4 = 1;
		memcpy(m->sinkhole4, addr, sizeof(addr));
	}
}

static void
test_filter_meta_hook_resolves_at_build(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_name n = N("hook.example");
	struct dg_entry_meta m = M(DG_ACTION_SINKHOLE, DG_MATCH_EXACT), own = m;
	struct dg_match r;
	int calls = 0;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	dg_filter_builder_set_meta_fn(b, hook_backdoor, &calls);
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	f = build(b);
	CU_ASSERT_EQUAL_FATAL(dg_filter_lookup(f, &n, 1, &r), 1);
	CU_ASSERT_TRUE(r.meta->has_sinkhole4);
	CU_ASSERT_EQUAL(r.meta->sinkhole4[3], 9);
	CU_ASSERT_FALSE(m.has_sinkhole4); /* the caller's copy is left alone */
	dg_filter_free(f);
	/* an entry's own sinkhole wins */
	own.has_sinkhole4 = 1;
	own.sinkhole4[3] = 7;
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &own), 0);
	f = build(b);
	CU_ASSERT_EQUAL_FATAL(dg_filter_lookup(f, &n, 1, &r), 1);
	CU_ASSERT_EQUAL(r.meta->sinkhole4[3], 7);
	dg_filter_free(f);
	/* an exact delete compares with the metadata as stored: the hook's */
	CU_ASSERT_EQUAL(dg_filter_builder_del(b, &n, DG_MATCH_EXACT, &m), 1);
	CU_ASSERT_EQUAL(dg_filter_builder_del(b, &n, DG_MATCH_EXACT, &own), 1);
	CU_ASSERT_EQUAL(calls, 4);
	/* without the hook the same add stores the metadata as given */
	dg_filter_builder_set_meta_fn(b, NULL, NULL);
	CU_ASSERT_EQUAL(dg_filter_builder_add(b, &n, &m), 0);
	f = build(b);
	CU_ASSERT_EQUAL_FATAL(dg_filter_lookup(f, &n, 1, &r), 1);
	CU_ASSERT_FALSE(r.meta->has_sinkhole4);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

DG_TEST_MAIN("filter",
	DG_TEST(test_filter_meta_hook_resolves_at_build),
	DG_TEST(test_filter_exact_subtree_below),
	DG_TEST(test_filter_allow_shields_most_specific),
	DG_TEST(test_filter_same_name_precedence),
	DG_TEST(test_filter_case_and_odd_labels),
	DG_TEST(test_filter_long_names),
	DG_TEST(test_filter_rec_compare_last_byte_and_one_past),
	DG_TEST(test_filter_dates),
	DG_TEST(test_filter_tld_and_errors),
	DG_TEST(test_filter_crowded_zone),
	DG_TEST(test_filter_idents_walk_delete),
	DG_TEST(test_filter_bloom_fp_rate))
