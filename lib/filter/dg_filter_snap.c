/* SPDX-License-Identifier: BSD-3-Clause */
/* Snapshot build: builder -> arena, top set, Bloom blocks, exact table, metadata. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dg_filter.h"
#include "filter_pvt.h"

/* Names below each zone of one level: keys (0 = free slot) and saturating counts. */
struct zone_cnt {
	uint64_t *key;
	uint8_t *cnt;
	uint32_t mask;
};

/* A crowded zone: the last @p d labels of builder record @p ri name it. */
struct crowd {
	uint64_t key;
	uint32_t ri;
	uint32_t d;
};

/* The crowded zones found so far, by key and name. */
struct crowd_set {
	struct crowd *item;
	uint32_t n, cap;
	uint32_t *map; /* item index; FLT_NONE = free */
	uint32_t mask;
};

/*
 * Cache-line aligned memory; big arrays on 2 MiB boundaries with transparent huge pages
 * asked for, since every lookup touches a random line: 4 KiB pages would add a TLB miss.
 */
void *
flt_alloc_big(size_t bytes)
{
	const size_t huge = (size_t)2 << 20;
	void *p = NULL;

	bytes = bytes ? (bytes + 63) & ~(size_t)63 : 64;
	/* from half a huge page up, a whole one costs little and spares the TLB */
	if (bytes < huge / 2)
		return aligned_alloc(64, bytes);
	bytes = (bytes + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, bytes) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it we only lose speed */
#endif
	return p;
}

static void *
alloc_lines(size_t n)
{
	return flt_alloc_big(n * 64);
}

/* Offset of label @p i in a wire name of @p nl labels (label nl = root). */
static unsigned int
label_off(const uint8_t *w, unsigned int i)
{
	unsigned int off = 0;

	while (i-- > 0)
		off += 1u + w[off];
	return off;
}

/* Hash of the last @p d labels of record @p r, and where that suffix starts in its wire. */
static uint64_t
rec_zone(const struct dg_filter_builder *b, const struct bld_rec *r, unsigned int d,
	 unsigned int *zo)
{
	uint64_t h[DG_NAME_MAXLABELS + 1];
	uint8_t len, nl;
	const uint8_t *w = rec_wire(b, r, &len, &nl);
	struct dg_name n;

	*zo = label_off(w, nl - d);
	if (d == 2)
		return r->hz2;
	/* deeper zones: only names under crowded zones get here */
	if (dg_name_from_wire(&n, w, len, NULL) != 0)
		return 0; /* cannot happen: the builder stored a valid name */
	flt_hash_suffixes(&n, h);
	return h[nl - d];
}

/* Is record @p ri keyed on a zone of @p d labels (and not that zone itself)? */
static int
below_zone(const struct dg_filter_builder *b, const uint8_t *depth, uint32_t ri,
	   unsigned int d)
{
	const struct bld_rec *r = &b->recs[ri];

	return depth[ri] == d && b->names[r->name + 1] > d && bld_rec_kept(r);
}

/* Slot of @p key in the counts. */
static uint32_t
zone_slot(const struct zone_cnt *z, uint64_t key)
{
	uint32_t i;

	key += key == 0; /* 0 marks a free slot */
	for (i = (uint32_t)key & z->mask; z->key[i] != 0 && z->key[i] != key;
	     i = (i + 1) & z->mask)
		;
	return i;
}

/* Count the names below each zone of @p d labels: 9 bytes a slot, at most 3/4 full. */
static int
zones_count(const struct dg_filter_builder *b, struct zone_cnt *z, const uint8_t *depth,
	    unsigned int d, uint64_t live)
{
	uint64_t slots = 16;

	while (slots < live + live / 3)
		slots *= 2;
	z->mask = (uint32_t)(slots - 1);
	z->key = calloc(slots, sizeof(*z->key));
	z->cnt = calloc(slots, sizeof(*z->cnt));
	if (z->key == NULL || z->cnt == NULL)
		return -ENOMEM;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		unsigned int zo;
		uint64_t key;
		uint32_t i;

		if (!below_zone(b, depth, ri, d))
			continue;
		key = rec_zone(b, &b->recs[ri], d, &zo);
		i = zone_slot(z, key);
		z->key[i] = key + (key == 0);
		z->cnt[i] += z->cnt[i] < UINT8_MAX;
	}
	return 0;
}

