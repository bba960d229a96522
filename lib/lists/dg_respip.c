/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response-IP list loading (plain prefixes and RPZ rpz-ip triggers) and lookup. The
 * prefixes go into a lib/optout breakpoint table; the entries' metadata sit in an array in
 * the table's own prefix order, so a longest-prefix match gives its entry by index.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dg_err.h"
#include "dg_respip.h"

struct dg_respip {
	struct dg_optout *tab;
	struct dg_entry_meta *metas; /* one per prefix of tab, in its order */
	char *identifier, *category; /* the metadata's strings, owned here */
};

/* A prefix as loaded: the later of two equal prefixes wins. */
struct item {
	struct dg_optout_prefix p;
	struct dg_entry_meta m;
	size_t order;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = (int)x->p.family - (int)y->p.family;

	if (c == 0)
		c = memcmp(x->p.addr, y->p.addr, sizeof(x->p.addr));
	if (c == 0)
		c = (int)x->p.len - (int)y->p.len;
	if (c == 0)
		c = x->order < y->order ? -1 : x->order > y->order;
	return c;
}

static bool
same_prefix(const struct dg_optout_prefix *a, const struct dg_optout_prefix *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

/* One decimal number of at most @p max in s[0..n). */
static int
num(const char *s, size_t n, unsigned int max, unsigned int *v)
{
	*v = 0;
	if (n == 0 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		*v = *v * 10 + (unsigned int)(s[i] - '0');
	}
	return *v <= max ? 0 : -EINVAL;
}

int
dg_respip_parse_rpz(const char *s, size_t len, struct dg_optout_prefix *out)
{
	const char *lab[10];
	size_t ll[10], n = 0, start = 0;
	char text[DG_OPTOUT_PREFIX_STRLEN];
	unsigned int plen, v;
	int zz = -1;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (n == 10)
			return -EINVAL;
		lab[n] = s + start;
		ll[n++] = i - start;
		start = i + 1;
	}
	if (n < 2 || num(lab[0], ll[0], 128, &plen) != 0)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (n == 5 && plen <= 32) {
		bool v4 = true;

		for (size_t i = 1; i < 5 && v4; i++)
			v4 = num(lab[i], ll[i], 255, &v) == 0;
		if (v4) {
			out->family = DG_OPTOUT_V4;
			for (size_t i = 1; i < 5; i++) {
				num(lab[i], ll[i], 255, &v);
				out->addr[4 - i] = (uint8_t)v;
			}
			goto check;
		}
	}
	/* IPv6: 16-bit words, least significant first; one `zz` for the run of zeros */
	out->family = DG_OPTOUT_V6;
	for (size_t i = 1; i < n; i++)
		if (ll[i] == 2 && strncasecmp(lab[i], "zz", 2) == 0) {
			if (zz >= 0)
				return -EINVAL;
			zz = (int)i;
		}
	if ((zz < 0 && n != 9) || (zz >= 0 && n > 9))
		return -EINVAL;
	{
		size_t w = 0; /* words written, from the least significant */

		for (size_t i = 1; i < n; i++) {
			unsigned long x = 0;

			if ((int)i == zz) {
				w += 8 - (n - 2);
				continue;
			}
			if (ll[i] == 0 || ll[i] > 4)
				return -EINVAL;
			for (size_t k = 0; k < ll[i]; k++) {
				if (!isxdigit((unsigned char)lab[i][k]))
					return -EINVAL;
				x = x * 16 + (unsigned long)(isdigit((unsigned char)lab[i][k]) ?
					lab[i][k] - '0' : (tolower((unsigned char)lab[i][k]) - 'a' + 10));
			}
			out->addr[14 - 2 * w] = (uint8_t)(x >> 8);
			out->addr[15 - 2 * w] = (uint8_t)x;
			w++;
		}
	}
check:
	out->len = (uint8_t)plen;
	/* the optout parser's own checks: length for the family, no host bits */
	if (dg_optout_prefix_format(out, text, sizeof(text)) != 0 ||
	    dg_optout_prefix_parse(text, out, NULL) != 0)
		return -EINVAL;
	return 0;
}

