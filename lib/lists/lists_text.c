/* SPDX-License-Identifier: BSD-3-Clause */
/* Line formats: native, hosts, domains, wildcard, adblock. */
#include <errno.h>
#include <string.h>

#include "dg_lists.h"
#include "lists_pvt.h"

int lst_text_line(struct lst_ctx *c, enum dg_list_format fmt, char *s, size_t len);

/* Names of hosts-file boilerplate, skipped without a report. */
static const char *const localhost_names[] = {
	"localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
	"ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters",
	"ip6-allhosts", "localhost.", NULL,
};

/* Addresses that mean "block" rather than "resolve to this" in a hosts file. */
static int
null_route(const uint8_t *a, int fam)
{
	static const uint8_t zero[16], one6[16] = { [15] = 1 };

	if (fam == 4)
		return memcmp(a, zero, 4) == 0 || a[0] == 127;
	return memcmp(a, zero, 16) == 0 || memcmp(a, one6, 16) == 0;
}

/* Length of @p s before a '#' comment that starts a token. */
static size_t
cut_comment(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t'))
			return i;
	return len;
}

static int
set_sinkhole(struct dg_entry_meta *m, const uint8_t *a, int fam)
{
	m->action = DG_ACTION_SINKHOLE;
	if (fam == 4) {
		m->has_sinkhole4 = 1;
		memcpy(m->sinkhole4, a, 4);
	} else {
		m->has_sinkhole6 = 1;
		memcpy(m->sinkhole6, a, 16);
	}
	return 0;
}

static int
hosts_line(struct lst_ctx *c, const char *s, size_t len)
{
	struct lst_tok t[LST_MAX_TOKENS];
	struct dg_entry_meta m = c->o->defaults;
	uint8_t a[16];
	int n = lst_split(s, cut_comment(s, len), t, LST_MAX_TOKENS, 0), fam;

	if (n == 0) {
		c->rep->ignored++;
		return 0;
	}
	fam = lst_addr(&t[0], a);
	if (fam == 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "hosts line without an address first");
	if (n == 1)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "address without a name");
	if (n == LST_MAX_TOKENS)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "more than %d names on one line",
				  LST_MAX_TOKENS - 2);
	m.mode = c->o->mode >= 0 ? (enum dg_match_mode)c->o->mode : DG_MATCH_EXACT;
	if (!null_route(a, fam))
		set_sinkhole(&m, a, fam);
	for (int i = 1; i < n; i++) {
		struct dg_name name;
		int rc, local = 0;

		for (const char *const *l = localhost_names; *l != NULL && !local; l++)
			local = lst_tok_is(&t[i], *l);
		if (local) {
			lst_reject(c, DG_LIST_SKIP_LOCALHOST, "localhost");
			continue;
		}
		rc = lst_name(c, t[i].p, t[i].len, 0, &name);
		if (rc < 0)
			return rc;
		if (rc == 0 && (rc = lst_add(c, &name, &m)) < 0)
			return rc;
	}
	return 0;
}

/* domains and wildcard lists: one name per line, `*.name` = below the name. */
static int
domain_line(struct lst_ctx *c, const char *s, size_t len, enum dg_match_mode plain)
{
	struct lst_tok t[2];
	struct dg_entry_meta m = c->o->defaults;
	struct dg_name name;
	int n, rc;

	if (len > 0 && s[0] == '!') {
		c->rep->ignored++;
		return 0;
	}
	n = lst_split(s, cut_comment(s, len), t, 2, 0);
	if (n == 0) {
		c->rep->ignored++;
		return 0;
	}
	if (n > 1)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "text after the name '%.*s'",
				  (int)t[0].len, t[0].p);
	m.mode = plain;
	if (t[0].len > 2 && t[0].p[0] == '*' && t[0].p[1] == '.') {
		m.mode = DG_MATCH_BELOW;
		t[0].p += 2;
		t[0].len -= 2;
	}
	rc = lst_name(c, t[0].p, t[0].len, 0, &name);
	return rc != 0 ? (rc < 0 ? rc : 0) : lst_add(c, &name, &m);
}

