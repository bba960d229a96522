/* SPDX-License-Identifier: BSD-3-Clause */
/* Loaders on small fixtures written for these tests (tests/unit/lists/fixtures). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_lists.h"
#include "dg_rpz.h"
#include "dg_test.h"

#define FX(name) FIXTURES "/" name

struct env {
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_report rep;
	struct dg_list_opts o;
	char *reports;
	size_t reports_len;
};

static int
load(struct env *e, const char *path, enum dg_list_format fmt)
{
	FILE *mem;
	int rc;

	free(e->reports);
	e->reports = NULL;
	mem = open_memstream(&e->reports, &e->reports_len);

	e->o.report = mem;
	rc = dg_lists_load(e->b, path, fmt, &e->o, &e->rep);
	fclose(mem);
	e->o.report = NULL;
	return rc;
}

static void
setup(struct env *e)
{
	memset(e, 0, sizeof(*e));
	dg_list_opts_init(&e->o);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&e->b, 0), 0);
}

static void
build(struct env *e)
{
	dg_filter_free(e->f);
	e->f = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(e->b, &e->f), 0);
}

static void
teardown(struct env *e)
{
	dg_filter_free(e->f);
	dg_filter_builder_free(e->b);
	free(e->reports);
}

/* Action for @p text, or -1; *mp gets the meta. */
static int
verdict(const struct env *e, const char *text, const struct dg_entry_meta **mp)
{
	struct dg_name n;
	struct dg_match m;

	CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&n, text, strlen(text)), 0);
	if (dg_filter_lookup(e->f, &n, 20000, &m) == 0)
		return -1;
	if (mp != NULL)
		*mp = m.meta;
	return (int)m.meta->action;
}

/* Days since the epoch, through libc (independent of dg_list_parse_day). */
static uint32_t
day(int y, int m, int d)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };

	return (uint32_t)(timegm(&tm) / 86400);
}

