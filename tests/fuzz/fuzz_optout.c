/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the opt-out prefixes (lib/optout): the input is an opt-out file,
 * written to a memfd and read by dg_optout_load() through /proc/self/fd. Any broken
 * invariant traps:
 *  - the loader agrees with a plain reading of docs/control.md ("Opt-out file"): the
 *    same prefixes, or the error on the first bad line as `FILE:LINE: reason`;
 *  - every prefix parsed formats back to text that parses to the same prefix (and a
 *    failed parse leaves its output alone and gives a reason); format needs exactly
 *    strlen + 1 bytes;
 *  - the table lists each distinct prefix once, IPv4 then IPv6, in address then length
 *    order, and every lookup (each prefix's first and last address and the addresses
 *    either side, plus addresses taken from the input bytes) gives the longest covering
 *    prefix of a naive scan;
 *  - adding a prefix that is present fails with -EEXIST, deleting one that is absent
 *    with -ENOENT; otherwise the new table is the old set plus or minus that prefix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dg_optout.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

enum { PROBED_MAX = 64, CHANGED_MAX = 8 };

static int fd = -1;
static char path[64];

static unsigned int
bytes_of(const struct dg_optout_prefix *p)
{
	return p->family == DG_OPTOUT_V4 ? 4 : 16;
}

