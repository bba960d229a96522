/* SPDX-License-Identifier: BSD-3-Clause */
/* Snapshot build: builder -> arena, top set, Bloom blocks, exact table, metadata. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dg_filter.h"
#include "filter_pvt.h"

/* Names below each zone; one 16-byte slot per zone so a count costs one cache miss. */
struct zone_slot {
	uint64_t key;
	uint32_t cnt;
	uint32_t rep; /* a record under the zone; FLT_NONE = free slot */
};

struct zone_map {
	struct zone_slot *s;
	uint32_t mask;
};

/*
 * Cache-line aligned memory; big arrays on 2 MiB boundaries with transparent huge pages
 * asked for, since every lookup touches a random line: 4 KiB pages would add a TLB miss.
 */
static void *
alloc_big(size_t bytes)
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
	return alloc_big(n * 64);
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
	if (d == 3)
		return r->hz3;
	if (dg_name_from_wire(&n, w, len, NULL) != 0)
		return 0; /* cannot happen: the builder stored a valid name */
	flt_hash_suffixes(&n, h);
	return h[nl - d];
}

/* Count the names below each zone of @p d labels, over records keyed at depth d. */
static int
zones_count(const struct dg_filter_builder *b, struct zone_map *z, const uint8_t *depth,
	    unsigned int d, uint64_t live)
{
	uint32_t slots = 16;

	while (slots < live * 2)
		slots *= 2;
	z->mask = slots - 1;
	z->s = malloc(sizeof(*z->s) * slots);
	if (z->s == NULL)
		return -ENOMEM;
	memset(z->s, 0xff, sizeof(*z->s) * slots);
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];
		struct zone_slot *zs;
		unsigned int zo;
		uint64_t key;
		uint32_t i;

		if (depth[ri] != d || b->names[r->name + 1] <= d)
			continue;
		key = rec_zone(b, r, d, &zo);
		for (i = (uint32_t)key & z->mask; z->s[i].rep != FLT_NONE && z->s[i].key != key;
		     i = (i + 1) & z->mask)
			;
		zs = &z->s[i];
		if (zs->rep == FLT_NONE) {
			zs->key = key;
			zs->rep = ri;
			zs->cnt = 0;
		}
		zs->cnt++;
	}
	return 0;
}

static void
zones_free(struct zone_map *z)
{
	free(z->s);
	memset(z, 0, sizeof(*z));
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

/* Room for @p more bytes in the arena (crowded zones add records while building). */
static int
arena_reserve(struct dg_filter *f, uint64_t *cap, uint64_t more)
{
	uint64_t nc = *cap;
	uint8_t *p;

	if (f->arena_len + more <= *cap)
		return 0;
	while (nc < f->arena_len + more)
		nc *= 2;
	if (nc > UINT32_MAX)
		return -EFBIG;
	p = realloc(f->arena, nc);
	if (p == NULL)
		return -ENOMEM;
	f->arena = p;
	*cap = nc;
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
arena_put(const struct dg_filter_builder *b, struct dg_filter *f, const struct bld_rec *r)
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
			for (uint32_t li = r->head[pos]; li != FLT_NONE; li = b->links[li].next) {
				uint32_t m = b->links[li].meta;

				if ((b->metas[m].action == DG_ACTION_ALLOW) != allow)
					continue;
				memcpy(ids, &m, 4);
				ids += 4;
			}
		}
	}
	f->arena_len = (uint64_t)(ids - f->arena);
	return off;
}

static int
copy_metas(const struct dg_filter_builder *b, struct dg_filter *f)
{
	uint32_t *sid_ident = calloc(b->nstrs + 1, sizeof(*sid_ident));

	f->nmetas = b->nmetas;
	f->metas = malloc(sizeof(*f->metas) * (b->nmetas + 1));
	f->meta_ident = malloc(sizeof(*f->meta_ident) * (b->nmetas + 1));
	f->strs = calloc(b->nstrs + 1, sizeof(*f->strs));
	f->idents = calloc(b->nstrs + 1, sizeof(*f->idents));
	if (sid_ident == NULL || f->metas == NULL || f->meta_ident == NULL || f->strs == NULL ||
	    f->idents == NULL)
		goto nomem;
	for (f->nstrs = 0; f->nstrs < b->nstrs; f->nstrs++) {
		f->strs[f->nstrs] = strdup(b->strs[f->nstrs]);
		if (f->strs[f->nstrs] == NULL)
			goto nomem;
	}
	f->nidents = 1;
	for (uint32_t k = 0; k < b->nmetas; k++) {
		uint32_t s0 = b->meta_sid[k][0], s1 = b->meta_sid[k][1];

		f->metas[k] = b->metas[k];
		f->metas[k].identifier = s0 == FLT_NONE ? NULL : f->strs[s0];
		f->metas[k].category = s1 == FLT_NONE ? NULL : f->strs[s1];
		if (s0 != FLT_NONE && sid_ident[s0] == 0) {
			sid_ident[s0] = f->nidents;
			f->idents[f->nidents++] = f->strs[s0];
		}
		f->meta_ident[k] = s0 == FLT_NONE ? 0 : sid_ident[s0];
	}
	f->ident_fqdns = calloc(f->nidents, sizeof(*f->ident_fqdns));
	free(sid_ident);
	return f->ident_fqdns == NULL ? -ENOMEM : 0;
nomem:
	free(sid_ident);
	return -ENOMEM;
}