static void
test_lists_native(void)
{
	struct env e;
	const struct dg_entry_meta *m = NULL;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("native.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_NATIVE);
	CU_ASSERT_EQUAL(e.rep.lines, 16);
	CU_ASSERT_EQUAL(e.rep.loaded, 6);
	CU_ASSERT_EQUAL(e.rep.ignored, 4);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_INVALID], 5);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_IP], 1);
	CU_ASSERT_EQUAL(e.rep.rejected, 6);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "native.txt:11: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "native.txt:12: bad date"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "native.txt:13: end date before start"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "native.txt:16: IP address"));
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "www.c2.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_STRING_EQUAL(m->identifier, "IIJ-20240416-0001");
	CU_ASSERT_STRING_EQUAL(m->category, "backdoor");
	CU_ASSERT_EQUAL(m->start_day, day(2024, 4, 16));
	CU_ASSERT_EQUAL(m->end_day, DG_FILTER_DAY_OPEN_END);
	CU_ASSERT_TRUE(m->has_sinkhole4 && m->has_sinkhole6);
	CU_ASSERT_EQUAL(memcmp(m->sinkhole4, "\xc0\x00\x02\x01", 4), 0);
	CU_ASSERT_EQUAL(memcmp(m->sinkhole6, v6, 16), 0);
	CU_ASSERT_EQUAL(verdict(&e, "drop.example.net", &m), -1); /* ended 2024-06-30 */
	CU_ASSERT_EQUAL(verdict(&e, "x.allow.c2.example.com", NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(verdict(&e, "below.example.org", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "a.below.example.org", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "esc\\.label.example", NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(verdict(&e, "label.example", NULL), -1);
	{
		struct dg_name n;
		struct dg_match mt;

		dg_name_from_text(&n, "drop.example.net", 16);
		CU_ASSERT_EQUAL(dg_filter_lookup(e.f, &n, day(2024, 6, 30), &mt), 1);
		CU_ASSERT_STRING_EQUAL(mt.meta->category, "information theft");
		CU_ASSERT_EQUAL(mt.meta->action, DG_ACTION_DROP);
		CU_ASSERT_EQUAL(dg_filter_lookup(e.f, &n, day(2024, 7, 1), &mt), 0);
		dg_name_from_text(&n, "log.example.com", 15);
		CU_ASSERT_EQUAL(dg_filter_lookup(e.f, &n, day(2024, 7, 1), &mt), 1);
		CU_ASSERT_EQUAL(mt.meta->action, DG_ACTION_LOG_ONLY);
	}
	teardown(&e);
}

static void
test_lists_rpz(void)
{
	struct env e;
	const struct dg_entry_meta *m = NULL;

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("zone.rpz"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_RPZ);
	CU_ASSERT_EQUAL(e.rep.loaded, 9);
	CU_ASSERT_EQUAL(e.rep.duplicates, 1);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_NOT_SUPPORTED], 2);
	CU_ASSERT_EQUAL(e.rep.not_supported, 2);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_UNSUPPORTED], 3);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_INVALID], 3);
	CU_ASSERT_EQUAL(e.rep.rejected, 6);
	/* triggers dnsgate does not act on: one count line, not a line each */
	CU_ASSERT_PTR_NULL(strstr(e.reports, "zone.rpz:21:"));
	CU_ASSERT_PTR_NULL(strstr(e.reports, "zone.rpz:22:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "zone.rpz: 2 lines not supported, skipped: "
				       "rpz-ip trigger 1, rpz-nsdname trigger 1 (first: line 21)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "zone.rpz:19: owner outside $ORIGIN"));
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "nx.example.com", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "a.nx.example.com", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "nodata.example.com", NULL), DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(verdict(&e, "a.nodata.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "wild-only.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "a.wild-only.example.com", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "pass.nx.example.com", NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(verdict(&e, "a.pass.nx.example.com", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "drop.example.com", NULL), DG_ACTION_DROP);
	CU_ASSERT_EQUAL(verdict(&e, "abs.example.net", NULL), DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(verdict(&e, "upper.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "rpz.example", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "sink.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_TRUE(m->has_sinkhole4 && m->has_sinkhole6);
	CU_ASSERT_EQUAL(memcmp(m->sinkhole4, "\xc0\x00\x02\x35", 4), 0);
	CU_ASSERT_EQUAL(m->sinkhole6[15], 0x53);
	CU_ASSERT_EQUAL(verdict(&e, "sink4.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_TRUE(m->has_sinkhole4 && !m->has_sinkhole6);
	teardown(&e);
}

/* Map one wire record of zone rpz.example: owner text, type, CNAME target or address. */
static enum dg_rpz_kind
map_wire(const char *owner, uint16_t type, const char *target, const uint8_t *addr,
	 struct dg_rpz_policy *p)
{
	struct dg_name o, origin, t;
	struct dg_rpz_rr rr = { .owner = &o, .origin = &origin, .type = type,
				.rdata_fields = 1, .addr = addr };

	CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&o, owner, strlen(owner)), 0);
	CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&origin, "rpz.example.", 12), 0);
	if (target != NULL) {
		CU_ASSERT_EQUAL_FATAL(dg_name_from_text(&t, target, strlen(target)), 0);
		rr.target = &t;
	}
	return dg_rpz_map(&rr, p);
}

static int
name_is(const struct dg_name *n, const char *text)
{
	struct dg_name w;

	dg_name_from_text(&w, text, strlen(text));
	return n->len == w.len && memcmp(n->wire, w.wire, w.len) == 0;
}

static void
test_lists_rpz_map_wire(void)
{
	static const uint8_t a4[4] = { 192, 0, 2, 1 };
	struct dg_rpz_policy p;

	CU_ASSERT_EQUAL(map_wire("Bad.Example.COM.rpz.example.", DG_RPZ_TYPE_CNAME, ".", NULL, &p),
			DG_RPZ_POLICY);
	CU_ASSERT_TRUE(name_is(&p.name, "bad.example.com"));
	CU_ASSERT_EQUAL(p.mode, DG_MATCH_EXACT);
	CU_ASSERT_EQUAL(p.action, DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(map_wire("*.bad.example.com.rpz.example.", DG_RPZ_TYPE_CNAME, "*.", NULL,
				 &p), DG_RPZ_POLICY);
	CU_ASSERT_TRUE(name_is(&p.name, "bad.example.com"));
	CU_ASSERT_EQUAL(p.mode, DG_MATCH_BELOW);
	CU_ASSERT_EQUAL(p.action, DG_ACTION_NODATA);
	CU_ASSERT_EQUAL(map_wire("ok.example.rpz.example.", DG_RPZ_TYPE_CNAME, "RPZ-PASSTHRU.",
				 NULL, &p), DG_RPZ_POLICY);
	CU_ASSERT_EQUAL(p.action, DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(map_wire("d.example.rpz.example.", DG_RPZ_TYPE_CNAME, "rpz-drop.", NULL,
				 &p), DG_RPZ_POLICY);
	CU_ASSERT_EQUAL(p.action, DG_ACTION_DROP);
	CU_ASSERT_EQUAL(map_wire("s.example.rpz.example.", DG_RPZ_TYPE_A, NULL, a4, &p),
			DG_RPZ_POLICY);
	CU_ASSERT_EQUAL(p.action, DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(p.family, 4);
	CU_ASSERT_EQUAL(memcmp(p.addr, a4, 4), 0);
	/* the zone header, and what the rules do not take */
	CU_ASSERT_EQUAL(map_wire("rpz.example.", DG_RPZ_TYPE_SOA, NULL, NULL, &p), DG_RPZ_HEADER);
	CU_ASSERT_EQUAL(map_wire("RPZ.example.", DG_RPZ_TYPE_NS, NULL, NULL, &p), DG_RPZ_HEADER);
	CU_ASSERT_EQUAL(map_wire("rpz.example.", DG_RPZ_TYPE_A, NULL, a4, &p), DG_RPZ_REJECT);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.reason, "TYPE1 record at the zone apex"));
	CU_ASSERT_EQUAL(map_wire("ns.rpz.example.", DG_RPZ_TYPE_NS, NULL, NULL, &p), DG_RPZ_REJECT);
	CU_ASSERT_EQUAL(p.why, DG_LIST_SKIP_UNSUPPORTED);
	CU_ASSERT_EQUAL(map_wire("32.1.2.0.192.rpz-ip.rpz.example.", DG_RPZ_TYPE_CNAME, ".", NULL,
				 &p), DG_RPZ_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(p.why, DG_LIST_SKIP_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(map_wire("x.example.net.", DG_RPZ_TYPE_CNAME, ".", NULL, &p), DG_RPZ_REJECT);
	CU_ASSERT_EQUAL(p.why, DG_LIST_SKIP_INVALID);
	CU_ASSERT_EQUAL(map_wire("*.rpz.example.", DG_RPZ_TYPE_CNAME, ".", NULL, &p), DG_RPZ_REJECT);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.reason, "whole zone"));
	CU_ASSERT_EQUAL(map_wire("a.*.b.rpz.example.", DG_RPZ_TYPE_CNAME, ".", NULL, &p),
			DG_RPZ_REJECT);
	CU_ASSERT_EQUAL(p.why, DG_LIST_SKIP_UNSUPPORTED);
	CU_ASSERT_EQUAL(map_wire("r.example.rpz.example.", DG_RPZ_TYPE_CNAME, "www.example.org.",
				 NULL, &p), DG_RPZ_REJECT);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.reason, "CNAME www.example.org. (rewrite"));
	CU_ASSERT_EQUAL(map_wire("t.example.rpz.example.", DG_RPZ_TYPE_CNAME, "rpz-tcp-only.", NULL,
				 &p), DG_RPZ_REJECT);
	CU_ASSERT_EQUAL(map_wire("t.example.rpz.example.", 16, NULL, NULL, &p), DG_RPZ_REJECT);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.reason, "local data of type TYPE16"));
	CU_ASSERT_EQUAL(map_wire("s.example.rpz.example.", DG_RPZ_TYPE_AAAA, NULL, NULL, &p),
			DG_RPZ_REJECT);
	CU_ASSERT_EQUAL(p.why, DG_LIST_SKIP_INVALID);
}

