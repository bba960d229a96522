/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <sys/resource.h>
#include <zlib.h>

#include "dg_filter.h"
#include "dg_hitlog.h"
#include "dg_pkt.h"
#include "dg_test.h"

/* 2024-04-16T03:04:05.123456789Z = 1713236645 s (date -u -d ... +%s), TSC at 2 GHz. */
static const struct dg_hitlog_clock clk = {
	.tsc0 = 1000,
	.hz = 2000000000,
	.unix_ns0 = 1713236645123456789LL,
};

static const struct dg_entry_meta meta = { .identifier = "IIJ-20240416-0001",
					    .category = "backdoor" };

/* A record as a worker fills it: the query message is header, question, nothing after. */
static struct dg_hit_record
rec(const char *hexname)
{
	struct dg_hit_record r;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.tsc = clk.tsc0;
	r.family = 4;
	memcpy(r.src_addr, "\xc6\x12\x00\x01", 4); /* 198.18.0.1 */
	memcpy(r.dst_addr, "\xc6\x12\x00\x35", 4); /* 198.18.0.53 */
	r.src_port = 40000;
	r.dst_port = 53;
	r.qtype = 1;
	r.action = DG_ACTION_SINKHOLE;
	r.port = 0;
	r.meta = &meta;
	memcpy(r.msg, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	n = dg_test_hex(hexname, r.msg + DG_HIT_QNAME_OFF, DG_HITLOG_QNAME_MAX);
	r.qname_len = (uint8_t)n;
	memcpy(r.msg + DG_HIT_QNAME_OFF + n, "\x00\x01\x00\x01", 4);
	r.msg_len = (uint16_t)(DG_HIT_QNAME_OFF + n + 4);
	return r;
}

/* Give @p r an entry of its own with these identifier and category. */
static void
entry(struct dg_hit_record *r, struct dg_entry_meta *m, const char *ident, const char *cat)
{
	*m = meta;
	m->identifier = ident;
	m->category = cat;
	r->meta = m;
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
		"\"action\":\"sinkhole\",\"port\":0,\"reason\":null,\"tc\":false,"
		"\"transport\":\"udp\",\"id\":4660,\"resolver\":\"198.18.0.53\","
		"\"resolver_port\":53,\"vlan\":[],\"trigger\":\"qname\"}\n");
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
	r.port = 65535; /* the last 16-bit port id */
	r.flags = DG_HIT_F_TC | DG_HIT_F_TCP;
	r.meta = NULL;
	memcpy(r.dst_addr, "\x20\x01\x00\x02\x00\x00\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x00\x53", 16);
	r.dst_port = 5353;
	r.msg[0] = 0xff; /* ID 65535: the last byte of the ID */
	r.msg[1] = 0xff;
	/* 3.5 s of TSC later: the fraction carries into the seconds. */
	r.tsc = clk.tsc0 + 7000000000ULL;
	CU_ASSERT_STRING_EQUAL(fmt(&r),
		"{\"time\":\"2024-04-16T03:04:08.623456Z\",\"client\":\"2001:2::35\","
		"\"client_port\":65535,\"qname\":\"x.\",\"qtype\":\"TYPE123\","
		"\"identifier\":null,\"category\":null,\"action\":\"nxdomain\",\"port\":65535,"
		"\"reason\":null,\"tc\":true,\"transport\":\"tcp\",\"id\":65535,"
		"\"resolver\":\"2001:2::53\",\"resolver_port\":5353,\"vlan\":[],\"trigger\":\"qname\"}\n");
}

/* What was done, and why: a sinkhole entry's query dropped by the reflection guard. */
static void
test_hitlog_json_drop_reason(void)
{
	struct dg_hit_record r = rec("01 78 00 ; x.");

	r.action = DG_ACTION_DROP;
	r.reason = DG_FWD_RATE_LIMITED;
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r),
		"\"action\":\"drop\",\"port\":0,\"reason\":\"rate_limited\",\"tc\":false,"
		"\"transport\":\"udp\","));
}