static int
adblock_line(struct lst_ctx *c, const char *s, size_t len)
{
	struct dg_entry_meta m = c->o->defaults;
	struct dg_name name;
	size_t i = 0, ns;
	int rc;

	if (len == 0 || s[0] == '!' || s[0] == '[' || (s[0] == '#' && len > 1 && s[1] != '#') ||
	    (len == 1 && s[0] == '#')) {
		c->rep->ignored++;
		return 0;
	}
	m.mode = DG_MATCH_SUBTREE;
	if (len >= 2 && s[0] == '@' && s[1] == '@') {
		m.action = DG_ACTION_ALLOW;
		i = 2;
	}
	if (strstr(s, "##") != NULL || strstr(s, "#@#") != NULL || strstr(s, "#?#") != NULL)
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "cosmetic rule");
	if (i < len && s[i] == '/')
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "regular expression rule");
	if (len - i >= 2 && s[i] == '|' && s[i + 1] == '|')
		i += 2;
	else if (i < len && s[i] == '|')
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "address-anchored rule");
	/* a bare hostname is a hosts-style rule: the same as ||hostname^ */
	ns = i;
	while (i < len && s[i] != '^' && s[i] != '$' && s[i] != '|' && s[i] != '/')
		i++;
	if (i < len && s[i] == '/')
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "rule with a URL path");
	rc = lst_name(c, s + ns, i - ns, 0, &name);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (i < len && s[i] == '^')
		i++;
	if (i < len && s[i] == '|')
		i++;
	if (i < len && s[i] == '$') {
		/* $important only raises priority among adblock rules: no effect here */
		for (size_t o = ++i; i <= len; i++) {
			if (i < len && s[i] != ',')
				continue;
			if (!(i - o == 9 && strncmp(s + o, "important", 9) == 0))
				return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "modifier $%.*s",
						  (int)(i - o), s + o);
			o = i + 1;
		}
	} else if (i < len) {
		return lst_reject(c, DG_LIST_SKIP_INVALID, "text after the rule: '%s'", s + i);
	}
	return lst_add(c, &name, &m);
}

/* Copy a token into a NUL-terminated buffer; '-' = use @p dflt. */
static const char *
tok_str(const struct lst_tok *t, char *buf, size_t size, const char *dflt)
{
	if (t->len == 1 && t->p[0] == '-')
		return dflt;
	if (t->len >= size)
		return NULL;
	memcpy(buf, t->p, t->len);
	buf[t->len] = '\0';
	return buf;
}

/* name identifier category action mode start end [sinkhole-address...] */
static int
native_line(struct lst_ctx *c, const char *s, size_t len)
{
	struct lst_tok t[LST_MAX_TOKENS];
	struct dg_entry_meta m = c->o->defaults;
	struct dg_name name;
	char ident[256], cat[256];
	int n, rc, v;

	if (len == 0 || s[0] == '#') {
		c->rep->ignored++;
		return 0;
	}
	n = lst_split(s, len, t, LST_MAX_TOKENS, 1);
	if (n < 7)
		return lst_reject(c, DG_LIST_SKIP_INVALID,
				  "%d fields, expected name identifier category action mode "
				  "start end [address...]", n);
	/* lst_split() stops at LST_MAX_TOKENS: what follows must not pass unread */
	if (n == LST_MAX_TOKENS)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "more than %d fields",
				  LST_MAX_TOKENS - 1);
	m.identifier = tok_str(&t[1], ident, sizeof(ident), m.identifier);
	m.category = tok_str(&t[2], cat, sizeof(cat), m.category);
	if ((t[1].len >= sizeof(ident)) || t[2].len >= sizeof(cat))
		return lst_reject(c, DG_LIST_SKIP_INVALID, "identifier or category too long");
	if (!(t[3].len == 1 && t[3].p[0] == '-')) {
		if ((v = dg_action_parse(t[3].p, t[3].len)) < 0)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "unknown action '%.*s'",
					  (int)t[3].len, t[3].p);
		m.action = (enum dg_action)v;
	}
	if (!(t[4].len == 1 && t[4].p[0] == '-')) {
		if ((v = dg_match_mode_parse(t[4].p, t[4].len)) < 0)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "unknown mode '%.*s'",
					  (int)t[4].len, t[4].p);
		m.mode = (enum dg_match_mode)v;
	}
	if (dg_list_parse_day(t[5].p, t[5].len, m.start_day, &m.start_day) != 0 ||
	    dg_list_parse_day(t[6].p, t[6].len, m.end_day, &m.end_day) != 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "bad date (YYYY-MM-DD or -)");
	if (m.end_day < m.start_day)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "end date before start date");
	for (int i = 7; i < n; i++) {
		uint8_t a[16];
		int fam = lst_addr(&t[i], a);

		if (fam == 0)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "bad sinkhole address '%.*s'",
					  (int)t[i].len, t[i].p);
		if (m.action != DG_ACTION_SINKHOLE)
			return lst_reject(c, DG_LIST_SKIP_INVALID,
					  "sinkhole address on a %s entry", dg_action_name(m.action));
		set_sinkhole(&m, a, fam);
	}
	rc = lst_name(c, t[0].p, t[0].len, LST_TEXT_ESCAPES, &name);
	return rc != 0 ? (rc < 0 ? rc : 0) : lst_add(c, &name, &m);
}

int
lst_text_line(struct lst_ctx *c, enum dg_list_format fmt, char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	switch (fmt) {
	case DG_LIST_NATIVE:
		return native_line(c, s, len);
	case DG_LIST_HOSTS:
		return hosts_line(c, s, len);
	case DG_LIST_DOMAINS:
		return domain_line(c, s, len, c->o->mode >= 0 ? (enum dg_match_mode)c->o->mode :
								 DG_MATCH_SUBTREE);
	case DG_LIST_WILDCARD:
		return domain_line(c, s, len, DG_MATCH_EXACT);
	case DG_LIST_ADBLOCK:
		return adblock_line(c, s, len);
	default:
		return -EINVAL;
	}
}
