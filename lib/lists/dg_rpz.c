/* SPDX-License-Identifier: BSD-3-Clause */
/* The RPZ rules (dg_rpz.h): one record to one policy, and A/AAAA records to one entry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "dg_list_rejects.h"
#include "dg_rpz.h"

static const char *const rpz_triggers[] = {
	"rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip", NULL,
};

static enum dg_rpz_kind
reject(struct dg_rpz_policy *out, enum dg_list_skip why, const char *fmt, ...)
{
	va_list ap;

	out->why = why;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	dg_list_reason_kind(fmt, out->kind, sizeof(out->kind));
	return DG_RPZ_REJECT;
}

/* Is label @p i of @p n exactly @p s (lower case)? */
static int
label_is(const struct dg_name *n, unsigned int i, const char *s)
{
	const uint8_t *l = n->wire + n->label[i];
	size_t len = strlen(s);

	return l[0] == len && memcmp(l + 1, s, len) == 0;
}

/* Remove the origin suffix of @p n: 0, 1 if @p n is the origin, 2 if not under it, -1. */
static int
strip_origin(const struct dg_name *origin, struct dg_name *n)
{
	for (unsigned int i = 0; i <= n->nlabels; i++) {
		size_t len;
		const uint8_t *w = dg_name_suffix(n, i, &len);
		uint8_t buf[DG_NAME_MAXLEN];

		if (len != origin->len || memcmp(w, origin->wire, len) != 0)
			continue;
		if (i == 0)
			return 1;
		memcpy(buf, n->wire, (size_t)(w - n->wire));
		buf[w - n->wire] = 0;
		return dg_name_from_wire(n, buf, (size_t)(w - n->wire) + 1, NULL) == 0 ? 0 : -1;
	}
	return 2;
}

/* Owner to trigger name and mode. DG_RPZ_POLICY (a trigger), _HEADER (the apex), _REJECT. */
static enum dg_rpz_kind
owner_trigger(const struct dg_rpz_rr *rr, struct dg_rpz_policy *out)
{
	int rc;

	out->name = *rr->owner;
	out->mode = rr->wildcard ? DG_MATCH_BELOW : DG_MATCH_EXACT;
	if (!rr->wildcard && out->name.nlabels > 0 && label_is(&out->name, 0, "*")) {
		out->mode = DG_MATCH_BELOW;
		if (dg_name_from_wire(&out->name, rr->owner->wire + 2, rr->owner->len - 2u,
				      NULL) != 0)
			return reject(out, DG_LIST_SKIP_INVALID, "bad owner name");
	}
	for (unsigned int i = 0; i < out->name.nlabels; i++)
		if (label_is(&out->name, i, "*"))
			return reject(out, DG_LIST_SKIP_UNSUPPORTED, "wildcard inside the owner name");
	if (!rr->relative && rr->origin != NULL) {
		rc = strip_origin(rr->origin, &out->name);
		if (rc < 0)
			return reject(out, DG_LIST_SKIP_INVALID, "bad owner name");
		if (rc == 2)
			return reject(out, DG_LIST_SKIP_INVALID, "owner outside $ORIGIN");
		if (rc == 1 && out->mode == DG_MATCH_EXACT)
			return DG_RPZ_HEADER;
		if (rc == 1 || out->name.nlabels == 0)
			return reject(out, DG_LIST_SKIP_UNSUPPORTED, "policy for the whole zone");
	}
	if (out->name.nlabels == 0)
		return reject(out, DG_LIST_SKIP_INVALID, "root name");
	for (const char *const *tr = rpz_triggers; *tr != NULL; tr++) {
		if (label_is(&out->name, out->name.nlabels - 1u, *tr)) {
			reject(out, DG_LIST_SKIP_NOT_SUPPORTED, "%s trigger", *tr);
			return DG_RPZ_NOT_SUPPORTED;
		}
	}
	return DG_RPZ_POLICY;
}

/* The policy a CNAME target stands for, or -1 (a rewrite or rpz-tcp-only). */
static int
cname_action(const struct dg_name *t)
{
	if (t->nlabels == 0)
		return DG_ACTION_NXDOMAIN;
	if (t->nlabels != 1)
		return -1;
	if (label_is(t, 0, "*"))
		return DG_ACTION_NODATA;
	if (label_is(t, 0, "rpz-passthru"))
		return DG_ACTION_ALLOW;
	if (label_is(t, 0, "rpz-drop"))
		return DG_ACTION_DROP;
	return -1;
}

