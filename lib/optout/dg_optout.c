/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opt-out table: prefixes flattened into sorted breakpoints, looked up by binary search.
 * Building runs on the management side and may allocate; lookups only read.
 */
#include <endian.h>
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_err.h"
#include "dg_optout.h"
#include "dg_optout_pvt.h"

/* A 128-bit address as two host-order halves; IPv4 uses lo only. */
struct key {
	uint64_t hi;
	uint64_t lo;
};

struct dg_optout {
	uint32_t nbp4;                  /* IPv4 breakpoints */
	uint32_t nbp6;                  /* IPv6 breakpoints */
	uint32_t n4;                    /* IPv4 prefixes (pfx[0..n4)) */
	uint32_t n6;                    /* IPv6 prefixes (pfx[n4..n4+n6)) */
	const uint32_t *bp4;            /* first address of each run, ascending */
	const int32_t *own4;            /* longest prefix of that run (pfx index) or -1 */
	const struct key *bp6;
	const int32_t *own6;
	const struct dg_optout_prefix *pfx;
};

/* Nested CIDR prefixes have strictly growing lengths, so the stack is this deep at most. */
#define NEST_MAX 129

static struct key
pfx_key(const struct dg_optout_prefix *p)
{
	struct key k;
	uint32_t v4;

	if (p->family == DG_OPTOUT_V4) {
		memcpy(&v4, p->addr, 4);
		k.hi = 0;
		k.lo = be32toh(v4);
	} else {
		memcpy(&k.hi, p->addr, 8);
		memcpy(&k.lo, p->addr + 8, 8);
		k.hi = be64toh(k.hi);
		k.lo = be64toh(k.lo);
	}
	return k;
}

/* Last address of a prefix: start with every host bit set. */
static struct key
pfx_end(const struct dg_optout_prefix *p)
{
	struct key k = pfx_key(p);
	unsigned int host = (p->family == DG_OPTOUT_V4 ? 32u : 128u) - p->len;

	if (host >= 64) {
		k.lo = UINT64_MAX;
		k.hi |= host == 128 ? UINT64_MAX : (UINT64_C(1) << (host - 64)) - 1;
	} else if (host > 0) {
		k.lo |= (UINT64_C(1) << host) - 1;
	}
	return k;
}

