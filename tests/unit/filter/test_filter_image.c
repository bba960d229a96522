/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot images: a loaded image answers exactly as the built snapshot; a truncated,
 * flipped, forged, stale or foreign image is refused with the right error and never read
 * out of bounds (run under ASan); the hash is XXH64 as xxhsum computes it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dg_filter.h"
#include "dg_filter_image.h"
#include "dg_lists.h"
#include "dg_test.h"
#include "filter_model.h"
#include "filter_pvt.h"
#include "image_pvt.h"

/* ---- images in memory ---- */

struct img {
	uint8_t *p;
	size_t len;
};

static void
img_save(const struct dg_filter *f, const uint8_t *fp, struct img *im)
{
	int fd = memfd_create("img", MFD_CLOEXEC);
	off_t end;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_save_fd(f, fd, fp), 0);
	end = lseek(fd, 0, SEEK_END);
	im->len = (size_t)end;
	im->p = malloc(im->len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im->p);
	CU_ASSERT_EQUAL_FATAL(pread(fd, im->p, im->len, 0), (ssize_t)im->len);
	close(fd);
}

/* Load @p len bytes of @p p as an image. */
static int
img_load(const uint8_t *p, size_t len, const uint8_t *fp, struct dg_filter **out)
{
	int fd = memfd_create("img", MFD_CLOEXEC), rc;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, p, len), (ssize_t)len);
	*out = NULL;
	rc = dg_filter_load_fd(fd, fp, out);
	close(fd);
	if (rc != 0)
		CU_ASSERT_PTR_NULL(*out);
	return rc;
}

/* Load and free; the error code. */
static int
img_try(const uint8_t *p, size_t len)
{
	struct dg_filter *f;
	int rc = img_load(p, len, NULL, &f);

	dg_filter_free(f);
	return rc;
}

static struct img_sect *
img_tab(const struct img *im)
{
	return (struct img_sect *)(void *)(im->p + sizeof(struct img_hdr));
}

static uint8_t *
img_sec(const struct img *im, int id)
{
	return im->p + img_tab(im)[id].off;
}

/* Recompute both hashes after an edit: what a forger (or a writer's bug) would produce. */
static void
img_seal(struct img *im)
{
	struct img_hdr *h = (struct img_hdr *)(void *)im->p;
	uint64_t start = sizeof(*h) + SEC_COUNT * sizeof(struct img_sect);
	struct dg_filter_hash st;

	h->content_hash = dg_filter_hash64(im->p + start, im->len - start, IMG_SEED);
	h->hdr_hash = 0;
	dg_filter_hash_init(&st, IMG_SEED);
	dg_filter_hash_update(&st, im->p, start);
	h->hdr_hash = dg_filter_hash_digest(&st);
}

/* ---- comparing two snapshots ---- */

struct walk {
	uint8_t *buf;
	size_t len, cap;
};

static void
put(struct walk *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2;
		w->buf = realloc(w->buf, w->cap);
		if (w->buf == NULL)
			abort();
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
put_meta(struct walk *w, const struct dg_entry_meta *m)
{
	struct dg_entry_meta c = *m;

	c.identifier = c.category = NULL;
	put(w, &c, sizeof(c));
	put(w, m->identifier ? m->identifier : "-", strlen(m->identifier ? m->identifier : "-") + 1);
	put(w, m->category ? m->category : "-", strlen(m->category ? m->category : "-") + 1);
}

static int
walk_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	const struct dg_entry_meta *meta, void *arg)
{
	put(arg, &len, 1);
	put(arg, wire, len);
	put(arg, &pos, sizeof(pos));
	put_meta(arg, meta);
	return 0;
}

/* A lookup's result as bytes: verdict, metadata, ids, entry name, label. */
static void
put_match(struct walk *w, int rc, const struct dg_match *m)
{
	put(w, &rc, sizeof(rc));
	if (m->meta == NULL)
		return;
	put_meta(w, m->meta);
	put(w, &m->meta_id, sizeof(m->meta_id));
	put(w, &m->ident_id, sizeof(m->ident_id));
	put(w, &m->label, 1);
	put(w, &m->entry_len, 1);
	put(w, m->entry_name, m->entry_len);
}

