/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A feed's zone copy: owners in an ldns red-black tree, each with its records in canonical
 * form, sorted so that A and AAAA come first (the zone file is written in that order, and
 * the RPZ rules merge the A and AAAA records of one trigger when they come together).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed_pvt.h"

enum { FZ_OWNER_POLICIES_MAX = 64 };

static int
name_cmp(const struct dg_name *a, const struct dg_name *b)
{
	int d = memcmp(a->wire, b->wire, a->len < b->len ? a->len : b->len);

	return d != 0 ? d : (int)a->len - (int)b->len;
}

static int
owner_cmp(const void *a, const void *b)
{
	return name_cmp(&((const struct fz_owner *)a)->name, &((const struct fz_owner *)b)->name);
}

struct fz_zone *
fz_zone_new(const struct dg_name *origin)
{
	struct fz_zone *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	z->tree = ldns_rbtree_create(owner_cmp);
	if (z->tree == NULL) {
		free(z);
		return NULL;
	}
	z->origin = *origin;
	return z;
}

static void
owner_free(ldns_rbnode_t *node, void *arg)
{
	struct fz_owner *o = (struct fz_owner *)node;

	(void)arg;
	for (uint32_t i = 0; i < o->n; i++)
		free(o->rrs[i]);
	free(o->rrs);
	free(o);
}

void
fz_zone_free(struct fz_zone *z)
{
	if (z == NULL)
		return;
	ldns_traverse_postorder(z->tree, owner_free, NULL);
	ldns_rbtree_free(z->tree);
	free(z->soa);
	free(z);
}

struct fz_owner *
fz_owner_find(struct fz_zone *z, const struct dg_name *o)
{
	struct fz_owner key;
	ldns_rbnode_t *n;

	key.name = *o;
	n = ldns_rbtree_search(z->tree, &key);
	return n == NULL || n == LDNS_RBTREE_NULL ? NULL : (struct fz_owner *)n;
}

