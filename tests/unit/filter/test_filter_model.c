/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Randomised check of the snapshot against a brute-force model of DESIGN.md section 3:
 * every suffix of every query is compared with every entry by bytes. Names come from a
 * tiny alphabet so that parents, siblings, TLD entries and crowded zones all occur.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_filter.h"
#include "dg_test.h"

enum { NENT = 3000, NQ = 50000 };

struct ref {
	struct dg_name n;
	struct dg_entry_meta m;
};

static struct ref refs[NENT];
static unsigned int nrefs;
static uint64_t rng = 88172645463325252ull;

static unsigned int
rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/*
 * Sparse mode (no top set): at least two labels, and a zone label numbered out of 2000
 * so that no zone gathers FLT_CROWD_MIN names: the lookup's path without a top set.
 */
static int sparse;

static void
gen_name(struct dg_name *n, unsigned int maxdepth)
{
	static const char *const tld[] = { "x", "y", "com" };
	static const char *const lab[] = { "a", "b", "c", "d", "e", "F", "zz", "q.q", "z" };
	char text[256];
	unsigned int depth = 1 + rnd(maxdepth) + (sparse && maxdepth < 6), pos = 0;

	for (unsigned int i = 1; i < depth; i++) {
		/* "z.com" is the crowded zone: many names under it */
		const char *l = (i == depth - 1 && rnd(3) == 0) ? "z" : lab[rnd(9)];
		char num[8] = "";

		if (sparse && i == depth - 1)
			snprintf(num, sizeof(num), "%u", rnd(2000));
		else if (rnd(2))
			snprintf(num, sizeof(num), "%u", rnd(40));
		pos += (unsigned int)snprintf(text + pos, sizeof(text) - pos, "%s%s.",
					      strcmp(l, "q.q") ? l : "q\\.q", num);
	}
	snprintf(text + pos, sizeof(text) - pos, "%s", tld[rnd(3)]);
	if (dg_name_from_text(n, text, strlen(text)) != 0)
		abort();
}

static int
covers(const struct ref *r, unsigned int i, uint32_t today)
{
	if (today < r->m.start_day || today > r->m.end_day)
		return 0;
	return i == 0 ? r->m.mode != DG_MATCH_BELOW : r->m.mode != DG_MATCH_EXACT;
}

/* Entries with the same name form a chain: first[] of each suffix, then next_same[]. */
static int next_same[NENT];

static void
model_chains(void)
{
	for (unsigned int k = 0; k < nrefs; k++) {
		next_same[k] = -1;
		for (unsigned int j = k + 1; j < nrefs; j++) {
			if (refs[j].n.len == refs[k].n.len &&
			    memcmp(refs[j].n.wire, refs[k].n.wire, refs[k].n.len) == 0) {
				next_same[k] = (int)j;
				break;
			}
		}
	}
}

/* The first entry equal to each suffix of a query (-1: none), by byte comparison. */
struct qref {
	int16_t first[DG_NAME_MAXLABELS];
};

static void
model_refs(const struct dg_name *q, struct qref *out)
{
	for (unsigned int i = 0; i < q->nlabels; i++) {
		size_t len;
		const uint8_t *w = dg_name_suffix(q, i, &len);

		out->first[i] = -1;
		for (unsigned int k = 0; k < nrefs; k++) {
			if (refs[k].n.len == len && memcmp(refs[k].n.wire, w, len) == 0) {
				out->first[i] = (int16_t)k;
				break;
			}
		}
	}
}

/* DESIGN.md section 3 on those entries: the verdict's action and label, or -1. */
static int
model(const struct dg_name *q, const struct qref *qr, uint32_t today, unsigned int *label)
{
	for (unsigned int i = 0; i < q->nlabels; i++) {
		int best = -1;

		for (int k = qr->first[i]; k >= 0; k = next_same[k]) {
			const struct ref *e = &refs[k];

			if (!covers(e, i, today))
				continue;
			/* allow beats block; otherwise the later entry wins */
			if (best < 0 || e->m.action == DG_ACTION_ALLOW ||
			    refs[best].m.action != DG_ACTION_ALLOW)
				best = k;
		}
		if (best >= 0) {
			*label = i;
			return (int)refs[best].m.action;
		}
	}
	return -1;
}

