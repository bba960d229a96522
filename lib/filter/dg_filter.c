/* SPDX-License-Identifier: BSD-3-Clause */
/* Lookups (data path) and read-only queries on a snapshot. */
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
 * rest of each name just before its Bloom tests.
 */
static inline __attribute__((always_inline)) unsigned int
flt_plan(const struct dg_filter *f, const struct dg_name *n, uint64_t *h, struct flt_plan *p)
{
	unsigned int nl = n->nlabels, d = 2, done = 0;
	size_t len;
	const uint8_t *w;

	h[nl] = FLT_SEED;
	p->tld = NULL;
	p->top = 0;
	if (f->ntop == 0 && __builtin_expect(nl >= 2, 1)) {
		/* no top set (no TLD entry, no crowded zone): the zone is the last two labels */
		flt_hash_one(n, h, nl - 1);
		flt_hash_one(n, h, nl - 2);
		p->lim = nl - 1;
		p->blk = f->blocks[flt_block_of(f, h[nl - 2])];
		return 2;
	}
	p->blk = NULL;
	p->lim = 0;
	if (nl == 0)
		return 0;
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

/* First active policy of record @p rec for its position, or 0. */
static inline int
flt_pick(const struct dg_filter *f, uint32_t rec, unsigned int label, uint32_t today,
	 struct dg_match *m)
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
		m->meta_id = id;
		m->ident_id = f->meta_ident[id];
		m->entry_name = r + FLT_REC_HDR;
		m->entry_len = (uint8_t)len;
		m->label = (uint8_t)label;
		return 1;
	}
	return 0;
}

/*
 * Walk the suffixes most specific first. @p cand: Bloom results already known for
 * suffixes 0..63 (bit i set = passed), or NULL to test here.
 */
static inline __attribute__((always_inline)) int
flt_resolve(const struct dg_filter *f, const struct dg_name *n, const uint64_t *h,
	    const struct flt_plan *p, const uint64_t *cand, uint32_t today, struct dg_match *m)
{
	unsigned int nl = n->nlabels;

	for (unsigned int i = 0; i < nl; i++) {
		uint32_t rec;

		if (i < p->lim) {
			size_t len;
			const uint8_t *w;

			if (cand != NULL && i < 64) {
				if (!(*cand >> i & 1))
					continue;
			} else if (!flt_bloom_test(p->blk, h[i])) {
				continue;
			}
			w = dg_name_suffix(n, i, &len);
			rec = flt_table_find(f, h[i], w, len);
		} else if (i == nl - 1 && p->tld != NULL) {
			rec = p->tld->rec;
		} else if (i < nl - 1 && nl - i <= FLT_ZONE_MAXD && p->zone[nl - i] != NULL) {
			rec = p->zone[nl - i]->rec;
		} else {
			continue;
		}
		if (rec != FLT_NONE && flt_pick(f, rec, i, today, m))
			return 1;
	}
	m->meta = NULL;
	return 0;
}

int
dg_filter_lookup(const struct dg_filter *f, const struct dg_name *n, uint32_t today,
		 struct dg_match *m)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct flt_plan p;

	flt_hash_below(n, h, n->nlabels - flt_plan(f, n, h, &p));
	return flt_resolve(f, n, h, &p, NULL, today, m);
}

unsigned int
dg_filter_lookup_bulk(const struct dg_filter *f, const struct dg_name *const *names,
		      unsigned int n, uint32_t today, struct dg_match *out)
{
	/* Suffix hashes of a chunk, packed (a [BULK][128] array would thrash L1 sets). */
	uint64_t hs[DG_FILTER_BULK_MAX * 8 + DG_NAME_MAXLABELS + 1];
	uint64_t *h[DG_FILTER_BULK_MAX];
	struct flt_plan p[DG_FILTER_BULK_MAX];
	uint8_t todo[DG_FILTER_BULK_MAX];
	uint64_t cand[DG_FILTER_BULK_MAX]; /* Bloom-positive suffixes 0..63 */
	uint32_t first[DG_FILTER_BULK_MAX]; /* a record for the lowest candidate */
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
			p[cnt].rest = nm->nlabels - flt_plan(f, nm, h[cnt], &p[cnt]);
			if (p[cnt].blk != NULL)
				__builtin_prefetch(p[cnt].blk);
			cnt++;
		}
		/*
		 * 2: hash the rest of each name, then its Bloom tests; prefetch the buckets of
		 * the suffixes that pass. The count comes from the plan, loaded with lim: a
		 * loop bound behind the name pointer resolves its exit late, and that exit
		 * mispredicts on names of varied depth (benign lookup 36 -> 30 cycles, 2-4
		 * labels 64 -> 55).
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
			if (first[j] != FLT_NONE) {
				/* nothing is more specific than the lowest Bloom candidate */
				unsigned int i = (unsigned int)__builtin_ctzll(cand[j]);
				size_t len;
				const uint8_t *w = dg_name_suffix(nm, i, &len);

				if (flt_rec_is(f, first[j], w, len) &&
				    flt_pick(f, first[j], i, today, &out[base + j])) {
					hits++;
					continue;
				}
			}
			hits += (unsigned int)flt_resolve(f, nm, h[j], &p[j], &cand[j], today,
							  &out[base + j]);
		}
		base += cnt;
	}
	return hits;
}

