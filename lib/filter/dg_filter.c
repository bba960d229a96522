/* SPDX-License-Identifier: BSD-3-Clause */
/* Lookups: the data path, one layer or base + delta. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dg_filter.h"
#include "filter_pvt.h"

/* Where the lookup of one name stands after hashing: which suffixes the Bloom covers. */
struct flt_plan {
	const uint64_t *blk;             /* zone block, NULL when no suffix is in the Bloom */
	const struct flt_top_slot *tld;  /* top-set slot of suffix n-1 */
	const struct flt_top_slot *zone[FLT_ZONE_MAXD + 1]; /* [d]: crowded zone of d labels */
	unsigned int lim;                /* suffixes 0 .. lim-1 are in the Bloom */
	unsigned int top;                /* a TLD entry or a crowded zone was found */
	unsigned int rest;               /* labels 0 .. rest-1 not hashed yet (bulk) */
};

/*
 * The zone of a name is its last d labels: d = 2, plus one for each enclosing zone that
 * is crowded. Suffixes with at least d labels are in that zone's Bloom block; shorter
 * ones (the TLD, the crowded zones) are in the top set. The builder places every entry
 * with this same walk.
 *
 * Only the labels the plan needs are hashed here, from the right (h[nlabels] is the
 * root); the return value says how many, and flt_hash_below() does the others. A bulk
 * lookup plans a whole chunk first, to prefetch the zone blocks early, and hashes the
 * rest of each name just before its Bloom tests. With @p hashed (a constant), h[] is
 * already complete: the delta layer plans on the hashes of the base's lookup.
 */
static inline __attribute__((always_inline)) unsigned int
flt_plan(const struct dg_filter *f, const struct dg_name *n, uint64_t *h, struct flt_plan *p,
	 const int hashed)
{
	unsigned int nl = n->nlabels, d = 2, done = 0;
	size_t len;
	const uint8_t *w;

	if (!hashed)
		h[nl] = FLT_SEED;
	p->tld = NULL;
	p->top = 0;
	if (f->ntop == 0 && __builtin_expect(nl >= 2, 1)) {
		/* no top set (no TLD entry, no crowded zone): the zone is the last two labels */
		if (!hashed) {
			flt_hash_one(n, h, nl - 1);
			flt_hash_one(n, h, nl - 2);
		}
		p->lim = nl - 1;
		p->blk = f->blocks[flt_block_of(f, h[nl - 2])];
		return 2;
	}
	p->blk = NULL;
	p->lim = 0;
	if (nl == 0)
		return 0;
	if (!hashed)
		flt_hash_one(n, h, nl - 1);
	done = 1;
	if (f->ntop != 0) {
		w = dg_name_suffix(n, nl - 1, &len);
		p->tld = flt_top_find(f, h[nl - 1], w, len);
		p->top = p->tld != NULL;
	}
	if (nl < 2)
		return done;
	for (;;) {
		const struct flt_top_slot *s = NULL;

		for (; done < d; done++)
			if (!hashed)
				flt_hash_one(n, h, nl - 1 - done);
		if (f->ntop != 0) {
			w = dg_name_suffix(n, nl - d, &len);
			s = flt_top_find(f, h[nl - d], w, len);
		}
		if (s == NULL || !(s->flags & FLT_TOP_CROWDED) || d == FLT_ZONE_MAXD) {
			p->zone[d] = NULL;
			p->lim = nl - d + 1;
			break;
		}
		p->zone[d] = s;
		p->top = 1;
		if (d == nl) {
			/* the name is a crowded zone: nothing of it in the Bloom */
			return done;
		}
		d++;
	}
	p->blk = f->blocks[flt_block_of(f, h[nl - d])];
	return done;
}

/*
 * First active policy of record @p rec for its position, or 0. @p ids_off and
 * @p metas_off are added to the match's ident_id (when not 0) and meta_id: 0 for the base,
 * the base's counts for the delta.
 */
static inline __attribute__((always_inline)) int
flt_pick(const struct dg_filter *f, uint32_t rec, unsigned int label, uint32_t today,
	 struct dg_match *m, uint32_t ids_off, uint32_t metas_off)
{
	const uint8_t *r = f->arena + rec;
	unsigned int len = r[0], first = label ? r[1] : 0, cnt = label ? r[2] : r[1];
	const uint8_t *ids = r + FLT_REC_HDR + len + 4 * first;

