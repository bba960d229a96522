/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counter registry with a table of its own: every row, whatever its kind, must show up
 * in the four outputs (text, JSON, Prometheus, dict) under the names the header promises,
 * with the value the owner's read gave; a row added to the table shows up everywhere with
 * no other change; and tables that would make ambiguous output are refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_metrics.h"
#include "dg_test.h"

static const char *const reasons[] = { "none", "bad_len", "log-only" };

static const char *
reason(unsigned int i)
{
	return reasons[i];
}

/* Values anyone can recompute: metric row, port and element. */
static uint64_t
value_of(size_t row, int port, unsigned int i)
{
	return 1000 * (uint64_t)row + 100 * (uint64_t)(port + 1) + i + 1;
}

static const struct dg_metric *table_base;

static uint64_t
read_cb(void *ctx, const struct dg_metric *m, int port, unsigned int i)
{
	(void)ctx;
	return value_of((size_t)(m - table_base), port, i);
}

static int
each_cb(void *ctx, const struct dg_metric *m, int port, dg_metric_emit_fn fn, void *arg)
{
	static const char *const names[] = { "alpha", "b \"q\"", "zero" };
	int rc = 0;

	(void)ctx;
	for (unsigned int i = 0; i < 3 && rc == 0; i++)
		rc = fn(arg, names[i], m->label2 ? "cat" : NULL,
			i == 2 ? 0 : value_of((size_t)(m - table_base), port, i));
	return rc;
}

static const char *
port_name(void *ctx, unsigned int i)
{
	(void)ctx;
	return i == 0 ? "p0" : "0000:01:00.1";
}

#define ROW(n, t, s, ...) { .name = n, .help = "help of " n, .type = t, .scope = s, __VA_ARGS__ }
#define FIXED .label = "reason", .first = 1, .count = 3, .label_of = reason
#define DYNAMIC .label = "name", .each = each_cb

