/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loaders on the real third-party lists under ../shared/data/blocklists (run only when
 * DG_SHARED_DATA points there). Every expected count comes from a grep/awk pipeline run
 * here with popen(), never from the code under test.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dg_lists.h"
#include "dg_test.h"

/* Patterns shared by the pipelines. */
#define IPV4_ONLY "'[0-9.]+'"
#define LOCALHOST "'localhost|localhost\\.localdomain|local|broadcasthost|ip6-[a-z]+'"
#define HOSTS_NAMES \
	"grep -v '^#' '%s' | awk 'NF>=2{for(i=2;i<=NF;i++){if($i ~ /^#/)break; print $i}}'"

static char dir[4096];

/* The number printed by a shell pipeline (UINT64_MAX, and a failed assert, if none). */
static uint64_t
sh_count(const char *fmt, ...)
{
	char cmd[8192];
	long v = -1;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	if (fscanf(p, "%ld", &v) != 1)
		v = -1;
	pclose(p);
	CU_ASSERT_TRUE(v >= 0);
	return v >= 0 ? (uint64_t)v : UINT64_MAX;
}

static int
have_data(const char *file, char *path, size_t size)
{
	const char *d = dg_test_shared_data();

	if (d == NULL) {
		printf("\n  shared data absent: skipped\n");
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/blocklists", d);
	snprintf(path, size, "%s/%s", dir, file);
	return 1;
}

struct loaded {
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_report rep;
};

static void
load(struct loaded *l, const char *path, enum dg_list_format fmt)
{
	struct dg_list_opts o;

	dg_list_opts_init(&o);
	o.report = NULL; /* thousands of IP lines: counted, not printed */
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&l->b, 0), 0);
	CU_ASSERT_EQUAL(dg_lists_load(l->b, path, fmt, &o, &l->rep), 0);
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(l->b, &l->f), 0);
	printf("\n  %s: %s lines %llu loaded %llu ip %llu localhost %llu rejected %llu", path,
	       dg_list_format_name(l->rep.format), (unsigned long long)l->rep.lines,
	       (unsigned long long)l->rep.loaded,
	       (unsigned long long)l->rep.skipped[DG_LIST_SKIP_IP],
	       (unsigned long long)l->rep.skipped[DG_LIST_SKIP_LOCALHOST],
	       (unsigned long long)l->rep.rejected);
}

static void
unload(struct loaded *l)
{
	dg_filter_free(l->f);
	dg_filter_builder_free(l->b);
}

/* Each name printed by @p cmd must get a verdict with @p action; returns names checked. */
static long
all_hit(const struct dg_filter *f, const char *cmd, enum dg_action action)
{
	char line[1024];
	long n = 0, bad = 0;
	FILE *p = popen(cmd, "r");

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		struct dg_name name;
		struct dg_match m;
		size_t len = strcspn(line, " \t\r\n");

		if (dg_name_from_text(&name, line, len) != 0) {
			bad++;
			continue;
		}
		n++;
		if (dg_filter_lookup(f, &name, 20000, &m) != 1 || m.meta->action != action) {
			if (bad++ < 5)
				printf("\n  no verdict for %.*s", (int)len, line);
		}
	}
	pclose(p);
	CU_ASSERT_EQUAL(bad, 0);
	return n;
}

static void
check_rpz(const char *file)
{
	char path[8192], cmd[16384];
	struct loaded l;

	if (!have_data(file, path, sizeof(path)))
		return;
	load(&l, path, DG_LIST_AUTO);
	CU_ASSERT_EQUAL(l.rep.format, DG_LIST_RPZ);
	CU_ASSERT_EQUAL(l.rep.lines, sh_count("wc -l < '%s'", path));
	CU_ASSERT_EQUAL(l.rep.loaded, sh_count("grep -cE '^[^;$[:space:]]+ CNAME \\.$' '%s'", path));
	CU_ASSERT_EQUAL(l.rep.rejected, 0);
	snprintf(cmd, sizeof(cmd),
		 "awk '$2==\"CNAME\" && $3==\".\"{print $1}' '%s' | sed 's/^\\*\\./probe./'", path);
	CU_ASSERT_EQUAL(all_hit(l.f, cmd, DG_ACTION_NXDOMAIN), (long)l.rep.loaded);
	unload(&l);
}

static void
test_lists_real_rpz(void)
{
	check_rpz("hagezi-light.rpz.2026-08-15.txt");
	check_rpz("urlhaus-filter-rpz.conf");
}

