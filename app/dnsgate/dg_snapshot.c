/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot life cycle on the management core: build off the data path, publish with one
 * atomic store, wait one RCU grace period, fold the old snapshot's counters into the
 * totals, free it. Nothing here runs on a worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "dg_err.h"
#include "dg_snapshot.h"

static struct dg_snapshot *
snapshot_new(const struct dg_control *c, struct dg_filter *filter, struct dg_optout *optout)
{
	struct dg_snapshot *s = calloc(1, sizeof(*s));
	struct dg_filter_info info = { 0 };
	size_t bytes;

	if (s == NULL)
		return NULL;
	if (filter != NULL)
		dg_filter_info(filter, &info);
	s->filter = filter;
	s->optout = optout;
	s->n_idents = (uint32_t)info.idents;
	/* Rows padded to whole cache lines: no two workers write one line. */
	s->hits_stride = (uint32_t)((s->n_idents + 1 + 7) & ~7u);
	bytes = (size_t)s->hits_stride * c->app->n_workers * sizeof(uint64_t);
	s->hits = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes ? bytes : RTE_CACHE_LINE_SIZE);
	if (s->hits == NULL) {
		free(s);
		return NULL;
	}
	memset(s->hits, 0, bytes);
	s->generation = c->generation + 1;
	return s;
}

static void
total_add(struct dg_control *c, const char *ident, uint64_t hits)
{
	for (size_t i = 0; i < c->n_totals; i++) {
		if (strcmp(c->totals[i].identifier, ident) == 0) {
			c->totals[i].hits += hits;
			return;
		}
	}
	if (c->n_totals == c->cap_totals) {
		size_t cap = c->cap_totals ? 2 * c->cap_totals : 64;
		struct dg_ident_total *t = realloc(c->totals, cap * sizeof(*t));

		if (t == NULL)
			return; /* the figure is lost, the appliance goes on */
		c->totals = t;
		c->cap_totals = cap;
	}
	c->totals[c->n_totals].identifier = strdup(ident);
	if (c->totals[c->n_totals].identifier != NULL)
		c->totals[c->n_totals++].hits = hits;
}

/* Sum one identifier's row entries over the workers. */
static uint64_t
ident_hits(const struct dg_control *c, const struct dg_snapshot *s, uint32_t id)
{
	uint64_t h = 0;

	for (unsigned int w = 0; w < c->app->n_workers; w++)
		h += __atomic_load_n(&s->hits[(size_t)w * s->hits_stride + id], __ATOMIC_RELAXED);
	return h;
}

static void
retire(struct dg_control *c, struct dg_snapshot *old, const struct dg_snapshot *now)
{
	if (old == NULL)
		return;
	for (uint32_t id = 0; old->filter != NULL && id <= old->n_idents; id++) {
		const char *text = DG_IDENT_NONE;
		uint64_t h = ident_hits(c, old, id);

		if (h > 0 && (id == 0 || dg_filter_ident(old->filter, id, &text, NULL) == 0))
			total_add(c, text, h);
	}
	if (now == NULL || old->filter != now->filter)
		dg_filter_free(old->filter);
	if (now == NULL || old->optout != now->optout)
		dg_optout_free(old->optout);
	free(old->hits);
	free(old);
}

struct idmeta_walk {
	struct dg_control *c;
	const struct dg_entry_meta *last;
	size_t last_i;
};

static int
idmeta_cb(const uint8_t *wire, uint8_t len, enum dg_match_mode pos,
	  const struct dg_entry_meta *m, void *arg)
{
	struct idmeta_walk *w = arg;
	struct dg_control *c = w->c;
	size_t i;

	(void)wire;
	(void)len;
	(void)pos;
	if (m->identifier == NULL || m->action == DG_ACTION_ALLOW)
		return 0;
	if (m == w->last) {
		i = w->last_i;
	} else {
		for (i = 0; i < c->n_idmeta && strcmp(c->idmeta[i].identifier, m->identifier); i++)
			;
		if (i == c->n_idmeta)
			return 0;
		w->last = m;
		w->last_i = i;
	}
	if (m->category != NULL)
		c->idmeta[i].category = m->category;
	if (m->start_day < c->idmeta[i].start_day)
		c->idmeta[i].start_day = m->start_day;
	if (m->end_day > c->idmeta[i].end_day || c->idmeta[i].end_day == 0)
		c->idmeta[i].end_day = m->end_day;
	return 0;
}

