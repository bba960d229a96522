/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response policy on network-side frames (dg_decide_net_burst()): what is forwarded
 * (byte for byte), rewritten (the forged answer read back by ldns, and its L2-L4 by this
 * file's own reads and dg_vec's checksum code) or dropped, and what is counted and
 * logged. Frames come from annotated vectors; the list is a real lib/filter snapshot.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "decide_fixture.h"
#include "dg_vec.h"

static void
setup(void)
{
	static const struct fx_entry list[] = {
		{ "tracker.test", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE },
		{ "nx.test", DG_ACTION_NXDOMAIN, DG_MATCH_EXACT },
		{ "drop.test", DG_ACTION_DROP, DG_MATCH_EXACT },
		{ "log.test", DG_ACTION_LOG_ONLY, DG_MATCH_EXACT },
		{ "ok.tracker.test", DG_ACTION_ALLOW, DG_MATCH_SUBTREE },
		{ "shop.test", DG_ACTION_ALLOW, DG_MATCH_EXACT },
	};

	fx_setup("TEST-0002", "cloak", list, sizeof(list) / sizeof(list[0]));
	dcfg.responses = true;
}

/* From the resolver 198.18.0.53:53 to the subscriber 198.18.0.1:40000. */
#define ETH_R "02 00 00 00 00 01 02 00 00 00 00 02 08 00 ; to the subscriber's MAC\n"
#define IP_R "45 00 0000 1234 0000 40 11 0000 c6 12 00 35 c6 12 00 01\n"
#define UDP_R "00 35 9c 40 0000 0000 ; sport 53, dport 40000\n"
#define HDR(an, ns, ar) "ab cd 81 80 00 01 " an " " ns " " ar " ; ID, QR RD RA\n"
/* www.Shop.test. A IN, at 12 */
#define QN "03 77 77 77 04 53 68 6f 70 04 74 65 73 74 00 00 01 00 01\n"
enum { TGT = 12 + 19 + 12 }; /* the first answer's RDATA */
#define CNAME(rdlen) "c0 0c 00 05 00 01 00 00 01 2c " rdlen "\n"
/* cdn.Tracker.test. */
#define T_TRACKER "03 63 64 6e 07 54 72 61 63 6b 65 72 04 74 65 73 74 00"
#define A_AT_TGT "c0 2b 00 01 00 01 00 00 00 3c 00 04 c6 12 07 07 ; A 198.18.7.7\n"
#define OPT_DO "00 00 29 04 d0 00 00 80 00 00 00 ; OPT DO\n"

static size_t
resp4(const char *dns)
{
	return vec_build(buf, sizeof(buf), ETH_R, IP_R, UDP_R, dns, 0, VEC_FIX_ALL);
}

static enum dg_disp
decide(size_t len)
{
	uint8_t disp;

	memcpy(orig, buf, sizeof(buf));
	fr = (struct dg_frame){ .data = buf, .len = (uint32_t)len, .room = sizeof(buf) };
	CU_ASSERT_EQUAL(dg_decide_net_burst(&dec, &pol, 1000, &fr, 1, &disp),
			disp != DG_DISP_FORWARD);
	if (disp == DG_DISP_FORWARD) {
		CU_ASSERT(memcmp(buf, orig, sizeof(buf)) == 0); /* byte for byte */
		CU_ASSERT_EQUAL(fr.len, len);
	}
	return (enum dg_disp)disp;
}

/*
 * The rewritten frame, read independently: same MACs and direction (resolver to
 * subscriber), a valid UDP checksum, and a DNS message ldns parses with the response's
 * ID and question. @return it (ldns_pkt_free() it).
 */
