/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dg_prom.h"
#include "dg_test.h"

static void
test_stats_prom_page(void)
{
	const char *const act[] = { "action", "sinkhole", "port", "0" };
	const char *const odd[] = { "identifier", "a\"b\\c\nd" };
	struct dg_prom *p;
	size_t len;

	CU_ASSERT_FATAL(dg_prom_new(&p) == 0);
	CU_ASSERT(dg_prom_family(p, "dnsgate_queries_total", "counter",
				 "All queries, opt-out excluded.\nSecond \\ line") == 0);
	CU_ASSERT(dg_prom_sample(p, "dnsgate_queries_total", NULL, 0, 18446744073709551615ULL)
		  == 0);
	CU_ASSERT(dg_prom_family(p, "dnsgate_filtered_total", "counter", "By action.") == 0);
	CU_ASSERT(dg_prom_sample(p, "dnsgate_filtered_total", act, 2, 3) == 0);
	CU_ASSERT(dg_prom_sample(p, "dnsgate_filtered_total", odd, 1, 0) == 0);
	CU_ASSERT_STRING_EQUAL(dg_prom_text(p, &len),
		"# HELP dnsgate_queries_total All queries, opt-out excluded.\\nSecond \\\\ line\n"
		"# TYPE dnsgate_queries_total counter\n"
		"dnsgate_queries_total 18446744073709551615\n"
		"# HELP dnsgate_filtered_total By action.\n"
		"# TYPE dnsgate_filtered_total counter\n"
		"dnsgate_filtered_total{action=\"sinkhole\",port=\"0\"} 3\n"
		"dnsgate_filtered_total{identifier=\"a\\\"b\\\\c\\nd\"} 0\n");
	CU_ASSERT_EQUAL(len, strlen(dg_prom_text(p, &len)));
	dg_prom_reset(p);
	CU_ASSERT_STRING_EQUAL(dg_prom_text(p, &len), "");
	CU_ASSERT_EQUAL(len, 0);
	dg_prom_free(p);
	dg_prom_free(NULL);
}

static void
test_stats_prom_rejects_bad_names(void)
{
	const char *const bad_label[] = { "9x", "v" };
	const char *const colon_label[] = { "a:b", "v" };
	const char *const null_value[] = { "a", NULL };
	struct dg_prom *p;
	size_t len;

	CU_ASSERT_FATAL(dg_prom_new(&p) == 0);
	CU_ASSERT_EQUAL(dg_prom_family(p, "1abc", "counter", "x"), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_family(p, "a-b", "counter", "x"), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_family(p, "ok", "histogram", "x"), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_sample(p, "", NULL, 0, 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_sample(p, "ok", bad_label, 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_sample(p, "ok", colon_label, 1, 1), -EINVAL);
	CU_ASSERT_EQUAL(dg_prom_sample(p, "ok", null_value, 1, 1), -EINVAL);
	CU_ASSERT(dg_prom_sample(p, "dnsgate:ok_total", NULL, 0, 1) == 0);
	CU_ASSERT_STRING_EQUAL(dg_prom_text(p, &len), "dnsgate:ok_total 1\n");
	dg_prom_free(p);
}

static void
test_stats_prom_atomic_write(void)
{
	char dir[] = "/tmp/dg_prom_test.XXXXXX", path[256], got[256];
	struct dg_prom *p;
	struct stat st;
	mode_t mask;
	FILE *f;
	size_t n;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/dnsgate.prom", dir);
	CU_ASSERT_FATAL(dg_prom_new(&p) == 0);
	CU_ASSERT(dg_prom_sample(p, "a", NULL, 0, 1) == 0);
	CU_ASSERT(dg_prom_write(p, path) == 0);
	/* A second page replaces the first whole; no temporary file is left behind. */
	dg_prom_reset(p);
	CU_ASSERT(dg_prom_sample(p, "b", NULL, 0, 2) == 0);
	CU_ASSERT(dg_prom_write(p, path) == 0);
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	CU_ASSERT_STRING_EQUAL(got, "b 2\n");
	mask = umask(0);
	umask(mask);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~mask));
	snprintf(got, sizeof(got), "%s/dnsgate.prom.%d.tmp", dir, (int)getpid());
	CU_ASSERT(access(got, F_OK) != 0);
	/* A directory that does not exist: an error, nothing created. */
	snprintf(got, sizeof(got), "%s/missing/dnsgate.prom", dir);
	CU_ASSERT_EQUAL(dg_prom_write(p, got), -ENOENT);
	dg_prom_free(p);
	unlink(path);
	rmdir(dir);
}

DG_TEST_MAIN("stats_prom",
	DG_TEST(test_stats_prom_page),
	DG_TEST(test_stats_prom_rejects_bad_names),
	DG_TEST(test_stats_prom_atomic_write))
