/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RPZ zone files: the text side. Each record line becomes a dg_rpz_rr for the shared rules
 * (dg_rpz.c), which zone transfers use too. Owner names are relative to the zone: a
 * relative owner is the trigger name itself, an absolute one loses the $ORIGIN suffix.
 * $TTL, and the rest of a multi-line (SOA) record, are zone header.
 */
#include <errno.h>
#include <string.h>

#include "dg_lists.h"
#include "dg_rpz.h"
#include "lists_pvt.h"

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

static uint16_t
type_code(const struct lst_tok *t)
{
	static const struct {
		const char *name;
		uint16_t code;
	} types[] = {
		{ "a", DG_RPZ_TYPE_A }, { "ns", DG_RPZ_TYPE_NS }, { "cname", DG_RPZ_TYPE_CNAME },
		{ "soa", DG_RPZ_TYPE_SOA }, { "aaaa", DG_RPZ_TYPE_AAAA },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (lst_tok_is(t, types[i].name))
			return types[i].code;
	return 0;
}

/* A finished policy: added with the line of its first record. */
static int
emit(void *arg, const struct dg_name *name, const struct dg_entry_meta *m, unsigned long tag)
{
	struct lst_ctx *c = arg;
	unsigned long line = c->line;
	int rc;

	c->line = tag;
	rc = lst_add(c, name, m);
	c->line = line;
	return rc;
}

int
lst_rpz_finish(struct lst_ctx *c)
{
	return c->rpz.acc_ready ? dg_rpz_acc_flush(&c->rpz.acc) : 0;
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

/* Owner text to rr->owner (or rr->apex). 0, 1 (rejected), or < 0 (strict). */
static int
owner(struct lst_ctx *c, const struct lst_tok *o, struct dg_rpz_rr *rr, struct dg_name *n)
{
	struct lst_tok t = *o;
	int rc;

	if (lst_tok_is(&t, "@")) {
		rr->apex = 1;
		return 0;
	}
	rr->relative = !(t.len > 1 && t.p[t.len - 1] == '.' && t.p[t.len - 2] != '\\');
	if (t.len >= 2 && t.p[0] == '*' && t.p[1] == '.') {
		rr->wildcard = 1;
		t.p += 2;
		t.len -= 2;
	}
	rc = lst_name(c, t.p, t.len, LST_TEXT_ESCAPES, n);
	rr->owner = n;
	return rc;
}

int
lst_rpz_line(struct lst_ctx *c, char *s, size_t len)
{
	struct lst_rpz *z = &c->rpz;
	struct lst_tok t[LST_MAX_TOKENS], otok;
	struct dg_rpz_rr rr = { 0 };
	struct dg_rpz_policy pol;
	struct dg_name oname, target;
	uint8_t addr[16];
	char tname[16];
	int n, i = 0, rc;
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
	if (s[0] != ' ' && s[0] != '\t') {
		if (t[0].len >= sizeof(z->owner))
			return lst_reject(c, DG_LIST_SKIP_INVALID, "owner name too long");
		memcpy(z->owner, t[0].p, t[0].len);
		z->owner_len = t[0].len;
		i = 1;
	}
	otok.p = z->owner;
	otok.len = z->owner_len;
	for (int k = 0; k < 2 && i < n && (is_ttl(&t[i]) || is_class(&t[i])); k++)
		i++;
	if (i >= n)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "record without a type");
	if (otok.len == 0)
		return lst_reject(c, DG_LIST_SKIP_INVALID, "record without an owner");
	rc = owner(c, &otok, &rr, &oname);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	rr.origin = z->has_origin ? &z->origin : NULL;
	rr.type = type_code(&t[i]);
	snprintf(tname, sizeof(tname), "%.*s", (int)t[i].len, t[i].p);
	rr.type_name = tname;
	rr.rdata_fields = (unsigned int)(n - i - 1);
	if (rr.rdata_fields > 0) {
		rr.rdata_text = t[i + 1].p;
		rr.rdata_len = t[i + 1].len;
		if (rr.type == DG_RPZ_TYPE_A || rr.type == DG_RPZ_TYPE_AAAA)
			rr.addr = lst_addr(&t[i + 1], addr) == (rr.type == DG_RPZ_TYPE_A ? 4 : 6) ?
				  addr : NULL;
		else if (rr.type == DG_RPZ_TYPE_CNAME &&
			 dg_name_from_text(&target, t[i + 1].p, t[i + 1].len) == 0)
			rr.target = &target;
	}
	switch (dg_rpz_map(&rr, &pol)) {
	case DG_RPZ_HEADER:
		c->rep->ignored++;
		return 0;
	case DG_RPZ_REJECT:
		return lst_reject_kind(c, pol.why, pol.kind, pol.reason);
	case DG_RPZ_NOT_SUPPORTED:
		lst_not_supported(c, pol.reason);
		return 0;
	default:
		break;
	}
	if (!z->acc_ready) {
		dg_rpz_acc_init(&z->acc, c->o, emit, c);
		z->acc_ready = 1;
	}
	rc = dg_rpz_acc_add(&z->acc, &pol, c->line);
	if (rc == 1)
		c->rep->duplicates++; /* one sinkhole address per family */
	return rc < 0 ? rc : 0;
}
