/* SPDX-License-Identifier: BSD-3-Clause */
/* Rejected lines: counts per reason kind, caps, the bounded report, not-supported lines. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_list_rejects.h"
#include "dg_lists.h"
#include "dg_test.h"

/* Lines of @p text that start with @p prefix and a digit (`FILE:LINE: ...`). */
static unsigned int
count_lines(const char *text, const char *prefix)
{
	unsigned int n = 0;
	size_t pl = strlen(prefix);

	for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, prefix, pl) == 0 && p[pl] >= '0' && p[pl] <= '9')
			n++;
	return n;
}

static unsigned int
total_lines(const char *text)
{
	unsigned int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* The report of @p r for @p max lines, as a malloc'd string. */
static char *
report(const struct dg_list_rejects *r, size_t max)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	CU_ASSERT_FATAL(m != NULL);
	CU_ASSERT_EQUAL(dg_list_rejects_write(r, m, max), 0);
	fclose(m);
	return text;
}

struct load {
	struct dg_filter_builder *b;
	struct dg_list_opts o;
	struct dg_list_report rep;
	char *out;
	size_t out_len;
	int rc;
};

/* Load @p text as @p fmt named "L", report to a string. */
static void
load_text(struct load *l, const char *text, enum dg_list_format fmt)
{
	FILE *in = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FILE *m;

	CU_ASSERT_FATAL(in != NULL);
	free(l->out);
	l->out = NULL;
	m = open_memstream(&l->out, &l->out_len);
	CU_ASSERT_FATAL(m != NULL);
	l->o.report = m;
	l->rc = dg_lists_load_stream(l->b, in, "L", fmt, &l->o, &l->rep);
	fclose(m);
	fclose(in);
	l->o.report = NULL;
}

static void
load_init(struct load *l)
{
	memset(l, 0, sizeof(*l));
	dg_list_opts_init(&l->o);
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&l->b, 0), 0);
}

static void
load_fini(struct load *l)
{
	dg_filter_builder_free(l->b);
	free(l->out);
}

/* @p n lines "bad..N" (invalid name) and @p ips lines "198.18.0.N" (an address). */
static char *
bad_domains(unsigned int n, unsigned int ips)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	fprintf(m, "good.example\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(m, "bad..%u.example\n", i);
	for (unsigned int i = 0; i < ips; i++)
		fprintf(m, "198.18.%u.%u\n", i / 256, i % 256);
	fclose(m);
	return text;
}

static void
test_lists_rejects_reason_kind(void)
{
	char k[64];

	dg_list_reason_kind("bad character 0x%02x in name '%.*s' (use punycode)", k, sizeof(k));
	CU_ASSERT_STRING_EQUAL(k, "bad character 0x... in name '...' (use punycode)");
	dg_list_reason_kind("%d fields, 100%% sure", k, sizeof(k));
	CU_ASSERT_STRING_EQUAL(k, "... fields, 100% sure");
	dg_list_reason_kind("no conversion", k, sizeof(k));
	CU_ASSERT_STRING_EQUAL(k, "no conversion");
	/* a lone '%' at the end, and the cut: size - 1 bytes and a NUL */
	dg_list_reason_kind("end %", k, sizeof(k));
	CU_ASSERT_STRING_EQUAL(k, "end ...");
	dg_list_reason_kind("abcdef", k, 6);
	CU_ASSERT_STRING_EQUAL(k, "abcde");
	dg_list_reason_kind("abcdef", k, 7);
	CU_ASSERT_STRING_EQUAL(k, "abcdef");
	dg_list_reason_kind("ab%s", k, 4);
	CU_ASSERT_STRING_EQUAL(k, "ab.");
}

/* Two rejected lines of file "F" under a cap of @p max_bytes. */
static struct dg_list_rejects *
two_lines(size_t max_bytes)
{
	struct dg_list_rejects *r = NULL;

	CU_ASSERT_EQUAL_FATAL(dg_list_rejects_create(&r, 100, max_bytes), 0);
	CU_ASSERT_EQUAL(dg_list_rejects_reset(r, "F"), 0);
	dg_list_rejects_add(r, 7, DG_LIST_SKIP_INVALID, "k", "abc");
	dg_list_rejects_add(r, 8, DG_LIST_SKIP_INVALID, "k", "abc");
	return r;
}

