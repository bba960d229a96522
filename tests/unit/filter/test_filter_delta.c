/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two-layer lookups (base + delta) against a naive model: each name holds its two policy
 * lists in add order; at each suffix, most specific first, a name in the delta decides
 * instead of the base's. The delta is driven the way the control plane does it: seed a
 * name from the base (dg_filter_builder_copy), change it, rebuild.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_filter.h"
#include "dg_test.h"
#include "filter_model.h"

enum { NBASE = 3000, NQ = 20000, MAXP = 32, MAP_SLOTS = 1 << 16 };

/* A name of the model: its lists in add order. */
struct mname {
	struct dg_name n;
	struct dg_entry_meta pol[2][MAXP]; /* [0] apex, [1] below */
	unsigned int cnt[2];
	int tomb;
	int used;
};

struct model {
	struct mname e[MAP_SLOTS];
};

static struct model mbase, mdelta;
static struct dg_name delta_names[20000]; /* names the changes touched */
static unsigned int ndelta_names;

static const char *const idents[] = { "ID-A", "ID-B", "ID-C", NULL };

static uint32_t
wire_hash(const uint8_t *w, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ w[i]) * 16777619u;
	return h;
}

/* The model's slot for this wire name (a free one when absent). */
static struct mname *
slot(struct model *m, const uint8_t *w, size_t len)
{
	for (uint32_t i = wire_hash(w, len) % MAP_SLOTS;; i = (i + 1) % MAP_SLOTS) {
		struct mname *e = &m->e[i];

		if (!e->used || (e->n.len == len && memcmp(e->n.wire, w, len) == 0))
			return e;
	}
}

static struct mname *
find(struct model *m, const uint8_t *w, size_t len)
{
	struct mname *e = slot(m, w, len);

	return e->used ? e : NULL;
}

static struct mname *
get(struct model *m, const struct dg_name *n)
{
	struct mname *e = slot(m, n->wire, n->len);

	if (!e->used) {
		memset(e, 0, sizeof(*e));
		e->n = *n;
		e->used = 1;
	}
	return e;
}

static int
present(const struct mname *e)
{
	return e != NULL && (e->cnt[0] + e->cnt[1] > 0 || e->tomb);
}

static int
meta_same(const struct dg_entry_meta *a, const struct dg_entry_meta *b)
{
	return a->action == b->action && a->mode == b->mode && a->start_day == b->start_day &&
	       a->end_day == b->end_day && (a->identifier == b->identifier ||
	       (a->identifier && b->identifier && strcmp(a->identifier, b->identifier) == 0));
}

/* Remove policies equal to @p m (all with NULL) from list @p pos. */
static void
list_del(struct mname *e, int pos, const struct dg_entry_meta *m)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < e->cnt[pos]; i++)
		if (m != NULL && !meta_same(&e->pol[pos][i], m))
			e->pol[pos][k++] = e->pol[pos][i];
	e->cnt[pos] = k;
}

/* The builder's add: an identical policy moves to the end (it is the last added). */
static int
model_add(struct mname *e, const struct dg_entry_meta *m)
{
	for (int pos = 0; pos < 2; pos++)
		if ((pos == 0 ? m->mode != DG_MATCH_BELOW : m->mode != DG_MATCH_EXACT) &&
		    e->cnt[pos] >= MAXP - 1)
			return -1;
	for (int pos = 0; pos < 2; pos++) {
		if (pos == 0 ? m->mode == DG_MATCH_BELOW : m->mode == DG_MATCH_EXACT)
			continue;
		list_del(e, pos, m);
		e->pol[pos][e->cnt[pos]++] = *m;
	}
	return 0;
}

static void
model_del(struct mname *e, enum dg_match_mode mode, const struct dg_entry_meta *m)
{
	if (mode != DG_MATCH_BELOW)
		list_del(e, 0, m);
	if (mode != DG_MATCH_EXACT)
		list_del(e, 1, m);
}