/* A quarantine answer: the client's matched prefix; its length at most the address's. */
static void
test_hitlog_json_client_ip_trigger(void)
{
	struct dg_hit_record r = rec("01 78 00 ; x.");
	char line[DG_HITLOG_LINE_MAX];

	r.trigger = DG_HIT_TRIGGER_CLIENT_IP;
	memcpy(r.match, "\x17\xc6\x13\xfe\x00", 5); /* 198.19.254.0/23 */
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), "\"trigger\":\"client-ip\","
		"\"match\":\"198.19.254.0/23\"}\n"));
	r.match[0] = 32; /* the last length */
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), "\"match\":\"198.19.254.0/32\""));
	r.match[0] = 33; /* one past */
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EBADMSG);
	r.family = 6;
	r.flags |= DG_HIT_F_MATCH6;
	memcpy(r.match, "\x80\x20\x01\x00\x02\0\0\0\0\0\0\0\0\0\0\x00\x35", 17);
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), "\"match\":\"2001:2::35/128\""));
	r.match[0] = 129;
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(dg_hit_trigger_name(DG_HIT_TRIGGER_CLIENT_IP), "client-ip");
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
	struct dg_entry_meta m;
	const char *l;

	/* 情報, then invalid bytes */
	entry(&r, &m, "id\"q\\b\x01\n", "\xe6\x83\x85\xe5\xa0\xb1 \xff\xc0\xaf");
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
	struct dg_entry_meta m;
	uint8_t *qname = r.msg + DG_HIT_QNAME_OFF;
	int i, n;

	/* Labels of 63, 63, 63 and 61 bytes plus the root: 255 bytes. */
	memset(qname, 0, DG_HITLOG_QNAME_MAX);
	for (i = 0; i < 4; i++)
		qname[i * 64] = i < 3 ? 63 : 61;
	r.qname_len = 255;
	r.msg_len = DG_HIT_QNAME_OFF + 255 + 4;
	memset(id, 1, sizeof(id) - 1); /* 255 control bytes: 6 chars each */
	id[255] = '\0';
	entry(&r, &m, id, id);
	/* the deepest VLAN stack, every field at its maximum */
	r.vlan_n = DG_HIT_VLAN_MAX;
	memset(r.vlan, 0xff, sizeof(r.vlan));
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
	CU_ASSERT(dg_hitlog_reopen(h) == 0);
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

/*
 * A disk that fills up, then has room again (RLIMIT_FSIZE stands in for it: a write past
 * the limit is cut short, then refused). Lines that reached the file whole count as
 * written; a line cut short is ended before the next one, so every later line is whole.
 * At a line boundary (2 lines) nothing is cut; one byte past it, the third line is.
 */
static void
test_hitlog_writer_full_disk_recovers(void)
{
	struct dg_hit_record r = rec("01 61 00");
	const char *one = fmt(&r);
	size_t len = strlen(one);
	char path[256], err[256], line[DG_HITLOG_LINE_MAX];
	struct rlimit old, lim;
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	int i, cut;
	FILE *f;

	CU_ASSERT_FATAL(getrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_IGN);
	for (cut = 0; cut <= 1; cut++) {
		tmp_path(path, sizeof(path), "full");
		unlink(path);
		CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
		for (i = 0; i < 5; i++)
			CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		lim = old;
		lim.rlim_cur = (rlim_t)(2 * len + (size_t)cut);
		CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &lim) == 0);
		CU_ASSERT_EQUAL(dg_hitlog_flush(h), -EFBIG);
		dg_hitlog_get_stats(h, &st);
		CU_ASSERT_EQUAL(st.written, 2);
		CU_ASSERT_EQUAL(st.failed, 3);
		/* Still full: a new line is refused whole, nothing glued to the cut one. */
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		CU_ASSERT_EQUAL(dg_hitlog_flush(h), -EFBIG);
		CU_ASSERT_FATAL(setrlimit(RLIMIT_FSIZE, &old) == 0);
		for (i = 0; i < 4; i++)
			CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		CU_ASSERT(dg_hitlog_flush(h) == 0);
		dg_hitlog_get_stats(h, &st);
		CU_ASSERT_EQUAL(st.written, 6);
		CU_ASSERT_EQUAL(st.failed, 4);
		dg_hitlog_close(h);
		f = fopen(path, "r");
		CU_ASSERT_FATAL(f != NULL);
		for (i = 0; fgets(line, sizeof(line), f) != NULL; i++) {
			bool torn = cut && i == 2; /* one byte of a record, then its end */

			CU_ASSERT(!torn || (line[0] == one[0] && strcmp(line + 1, "\n") == 0));
			CU_ASSERT(torn || strcmp(line, one) == 0);
		}
		fclose(f);
		CU_ASSERT_EQUAL(i, 6 + cut);
		unlink(path);
	}
	signal(SIGXFSZ, SIG_DFL);
}

