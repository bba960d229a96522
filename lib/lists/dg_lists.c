/* SPDX-License-Identifier: BSD-3-Clause */
/* Loader core: line reading, names, rejection reports, format detection. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_list_rejects.h"
#include "dg_lists.h"
#include "lists_pvt.h"

int lst_text_line(struct lst_ctx *c, enum dg_list_format fmt, char *s, size_t len);

static const char *const format_names[DG_LIST_FORMAT_COUNT] = {
	[DG_LIST_AUTO] = "auto",
	[DG_LIST_NATIVE] = "native",
	[DG_LIST_RPZ] = "rpz",
	[DG_LIST_HOSTS] = "hosts",
	[DG_LIST_DOMAINS] = "domains",
	[DG_LIST_WILDCARD] = "wildcard",
	[DG_LIST_ADBLOCK] = "adblock",
};

static const char *const skip_names[DG_LIST_SKIP_COUNT] = {
	[DG_LIST_SKIP_IP] = "ip-address",
	[DG_LIST_SKIP_LOCALHOST] = "localhost",
	[DG_LIST_SKIP_NOT_SUPPORTED] = "not-supported",
	[DG_LIST_SKIP_UNSUPPORTED] = "unsupported",
	[DG_LIST_SKIP_INVALID] = "invalid",
};

const char *
dg_list_format_name(enum dg_list_format f)
{
	return (unsigned int)f < DG_LIST_FORMAT_COUNT ? format_names[f] : "?";
}

int
dg_list_format_parse(const char *s)
{
	for (int i = 0; i < DG_LIST_FORMAT_COUNT; i++)
		if (strcmp(s, format_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *
dg_list_skip_name(enum dg_list_skip s)
{
	return (unsigned int)s < DG_LIST_SKIP_COUNT ? skip_names[s] : "?";
}

void
dg_list_opts_init(struct dg_list_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->defaults.action = DG_ACTION_SINKHOLE;
	o->defaults.mode = DG_MATCH_SUBTREE;
	o->defaults.start_day = DG_FILTER_DAY_OPEN_START;
	o->defaults.end_day = DG_FILTER_DAY_OPEN_END;
	o->mode = -1;
	o->rpz_action = -1;
	o->report = stderr;
	o->report_lines = DG_LIST_REPORT_LINES;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned int yoe = (unsigned int)(y - era * 400);
	unsigned int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int
dg_list_parse_day(const char *s, size_t len, uint32_t open, uint32_t *day)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned int v[3] = { 0, 0, 0 }, f = 0;

	if (len == 1 && s[0] == '-') {
		*day = open;
		return 0;
	}
	/* exactly YYYY-MM-DD: 2024-1-011 is a typo, not 2024-01-11 */
	if (len != 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -EINVAL;
			f++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[f] = v[f] * 10 + (unsigned int)(s[i] - '0');
		} else {
			return -EINVAL;
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > mdays[v[1] - 1])
		return -EINVAL;
	if (v[1] == 2 && v[2] == 29 && !(v[0] % 4 == 0 && (v[0] % 100 != 0 || v[0] % 400 == 0)))
		return -EINVAL;
	*day = (uint32_t)days_from_civil(v[0], v[1], v[2]);
	return 0;
}

int
lst_split(const char *s, size_t len, struct lst_tok *t, int max, int quotes)
{
	int n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		if (quotes && s[i] == '"') {
			size_t e = ++i;

			while (e < len && s[e] != '"')
				e++;
			t[n].p = s + i;
			t[n++].len = e - i;
			i = e + 1;
			continue;
		}
		t[n].p = s + i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		t[n].len = (size_t)(s + i - t[n].p);
		n++;
	}
	return n;
}

int
lst_reject_kind(struct lst_ctx *c, enum dg_list_skip why, const char *kind,
		const char *reason)
{
	c->rep->skipped[why]++;
	if (why == DG_LIST_SKIP_LOCALHOST)
		return 0;
	c->rep->rejected++;
	if (c->rej != NULL)
		dg_list_rejects_add(c->rej, c->line, why, kind, reason);
	if (c->o->report_cb != NULL)
		c->o->report_cb(c->o->report_arg, c->file, c->line, why, reason);
	return c->o->strict ? -EINVAL : 0;
}