	for (unsigned int k = 0; k < cnt; k++) {
		uint32_t id = flt_rd32(ids + 4 * k);
		const struct dg_entry_meta *me = &f->metas[id];

		if (today < me->start_day || today > me->end_day)
			continue;
		m->meta = me;
		m->meta_id = id + metas_off;
		m->ident_id = f->meta_ident[id] + (f->meta_ident[id] != 0 ? ids_off : 0);
		m->entry_name = r + FLT_REC_HDR;
		m->entry_len = (uint8_t)len;
		m->label = (uint8_t)label;
		return 1;
	}
	return 0;
}

/*
 * Record of suffix @p i under plan @p p, or FLT_NONE (may be a stand-in). @p cand: Bloom
 * results already known for suffixes 0..63 (bit i set = passed), or NULL to test here.
 */
static inline __attribute__((always_inline)) uint32_t
flt_suffix_rec(const struct dg_filter *f, const struct dg_name *n, const uint64_t *h,
	       const struct flt_plan *p, const uint64_t *cand, unsigned int i)
{
	unsigned int nl = n->nlabels;

	if (i < p->lim) {
		size_t len;
		const uint8_t *w;

		if (cand != NULL && i < 64) {
			if (!(*cand >> i & 1))
				return FLT_NONE;
		} else if (!flt_bloom_test(p->blk, h[i])) {
			return FLT_NONE;
		}
		w = dg_name_suffix(n, i, &len);
		return flt_table_find(f, h[i], w, len);
	}
	if (i == nl - 1 && p->tld != NULL)
		return p->tld->rec;
	if (i < nl - 1 && nl - i <= FLT_ZONE_MAXD && p->zone[nl - i] != NULL)
		return p->zone[nl - i]->rec;
	return FLT_NONE;
}

/*
 * The delta layer of a two-layer lookup: its snapshot, its plan, and which suffixes it
 * holds a record for (entries and tombstones: those replace the base's record).
 */
struct flt_layer {
	const struct dg_filter *f;
	struct flt_plan p;
	uint64_t has[2];   /* bit i: suffix i is in the delta */
	uint32_t ids_off;  /* the base's identifier count: delta ident ids follow the base's */
	uint32_t metas_off;
};

/* Which suffixes of @p n the delta holds (h[] complete). */
static inline __attribute__((always_inline)) int
flt_layer_scan(struct flt_layer *d, const struct dg_name *n, uint64_t *h)
{
	d->has[0] = d->has[1] = 0;
	if (n->nlabels == 0 || !flt_zone_maybe(d->f, n, h))
		return 0;
	flt_plan(d->f, n, h, &d->p, 1);
	for (unsigned int i = 0; i < n->nlabels; i++)
		if (flt_rec_present(d->f, flt_suffix_rec(d->f, n, h, &d->p, NULL, i)))
			d->has[i / 64] |= UINT64_C(1) << (i % 64);
	return (d->has[0] | d->has[1]) != 0;
}

/*
 * Walk the suffixes most specific first; @p cand as in flt_suffix_rec(). With a delta
 * (@p d not NULL: the caller scanned it), a suffix the delta holds is decided by the
 * delta's record alone.
 */
static inline __attribute__((always_inline)) int
flt_resolve(const struct dg_filter *f, const struct dg_name *n, const uint64_t *h,
	    const struct flt_plan *p, const uint64_t *cand, const struct flt_layer *d,
	    uint32_t today, struct dg_match *m)
{
	unsigned int nl = n->nlabels;

	for (unsigned int i = 0; i < nl; i++) {
		uint32_t rec;

		if (d != NULL && (d->has[i / 64] >> (i % 64) & 1)) {
			rec = flt_suffix_rec(d->f, n, h, &d->p, NULL, i);
			if (flt_pick(d->f, rec, i, today, m, d->ids_off, d->metas_off))
				return 1;
			continue;
		}
		rec = flt_suffix_rec(f, n, h, p, cand, i);
		if (rec != FLT_NONE && flt_pick(f, rec, i, today, m, 0, 0))
			return 1;
	}
	m->meta = NULL;
	return 0;
}