static ldns_pkt *
rewritten_v4(void)
{
	ldns_pkt *a = NULL;
	ldns_rr *q;

	CU_ASSERT(memcmp(buf, orig, 12) == 0);                     /* MACs as they were */
	CU_ASSERT(memcmp(buf + 26, "\xc6\x12\x00\x35\xc6\x12\x00\x01", 8) == 0);
	CU_ASSERT(buf[42 - 8] == 0x00 && buf[35] == 0x35);         /* sport 53 */
	CU_ASSERT(buf[36] == 0x9c && buf[37] == 0x40);             /* dport 40000 */
	CU_ASSERT(vec_udp_csum_ok(buf + 26, buf + 30, 4, buf + 34, fr.len - 34));
	CU_ASSERT_EQUAL(vec_ip4_csum(buf + 14, 20), (uint16_t)(buf[24] << 8 | buf[25]));
	CU_ASSERT_FATAL(ldns_wire2pkt(&a, buf + 42, fr.len - 42) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_id(a), 0xabcd);
	CU_ASSERT(ldns_pkt_qr(a) && ldns_pkt_rd(a) && !ldns_pkt_aa(a));
	CU_ASSERT_EQUAL(ldns_pkt_qdcount(a), 1);
	q = ldns_rr_list_rr(ldns_pkt_question(a), 0);
	CU_ASSERT_EQUAL(ldns_rr_get_type(q), LDNS_RR_TYPE_A);
	/* the question bytes as the response had them (letter case kept) */
	CU_ASSERT(memcmp(buf + 42 + 12, orig + 42 + 12, 19) == 0);
	return a;
}

static void
test_decide_resp_cname_listed_rewritten(void)
{
	static const uint8_t target[] = "\3cdn\7tracker\4test";
	char line[DG_HITLOG_LINE_MAX];
	struct dg_hitlog_clock clk = { 0, 0, 0 };
	ldns_rr *an;
	ldns_pkt *a;

	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 01") QN CNAME("00 12") T_TRACKER
					A_AT_TGT OPT_DO)), DG_DISP_REWRITE);
	a = rewritten_v4();
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(a), 1);
	an = ldns_rr_list_rr(ldns_pkt_answer(a), 0);
	CU_ASSERT_EQUAL(ldns_rr_get_type(an), LDNS_RR_TYPE_A);
	CU_ASSERT(memcmp(ldns_rdf_data(ldns_rr_rdf(an, 0)), "\xc6\x12\xff\x01", 4) == 0);
	/* EDNS as the response had it: an OPT with DO, and EDE 15 */
	CU_ASSERT(ldns_pkt_edns(a) && ldns_pkt_edns_do(a));
	CU_ASSERT_EQUAL(ldns_pkt_arcount(a), 0); /* ldns counts OPT apart */
	ldns_pkt_free(a);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(cnt.resp_trigger[DG_HIT_TRIGGER_CNAME], 1);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_SINKHOLE], 1);
	CU_ASSERT_EQUAL(cnt.resp_rewritten, 1);
	CU_ASSERT_EQUAL(cnt.queries, 0); /* responses are not queries */
	CU_ASSERT_EQUAL(ident_hits[1], 1);
	/* the record: the subscriber as client, the question, the target matched */
	CU_ASSERT_EQUAL_FATAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_CNAME);
	CU_ASSERT(memcmp(hits[0].match, target, sizeof(target)) == 0);
	CU_ASSERT(memcmp(hits[0].src_addr, "\xc6\x12\x00\x01", 4) == 0);
	CU_ASSERT_EQUAL(hits[0].src_port, 40000);
	CU_ASSERT_EQUAL(hits[0].dst_port, 53);
	CU_ASSERT_EQUAL(hits[0].qname_len, 15);
	CU_ASSERT(hits[0].ans_len > 0);
	CU_ASSERT(dg_hitlog_format_json(&hits[0], &clk, line, sizeof(line)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"client\":\"198.18.0.1\",\"client_port\":40000,"
					    "\"qname\":\"www.Shop.test.\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, ",\"trigger\":\"cname\","
					    "\"match\":\"cdn.tracker.test.\"}"));
	/* no OPT in the response: none in the answer; NXDOMAIN entry */
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 09")
					"02 6e 78 04 74 65 73 74 00 ; nx.test.\n")),
			DG_DISP_REWRITE);
	a = rewritten_v4();
	CU_ASSERT(!ldns_pkt_edns(a));
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(a), 0);
	ldns_pkt_free(a);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_NXDOMAIN], 1);
}

