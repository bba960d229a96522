/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_config.h"
#include "dg_test.h"

static char path[64];
static char err[DG_CONFIG_ERR_MAX];

/* Write @p text to a temp file and load it; the result and message go to rc/err. */
static int
load_text(struct dg_config *c, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/dg-test-config-XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	dg_config_defaults(c);
	err[0] = '\0';
	int rc = dg_config_load(c, path, err, sizeof(err));
	unlink(path);
	return rc;
}

/* The message must start with PATH:LINE: and contain @p what. */
static void
expect_error(const char *text, int want_rc, unsigned int line, const char *what)
{
	struct dg_config c;
	char prefix[96];
	int rc = load_text(&c, text);

	CU_ASSERT_EQUAL(rc, want_rc);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL) {
		fprintf(stderr, "\n  got '%s', want '%s...%s'\n", err, prefix, what);
		CU_FAIL("error message");
	}
	dg_config_free(&c);
}

static const char *good =
	"; comment\n"
	"[eal]\n"
	"args = --no-huge -m 1024  --no-pci\n"
	"vdev = net_null0,no-rx=1\n"
	"vdev = net_null1\n"
	"\n"
	"[ports]\n"
	"pair = net_null0 net_null1   ; sub, net\n"
	"rx_desc = 512\n"
	"[workers]\n"
	"lcores = 1,3-4\n"
	"burst = 64\n"
	"[mgmt]\n"
	"stats_interval = 0\n"
	"run_for = 10\n"
	"idle_exit = 2\n";

static void
test_config_good_file_all_keys(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL_FATAL(load_text(&c, good), 0);
	CU_ASSERT_EQUAL(c.n_eal, 8);
	CU_ASSERT_STRING_EQUAL(c.eal[0], "--no-huge");
	CU_ASSERT_STRING_EQUAL(c.eal[2], "1024");
	CU_ASSERT_STRING_EQUAL(c.eal[4], "--vdev");
	CU_ASSERT_STRING_EQUAL(c.eal[5], "net_null0,no-rx=1");
	CU_ASSERT_EQUAL(c.n_pairs, 1);
	CU_ASSERT_STRING_EQUAL(c.pairs[0].sub, "net_null0");
	CU_ASSERT_STRING_EQUAL(c.pairs[0].net, "net_null1");
	CU_ASSERT_EQUAL(c.pairs[0].line, 8);
	CU_ASSERT_EQUAL(c.rx_desc, 512);
	CU_ASSERT_EQUAL(c.tx_desc, 1024);
	CU_ASSERT_EQUAL(c.n_workers, 3);
	CU_ASSERT_EQUAL(c.workers[0], 1);
	CU_ASSERT_EQUAL(c.workers[2], 4);
	CU_ASSERT_EQUAL(c.burst, 64);
	CU_ASSERT_EQUAL(c.stats_interval, 0);
	CU_ASSERT_EQUAL(c.run_for, 10);
	CU_ASSERT_EQUAL(c.idle_exit, 2);
	dg_config_free(&c);
}