/* The list option that BIND calls `policy`: every block entry gets one action. */
static void
test_lists_rpz_action_override(void)
{
	struct env e;
	const struct dg_entry_meta *m = NULL;

	setup(&e);
	e.o.rpz_action = DG_ACTION_DROP;
	e.o.defaults.identifier = "FEED-1";
	CU_ASSERT_EQUAL(load(&e, FX("zone.rpz"), DG_LIST_RPZ), 0);
	CU_ASSERT_EQUAL(e.rep.loaded, 9);
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "nx.example.com", &m), DG_ACTION_DROP);
	CU_ASSERT_STRING_EQUAL(m->identifier, "FEED-1");
	CU_ASSERT_EQUAL(verdict(&e, "nodata.example.com", NULL), DG_ACTION_DROP);
	CU_ASSERT_EQUAL(verdict(&e, "pass.nx.example.com", NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(verdict(&e, "sink.example.com", &m), DG_ACTION_DROP);
	CU_ASSERT_FALSE(m->has_sinkhole4 || m->has_sinkhole6);
	teardown(&e);
}

static void
test_lists_domains_bom_crlf(void)
{
	struct env e;

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("domains.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_DOMAINS);
	CU_ASSERT_EQUAL(e.rep.lines, 11);
	CU_ASSERT_EQUAL(e.rep.loaded, 4);
	CU_ASSERT_EQUAL(e.rep.ignored, 3);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_IP], 2);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_INVALID], 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "domains.txt:10: bad character 0xc3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "domains.txt:11: text after the name"));
	build(&e);
	/* default mode for domain lists: subtree */
	CU_ASSERT_EQUAL(verdict(&e, "ads.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "x.ADS.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "trailing.example.org", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "xn--bcher-kva.example", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "inline.example.net", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "example.com", NULL), -1);
	teardown(&e);

	/* the same file as exact names, with an identifier */
	setup(&e);
	e.o.mode = DG_MATCH_EXACT;
	e.o.defaults.identifier = "SRC-1";
	e.o.defaults.action = DG_ACTION_NXDOMAIN;
	CU_ASSERT_EQUAL(load(&e, FX("domains.txt"), DG_LIST_DOMAINS), 0);
	build(&e);
	const struct dg_entry_meta *m = NULL;

	CU_ASSERT_EQUAL(verdict(&e, "ads.example.com", &m), DG_ACTION_NXDOMAIN);
	CU_ASSERT_STRING_EQUAL(m->identifier, "SRC-1");
	CU_ASSERT_EQUAL(verdict(&e, "x.ads.example.com", NULL), -1);
	teardown(&e);
}

