/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Randomised check of the snapshot against a brute-force model of DESIGN.md section 3:
 * every suffix of every query is compared with every entry by bytes. Names come from a
 * tiny alphabet so that parents, siblings, TLD entries and crowded zones all occur.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>
#include <unistd.h>

#include "dg_filter.h"
#include "dg_filter_image.h"
#include "dg_test.h"
#include "filter_model.h"

enum { NENT = 3000, NQ = 50000 };

struct ref {
	struct dg_name n;
	struct dg_entry_meta m;
};

static struct ref refs[NENT];
static unsigned int nrefs;
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
	gen_name(q, 6);
	if (sparse && rnd(2))
		gen_below(q, &refs[rnd(nrefs)].n);
}

/* @p f saved as an image and loaded back (the model then checks the loaded one). */
static struct dg_filter *
reload(const struct dg_filter *f)
{
	struct dg_filter *g = NULL;
	int fd = memfd_create("model", MFD_CLOEXEC);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_save_fd(f, fd, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_load_fd(fd, NULL, &g), 0);
	close(fd);
	return g;
}

static void
run_model(int image)
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
	if (image) {
		struct dg_filter *g = reload(f);

		dg_filter_free(f);
		f = g;
	}
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
	printf("\n  model%s: %u verdicts checked, %u mismatches, %llu crowded zones\n",
	       image ? " (loaded image)" : "", hits, mismatches,
	       (unsigned long long)in.crowded_zones);
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
	run_model(0);
}

/* No TLD entry, no crowded zone: the lookup's path without a top set. */
static void
test_filter_model_no_top_set(void)
{
	sparse = 1;
	run_model(0);
}

/* The same checks on a snapshot saved as an image and loaded back. */
static void
test_filter_model_loaded_image(void)
{
	sparse = 0;
	run_model(1);
	sparse = 1;
	run_model(1);
}

DG_TEST_MAIN("filter_model", DG_TEST(test_filter_model_random),
	     DG_TEST(test_filter_model_no_top_set), DG_TEST(test_filter_model_loaded_image))