/*
 * A file left ending inside a line (its writer killed mid-write): the first new line
 * starts on a line of its own, at open and at a rotation's reopen. A file that ends with
 * its newline, or is empty, gets nothing added.
 */
static void
test_hitlog_writer_ends_a_cut_line_at_open(void)
{
	struct dg_hit_record r = rec("01 61 00");
	char path[256], err[256], want[2 * DG_HITLOG_LINE_MAX + 64], got[sizeof(want)];
	const char *starts[] = { "{\"time\":\"2024", "whole\n", "" };
	struct dg_hitlog *h;
	size_t n;
	FILE *f;

	for (unsigned int i = 0; i < 3; i++) {
		tmp_path(path, sizeof(path), "cut");
		f = fopen(path, "w");
		CU_ASSERT_FATAL(f != NULL);
		fputs(starts[i], f);
		fclose(f);
		CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		CU_ASSERT(dg_hitlog_flush(h) == 0);
		/* The rotation's reopen finds a cut line too. */
		f = fopen(path, "a");
		CU_ASSERT_FATAL(f != NULL);
		fputs("{\"cut", f);
		fclose(f);
		CU_ASSERT(dg_hitlog_reopen(h) == 0);
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		dg_hitlog_close(h);
		snprintf(want, sizeof(want), "%s%s%s{\"cut\n%s", starts[i], i == 0 ? "\n" : "",
			 fmt(&r), fmt(&r));
		f = fopen(path, "r");
		CU_ASSERT_FATAL(f != NULL);
		n = fread(got, 1, sizeof(got) - 1, f);
		fclose(f);
		got[n] = '\0';
		CU_ASSERT_STRING_EQUAL(got, want);
		unlink(path);
	}
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
	struct dg_entry_meta m;
	struct dg_hitlog *h;
	FILE *f;

	if (system("command -v python3 >/dev/null 2>&1") != 0) {
		printf("python3 not installed: skipped\n");
		return;
	}
	tmp_path(path, sizeof(path), "py.log");
	tmp_path(script, sizeof(script), "check.py");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	entry(&r, &m, "id\"q\\b\x01\n", "\xe6\x83\x85\xe5\xa0\xb1 \xff");
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	r = rec("01 78 00");
	r.family = 6;
	memcpy(r.src_addr, "\x20\x01\x00\x02\x00\x00\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x00\x35", 16);
	r.qtype = 123;
	r.port = 3;
	r.meta = NULL;
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

/* QinQ with every TCI field set, outermost first; the L2 object dnstap carries. */
static void
test_hitlog_json_vlan_stack(void)
{
	static const char want[] = "{\"port\":513,\"vlan\":[{\"tpid\":\"0x88a8\",\"pcp\":7,"
		"\"dei\":1,\"vid\":4095},{\"tpid\":\"0x8100\",\"pcp\":0,\"dei\":0,\"vid\":1}]}";
	struct dg_hit_record r = rec("01 61 00");
	char l2[sizeof(want) + 1];

	r.port = 513; /* past 8 bits */
	r.vlan_n = 2;
	memcpy(r.vlan, "\x88\xa8\xff\xff\x81\x00\x00\x01", 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), ",\"port\":513,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), ",\"vlan\":[{\"tpid\":\"0x88a8\",\"pcp\":7,"
				      "\"dei\":1,\"vid\":4095},{\"tpid\":\"0x8100\""));
	/* exactly the object and its NUL, then one byte short */
	CU_ASSERT_EQUAL(dg_hitlog_format_l2(&r, l2, sizeof(want)), (int)sizeof(want) - 1);
	CU_ASSERT_STRING_EQUAL(l2, want);
	CU_ASSERT_EQUAL(dg_hitlog_format_l2(&r, l2, sizeof(want) - 1), -ENOSPC);
	/* the question must be whole in the kept message: its last byte, then one past */
	r.msg_len = (uint16_t)(DG_HIT_QNAME_OFF + r.qname_len);
	CU_ASSERT(dg_hitlog_format_json(&r, &clk, l2, 1) == -ENOSPC);
	r.msg_len = (uint16_t)(DG_HIT_QNAME_OFF + r.qname_len - 1);
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, l2, sizeof(l2)), -EBADMSG);
}

