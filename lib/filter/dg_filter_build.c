/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The builder: a mutable set of (name, position, metadata) policies, and the build of an
 * immutable snapshot from it. Control plane only: allocates freely.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_filter.h"
#include "filter_pvt.h"

static int
grow(void *pp, uint32_t *cap, uint32_t need, size_t elem)
{
	void **p = pp;
	uint64_t nc = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return 0;
	while (nc < need)
		nc *= 2;
	if (nc > UINT32_MAX - 1)
		return -ENOMEM;
	np = realloc(*p, nc * elem);
	if (np == NULL)
		return -ENOMEM;
	*p = np;
	*cap = (uint32_t)nc;
	return 0;
}

static uint32_t *
map_new(uint32_t slots)
{
	uint32_t *m = malloc(sizeof(*m) * slots);

	if (m != NULL)
		memset(m, 0xff, sizeof(*m) * slots);
	return m;
}

static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *s = p;

	while (n > 0) {
		unsigned int k = n > 60 ? 60 : (unsigned int)n;
		uint8_t tmp[64];

		tmp[0] = (uint8_t)k;
		memcpy(tmp + 1, s, k);
		h = flt_hash_label(tmp, k + 1, h); /* whole blocks of tmp[64] are readable */
		s += k;
		n -= k;
	}
	return h;
}

/* ---- strings and metadata ---- */

static uint32_t
str_intern(struct dg_filter_builder *b, const char *s)
{
	size_t len;
	uint64_t h;
	uint32_t i;

	if (s == NULL || s[0] == '\0')
		return FLT_NONE;
	len = strlen(s);
	h = hash_bytes(s, len, FLT_SEED);
	for (i = (uint32_t)h & b->strmask; b->strmap[i] != FLT_NONE; i = (i + 1) & b->strmask)
		if (strcmp(b->strs[b->strmap[i]], s) == 0)
			return b->strmap[i];
	if (grow(&b->strs, &b->capstrs, b->nstrs + 1, sizeof(*b->strs)) != 0)
		return FLT_NONE - 1;
	b->strs[b->nstrs] = strdup(s);
	if (b->strs[b->nstrs] == NULL)
		return FLT_NONE - 1;
	b->strmap[i] = b->nstrs;
	if (++b->nstrs * 2 > b->strmask) {
		uint32_t *nm = map_new((b->strmask + 1) * 2), mask = b->strmask * 2 + 1;

		if (nm == NULL)
			return FLT_NONE - 1;
		for (uint32_t k = 0; k < b->nstrs; k++) {
			const char *t = b->strs[k];
			uint32_t j = (uint32_t)hash_bytes(t, strlen(t), FLT_SEED) & mask;

			while (nm[j] != FLT_NONE)
				j = (j + 1) & mask;
			nm[j] = k;
		}
		free(b->strmap);
		b->strmap = nm;
		b->strmask = mask;
	}
	return b->nstrs - 1;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || a[0] == '\0')
		return b == NULL || b[0] == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

/* Same metadata? (strings by content) */
static int
meta_eq(const struct dg_entry_meta *a, const struct dg_entry_meta *b)
{
	return a->action == b->action && a->mode == b->mode &&
	       a->start_day == b->start_day && a->end_day == b->end_day &&
	       a->has_sinkhole4 == b->has_sinkhole4 && a->has_sinkhole6 == b->has_sinkhole6 &&
	       (!a->has_sinkhole4 || memcmp(a->sinkhole4, b->sinkhole4, 4) == 0) &&
	       (!a->has_sinkhole6 || memcmp(a->sinkhole6, b->sinkhole6, 16) == 0) &&
	       str_eq(a->identifier, b->identifier) && str_eq(a->category, b->category);
}

static uint64_t
meta_hash(const struct dg_entry_meta *m, uint32_t sid0, uint32_t sid1)
{
	uint64_t v[4] = {
		(uint64_t)sid0 << 32 | sid1,
		(uint64_t)m->action << 32 | (uint64_t)m->mode << 8 | m->has_sinkhole4 << 1 |
			m->has_sinkhole6,
		(uint64_t)m->start_day << 32 | m->end_day,
		0,
	};

	if (m->has_sinkhole4)
		memcpy(&v[3], m->sinkhole4, 4);
	if (m->has_sinkhole6)
		v[3] ^= hash_bytes(m->sinkhole6, 16, 1);
	return hash_bytes(v, sizeof(v), FLT_SEED);
}