/* The suffix of @p d labels of record @p ri: its wire and length. */
static const uint8_t *
rec_suffix(const struct dg_filter_builder *b, uint32_t ri, unsigned int d, uint8_t *len)
{
	uint8_t nl;
	const uint8_t *w = rec_wire(b, &b->recs[ri], len, &nl);
	unsigned int zo = label_off(w, nl - d);

	*len = (uint8_t)(*len - zo);
	return w + zo;
}

/* Add the zone of record @p ri (@p d labels, hash @p key) to the set, once. */
static int
crowd_add(const struct dg_filter_builder *b, struct crowd_set *cs, uint32_t ri,
	  unsigned int d, uint64_t key)
{
	uint8_t len, l2;
	const uint8_t *w = rec_suffix(b, ri, d, &len);
	uint32_t i;

	for (i = (uint32_t)key & cs->mask; cs->map[i] != FLT_NONE; i = (i + 1) & cs->mask) {
		const struct crowd *c = &cs->item[cs->map[i]];
		const uint8_t *w2;

		if (c->key != key || c->d != d)
			continue;
		w2 = rec_suffix(b, c->ri, d, &l2);
		if (l2 == len && memcmp(w2, w, len) == 0)
			return 0;
	}
	if (cs->n == cs->cap) {
		uint32_t cap = cs->cap ? cs->cap * 2 : 64;
		struct crowd *ni = realloc(cs->item, sizeof(*ni) * cap);

		if (ni == NULL)
			return -ENOMEM;
		cs->item = ni;
		cs->cap = cap;
	}
	cs->item[cs->n] = (struct crowd){ .key = key, .ri = ri, .d = d };
	cs->map[i] = cs->n++;
	if (cs->n * 2 > cs->mask) {
		uint32_t mask = cs->mask * 2 + 1, *nm = malloc(sizeof(*nm) * (mask + 1ull));

		if (nm == NULL)
			return -ENOMEM;
		memset(nm, 0xff, sizeof(*nm) * (mask + 1ull));
		for (uint32_t k = 0; k < cs->n; k++) {
			for (i = (uint32_t)cs->item[k].key & mask; nm[i] != FLT_NONE;
			     i = (i + 1) & mask)
				;
			nm[i] = k;
		}
		free(cs->map);
		cs->map = nm;
		cs->mask = mask;
	}
	return 1;
}

/*
 * One level: the zones of @p d labels with at least FLT_CROWD_MIN names below are
 * crowded; the names below them are keyed one label deeper. A lookup finds the crowded
 * zones in the top set and goes deeper alike. Returns how many zones were added.
 */
static int
crowd_level(const struct dg_filter_builder *b, uint8_t *depth, unsigned int d,
	    struct crowd_set *cs)
{
	struct zone_cnt z = { 0 };
	uint64_t live = 0;
	int rc, added = 0;

	for (uint32_t ri = 0; ri < b->nrecs; ri++)
		live += below_zone(b, depth, ri, d);
	if (live < FLT_CROWD_MIN)
		return 0;
	rc = zones_count(b, &z, depth, d, live);
	for (uint32_t ri = 0; rc == 0 && ri < b->nrecs; ri++) {
		unsigned int zo;
		uint64_t key;
		int r;

		if (!below_zone(b, depth, ri, d))
			continue;
		key = rec_zone(b, &b->recs[ri], d, &zo);
		if (z.cnt[zone_slot(&z, key)] < FLT_CROWD_MIN)
			continue;
		/* every name of a zone shares its slot: all of them go deeper, or none */
		r = crowd_add(b, cs, ri, d, key);
		if (r < 0)
			rc = r;
		added += r > 0;
		depth[ri]++;
	}
	free(z.key);
	free(z.cnt);
	return rc < 0 ? rc : added;
}