/* Rotated files of the log at @p path (name order = time order), up to @p max. */
static int
rotated(const char *path, char names[][300], int max)
{
	const char *base = strrchr(path, '/') + 1;
	struct dirent *e;
	DIR *d = opendir("/tmp");
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL && n < max) {
		if (strncmp(e->d_name, base, strlen(base)) != 0 || e->d_name[strlen(base)] != '.')
			continue;
		snprintf(names[n++], 300, "/tmp/%s", e->d_name);
	}
	if (d != NULL)
		closedir(d);
	qsort(names, (size_t)n, 300, (int (*)(const void *, const void *))strcmp);
	return n;
}

/* Lines of a file, gzipped or not. */
static long
gz_lines(const char *path)
{
	gzFile g = gzopen(path, "rb");
	long n = 0;
	int ch;

	if (g == NULL)
		return -1;
	while ((ch = gzgetc(g)) != -1)
		n += ch == '\n';
	gzclose(g);
	return n;
}

/* A file holds exactly what fits: a line that would pass the size starts the next one. */
static void
test_hitlog_rotate_size_boundary(void)
{
	struct dg_hitlog_rotation rot = { 0 };
	struct dg_hit_record r = rec("01 61 00");
	char path[256], err[256], names[8][300], text[DG_HITLOG_LINE_MAX];
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	int line, n;

	tmp_path(path, sizeof(path), "size");
	line = dg_hitlog_format_json(&r, &clk, text, sizeof(text));
	CU_ASSERT_FATAL(line > 0);
	rot.size = 3 * (uint64_t)line; /* the third line ends on the last byte */
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(dg_hitlog_set_rotation(h, &rot, 0) == 0);
	CU_ASSERT_EQUAL(dg_hitlog_set_rotation(h, &rot, 0), -EINVAL);
	for (int i = 0; i < 10; i++)
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT(dg_hitlog_finish(h) == 0);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.rotations, 3);
	CU_ASSERT_EQUAL(st.written, 10);
	CU_ASSERT_EQUAL(st.compressed + st.removed + st.archive_errors, 0);
	dg_hitlog_close(h);
	n = rotated(path, names, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (int i = 0; i < n; i++) {
		const char *stamp = names[i] + strlen(path) + 1;

		CU_ASSERT_EQUAL(count_lines(names[i]), 3);
		/* YYYYMMDDTHHMMSSZ.NNNN, numbered on within one second */
		CU_ASSERT_EQUAL(strlen(stamp), 21);
		CU_ASSERT(stamp[8] == 'T' && stamp[15] == 'Z' && stamp[16] == '.');
		unlink(names[i]);
	}
	CU_ASSERT_EQUAL(count_lines(path), 1);
	unlink(path);
}

