/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Blocklist snapshot benchmark: build time, bytes per entry and lookup rates of
 * lib/filter, with DPDK rte_hash on the same keys in the same run as the baseline.
 *
 *   bench_filter [--data DIR] [--quick] [--queries N]
 *
 * Sets: 100k real names (from ../shared/data/blocklists), 1k, 1M and 10M synthetic names
 * (--quick stops at 1M). Queries: hits are listed names; misses are real resolver names
 * (../shared/data/names, the ones the set does not match) and synthetic names.
 * rte_hash gets its 64-byte keys ready-made; to give the same answer as the filter
 * (a name or any parent) it must look up every suffix of the query.
 *
 * Delta layer, on each synthetic set: the time to publish one more change (seed the name
 * from the base, change it, rebuild the whole delta) with deltas of 1 to 10k names, and
 * the miss path (synthetic misses) of the one-layer bulk lookup against the two-layer
 * one with no delta, an empty delta and a delta of 1k names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <x86intrin.h>

#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dg_filter.h"
#include "dg_lists.h"
#include "dg_bench.h"

enum { KEY_LEN = 64, BURST = 32 };

/* Names as packed wire forms (a dg_name is over 400 bytes: too big to keep 10M of them). */
struct nameset {
	uint8_t *wire;
	uint64_t len, cap;
	uint32_t *off;
	uint32_t n, ncap;
};