/* An RPZ record's RDATA (from the type on) to an action, and a sinkhole address. */
static int
rpz_action(char **tok, size_t nt, struct dg_entry_meta *m)
{
	const char *t;
	uint8_t a[16];

	if (nt < 2)
		return -EINVAL;
	t = tok[1];
	if (strcasecmp(tok[0], "CNAME") == 0) {
		if (strcmp(t, ".") == 0)
			m->action = DG_ACTION_NXDOMAIN;
		else if (strcmp(t, "*.") == 0)
			m->action = DG_ACTION_NODATA;
		else if (strcasecmp(t, "rpz-drop.") == 0 || strcasecmp(t, "rpz-drop") == 0)
			m->action = DG_ACTION_DROP;
		else if (strcasecmp(t, "rpz-passthru.") == 0 || strcasecmp(t, "rpz-passthru") == 0)
			m->action = DG_ACTION_ALLOW;
		else
			return -EINVAL;
		return 0;
	}
	if (strcasecmp(tok[0], "A") == 0 && inet_pton(AF_INET, t, a) == 1) {
		m->action = DG_ACTION_SINKHOLE;
		m->has_sinkhole4 = 1;
		memcpy(m->sinkhole4, a, 4);
		return 0;
	}
	if (strcasecmp(tok[0], "AAAA") == 0 && inet_pton(AF_INET6, t, a) == 1) {
		m->action = DG_ACTION_SINKHOLE;
		m->has_sinkhole6 = 1;
		memcpy(m->sinkhole6, a, 16);
		return 0;
	}
	return -EINVAL;
}

/* Where the rpz-ip label ends the trigger in an owner: its offset, or 0. */
static size_t
rpz_ip_label(const char *o)
{
	for (const char *p = o; (p = strcasestr(p, ".rpz-ip")) != NULL; p++)
		if (p[7] == '\0' || p[7] == '.')
			return (size_t)(p - o);
	return 0;
}

/*
 * One line (comment cut, not blank). @return 1: an item in @p it; 0: skipped; <0: the
 * error, with a reason in @p why.
 */
static int
parse_line(char *line, bool indented, const struct dg_entry_meta *defaults, struct item *it,
	   const char **why)
{
	char *tok[8], *save = NULL;
	size_t nt = 0, at, i = 1;

	for (char *t = strtok_r(line, " \t\r", &save); t != NULL && nt < 8;
	     t = strtok_r(NULL, " \t\r", &save))
		tok[nt++] = t;
	if (nt == 0 || indented || tok[0][0] == '$')
		return 0;
	it->m = *defaults;
	if (nt == 1) {
		*why = "not a prefix";
		return dg_optout_prefix_parse(tok[0], &it->p, NULL) == 0 ? 1 : -EINVAL;
	}
	at = rpz_ip_label(tok[0]);
	if (at == 0)
		return 0; /* another record of the zone */
	*why = "bad rpz-ip trigger";
	if (dg_respip_parse_rpz(tok[0], at, &it->p) != 0)
		return -EINVAL;
	/* [TTL] [class] TYPE RDATA */
	if (i < nt && isdigit((unsigned char)tok[i][0]))
		i++;
	if (i < nt && (strcasecmp(tok[i], "IN") == 0))
		i++;
	*why = "rpz-ip record: expected CNAME . / *. / rpz-drop. / rpz-passthru. or A/AAAA";
	if (rpz_action(tok + i, nt - i, &it->m) != 0)
		return -EINVAL;
	/* a list's action= overrides block actions (not passthru, not local data) */
	if (defaults->action != DG_ACTION_SINKHOLE && it->m.action != DG_ACTION_ALLOW &&
	    !it->m.has_sinkhole4 && !it->m.has_sinkhole6)
		it->m.action = defaults->action;
	return 1;
}