static int
meta_rehash(struct dg_filter_builder *b)
{
	uint32_t mask = b->metamask * 2 + 1, *nm = map_new(mask + 1);

	if (nm == NULL)
		return -ENOMEM;
	for (uint32_t k = 0; k < b->nmetas; k++) {
		uint32_t j = (uint32_t)meta_hash(&b->metas[k], b->meta_sid[k][0],
						 b->meta_sid[k][1]) & mask;

		while (nm[j] != FLT_NONE)
			j = (j + 1) & mask;
		nm[j] = k;
	}
	free(b->metamap);
	b->metamap = nm;
	b->metamask = mask;
	return 0;
}

/* Index of the interned copy of @p m, adding it if new; negative errno on failure. */
static int64_t
meta_intern(struct dg_filter_builder *b, const struct dg_entry_meta *m)
{
	uint32_t s0, s1, i;
	struct dg_entry_meta *c;

	if (b->last_meta != FLT_NONE && meta_eq(m, &b->metas[b->last_meta]))
		return b->last_meta;
	s0 = str_intern(b, m->identifier);
	s1 = str_intern(b, m->category);
	if (s0 == FLT_NONE - 1 || s1 == FLT_NONE - 1)
		return -ENOMEM;
	for (i = (uint32_t)meta_hash(m, s0, s1) & b->metamask; b->metamap[i] != FLT_NONE;
	     i = (i + 1) & b->metamask) {
		uint32_t k = b->metamap[i];

		if (b->meta_sid[k][0] == s0 && b->meta_sid[k][1] == s1 &&
		    meta_eq(m, &b->metas[k]))
			return b->last_meta = k;
	}
	/* meta ids live in list slots beside BLD_INLINE */
	if (b->nmetas >= BLD_INLINE - 1 ||
	    grow(&b->metas, &b->capmetas, b->nmetas + 1, sizeof(*b->metas)) != 0)
		return -ENOMEM;
	void *sid = realloc(b->meta_sid, sizeof(*b->meta_sid) * b->capmetas);

	if (sid == NULL)
		return -ENOMEM;
	b->meta_sid = sid;
	c = &b->metas[b->nmetas];
	*c = *m;
	c->identifier = s0 == FLT_NONE ? NULL : b->strs[s0];
	c->category = s1 == FLT_NONE ? NULL : b->strs[s1];
	if (!c->has_sinkhole4)
		memset(c->sinkhole4, 0, sizeof(c->sinkhole4));
	if (!c->has_sinkhole6)
		memset(c->sinkhole6, 0, sizeof(c->sinkhole6));
	b->meta_sid[b->nmetas][0] = s0;
	b->meta_sid[b->nmetas][1] = s1;
	b->metamap[i] = b->nmetas;
	b->last_meta = b->nmetas++;
	if (b->nmetas * 2 > b->metamask && meta_rehash(b) != 0)
		return -ENOMEM;
	return b->last_meta;
}

/* ---- names ---- */

/* Name map slot: hash tag (high half) and record index; all ones = free. */
#define MAP_FREE UINT64_MAX

static uint64_t
map_entry(uint64_t h, uint32_t ri)
{
	return (h & ~(uint64_t)UINT32_MAX) | ri;
}

static uint64_t *
map64_new(uint32_t slots)
{
	uint64_t *m = malloc(sizeof(*m) * slots);

	if (m != NULL)
		memset(m, 0xff, sizeof(*m) * slots);
	return m;
}

static int
map_grow(struct dg_filter_builder *b)
{
	uint32_t mask = b->mapmask * 2 + 1;
	uint64_t *nm = map64_new(mask + 1);

	if (nm == NULL)
		return -ENOMEM;
	for (uint32_t k = 0; k < b->nrecs; k++) {
		uint32_t j = (uint32_t)b->recs[k].h & mask;

		while (nm[j] != MAP_FREE)
			j = (j + 1) & mask;
		nm[j] = map_entry(b->recs[k].h, k);
	}
	free(b->map);
	b->map = nm;
	b->mapmask = mask;
	return 0;
}

/*
 * Record of @p n, or FLT_NONE; *slot gets the map slot where it is or would go. The tag
 * in the slot spares a visit to the record for most other names.
 */