/* A query: a random name, or (sparse mode, every other one) a listed name with up to
 * two labels in front, so that a sparse list still gets hits. */
static void
gen_query(struct dg_name *q)
{
	char text[DG_NAME_TEXT_MAX], pre[16];
	const struct ref *r;

	gen_name(q, 6);
	if (!sparse || rnd(2))
		return;
	r = &refs[rnd(nrefs)];
	if (dg_name_to_text(r->n.wire, r->n.len, text, sizeof(text)) < 0)
		abort();
	switch (rnd(3)) {
	case 0:
		pre[0] = '\0';
		break;
	case 1:
		snprintf(pre, sizeof(pre), "w%u.", rnd(3));
		break;
	default:
		snprintf(pre, sizeof(pre), "m%u.w%u.", rnd(3), rnd(3));
		break;
	}
	if (strlen(pre) + strlen(text) >= sizeof(text))
		abort();
	memmove(text + strlen(pre), text, strlen(text) + 1);
	memcpy(text, pre, strlen(pre));
	if (dg_name_from_text(q, text, strlen(text)) != 0)
		abort();
}

static void
run_model(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_filter_info in;
	static struct dg_name qs[NQ];
	static struct qref qr[NQ];
	static struct dg_match bulk[NQ];
	const struct dg_name *qp[NQ];
	unsigned int mismatches = 0, hits = 0;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (nrefs = 0; nrefs < NENT; nrefs++) {
		struct ref *r = &refs[nrefs];

		gen_name(&r->n, 4);
		r->m.identifier = "ID";
		r->m.action = (enum dg_action)rnd(DG_ACTION_COUNT);
		r->m.mode = (enum dg_match_mode)rnd(DG_MATCH_COUNT);
		r->m.start_day = rnd(4) ? 0 : 10 + rnd(10);
		r->m.end_day = rnd(4) ? UINT32_MAX : 20 + rnd(10);
		CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &r->n, &r->m) >= 0);
	}
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	dg_filter_info(f, &in);
	model_chains();
	if (sparse) {
		CU_ASSERT_EQUAL(in.crowded_zones, 0);
		CU_ASSERT_EQUAL(in.top_entries, 0);
	} else {
		CU_ASSERT_TRUE(in.crowded_zones >= 1);
		CU_ASSERT_TRUE(in.top_entries >= 3);
	}
	for (unsigned int k = 0; k < NQ; k++) {
		gen_query(&qs[k]);
		qp[k] = &qs[k];
		model_refs(&qs[k], &qr[k]);
	}
	for (uint32_t today = 5; today <= 35; today += 5) {
		unsigned int nb = dg_filter_lookup_bulk(f, qp, NQ, today, bulk), ns = 0;

		for (unsigned int k = 0; k < NQ; k++) {
			unsigned int ml = 0;
			int want = model(&qs[k], &qr[k], today, &ml);
			struct dg_match m;
			int got = dg_filter_lookup(f, &qs[k], today, &m);

			ns += (unsigned int)got;
			if (want < 0) {
				mismatches += got != 0 || bulk[k].meta != NULL;
				continue;
			}
			hits++;
			mismatches += got != 1 || (int)m.meta->action != want || m.label != ml;
			mismatches += bulk[k].meta == NULL || (int)bulk[k].meta->action != want ||
				      bulk[k].label != ml;
		}
		CU_ASSERT_EQUAL(nb, ns);
	}
	printf("\n  model: %u verdicts checked, %u mismatches, %llu crowded zones\n", hits,
	       mismatches, (unsigned long long)in.crowded_zones);
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_TRUE(hits > 1000);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

/* TLD entries and a crowded zone: the top set in use. */
static void
test_filter_model_random(void)
{
	sparse = 0;
	run_model();
}

/* No TLD entry, no crowded zone: the lookup's path without a top set. */
static void
test_filter_model_no_top_set(void)
{
	sparse = 1;
	run_model();
}

DG_TEST_MAIN("filter_model", DG_TEST(test_filter_model_random),
	     DG_TEST(test_filter_model_no_top_set))
