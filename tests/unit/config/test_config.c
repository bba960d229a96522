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

/* Write @p len bytes to a temp file and load it; the result and message go to rc/err. */
static int
load_bytes(struct dg_config *c, const char *text, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/dg-test-config-XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_EQUAL_FATAL(fwrite(text, 1, len, f), len);
	fclose(f);
	dg_config_defaults(c);
	err[0] = '\0';
	int rc = dg_config_load(c, path, err, sizeof(err));
	unlink(path);
	return rc;
}

static int
load_text(struct dg_config *c, const char *text)
{
	return load_bytes(c, text, strlen(text));
}

/* The message must start with PATH:LINE: and contain @p what. */
static void
expect_error_bytes(const char *text, size_t len, int want_rc, unsigned int line,
		   const char *what)
{
	struct dg_config c;
	char prefix[96];
	int rc = load_bytes(&c, text, len);

	CU_ASSERT_EQUAL(rc, want_rc);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL) {
		fprintf(stderr, "\n  got '%s', want '%s...%s'\n", err, prefix, what);
		CU_FAIL("error message");
	}
	dg_config_free(&c);
}

static void
expect_error(const char *text, int want_rc, unsigned int line, const char *what)
{
	expect_error_bytes(text, strlen(text), want_rc, line, what);
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
	expect_error("[ports]\npair = a b c\n", -EINVAL, 2, "unknown option 'c'");
	expect_error("[ports]\npair = a b link_propagate=yes c\n", -EINVAL, 2,
		     "expected 'SUBSCRIBER_PORT");
	expect_error("[ports]\npair = a b link_propagate=maybe\n", -EINVAL, 2,
		     "link_propagate: expected yes or no, got 'maybe'");
	expect_error("[ports]\npair = a b link_propagate\n", -EINVAL, 2, "unknown option");
	expect_error("[ports]\npair = a a\n", -EINVAL, 2, "on both sides");
	expect_error("[ports]\npair = a b\npair = c a\n", -EINVAL, 3, "'a' is already in a pair");
}

static void
test_config_pair_link_propagate(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL_FATAL(load_text(&c, "[ports]\npair = a b\npair = c d link_propagate=yes\n"
					    "pair = e f link_propagate=off\n"), 0);
	CU_ASSERT_EQUAL(c.pairs[0].propagate, DG_CONFIG_PROPAGATE_AUTO);
	CU_ASSERT_EQUAL(c.pairs[1].propagate, DG_CONFIG_PROPAGATE_ON);
	CU_ASSERT_STRING_EQUAL(c.pairs[1].net, "d");
	CU_ASSERT_EQUAL(c.pairs[2].propagate, DG_CONFIG_PROPAGATE_OFF);
	CU_ASSERT_EQUAL(c.pairs[2].line, 4);
	dg_config_free(&c);
}

static void
test_config_mtu_and_mbuf_size(void)
{
	static const struct {
		const char *text;
		unsigned int mtu, mbuf_size;
	} good_vals[] = {
		{ "", 1500, 0 },
		{ "mtu = 68\n", 68, 0 },
		{ "mtu = 9216\nmbuf_size = 0\n", 9216, 0 },
		{ "mbuf_size = 1024\n", 1500, 1024 },
		{ "mbuf_size = 65407\n", 1500, 65407 },
	};
	static const struct {
		const char *text, *what;
	} bad_vals[] = {
		{ "mtu = 67\n", "mtu: expected a whole number in 68..9216" },
		{ "mtu = 9217\n", "mtu: expected a whole number in 68..9216" },
		{ "mbuf_size = 1023\n", "mbuf_size: expected 0 (from the MTU) or bytes in 1024..65407" },
		{ "mbuf_size = 65408\n", "mbuf_size: expected 0" },
		{ "mbuf_size = 2k\n", "mbuf_size: expected 0" },
	};
	char text[256];
	struct dg_config c;

	for (size_t i = 0; i < sizeof(good_vals) / sizeof(good_vals[0]); i++) {
		snprintf(text, sizeof(text), "[ports]\npair = a b\n%s", good_vals[i].text);
		CU_ASSERT_EQUAL_FATAL(load_text(&c, text), 0);
		CU_ASSERT_EQUAL(c.mtu, good_vals[i].mtu);
		CU_ASSERT_EQUAL(c.mbuf_size, good_vals[i].mbuf_size);
		dg_config_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad_vals) / sizeof(bad_vals[0]); i++) {
		snprintf(text, sizeof(text), "[ports]\npair = a b\n%s", bad_vals[i].text);
		expect_error(text, -EINVAL, 3, bad_vals[i].what);
	}
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

