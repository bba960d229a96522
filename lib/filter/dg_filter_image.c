/* SPDX-License-Identifier: BSD-3-Clause */
/* Snapshot images: write (atomically for a file) and load, checking everything first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_filter.h"
#include "dg_filter_image.h"
#include "filter_pvt.h"
#include "image_pvt.h"

static const uint32_t sect_elem[SEC_COUNT] = {
	[SEC_PARAMS] = sizeof(struct img_params),
	[SEC_BLOOM] = FLT_BLOCK_BYTES,
	[SEC_TABLE] = sizeof(struct flt_bucket),
	[SEC_TOP] = sizeof(struct flt_top_slot),
	[SEC_ARENA] = 1,
	[SEC_METAS] = sizeof(struct img_meta),
	[SEC_META_IDENT] = sizeof(uint32_t),
	[SEC_IDENTS] = sizeof(uint32_t),
	[SEC_FQDNS] = sizeof(uint64_t),
	[SEC_STRS] = 1,
	[SEC_ZONES] = sizeof(uint64_t),
};

/*
 * What a lookup depends on beyond the data: the constants of the layout and the hashes
 * of a probe name. A build that changes either cannot read this image.
 */
static uint64_t
layout_tag(void)
{
	static const char probe[] = "www.Probe-name.example";
	uint64_t v[16] = {
		FLT_SEED, FLT_BLOCK_BYTES, FLT_BUCKET_SLOTS, FLT_ZONE_MAXD, FLT_TOP_BITS_LOG2,
		FLT_REC_HDR, FLT_ARENA_SLACK, FLT_REC_STANDIN, sizeof(struct flt_bucket),
		sizeof(struct flt_top_slot), DG_FILTER_IMAGE_VERSION + (FLT_ZONE_BITS_LOG2 << 8),
	};
	uint64_t h[DG_NAME_MAXLABELS + 1], mask[FLT_BLOCK_WORDS];
	struct dg_name n;

	if (dg_name_from_text(&n, probe, sizeof(probe) - 1) == 0) {
		flt_hash_suffixes(&n, h);
		flt_bloom_mask(h[0], mask);
		v[11] = h[0];
		v[12] = h[1];
		v[13] = h[2];
		v[14] = dg_filter_hash64(mask, sizeof(mask), 0);
		v[15] = flt_range(flt_tag_of(h[0]), 1000003);
	}
	return dg_filter_hash64(v, sizeof(v), IMG_SEED);
}

static int
write_all(int fd, const void *data, uint64_t n)
{
	const uint8_t *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n < (1u << 30) ? (size_t)n : (1u << 30));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (uint64_t)w;
	}
	return 0;
}

static uint32_t
str_off(const struct dg_filter *f, const char *s)
{
	return s == NULL ? IMG_NOSTR : (uint32_t)(s - f->strs);
}

