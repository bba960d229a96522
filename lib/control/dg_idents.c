/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identifiers: an insertion-ordered vector of struct dg_ident_meta with an open-addressing
 * index on the identifier's text (FNV-1a), so a refresh over a large interleaved list
 * and the totals are linear, not quadratic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_control.h"

struct dg_idents {
	struct dg_ident_meta *v;
	size_t n, cap;
	uint32_t *slot;      /* index + 1 into v; 0 = free */
	size_t nslots;       /* power of two, at least twice n */
};

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

int
dg_idents_create(struct dg_idents **m)
{
	struct dg_idents *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -ENOMEM;
	x->nslots = 64;
	x->slot = calloc(x->nslots, sizeof(*x->slot));
	if (x->slot == NULL) {
		free(x);
		return -ENOMEM;
	}
	*m = x;
	return 0;
}

void
dg_idents_free(struct dg_idents *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free((char *)(uintptr_t)m->v[i].identifier);
		free((char *)(uintptr_t)m->v[i].category);
	}
	free(m->v);
	free(m->slot);
	free(m);
}

static size_t
find(const struct dg_idents *m, const char *id, uint64_t h)
{
	size_t mask = m->nslots - 1, i = h & mask;

	while (m->slot[i] != 0 && strcmp(m->v[m->slot[i] - 1].identifier, id) != 0)
		i = (i + 1) & mask;
	return i;
}

static int
grow(struct dg_idents *m)
{
	size_t ns = m->nslots * 2;
	uint32_t *s = calloc(ns, sizeof(*s)), *old = m->slot;

	if (s == NULL)
		return -ENOMEM;
	m->slot = s;
	m->nslots = ns;
	for (size_t i = 0; i < m->n; i++)
		m->slot[find(m, m->v[i].identifier, fnv1a(m->v[i].identifier))] = (uint32_t)(i + 1);
	free(old);
	return 0;
}

struct dg_ident_meta *
dg_idents_get(struct dg_idents *m, const char *id, bool create)
{
	uint64_t h = fnv1a(id);
	size_t i = find(m, id, h);
	char *copy;

	if (m->slot[i] != 0)
		return &m->v[m->slot[i] - 1];
	if (!create || m->n >= UINT32_MAX - 1)
		return NULL;
	if (2 * (m->n + 1) > m->nslots) {
		if (grow(m) < 0)
			return NULL;
		i = find(m, id, h);
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		struct dg_ident_meta *v = realloc(m->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		m->v = v;
		m->cap = cap;
	}
	if ((copy = strdup(id)) == NULL)
		return NULL;
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	m->v[m->n].identifier = copy;
	m->v[m->n].end_day = UINT32_MAX;
	m->slot[i] = (uint32_t)(m->n + 1);
	return &m->v[m->n++];
}

size_t
dg_idents_count(const struct dg_idents *m)
{
	return m != NULL ? m->n : 0;
}

struct dg_ident_meta *
dg_idents_at(struct dg_idents *m, size_t i)
{
	return m != NULL && i < m->n ? &m->v[i] : NULL;
}

/* Start over: no metadata, totals kept. */
static void
reset_meta(struct dg_idents *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free((char *)(uintptr_t)m->v[i].category);
		m->v[i].category = NULL;
		m->v[i].fqdns = 0;
		m->v[i].blocking = false;
		m->v[i].start_day = 0;
		m->v[i].end_day = UINT32_MAX;
	}
}

static int
set_category(struct dg_ident_meta *e, const char *category)
{
	char *c;

	if (category == NULL || (e->category != NULL && strcmp(e->category, category) == 0))
		return 0;
	if ((c = strdup(category)) == NULL)
		return -ENOMEM;
	free((char *)(uintptr_t)e->category);
	e->category = c;
	return 0;
}

/* A blocking policy of the identifier: its category, and the widest dates. */
static int
note_blocking(struct dg_ident_meta *e, const struct dg_entry_meta *meta)
{
	if (!e->blocking) {
		e->blocking = true;
		e->start_day = meta->start_day;
		e->end_day = meta->end_day;
	} else {
		if (meta->start_day < e->start_day)
			e->start_day = meta->start_day;
		if (meta->end_day > e->end_day)
			e->end_day = meta->end_day;
	}
	return set_category(e, meta->category);
}

struct refresh {
	struct dg_idents *m;
	const struct dg_entry_meta *last;
	struct dg_ident_meta *last_e;
	int rc;
};