uint32_t
flt_bld_find(const struct dg_filter_builder *b, const struct dg_name *n, uint64_t h,
	     uint32_t *slot)
{
	uint32_t i;

	for (i = (uint32_t)h & b->mapmask; b->map[i] != MAP_FREE; i = (i + 1) & b->mapmask) {
		const struct bld_rec *r = &b->recs[(uint32_t)b->map[i]];
		uint8_t len, nl;
		const uint8_t *w;

		if ((b->map[i] >> 32) != (h >> 32) || r->h != h)
			continue;
		w = rec_wire(b, r, &len, &nl);
		if (len == n->len && memcmp(w, n->wire, len) == 0) {
			*slot = i;
			return (uint32_t)b->map[i];
		}
	}
	*slot = i;
	return FLT_NONE;
}

static int64_t
rec_get(struct dg_filter_builder *b, const struct dg_name *n)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	unsigned int nl = n->nlabels;
	uint32_t slot, ri;
	struct bld_rec *r;
	uint64_t need;

	flt_hash_suffixes(n, h);
	ri = flt_bld_find(b, n, h[0], &slot);
	if (ri != FLT_NONE)
		return ri;
	need = b->nameslen + 2 + n->len;
	if (need > UINT32_MAX)
		return -EFBIG;
	/* FLT_ARENA_SLACK readable after the last name: flt_rec_is() loads 32 bytes */
	if (need + FLT_ARENA_SLACK > b->namescap) {
		uint64_t nc = b->namescap ? b->namescap * 2 : 4096;
		uint8_t *p;

		while (nc < need + FLT_ARENA_SLACK)
			nc *= 2;
		p = realloc(b->names, nc);
		if (p == NULL)
			return -ENOMEM;
		b->names = p;
		b->namescap = nc;
	}
	if (grow(&b->recs, &b->caprecs, b->nrecs + 1, sizeof(*b->recs)) != 0)
		return -ENOMEM;
	r = &b->recs[b->nrecs];
	r->h = h[0];
	r->hz2 = nl >= 2 ? h[nl - 2] : 0;
	r->name = (uint32_t)b->nameslen;
	r->head[POS_APEX] = r->head[POS_BELOW] = FLT_NONE;
	r->cnt[POS_APEX] = r->cnt[POS_BELOW] = 0;
	r->tomb = 0;
	b->names[b->nameslen] = n->len;
	b->names[b->nameslen + 1] = n->nlabels;
	memcpy(b->names + b->nameslen + 2, n->wire, n->len);
	b->nameslen = need;
	b->map[slot] = map_entry(h[0], b->nrecs);
	ri = b->nrecs++;
	/* up to 3/4 full: the tags keep long probe runs cheap, and the map is a third of
	 * what the builder holds per name */
	if ((uint64_t)b->nrecs * 4 > (uint64_t)b->mapmask * 3 && map_grow(b) != 0)
		return -ENOMEM;
	return ri;
}

/* Unlink policies of one list that match @p meta (all when NULL). */
static int
list_remove(struct dg_filter_builder *b, struct bld_rec *r, int pos,
	    const struct dg_entry_meta *meta, int64_t meta_id)
{
	uint32_t *pp = &r->head[pos];
	int removed = 0;

	while (*pp != FLT_NONE) {
		uint32_t li = *pp, m, next = li;
		int inl = (li & BLD_INLINE) != 0;

		bld_next(b, &next, &m);
		if ((meta_id >= 0 && m == meta_id) ||
		    (meta_id < 0 && (meta == NULL || meta_eq(meta, &b->metas[m])))) {
			*pp = next;
			if (!inl) {
				b->links[li].next = b->freelink;
				b->freelink = li;
			}
			r->cnt[pos]--;
			removed++;
		} else if (inl) {
			break;
		} else {
			pp = &b->links[li].next;
		}
	}
	return removed;
}

static int
list_push(struct dg_filter_builder *b, struct bld_rec *r, int pos, uint32_t meta_id)
{
	uint32_t li;
	int dup = list_remove(b, r, pos, NULL, meta_id) > 0;

	if (r->cnt[pos] >= UINT8_MAX)
		return -E2BIG;
	if (r->head[pos] == FLT_NONE) {
		r->head[pos] = BLD_INLINE | meta_id;
		r->cnt[pos]++;
		return dup;
	}
	if (b->freelink != FLT_NONE) {
		li = b->freelink;
		b->freelink = b->links[li].next;
	} else {
		if (b->nlinks >= BLD_INLINE - 1 ||
		    grow(&b->links, &b->caplinks, b->nlinks + 1, sizeof(*b->links)) != 0)
			return -ENOMEM;
		li = b->nlinks++;
	}
	b->links[li].meta = meta_id;
	b->links[li].next = r->head[pos];
	r->head[pos] = li;
	r->cnt[pos]++;
	return dup;
}