/* Allow beats the rest; otherwise the later policy wins. -1: nothing active. */
static int
pick(const struct mname *e, int pos, uint32_t today)
{
	int best = -1;

	for (unsigned int k = 0; k < e->cnt[pos]; k++) {
		const struct dg_entry_meta *m = &e->pol[pos][k];

		if (today < m->start_day || today > m->end_day)
			continue;
		if (best < 0 || m->action == DG_ACTION_ALLOW ||
		    e->pol[pos][best].action != DG_ACTION_ALLOW)
			best = (int)k;
	}
	return best;
}

/* The model's verdict: the policy, its label and layer (1 = delta); NULL for none. */
static const struct dg_entry_meta *
model_lookup(const struct dg_name *q, uint32_t today, int layered, unsigned int *label,
	     int *layer)
{
	for (unsigned int i = 0; i < q->nlabels; i++) {
		size_t len;
		const uint8_t *w = dg_name_suffix(q, i, &len);
		struct mname *e = layered ? find(&mdelta, w, len) : NULL;
		int pos = i > 0, k;

		*layer = present(e);
		if (!*layer)
			e = find(&mbase, w, len);
		if (e == NULL || (k = pick(e, pos, today)) < 0)
			continue;
		*label = i;
		return &e->pol[pos][k];
	}
	return NULL;
}

/* Policies for @p n: a TLD gets exact ones only, or every query would match. */
static struct dg_entry_meta
gen_meta(const struct dg_name *n)
{
	struct dg_entry_meta m = {
		.identifier = idents[rnd(4)],
		.action = (enum dg_action)rnd(DG_ACTION_COUNT),
		.mode = (enum dg_match_mode)rnd(DG_MATCH_COUNT),
		.start_day = rnd(4) ? 0 : 10 + rnd(10),
		.end_day = rnd(4) ? UINT32_MAX : 20 + rnd(10),
	};

	if (n->nlabels == 1)
		m.mode = DG_MATCH_EXACT;
	return m;
}

static struct dg_name base_names[NBASE];

/* The base: random names and policies, the same in the builder and the model. */
static struct dg_filter *
make_base(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;

	memset(&mbase, 0, sizeof(mbase));
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (unsigned int k = 0; k < NBASE; k++) {
		struct dg_entry_meta m;

		gen_name(&base_names[k], 4);
		m = gen_meta(&base_names[k]);
		if (model_add(get(&mbase, &base_names[k]), &m) != 0)
			continue;
		CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &base_names[k], &m) >= 0);
	}
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	dg_filter_builder_free(b);
	return f;
}

/*
 * One runtime change to the delta builder and the model. Most changes first seed the
 * name from the base, as the control plane must; some do not, to test the bare rule
 * (the delta's record replaces the base's whole record).
 */
static void
change(struct dg_filter_builder *db, const struct dg_filter *base)
{
	struct dg_name n;
	struct dg_entry_meta m;
	struct mname *e;
	unsigned int op = rnd(10);

	if (rnd(2))
		n = base_names[rnd(NBASE)];
	else
		gen_name(&n, 4);
	m = gen_meta(&n);
	if (op == 9 && n.nlabels > 1) {
		/* an allow above a listed name, shielding its subtree */
		size_t len;
		const uint8_t *w = dg_name_suffix(&n, 1, &len);

		CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&n, w, len, NULL), 0);
		m.action = DG_ACTION_ALLOW;
		m.mode = DG_MATCH_SUBTREE;
	}
	e = find(&mdelta, n.wire, n.len);
	if (e == NULL && rnd(5) != 0) {
		struct mname *be = find(&mbase, n.wire, n.len);
		int rc = dg_filter_builder_copy(db, base, &n);

		e = get(&mdelta, &n);
		CU_ASSERT_EQUAL(rc, present(be));
		if (present(be)) {
			memcpy(e->pol, be->pol, sizeof(e->pol));
			memcpy(e->cnt, be->cnt, sizeof(e->cnt));
			e->tomb = 1;
		}
	}
	if (find(&mdelta, n.wire, n.len) == NULL && ndelta_names < 20000)
		delta_names[ndelta_names++] = n;
	e = get(&mdelta, &n);
	if (op < 5 || op == 9) {
		if (model_add(e, &m) == 0)
			CU_ASSERT_TRUE(dg_filter_builder_add(db, &n, &m) >= 0);
	} else if (op < 7) {
		model_del(e, m.mode, NULL);
		CU_ASSERT_TRUE(dg_filter_builder_del(db, &n, m.mode, NULL) >= 0);
	} else if (op == 7 && e->cnt[0] + e->cnt[1] > 0) {
		/* delete one policy by its metadata */
		const struct dg_entry_meta *victim = e->cnt[0] ? &e->pol[0][rnd(e->cnt[0])] :
								&e->pol[1][rnd(e->cnt[1])];

		m = *victim;
		model_del(e, m.mode, &m);
		CU_ASSERT_TRUE(dg_filter_builder_del(db, &n, m.mode, &m) > 0);
	} else {
		/* deleted at run time: a tombstone masks the base */
		model_del(e, DG_MATCH_SUBTREE, NULL);
		e->tomb = 1;
		CU_ASSERT_TRUE(dg_filter_builder_del(db, &n, DG_MATCH_SUBTREE, NULL) >= 0);
		CU_ASSERT_EQUAL(dg_filter_builder_tombstone(db, &n), 0);
	}
}

