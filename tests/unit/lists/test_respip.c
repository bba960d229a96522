/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The response-IP list (dg_respip.h): rpz-ip owners to prefixes (IPv4, IPv6 with and
 * without `zz`, lengths at and one past the family's limit, host bits), files mixing
 * plain prefixes and RPZ records, longest prefix wins, passthru, dates, a later duplicate
 * replacing an earlier one, and FILE:LINE on a bad line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_test.h"
#include "dg_respip.h"

static int
rpz(const char *s, char *text)
{
	struct dg_optout_prefix p;
	int rc = dg_respip_parse_rpz(s, strlen(s), &p);

	if (rc == 0)
		CU_ASSERT_EQUAL(dg_optout_prefix_format(&p, text, DG_OPTOUT_PREFIX_STRLEN), 0);
	return rc;
}

#define RPZ_OK(s, want) do { char t_[DG_OPTOUT_PREFIX_STRLEN] = ""; \
	CU_ASSERT_EQUAL(rpz(s, t_), 0); CU_ASSERT_STRING_EQUAL(t_, want); } while (0)
#define RPZ_BAD(s) do { char t_[DG_OPTOUT_PREFIX_STRLEN]; \
	CU_ASSERT_EQUAL(rpz(s, t_), -EINVAL); } while (0)

static void
test_respip_rpz_owner(void)
{
	RPZ_OK("32.1.2.0.192", "192.0.2.1/32");
	RPZ_OK("24.0.2.0.192", "192.0.2.0/24");
	RPZ_OK("0.0.0.0.0", "0.0.0.0/0");
	RPZ_BAD("24.1.2.0.192");   /* host bits */
	RPZ_BAD("33.1.2.0.192");   /* one past 32 */
	RPZ_BAD("32.1.2.0.256");
	RPZ_BAD("32.1.2.0");
	RPZ_BAD("32..2.0.192");
	RPZ_OK("128.1.zz.db8.2001", "2001:db8::1/128");
	RPZ_OK("48.zz.2.2001", "2001:2::/48");
	RPZ_OK("128.8.7.6.5.4.3.2.1", "1:2:3:4:5:6:7:8/128");
	RPZ_OK("64.zz.0.2.2001", "2001:2::/64");
	RPZ_OK("0.zz", "::/0");
	RPZ_BAD("129.zz");         /* one past 128 */
	RPZ_BAD("128.1.zz.2.zz");  /* two zz */
	RPZ_BAD("128.1.2.3.4.5.6.7"); /* 7 words, no zz */
	RPZ_BAD("128.1.2.3.4.5.6.7.8.9");
	RPZ_BAD("128.10000.zz");
	RPZ_BAD("128.xyz.zz");
	RPZ_BAD("rpz");
}

static struct dg_respip *
load(const char *text, const struct dg_entry_meta *d, int want, const char *err_has)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	struct dg_respip *t = NULL;
	char err[256] = "";
	int rc = dg_respip_load_stream(f, "ips.txt", d, &t, NULL, err, sizeof(err));

	fclose(f);
	CU_ASSERT_EQUAL(rc, want);
	if (err_has != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(err, err_has));
	return t;
}

static const struct dg_entry_meta *
look(const struct dg_respip *t, const char *addr, uint8_t *plen)
{
	uint8_t a[16];
	int v6 = strchr(addr, ':') != NULL;

	CU_ASSERT_FATAL(inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) == 1);
	return dg_respip_lookup(t, v6 ? 6 : 4, a, 20000, plen);
}