/* Distinct names per identifier (a name listed twice for one identifier counts once). */
static int
count_fqdns(const struct dg_filter_builder *b, struct dg_filter *f)
{
	uint32_t *stamp = calloc(f->nidents, sizeof(*stamp));

	if (stamp == NULL)
		return -ENOMEM;
	for (uint32_t ri = 0; ri < b->nrecs; ri++)
		for (int pos = POS_APEX; pos < POS_COUNT; pos++)
			for (uint32_t li = b->recs[ri].head[pos]; li != FLT_NONE;
			     li = b->links[li].next) {
				uint32_t id = f->meta_ident[b->links[li].meta];

				if (id != 0 && stamp[id] != ri + 1) {
					stamp[id] = ri + 1;
					f->ident_fqdns[id]++;
				}
			}
	free(stamp);
	return 0;
}

/* Mark the crowded zones of @p d labels (top set) and key the names below one deeper. */
static int
crowd_level(const struct dg_filter_builder *b, struct dg_filter *f, const uint32_t *off,
	    uint8_t *intop, uint8_t *depth, unsigned int d, uint64_t live, uint64_t *acap)
{
	struct zone_map z = { 0 };
	uint64_t added = 0;
	int rc = zones_count(b, &z, depth, d, live);

	for (uint32_t i = 0; rc == 0 && i <= z.mask; i++) {
		const struct zone_slot *zs = &z.s[i];
		const struct bld_rec *r;
		uint8_t len, nl;
		const uint8_t *w;
		unsigned int zo;
		struct dg_name zn;
		uint32_t slot, zr, rec;

		if (zs->rep == FLT_NONE || zs->cnt < FLT_CROWD_MIN)
			continue;
		r = &b->recs[zs->rep];
		w = rec_wire(b, r, &len, &nl);
		rec_zone(b, r, d, &zo);
		if (dg_name_from_wire(&zn, w + zo, len - zo, NULL) != 0) {
			rc = -EINVAL;
			break;
		}
		zr = flt_bld_find(b, &zn, zs->key, &slot);
		if (zr != FLT_NONE && off[zr] != FLT_NONE) {
			rec = off[zr];
			intop[zr] = 1;
		} else {
			/* no entry at the zone itself: an empty record to compare names */
			uint8_t *p;

			rc = arena_reserve(f, acap, FLT_REC_HDR + zn.len);
			if (rc != 0)
				break;
			p = f->arena + f->arena_len;
			rec = (uint32_t)f->arena_len;
			p[0] = zn.len;
			p[1] = p[2] = 0;
			p[3] = (uint8_t)d;
			memcpy(p + FLT_REC_HDR, zn.wire, zn.len);
			f->arena_len += FLT_REC_HDR + zn.len;
		}
		rc = top_insert(f, zs->key, rec, FLT_TOP_CROWDED);
		added++;
	}
	zones_free(&z);
	if (rc != 0 || added == 0)
		return rc < 0 ? rc : 0;
	f->info.crowded_zones += added;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];
		uint8_t len, nl;
		const uint8_t *w = rec_wire(b, r, &len, &nl);
		const struct flt_top_slot *s;
		unsigned int zo;
		uint64_t key;

		if (off[ri] == FLT_NONE || depth[ri] != d || nl <= d)
			continue;
		key = rec_zone(b, r, d, &zo);
		s = flt_top_find(f, key, w + zo, len - zo);
		if (s != NULL && (s->flags & FLT_TOP_CROWDED))
			depth[ri]++;
	}
	return 1;
}

static uint32_t
rec_size(const uint8_t *r)
{
	return FLT_REC_HDR + r[0] + 4u * (r[1] + r[2]);
}

/*
 * Move the records the top set points to (TLD entries, crowded zones) to the front of
 * the arena: lookups under a crowded zone compare its name, so keep those names together
 * and hot instead of scattered over the arena.
 */
static int
arena_compact(const struct dg_filter_builder *b, struct dg_filter *f, uint32_t *off,
	      const uint8_t *intop)
{
	uint8_t *na = alloc_big(f->arena_len + FLT_ARENA_SLACK);
	uint64_t pos = 0;

	if (na == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i <= f->top_mask; i++) {
		struct flt_top_slot *s = &f->top[i];
		uint32_t sz;

		if (s->rec == FLT_NONE)
			continue;
		sz = rec_size(f->arena + s->rec);
		memcpy(na + pos, f->arena + s->rec, sz);
		s->rec = (uint32_t)pos;
		pos += sz;
	}
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		uint32_t sz;

		if (off[ri] == FLT_NONE || intop[ri])
			continue;
		sz = rec_size(f->arena + off[ri]);
		memcpy(na + pos, f->arena + off[ri], sz);
		off[ri] = (uint32_t)pos;
		pos += sz;
	}
	free(f->arena);
	f->arena = na;
	f->arena_len = pos;
	return 0;
}