static void
test_decide_resp_benign_forwarded(void)
{
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 01") QN CNAME("00 0f")
		"03 63 64 6e 04 67 6f 6f 64 04 74 65 73 74 00 ; cdn.good.test.\n" A_AT_TGT OPT_DO)),
		DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(cnt.resp_rewritten, 0);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	/* a listed name as the owner or in the question is not a trigger here */
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00")
		"07 74 72 61 63 6b 65 72 04 74 65 73 74 00 00 01 00 01 ; tracker.test. A\n"
		"c0 0c 00 01 00 01 00 00 00 3c 00 04 c6 12 07 07\n")), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	/* responses off */
	setup();
	dcfg.responses = false;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 01") QN CNAME("00 12") T_TRACKER
					A_AT_TGT OPT_DO)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 0);
}

static void
test_decide_resp_not_from_dns_port(void)
{
	setup();
	/* from port 5353 */
	CU_ASSERT_EQUAL(decide(vec_build(buf, sizeof(buf), ETH_R, IP_R,
		"14 e9 9c 40 0000 0000\n", HDR("00 01", "00 00", "00 00") QN CNAME("00 12")
		T_TRACKER, 0, VEC_FIX_ALL)), DG_DISP_FORWARD);
	/* a query from port 53 (QR=0) is counted as not a response */
	CU_ASSERT_EQUAL(decide(resp4("ab cd 01 00 00 01 00 00 00 00 00 00\n" QN)),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_bad[DG_RESP_NOT_RESPONSE], 1);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 0);
	/* TCP from 53 */
	CU_ASSERT_EQUAL(decide(vec_l4_frame(buf, sizeof(buf), 4, 6, 53, 1, 1, 0x18,
					    (const uint8_t *)"\0\0", 2)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 0);
}

static void
test_decide_resp_allow(void)
{
	/* the question allowed: its whole response passes */
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00")
		"04 73 68 6f 70 04 74 65 73 74 00 00 01 00 01 ; shop.test. A\n"
		CNAME("00 12") T_TRACKER "\n")), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_ALLOW], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	/* an allowed target is no trigger; the next listed one is */
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 00") QN CNAME("00 11")
		"02 6f 6b 07 74 72 61 63 6b 65 72 04 74 65 73 74 00 ; ok.tracker.test.\n"
		"c0 2b 00 05 00 01 00 00 01 2c 00 09 02 6e 78 04 74 65 73 74 00 ; -> nx.test.\n")),
		DG_DISP_REWRITE);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_NXDOMAIN], 1);
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 11")
		"02 6f 6b 07 74 72 61 63 6b 65 72 04 74 65 73 74 00 ; ok.tracker.test.\n")),
		DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_ALLOW], 0);
}

static void
test_decide_resp_drop_and_log_only(void)
{
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 0b")
		"04 64 72 6f 70 04 74 65 73 74 00 ; drop.test.\n")), DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_DROP], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].reason, DG_FWD_ACTION_DROP);
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN
		"c0 0c 00 27 00 01 00 00 01 2c 00 0a 03 6c 6f 67 04 74 65 73 74 00 ; DNAME log.test.\n")),
		DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_LOG_ONLY], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_LOG_ONLY);
	CU_ASSERT_EQUAL(hits[0].ans_len, 0);
}

