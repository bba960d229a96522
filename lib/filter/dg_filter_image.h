/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_FILTER_IMAGE_H
#define DG_FILTER_IMAGE_H

/**
 * @file
 * A built snapshot as one binary image file, to restart in seconds instead of parsing
 * the lists again; and a fast streaming hash to fingerprint the inputs.
 *
 * Image (format version DG_FILTER_IMAGE_VERSION; all integers in the writer's byte order,
 * which the header records, so another byte order or word size is refused):
 *  - header, 128 bytes: magic "DGFILTER", version, header size, byte-order tag, word
 *    bits, section count, file size, a layout tag (the lookup's constants and the hash
 *    of a probe name: an image from a build that hashes or places names differently is
 *    refused), the caller's 32-byte input fingerprint, the content hash, and a hash of
 *    the header and section table;
 *  - section table: (id, element size, offset, size) per section, in file order;
 *  - sections, back to back: parameters (counts), Bloom blocks, exact-table buckets,
 *    top set, arena, metadata (strings as offsets), meta -> identifier map, identifier
 *    string offsets, names per identifier, interned strings, zone bits.
 * Hashes are dg_filter_hash64() (XXH64).
 *
 * Loading reads the sections into fresh memory (huge pages for the big ones, as a build
 * does; not a mapping: the file can be replaced or truncated under a running process
 * without harm), checks the content hash, then the structure: every record inside the
 * arena with its metadata ids in range, every table and top-set slot on a record start,
 * every string offset inside the string section (which ends with a NUL), counts that
 * agree with the sizes. A damaged image is refused; it can never make a lookup read out
 * of bounds. A loaded snapshot is used and freed like a built one.
 */

#include <stddef.h>
#include <stdint.h>

#include "dg_filter.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_FILTER_FP_LEN = 32,       /**< bytes of an input fingerprint */
	DG_FILTER_IMAGE_VERSION = 1, /**< image format version written and accepted */
};

/**
 * Write snapshot @p f as an image to @p fd, from its current offset (a pipe will do),
 * with the input fingerprint @p fp (NULL: all zero). Does not sync or close @p fd.
 *
 * @return 0, or
 *   - -EINVAL: NULL argument,
 *   - -EFBIG: a section over the format's limits (strings over 4 GiB),
 *   - -ENOMEM,
 *   - a negative errno from write() (e.g. -ENOSPC, -EIO).
 */
int dg_filter_save_fd(const struct dg_filter *f, int fd, const uint8_t *fp);

/**
 * Write snapshot @p f as an image file at @p path, atomically: a temporary file in the
 * same directory, written, fsync'ed, renamed over @p path, then the directory fsync'ed.
 * A crash at any point leaves either the old file or the new one, never a mix.
 *
 * @return 0, or the errors of dg_filter_save_fd(), or a negative errno from creating,
 *   syncing or renaming the file (the temporary file is removed).
 */
int dg_filter_save(const struct dg_filter *f, const char *path, const uint8_t *fp);

/**
 * Load an image from @p fd (from offset 0; the fd must support pread). @p fp is the
 * fingerprint the image must carry (NULL: any).
 *
 * @return 0 and *out, or
 *   - -EBADMSG: not an image, another format version, byte order or word size,
 *     truncated, extra bytes, a hash mismatch, or a structure out of bounds,
 *   - -ESTALE: a valid image whose fingerprint differs from @p fp (its inputs changed),
 *   - -ENOMEM,
 *   - -EINVAL: NULL @p out,
 *   - a negative errno from fstat() or pread() (e.g. -EIO).
 */
int dg_filter_load_fd(int fd, const uint8_t *fp, struct dg_filter **out);

/**
 * dg_filter_load_fd() on the file at @p path.
 *
 * @return as dg_filter_load_fd(), and -ENOENT when there is no such file, or another
 *   negative errno from open() (e.g. -EACCES).
 */
int dg_filter_load_image(const char *path, const uint8_t *fp, struct dg_filter **out);

/** Streaming hash state (dg_filter_hash_*): treat as opaque. */
struct dg_filter_hash {
	uint64_t v[4];
	uint64_t total;
	uint8_t buf[32];
	uint32_t nbuf;
};

/**
 * Streaming XXH64: init, update any number of times with any split, digest. The digest
 * equals XXH64 (e.g. `xxhsum -H64`) of all the bytes given, with @p seed. Several GB/s
 * on one core: a caller can hash every list file and its configuration text to make
 * the image fingerprint, e.g. one digest per input in the 32 bytes or a digest of the
 * digests. Not cryptographic: it detects changes, not a forger.
 */
void dg_filter_hash_init(struct dg_filter_hash *h, uint64_t seed);
void dg_filter_hash_update(struct dg_filter_hash *h, const void *p, size_t n);
/** The digest of what was given so far; @p h may be updated further. */
uint64_t dg_filter_hash_digest(const struct dg_filter_hash *h);
/** One-shot dg_filter_hash_*. */
uint64_t dg_filter_hash64(const void *p, size_t n, uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* DG_FILTER_IMAGE_H */
