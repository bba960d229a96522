/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RPZ zone files (draft-vixie-dnsop-dns-rpz): QNAME triggers only.
 *   name CNAME .             nxdomain      *.name CNAME .   same, below name
 *   name CNAME *.            nodata        name CNAME rpz-passthru.   allow
 *   name CNAME rpz-drop.     drop          name A/AAAA addr  sinkhole to addr
 * Owner names are relative to the zone: a relative owner is the trigger name itself, an
 * absolute one loses the $ORIGIN suffix. SOA/NS at the apex and $TTL are zone header.
 */
#include <errno.h>
#include <string.h>

#include "dg_lists.h"
#include "lists_pvt.h"

static const char *const rpz_triggers[] = {
	"rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip", NULL,
};

static int
is_ttl(const struct lst_tok *t)
{
	size_t i;

	for (i = 0; i < t->len; i++) {
		char ch = t->p[i];

		if (ch >= '0' && ch <= '9')
			continue;
		if (i == 0 || strchr("smhdwSMHDW", ch) == NULL)
			return 0;
	}
	return t->len > 0;
}

static int
is_class(const struct lst_tok *t)
{
	return lst_tok_is(t, "in") || lst_tok_is(t, "ch") || lst_tok_is(t, "hs") ||
	       lst_tok_is(t, "cs");
}

/* Remove the origin suffix of @p n: 0, 1 if @p n is the origin, 2 if not under it. */
static int
strip_origin(const struct lst_rpz *z, struct dg_name *n)
{
	for (unsigned int i = 0; i <= n->nlabels; i++) {
		size_t len;
		const uint8_t *w = dg_name_suffix(n, i, &len);
		uint8_t buf[DG_NAME_MAXLEN];

		if (len != z->origin.len || memcmp(w, z->origin.wire, len) != 0)
			continue;
		if (i == 0)
			return 1;
		memcpy(buf, n->wire, (size_t)(w - n->wire));
		buf[w - n->wire] = 0;
		return dg_name_from_wire(n, buf, (size_t)(w - n->wire) + 1, NULL) == 0 ? 0 : -1;
	}
	return 2;
}

static int
flush(struct lst_ctx *c)
{
	struct lst_rpz *z = &c->rpz;
	unsigned long line = c->line;
	int rc;

	if (!z->pending)
		return 0;
	z->pending = 0;
	c->line = z->pline; /* a rejection names the first line of the record */
	rc = lst_add(c, &z->pname, &z->pmeta);
	c->line = line;
	return rc;
}

int
lst_rpz_finish(struct lst_ctx *c)
{
	return flush(c);
}

/* The policy a CNAME target stands for, or -1 (reported by the caller). */
static int
cname_action(const struct lst_tok *t)
{
	struct lst_tok u = *t;

	if (u.len > 1 && u.p[u.len - 1] == '.')
		u.len--;
	if (lst_tok_is(&u, ".") || (t->len == 1 && t->p[0] == '.'))
		return DG_ACTION_NXDOMAIN;
	if (lst_tok_is(&u, "*"))
		return DG_ACTION_NODATA;
	if (lst_tok_is(&u, "rpz-passthru"))
		return DG_ACTION_ALLOW;
	if (lst_tok_is(&u, "rpz-drop"))
		return DG_ACTION_DROP;
	return -1;
}

/* Owner text to trigger name and mode. 0, 1 (rejected or apex: *apex set), or < 0. */
static int
owner_name(struct lst_ctx *c, const struct lst_tok *o, struct dg_name *n,
	   enum dg_match_mode *mode, int *apex)
{
	struct lst_tok t = *o;
	int rc, absolute = t.len > 1 && t.p[t.len - 1] == '.' &&
			   (t.len < 2 || t.p[t.len - 2] != '\\');

	*apex = 0;
	*mode = DG_MATCH_EXACT;
	if (lst_tok_is(&t, "@")) {
		*apex = 1;
		return 1;
	}
	if (t.len >= 2 && t.p[0] == '*' && t.p[1] == '.') {
		*mode = DG_MATCH_BELOW;
		t.p += 2;
		t.len -= 2;
	}
	rc = lst_name(c, t.p, t.len, LST_TEXT_ESCAPES, n);
	if (rc != 0)
		return rc;
	if (absolute && c->rpz.has_origin) {
		rc = strip_origin(&c->rpz, n);
		if (rc < 0)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "bad owner name") ?: 1;
		if (rc == 2)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "owner outside $ORIGIN") ?: 1;
		if (rc == 1 && *mode == DG_MATCH_EXACT) {
			*apex = 1;
			return 1;
		}
		if (rc == 1 || n->nlabels == 0)
			return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "policy for the whole zone") ?: 1;
	}
	size_t len;
	const uint8_t *last = dg_name_suffix(n, n->nlabels - 1u, &len);

	for (const char *const *tr = rpz_triggers; *tr != NULL; tr++) {
		size_t tl = strlen(*tr);

		if (last[0] == tl && memcmp(last + 1, *tr, tl) == 0)
			return lst_reject(c, DG_LIST_SKIP_RPZ_TRIGGER,
					  "%s trigger not supported (QNAME triggers only)", *tr) ?: 1;
	}
	return 0;
}