/* A NUL byte must not cut a line silently (the last line) or hide the next one. */
static void
test_config_nul_byte(void)
{
	static const char last[] = "[ports]\npair = a b\n[answer]\nttl = 30\0 0";
	static const char mid[] = "[ports]\npair = a b\n; note\0\nttl = 3\n";
	static const char first[] = "[ports]\npair = a b\n\0ttl = 3\n[bogus]\n";
	struct dg_config c;

	expect_error_bytes(last, sizeof(last) - 1, -EINVAL, 4, "NUL byte in line");
	expect_error_bytes(mid, sizeof(mid) - 1, -EINVAL, 3, "NUL byte in line");
	expect_error_bytes(first, sizeof(first) - 1, -EINVAL, 3, "NUL byte in line");
	/* one byte before it: the same text without the NUL loads */
	CU_ASSERT_EQUAL(load_bytes(&c, last, sizeof(last) - 4), 0);
	CU_ASSERT_EQUAL(c.ttl, 30);
	dg_config_free(&c);
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
	"frag_flows = 65536\n"
	"frag_timeout_ms = 60000\n"
	"[guard]\nrate = 50\nburst = 10\nslots = 1024\n"
	"[optout]\nfile = /etc/dnsgate/optout.txt\n"
	"[quarantine]\nfile = /etc/dnsgate/quarantine.txt\nrpz = /etc/dnsgate/q.rpz\n"
	"allow = /etc/dnsgate/q-allow.txt\naction = nxdomain\nqtypes = A AAAA HTTPS\nlists = yes\n"
	"address_v4 = 198.18.254.1\naddress_v6 = 2001:2::fe\n"
	"[ctl]\nsocket = /run/dnsgate.sock\nmode = 0600\nuid = 1000\ngid = 100\n"
	"audit = /var/log/dnsgate/audit.log\n"
	"[log]\nfile = /var/log/dnsgate/hits.jsonl\nring = 4096\n"
	"rotate_size = 1125899906842624\nrotate_interval = 86400\nrotate_keep = 30\n"
	"rotate_gzip = yes\ndnstap = unix:/run/dnstap.sock\ndnstap_sample = 1000\n"
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
	CU_ASSERT_EQUAL(c.frag_flows, 65536);
	CU_ASSERT_EQUAL(c.frag_timeout_ms, 60000);
	CU_ASSERT_EQUAL(c.guard_rate, 50);
	CU_ASSERT_EQUAL(c.guard_burst, 10);
	CU_ASSERT_EQUAL(c.guard_slots, 1024);
	CU_ASSERT_STRING_EQUAL(c.optout_file, "/etc/dnsgate/optout.txt");
	CU_ASSERT_STRING_EQUAL(c.quarantine_file, "/etc/dnsgate/quarantine.txt");
	CU_ASSERT_STRING_EQUAL(c.quarantine_rpz, "/etc/dnsgate/q.rpz");
	CU_ASSERT_STRING_EQUAL(c.quarantine_allow, "/etc/dnsgate/q-allow.txt");
	CU_ASSERT(c.quarantine_nxdomain);
	CU_ASSERT(c.quarantine_lists);
	CU_ASSERT_STRING_EQUAL(c.quarantine_qtypes, "A AAAA HTTPS");
	CU_ASSERT(c.quarantine4_set && c.quarantine6_set);
	CU_ASSERT(memcmp(c.quarantine4, "\xc6\x12\xfe\x01", 4) == 0);
	CU_ASSERT_EQUAL(c.quarantine6[15], 0xfe);
	CU_ASSERT_STRING_EQUAL(c.ctl_socket, "/run/dnsgate.sock");
	CU_ASSERT_EQUAL(c.ctl_mode, 0600);
	CU_ASSERT_EQUAL(c.ctl_uid, 1000);
	CU_ASSERT_EQUAL(c.ctl_gid, 100);
	CU_ASSERT_STRING_EQUAL(c.ctl_audit, "/var/log/dnsgate/audit.log");
	CU_ASSERT_STRING_EQUAL(c.log_file, "/var/log/dnsgate/hits.jsonl");
	CU_ASSERT_EQUAL(c.log_ring, 4096);
	CU_ASSERT_EQUAL(c.rotate_size, 1ull << 50); /* the largest size taken */
	CU_ASSERT_EQUAL(c.rotate_interval, 86400);
	CU_ASSERT_EQUAL(c.rotate_keep, 30);
	CU_ASSERT_TRUE(c.rotate_gzip);
	CU_ASSERT_STRING_EQUAL(c.dnstap, "unix:/run/dnstap.sock");
	CU_ASSERT_EQUAL(c.dnstap_sample, 1000);
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
	CU_ASSERT_EQUAL(c.frag_flows, 4096);
	CU_ASSERT_EQUAL(c.frag_timeout_ms, 100);
	CU_ASSERT_EQUAL(c.ctl_mode, 0660);
	CU_ASSERT_EQUAL(c.ctl_uid, -1);
	CU_ASSERT_STRING_EQUAL(c.ctl_audit, "");
	CU_ASSERT_FALSE(c.sinkhole4_set);
	CU_ASSERT_EQUAL(c.n_resolvers, 0);
	CU_ASSERT_TRUE(c.inspect);
	CU_ASSERT_EQUAL(c.log_ring, 16384);
	CU_ASSERT_EQUAL(c.rotate_size, 0);     /* no rotation, nothing removed, no dnstap */
	CU_ASSERT_EQUAL(c.rotate_interval, 0);
	CU_ASSERT_EQUAL(c.rotate_keep, 0);
	CU_ASSERT_FALSE(c.rotate_gzip);
	CU_ASSERT_STRING_EQUAL(c.dnstap, "");
	CU_ASSERT_EQUAL(c.dnstap_sample, 0);
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
		{ "[intercept]\nfrag_flows = 65537\n",
		  "frag_flows: expected a whole number in 0..65536" },
		{ "[intercept]\nfrag_timeout_ms = 0\n",
		  "frag_timeout_ms: expected a whole number in 1..60000" },
		{ "[intercept]\nfrag_timeout_ms = 60001\n", "1..60000" },
		{ "[guard]\nburst = 0\n", "burst" },
		{ "[guard]\nslots = 16777217\n", "slots" },
		{ "[ctl]\nmode = 0988\n", "mode: expected octal" },
		{ "[ctl]\nmode = 01000\n", "mode: expected octal" },
		{ "[ctl]\nuid = root\n", "uid: expected a numeric id" },
		{ "[ctl]\ngid = -5\n", "gid: expected a numeric id" },
		{ "[ctl]\naudit =\n", "audit: expected a path" },
		{ "[optout]\nfile =\n", "file: expected a path" },
		{ "[quarantine]\naction = drop\n", "action: expected sinkhole or nxdomain" },
		{ "[quarantine]\naddress_v4 = 2001:2::1\n", "address_v4: expected an IPv4" },
		{ "[quarantine]\nrpz =\n", "rpz: expected a path" },
		{ "[quarantine]\nwalled = x\n", "unknown key 'walled' in [quarantine]" },
		{ "[log]\nring = 63\n", "ring: expected a whole number in 64..1048576" },
		{ "[log]\nrotate_size = 1023\n", "rotate_size: expected 0 (no limit) or bytes" },
		{ "[log]\nrotate_size = 1125899906842625\n", "rotate_size" },
		{ "[log]\nrotate_size = 10M\n", "rotate_size" },
		{ "[log]\nrotate_interval = 2678401\n", "rotate_interval" },
		{ "[log]\nrotate_gzip = maybe\n", "rotate_gzip: expected yes or no" },
		{ "[log]\ndnstap = tcp:198.18.0.1\n", "dnstap: expected unix:PATH or file:PATH" },
		{ "[log]\ndnstap = unix:\n", "dnstap: expected a path of 1..107 bytes" },
		{ "[log]\ndnstap = unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "dnstap: expected a path" },
		{ "[log]\ndnstap_sample = -1\n", "dnstap_sample" },
		{ "[stats]\ninterval = 0\n", "interval" },
		{ "[stats]\nappliance = two words\n", "appliance: expected a name without blanks" },
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", pre, bad[i].text);
		expect_error(text, -EINVAL, 4, bad[i].what);
	}
}