/* A delta worth scanning: NULL or empty costs nothing. */
static inline int
flt_layer_init(struct flt_layer *d, const struct dg_filter *base, const struct dg_filter *delta)
{
	d->f = delta;
	d->ids_off = base->nidents - 1;
	d->metas_off = base->nmetas;
	d->has[0] = d->has[1] = 0;
	d->p.lim = 0;
	d->p.blk = NULL;
	d->p.tld = NULL;
	return delta != NULL && delta->arena_len != 0;
}

static inline __attribute__((always_inline)) int
flt_lookup(const struct dg_filter *f, const struct dg_filter *delta, const struct dg_name *n,
	   uint32_t today, struct dg_match *m)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct flt_plan p;
	struct flt_layer d;

	flt_hash_below(n, h, n->nlabels - flt_plan(f, n, h, &p, 0));
	if (flt_layer_init(&d, f, delta) && flt_layer_scan(&d, n, h))
		return flt_resolve(f, n, h, &p, NULL, &d, today, m);
	return flt_resolve(f, n, h, &p, NULL, NULL, today, m);
}

int
dg_filter_lookup(const struct dg_filter *f, const struct dg_name *n, uint32_t today,
		 struct dg_match *m)
{
	return flt_lookup(f, NULL, n, today, m);
}

int
dg_filter_lookup2(const struct dg_filter *base, const struct dg_filter *delta,
		  const struct dg_name *n, uint32_t today, struct dg_match *m)
{
	return flt_lookup(base, delta, n, today, m);
}

/*
 * The bulk lookup; @p delta is a constant NULL in dg_filter_lookup_bulk(), which then
 * compiles to the one-layer code.
 */
static inline __attribute__((always_inline)) unsigned int
flt_lookup_bulk(const struct dg_filter *f, const struct dg_filter *delta,
		const struct dg_name *const *names, unsigned int n, uint32_t today,
		struct dg_match *out)
{
	/* Suffix hashes of a chunk, packed (a [BULK][128] array would thrash L1 sets). */
	uint64_t hs[DG_FILTER_BULK_MAX * 8 + DG_NAME_MAXLABELS + 1];
	uint64_t *h[DG_FILTER_BULK_MAX];
	struct flt_plan p[DG_FILTER_BULK_MAX];
	uint8_t todo[DG_FILTER_BULK_MAX];
	uint64_t cand[DG_FILTER_BULK_MAX]; /* Bloom-positive suffixes 0..63 */
	uint32_t first[DG_FILTER_BULK_MAX]; /* a record for the lowest candidate */
	uint8_t indelta[DG_FILTER_BULK_MAX]; /* the delta holds a suffix: resolve both */
	struct flt_layer d;
	const int layered = flt_layer_init(&d, f, delta);
	unsigned int hits = 0, base = 0;