/* Identifier, category, FQDN count and dates of the new filter, for history and reports. */
static void
refresh_idmeta(struct dg_control *c, const struct dg_filter *f)
{
	struct dg_filter_info fi = { 0 };
	struct idmeta_walk w = { c, NULL, 0 };

	free(c->idmeta);
	c->idmeta = NULL;
	c->n_idmeta = 0;
	if (f == NULL)
		return;
	dg_filter_info(f, &fi);
	c->idmeta = calloc(fi.idents + 1, sizeof(*c->idmeta));
	if (c->idmeta == NULL)
		return;
	for (uint32_t id = 1; id <= fi.idents; id++) {
		struct dg_ident_meta *m = &c->idmeta[c->n_idmeta];

		if (dg_filter_ident(f, id, &m->identifier, &m->fqdns) == 0) {
			m->start_day = UINT32_MAX;
			c->n_idmeta++;
		}
	}
	dg_filter_walk(f, idmeta_cb, &w);
	for (size_t i = 0; i < c->n_idmeta; i++)
		if (c->idmeta[i].start_day == UINT32_MAX)
			c->idmeta[i].start_day = 0;
}

const char *
dg_snapshot_ident_category(const struct dg_control *c, const char *ident)
{
	for (size_t i = 0; i < c->n_idmeta; i++)
		if (strcmp(c->idmeta[i].identifier, ident) == 0)
			return c->idmeta[i].category;
	return NULL;
}

/* One atomic store, then wait until every worker has passed a quiescent point. */
static void
publish(struct dg_control *c, struct dg_snapshot *s)
{
	struct dg_snapshot *old = c->app->snap;

	__atomic_store_n(&c->app->snap, s, __ATOMIC_RELEASE);
	if (c->app->qsbr != NULL)
		rte_rcu_qsbr_synchronize(c->app->qsbr, RTE_QSBR_THRID_INVALID);
	/* Records in the hit log rings may point into the old snapshot: write them first. */
	if (c->before_free != NULL)
		c->before_free(c->before_free_arg);
	c->generation = s->generation;
	if (old == NULL || old->filter != s->filter)
		refresh_idmeta(c, s->filter);
	retire(c, old, s);
}

int
dg_snapshot_parse_list_opts(const char *text, struct dg_list_opts *o, char *buf, size_t buflen,
			    char *err, size_t errlen)
{
	char *save = NULL, *tok;

	if (strlen(text) >= buflen)
		return dg_errf(err, errlen, -EINVAL, "list options too long");
	snprintf(buf, buflen, "%s", text);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		char *v = strchr(tok, '=');
		struct dg_entry_meta *m = &o->defaults;
		int x;

		if (v == NULL)
			return dg_errf(err, errlen, -EINVAL, "list option '%s': expected key=value", tok);
		*v++ = '\0';
		if (strcmp(tok, "identifier") == 0 || strcmp(tok, "id") == 0) {
			m->identifier = v;
		} else if (strcmp(tok, "category") == 0) {
			m->category = v;
		} else if (strcmp(tok, "action") == 0) {
			if ((x = dg_action_parse(v, strlen(v))) < 0)
				return dg_errf(err, errlen, -EINVAL, "list option action: unknown '%s'", v);
			m->action = (enum dg_action)x;
		} else if (strcmp(tok, "mode") == 0 || strcmp(tok, "match") == 0) {
			if ((x = dg_match_mode_parse(v, strlen(v))) < 0)
				return dg_errf(err, errlen, -EINVAL, "list option mode: unknown '%s'", v);
			o->mode = x;
		} else if (strcmp(tok, "start") == 0 || strcmp(tok, "end") == 0) {
			int end = tok[0] == 'e';

			if (dg_list_parse_day(v, strlen(v), end ? UINT32_MAX : 0,
					      end ? &m->end_day : &m->start_day) < 0)
				return dg_errf(err, errlen, -EINVAL, "list option %s: expected YYYY-MM-DD, got '%s'",
					    tok, v);
		} else if (strcmp(tok, "sinkhole4") == 0 || strcmp(tok, "sinkhole6") == 0) {
			struct dg_config_addr a;
			int six = tok[8] == '6';

			if (dg_config_parse_addr(v, &a) < 0 || a.family != (six ? 6 : 4))
				return dg_errf(err, errlen, -EINVAL, "list option %s: bad address '%s'", tok, v);
			if (six) {
				memcpy(m->sinkhole6, a.addr, 16);
				m->has_sinkhole6 = 1;
			} else {
				memcpy(m->sinkhole4, a.addr, 4);
				m->has_sinkhole4 = 1;
			}
		} else {
			return dg_errf(err, errlen, -EINVAL,
				    "list option '%s': unknown (identifier, category, action, mode, start, end, sinkhole4, sinkhole6)",
				    tok);
		}
	}
	return 0;
}