/* Keep caps: the last line that fits and one past it, in lines and in bytes. */
static void
test_lists_rejects_caps(void)
{
	struct dg_list_rejects *r;
	struct dg_list_rejects_info in;
	unsigned long line;
	const char *why;
	char *text;

	CU_ASSERT_EQUAL_FATAL(dg_list_rejects_create(&r, 3, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(dg_list_rejects_reset(r, "F"), 0);
	for (unsigned long i = 1; i <= 4; i++)
		CU_ASSERT_EQUAL(dg_list_rejects_add(r, i * 10, DG_LIST_SKIP_INVALID, "k", "bad"), 0);
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.rejected, 4);
	CU_ASSERT_EQUAL(in.kept, 3);
	CU_ASSERT_EQUAL(in.dropped, 1);
	CU_ASSERT_EQUAL(dg_list_rejects_get(r, 2, &line, &why), 0);
	CU_ASSERT_EQUAL(line, 30);
	CU_ASSERT_STRING_EQUAL(why, "bad");
	CU_ASSERT_EQUAL(dg_list_rejects_get(r, 3, &line, &why), -ENOENT);
	text = report(r, SIZE_MAX);
	CU_ASSERT_STRING_EQUAL(text, "F:10: bad\nF:20: bad\nF:30: bad\n"
			       "F: 4 lines rejected: k (first: line 10)\n"
			       "F: 1 more rejected line not kept (cap: 3 lines, "
			       "18446744073709551615 bytes)\n");
	free(text);
	dg_list_rejects_free(r);

	/* "F:7: abc\n" is 9 bytes: two fit in 18, not in 17 */
	r = two_lines(18);
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.kept, 2);
	text = report(r, SIZE_MAX);
	CU_ASSERT_EQUAL(strncmp(text, "F:7: abc\nF:8: abc\nF: 2 lines", 28), 0);
	free(text);
	CU_ASSERT_EQUAL(dg_list_rejects_reset(r, "F"), 0);
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.rejected + in.kept + in.kinds, 0);
	dg_list_rejects_free(r);
	r = two_lines(17);
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.kept, 1);
	CU_ASSERT_EQUAL(in.dropped, 1);
	dg_list_rejects_free(r);

	/* long reasons are cut, localhost lines are not recorded at all */
	CU_ASSERT_EQUAL_FATAL(dg_list_rejects_create(&r, 10, SIZE_MAX), 0);
	CU_ASSERT_EQUAL(dg_list_rejects_reset(r, "F"), 0);
	{
		char big[DG_LIST_REJECTS_REASON_MAX + 10];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		dg_list_rejects_add(r, 1, DG_LIST_SKIP_INVALID, "k", big);
		dg_list_rejects_add(r, 2, DG_LIST_SKIP_LOCALHOST, "localhost", "localhost");
	}
	CU_ASSERT_EQUAL(dg_list_rejects_get(r, 0, &line, &why), 0);
	CU_ASSERT_EQUAL(strlen(why), DG_LIST_REJECTS_REASON_MAX - 1);
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.rejected, 1);
	CU_ASSERT_EQUAL(in.kinds, 1);
	dg_list_rejects_free(r);
}

/* More kinds than the table: the last slot counts the rest as "other reasons". */
static void
test_lists_rejects_kinds_overflow(void)
{
	struct dg_list_rejects *r;
	struct dg_list_rejects_info in;
	char k[16], *text;

	CU_ASSERT_EQUAL_FATAL(dg_list_rejects_create(&r, 0, 0), 0);
	CU_ASSERT_EQUAL(dg_list_rejects_reset(r, "F"), 0);
	for (unsigned int i = 0; i < DG_LIST_REJECTS_MAX_KINDS + 5; i++) {
		snprintf(k, sizeof(k), "kind %u", i);
		dg_list_rejects_add(r, i + 1, DG_LIST_SKIP_INVALID, k, k);
	}
	dg_list_rejects_info(r, &in);
	CU_ASSERT_EQUAL(in.kinds, DG_LIST_REJECTS_MAX_KINDS);
	CU_ASSERT_EQUAL(in.rejected, DG_LIST_REJECTS_MAX_KINDS + 5);
	CU_ASSERT_EQUAL(in.kept, 0);
	text = report(r, SIZE_MAX);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "F: 1 line rejected: kind 62 (first: line 63)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "F: 6 lines rejected: other reasons (first: line 64)\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "kind 63"));
	CU_ASSERT_EQUAL(total_lines(text), DG_LIST_REJECTS_MAX_KINDS + 1);
	free(text);
	dg_list_rejects_free(r);
}

