/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_NAME_H
#define DG_NAME_H

/**
 * @file
 * Domain names in wire format, normalised for lookup.
 *
 * A normalised name is the uncompressed wire form with ASCII letters A-Z folded to a-z
 * and every other byte kept (labels may hold '.', NUL or any octet). It always ends with
 * the root label. Labels are indexed from the left: label 0 is the leftmost, label
 * nlabels-1 the one just below the root. The suffix starting at label i is the name of
 * the i-th ancestor (i = 0 is the name itself).
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	DG_NAME_MAXLEN = 255,    /**< wire length including the root label (RFC 1035) */
	DG_NAME_MAXLABEL = 63,   /**< bytes in one label */
	DG_NAME_MAXLABELS = 127, /**< labels, root excluded */
	DG_NAME_TEXT_MAX = 1024, /**< buffer for the escaped text form of any name */
	DG_NAME_WIRE_SPARE = 31, /**< bytes of struct dg_name's wire past DG_NAME_MAXLEN */
};

/** Wire label length byte: top two bits give the label type. */
enum dg_name_label_type {
	DG_NAME_LABEL_NORMAL = 0x00,
	DG_NAME_LABEL_EXTENDED = 0x40, /**< RFC 6891 extended (obsolete) */
	DG_NAME_LABEL_RESERVED = 0x80,
	DG_NAME_LABEL_POINTER = 0xC0,  /**< compression pointer */
	DG_NAME_LABEL_TYPE_MASK = 0xC0,
};

/** A normalised wire-format name with its label offsets. */
struct dg_name {
	uint8_t len;     /**< bytes used in wire, root label included (1..255) */
	uint8_t nlabels; /**< labels, root excluded (0 for the root name) */
	uint8_t label[DG_NAME_MAXLABELS]; /**< offset of each label's length byte */
	/** Lowercased wire form; the spare bytes after the longest name let a reader load
	 * 32 bytes from any label (their content is unspecified). */
	uint8_t wire[DG_NAME_MAXLEN + DG_NAME_WIRE_SPARE];
};

/**
 * Parse an uncompressed wire name at @p p and normalise it into @p n.
 *
 * @param n         Output; undefined on error.
 * @param p         First byte of the name.
 * @param avail     Bytes readable from @p p; never read past it.
 * @param consumed  Out, may be NULL: bytes the name takes at @p p (root included).
 * @return 0 on success, or
 *   - -ENOTSUP: a compression pointer or an extended/reserved label type,
 *   - -EMSGSIZE: the name is longer than 255 bytes or has more than 127 labels,
 *   - -EBADMSG: the name runs past @p avail (unterminated or truncated).
 */
int dg_name_from_wire(struct dg_name *n, const uint8_t *p, size_t avail, size_t *consumed);

/**
 * dg_name_from_wire() for a name inside a larger buffer: the same checks against
 * @p avail, but up to @p readable bytes (>= @p avail) may be loaded, so that short names
 * are copied in one fixed-size block. Bytes of @p n->wire past @p n->len are then
 * unspecified. Same returns as dg_name_from_wire().
 */
int dg_name_from_wire_pad(struct dg_name *n, const uint8_t *p, size_t avail, size_t readable,
			  size_t *consumed);

/**
 * Parse a name in presentation format (RFC 1035 5.1: `\X` and `\DDD` escapes; the final
 * dot is optional; "." or "" alone is the root) and normalise it into @p n.
 *
 * @return 0 on success, or
 *   - -EINVAL: an empty label (".." or a leading dot), a bad escape, or a NUL in @p s,
 *   - -EMSGSIZE: a label over 63 bytes or a name over 255 bytes.
 */
int dg_name_from_text(struct dg_name *n, const char *s, size_t len);

/**
 * Print wire-format name bytes as text with escapes (`.` `\` and bytes outside 0x21-0x7e
 * escaped, as `\.`, `\\`, `\DDD`), with a trailing dot. Case is kept as given, so it also
 * prints a question name exactly as asked. The input must already be a valid name (as
 * accepted by dg_name_from_wire()).
 *
 * @return the text length (NUL not counted), or -ENOSPC when @p size is too small
 *   (DG_NAME_TEXT_MAX is always enough), or -EBADMSG for malformed input.
 */
int dg_name_to_text(const uint8_t *wire, size_t len, char *buf, size_t size);

/** Wire form of the suffix starting at label @p i (0 <= i <= nlabels; nlabels = root). */
static inline const uint8_t *
dg_name_suffix(const struct dg_name *n, unsigned int i, size_t *len)
{
	unsigned int off = i < n->nlabels ? n->label[i] : (unsigned int)n->len - 1;

	*len = n->len - off;
	return n->wire + off;
}

#ifdef __cplusplus
}
#endif

#endif /* DG_NAME_H */