static void
test_respip_file_longest_prefix(void)
{
	const struct dg_entry_meta d = { .identifier = "C2-0001", .category = "botnet",
					 .action = DG_ACTION_SINKHOLE, .end_day = UINT32_MAX };
	static const char text[] =
		"# plain prefixes and an RPZ zone's rpz-ip triggers\n"
		"198.18.0.0/16\n"
		"198.18.5.5\n"
		"2001:2::/48   # v6\n"
		"$ORIGIN rpz.test.\n"
		"@ SOA ns hostmaster 1 3600 600 86400 300\n"
		"  NS ns.rpz.test.\n"
		"evil.example CNAME .   ; a QNAME trigger: not this list's\n"
		"24.0.7.18.198.rpz-ip CNAME .\n"
		"32.8.7.18.198.rpz-ip.rpz.test. 300 IN CNAME rpz-passthru.\n"
		"32.9.7.18.198.rpz-ip A 198.18.99.9\n"
		"128.1.zz.2.2001.rpz-ip CNAME rpz-drop.\n"
		"32.5.5.18.198.rpz-ip CNAME *.  ; replaces the plain line above\n";
	const struct dg_entry_meta *m;
	struct dg_respip *t;
	uint8_t plen = 0;

	t = load(text, &d, 0, NULL);
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(dg_respip_count(t), 7);
	m = look(t, "198.18.200.1", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_SINKHOLE && plen == 16);
	CU_ASSERT(m != NULL && strcmp(m->identifier, "C2-0001") == 0);
	m = look(t, "198.18.7.1", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_NXDOMAIN && plen == 24);
	m = look(t, "198.18.7.8", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_ALLOW && plen == 32);
	m = look(t, "198.18.7.9", NULL);
	CU_ASSERT(m != NULL && m->has_sinkhole4 && m->sinkhole4[3] == 9);
	m = look(t, "198.18.5.5", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_NODATA && plen == 32);
	CU_ASSERT_PTR_NULL(look(t, "198.19.0.1", NULL)); /* one past the /16 */
	CU_ASSERT_PTR_NOT_NULL(look(t, "198.18.255.255", NULL)); /* its last address */
	m = look(t, "2001:2::1", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_DROP && plen == 128);
	m = look(t, "2001:2:0:ffff::2", &plen);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_SINKHOLE && plen == 48);
	CU_ASSERT_PTR_NULL(look(t, "2001:2:1::", NULL));
	dg_respip_free(t);
}

static void
test_respip_dates_and_override(void)
{
	struct dg_entry_meta d = { .action = DG_ACTION_NXDOMAIN, .start_day = 20001,
				   .end_day = UINT32_MAX };
	const struct dg_entry_meta *m;
	struct dg_respip *t = load("192.0.2.0/24\n24.0.2.0.198.rpz-ip CNAME rpz-drop.\n"
				   "24.0.3.0.198.rpz-ip CNAME rpz-passthru.\n", &d, 0, NULL);

	CU_ASSERT_PTR_NULL(look(t, "192.0.2.1", NULL)); /* starts tomorrow */
	dg_respip_free(t);
	d.start_day = 20000;
	t = load("192.0.2.0/24\n24.0.2.0.198.rpz-ip CNAME rpz-drop.\n"
		 "24.0.3.0.198.rpz-ip CNAME rpz-passthru.\n", &d, 0, NULL);
	m = look(t, "192.0.2.1", NULL);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_NXDOMAIN);
	/* action= overrides block actions, not passthru */
	m = look(t, "198.0.2.1", NULL);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_NXDOMAIN);
	m = look(t, "198.0.3.1", NULL);
	CU_ASSERT(m != NULL && m->action == DG_ACTION_ALLOW);
	dg_respip_free(t);
}