int
dg_filter_save_fd(const struct dg_filter *f, int fd, const uint8_t *fp)
{
	struct img_hdr hdr;
	struct img_sect tab[SEC_COUNT];
	struct img_params par;
	struct img_meta *metas;
	uint32_t *idents;
	const void *data[SEC_COUNT];
	struct dg_filter_hash h;
	uint64_t off = sizeof(hdr) + sizeof(tab);
	int rc = 0;

	if (f == NULL || fd < 0)
		return -EINVAL;
	if (f->strs_len >= IMG_NOSTR)
		return -EFBIG;
	metas = calloc(f->nmetas + 1, sizeof(*metas));
	idents = malloc(sizeof(*idents) * f->nidents);
	if (metas == NULL || idents == NULL) {
		free(metas);
		free(idents);
		return -ENOMEM;
	}
	for (uint32_t k = 0; k < f->nmetas; k++) {
		const struct dg_entry_meta *m = &f->metas[k];
		struct img_meta *o = &metas[k];

		o->ident = str_off(f, m->identifier);
		o->cat = str_off(f, m->category);
		o->start_day = m->start_day;
		o->end_day = m->end_day;
		o->action = (uint8_t)m->action;
		o->mode = (uint8_t)m->mode;
		o->has4 = m->has_sinkhole4;
		o->has6 = m->has_sinkhole6;
		memcpy(o->sinkhole4, m->sinkhole4, 4);
		memcpy(o->sinkhole6, m->sinkhole6, 16);
	}
	for (uint32_t i = 0; i < f->nidents; i++)
		idents[i] = str_off(f, f->idents[i]);
	par = (struct img_params){
		.nblocks = f->nblocks, .nbuckets = f->nbuckets, .top_slots = f->top_mask + 1ull,
		.ntop = f->ntop, .arena_len = f->arena_len, .nmetas = f->nmetas,
		.nidents = f->nidents, .strs_len = f->strs_len, .entries = f->info.entries,
		.tombstones = f->info.tombstones, .policies = f->info.policies,
		.crowded_zones = f->info.crowded_zones, .top_entries = f->info.top_entries,
	};
	data[SEC_PARAMS] = &par;
	data[SEC_BLOOM] = f->blocks;
	data[SEC_TABLE] = f->buckets;
	data[SEC_TOP] = f->top;
	data[SEC_ARENA] = f->arena;
	data[SEC_METAS] = metas;
	data[SEC_META_IDENT] = f->meta_ident;
	data[SEC_IDENTS] = idents;
	data[SEC_FQDNS] = f->ident_fqdns;
	data[SEC_STRS] = f->strs;
	data[SEC_ZONES] = f->zone_bits;
	const uint64_t count[SEC_COUNT] = {
		1, f->nblocks, f->nbuckets, par.top_slots, f->arena_len, f->nmetas, f->nmetas,
		f->nidents, f->nidents, f->strs_len, sizeof(f->zone_bits) / sizeof(uint64_t),
	};

	dg_filter_hash_init(&h, IMG_SEED);
	for (int i = 0; i < SEC_COUNT; i++) {
		tab[i] = (struct img_sect){ .id = (uint32_t)i, .elem = sect_elem[i], .off = off,
					    .size = count[i] * sect_elem[i] };
		dg_filter_hash_update(&h, data[i], tab[i].size);
		off += tab[i].size;
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, IMG_MAGIC, sizeof(hdr.magic));
	hdr.version = DG_FILTER_IMAGE_VERSION;
	hdr.hdr_size = sizeof(hdr);
	hdr.order = IMG_ORDER;
	hdr.word_bits = 8 * sizeof(void *);
	hdr.nsect = SEC_COUNT;
	hdr.file_size = off;
	hdr.layout = layout_tag();
	if (fp != NULL)
		memcpy(hdr.fp, fp, DG_FILTER_FP_LEN);
	hdr.content_hash = dg_filter_hash_digest(&h);
	dg_filter_hash_init(&h, IMG_SEED);
	dg_filter_hash_update(&h, &hdr, sizeof(hdr));
	dg_filter_hash_update(&h, tab, sizeof(tab));
	hdr.hdr_hash = dg_filter_hash_digest(&h);

	rc = write_all(fd, &hdr, sizeof(hdr));
	if (rc == 0)
		rc = write_all(fd, tab, sizeof(tab));
	for (int i = 0; rc == 0 && i < SEC_COUNT; i++)
		rc = write_all(fd, data[i], tab[i].size);
	free(metas);
	free(idents);
	return rc;
}