static unsigned int
check_match(const struct dg_match *got, int rc, const struct dg_entry_meta *want,
	    unsigned int label, int layer, const struct dg_filter *base,
	    const struct dg_filter *delta, const struct dg_filter_info *bi)
{
	const char *text = NULL;

	if (want == NULL)
		return rc != 0 || got->meta != NULL;
	if (rc != 1 || got->meta == NULL || !meta_same(got->meta, want) || got->label != label)
		return 1;
	/* ids are unique across the layers: the delta's come after the base's */
	if ((got->meta_id >= bi->metas) != layer)
		return 1;
	if (want->identifier == NULL)
		return got->ident_id != 0;
	if ((got->ident_id > bi->idents) != layer ||
	    dg_filter_ident2(base, delta, got->ident_id, &text, NULL) != 0)
		return 1;
	return strcmp(text, want->identifier) != 0;
}

static void
run_delta(unsigned int nchanges)
{
	static struct dg_name qs[NQ];
	static struct dg_match bulk[NQ], merged[NQ];
	static const struct dg_name *qp[NQ];
	struct dg_filter *base = make_base(), *delta, *folded;
	struct dg_filter_builder *db, *fb;
	struct dg_filter_info bi, di;
	unsigned int bad = 0, hits = 0, from_delta = 0, npresent = 0, badget = 0;

	memset(&mdelta, 0, sizeof(mdelta));
	ndelta_names = 0;
	dg_filter_info(base, &bi);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&db, 0), 0);
	for (unsigned int k = 0; k < nchanges; k++)
		change(db, base);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(db, &delta), 0);
	dg_filter_info(delta, &di);

	/* the delta holds exactly the names the model has present, with their policies */
	for (unsigned int i = 0; i < MAP_SLOTS; i++) {
		const struct mname *e = &mdelta.e[i];
		int rc;

		if (!e->used)
			continue;
		rc = dg_filter_get(delta, &e->n, NULL, 0);
		npresent += present(e);
		badget += present(e) ? rc != (int)(e->cnt[0] + e->cnt[1]) : rc != -ENOENT;
		badget += dg_filter_builder_has(db, &e->n) != present(e);
	}
	CU_ASSERT_EQUAL(badget, 0);
	CU_ASSERT_EQUAL(di.entries + di.tombstones, npresent);
	CU_ASSERT_EQUAL(dg_filter_builder_count(db), npresent);

	/* the fold: base + delta in one snapshot answers as the two layers do */
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_from(&fb, base), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_merge(fb, delta), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(fb, &folded), 0);

	for (unsigned int k = 0; k < NQ; k++) {
		gen_name(&qs[k], 6);
		if (rnd(2))
			gen_below(&qs[k], rnd(3) || ndelta_names == 0 ? &base_names[rnd(NBASE)] :
					  &delta_names[rnd(ndelta_names)]);
		if (qs[k].nlabels == 0)
			gen_name(&qs[k], 6);
		qp[k] = &qs[k];
	}
	for (uint32_t today = 5; today <= 35; today += 10) {
		unsigned int nb = dg_filter_lookup_bulk2(base, delta, qp, NQ, today, bulk), ns = 0;

		dg_filter_lookup_bulk(folded, qp, NQ, today, merged);
		for (unsigned int k = 0; k < NQ; k++) {
			unsigned int label = 0, l0 = 0;
			int layer = 0, l0layer = 0;
			const struct dg_entry_meta *want = model_lookup(&qs[k], today, 1, &label,
									&layer);
			const struct dg_entry_meta *want0 = model_lookup(&qs[k], today, 0, &l0,
									 &l0layer);
			struct dg_match m, m0;
			int rc = dg_filter_lookup2(base, delta, &qs[k], today, &m);
			int rc0 = dg_filter_lookup2(base, NULL, &qs[k], today, &m0);

			ns += (unsigned int)rc;
			hits += want != NULL;
			from_delta += layer && want != NULL;
			bad += check_match(&m, rc, want, label, layer, base, delta, &bi);
			bad += check_match(&bulk[k], bulk[k].meta != NULL, want, label, layer, base,
					   delta, &bi);
			bad += check_match(&m0, rc0, want0, l0, 0, base, NULL, &bi);
			bad += (want == NULL) != (merged[k].meta == NULL) ||
			       (want != NULL && (!meta_same(merged[k].meta, want) ||
						 merged[k].label != label));
		}
		CU_ASSERT_EQUAL(nb, ns);
	}
	printf("\n  delta of %u changes: %llu names (%llu tombstones), %u verdicts "
	       "(%u from the delta), %u mismatches\n", nchanges,
	       (unsigned long long)(di.entries + di.tombstones),
	       (unsigned long long)di.tombstones, hits, from_delta, bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(hits > NQ / 4);
	if (nchanges >= 1000) {
		CU_ASSERT_TRUE(from_delta > 1000);
		CU_ASSERT_TRUE(di.tombstones > 100);
		CU_ASSERT_TRUE(di.crowded_zones >= 1);
	}
	dg_filter_free(folded);
	dg_filter_builder_free(fb);
	dg_filter_free(delta);
	dg_filter_builder_free(db);
	dg_filter_free(base);
}