/* Every configured list into a fresh builder, then the journal on top. */
static int
load_lists(struct dg_control *c, FILE *report, struct dg_filter_builder **out, char *err,
	   size_t len)
{
	const struct dg_config *cfg = &c->app->cfg;
	struct dg_filter_builder *b;
	int rc = dg_filter_builder_create(&b, 0);

	if (rc < 0)
		return dg_errf(err, len, rc, "out of memory");
	for (unsigned int i = 0; i < cfg->n_lists; i++) {
		const struct dg_config_list *l = &cfg->lists[i];
		struct dg_list_opts o;
		char buf[DG_CONFIG_TEXT_MAX];

		dg_list_opts_init(&o);
		o.strict = cfg->strict;
		o.report = report;
		rc = dg_snapshot_parse_list_opts(l->opts, &o, buf, sizeof(buf), err, len);
		if (rc < 0) {
			char why[256];

			snprintf(why, sizeof(why), "%s", err);
			rc = dg_errf(err, len, rc, "%s:%u: %s", cfg->path, l->line, why);
			break;
		}
		rc = dg_lists_load(b, l->path, (enum dg_list_format)dg_list_format_parse(l->format),
				   &o, &c->reports[i]);
		if (rc < 0) {
			rc = dg_errf(err, len, rc, "%s:%u: list %s: %s%s", cfg->path, l->line, l->path,
				  strerror(-rc), rc == -EINVAL && cfg->strict ?
				  " (strict: a line was rejected, see above)" : "");
			break;
		}
	}
	for (size_t i = 0; rc == 0 && i < c->n_journal; i++) {
		const struct dg_journal_op *op = &c->journal[i];
		struct dg_entry_meta m = op->meta;
		int r;

		/* The journal array moves when it grows: point at its strings only now. */
		m.identifier = op->identifier[0] ? op->identifier : NULL;
		m.category = op->category[0] ? op->category : NULL;
		r = op->del ? dg_filter_builder_del(b, &op->name, m.mode, NULL) :
			      dg_filter_builder_add(b, &op->name, &m);

		if (r < 0)
			rc = dg_errf(err, len, r, "replaying a runtime change: %s", strerror(-r));
	}
	if (rc < 0) {
		dg_filter_builder_free(b);
		return rc;
	}
	c->n_reports = cfg->n_lists;
	*out = b;
	return 0;
}

int
dg_snapshot_reload(struct dg_control *c, FILE *report, char *err, size_t len)
{
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_snapshot *s;
	int rc = load_lists(c, report, &b, err, len);

	if (rc < 0)
		goto failed;
	rc = dg_filter_build(b, &f);
	if (rc < 0) {
		dg_filter_builder_free(b);
		rc = dg_errf(err, len, rc, "building the snapshot: %s", strerror(-rc));
		goto failed;
	}
	s = snapshot_new(c, f, c->app->snap ? c->app->snap->optout : NULL);
	if (s == NULL) {
		dg_filter_free(f);
		dg_filter_builder_free(b);
		rc = dg_errf(err, len, -ENOMEM, "out of memory");
		goto failed;
	}
	publish(c, s);
	dg_filter_builder_free(c->builder);
	c->builder = b;
	c->loaded_at = time(NULL);
	c->reloads_ok++;
	if (c->after_load != NULL)
		c->after_load(c->after_load_arg);
	return 0;
failed:
	c->reloads_failed++;
	return rc;
}

static int
journal_push(struct dg_control *c, int del, const struct dg_name *name,
	     const struct dg_entry_meta *meta)
{
	struct dg_journal_op *op;

	if (c->n_journal == c->cap_journal) {
		size_t cap = c->cap_journal ? 2 * c->cap_journal : 16;
		struct dg_journal_op *j = realloc(c->journal, cap * sizeof(*j));

		if (j == NULL)
			return -ENOMEM;
		c->journal = j;
		c->cap_journal = cap;
	}
	op = &c->journal[c->n_journal++];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->name = *name;
	op->meta = *meta;
	/* The journal outlives the caller's strings. */
	snprintf(op->identifier, sizeof(op->identifier), "%s", meta->identifier ? meta->identifier : "");
	snprintf(op->category, sizeof(op->category), "%s", meta->category ? meta->category : "");
	op->meta.identifier = NULL;
	op->meta.category = NULL;
	return 0;
}

