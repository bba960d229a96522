/* SPDX-License-Identifier: BSD-3-Clause */
/* The registry's outputs: each is one walk (dg_metrics.c) and a callback per step. */
#include <stdio.h>
#include <string.h>

#include "dg_metrics.h"
#include "metrics_pvt.h"

enum {
	LINE_MAX_ = 1024,  /* a text line or JSON member; longer labels are cut */
	JSON_DEPTH = 8,    /* "ports", a port, and the words of a name */
};

/* A bounded line: appends past the end are cut, never overrun. */
struct line {
	char b[LINE_MAX_];
	size_t n;
};

static void
add(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - 1 - l->n)
		n = sizeof(l->b) - 1 - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
	l->b[l->n] = '\0';
}

static void
adds(struct line *l, const char *s)
{
	add(l, s, strlen(s));
}

/* A label or port name in a text key: blanks and control characters become '_'. */
static void
add_clean(struct line *l, const char *s)
{
	for (; *s != '\0'; s++)
		add(l, (unsigned char)*s <= ' ' || *s == 0x7f ? "_" : s, 1);
}

struct text {
	const struct dg_metrics *r;
	const struct dg_metrics_out *out;
};

static int
text_step(void *arg, const struct dg_metrics_sample *s)
{
	const struct text *t = arg;
	struct line l = { .n = 0 };
	char v[32];

	if (s->begin)
		return 0;
	if (s->port >= 0) {
		adds(&l, "port.");
		add_clean(&l, s->port_name);
		adds(&l, ".");
	}
	adds(&l, s->m->name);
	if (s->label != NULL) {
		adds(&l, ".");
		add_clean(&l, s->label);
	}
	dg_metrics_value_text(t->r, s->m, s->value, v, sizeof(v));
	adds(&l, " ");
	adds(&l, v);
	adds(&l, "\n");
	return t->out->write(t->out->arg, l.b, l.n);
}

int
dg_metrics_text(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		const struct dg_metrics_out *out)
{
	struct text t = { r, out };

	return dg_metrics_walk(r, sel, text_step, &t);
}

/* JSON: the objects open along a path, closed where the next step's path leaves it. */
struct json {
	const struct dg_metrics *r;
	const struct dg_metrics_out *out;
	unsigned int depth;
	char key[JSON_DEPTH][DG_METRICS_NAME_MAX];
	bool any[JSON_DEPTH + 1]; /* the object at that depth has a member (0: the root) */
};

static void
add_json_str(struct line *l, const char *s)
{
	adds(l, "\"");
	for (; *s != '\0'; s++) {
		char e[8];

		if (*s == '"' || *s == '\\') {
			snprintf(e, sizeof(e), "\\%c", *s);
			adds(l, e);
		} else if ((unsigned char)*s < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", (unsigned char)*s);
			adds(l, e);
		} else {
			add(l, s, 1);
		}
	}
	adds(l, "\"");
}

/* Close and open objects so that the open path is @p path[0..n). */
static void
json_path(struct json *j, struct line *l, const char *const *path, unsigned int n)
{
	unsigned int k = 0;

	while (k < j->depth && k < n && strncmp(j->key[k], path[k], DG_METRICS_NAME_MAX - 1) == 0)
		k++;
	for (; j->depth > k; j->depth--)
		adds(l, "}");
	for (; j->depth < n && j->depth < JSON_DEPTH; j->depth++) {
		if (j->any[j->depth])
			adds(l, ",");
		j->any[j->depth] = true;
		add_json_str(l, path[j->depth]);
		adds(l, ":{");
		snprintf(j->key[j->depth], sizeof(j->key[0]), "%s", path[j->depth]);
		j->any[j->depth + 1] = false;
	}
}

static int
json_step(void *arg, const struct dg_metrics_sample *s)
{
	struct json *j = arg;
	const char *path[JSON_DEPTH];
	char words[DG_METRICS_NAME_MAX], *w, *save = NULL;
	unsigned int n = 0;
	const char *leaf;
	struct line l = { .n = 0 };
	char v[32];

	if (s->begin && s->m->label == NULL)
		return 0;
	if (s->port >= 0) {
		path[n++] = "ports";
		path[n++] = s->port_name;
	}
	snprintf(words, sizeof(words), "%s", s->m->name);
	for (w = strtok_r(words, ".", &save); w != NULL && n < JSON_DEPTH;
	     w = strtok_r(NULL, ".", &save))
		path[n++] = w;
	/* A scalar's last word is its member; an array is an object of its elements. */
	leaf = s->m->label == NULL ? path[--n] : s->label;
	json_path(j, &l, path, n);
	if (!s->begin) {
		if (j->any[j->depth])
			adds(&l, ",");
		j->any[j->depth] = true;
		add_json_str(&l, leaf);
		dg_metrics_value_text(j->r, s->m, s->value, v, sizeof(v));
		adds(&l, ":");
		adds(&l, v);
	}
	return l.n ? j->out->write(j->out->arg, l.b, l.n) : 0;
}