/* Every kind of row; the last is "added later" (test_metrics_row_added_everywhere). */
static const struct dg_metric table[] = {
	ROW("uptime_seconds", DG_METRIC_GAUGE, DG_METRIC_GLOBAL, .unit = DG_METRIC_UNIT_TICKS),
	ROW("queries", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
	ROW("rx", DG_METRIC_COUNTER, DG_METRIC_PORT, .flags = DG_METRIC_F_COLUMN),
	ROW("nic.imissed", DG_METRIC_COUNTER, DG_METRIC_PORT),
	ROW("nic.xstats", DG_METRIC_COUNTER, DG_METRIC_PORT, DYNAMIC),
	ROW("tcp.flows", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
	ROW("tcp.untracked", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, FIXED),
	ROW("tcp.busy", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, .unit = DG_METRIC_UNIT_TICKS),
	ROW("identifier", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, DYNAMIC, .label2 = "category",
	    .flags = DG_METRIC_F_MGMT),
	ROW("late.added", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
};

enum { N_ROWS = sizeof(table) / sizeof(table[0]) };

static struct dg_metrics
reg(size_t n)
{
	table_base = table;
	return (struct dg_metrics){ .m = table, .n = n, .prefix = "test", .n_ports = 2,
				    .port_name = port_name, .read = read_cb, .hz = 1000 };
}

/* A growing string for the outputs. */
struct sbuf {
	char *s;
	size_t n;
};

static int
sbuf_write(void *arg, const char *s, size_t n)
{
	struct sbuf *b = arg;
	char *p = realloc(b->s, b->n + n + 1);

	CU_ASSERT_FATAL(p != NULL);
	memcpy(p + b->n, s, n);
	b->n += n;
	p[b->n] = '\0';
	b->s = p;
	return 0;
}

/* The dict as lines `KEY=VALUE` and `OUTER/KEY=VALUE`, after a first newline. */
struct fake_dict {
	struct sbuf b;
	char outer[DG_METRICS_KEY_MAX];
	int depth, max_depth;
};

static int
d_str(void *arg, const char *key, const char *v)
{
	struct fake_dict *d = arg;
	char line[3 * DG_METRICS_KEY_MAX];

	snprintf(line, sizeof(line), "%s%s%s=%s\n", d->depth ? d->outer : "", d->depth ? "/" : "",
		 key, v);
	return sbuf_write(&d->b, line, strlen(line));
}

static int
d_u64(void *arg, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	return d_str(arg, key, num);
}

static int
d_open(void *arg, const char *key)
{
	struct fake_dict *d = arg;

	snprintf(d->outer, sizeof(d->outer), "%s", key);
	if (++d->depth > d->max_depth)
		d->max_depth = d->depth;
	return 0;
}

static int
d_close(void *arg)
{
	struct fake_dict *d = arg;

	d->depth--;
	return 0;
}

struct outputs {
	struct sbuf text, json, prom;
	struct fake_dict dict;
};

static void
render(const struct dg_metrics *r, struct outputs *o)
{
	const struct dg_metrics_sel all = DG_METRICS_ALL;
	struct dg_metrics_out t = { sbuf_write, &o->text }, j = { sbuf_write, &o->json };
	struct dg_metrics_dict d = { d_u64, d_str, d_open, d_close, &o->dict };
	struct dg_prom *p;
	size_t len;

	memset(o, 0, sizeof(*o));
	CU_ASSERT_EQUAL(dg_metrics_text(r, &all, &t), 0);
	CU_ASSERT_EQUAL(dg_metrics_json(r, &all, &j), 0);
	CU_ASSERT_FATAL(dg_prom_new(&p) == 0);
	CU_ASSERT_EQUAL(dg_metrics_prom(r, &all, p), 0);
	{
		const char *page = dg_prom_text(p, &len);

		sbuf_write(&o->prom, page, len);
	}
	dg_prom_free(p);
	sbuf_write(&o->dict.b, "\n", 1);
	CU_ASSERT_EQUAL(dg_metrics_to_dict(r, &all, &d), 0);
	CU_ASSERT_EQUAL(o->dict.depth, 0);
	CU_ASSERT(o->dict.max_depth <= 1);
}

static void
outputs_free(struct outputs *o)
{
	free(o->text.s);
	free(o->json.s);
	free(o->prom.s);
	free(o->dict.b.s);
}

static void
expect_in(const char *out, const char *what, const char *piece)
{
	if (out == NULL || strstr(out, piece) == NULL) {
		fprintf(stderr, "\n  %s lacks '%s'\n", what, piece);
		CU_FAIL("missing from an output");
	}
}

/* What the header says a sample looks like, built here from its parts. */
struct expect_ctx {
	const struct dg_metrics *r;
	const struct outputs *o;
	unsigned int samples;
};

/* @p s with @p from characters replaced by @p to (a copy). */
static const char *
swap(const char *s, const char *from, char to, char *out, size_t len)
{
	snprintf(out, len, "%s", s);
	for (char *c = out; *c != '\0'; c++)
		if (strchr(from, *c) != NULL)
			*c = to;
	return out;
}

static const char *
json_escaped(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s != '\0' && n + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
	return out;
}

static int
expect_sample(void *arg, const struct dg_metrics_sample *s)
{
	struct expect_ctx *e = arg;
	const struct dg_metric *m = s->m;
	char v[32], piece[1200], a[256], b[256], c[600];
	const char *last = strrchr(m->name, '.');
	const char *nonkey = " \"-.:";

	if (s->begin)
		return 0;
	e->samples++;
	dg_metrics_value_text(e->r, m, s->value, v, sizeof(v));
	/* text: port.P.NAME.LABEL VALUE, blanks in labels as '_' */
	snprintf(piece, sizeof(piece), "%s%s%s%s%s%s %s\n", s->port >= 0 ? "port." : "",
		 s->port >= 0 ? s->port_name : "", s->port >= 0 ? "." : "", m->name,
		 s->label ? "." : "", s->label ? swap(s->label, " ", '_', a, sizeof(a)) : "", v);
	expect_in(e->o->text.s, "text", piece);
	/* JSON: a scalar's last word or an element, then its value; a port's object */
	snprintf(piece, sizeof(piece), "\"%s\":%s",
		 s->label ? json_escaped(s->label, a, sizeof(a)) : last ? last + 1 : m->name, v);
	expect_in(e->o->json.s, "JSON", piece);
	if (s->port >= 0) {
		snprintf(piece, sizeof(piece), "\"%s\":{", s->port_name);
		expect_in(e->o->json.s, "JSON", piece);
	}
	/* Prometheus: the family and, for a labelled sample, the label */
	snprintf(piece, sizeof(piece), "\ntest_%s%s%s%s", s->port >= 0 ? "port_" : "",
		 swap(m->name, ".", '_', a, sizeof(a)),
		 m->unit == DG_METRIC_UNIT_TICKS && strstr(m->name, "_seconds") == NULL ?
		 "_seconds" : "", m->type == DG_METRIC_COUNTER ? "_total" : "");
	c[0] = '\0';
	if (s->port >= 0)
		snprintf(c, sizeof(c), "port=\"%s\"%s", s->port_name, s->label ? "," : "");
	if (s->label != NULL)
		snprintf(c + strlen(c), sizeof(c) - strlen(c), "%s=\"%s\"", m->label,
			 json_escaped(s->label, b, sizeof(b)));
	if (c[0] != '\0')
		snprintf(piece + strlen(piece), sizeof(piece) - strlen(piece), "{%s", c);
	expect_in(e->o->prom.s, "Prometheus", piece);
	/* dict: ports nest and their arrays flatten, else arrays nest */
	if (s->port >= 0)
		snprintf(piece, sizeof(piece), "\n%s/%s%s%s=%s\n",
			 swap(s->port_name, nonkey, '_', a, sizeof(a)), swap(m->name, ".", '_', b, sizeof(b)),
			 s->label ? "_" : "", s->label ? swap(s->label, nonkey, '_', c, sizeof(c)) : "",
			 v);
	else if (s->label != NULL)
		snprintf(piece, sizeof(piece), "\n%s/%s=%s\n", swap(m->name, ".", '_', a, sizeof(a)),
			 swap(s->label, nonkey, '_', b, sizeof(b)), v);
	else
		snprintf(piece, sizeof(piece), "\n%s=%s\n", swap(m->name, ".", '_', a, sizeof(a)), v);
	expect_in(e->o->dict.b.s, "dict", piece);
	return 0;
}

static void
test_metrics_every_row_in_every_output(void)
{
	struct dg_metrics r = reg(N_ROWS);
	struct outputs o;
	struct expect_ctx e = { &r, &o, 0 };
	char err[256];
	const struct dg_metrics_sel all = DG_METRICS_ALL;

	CU_ASSERT_EQUAL(dg_metrics_check(&r, err, sizeof(err)), 0);
	render(&r, &o);
	CU_ASSERT_EQUAL(dg_metrics_walk(&r, &all, expect_sample, &e), 0);
	/* 5 global scalars, arrays of 2 and 3, 2 ports of 2 scalars and 3 xstats */
	CU_ASSERT_EQUAL(e.samples, 5 + 2 + 3 + 2 * (2 + 3));
	/* specific forms, spelled out once */
	expect_in(o.text.s, "text", "uptime_seconds 0.001\n");
	expect_in(o.text.s, "text", "port.0000:01:00.1.nic.xstats.b_\"q\" 4202\n");
	expect_in(o.json.s, "JSON", "{\"uptime_seconds\":0.001,\"queries\":1001,\"ports\":{\"p0\":"
		  "{\"rx\":2101,\"nic\":{\"imissed\":3101,\"xstats\":{\"alpha\":4101,");
	expect_in(o.json.s, "JSON", "\"identifier\":{\"alpha\":8001,\"b \\\"q\\\"\":8002,"
		  "\"zero\":0},\"late\":{\"added\":9001}}\n");
	expect_in(o.prom.s, "Prometheus", "# TYPE test_uptime_seconds gauge\n"
		  "test_uptime_seconds 0.001\n");
	expect_in(o.prom.s, "Prometheus", "test_port_nic_xstats_total{port=\"0000:01:00.1\","
		  "name=\"b \\\"q\\\"\"} 4202\n");
	expect_in(o.prom.s, "Prometheus", "test_tcp_busy_seconds_total 7.001\n");
	expect_in(o.prom.s, "Prometheus", "test_identifier_total{name=\"alpha\",category=\"cat\"}");
	expect_in(o.dict.b.s, "dict", "\n0000_01_00_1/nic_xstats_b__q_=4202\n");
	expect_in(o.dict.b.s, "dict", "\ntcp_untracked/log_only=6003\n");
	outputs_free(&o);
}

/* One row more in the table, nothing else: it is in all four outputs. */
static void
test_metrics_row_added_everywhere(void)
{
	static const char *const pieces[][2] = {
		{ "text", "late.added " }, { "JSON", "\"late\":{\"added\":" },
		{ "Prometheus", "# HELP test_late_added_total help of late.added\n" },
		{ "dict", "\nlate_added=" },
	};
	struct outputs before, after;
	struct dg_metrics r = reg(N_ROWS - 1), r2 = reg(N_ROWS);

	render(&r, &before);
	render(&r2, &after);
	for (size_t i = 0; i < 4; i++) {
		const char *b[] = { before.text.s, before.json.s, before.prom.s, before.dict.b.s };
		const char *a[] = { after.text.s, after.json.s, after.prom.s, after.dict.b.s };

		CU_ASSERT(strstr(b[i], pieces[i][1]) == NULL);
		expect_in(a[i], pieces[i][0], pieces[i][1]);
	}
	outputs_free(&before);
	outputs_free(&after);
}

static void
test_metrics_selections(void)
{
	struct dg_metrics r = reg(N_ROWS);
	struct dg_metrics_sel sel = { .port = 1, .scopes = 1u << DG_METRIC_PORT,
				      .how = DG_METRICS_NONZERO };
	struct sbuf t = { 0 };
	struct dg_metrics_out out = { sbuf_write, &t };

	CU_ASSERT_EQUAL(dg_metrics_text(&r, &sel, &out), 0);
	CU_ASSERT_STRING_EQUAL(t.s, "port.0000:01:00.1.rx 2201\nport.0000:01:00.1.nic.imissed 3201\n"
			       "port.0000:01:00.1.nic.xstats.alpha 4201\n"
			       "port.0000:01:00.1.nic.xstats.b_\"q\" 4202\n");
	free(t.s);
	t = (struct sbuf){ 0 };
	sel = (struct dg_metrics_sel){ .port = -1, .skip = DG_METRIC_F_MGMT | DG_METRIC_F_COLUMN,
				       .how = DG_METRICS_NO_DYNAMIC, .scopes = 1u << DG_METRIC_PORT };
	CU_ASSERT_EQUAL(dg_metrics_text(&r, &sel, &out), 0);
	CU_ASSERT_STRING_EQUAL(t.s, "port.p0.nic.imissed 3101\nport.0000:01:00.1.nic.imissed 3201\n");
	free(t.s);
	CU_ASSERT_PTR_EQUAL(dg_metrics_find(&r, DG_METRIC_PORT, "nic.xstats"), &table[4]);
	CU_ASSERT_PTR_NULL(dg_metrics_find(&r, DG_METRIC_GLOBAL, "nic.xstats"));
}

/* A walk stops at the first error and returns it, from a step or from the output. */
static int
fail_third(void *arg, const char *s, size_t n)
{
	(void)s;
	(void)n;
	return ++*(int *)arg == 3 ? -ENOSPC : 0;
}

static void
test_metrics_errors_stop_the_walk(void)
{
	struct dg_metrics r = reg(N_ROWS);
	const struct dg_metrics_sel all = DG_METRICS_ALL;
	int calls = 0;
	struct dg_metrics_out out = { fail_third, &calls };

	CU_ASSERT_EQUAL(dg_metrics_text(&r, &all, &out), -ENOSPC);
	CU_ASSERT_EQUAL(calls, 3);
	calls = 0;
	CU_ASSERT_EQUAL(dg_metrics_json(&r, &all, &out), -ENOSPC);
	CU_ASSERT_EQUAL(calls, 3);
}

static void
expect_refused(const struct dg_metric *m, size_t n, const char *why)
{
	struct dg_metrics r = reg(n);
	char err[256] = "";

	r.m = m;
	CU_ASSERT_EQUAL(dg_metrics_check(&r, err, sizeof(err)), -EINVAL);
	if (strstr(err, why) == NULL) {
		fprintf(stderr, "\n  got '%s', want '%s'\n", err, why);
		CU_FAIL("check reason");
	}
}

#define REFUSED(why, ...) \
	do { \
		const struct dg_metric t_[] = { __VA_ARGS__ }; \
		expect_refused(t_, sizeof(t_) / sizeof(t_[0]), why); \
	} while (0)

static void
test_metrics_check_refuses(void)
{
	char name[DG_METRICS_NAME_MAX + 1];
	struct dg_metric one = { .name = name, .help = "long", .type = DG_METRIC_COUNTER };
	struct dg_metrics r = reg(1);
	char err[256];

	REFUSED("bad name", ROW("Queries", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("bad name", ROW("a..b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("bad name", ROW("a.", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("no help", { .name = "a", .help = "" });
	REFUSED("declared twice", ROW("a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("a", DG_METRIC_GAUGE, DG_METRIC_GLOBAL));
	REFUSED("a group of a.b", ROW("a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("a.b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("x: between tcp.a and tcp.b", ROW("tcp.a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("x", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("tcp.b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("tcpx.c: between", ROW("tcp.a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("tcpx.c", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("tcp.b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("the port scope's", ROW("port.rx", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("bad label name", ROW("a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, .label = "port",
				      .each = each_cb));
	REFUSED("without a label", ROW("a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, .count = 2));
	REFUSED("fixed (first < count", ROW("a", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, FIXED,
					    .each = each_cb));
	REFUSED("both are test_a_b_total", ROW("a.b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
		ROW("a_b", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	REFUSED("both are test_shed_seconds_total",
		ROW("shed", DG_METRIC_COUNTER, DG_METRIC_GLOBAL, .unit = DG_METRIC_UNIT_TICKS),
		ROW("shed_seconds", DG_METRIC_COUNTER, DG_METRIC_GLOBAL));
	/* the same name in both scopes is fine: "port." keeps them apart */
	{
		const struct dg_metric t[] = { ROW("dropped", DG_METRIC_COUNTER, DG_METRIC_GLOBAL),
					       ROW("dropped", DG_METRIC_COUNTER, DG_METRIC_PORT) };

		r.m = t;
		r.n = 2;
		CU_ASSERT_EQUAL(dg_metrics_check(&r, err, sizeof(err)), 0);
	}
	/* the longest name (63 bytes) and one past it */
	memset(name, 'a', sizeof(name));
	name[DG_METRICS_NAME_MAX - 1] = '\0';
	r.m = &one;
	r.n = 1;
	CU_ASSERT_EQUAL(dg_metrics_check(&r, err, sizeof(err)), 0);
	name[DG_METRICS_NAME_MAX - 1] = 'a';
	name[DG_METRICS_NAME_MAX] = '\0';
	CU_ASSERT_EQUAL(dg_metrics_check(&r, err, sizeof(err)), -EINVAL);
}

DG_TEST_MAIN("metrics",
	DG_TEST(test_metrics_every_row_in_every_output),
	DG_TEST(test_metrics_row_added_everywhere),
	DG_TEST(test_metrics_selections),
	DG_TEST(test_metrics_errors_stop_the_walk),
	DG_TEST(test_metrics_check_refuses))