/* Everything observable of @p f (and @p delta over it) for these queries, as bytes. */
static void
observe(const struct dg_filter *f, const struct dg_filter *delta, const struct dg_name *qs,
	unsigned int nq, struct walk *w)
{
	struct dg_filter_info in;
	struct dg_match m, bulk[DG_FILTER_BULK_MAX];
	const struct dg_name *qp[DG_FILTER_BULK_MAX];

	dg_filter_info(f, &in);
	put(w, &in, sizeof(in));
	dg_filter_walk(f, walk_cb, w);
	for (uint32_t id = 0; id <= in.idents + 1; id++) {
		const char *text = "";
		uint64_t n = 0;
		int rc = dg_filter_ident(f, id, &text, &n);

		put(w, &rc, sizeof(rc));
		put(w, text, strlen(text) + 1);
		put(w, &n, sizeof(n));
	}
	for (uint32_t day = 0; day < 40; day += 7) {
		uint64_t a = dg_filter_count_active(f, day);

		put(w, &a, sizeof(a));
	}
	for (unsigned int k = 0; k < nq; k++) {
		struct dg_filter_policy pol[8];
		int n = dg_filter_get(f, &qs[k], pol, 8);

		put(w, &n, sizeof(n));
		for (int i = 0; i < n && i < 8; i++) {
			put(w, &pol[i].pos, sizeof(pol[i].pos));
			put_meta(w, pol[i].meta);
		}
		for (uint32_t day = 5; day <= 35; day += 10) {
			int rc = dg_filter_lookup2(f, delta, &qs[k], day, &m);

			put_match(w, rc, &m);
		}
	}
	for (unsigned int k = 0; k < nq; k += DG_FILTER_BULK_MAX) {
		unsigned int n = nq - k < DG_FILTER_BULK_MAX ? nq - k : DG_FILTER_BULK_MAX;

		for (unsigned int j = 0; j < n; j++)
			qp[j] = &qs[k + j];
		dg_filter_lookup_bulk2(f, delta, qp, n, 20, bulk);
		for (unsigned int j = 0; j < n; j++)
			put_match(w, bulk[j].meta != NULL, &bulk[j]);
	}
}

/* @p a and @p b answer alike on every observation. */
static int
same(const struct dg_filter *a, const struct dg_filter *b, const struct dg_name *qs,
     unsigned int nq)
{
	struct walk wa = { 0 }, wb = { 0 };
	int eq;

	observe(a, NULL, qs, nq, &wa);
	observe(b, NULL, qs, nq, &wb);
	eq = wa.len == wb.len && memcmp(wa.buf, wb.buf, wa.len) == 0 && wa.len > 1000;
	free(wa.buf);
	free(wb.buf);
	return eq;
}

/* ---- test data ---- */

static int
name_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	const struct dg_entry_meta *meta, void *arg)
{
	(void)pos;
	(void)meta;
	put(arg, &len, 1);
	put(arg, wire, len);
	return 0;
}

/*
 * Queries: listed names (up to @p max), a child and the parent of each, and @p extra
 * random names.
 */