int
lst_reject(struct lst_ctx *c, enum dg_list_skip why, const char *fmt, ...)
{
	char reason[DG_LIST_REJECTS_REASON_MAX], kind[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* the format is the reason's kind: one count per call site */
	dg_list_reason_kind(fmt, kind, sizeof(kind));
	return lst_reject_kind(c, why, kind, reason);
}

void
lst_not_supported(struct lst_ctx *c, const char *what)
{
	c->rep->skipped[DG_LIST_SKIP_NOT_SUPPORTED]++;
	c->rep->not_supported++;
	if (c->rej != NULL)
		dg_list_rejects_add(c->rej, c->line, DG_LIST_SKIP_NOT_SUPPORTED, what, what);
}

/* All labels made of digits (an IPv4 address, or a numeric TLD no registry allows). */
static int
all_numeric(const char *s, size_t len)
{
	int digits = 0;

	if (len == 0 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (digits == 0 && i + 1 != len)
				return 0;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			digits++;
		} else {
			return 0;
		}
	}
	return 1;
}

int
lst_name(struct lst_ctx *c, const char *s, size_t len, unsigned int flags, struct dg_name *n)
{
	struct lst_tok tok = { s, len };
	uint8_t a[16];
	int rc;

	if (len == 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "empty name") ?: 1;
	if (all_numeric(s, len) || (memchr(s, ':', len) != NULL && lst_addr(&tok, a) == 6))
		return lst_reject(c, DG_LIST_SKIP_IP, "IP address '%.*s' where a name was expected",
				  (int)len, s) ?: 1;
	if (memchr(s, '/', len) != NULL)
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "URL '%.*s', not a name", (int)len,
				  s) ?: 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')
			continue;
		if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.')
			continue;
		if ((flags & LST_TEXT_ESCAPES) && ch > 0x20 && ch < 0x7f && ch != '*')
			continue;
		if (ch == '*')
			return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED,
					  "wildcard inside name '%.*s'", (int)len, s) ?: 1;
		return lst_reject(c, DG_LIST_SKIP_INVALID,
				  "bad character 0x%02x in name '%.*s' (use punycode)", ch,
				  (int)len, s) ?: 1;
	}
	rc = dg_name_from_text(n, s, len);
	if (rc == -EMSGSIZE)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "name too long: '%.*s'", (int)len, s) ?: 1;
	if (rc != 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "bad name '%.*s'", (int)len, s) ?: 1;
	if (n->nlabels == 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "root name") ?: 1;
	return 0;
}

int
lst_add(struct lst_ctx *c, const struct dg_name *n, const struct dg_entry_meta *m)
{
	int rc = dg_filter_builder_add(c->b, n, m);

	if (rc < 0)
		return rc == -EINVAL ? lst_reject(c, DG_LIST_SKIP_INVALID, "invalid entry") : rc;
	if (rc == 1)
		c->rep->duplicates++;
	else
		c->rep->loaded++;
	return 0;
}

int
lst_addr(const struct lst_tok *t, uint8_t out[16])
{
	char buf[64];
	size_t len = t->len;
	const char *pct = memchr(t->p, '%', t->len);

	if (pct != NULL)
		len = (size_t)(pct - t->p); /* fe80::1%lo0: drop the zone */
	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, t->p, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 6;
	return 0;
}

/* Line with CR, BOM and trailing blanks removed; NULL-safe length. */
static size_t
trim(char *s, size_t len, int first)
{
	if (first && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		memmove(s, s + 3, len - 3);
		len -= 3;
	}
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
			   s[len - 1] == '\t'))
		len--;
	s[len] = '\0';
	return len;
}