static int
top_insert(struct dg_filter *f, uint64_t h, uint32_t rec, uint32_t flags)
{
	uint32_t i, bit = flt_top_bit(h);

	if ((f->ntop + 1) * 2 > f->top_mask + 1) {
		uint32_t slots = (f->top_mask + 1) * 2;
		struct flt_top_slot *old = f->top, *nt = malloc(sizeof(*nt) * slots);

		if (nt == NULL)
			return -ENOMEM;
		memset(nt, 0xff, sizeof(*nt) * slots);
		f->top = nt;
		f->top_mask = slots - 1;
		f->ntop = 0;
		for (i = 0; i < slots / 2; i++)
			if (old[i].rec != FLT_NONE)
				top_insert(f, old[i].hash, old[i].rec, old[i].flags);
		free(old);
	}
	for (i = (uint32_t)h & f->top_mask; f->top[i].rec != FLT_NONE; i = (i + 1) & f->top_mask)
		;
	f->top[i].hash = h;
	f->top[i].rec = rec;
	f->top[i].flags = flags;
	f->top_bits[bit / 64] |= UINT64_C(1) << (bit % 64);
	f->ntop++;
	return 0;
}

static void
table_insert(struct dg_filter *f, uint64_t h, uint32_t rec)
{
	uint32_t bi = flt_bucket_of(f, h);

	for (;;) {
		struct flt_bucket *bk = &f->buckets[bi];

		for (unsigned int s = 0; s < FLT_BUCKET_SLOTS; s++) {
			if (bk->rec[s] == FLT_NONE) {
				bk->rec[s] = rec;
				bk->tag[s] = flt_tag_of(h);
				return;
			}
		}
		if (++bi == f->nbuckets)
			bi = 0;
	}
}

static void
bloom_insert(struct dg_filter *f, uint64_t zone, uint64_t h)
{
	uint64_t *blk = f->blocks[flt_block_of(f, zone)], mask[FLT_BLOCK_WORDS];

	flt_bloom_mask(h, mask);
	for (unsigned int w = 0; w < FLT_BLOCK_WORDS; w++)
		blk[w] |= mask[w];
}

/* Append one record; policies in precedence order: allow first, then newest first. */
static uint32_t
arena_put(const struct dg_filter_builder *b, struct dg_filter *f, const struct bld_rec *r,
	  const uint32_t *remap)
{
	uint8_t len, nl, *p = f->arena + f->arena_len;
	const uint8_t *w = rec_wire(b, r, &len, &nl);
	uint32_t off = (uint32_t)f->arena_len;
	uint8_t *ids = p + FLT_REC_HDR + len;

	p[0] = len;
	p[1] = (uint8_t)r->cnt[POS_APEX];
	p[2] = (uint8_t)r->cnt[POS_BELOW];
	p[3] = nl;
	memcpy(p + FLT_REC_HDR, w, len);
	for (int pos = POS_APEX; pos < POS_COUNT; pos++) {
		for (int allow = 1; allow >= 0; allow--) {
			for (uint32_t li = r->head[pos], m; bld_next(b, &li, &m);) {
				if ((b->metas[m].action == DG_ACTION_ALLOW) != allow)
					continue;
				memcpy(ids, &remap[m], 4);
				ids += 4;
			}
		}
	}
	f->arena_len = (uint64_t)(ids - f->arena);
	return off;
}

/*
 * Number the metadata that kept records use, in the builder's order (deleted policies
 * leave unused ones behind): remap[builder index] = snapshot index, or FLT_NONE.
 */
static uint32_t
metas_used(const struct dg_filter_builder *b, uint32_t *remap)
{
	uint32_t n = 0;

	memset(remap, 0xff, sizeof(*remap) * b->nmetas);
	for (uint32_t ri = 0; ri < b->nrecs; ri++)
		for (int pos = POS_APEX; pos < POS_COUNT; pos++)
			for (uint32_t li = b->recs[ri].head[pos], m; bld_next(b, &li, &m);)
				remap[m] = 0;
	for (uint32_t k = 0; k < b->nmetas; k++)
		if (remap[k] == 0)
			remap[k] = n++;
	return n;
}

/*
 * The metadata in use, with their strings in one block; identifiers numbered in order of
 * first use.
 */