static int
directive(struct lst_ctx *c, const struct lst_tok *t, int n)
{
	if (lst_tok_is(&t[0], "$ttl")) {
		c->rep->ignored++;
		return 0;
	}
	if (lst_tok_is(&t[0], "$origin") && n == 2) {
		if (dg_name_from_text(&c->rpz.origin, t[1].p, t[1].len) != 0)
			return lst_reject(c, DG_LIST_SKIP_INVALID, "bad $ORIGIN");
		c->rpz.has_origin = c->rpz.origin.nlabels > 0;
		c->rep->ignored++;
		return 0;
	}
	if (lst_tok_is(&t[0], "$include"))
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "$INCLUDE");
	return lst_reject(c, DG_LIST_SKIP_INVALID, "unknown directive '%.*s'", (int)t[0].len,
			  t[0].p);
}

int
lst_rpz_line(struct lst_ctx *c, char *s, size_t len)
{
	struct lst_rpz *z = &c->rpz;
	struct lst_tok t[LST_MAX_TOKENS], owner;
	struct dg_entry_meta m = c->o->defaults;
	struct dg_name name;
	enum dg_match_mode mode;
	int n, i = 0, rc, apex, v;
	char *semi = memchr(s, ';', len);

	if (semi != NULL)
		len = (size_t)(semi - s);
	if (z->paren) {
		/* rest of a multi-line (SOA) record */
		if (memchr(s, ')', len) != NULL)
			z->paren = 0;
		c->rep->ignored++;
		return 0;
	}
	n = lst_split(s, len, t, LST_MAX_TOKENS, 0);
	if (n == 0) {
		c->rep->ignored++;
		return 0;
	}
	if (t[0].p[0] == '$')
		return directive(c, t, n);
	if (memchr(s, '(', len) != NULL && memchr(s, ')', len) == NULL)
		z->paren = 1;
	if (s[0] == ' ' || s[0] == '\t') {
		owner.p = z->owner;
		owner.len = z->owner_len;
	} else {
		if (t[0].len >= sizeof(z->owner))
			return lst_reject(c, DG_LIST_SKIP_INVALID, "owner name too long");
		memcpy(z->owner, t[0].p, t[0].len);
		z->owner_len = t[0].len;
		owner.p = z->owner;
		owner.len = z->owner_len;
		i = 1;
	}
	for (int k = 0; k < 2 && i < n && (is_ttl(&t[i]) || is_class(&t[i])); k++)
		i++;
	if (i >= n)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "record without a type");
	if (owner.len == 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "record without an owner");
	rc = owner_name(c, &owner, &name, &mode, &apex);
	if (rc < 0 || (rc == 1 && !apex))
		return rc < 0 ? rc : 0;
	if (lst_tok_is(&t[i], "soa") || lst_tok_is(&t[i], "ns")) {
		if (apex || !z->has_origin) {
			c->rep->ignored++;
			return 0;
		}
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "%.*s record below the apex",
				  (int)t[i].len, t[i].p);
	}
	if (apex)
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "%.*s record at the zone apex",
				  (int)t[i].len, t[i].p);
	if (n - i != 2)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "expected one rdata field");
	m.mode = mode;
	if (lst_tok_is(&t[i], "a") || lst_tok_is(&t[i], "aaaa")) {
		uint8_t a[16];
		int fam = lst_addr(&t[i + 1], a);

		if (fam != (t[i].len == 1 ? 4 : 6))
			return lst_reject(c, DG_LIST_SKIP_INVALID, "bad address '%.*s'",
					  (int)t[i + 1].len, t[i + 1].p);
		/* A and AAAA of one owner make one policy */
		if (!z->pending || z->pmeta.mode != mode || z->pname.len != name.len ||
		    memcmp(z->pname.wire, name.wire, name.len) != 0) {
			if ((rc = flush(c)) < 0)
				return rc;
			z->pending = 1;
			z->pname = name;
			z->pmeta = m;
			z->pmeta.action = DG_ACTION_SINKHOLE;
			z->pmeta.has_sinkhole4 = z->pmeta.has_sinkhole6 = 0;
			z->pline = c->line;
		}
		if (fam == 4 && !z->pmeta.has_sinkhole4) {
			z->pmeta.has_sinkhole4 = 1;
			memcpy(z->pmeta.sinkhole4, a, 4);
		} else if (fam == 6 && !z->pmeta.has_sinkhole6) {
			z->pmeta.has_sinkhole6 = 1;
			memcpy(z->pmeta.sinkhole6, a, 16);
		} else {
			c->rep->duplicates++; /* one sinkhole address per family */
		}
		return 0;
	}
	if ((rc = flush(c)) < 0)
		return rc;
	if (!lst_tok_is(&t[i], "cname"))
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "local data of type %.*s",
				  (int)t[i].len, t[i].p);
	v = cname_action(&t[i + 1]);
	if (v < 0)
		return lst_reject(c, DG_LIST_SKIP_UNSUPPORTED, "CNAME %.*s (rewrite, tcp-only)",
				  (int)t[i + 1].len, t[i + 1].p);
	m.action = (enum dg_action)v;
	return lst_add(c, &name, &m);
}
