/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quarantine policy: settings, the allow list (a filter of allow entries) and the entry a
 * quarantine answer is forged from. Building runs on the management side; lookups only read.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dg_err.h"
#include "dg_quarantine.h"

struct dg_quarantine {
	struct dg_quarantine_cfg cfg;
	struct dg_filter *allow;       /* allow entries only; NULL: none */
	size_t n_allow;
	uint64_t any_type;             /* no qtypes set: every type */
	/* what answers are forged from and logged with, per enum dg_quarantine_action */
	struct dg_entry_meta meta[DG_QUARANTINE__MAX];
};

int
dg_quarantine_build(const struct dg_quarantine_cfg *cfg, struct dg_filter *allow,
		    struct dg_quarantine **out)
{
	struct dg_quarantine *q;
	struct dg_filter_info fi;

	if (cfg == NULL || out == NULL || cfg->n_qtypes > DG_QUARANTINE_QTYPES_MAX ||
	    (cfg->action != DG_ACTION_SINKHOLE && cfg->action != DG_ACTION_NXDOMAIN)) {
		dg_filter_free(allow);
		return -EINVAL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL) {
		dg_filter_free(allow);
		return -ENOMEM;
	}
	q->cfg = *cfg;
	q->allow = allow;
	if (allow != NULL) {
		dg_filter_info(allow, &fi);
		q->n_allow = (size_t)fi.entries;
	}
	q->any_type = cfg->n_qtypes == 0;
	for (unsigned int v = 0; v < DG_QUARANTINE__MAX; v++) {
		struct dg_entry_meta *m = &q->meta[v];

		m->identifier = DG_QUARANTINE_IDENT;
		m->category = DG_QUARANTINE_IDENT;
		m->action = v == DG_QUARANTINE_SINKHOLE ? DG_ACTION_SINKHOLE :
			    v == DG_QUARANTINE_NXDOMAIN ? DG_ACTION_NXDOMAIN : cfg->action;
		m->mode = DG_MATCH_SUBTREE;
		m->start_day = 0;
		m->end_day = UINT32_MAX;
		m->has_sinkhole4 = cfg->has_addr4;
		m->has_sinkhole6 = cfg->has_addr6;
		memcpy(m->sinkhole4, cfg->addr4, 4);
		memcpy(m->sinkhole6, cfg->addr6, 16);
	}
	*out = q;
	return 0;
}

void
dg_quarantine_free(struct dg_quarantine *q)
{
	if (q == NULL)
		return;
	dg_filter_free(q->allow);
	free(q);
}

const struct dg_quarantine_cfg *
dg_quarantine_cfg(const struct dg_quarantine *q)
{
	return &q->cfg;
}

size_t
dg_quarantine_allow_count(const struct dg_quarantine *q)
{
	return q == NULL ? 0 : q->n_allow;
}

bool
dg_quarantine_wants_type(const struct dg_quarantine *q, uint16_t qtype)
{
	if (q->any_type)
		return true;
	for (unsigned int i = 0; i < q->cfg.n_qtypes; i++)
		if (q->cfg.qtypes[i] == qtype)
			return true;
	return false;
}

bool
dg_quarantine_allowed(const struct dg_quarantine *q, const struct dg_name *name)
{
	struct dg_match m;

	/* Allow entries have open dates: any day will do. */
	return q->allow != NULL && dg_filter_lookup(q->allow, name, 0, &m) == 1;
}

const struct dg_entry_meta *
dg_quarantine_meta(const struct dg_quarantine *q, uint8_t value)
{
	return &q->meta[value < DG_QUARANTINE__MAX ? value : DG_QUARANTINE_DEFAULT];
}

bool
dg_quarantine_is_meta(const struct dg_quarantine *q, const struct dg_entry_meta *m)
{
	return q != NULL && m >= &q->meta[0] && m < &q->meta[DG_QUARANTINE__MAX];
}

const char *
dg_quarantine_action_name(uint8_t value)
{
	return value == DG_QUARANTINE_SINKHOLE ? "sinkhole" :
	       value == DG_QUARANTINE_NXDOMAIN ? "nxdomain" : NULL;
}

int
dg_quarantine_opt_parse(const char *kv, uint8_t *value)
{
	if (kv == NULL || value == NULL || strncmp(kv, "action=", 7) != 0)
		return -EINVAL;
	if (strcmp(kv + 7, "sinkhole") == 0)
		*value = DG_QUARANTINE_SINKHOLE;
	else if (strcmp(kv + 7, "nxdomain") == 0)
		*value = DG_QUARANTINE_NXDOMAIN;
	else
		return -EINVAL;
	return 0;
}