static void
test_lists_hosts(void)
{
	struct env e;
	const struct dg_entry_meta *m = NULL;

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("hosts.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_HOSTS);
	CU_ASSERT_EQUAL(e.rep.loaded, 5);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_LOCALHOST], 6);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_IP], 2);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_INVALID], 2);
	CU_ASSERT_EQUAL(e.rep.rejected, 4);
	CU_ASSERT_PTR_NULL(strstr(e.reports, "localhost"));
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "one.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "two.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "three.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "upper.example.com", NULL), DG_ACTION_SINKHOLE);
	/* hosts entries are exact by default */
	CU_ASSERT_EQUAL(verdict(&e, "www.one.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "localhost", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "redirect.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_TRUE(m->has_sinkhole4);
	CU_ASSERT_EQUAL(memcmp(m->sinkhole4, "\xc0\x00\x02\x50", 4), 0);
	CU_ASSERT_EQUAL(verdict(&e, "one.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_FALSE(m->has_sinkhole4);
	teardown(&e);
}

static void
test_lists_wildcard_adblock(void)
{
	struct env e;

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("wildcard.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_WILDCARD);
	CU_ASSERT_EQUAL(e.rep.loaded, 2);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_IP], 1);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_UNSUPPORTED], 1);
	CU_ASSERT_EQUAL(load(&e, FX("adblock.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(e.rep.format, DG_LIST_ADBLOCK);
	CU_ASSERT_EQUAL(e.rep.loaded, 4);
	CU_ASSERT_EQUAL(e.rep.ignored, 2);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_UNSUPPORTED], 4);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_IP], 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "adblock.txt:6: modifier $third-party"));
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "wild.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "a.wild.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "exact.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "a.exact.example.com", NULL), -1);
	CU_ASSERT_EQUAL(verdict(&e, "ads.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "x.ads.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "ok.ads.example.com", NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(verdict(&e, "x.ok.ads.example.com", NULL), DG_ACTION_ALLOW);
	CU_ASSERT_EQUAL(verdict(&e, "x.important.example.com", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "bare.example.net", NULL), DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(verdict(&e, "3p.example.com", NULL), -1);
	teardown(&e);
}

static void
test_lists_precedence(void)
{
	struct env e;
	const struct dg_entry_meta *m = NULL;

	/* later source wins among blocks; allow wins whatever the order */
	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("prec_early.txt"), DG_LIST_DOMAINS), 0);
	CU_ASSERT_EQUAL(load(&e, FX("prec_late.txt"), DG_LIST_AUTO), 0);
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "x.dup.example.com", &m), DG_ACTION_NODATA);
	CU_ASSERT_STRING_EQUAL(m->identifier, "LATE-1");
	CU_ASSERT_EQUAL(verdict(&e, "shielded.example.com", NULL), DG_ACTION_ALLOW);
	teardown(&e);

	setup(&e);
	CU_ASSERT_EQUAL(load(&e, FX("prec_late.txt"), DG_LIST_AUTO), 0);
	CU_ASSERT_EQUAL(load(&e, FX("prec_early.txt"), DG_LIST_DOMAINS), 0);
	build(&e);
	CU_ASSERT_EQUAL(verdict(&e, "x.dup.example.com", &m), DG_ACTION_SINKHOLE);
	CU_ASSERT_PTR_NULL(m->identifier);
	CU_ASSERT_EQUAL(verdict(&e, "shielded.example.com", NULL), DG_ACTION_ALLOW);
	teardown(&e);
}