/* gzip and keep: the newest two remain, compressed, and nothing was lost before. */
static void
test_hitlog_rotate_gzip_keep(void)
{
	struct dg_hitlog_rotation rot = { .size = 1024, .keep = 2, .gzip = true };
	struct dg_hit_record r = rec("01 61 00");
	char path[256], err[256], names[16][300];
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	long lines = 0;
	int n;

	tmp_path(path, sizeof(path), "gz");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(dg_hitlog_set_rotation(h, &rot, 0) == 0);
	for (int i = 0; i < 7; i++) {
		r.src_port = (uint16_t)i;
		CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
		CU_ASSERT(dg_hitlog_rotate(h) == 0); /* asked: one line per file */
	}
	CU_ASSERT(dg_hitlog_finish(h) == 0);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.rotations, 7);
	/* a file removed before its turn to be compressed is not compressed at all */
	CU_ASSERT_EQUAL(st.removed, 5);
	CU_ASSERT(st.compressed >= 2 && st.compressed <= 7);
	CU_ASSERT_EQUAL(st.archive_errors, 0);
	dg_hitlog_close(h);
	n = rotated(path, names, 16);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	for (int i = 0; i < n; i++) {
		char want[40];
		gzFile g = gzopen(names[i], "rb");
		char line[DG_HITLOG_LINE_MAX];

		CU_ASSERT(strcmp(names[i] + strlen(names[i]) - 3, ".gz") == 0);
		CU_ASSERT_FATAL(g != NULL);
		CU_ASSERT(gzgets(g, line, sizeof(line)) != NULL);
		gzclose(g);
		snprintf(want, sizeof(want), "\"client_port\":%d,", 5 + i); /* the newest */
		CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
		lines += gz_lines(names[i]);
		unlink(names[i]);
	}
	CU_ASSERT_EQUAL(lines, 2);
	CU_ASSERT_EQUAL(count_lines(path), 0);
	unlink(path);
}

/* Time rotation at each multiple of the interval, not for an empty file. */
static void
test_hitlog_rotate_interval(void)
{
	struct dg_hitlog_rotation rot = { .interval = 60 };
	struct dg_hit_record r = rec("01 61 00");
	char path[256], err[256], names[4][300];
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;

	tmp_path(path, sizeof(path), "iv");
	CU_ASSERT_FATAL(dg_hitlog_open(&h, path, err, sizeof(err)) == 0);
	CU_ASSERT_FATAL(dg_hitlog_set_rotation(h, &rot, 1000) == 0); /* next at 1020 */
	CU_ASSERT(dg_hitlog_write(h, &r, &clk) == 0);
	CU_ASSERT(dg_hitlog_tick(h, 1019) == 0);
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.rotations, 0);
	CU_ASSERT(dg_hitlog_tick(h, 1020) == 0); /* the last second of the interval passed */
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.rotations, 1);
	CU_ASSERT(dg_hitlog_tick(h, 1080) == 0); /* nothing written since: left as it is */
	dg_hitlog_get_stats(h, &st);
	CU_ASSERT_EQUAL(st.rotations, 1);
	dg_hitlog_close(h);
	CU_ASSERT_EQUAL_FATAL(rotated(path, names, 4), 1);
	CU_ASSERT_EQUAL(count_lines(names[0]), 1);
	unlink(names[0]);
	unlink(path);
}

