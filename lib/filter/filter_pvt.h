/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FILTER_PVT_H
#define FILTER_PVT_H

/*
 * Snapshot layout (private).
 *
 * Suffix hashes: h(root) = seed, h(label . parent) = mix(label bytes, h(parent)), so one
 * right-to-left pass over the labels gives the hash of every ancestor.
 *
 * Bloom: 64-byte blocks, split in eight 64-bit words with one bit per word per key (a
 * "split block" filter), so a probe is eight AND tests on one cache line. The block is
 * chosen by the hash of the zone of the name: its last two labels, or one label more
 * for each enclosing zone that is crowded (at least FLT_CROWD_MIN names below it, e.g.
 * duckdns.org, then c.2mdn.net below 2mdn.net). Every listed name under one zone is in
 * the zone's block, so a query and all of its parents probe one line.
 *
 * Top set: a small open-addressing table, behind a 4 KiB bitmap, for what cannot live
 * in a zone's block: one-label entries (TLDs), and crowded zones (with the zone's own
 * policies, if any). A lookup tests the bitmap for its TLD and its two-label zone.
 *
 * Zone bits: one bit per zone (the last two labels) and per TLD that holds an entry, so
 * that a two-layer lookup skips a delta that has nothing under the query's zone in two
 * bit tests. Any name equal to a suffix of the query shares the query's zone, or is its
 * TLD.
 *
 * Exact table: buckets of eight (tag, record offset) slots, 64 bytes each, linear
 * probing over buckets; a bucket with a free slot ends the search.
 *
 * Arena record, byte aligned, at a 32-bit offset:
 *   u8 len, u8 napex, u8 nbelow, u8 flags | nlabels, wire[len], u32 meta ids[napex + nbelow]
 * Each list is in precedence order (allow first, then last added first), so a lookup
 * takes the first active one. A record without policies is either a tombstone (an entry
 * whose policies were deleted: in a delta it masks the base) or, flagged
 * FLT_REC_STANDIN, a crowded zone's stand-in that only holds the zone's name for the
 * top set.
 */

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dg_filter.h"

enum {
	FLT_BLOCK_BYTES = 64,
	FLT_BLOCK_WORDS = 8,
	FLT_BITS_PER_ENTRY = 16,  /* Bloom bits per listed name */
	FLT_BUCKET_SLOTS = 8,
	FLT_TABLE_LOAD_PCT = 80,  /* exact table fill target */
	FLT_CROWD_MIN = 8,        /* names under a zone before it is keyed one label deeper */
	FLT_ZONE_MAXD = 8,        /* deepest zone key (labels) */
	FLT_TOP_BITS_LOG2 = 15,   /* prefilter bitmap of the top set: 4 KiB */
	FLT_ZONE_BITS_LOG2 = 15,  /* zone bits: 4 KiB */
	FLT_REC_HDR = 4,
	FLT_REC_STANDIN = 0x80,   /* in byte 3: a crowded zone's stand-in, not an entry */
	FLT_REC_NLABELS = 0x7f,   /* in byte 3: labels of the name */
	FLT_ARENA_SLACK = 32,     /* readable bytes after the last record (flt_rec_is) */
	FLT_NONE = UINT32_MAX,
};

enum flt_top_flags {
	FLT_TOP_CROWDED = 1u << 0, /* a crowded zone: names below are keyed on 3 labels */
};

#define FLT_SEED UINT64_C(0x243f6a8885a308d3)

struct flt_bucket {
	uint32_t tag[FLT_BUCKET_SLOTS];
	uint32_t rec[FLT_BUCKET_SLOTS]; /* FLT_NONE = free */
};

struct flt_top_slot {
	uint64_t hash;
	uint32_t rec;   /* FLT_NONE = free slot */
	uint32_t flags;
};

