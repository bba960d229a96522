/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dg_filter.h"
#include "dg_hitlog.h"
#include "dg_test.h"

/* 2024-04-16T03:04:05.123456789Z = 1713236645 s (date -u -d ... +%s), TSC at 2 GHz. */
static const struct dg_hitlog_clock clk = {
	.tsc0 = 1000,
	.hz = 2000000000,
	.unix_ns0 = 1713236645123456789LL,
};

static struct dg_hit_record
rec(const char *hexname)
{
	struct dg_hit_record r;

	memset(&r, 0, sizeof(r));
	r.tsc = clk.tsc0;
	r.family = 4;
	memcpy(r.src_addr, "\xc6\x12\x00\x01", 4); /* 198.18.0.1 */
	r.src_port = 40000;
	r.qtype = 1;
	r.action = DG_ACTION_SINKHOLE;
	r.port = 0;
	r.identifier = "IIJ-20240416-0001";
	r.category = "backdoor";
	r.qname_len = (uint8_t)dg_test_hex(hexname, r.qname, sizeof(r.qname));
	return r;
}

static const char *
fmt(const struct dg_hit_record *r)
{
	static char line[DG_HITLOG_LINE_MAX];
	int n = dg_hitlog_format_json(r, &clk, line, sizeof(line));

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(strlen(line), (size_t)n);
	return line;
}

static void
test_hitlog_json_ipv4_mixed_case(void)
{
	struct dg_hit_record r = rec("04 45 76 69 6c ; Evil\n"
				     "07 45 78 41 6d 70 6c 65 ; ExAmple\n"
				     "03 63 6f 6d 00 ; com, root");

	CU_ASSERT_STRING_EQUAL(fmt(&r),
		"{\"time\":\"2024-04-16T03:04:05.123456Z\",\"client\":\"198.18.0.1\","
		"\"client_port\":40000,\"qname\":\"Evil.ExAmple.com.\",\"qtype\":\"A\","
		"\"identifier\":\"IIJ-20240416-0001\",\"category\":\"backdoor\","
		"\"action\":\"sinkhole\",\"port\":0}\n");
}

static void
test_hitlog_json_ipv6_unknown_qtype(void)
{
	struct dg_hit_record r = rec("01 78 00 ; x.");

	r.family = 6;
	memcpy(r.src_addr, "\x20\x01\x00\x02\x00\x00\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x00\x35", 16);
	r.src_port = 65535;
	r.qtype = 123;
	r.action = DG_ACTION_NXDOMAIN;
	r.port = 3;
	r.identifier = NULL;
	r.category = NULL;
	/* 3.5 s of TSC later: the fraction carries into the seconds. */
	r.tsc = clk.tsc0 + 7000000000ULL;
	CU_ASSERT_STRING_EQUAL(fmt(&r),
		"{\"time\":\"2024-04-16T03:04:08.623456Z\",\"client\":\"2001:2::35\","
		"\"client_port\":65535,\"qname\":\"x.\",\"qtype\":\"TYPE123\","
		"\"identifier\":null,\"category\":null,\"action\":\"nxdomain\",\"port\":3}\n");
}

static void
test_hitlog_json_odd_labels(void)
{
	/* Label bytes: a . NUL " \ Z -> text a\.\000"\\Z -> JSON a\\.\\000\"\\\\Z */
	struct dg_hit_record r = rec("06 61 2e 00 22 5c 5a ; a . NUL \" \\ Z\n"
				     "03 43 4f 4d 00       ; COM, root");
	const char *l = fmt(&r);

	CU_ASSERT_PTR_NOT_NULL(strstr(l, ",\"qname\":\"a\\\\.\\\\000\\\"\\\\\\\\Z.COM.\","));
}

