/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dnstap output: what a file holds is read back with libfstrm's reader and the
 * protobuf-c decoder generated from the same schema, field by field; every payload that
 * cannot be written is counted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <fstrm.h>

#include "dg_dnstap.h"
#include "dg_filter.h"
#include "dg_test.h"
#include "dnstap.pb-c.h"

static const struct dg_hitlog_clock clk = { .tsc0 = 0, .hz = 0, .unix_ns0 = 1713236645123456789LL };
static const struct dg_entry_meta meta = { .identifier = "IIJ-20240416-0001",
					    .category = "backdoor", .action = DG_ACTION_SINKHOLE };
/* A www.ExAmpLe.com A query, ID 0xabcd, as a worker records it: QinQ, IPv4. */
static const uint8_t query[] = "\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			       "\x03www\x07" "ExAmpLe\x03" "com\x00\x00\x01\x00\x01";
static const uint8_t answer[] = "\xab\xcd\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00";

static struct dg_hit_record
rec(void)
{
	struct dg_hit_record r;

	memset(&r, 0, sizeof(r));
	r.tsc = 7; /* ns after unix_ns0 */
	r.meta = &meta;
	r.qtype = 1;
	r.src_port = 40000;
	r.dst_port = 53;
	r.port = 3;
	r.family = 4;
	r.action = DG_ACTION_SINKHOLE;
	r.qname_len = 17;
	r.msg_len = sizeof(query) - 1;
	r.ans_len = sizeof(answer) - 1;
	r.vlan_n = 2;
	memcpy(r.vlan, "\x88\xa8\x00\x64\x81\x00\x00\xc8", 8);
	memcpy(r.src_addr, "\xc6\x12\x00\x01", 4);
	memcpy(r.dst_addr, "\xc6\x12\x00\x35", 4);
	memcpy(r.msg, query, sizeof(query) - 1);
	return r;
}

static void
test_dnstap_action_map(void)
{
	static const struct { uint8_t action, flags; uint16_t ans; enum dg_dnstap_action want; } t[] = {
		{ DG_ACTION_SINKHOLE, 0, 40, DG_DNSTAP_LOCAL_DATA },
		{ DG_ACTION_NXDOMAIN, 0, 40, DG_DNSTAP_NXDOMAIN },
		{ DG_ACTION_NODATA, 0, 40, DG_DNSTAP_NODATA },
		{ DG_ACTION_SINKHOLE, DG_HIT_F_TC, 40, DG_DNSTAP_TRUNCATE },
		{ DG_ACTION_DROP, DG_HIT_F_TC, 0, DG_DNSTAP_DROP }, /* nothing sent: not truncated */
		{ DG_ACTION_LOG_ONLY, 0, 0, DG_DNSTAP_PASS },
	};
	struct dg_hit_record r = rec();

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r.action = t[i].action;
		r.flags = t[i].flags;
		r.ans_len = t[i].ans;
		CU_ASSERT_EQUAL(dg_dnstap_action(&r), t[i].want);
	}
}

static ProtobufCBinaryData
bin(const void *p, size_t n)
{
	return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)(uintptr_t)p };
}

static int
bin_eq(ProtobufCBinaryData a, ProtobufCBinaryData b)
{
	return a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}