static void
test_decide_resp_malformed_forwarded(void)
{
	setup();
	/* a forward pointer in the target */
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 02") "c0 30\n")),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_bad[DG_RESP_POINTER_BAD], 1);
	/* a listed target in a response cut one byte short: read no further */
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 00") QN CNAME("00 12") T_TRACKER
		"c0 2b 00 01 00 01 00 00 00 3c 00 04 c6 12 07 ; A cut\n")), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_bad[DG_RESP_RR_TRUNCATED], 1);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 0);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
}

static void
test_decide_resp_optout_and_checksum(void)
{
	struct dg_optout_prefix p;
	struct dg_optout *o;
	size_t n;

	setup();
	CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.1/32", &p, NULL) == 0);
	CU_ASSERT_FATAL(dg_optout_build(&p, 1, &o) == 0);
	pol.optout = o;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 12")
				     T_TRACKER "\n")), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_optout, 1);
	dg_optout_free(o);
	setup();
	n = resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 12") T_TRACKER "\n");
	buf[41] ^= 1; /* UDP checksum */
	CU_ASSERT_EQUAL(decide(n), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_fwd_bad_sum, 1);
	CU_ASSERT_EQUAL(cnt.resp_rewritten, 0);
}

/* IPv6 behind an 802.1Q tag: the tag kept, addresses and ports as they were. */
static void
test_decide_resp_v6_vlan(void)
{
	ldns_pkt *a = NULL;
	size_t n;

	setup();
	n = vec_build(buf, sizeof(buf),
		      "02 00 00 00 00 01 02 00 00 00 00 02 81 00 20 07 86 dd ; PCP 1 VID 7\n",
		      "60 00 00 00 0000 11 40\n"
		      "2001 0002 0000 0000 0000 0000 0000 0053 ; from the resolver\n"
		      "2001 0002 0000 0000 0000 0000 0000 0001 ; to the subscriber\n",
		      UDP_R, HDR("00 01", "00 00", "00 00") QN CNAME("00 12") T_TRACKER "\n", 0,
		      VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_REWRITE);
	CU_ASSERT(memcmp(buf, orig, 18) == 0);
	CU_ASSERT(memcmp(buf + 26, orig + 26, 32) == 0); /* addresses */
	CU_ASSERT(memcmp(buf + 58, "\x00\x35\x9c\x40", 4) == 0);
	CU_ASSERT(vec_udp_csum_ok(buf + 26, buf + 42, 16, buf + 58, fr.len - 58));
	CU_ASSERT_FATAL(ldns_wire2pkt(&a, buf + 66, fr.len - 66) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_id(a), 0xabcd);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(a), 1); /* the IPv4 sinkhole for an A question */
	ldns_pkt_free(a);
}

/* A response-IP list: 198.18.7.0/24 sinkhole, 198.18.7.7 passthru, 2001:2::bad nxdomain. */
static struct dg_respip *
respip(void)
{
	static const char text[] = "198.18.7.0/24\n32.7.7.18.198.rpz-ip CNAME rpz-passthru.\n"
				   "128.bad.zz.2.2001.rpz-ip CNAME .\n198.18.9.9\n";
	const struct dg_entry_meta d = { .identifier = "IP-0001", .action = DG_ACTION_SINKHOLE,
					 .end_day = UINT32_MAX };
	FILE *f = fmemopen((void *)(uintptr_t)text, sizeof(text) - 1, "r");
	struct dg_respip *t = NULL;

	CU_ASSERT_FATAL(dg_respip_load_stream(f, "ips", &d, &t, NULL, NULL, 0) == 0);
	fclose(f);
	return t;
}

#define A_REC(a) "c0 0c 00 01 00 01 00 00 00 3c 00 04 " a "\n"
#define AAAA_BAD "c0 0c 00 1c 00 01 00 00 00 3c 00 10 2001 0002 0000 0000 0000 0000 0000 0bad\n"