static enum dg_list_format
detect_line(const char *s, size_t len)
{
	struct lst_tok t[8];
	uint8_t a[16];
	int n = lst_split(s, len, t, 8, 0);

	if (n == 0)
		return DG_LIST_AUTO;
	if (strncmp(s, "#!dnsgate-native", 16) == 0)
		return DG_LIST_NATIVE;
	if (s[0] == '#' || s[0] == '!' || s[0] == ';' || s[0] == '[')
		return DG_LIST_AUTO;
	if (s[0] == '$' || lst_tok_is(&t[0], "@"))
		return DG_LIST_RPZ;
	for (int i = 1; i < n; i++)
		if (lst_tok_is(&t[i], "cname") || lst_tok_is(&t[i], "soa"))
			return DG_LIST_RPZ;
	if (strncmp(s, "||", 2) == 0 || strncmp(s, "@@||", 4) == 0)
		return DG_LIST_ADBLOCK;
	if (n >= 2 && lst_addr(&t[0], a) != 0)
		return DG_LIST_HOSTS;
	if (n >= 5 && dg_action_parse(t[3].p, t[3].len) >= 0)
		return DG_LIST_NATIVE;
	if (strncmp(s, "*.", 2) == 0)
		return DG_LIST_WILDCARD;
	return DG_LIST_DOMAINS;
}

int
dg_list_detect(FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int fmt = DG_LIST_AUTO, first = 1, seen = 0;

	while (fmt == DG_LIST_AUTO && seen < 200 && (got = getline(&line, &cap, in)) >= 0) {
		size_t len = trim(line, (size_t)got, first);

		first = 0;
		seen++;
		fmt = detect_line(line, len);
	}
	free(line);
	if (ferror(in) || fseek(in, 0, SEEK_SET) != 0)
		return -EIO;
	return fmt == DG_LIST_AUTO ? DG_LIST_DOMAINS : fmt;
}

int
dg_lists_load_stream(struct dg_filter_builder *b, FILE *in, const char *name,
		     enum dg_list_format fmt, const struct dg_list_opts *opts,
		     struct dg_list_report *rep)
{
	struct dg_list_opts defopts;
	struct dg_list_report dummy;
	struct dg_list_rejects *own = NULL;
	struct lst_ctx *c;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int rc = 0;

	if (opts == NULL) {
		dg_list_opts_init(&defopts);
		opts = &defopts;
	}
	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (b == NULL || in == NULL || (unsigned int)fmt >= DG_LIST_FORMAT_COUNT)
		return -EINVAL;
	if (fmt == DG_LIST_AUTO) {
		int d = dg_list_detect(in);

		if (d < 0)
			return d;
		fmt = (enum dg_list_format)d;
	}
	rep->format = fmt;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->b = b;
	c->o = opts;
	c->rep = rep;
	c->file = name;
	/* The report needs the counts per reason even when the caller keeps nothing. */
	c->rej = opts->rejects;
	if (c->rej == NULL && opts->report != NULL &&
	    dg_list_rejects_create(&own, opts->report_lines, DG_LIST_REJECTS_MAX_BYTES) == 0)
		c->rej = own;
	if (c->rej != NULL && (rc = dg_list_rejects_reset(c->rej, name)) < 0) {
		dg_list_rejects_free(own);
		free(c);
		return rc;
	}
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t len = trim(line, (size_t)got, c->line == 0);

		c->line++;
		rep->lines++;
		if (fmt == DG_LIST_RPZ)
			rc = lst_rpz_line(c, line, len);
		else
			rc = lst_text_line(c, fmt, line, len);
		if (rc < 0)
			break;
	}
	if (rc == 0 && ferror(in))
		rc = -EIO;
	if (rc == 0 && fmt == DG_LIST_RPZ)
		rc = lst_rpz_finish(c);
	if (opts->report != NULL && c->rej != NULL)
		dg_list_rejects_write(c->rej, opts->report, opts->report_lines);
	dg_list_rejects_free(own);
	free(line);
	free(c);
	return rc;
}

int
dg_lists_load(struct dg_filter_builder *b, const char *path, enum dg_list_format fmt,
	      const struct dg_list_opts *opts, struct dg_list_report *rep)
{
	FILE *in;
	int rc;

	if (path == NULL)
		return -EINVAL;
	in = fopen(path, "r");
	if (in == NULL) {
		if (rep != NULL)
			memset(rep, 0, sizeof(*rep));
		return -errno;
	}
	rc = dg_lists_load_stream(b, in, path, fmt, opts, rep);
	fclose(in);
	return rc;
}