static void
test_hitlog_json_escapes_strings(void)
{
	struct dg_hit_record r = rec("01 61 00");
	const char *l;

	r.identifier = "id\"q\\b\x01\n";
	r.category = "\xe6\x83\x85\xe5\xa0\xb1 \xff\xc0\xaf"; /* 情報, then invalid bytes */
	r.qtype = 65;
	r.action = DG_ACTION_LOG_ONLY;
	l = fmt(&r);
	CU_ASSERT_PTR_NOT_NULL(strstr(l, "\"qtype\":\"HTTPS\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(l, "\"identifier\":\"id\\\"q\\\\b\\u0001\\u000a\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(l,
		"\"category\":\"\xe6\x83\x85\xe5\xa0\xb1 \\ufffd\\ufffd\\ufffd\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(l, "\"action\":\"log-only\""));
}

static void
test_hitlog_json_qtype_names(void)
{
	char b[12];

	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(28, b, sizeof(b)), "AAAA");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(64, b, sizeof(b)), "SVCB");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(15, b, sizeof(b)), "MX");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(16, b, sizeof(b)), "TXT");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(255, b, sizeof(b)), "ANY");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(0, b, sizeof(b)), "TYPE0");
	CU_ASSERT_STRING_EQUAL(dg_hitlog_qtype_name(65535, b, sizeof(b)), "TYPE65535");
}

static void
test_hitlog_json_buffer_boundary(void)
{
	struct dg_hit_record r = rec("04 45 76 69 6c 03 63 6f 6d 00");
	char big[DG_HITLOG_LINE_MAX], small[DG_HITLOG_LINE_MAX + 1];
	int n = dg_hitlog_format_json(&r, &clk, big, sizeof(big));

	CU_ASSERT_FATAL(n > 0);
	/* Exactly line + NUL fits; the byte after the given length is never touched. */
	memset(small, 'Q', sizeof(small));
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, small, (size_t)n + 1), n);
	CU_ASSERT_STRING_EQUAL(small, big);
	CU_ASSERT_EQUAL(small[n + 1], 'Q');
	/* One byte short (no room for the NUL), and far short. */
	memset(small, 'Q', sizeof(small));
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, small, (size_t)n), -ENOSPC);
	CU_ASSERT_EQUAL(small[n], 'Q');
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, small, 10), -ENOSPC);
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, small, 0), -ENOSPC);
}

static void
test_hitlog_json_longest_line_fits(void)
{
	/* Worst case: 255-byte name of NUL bytes (\000 = 4 chars, JSON-escaped 5 each). */
	struct dg_hit_record r = rec("00");
	char id[256], line[DG_HITLOG_LINE_MAX];
	int i, n;

	/* Labels of 63, 63, 63 and 61 bytes plus the root: 255 bytes. */
	memset(r.qname, 0, sizeof(r.qname));
	for (i = 0; i < 4; i++)
		r.qname[i * 64] = i < 3 ? 63 : 61;
	r.qname_len = 255;
	memset(id, 1, sizeof(id) - 1); /* 255 control bytes: 6 chars each */
	id[255] = '\0';
	r.identifier = id;
	r.category = id;
	r.family = 6;
	memset(r.src_addr, 0xff, 16);
	r.src_port = 65535;
	r.qtype = 65535;
	r.port = 255;
	n = dg_hitlog_format_json(&r, &clk, line, sizeof(line));
	/* 250 name bytes as \\000 (5 chars) + 2 * 255 * 6 for the strings, and the rest */
	CU_ASSERT(n > 250 * 5 + 2 * 255 * 6);
	CU_ASSERT(n < DG_HITLOG_LINE_MAX);
}

static void
test_hitlog_json_bad_records(void)
{
	struct dg_hit_record r = rec("05 61 62 00"); /* label says 5, only 2 bytes + root */
	char line[DG_HITLOG_LINE_MAX];

	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EBADMSG);
	r = rec("01 61 00");
	r.family = 5;
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EAFNOSUPPORT);
}