static void
test_respip_bad_lines(void)
{
	const struct dg_entry_meta d = { .action = DG_ACTION_SINKHOLE, .end_day = UINT32_MAX };

	CU_ASSERT_PTR_NULL(load("198.18.0.0/16\nwww.example.com\n", &d, -EINVAL, "ips.txt:2:"));
	CU_ASSERT_PTR_NULL(load("198.18.0.1/16\n", &d, -EINVAL, "ips.txt:1: not a prefix"));
	CU_ASSERT_PTR_NULL(load("24.1.2.0.192.rpz-ip CNAME .\n", &d, -EINVAL,
				"ips.txt:1: bad rpz-ip trigger"));
	CU_ASSERT_PTR_NULL(load("24.0.2.0.192.rpz-ip CNAME www.example.com.\n", &d, -EINVAL,
				"ips.txt:1: rpz-ip record"));
	CU_ASSERT_PTR_NULL(load("24.0.2.0.192.rpz-ip TXT hello\n", &d, -EINVAL, NULL));
	/* empty: a table with nothing in it */
	{
		struct dg_respip *t = load("# nothing\n\n", &d, 0, NULL);

		CU_ASSERT_EQUAL(dg_respip_count(t), 0);
		CU_ASSERT_PTR_NULL(look(t, "192.0.2.1", NULL));
		dg_respip_free(t);
	}
	CU_ASSERT_PTR_NULL(dg_respip_lookup(NULL, 4, (const uint8_t *)"\0\0\0\0", 0, NULL));
}

/*
 * The public threat-intelligence address list of ../shared/data (plain addresses), loaded
 * as it is and converted to RPZ rpz-ip form: the same prefixes either way, each found.
 */
static void
test_respip_shared_list_both_forms(void)
{
	const struct dg_entry_meta d = { .action = DG_ACTION_SINKHOLE, .end_day = UINT32_MAX };
	const char *dir = dg_test_shared_data();
	char path[512], line[128], rpzp[] = "/tmp/dg-respip-XXXXXX";
	struct dg_respip *plain = NULL, *rpzt = NULL;
	size_t n = 0, found = 0;
	FILE *in, *out;
	int fd;

	if (dir == NULL) {
		printf("\n  (no shared data: skipped) ");
		return;
	}
	snprintf(path, sizeof(path), "%s/blocklists/hagezi-tif.ips.2026-08-15.txt", dir);
	in = fopen(path, "r");
	if (in == NULL) {
		printf("\n  (%s absent: skipped) ", path);
		return;
	}
	fd = mkstemp(rpzp);
	CU_ASSERT_FATAL(fd >= 0);
	out = fdopen(fd, "w");
	fprintf(out, "$ORIGIN tif.rpz.\n@ SOA ns hostmaster 1 3600 600 86400 300\n");
	while (fgets(line, sizeof(line), in) != NULL) {
		unsigned int a, b, c, e;

		if (sscanf(line, "%u.%u.%u.%u", &a, &b, &c, &e) == 4) {
			fprintf(out, "32.%u.%u.%u.%u.rpz-ip CNAME .\n", e, c, b, a);
			n++;
		}
	}
	fclose(out);
	CU_ASSERT_EQUAL(dg_respip_load(path, &d, &plain, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(dg_respip_load(rpzp, &d, &rpzt, NULL, NULL, 0), 0);
	unlink(rpzp);
	CU_ASSERT(n > 50000);
	CU_ASSERT_EQUAL(dg_respip_count(plain), n);
	CU_ASSERT_EQUAL(dg_respip_count(rpzt), n);
	rewind(in);
	while (fgets(line, sizeof(line), in) != NULL) {
		uint8_t a[4];

		line[strcspn(line, " \t\r\n#")] = '\0';
		if (inet_pton(AF_INET, line, a) == 1 &&
		    dg_respip_lookup(plain, 4, a, 20000, NULL) != NULL &&
		    dg_respip_lookup(rpzt, 4, a, 20000, NULL)->action == DG_ACTION_NXDOMAIN)
			found++;
	}
	fclose(in);
	CU_ASSERT_EQUAL(found, n);
	printf("\n  (%zu addresses, both forms) ", n);
	dg_respip_free(plain);
	dg_respip_free(rpzt);
}

DG_TEST_MAIN("respip",
	     DG_TEST(test_respip_shared_list_both_forms),
	     DG_TEST(test_respip_rpz_owner),
	     DG_TEST(test_respip_file_longest_prefix),
	     DG_TEST(test_respip_dates_and_override),
	     DG_TEST(test_respip_bad_lines))
