/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The identifier tables' columns and cells in the report's language and layout, shared by
 * the Markdown and HTML writers (which only differ in how a cell is written).
 */
#include <inttypes.h>
#include <string.h>

#include "report.h"

static const enum rp_msg idents_cols[] = { RP_M_COL_IDENT, RP_M_COL_FQDNS, RP_M_COL_BEHAV,
	RP_M_COL_START, RP_M_COL_END, RP_M_COL_FILTERED };
static const enum rp_msg quiet_cols[] = { RP_M_COL_IDENT, RP_M_COL_BEHAV, RP_M_COL_START,
	RP_M_COL_END, RP_M_COL_LAST_HIT, RP_M_COL_QUIET_DAYS };

size_t
rp_table_head(const struct rp_report *r, enum rp_table t, const enum rp_msg **cols,
	      const char **align)
{
	switch (t) {
	case RP_T_NEW:
		*cols = idents_cols;
		*align = "lrll";
		break;
	case RP_T_QUIET:
		*cols = quiet_cols;
		*align = "lllllr";
		break;
	default:
		/* The carrier's table stops at the end date; hits are in the trends. */
		*cols = idents_cols;
		*align = rp_carrier(r) ? "lrlll" : "lrlllr";
		break;
	}
	return strlen(*align);
}

static bool
rp_table_has(const struct rp_report *r, enum rp_table t, const struct rp_ident *d)
{
	(void)r;
	return t == RP_T_IDENTS || (t == RP_T_NEW && d->is_new) || (t == RP_T_QUIET && d->quiet);
}

size_t
rp_table_rows(const struct rp_report *r, enum rp_table t)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_idents; i++)
		n += rp_table_has(r, t, &r->idents[i]);
	return n;
}

static void
rp_table_cells(const struct rp_report *r, enum rp_table t, const struct rp_ident *d,
	       struct rp_cells *c)
{
	const char *unknown = rp_msg(r, RP_M_UNKNOWN);
	const char *behaviour = rp_behaviour(r, d->category);
	const char *start = d->has_meta ? c->start : unknown;

	rp_date(r, d->start_day, rp_msg(r, RP_M_OPEN_START), c->start, sizeof(c->start));
	rp_date(r, d->end_day, rp_msg(r, RP_M_OPEN_END), c->end, sizeof(c->end));
	if (t == RP_T_QUIET) {
		rp_date(r, d->last_hit_day, rp_msg(r, RP_M_NEVER), c->last, sizeof(c->last));
		snprintf(c->num, sizeof(c->num), "%" PRId64, d->quiet_days);
		c->v[0] = d->identifier, c->v[1] = behaviour, c->v[2] = c->start;
		c->v[3] = c->end, c->v[4] = c->last, c->v[5] = c->num;
		return;
	}
	if (d->has_meta)
		snprintf(c->num, sizeof(c->num), "%" PRIu64, d->fqdns);
	snprintf(c->hits, sizeof(c->hits), "%" PRIu64, d->hits);
	c->v[0] = d->identifier, c->v[1] = d->has_meta ? c->num : unknown, c->v[2] = behaviour;
	c->v[3] = start, c->v[4] = d->has_meta ? c->end : unknown, c->v[5] = c->hits;
}

bool
rp_table_next(const struct rp_report *r, enum rp_table t, size_t *i, struct rp_cells *c)
{
	for (; *i < r->n_idents; (*i)++) {
		if (rp_table_has(r, t, &r->idents[*i])) {
			rp_table_cells(r, t, &r->idents[(*i)++], c);
			return true;
		}
	}
	return false;
}