/* [intercept]: encrypted DNS keys, their defaults, values and the whole-file checks. */
static void
test_config_encrypted_dns(void)
{
	static const char *ok =
		"[ports]\npair = a b\n"
		"[log]\nfile = /tmp/hits.jsonl\n"
		"[intercept]\ncanary = yes\ndot = count\ndoq = block\ndoh = block\n"
		"doh_names = /etc/dnsgate/doh.txt\ndoh_addresses = /etc/dnsgate/doh-ips.txt\n"
		"encrypted_log = yes\n";
	static const struct {
		const char *text, *what;
		unsigned int line;
	} bad[] = {
		{ "[intercept]\ndot = yes\n", "dot: expected off, count or block, got 'yes'", 4 },
		{ "[intercept]\ndoq = Block\n", "doq: expected off, count or block", 4 },
		{ "[intercept]\ndoh = \n", "doh: expected off, count or block", 4 },
		{ "[intercept]\ncanary = sometimes\n", "canary: expected yes or no", 4 },
		{ "[intercept]\ndoh_names =\n", "doh_names: expected a path", 4 },
		{ "[intercept]\ndoh_addresses =\n", "doh_addresses: expected a path", 4 },
	};
	struct dg_config c;
	char text[512], want[128];

	dg_config_defaults(&c);
	CU_ASSERT_FALSE(c.canary);
	CU_ASSERT_EQUAL(c.dot, DG_CONFIG_ENCDNS_OFF);
	CU_ASSERT_EQUAL(c.doq, DG_CONFIG_ENCDNS_OFF);
	CU_ASSERT_EQUAL(c.doh, DG_CONFIG_ENCDNS_OFF);
	CU_ASSERT_FALSE(c.encrypted_log);
	CU_ASSERT_EQUAL_FATAL(load_text(&c, ok), 0);
	CU_ASSERT_TRUE(c.canary);
	CU_ASSERT_EQUAL(c.dot, DG_CONFIG_ENCDNS_COUNT);
	CU_ASSERT_EQUAL(c.doq, DG_CONFIG_ENCDNS_BLOCK);
	CU_ASSERT_EQUAL(c.doh, DG_CONFIG_ENCDNS_BLOCK);
	CU_ASSERT_STRING_EQUAL(c.doh_names, "/etc/dnsgate/doh.txt");
	CU_ASSERT_STRING_EQUAL(c.doh_addresses, "/etc/dnsgate/doh-ips.txt");
	CU_ASSERT_TRUE(c.encrypted_log);
	dg_config_free(&c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[ports]\npair = a b\n%s", bad[i].text);
		expect_error(text, -EINVAL, bad[i].line, bad[i].what);
	}
	/* whole-file checks: DoH needs a list; a log line needs a log */
	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[intercept]\ndoh = count\n"), -EINVAL);
	snprintf(want, sizeof(want), "%s: [intercept] doh needs doh_names or doh_addresses", path);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[intercept]\ndoh = count\n"
				      "doh_addresses = /x\n"), 0);
	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[intercept]\ndot = block\n"
				      "encrypted_log = yes\n"), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "encrypted_log needs a hit log"));
}