static int
copy_metas(const struct dg_filter_builder *b, struct dg_filter *f, const uint32_t *remap)
{
	uint64_t *soff = malloc(sizeof(*soff) * (b->nstrs + 1)), len = 0;
	uint32_t *sid_ident = calloc(b->nstrs + 1, sizeof(*sid_ident));

	f->metas = malloc(sizeof(*f->metas) * (f->nmetas + 1));
	f->meta_ident = malloc(sizeof(*f->meta_ident) * (f->nmetas + 1));
	f->idents = calloc(f->nmetas + 1, sizeof(*f->idents));
	if (soff == NULL || sid_ident == NULL || f->metas == NULL || f->meta_ident == NULL ||
	    f->idents == NULL)
		goto nomem;
	/* strings in use: soff[i] = offset in the block, or UINT64_MAX */
	memset(soff, 0xff, sizeof(*soff) * (b->nstrs + 1));
	for (uint32_t k = 0; k < b->nmetas; k++) {
		for (int j = 0; j < 2 && remap[k] != FLT_NONE; j++) {
			uint32_t sid = b->meta_sid[k][j];

			if (sid != FLT_NONE && soff[sid] == UINT64_MAX) {
				soff[sid] = len;
				len += strlen(b->strs[sid]) + 1;
			}
		}
	}
	f->strs = malloc(len + 1);
	if (f->strs == NULL)
		goto nomem;
	for (uint32_t i = 0; i < b->nstrs; i++)
		if (soff[i] != UINT64_MAX)
			memcpy(f->strs + soff[i], b->strs[i], strlen(b->strs[i]) + 1);
	f->strs_len = len;
	f->nidents = 1;
	for (uint32_t k = 0; k < b->nmetas; k++) {
		uint32_t s0 = b->meta_sid[k][0], s1 = b->meta_sid[k][1], i = remap[k];

		if (i == FLT_NONE)
			continue;
		f->metas[i] = b->metas[k];
		f->metas[i].identifier = s0 == FLT_NONE ? NULL : f->strs + soff[s0];
		f->metas[i].category = s1 == FLT_NONE ? NULL : f->strs + soff[s1];
		if (s0 != FLT_NONE && sid_ident[s0] == 0) {
			sid_ident[s0] = f->nidents;
			f->idents[f->nidents++] = f->strs + soff[s0];
		}
		f->meta_ident[i] = s0 == FLT_NONE ? 0 : sid_ident[s0];
	}
	f->ident_fqdns = calloc(f->nidents, sizeof(*f->ident_fqdns));
	free(soff);
	free(sid_ident);
	return f->ident_fqdns == NULL ? -ENOMEM : 0;
nomem:
	free(soff);
	free(sid_ident);
	return -ENOMEM;
}

/* Distinct names per identifier (a name listed twice for one identifier counts once). */
static int
count_fqdns(const struct dg_filter_builder *b, struct dg_filter *f, const uint32_t *remap)
{
	uint32_t *stamp = calloc(f->nidents, sizeof(*stamp));

	if (stamp == NULL)
		return -ENOMEM;
	for (uint32_t ri = 0; ri < b->nrecs; ri++)
		for (int pos = POS_APEX; pos < POS_COUNT; pos++)
			for (uint32_t li = b->recs[ri].head[pos], m; bld_next(b, &li, &m);) {
				uint32_t id = f->meta_ident[remap[m]];

				if (id != 0 && stamp[id] != ri + 1) {
					stamp[id] = ri + 1;
					f->ident_fqdns[id]++;
				}
			}
	free(stamp);
	return 0;
}

/* A stand-in record for crowded zone @p c that is no entry: its name, for the top set. */
static uint32_t
arena_standin(const struct dg_filter_builder *b, struct dg_filter *f, const struct crowd *c)
{
	uint8_t len, *p = f->arena + f->arena_len;
	const uint8_t *w = rec_suffix(b, c->ri, c->d, &len);
	uint32_t off = (uint32_t)f->arena_len;

	p[0] = len;
	p[1] = p[2] = 0;
	p[3] = (uint8_t)c->d | FLT_REC_STANDIN;
	memcpy(p + FLT_REC_HDR, w, len);
	f->arena_len += FLT_REC_HDR + len;
	return off;
}