static int
key_cmp(struct key a, struct key b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

static int
pfx_cmp(const void *va, const void *vb)
{
	const struct dg_optout_prefix *a = va, *b = vb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (c != 0)
		return c;
	return (int)a->len - (int)b->len;
}

struct flat {
	struct key *bp;
	int32_t *own;
	uint32_t n;
};

static void
flat_emit(struct flat *f, struct key pos, int32_t owner)
{
	if (f->n > 0 && key_cmp(f->bp[f->n - 1], pos) == 0) {
		/* Several events at one address: the last one (innermost) wins. */
		f->own[f->n - 1] = owner;
	} else {
		f->bp[f->n] = pos;
		f->own[f->n] = owner;
		f->n++;
	}
	/* A run with the same owner as the one before it adds nothing. */
	if (f->n >= 2 && f->own[f->n - 1] == f->own[f->n - 2])
		f->n--;
	else if (f->n == 1 && owner < 0)
		f->n = 0;
}

/*
 * Sweep the sorted, deduplicated prefixes pfx[first..first+n) of one family. A prefix
 * opens a run at its start; when it closes, the run falls back to the enclosing prefix
 * still on the stack (or to none).
 */
static void
flatten(const struct dg_optout_prefix *pfx, uint32_t first, uint32_t n, struct flat *f)
{
	struct {
		struct key end;
		int32_t idx;
	} st[NEST_MAX];
	struct key max = { 0, 0 };
	unsigned int sp = 0;
	uint32_t i;

	f->n = 0;
	if (n == 0)
		return;
	max = pfx_end(&(struct dg_optout_prefix){ .family = pfx[first].family, .len = 0 });
	for (i = first; i < first + n; i++) {
		struct key start = pfx_key(&pfx[i]);

		while (sp > 0 && key_cmp(st[sp - 1].end, start) < 0) {
			struct key after = st[sp - 1].end;

			sp--;
			/* end < start <= max, so end + 1 cannot wrap. */
			after.lo++;
			if (after.lo == 0)
				after.hi++;
			flat_emit(f, after, sp > 0 ? st[sp - 1].idx : -1);
		}
		flat_emit(f, start, (int32_t)i);
		st[sp].end = pfx_end(&pfx[i]);
		st[sp].idx = (int32_t)i;
		sp++;
	}
	while (sp > 0) {
		struct key after = st[sp - 1].end;

		sp--;
		if (key_cmp(after, max) == 0)
			continue;
		after.lo++;
		if (after.lo == 0)
			after.hi++;
		flat_emit(f, after, sp > 0 ? st[sp - 1].idx : -1);
	}
}

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int
dg_optout_build(const struct dg_optout_prefix *p, size_t n, struct dg_optout **out)
{
	struct dg_optout_prefix *v;
	struct flat f4 = { 0 }, f6 = { 0 };
	size_t i, u, n4, off_bp4, off_own4, off_bp6, off_own6, off_pfx, total;
	struct dg_optout *t;
	uint8_t *mem;
	int ret = -ENOMEM;

	if (out == NULL || (p == NULL && n > 0))
		return -EINVAL;
	if (n > DG_OPTOUT_MAX_PREFIXES)
		return -E2BIG;
	for (i = 0; i < n; i++)
		if (dg_optout_prefix_check(&p[i]) != 0)
			return -EINVAL;

	v = malloc((n > 0 ? n : 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	if (n > 0)
		memcpy(v, p, n * sizeof(*v));
	qsort(v, n, sizeof(*v), pfx_cmp);
	for (i = 0, u = 0; i < n; i++)
		if (u == 0 || pfx_cmp(&v[u - 1], &v[i]) != 0)
			v[u++] = v[i];
	for (n4 = 0; n4 < u && v[n4].family == DG_OPTOUT_V4; n4++)
		;

	/* At most one opening and one closing breakpoint per prefix. */
	f4.bp = malloc((2 * n4 + 1) * sizeof(*f4.bp));
	f4.own = malloc((2 * n4 + 1) * sizeof(*f4.own));
	f6.bp = malloc((2 * (u - n4) + 1) * sizeof(*f6.bp));
	f6.own = malloc((2 * (u - n4) + 1) * sizeof(*f6.own));
	if (f4.bp == NULL || f4.own == NULL || f6.bp == NULL || f6.own == NULL)
		goto out;
	flatten(v, 0, (uint32_t)n4, &f4);
	flatten(v, (uint32_t)n4, (uint32_t)(u - n4), &f6);

	/* One block: header, then the arrays a lookup walks, then the prefix list. */
	off_bp4 = align_up(sizeof(*t), 64);
	off_own4 = align_up(off_bp4 + f4.n * sizeof(uint32_t), alignof(int32_t));
	off_bp6 = align_up(off_own4 + f4.n * sizeof(int32_t), 64);
	off_own6 = align_up(off_bp6 + f6.n * sizeof(struct key), alignof(int32_t));
	off_pfx = align_up(off_own6 + f6.n * sizeof(int32_t), alignof(struct dg_optout_prefix));
	total = align_up(off_pfx + u * sizeof(struct dg_optout_prefix), 64);
	mem = aligned_alloc(64, total);
	if (mem == NULL)
		goto out;
	t = (struct dg_optout *)mem;
	t->nbp4 = f4.n;
	t->nbp6 = f6.n;
	t->n4 = (uint32_t)n4;
	t->n6 = (uint32_t)(u - n4);
	for (i = 0; i < f4.n; i++) {
		uint32_t lo = (uint32_t)f4.bp[i].lo;

		memcpy(mem + off_bp4 + i * sizeof(uint32_t), &lo, sizeof(lo));
	}
	memcpy(mem + off_own4, f4.own, f4.n * sizeof(int32_t));
	memcpy(mem + off_bp6, f6.bp, f6.n * sizeof(struct key));
	memcpy(mem + off_own6, f6.own, f6.n * sizeof(int32_t));
	memcpy(mem + off_pfx, v, u * sizeof(*v));
	t->bp4 = (const uint32_t *)(mem + off_bp4);
	t->own4 = (const int32_t *)(mem + off_own4);
	t->bp6 = (const struct key *)(mem + off_bp6);
	t->own6 = (const int32_t *)(mem + off_own6);
	t->pfx = (const struct dg_optout_prefix *)(mem + off_pfx);
	*out = t;
	ret = 0;
out:
	free(f4.bp);
	free(f4.own);
	free(f6.bp);
	free(f6.own);
	free(v);
	return ret;
}

void
dg_optout_free(struct dg_optout *t)
{
	free(t);
}

size_t
dg_optout_count(const struct dg_optout *t)
{
	return t == NULL ? 0 : (size_t)t->n4 + t->n6;
}

const struct dg_optout_prefix *
dg_optout_get(const struct dg_optout *t, size_t i)
{
	if (i >= dg_optout_count(t))
		return NULL;
	return &t->pfx[i];
}

/* Index of the last breakpoint <= x, or -1. Branch-free halving: no mispredicts. */
static int32_t
find4(const struct dg_optout *t, uint32_t x)
{
	const uint32_t *base = t->bp4;
	uint32_t n = t->nbp4;

	if (n == 0 || x < base[0])
		return -1;
	while (n > 1) {
		uint32_t half = n / 2;

		base = base[half] <= x ? base + half : base;
		n -= half;
	}
	return t->own4[base - t->bp4];
}

static int32_t
find6(const struct dg_optout *t, struct key x)
{
	const struct key *base = t->bp6;
	uint32_t n = t->nbp6;

	if (n == 0 || key_cmp(x, base[0]) < 0)
		return -1;
	while (n > 1) {
		uint32_t half = n / 2;
		const struct key *m = base + half;
		int le = m->hi < x.hi || (m->hi == x.hi && m->lo <= x.lo);

		base = le ? m : base;
		n -= half;
	}
	return t->own6[base - t->bp6];
}

static struct key
load6(const uint8_t a[16])
{
	struct key k;

	memcpy(&k.hi, a, 8);
	memcpy(&k.lo, a + 8, 8);
	k.hi = be64toh(k.hi);
	k.lo = be64toh(k.lo);
	return k;
}

bool
dg_optout_lookup_v4(const struct dg_optout *t, const uint8_t a[4])
{
	uint32_t x;

	if (t == NULL || t->nbp4 == 0)
		return false;
	memcpy(&x, a, sizeof(x));
	return find4(t, be32toh(x)) >= 0;
}

bool
dg_optout_lookup_v6(const struct dg_optout *t, const uint8_t a[16])
{
	if (t == NULL || t->nbp6 == 0)
		return false;
	return find6(t, load6(a)) >= 0;
}

long
dg_optout_match_index(const struct dg_optout *t, int family, const uint8_t *a)
{
	uint32_t x;

	if (t == NULL || a == NULL)
		return -1;
	if (family == DG_OPTOUT_V4) {
		memcpy(&x, a, sizeof(x));
		return find4(t, be32toh(x));
	}
	if (family == DG_OPTOUT_V6)
		return find6(t, load6(a));
	return -1;
}

const struct dg_optout_prefix *
dg_optout_match(const struct dg_optout *t, int family, const uint8_t *a)
{
	long i = dg_optout_match_index(t, family, a);

	return i < 0 ? NULL : &t->pfx[i];
}

static int
rebuild_with(const struct dg_optout *old, const struct dg_optout_prefix *p, bool add,
	struct dg_optout **out)
{
	size_t n = dg_optout_count(old), i, m = 0;
	struct dg_optout_prefix *v;
	bool found;
	int ret;

	if (p == NULL || out == NULL || dg_optout_prefix_check(p) != 0)
		return -EINVAL;
	found = n > 0 && bsearch(p, old->pfx, n, sizeof(*p), pfx_cmp) != NULL;
	if (add && found)
		return -EEXIST;
	if (!add && !found)
		return -ENOENT;
	if (add && n >= DG_OPTOUT_MAX_PREFIXES)
		return -E2BIG;
	v = malloc((n + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (add || pfx_cmp(&old->pfx[i], p) != 0)
			v[m++] = old->pfx[i];
	if (add)
		v[m++] = *p;
	ret = dg_optout_build(v, m, out);
	free(v);
	return ret;
}

int
dg_optout_with_added(const struct dg_optout *old, const struct dg_optout_prefix *p,
	struct dg_optout **out)
{
	return rebuild_with(old, p, true, out);
}

int
dg_optout_with_deleted(const struct dg_optout *old, const struct dg_optout_prefix *p,
	struct dg_optout **out)
{
	return rebuild_with(old, p, false, out);
}


static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int
dg_optout_load(const char *path, struct dg_optout **out, char *err, size_t errlen)
{
	struct dg_optout_prefix *v = NULL, *nv;
	size_t n = 0, cap = 0, linecap = 0;
	unsigned long lineno = 0;
	char *line = NULL;
	ssize_t len;
	FILE *f;
	int ret;

	if (path == NULL || out == NULL)
		return -EINVAL;
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		dg_errf(err, errlen, 0, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (errno = 0, (len = getline(&line, &linecap, f)) >= 0) {
		const char *reason;
		char *s, *e;

		lineno++;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			dg_errf(err, errlen, 0, "%s:%lu: NUL byte in line", path, lineno);
			ret = -EINVAL;
			goto out;
		}
		s = line;
		e = strchr(s, '#');
		if (e == NULL)
			e = s + len;
		if (e > s && e[-1] == '\n')
			e--;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s == e)
			continue;
		*e = '\0';
		for (char *b = s; b < e; b++) {
			if (is_blank(*b)) {
				dg_errf(err, errlen, 0, "%s:%lu: unexpected text after the prefix: '%s'",
					path, lineno, s);
				ret = -EINVAL;
				goto out;
			}
		}
		if (n == cap) {
			if (cap >= DG_OPTOUT_MAX_PREFIXES) {
				dg_errf(err, errlen, 0, "%s:%lu: more than %u prefixes", path,
					lineno, DG_OPTOUT_MAX_PREFIXES);
				ret = -E2BIG;
				goto out;
			}
			cap = cap == 0 ? 64 : cap * 2;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				dg_errf(err, errlen, 0, "%s: out of memory", path);
				ret = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		if (dg_optout_prefix_parse(s, &v[n], &reason) != 0) {
			dg_errf(err, errlen, 0, "%s:%lu: %s: '%s'", path, lineno, reason, s);
			ret = -EINVAL;
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		ret = errno != 0 ? -errno : -EIO;
		dg_errf(err, errlen, 0, "%s: %s", path, strerror(-ret));
		goto out;
	}
	ret = dg_optout_build(v, n, out);
	if (ret < 0)
		dg_errf(err, errlen, 0, "%s: %s", path, strerror(-ret));
out:
	free(line);
	free(v);
	fclose(f);
	return ret;
}