/* A response hit: trigger and match last; a qname hit has no match key. */
static void
test_hitlog_json_trigger_and_match(void)
{
	struct dg_hit_record r = rec("01 61 00 ; a.");
	char line[DG_HITLOG_LINE_MAX];
	const char *l;

	CU_ASSERT_PTR_NULL(strstr(fmt(&r), "\"match\""));
	r.trigger = DG_HIT_TRIGGER_CNAME;
	/* the longest name: 255 bytes, four labels of 63, 61 and the root */
	for (int i = 0; i < 4; i++) {
		r.match[64 * i] = i < 3 ? 63 : 61;
		memset(r.match + 64 * i + 1, i < 3 ? 'a' : 'B', i < 3 ? 63 : 61);
	}
	r.match[254] = 0;
	l = fmt(&r);
	CU_ASSERT_PTR_NOT_NULL(strstr(l, ",\"trigger\":\"cname\",\"match\":\"aaa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(l, "BB.\"}\n"));
	/* no root label within the 255 bytes: not a name */
	r.match[254] = 1;
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EBADMSG);
	r.trigger = DG_HIT_TRIGGER_RESPONSE_IP;
	memcpy(r.match, "\x18\xc6\x12\x32\x09", 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r),
		",\"trigger\":\"response-ip\",\"match\":\"198.18.50.9/24\"}\n"));
	r.flags |= DG_HIT_F_MATCH6;
	memcpy(r.match, "\x80\x20\x01\x00\x02\0\0\0\0\0\0\0\0\0\0\x00\x66", 17);
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), "\"match\":\"2001:2::66/128\"}\n"));
	r.trigger = DG_HIT_TRIGGER_CLIENT_IP;
	CU_ASSERT_PTR_NOT_NULL(strstr(fmt(&r), "\"trigger\":\"client-ip\",\"match\":\"2001:2::66/128\""));
	r.trigger = DG_HIT_TRIGGER_COUNT;
	CU_ASSERT_EQUAL(dg_hitlog_format_json(&r, &clk, line, sizeof(line)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(dg_hit_trigger_name(DG_HIT_TRIGGER_QNAME), "qname");
	CU_ASSERT_STRING_EQUAL(dg_hit_trigger_name(DG_HIT_TRIGGER_COUNT), "unknown");
}

/*
 * A record on a worker's ring takes the cells its head and kept message fill: a message
 * that ends on a cell's last byte takes that cell, one byte more the next; a message
 * longer than msg keeps DG_HIT_MSG_MAX; a match (trigger other than qname) takes all.
 */
static void
test_hitlog_cells_head_and_message(void)
{
	const size_t head = offsetof(struct dg_hit_record, msg);
	struct dg_hit_record r;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(dg_hit_cells(&r), (head + DG_HIT_CELL - 1) / DG_HIT_CELL);
	r.msg_len = (uint16_t)(3 * DG_HIT_CELL - head); /* the last byte of cell 3 */
	CU_ASSERT_EQUAL(dg_hit_cells(&r), 3);
	r.msg_len++; /* one past */
	CU_ASSERT_EQUAL(dg_hit_cells(&r), 4);
	r.msg_len = DG_HIT_MSG_MAX;
	CU_ASSERT_EQUAL(dg_hit_cells(&r), (head + DG_HIT_MSG_MAX + DG_HIT_CELL - 1) / DG_HIT_CELL);
	r.msg_len = UINT16_MAX;
	CU_ASSERT_EQUAL(dg_hit_cells(&r), (head + DG_HIT_MSG_MAX + DG_HIT_CELL - 1) / DG_HIT_CELL);
	CU_ASSERT(dg_hit_cells(&r) < DG_HIT_CELLS_MAX);
	r.msg_len = 40;
	r.trigger = DG_HIT_TRIGGER_CNAME;
	CU_ASSERT_EQUAL(dg_hit_cells(&r), DG_HIT_CELLS_MAX);
	CU_ASSERT_EQUAL(DG_HIT_CELLS_MAX * DG_HIT_CELL, sizeof(r));
	/* the reader decides from the first cell alone */
	CU_ASSERT(offsetof(struct dg_hit_record, trigger) < DG_HIT_CELL);
	CU_ASSERT(offsetof(struct dg_hit_record, msg_len) + 2 <= DG_HIT_CELL);
}

DG_TEST_MAIN("hitlog",
	     DG_TEST(test_hitlog_cells_head_and_message),
	DG_TEST(test_hitlog_json_trigger_and_match),
	DG_TEST(test_hitlog_json_vlan_stack),
	DG_TEST(test_hitlog_rotate_size_boundary),
	DG_TEST(test_hitlog_rotate_gzip_keep),
	DG_TEST(test_hitlog_rotate_interval),
	DG_TEST(test_hitlog_json_python_reads_back),
	DG_TEST(test_hitlog_json_ipv4_mixed_case),
	DG_TEST(test_hitlog_json_ipv6_unknown_qtype),
	DG_TEST(test_hitlog_json_drop_reason),
	DG_TEST(test_hitlog_json_client_ip_trigger),
	DG_TEST(test_hitlog_json_odd_labels),
	DG_TEST(test_hitlog_json_escapes_strings),
	DG_TEST(test_hitlog_json_qtype_names),
	DG_TEST(test_hitlog_json_buffer_boundary),
	DG_TEST(test_hitlog_json_longest_line_fits),
	DG_TEST(test_hitlog_json_bad_records),
	DG_TEST(test_hitlog_clock),
	DG_TEST(test_hitlog_writer_rotate),
	DG_TEST(test_hitlog_writer_many),
	DG_TEST(test_hitlog_writer_errors),
	DG_TEST(test_hitlog_writer_full_disk_recovers),
	DG_TEST(test_hitlog_writer_ends_a_cut_line_at_open))
