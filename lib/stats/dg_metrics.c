/* SPDX-License-Identifier: BSD-3-Clause */
/* The registry's walk and its checks; the outputs are in dg_metrics_fmt.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dg_err.h"
#include "dg_metrics.h"
#include "metrics_pvt.h"

static bool
wanted(const struct dg_metric *m, const struct dg_metrics_sel *sel)
{
	if (sel->scopes != 0 && !(sel->scopes & (1u << m->scope)))
		return false;
	if (sel->only != NULL && sel->only != m)
		return false;
	if ((m->flags & sel->skip) != 0 || (m->flags & sel->need) != sel->need)
		return false;
	return !(m->each != NULL && (sel->how & DG_METRICS_NO_DYNAMIC));
}

struct emit_ctx {
	struct dg_metrics_sample *s;
	unsigned int how;
	dg_metrics_fn fn;
	void *arg;
};

static int
emit(void *arg, const char *label, const char *label2, uint64_t value)
{
	struct emit_ctx *e = arg;

	if (value == 0 && (e->how & DG_METRICS_NONZERO))
		return 0;
	e->s->label = label;
	e->s->label2 = label2;
	e->s->value = value;
	return e->fn(e->arg, e->s);
}

/* @p m's values on @p port (-1: global), after its begin step when @p begin. */
static int
visit(const struct dg_metrics *r, unsigned int how, const struct dg_metric *m, int port,
      bool begin, dg_metrics_fn fn, void *arg)
{
	struct dg_metrics_sample s = {
		.m = m, .port = port, .begin = begin,
		.port_name = port >= 0 ? r->port_name(r->ctx, (unsigned int)port) : NULL,
	};
	struct emit_ctx e = { &s, how, fn, arg };
	int rc;

	if (begin && (rc = fn(arg, &s)) != 0)
		return rc;
	s.begin = false;
	if (m->label == NULL) {
		s.value = r->read(r->ctx, m, port, 0);
		return fn(arg, &s);
	}
	if (m->each != NULL)
		return m->each(r->ctx, m, port, emit, &e);
	for (unsigned int i = m->first; i < m->count; i++) {
		rc = emit(&e, m->label_of(i), NULL, r->read(r->ctx, m, port, i));
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Every selected port-scope metric, port by port. */
static int
walk_ports(const struct dg_metrics *r, const struct dg_metrics_sel *sel, dg_metrics_fn fn,
	   void *arg)
{
	for (unsigned int p = 0; p < r->n_ports; p++) {
		if (sel->port >= 0 && (unsigned int)sel->port != p)
			continue;
		for (size_t i = 0; i < r->n; i++) {
			const struct dg_metric *m = &r->m[i];
			int rc;

			if (m->scope != DG_METRIC_PORT || !wanted(m, sel))
				continue;
			rc = visit(r, sel->how, m, (int)p, true, fn, arg);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int
dg_metrics_walk(const struct dg_metrics *r, const struct dg_metrics_sel *sel, dg_metrics_fn fn,
		void *arg)
{
	bool ports_done = false;
	int rc = 0;

	for (size_t i = 0; i < r->n && rc == 0; i++) {
		const struct dg_metric *m = &r->m[i];

		if (!wanted(m, sel))
			continue;
		if (m->scope == DG_METRIC_GLOBAL) {
			rc = visit(r, sel->how, m, -1, true, fn, arg);
		} else if (!(sel->how & DG_METRICS_BY_METRIC)) {
			if (!ports_done)
				rc = walk_ports(r, sel, fn, arg);
			ports_done = true;
		} else {
			struct dg_metrics_sample b = { .m = m, .port = -1, .begin = true };

			rc = fn(arg, &b);
			for (unsigned int p = 0; p < r->n_ports && rc == 0; p++)
				if (sel->port < 0 || (unsigned int)sel->port == p)
					rc = visit(r, sel->how, m, (int)p, false, fn, arg);
		}
	}
	return rc;
}

const struct dg_metric *
dg_metrics_find(const struct dg_metrics *r, unsigned int scope, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->m[i].scope == scope && strcmp(r->m[i].name, name) == 0)
			return &r->m[i];
	return NULL;
}

void
dg_metrics_value_text(const struct dg_metrics *r, const struct dg_metric *m, uint64_t v,
		      char *buf, size_t len)
{
	if (m->unit == DG_METRIC_UNIT_TICKS && r->hz > 0)
		snprintf(buf, len, "%.3f", (double)v / (double)r->hz);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

void
dg_metrics_key(const char *s, char *key, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	for (; *s != '\0' && n + 1 < len; s++)
		key[n++] = metrics_word_char(*s) || (*s >= 'A' && *s <= 'Z') ? *s : '_';
	key[n] = '\0';
}

size_t
metrics_family(const struct dg_metrics *r, const struct dg_metric *m, char *buf, size_t len)
{
	size_t nl = strlen(m->name), n;
	bool secs = m->unit == DG_METRIC_UNIT_TICKS &&
		    (nl < 8 || strcmp(m->name + nl - 8, "_seconds") != 0);

	n = (size_t)snprintf(buf, len, "%s_%s%s%s%s", r->prefix,
			     m->scope == DG_METRIC_PORT ? "port_" : "", m->name,
			     secs ? "_seconds" : "", m->type == DG_METRIC_COUNTER ? "_total" : "");
	for (char *c = buf; *c != '\0'; c++)
		if (*c == '.')
			*c = '_';
	return n;
}

/* [a-z0-9_] words joined by '.'. */
static bool
valid_name(const char *s)
{
	size_t word = 0, n = 0;

	for (; *s != '\0'; s++, n++) {
		if (*s == '.') {
			if (word == 0)
				return false;
			word = 0;
		} else if (metrics_word_char(*s)) {
			word++;
		} else {
			return false;
		}
	}
	return word > 0 && n < DG_METRICS_NAME_MAX;
}

/* A Prometheus label name of ours: [a-z_][a-z0-9_]*, not the port label. */
static bool
valid_label(const char *s)
{
	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9') || strcmp(s, "port") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (!metrics_word_char(*s))
			return false;
	return true;
}

/* Length of the longest common dotted prefix of @p a and @p b (0: none). */
static size_t
common_group(const char *a, const char *b)
{
	size_t i, last = 0;

	for (i = 0; a[i] != '\0' && a[i] == b[i]; i++)
		if (a[i] == '.')
			last = i;
	if ((a[i] == '\0' && b[i] == '.') || (b[i] == '\0' && a[i] == '.'))
		return i; /* one is a group of the other */
	return last;
}

static int
check_one(const struct dg_metric *m, char *err, size_t len)
{
	if (m->name == NULL || !valid_name(m->name))
		return dg_errf(err, len, -EINVAL, "metric '%s': bad name", m->name ? m->name : "");
	if (m->help == NULL || m->help[0] == '\0')
		return dg_errf(err, len, -EINVAL, "metric %s: no help text", m->name);
	if (m->type > DG_METRIC_GAUGE || m->scope > DG_METRIC_PORT || m->unit > DG_METRIC_UNIT_TICKS)
		return dg_errf(err, len, -EINVAL, "metric %s: bad type, scope or unit", m->name);
	if (m->scope == DG_METRIC_GLOBAL &&
	    (strncmp(m->name, "port.", 5) == 0 || strcmp(m->name, "port") == 0 ||
	     strncmp(m->name, "ports.", 6) == 0 || strcmp(m->name, "ports") == 0))
		return dg_errf(err, len, -EINVAL, "metric %s: 'port' is the port scope's", m->name);
	if (m->label == NULL) {
		if (m->count != 0 || m->each != NULL || m->label2 != NULL)
			return dg_errf(err, len, -EINVAL, "metric %s: elements without a label",
				       m->name);
		return 0;
	}
	if (!valid_label(m->label) || (m->label2 != NULL && !valid_label(m->label2)) ||
	    (m->label2 != NULL && strcmp(m->label, m->label2) == 0))
		return dg_errf(err, len, -EINVAL, "metric %s: bad label name", m->name);
	if ((m->count > m->first && m->label_of != NULL) == (m->each != NULL) ||
	    (m->each != NULL && m->count != 0) || (m->each == NULL && m->label2 != NULL))
		return dg_errf(err, len, -EINVAL,
			       "metric %s: an array is fixed (first < count, label_of) or dynamic "
			       "(each)", m->name);
	return 0;
}

/* Names unique, none a group of another, groups contiguous: one scope's metrics in order. */
static int
check_groups(const struct dg_metrics *r, unsigned int scope, char *err, size_t len)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct dg_metric *a = &r->m[i];

		if (a->scope != scope)
			continue;
		for (size_t j = i + 1; j < r->n; j++) {
			const struct dg_metric *b = &r->m[j];
			size_t g;

			if (b->scope != scope)
				continue;
			if (strcmp(a->name, b->name) == 0)
				return dg_errf(err, len, -EINVAL, "metric %s: declared twice", a->name);
			g = common_group(a->name, b->name);
			if (g == strlen(a->name) || g == strlen(b->name))
				return dg_errf(err, len, -EINVAL, "metric %s: a group of %s",
					       g == strlen(a->name) ? a->name : b->name,
					       g == strlen(a->name) ? b->name : a->name);
			for (size_t k = i + 1; g > 0 && k < j; k++)
				if (r->m[k].scope == scope && (strncmp(r->m[k].name, a->name, g) != 0 ||
							      r->m[k].name[g] != '.'))
					return dg_errf(err, len, -EINVAL, "metric %s: between %s and %s "
						       "of group %.*s", r->m[k].name, a->name, b->name,
						       (int)g, a->name);
		}
	}
	return 0;
}

int
dg_metrics_check(const struct dg_metrics *r, char *err, size_t len)
{
	char fa[DG_METRICS_KEY_MAX], fb[DG_METRICS_KEY_MAX];
	int rc = 0;

	if (r->prefix == NULL || !valid_label(r->prefix) || r->read == NULL ||
	    (r->n_ports > 0 && r->port_name == NULL))
		return dg_errf(err, len, -EINVAL, "bad prefix, or no read or port_name callback");
	for (size_t i = 0; i < r->n && rc == 0; i++)
		rc = check_one(&r->m[i], err, len);
	if (rc == 0)
		rc = check_groups(r, DG_METRIC_GLOBAL, err, len);
	if (rc == 0)
		rc = check_groups(r, DG_METRIC_PORT, err, len);
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		metrics_family(r, &r->m[i], fa, sizeof(fa));
		for (size_t j = i + 1; j < r->n && rc == 0; j++) {
			metrics_family(r, &r->m[j], fb, sizeof(fb));
			if (strcmp(fa, fb) == 0)
				rc = dg_errf(err, len, -EINVAL, "metrics %s and %s: both are %s",
					     r->m[i].name, r->m[j].name, fa);
		}
	}
	return rc;
}
