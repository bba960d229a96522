/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state both decide suites drive: one list snapshot built at the first test, and the
 * decision's configuration, counters and hit records reset before each test. Included by
 * one test file each (the definitions are that file's own).
 */
#ifndef DECIDE_FIXTURE_H
#define DECIDE_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "dg_decide.h"
#include "dg_test.h"

/* One list entry of the suite's snapshot. */
struct fx_entry {
	const char *name;
	enum dg_action action;
	enum dg_match_mode mode;
};

static struct dg_filter *filter;
static struct dg_decide_counters cnt;
static struct dg_hit_record hits[DG_DECIDE_BURST_MAX];
static uint64_t ident_hits[8];
static struct dg_decide_cfg dcfg;
static struct dg_decide dec;
static struct dg_decide_policy pol;
static uint8_t buf[2048], orig[2048];
static struct dg_frame fr;

/* Add entry @p e to @p b, under identifier @p ident and category @p cat. */
static void
fx_add(struct dg_filter_builder *b, const char *ident, const char *cat, const struct fx_entry *e)
{
	struct dg_entry_meta meta = { .identifier = ident, .category = cat, .action = e->action,
				      .mode = e->mode, .end_day = DG_FILTER_DAY_OPEN_END };
	struct dg_name nm;

	CU_ASSERT_FATAL(dg_name_from_text(&nm, e->name, strlen(e->name)) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_add(b, &nm, &meta) >= 0);
}

/*
 * Build the snapshot of @p e (identifier @p ident, category @p cat) once; then reset the
 * decision: sinkhole 198.18.255.1, hit records on, no counts.
 */
static void
fx_setup(const char *ident, const char *cat, const struct fx_entry *e, size_t n)
{
	struct dg_filter_builder *b;

	if (filter == NULL) {
		CU_ASSERT_FATAL(dg_filter_builder_create(&b, 8) == 0);
		for (size_t i = 0; i < n; i++)
			fx_add(b, ident, cat, &e[i]);
		CU_ASSERT_FATAL(dg_filter_build(b, &filter) == 0);
		dg_filter_builder_free(b);
	}
	memset(&cnt, 0, sizeof(cnt));
	memset(hits, 0, sizeof(hits));
	memset(ident_hits, 0, sizeof(ident_hits));
	dg_pkt_cfg_init(&dcfg.pkt);
	dg_answer_cfg_init(&dcfg.answer);
	dcfg.answer.sinkhole4_set = true;
	memcpy(dcfg.answer.sinkhole4, (const uint8_t[]){ 198, 18, 255, 1 }, 4);
	dcfg.log = true;
	dec = (struct dg_decide){ .cfg = &dcfg, .cnt = &cnt, .hits = hits };
	pol = (struct dg_decide_policy){ .filter = filter, .ident_hits = ident_hits };
}

#endif /* DECIDE_FIXTURE_H */