struct dg_filter {
	uint64_t (*blocks)[FLT_BLOCK_WORDS];
	uint32_t nblocks;
	uint32_t nbuckets;
	struct flt_bucket *buckets;
	struct flt_top_slot *top;
	uint32_t top_mask;   /* slots - 1 */
	uint32_t ntop;       /* used slots; 0 skips the top probes */
	uint64_t top_bits[(1u << FLT_TOP_BITS_LOG2) / 64]; /* one bit per top-set hash */
	uint64_t zone_bits[(1u << FLT_ZONE_BITS_LOG2) / 64]; /* one bit per zone and TLD */
	uint8_t *arena;
	uint64_t arena_len;
	struct dg_entry_meta *metas;
	uint32_t *meta_ident; /* identifier index of each meta */
	uint32_t nmetas;
	char **idents;        /* [0] = NULL ("none"); point into strs */
	uint64_t *ident_fqdns;
	uint32_t nidents;     /* including index 0 */
	char *strs;           /* interned strings, each NUL-terminated, back to back */
	uint64_t strs_len;
	struct dg_filter_info info;
};

static inline uint64_t
flt_mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * flt_keep[n]: masks that keep the first n (1..16) bytes of two words loaded from memory
 * (FLT_KEEP(k): k of 0..8 bytes; "& 63" keeps the shift in range where k = 0 is not used).
 */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FLT_KEEP(k) ((k) == 0 ? 0 : ~UINT64_C(0) << ((64 - 8 * (k)) & 63))
#else
#define FLT_KEEP(k) ((k) == 0 ? 0 : ~UINT64_C(0) >> ((64 - 8 * (k)) & 63))
#endif
#define FLT_KEEP2(n) { FLT_KEEP((n) < 8 ? (n) : 8), FLT_KEEP((n) > 8 ? (n) - 8 : 0) }
static const uint64_t flt_keep[17][2] = {
	FLT_KEEP2(0), FLT_KEEP2(1), FLT_KEEP2(2), FLT_KEEP2(3), FLT_KEEP2(4), FLT_KEEP2(5),
	FLT_KEEP2(6), FLT_KEEP2(7), FLT_KEEP2(8), FLT_KEEP2(9), FLT_KEEP2(10), FLT_KEEP2(11),
	FLT_KEEP2(12), FLT_KEEP2(13), FLT_KEEP2(14), FLT_KEEP2(15), FLT_KEEP2(16),
};
#undef FLT_KEEP2
#undef FLT_KEEP

/*
 * Mix one label (length byte + bytes, @p n = 1 + length) into the parent's hash @p h.
 * 16-byte blocks; the last one (1..16 bytes) is loaded whole and masked to its bytes: no
 * branch on the label length, which is what costs on real names (lengths vary). The
 * caller guarantees that @p p can be read up to n rounded up to 16 (struct dg_name
 * keeps DG_NAME_WIRE_SPARE bytes for this).
 */
static inline uint64_t
flt_hash_label(const uint8_t *p, unsigned int n, uint64_t h)
{
	uint64_t a, b;

	while (n > 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = flt_mum(a ^ UINT64_C(0xa0761d6478bd642f), b ^ h);
		p += 16;
		n -= 16;
	}
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	a &= flt_keep[n][0];
	b &= flt_keep[n][1];
	return flt_mum(a ^ UINT64_C(0xe7037ed1a0b428db) ^ n, b ^ h ^ UINT64_C(0x8ebc6af09c88c6e3));
}

/* h[i], the hash of the suffix at label @p i of @p n, from h[i + 1]. */
static inline void
flt_hash_one(const struct dg_name *n, uint64_t *h, unsigned int i)
{
	const uint8_t *p = n->wire + n->label[i];

	h[i] = flt_hash_label(p, 1u + p[0], h[i + 1]);
}

/* h[i] for labels @p count - 1 down to 0, the ones above already hashed. */
static inline void
flt_hash_below(const struct dg_name *n, uint64_t *h, unsigned int count)
{
	for (unsigned int i = count; i-- > 0;)
		flt_hash_one(n, h, i);
}