int
fz_rr_from_ldns(const ldns_rr *rr, struct dg_name *owner, struct fz_rr **out)
{
	const ldns_rdf *o = ldns_rr_owner(rr);
	ldns_rr *canon;
	ldns_buffer *buf;
	struct fz_rr *r = NULL;
	int rc = -EINVAL;

	if (o == NULL || ldns_rdf_get_type(o) != LDNS_RDF_TYPE_DNAME ||
	    dg_name_from_wire(owner, ldns_rdf_data(o), ldns_rdf_size(o), NULL) != 0)
		return -EINVAL;
	canon = ldns_rr_clone(rr);
	buf = ldns_buffer_new(512);
	if (canon == NULL || buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	ldns_rr2canonical(canon);
	if (ldns_rr_rdata2buffer_wire(buf, canon) != LDNS_STATUS_OK ||
	    ldns_buffer_position(buf) > UINT16_MAX)
		goto out;
	r = malloc(sizeof(*r) + ldns_buffer_position(buf));
	if (r == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	r->type = (uint16_t)ldns_rr_get_type(rr);
	r->rclass = (uint16_t)ldns_rr_get_class(rr);
	r->ttl = ldns_rr_ttl(rr);
	r->rdlen = (uint16_t)ldns_buffer_position(buf);
	memcpy(r->rdata, ldns_buffer_begin(buf), r->rdlen);
	*out = r;
	rc = 0;
out:
	ldns_rr_free(canon);
	ldns_buffer_free(buf);
	return rc;
}

/* A and AAAA first, then by type, then rdata. */
static int
rr_cmp(const struct fz_rr *a, const struct fz_rr *b)
{
	int ra = a->type != DG_RPZ_TYPE_A && a->type != DG_RPZ_TYPE_AAAA;
	int rb = b->type != DG_RPZ_TYPE_A && b->type != DG_RPZ_TYPE_AAAA;
	int d;

	if (ra != rb)
		return ra - rb;
	if (a->type != b->type)
		return (int)a->type - (int)b->type;
	if (a->rclass != b->rclass)
		return (int)a->rclass - (int)b->rclass;
	d = memcmp(a->rdata, b->rdata, a->rdlen < b->rdlen ? a->rdlen : b->rdlen);
	return d != 0 ? d : (int)a->rdlen - (int)b->rdlen;
}

/* Index of @p r in @p o, or where it would go (*found 0). */
static uint32_t
rr_find(const struct fz_owner *o, const struct fz_rr *r, int *found)
{
	uint32_t lo = 0, hi = o->n;

	*found = 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int d = rr_cmp(o->rrs[mid], r);

		if (d == 0) {
			*found = 1;
			return mid;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
is_apex_soa(const struct fz_zone *z, const struct dg_name *owner, const struct fz_rr *rr)
{
	return rr->type == DG_RPZ_TYPE_SOA && name_cmp(owner, &z->origin) == 0;
}

int
fz_add(struct fz_zone *z, const struct dg_name *owner, struct fz_rr *rr)
{
	struct fz_owner *o;
	uint32_t at;
	int found;

	if (is_apex_soa(z, owner, rr)) {
		z->records += z->soa == NULL;
		free(z->soa);
		z->soa = rr;
		return 0;
	}
	if (z->records >= FEED_MAX_RRS) {
		free(rr);
		return -EFBIG;
	}
	o = fz_owner_find(z, owner);
	if (o == NULL) {
		o = calloc(1, sizeof(*o));
		if (o == NULL) {
			free(rr);
			return -ENOMEM;
		}
		o->name = *owner;
		o->node.key = o;
		ldns_rbtree_insert(z->tree, &o->node);
	}
	at = rr_find(o, rr, &found);
	if (found) {
		free(rr);
		return 1;
	}
	if (o->n == o->cap) {
		uint32_t cap = o->cap ? 2 * o->cap : 2;
		struct fz_rr **a = realloc(o->rrs, cap * sizeof(*a));

		if (a == NULL) {
			free(rr);
			return -ENOMEM;
		}
		o->rrs = a;
		o->cap = cap;
	}
	memmove(&o->rrs[at + 1], &o->rrs[at], (o->n - at) * sizeof(*o->rrs));
	o->rrs[at] = rr;
	o->n++;
	z->records++;
	return 0;
}

int
fz_del(struct fz_zone *z, const struct dg_name *owner, const struct fz_rr *rr)
{
	struct fz_owner *o = fz_owner_find(z, owner);
	uint32_t at;
	int found;

	if (o == NULL)
		return -ENOENT;
	at = rr_find(o, rr, &found);
	if (!found)
		return -ENOENT;
	free(o->rrs[at]);
	memmove(&o->rrs[at], &o->rrs[at + 1], (o->n - at - 1) * sizeof(*o->rrs));
	o->n--;
	z->records--;
	if (o->n == 0) {
		ldns_rbtree_delete(z->tree, o);
		owner_free(&o->node, NULL);
	}
	return 0;
}

/* SOA rdata field @p i (2 serial, 3 refresh, 4 retry), after the two names. */
static uint32_t
soa_field(const struct fz_rr *soa, int i)
{
	size_t off = 0, used;
	struct dg_name n;
	uint32_t v;

	for (int k = 0; k < 2; k++) {
		if (dg_name_from_wire(&n, soa->rdata + off, soa->rdlen - off, &used) != 0)
			return 0;
		off += used;
	}
	off += (size_t)(i - 2) * 4;
	if (off + 4 > soa->rdlen)
		return 0;
	memcpy(&v, soa->rdata + off, 4);
	return ntohl(v);
}

uint32_t
fz_serial(const struct fz_zone *z)
{
	return z->soa != NULL ? soa_field(z->soa, 2) : 0;
}

uint32_t
fz_soa_timer(const struct fz_zone *z, int i)
{
	return z->soa != NULL ? soa_field(z->soa, i) : 0;
}

struct pol_out {
	struct fz_policy *p;
	int n, max;
};

static int
pol_emit(void *arg, const struct dg_name *name, const struct dg_entry_meta *m,
	 unsigned long tag)
{
	struct pol_out *o = arg;

	(void)tag;
	if (o->n >= o->max)
		return -E2BIG;
	o->p[o->n].name = *name;
	o->p[o->n++].meta = *m;
	return 0;
}

int
fz_owner_policies(const struct feed *f, const struct fz_owner *o, struct fz_policy *out,
		  int max)
{
	struct pol_out po = { out, 0, max };
	struct dg_rpz_acc acc;
	int rc = 0;

	if (o == NULL)
		return 0;
	dg_rpz_acc_init(&acc, &f->lopts, pol_emit, &po);
	for (uint32_t i = 0; i < o->n && rc >= 0; i++) {
		const struct fz_rr *r = o->rrs[i];
		struct dg_rpz_rr rr = { .owner = &o->name, .origin = &f->origin, .type = r->type,
					.rdata_fields = 1 };
		struct dg_rpz_policy pol;
		struct dg_name target;

		if (r->type == DG_RPZ_TYPE_CNAME &&
		    dg_name_from_wire(&target, r->rdata, r->rdlen, NULL) == 0)
			rr.target = &target;
		if ((r->type == DG_RPZ_TYPE_A && r->rdlen == 4) ||
		    (r->type == DG_RPZ_TYPE_AAAA && r->rdlen == 16))
			rr.addr = r->rdata;
		if (dg_rpz_map(&rr, &pol) == DG_RPZ_POLICY)
			rc = dg_rpz_acc_add(&acc, &pol, 0);
	}
	if (rc >= 0)
		rc = dg_rpz_acc_flush(&acc);
	return rc < 0 ? rc : po.n;
}

void
fz_count_policies(const struct feed *f, struct fz_zone *z)
{
	struct fz_policy p[FZ_OWNER_POLICIES_MAX];
	struct fz_owner *o;

	z->policies = 0;
	LDNS_RBTREE_FOR(o, struct fz_owner *, z->tree) {
		int n = fz_owner_policies(f, o, p, FZ_OWNER_POLICIES_MAX);

		z->policies += n > 0 ? (uint64_t)n : 0;
	}
}

/* Owners an IXFR touched, with the policies they made before. */
struct fz_touched {
	ldns_rbnode_t node;
	struct dg_name name;
	int n_old;
	struct fz_policy *old;
};

struct fz_delta {
	ldns_rbtree_t *tree;
};

static int
touched_cmp(const void *a, const void *b)
{
	return name_cmp(&((const struct fz_touched *)a)->name,
			&((const struct fz_touched *)b)->name);
}

struct fz_delta *
fz_delta_new(void)
{
	struct fz_delta *d = calloc(1, sizeof(*d));

	if (d != NULL && (d->tree = ldns_rbtree_create(touched_cmp)) == NULL) {
		free(d);
		d = NULL;
	}
	return d;
}

static void
touched_free(ldns_rbnode_t *node, void *arg)
{
	struct fz_touched *t = (struct fz_touched *)node;

	(void)arg;
	free(t->old);
	free(t);
}

void
fz_delta_free(struct fz_delta *d)
{
	if (d == NULL)
		return;
	ldns_traverse_postorder(d->tree, touched_free, NULL);
	ldns_rbtree_free(d->tree);
	free(d);
}

int
fz_delta_touch(struct fz_delta *d, const struct feed *f, struct fz_zone *z,
	       const struct dg_name *o)
{
	struct fz_policy p[FZ_OWNER_POLICIES_MAX];
	struct fz_touched key, *t;
	ldns_rbnode_t *n;
	int np;

	key.name = *o;
	n = ldns_rbtree_search(d->tree, &key);
	if (n != NULL && n != LDNS_RBTREE_NULL)
		return 0;
	np = fz_owner_policies(f, fz_owner_find(z, o), p, FZ_OWNER_POLICIES_MAX);
	if (np < 0)
		return np;
	t = calloc(1, sizeof(*t));
	if (t == NULL || (np > 0 && (t->old = malloc((size_t)np * sizeof(*p))) == NULL)) {
		free(t);
		return -ENOMEM;
	}
	t->name = *o;
	t->node.key = t;
	t->n_old = np;
	if (np > 0)
		memcpy(t->old, p, (size_t)np * sizeof(*p));
	ldns_rbtree_insert(d->tree, &t->node);
	return 0;
}

static int
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
policy_eq(const struct fz_policy *a, const struct fz_policy *b)
{
	const struct dg_entry_meta *x = &a->meta, *y = &b->meta;

	return name_cmp(&a->name, &b->name) == 0 && x->action == y->action &&
	       x->mode == y->mode && x->start_day == y->start_day && x->end_day == y->end_day &&
	       str_eq(x->identifier, y->identifier) && str_eq(x->category, y->category) &&
	       x->has_sinkhole4 == y->has_sinkhole4 && x->has_sinkhole6 == y->has_sinkhole6 &&
	       (!x->has_sinkhole4 || memcmp(x->sinkhole4, y->sinkhole4, 4) == 0) &&
	       (!x->has_sinkhole6 || memcmp(x->sinkhole6, y->sinkhole6, 16) == 0);
}

static int
in(const struct fz_policy *p, const struct fz_policy *set, int n)
{
	for (int i = 0; i < n; i++)
		if (policy_eq(p, &set[i]))
			return 1;
	return 0;
}

struct op_vec {
	struct dg_feed_op *v;
	size_t n, cap;
};

static int
op_push(struct op_vec *o, int del, const struct fz_policy *p)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		struct dg_feed_op *v = realloc(o->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n].del = del;
	o->v[o->n].name = p->name;
	o->v[o->n++].meta = p->meta;
	return 0;
}

int
fz_delta_finish(struct fz_delta *d, const struct feed *f, struct fz_zone *z,
		struct dg_feed_op **ops, size_t *n_ops)
{
	struct fz_policy now[FZ_OWNER_POLICIES_MAX];
	struct op_vec dels = { 0 }, adds = { 0 };
	struct fz_touched *t;
	int rc = 0;

	LDNS_RBTREE_FOR(t, struct fz_touched *, d->tree) {
		int n = fz_owner_policies(f, fz_owner_find(z, &t->name), now,
					  FZ_OWNER_POLICIES_MAX);

		if (n < 0) {
			rc = n;
			break;
		}
		for (int i = 0; i < t->n_old && rc == 0; i++)
			if (!in(&t->old[i], now, n))
				rc = op_push(&dels, 1, &t->old[i]);
		for (int i = 0; i < n && rc == 0; i++)
			if (!in(&now[i], t->old, t->n_old))
				rc = op_push(&adds, 0, &now[i]);
		if (rc < 0)
			break;
		z->policies += (uint64_t)n;
		z->policies -= (uint64_t)t->n_old;
	}
	fz_delta_free(d);
	/* Deletions first: a changed entry is taken away before its new form comes. */
	if (rc == 0 && adds.n > 0) {
		struct dg_feed_op *v = realloc(dels.v, (dels.n + adds.n) * sizeof(*v));

		if (v == NULL) {
			rc = -ENOMEM;
		} else {
			memcpy(v + dels.n, adds.v, adds.n * sizeof(*v));
			dels.v = v;
			dels.n += adds.n;
		}
	}
	free(adds.v);
	if (rc < 0) {
		free(dels.v);
		return rc;
	}
	*ops = dels.v;
	*n_ops = dels.n;
	return 0;
}
