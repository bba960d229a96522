/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the randomised filter suites share: a seeded xorshift stream and names from a
 * tiny alphabet, so that parents, siblings, TLD entries and crowded zones all occur.
 */
#ifndef FILTER_MODEL_H
#define FILTER_MODEL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_name.h"

static uint64_t rng = 88172645463325252ull;

static unsigned int
rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/*
 * Sparse mode (no top set): at least two labels, and a zone label numbered out of 2000
 * so that no zone gathers FLT_CROWD_MIN names: the lookup's path without a top set.
 */
static int sparse;

static void
gen_name(struct dg_name *n, unsigned int maxdepth)
{
	static const char *const tld[] = { "x", "y", "com" };
	static const char *const lab[] = { "a", "b", "c", "d", "e", "F", "zz", "q.q", "z" };
	char text[256];
	unsigned int depth = 1 + rnd(maxdepth) + (sparse && maxdepth < 6), pos = 0;

	for (unsigned int i = 1; i < depth; i++) {
		/* "z.com" is the crowded zone: many names under it */
		const char *l = (i == depth - 1 && rnd(3) == 0) ? "z" : lab[rnd(9)];
		char num[8] = "";

		if (sparse && i == depth - 1)
			snprintf(num, sizeof(num), "%u", rnd(2000));
		else if (rnd(2))
			snprintf(num, sizeof(num), "%u", rnd(40));
		pos += (unsigned int)snprintf(text + pos, sizeof(text) - pos, "%s%s.",
					      strcmp(l, "q.q") ? l : "q\\.q", num);
	}
	snprintf(text + pos, sizeof(text) - pos, "%s", tld[rnd(3)]);
	if (dg_name_from_text(n, text, strlen(text)) != 0)
		abort();
}

/* @p n with one or two random labels in front (a query below a listed name). */
static void
gen_below(struct dg_name *q, const struct dg_name *n)
{
	char text[DG_NAME_TEXT_MAX], pre[16];

	if (dg_name_to_text(n->wire, n->len, text, sizeof(text)) < 0)
		abort();
	switch (rnd(3)) {
	case 0:
		pre[0] = '\0';
		break;
	case 1:
		snprintf(pre, sizeof(pre), "w%u.", rnd(3));
		break;
	default:
		snprintf(pre, sizeof(pre), "m%u.w%u.", rnd(3), rnd(3));
		break;
	}
	if (strlen(pre) + strlen(text) >= sizeof(text))
		abort();
	memmove(text + strlen(pre), text, strlen(text) + 1);
	memcpy(text, pre, strlen(pre));
	if (dg_name_from_text(q, text, strlen(text)) != 0)
		abort();
}

#endif /* FILTER_MODEL_H */