static void
test_decide_resp_response_ip(void)
{
	struct dg_respip *t = respip();
	char line[DG_HITLOG_LINE_MAX];
	struct dg_hitlog_clock clk = { 0, 0, 0 };
	ldns_pkt *a;

	/* a listed address, the second of two A records: the sinkhole answer */
	setup();
	pol.respip = t;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 00") QN A_REC("c6 12 08 01")
				     A_REC("c6 12 07 63"))), DG_DISP_REWRITE);
	a = rewritten_v4();
	CU_ASSERT_EQUAL(ldns_pkt_ancount(a), 1);
	CU_ASSERT(memcmp(ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 0)),
			 "\xc6\x12\xff\x01", 4) == 0);
	ldns_pkt_free(a);
	CU_ASSERT_EQUAL(cnt.resp_trigger[DG_HIT_TRIGGER_RESPONSE_IP], 1);
	CU_ASSERT_EQUAL(cnt.resp_trigger[DG_HIT_TRIGGER_CNAME], 0);
	CU_ASSERT_EQUAL(ident_hits[0] + ident_hits[1], 0); /* not the name list's identifiers */
	CU_ASSERT_EQUAL_FATAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_RESPONSE_IP);
	CU_ASSERT(dg_hitlog_format_json(&hits[0], &clk, line, sizeof(line)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"identifier\":\"IP-0001\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, ",\"trigger\":\"response-ip\","
					    "\"match\":\"198.18.7.99/24\"}"));
	/* passthru beats the /24; an address one past it is not listed */
	setup();
	pol.respip = t;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 00") QN A_REC("c6 12 07 07")
				     A_REC("c6 12 08 00"))), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	/* AAAA in a response over IPv4: NXDOMAIN, the match is IPv6 */
	setup();
	pol.respip = t;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN AAAA_BAD)),
			DG_DISP_REWRITE);
	a = rewritten_v4();
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(a), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(a);
	CU_ASSERT(hits[0].flags & DG_HIT_F_MATCH6);
	CU_ASSERT(dg_hitlog_format_json(&hits[0], &clk, line, sizeof(line)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"match\":\"2001:2::bad/128\"}"));
	/* a listed CNAME target is checked first; without a list, addresses are not */
	setup();
	pol.respip = t;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 02", "00 00", "00 00") QN CNAME("00 09")
		"02 6e 78 04 74 65 73 74 00 ; nx.test.\n" A_AT_TGT)), DG_DISP_REWRITE);
	CU_ASSERT_EQUAL(cnt.resp_trigger[DG_HIT_TRIGGER_CNAME], 1);
	setup();
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00") QN A_REC("c6 12 07 63"))),
			DG_DISP_FORWARD);
	/* the question allowed shields its addresses too */
	setup();
	pol.respip = t;
	CU_ASSERT_EQUAL(decide(resp4(HDR("00 01", "00 00", "00 00")
		"04 73 68 6f 70 04 74 65 73 74 00 00 01 00 01 ; shop.test. A\n" A_REC("c6 12 07 63"))),
		DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_ALLOW], 1);
	dg_respip_free(t);
}

/*
 * A response read from a TCP stream (dg_decide_resp_msg()): the frame holding it gives
 * the ends; here the UDP frame's bytes stand for the segment (the function reads the
 * message and the L2-L4 parse, not the TCP header). @return the disposition.
 */
static enum dg_disp
decide_msg(size_t len, uint8_t *ans, size_t room, size_t *alen)
{
	struct dg_pkt_cfg pc;
	struct dg_pkt p;
	enum dg_disp d;

	memcpy(orig, buf, sizeof(buf));
	pc = dcfg.pkt;
	pc.dns_port = 40000;
	pc.min_src_port = 0;
	dg_wire_parse_l2l4(buf, len, &pc, 0, &p);
	fr = (struct dg_frame){ .data = buf, .len = (uint32_t)len, .room = (uint32_t)len };
	d = dg_decide_resp_msg(&dec, &pol, 1000, &fr, &p, buf + 42, (uint16_t)(len - 42), ans,
			       room, alen);
	CU_ASSERT(memcmp(buf, orig, sizeof(buf)) == 0); /* the segment is the caller's */
	return d;
}

