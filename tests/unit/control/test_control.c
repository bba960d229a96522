/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/control: list options (every key, strings at the last byte and one past), the
 * journal (round trip of every field, durability across reopen, a record cut at every
 * byte, a damaged record set aside, compaction equal to the full replay), identifiers
 * (metadata from one walk, totals, all-allow identifiers open-ended).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_control.h"
#include "dg_test.h"

static char dir[] = "/tmp/dg-control-XXXXXX";
static char path[256];
static char err[512];

static void
fresh(void)
{
	snprintf(path, sizeof(path), "%s/journal", dir);
	unlink(path);
	snprintf(err, sizeof(err), "%s/journal.bad", dir);
	unlink(err);
}

static struct dg_journal_op
add_op(const char *name, const char *ident, const char *cat, enum dg_match_mode mode)
{
	struct dg_journal_op op;

	memset(&op, 0, sizeof(op));
	op.kind = DG_JOURNAL_ADD;
	CU_ASSERT_FATAL(dg_name_from_text(&op.name, name, strlen(name)) == 0);
	op.meta.identifier = ident;
	op.meta.category = cat;
	op.meta.action = DG_ACTION_NXDOMAIN;
	op.meta.mode = mode;
	op.meta.start_day = 19000;
	op.meta.end_day = UINT32_MAX;
	return op;
}