static struct dg_name *
queries_of(const struct dg_filter *f, unsigned int max, unsigned int extra, unsigned int *nq)
{
	struct walk names = { 0 };
	struct dg_name *qs;
	unsigned int n = 0, cap;

	dg_filter_walk(f, name_cb, &names);
	cap = 3 * (names.len / 2 < max ? (unsigned int)(names.len / 2) : max) + extra;
	qs = malloc(sizeof(*qs) * cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qs);
	for (size_t off = 0; off < names.len && n + 3 <= cap - extra; off += 1u + names.buf[off]) {
		struct dg_name nm;
		size_t plen;
		const uint8_t *pw;

		CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&nm, names.buf + off + 1, names.buf[off],
							NULL), 0);
		if (n > 0 && qs[n - 1].len == nm.len && !memcmp(qs[n - 1].wire, nm.wire, nm.len))
			continue; /* one policy after another of the same name */
		qs[n++] = nm;
		gen_below(&qs[n++], &nm);
		pw = dg_name_suffix(&nm, 1, &plen);
		CU_ASSERT_EQUAL_FATAL(dg_name_from_wire(&qs[n++], pw, plen, NULL), 0);
	}
	for (unsigned int k = 0; k < extra; k++)
		gen_name(&qs[n++], 6);
	free(names.buf);
	*nq = n;
	return qs;
}

/* Every fixture list, plus tombstones, several identifiers, a TLD and a crowded zone. */
static struct dg_filter *
fixture_snapshot(void)
{
	static const char *const files[] = { "native.txt", "zone.rpz", "hosts.txt",
		"domains.txt", "adblock.txt", "wildcard.txt", "prec_early.txt", "prec_late.txt" };
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_opts o;
	struct dg_entry_meta m = { .identifier = "ID-IMG", .category = "cat",
				   .action = DG_ACTION_SINKHOLE, .mode = DG_MATCH_SUBTREE,
				   .start_day = 10, .end_day = 30, .has_sinkhole4 = 1,
				   .sinkhole4 = { 198, 18, 0, 1 } };
	char path[4096], text[64];
	struct dg_name n;

	dg_list_opts_init(&o);
	o.report = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", FIXTURES, files[i]);
		CU_ASSERT_EQUAL_FATAL(dg_lists_load(b, path, DG_LIST_AUTO, &o, NULL), 0);
	}
	for (int i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "h%d.crowd.test", i);
		dg_name_from_text(&n, text, strlen(text));
		m.identifier = i % 3 ? "ID-IMG" : "ID-OTHER";
		CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &n, &m) >= 0);
		if (i % 5 == 0)
			CU_ASSERT_EQUAL_FATAL(dg_filter_builder_tombstone(b, &n), 0);
		if (i % 10 == 0)
			CU_ASSERT_TRUE_FATAL(dg_filter_builder_del(b, &n, DG_MATCH_SUBTREE, NULL) > 0);
	}
	dg_name_from_text(&n, "zip", 3);
	m.mode = DG_MATCH_EXACT;
	CU_ASSERT_TRUE_FATAL(dg_filter_builder_add(b, &n, &m) >= 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	dg_filter_builder_free(b);
	return f;
}

/* ---- tests ---- */