static void
test_decide_resp_tcp_message(void)
{
	uint8_t ans[512];
	ldns_pkt *a = NULL;
	size_t n, alen;

	/* a listed CNAME target: the answer to the response's own question, for the stream */
	setup();
	n = resp4(HDR("00 02", "00 00", "00 01") QN CNAME("00 12") T_TRACKER A_AT_TGT OPT_DO);
	CU_ASSERT_EQUAL(decide_msg(n, ans, sizeof(ans), &alen), DG_DISP_REWRITE);
	CU_ASSERT_FATAL(ldns_wire2pkt(&a, ans, alen) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_id(a), 0xabcd);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(a), 1);
	CU_ASSERT(memcmp(ldns_rdf_data(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 0)),
			 "\xc6\x12\xff\x01", 4) == 0);
	CU_ASSERT(memcmp(ans + 12, orig + 42 + 12, 19) == 0); /* question bytes as they were */
	ldns_pkt_free(a);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(cnt.resp_rewritten, 1);
	CU_ASSERT_EQUAL(cnt.resp_trigger[DG_HIT_TRIGGER_CNAME], 1);
	CU_ASSERT_EQUAL_FATAL(dec.n_hits, 1);
	CU_ASSERT(hits[0].flags & DG_HIT_F_TCP);
	CU_ASSERT_EQUAL(hits[0].ans_len, alen);
	CU_ASSERT_EQUAL(hits[0].src_port, 40000); /* the subscriber's end */
	/* no room for the answer: dropped (the caller resets both ways), counted */
	setup();
	CU_ASSERT_EQUAL(decide_msg(n, ans, 12, &alen), DG_DISP_DROP);
	CU_ASSERT_EQUAL(alen, 0);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_DROP], 1);
	/* drop and log-only */
	setup();
	n = resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 0b")
		  "04 64 72 6f 70 04 74 65 73 74 00 ; drop.test.\n");
	CU_ASSERT_EQUAL(decide_msg(n, ans, sizeof(ans), &alen), DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_DROP], 1);
	setup();
	n = resp4(HDR("00 01", "00 00", "00 00") QN CNAME("00 0a")
		  "03 6c 6f 67 04 74 65 73 74 00 ; log.test.\n");
	CU_ASSERT_EQUAL(decide_msg(n, ans, sizeof(ans), &alen), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_verdict[DG_ACTION_LOG_ONLY], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	/* benign, malformed (the last byte cut), and a message outside the frame */
	setup();
	n = resp4(HDR("00 01", "00 00", "00 00") QN A_REC("c6 12 08 01"));
	CU_ASSERT_EQUAL(decide_msg(n, ans, sizeof(ans), &alen), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(decide_msg(n - 1, ans, sizeof(ans), &alen), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_bad[DG_RESP_RR_TRUNCATED], 1);
	fr.len--;
	CU_ASSERT_EQUAL(dg_decide_resp_msg(&dec, &pol, 1000, &fr, &(struct dg_pkt){ 0 }, buf + 42,
					   (uint16_t)(n - 42), ans, sizeof(ans), &alen),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.resp_inspected, 1);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
}

DG_TEST_MAIN("decide_resp",
	     DG_TEST(test_decide_resp_tcp_message),
	     DG_TEST(test_decide_resp_response_ip),
	     DG_TEST(test_decide_resp_cname_listed_rewritten),
	     DG_TEST(test_decide_resp_benign_forwarded),
	     DG_TEST(test_decide_resp_not_from_dns_port),
	     DG_TEST(test_decide_resp_allow),
	     DG_TEST(test_decide_resp_drop_and_log_only),
	     DG_TEST(test_decide_resp_malformed_forwarded),
	     DG_TEST(test_decide_resp_optout_and_checksum),
	     DG_TEST(test_decide_resp_v6_vlan))