struct cb_log {
	unsigned int calls;
	unsigned long last_line;
	enum dg_list_skip last_why;
};

static void
report_cb(void *arg, const char *file, unsigned long line, enum dg_list_skip why,
	  const char *reason)
{
	struct cb_log *l = arg;

	CU_ASSERT_PTR_NOT_NULL(strstr(file, "hosts.txt"));
	CU_ASSERT_PTR_NOT_NULL(reason);
	l->calls++;
	l->last_line = line;
	l->last_why = why;
}

static void
test_lists_strict_and_errors(void)
{
	struct env e;
	struct cb_log log = { 0 };

	setup(&e);
	e.o.report_cb = report_cb;
	e.o.report_arg = &log;
	CU_ASSERT_EQUAL(load(&e, FX("hosts.txt"), DG_LIST_HOSTS), 0);
	CU_ASSERT_EQUAL(log.calls, 4); /* the rejections, not the localhost lines */
	CU_ASSERT_EQUAL(log.last_line, 13);
	CU_ASSERT_EQUAL(log.last_why, DG_LIST_SKIP_INVALID);
	teardown(&e);

	setup(&e);
	e.o.strict = 1;
	CU_ASSERT_EQUAL(load(&e, FX("hosts.txt"), DG_LIST_HOSTS), -EINVAL);
	CU_ASSERT_EQUAL(e.rep.lines, 6); /* localhost lines are not rejections */
	CU_ASSERT_EQUAL(e.rep.rejected, 1);
	/* the failing line, then its count: nothing after it was read */
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "hosts.txt:6: IP address '0.0.0.0'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.reports, "hosts.txt: 1 line rejected: IP address '...'"));
	CU_ASSERT_EQUAL(strchr(strchr(e.reports, '\n') + 1, '\n') - e.reports + 1,
			(long)e.reports_len);
	CU_ASSERT_EQUAL(load(&e, FX("no-such-file"), DG_LIST_AUTO), -ENOENT);
	CU_ASSERT_EQUAL(dg_list_format_parse("rpz"), DG_LIST_RPZ);
	CU_ASSERT_EQUAL(dg_list_format_parse("bind"), -EINVAL);
	teardown(&e);
}