int
dg_filter_builder_create(struct dg_filter_builder **out, size_t expected)
{
	struct dg_filter_builder *b = calloc(1, sizeof(*b));
	uint32_t slots = 64;

	if (b == NULL)
		return -ENOMEM;
	while (slots < expected + expected / 3 + 1 && slots < (UINT32_C(1) << 31))
		slots *= 2;
	b->mapmask = slots - 1;
	b->map = map64_new(slots);
	b->metamask = 63;
	b->metamap = map_new(64);
	b->strmask = 63;
	b->strmap = map_new(64);
	b->freelink = FLT_NONE;
	b->last_meta = FLT_NONE;
	if (b->map == NULL || b->metamap == NULL || b->strmap == NULL ||
	    (expected && grow(&b->recs, &b->caprecs, (uint32_t)expected, sizeof(*b->recs)))) {
		dg_filter_builder_free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void
dg_filter_builder_free(struct dg_filter_builder *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < b->nstrs; i++)
		free(b->strs[i]);
	free(b->strs);
	free(b->strmap);
	free(b->metas);
	free(b->meta_sid);
	free(b->metamap);
	free(b->links);
	free(b->names);
	free(b->recs);
	free(b->map);
	free(b);
}

size_t
dg_filter_builder_count(const struct dg_filter_builder *b)
{
	size_t n = 0;

	for (uint32_t i = 0; i < b->nrecs; i++)
		n += bld_rec_kept(&b->recs[i]);
	return n;
}

static int
meta_valid(const struct dg_entry_meta *m)
{
	return (unsigned int)m->action < DG_ACTION_COUNT &&
	       (unsigned int)m->mode < DG_MATCH_COUNT && m->end_day >= m->start_day;
}

void
dg_filter_builder_set_meta_fn(struct dg_filter_builder *b, dg_filter_meta_fn fn, void *arg)
{
	b->meta_fn = fn;
	b->meta_arg = arg;
}

/* The metadata as the builder stores it: @p meta, or the hook's rewrite in @p tmp. */
static const struct dg_entry_meta *
meta_hooked(const struct dg_filter_builder *b, const struct dg_entry_meta *meta,
	    struct dg_entry_meta *tmp)
{
	if (b->meta_fn == NULL || meta == NULL)
		return meta;
	*tmp = *meta;
	b->meta_fn(b->meta_arg, tmp);
	return tmp;
}

int
dg_filter_builder_add(struct dg_filter_builder *b, const struct dg_name *name,
		      const struct dg_entry_meta *meta)
{
	struct dg_entry_meta tmp;
	int64_t ri, mi;
	int rc, dup = 1;

	if (b == NULL || name == NULL || meta == NULL || name->nlabels == 0 ||
	    !meta_valid(meta))
		return -EINVAL;
	meta = meta_hooked(b, meta, &tmp);
	if (!meta_valid(meta))
		return -EINVAL;
	mi = meta_intern(b, meta);
	if (mi < 0)
		return (int)mi;
	ri = rec_get(b, name);
	if (ri < 0)
		return (int)ri;
	for (int pos = POS_APEX; pos < POS_COUNT; pos++) {
		if ((pos == POS_APEX && meta->mode == DG_MATCH_BELOW) ||
		    (pos == POS_BELOW && meta->mode == DG_MATCH_EXACT))
			continue;
		rc = list_push(b, &b->recs[ri], pos, (uint32_t)mi);
		if (rc < 0)
			return rc;
		dup &= rc;
	}
	return dup;
}

int
dg_filter_builder_del(struct dg_filter_builder *b, const struct dg_name *name,
		      enum dg_match_mode mode, const struct dg_entry_meta *meta)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct dg_entry_meta tmp;
	uint32_t slot, ri;
	int removed = 0;

	if (b == NULL || name == NULL || (unsigned int)mode >= DG_MATCH_COUNT)
		return -EINVAL;
	meta = meta_hooked(b, meta, &tmp);
	flt_hash_suffixes(name, h);
	ri = flt_bld_find(b, name, h[0], &slot);
	if (ri == FLT_NONE)
		return 0;
	b->last_meta = FLT_NONE;
	if (mode != DG_MATCH_BELOW)
		removed += list_remove(b, &b->recs[ri], POS_APEX, meta, -1);
	if (mode != DG_MATCH_EXACT)
		removed += list_remove(b, &b->recs[ri], POS_BELOW, meta, -1);
	return removed;
}

/*
 * Make builder record @p ri hold the policies of snapshot record @p r (none for a
 * tombstone): pushed oldest first, so the lists keep the snapshot's order.
 */