/* h[i] = hash of the suffix at label i, for i = nlabels (root) down to 0. */
static inline void
flt_hash_suffixes(const struct dg_name *n, uint64_t *h)
{
	h[n->nlabels] = FLT_SEED;
	flt_hash_below(n, h, n->nlabels);
}

static inline uint32_t
flt_range(uint32_t x, uint32_t n)
{
	return (uint32_t)(((uint64_t)x * n) >> 32);
}

static inline uint32_t
flt_block_of(const struct dg_filter *f, uint64_t zone_hash)
{
	return flt_range((uint32_t)(zone_hash >> 32), f->nblocks);
}

/* One bit in each of the eight words, from the top 48 bits of a remix of the hash. */
static inline void
flt_bloom_mask(uint64_t h, uint64_t mask[FLT_BLOCK_WORDS])
{
	uint64_t g = h * UINT64_C(0x9e3779b97f4a7c15);

	for (unsigned int w = 0; w < FLT_BLOCK_WORDS; w++)
		mask[w] = UINT64_C(1) << ((g >> (16 + 6 * w)) & 63);
}

/*
 * The lookup helpers below are forced inline: with the two-layer lookups beside the
 * one-layer ones GCC stopped inlining some, and a call per Bloom test cost 3% of a miss.
 *
 * The bits of flt_bloom_mask(), tested by shifting each word. A block is about a third
 * full, so the first two words already reject most misses: test them first.
 */
static inline __attribute__((always_inline)) int
flt_bloom_test(const uint64_t *blk, uint64_t h)
{
	uint64_t g = h * UINT64_C(0x9e3779b97f4a7c15);
	uint64_t acc = blk[0] >> ((g >> 16) & 63) & blk[1] >> ((g >> 22) & 63);

	if (!(acc & 1))
		return 0;
	for (unsigned int w = 2; w < FLT_BLOCK_WORDS; w++)
		acc &= blk[w] >> ((g >> (16 + 6 * w)) & 63);
	return (int)(acc & 1);
}

static inline uint32_t
flt_bucket_of(const struct dg_filter *f, uint64_t h)
{
	return flt_range((uint32_t)h, f->nbuckets);
}

static inline uint32_t
flt_tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static inline uint32_t
flt_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * Does arena record @p rec hold exactly this wire name? The first 32 bytes are compared
 * in two masked 16-byte blocks, whatever the length: a loop that ends on the length
 * mispredicts on every hit, since listed names vary in length. Readable: the arena has
 * FLT_ARENA_SLACK bytes after its last record, struct dg_name has DG_NAME_WIRE_SPARE
 * after the longest name and 32 <= DG_NAME_MAXLEN.
 */
static inline __attribute__((always_inline)) int
flt_rec_is(const struct dg_filter *f, uint32_t rec, const uint8_t *wire, size_t len)
{
	const uint8_t *r = f->arena + rec + FLT_REC_HDR;
	size_t n0 = len < 16 ? len : 16, n1 = len < 16 ? 0 : len < 32 ? len - 16 : 16;
	uint64_t a[4], b[4], diff;

	memcpy(a, r, sizeof(a));
	memcpy(b, wire, sizeof(b));
	diff = ((a[0] ^ b[0]) & flt_keep[n0][0]) | ((a[1] ^ b[1]) & flt_keep[n0][1]) |
	       ((a[2] ^ b[2]) & flt_keep[n1][0]) | ((a[3] ^ b[3]) & flt_keep[n1][1]) |
	       (uint64_t)(r[-FLT_REC_HDR] ^ len);
	if (__builtin_expect(len > 32, 0) && diff == 0) {
		/* long names: the rest in words, then the last bytes */
		size_t i = 32;

		for (; i + 8 <= len; i += 8) {
			memcpy(&a[0], r + i, 8);
			memcpy(&b[0], wire + i, 8);
			diff |= a[0] ^ b[0];
		}
		for (; i < len; i++)
			diff |= (uint64_t)(r[i] ^ wire[i]);
	}
	return diff == 0;
}

