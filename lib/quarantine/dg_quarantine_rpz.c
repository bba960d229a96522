/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quarantine sources: RPZ rpz-client-ip triggers and plain prefix files, read into a
 * prefix array for dg_optout_build(). Control path only.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dg_err.h"
#include "dg_quarantine.h"

#define TRIGGER ".rpz-client-ip"
#define TRIGGER_LEN (sizeof(TRIGGER) - 1)

enum {
	RPZ_LABELS_MAX = 10,  /* the length, then at most 8 words and one spare to refuse */
	RPZ_TEXT_MAX = 64,    /* N + 8 words of 4 hex digits + dots */
};

static int
decimal(const char *s, size_t n, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
hexword(const char *s, size_t n, uint16_t *out)
{
	unsigned int v = 0;

	if (n == 0 || n > 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v << 4 | (unsigned int)(isdigit((unsigned char)s[i]) ? s[i] - '0' :
					    tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = (uint16_t)v;
	return 0;
}

/* IPv6 words in reverse order (lab[0] is the last word), `zz` once for zero words. */
static int
parse_v6(const char *const *lab, const size_t *len, unsigned int n, uint8_t addr[16])
{
	uint16_t w[8] = { 0 };
	unsigned int k = 0, zz = 8, i;

	for (i = n; i-- > 0;) {
		if (len[i] == 2 && strncasecmp(lab[i], "zz", 2) == 0) {
			if (zz != 8)
				return -EINVAL;
			zz = k;
			continue;
		}
		if (k == 8 || hexword(lab[i], len[i], &w[k]) < 0)
			return -EINVAL;
		k++;
	}
	if (zz == 8 ? k != 8 : k > 7)
		return -EINVAL;
	if (zz != 8) {
		/* words after the zeros move to the end */
		unsigned int tail = k - zz;

		memmove(&w[8 - tail], &w[zz], tail * sizeof(w[0]));
		memset(&w[zz], 0, (8 - tail - zz) * sizeof(w[0]));
	}
	for (i = 0; i < 8; i++) {
		addr[2 * i] = (uint8_t)(w[i] >> 8);
		addr[2 * i + 1] = (uint8_t)w[i];
	}
	return 0;
}

int
dg_quarantine_rpz_prefix_parse(const char *text, size_t len, struct dg_optout_prefix *out,
			       const char **reason)
{
	const char *lab[RPZ_LABELS_MAX];
	size_t ln[RPZ_LABELS_MAX];
	struct dg_optout_prefix p;
	const char *why = NULL, *s = text, *end = text + len;
	unsigned int n = 0, plen, v4 = 1;

	if (reason == NULL)
		reason = &why;
	if (text == NULL || out == NULL || len == 0 || len > RPZ_TEXT_MAX) {
		*reason = len > RPZ_TEXT_MAX ? "trigger too long" : "empty trigger";
		return -EINVAL;
	}
	while (s <= end) {
		const char *d = memchr(s, '.', (size_t)(end - s));

		if (d == NULL)
			d = end;
		if (n == RPZ_LABELS_MAX) {
			*reason = "too many labels";
			return -EINVAL;
		}
		lab[n] = s;
		ln[n++] = (size_t)(d - s);
		s = d + 1;
	}
	memset(&p, 0, sizeof(p));
	for (unsigned int i = 1; i < n; i++)
		if (ln[i] > 3 || (ln[i] == 2 && strncasecmp(lab[i], "zz", 2) == 0))
			v4 = 0;
	for (unsigned int i = 1; i < n && v4; i++)
		for (size_t j = 0; j < ln[i]; j++)
			if (!isdigit((unsigned char)lab[i][j]))
				v4 = 0;
	if (v4 && n == 5) {
		p.family = DG_OPTOUT_V4;
		if (decimal(lab[0], ln[0], 32, &plen) < 0 || plen == 0) {
			*reason = "IPv4 prefix length not 1..32";
			return -EINVAL;
		}
		for (unsigned int i = 0; i < 4; i++) {
			unsigned int b;

			if (decimal(lab[4 - i], ln[4 - i], 255, &b) < 0) {
				*reason = "bad IPv4 octet";
				return -EINVAL;
			}
			p.addr[i] = (uint8_t)b;
		}
	} else {
		p.family = DG_OPTOUT_V6;
		if (decimal(lab[0], ln[0], 128, &plen) < 0 || plen == 0) {
			*reason = "IPv6 prefix length not 1..128";
			return -EINVAL;
		}
		if (n < 2 || parse_v6(lab + 1, ln + 1, n - 1, p.addr) < 0) {
			*reason = "not 4 IPv4 octets or 8 IPv6 words (zz once)";
			return -EINVAL;
		}
	}
	p.len = (uint8_t)plen;
	/* dg_optout_build() refuses host bits; say why here. */
	{
		char t[DG_OPTOUT_PREFIX_STRLEN];

		if (dg_optout_prefix_format(&p, t, sizeof(t)) < 0) {
			*reason = "host bits set below the prefix length";
			return -EINVAL;
		}
	}
	*out = p;
	return 0;
}

static int
push(struct dg_optout_prefix **v, size_t *n, size_t *cap, const struct dg_optout_prefix *p)
{
	struct dg_optout_prefix *nv;

	if (*n == *cap) {
		size_t c = *cap < 64 ? 64 : *cap * 2;

		if (*n >= DG_OPTOUT_MAX_PREFIXES)
			return -E2BIG;
		nv = realloc(*v, c * sizeof(*nv));
		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *p;
	return 0;
}

/* Next blank-separated token of [*s, e); NULL at the end or at a comment. */
static const char *
token(const char **s, const char *e, size_t *len)
{
	const char *t = *s;

	while (t < e && (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n'))
		t++;
	if (t == e || *t == ';')
		return NULL;
	*s = t;
	while (*s < e && !strchr(" \t\r\n;", **s))
		(*s)++;
	*len = (size_t)(*s - t);
	return t;
}

/* The trigger's record: rpz-passthru. exempts the prefix, anything else puts it in. */
static bool
passthru(const char *s, const char *e)
{
	const char *t;
	size_t n;

	while ((t = token(&s, e, &n)) != NULL)
		if ((n == 13 || n == 12) && strncasecmp(t, "rpz-passthru.", n) == 0)
			return true;
	return false;
}

int
dg_quarantine_rpz_load(const char *path, struct dg_optout_prefix **v, size_t *n, char *err,
		       size_t errlen)
{
	size_t cap = *n, linecap = 0;
	unsigned long lineno = 0;
	int depth = 0, ret = 0;
	char *line = NULL;
	ssize_t len;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		return dg_errf(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	while ((len = getline(&line, &linecap, f)) >= 0) {
		const char *s = line, *e = line + len, *t, *x;
		struct dg_optout_prefix p;
		const char *why;
		size_t tl;
		bool cont = depth > 0 || (len > 0 && (line[0] == ' ' || line[0] == '\t'));

		lineno++;
		for (x = line; x < e && *x != ';'; x++)
			depth += *x == '(' ? 1 : *x == ')' ? -1 : 0;
		if (depth < 0)
			depth = 0;
		if (cont || (t = token(&s, e, &tl)) == NULL || t[0] == '$')
			continue;
		/* relative `N.a.b.c.d.rpz-client-ip`, or absolute: the zone name after it */
		for (x = t; x + TRIGGER_LEN <= t + tl; x++)
			if (strncasecmp(x, TRIGGER, TRIGGER_LEN) == 0 &&
			    (x + TRIGGER_LEN == t + tl || x[TRIGGER_LEN] == '.'))
				break;
		if (x + TRIGGER_LEN > t + tl)
			continue;
		if (passthru(s, e))
			continue;
		if (dg_quarantine_rpz_prefix_parse(t, (size_t)(x - t), &p, &why) < 0) {
			ret = dg_errf(err, errlen, -EINVAL, "%s:%lu: rpz-client-ip trigger: %s",
				      path, lineno, why);
			break;
		}
		ret = push(v, n, &cap, &p);
		if (ret < 0) {
			dg_errf(err, errlen, ret, "%s:%lu: %s", path, lineno, strerror(-ret));
			break;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

int
dg_quarantine_file_load(const char *path, struct dg_optout_prefix **v, size_t *n, char *err,
			size_t errlen)
{
	struct dg_optout *t = NULL;
	size_t cap = *n;
	int ret = dg_optout_load(path, &t, err, errlen);

	for (size_t i = 0; ret == 0 && i < dg_optout_count(t); i++)
		if ((ret = push(v, n, &cap, dg_optout_get(t, i))) < 0)
			dg_errf(err, errlen, ret, "%s: %s", path, strerror(-ret));
	dg_optout_free(t);
	return ret;
}