enum dg_rpz_kind
dg_rpz_map(const struct dg_rpz_rr *rr, struct dg_rpz_policy *out)
{
	char tname[16], text[DG_NAME_TEXT_MAX];
	const char *ty = rr->type_name;
	enum dg_rpz_kind k = DG_RPZ_HEADER;
	int v;

	memset(out, 0, offsetof(struct dg_rpz_policy, reason));
	out->reason[0] = '\0';
	if (ty == NULL) {
		snprintf(tname, sizeof(tname), "TYPE%u", rr->type);
		ty = tname;
	}
	if (!rr->apex && ((k = owner_trigger(rr, out)) == DG_RPZ_REJECT ||
			  k == DG_RPZ_NOT_SUPPORTED))
		return k;
	if (rr->type == DG_RPZ_TYPE_SOA || rr->type == DG_RPZ_TYPE_NS) {
		if (k == DG_RPZ_HEADER || rr->origin == NULL)
			return DG_RPZ_HEADER;
		return reject(out, DG_LIST_SKIP_UNSUPPORTED, "%s record below the apex", ty);
	}
	if (k == DG_RPZ_HEADER)
		return reject(out, DG_LIST_SKIP_UNSUPPORTED, "%s record at the zone apex", ty);
	if (rr->type != DG_RPZ_TYPE_A && rr->type != DG_RPZ_TYPE_AAAA &&
	    rr->type != DG_RPZ_TYPE_CNAME)
		return reject(out, DG_LIST_SKIP_UNSUPPORTED, "local data of type %s", ty);
	if (rr->rdata_fields != 1)
		return reject(out, DG_LIST_SKIP_INVALID, "expected one rdata field");
	if (rr->type != DG_RPZ_TYPE_CNAME) {
		out->family = rr->type == DG_RPZ_TYPE_A ? 4 : 6;
		if (rr->addr == NULL)
			return reject(out, DG_LIST_SKIP_INVALID, "bad address '%.*s'",
				      (int)rr->rdata_len, rr->rdata_text ? rr->rdata_text : "");
		memcpy(out->addr, rr->addr, out->family == 4 ? 4 : 16);
		out->action = DG_ACTION_SINKHOLE;
		return DG_RPZ_POLICY;
	}
	v = rr->target != NULL ? cname_action(rr->target) : -1;
	if (v >= 0) {
		out->action = (enum dg_action)v;
		return DG_RPZ_POLICY;
	}
	if (rr->rdata_text == NULL && rr->target != NULL &&
	    dg_name_to_text(rr->target->wire, rr->target->len, text, sizeof(text)) >= 0)
		return reject(out, DG_LIST_SKIP_UNSUPPORTED, "CNAME %s (rewrite, tcp-only)", text);
	return reject(out, DG_LIST_SKIP_UNSUPPORTED, "CNAME %.*s (rewrite, tcp-only)",
		      (int)rr->rdata_len, rr->rdata_text ? rr->rdata_text : "");
}

void
dg_rpz_acc_init(struct dg_rpz_acc *a, const struct dg_list_opts *opts, dg_rpz_emit_fn emit,
		void *arg)
{
	memset(a, 0, sizeof(*a));
	a->opts = opts;
	a->emit = emit;
	a->arg = arg;
}

/* The feed's or list's action override, on anything but an allow. */
static void
override(const struct dg_rpz_acc *a, struct dg_entry_meta *m)
{
	if (a->opts->rpz_action < 0 || m->action == DG_ACTION_ALLOW)
		return;
	m->action = (enum dg_action)a->opts->rpz_action;
	if (m->action != DG_ACTION_SINKHOLE)
		m->has_sinkhole4 = m->has_sinkhole6 = 0;
}

int
dg_rpz_acc_flush(struct dg_rpz_acc *a)
{
	if (!a->pending)
		return 0;
	a->pending = 0;
	override(a, &a->pmeta);
	return a->emit(a->arg, &a->pname, &a->pmeta, a->ptag);
}

int
dg_rpz_acc_add(struct dg_rpz_acc *a, const struct dg_rpz_policy *p, unsigned long tag)
{
	struct dg_entry_meta m = a->opts->defaults;
	int rc;

	if (p->family != 0) {
		if (!a->pending || a->pmeta.mode != p->mode || a->pname.len != p->name.len ||
		    memcmp(a->pname.wire, p->name.wire, p->name.len) != 0) {
			if ((rc = dg_rpz_acc_flush(a)) < 0)
				return rc;
			a->pending = 1;
			a->ptag = tag;
			a->pname = p->name;
			a->pmeta = m;
			a->pmeta.mode = p->mode;
			a->pmeta.action = DG_ACTION_SINKHOLE;
			a->pmeta.has_sinkhole4 = a->pmeta.has_sinkhole6 = 0;
		}
		if (p->family == 4 && !a->pmeta.has_sinkhole4) {
			a->pmeta.has_sinkhole4 = 1;
			memcpy(a->pmeta.sinkhole4, p->addr, 4);
		} else if (p->family == 6 && !a->pmeta.has_sinkhole6) {
			a->pmeta.has_sinkhole6 = 1;
			memcpy(a->pmeta.sinkhole6, p->addr, 16);
		} else {
			return 1; /* one sinkhole address per family */
		}
		return 0;
	}
	if ((rc = dg_rpz_acc_flush(a)) < 0)
		return rc;
	m.mode = p->mode;
	m.action = p->action;
	override(a, &m);
	return a->emit(a->arg, &p->name, &m, tag);
}
