/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LISTS_PVT_H
#define LISTS_PVT_H

/* Shared by the loaders (private). */

#include <stddef.h>
#include <stdint.h>

#include "dg_list_rejects.h"
#include "dg_lists.h"
#include "dg_rpz.h"

enum {
	LST_MAX_TOKENS = 64,
	LST_TEXT_ESCAPES = 1 << 0, /* presentation-format escapes allowed (RPZ, native) */
};

struct lst_tok {
	const char *p;
	size_t len;
};

/* RPZ state carried from line to line. */
struct lst_rpz {
	struct dg_name origin;
	int has_origin;
	char owner[DG_NAME_TEXT_MAX]; /* last owner as written, for blank-owner lines */
	size_t owner_len;
	int paren;                    /* inside ( ... ) of a multi-line record */
	/* A/AAAA lines of one owner merge into one sinkhole policy before it is added */
	int acc_ready;
	struct dg_rpz_acc acc;
};

struct lst_ctx {
	struct dg_filter_builder *b;
	const struct dg_list_opts *o;
	struct dg_list_report *rep;
	const char *file;
	unsigned long line;
	struct dg_list_rejects *rej;  /* NULL: nothing kept, nothing reported */
	struct lst_rpz rpz;
};

static inline int
lst_tok_is(const struct lst_tok *t, const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	if (t->len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t->p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (c != s[i])
			return 0;
	}
	return 1;
}

/* Split on blanks; with @p quotes, "..." is one token (quotes dropped). */
int lst_split(const char *s, size_t len, struct lst_tok *t, int max, int quotes);

/*
 * Count and record a rejected line; -EINVAL in strict mode, else 0. @p fmt is also the
 * reason's kind (dg_list_reason_kind()): one format per distinct reason.
 */
int lst_reject_kind(struct lst_ctx *c, enum dg_list_skip why, const char *kind,
		    const char *reason);
int lst_reject(struct lst_ctx *c, enum dg_list_skip why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Count a valid line dnsgate does not act on (@p what, e.g. "rpz-ip trigger"); never fails. */
void lst_not_supported(struct lst_ctx *c, const char *what);

/*
 * Text name to wire name. Returns 0, 1 when the line was rejected (already counted and
 * reported), or a negative errno (strict mode).
 */
int lst_name(struct lst_ctx *c, const char *s, size_t len, unsigned int flags,
	     struct dg_name *n);

/* Add one policy and count it. 0 or a negative errno. */
int lst_add(struct lst_ctx *c, const struct dg_name *n, const struct dg_entry_meta *m);

/* Parse an IPv4 or IPv6 address token: 4 or 6, or 0 if it is not one. */
int lst_addr(const struct lst_tok *t, uint8_t out[16]);

int lst_rpz_line(struct lst_ctx *c, char *s, size_t len);
int lst_rpz_finish(struct lst_ctx *c);

#endif /* LISTS_PVT_H */