/* The report a load writes: 20 lines, then counts; the 21st line is left out. */
static void
test_lists_rejects_report_bounded(void)
{
	struct load l;
	char *text;

	load_init(&l);
	text = bad_domains(15, 5);
	load_text(&l, text, DG_LIST_DOMAINS);
	CU_ASSERT_EQUAL(l.rc, 0);
	CU_ASSERT_EQUAL(l.rep.rejected, 20);
	CU_ASSERT_EQUAL(count_lines(l.out, "L:"), 20);
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L:2: bad name 'bad..0.example'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L: 15 lines rejected: bad name '...' (first: line 2)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L: 5 lines rejected: IP address '...' where a name "
				      "was expected (first: line 17)\n"));
	CU_ASSERT_PTR_NULL(strstr(l.out, "more rejected"));
	CU_ASSERT_EQUAL(total_lines(l.out), 22);
	free(text);

	text = bad_domains(15, 6);
	load_text(&l, text, DG_LIST_DOMAINS);
	CU_ASSERT_EQUAL(l.rep.rejected, 21);
	CU_ASSERT_EQUAL(count_lines(l.out, "L:"), 20);
	CU_ASSERT_PTR_NULL(strstr(l.out, "L:22:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L: 1 more rejected line not shown\n"));
	CU_ASSERT_EQUAL(total_lines(l.out), 23);
	free(text);

	/* thousands of bad lines: still 20 lines and the counts */
	text = bad_domains(3000, 2000);
	load_text(&l, text, DG_LIST_DOMAINS);
	CU_ASSERT_EQUAL(l.rep.rejected, 5000);
	CU_ASSERT_EQUAL(l.rep.loaded + l.rep.duplicates, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L: 4980 more rejected lines not shown\n"));
	CU_ASSERT_EQUAL(total_lines(l.out), 23);
	free(text);

	/* the caller's record keeps them all, the report still shows 20 */
	CU_ASSERT_EQUAL_FATAL(dg_list_rejects_create(&l.o.rejects, DG_LIST_REJECTS_MAX_LINES,
						     DG_LIST_REJECTS_MAX_BYTES), 0);
	text = bad_domains(3000, 2000);
	load_text(&l, text, DG_LIST_DOMAINS);
	free(text);
	CU_ASSERT_EQUAL(total_lines(l.out), 23);
	text = report(l.o.rejects, SIZE_MAX);
	CU_ASSERT_EQUAL(count_lines(text, "L:"), 5000);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "L:5001: IP address '198.18.7.207' where a name was "
				      "expected\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "more rejected"));
	free(text);
	CU_ASSERT_STRING_EQUAL(dg_list_rejects_file(l.o.rejects), "L");
	dg_list_rejects_free(l.o.rejects);
	load_fini(&l);
}

/* RPZ triggers dnsgate does not act on: counted once, never an error, even when strict. */
static void
test_lists_rejects_not_supported_strict(void)
{
	static const char zone[] =
		"$ORIGIN rpz.example.\n"
		"nx.example.com CNAME .\n"
		"32.1.2.0.192.rpz-ip CNAME .\n"
		"32.2.2.0.192.rpz-ip.rpz.example. CNAME .\n"
		"ns.evil.rpz-nsdname CNAME .\n"
		"32.3.2.0.192.rpz-nsip CNAME .\n"
		"32.4.2.0.192.rpz-client-ip CNAME rpz-drop.\n"
		"drop.example.com CNAME rpz-drop.\n";
	static const char bad[] =
		"nx.example.com CNAME .\n"
		"32.1.2.0.192.rpz-ip CNAME .\n"
		"bad..example CNAME .\n"
		"more.example.com CNAME .\n";
	struct load l;

	load_init(&l);
	l.o.strict = 1;
	load_text(&l, zone, DG_LIST_RPZ);
	CU_ASSERT_EQUAL(l.rc, 0);
	CU_ASSERT_EQUAL(l.rep.loaded, 2);
	CU_ASSERT_EQUAL(l.rep.rejected, 0);
	CU_ASSERT_EQUAL(l.rep.not_supported, 5);
	CU_ASSERT_STRING_EQUAL(l.out, "L: 5 lines not supported, skipped: rpz-ip trigger 2, "
			       "rpz-nsdname trigger 1, rpz-nsip trigger 1, rpz-client-ip trigger 1 "
			       "(first: line 3)\n");
	/* strict still fails on a real error, after the not-supported line before it */
	load_text(&l, bad, DG_LIST_RPZ);
	CU_ASSERT_EQUAL(l.rc, -EINVAL);
	CU_ASSERT_EQUAL(l.rep.lines, 3);
	CU_ASSERT_EQUAL(l.rep.rejected, 1);
	CU_ASSERT_EQUAL(l.rep.not_supported, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L:3: bad name 'bad..example'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.out, "L: 1 line not supported, skipped: rpz-ip trigger 1"));
	load_fini(&l);
}

/* A clean load prints nothing; no report and no record cost nothing either. */
static void
test_lists_rejects_clean_and_silent(void)
{
	struct load l;

	load_init(&l);
	load_text(&l, "a.example\nb.example\n", DG_LIST_DOMAINS);
	CU_ASSERT_EQUAL(l.rc, 0);
	CU_ASSERT_EQUAL(l.out_len, 0);
	l.o.report_lines = 0;
	load_text(&l, "bad..example\n", DG_LIST_DOMAINS);
	CU_ASSERT_STRING_EQUAL(l.out, "L: 1 line rejected: bad name '...' (first: line 1)\n"
			       "L: 1 more rejected line not shown\n");
	load_fini(&l);
}

DG_TEST_MAIN("lists_rejects",
	DG_TEST(test_lists_rejects_reason_kind),
	DG_TEST(test_lists_rejects_caps),
	DG_TEST(test_lists_rejects_kinds_overflow),
	DG_TEST(test_lists_rejects_report_bounded),
	DG_TEST(test_lists_rejects_not_supported_strict),
	DG_TEST(test_lists_rejects_clean_and_silent))