/* fsync the directory holding @p path, so that a rename in it is durable. */
static int
sync_dir(const char *path)
{
	char *dir = strdup(path), *slash;
	int fd, rc = 0;

	if (dir == NULL)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
dg_filter_save(const struct dg_filter *f, const char *path, const uint8_t *fp)
{
	char *tmp;
	int fd, rc;

	if (f == NULL || path == NULL)
		return -EINVAL;
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	rc = dg_filter_save_fd(f, fd, fp);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc != 0 ? rc : sync_dir(path);
}

/* Read exactly @p n bytes at @p off; a short file is a truncated image. */
static int
read_at(int fd, void *dst, uint64_t n, uint64_t off, struct dg_filter_hash *h)
{
	uint8_t *p = dst;

	while (n > 0) {
		ssize_t r = pread(fd, p, n < IMG_CHUNK ? (size_t)n : IMG_CHUNK, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EBADMSG;
		if (h != NULL)
			dg_filter_hash_update(h, p, (size_t)r);
		p += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
	return 0;
}

/* Header and section table: what the image claims to be, checked before any big read. */
static int
check_header(const struct img_hdr *hdr, const struct img_sect *tab, uint64_t file_size,
	     const uint8_t *fp)
{
	struct img_hdr copy = *hdr;
	struct dg_filter_hash h;
	uint64_t off = sizeof(*hdr) + sizeof(*tab) * SEC_COUNT;

	copy.hdr_hash = 0;
	dg_filter_hash_init(&h, IMG_SEED);
	dg_filter_hash_update(&h, &copy, sizeof(copy));
	dg_filter_hash_update(&h, tab, sizeof(*tab) * SEC_COUNT);
	if (dg_filter_hash_digest(&h) != hdr->hdr_hash || hdr->layout != layout_tag() ||
	    hdr->file_size != file_size || file_size < off)
		return -EBADMSG;
	for (int i = 0; i < SEC_COUNT; i++) {
		if (tab[i].id != (uint32_t)i || tab[i].elem != sect_elem[i] || tab[i].off != off ||
		    tab[i].size % sect_elem[i] != 0 || tab[i].size > file_size - off)
			return -EBADMSG;
		off += tab[i].size;
	}
	if (off != file_size || tab[SEC_PARAMS].size != sizeof(struct img_params))
		return -EBADMSG;
	if (fp != NULL && memcmp(hdr->fp, fp, DG_FILTER_FP_LEN) != 0)
		return -ESTALE;
	return 0;
}

/* The counts agree with the section sizes and stay inside what lookups can address. */
static int
check_params(const struct img_params *p, const struct img_sect *tab)
{
	const uint64_t want[SEC_COUNT] = {
		1, p->nblocks, p->nbuckets, p->top_slots, p->arena_len, p->nmetas, p->nmetas,
		p->nidents, p->nidents, p->strs_len,
		sizeof(((struct dg_filter *)NULL)->zone_bits) / sizeof(uint64_t),
	};

	for (int i = 0; i < SEC_COUNT; i++)
		if (tab[i].size / sect_elem[i] != want[i])
			return -EBADMSG;
	if (p->nblocks == 0 || p->nblocks > UINT32_MAX || p->nbuckets == 0 ||
	    p->nbuckets > UINT32_MAX || p->top_slots < 2 || p->top_slots > (UINT64_C(1) << 31) ||
	    (p->top_slots & (p->top_slots - 1)) != 0 || p->ntop * 2 > p->top_slots ||
	    p->arena_len >= FLT_NONE || p->nmetas >= FLT_NONE || p->nidents == 0 ||
	    p->nidents >= FLT_NONE || p->strs_len >= IMG_NOSTR)
		return -EBADMSG;
	return 0;
}

/* A wire name of @p nl labels, exactly @p len bytes with its root label. */
static int
name_ok(const uint8_t *w, unsigned int len, unsigned int nl)
{
	unsigned int p = 0, n = 0;

	if (len == 0)
		return 0;
	while (p < len - 1) {
		if (w[p] == 0 || w[p] > DG_NAME_MAXLABEL)
			return 0;
		p += 1u + w[p];
		n++;
	}
	return p == len - 1 && w[p] == 0 && n == nl && n > 0;
}

static inline int
bit_is(const uint64_t *bits, uint32_t i)
{
	return (int)(bits[i / 64] >> (i % 64) & 1);
}

/*
 * Every record within the arena, with valid metadata ids and a well-formed name; the
 * counts of the parameters; every table and top-set slot on a record start.
 */
static int
check_records(struct dg_filter *f, const struct img_params *p)
{
	uint64_t *start = calloc(f->arena_len / 64 + 1, sizeof(*start));
	uint64_t entries = 0, tombs = 0, policies = 0, off = 0, used = 0;
	int rc = -EBADMSG;

	if (start == NULL)
		return -ENOMEM;
	while (off < f->arena_len) {
		const uint8_t *r = f->arena + off, *ids = r + FLT_REC_HDR + r[0];
		unsigned int n;

		if (f->arena_len - off < FLT_REC_HDR || flt_rec_size(r) > f->arena_len - off ||
		    !name_ok(r + FLT_REC_HDR, r[0], r[3] & FLT_REC_NLABELS))
			goto out;
		n = r[1] + r[2];
		if ((r[3] & FLT_REC_STANDIN) && n != 0)
			goto out;
		for (unsigned int k = 0; k < n; k++)
			if (flt_rd32(ids + 4 * k) >= f->nmetas)
				goto out;
		start[off / 64] |= UINT64_C(1) << (off % 64);
		entries += n != 0;
		tombs += n == 0 && !(r[3] & FLT_REC_STANDIN);
		policies += n;
		off += flt_rec_size(r);
	}
	if (entries != p->entries || tombs != p->tombstones || policies != p->policies)
		goto out;
	for (uint32_t b = 0; b < f->nbuckets; b++)
		for (unsigned int s = 0; s < FLT_BUCKET_SLOTS; s++) {
			uint32_t rec = f->buckets[b].rec[s];

			if (rec != FLT_NONE && (rec >= f->arena_len || !bit_is(start, rec)))
				goto out;
		}
	for (uint32_t i = 0; i <= f->top_mask; i++) {
		const struct flt_top_slot *s = &f->top[i];
		uint32_t bit = flt_top_bit(s->hash);

		if (s->rec == FLT_NONE)
			continue;
		if (s->rec >= f->arena_len || !bit_is(start, s->rec) ||
		    (s->flags & ~(uint32_t)FLT_TOP_CROWDED) != 0)
			goto out;
		f->top_bits[bit / 64] |= UINT64_C(1) << (bit % 64);
		used++;
	}
	rc = used == f->ntop ? 0 : -EBADMSG;
out:
	free(start);
	return rc;
}

/* Metadata and identifiers from their image form: every offset inside the strings. */
static int
load_metas(struct dg_filter *f, const struct img_meta *im, const uint32_t *idents)
{
	if (f->strs_len != 0 && f->strs[f->strs_len - 1] != '\0')
		return -EBADMSG;
	f->strs[f->strs_len] = '\0';
	for (uint32_t k = 0; k < f->nmetas; k++) {
		const struct img_meta *o = &im[k];
		struct dg_entry_meta *m = &f->metas[k];

		if (o->action >= DG_ACTION_COUNT || o->mode >= DG_MATCH_COUNT || o->has4 > 1 ||
		    o->has6 > 1 || o->end_day < o->start_day || f->meta_ident[k] >= f->nidents ||
		    (o->ident != IMG_NOSTR && o->ident >= f->strs_len) ||
		    (o->cat != IMG_NOSTR && o->cat >= f->strs_len))
			return -EBADMSG;
		memset(m, 0, sizeof(*m));
		m->identifier = o->ident == IMG_NOSTR ? NULL : f->strs + o->ident;
		m->category = o->cat == IMG_NOSTR ? NULL : f->strs + o->cat;
		m->action = (enum dg_action)o->action;
		m->mode = (enum dg_match_mode)o->mode;
		m->start_day = o->start_day;
		m->end_day = o->end_day;
		m->has_sinkhole4 = o->has4;
		m->has_sinkhole6 = o->has6;
		memcpy(m->sinkhole4, o->sinkhole4, 4);
		memcpy(m->sinkhole6, o->sinkhole6, 16);
	}
	if (idents[0] != IMG_NOSTR)
		return -EBADMSG;
	f->idents[0] = NULL;
	for (uint32_t i = 1; i < f->nidents; i++) {
		if (idents[i] >= f->strs_len)
			return -EBADMSG;
		f->idents[i] = f->strs + idents[i];
	}
	return 0;
}

/* Allocate the snapshot's arrays for @p p, read every section into place, hashing. */
static int
load_sections(int fd, struct dg_filter *f, const struct img_params *p,
	      const struct img_sect *tab, struct dg_filter_hash *h, struct img_meta **im,
	      uint32_t **idents)
{
	void *dst[SEC_COUNT];
	int rc = 0;

	f->nblocks = (uint32_t)p->nblocks;
	f->nbuckets = (uint32_t)p->nbuckets;
	f->top_mask = (uint32_t)(p->top_slots - 1);
	f->ntop = (uint32_t)p->ntop;
	f->arena_len = p->arena_len;
	f->nmetas = (uint32_t)p->nmetas;
	f->nidents = (uint32_t)p->nidents;
	f->strs_len = p->strs_len;
	f->blocks = flt_alloc_big(tab[SEC_BLOOM].size);
	f->buckets = flt_alloc_big(tab[SEC_TABLE].size);
	f->top = malloc(tab[SEC_TOP].size);
	f->arena = flt_alloc_big(p->arena_len + FLT_ARENA_SLACK);
	f->metas = malloc(sizeof(*f->metas) * (p->nmetas + 1));
	f->meta_ident = malloc(sizeof(*f->meta_ident) * (p->nmetas + 1));
	f->idents = malloc(sizeof(*f->idents) * p->nidents);
	f->ident_fqdns = malloc(tab[SEC_FQDNS].size);
	f->strs = malloc(p->strs_len + 1);
	*im = malloc(tab[SEC_METAS].size + 1);
	*idents = malloc(tab[SEC_IDENTS].size);
	if (f->blocks == NULL || f->buckets == NULL || f->top == NULL || f->arena == NULL ||
	    f->metas == NULL || f->meta_ident == NULL || f->idents == NULL ||
	    f->ident_fqdns == NULL || f->strs == NULL || *im == NULL || *idents == NULL)
		return -ENOMEM;
	memset(f->arena + p->arena_len, 0, FLT_ARENA_SLACK);
	dst[SEC_PARAMS] = NULL;
	dst[SEC_BLOOM] = f->blocks;
	dst[SEC_TABLE] = f->buckets;
	dst[SEC_TOP] = f->top;
	dst[SEC_ARENA] = f->arena;
	dst[SEC_METAS] = *im;
	dst[SEC_META_IDENT] = f->meta_ident;
	dst[SEC_IDENTS] = *idents;
	dst[SEC_FQDNS] = f->ident_fqdns;
	dst[SEC_STRS] = f->strs;
	dst[SEC_ZONES] = f->zone_bits;
	for (int i = SEC_PARAMS + 1; rc == 0 && i < SEC_COUNT; i++)
		rc = read_at(fd, dst[i], tab[i].size, tab[i].off, h);
	return rc;
}

int
dg_filter_load_fd(int fd, const uint8_t *fp, struct dg_filter **out)
{
	struct img_hdr hdr;
	struct img_sect tab[SEC_COUNT];
	struct img_params par;
	struct dg_filter_hash h;
	struct img_meta *im = NULL;
	uint32_t *idents = NULL;
	struct dg_filter *f;
	struct stat st;
	int rc;

	if (out == NULL)
		return -EINVAL;
	if (fstat(fd, &st) != 0)
		return -errno;
	rc = read_at(fd, &hdr, sizeof(hdr), 0, NULL);
	if (rc != 0)
		return rc;
	if (memcmp(hdr.magic, IMG_MAGIC, sizeof(hdr.magic)) != 0 ||
	    hdr.version != DG_FILTER_IMAGE_VERSION || hdr.hdr_size != sizeof(hdr) ||
	    hdr.order != IMG_ORDER || hdr.word_bits != 8 * sizeof(void *) ||
	    hdr.nsect != SEC_COUNT)
		return -EBADMSG;
	rc = read_at(fd, tab, sizeof(tab), sizeof(hdr), NULL);
	if (rc == 0)
		rc = check_header(&hdr, tab, (uint64_t)st.st_size, fp);
	dg_filter_hash_init(&h, IMG_SEED);
	if (rc == 0)
		rc = read_at(fd, &par, sizeof(par), tab[SEC_PARAMS].off, &h);
	if (rc == 0)
		rc = check_params(&par, tab);
	if (rc != 0)
		return rc;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	rc = load_sections(fd, f, &par, tab, &h, &im, &idents);
	if (rc == 0 && dg_filter_hash_digest(&h) != hdr.content_hash)
		rc = -EBADMSG;
	if (rc == 0)
		rc = load_metas(f, im, idents);
	if (rc == 0)
		rc = check_records(f, &par);
	free(im);
	free(idents);
	if (rc != 0) {
		dg_filter_free(f);
		return rc;
	}
	f->info.entries = par.entries;
	f->info.tombstones = par.tombstones;
	f->info.policies = par.policies;
	f->info.crowded_zones = par.crowded_zones;
	f->info.top_entries = par.top_entries;
	flt_info_sizes(f);
	*out = f;
	return 0;
}

int
dg_filter_load_image(const char *path, const uint8_t *fp, struct dg_filter **out)
{
	int fd, rc;

	if (path == NULL || out == NULL)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = dg_filter_load_fd(fd, fp, out);
	close(fd);
	return rc;
}
