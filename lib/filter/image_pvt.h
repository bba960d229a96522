/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IMAGE_PVT_H
#define IMAGE_PVT_H

/*
 * Image file layout (private; dg_filter_image.h describes it): header, section table,
 * then the sections back to back in enum order. Shared with the white-box tests that
 * forge images.
 */

#include <stdint.h>

#include "dg_filter_image.h"

#define IMG_MAGIC "DGFILTER"
#define IMG_ORDER UINT64_C(0x0102030405060708)
#define IMG_SEED UINT64_C(0x6467666c74696d67)

enum img_sect_id {
	SEC_PARAMS,
	SEC_BLOOM,
	SEC_TABLE,
	SEC_TOP,
	SEC_ARENA,
	SEC_METAS,
	SEC_META_IDENT,
	SEC_IDENTS,
	SEC_FQDNS,
	SEC_STRS,
	SEC_ZONES,
	SEC_COUNT,
};

enum {
	IMG_HDR_BYTES = 128,
	IMG_CHUNK = 1 << 20, /* read and hash in pieces that stay in cache */
	IMG_NOSTR = UINT32_MAX,
};

struct img_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint64_t order;        /* IMG_ORDER as the writer stored it */
	uint32_t word_bits;
	uint32_t nsect;
	uint64_t file_size;
	uint64_t layout;       /* layout_tag() of the writer */
	uint8_t fp[DG_FILTER_FP_LEN];
	uint64_t content_hash; /* of the sections, in file order */
	uint64_t hdr_hash;     /* of this header with hdr_hash 0, then the section table */
	uint8_t pad[IMG_HDR_BYTES - 96];
};

struct img_sect {
	uint32_t id;
	uint32_t elem; /* element size: the section's size is a multiple */
	uint64_t off;
	uint64_t size;
};

struct img_params {
	uint64_t nblocks, nbuckets, top_slots, ntop, arena_len, nmetas, nidents, strs_len;
	uint64_t entries, tombstones, policies, crowded_zones, top_entries;
};

struct img_meta {
	uint32_t ident, cat; /* offsets in the strings, IMG_NOSTR = NULL */
	uint32_t start_day, end_day;
	uint8_t action, mode, has4, has6;
	uint8_t sinkhole4[4];
	uint8_t sinkhole6[16];
};

_Static_assert(sizeof(struct img_hdr) == IMG_HDR_BYTES, "image header size");
_Static_assert(sizeof(struct img_meta) == 40, "image meta size");

#endif /* IMAGE_PVT_H */