unsigned int
dg_filter_prefilter(const struct dg_filter *f, const struct dg_name *n, unsigned int *probes)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	struct flt_plan p;
	unsigned int pass = 0;

	flt_hash_below(n, h, n->nlabels - flt_plan(f, n, h, &p));
	for (unsigned int i = 0; i < p.lim; i++)
		pass += (unsigned int)flt_bloom_test(p.blk, h[i]);
	if (probes != NULL)
		*probes = p.lim;
	return pass;
}

void
dg_filter_free(struct dg_filter *f)
{
	if (f == NULL)
		return;
	free(f->blocks);
	free(f->buckets);
	free(f->top);
	free(f->arena);
	free(f->metas);
	free(f->meta_ident);
	free(f->idents);
	free(f->ident_fqdns);
	for (uint32_t i = 0; i < f->nstrs; i++)
		free(f->strs[i]);
	free(f->strs);
	free(f);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
dg_filter_info(const struct dg_filter *f, struct dg_filter_info *info)
{
	double *fp, sum = 0;

	*info = f->info;
	fp = malloc(sizeof(*fp) * f->nblocks);
	if (fp == NULL)
		return;
	/* A probe passes a block when all eight of its bits are set: prod(popcount/64). */
	for (uint32_t b = 0; b < f->nblocks; b++) {
		double p = 1.0;

		for (unsigned int w = 0; w < FLT_BLOCK_WORDS; w++)
			p *= __builtin_popcountll(f->blocks[b][w]) / 64.0;
		fp[b] = p;
		sum += p;
	}
	qsort(fp, f->nblocks, sizeof(*fp), cmp_double);
	info->bloom_fp_mean = sum / f->nblocks;
	info->bloom_fp_max = fp[f->nblocks - 1];
	info->bloom_fp_p99 = fp[(size_t)((f->nblocks - 1) * 0.99)];
	free(fp);
}

int
dg_filter_walk(const struct dg_filter *f, dg_filter_walk_cb cb, void *arg)
{
	uint64_t off = 0;

	while (off < f->arena_len) {
		const uint8_t *r = f->arena + off;
		unsigned int len = r[0], na = r[1], nb = r[2];
		const uint8_t *ids = r + FLT_REC_HDR + len;

		for (unsigned int k = 0; k < na + nb; k++) {
			int rc = cb(r + FLT_REC_HDR, (uint8_t)len,
				    k < na ? DG_MATCH_EXACT : DG_MATCH_BELOW,
				    &f->metas[flt_rd32(ids + 4 * k)], arg);

			if (rc != 0)
				return rc;
		}
		off += FLT_REC_HDR + len + 4u * (na + nb);
	}
	return 0;
}

uint64_t
dg_filter_count_active(const struct dg_filter *f, uint32_t today)
{
	uint64_t off = 0, active = 0;

	while (off < f->arena_len) {
		const uint8_t *r = f->arena + off;
		unsigned int len = r[0], na = r[1], nb = r[2];
		const uint8_t *ids = r + FLT_REC_HDR + len;

		for (unsigned int k = 0; k < na + nb; k++) {
			const struct dg_entry_meta *me = &f->metas[flt_rd32(ids + 4 * k)];

			if (today >= me->start_day && today <= me->end_day) {
				active++;
				break;
			}
		}
		off += FLT_REC_HDR + len + 4u * (na + nb);
	}
	return active;
}

int
dg_filter_ident(const struct dg_filter *f, uint32_t id, const char **text, uint64_t *fqdns)
{
	if (id == 0 || id >= f->nidents)
		return -ENOENT;
	if (text != NULL)
		*text = f->idents[id];
	if (fqdns != NULL)
		*fqdns = f->ident_fqdns[id];
	return 0;
}

static const char *const action_names[DG_ACTION_COUNT] = {
	[DG_ACTION_SINKHOLE] = "sinkhole",
	[DG_ACTION_NXDOMAIN] = "nxdomain",
	[DG_ACTION_NODATA] = "nodata",
	[DG_ACTION_DROP] = "drop",
	[DG_ACTION_ALLOW] = "allow",
	[DG_ACTION_LOG_ONLY] = "log-only",
};

static const char *const mode_names[DG_MATCH_COUNT] = {
	[DG_MATCH_EXACT] = "exact",
	[DG_MATCH_SUBTREE] = "subtree",
	[DG_MATCH_BELOW] = "below",
};

const char *
dg_action_name(enum dg_action a)
{
	return (unsigned int)a < DG_ACTION_COUNT ? action_names[a] : "?";
}

const char *
dg_match_mode_name(enum dg_match_mode m)
{
	return (unsigned int)m < DG_MATCH_COUNT ? mode_names[m] : "?";
}

static int
parse_in(const char *const *tab, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(tab[i]) == len && strncasecmp(tab[i], s, len) == 0)
			return i;
	return -EINVAL;
}

int
dg_action_parse(const char *s, size_t len)
{
	return parse_in(action_names, DG_ACTION_COUNT, s, len);
}

int
dg_match_mode_parse(const char *s, size_t len)
{
	return parse_in(mode_names, DG_MATCH_COUNT, s, len);
}