static void
test_filter_image_hash_is_xxh64(void)
{
	static uint8_t buf[(1 << 20) + 77];
	static const size_t lens[] = { 0, 1, 3, 4, 7, 8, 15, 31, 32, 33, 63, 64, 100, 1000,
				       sizeof(buf) };
	char path[] = "/tmp/dg_xxh_XXXXXX", cmd[256], out[64];
	unsigned int bad = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd(256);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int fd = mkstemp(path);
		struct dg_filter_hash h;
		FILE *p;

		CU_ASSERT_TRUE_FATAL(fd >= 0);
		CU_ASSERT_EQUAL_FATAL(write(fd, buf, lens[i]), (ssize_t)lens[i]);
		close(fd);
		snprintf(cmd, sizeof(cmd), "xxhsum -H1 '%s' 2>/dev/null", path);
		p = popen(cmd, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(fgets(out, sizeof(out), p));
		CU_ASSERT_EQUAL(pclose(p), 0);
		unlink(path);
		strcpy(path, "/tmp/dg_xxh_XXXXXX");
		/* streamed in uneven pieces, then in one go */
		dg_filter_hash_init(&h, 0);
		for (size_t off = 0; off < lens[i];) {
			size_t k = 1 + rnd(70);

			k = k < lens[i] - off ? k : lens[i] - off;
			dg_filter_hash_update(&h, buf + off, k);
			off += k;
		}
		bad += strtoull(out, NULL, 16) != dg_filter_hash_digest(&h);
		bad += dg_filter_hash64(buf, lens[i], 0) != dg_filter_hash_digest(&h);
		bad += dg_filter_hash64(buf, lens[i], 1) == dg_filter_hash_digest(&h);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Fixture lists: the loaded image answers as the built snapshot, with and as a delta. */
static void
test_filter_image_round_trip(void)
{
	struct dg_filter *f = fixture_snapshot(), *g, *h;
	struct dg_filter_info in;
	struct walk wa = { 0 }, wb = { 0 };
	unsigned int nq;
	struct dg_name *qs = queries_of(f, UINT32_MAX / 8, 2000, &nq);
	struct img im;

	dg_filter_info(f, &in);
	CU_ASSERT_TRUE(in.tombstones >= 4 && in.crowded_zones >= 1 && in.idents >= 3);
	img_save(f, NULL, &im);
	CU_ASSERT_EQUAL_FATAL(img_load(im.p, im.len, NULL, &g), 0);
	CU_ASSERT_TRUE(same(f, g, qs, nq));
	/* loaded snapshots serve as base and as delta alike */
	CU_ASSERT_EQUAL_FATAL(img_load(im.p, im.len, NULL, &h), 0);
	observe(f, f, qs, nq, &wa);
	observe(g, h, qs, nq, &wb);
	CU_ASSERT_TRUE(wa.len == wb.len && memcmp(wa.buf, wb.buf, wa.len) == 0);
	/* and save again to the same bytes */
	struct img again;

	img_save(g, NULL, &again);
	CU_ASSERT_TRUE(again.len == im.len && memcmp(again.p, im.p, im.len) == 0);
	free(again.p);
	free(wa.buf);
	free(wb.buf);
	dg_filter_free(h);
	dg_filter_free(g);
	free(im.p);
	free(qs);
	dg_filter_free(f);
}

/* An empty snapshot (an empty delta) round-trips too. */
static void
test_filter_image_empty(void)
{
	struct dg_filter_builder *b;
	struct dg_filter *f, *g;
	struct dg_filter_info in;
	struct img im;
	struct dg_name n;
	struct dg_match m;

	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	img_save(f, NULL, &im);
	CU_ASSERT_EQUAL_FATAL(img_load(im.p, im.len, NULL, &g), 0);
	dg_filter_info(g, &in);
	CU_ASSERT_EQUAL(in.entries + in.tombstones + in.metas + in.idents, 0);
	dg_name_from_text(&n, "a.b", 3);
	CU_ASSERT_EQUAL(dg_filter_lookup(g, &n, 1, &m), 0);
	CU_ASSERT_EQUAL(dg_filter_lookup2(f, g, &n, 1, &m), 0);
	dg_filter_free(g);
	dg_filter_free(f);
	dg_filter_builder_free(b);
	free(im.p);
}

/* The real lists of ../shared/data, when present. */
static void
test_filter_image_real_lists(void)
{
	static const char *const files[] = {
		"blocklists/hagezi-light.rpz.2026-08-15.txt",
		"blocklists/urlhaus-filter-agh.txt",
		"blocklists/stevenblack-unified.domains.2026-06-26.txt",
	};
	const char *data = dg_test_shared_data();
	struct dg_filter_builder *b;
	struct dg_filter *f, *g;
	struct dg_list_opts o;
	struct dg_filter_info in;
	char path[4096], dir[] = "/tmp/dg_img_XXXXXX";
	unsigned int nq;
	struct dg_name *qs;

	if (data == NULL) {
		printf("\n  no shared data: real lists not tested\n");
		return;
	}
	dg_list_opts_init(&o);
	o.report = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", data, files[i]);
		o.defaults.identifier = files[i] + 11;
		CU_ASSERT_EQUAL_FATAL(dg_lists_load(b, path, DG_LIST_AUTO, &o, NULL), 0);
	}
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	dg_filter_builder_free(b);
	dg_filter_info(f, &in);
	CU_ASSERT_TRUE(in.entries > 100000);
	/* through a real file this time: the atomic save */
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/filter.img", dir);
	CU_ASSERT_EQUAL_FATAL(dg_filter_save(f, path, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_load_image(path, NULL, &g), 0);
	qs = queries_of(f, 50000, 20000, &nq);
	CU_ASSERT_TRUE(same(f, g, qs, nq));
	printf("\n  %llu entries, %u queries: same answers\n", (unsigned long long)in.entries, nq);
	unlink(path);
	rmdir(dir);
	free(qs);
	dg_filter_free(g);
	dg_filter_free(f);
}

/* The atomic save leaves one file, replaced whole; the fingerprint decides staleness. */
static void
test_filter_image_file_and_fingerprint(void)
{
	struct dg_filter *f = fixture_snapshot(), *g = NULL;
	uint8_t fa[DG_FILTER_FP_LEN], fb[DG_FILTER_FP_LEN];
	char dir[] = "/tmp/dg_img_XXXXXX", path[4096];
	struct dirent *e;
	unsigned int files = 0;
	DIR *d;

	memset(fa, 0xa5, sizeof(fa));
	memcpy(fb, fa, sizeof(fb));
	fb[DG_FILTER_FP_LEN - 1] ^= 1; /* the last byte counts */
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/filter.img", dir);
	CU_ASSERT_EQUAL(dg_filter_load_image(path, fa, &g), -ENOENT);
	CU_ASSERT_EQUAL(dg_filter_save(f, path, fb), 0);
	CU_ASSERT_EQUAL(dg_filter_save(f, path, fa), 0); /* over the first */
	CU_ASSERT_EQUAL(dg_filter_load_image(path, fb, &g), -ESTALE);
	CU_ASSERT_EQUAL(dg_filter_load_image(path, fa, &g), 0);
	dg_filter_free(g);
	CU_ASSERT_EQUAL(dg_filter_load_image(path, NULL, &g), 0);
	dg_filter_free(g);
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL)
		files += e->d_name[0] != '.';
	closedir(d);
	CU_ASSERT_EQUAL(files, 1); /* no temporary file left */
	snprintf(path, sizeof(path), "%s/no/such/dir/filter.img", dir);
	CU_ASSERT_EQUAL(dg_filter_save(f, path, fa), -ENOENT);
	snprintf(path, sizeof(path), "%s/filter.img", dir);
	unlink(path);
	rmdir(dir);
	CU_ASSERT_EQUAL(dg_filter_load_image(NULL, fa, &g), -EINVAL);
	CU_ASSERT_EQUAL(dg_filter_save(NULL, path, fa), -EINVAL);
	dg_filter_free(f);
}

/* Cut at every section boundary (and one byte either side), and at random points. */
static void
test_filter_image_truncated(void)
{
	struct dg_filter *f = fixture_snapshot();
	struct img im;
	const struct img_sect *tab;
	unsigned int bad = 0, tried = 0;

	img_save(f, NULL, &im);
	tab = img_tab(&im);
	for (int i = 0; i <= SEC_COUNT; i++) {
		size_t at = i < SEC_COUNT ? tab[i].off : im.len;

		for (size_t cut = at - 1; cut <= at + 1 && cut < im.len; cut++, tried++)
			bad += img_try(im.p, cut) != -EBADMSG;
	}
	for (int k = 0; k < 300; k++, tried++)
		bad += img_try(im.p, rnd((unsigned int)im.len)) != -EBADMSG;
	bad += img_try(im.p, 0) != -EBADMSG;
	bad += img_try(im.p, sizeof(struct img_hdr) - 1) != -EBADMSG;
	/* one byte more than the image */
	im.p = realloc(im.p, im.len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im.p);
	im.p[im.len] = 0;
	bad += img_try(im.p, im.len + 1) != -EBADMSG;
	bad += img_try(im.p, im.len) != 0;
	printf("\n  %u cuts, %u not refused\n", tried, bad);
	CU_ASSERT_EQUAL(bad, 0);
	free(im.p);
	dg_filter_free(f);
}

/* One bit flipped: in every byte of the header and table, and all over every section. */
static void
test_filter_image_bit_flips(void)
{
	struct dg_filter *f = fixture_snapshot();
	struct img im;
	const struct img_sect *tab;
	unsigned int bad = 0, tried = 0;
	size_t head;

	img_save(f, NULL, &im);
	tab = img_tab(&im);
	head = tab[0].off;
	for (size_t at = 0; at < head; at++, tried++) {
		uint8_t bit = (uint8_t)(1u << rnd(8));

		im.p[at] ^= bit;
		bad += img_try(im.p, im.len) != -EBADMSG;
		im.p[at] ^= bit;
	}
	for (int i = 0; i < SEC_COUNT; i++) {
		for (int k = 0; k < 64 && tab[i].size > 0; k++, tried++) {
			/* the first and last byte, then random ones */
			size_t at = tab[i].off + (k == 0 ? 0 : k == 1 ? tab[i].size - 1 :
						  rnd((unsigned int)tab[i].size));
			uint8_t bit = (uint8_t)(1u << rnd(8));

			im.p[at] ^= bit;
			bad += img_try(im.p, im.len) != -EBADMSG;
			im.p[at] ^= bit;
		}
	}
	bad += img_try(im.p, im.len) != 0;
	printf("\n  %u flips, %u not refused\n", tried, bad);
	CU_ASSERT_EQUAL(bad, 0);
	free(im.p);
	dg_filter_free(f);
}

/* A forged edit with valid hashes: refused at the limit, accepted one short of it. */
static int
forged(struct img *im, uint8_t *at, const void *val, size_t n)
{
	uint8_t *save = malloc(n);
	int rc;

	memcpy(save, at, n);
	memcpy(at, val, n);
	img_seal(im);
	rc = img_try(im->p, im->len);
	memcpy(at, save, n);
	img_seal(im);
	free(save);
	return rc;
}

static int
forge32(struct img *im, uint8_t *at, uint32_t v)
{
	return forged(im, at, &v, sizeof(v));
}

static int
forge64(struct img *im, uint8_t *at, uint64_t v)
{
	return forged(im, at, &v, sizeof(v));
}

static void
test_filter_image_forged_structure(void)
{
	struct dg_filter *f = fixture_snapshot();
	struct img im;
	struct img_params par;
	uint8_t *arena, *rec, *last = NULL;
	struct flt_bucket *bk;
	struct flt_top_slot *top;
	struct img_meta *metas;
	struct img_hdr *hdr;
	uint32_t used = FLT_NONE, slot = 0, mslot = 0;

	img_save(f, NULL, &im);
	hdr = (struct img_hdr *)(void *)im.p;
	memcpy(&par, img_sec(&im, SEC_PARAMS), sizeof(par));
	arena = img_sec(&im, SEC_ARENA);
	bk = (struct flt_bucket *)(void *)img_sec(&im, SEC_TABLE);
	top = (struct flt_top_slot *)(void *)img_sec(&im, SEC_TOP);
	metas = (struct img_meta *)(void *)img_sec(&im, SEC_METAS);
	for (uint32_t s = 0; used == FLT_NONE; s++)
		if (bk[s / FLT_BUCKET_SLOTS].rec[s % FLT_BUCKET_SLOTS] != FLT_NONE)
			used = bk[s / FLT_BUCKET_SLOTS].rec[s % FLT_BUCKET_SLOTS], slot = s;
	uint8_t *slotp = (uint8_t *)&bk[slot / FLT_BUCKET_SLOTS].rec[slot % FLT_BUCKET_SLOTS];

	CU_ASSERT_EQUAL(img_try(im.p, im.len), 0);
	/* a table slot one byte into its record, at the arena's end, one short of it */
	CU_ASSERT_EQUAL(forge32(&im, slotp, used + 1), -EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, slotp, (uint32_t)par.arena_len), -EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, slotp, (uint32_t)par.arena_len - 1), -EBADMSG);
	/* a record's metadata id: the last one is fine, one past is not */
	for (uint64_t off = 0; off < par.arena_len; off += flt_rec_size(arena + off))
		if (arena[off + 1] + arena[off + 2] > 0)
			last = arena + off;
	rec = last + FLT_REC_HDR + last[0];
	CU_ASSERT_EQUAL(forge32(&im, rec, (uint32_t)par.nmetas - 1), 0);
	CU_ASSERT_EQUAL(forge32(&im, rec, (uint32_t)par.nmetas), -EBADMSG);
	/* the last record's name: a label running past it, a wrong label count */
	CU_ASSERT_EQUAL(forged(&im, last + FLT_REC_HDR, (uint8_t[]){ last[4] + 1 }, 1), -EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, last + FLT_REC_HDR, (uint8_t[]){ 64 }, 1), -EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, last + 3, (uint8_t[]){ last[3] + 1 }, 1), -EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, last + 1, (uint8_t[]){ last[1] + 1 }, 1), -EBADMSG);
	/* a stand-in with policies */
	CU_ASSERT_EQUAL(forged(&im, last + 3, (uint8_t[]){ last[3] | FLT_REC_STANDIN }, 1),
			-EBADMSG);
	/* top set: a slot mid-record, unknown flags, a wrong count, no free slot */
	for (uint32_t i = 0; i < par.top_slots; i++)
		if (top[i].rec != FLT_NONE)
			mslot = i;
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&top[mslot].rec, top[mslot].rec + 1), -EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&top[mslot].flags, 2), -EBADMSG);
	uint8_t *pp = img_sec(&im, SEC_PARAMS);

	CU_ASSERT_EQUAL(forge64(&im, pp + offsetof(struct img_params, ntop), par.ntop + 1),
			-EBADMSG);
	CU_ASSERT_EQUAL(forge64(&im, pp + offsetof(struct img_params, ntop),
				par.top_slots / 2 + 1), -EBADMSG);
	CU_ASSERT_EQUAL(forge64(&im, pp + offsetof(struct img_params, entries),
				par.entries + 1), -EBADMSG);
	/* counts that disagree with the section sizes */
	static const size_t counts[] = {
		offsetof(struct img_params, nblocks), offsetof(struct img_params, nbuckets),
		offsetof(struct img_params, top_slots), offsetof(struct img_params, arena_len),
		offsetof(struct img_params, nmetas), offsetof(struct img_params, nidents),
		offsetof(struct img_params, strs_len),
	};

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		uint64_t v;

		memcpy(&v, pp + counts[i], sizeof(v));
		CU_ASSERT_EQUAL(forge64(&im, pp + counts[i], v + 1), -EBADMSG);
		CU_ASSERT_EQUAL(forge64(&im, pp + counts[i], v - 1), -EBADMSG);
	}
	/* metadata: string offsets (the last byte is the final NUL: an empty string) */
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&metas[0].cat, (uint32_t)par.strs_len - 1), 0);
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&metas[0].cat, (uint32_t)par.strs_len), -EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, &metas[0].action, (uint8_t[]){ DG_ACTION_COUNT }, 1),
			-EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, &metas[0].mode, (uint8_t[]){ DG_MATCH_COUNT }, 1), -EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&metas[0].end_day, metas[0].start_day - 1),
			metas[0].start_day > 0 ? -EBADMSG : 0);
	uint8_t *mi = img_sec(&im, SEC_META_IDENT);

	CU_ASSERT_EQUAL(forge32(&im, mi, (uint32_t)par.nidents - 1), 0);
	CU_ASSERT_EQUAL(forge32(&im, mi, (uint32_t)par.nidents), -EBADMSG);
	uint8_t *ids = img_sec(&im, SEC_IDENTS);

	CU_ASSERT_EQUAL(forge32(&im, ids, 0), -EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, ids + 4, (uint32_t)par.strs_len), -EBADMSG);
	CU_ASSERT_EQUAL(forged(&im, img_sec(&im, SEC_STRS) + par.strs_len - 1, "x", 1), -EBADMSG);
	/* header: another version, byte order, word size, layout; hashes recomputed */
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&hdr->version, DG_FILTER_IMAGE_VERSION + 1),
			-EBADMSG);
	CU_ASSERT_EQUAL(forge64(&im, (uint8_t *)&hdr->order, __builtin_bswap64(IMG_ORDER)),
			-EBADMSG);
	CU_ASSERT_EQUAL(forge32(&im, (uint8_t *)&hdr->word_bits, 32), -EBADMSG);
	CU_ASSERT_EQUAL(forge64(&im, (uint8_t *)&hdr->layout, hdr->layout + 1), -EBADMSG);
	/* sizes: a section table that does not tile the file */
	struct img_sect *tab = img_tab(&im);

	CU_ASSERT_EQUAL(forge64(&im, (uint8_t *)&tab[SEC_TOP].size, tab[SEC_TOP].size + 16),
			-EBADMSG);
	CU_ASSERT_EQUAL(img_try(im.p, im.len), 0);
	free(im.p);
	dg_filter_free(f);
}

