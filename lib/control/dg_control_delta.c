/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The delta layer's changes and the build-time metadata rewrite. A change to a name the
 * delta does not hold yet starts from the name's base state, so the delta always holds
 * each changed name whole (dg_filter.h, "Two layers").
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dg_control.h"
#include "dg_err.h"

void
dg_control_resolve_meta(void *arg, struct dg_entry_meta *m)
{
	const struct dg_config *cfg = arg;

	if (m->category == NULL || (m->has_sinkhole4 && m->has_sinkhole6))
		return;
	for (unsigned int i = 0; i < cfg->n_categories; i++) {
		const struct dg_config_category *c = &cfg->categories[i];

		if (strcmp(c->name, m->category) != 0)
			continue;
		if (!m->has_sinkhole4 && c->v4_set) {
			m->has_sinkhole4 = 1;
			memcpy(m->sinkhole4, c->v4, sizeof(m->sinkhole4));
		}
		if (!m->has_sinkhole6 && c->v6_set) {
			m->has_sinkhole6 = 1;
			memcpy(m->sinkhole6, c->v6, sizeof(m->sinkhole6));
		}
		return;
	}
}

/* The name's base state into the delta, once. */
static int
seed(struct dg_filter_builder *db, const struct dg_filter *base, const struct dg_name *name)
{
	int rc;

	if (base == NULL)
		return 0;
	rc = dg_filter_builder_has(db, name);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rc = dg_filter_builder_copy(db, base, name);
	return rc < 0 ? rc : 0;
}

int
dg_control_delta_change(struct dg_filter_builder *db, const struct dg_filter *base,
			const struct dg_journal_op *op)
{
	int rc;

	if (op->kind != DG_JOURNAL_ADD && op->kind != DG_JOURNAL_DEL)
		return -EINVAL;
	rc = seed(db, base, &op->name);
	return rc < 0 ? rc : dg_control_change(db, op);
}

int
dg_control_delta_feed(struct dg_filter_builder *db, const struct dg_filter *base, int del,
		      const struct dg_name *name, const struct dg_entry_meta *meta)
{
	int rc = seed(db, base, name);

	if (rc < 0)
		return rc;
	if (del)
		return dg_filter_builder_del(db, name, meta->mode, meta);
	rc = dg_filter_builder_add(db, name, meta);
	return rc < 0 ? rc : 0;
}

int
dg_control_delta_journal(struct dg_filter_builder *db, const struct dg_filter *base,
			 const struct dg_journal *j, char *err, size_t errlen)
{
	size_t n = dg_journal_count(j);

	for (size_t i = 0; i < n; i++) {
		const struct dg_journal_op *op = dg_journal_get(j, i);
		int rc;

		if (op->kind != DG_JOURNAL_ADD && op->kind != DG_JOURNAL_DEL)
			continue;
		rc = dg_control_delta_change(db, base, op);
		if (rc < 0)
			return dg_errf(err, errlen, rc, "replaying runtime change %zu: %s", i + 1,
				       strerror(-rc));
	}
	return 0;
}

/* Has @p n a policy (active on @p today, unless @p any) in @p f? */
static int
name_counts(const struct dg_filter *f, const struct dg_name *n, uint32_t today, bool any,
	    struct dg_filter_policy *pol)
{
	int np = f != NULL ? dg_filter_get(f, n, pol, DG_FILTER_POLICIES_MAX) : 0;

	for (int i = 0; i < np && i < DG_FILTER_POLICIES_MAX; i++)
		if (any || (today >= pol[i].meta->start_day && today <= pol[i].meta->end_day))
			return 1;
	return 0;
}

struct active {
	const struct dg_filter *base, *delta;
	uint32_t today;
	bool any;
	int64_t adj;
	struct dg_filter_policy pol[DG_FILTER_POLICIES_MAX];
};

static int
active_name(const uint8_t *wire, uint8_t len, unsigned int policies, void *arg)
{
	struct active *a = arg;
	struct dg_name n;
	size_t used;

	(void)policies;
	if (dg_name_from_wire(&n, wire, len, &used) < 0)
		return 0;
	a->adj += name_counts(a->delta, &n, a->today, a->any, a->pol) -
		  name_counts(a->base, &n, a->today, a->any, a->pol);
	return 0;
}

static uint64_t
count2(const struct dg_filter *base, uint64_t base_count, const struct dg_filter *delta,
       uint32_t today, bool any)
{
	struct active *a;
	int64_t total = (int64_t)base_count;

	if (delta == NULL || (a = calloc(1, sizeof(*a))) == NULL)
		return base_count;
	*a = (struct active){ .base = base, .delta = delta, .today = today, .any = any };
	dg_filter_walk_names(delta, active_name, a);
	total += a->adj;
	free(a);
	return total > 0 ? (uint64_t)total : 0;
}

uint64_t
dg_control_count_active(const struct dg_filter *base, uint64_t base_active,
			const struct dg_filter *delta, uint32_t today)
{
	return count2(base, base_active, delta, today, false);
}

uint64_t
dg_control_count_entries(const struct dg_filter *base, uint64_t base_entries,
			 const struct dg_filter *delta)
{
	return count2(base, base_entries, delta, 0, true);
}