static int
refresh_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	   const struct dg_entry_meta *meta, void *arg)
{
	struct refresh *r = arg;

	(void)wire;
	(void)len;
	(void)pos;
	if (meta->identifier == NULL || meta->action == DG_ACTION_ALLOW)
		return 0;
	if (meta != r->last) {
		r->last = meta;
		r->last_e = dg_idents_get(r->m, meta->identifier, true);
		if (r->last_e == NULL)
			return r->rc = -ENOMEM;
	}
	if (note_blocking(r->last_e, meta) < 0)
		return r->rc = -ENOMEM;
	return 0;
}

int
dg_idents_refresh(struct dg_idents *m, const struct dg_filter *f)
{
	struct refresh r = { m, NULL, NULL, 0 };
	struct dg_filter_info fi = { 0 };

	reset_meta(m);
	if (f == NULL)
		return 0;
	dg_filter_info(f, &fi);
	for (uint32_t id = 1; id <= fi.idents; id++) {
		const char *text;
		uint64_t fqdns;
		struct dg_ident_meta *e;

		if (dg_filter_ident(f, id, &text, &fqdns) != 0)
			continue;
		if ((e = dg_idents_get(m, text, true)) == NULL)
			return -ENOMEM;
		e->fqdns = fqdns;
	}
	dg_filter_walk(f, refresh_cb, &r);
	return r.rc;
}

/* The identifiers of one name's policies in @p f, each once; blocking ones noted. */
struct name_ids {
	const char *id[DG_FILTER_POLICIES_MAX];
	unsigned int n;
};

static void
name_ids(const struct dg_filter *f, const struct dg_name *n, struct name_ids *out,
	 struct dg_filter_policy *pol)
{
	int np = f != NULL ? dg_filter_get(f, n, pol, DG_FILTER_POLICIES_MAX) : 0;

	out->n = 0;
	for (int i = 0; i < np && i < DG_FILTER_POLICIES_MAX; i++) {
		const char *id = pol[i].meta->identifier;
		unsigned int k;

		if (id == NULL)
			continue;
		for (k = 0; k < out->n && strcmp(out->id[k], id) != 0; k++)
			;
		if (k == out->n)
			out->id[out->n++] = id;
	}
}

struct view {
	struct dg_idents *m;
	const struct dg_filter *base, *delta;
	struct dg_filter_policy pol[DG_FILTER_POLICIES_MAX];
	struct name_ids ids;
	int rc;
};

/* One name of the delta: its base identifiers lose it, its delta ones gain it. */
static int
view_name(const uint8_t *wire, uint8_t len, unsigned int policies, void *arg)
{
	struct view *v = arg;
	struct dg_ident_meta *e;
	struct dg_name n;
	size_t used;
	int np;

	(void)policies;
	if (dg_name_from_wire(&n, wire, len, &used) < 0)
		return 0;
	name_ids(v->base, &n, &v->ids, v->pol);
	for (unsigned int k = 0; k < v->ids.n; k++)
		if ((e = dg_idents_get(v->m, v->ids.id[k], false)) != NULL && e->fqdns > 0)
			e->fqdns--;
	name_ids(v->delta, &n, &v->ids, v->pol);
	for (unsigned int k = 0; k < v->ids.n; k++) {
		if ((e = dg_idents_get(v->m, v->ids.id[k], true)) == NULL)
			return v->rc = -ENOMEM;
		e->fqdns++;
	}
	np = dg_filter_get(v->delta, &n, v->pol, DG_FILTER_POLICIES_MAX);
	for (int i = 0; i < np && i < DG_FILTER_POLICIES_MAX; i++) {
		const struct dg_entry_meta *meta = v->pol[i].meta;

		if (meta->identifier == NULL || meta->action == DG_ACTION_ALLOW)
			continue;
		if ((e = dg_idents_get(v->m, meta->identifier, false)) != NULL &&
		    note_blocking(e, meta) < 0)
			return v->rc = -ENOMEM;
	}
	return 0;
}

int
dg_idents_view(struct dg_idents *m, struct dg_idents *base_meta, const struct dg_filter *base,
	       const struct dg_filter *delta)
{
	struct view *v;
	int rc = 0;

	reset_meta(m);
	for (size_t i = 0; i < dg_idents_count(base_meta); i++) {
		const struct dg_ident_meta *b = dg_idents_at(base_meta, i);
		struct dg_ident_meta *e = dg_idents_get(m, b->identifier, true);

		if (e == NULL || set_category(e, b->category) < 0)
			return -ENOMEM;
		e->fqdns = b->fqdns;
		e->blocking = b->blocking;
		e->start_day = b->start_day;
		e->end_day = b->end_day;
	}
	if (delta == NULL)
		return 0;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	*v = (struct view){ .m = m, .base = base, .delta = delta };
	dg_filter_walk_names(delta, view_name, v);
	rc = v->rc;
	free(v);
	return rc;
}