static int
build(struct item *v, size_t n, const struct dg_entry_meta *defaults, struct dg_respip **out)
{
	struct dg_optout_prefix *p = malloc((n ? n : 1) * sizeof(*p));
	struct dg_respip *t = calloc(1, sizeof(*t));
	size_t cnt, j = 0;
	int rc = -ENOMEM;

	if (p == NULL || t == NULL)
		goto fail;
	qsort(v, n, sizeof(*v), item_cmp);
	for (size_t i = 0; i < n; i++)
		p[i] = v[i].p;
	rc = dg_optout_build(p, n, &t->tab);
	if (rc != 0)
		goto fail;
	cnt = dg_optout_count(t->tab);
	t->metas = calloc(cnt ? cnt : 1, sizeof(*t->metas));
	t->identifier = defaults->identifier ? strdup(defaults->identifier) : NULL;
	t->category = defaults->category ? strdup(defaults->category) : NULL;
	rc = -ENOMEM;
	if (t->metas == NULL || (defaults->identifier && !t->identifier) ||
	    (defaults->category && !t->category))
		goto fail;
	/* both in the table's order: the last item of each prefix is its entry */
	for (size_t i = 0; i < cnt; i++) {
		const struct dg_optout_prefix *q = dg_optout_get(t->tab, i);

		while (j + 1 < n && !same_prefix(&v[j].p, q))
			j++;
		while (j + 1 < n && same_prefix(&v[j + 1].p, q))
			j++;
		t->metas[i] = v[j].m;
		t->metas[i].identifier = t->identifier;
		t->metas[i].category = t->category;
		t->metas[i].mode = DG_MATCH_SUBTREE;
	}
	free(p);
	*out = t;
	return 0;
fail:
	free(p);
	dg_respip_free(t);
	return rc;
}

int
dg_respip_load_stream(FILE *in, const char *name, const struct dg_entry_meta *defaults,
		      struct dg_respip **out, struct dg_respip_report *rep, char *err,
		      size_t errlen)
{
	struct dg_respip_report r = { 0 };
	struct item *v = NULL;
	size_t n = 0, cap = 0, sz = 0;
	char *line = NULL;
	ssize_t got;
	int rc = 0;

	while ((got = getline(&line, &sz, in)) >= 0) {
		const char *why = "";
		char *c;

		r.lines++;
		for (c = line; *c != '\0'; c++)
			if (*c == '#' || *c == ';' || *c == '\n')
				break;
		*c = '\0';
		if (n == cap) {
			struct item *nv = realloc(v, (cap ? 2 * cap : 256) * sizeof(*v));

			if (nv == NULL) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = cap ? 2 * cap : 256;
		}
		rc = parse_line(line, line[0] == ' ' || line[0] == '\t', defaults, &v[n], &why);
		if (rc < 0) {
			dg_errf(err, errlen, rc, "%s:%llu: %s", name, (unsigned long long)r.lines,
				why);
			break;
		}
		if (rc == 0 && line[strspn(line, " \t\r")] != '\0')
			r.skipped++;
		if (rc == 1) {
			v[n].order = n;
			n++;
		}
		rc = 0;
	}
	free(line);
	if (rc == 0 && ferror(in))
		rc = dg_errf(err, errlen, -EIO, "%s: read error", name);
	if (rc == 0) {
		rc = build(v, n, defaults, out);
		if (rc != 0)
			dg_errf(err, errlen, rc, "%s: %s", name, strerror(-rc));
	}
	r.loaded = n;
	if (rep != NULL)
		*rep = r;
	free(v);
	return rc;
}

int
dg_respip_load(const char *path, const struct dg_entry_meta *defaults, struct dg_respip **out,
	       struct dg_respip_report *rep, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (f == NULL)
		return dg_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	rc = dg_respip_load_stream(f, path, defaults, out, rep, err, errlen);
	fclose(f);
	return rc;
}

const struct dg_entry_meta *
dg_respip_lookup(const struct dg_respip *t, int family, const uint8_t *addr, uint32_t today,
		 uint8_t *plen)
{
	const struct dg_entry_meta *m;
	long i;

	if (t == NULL)
		return NULL;
	i = dg_optout_match_index(t->tab, family, addr);
	if (i < 0)
		return NULL;
	m = &t->metas[i];
	if (today < m->start_day || today > m->end_day)
		return NULL;
	if (plen != NULL)
		*plen = dg_optout_get(t->tab, (size_t)i)->len;
	return m;
}

size_t
dg_respip_count(const struct dg_respip *t)
{
	return t == NULL ? 0 : dg_optout_count(t->tab);
}

void
dg_respip_free(struct dg_respip *t)
{
	if (t == NULL)
		return;
	dg_optout_free(t->tab);
	free(t->metas);
	free(t->identifier);
	free(t->category);
	free(t);
}