static void
test_hitlog_clock(void)
{
	struct dg_hitlog_clock c = { .tsc0 = 5000000000ULL, .hz = 1000000000,
				     .unix_ns0 = 951868799999999999LL };
	struct dg_hit_record r = rec("01 61 00");

	/* Leap day rollover to 2000-03-01, and a TSC from before tsc0. */
	r.tsc = c.tsc0 + 1;
	CU_ASSERT_EQUAL(dg_hitlog_clock_ns(&c, r.tsc), 951868800000000000LL);
	char line[DG_HITLOG_LINE_MAX];

	CU_ASSERT(dg_hitlog_format_json(&r, &c, line, sizeof(line)) > 0);
	CU_ASSERT(strncmp(line, "{\"time\":\"2000-03-01T00:00:00.000000Z\"", 37) == 0);
	r.tsc = c.tsc0 - 2000000000ULL;
	CU_ASSERT(dg_hitlog_format_json(&r, &c, line, sizeof(line)) > 0);
	CU_ASSERT(strncmp(line, "{\"time\":\"2000-02-29T23:59:57.999999Z\"", 37) == 0);
	/* hz = 0: the TSC is already in nanoseconds; before the epoch still prints. */
	c = (struct dg_hitlog_clock){ .tsc0 = 0, .hz = 0, .unix_ns0 = -1500000000LL };
	r.tsc = 0;
	CU_ASSERT(dg_hitlog_format_json(&r, &c, line, sizeof(line)) > 0);
	CU_ASSERT(strncmp(line, "{\"time\":\"1969-12-31T23:59:58.500000Z\"", 37) == 0);
}

/* Lines in a file, or -1 if it cannot be read. */
static long
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long n = 0;
	int ch;

	if (f == NULL)
		return -1;
	while ((ch = fgetc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void
tmp_path(char *buf, size_t len, const char *leaf)
{
	snprintf(buf, len, "/tmp/dg_hitlog_test.%d.%s", (int)getpid(), leaf);
	unlink(buf);
}

static void
test_hitlog_writer_rotate(void)
{
	char path[256], moved[256], err[256];
	struct dg_hit_record r = rec("01 61 00");
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	int i;

	tmp_path(path, sizeof(path), "log");
	tmp_path(moved, sizeof(moved), "log.1");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	for (i = 0; i < 2; i++)
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT(dg_hitlog_flush(h) == 0);
	CU_ASSERT_EQUAL(count_lines(path), 2);
	/* logrotate moves the file; until rotate, lines still go to the moved file. */
	CU_ASSERT_FATAL(rename(path, moved) == 0);
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT(dg_hitlog_rotate(h) == 0);
	for (i = 0; i < 5; i++)
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.written, 3); /* the last 5 are still buffered */
	dg_hitlog_close(h);
	CU_ASSERT_EQUAL(count_lines(moved), 3);
	CU_ASSERT_EQUAL(count_lines(path), 5);
	unlink(path);
	unlink(moved);
}

static void
test_hitlog_writer_many(void)
{
	/* Far more than one buffer: every line arrives, whole, in order. */
	char path[256], err[256], line[DG_HITLOG_LINE_MAX];
	struct dg_hit_record r = rec("07 65 78 61 6d 70 6c 65 00");
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	long i, n = 20000, bad = 0;
	FILE *f;

	tmp_path(path, sizeof(path), "many");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	for (i = 0; i < n; i++) {
		r.src_port = (uint16_t)i;
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	}
	CU_ASSERT(dg_hitlog_flush(h) == 0);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.written, (uint64_t)n);
	CU_ASSERT_EQUAL(st.failed, 0);
	dg_hitlog_close(h);
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	for (i = 0; fgets(line, sizeof(line), f) != NULL; i++) {
		char want[32];

		snprintf(want, sizeof(want), "\"client_port\":%ld,", i & 0xffff);
		bad += strstr(line, want) == NULL || line[strlen(line) - 1] != '\n';
	}
	fclose(f);
	CU_ASSERT_EQUAL(i, n);
	CU_ASSERT_EQUAL(bad, 0);
	unlink(path);
}