static void
test_control_opts_every_key(void)
{
	const char *w[] = { "identifier=IIJ-20240416-0001", "category=back door", "action=nodata",
			    "mode=exact", "start=2024-04-16", "end=2024-06-30",
			    "sinkhole4=198.18.0.9", "sinkhole6=2001:2::9" };
	struct dg_control_opts o;

	dg_control_opts_init(&o);
	CU_ASSERT_EQUAL(dg_control_parse_opts(w, 8, &o, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(o.list.defaults.identifier, "IIJ-20240416-0001");
	CU_ASSERT_STRING_EQUAL(o.list.defaults.category, "back door");
	CU_ASSERT_EQUAL(o.list.defaults.action, DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(o.list.mode, DG_MATCH_EXACT);
	CU_ASSERT_EQUAL(o.list.defaults.start_day, 19829);
	CU_ASSERT(o.list.defaults.has_sinkhole4 && o.list.defaults.has_sinkhole6);
	CU_ASSERT(o.list.defaults.sinkhole4[3] == 9);
	dg_control_opts_init(&o);
	CU_ASSERT_EQUAL(dg_control_parse_opts_line("id=A  category=B\taction=drop", &o, err,
						   sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(o.list.defaults.category, "B");
	CU_ASSERT_EQUAL(dg_control_parse_opts_line("colour=red", &o, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "colour"));
	CU_ASSERT_EQUAL(dg_control_parse_opts_line("identifier", &o, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dg_control_parse_opts_line("start=2024-4-16", &o, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(dg_control_parse_opts_line("sinkhole4=2001:2::1", &o, err, sizeof(err)),
			-EINVAL);
}

/* Identifiers of 255 bytes pass whole; 256 are refused, never cut. */
static void
test_control_opts_string_255_and_256(void)
{
	char w[300] = "identifier=";
	const char *words[] = { w };
	struct dg_control_opts o;

	memset(w + 11, 'x', 255);
	w[11 + 255] = '\0';
	dg_control_opts_init(&o);
	CU_ASSERT_EQUAL(dg_control_parse_opts(words, 1, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(o.list.defaults.identifier), 255);
	w[11 + 255] = 'x';
	w[11 + 256] = '\0';
	CU_ASSERT_EQUAL(dg_control_parse_opts(words, 1, &o, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "256 bytes"));
}

static void
test_control_journal_round_trip(void)
{
	static const char odd[] = "sp ace%='quote'-\x01\xff";
	char long_id[256];
	struct dg_journal *j;
	struct dg_journal_info info;
	struct dg_journal_op a = add_op("Evil.Example.", odd, "-", DG_MATCH_EXACT), d, o;
	const struct dg_journal_op *g;

	fresh();
	memset(long_id, 'L', 255);
	long_id[255] = '\0';
	a.meta.has_sinkhole4 = 1;
	memcpy(a.meta.sinkhole4, "\xc6\x12\x00\x09", 4);
	memset(&d, 0, sizeof(d));
	d.kind = DG_JOURNAL_DEL;
	d.name = a.name;
	d.meta.mode = DG_MATCH_BELOW;
	memset(&o, 0, sizeof(o));
	o.kind = DG_JOURNAL_OPTOUT_ADD;
	CU_ASSERT_FATAL(dg_optout_prefix_parse("2001:2:0:c8::/64", &o.prefix, NULL) == 0);
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
	a.meta.identifier = long_id;
	a.meta.category = "";
	CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
	a.meta.identifier = NULL;
	a.meta.category = NULL;
	CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &o, err, sizeof(err)), 0);
	dg_journal_close(j);
	/* reopened: every field back exactly */
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(info.records, 5);
	CU_ASSERT_EQUAL(info.torn + info.bad, 0);
	g = dg_journal_get(j, 0);
	CU_ASSERT_EQUAL(g->kind, DG_JOURNAL_ADD);
	CU_ASSERT_EQUAL(g->name.len, a.name.len);
	CU_ASSERT(memcmp(g->name.wire, a.name.wire, a.name.len) == 0);
	CU_ASSERT_STRING_EQUAL(g->meta.identifier, odd);
	CU_ASSERT_STRING_EQUAL(g->meta.category, "-");
	CU_ASSERT_EQUAL(g->meta.action, DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(g->meta.mode, DG_MATCH_EXACT);
	CU_ASSERT_EQUAL(g->meta.start_day, 19000);
	CU_ASSERT_EQUAL(g->meta.end_day, UINT32_MAX);
	CU_ASSERT(g->meta.has_sinkhole4 && !g->meta.has_sinkhole6);
	CU_ASSERT(memcmp(g->meta.sinkhole4, "\xc6\x12\x00\x09", 4) == 0);
	CU_ASSERT_STRING_EQUAL(dg_journal_get(j, 1)->meta.identifier, long_id);
	CU_ASSERT_STRING_EQUAL(dg_journal_get(j, 1)->meta.category, "");
	CU_ASSERT_PTR_NULL(dg_journal_get(j, 2)->meta.identifier);
	CU_ASSERT_PTR_NULL(dg_journal_get(j, 2)->meta.category);
	CU_ASSERT_EQUAL(dg_journal_get(j, 3)->kind, DG_JOURNAL_DEL);
	CU_ASSERT_EQUAL(dg_journal_get(j, 3)->meta.mode, DG_MATCH_BELOW);
	CU_ASSERT_EQUAL(dg_journal_get(j, 4)->prefix.len, 64);
	CU_ASSERT_PTR_NULL(dg_journal_get(j, 5));
	/* over 255 bytes: refused, nothing written */
	memset(long_id, 'L', 255);
	{
		char over[300];

		memset(over, 'O', 256);
		over[256] = '\0';
		a.meta.identifier = over;
		CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), -EINVAL);
	}
	CU_ASSERT_EQUAL(dg_journal_count(j), 5);
	dg_journal_close(j);
}

/* A record cut at any byte (a crash mid-write, never acknowledged) is dropped. */
static void
test_control_journal_torn_at_every_byte(void)
{
	struct dg_journal_op a = add_op("a.test", "ID-1", NULL, DG_MATCH_SUBTREE);
	struct dg_journal_info info;
	struct stat st1, st2;
	struct dg_journal *j;

	fresh();
	CU_ASSERT_FATAL(dg_journal_open(&j, path, NULL, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
	stat(path, &st1);
	a.meta.identifier = "ID-2";
	CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
	dg_journal_close(j);
	stat(path, &st2);
	for (off_t cut = st1.st_size; cut < st2.st_size; cut++) {
		/* rebuild the two records, then cut the second at @p cut */
		unlink(path);
		CU_ASSERT_FATAL(dg_journal_open(&j, path, NULL, err, sizeof(err)) == 0);
		a.meta.identifier = "ID-1";
		dg_journal_append(j, &a, err, sizeof(err));
		a.meta.identifier = "ID-2";
		dg_journal_append(j, &a, err, sizeof(err));
		dg_journal_close(j);
		CU_ASSERT_FATAL(truncate(path, cut) == 0);
		CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(info.records, 1);
		CU_ASSERT_EQUAL(info.torn, cut > st1.st_size);
		CU_ASSERT_EQUAL(info.bad, 0);
		/* appends go on cleanly after the good record */
		CU_ASSERT_EQUAL(dg_journal_append(j, &a, err, sizeof(err)), 0);
		dg_journal_close(j);
		CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
		CU_ASSERT_EQUAL(info.records, 2);
		CU_ASSERT_STRING_EQUAL(dg_journal_get(j, 1)->meta.identifier, "ID-2");
		dg_journal_close(j);
	}
}

/* A damaged record before good ones: replay stops, the rest set aside in PATH.bad. */
static void
test_control_journal_damaged_set_aside(void)
{
	struct dg_journal_op a = add_op("a.test", "ID", NULL, DG_MATCH_SUBTREE);
	struct dg_journal_info info;
	struct dg_journal *j;
	char bad[300];
	int fd;

	fresh();
	CU_ASSERT_FATAL(dg_journal_open(&j, path, NULL, err, sizeof(err)) == 0);
	for (int i = 0; i < 3; i++)
		dg_journal_append(j, &a, err, sizeof(err));
	dg_journal_close(j);
	/* flip one byte inside the second record's body */
	fd = open(path, O_RDWR);
	{
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		char *second = memchr(buf, '\n', (size_t)n) + 1;

		second[20] ^= 1;
		pwrite(fd, buf, (size_t)n, 0);
	}
	close(fd);
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(info.records, 1);
	CU_ASSERT_EQUAL(info.bad, 2);
	CU_ASSERT_EQUAL(info.bad_line, 2);
	dg_journal_close(j);
	snprintf(bad, sizeof(bad), "%s.bad", path);
	CU_ASSERT_EQUAL(access(bad, R_OK), 0);
}

/* Compaction keeps the last change per target; applied, it builds the same filter. */
static void
test_control_journal_compact_same_result(void)
{
	struct dg_journal_op ops[6];
	struct dg_filter_builder *b1, *b2;
	struct dg_filter *f1, *f2;
	struct dg_filter_info i1, i2;
	struct dg_journal *j;
	struct dg_match m1, m2;
	struct dg_name q;

	fresh();
	ops[0] = add_op("x.test", "A", NULL, DG_MATCH_SUBTREE);
	ops[1] = add_op("x.test", "B", NULL, DG_MATCH_SUBTREE);  /* replaces A */
	ops[2] = add_op("y.test", "C", NULL, DG_MATCH_EXACT);
	ops[3] = ops[2];
	ops[3].kind = DG_JOURNAL_DEL;                           /* y gone */
	ops[4] = add_op("z.test", "D", NULL, DG_MATCH_EXACT);
	ops[5] = add_op("x.test", "E", NULL, DG_MATCH_EXACT);   /* other mode: both stay */
	CU_ASSERT_FATAL(dg_journal_open(&j, path, NULL, err, sizeof(err)) == 0);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(dg_journal_append(j, &ops[i], err, sizeof(err)), 0);
	dg_filter_builder_create(&b1, 0);
	CU_ASSERT_EQUAL(dg_control_delta_journal(b1, NULL, j, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_compact(j, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_count(j), 4); /* x subtree (B), y del, z, x exact (E) */
	dg_journal_close(j);
	CU_ASSERT_FATAL(dg_journal_open(&j, path, NULL, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(dg_journal_count(j), 4);
	dg_filter_builder_create(&b2, 0);
	CU_ASSERT_EQUAL(dg_control_delta_journal(b2, NULL, j, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(dg_filter_build(b1, &f1) == 0);
	CU_ASSERT_FATAL(dg_filter_build(b2, &f2) == 0);
	dg_filter_info(f1, &i1);
	dg_filter_info(f2, &i2);
	CU_ASSERT_EQUAL(i1.policies, i2.policies);
	CU_ASSERT_EQUAL(i1.entries, i2.entries);
	dg_name_from_text(&q, "w.x.test", 8);
	CU_ASSERT(dg_filter_lookup(f1, &q, 20000, &m1) == 1 && dg_filter_lookup(f2, &q, 20000, &m2) == 1);
	CU_ASSERT_STRING_EQUAL(m1.meta->identifier, "B");
	CU_ASSERT_STRING_EQUAL(m2.meta->identifier, "B");
	dg_name_from_text(&q, "x.test", 6);
	CU_ASSERT(dg_filter_lookup(f2, &q, 20000, &m2) == 1);
	CU_ASSERT_STRING_EQUAL(m2.meta->identifier, "E");
	dg_filter_free(f1);
	dg_filter_free(f2);
	dg_filter_builder_free(b1);
	dg_filter_builder_free(b2);
	dg_journal_close(j);
}

static void
test_control_journal_optout(void)
{
	struct dg_journal_op a, d;
	struct dg_optout_prefix p;
	struct dg_optout *base, *out;
	struct dg_journal *j;

	memset(&a, 0, sizeof(a));
	a.kind = DG_JOURNAL_OPTOUT_ADD;
	dg_optout_prefix_parse("198.18.1.0/24", &a.prefix, NULL);
	d = a;
	d.kind = DG_JOURNAL_OPTOUT_DEL;
	dg_optout_prefix_parse("198.18.2.0/24", &d.prefix, NULL);
	dg_optout_prefix_parse("198.18.2.0/24", &p, NULL);
	CU_ASSERT_FATAL(dg_optout_build(&p, 1, &base) == 0);
	CU_ASSERT_FATAL(dg_journal_open(&j, NULL, NULL, err, sizeof(err)) == 0);
	dg_journal_append(j, &a, err, sizeof(err));
	dg_journal_append(j, &a, err, sizeof(err)); /* present already: no change */
	dg_journal_append(j, &d, err, sizeof(err));
	CU_ASSERT_EQUAL(dg_journal_apply_optout(j, base, &out), 0);
	CU_ASSERT_EQUAL(dg_optout_count(out), 1);
	CU_ASSERT(dg_optout_lookup_v4(out, (const uint8_t *)"\xc6\x12\x01\x05"));
	CU_ASSERT(!dg_optout_lookup_v4(out, (const uint8_t *)"\xc6\x12\x02\x05"));
	CU_ASSERT_EQUAL(dg_optout_count(base), 1); /* left alone */
	dg_optout_free(out);
	dg_optout_free(base);
	dg_journal_close(j);
}

/* Quarantine records: their own table, kept apart from opt-out's by replay and compaction. */
static void
test_control_journal_quarantine(void)
{
	struct dg_journal_op qa, qd, oa;
	struct dg_optout *q, *o;
	struct dg_journal_info info;
	struct dg_journal *j;

	fresh();
	memset(&qa, 0, sizeof(qa));
	qa.kind = DG_JOURNAL_QUARANTINE_ADD;
	CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.1.0/24", &qa.prefix, NULL) == 0);
	oa = qa;
	oa.kind = DG_JOURNAL_OPTOUT_ADD; /* the same prefix, the other table */
	qd = qa;
	qd.kind = DG_JOURNAL_QUARANTINE_DEL;
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &qa, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &oa, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_append(j, &qd, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(dg_optout_prefix_parse("2001:2::/48", &qa.prefix, NULL) == 0);
	qa.prefix.value = 255; /* a prefix's own value, the last one a record holds */
	CU_ASSERT_EQUAL(dg_journal_append(j, &qa, err, sizeof(err)), 0);
	dg_journal_close(j);
	/* a restart: replayed from the file */
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(info.records, 4);
	CU_ASSERT_EQUAL(dg_journal_get(j, 0)->kind, DG_JOURNAL_QUARANTINE_ADD);
	CU_ASSERT_EQUAL(dg_journal_get(j, 2)->kind, DG_JOURNAL_QUARANTINE_DEL);
	CU_ASSERT_EQUAL(dg_journal_apply_quarantine(j, NULL, &q), 0);
	CU_ASSERT_EQUAL(dg_optout_count(q), 1);
	CU_ASSERT(dg_optout_lookup_v6(q, (const uint8_t *)"\x20\x01\x00\x02\x00\x00\x00\x00"
						    "\x00\x00\x00\x00\x00\x00\x00\x01"));
	CU_ASSERT(!dg_optout_lookup_v4(q, (const uint8_t *)"\xc6\x12\x01\x05"));
	CU_ASSERT_EQUAL(dg_optout_get(q, 0)->value, 255);
	CU_ASSERT_EQUAL(dg_journal_get(j, 0)->prefix.value, 0);
	CU_ASSERT_EQUAL(dg_journal_apply_optout(j, NULL, &o), 0);
	CU_ASSERT_EQUAL(dg_optout_count(o), 1);
	CU_ASSERT(dg_optout_lookup_v4(o, (const uint8_t *)"\xc6\x12\x01\x05"));
	dg_optout_free(q);
	dg_optout_free(o);
	/* compaction keeps the last record per table and prefix: the opt-out add stays */
	CU_ASSERT_EQUAL(dg_journal_compact(j, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(dg_journal_count(j), 3);
	dg_journal_close(j);
	CU_ASSERT_FATAL(dg_journal_open(&j, path, &info, err, sizeof(err)) == 0);
	CU_ASSERT_EQUAL(info.records, 3);
	CU_ASSERT_EQUAL(dg_journal_apply_optout(j, NULL, &o), 0);
	CU_ASSERT_EQUAL(dg_optout_count(o), 1);
	CU_ASSERT_EQUAL(dg_journal_apply_quarantine(j, NULL, &q), 0);
	CU_ASSERT_EQUAL(dg_optout_count(q), 1);
	dg_optout_free(q);
	dg_optout_free(o);
	dg_journal_close(j);
}

static void
add_entry(struct dg_filter_builder *b, const char *name, const char *ident, const char *cat,
	  enum dg_action a, uint32_t start, uint32_t end)
{
	struct dg_entry_meta m = { .identifier = ident, .category = cat, .action = a,
				   .mode = DG_MATCH_SUBTREE, .start_day = start, .end_day = end };
	struct dg_name n;

	dg_name_from_text(&n, name, strlen(name));
	CU_ASSERT(dg_filter_builder_add(b, &n, &m) >= 0);
}

static void
test_control_idents_refresh(void)
{
	struct dg_filter_builder *b;
	struct dg_ident_meta *e;
	struct dg_idents *m;
	struct dg_filter *f;

	dg_filter_builder_create(&b, 0);
	add_entry(b, "a1.test", "ID-A", "backdoor", DG_ACTION_SINKHOLE, 100, 200);
	add_entry(b, "b1.test", "ID-B", NULL, DG_ACTION_NXDOMAIN, 50, UINT32_MAX);
	add_entry(b, "a2.test", "ID-A", "ddos", DG_ACTION_SINKHOLE, 90, 300);
	add_entry(b, "ok.test", "ID-OK", NULL, DG_ACTION_ALLOW, 10, 20);
	dg_filter_build(b, &f);
	CU_ASSERT_FATAL(dg_idents_create(&m) == 0);
	e = dg_idents_get(m, "ID-OLD", true);
	e->hits = 7;
	CU_ASSERT_EQUAL(dg_idents_refresh(m, f), 0);
	e = dg_idents_get(m, "ID-A", false);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->fqdns, 2);
	CU_ASSERT_EQUAL(e->start_day, 90);
	CU_ASSERT_EQUAL(e->end_day, 300);
	CU_ASSERT_PTR_NOT_NULL(e->category);
	e = dg_idents_get(m, "ID-B", false);
	CU_ASSERT_EQUAL(e->end_day, UINT32_MAX);
	/* all allow: no end date (open), not 1970-01-01 */
	e = dg_idents_get(m, "ID-OK", false);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->start_day, 0);
	CU_ASSERT_EQUAL(e->end_day, UINT32_MAX);
	/* only in an older snapshot: totals kept, metadata gone */
	e = dg_idents_get(m, "ID-OLD", false);
	CU_ASSERT_EQUAL(e->hits, 7);
	CU_ASSERT_EQUAL(e->fqdns, 0);
	CU_ASSERT_EQUAL(dg_idents_count(m), 4);
	/* many identifiers: the index grows, every one found again */
	for (int i = 0; i < 5000; i++) {
		char id[32];

		snprintf(id, sizeof(id), "BULK-%d", i);
		CU_ASSERT_FATAL(dg_idents_get(m, id, true) != NULL);
	}
	CU_ASSERT_PTR_NOT_NULL(dg_idents_get(m, "BULK-4999", false));
	CU_ASSERT_PTR_NULL(dg_idents_get(m, "BULK-5000", false));
	CU_ASSERT_EQUAL(dg_idents_get(m, "ID-OLD", false)->hits, 7);
	dg_idents_free(m);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

static void
test_control_build_lists_then_delta(void)
{
	struct dg_control_result res;
	struct dg_filter_builder *db;
	struct dg_filter *delta;
	struct dg_config cfg;
	struct dg_journal *j;
	struct dg_journal_op op = add_op("extra.test", "RUNTIME", NULL, DG_MATCH_EXACT);
	struct dg_match m;
	struct dg_name q;
	char list[300];
	FILE *f;

	snprintf(list, sizeof(list), "%s/list.txt", dir);
	f = fopen(list, "w");
	fprintf(f, "bad.test\nnot a name!\nextra.test\n");
	fclose(f);
	dg_config_defaults(&cfg);
	cfg.n_lists = 1;
	snprintf(cfg.lists[0].path, sizeof(cfg.lists[0].path), "%s", list);
	snprintf(cfg.lists[0].format, sizeof(cfg.lists[0].format), "domains");
	snprintf(cfg.lists[0].opts, sizeof(cfg.lists[0].opts), "identifier=LIST category=cc");
	/* a category sinkhole is filled in at build time */
	cfg.n_categories = 1;
	snprintf(cfg.categories[0].name, sizeof(cfg.categories[0].name), "cc");
	cfg.categories[0].v4_set = true;
	memcpy(cfg.categories[0].v4, (uint8_t[4]){ 198, 18, 0, 77 }, 4);
	CU_ASSERT_FATAL(dg_journal_open(&j, NULL, NULL, err, sizeof(err)) == 0);
	dg_journal_append(j, &op, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(dg_control_build(&cfg, NULL, NULL, NULL, &res, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(res.reports[0].rejected, 1);
	CU_ASSERT_EQUAL(dg_idents_get(res.meta, "LIST", false)->fqdns, 2);
	dg_name_from_text(&q, "www.bad.test", 12);
	CU_ASSERT_FATAL(dg_filter_lookup(res.filter, &q, 20000, &m) == 1);
	CU_ASSERT_STRING_EQUAL(m.meta->identifier, "LIST");
	CU_ASSERT(m.meta->has_sinkhole4 && m.meta->sinkhole4[3] == 77);
	CU_ASSERT_FALSE(m.meta->has_sinkhole6);
	/* the journal is not in the base: it is the delta's */
	dg_name_from_text(&q, "extra.test", 10);
	CU_ASSERT(dg_filter_lookup(res.filter, &q, 20000, &m) == 1);
	CU_ASSERT_STRING_EQUAL(m.meta->identifier, "LIST");
	CU_ASSERT_FATAL(dg_filter_builder_create(&db, 0) == 0);
	CU_ASSERT_EQUAL(dg_control_delta_journal(db, res.filter, j, err, sizeof(err)), 0);
	CU_ASSERT_FATAL(dg_filter_build(db, &delta) == 0);
	CU_ASSERT(dg_filter_lookup2(res.filter, delta, &q, 20000, &m) == 1);
	CU_ASSERT_STRING_EQUAL(m.meta->identifier, "RUNTIME");
	/* the exact add replaced the apex only: below extra.test the list still answers */
	dg_name_from_text(&q, "a.extra.test", 12);
	CU_ASSERT(dg_filter_lookup2(res.filter, delta, &q, 20000, &m) == 1);
	CU_ASSERT_STRING_EQUAL(m.meta->identifier, "LIST");
	dg_filter_free(delta);
	dg_filter_builder_free(db);
	dg_control_result_free(&res);
	/* a missing list: FILE:LINE of the config, nothing to free */
	snprintf(cfg.lists[0].path, sizeof(cfg.lists[0].path), "%s/nope.txt", dir);
	cfg.lists[0].line = 7;
	cfg.path = "test.ini";
	CU_ASSERT(dg_control_build(&cfg, NULL, NULL, NULL, &res, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "test.ini:7:"));
	dg_journal_close(j);
	dg_config_free(&cfg);
}

static int
setup_dir(void)
{
	return mkdtemp(dir) == NULL;
}

int
main(void)
{
	static const struct dg_test_case t[] = {
		DG_TEST(test_control_opts_every_key),
		DG_TEST(test_control_opts_string_255_and_256),
		DG_TEST(test_control_journal_round_trip),
		DG_TEST(test_control_journal_torn_at_every_byte),
		DG_TEST(test_control_journal_damaged_set_aside),
		DG_TEST(test_control_journal_compact_same_result),
		DG_TEST(test_control_journal_optout),
		DG_TEST(test_control_journal_quarantine),
		DG_TEST(test_control_idents_refresh),
		DG_TEST(test_control_build_lists_then_delta),
	};
	int rc;
	char cmd[300];

	if (setup_dir())
		return 1;
	rc = dg_test_run("control", t, sizeof(t) / sizeof(t[0]));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc++;
	return rc ? 1 : 0;
}