/* A filtered query (CQ + CR) and a sample (CQ), read back from the file. */
static void
test_dnstap_file_roundtrip(void)
{
	struct dg_hit_record hit = rec(), smp = rec();
	struct fstrm_file_options *fo;
	struct fstrm_reader *rd;
	const struct fstrm_control *ctl;
	struct dg_dnstap_stats st;
	struct dg_dnstap *t;
	char path[128], spec[160], err[256];
	const uint8_t *data, *ct;
	size_t len, ct_len;
	int n = 0;
	static const char qinq[] = "{\"port\":3,\"vlan\":[{\"tpid\":\"0x88a8\",\"pcp\":0,"
		"\"dei\":0,\"vid\":100},{\"tpid\":\"0x8100\",\"pcp\":0,\"dei\":0,\"vid\":200}]}";

	snprintf(path, sizeof(path), "/tmp/dg_dnstap_test.%d.fstrm", (int)getpid());
	unlink(path);
	snprintf(spec, sizeof(spec), "file:%s", path);
	CU_ASSERT_FATAL(dg_dnstap_open(&t, spec, NULL, NULL, 64, err, sizeof(err)) == 0);
	dg_dnstap_close(t, NULL); /* nothing written: a stream with no frame, set aside next */
	CU_ASSERT_FATAL(dg_dnstap_open(&t, spec, "gate-1", "dnsgate 9", 64, err, sizeof(err)) == 0);
	smp.flags = DG_HIT_F_SAMPLE;
	smp.meta = NULL;
	smp.ans_len = 0;
	smp.vlan_n = 0;
	CU_ASSERT(dg_dnstap_write_hit(t, &hit, &clk, answer, sizeof(answer) - 1) == 0);
	CU_ASSERT(dg_dnstap_write_hit(t, &smp, &clk, NULL, 0) == 0);
	dg_dnstap_close(t, &st);
	CU_ASSERT_EQUAL(st.written, 3);
	CU_ASSERT_EQUAL(st.lost_full + st.lost_io + st.bad, 0);

	fo = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fo, path);
	rd = fstrm_file_reader_init(fo, NULL);
	fstrm_file_options_destroy(&fo);
	CU_ASSERT_FATAL(rd != NULL);
	CU_ASSERT_FATAL(fstrm_reader_open(rd) == fstrm_res_success);
	CU_ASSERT_FATAL(fstrm_reader_get_control(rd, FSTRM_CONTROL_START, &ctl) ==
			fstrm_res_success);
	CU_ASSERT(fstrm_control_get_field_content_type(ctl, 0, &ct, &ct_len) == fstrm_res_success);
	CU_ASSERT(ct_len == strlen(DG_DNSTAP_CONTENT_TYPE) &&
		  memcmp(ct, DG_DNSTAP_CONTENT_TYPE, ct_len) == 0);
	while (fstrm_reader_read(rd, &data, &len) == fstrm_res_success) {
		Dnstap__Dnstap *d = dnstap__dnstap__unpack(NULL, len, data);
		Dnstap__Message *m;

		CU_ASSERT_FATAL(d != NULL && d->message != NULL);
		m = d->message;
		CU_ASSERT(bin_eq(d->identity, bin("gate-1", 6)) && bin_eq(d->version,
			  bin("dnsgate 9", 9)));
		CU_ASSERT_EQUAL(m->socket_family, DNSTAP__SOCKET_FAMILY__INET);
		CU_ASSERT_EQUAL(m->socket_protocol, DNSTAP__SOCKET_PROTOCOL__UDP);
		CU_ASSERT(bin_eq(m->query_address, bin("\xc6\x12\x00\x01", 4)));
		CU_ASSERT(bin_eq(m->response_address, bin("\xc6\x12\x00\x35", 4)));
		CU_ASSERT(m->query_port == 40000 && m->response_port == 53);
		CU_ASSERT(m->query_time_sec == 1713236645 && m->query_time_nsec == 123456796);
		if (n < 2) {
			CU_ASSERT_FATAL(m->policy != NULL);
			CU_ASSERT_STRING_EQUAL(m->policy->type, "dnsgate");
			CU_ASSERT(bin_eq(m->policy->rule, bin("IIJ-20240416-0001", 17)));
			CU_ASSERT_EQUAL(m->policy->action, DNSTAP__POLICY__ACTION__LOCAL_DATA);
			CU_ASSERT_EQUAL(m->policy->match, DNSTAP__POLICY__MATCH__QNAME);
			CU_ASSERT(bin_eq(m->policy->value, bin(query + 12, 17))); /* as asked */
			CU_ASSERT(bin_eq(d->extra, bin(qinq, sizeof(qinq) - 1)));
		} else {
			CU_ASSERT_PTR_NULL(m->policy); /* a sample: no policy applied */
			CU_ASSERT(bin_eq(d->extra, bin("{\"port\":3,\"vlan\":[]}", 20)));
		}
		if (n == 1) {
			CU_ASSERT_EQUAL(m->type, DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
			CU_ASSERT(m->has_response_message && !m->has_query_message);
			CU_ASSERT(bin_eq(m->response_message, bin(answer, sizeof(answer) - 1)));
			CU_ASSERT(m->response_time_sec == m->query_time_sec);
		} else {
			CU_ASSERT_EQUAL(m->type, DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
			CU_ASSERT(m->has_query_message && !m->has_response_message);
			CU_ASSERT(bin_eq(m->query_message, bin(query, sizeof(query) - 1)));
		}
		dnstap__dnstap__free_unpacked(d, NULL);
		n++;
	}
	CU_ASSERT_EQUAL(n, 3);
	fstrm_reader_destroy(&rd);
	unlink(path);
	snprintf(err, sizeof(err), "%s.old", path);
	CU_ASSERT_EQUAL(unlink(err), 0); /* the empty run's stream, moved aside, not lost */
}

/* Nobody listening: every payload lost and counted, and close does not wait for one. */
static void
test_dnstap_no_reader_counted(void)
{
	struct dg_hit_record r = rec();
	struct dg_dnstap_stats st;
	struct dg_dnstap *t;
	char spec[128], err[256];
	int i;

	snprintf(spec, sizeof(spec), "unix:/tmp/dg_dnstap_test.%d.nobody", (int)getpid());
	CU_ASSERT_FATAL(dg_dnstap_open(&t, spec, NULL, NULL, 64, err, sizeof(err)) == 0);
	for (i = 0; i < 5000; i++)
		dg_dnstap_write_hit(t, &r, &clk, answer, sizeof(answer) - 1);
	r.family = 5;
	CU_ASSERT_EQUAL(dg_dnstap_write_hit(t, &r, &clk, NULL, 0), -EAFNOSUPPORT);
	dg_dnstap_close(t, &st);
	CU_ASSERT_EQUAL(st.written, 0);
	CU_ASSERT_EQUAL(st.connects, 0);
	/* a queue of 64: how many the thread took is timing, the sum is not */
	CU_ASSERT_EQUAL(st.lost_full + st.lost_io, 2 * 5000);
	CU_ASSERT_EQUAL(st.bad, 1);
}

static void
test_dnstap_bad_spec(void)
{
	static const char *const bad[] = { "tcp:198.18.0.1:6000", "unix:", "file:", "unix",
					   "" };
	char longpath[200], err[256];
	struct dg_dnstap *t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(dg_dnstap_open(&t, bad[i], NULL, NULL, 64, err, sizeof(err)),
				-EINVAL);
		CU_ASSERT_PTR_NULL(t);
	}
	/* sun_path holds 107 bytes and its NUL: the last that fits, then one past */
	memcpy(longpath, "unix:/", 6);
	memset(longpath + 6, 'a', 106);
	longpath[112] = '\0';
	CU_ASSERT_EQUAL(dg_dnstap_open(&t, longpath, NULL, NULL, 64, err, sizeof(err)), 0);
	dg_dnstap_close(t, NULL);
	longpath[112] = 'a';
	longpath[113] = '\0';
	CU_ASSERT_EQUAL(dg_dnstap_open(&t, longpath, NULL, NULL, 64, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unix:PATH"));
	dg_dnstap_close(NULL, NULL);
}

DG_TEST_MAIN("dnstap",
	DG_TEST(test_dnstap_action_map),
	DG_TEST(test_dnstap_file_roundtrip),
	DG_TEST(test_dnstap_no_reader_counted),
	DG_TEST(test_dnstap_bad_spec))