/* An empty delta changes nothing. */
static void
test_filter_delta_empty(void)
{
	run_delta(0);
}

static void
test_filter_delta_one(void)
{
	run_delta(1);
}

static void
test_filter_delta_10k(void)
{
	run_delta(10000);
}

/* The rules spelled out on a few names. */
static void
test_filter_delta_rules(void)
{
	struct dg_filter_builder *bb, *db;
	struct dg_filter *base, *delta;
	struct dg_entry_meta blk = { .identifier = "B", .action = DG_ACTION_NXDOMAIN,
				     .mode = DG_MATCH_SUBTREE, .end_day = UINT32_MAX };
	struct dg_entry_meta alw = blk, ex = blk;
	struct dg_filter_policy pol[4];
	struct dg_name n;
	struct dg_match m;
	const char *text;

	alw.action = DG_ACTION_ALLOW;
	alw.identifier = "D";
	ex.mode = DG_MATCH_EXACT;
	ex.identifier = "D";
	ex.action = DG_ACTION_SINKHOLE;
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&bb, 0), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&db, 0), 0);
	dg_name_from_text(&n, "evil.test", 9);
	CU_ASSERT_EQUAL(dg_filter_builder_add(bb, &n, &blk), 0);
	dg_name_from_text(&n, "gone.test", 9);
	CU_ASSERT_EQUAL(dg_filter_builder_add(bb, &n, &blk), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(bb, &base), 0);

	/* gone.test deleted: a tombstone; ok.evil.test allowed; evil.test itself made exact */
	CU_ASSERT_EQUAL(dg_filter_builder_copy(db, base, &n), 1);
	CU_ASSERT_EQUAL(dg_filter_builder_del(db, &n, DG_MATCH_SUBTREE, NULL), 2);
	CU_ASSERT_EQUAL(dg_filter_builder_has(db, &n), 1);
	dg_name_from_text(&n, "ok.evil.test", 12);
	CU_ASSERT_EQUAL(dg_filter_builder_copy(db, base, &n), 0);
	CU_ASSERT_EQUAL(dg_filter_builder_add(db, &n, &alw), 0);
	dg_name_from_text(&n, "evil.test", 9);
	CU_ASSERT_EQUAL(dg_filter_builder_add(db, &n, &ex), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(db, &delta), 0);

	CU_ASSERT_EQUAL(dg_filter_get(delta, &n, pol, 4), 1);
	CU_ASSERT_EQUAL(pol[0].pos, DG_MATCH_EXACT);
	CU_ASSERT_EQUAL(pol[0].meta->action, DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(dg_filter_get(base, &n, pol, 4), 2);
	CU_ASSERT_EQUAL(pol[1].pos, DG_MATCH_BELOW);
	CU_ASSERT_EQUAL(dg_filter_lookup2(base, delta, &n, 1, &m), 1);
	CU_ASSERT_EQUAL(m.meta->action, DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(m.ident_id, 2); /* base has one identifier, "B": "D" is the delta's 1 */
	CU_ASSERT_EQUAL(dg_filter_ident2(base, delta, m.ident_id, &text, NULL), 0);
	CU_ASSERT_STRING_EQUAL(text, "D");
	CU_ASSERT_EQUAL(dg_filter_ident2(base, delta, 3, &text, NULL), -ENOENT);
	/* the delta's evil.test has no below list: the base's is masked too */
	dg_name_from_text(&n, "www.evil.test", 13);
	CU_ASSERT_EQUAL(dg_filter_lookup2(base, delta, &n, 1, &m), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup(base, &n, 1, &m), 1);
	dg_name_from_text(&n, "x.ok.evil.test", 14);
	CU_ASSERT_EQUAL(dg_filter_lookup2(base, delta, &n, 1, &m), 1);
	CU_ASSERT_EQUAL(m.meta->action, DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(m.label, 1);
	dg_name_from_text(&n, "a.gone.test", 11);
	CU_ASSERT_EQUAL(dg_filter_lookup2(base, delta, &n, 1, &m), 0);
	CU_ASSERT_PTR_NULL(m.meta);
	dg_name_from_text(&n, "gone.test", 9);
	CU_ASSERT_EQUAL(dg_filter_get(delta, &n, pol, 4), 0);
	dg_name_from_text(&n, "other.test", 10);
	CU_ASSERT_EQUAL(dg_filter_get(delta, &n, pol, 4), -ENOENT);
	CU_ASSERT_EQUAL(dg_filter_get(NULL, &n, pol, 4), -EINVAL);

	/* a builder seeded from the delta keeps its tombstone */
	struct dg_filter_builder *cb;
	struct dg_filter *copy;
	struct dg_filter_info a, c;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_from(&cb, delta), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(cb, &copy), 0);
	dg_filter_info(delta, &a);
	dg_filter_info(copy, &c);
	CU_ASSERT_EQUAL(a.tombstones, 1);
	CU_ASSERT_EQUAL(c.tombstones, 1);
	CU_ASSERT_EQUAL(c.entries, a.entries);
	dg_name_from_text(&n, "gone.test", 9);
	CU_ASSERT_EQUAL(dg_filter_get(copy, &n, pol, 4), 0);
	dg_filter_free(copy);
	dg_filter_builder_free(cb);
	dg_filter_free(delta);
	dg_filter_free(base);
	dg_filter_builder_free(db);
	dg_filter_builder_free(bb);
}

DG_TEST_MAIN("filter_delta", DG_TEST(test_filter_delta_rules),
	     DG_TEST(test_filter_delta_empty), DG_TEST(test_filter_delta_one),
	     DG_TEST(test_filter_delta_10k))