int
dg_snapshot_change(struct dg_control *c, int del, const struct dg_name *name,
		   const struct dg_entry_meta *meta, char *err, size_t len)
{
	struct dg_filter *f;
	struct dg_snapshot *s;
	int rc = del ? dg_filter_builder_del(c->builder, name, meta->mode, NULL) :
		       dg_filter_builder_add(c->builder, name, meta);

	if (rc < 0)
		return dg_errf(err, len, rc, "%s", strerror(-rc));
	if (del && rc == 0)
		return dg_errf(err, len, -ENOENT, "no such entry");
	if (journal_push(c, del, name, meta) < 0)
		return dg_errf(err, len, -ENOMEM, "out of memory");
	rc = dg_filter_build(c->builder, &f);
	if (rc < 0)
		return dg_errf(err, len, rc, "building the snapshot: %s", strerror(-rc));
	s = snapshot_new(c, f, c->app->snap ? c->app->snap->optout : NULL);
	if (s == NULL) {
		dg_filter_free(f);
		return dg_errf(err, len, -ENOMEM, "out of memory");
	}
	publish(c, s);
	return 0;
}

int
dg_snapshot_set_optout(struct dg_control *c, struct dg_optout *t)
{
	struct dg_snapshot *s = snapshot_new(c, c->app->snap ? c->app->snap->filter : NULL, t);

	if (s == NULL) {
		dg_optout_free(t);
		return -ENOMEM;
	}
	/* The hit rows start again at zero: fold the old ones first (retire does). */
	publish(c, s);
	return 0;
}

const struct dg_snapshot *
dg_snapshot_current(const struct dg_control *c)
{
	return c->app->snap;
}

void
dg_snapshot_ident_totals(struct dg_control *c, void (*cb)(const char *, uint64_t, void *),
			 void *arg)
{
	const struct dg_snapshot *s = c->app->snap;
	size_t n = c->n_totals;
	struct dg_ident_total *t = malloc((n + (s ? s->n_idents : 0) + 1) * sizeof(*t));

	if (t == NULL)
		return;
	if (n > 0)
		memcpy(t, c->totals, n * sizeof(*t));
	/* The serving snapshot's rows on top of the retired totals, merged by name. */
	for (uint32_t id = 0; s != NULL && s->filter != NULL && id <= s->n_idents; id++) {
		const char *text = DG_IDENT_NONE;
		uint64_t h = ident_hits(c, s, id);
		size_t i;

		if (h == 0 || (id > 0 && dg_filter_ident(s->filter, id, &text, NULL) != 0))
			continue;
		for (i = 0; i < n && strcmp(t[i].identifier, text) != 0; i++)
			;
		if (i == n)
			t[n++] = (struct dg_ident_total){ .identifier = (char *)(uintptr_t)text };
		t[i].hits += h;
	}
	for (size_t i = 0; i < n; i++)
		cb(t[i].identifier, t[i].hits, arg);
	free(t);
}

int
dg_snapshot_init(struct dg_control *c, struct dg_app *app, char *err, size_t len)
{
	struct dg_optout *t = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	c->app = app;
	if (app->cfg.optout_file[0] != '\0') {
		rc = dg_optout_load(app->cfg.optout_file, &t, err, len);
		if (rc < 0)
			return rc;
	}
	app->snap = snapshot_new(c, NULL, t);
	if (app->snap == NULL) {
		dg_optout_free(t);
		return dg_errf(err, len, -ENOMEM, "out of memory");
	}
	c->generation = app->snap->generation;
	return dg_snapshot_reload(c, stderr, err, len);
}

void
dg_snapshot_fini(struct dg_control *c)
{
	retire(c, c->app->snap, NULL);
	c->app->snap = NULL;
	free(c->idmeta);
	dg_filter_builder_free(c->builder);
	for (size_t i = 0; i < c->n_totals; i++)
		free(c->totals[i].identifier);
	free(c->totals);
	free(c->journal);
	c->builder = NULL;
}
