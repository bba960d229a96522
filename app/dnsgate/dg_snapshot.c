/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshot life cycle on the management core: publish with one atomic store, wait one RCU
 * grace period, fold the old snapshot's counters into the identifier totals, free what the
 * new one does not share. Runtime changes and feeds' IXFR go to the delta: a small second
 * layer over the base, rebuilt whole on every change. Nothing here runs on a worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_rcu_qsbr.h>

#include "dg_build.h"
#include "dg_err.h"
#include "dg_snapshot_pvt.h"

static struct dg_snapshot *
snapshot_new(const struct dg_control *c, struct dg_filter *base, struct dg_filter *delta,
	     struct dg_optout *optout)
{
	struct dg_snapshot *s = calloc(1, sizeof(*s));
	struct dg_filter_info bi = { 0 }, di = { 0 };
	size_t bytes;

	if (s == NULL)
		return NULL;
	if (base != NULL)
		dg_filter_info(base, &bi);
	if (delta != NULL)
		dg_filter_info(delta, &di);
	s->filter = base;
	s->delta = delta;
	s->optout = optout;
	if (c->quar_staged) {
		s->quar_prefixes = c->quar_next_prefixes;
		s->quarantine = c->quar_next;
	} else if (c->app->snap != NULL) {
		s->quar_prefixes = c->app->snap->quar_prefixes;
		s->quarantine = c->app->snap->quarantine;
	}
	if (c->respip_staged)
		s->respip = c->respip_next;
	else if (c->app->snap != NULL)
		s->respip = c->app->snap->respip;
	s->n_idents = (uint32_t)(bi.idents + (s->delta != NULL ? di.idents : 0));
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

/* Sum one identifier's row entries over the workers. */
static uint64_t
ident_hits(const struct dg_control *c, const struct dg_snapshot *s, uint32_t id)
{
	uint64_t h = 0;

	for (unsigned int w = 0; w < c->app->n_workers; w++)
		h += __atomic_load_n(&s->hits[(size_t)w * s->hits_stride + id], __ATOMIC_RELAXED);
	return h;
}

/* The text identifier @p id of snapshot @p s is counted under. */
static const char *
ident_text(const struct dg_snapshot *s, uint32_t id)
{
	const char *text = DG_IDENT_NONE;

	if (id > 0 && dg_filter_ident2(s->filter, s->delta, id, &text, NULL) != 0)
		return NULL;
	return text;
}

static void
free_parts(struct dg_snapshot *r)
{
	dg_filter_free(r->filter);
	dg_filter_free(r->delta);
	dg_optout_free(r->optout);
	dg_optout_free(r->quar_prefixes);
	dg_quarantine_free(r->quarantine);
	dg_respip_free(r->respip);
	free(r);
}

struct freeing {
	struct dg_snapshot *r;
	unsigned int *running;
};

static void *
free_thread(void *arg)
{
	struct freeing f = *(struct freeing *)arg;

	free(arg);
	free_parts(f.r);
	__atomic_sub_fetch(f.running, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Free @p r on a thread of its own; 0, or a negative errno (then nothing was started). */
static int
free_detached(struct dg_control *c, struct dg_snapshot *r)
{
	struct freeing *f = malloc(sizeof(*f));
	pthread_attr_t at;
	pthread_t t;
	int rc;

	if (f == NULL)
		return -ENOMEM;
	*f = (struct freeing){ .r = r, .running = &c->freeing };
	rc = pthread_attr_init(&at);
	if (rc == 0) {
		rc = pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		__atomic_add_fetch(&c->freeing, 1, __ATOMIC_RELAXED);
		if (rc == 0)
			rc = pthread_create(&t, &at, free_thread, f);
		if (rc != 0)
			__atomic_sub_fetch(&c->freeing, 1, __ATOMIC_RELAXED);
		pthread_attr_destroy(&at);
	}
	if (rc != 0)
		free(f);
	return -rc;
}

void
dg_snapshot_reap(struct dg_control *c, bool all)
{
	struct dg_snapshot *r;

	while ((r = c->retired) != NULL &&
	       (all || c->log_passed == NULL || c->log_passed(c->log_arg, r->log_pos))) {
		c->retired = r->next_retired;
		/*
		 * Giving a large base back to the kernel takes long enough to stall the loop
		 * that answers the control socket: on a thread of its own. At shutdown, here.
		 */
		if (all || r->filter == NULL || free_detached(c, r) != 0)
			free_parts(r);
	}
	/* At shutdown nothing may still be freeing when the process tears down. */
	while (all && __atomic_load_n(&c->freeing, __ATOMIC_ACQUIRE) > 0)
		usleep(1000);
}

/*
 * After a grace period: fold @p old's counters into the identifier totals; what @p now
 * does not share is freed once the hit log has written the records that point into it.
 */
static void
retire(struct dg_control *c, struct dg_snapshot *old, const struct dg_snapshot *now)
{
	struct dg_snapshot **tail = &c->retired;

	if (old == NULL)
		return;
	for (uint32_t id = 0; old->filter != NULL && id <= old->n_idents; id++) {
		uint64_t h = ident_hits(c, old, id);
		const char *text = h > 0 ? ident_text(old, id) : NULL;
		struct dg_ident_meta *e;

		/* a figure that finds no room is lost; the appliance goes on */
		if (text != NULL && (e = dg_idents_get(c->idents, text, true)) != NULL)
			e->hits += h;
	}
	if (now != NULL && old->filter == now->filter)
		old->filter = NULL;
	if (now != NULL && old->delta == now->delta)
		old->delta = NULL;
	if (now != NULL && old->optout == now->optout)
		old->optout = NULL;
	if (now != NULL && old->quar_prefixes == now->quar_prefixes)
		old->quar_prefixes = NULL;
	if (now != NULL && old->quarantine == now->quarantine)
		old->quarantine = NULL;
	if (now != NULL && old->respip == now->respip)
		old->respip = NULL;
	free(old->hits);
	old->hits = NULL;
	if (c->log_mark != NULL)
		c->log_mark(c->log_arg, old->log_pos);
	while (*tail != NULL)
		tail = &(*tail)->next_retired;
	old->next_retired = NULL;
	*tail = old;
	dg_snapshot_reap(c, false);
}

const char *
dg_snapshot_ident_category(const struct dg_control *c, const char *ident)
{
	const struct dg_ident_meta *e = dg_idents_get(c->idents, ident, false);

	return e != NULL ? e->category : NULL;
}

int
dg_snapshot_publish(struct dg_control *c, struct dg_filter *base, struct dg_filter *delta,
		    struct dg_optout *optout)
{
	struct dg_snapshot *old = c->app->snap, *s = snapshot_new(c, base, delta, optout);

	if (s == NULL)
		return -ENOMEM;
	c->quar_staged = false; /* the new snapshot owns what was staged */
	c->quar_next = NULL;
	c->quar_next_prefixes = NULL;
	if (c->respip_staged) {
		c->respip_rep = c->respip_rep_next;
		c->respip_staged = false;
		c->respip_next = NULL;
	}
	__atomic_store_n(&c->app->snap, s, __ATOMIC_RELEASE);
	if (c->app->qsbr != NULL)
		rte_rcu_qsbr_synchronize(c->app->qsbr, RTE_QSBR_THRID_INVALID);
	c->generation = s->generation;
	c->meta_dirty = true;
	retire(c, old, s);
	return 0;
}

int
dg_snapshot_delta_new(struct dg_control *c, struct dg_filter_builder **db)
{
	int rc = dg_filter_builder_create(db, 0);

	if (rc == 0)
		dg_filter_builder_set_meta_fn(*db, dg_control_resolve_meta, &c->app->cfg);
	return rc;
}

int
dg_snapshot_delta_build(const struct dg_filter_builder *db, struct dg_filter **out)
{
	*out = NULL;
	return dg_filter_builder_count(db) == 0 ? 0 : dg_filter_build(db, out);
}

/* The delta as the builder holds it now, published beside the serving base. */
static int
delta_publish(struct dg_control *c, char *err, size_t len)
{
	const struct dg_snapshot *cur = c->app->snap;
	struct dg_filter *d;
	int rc = dg_snapshot_delta_build(c->delta_b, &d);

	if (rc < 0)
		return dg_errf(err, len, rc, "building the delta: %s", strerror(-rc));
	rc = dg_snapshot_publish(c, cur->filter, d, cur->optout);
	if (rc < 0) {
		dg_filter_free(d);
		return dg_errf(err, len, rc, "out of memory");
	}
	return 0;
}

/* Keep a change made during a full build, to make it again on the build's result. */
static int
pending_push(struct dg_control *c, const struct dg_pending *p)
{
	struct dg_pending *q;

	if (c->build == NULL)
		return 0;
	if (c->n_pending == c->cap_pending) {
		size_t cap = c->cap_pending ? 2 * c->cap_pending : 64;

		q = realloc(c->pending, cap * sizeof(*q));
		if (q == NULL)
			return -ENOMEM;
		c->pending = q;
		c->cap_pending = cap;
	}
	q = &c->pending[c->n_pending];
	*q = *p;
	q->meta.identifier = p->meta.identifier ? strdup(p->meta.identifier) : NULL;
	q->meta.category = p->meta.category ? strdup(p->meta.category) : NULL;
	if ((p->meta.identifier && !q->meta.identifier) ||
	    (p->meta.category && !q->meta.category)) {
		free((char *)(uintptr_t)q->meta.identifier);
		free((char *)(uintptr_t)q->meta.category);
		return -ENOMEM;
	}
	c->n_pending++;
	return 0;
}

void
dg_snapshot_pending_clear(struct dg_control *c)
{
	for (size_t i = 0; i < c->n_pending; i++) {
		free((char *)(uintptr_t)c->pending[i].meta.identifier);
		free((char *)(uintptr_t)c->pending[i].meta.category);
	}
	c->n_pending = 0;
}

/* A build that cannot keep a change made during it must not publish without it. */
static void
pending_lost(struct dg_control *c)
{
	fprintf(stderr, "dnsgate: out of memory keeping a change made during the build: its "
		"result will be dropped\n");
	c->pending_failed = true;
}

int
dg_snapshot_apply(struct dg_control *c, const struct dg_snapshot_op *ops, size_t n,
		  char *err, size_t len)
{
	const struct dg_filter *base = c->app->snap->filter;
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct dg_pending p = { .feed = true, .del = ops[i].del, .name = *ops[i].name,
					.meta = *ops[i].meta };

		rc = dg_control_delta_feed(c->delta_b, base, ops[i].del, ops[i].name, ops[i].meta);
		if (rc < 0)
			return dg_errf(err, len, rc, "%s", strerror(-rc));
		if (!c->pending_failed && pending_push(c, &p) < 0)
			pending_lost(c);
	}
	rc = delta_publish(c, err, len);
	if (rc < 0)
		return rc;
	c->feed_ops += n;
	dg_snapshot_maybe_fold(c);
	return 0;
}

/* An entry change on the delta, then a new snapshot with the same base and opt-out table. */
static int
change_entry(struct dg_control *c, const struct dg_journal_op *op, char *err, size_t len)
{
	struct dg_pending p = { .jidx = dg_journal_count(c->journal) - 1 };
	int rc;

	if (!c->pending_failed && pending_push(c, &p) < 0)
		pending_lost(c);
	rc = dg_control_delta_change(c->delta_b, c->app->snap->filter, op);
	if (rc < 0)
		return dg_errf(err, len, rc, "%s", strerror(-rc));
	return delta_publish(c, err, len);
}

/* An opt-out change: a new table, the filter stays. */
static int
change_optout(struct dg_control *c, const struct dg_journal_op *op, struct dg_optout **t,
	      char *err, size_t len)
{
	const struct dg_optout *cur = c->app->snap->optout;
	int rc = op->kind == DG_JOURNAL_OPTOUT_ADD ? dg_optout_with_added(cur, &op->prefix, t) :
						     dg_optout_with_deleted(cur, &op->prefix, t);

	if (rc == -EEXIST)
		return dg_errf(err, len, rc, "prefix already opted out");
	if (rc == -ENOENT)
		return dg_errf(err, len, rc, "prefix not opted out");
	if (rc < 0)
		return dg_errf(err, len, rc, "%s", strerror(-rc));
	return 0;
}

/* A quarantine change: a new prefix table beside the same policy, the filter stays. */
static int
change_quarantine(struct dg_control *c, const struct dg_journal_op *op, char *err, size_t len)
{
	const struct dg_snapshot *s = c->app->snap;
	struct dg_optout *t = NULL;
	int rc;

	if (s->quarantine == NULL)
		return dg_errf(err, len, -EAGAIN, "no quarantine policy yet (first build running)");
	rc = op->kind == DG_JOURNAL_QUARANTINE_ADD ?
		dg_optout_with_added(s->quar_prefixes, &op->prefix, &t) :
		dg_optout_with_deleted(s->quar_prefixes, &op->prefix, &t);
	if (rc == -EEXIST)
		return dg_errf(err, len, rc, "prefix already quarantined");
	if (rc == -ENOENT)
		return dg_errf(err, len, rc, "prefix not quarantined");
	if (rc < 0)
		return dg_errf(err, len, rc, "%s", strerror(-rc));
	/* durable before it serves and before it is acknowledged */
	rc = dg_journal_append(c->journal, op, err, len);
	if (rc < 0) {
		dg_optout_free(t);
		return rc;
	}
	dg_snapshot_quarantine_stage(c, s->quarantine, t);
	rc = dg_snapshot_publish(c, s->filter, s->delta, s->optout);
	if (rc < 0) {
		dg_snapshot_quarantine_unstage(c);
		return dg_errf(err, len, rc, "journaled, but not serving (out of memory): the "
			       "next reload or start applies it");
	}
	return 0;
}

/* Would a delete of @p op remove a policy? Asked of the layer that decides the name. */
static int
del_finds(const struct dg_control *c, const struct dg_journal_op *op)
{
	const struct dg_snapshot *s = c->app->snap;
	struct dg_filter_policy pol[DG_FILTER_POLICIES_MAX];
	const struct dg_filter *f = s->filter;
	int n;

	if (dg_filter_builder_has(c->delta_b, &op->name) == 1)
		f = s->delta;
	n = f != NULL ? dg_filter_get(f, &op->name, pol, DG_FILTER_POLICIES_MAX) : 0;
	for (int i = 0; i < n && i < DG_FILTER_POLICIES_MAX; i++)
		if (op->meta.mode == DG_MATCH_SUBTREE || pol[i].pos == op->meta.mode)
			return 1;
	return 0;
}

int
dg_snapshot_change(struct dg_control *c, const struct dg_journal_op *op, char *err,
		   size_t len)
{
	struct dg_optout *t = NULL;
	char why[DG_CONFIG_ERR_MAX];
	int rc;

	switch (op->kind) {
	case DG_JOURNAL_ADD:
	case DG_JOURNAL_DEL:
		if (op->kind == DG_JOURNAL_ADD && op->meta.end_day < op->meta.start_day)
			return dg_errf(err, len, -EINVAL, "end date before start date");
		/* Only a del that removes something is journaled. */
		if (op->kind == DG_JOURNAL_DEL && !del_finds(c, op))
			return dg_errf(err, len, -ENOENT, "no such entry");
		/* durable before it serves and before it is acknowledged */
		rc = dg_journal_append(c->journal, op, err, len);
		if (rc < 0)
			return rc;
		rc = change_entry(c, op, why, sizeof(why));
		if (rc < 0)
			return dg_errf(err, len, rc, "journaled, but not serving (%s): the next "
				       "reload or start applies it", why);
		return 0;
	case DG_JOURNAL_QUARANTINE_ADD:
	case DG_JOURNAL_QUARANTINE_DEL:
		return change_quarantine(c, op, err, len);
	default:
		rc = change_optout(c, op, &t, err, len);
		if (rc == 0)
			rc = dg_journal_append(c->journal, op, err, len);
		if (rc == 0 && dg_snapshot_publish(c, c->app->snap->filter, c->app->snap->delta,
						   t) < 0)
			rc = dg_errf(err, len, -ENOMEM, "out of memory");
		if (rc < 0)
			dg_optout_free(t);
		return rc;
	}
}

const struct dg_snapshot *
dg_snapshot_current(const struct dg_control *c)
{
	return c->app->snap;
}

size_t
dg_snapshot_delta_names(const struct dg_control *c)
{
	return c->delta_b != NULL ? dg_filter_builder_count(c->delta_b) : 0;
}

uint64_t
dg_snapshot_active(const struct dg_control *c)
{
	const struct dg_snapshot *s = c->app->snap;

	if (s->filter == NULL)
		return 0;
	return dg_control_count_active(s->filter, c->base_active, s->delta, c->app->today);
}

void
dg_snapshot_ident_totals(struct dg_control *c, void (*cb)(const char *, uint64_t, void *),
			 void *arg)
{
	const struct dg_snapshot *s = c->app->snap;
	size_t n;
	uint64_t *live;

	/* The serving snapshot's rows on top of the retired totals, merged by name. */
	for (uint32_t id = 0; s != NULL && s->filter != NULL && id <= s->n_idents; id++) {
		const char *text = ident_hits(c, s, id) > 0 ? ident_text(s, id) : NULL;

		if (text != NULL)
			dg_idents_get(c->idents, text, true);
	}
	n = dg_idents_count(c->idents);
	live = calloc(n + 1, sizeof(*live));
	if (live == NULL)
		return;
	for (uint32_t id = 0; s != NULL && s->filter != NULL && id <= s->n_idents; id++) {
		uint64_t h = ident_hits(c, s, id);
		const char *text = h > 0 ? ident_text(s, id) : NULL;
		struct dg_ident_meta *e;

		if (text != NULL && (e = dg_idents_get(c->idents, text, false)) != NULL)
			live[e - dg_idents_at(c->idents, 0)] += h;
	}
	for (size_t i = 0; i < n; i++) {
		const struct dg_ident_meta *e = dg_idents_at(c->idents, i);

		if (e->hits + live[i] > 0)
			cb(e->identifier, e->hits + live[i], arg);
	}
	free(live);
}

void
dg_snapshot_fini(struct dg_control *c)
{
	if (c->build != NULL) {
		dg_build_join(c->build);
		free(c->build);
		c->build = NULL;
	}
	dg_snapshot_quarantine_unstage(c);
	dg_snapshot_respip_unstage(c);
	if (c->app->snap != NULL)
		retire(c, c->app->snap, NULL);
	c->app->snap = NULL;
	dg_snapshot_reap(c, true); /* the hit log has stopped */
	dg_snapshot_pending_clear(c);
	free(c->pending);
	dg_filter_builder_free(c->delta_b);
	dg_journal_close(c->journal);
	dg_idents_free(c->idents);
	dg_idents_free(c->base_meta);
	for (unsigned int i = 0; i < DG_CONFIG_MAX_LISTS; i++)
		dg_list_rejects_free(c->rejects[i]);
	c->delta_b = NULL;
	c->pending = NULL;
}