/* Builder record of crowded zone @p c when it is itself a kept entry, or FLT_NONE. */
static uint32_t
crowd_rec(const struct dg_filter_builder *b, const struct crowd *c)
{
	uint8_t len;
	const uint8_t *w = rec_suffix(b, c->ri, c->d, &len);
	struct dg_name zn;
	uint32_t slot, zr;

	if (dg_name_from_wire(&zn, w, len, NULL) != 0)
		return FLT_NONE;
	zr = flt_bld_find(b, &zn, c->key, &slot);
	return zr != FLT_NONE && bld_rec_kept(&b->recs[zr]) ? zr : FLT_NONE;
}

/*
 * The arena in its final order, in one allocation: first what the top set points to
 * (TLD entries, crowded zones: lookups under a crowded zone compare its name, so keep
 * those names together and hot), then every other record.
 */
static int
arena_write(const struct dg_filter_builder *b, struct dg_filter *f, uint32_t *off,
	    uint8_t *intop, const struct crowd_set *cs, const uint32_t *remap)
{
	uint64_t len = 0;
	uint32_t *zr = malloc(sizeof(*zr) * (cs->n + 1ull));
	int rc = 0;

	if (zr == NULL)
		return -ENOMEM;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];

		if (bld_rec_kept(r))
			len += FLT_REC_HDR + b->names[r->name] +
			       4u * (r->cnt[POS_APEX] + r->cnt[POS_BELOW]);
		intop[ri] = bld_rec_kept(r) && b->names[r->name + 1] == 1;
	}
	for (uint32_t k = 0; k < cs->n; k++) {
		uint8_t zl;

		zr[k] = crowd_rec(b, &cs->item[k]);
		if (zr[k] == FLT_NONE)
			len += FLT_REC_HDR + (rec_suffix(b, cs->item[k].ri, cs->item[k].d, &zl), zl);
		else
			intop[zr[k]] = 2; /* in the top set as a crowded zone */
	}
	if (len >= FLT_NONE) {
		free(zr);
		return -EFBIG;
	}
	f->arena = flt_alloc_big(len + FLT_ARENA_SLACK);
	if (f->arena == NULL) {
		free(zr);
		return -ENOMEM;
	}
	memset(f->arena + len, 0, FLT_ARENA_SLACK);
	for (uint32_t ri = 0; rc == 0 && ri < b->nrecs; ri++) {
		off[ri] = FLT_NONE;
		if (intop[ri] == 1) {
			off[ri] = arena_put(b, f, &b->recs[ri], remap);
			rc = top_insert(f, b->recs[ri].h, off[ri], 0);
		}
	}
	for (uint32_t k = 0; rc == 0 && k < cs->n; k++) {
		uint32_t rec = zr[k] == FLT_NONE ? arena_standin(b, f, &cs->item[k]) :
			       (off[zr[k]] = arena_put(b, f, &b->recs[zr[k]], remap));

		rc = top_insert(f, cs->item[k].key, rec, FLT_TOP_CROWDED);
	}
	for (uint32_t ri = 0; rc == 0 && ri < b->nrecs; ri++)
		if (intop[ri] == 0 && bld_rec_kept(&b->recs[ri]))
			off[ri] = arena_put(b, f, &b->recs[ri], remap);
	free(zr);
	return rc;
}