	while (base < n) {
		const unsigned int want = n - base < DG_FILTER_BULK_MAX ? n - base :
					  DG_FILTER_BULK_MAX;
		unsigned int cnt = 0, used = 0, more = 0;

		/*
		 * 1: plan every name (hashing the labels its zone needs), prefetch the zone
		 * block. A name takes at most DG_NAME_MAXLABELS + 1 slots, so below the mark
		 * there is always room.
		 */
		while (cnt < want && used <= sizeof(hs) / sizeof(hs[0]) - DG_NAME_MAXLABELS - 1) {
			const struct dg_name *nm = names[base + cnt];

			h[cnt] = hs + used;
			used += nm->nlabels + 1u;
			p[cnt].rest = nm->nlabels - flt_plan(f, nm, h[cnt], &p[cnt], 0);
			if (p[cnt].blk != NULL)
				__builtin_prefetch(p[cnt].blk);
			cnt++;
		}
		/*
		 * 2: hash the rest of each name, then its Bloom tests; prefetch the buckets of
		 * the suffixes that pass. The count comes from the plan, loaded with lim: a
		 * loop bound behind the name pointer resolves its exit late, and that exit
		 * mispredicts on names of varied depth.
		 */
		for (unsigned int j = 0; j < cnt; j++) {
			uint64_t c = 0;

			flt_hash_below(names[base + j], h[j], p[j].rest);
			for (unsigned int i = 0; i < p[j].lim; i++) {
				if (!flt_bloom_test(p[j].blk, h[j][i]))
					continue;
				c |= i < 64 ? UINT64_C(1) << i : 0;
				__builtin_prefetch(&f->buckets[flt_bucket_of(f, h[j][i])]);
			}
			cand[j] = c;
			/* most names end here: no candidate, nothing in the top set */
			todo[j] = (c | p[j].top | (p[j].lim > 64)) != 0;
			if (layered) {
				/* the delta is small and cache-resident: scan it here, in one go */
				indelta[j] = (uint8_t)flt_layer_scan(&d, names[base + j], h[j]);
				todo[j] |= indelta[j];
			}
			more |= todo[j];
			if (!todo[j])
				out[base + j].meta = NULL;
		}
		if (!more) {
			base += cnt;
			continue;
		}
		/*
		 * 2b: in those buckets, prefetch the records whose tag matches; remember the
		 * first one of the most specific candidate, the likely verdict.
		 */
		for (unsigned int j = 0; j < cnt; j++) {
			first[j] = FLT_NONE;
			for (uint64_t c = cand[j]; c != 0; c &= c - 1) {
				uint64_t hh = h[j][__builtin_ctzll(c)];
				const struct flt_bucket *bk = &f->buckets[flt_bucket_of(f, hh)];
				uint32_t fr, match = flt_bucket_match(bk, flt_tag_of(hh), &fr);

				if (match != 0 && c == cand[j])
					first[j] = bk->rec[__builtin_ctz(match)];
				for (; match != 0; match &= match - 1)
					__builtin_prefetch(f->arena + bk->rec[__builtin_ctz(match)]);
			}
		}
		/* 3: exact lookups, only for names with a candidate. */
		for (unsigned int j = 0; j < cnt; j++) {
			const struct dg_name *nm = names[base + j];

			if (!todo[j])
				continue;
			if (layered && indelta[j]) {
				/* rare: rescan to get the delta's plan for this name */
				flt_layer_scan(&d, nm, h[j]);
				hits += (unsigned int)flt_resolve(f, nm, h[j], &p[j], &cand[j], &d,
								  today, &out[base + j]);
				continue;
			}
			if (first[j] != FLT_NONE) {
				/* nothing is more specific than the lowest Bloom candidate */
				unsigned int i = (unsigned int)__builtin_ctzll(cand[j]);
				size_t len;
				const uint8_t *w = dg_name_suffix(nm, i, &len);

				if (flt_rec_is(f, first[j], w, len) &&
				    flt_pick(f, first[j], i, today, &out[base + j], 0, 0)) {
					hits++;
					continue;
				}
			}
			hits += (unsigned int)flt_resolve(f, nm, h[j], &p[j], &cand[j], NULL, today,
							  &out[base + j]);
		}
		base += cnt;
	}
	return hits;
}

unsigned int
dg_filter_lookup_bulk(const struct dg_filter *f, const struct dg_name *const *names,
		      unsigned int n, uint32_t today, struct dg_match *out)
{
	return flt_lookup_bulk(f, NULL, names, n, today, out);
}

unsigned int
dg_filter_lookup_bulk2(const struct dg_filter *base, const struct dg_filter *delta,
		       const struct dg_name *const *names, unsigned int n, uint32_t today,
		       struct dg_match *out)
{
	/* no delta, or an empty one: the one-layer code */
	if (delta == NULL || delta->arena_len == 0)
		return flt_lookup_bulk(base, NULL, names, n, today, out);
	return flt_lookup_bulk(base, delta, names, n, today, out);
}

uint32_t
flt_find_name(const struct dg_filter *f, const struct dg_name *n)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct flt_plan p;
	uint32_t rec;

	if (n->nlabels == 0)
		return FLT_NONE;
	flt_hash_below(n, h, n->nlabels - flt_plan(f, n, h, &p, 0));
	rec = flt_suffix_rec(f, n, h, &p, NULL, 0);
	return flt_rec_present(f, rec) ? rec : FLT_NONE;
}

unsigned int
dg_filter_prefilter(const struct dg_filter *f, const struct dg_name *n, unsigned int *probes)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct flt_plan p;
	unsigned int pass = 0;

	flt_hash_below(n, h, n->nlabels - flt_plan(f, n, h, &p, 0));
	for (unsigned int i = 0; i < p.lim; i++)
		pass += (unsigned int)flt_bloom_test(p.blk, h[i]);
	if (probes != NULL)
		*probes = p.lim;
	return pass;
}