static const char *feeds =
	"[ports]\n"
	"pair = a b\n"
	"[feed]\n"
	"zone = rpz.example.\n"
	"primary = 198.18.3.1\n"
	"notify = 198.18.3.2 5300\n"
	"tsig_key = feed-key hmac-SHA256 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
	"refresh = 60\n"
	"identifier = FEED-1\n"
	"category = phishing sites\n"
	"action = nxdomain\n"
	"state_dir = /var/lib/dnsgate\n"
	"[feed]\n"
	"zone = second.example\n"
	"primary = 2001:2::53 5353\n"
	"state_dir = /var/lib/dnsgate\n";

static void
test_config_feed_sections(void)
{
	struct dg_config c;
	const struct dg_config_feed *f = &c.feeds[0], *g = &c.feeds[1];

	CU_ASSERT_EQUAL_FATAL(load_text(&c, feeds), 0);
	CU_ASSERT_EQUAL(c.n_feeds, 2);
	CU_ASSERT_STRING_EQUAL(f->zone, "rpz.example.");
	CU_ASSERT_EQUAL(f->line, 3);
	CU_ASSERT_TRUE(f->primary.set);
	CU_ASSERT_EQUAL(f->primary.a.family, 4);
	CU_ASSERT_EQUAL(memcmp(f->primary.a.addr, "\xc6\x12\x03\x01", 4), 0);
	CU_ASSERT_EQUAL(f->primary.port, 53);
	CU_ASSERT_TRUE(f->notify.set);
	CU_ASSERT_EQUAL(f->notify.port, 5300);
	CU_ASSERT_STRING_EQUAL(f->tsig_name, "feed-key");
	CU_ASSERT_STRING_EQUAL(f->tsig_algorithm, "hmac-sha256");
	CU_ASSERT_STRING_EQUAL(f->tsig_secret, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	CU_ASSERT_EQUAL(f->refresh, 60);
	CU_ASSERT_EQUAL(f->retry, 0);
	CU_ASSERT_EQUAL(f->timeout, 30);
	CU_ASSERT_STRING_EQUAL(f->identifier, "FEED-1");
	CU_ASSERT_STRING_EQUAL(f->category, "phishing sites");
	CU_ASSERT_STRING_EQUAL(f->action, "nxdomain");
	CU_ASSERT_STRING_EQUAL(f->state_dir, "/var/lib/dnsgate");
	CU_ASSERT_EQUAL(g->line, 13);
	CU_ASSERT_EQUAL(g->primary.a.family, 6);
	CU_ASSERT_EQUAL(g->primary.port, 5353);
	CU_ASSERT_FALSE(g->notify.set);
	CU_ASSERT_STRING_EQUAL(g->tsig_name, "");
	CU_ASSERT_STRING_EQUAL(g->action, "given");
	dg_config_free(&c);
}

/* A key file as BIND's tsig-keygen and Knot's keymgr write them. */
static void
test_config_feed_key_file(void)
{
	static const char *const files[] = {
		"key \"xfr.key\" {\n\talgorithm hmac-sha512;\n\tsecret \"c2VjcmV0\";\n};\n",
		"# hmac-sha512:xfr.key:c2VjcmV0\nkey:\n  - id: xfr.key\n    algorithm: hmac-sha512\n"
		"    secret: c2VjcmV0\n",
	};
	char kpath[64], text[256];
	struct dg_config c;

	for (size_t i = 0; i < 2; i++) {
		FILE *f;
		int fd;

		snprintf(kpath, sizeof(kpath), "/tmp/dg-test-key-XXXXXX");
		fd = mkstemp(kpath);
		CU_ASSERT_FATAL(fd >= 0);
		f = fdopen(fd, "w");
		fputs(files[i], f);
		fclose(f);
		snprintf(text, sizeof(text), "[ports]\npair = a b\n[feed]\nzone = z.example\n"
			 "primary = 198.18.3.1\nstate_dir = /tmp\ntsig_file = %s\n", kpath);
		CU_ASSERT_EQUAL(load_text(&c, text), 0);
		CU_ASSERT_STRING_EQUAL(c.feeds[0].tsig_name, "xfr.key");
		CU_ASSERT_STRING_EQUAL(c.feeds[0].tsig_algorithm, "hmac-sha512");
		CU_ASSERT_STRING_EQUAL(c.feeds[0].tsig_secret, "c2VjcmV0");
		dg_config_free(&c);
		unlink(kpath);
	}
	expect_error("[ports]\npair = a b\n[feed]\ntsig_file = /nonexistent/key\n", -ENOENT, 4,
		     "cannot read /nonexistent/key");
}

static void
test_config_feed_errors(void)
{
	char text[1024];
	const char *head = "[ports]\npair = a b\n[feed]\n";

	expect_error("[ports]\npair = a b\n[feed]\nzone = a..b\n", -EINVAL, 4, "bad domain name 'a..b'");
	expect_error("[ports]\npair = a b\n[feed]\nzone = .\n", -EINVAL, 4, "bad domain name");
	expect_error("[ports]\npair = a b\n[feed]\nprimary = 198.18.3.1 70000\n", -EINVAL, 4,
		     "expected 'ADDRESS [PORT]'");
	expect_error("[ports]\npair = a b\n[feed]\nnotify = nowhere\n", -EINVAL, 4, "notify");
	expect_error("[ports]\npair = a b\n[feed]\ntsig_key = k hmac-md5 c2VjcmV0\n", -EINVAL, 4,
		     "'hmac-md5' not supported");
	expect_error("[ports]\npair = a b\n[feed]\ntsig_key = k hmac-sha384 c2VjcmV0\n", -EINVAL, 4,
		     "not supported");
	expect_error("[ports]\npair = a b\n[feed]\ntsig_key = k hmac-sha256 c2Vjc=mV0\n", -EINVAL, 4,
		     "expected base64");
	expect_error("[ports]\npair = a b\n[feed]\ntsig_key = k hmac-sha256 c2VjcmV\n", -EINVAL, 4,
		     "expected base64");
	expect_error("[ports]\npair = a b\n[feed]\ntsig_key = k hmac-sha256\n", -EINVAL, 4,
		     "expected 'NAME ALGORITHM SECRET'");
	expect_error("[ports]\npair = a b\n[feed]\naction = allow\n", -EINVAL, 4, "action: expected given");
	expect_error("[ports]\npair = a b\n[feed]\nrefresh = 604801\n", -EINVAL, 4, "0..604800");
	expect_error("[ports]\npair = a b\n[feed]\ntimeout = 0\n", -EINVAL, 4, "1..3600");
	expect_error("[ports]\npair = a b\n[feed]\nzones = x\n", -EINVAL, 4, "unknown key 'zones' in [feed]");
	/* whole-file checks name the [feed] line */
	expect_error("[ports]\npair = a b\n\n[feed]\nprimary = 198.18.3.1\nstate_dir = /tmp\n",
		     -EINVAL, 4, "[feed] without 'zone'");
	expect_error("[ports]\npair = a b\n[feed]\nzone = z.example\nstate_dir = /tmp\n", -EINVAL,
		     3, "without 'primary'");
	expect_error("[ports]\npair = a b\n[feed]\nzone = z.example\nprimary = 198.18.3.1\n",
		     -EINVAL, 3, "without 'state_dir'");
	snprintf(text, sizeof(text), "%szone = Z.example.\nprimary = 198.18.3.1\nstate_dir = /t\n"
		 "[feed]\nzone = z.example\nprimary = 198.18.3.1\nstate_dir = /t\n", head);
	expect_error(text, -EINVAL, 7, "zone z.example is already fed (line 3)");
	/* one past the limit */
	text[0] = '\0';
	for (int i = 0; i <= DG_CONFIG_MAX_FEEDS; i++)
		strcat(text, "[feed]\n");
	expect_error(text, -E2BIG, DG_CONFIG_MAX_FEEDS + 1, "more than 16 [feed] sections");
	text[strlen(text) - 7] = '\0';
	strcat(text, "[ports]\npair = a b\n");
	expect_error(text, -EINVAL, 1, "[feed] without 'zone'");
}

static void
test_config_timezone(void)
{
	struct dg_config c;

	CU_ASSERT_EQUAL_FATAL(load_text(&c, "[ports]\npair = a b\n"), 0);
	CU_ASSERT_STRING_EQUAL(c.timezone, "UTC");
	CU_ASSERT_EQUAL_FATAL(load_text(&c, "[ports]\npair = a b\n[mgmt]\ntimezone = Asia/Tokyo\n"),
			      0);
	CU_ASSERT_STRING_EQUAL(c.timezone, "Asia/Tokyo");
	expect_error("[ports]\npair = a b\n[mgmt]\ntimezone = Asia/Tokio\n", -ENOENT, 4,
		     "timezone: no zone 'Asia/Tokio' under ");
	expect_error("[mgmt]\ntimezone = ../../etc/passwd\n", -EINVAL, 2,
		     "timezone: '../../etc/passwd' is not a zone name");
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

/* [intercept] responses: response policy, on unless said otherwise. */
static void
test_config_responses(void)
{
	struct dg_config c;

	dg_config_defaults(&c);
	CU_ASSERT_TRUE(c.responses);
	CU_ASSERT_EQUAL_FATAL(load_text(&c, "[ports]\npair = a b\n[intercept]\nresponses = no\n"),
			      0);
	CU_ASSERT_FALSE(c.responses);
	dg_config_free(&c);
	dg_config_defaults(&c);
	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[intercept]\nresponses = maybe\n"),
			-EINVAL);
	dg_config_free(&c);
	/* [filter] response_ip = PATH [key=value...] */
	dg_config_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.respip_path, "");
	CU_ASSERT_EQUAL_FATAL(load_text(&c, "[ports]\npair = a b\n[filter]\n"
					    "response_ip = /etc/ips.txt identifier=C2 action=drop\n"), 0);
	CU_ASSERT_STRING_EQUAL(c.respip_path, "/etc/ips.txt");
	CU_ASSERT_STRING_EQUAL(c.respip_opts, "identifier=C2 action=drop");
	dg_config_free(&c);
	dg_config_defaults(&c);
	CU_ASSERT_EQUAL(load_text(&c, "[ports]\npair = a b\n[filter]\nresponse_ip =\n"), -EINVAL);
	dg_config_free(&c);
}