static void
test_hitlog_writer_errors(void)
{
	struct dg_hit_record r = rec("01 61 00");
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	char err[256] = "";

	CU_ASSERT(dg_hitlog_open(&h, "/nonexistent-dir/x.log", err, sizeof(err)) == -ENOENT);
	CU_ASSERT_PTR_NULL(h);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/x.log"));
	/* A full disk: lines are dropped and counted, never retried forever. */
	if (access("/dev/full", W_OK) != 0)
		return;
	CU_ASSERT_FATAL(dg_hitlog_open(&h, "/dev/full", err, sizeof(err)) == 0);
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT_EQUAL(dg_hitlog_flush(h), -ENOSPC);
	r.family = 0;
	CU_ASSERT_EQUAL(dg_hitlog_write(h, &r, &clk), -EAFNOSUPPORT);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.written, 0);
	CU_ASSERT_EQUAL(st.failed, 3);
	CU_ASSERT_EQUAL(dg_hitlog_flush(h), 0); /* nothing left buffered */
	dg_hitlog_close(h);
	dg_hitlog_close(NULL);
}

/*
 * An independent decoder: Python's json module must read back every odd line with the
 * values we meant (skipped when python3 is not installed).
 */
static void
test_hitlog_json_python_reads_back(void)
{
	static const char check[] =
		"import json, sys\n"
		"rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]\n"
		"assert len(rows) == 3, rows\n"
		"assert rows[0]['qname'] == r'a\\.\\000\"\\\\Z.COM.', rows[0]\n"
		"assert rows[0]['identifier'] == 'id\"q\\\\b\\x01\\n', rows[0]\n"
		"assert rows[0]['category'] == '\\u60c5\\u5831 \\ufffd', rows[0]\n"
		"assert rows[1]['client'] == '2001:2::35' and rows[1]['qtype'] == 'TYPE123'\n"
		"assert rows[1]['identifier'] is None and rows[1]['port'] == 3\n"
		"assert rows[2]['client_port'] == 65535 and rows[2]['action'] == 'drop'\n";
	char path[256], script[256], cmd[700], err[256];
	struct dg_hit_record r = rec("06 61 2e 00 22 5c 5a 03 43 4f 4d 00");
	struct dg_hitlog *h;
	FILE *f;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("python3 not installed: skipped\n");
		return;
	}
	tmp_path(path, sizeof(path), "py.log");
	tmp_path(script, sizeof(script), "check.py");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	r.identifier = "id\"q\\b\x01\n";
	r.category = "\xe6\x83\x85\xe5\xa0\xb1 \xff";
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	r = rec("01 78 00");
	r.family = 6;
	memcpy(r.src_addr, "\x20\x01\x00\x02\x00\x00\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x00\x35", 16);
	r.qtype = 123;
	r.port = 3;
	r.identifier = NULL;
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	r = rec("01 78 00");
	r.src_port = 65535;
	r.action = DG_ACTION_DROP;
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	dg_hitlog_close(h);
	f = fopen(script, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(check, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s %s", script, path);
	CU_ASSERT_EQUAL(system(cmd), 0);
	unlink(path);
	unlink(script);
}

DG_TEST_MAIN("hitlog",
	DG_TEST(test_hitlog_json_python_reads_back),
	DG_TEST(test_hitlog_json_ipv4_mixed_case),
	DG_TEST(test_hitlog_json_ipv6_unknown_qtype),
	DG_TEST(test_hitlog_json_odd_labels),
	DG_TEST(test_hitlog_json_escapes_strings),
	DG_TEST(test_hitlog_json_qtype_names),
	DG_TEST(test_hitlog_json_buffer_boundary),
	DG_TEST(test_hitlog_json_longest_line_fits),
	DG_TEST(test_hitlog_json_bad_records),
	DG_TEST(test_hitlog_clock),
	DG_TEST(test_hitlog_writer_rotate),
	DG_TEST(test_hitlog_writer_many),
	DG_TEST(test_hitlog_writer_errors))