int
dg_metrics_json(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		const struct dg_metrics_out *out)
{
	struct json j = { .r = r, .out = out };
	struct dg_metrics_sel s = *sel;
	struct line l = { .n = 0 };
	int rc = out->write(out->arg, "{", 1);

	s.how &= ~(unsigned int)DG_METRICS_BY_METRIC; /* one "ports" object */
	rc = rc ?: dg_metrics_walk(r, &s, json_step, &j);
	if (rc != 0)
		return rc;
	json_path(&j, &l, NULL, 0);
	adds(&l, "}\n");
	return out->write(out->arg, l.b, l.n);
}

struct prom {
	const struct dg_metrics *r;
	struct dg_prom *p;
	char family[DG_METRICS_KEY_MAX];
};

static int
prom_step(void *arg, const struct dg_metrics_sample *s)
{
	struct prom *pr = arg;
	const char *lab[6];
	size_t n = 0;

	if (s->begin) {
		metrics_family(pr->r, s->m, pr->family, sizeof(pr->family));
		return dg_prom_family(pr->p, pr->family,
				      s->m->type == DG_METRIC_COUNTER ? "counter" : "gauge",
				      s->m->help);
	}
	if (s->port >= 0) {
		lab[2 * n] = "port";
		lab[2 * n++ + 1] = s->port_name;
	}
	if (s->label != NULL) {
		lab[2 * n] = s->m->label;
		lab[2 * n++ + 1] = s->label;
	}
	if (s->m->label2 != NULL) {
		lab[2 * n] = s->m->label2;
		lab[2 * n++ + 1] = s->label2 != NULL ? s->label2 : "";
	}
	if (s->m->unit == DG_METRIC_UNIT_TICKS && pr->r->hz > 0)
		return dg_prom_sample_f(pr->p, pr->family, lab, n,
					(double)s->value / (double)pr->r->hz);
	return dg_prom_sample(pr->p, pr->family, lab, n, s->value);
}

int
dg_metrics_prom(const struct dg_metrics *r, const struct dg_metrics_sel *sel, struct dg_prom *p)
{
	struct dg_metrics_sel s = *sel;
	struct prom pr = { .r = r, .p = p };

	s.how |= DG_METRICS_BY_METRIC;
	return dg_metrics_walk(r, &s, prom_step, &pr);
}

/* Dict: one nested level, for a port (all ports selected) or else for an array. */
struct dict {
	const struct dg_metrics *r;
	const struct dg_metrics_dict *d;
	bool ports_nest;
	int port;                     /* the open port dict, or -1 */
	const struct dg_metric *arr;  /* the open array dict, or NULL */
};

static int
dict_close(struct dict *x)
{
	if (x->port < 0 && x->arr == NULL)
		return 0;
	x->port = -1;
	x->arr = NULL;
	return x->d->close(x->d->arg);
}

static int
dict_step(void *arg, const struct dg_metrics_sample *s)
{
	struct dict *x = arg;
	const struct dg_metric *m = s->m;
	char key[DG_METRICS_KEY_MAX], v[32];
	struct line l = { .n = 0 };
	int rc = 0;

	if (x->ports_nest && s->port >= 0) {
		if (x->port != s->port) {
			rc = dict_close(x);
			dg_metrics_key(s->port_name, key, sizeof(key));
			rc = rc ?: x->d->open(x->d->arg, key);
			x->port = s->port;
		}
		if (s->begin)
			return rc;
		adds(&l, m->name);
		if (s->label != NULL) {
			adds(&l, "_");
			adds(&l, s->label);
		}
	} else if (m->label != NULL) {
		if (x->arr != m || x->port >= 0) {
			rc = dict_close(x);
			dg_metrics_key(m->name, key, sizeof(key));
			rc = rc ?: x->d->open(x->d->arg, key);
			x->arr = m;
		}
		if (s->begin)
			return rc;
		adds(&l, s->label);
	} else {
		rc = dict_close(x);
		if (s->begin)
			return rc;
		adds(&l, m->name);
	}
	if (rc != 0)
		return rc;
	dg_metrics_key(l.b, key, sizeof(key));
	if (m->unit == DG_METRIC_UNIT_TICKS) {
		dg_metrics_value_text(x->r, m, s->value, v, sizeof(v));
		return x->d->str(x->d->arg, key, v);
	}
	return x->d->u64(x->d->arg, key, s->value);
}

int
dg_metrics_to_dict(const struct dg_metrics *r, const struct dg_metrics_sel *sel,
		   const struct dg_metrics_dict *d)
{
	struct dict x = { .r = r, .d = d, .ports_nest = sel->port < 0, .port = -1 };
	struct dg_metrics_sel s = *sel;
	int rc;

	s.how &= ~(unsigned int)DG_METRICS_BY_METRIC;
	rc = dg_metrics_walk(r, &s, dict_step, &x);
	return rc ?: dict_close(&x);
}