static void
check_hosts(const char *file)
{
	char path[8192], cmd[16384];
	struct loaded l;

	if (!have_data(file, path, sizeof(path)))
		return;
	load(&l, path, DG_LIST_AUTO);
	CU_ASSERT_EQUAL(l.rep.format, DG_LIST_HOSTS);
	CU_ASSERT_EQUAL(l.rep.loaded, sh_count(HOSTS_NAMES " | grep -vxE " LOCALHOST
					       " | grep -vcxE " IPV4_ONLY, path));
	CU_ASSERT_EQUAL(l.rep.skipped[DG_LIST_SKIP_LOCALHOST],
			sh_count(HOSTS_NAMES " | grep -cxE " LOCALHOST, path));
	CU_ASSERT_EQUAL(l.rep.skipped[DG_LIST_SKIP_IP],
			sh_count(HOSTS_NAMES " | grep -cxE " IPV4_ONLY, path));
	CU_ASSERT_EQUAL(l.rep.rejected, l.rep.skipped[DG_LIST_SKIP_IP]);
	snprintf(cmd, sizeof(cmd), HOSTS_NAMES " | grep -vxE " LOCALHOST " | grep -vxE " IPV4_ONLY,
		 path);
	CU_ASSERT_EQUAL(all_hit(l.f, cmd, DG_ACTION_SINKHOLE), (long)l.rep.loaded);
	unload(&l);
}

static void
test_lists_real_hosts(void)
{
	check_hosts("hagezi-light.hosts.2026-08-15.txt");
	check_hosts("1hosts-lite.hosts.2021-03-17.txt");
	check_hosts("urlhaus-filter-hosts.txt");
}

static void
check_domains(const char *file, enum dg_list_format fmt)
{
	char path[8192], cmd[16384];
	struct loaded l;
	const char *strip = fmt == DG_LIST_WILDCARD ? "sed 's/^\\*\\.//'" : "cat";

	if (!have_data(file, path, sizeof(path)))
		return;
	load(&l, path, DG_LIST_AUTO);
	CU_ASSERT_EQUAL(l.rep.format, fmt);
	CU_ASSERT_EQUAL(l.rep.loaded, sh_count("grep -vE '^[[:space:]]*(#|$)' '%s' | %s | "
					       "grep -vcxE " IPV4_ONLY, path, strip));
	CU_ASSERT_EQUAL(l.rep.skipped[DG_LIST_SKIP_IP],
			sh_count("grep -vE '^[[:space:]]*(#|$)' '%s' | %s | grep -cxE " IPV4_ONLY,
				 path, strip));
	CU_ASSERT_EQUAL(l.rep.rejected, l.rep.skipped[DG_LIST_SKIP_IP]);
	/* domains: the name and below; wildcard `*.name`: below only, so probe a child */
	snprintf(cmd, sizeof(cmd), "grep -vE '^[[:space:]]*(#|$)' '%s' | grep -vxE '(\\*\\.)?%s' | "
		 "sed 's/^\\*\\./probe./'", path, "[0-9.]+");
	CU_ASSERT_EQUAL(all_hit(l.f, cmd, DG_ACTION_SINKHOLE), (long)l.rep.loaded);
	unload(&l);
}

static void
test_lists_real_domains(void)
{
	check_domains("stevenblack-unified.domains.2026-06-26.txt", DG_LIST_DOMAINS);
	check_domains("urlhaus-filter-domains.txt", DG_LIST_DOMAINS);
	check_domains("urlhaus-filter-wildcard.txt", DG_LIST_WILDCARD);
}

static void
check_adblock(const char *file)
{
	char path[8192], cmd[16384];
	struct loaded l;

	if (!have_data(file, path, sizeof(path)))
		return;
	load(&l, path, DG_LIST_AUTO);
	CU_ASSERT_EQUAL(l.rep.format, DG_LIST_ADBLOCK);
	CU_ASSERT_EQUAL(l.rep.loaded, sh_count("grep -E '^\\|\\|[^/$]*\\^$' '%s' | "
					       "grep -vcE '^\\|\\|[0-9.]+\\^$'", path));
	CU_ASSERT_EQUAL(l.rep.skipped[DG_LIST_SKIP_IP],
			sh_count("grep -cE '^\\|\\|[0-9.]+\\^$' '%s'", path));
	snprintf(cmd, sizeof(cmd), "grep -E '^\\|\\|[^/$]*\\^$' '%s' | "
		 "grep -vE '^\\|\\|[0-9.]+\\^$' | sed -e 's/^||/probe./' -e 's/\\^$//'", path);
	CU_ASSERT_EQUAL(all_hit(l.f, cmd, DG_ACTION_SINKHOLE), (long)l.rep.loaded);
	unload(&l);
}

static void
test_lists_real_adblock(void)
{
	check_adblock("urlhaus-filter-agh.txt");
	check_adblock("blp-ransomware.adguard.txt");
}

/*
 * All lists in one snapshot, queried with 100k real resolver names: every verdict must
 * name an entry that is exactly the query's suffix at the reported label (no Bloom or
 * hash false positive ever reaches a verdict).
 */