/* Slots of bucket @p bk whose tag is @p tag (bit s = slot s); free slots never match. */
static inline __attribute__((always_inline)) uint32_t
flt_bucket_match(const struct flt_bucket *bk, uint32_t tag, uint32_t *free_slots)
{
	uint32_t match = 0, fr = 0;

#if defined(__SSE2__)
	/* every x86-64 has SSE2: eight tags in two compares (the profile asked for it) */
	const __m128i *t = (const __m128i *)(const void *)bk->tag;
	const __m128i *r = (const __m128i *)(const void *)bk->rec;
	__m128i want = _mm_set1_epi32((int)tag), none = _mm_set1_epi32(-1);

	match = (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(t[0], want))) |
		(uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(t[1], want))) << 4;
	fr = (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(r[0], none))) |
	     (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(r[1], none))) << 4;
#else
	for (unsigned int s = 0; s < FLT_BUCKET_SLOTS; s++) {
		match |= (uint32_t)(bk->tag[s] == tag) << s;
		fr |= (uint32_t)(bk->rec[s] == FLT_NONE) << s;
	}
#endif
	*free_slots = fr;
	return match & ~fr;
}

/* Exact table: record offset of this name, or FLT_NONE. */
static inline __attribute__((always_inline)) uint32_t
flt_table_find(const struct dg_filter *f, uint64_t h, const uint8_t *wire, size_t len)
{
	uint32_t bi = flt_bucket_of(f, h), tag = flt_tag_of(h);

	for (uint32_t probes = 0; probes < f->nbuckets; probes++) {
		const struct flt_bucket *bk = &f->buckets[bi];
		uint32_t fr, match = flt_bucket_match(bk, tag, &fr);

		for (; match != 0; match &= match - 1) {
			uint32_t rec = bk->rec[__builtin_ctz(match)];

			if (flt_rec_is(f, rec, wire, len))
				return rec;
		}
		/* slots fill in order: a bucket with a free slot ends the chain */
		if (fr != 0)
			return FLT_NONE;
		if (++bi == f->nbuckets)
			bi = 0;
	}
	return FLT_NONE;
}

static inline uint32_t
flt_top_bit(uint64_t h)
{
	return (uint32_t)(h >> (64 - FLT_TOP_BITS_LOG2));
}

/* Top set: the slot holding this name, or NULL. */
static inline __attribute__((always_inline)) const struct flt_top_slot *
flt_top_find(const struct dg_filter *f, uint64_t h, const uint8_t *wire, size_t len)
{
	uint32_t i = (uint32_t)h & f->top_mask, bit = flt_top_bit(h);

	if (!(f->top_bits[bit / 64] >> (bit % 64) & 1))
		return NULL;
	for (;;) {
		const struct flt_top_slot *s = &f->top[i];

		if (s->rec == FLT_NONE)
			return NULL;
		if (s->hash == h && flt_rec_is(f, s->rec, wire, len))
			return s;
		i = (i + 1) & f->top_mask;
	}
}

/* Bytes of the arena record at @p r. */
static inline uint32_t
flt_rec_size(const uint8_t *r)
{
	return FLT_REC_HDR + r[0] + 4u * (r[1] + r[2]);
}

/* Does record @p rec name an entry (with policies, or a tombstone)? */
static inline int
flt_rec_present(const struct dg_filter *f, uint32_t rec)
{
	return rec != FLT_NONE && !(f->arena[rec + 3] & FLT_REC_STANDIN);
}

/* Cache-line aligned memory; big blocks on huge pages (dg_filter_snap.c). */
void *flt_alloc_big(size_t bytes);

/* The byte counts of f->info from the snapshot's sizes. */
void flt_info_sizes(struct dg_filter *f);

/* Zone bit of a zone's (or a TLD's) suffix hash: bits the other tables do not use. */
static inline uint32_t
flt_zone_bit(uint64_t h)
{
	return (uint32_t)(h >> 16) & ((1u << FLT_ZONE_BITS_LOG2) - 1);
}

