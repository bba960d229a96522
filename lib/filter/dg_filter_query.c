/* SPDX-License-Identifier: BSD-3-Clause */
/* Read-only queries on a snapshot (control plane): sizes, walks, identifiers, names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dg_filter.h"
#include "filter_pvt.h"

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
	*info = f->info;
}

void
dg_filter_bloom_fp(const struct dg_filter *f, struct dg_filter_info *info)
{
	double *fp, sum = 0;

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
	for (uint64_t off = 0; off < f->arena_len; off += flt_rec_size(f->arena + off)) {
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
	}
	return 0;
}

int
dg_filter_walk_names(const struct dg_filter *f, dg_filter_name_cb cb, void *arg)
{
	for (uint64_t off = 0; off < f->arena_len; off += flt_rec_size(f->arena + off)) {
		const uint8_t *r = f->arena + off;
		int rc = cb(r + FLT_REC_HDR, r[0], (unsigned int)r[1] + r[2], arg);

		if (rc != 0)
			return rc;
	}
	return 0;
}

uint64_t
dg_filter_count_active(const struct dg_filter *f, uint32_t today)
{
	uint64_t active = 0;

	for (uint64_t off = 0; off < f->arena_len; off += flt_rec_size(f->arena + off)) {
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
	}
	return active;
}

int
dg_filter_ident(const struct dg_filter *f, uint32_t id, const char **text, uint64_t *fqdns)
{
	if (f == NULL || id == 0 || id >= f->nidents)
		return -ENOENT;
	if (text != NULL)
		*text = f->idents[id];
	if (fqdns != NULL)
		*fqdns = f->ident_fqdns[id];
	return 0;
}

int
dg_filter_ident2(const struct dg_filter *base, const struct dg_filter *delta, uint32_t id,
		 const char **text, uint64_t *fqdns)
{
	if (base != NULL && id < base->nidents)
		return dg_filter_ident(base, id, text, fqdns);
	return dg_filter_ident(delta, id - (base != NULL ? base->nidents - 1 : 0), text, fqdns);
}

int
dg_filter_get(const struct dg_filter *f, const struct dg_name *name,
	      struct dg_filter_policy *out, unsigned int cap)
{
	uint32_t rec;
	const uint8_t *r, *ids;
	unsigned int n;

	if (f == NULL || name == NULL || (out == NULL && cap != 0))
		return -EINVAL;
	rec = flt_find_name(f, name);
	if (rec == FLT_NONE)
		return -ENOENT;
	r = f->arena + rec;
	ids = r + FLT_REC_HDR + r[0];
	n = r[1] + r[2];
	for (unsigned int k = 0; k < n && k < cap; k++) {
		out[k].pos = k < r[1] ? DG_MATCH_EXACT : DG_MATCH_BELOW;
		out[k].meta = &f->metas[flt_rd32(ids + 4 * k)];
	}
	return (int)n;
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