/* The arena as built (malloc'ed, with slack) into a huge-page allocation of its size. */
static int
arena_move(struct dg_filter *f)
{
	uint8_t *na = alloc_big(f->arena_len + FLT_ARENA_SLACK);

	if (na == NULL)
		return -ENOMEM;
	memcpy(na, f->arena, f->arena_len);
	free(f->arena);
	f->arena = na;
	return 0;
}

static int
build(const struct dg_filter_builder *b, struct dg_filter *f, uint32_t *off, uint8_t *intop,
      uint8_t *depth)
{
	struct dg_filter_info *in = &f->info;
	uint64_t alen = 0, nbloom = 0, acap;
	int rc = -ENOMEM;

	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		const struct bld_rec *r = &b->recs[ri];
		unsigned int c = r->cnt[POS_APEX] + r->cnt[POS_BELOW];

		depth[ri] = 2;
		if (c == 0)
			continue;
		alen += FLT_REC_HDR + b->names[r->name] + 4u * c;
		in->entries++;
		in->policies += c;
	}
	if (alen > UINT32_MAX)
		return -EFBIG;
	acap = alen + 4096;
	f->arena = malloc(acap);
	f->top = malloc(sizeof(*f->top) * 16);
	if (f->arena == NULL || f->top == NULL)
		return -ENOMEM;
	memset(f->top, 0xff, sizeof(*f->top) * 16);
	f->top_mask = 15;
	for (uint32_t ri = 0; ri < b->nrecs; ri++)
		off[ri] = b->recs[ri].cnt[POS_APEX] + b->recs[ri].cnt[POS_BELOW] ?
			  arena_put(b, f, &b->recs[ri]) : FLT_NONE;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		if (off[ri] != FLT_NONE && b->names[b->recs[ri].name + 1] == 1) {
			if (top_insert(f, b->recs[ri].h, off[ri], 0) != 0)
				return -ENOMEM;
			intop[ri] = 1;
		}
	}
	for (unsigned int d = 2; d < FLT_ZONE_MAXD; d++) {
		rc = crowd_level(b, f, off, intop, depth, d, in->entries, &acap);
		if (rc <= 0)
			break;
	}
	/* compaction also moves the arena to huge pages; without it, move it there alone */
	if (rc < 0 || (rc = f->ntop != 0 ? arena_compact(b, f, off, intop) : arena_move(f)) != 0)
		return rc;
	for (uint32_t ri = 0; ri < b->nrecs; ri++) {
		in->top_entries += intop[ri];
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
		unsigned int zo;

		if (off[ri] == FLT_NONE || intop[ri])
			continue;
		table_insert(f, b->recs[ri].h, off[ri]);
		bloom_insert(f, rec_zone(b, &b->recs[ri], depth[ri], &zo), b->recs[ri].h);
	}
	rc = copy_metas(b, f);
	if (rc == 0)
		rc = count_fqdns(b, f);
	if (rc != 0)
		return rc;
	in->metas = f->nmetas;
	in->idents = f->nidents - 1;
	in->bloom_blocks = f->nblocks;
	in->table_buckets = f->nbuckets;
	in->bloom_bytes = (uint64_t)f->nblocks * FLT_BLOCK_BYTES;
	in->table_bytes = (uint64_t)f->nbuckets * sizeof(struct flt_bucket);
	in->arena_bytes = f->arena_len;
	in->top_bytes = (uint64_t)(f->top_mask + 1) * sizeof(*f->top) + sizeof(f->top_bits);
	in->meta_bytes = (uint64_t)f->nmetas * (sizeof(*f->metas) + sizeof(*f->meta_ident)) +
			 (uint64_t)f->nidents * (sizeof(*f->idents) + sizeof(*f->ident_fqdns));
	for (uint32_t i = 0; i < f->nstrs; i++)
		in->meta_bytes += strlen(f->strs[i]) + 1 + sizeof(*f->strs);
	in->total_bytes = in->bloom_bytes + in->table_bytes + in->arena_bytes + in->top_bytes +
			  in->meta_bytes + sizeof(*f) - sizeof(f->top_bits);
	return 0;
}

int
dg_filter_build(const struct dg_filter_builder *b, struct dg_filter **out)
{
	struct dg_filter *f;
	uint32_t *off;
	uint8_t *intop, *depth;
	int rc;

	if (b == NULL || out == NULL)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	off = malloc(sizeof(*off) * (b->nrecs + 1));
	intop = calloc(b->nrecs + 1, 1);
	depth = malloc(b->nrecs + 1);
	if (f == NULL || off == NULL || intop == NULL || depth == NULL)
		rc = -ENOMEM;
	else
		rc = build(b, f, off, intop, depth);
	free(off);
	free(intop);
	free(depth);
	if (rc != 0) {
		dg_filter_free(f);
		return rc;
	}
	*out = f;
	return 0;
}