static void
test_config_missing_file(void)
{
	struct dg_config c;

	dg_config_defaults(&c);
	CU_ASSERT_EQUAL(dg_config_load(&c, "/nonexistent/dg.ini", err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dg.ini: cannot read"));
}

static void
test_config_syntax_error_line(void)
{
	expect_error("[ports]\npair = a b\nthis line has no equals\n", -EINVAL, 3, "syntax error");
	expect_error("[ports\npair = a b\n", -EINVAL, 1, "syntax error");
}

static void
test_config_unknown_section_and_key(void)
{
	expect_error("[ports]\npair = a b\n[bogus]\nx = 1\n", -EINVAL, 4, "unknown section [bogus]");
	expect_error("[ports]\npair = a b\nburts = 3\n", -EINVAL, 3, "unknown key 'burts' in [ports]");
}

static void
test_config_uint_range_last_and_one_past(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[workers]\nburst = 256\n"), 0);
	CU_ASSERT_EQUAL(c.burst, 256);
	dg_config_free(&c);
	expect_error("[ports]\npair = a b\n[workers]\nburst = 257\n", -EINVAL, 4, "1..256");
	expect_error("[ports]\npair = a b\n[workers]\nburst = 0\n", -EINVAL, 4, "1..256");
	expect_error("[ports]\npair = a b\n[workers]\nburst = -1\n", -EINVAL, 4, "burst");
	expect_error("[ports]\npair = a b\n[workers]\nburst = 12x\n", -EINVAL, 4, "'12x'");
	expect_error("[mgmt]\nrun_for = 99999999999999999999999\n[ports]\npair = a b\n", -EINVAL,
		     2, "run_for");
}

static void
test_config_pair_errors(void)
{
	expect_error("[ports]\npair = onlyone\n", -EINVAL, 2, "expected 'SUBSCRIBER_PORT NETWORK_PORT'");
	expect_error("[ports]\npair = a b c\n", -EINVAL, 2, "expected 'SUBSCRIBER_PORT");
	expect_error("[ports]\npair = a a\n", -EINVAL, 2, "on both sides");
	expect_error("[ports]\npair = a b\npair = c a\n", -EINVAL, 3, "'a' is already in a pair");
}

static void
test_config_no_pair(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL(load_text(&c, "[mgmt]\nrun_for = 1\n"), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no [ports] pair"));
	dg_config_free(&c);
}

static void
test_config_too_many_pairs(void)
{
	char text[4096];
	size_t o = (size_t)snprintf(text, sizeof(text), "[ports]\n");

	for (int i = 0; i <= DG_CONFIG_MAX_PAIRS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "pair = s%d n%d\n", i, i);
	expect_error(text, -E2BIG, DG_CONFIG_MAX_PAIRS + 2, "more than 16 port pairs");
}

static void
test_config_too_many_eal_args(void)
{
	char text[4096];
	size_t o = (size_t)snprintf(text, sizeof(text), "[eal]\n");

	/* 8 args per line: the 65th is on line 10. */
	for (int i = 0; i <= DG_CONFIG_MAX_EAL_ARGS; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s -x%s", i % 8 ? "" : "args =",
				      i % 8 == 7 ? "\n" : "");
	snprintf(text + o, sizeof(text) - o, "\n[ports]\npair = a b\n");
	expect_error(text, -E2BIG, 10, "more than 64 EAL arguments");
}

static void
test_config_line_too_long(void)
{
	char text[1024];
	size_t o = (size_t)snprintf(text, sizeof(text), "[eal]\nargs =");

	while (o < 300)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " --x");
	snprintf(text + o, sizeof(text) - o, "\n[ports]\npair = a b\n");
	expect_error(text, -EINVAL, 2, "line longer than 197 characters");
}

static void
test_config_vdev_errors(void)
{
	expect_error("[eal]\nvdev = net_null0 extra\n[ports]\npair = a b\n", -EINVAL, 2, "vdev");
}

static void
test_config_lcores_parse(void)
{
	uint16_t l[DG_CONFIG_MAX_LCORES];

	CU_ASSERT_EQUAL(dg_config_parse_lcores("0", l, 4), 1);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("1-3, 5", l, 4), 4);
	CU_ASSERT_EQUAL(l[3], 5);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("1-3,5", l, 3), -E2BIG);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("127", l, 4), 1);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("128", l, 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("3-1", l, 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("1,1", l, 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("1,", l, 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("", l, 4), -EINVAL);
	CU_ASSERT_EQUAL(dg_config_parse_lcores("a", l, 4), -EINVAL);
	expect_error("[ports]\npair = a b\n[workers]\nlcores = 2,2\n", -EINVAL, 4, "lcores");
}

static const char *filtering =
	"[ports]\npair = a b\n"                                         /* 1-2 */
	"[filter]\n"                                                    /* 3 */
	"list = rpz /etc/dnsgate/urlhaus.rpz identifier=URLHAUS category=malware\n"
	"list = native lists/iij.txt\n"                                 /* 5 */
	"strict = yes\n"
	"[answer]\n"
	"sinkhole_v4 = 198.18.255.1\n"
	"sinkhole_v6 = 2001:2::ffff\n"
	"ttl = 60\n"                                                     /* 10 */
	"edns_udp_size = 1400\n"
	"ede = off\n"
	"ede_code = filtered\n"
	"ede_text = true\n"
	"soa = sinkhole.test. ns.sinkhole.test. hostmaster.sinkhole.test. 1 3600 600 86400 60\n"
	"category_sinkhole = backdoor 198.18.255.2 2001:2::2\n"
	"category_sinkhole = ddos 2001:2::3\n"
	"[intercept]\n"
	"resolvers = 198.18.0.1, 2001:2::1\n"
	"dns_port = 5353\n"                                              /* 20 */
	"min_src_port = 0\n"
	"vlan_max = 1\n"
	"[guard]\nrate = 50\nburst = 10\nslots = 1024\n"
	"[optout]\nfile = /etc/dnsgate/optout.txt\n"
	"[ctl]\nsocket = /run/dnsgate.sock\nmode = 0600\nuid = 1000\ngid = 100\n"
	"[log]\nfile = /var/log/dnsgate/hits.jsonl\nring = 4096\n"
	"[stats]\nhistory = /var/lib/dnsgate/history.db\ninterval = 300\nappliance = gw-tokyo-1\n"
	"prometheus = /var/lib/node_exporter/dnsgate.prom\nprometheus_interval = 30\n";

static void
test_config_filtering_sections(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL_FATAL(load_text(&c, filtering), 0);
	CU_ASSERT_EQUAL(c.n_lists, 2);
	CU_ASSERT_STRING_EQUAL(c.lists[0].format, "rpz");
	CU_ASSERT_STRING_EQUAL(c.lists[0].path, "/etc/dnsgate/urlhaus.rpz");
	CU_ASSERT_STRING_EQUAL(c.lists[0].opts, "identifier=URLHAUS category=malware");
	CU_ASSERT_EQUAL(c.lists[0].line, 4);
	CU_ASSERT_STRING_EQUAL(c.lists[1].opts, "");
	CU_ASSERT_EQUAL(c.lists[1].line, 5);
	CU_ASSERT_TRUE(c.strict);
	CU_ASSERT_TRUE(c.sinkhole4_set);
	CU_ASSERT_EQUAL(c.sinkhole4[3], 1);
	CU_ASSERT_TRUE(c.sinkhole6_set);
	CU_ASSERT_EQUAL(c.sinkhole6[15], 0xff);
	CU_ASSERT_EQUAL(c.ttl, 60);
	CU_ASSERT_EQUAL(c.edns_udp_size, 1400);
	CU_ASSERT_FALSE(c.ede);
	CU_ASSERT_EQUAL(c.ede_code, 17);
	CU_ASSERT_TRUE(c.ede_text);
	CU_ASSERT_TRUE(c.soa.set);
	CU_ASSERT_STRING_EQUAL(c.soa.zone, "sinkhole.test.");
	CU_ASSERT_STRING_EQUAL(c.soa.rname, "hostmaster.sinkhole.test.");
	CU_ASSERT_EQUAL(c.soa.minimum, 60);
	CU_ASSERT_EQUAL(c.n_categories, 2);
	CU_ASSERT_STRING_EQUAL(c.categories[0].name, "backdoor");
	CU_ASSERT_TRUE(c.categories[0].v4_set && c.categories[0].v6_set);
	CU_ASSERT_TRUE(!c.categories[1].v4_set && c.categories[1].v6_set);
	CU_ASSERT_EQUAL(c.n_resolvers, 2);
	CU_ASSERT_EQUAL(c.resolvers[0].family, 4);
	CU_ASSERT_EQUAL(c.resolvers[1].family, 6);
	CU_ASSERT_EQUAL(c.dns_port, 5353);
	CU_ASSERT_EQUAL(c.min_src_port, 0);
	CU_ASSERT_EQUAL(c.vlan_max, 1);
	CU_ASSERT_EQUAL(c.guard_rate, 50);
	CU_ASSERT_EQUAL(c.guard_burst, 10);
	CU_ASSERT_EQUAL(c.guard_slots, 1024);
	CU_ASSERT_STRING_EQUAL(c.optout_file, "/etc/dnsgate/optout.txt");
	CU_ASSERT_STRING_EQUAL(c.ctl_socket, "/run/dnsgate.sock");
	CU_ASSERT_EQUAL(c.ctl_mode, 0600);
	CU_ASSERT_EQUAL(c.ctl_uid, 1000);
	CU_ASSERT_EQUAL(c.ctl_gid, 100);
	CU_ASSERT_STRING_EQUAL(c.log_file, "/var/log/dnsgate/hits.jsonl");
	CU_ASSERT_EQUAL(c.log_ring, 4096);
	CU_ASSERT_STRING_EQUAL(c.history, "/var/lib/dnsgate/history.db");
	CU_ASSERT_EQUAL(c.history_interval, 300);
	CU_ASSERT_STRING_EQUAL(c.appliance, "gw-tokyo-1");
	CU_ASSERT_STRING_EQUAL(c.prometheus, "/var/lib/node_exporter/dnsgate.prom");
	CU_ASSERT_EQUAL(c.prometheus_interval, 30);
	dg_config_free(&c);
}

static void
test_config_filtering_defaults(void)
{
	struct dg_config c;

	dg_config_defaults(&c);
	CU_ASSERT_EQUAL(c.ttl, 300);
	CU_ASSERT_EQUAL(c.edns_udp_size, 1232);
	CU_ASSERT_TRUE(c.ede);
	CU_ASSERT_EQUAL(c.ede_code, 15);
	CU_ASSERT_EQUAL(c.dns_port, 53);
	CU_ASSERT_EQUAL(c.min_src_port, 1024);
	CU_ASSERT_EQUAL(c.ctl_mode, 0660);
	CU_ASSERT_EQUAL(c.ctl_uid, -1);
	CU_ASSERT_FALSE(c.sinkhole4_set);
	CU_ASSERT_EQUAL(c.n_resolvers, 0);
	CU_ASSERT_TRUE(c.inspect);
	CU_ASSERT_EQUAL(c.log_ring, 16384);
	CU_ASSERT_EQUAL(c.history_interval, 60);
}

static void
test_config_filtering_errors(void)
{
	static const char *pre = "[ports]\npair = a b\n";
	static const struct {
		const char *text, *what;
	} bad[] = {
		{ "[filter]\nlist = rpz\n", "expected 'FORMAT PATH" },
		{ "[filter]\nlist = csv /x\n", "unknown format 'csv'" },
		{ "[filter]\nstrict = maybe\n", "strict: expected yes or no" },
		{ "[filter]\ninspect = 2\n", "inspect: expected yes or no" },
		{ "[answer]\nsinkhole_v4 = 2001:2::1\n", "sinkhole_v4: expected an IPv4 address" },
		{ "[answer]\nsinkhole_v6 = 198.18.0.1\n", "sinkhole_v6: expected an IPv6 address" },
		{ "[answer]\nsinkhole_v4 = 198.18.0.256\n", "sinkhole_v4" },
		{ "[answer]\nttl = 604801\n", "ttl: expected a whole number in 0..604800" },
		{ "[answer]\nedns_udp_size = 511\n", "512..65535" },
		{ "[answer]\nede = 2\n", "ede: expected yes or no" },
		{ "[answer]\nede_code = 16\n", "ede_code: expected 15" },
		{ "[answer]\nede_text = x\n", "ede_text" },
		{ "[answer]\nsoa = z. a. b. 1 2 3 4\n", "soa: expected" },
		{ "[answer]\nsoa = z. a. b. 1 2 3 4 5 6\n", "soa: expected" },
		{ "[answer]\ncategory_sinkhole = x\n", "category_sinkhole: expected" },
		{ "[answer]\ncategory_sinkhole = x 1.2.3\n", "bad address '1.2.3'" },
		{ "[intercept]\nresolvers = 198.18.0.1 nope\n", "resolvers: bad address 'nope'" },
		{ "[intercept]\nvlan_max = 9\n", "0..8" },
		{ "[intercept]\ndns_port = 0\n", "1..65535" },
		{ "[guard]\nburst = 0\n", "burst" },
		{ "[guard]\nslots = 16777217\n", "slots" },
		{ "[ctl]\nmode = 0988\n", "mode: expected octal" },
		{ "[ctl]\nmode = 01000\n", "mode: expected octal" },
		{ "[ctl]\nuid = root\n", "uid: expected a numeric id" },
		{ "[ctl]\ngid = -5\n", "gid: expected a numeric id" },
		{ "[optout]\nfile =\n", "file: expected a path" },
		{ "[log]\nring = 63\n", "ring: expected a whole number in 64..1048576" },
		{ "[stats]\ninterval = 0\n", "interval" },
		{ "[stats]\nappliance = two words\n", "appliance: expected a name without blanks" },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", pre, bad[i].text);
		expect_error(text, -EINVAL, 4, bad[i].what);
	}
}

static void
test_config_set_override(void)
{
	struct dg_config c;

	dg_config_defaults(&c);
	CU_ASSERT_EQUAL(dg_config_set(&c, "mgmt", "run_for", "5", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.run_for, 5);
	CU_ASSERT_EQUAL(dg_config_set(&c, "mgmt", "run_for", "x", err, sizeof(err)), -EINVAL);
}

DG_TEST_MAIN("config",
	DG_TEST(test_config_good_file_all_keys),
	DG_TEST(test_config_missing_file),
	DG_TEST(test_config_syntax_error_line),
	DG_TEST(test_config_unknown_section_and_key),
	DG_TEST(test_config_uint_range_last_and_one_past),
	DG_TEST(test_config_pair_errors),
	DG_TEST(test_config_no_pair),
	DG_TEST(test_config_too_many_pairs),
	DG_TEST(test_config_too_many_eal_args),
	DG_TEST(test_config_line_too_long),
	DG_TEST(test_config_vdev_errors),
	DG_TEST(test_config_lcores_parse),
	DG_TEST(test_config_filtering_sections),
	DG_TEST(test_config_filtering_defaults),
	DG_TEST(test_config_filtering_errors),
	DG_TEST(test_config_set_override))