static void
ns_add(struct nameset *s, const uint8_t *w, size_t len)
{
	if (s->n == s->ncap) {
		s->ncap = s->ncap ? s->ncap * 2 : 1024;
		s->off = realloc(s->off, sizeof(*s->off) * s->ncap);
	}
	if (s->len + len > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 65536;
		s->wire = realloc(s->wire, s->cap);
	}
	if (s->off == NULL || s->wire == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	s->off[s->n++] = (uint32_t)s->len;
	memcpy(s->wire + s->len, w, len);
	s->len += len;
}

static void
ns_get(const struct nameset *s, uint32_t i, struct dg_name *n)
{
	if (dg_name_from_wire(n, s->wire + s->off[i], s->len - s->off[i], NULL) != 0)
		abort();
}

static void
ns_free(struct nameset *s)
{
	free(s->wire);
	free(s->off);
	memset(s, 0, sizeof(*s));
}

/* Synthetic names: 2-4 labels of 4-14 LDH bytes under common TLDs. */
static void
gen_synth(struct nameset *s, uint32_t n)
{
	static const char *const tld[] = { "com", "net", "org", "ru", "cn", "de", "info",
		"xyz", "top", "io", "br", "in", "co", "uk", "jp", "fr", "online", "site" };
	static const char cs[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
	char text[256];

	for (uint32_t i = 0; i < n; i++) {
		uint64_t r = dg_bench_rnd();
		unsigned int depth = 2 + (unsigned int)(r % 10 < 4 ? 0 : r % 10 < 8 ? 1 : 2), p = 0;
		struct dg_name nm;

		for (unsigned int l = 1; l < depth; l++) {
			unsigned int ll = 4 + (unsigned int)(dg_bench_rnd() % 11);

			for (unsigned int k = 0; k < ll; k++)
				text[p++] = cs[dg_bench_rnd() % (k == 0 || k == ll - 1 ? 36 : 37)];
			text[p++] = '.';
		}
		p += (unsigned int)sprintf(text + p, "%s", tld[dg_bench_rnd() % 18]);
		if (dg_name_from_text(&nm, text, p) == 0 && nm.len <= KEY_LEN)
			ns_add(s, nm.wire, nm.len);
	}
}

static int
collect(const uint8_t *w, uint8_t len, enum dg_match_mode pos,
	const struct dg_entry_meta *m, void *arg)
{
	struct nameset *s = arg;

	(void)m;
	(void)pos;
	/* one name per entry (the walk gives one call per policy), up to the key size */
	if (len > KEY_LEN || (s->n > 0 && s->len - s->off[s->n - 1] == len &&
			      memcmp(s->wire + s->off[s->n - 1], w, len) == 0))
		return 0;
	ns_add(s, w, len);
	return s->n >= 100000;
}

/* 100k distinct names from the real blocklists. */
static int
real_names(const char *data, struct nameset *s)
{
	static const char *const files[] = {
		"blocklists/hagezi-light.hosts.2026-08-15.txt",
		"blocklists/stevenblack-unified.domains.2026-06-26.txt",
		"blocklists/1hosts-lite.hosts.2021-03-17.txt",
	};
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_opts o;
	char path[4096];

	dg_list_opts_init(&o);
	o.report = NULL;
	if (dg_filter_builder_create(&b, 0) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", data, files[i]);
		if (dg_lists_load(b, path, DG_LIST_AUTO, &o, NULL) != 0)
			return -ENOENT;
	}
	if (dg_filter_build(b, &f) != 0)
		return -ENOMEM;
	dg_filter_walk(f, collect, s);
	dg_filter_free(f);
	dg_filter_builder_free(b);
	return 0;
}

static int
query_names(const char *data, struct nameset *s)
{
	char path[4096], line[1024];
	FILE *in;

	snprintf(path, sizeof(path), "%s/names/cloudflare-radar-top100k.2024-01-22_29.csv", data);
	in = fopen(path, "r");
	if (in == NULL)
		return -ENOENT;
	while (fgets(line, sizeof(line), in) != NULL) {
		struct dg_name n;
		size_t len = strcspn(line, ",\r\n");

		if (strncmp(line, "domain", len) != 0 && dg_name_from_text(&n, line, len) == 0 &&
		    n.len <= KEY_LEN && n.nlabels > 0)
			ns_add(s, n.wire, n.len);
	}
	fclose(in);
	return 0;
}

struct built {
	struct dg_filter *f;
	struct dg_filter_info in;
	double secs;
	struct rte_hash *h;
	double rte_secs;
	uint64_t rte_bytes;
};

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats(0, &st);
	return st.heap_allocsz_bytes;
}

static int
build_set(const struct nameset *s, uint32_t n, struct built *out, const char *tag)
{
	struct dg_entry_meta m = { .identifier = "BENCH", .action = DG_ACTION_SINKHOLE,
				   .mode = DG_MATCH_SUBTREE, .end_day = UINT32_MAX };
	struct dg_filter_builder *b;
	struct dg_name nm;
	uint8_t key[KEY_LEN];
	double t0 = dg_bench_now();
	size_t before;
	char name[64];

	/* best of 3 builds up to 1M names (the machine is shared), one for more */
	out->secs = 1e9;
	out->f = NULL;
	for (int round = 0; round < (n <= 1000000 ? 3 : 1); round++) {
		dg_filter_free(out->f);
		t0 = dg_bench_now();
		if (dg_filter_builder_create(&b, n) != 0)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			ns_get(s, i, &nm);
			if (dg_filter_builder_add(b, &nm, &m) < 0)
				return -ENOMEM;
		}
		if (dg_filter_build(b, &out->f) != 0)
			return -ENOMEM;
		t0 = dg_bench_now() - t0;
		out->secs = t0 < out->secs ? t0 : out->secs;
		dg_filter_builder_free(b);
	}
	dg_filter_info(out->f, &out->in);
	dg_filter_bloom_fp(out->f, &out->in);

	snprintf(name, sizeof(name), "bench_%s", tag);
	struct rte_hash_parameters p = {
		.name = name, .entries = n + n / 4 + 64, .key_len = KEY_LEN,
		.hash_func = rte_hash_crc, .socket_id = 0,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	before = heap_used();
	t0 = dg_bench_now();
	out->h = rte_hash_create(&p);
	if (out->h == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		ns_get(s, i, &nm);
		memset(key, 0, sizeof(key));
		memcpy(key, nm.wire, nm.len);
		if (rte_hash_add_key(out->h, key) < 0)
			return -ENOSPC;
	}
	out->rte_secs = dg_bench_now() - t0;
	out->rte_bytes = heap_used() - before;
	return 0;
}

/*
 * Queries as packed wire names, in the order they are asked. Every method works like a
 * worker on a burst: parse BURST wire names (as in packets) with dg_name_from_wire()
 * into a cache-resident array, then look them up; rte_hash needs one zero-padded key per
 * suffix on top.
 */
struct queries {
	struct nameset w;
};

static void
q_make(struct queries *q, const struct nameset *s, const uint32_t *idx, uint32_t cnt)
{
	memset(q, 0, sizeof(*q));
	for (uint32_t i = 0; i < cnt; i++) {
		struct dg_name n;

		ns_get(s, idx[i], &n);
		ns_add(&q->w, n.wire, n.len);
	}
}

static void
q_free(struct queries *q)
{
	ns_free(&q->w);
}

static inline void
q_parse(const struct queries *q, uint32_t i, struct dg_name *n)
{
	const uint8_t *w = q->w.wire + q->w.off[i];

	dg_name_from_wire(n, w, q->w.wire + q->w.len - w, NULL);
}

struct rates {
	double parse, bulk, single, rte_sfx, rte_full;
	double fp; /* Bloom positives per probe, measured on these queries */
	uint64_t verdicts;
};

enum { M_PARSE, M_BULK, M_SINGLE, M_RTE_SFX, M_RTE_FULL, M_COUNT, ROUNDS = 3, CHUNK = 16384 };

/* One timed pass over queries [lo, hi); returns names per second. */
static double
run(int what, const struct built *bt, const struct queries *q, uint32_t lo, uint32_t hi,
    uint64_t *verdicts)
{
	static struct dg_match out[BURST];
	static struct dg_name nb[BURST];
	static uint8_t keys[RTE_HASH_LOOKUP_BULK_MAX][KEY_LEN];
	const struct dg_name *np[BURST];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t cnt = hi, nk = 0;
	uint64_t v = 0;
	double t0;

	for (unsigned int j = 0; j < BURST; j++)
		np[j] = &nb[j];
	for (unsigned int k = 0; k < RTE_HASH_LOOKUP_BULK_MAX; k++)
		kp[k] = keys[k];
	t0 = dg_bench_now();
	switch (what) {
	case M_PARSE: /* the common part: wire to normalised name */
		for (uint32_t i = lo; i < cnt; i++) {
			q_parse(q, i, &nb[i % BURST]);
			v += nb[i % BURST].len;
		}
		break;
	case M_BULK:
		for (uint32_t i = lo; i < cnt; i += BURST) {
			unsigned int n = cnt - i < BURST ? cnt - i : BURST;

			for (unsigned int j = 0; j < n; j++)
				q_parse(q, i + j, &nb[j]);
			v += dg_filter_lookup_bulk(bt->f, np, n, 20000, out);
		}
		break;
	case M_SINGLE:
		for (uint32_t i = lo; i < cnt; i += BURST) {
			unsigned int n = cnt - i < BURST ? cnt - i : BURST;

			for (unsigned int j = 0; j < n; j++)
				q_parse(q, i + j, &nb[j]);
			for (unsigned int j = 0; j < n; j++)
				v += (uint64_t)dg_filter_lookup(bt->f, &nb[j], 20000, out);
		}
		break;
	case M_RTE_SFX: /* same answer: every suffix of each name, bulk of up to 64 keys */
		for (uint32_t i = lo; i < cnt; i += BURST) {
			unsigned int n = cnt - i < BURST ? cnt - i : BURST;

			for (unsigned int j = 0; j < n; j++)
				q_parse(q, i + j, &nb[j]);
			nk = 0;
			for (unsigned int j = 0; j < n; j++) {
				if (nk + nb[j].nlabels > RTE_HASH_LOOKUP_BULK_MAX) {
					rte_hash_lookup_bulk(bt->h, kp, nk, pos);
					for (unsigned int k = 0; k < nk; k++)
						v += pos[k] >= 0;
					nk = 0;
				}
				for (unsigned int l = 0; l < nb[j].nlabels; l++) {
					size_t len;
					const uint8_t *w = dg_name_suffix(&nb[j], l, &len);

					memset(keys[nk], 0, KEY_LEN);
					memcpy(keys[nk++], w, len);
				}
			}
			if (nk > 0) {
				rte_hash_lookup_bulk(bt->h, kp, nk, pos);
				for (unsigned int k = 0; k < nk; k++)
					v += pos[k] >= 0;
			}
		}
		break;
	case M_RTE_FULL: /* full name only: not the same answer, a lower bound of its cost */
		for (uint32_t i = lo; i < cnt; i += BURST) {
			unsigned int n = cnt - i < BURST ? cnt - i : BURST;

			for (unsigned int j = 0; j < n; j++) {
				q_parse(q, i + j, &nb[j]);
				memset(keys[j], 0, KEY_LEN);
				memcpy(keys[j], nb[j].wire, nb[j].len);
			}
			rte_hash_lookup_bulk(bt->h, kp, n, pos);
			v += pos[0] >= 0;
		}
		break;
	}
	t0 = dg_bench_now() - t0;
	*verdicts = v;
	return (hi - lo) / t0;
}

/*
 * Each method runs over the query set in chunks of CHUNK names (a few milliseconds), the
 * methods taking turns, ROUNDS times; the best chunk rate counts. The machine is shared:
 * other load only ever slows a chunk down.
 */
static void
measure(const struct built *bt, const struct queries *q, struct rates *r)
{
	double best[M_COUNT] = { 0 };
	uint64_t v[M_COUNT] = { 0 };

	for (int round = 0; round < ROUNDS; round++)
		for (uint32_t lo = 0; lo < q->w.n; lo += CHUNK) {
			uint32_t hi = q->w.n - lo < CHUNK ? q->w.n : lo + CHUNK;

			for (int m = 0; m < M_COUNT; m++) {
				uint64_t vc;
				double rate = run(m, bt, q, lo, hi, &vc);

				best[m] = rate > best[m] ? rate : best[m];
				if (round == 0)
					v[m] += vc;
			}
		}
	if (v[M_BULK] != v[M_SINGLE])
		fprintf(stderr, "bulk and single lookups disagree\n");
	/* every bench entry is a subtree: a query without a verdict has no listed suffix */
	uint64_t pass = 0, probes = 0;

	for (uint32_t i = 0; i < q->w.n; i++) {
		struct dg_name n;
		unsigned int pr;

		q_parse(q, i, &n);
		pass += dg_filter_prefilter(bt->f, &n, &pr);
		probes += pr;
	}
	r->fp = probes ? (double)pass / probes : 0;
	r->parse = best[M_PARSE];
	r->bulk = best[M_BULK];
	r->single = best[M_SINGLE];
	r->rte_sfx = best[M_RTE_SFX];
	r->rte_full = best[M_RTE_FULL];
	r->verdicts = v[M_BULK];
}

/* Indexes of @p cnt names of @p s (random, with repeats) that do / do not get a verdict. */
static uint32_t
pick(const struct built *bt, const struct nameset *s, int want_hit, uint32_t *idx,
     uint32_t cnt)
{
	uint32_t *ok = malloc(sizeof(*ok) * s->n), nok = 0;
	struct dg_name n;
	struct dg_match m;

	for (uint32_t i = 0; i < s->n; i++) {
		ns_get(s, i, &n);
		if (dg_filter_lookup(bt->f, &n, 20000, &m) == want_hit)
			ok[nok++] = i;
	}
	for (uint32_t i = 0; i < cnt && nok > 0; i++)
		idx[i] = ok[dg_bench_rnd() % nok];
	free(ok);
	return nok;
}

static void
print_build(const char *set, const struct built *bt)
{
	const struct dg_filter_info *in = &bt->in;
	double e = (double)in->entries;

	printf("%-14s %9llu %8.3f %8.1f %6.1f %6.1f %6.1f %6.1f %7.4f %7.4f %7.4f %6llu | %8.3f %8.1f\n",
	       set, (unsigned long long)in->entries, bt->secs, in->total_bytes / e,
	       in->bloom_bytes / e, in->table_bytes / e, in->arena_bytes / e,
	       (in->meta_bytes + in->top_bytes) / e, in->bloom_fp_mean * 100,
	       in->bloom_fp_p99 * 100, in->bloom_fp_max * 100,
	       (unsigned long long)in->crowded_zones, bt->rte_secs, bt->rte_bytes / e);
}

static void
print_rates(const char *set, const char *kind, const struct rates *r, uint32_t cnt)
{
	printf("%-14s %-12s %8.2f %8.2f %8.2f %8.2f %8.2f %7.2fx %8.1f%% %7.3f%s %8u\n", set,
	       kind, r->parse / 1e6, r->bulk / 1e6, r->single / 1e6, r->rte_sfx / 1e6,
	       r->rte_full / 1e6, r->bulk / r->rte_sfx, 100.0 * r->verdicts / cnt,
	       r->verdicts ? 0.0 : r->fp * 100, r->verdicts ? "-" : "%", cnt);
}

/* ---- delta layer ---- */

/* One runtime change as the control plane makes it: seed from the base, then change. */
static void
delta_change(struct dg_filter_builder *db, const struct dg_filter *base,
	     const struct dg_name *n, int del)
{
	struct dg_entry_meta m = { .identifier = "RUNTIME", .action = DG_ACTION_NXDOMAIN,
				   .mode = DG_MATCH_SUBTREE, .end_day = UINT32_MAX };

	if (dg_filter_builder_has(db, n) == 0 && dg_filter_builder_copy(db, base, n) < 0)
		abort();
	if (del) {
		dg_filter_builder_del(db, n, DG_MATCH_SUBTREE, NULL);
		if (dg_filter_builder_tombstone(db, n) != 0)
			abort();
	} else if (dg_filter_builder_add(db, n, &m) < 0) {
		abort();
	}
}

/* A delta of @p size changes: half deletes of listed names, half adds of new ones. */
static struct dg_filter_builder *
delta_make(const struct dg_filter *base, const struct nameset *listed, uint32_t nlisted,
	   const struct nameset *extra, uint32_t size)
{
	struct dg_filter_builder *db;
	struct dg_name n;

	if (dg_filter_builder_create(&db, 0) != 0)
		abort();
	for (uint32_t i = 0; i < size; i++) {
		if (i % 2)
			ns_get(listed, (uint32_t)(dg_bench_rnd() % nlisted), &n);
		else
			ns_get(extra, i % extra->n, &n);
		delta_change(db, base, &n, i % 2);
	}
	return db;
}

/* TSC ticks per nanosecond, for cycle figures. */
static double
tsc_ghz(void)
{
	double t0 = dg_bench_now();
	uint64_t c0 = __rdtsc();

	while (dg_bench_now() - t0 < 0.05)
		;
	return (double)(__rdtsc() - c0) / ((dg_bench_now() - t0) * 1e9);
}

/* ns per name of bulk lookups over @p q: one layer (delta == base), or two. */
static double
delta_rate(const struct dg_filter *base, const struct dg_filter *delta, int layered,
	   const struct queries *q, uint64_t *verdicts)
{
	static struct dg_match out[BURST];
	static struct dg_name nb[BURST];
	const struct dg_name *np[BURST];
	double best = 1e9;

	for (unsigned int j = 0; j < BURST; j++)
		np[j] = &nb[j];
	for (int round = 0; round < ROUNDS; round++)
		for (uint32_t lo = 0; lo < q->w.n; lo += CHUNK) {
			uint32_t hi = q->w.n - lo < CHUNK ? q->w.n : lo + CHUNK;
			double t0 = dg_bench_now();
			uint64_t v = 0;

			for (uint32_t i = lo; i < hi; i += BURST) {
				unsigned int n = hi - i < BURST ? hi - i : BURST;

				for (unsigned int j = 0; j < n; j++)
					q_parse(q, i + j, &nb[j]);
				v += layered ? dg_filter_lookup_bulk2(base, delta, np, n, 20000, out) :
					       dg_filter_lookup_bulk(base, np, n, 20000, out);
			}
			t0 = (dg_bench_now() - t0) * 1e9 / (hi - lo);
			best = t0 < best ? t0 : best;
			if (round == 0 && lo == 0)
				*verdicts = v;
		}
	return best;
}

static void
delta_bench(const char *set, const struct built *bt, const struct nameset *listed,
	    uint32_t nlisted, const struct nameset *extra, const struct queries *miss)
{
	static const uint32_t sizes[] = { 1, 100, 300, 1000, 10000 };
	const double ghz = tsc_ghz();
	const uint64_t keep = dg_bench_rng; /* the next sets' queries stay as they were */
	struct dg_filter_builder *db;
	struct dg_filter *empty, *d1k = NULL;
	uint64_t v[5];
	double ns[5];

	printf("\n%s: publishing one change (seed from the base, change, rebuild the delta), "
	       "microseconds, best and median of 21\n", set);
	printf("%-14s %10s %10s %10s %12s\n", "delta names", "best", "median", "build", "delta B");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double t[21], tb = 1e9;
		struct dg_filter *d = NULL;
		struct dg_filter_info in;
		struct dg_name n;

		db = delta_make(bt->f, listed, nlisted, extra, sizes[k]);
		for (int r = 0; r < 21; r++) {
			double t0 = dg_bench_now(), t1, t2;

			ns_get(extra, (uint32_t)(sizes[k] + r) % extra->n, &n);
			delta_change(db, bt->f, &n, r % 2);
			dg_filter_free(d);
			t1 = dg_bench_now();
			if (dg_filter_build(db, &d) != 0)
				abort();
			t2 = dg_bench_now();
			t[r] = (t2 - t0) * 1e6;
			tb = (t2 - t1) * 1e6 < tb ? (t2 - t1) * 1e6 : tb;
		}
		for (int i = 1; i < 21; i++)
			for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
				double x = t[j];

				t[j] = t[j - 1];
				t[j - 1] = x;
			}
		dg_filter_info(d, &in);
		printf("%-14llu %10.1f %10.1f %10.1f %12llu\n",
		       (unsigned long long)(in.entries + in.tombstones), t[0], t[10], tb,
		       (unsigned long long)in.total_bytes);
		if (sizes[k] == 1000)
			d1k = d;
		else
			dg_filter_free(d);
		dg_filter_builder_free(db);
	}
	if (dg_filter_builder_create(&db, 0) != 0 || dg_filter_build(db, &empty) != 0)
		abort();
	dg_filter_builder_free(db);
	ns[0] = delta_rate(bt->f, NULL, 0, miss, &v[0]);
	ns[1] = delta_rate(bt->f, NULL, 1, miss, &v[1]);
	ns[2] = delta_rate(bt->f, empty, 1, miss, &v[2]);
	ns[3] = delta_rate(bt->f, d1k, 1, miss, &v[3]);
	ns[4] = delta_rate(bt->f, NULL, 0, miss, &v[4]);
	printf("\n%s: miss path, bulk, ns per name (TSC cycles at %.2f GHz)\n", set, ghz);
	static const char *const what[5] = { "lookup_bulk", "bulk2, delta NULL",
		"bulk2, empty delta", "bulk2, 1k delta", "lookup_bulk again" };

	for (int i = 0; i < 5; i++)
		printf("%-20s %8.2f ns %8.1f cycles  %llu verdicts in the first chunk\n", what[i],
		       ns[i], ns[i] * ghz, (unsigned long long)v[i]);
	dg_filter_free(empty);
	dg_filter_free(d1k);
	dg_bench_rng = keep;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "4096", "--no-pci", "--no-shconf", "-l", "0",
			"--log-level=error", NULL };
	const char *data = "../shared/data";
	unsigned int quick = 0, qcnt = 1u << 18;
	struct nameset real = { 0 }, names = { 0 }, synth = { 0 }, miss = { 0 }, extra = { 0 };
	static const struct { const char *tag; uint32_t n; int real; } sets[] = {
		{ "synthetic-1k", 1000, 0 }, { "real-100k", 100000, 1 },
		{ "synthetic-1M", 1000000, 0 }, { "synthetic-10M", 10000000, 0 },
	};
	struct built bt[4];
	struct rates rt[4][3];
	uint32_t nq[4][3] = { { 0 } };
	uint32_t *idx;
	int have_data;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			data = argv[++i];
		else if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
			qcnt = (unsigned int)strtoul(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [--data DIR] [--quick] [--queries N]\n", argv[0]);
			return 2;
		}
	}
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return 1;
	}
	have_data = real_names(data, &real) == 0 && query_names(data, &names) == 0;
	if (!have_data)
		fprintf(stderr, "no shared data under %s: real sets skipped\n", data);
	gen_synth(&synth, quick ? 1000000 : 10000000);
	dg_bench_rng ^= 0x5555; /* a different stream for the miss names */
	gen_synth(&miss, qcnt);
	/* names the deltas add, from a stream of their own: the queries stay as they were */
	uint64_t keep = dg_bench_rng;

	dg_bench_rng ^= 0x3333;
	gen_synth(&extra, 20000);
	dg_bench_rng = keep;
	idx = malloc(sizeof(*idx) * qcnt);

	double load[3] = { 0 };

	getloadavg(load, 3);
	printf("dnsgate filter benchmark: one core, bursts of %d, %u queries per set, best "
	       "chunk of %d names over %d rounds; load average %.2f\n", BURST, qcnt, CHUNK,
	       ROUNDS, load[0]);
	printf("\n%-14s %9s %8s %8s %6s %6s %6s %6s %7s %7s %7s %6s | %8s %8s\n", "set",
	       "entries", "build_s", "B/entry", "bloom", "table", "arena", "meta", "fp%mean",
	       "fp%p99", "fp%max", "crowd", "rte_s", "rte_B/e");
	for (int s = 0; s < 4; s++) {
		if ((sets[s].real && !have_data) || (quick && sets[s].n > 1000000)) {
			bt[s].f = NULL;
			continue;
		}
		if (build_set(sets[s].real ? &real : &synth, sets[s].n, &bt[s], sets[s].tag) != 0) {
			fprintf(stderr, "%s: build failed\n", sets[s].tag);
			return 1;
		}
		print_build(sets[s].tag, &bt[s]);
		/* queries: listed names; real resolver names it misses; synthetic misses */
		const struct nameset *src[3] = { sets[s].real ? &real : &synth, &names, &miss };

		for (int k = 0; k < 3; k++) {
			struct nameset lim = *src[k];
			struct queries q;

			if (k == 0)
				lim.n = sets[s].n < lim.n ? sets[s].n : lim.n;
			if (lim.n == 0 || pick(&bt[s], &lim, k == 0, idx, qcnt) == 0)
				continue;
			q_make(&q, &lim, idx, qcnt);
			measure(&bt[s], &q, &rt[s][k]);
			nq[s][k] = qcnt;
			if (k == 2 && !sets[s].real)
				delta_bench(sets[s].tag, &bt[s], &synth, sets[s].n, &extra, &q);
			q_free(&q);
		}
		rte_hash_free(bt[s].h);
	}
	printf("\nmillion names per second, bursts of %d names parsed from wire form then looked "
	       "up\n(parse: dg_name_from_wire alone; bulk: dg_filter_lookup_bulk; single: "
	       "dg_filter_lookup per name;\nrte: rte_hash_lookup_bulk on every suffix, up to 64 "
	       "keys a call; rte-full: full name only, not the same answer)\n", BURST);
	printf("%-14s %-12s %8s %8s %8s %8s %8s %8s %9s %8s %8s\n", "set", "queries", "parse",
	       "bulk", "single", "rte", "rte-full", "vs rte", "verdicts", "fp/probe", "n");
	for (int s = 0; s < 4; s++) {
		static const char *const kinds[3] = { "hit", "miss-real", "miss-synth" };

		if (bt[s].f == NULL)
			continue;
		for (int k = 0; k < 3; k++)
			if (nq[s][k] != 0)
				print_rates(sets[s].tag, kinds[k], &rt[s][k], nq[s][k]);
	}
	for (int k = 1; k < 3; k++)
		if (bt[0].f != NULL && bt[3].f != NULL && nq[0][k] && nq[3][k])
			printf("\nmiss rate 10M / 1k (%s, bulk): %.2f\n", k == 1 ? "real" : "synthetic",
			       rt[3][k].bulk / rt[0][k].bulk);
	getloadavg(load, 3);
	printf("\nload average at the end: %.2f\n", load[0]);
	for (int s = 0; s < 4; s++)
		dg_filter_free(bt[s].f);
	ns_free(&real);
	ns_free(&names);
	ns_free(&synth);
	ns_free(&miss);
	ns_free(&extra);
	free(idx);
	rte_eal_cleanup();
	return 0;
}