static void
test_lists_parse_day(void)
{
	uint32_t d = 0;

	CU_ASSERT_EQUAL(dg_list_parse_day("1970-01-01", 10, 0, &d), 0);
	CU_ASSERT_EQUAL(d, 0);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-02-29", 10, 0, &d), 0);
	CU_ASSERT_EQUAL(d, day(2024, 2, 29));
	CU_ASSERT_EQUAL(dg_list_parse_day("2100-12-31", 10, 0, &d), 0);
	CU_ASSERT_EQUAL(d, day(2100, 12, 31));
	CU_ASSERT_EQUAL(dg_list_parse_day("-", 1, 77, &d), 0);
	CU_ASSERT_EQUAL(d, 77);
	CU_ASSERT_EQUAL(dg_list_parse_day("2023-02-29", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-13-01", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-1-01", 9, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("20240101", 8, 0, &d), -EINVAL);
	/* ten characters, but not YYYY-MM-DD: refused, not read as 2024-01-11 */
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-1-011", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-001-1", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("202401-011", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-01-1-", 10, 0, &d), -EINVAL);
	CU_ASSERT_EQUAL(dg_list_parse_day("2024-01-11", 10, 0, &d), 0);
	CU_ASSERT_EQUAL(d, day(2024, 1, 11));
}

/* Load @p text (a whole file) from memory. */
static int
load_text(struct env *e, const char *text, enum dg_list_format fmt)
{
	FILE *in = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	rc = dg_lists_load_stream(e->b, in, "mem", fmt, &e->o, &e->rep);
	fclose(in);
	return rc;
}

/* A native line has at most 63 fields: more are refused, not silently dropped. */
static void
test_lists_native_field_limit(void)
{
	char line[2048];
	struct env e;
	size_t o;

	setup(&e);
	e.o.report = NULL;
	/* 7 fields + 56 addresses = 63 fields: the last one allowed */
	o = (size_t)snprintf(line, sizeof(line), "a.example - - sinkhole exact - -");
	for (int i = 0; i < 56; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " 198.18.0.%d", i + 1);
	snprintf(line + o, sizeof(line) - o, "\n");
	CU_ASSERT_EQUAL(load_text(&e, line, DG_LIST_NATIVE), 0);
	CU_ASSERT_EQUAL(e.rep.loaded, 1);
	CU_ASSERT_EQUAL(e.rep.rejected, 0);
	/* one past: a 64th field */
	o += (size_t)snprintf(line + o, sizeof(line) - o, " 198.18.0.99");
	snprintf(line + o, sizeof(line) - o, "\n");
	line[0] = 'b';
	CU_ASSERT_EQUAL(load_text(&e, line, DG_LIST_NATIVE), 0);
	CU_ASSERT_EQUAL(e.rep.loaded, 0);
	CU_ASSERT_EQUAL(e.rep.rejected, 1);
	/* and garbage past the 64th field was read by no one */
	snprintf(line + o, sizeof(line) - o, " bogus\n");
	line[0] = 'c';
	CU_ASSERT_EQUAL(load_text(&e, line, DG_LIST_NATIVE), 0);
	CU_ASSERT_EQUAL(e.rep.loaded, 0);
	CU_ASSERT_EQUAL(e.rep.rejected, 1);
	CU_ASSERT_EQUAL(e.rep.skipped[DG_LIST_SKIP_INVALID], 1);
	teardown(&e);
}

DG_TEST_MAIN("lists",
	DG_TEST(test_lists_native),
	DG_TEST(test_lists_rpz),
	DG_TEST(test_lists_rpz_map_wire),
	DG_TEST(test_lists_rpz_action_override),
	DG_TEST(test_lists_domains_bom_crlf),
	DG_TEST(test_lists_hosts),
	DG_TEST(test_lists_wildcard_adblock),
	DG_TEST(test_lists_precedence),
	DG_TEST(test_lists_strict_and_errors),
	DG_TEST(test_lists_parse_day),
	DG_TEST(test_lists_native_field_limit))