/*
 * Random forged edits (hashes recomputed) anywhere in the sections: every image is
 * refused or, if accepted, used in every way without a read out of bounds (ASan).
 */
static void
test_filter_image_forged_random(void)
{
	struct dg_filter *f = fixture_snapshot();
	struct img im, cp;
	const struct img_sect *tab;
	unsigned int nq, accepted = 0, refused = 0, other = 0;
	struct dg_name *qs = queries_of(f, 200, 200, &nq);
	size_t start;

	img_save(f, NULL, &im);
	tab = img_tab(&im);
	start = tab[0].off;
	cp.len = im.len;
	cp.p = malloc(im.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cp.p);
	for (int k = 0; k < 1500; k++) {
		struct dg_filter *g = NULL, *h = NULL;
		struct dg_filter_builder *b = NULL;
		struct walk w = { 0 };
		int rc;

		memcpy(cp.p, im.p, im.len);
		for (unsigned int e = 1 + rnd(4); e > 0; e--) {
			size_t at = start + rnd((unsigned int)(im.len - start));

			cp.p[at] = rnd(2) ? (uint8_t)rnd(256) : cp.p[at] ^ (uint8_t)(1u << rnd(8));
		}
		img_seal(&cp);
		rc = img_load(cp.p, cp.len, NULL, &g);
		if (rc != 0) {
			refused += rc == -EBADMSG;
			other += rc != -EBADMSG;
			continue;
		}
		accepted++;
		observe(g, g, qs, nq, &w);
		if (dg_filter_builder_from(&b, g) == 0 && dg_filter_build(b, &h) == 0)
			observe(h, g, qs, nq, &w);
		free(w.buf);
		dg_filter_free(h);
		dg_filter_builder_free(b);
		dg_filter_free(g);
	}
	printf("\n  1500 forged images: %u refused, %u accepted and used\n", refused, accepted);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_TRUE(refused > 100 && accepted > 100);
	free(cp.p);
	free(im.p);
	free(qs);
	dg_filter_free(f);
}

DG_TEST_MAIN("filter_image",
	DG_TEST(test_filter_image_hash_is_xxh64),
	DG_TEST(test_filter_image_round_trip),
	DG_TEST(test_filter_image_empty),
	DG_TEST(test_filter_image_real_lists),
	DG_TEST(test_filter_image_file_and_fingerprint),
	DG_TEST(test_filter_image_truncated),
	DG_TEST(test_filter_image_bit_flips),
	DG_TEST(test_filter_image_forged_structure),
	DG_TEST(test_filter_image_forged_random))