static int
rec_set(struct dg_filter_builder *b, uint32_t ri, const struct dg_filter *f, const uint8_t *r)
{
	unsigned int cnt[POS_COUNT] = { r[1], r[2] };
	const uint8_t *ids = r + FLT_REC_HDR + r[0];

	b->last_meta = FLT_NONE;
	for (int pos = POS_APEX; pos < POS_COUNT; pos++) {
		const uint8_t *p = ids + 4 * (pos == POS_APEX ? 0 : cnt[0]);

		list_remove(b, &b->recs[ri], pos, NULL, -1);
		for (unsigned int k = cnt[pos]; k-- > 0;) {
			int64_t mi = meta_intern(b, &f->metas[flt_rd32(p + 4 * k)]);
			int rc = mi < 0 ? (int)mi : list_push(b, &b->recs[ri], pos, (uint32_t)mi);

			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Builder record of the name of snapshot record @p r, created if new. */
static int64_t
rec_of(struct dg_filter_builder *b, const uint8_t *r)
{
	struct dg_name n;

	if (dg_name_from_wire(&n, r + FLT_REC_HDR, r[0], NULL) != 0)
		return -EINVAL; /* cannot happen: the snapshot holds valid names */
	return rec_get(b, &n);
}

int
dg_filter_builder_from(struct dg_filter_builder **out, const struct dg_filter *f)
{
	struct dg_filter_builder *b;
	uint64_t off = 0;
	int rc;

	if (out == NULL || f == NULL)
		return -EINVAL;
	rc = dg_filter_builder_create(&b, f->info.entries + f->info.tombstones);
	if (rc != 0)
		return rc;
	for (; off < f->arena_len; off += flt_rec_size(f->arena + off)) {
		const uint8_t *r = f->arena + off;
		int64_t ri;

		if (r[3] & FLT_REC_STANDIN)
			continue;
		ri = rec_of(b, r);
		rc = ri < 0 ? (int)ri : rec_set(b, (uint32_t)ri, f, r);
		if (rc != 0) {
			dg_filter_builder_free(b);
			return rc;
		}
		b->recs[ri].tomb = r[1] + r[2] == 0;
	}
	*out = b;
	return 0;
}

int
dg_filter_builder_tombstone(struct dg_filter_builder *b, const struct dg_name *name)
{
	int64_t ri;

	if (b == NULL || name == NULL || name->nlabels == 0)
		return -EINVAL;
	ri = rec_get(b, name);
	if (ri < 0)
		return (int)ri;
	b->recs[ri].tomb = 1;
	return 0;
}

int
dg_filter_builder_has(const struct dg_filter_builder *b, const struct dg_name *name)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	uint32_t slot, ri;

	if (b == NULL || name == NULL)
		return -EINVAL;
	flt_hash_suffixes(name, h);
	ri = flt_bld_find(b, name, h[0], &slot);
	return ri != FLT_NONE && bld_rec_kept(&b->recs[ri]);
}

int
dg_filter_builder_copy(struct dg_filter_builder *b, const struct dg_filter *src,
		       const struct dg_name *name)
{
	uint32_t rec;
	int64_t ri;
	int rc;

	if (b == NULL || src == NULL || name == NULL || name->nlabels == 0)
		return -EINVAL;
	rec = flt_find_name(src, name);
	ri = rec_get(b, name);
	if (ri < 0)
		return (int)ri;
	if (rec == FLT_NONE) {
		b->last_meta = FLT_NONE;
		list_remove(b, &b->recs[ri], POS_APEX, NULL, -1);
		list_remove(b, &b->recs[ri], POS_BELOW, NULL, -1);
		return 0;
	}
	rc = rec_set(b, (uint32_t)ri, src, src->arena + rec);
	if (rc != 0)
		return rc;
	b->recs[ri].tomb = 1;
	return 1;
}

int
dg_filter_builder_merge(struct dg_filter_builder *b, const struct dg_filter *delta)
{
	if (b == NULL || delta == NULL)
		return -EINVAL;
	for (uint64_t off = 0; off < delta->arena_len; off += flt_rec_size(delta->arena + off)) {
		const uint8_t *r = delta->arena + off;
		int64_t ri;
		int rc;

		if (r[3] & FLT_REC_STANDIN)
			continue;
		ri = rec_of(b, r);
		rc = ri < 0 ? (int)ri : rec_set(b, (uint32_t)ri, delta, r);
		if (rc != 0)
			return rc;
	}
	return 0;
}