static int
covers(const struct dg_optout_prefix *p, int family, const uint8_t *a)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != family || memcmp(p->addr, a, full) != 0)
		return 0;
	return rest == 0 || ((p->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* The longest prefix of @p v covering @p a, by a plain scan. */
static const struct dg_optout_prefix *
naive_match(const struct dg_optout_prefix *v, size_t n, int family, const uint8_t *a)
{
	const struct dg_optout_prefix *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (covers(&v[i], family, a) && (best == NULL || v[i].len > best->len))
			best = &v[i];
	return best;
}

static void
check_lookup(const struct dg_optout *t, const struct dg_optout_prefix *v, size_t n,
	     int family, const uint8_t *a)
{
	const struct dg_optout_prefix *want = naive_match(v, n, family, a);
	const struct dg_optout_prefix *got = dg_optout_match(t, family, a);

	CHECK((want == NULL) == (got == NULL));
	CHECK(want == NULL || memcmp(want, got, sizeof(*got)) == 0);
	CHECK((family == DG_OPTOUT_V4 ? dg_optout_lookup_v4(t, a) : dg_optout_lookup_v6(t, a)) ==
	      (got != NULL));
}

/* Addresses at the edges of @p p: first - 1, first, last, last + 1 (no wrap). */
static void
check_edges(const struct dg_optout *t, const struct dg_optout_prefix *v, size_t n,
	    const struct dg_optout_prefix *p)
{
	unsigned int nb = bytes_of(p);
	uint8_t a[16], z[16];
	int i;

	memcpy(a, p->addr, 16);
	check_lookup(t, v, n, p->family, a);
	memcpy(z, a, 16);
	for (i = (int)nb - 1; i >= 0 && z[i] == 0; i--)
		z[i] = 0xff;
	if (i >= 0) {
		z[i]--;
		check_lookup(t, v, n, p->family, z);
	}
	for (unsigned int b = p->len; b < nb * 8; b++)
		a[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	check_lookup(t, v, n, p->family, a);
	for (i = (int)nb - 1; i >= 0 && a[i] == 0xff; i--)
		a[i] = 0;
	if (i >= 0) {
		a[i]++;
		check_lookup(t, v, n, p->family, a);
	}
}

/* Sorted as dg_optout_get() documents: family, then address, then length. */
static int
pfx_cmp(const void *va, const void *vb)
{
	const struct dg_optout_prefix *a = va, *b = vb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	return c != 0 ? c : (int)a->len - (int)b->len;
}

/* @p t holds exactly the sorted, distinct @p v. */
static void
check_table(const struct dg_optout *t, const struct dg_optout_prefix *v, size_t n)
{
	CHECK(dg_optout_count(t) == n && dg_optout_get(t, n) == NULL);
	for (size_t i = 0; i < n; i++)
		CHECK(memcmp(dg_optout_get(t, i), &v[i], sizeof(v[i])) == 0);
}

/* Format, parse back, and the buffer size format needs. */
static void
check_round_trip(const struct dg_optout_prefix *p)
{
	char buf[DG_OPTOUT_PREFIX_STRLEN], small[DG_OPTOUT_PREFIX_STRLEN];
	struct dg_optout_prefix q;
	size_t len;

	CHECK(dg_optout_prefix_format(p, buf, sizeof(buf)) == 0);
	len = strlen(buf);
	CHECK(strchr(buf, '/') != NULL);
	CHECK(dg_optout_prefix_parse(buf, &q, NULL) == 0 && memcmp(&q, p, sizeof(q)) == 0);
	CHECK(dg_optout_prefix_format(p, small, len + 1) == 0 && strcmp(small, buf) == 0);
	CHECK(dg_optout_prefix_format(p, small, len) == -ENOSPC);
}

/* The file as docs/control.md describes it; -1 and *bad_line on the first bad line. */
static long
model_load(const uint8_t *data, size_t size, struct dg_optout_prefix *v,
	   unsigned long *bad_line)
{
	static const char blanks[] = " \t\r\v\f";
	unsigned long line = 0;
	size_t pos = 0, n = 0;

	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl != NULL ? (size_t)(nl - data) : size, s = pos, e;
		char text[DG_OPTOUT_PREFIX_STRLEN + 8];
		struct dg_optout_prefix p;
		const char *why = NULL;

		line++;
		pos = end + 1;
		*bad_line = line;
		if (memchr(data + s, '\0', end - s) != NULL)
			return -1;
		e = s;
		while (e < end && data[e] != '#')
			e++;
		while (s < e && strchr(blanks, data[s]) != NULL)
			s++;
		while (e > s && strchr(blanks, data[e - 1]) != NULL)
			e--;
		if (s == e)
			continue;
		for (size_t i = s; i < e; i++)
			if (strchr(blanks, data[i]) != NULL)
				return -1;
		if (e - s >= sizeof(text))
			return -1; /* too long for any prefix */
		memcpy(text, data + s, e - s);
		text[e - s] = '\0';
		memset(&p, 0xa5, sizeof(p));
		if (dg_optout_prefix_parse(text, &p, &why) != 0) {
			/* a refused prefix leaves the output alone and says why */
			CHECK(why != NULL && why[0] != '\0');
			for (size_t i = 0; i < sizeof(p); i++)
				CHECK(((uint8_t *)&p)[i] == 0xa5);
			return -1;
		}
		CHECK(why == NULL);
		check_round_trip(&p);
		v[n++] = p;
	}
	return (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_optout_prefix *v, *u;
	struct dg_optout *t = NULL, *t2 = NULL;
	char err[512];
	unsigned long bad_line = 0;
	size_t n, nu = 0;
	long m;
	int rc;

	if (fd < 0) {
		fd = memfd_create("fuzz.optout", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	rc = dg_optout_load(path, &t, err, sizeof(err));

	v = malloc((size / 2 + 1) * sizeof(*v));
	CHECK(v != NULL);
	m = model_load(data, size, v, &bad_line);
	if (m < 0) {
		char want[96];
		int k = snprintf(want, sizeof(want), "%s:%lu: ", path, bad_line);

		CHECK(rc == -EINVAL && strncmp(err, want, (size_t)k) == 0);
		CHECK(err[k] != '\0' && strchr(err, '\n') == NULL);
		free(v);
		return 0;
	}
	CHECK(rc == 0);
	n = (size_t)m;

	/* the distinct prefixes, in table order */
	u = malloc((n + 1) * sizeof(*u));
	CHECK(u != NULL);
	if (n > 0)
		memcpy(u, v, n * sizeof(*v));
	qsort(u, n, sizeof(*u), pfx_cmp);
	for (size_t i = 0; i < n; i++)
		if (nu == 0 || pfx_cmp(&u[nu - 1], &u[i]) != 0)
			u[nu++] = u[i];
	check_table(t, u, nu);
	CHECK(dg_optout_build(v, n, &t2) == 0);
	check_table(t2, u, nu);
	dg_optout_free(t2);

	/* lookups at the edges of prefixes, and at addresses made of the input's bytes */
	for (size_t i = 0; i < nu && i < PROBED_MAX; i++)
		check_edges(t, u, nu, &u[i]);
	for (size_t off = 0; off + 16 <= size && off < 16 * PROBED_MAX; off += 16) {
		check_lookup(t, u, nu, DG_OPTOUT_V4, data + off);
		check_lookup(t, u, nu, DG_OPTOUT_V6, data + off);
	}

	/* runtime add and delete */
	for (size_t i = 0; i < nu && i < CHANGED_MAX; i++) {
		struct dg_optout_prefix q = u[i];
		struct dg_optout *d, *a;

		CHECK(dg_optout_with_added(t, &u[i], &a) == -EEXIST);
		CHECK(dg_optout_with_deleted(t, &u[i], &d) == 0);
		CHECK(dg_optout_with_deleted(d, &u[i], &a) == -ENOENT);
		/* d is u without u[i] (v is free for it now) */
		memcpy(v, u, i * sizeof(*u));
		memcpy(v + i, u + i + 1, (nu - i - 1) * sizeof(*u));
		check_table(d, v, nu - 1);
		check_edges(d, v, nu - 1, &u[i]);
		CHECK(dg_optout_with_added(d, &u[i], &a) == 0);
		check_table(a, u, nu);
		dg_optout_free(a);
		dg_optout_free(d);

		/* one bit longer (a new prefix unless present) */
		if (q.len < bytes_of(&q) * 8) {
			q.len++;
			rc = dg_optout_with_added(t, &q, &a);
			if (bsearch(&q, u, nu, sizeof(*u), pfx_cmp) != NULL) {
				CHECK(rc == -EEXIST);
			} else {
				CHECK(rc == 0 && dg_optout_count(a) == nu + 1);
				memcpy(v, u, nu * sizeof(*u));
				v[nu] = q;
				check_edges(a, v, nu + 1, &q);
				CHECK(dg_optout_with_deleted(a, &q, &d) == 0);
				check_table(d, u, nu);
				dg_optout_free(d);
				dg_optout_free(a);
			}
		}
	}
	dg_optout_free(t);
	free(u);
	free(v);
	return 0;
}