static int
build(const struct dg_filter_builder *b, struct dg_filter *f, uint32_t *off, uint8_t *intop,
      uint8_t *depth, uint32_t *remap)
{
	struct dg_filter_info *in = &f->info;
	struct crowd_set cs = { .mask = 63 };
	uint64_t nbloom = 0;
	int rc = 0;

	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];
		unsigned int c = r->cnt[POS_APEX] + r->cnt[POS_BELOW];

		depth[ri] = 2;
		if (!bld_rec_kept(r))
			continue;
		in->entries += c != 0;
		in->tombstones += c == 0;
		in->policies += c;
	}
	f->nmetas = metas_used(b, remap);
	f->top = malloc(sizeof(*f->top) * 16);
	cs.map = malloc(sizeof(*cs.map) * (cs.mask + 1));
	if (f->top == NULL || cs.map == NULL) {
		free(cs.map);
		return -ENOMEM;
	}
	memset(f->top, 0xff, sizeof(*f->top) * 16);
	memset(cs.map, 0xff, sizeof(*cs.map) * (cs.mask + 1));
	f->top_mask = 15;
	for (unsigned int d = 2; d < FLT_ZONE_MAXD; d++) {
		rc = crowd_level(b, depth, d, &cs);
		if (rc <= 0)
			break;
	}
	if (rc >= 0)
		rc = arena_write(b, f, off, intop, &cs, remap);
	in->crowded_zones = cs.n;
	free(cs.map);
	free(cs.item);
	if (rc != 0)
		return rc;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		in->top_entries += intop[ri] != 0;
		nbloom += off[ri] != FLT_NONE && !intop[ri];
	}

	f->nblocks = (uint32_t)((nbloom * FLT_BITS_PER_ENTRY + 511) / 512);
	f->nblocks = f->nblocks ? f->nblocks : 1;
	f->nbuckets = (uint32_t)((nbloom * 100 + FLT_BUCKET_SLOTS * FLT_TABLE_LOAD_PCT - 1) /
				 (FLT_BUCKET_SLOTS * FLT_TABLE_LOAD_PCT));
	f->nbuckets = f->nbuckets ? f->nbuckets : 1;
	f->blocks = alloc_lines(f->nblocks);
	f->buckets = alloc_lines(f->nbuckets);
	if (f->blocks == NULL || f->buckets == NULL)
		return -ENOMEM;
	memset(f->blocks, 0, (size_t)f->nblocks * FLT_BLOCK_BYTES);
	memset(f->buckets, 0xff, (size_t)f->nbuckets * sizeof(*f->buckets));
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];
		unsigned int zo;
		uint32_t zb;

		if (off[ri] == FLT_NONE)
			continue;
		zb = flt_zone_bit(b->names[r->name + 1] == 1 ? r->h : r->hz2);
		f->zone_bits[zb / 64] |= UINT64_C(1) << (zb % 64);
		if (intop[ri])
			continue;
		table_insert(f, r->h, off[ri]);
		bloom_insert(f, rec_zone(b, r, depth[ri], &zo), r->h);
	}
	rc = copy_metas(b, f, remap);
	if (rc == 0)
		rc = count_fqdns(b, f, remap);
	if (rc != 0)
		return rc;
	flt_info_sizes(f);
	return 0;
}

void
flt_info_sizes(struct dg_filter *f)
{
	struct dg_filter_info *in = &f->info;

	in->metas = f->nmetas;
	in->idents = f->nidents - 1;
	in->bloom_blocks = f->nblocks;
	in->table_buckets = f->nbuckets;
	in->bloom_bytes = (uint64_t)f->nblocks * FLT_BLOCK_BYTES;
	in->table_bytes = (uint64_t)f->nbuckets * sizeof(struct flt_bucket);
	in->arena_bytes = f->arena_len + FLT_ARENA_SLACK;
	in->top_bytes = (uint64_t)(f->top_mask + 1) * sizeof(*f->top) + sizeof(f->top_bits) +
			sizeof(f->zone_bits);
	in->meta_bytes = (uint64_t)f->nmetas * (sizeof(*f->metas) + sizeof(*f->meta_ident)) +
			 (uint64_t)f->nidents * (sizeof(*f->idents) + sizeof(*f->ident_fqdns)) +
			 f->strs_len;
	in->total_bytes = in->bloom_bytes + in->table_bytes + in->arena_bytes + in->top_bytes +
			  in->meta_bytes + sizeof(*f) - sizeof(f->top_bits) - sizeof(f->zone_bits);
}

int
dg_filter_build(const struct dg_filter_builder *b, struct dg_filter **out)
{
	struct dg_filter *f;
	uint32_t *off, *remap;
	uint8_t *intop, *depth;
	int rc;

	if (b == NULL || out == NULL)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	off = malloc(sizeof(*off) * (b->nrecs + 1));
	remap = malloc(sizeof(*remap) * (b->nmetas + 1));
	intop = malloc(b->nrecs + 1);
	depth = malloc(b->nrecs + 1);
	if (f == NULL || off == NULL || remap == NULL || intop == NULL || depth == NULL)
		rc = -ENOMEM;
	else
		rc = build(b, f, off, intop, depth, remap);
	free(off);
	free(remap);
	free(intop);
	free(depth);
	if (rc != 0) {
		dg_filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}