DG_TEST_MAIN("config",
	DG_TEST(test_config_good_file_all_keys),
	DG_TEST(test_config_missing_file),
	DG_TEST(test_config_syntax_error_line),
	DG_TEST(test_config_unknown_section_and_key),
	DG_TEST(test_config_uint_range_last_and_one_past),
	DG_TEST(test_config_pair_errors),
	DG_TEST(test_config_pair_link_propagate),
	DG_TEST(test_config_mtu_and_mbuf_size),
	DG_TEST(test_config_no_pair),
	DG_TEST(test_config_too_many_pairs),
	DG_TEST(test_config_too_many_eal_args),
	DG_TEST(test_config_line_too_long),
	DG_TEST(test_config_nul_byte),
	DG_TEST(test_config_vdev_errors),
	DG_TEST(test_config_lcores_parse),
	DG_TEST(test_config_filtering_sections),
	DG_TEST(test_config_filtering_defaults),
	DG_TEST(test_config_filtering_errors),
	DG_TEST(test_config_encrypted_dns),
	DG_TEST(test_config_responses),
	DG_TEST(test_config_feed_sections),
	DG_TEST(test_config_feed_key_file),
	DG_TEST(test_config_feed_errors),
	DG_TEST(test_config_timezone),
	DG_TEST(test_config_set_override))
