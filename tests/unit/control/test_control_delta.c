/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/control's delta layer: runtime changes seeded from the base (replace, delete that
 * masks the base), feed changes (merge, exact delete), identifiers' metadata and counts
 * over both layers equal to a one-layer rebuild, and the build fingerprint (one byte more
 * or less in any input changes it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_control.h"
#include "dg_test.h"

static char dir[] = "/tmp/dg-control-delta-XXXXXX";
static char err[512];

static struct dg_name
N(const char *s)
{
	struct dg_name n;

	CU_ASSERT_FATAL(dg_name_from_text(&n, s, strlen(s)) == 0);
	return n;
}

static struct dg_entry_meta
M(const char *ident, const char *cat, enum dg_action a, enum dg_match_mode mode)
{
	return (struct dg_entry_meta){ .identifier = ident, .category = cat, .action = a,
				       .mode = mode, .end_day = UINT32_MAX };
}

static struct dg_journal_op
op_of(enum dg_journal_kind k, const char *name, struct dg_entry_meta m)
{
	struct dg_journal_op op;

	memset(&op, 0, sizeof(op));
	op.kind = k;
	op.name = N(name);
	op.meta = m;
	return op;
}

/* The identifier a two-layer lookup of @p q gives, "" for none. */
static const char *
look2(const struct dg_filter *base, const struct dg_filter *delta, const char *q)
{
	struct dg_name n = N(q);
	struct dg_match m;

	if (dg_filter_lookup2(base, delta, &n, 100, &m) == 0)
		return "";
	return m.meta->identifier ? m.meta->identifier : "-";
}

struct layers {
	struct dg_filter_builder *bb, *db, *flat; /* base, delta, and the same in one layer */
	struct dg_filter *base, *delta, *one;
};

static void
base_set(struct layers *l)
{
	struct dg_entry_meta sub = M("BASE", "old", DG_ACTION_NXDOMAIN, DG_MATCH_SUBTREE);
	struct dg_entry_meta ex = M("BASE-X", NULL, DG_ACTION_SINKHOLE, DG_MATCH_EXACT);
	struct dg_name a = N("a.test"), b = N("b.test"), c = N("c.test");

	CU_ASSERT_FATAL(dg_filter_builder_create(&l->bb, 0) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_create(&l->db, 0) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_create(&l->flat, 0) == 0);
	for (int i = 0; i < 2; i++) {
		struct dg_filter_builder *x = i ? l->flat : l->bb;

		dg_filter_builder_add(x, &a, &sub);
		dg_filter_builder_add(x, &b, &sub);
		dg_filter_builder_add(x, &c, &ex);
	}
	CU_ASSERT_FATAL(dg_filter_build(l->bb, &l->base) == 0);
}

/* The same change on the delta (over the base) and on the one-layer builder. */
static int
both(struct layers *l, const struct dg_journal_op *op)
{
	int rc = dg_control_delta_change(l->db, l->base, op);

	CU_ASSERT_EQUAL(dg_control_change(l->flat, op), rc);
	return rc;
}

static void
rebuild(struct layers *l)
{
	dg_filter_free(l->delta);
	dg_filter_free(l->one);
	CU_ASSERT_FATAL(dg_filter_build(l->db, &l->delta) == 0);
	CU_ASSERT_FATAL(dg_filter_build(l->flat, &l->one) == 0);
}

static void
layers_free(struct layers *l)
{
	dg_filter_free(l->base);
	dg_filter_free(l->delta);
	dg_filter_free(l->one);
	dg_filter_builder_free(l->bb);
	dg_filter_builder_free(l->db);
	dg_filter_builder_free(l->flat);
}

static const char *const queries[] = { "a.test", "x.a.test", "b.test", "y.b.test", "c.test",
				       "z.c.test", "new.test", "w.new.test", NULL };

/* Every query gives the same identifier on both layers as on the one-layer rebuild. */
static void
same_answers(const struct layers *l)
{
	for (int i = 0; queries[i] != NULL; i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s", look2(l->one, NULL, queries[i]));
		CU_ASSERT_STRING_EQUAL(look2(l->base, l->delta, queries[i]), want);
	}
}

static void
test_control_delta_change_equals_rebuild(void)
{
	struct layers l = { 0 };
	struct dg_journal_op op;

	base_set(&l);
	/* add replaces the same name and mode: apex and below of a.test */
	op = op_of(DG_JOURNAL_ADD, "a.test", M("RT-A", "new", DG_ACTION_DROP, DG_MATCH_SUBTREE));
	CU_ASSERT_EQUAL(both(&l, &op), 0);
	/* an exact add on b.test leaves the base's below list */
	op = op_of(DG_JOURNAL_ADD, "b.test", M("RT-B", NULL, DG_ACTION_NODATA, DG_MATCH_EXACT));
	CU_ASSERT_EQUAL(both(&l, &op), 0);
	/* a delete masks the base: c.test answers nothing any more */
	op = op_of(DG_JOURNAL_DEL, "c.test", M(NULL, NULL, 0, DG_MATCH_EXACT));
	CU_ASSERT_EQUAL(both(&l, &op), 1);
	/* a name the base does not hold */
	op = op_of(DG_JOURNAL_ADD, "new.test", M("RT-N", NULL, DG_ACTION_SINKHOLE,
						 DG_MATCH_SUBTREE));
	CU_ASSERT_EQUAL(both(&l, &op), 0);
	/* a delete of nothing removes nothing */
	op = op_of(DG_JOURNAL_DEL, "nothing.test", M(NULL, NULL, 0, DG_MATCH_SUBTREE));
	CU_ASSERT_EQUAL(both(&l, &op), 0);
	rebuild(&l);
	same_answers(&l);
	CU_ASSERT_STRING_EQUAL(look2(l.base, l.delta, "b.test"), "RT-B");
	CU_ASSERT_STRING_EQUAL(look2(l.base, l.delta, "y.b.test"), "BASE");
	CU_ASSERT_STRING_EQUAL(look2(l.base, l.delta, "c.test"), "");
	CU_ASSERT_STRING_EQUAL(look2(l.base, NULL, "c.test"), "BASE-X");
	/* counts over both layers equal the one-layer snapshot's */
	{
		struct dg_filter_info bi, oi;

		dg_filter_info(l.base, &bi);
		dg_filter_info(l.one, &oi);
		CU_ASSERT_EQUAL(dg_control_count_entries(l.base, bi.entries, l.delta), oi.entries);
		CU_ASSERT_EQUAL(dg_control_count_active(l.base, dg_filter_count_active(l.base, 100),
							l.delta, 100),
				dg_filter_count_active(l.one, 100));
	}
	layers_free(&l);
}

static void
test_control_delta_feed_merge_exact_delete(void)
{
	struct layers l = { 0 };
	struct dg_entry_meta feed = M("FEED", NULL, DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	struct dg_entry_meta other = M("FEED-2", NULL, DG_ACTION_NXDOMAIN, DG_MATCH_EXACT);
	struct dg_name c = N("c.test");

	base_set(&l);
	/* an add merges: the base's exact policy stays and the new one is the last added */
	CU_ASSERT_EQUAL(dg_control_delta_feed(l.db, l.base, 0, &c, &feed), 0);
	CU_ASSERT_FATAL(dg_filter_build(l.db, &l.delta) == 0);
	CU_ASSERT_STRING_EQUAL(look2(l.base, l.delta, "c.test"), "FEED");
	CU_ASSERT_EQUAL(dg_filter_get(l.delta, &c, NULL, 0), 2);
	/* an exact delete takes only its own policy; one not there is no error */
	CU_ASSERT_EQUAL(dg_control_delta_feed(l.db, l.base, 1, &c, &feed), 1);
	CU_ASSERT_EQUAL(dg_control_delta_feed(l.db, l.base, 1, &c, &other), 0);
	dg_filter_free(l.delta);
	CU_ASSERT_FATAL(dg_filter_build(l.db, &l.delta) == 0);
	CU_ASSERT_STRING_EQUAL(look2(l.base, l.delta, "c.test"), "BASE-X");
	layers_free(&l);
}

static void
test_control_idents_view_equals_rebuild(void)
{
	struct layers l = { 0 };
	struct dg_idents *bm = NULL, *view = NULL, *one = NULL;
	struct dg_journal_op op;
	struct dg_ident_meta *e;
	const char *const ids[] = { "BASE", "BASE-X", "RT", "ALLOW", NULL };

	base_set(&l);
	op = op_of(DG_JOURNAL_ADD, "a.test", M("RT", "rt-cat", DG_ACTION_DROP, DG_MATCH_SUBTREE));
	both(&l, &op);
	op = op_of(DG_JOURNAL_DEL, "c.test", M(NULL, NULL, 0, DG_MATCH_SUBTREE));
	both(&l, &op);
	op = op_of(DG_JOURNAL_ADD, "new.test", M("ALLOW", NULL, DG_ACTION_ALLOW, DG_MATCH_EXACT));
	both(&l, &op);
	rebuild(&l);
	CU_ASSERT_FATAL(dg_idents_create(&bm) == 0 && dg_idents_create(&view) == 0 &&
			dg_idents_create(&one) == 0);
	dg_idents_get(view, "RETIRED", true)->hits = 5;
	CU_ASSERT_EQUAL(dg_idents_refresh(bm, l.base), 0);
	CU_ASSERT_EQUAL(dg_idents_view(view, bm, l.base, l.delta), 0);
	CU_ASSERT_EQUAL(dg_idents_refresh(one, l.one), 0);
	for (int i = 0; ids[i] != NULL; i++) {
		const struct dg_ident_meta *a = dg_idents_get(view, ids[i], false);
		const struct dg_ident_meta *b = dg_idents_get(one, ids[i], false);

		/* the view keeps an identifier the delta emptied, with no names */
		CU_ASSERT_FATAL(a != NULL);
		CU_ASSERT_EQUAL(a->fqdns, b != NULL ? b->fqdns : 0);
		if (b == NULL)
			continue;
		CU_ASSERT_EQUAL(a->blocking, b->blocking);
		CU_ASSERT_EQUAL(a->end_day, b->end_day);
	}
	e = dg_idents_get(view, "BASE", false);
	CU_ASSERT_EQUAL(e->fqdns, 1); /* b.test only: a.test is RT's now */
	CU_ASSERT_EQUAL(dg_idents_get(view, "BASE-X", false)->fqdns, 0);
	CU_ASSERT_STRING_EQUAL(dg_idents_get(view, "RT", false)->category, "rt-cat");
	CU_ASSERT_FALSE(dg_idents_get(view, "ALLOW", false)->blocking);
	CU_ASSERT_EQUAL(dg_idents_get(view, "ALLOW", false)->end_day, UINT32_MAX);
	CU_ASSERT_EQUAL(dg_idents_get(view, "RETIRED", false)->hits, 5);
	/* no delta: the base's metadata */
	CU_ASSERT_EQUAL(dg_idents_view(view, bm, l.base, NULL), 0);
	CU_ASSERT_EQUAL(dg_idents_get(view, "BASE", false)->fqdns, 2);
	CU_ASSERT_EQUAL(dg_idents_get(view, "RT", false)->fqdns, 0);
	dg_idents_free(bm);
	dg_idents_free(view);
	dg_idents_free(one);
	layers_free(&l);
}

static void
test_control_resolve_meta_own_wins(void)
{
	struct dg_config cfg;
	struct dg_entry_meta m = M("I", "cat", DG_ACTION_SINKHOLE, DG_MATCH_EXACT);

	dg_config_defaults(&cfg);
	cfg.n_categories = 2;
	snprintf(cfg.categories[0].name, sizeof(cfg.categories[0].name), "other");
	cfg.categories[0].v4_set = true;
	snprintf(cfg.categories[1].name, sizeof(cfg.categories[1].name), "cat");
	cfg.categories[1].v4_set = cfg.categories[1].v6_set = true;
	cfg.categories[1].v4[3] = 4;
	cfg.categories[1].v6[15] = 6;
	m.has_sinkhole4 = 1;
	m.sinkhole4[3] = 1;
	dg_control_resolve_meta(&cfg, &m);
	CU_ASSERT_EQUAL(m.sinkhole4[3], 1);
	CU_ASSERT(m.has_sinkhole6 && m.sinkhole6[15] == 6);
	m = M("I", "nope", DG_ACTION_SINKHOLE, DG_MATCH_EXACT);
	dg_control_resolve_meta(&cfg, &m);
	CU_ASSERT_FALSE(m.has_sinkhole4 || m.has_sinkhole6);
	dg_config_free(&cfg);
}

static void
write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void
test_control_fingerprint_every_input(void)
{
	uint8_t fp0[DG_CONTROL_FP_LEN], fp[DG_CONTROL_FP_LEN];
	char list[300], zone[300];
	const char *extra[1] = { zone };
	struct dg_config cfg;

	snprintf(list, sizeof(list), "%s/l.txt", dir);
	snprintf(zone, sizeof(zone), "%s/z.zone", dir);
	write_file(list, "a.test\nb.test\n");
	unlink(zone);
	dg_config_defaults(&cfg);
	cfg.n_lists = 1;
	snprintf(cfg.lists[0].path, sizeof(cfg.lists[0].path), "%s", list);
	snprintf(cfg.lists[0].format, sizeof(cfg.lists[0].format), "domains");
	CU_ASSERT_EQUAL_FATAL(dg_control_fingerprint(&cfg, extra, 1, fp0, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	/* the last byte of the list changed, then one byte more */
	write_file(list, "a.test\nb.tesu\n");
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	write_file(list, "a.test\nb.test\n\n");
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	write_file(list, "a.test\nb.test\n");
	/* an empty zone file is not a missing one */
	write_file(zone, "");
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	unlink(zone);
	/* options, strictness and category sinkholes count */
	snprintf(cfg.lists[0].opts, sizeof(cfg.lists[0].opts), "action=drop");
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	cfg.lists[0].opts[0] = '\0';
	cfg.strict = true;
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	cfg.strict = false;
	cfg.n_categories = 1;
	snprintf(cfg.categories[0].name, sizeof(cfg.categories[0].name), "c");
	dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err));
	CU_ASSERT_NOT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	cfg.n_categories = 0;
	CU_ASSERT_EQUAL(dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(fp, fp0, sizeof(fp)), 0);
	/* a list that cannot be read: an error naming it */
	unlink(list);
	CU_ASSERT_EQUAL(dg_control_fingerprint(&cfg, extra, 1, fp, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "l.txt"));
	dg_config_free(&cfg);
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_control_delta_change_equals_rebuild),
		DG_TEST(test_control_delta_feed_merge_exact_delete),
		DG_TEST(test_control_idents_view_equals_rebuild),
		DG_TEST(test_control_resolve_meta_own_wins),
		DG_TEST(test_control_fingerprint_every_input),
	};
	char cmd[300];
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = dg_test_run("control_delta", t, sizeof(t) / sizeof(t[0]));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc++;
	return rc ? 1 : 0;
}