static void
test_lists_real_merged_sound(void)
{
	static const struct { const char *file; enum dg_list_format fmt; } src[] = {
		{ "stevenblack-unified.domains.2026-06-26.txt", DG_LIST_DOMAINS },
		{ "hagezi-light.rpz.2026-08-15.txt", DG_LIST_RPZ },
		{ "1hosts-lite.hosts.2021-03-17.txt", DG_LIST_HOSTS },
		{ "urlhaus-filter-agh.txt", DG_LIST_ADBLOCK },
	};
	char path[8192], line[1024];
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_list_opts o;
	long queries = 0, verdicts = 0, unsound = 0;
	FILE *in;

	if (!have_data(src[0].file, path, sizeof(path)))
		return;
	dg_list_opts_init(&o);
	o.report = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_filter_builder_create(&b, 0), 0);
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, src[i].file);
		CU_ASSERT_EQUAL(dg_lists_load(b, path, src[i].fmt, &o, NULL), 0);
	}
	CU_ASSERT_EQUAL_FATAL(dg_filter_build(b, &f), 0);
	snprintf(path, sizeof(path), "%s/../names/cloudflare-radar-top100k.2024-01-22_29.csv", dir);
	in = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	while (fgets(line, sizeof(line), in) != NULL) {
		struct dg_name n;
		struct dg_match m;
		size_t len = strcspn(line, "\r\n,");

		if (dg_name_from_text(&n, line, len) != 0)
			continue;
		queries++;
		if (dg_filter_lookup(f, &n, 20000, &m) == 0)
			continue;
		verdicts++;
		size_t sl;
		const uint8_t *s = dg_name_suffix(&n, m.label, &sl);

		unsound += m.entry_len != sl || memcmp(m.entry_name, s, sl) != 0;
	}
	fclose(in);
	/*
	 * The same verdict count from awk: a name matches when it is listed exactly (hosts,
	 * RPZ `name`, domains, adblock) or a parent is listed as a subtree (domains,
	 * adblock) or with RPZ `*.parent`. These lists hold blocks only: no allow to weigh.
	 */
	uint64_t expect = sh_count(
		"awk -v SB='%1$s/%2$s' -v RPZ='%1$s/%3$s' -v HO='%1$s/%4$s' -v AG='%1$s/%5$s' '"
		"FILENAME==SB { if ($0 ~ /^[[:space:]]*(#|$)/) next; n=tolower($1); sub(/\\.$/,\"\",n);"
		"  if (n !~ /^[0-9.]+$/) st[n]=1; next }"
		"FILENAME==RPZ { if ($2==\"CNAME\" && $3==\".\") { n=tolower($1);"
		"  if (n ~ /^\\*\\./) be[substr(n,3)]=1; else ex[n]=1 } next }"
		"FILENAME==HO { if ($0 ~ /^#/ || NF<2) next; for (i=2;i<=NF;i++) { if ($i ~ /^#/) break;"
		"  n=tolower($i); sub(/\\.$/,\"\",n); if (n ~ /^[0-9.]+$/ ||"
		"  n ~ /^(localhost|localhost\\.localdomain|local|broadcasthost|ip6-[a-z]+)$/) continue;"
		"  ex[n]=1 } next }"
		"FILENAME==AG { if ($0 !~ /^\\|\\|[^\\/$]*\\^$/) next; n=tolower(substr($0,3,length($0)-3));"
		"  if (n !~ /^[0-9.]+$/) st[n]=1; next }"
		"FNR>1 { split($0,a,\",\"); s=tolower(a[1]); sub(/\\.$/,\"\",s); first=1;"
		"  while (1) { if ((first && ((s in ex) || (s in st))) || (!first && ((s in st) || (s in be))))"
		"  { c++; break } first=0; p=index(s,\".\"); if (!p) break; s=substr(s,p+1) } }"
		"END { print c+0 }' '%1$s/%2$s' '%1$s/%3$s' '%1$s/%4$s' '%1$s/%5$s' '%1$s/../names/"
		"cloudflare-radar-top100k.2024-01-22_29.csv'",
		dir, src[0].file, src[1].file, src[2].file, src[3].file);

	printf("\n  merged: %ld real names, %ld verdicts (awk: %llu), %ld unsound\n", queries,
	       verdicts, (unsigned long long)expect, unsound);
	CU_ASSERT_EQUAL((uint64_t)verdicts, expect);
	CU_ASSERT_TRUE(queries > 99000);
	CU_ASSERT_TRUE(verdicts > 0);
	CU_ASSERT_EQUAL(unsound, 0);
	dg_filter_free(f);
	dg_filter_builder_free(b);
}

DG_TEST_MAIN("lists_real",
	DG_TEST(test_lists_real_rpz),
	DG_TEST(test_lists_real_hosts),
	DG_TEST(test_lists_real_domains),
	DG_TEST(test_lists_real_adblock),
	DG_TEST(test_lists_real_merged_sound))