static const struct {
	const char *name;
	uint16_t type;
} qtype_names[] = {
	{ "A", 1 },     { "NS", 2 },     { "CNAME", 5 }, { "SOA", 6 },    { "PTR", 12 },
	{ "MX", 15 },   { "TXT", 16 },   { "AAAA", 28 }, { "SRV", 33 },   { "SVCB", 64 },
	{ "HTTPS", 65 }, { "ANY", 255 },
};

static int
qtype_word(const char *w, size_t n, uint16_t *out)
{
	unsigned long v = 0;
	size_t i = 0;

	for (size_t k = 0; k < sizeof(qtype_names) / sizeof(qtype_names[0]); k++) {
		const char *name = qtype_names[k].name;

		if (strlen(name) == n && strncasecmp(w, name, n) == 0) {
			*out = qtype_names[k].type;
			return 0;
		}
	}
	if (n > 4 && strncasecmp(w, "TYPE", 4) == 0)
		i = 4;
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)w[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(w[i] - '0');
		if (v > 65535)
			return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

int
dg_quarantine_qtypes_parse(const char *text, struct dg_quarantine_cfg *cfg)
{
	const char *s = text;
	unsigned int n = 0;
	uint16_t t[DG_QUARANTINE_QTYPES_MAX];

	if (text == NULL || cfg == NULL)
		return -EINVAL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strcmp(s, "*") == 0 || strcasecmp(s, "all") == 0) {
		cfg->n_qtypes = 0;
		return 0;
	}
	while (*s != '\0') {
		size_t w = strcspn(s, ", \t");
		uint16_t v;

		if (w > 0) {
			if (qtype_word(s, w, &v) < 0 || n == DG_QUARANTINE_QTYPES_MAX)
				return -EINVAL;
			t[n++] = v;
		}
		s += w;
		s += strspn(s, ", \t");
	}
	if (n == 0)
		return -EINVAL;
	memcpy(cfg->qtypes, t, n * sizeof(t[0]));
	cfg->n_qtypes = n;
	return 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

int
dg_quarantine_allow_load(const char *path, struct dg_filter **out, char *err, size_t errlen)
{
	const struct dg_entry_meta allow = { .action = DG_ACTION_ALLOW, .mode = DG_MATCH_SUBTREE,
					     .end_day = UINT32_MAX };
	struct dg_filter_builder *b = NULL;
	size_t cap = 0, names = 0;
	unsigned long lineno = 0;
	char *line = NULL;
	ssize_t len;
	FILE *f;
	int ret;

	if (path == NULL || out == NULL)
		return -EINVAL;
	*out = NULL;
	f = fopen(path, "re");
	if (f == NULL) {
		ret = -errno;
		return dg_errf(err, errlen, ret, "%s: %s", path, strerror(-ret));
	}
	ret = dg_filter_builder_create(&b, 0);
	if (ret < 0) {
		dg_errf(err, errlen, ret, "%s: out of memory", path);
		goto out;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct dg_name n;
		char *s = line, *e;

		lineno++;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			ret = dg_errf(err, errlen, -EINVAL, "%s:%lu: NUL byte in line", path,
				      lineno);
			goto out;
		}
		e = strchr(s, '#');
		if (e == NULL)
			e = s + len;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s == e)
			continue;
		if (e - s > 2 && s[0] == '*' && s[1] == '.')
			s += 2;
		for (char *c = s; c < e; c++)
			if (is_blank(*c)) {
				ret = dg_errf(err, errlen, -EINVAL, "%s:%lu: one name per line",
					      path, lineno);
				goto out;
			}
		if (dg_name_from_text(&n, s, (size_t)(e - s)) < 0 || n.nlabels == 0) {
			ret = dg_errf(err, errlen, -EINVAL, "%s:%lu: not a domain name", path,
				      lineno);
			goto out;
		}
		ret = dg_filter_builder_add(b, &n, &allow);
		if (ret < 0) {
			dg_errf(err, errlen, ret, "%s:%lu: %s", path, lineno, strerror(-ret));
			goto out;
		}
		names++;
	}
	ret = 0;
	if (names > 0 && (ret = dg_filter_build(b, out)) < 0)
		dg_errf(err, errlen, ret, "%s: %s", path, strerror(-ret));
out:
	dg_filter_builder_free(b);
	free(line);
	fclose(f);
	return ret;
}