/* Could @p f hold a suffix of @p n? No when neither its zone nor its TLD has a bit. */
static inline int
flt_zone_maybe(const struct dg_filter *f, const struct dg_name *n, const uint64_t *h)
{
	unsigned int nl = n->nlabels;
	uint32_t b = flt_zone_bit(h[nl - 1]);
	uint64_t hit = f->zone_bits[b / 64] >> (b % 64);

	if (nl >= 2) {
		b = flt_zone_bit(h[nl - 2]);
		hit |= f->zone_bits[b / 64] >> (b % 64);
	}
	return (int)(hit & 1);
}

/* ---- builder (shared by dg_filter_build.c and dg_filter_snap.c) ---- */

enum { POS_APEX, POS_BELOW, POS_COUNT };

struct bld_rec {
	uint64_t h;   /* hash of the whole name */
	uint64_t hz2; /* hash of its last two labels (its zone) */
	uint32_t name; /* offset in names: u8 len, u8 nlabels, wire */
	uint32_t head[POS_COUNT]; /* policy lists, most recent first */
	uint8_t cnt[POS_COUNT];
	uint8_t tomb;  /* kept in the snapshot even without policies */
};

/*
 * Policy lists: a chain of links, newest first. A list slot (a record's head, a link's
 * next) holds FLT_NONE (the end), a link index, or BLD_INLINE | meta id: the last policy,
 * stored in the slot itself. Most names have one policy per list: no link at all.
 */
#define BLD_INLINE UINT32_C(0x80000000)

struct bld_link {
	uint32_t meta;
	uint32_t next;
};

struct dg_filter_builder {
	struct bld_rec *recs;
	uint32_t nrecs, caprecs;
	uint64_t *map; /* name hash tag << 32 | rec index; all ones = free */
	uint32_t mapmask;
	uint8_t *names;
	uint64_t nameslen, namescap;
	struct bld_link *links;
	uint32_t nlinks, caplinks, freelink;
	struct dg_entry_meta *metas;
	uint32_t (*meta_sid)[2]; /* string index of identifier, category */
	uint32_t nmetas, capmetas;
	uint32_t *metamap;
	uint32_t metamask;
	char **strs;
	uint32_t nstrs, capstrs;
	uint32_t *strmap;
	uint32_t strmask;
	uint32_t last_meta; /* memo: loaders add runs of the same metadata */
	dg_filter_meta_fn meta_fn; /* NULL: metadata kept as given */
	void *meta_arg;
};

static inline const uint8_t *
rec_wire(const struct dg_filter_builder *b, const struct bld_rec *r, uint8_t *len,
	 uint8_t *nlabels)
{
	const uint8_t *p = b->names + r->name;

	*len = p[0];
	*nlabels = p[1];
	return p + 2;
}

/* Next policy of a list: its meta id in *meta, and *li moves on. 0 at the end. */
static inline int
bld_next(const struct dg_filter_builder *b, uint32_t *li, uint32_t *meta)
{
	uint32_t v = *li;

	if (v == FLT_NONE)
		return 0;
	if (v & BLD_INLINE) {
		*meta = v & ~BLD_INLINE;
		*li = FLT_NONE;
		return 1;
	}
	*meta = b->links[v].meta;
	*li = b->links[v].next;
	return 1;
}

/* Kept in a snapshot: with policies, or a tombstone. */
static inline int
bld_rec_kept(const struct bld_rec *r)
{
	return r->cnt[POS_APEX] + r->cnt[POS_BELOW] > 0 || r->tomb;
}

/* Record of exactly the name @p n in @p f (an entry or a tombstone), or FLT_NONE. */
uint32_t flt_find_name(const struct dg_filter *f, const struct dg_name *n);

/* Builder record of @p n (hash @p h), or FLT_NONE; *slot: its map slot, or the free one. */
uint32_t flt_bld_find(const struct dg_filter_builder *b, const struct dg_name *n, uint64_t h,
		      uint32_t *slot);

#endif /* FILTER_PVT_H */
