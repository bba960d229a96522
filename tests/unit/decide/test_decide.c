/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-frame decision against DESIGN.md section 5, row by row, each for a blocked and
 * a benign name: what is forwarded (byte for byte), answered (re-parsed from the client's
 * side) or dropped (with its reason), and what is counted and logged. Frames come from
 * annotated vectors (dg_vec); the list is a real lib/filter snapshot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decide_fixture.h"
#include "dg_vec.h"
#include "tls_build.h"

/* www.ExAmpLe.com is blocked (example.com, subtree, sinkhole); www.good.com is not. */
#define QN_BAD VEC_QNAME
#define QN_GOOD "03 77 77 77 04 67 6f 6f 64 03 63 6f 6d 00 ; www.good.com.\n"
#define HDR(flags, qd, an, ns, ar) "ab cd " flags " " qd " " an " " ns " " ar " ; header\n"
#define Q_A "00 01 00 01 ; A IN\n"

static struct dg_pkt pk;

static void
setup(void)
{
	static const struct fx_entry list[] = {
		{ "example.com", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE },
		{ "drop.test", DG_ACTION_DROP, DG_MATCH_EXACT },
		{ "log.test", DG_ACTION_LOG_ONLY, DG_MATCH_EXACT },
		{ "ok.example.com", DG_ACTION_ALLOW, DG_MATCH_SUBTREE },
	};

	fx_setup("TEST-0001", "backdoor", list, sizeof(list) / sizeof(list[0]));
}

/* Decide the frame in buf[0..len) with @p room writable bytes; NIC hints none. */
static enum dg_disp
decide_room(size_t len, size_t room)
{
	uint8_t disp;

	memcpy(orig, buf, sizeof(buf));
	fr = (struct dg_frame){ .data = buf, .len = (uint32_t)len, .room = (uint32_t)room };
	CU_ASSERT_EQUAL(dg_decide_burst(&dec, &pol, 1000, &fr, 1, &pk, &disp),
			disp != DG_DISP_FORWARD);
	if (disp == DG_DISP_FORWARD)
		CU_ASSERT(memcmp(buf, orig, sizeof(buf)) == 0); /* byte for byte */
	return (enum dg_disp)disp;
}

static enum dg_disp
decide(size_t len)
{
	return decide_room(len, sizeof(buf));
}

static size_t
v4(const char *dns)
{
	return vec_build(buf, sizeof(buf), VEC_ETH4, VEC_IP4, VEC_UDP, dns, 0, VEC_FIX_ALL);
}

/* The answer in buf, parsed from the client's side: its reason must be "a response". */
static struct dg_pkt
answer(void)
{
	struct dg_pkt_cfg c = dcfg.pkt;
	struct dg_pkt a;

	c.dns_port = pk.src_port;
	c.min_src_port = 1;
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(dg_pkt_parse(buf, fr.len, &c, &a)),
			       "dns_response");
	return a;
}

static uint16_t
ans_u16(const struct dg_pkt *a, size_t off)
{
	return (uint16_t)(buf[a->dns_off + off] << 8 | buf[a->dns_off + off + 1]);
}

/* A row whose blocked query is answered: the answer and what was counted and logged. */
static void
expect_answer(const char *dns, bool with_opt)
{
	struct dg_pkt a;

	setup();
	CU_ASSERT_EQUAL(decide(v4(dns)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(a.id, 0xabcd);
	CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x0200, 0);            /* TC clear */
	CU_ASSERT_EQUAL(ans_u16(&a, 10), with_opt ? 1 : 0);     /* ARCOUNT: our OPT only */
	CU_ASSERT_EQUAL(cnt.answered, 1);
	CU_ASSERT_EQUAL(cnt.queries, 1);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_SINKHOLE], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_SINKHOLE);
	CU_ASSERT_EQUAL(hits[0].qname_len, 17);
	CU_ASSERT(memcmp(hits[0].msg + DG_HIT_QNAME_OFF, "\3www\7ExAmpLe\3com", 17) == 0); /* as asked */
	CU_ASSERT(memcmp(hits[0].src_addr, "\xc6\x12\x00\x01", 4) == 0);
}

/* A row whose blocked query is dropped for @p reason. */
static void
expect_drop_frame(size_t len, enum dg_fwd_reason reason)
{
	CU_ASSERT_EQUAL(decide(len), DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.drop[reason], 1);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_DROP], 1);
	CU_ASSERT_EQUAL(cnt.answered, 0);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_DROP);
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(hits[0].reason), dg_fwd_reason_name(reason));
}

static void
expect_drop(const char *dns, enum dg_fwd_reason reason)
{
	setup();
	expect_drop_frame(v4(dns), reason);
}

/* Forwarded unchanged, counted under @p reason (whatever the name). */
static void
expect_fwd_frame(size_t len, enum dg_fwd_reason reason)
{
	CU_ASSERT_EQUAL(decide(len), DG_DISP_FORWARD);
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name((enum dg_fwd_reason)(cnt.fwd[reason] ? reason : 0)),
			       dg_fwd_reason_name(reason));
	CU_ASSERT_EQUAL(dec.n_hits, 0);
}

static void
expect_fwd(const char *dns, enum dg_fwd_reason reason)
{
	setup();
	expect_fwd_frame(v4(dns), reason);
}

static void
test_decide_clean_query(void)
{
	expect_answer(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A, false);
	expect_answer(VEC_DNS_A_EDNS, true);
	setup();
	CU_ASSERT_EQUAL(decide(v4(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A)),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.queries, 1);
}

static void
test_decide_unreadable_names_forwarded(void)
{
	expect_fwd(HDR("01 00", "00 01", "00 00", "00 00", "00 00") "03 77 77 77 c0 0c" Q_A,
		   DG_FWD_QNAME_POINTER);
	expect_fwd(HDR("01 00", "00 01", "00 00", "00 00", "00 00") "40" Q_A,
		   DG_FWD_QNAME_BAD_LABEL);
	expect_fwd(HDR("01 00", "00 01", "00 00", "00 00", "00 00") "03 77 77 77", 
		   DG_FWD_QNAME_TRUNCATED);
	expect_fwd("ab cd 01 00 00 01 00 00 00 00 00 ; 11 bytes", DG_FWD_DNS_SHORT);
	expect_fwd(HDR("01 00", "00 02", "00 00", "00 00", "00 00") QN_BAD Q_A QN_BAD Q_A,
		   DG_FWD_DNS_QDCOUNT);
	expect_fwd(HDR("81 80", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A,
		   DG_FWD_DNS_RESPONSE);
	CU_ASSERT_EQUAL(cnt.queries, 0);
}

static void
test_decide_header_rows(void)
{
	/* opcode STATUS: an answer would claim a query that was not asked */
	expect_drop(HDR("10 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A,
		    DG_FWD_DNS_OPCODE);
	expect_fwd(HDR("10 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A,
		   DG_FWD_DNS_OPCODE);
	CU_ASSERT_EQUAL(cnt.queries, 1); /* read, so counted */
	/* TC=1 in a query: resolvers answer it, so do we (with TC clear) */
	expect_answer(HDR("03 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A, false);
	expect_fwd(HDR("03 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A, DG_FWD_DNS_TC);
	/* records in the answer / authority sections: answered, without OPT */
	expect_answer(HDR("01 00", "00 01", "00 01", "00 00", "00 01") QN_BAD Q_A
		      "c0 0c 00 01 00 01 00 00 00 3c 00 04 01 02 03 04 ; A record\n"
		      VEC_OPT_DO, false);
	expect_answer(HDR("01 00", "00 01", "00 00", "00 01", "00 00") QN_BAD Q_A
		      "c0 0c 00 02 00 01 00 00 00 3c 00 02 c0 0c ; NS record\n", false);
	expect_fwd(HDR("01 00", "00 01", "00 01", "00 00", "00 00") QN_GOOD Q_A,
		   DG_FWD_DNS_AN_NS_COUNT);
}

static void
test_decide_class_and_type_rows(void)
{
	struct dg_pkt a;

	/* class ANY: answered; the question (class ANY) copied, the record class IN */
	expect_answer(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD "00 01 00 ff", false);
	a = answer();
	CU_ASSERT_EQUAL(ans_u16(&a, 12 + 17 + 2), 255);    /* question class ANY */
	CU_ASSERT_EQUAL(ans_u16(&a, 12 + 17 + 4 + 4), 1); /* answer RR class IN */
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD "00 10 00 03",
		    DG_FWD_QCLASS_NOT_IN);
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD "00 fc 00 01",
		    DG_FWD_QTYPE_REFUSED);
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD "00 00 00 01",
		    DG_FWD_QTYPE_REFUSED);
	expect_fwd(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD "00 fc 00 01",
		   DG_FWD_QTYPE_REFUSED);
}

static void
test_decide_additional_rows(void)
{
	static const char *const opt_defects[] = {
		"; ARCOUNT 1, nothing there\n",
		"00 00 29 04 d0 00 00 80 00 00 ; RDLEN cut\n",
		VEC_OPT_DO VEC_OPT_DO,
		"01 61 00 00 29 04 d0 00 00 00 00 00 00 ; owner a.\n",
		"00 00 29 04 d0 00 01 00 00 00 00 ; version 1\n",
		"00 00 29 10 00 00 00 00 00 00 06 00 0c 00 03 00 00 ; option past RDATA\n",
		"00 00 29 10 00 00 00 00 00 00 0b 00 0a 00 07 01 02 03 04 05 06 07 ; cookie 7\n",
	};
	char dns[512];

	for (size_t i = 0; i < sizeof(opt_defects) / sizeof(opt_defects[0]); i++) {
		const char *hdr = i == 2 ? HDR("01 00", "00 01", "00 00", "00 00", "00 02") :
					   HDR("01 00", "00 01", "00 00", "00 00", "00 01");

		snprintf(dns, sizeof(dns), "%s%s%s%s", hdr, QN_BAD, Q_A, opt_defects[i]);
		expect_answer(dns, false);
		snprintf(dns, sizeof(dns), "%s%s%s%s", hdr, QN_GOOD, Q_A, opt_defects[i]);
		setup();
		CU_ASSERT_EQUAL(decide(v4(dns)), DG_DISP_FORWARD);
	}
	/* signed: dropped (a forged answer cannot carry a valid signature) */
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 01") QN_BAD Q_A
		    "03 6b 65 79 00 00 fa 00 ff 00000000 00 04 de ad be ef ; TSIG\n",
		    DG_FWD_DNS_SIGNED);
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 01") QN_BAD Q_A
		    "00 00 18 00 ff 00000000 00 02 00 00 ; SIG(0)\n", DG_FWD_DNS_SIGNED);
	/* another record beside the OPT, before or after it: answered, OPT kept */
	expect_answer(HDR("01 00", "00 01", "00 00", "00 00", "00 02") QN_BAD Q_A
		      "00 00 01 00 01 00000000 00 04 01 02 03 04 ; A\n" VEC_OPT_DO, true);
	expect_answer(HDR("01 00", "00 01", "00 00", "00 00", "00 01") QN_BAD Q_A
		      "00 00 01 00 01 00000000 00 04 01 02 03 04 ; A only\n", false);
	/* trailing bytes: after the question, after the OPT (the last byte and one past) */
	expect_answer(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A "00", false);
	expect_answer(VEC_DNS_A_EDNS "00 00 00", true);
	setup();
	CU_ASSERT_EQUAL(decide(v4(HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A
				  "00")), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.fwd[DG_FWD_DNS_TRAILING], 1);
}

static void
test_decide_l3_rows(void)
{
	size_t n;

	/* IPv4 options (router alert): answered with a fresh 20-byte header */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4,
		      "46 00 0000 1234 0000 40 11 0000 c6 12 00 01 c6 12 00 35 94 04 00 00",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(answer().l4_off, 14 + 20);
	/* loose source route: forwarded */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4,
		      "47 00 0000 1234 0000 40 11 0000 c6 12 00 01 c6 12 00 35 83 07 04 c6 12 00 09 00",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_fwd_frame(n, DG_FWD_IP4_SOURCE_ROUTE);
	/* a fragment goes to reassembly */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4,
		      "45 00 0000 1234 2000 40 11 0000 c6 12 00 01 c6 12 00 35",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_FRAGMENT);
	/* IPv6 hop-by-hop options: answered without extension headers */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH6, VEC_IP6_NH("00") "11 00 01 04 00 00 00 00 ; HBH",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(answer().l4_off, 14 + 40);
	/* IPv6 routing header: forwarded */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH6, VEC_IP6_NH("2b") "11 00 00 00 00 00 00 00",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_fwd_frame(n, DG_FWD_IP6_ROUTING);
	/* bad UDP checksum, blocked name: the resolver's host drops it, so forward */
	setup();
	n = v4(VEC_DNS_A);
	buf[14 + 20 + 6] ^= 0x5a;
	expect_fwd_frame(n, DG_FWD_UDP_BAD_CHECKSUM);
	CU_ASSERT_EQUAL(cnt.queries, 1); /* a query all the same: test_decide_bad_checksum_counted_alike */
	/* bad IPv4 header checksum */
	setup();
	n = v4(VEC_DNS_A);
	buf[14 + 10] ^= 0x5a;
	expect_fwd_frame(n, DG_FWD_IP4_BAD_CHECKSUM);
	/* UDP length past the IP payload */
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4, VEC_IP4, "9c 40 00 35 0100 0000", VEC_DNS_A, 0,
		      VEC_FIX_IPLEN | VEC_FIX_IPCSUM);
	expect_fwd_frame(n, DG_FWD_UDP_BAD_LENGTH);
}

/* What one frame in buf[0..len) counts, through the burst or the one-query path. */
static struct dg_decide_counters
counted(size_t len, bool burst)
{
	struct dg_decide_answer a;
	enum dg_fwd_reason r;

	if (burst) {
		CU_ASSERT_EQUAL(decide(len), DG_DISP_FORWARD);
	} else {
		fr = (struct dg_frame){ .data = buf, .len = (uint32_t)len, .room = sizeof(buf) };
		r = dg_pkt_parse_buf(buf, len, sizeof(buf), &dcfg.pkt,
				     DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD, &pk);
		CU_ASSERT_EQUAL(dg_decide_query(&dec, &pol, 1000, &fr, &pk, r, &a),
				DG_DISP_FORWARD);
	}
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	return cnt;
}

/*
 * A datagram with a wrong IPv4 header or UDP checksum counts in `queries` alike, listed or
 * not (its name was read), and is never filtered: a listed one is forwarded, its defect
 * counted. An older code left a listed one out of `queries` and counted a benign one.
 */
static void
test_decide_bad_checksum_counted_alike(void)
{
	static const struct {
		size_t off;             /* byte flipped */
		enum dg_fwd_reason why;
	} bad[] = {
		{ 14 + 10, DG_FWD_IP4_BAD_CHECKSUM },     /* IPv4 header checksum */
		{ 14 + 20 + 6, DG_FWD_UDP_BAD_CHECKSUM }, /* UDP checksum */
		{ 14 + 20 + 8 + 13, DG_FWD_UDP_BAD_CHECKSUM }, /* a qname byte: still listed */
	};
	const char *const names[] = {
		HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A,  /* listed */
		HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A, /* benign */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int burst = 0; burst < 2; burst++) {
			struct dg_decide_counters c[2];

			for (size_t k = 0; k < 2; k++) {
				size_t n;

				setup();
				n = v4(names[k]);
				buf[bad[i].off] ^= 0x5a;
				c[k] = counted(n, burst);
				CU_ASSERT_EQUAL(c[k].queries, 1);
				CU_ASSERT_EQUAL(dg_decide_filtered(&c[k]), 0);
				CU_ASSERT_EQUAL(c[k].answered, 0);
			}
			/* the listed one was summed and saved by its defect; the benign one
			 * was not summed (the miss path leaves it to the receiver) */
			CU_ASSERT_EQUAL(c[0].fwd[bad[i].why], 1);
			CU_ASSERT_EQUAL(c[1].fwd[bad[i].why], 0);
		}
	}
	/* The NIC vouched for both sums: not summed again, a query like any. */
	setup();
	fr = (struct dg_frame){ .data = buf, .len = (uint32_t)v4(names[1]), .room = sizeof(buf),
				.hints = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD };
	buf[14 + 20 + 6] ^= 0x5a;
	{
		uint8_t disp;

		CU_ASSERT_EQUAL(dg_decide_burst(&dec, &pol, 1000, &fr, 1, &pk, &disp), 0);
	}
	CU_ASSERT_EQUAL(cnt.queries, 1);
	CU_ASSERT_EQUAL(cnt.fwd[DG_FWD_UDP_BAD_CHECKSUM], 0);
}

static void
test_decide_unsafe_sources_dropped(void)
{
	static const char *const srcs[] = {
		"e0 00 00 01", "7f 00 00 01", "ff ff ff ff", "00 00 00 00",
	};
	char ip[256];
	size_t n;

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		setup();
		snprintf(ip, sizeof(ip), "45 00 0000 1234 0000 40 11 0000 %s c6 12 00 35", srcs[i]);
		n = vec_build(buf, sizeof(buf), VEC_ETH4, ip, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
		expect_drop_frame(n, DG_FWD_IP_BAD_SOURCE);
	}
	setup(); /* broadcast destination: a resolver bound to any address receives it */
	n = vec_build(buf, sizeof(buf), VEC_ETH4,
		      "45 00 0000 1234 0000 40 11 0000 c6 12 00 01 ff ff ff ff",
		      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_IP_BAD_DESTINATION);
	setup();
	n = vec_build(buf, sizeof(buf), "02 00 00 00 00 02 03 00 00 00 00 01 08 00 ; group src",
		      VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_SRC_MAC_GROUP);
	setup();
	n = vec_build(buf, sizeof(buf), "ff ff ff ff ff ff 02 00 00 00 00 01 08 00 ; broadcast",
		      VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_DST_MAC_GROUP);
}

static void
test_decide_source_port_1023_and_1024(void)
{
	size_t n;

	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4, VEC_IP4, "03 ff 00 35 0000 0000", VEC_DNS_A, 0,
		      VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_SRC_PORT_LOW);
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4, VEC_IP4, "00 00 00 35 0000 0000", VEC_DNS_A, 0,
		      VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_SRC_PORT_LOW);
	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4, VEC_IP4, "04 00 00 35 0000 0000", VEC_DNS_A, 0,
		      VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
}

static void
test_decide_vlan_depth(void)
{
	static const char tags3[] = "02 00 00 00 00 02 02 00 00 00 00 01 "
				    "88 a8 00 64 81 00 00 c8 81 00 00 0a 08 00";
	char l2[512];
	size_t n;

	setup(); /* three tags, two configured: the query is read, so dropped */
	n = vec_build(buf, sizeof(buf), tags3, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_drop_frame(n, DG_FWD_VLAN_TOO_DEEP);
	setup();
	dcfg.pkt.vlan_max = 3;
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	CU_ASSERT(memcmp(buf + 12, orig + 12, 12) == 0); /* the tag stack kept */
	/* more tags than the parser follows at all: not read, forwarded */
	setup();
	strcpy(l2, "02 00 00 00 00 02 02 00 00 00 00 01 ");
	for (int i = 0; i < DG_PKT_VLAN_HARD_MAX + 1; i++)
		strcat(l2, "81 00 00 0a ");
	strcat(l2, "08 00");
	n = vec_build(buf, sizeof(buf), l2, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	expect_fwd_frame(n, DG_FWD_VLAN_TOO_DEEP);
}

/* PPPoE session header at 14 with its length fixed to @p ip_len + 2. */
static void
pppoe_len(size_t ip_len)
{
	buf[18] = (uint8_t)((ip_len + 2) >> 8);
	buf[19] = (uint8_t)(ip_len + 2);
}

static void
test_decide_pppoe_and_mpls(void)
{
	static const char pppoe[] = "02 00 00 00 00 02 02 00 00 00 00 01 88 64 "
				    "11 00 12 34 0000 00 21 ; PPPoE session 0x1234, PPP IPv4";
	static const char mpls[] = "02 00 00 00 00 02 02 00 00 00 00 01 88 47 "
				   "00 01 40 40 00 02 01 40 ; two labels, bottom of stack";
	struct dg_pkt a;
	size_t n;

	setup();
	n = vec_build(buf, sizeof(buf), pppoe, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	pppoe_len(n - 22);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(a.encap, DG_PKT_ENCAP_PPPOE);
	CU_ASSERT(memcmp(buf + 12, orig + 12, 6) == 0); /* type, session id kept */
	CU_ASSERT_EQUAL((uint32_t)(buf[18] << 8 | buf[19]), fr.len - 22 + 2);
	/* the PPPoE length is the last byte of the packet: one past is padding */
	setup();
	n = vec_build(buf, sizeof(buf), pppoe, VEC_IP4, VEC_UDP, VEC_DNS_A, 4, VEC_FIX_ALL);
	pppoe_len(n - 4 - 22);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	setup();
	pppoe_len(n - 22 + 1);
	expect_fwd_frame(n, DG_FWD_PPPOE_BAD);
	/* PPP LCP inside the session: not IP */
	setup();
	n = vec_build(buf, sizeof(buf), "02 00 00 00 00 02 02 00 00 00 00 01 88 64 "
		      "11 00 12 34 0006 c0 21 09 01 00 04", NULL, NULL, NULL, 0, 0);
	expect_fwd_frame(n, DG_FWD_NOT_IP);
	setup();
	n = vec_build(buf, sizeof(buf), mpls, VEC_IP4, VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(a.encap, DG_PKT_ENCAP_MPLS);
	CU_ASSERT(memcmp(buf + 12, orig + 12, 10) == 0); /* label stack kept */
	setup(); /* benign inside MPLS: forwarded */
	n = vec_build(buf, sizeof(buf), mpls, VEC_IP4, VEC_UDP,
		      HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.queries, 1);
}

static void
test_decide_guard_drops_and_logs_the_drop(void)
{
	struct dg_guard *g;

	setup();
	CU_ASSERT_FATAL(dg_guard_create(&g, 1, 1, 1, 1000) == 0);
	dec.guard = g;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_DROP); /* same ms: over the limit */
	CU_ASSERT_EQUAL(cnt.answered, 1);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_SINKHOLE], 1);  /* only what was answered */
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_DROP], 1);
	CU_ASSERT_EQUAL(cnt.drop[DG_FWD_RATE_LIMITED], 1);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_DROP);     /* the second burst's record */
	CU_ASSERT_EQUAL(hits[0].reason, DG_FWD_RATE_LIMITED);
	CU_ASSERT_EQUAL(dg_decide_filtered(&cnt), 2);
	dg_guard_free(g);
}

static void
test_decide_answer_too_big_truncated(void)
{
	struct dg_answer_soa soa = { .minimum = 60, .ttl = 60 };
	char name[80];
	struct dg_pkt a;
	size_t n;

	/* NODATA with an SOA of 3 x 200-byte names: over 512, so TC=1 without records */
	setup();
	memset(name, 0, sizeof(name));
	for (int i = 0; i < 3; i++) {
		struct dg_name *nm = i == 0 ? &soa.owner : i == 1 ? &soa.mname : &soa.rname;
		char text[256];

		memset(text, 'a' + i, 200);
		for (int k = 60; k < 200; k += 61)
			text[k] = '.';
		CU_ASSERT_FATAL(dg_name_from_text(nm, text, 200) == 0);
	}
	dcfg.answer.soa = &soa;
	dcfg.answer.sinkhole4_set = false; /* A -> NODATA with the SOA */
	n = v4(VEC_DNS_A);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x0200, 0x0200);
	CU_ASSERT_EQUAL(ans_u16(&a, 6), 0);
	CU_ASSERT_EQUAL(ans_u16(&a, 8), 0);
	CU_ASSERT_EQUAL(cnt.truncated, 1);
	CU_ASSERT_EQUAL(hits[0].flags & DG_HIT_F_TC, DG_HIT_F_TC);
	/* EDNS 4096: it fits, no TC */
	setup();
	dcfg.answer.soa = &soa;
	dcfg.answer.sinkhole4_set = false;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
				  "00 00 29 10 00 00 00 00 00 00 00 ; 4096")), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x0200, 0);
	CU_ASSERT_EQUAL(ans_u16(&a, 8), 1);
	/* no room in the buffer even for the TC form: dropped, never forwarded */
	setup();
	n = v4(VEC_DNS_A_EDNS);
	CU_ASSERT_EQUAL(decide_room(n, n - 12), DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.drop[DG_FWD_ANSWER_NO_ROOM], 1);
}

static void
test_decide_policy_outcomes(void)
{
	setup(); /* allow shields the subtree */
	CU_ASSERT_EQUAL(decide(v4(HDR("01 00", "00 01", "00 00", "00 00", "00 00")
		"02 6f 6b 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00" Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_ALLOW], 1);
	CU_ASSERT_EQUAL(dg_decide_filtered(&cnt), 0);
	expect_drop(HDR("01 00", "00 01", "00 00", "00 00", "00 00")
		    "04 64 72 6f 70 04 74 65 73 74 00" Q_A, DG_FWD_ACTION_DROP);
	/* log-only: counted and logged, forwarded as it came (also with a defect) */
	setup();
	CU_ASSERT_EQUAL(decide(v4(HDR("03 00", "00 01", "00 00", "00 00", "00 00")
		"03 6c 6f 67 04 74 65 73 74 00" Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_LOG_ONLY], 1);
	CU_ASSERT_EQUAL(cnt.fwd[DG_FWD_DNS_TC], 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(ident_hits[1], 1);
}

static void
test_decide_optout_first(void)
{
	struct dg_optout_prefix p;
	struct dg_optout *o;

	setup();
	CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.0/24", &p, NULL) == 0);
	CU_ASSERT_FATAL(dg_optout_build(&p, 1, &o) == 0);
	pol.optout = o;
	/* opted out wins even over a defect that would drop a blocked query */
	CU_ASSERT_EQUAL(decide(v4(HDR("10 00", "00 01", "00 00", "00 00", "00 00") QN_BAD Q_A)),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.optout, 1);
	CU_ASSERT_EQUAL(cnt.queries, 0);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	dg_optout_free(o);
}

/* www.good.com AAAA, support.isp.test A, www.support.isp.test A, log.test A, ok.example.com A */
#define Q_AAAA "00 1c 00 01 ; AAAA IN\n"
#define Q_MX "00 0f 00 01 ; MX IN\n"
#define QH HDR("01 00", "00 01", "00 00", "00 00", "00 00")
#define QN_SUPPORT "07 73 75 70 70 6f 72 74 03 69 73 70 04 74 65 73 74 00 ; support.isp.test.\n"
#define QN_WWW_SUPPORT "03 77 77 77 " QN_SUPPORT
#define QN_LOG "03 6c 6f 67 04 74 65 73 74 00 ; log.test.\n"
#define QN_OK "02 6f 6b 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00 ; ok.example.com.\n"
#define QN_DROP "04 64 72 6f 70 04 74 65 73 74 00 ; drop.test.\n"

static struct dg_optout *quar_pfx;
static struct dg_quarantine *quar;

/* Quarantine @p prefix with @p action (walled garden 198.18.254.1), allow support.isp.test. */
static void
quar_setup(const char *prefix, enum dg_action action, const char *qtypes)
{
	const struct dg_entry_meta allow = { .action = DG_ACTION_ALLOW, .mode = DG_MATCH_SUBTREE,
					     .end_day = DG_FILTER_DAY_OPEN_END };
	struct dg_quarantine_cfg qc = { .action = action, .has_addr4 = true,
					.addr4 = { 198, 18, 254, 1 } };
	struct dg_filter_builder *b;
	struct dg_filter *al;
	struct dg_optout_prefix p;
	struct dg_name n;

	setup();
	dg_optout_free(quar_pfx);
	dg_quarantine_free(quar);
	CU_ASSERT_FATAL(dg_quarantine_qtypes_parse(qtypes, &qc) == 0);
	CU_ASSERT_FATAL(dg_optout_prefix_parse(prefix, &p, NULL) == 0);
	CU_ASSERT_FATAL(dg_optout_build(&p, 1, &quar_pfx) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_create(&b, 1) == 0);
	CU_ASSERT_FATAL(dg_name_from_text(&n, "support.isp.test", 16) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_add(b, &n, &allow) == 0);
	CU_ASSERT_FATAL(dg_filter_build(b, &al) == 0);
	dg_filter_builder_free(b);
	CU_ASSERT_FATAL(dg_quarantine_build(&qc, al, &quar) == 0);
	pol.quar_prefixes = quar_pfx;
	pol.quarantine = quar;
}

static void
quar_free(void)
{
	dg_optout_free(quar_pfx);
	dg_quarantine_free(quar);
	quar_pfx = NULL;
	quar = NULL;
}

/* The last four bytes of the answer's DNS message (no OPT): the A record's address. */
static const uint8_t *
answer_addr(const struct dg_pkt *a)
{
	return buf + a->dns_off + a->dns_len - 4;
}

/* A quarantined subscriber's query for a name no list has: the walled garden, counted apart. */
static void
test_decide_quarantine_answers(void)
{
	struct dg_pkt a;

	quar_setup("198.18.0.0/31", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_A)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(a.id, 0xabcd);
	CU_ASSERT_EQUAL(ans_u16(&a, 6), 1); /* ANCOUNT */
	CU_ASSERT(memcmp(answer_addr(&a), "\xc6\x12\xfe\x01", 4) == 0);
	CU_ASSERT_EQUAL(cnt.queries, 1);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	CU_ASSERT_EQUAL(cnt.answered, 1);
	CU_ASSERT_EQUAL(dg_decide_filtered(&cnt), 0); /* not in the published share */
	CU_ASSERT_EQUAL(ident_hits[0] + ident_hits[1], 0);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_CLIENT_IP);
	CU_ASSERT_EQUAL(hits[0].match[0], 31);
	CU_ASSERT_STRING_EQUAL(dg_hit_identifier(&hits[0]), DG_QUARANTINE_IDENT);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_SINKHOLE);
	/* the source 198.18.0.1 is the prefix's last address; one past it is not covered */
	quar_setup("198.18.0.0/32", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	/* nxdomain, and AAAA without a walled-garden IPv6: NODATA like any sinkhole */
	quar_setup("198.18.0.1", DG_ACTION_NXDOMAIN, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_AAAA)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x000f, 3);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	/* a prefix's own action beats the policy's; the longest prefix's, not a shorter one's */
	quar_setup("198.18.0.0/16", DG_ACTION_SINKHOLE, "A AAAA");
	{
		struct dg_optout_prefix p[2];
		struct dg_optout *t;

		CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.0/16", &p[0], NULL) == 0);
		CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.0/24", &p[1], NULL) == 0);
		p[0].value = DG_QUARANTINE_SINKHOLE;
		p[1].value = DG_QUARANTINE_NXDOMAIN;
		CU_ASSERT_FATAL(dg_optout_build(p, 2, &t) == 0);
		dg_optout_free(quar_pfx);
		quar_pfx = t;
		pol.quar_prefixes = t;
	}
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_A)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x000f, 3);
	CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_NXDOMAIN);
	CU_ASSERT_EQUAL(hits[0].match[0], 24);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	/* with no list at all */
	quar_setup("198.18.0.0/16", DG_ACTION_SINKHOLE, "A");
	pol.filter = NULL;
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	CU_ASSERT_EQUAL(hits[0].match[0], 16);
	quar_free();
}

/* Opt-out, then the lists' blocks, then quarantine; the lists' allow and log-only yield. */
static void
test_decide_quarantine_precedence(void)
{
	struct dg_optout_prefix p;
	struct dg_optout *o;
	struct dg_pkt a;

	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.1", &p, NULL) == 0);
	CU_ASSERT_FATAL(dg_optout_build(&p, 1, &o) == 0);
	pol.optout = o;
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(decide(v4(QH QN_BAD Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.optout, 2);
	CU_ASSERT_EQUAL(cnt.queries, 0);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	dg_optout_free(o);
	/* a name the lists block keeps its verdict: the list's sinkhole, the list's counters */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_BAD Q_A)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT(memcmp(answer_addr(&a), "\xc6\x12\xff\x01", 4) == 0);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_SINKHOLE], 1);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_QNAME);
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_DROP Q_A)), DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.drop[DG_FWD_ACTION_DROP], 1);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	/* a block of a type quarantine does not answer: still the list's */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A");
	CU_ASSERT_EQUAL(decide(v4(QH QN_BAD Q_MX)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_SINKHOLE], 1);
	/* the lists' allow and log-only entries do not lift quarantine */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_OK Q_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(decide(v4(QH QN_LOG Q_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.quarantined, 2);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_ALLOW] + cnt.verdict[DG_ACTION_LOG_ONLY], 0);
	/* a defective query (TC=1) is answered like a blocked one, never forwarded */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(HDR("03 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A)),
			DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	/* opcode != QUERY: dropped, counted by reason */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(HDR("11 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A)),
			DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	CU_ASSERT_EQUAL(cnt.drop[DG_FWD_DNS_OPCODE], 1);
	quar_free();
}

/* The allow list (the name and below) and the types quarantine leaves alone. */
static void
test_decide_quarantine_allow_list(void)
{
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(QH QN_SUPPORT Q_A)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(decide(v4(QH QN_WWW_SUPPORT Q_AAAA)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.quarantine_allowed, 2);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	CU_ASSERT_EQUAL(cnt.queries, 2);
	CU_ASSERT_EQUAL(dec.n_hits, 0);
	/* MX is not answered by default: forwarded, not counted as allowed */
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_MX)), DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.quarantine_allowed, 2);
	CU_ASSERT_EQUAL(cnt.quarantined, 0);
	/* every type when configured so */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "all");
	CU_ASSERT_EQUAL(decide(v4(QH QN_GOOD Q_MX)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	/* the allow list's parent is not allowed (isp.test) */
	CU_ASSERT_EQUAL(decide(v4(QH "03 69 73 70 04 74 65 73 74 00" Q_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.quarantined, 2);
	quar_free();
}

/* Outside a burst (TCP, reassembled): the same decision, the answer left to the caller. */
static void
test_decide_quarantine_query(void)
{
	struct dg_decide_answer a;
	size_t n;

	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	n = v4(QH QN_GOOD Q_A);
	fr = (struct dg_frame){ .data = buf, .len = (uint32_t)n, .room = sizeof(buf) };
	CU_ASSERT_FATAL(dg_pkt_parse(buf, n, &dcfg.pkt, &pk) == DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_decide_query(&dec, &pol, 1000, &fr, &pk, DG_FWD_NONE, &a),
			DG_DISP_ANSWER);
	CU_ASSERT_PTR_EQUAL(a.meta, dg_quarantine_meta(quar, 0));
	dg_decide_answer_done(&dec, &pol, 1000, &fr, &a, 40, false, DG_FWD_NONE);
	CU_ASSERT_EQUAL(cnt.quarantined, 1);
	CU_ASSERT_EQUAL(cnt.answered, 1);
	CU_ASSERT_EQUAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_CLIENT_IP);
	/* the allow list too */
	n = v4(QH QN_SUPPORT Q_A);
	CU_ASSERT_FATAL(dg_pkt_parse(buf, n, &dcfg.pkt, &pk) == DG_FWD_NONE);
	CU_ASSERT_EQUAL(dg_decide_query(&dec, &pol, 1000, &fr, &pk, DG_FWD_NONE, &a),
			DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(cnt.quarantine_allowed, 1);
	quar_free();
}

static void
test_decide_tcp_to_the_tracker(void)
{
	size_t n;

	setup();
	n = vec_build(buf, sizeof(buf), VEC_ETH4, "45 00 0000 1234 0000 40 06 0000 c6 12 00 01 "
		      "c6 12 00 35", "9c 40 00 35 00000001 00000000 50 02 ffff 0000 0000", NULL,
		      0, VEC_FIX_IPLEN | VEC_FIX_IPCSUM);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_TCP);
	CU_ASSERT_EQUAL(pk.l4_off, 14 + 20);
}

/* use-application-dns.net A: dg_vec's header, the canary name. */
#define CANARY_A HDR("01 00", "00 01", "00 00", "00 00", "00 00") \
	"13 75 73 65 2d 61 70 70 6c 69 63 61 74 69 6f 6e 2d 64 6e 73 03 6e 65 74 00" Q_A

/* The canary: NXDOMAIN, counted apart from filtering (no verdict, no identifier hit). */
static void
test_decide_canary(void)
{
	static struct dg_encdns_counters ecnt;
	struct dg_filter_builder *b;
	struct dg_filter *f;
	struct dg_pkt a;

	CU_ASSERT_FATAL(dg_filter_builder_create(&b, 8) == 0);
	fx_add(b, "TEST-0001", "backdoor",
	       &(struct fx_entry){ "example.com", DG_ACTION_SINKHOLE, DG_MATCH_SUBTREE });
	CU_ASSERT_FATAL(dg_encdns_canary_add(b) == 0);
	CU_ASSERT_FATAL(dg_filter_build(b, &f) == 0);
	dg_filter_builder_free(b);
	for (int on = 0; on <= 1; on++) {
		setup();
		memset(&ecnt, 0, sizeof(ecnt));
		pol.filter = f;
		dcfg.canary = on;
		dec.ecnt = &ecnt;
		CU_ASSERT_EQUAL(decide(v4(CANARY_A)), DG_DISP_ANSWER);
		a = answer();
		CU_ASSERT_EQUAL(ans_u16(&a, 2) & 0x000f, 3); /* NXDOMAIN */
		CU_ASSERT_EQUAL(a.id, 0xabcd);
		CU_ASSERT_EQUAL(cnt.answered, 1);
		CU_ASSERT_EQUAL(cnt.queries, 1);
		CU_ASSERT_EQUAL(dec.n_hits, 1);
		CU_ASSERT_STRING_EQUAL(dg_hit_category(&hits[0]), DG_ENCDNS_CANARY_CATEGORY);
		CU_ASSERT_EQUAL(hits[0].action, DG_ACTION_NXDOMAIN);
		/* with canary on it is no filtering; off, the entry counts like any other */
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_CANARY], on ? 1u : 0u);
		CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_NXDOMAIN], on ? 0u : 1u);
		CU_ASSERT_EQUAL(dg_decide_filtered(&cnt), on ? 0u : 1u);
		CU_ASSERT_EQUAL(ident_hits[0], on ? 0u : 1u);
	}
	/* a listed name beside it is still filtering */
	setup();
	pol.filter = f;
	dcfg.canary = true;
	dec.ecnt = &ecnt;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(cnt.verdict[DG_ACTION_SINKHOLE], 1);
	dcfg.canary = false;
	dg_filter_free(f);
}

/* Frames of 198.18.0.1 to 198.18.0.53 (listed for DoH) and DoH names doh.example.net. */
static struct dg_encdns *
encdns_table(uint8_t mode)
{
	static const char *const n[] = { "doh.example.net" };
	const uint8_t modes[DG_ENCDNS__PROTO] = { mode, mode, mode };
	struct dg_optout_prefix p;
	struct dg_encdns *t = NULL;

	CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.53", &p, NULL) == 0);
	CU_ASSERT_FATAL(dg_encdns_create(&t, modes, n, 1, &p, 1) == 0);
	return t;
}

static size_t
hello_v4(const char *sni)
{
	struct tlb_hello h;
	uint8_t rec[1024];

	tlb_hello_init(&h, sni);
	return vec_l4_frame(buf, sizeof(buf), 4, 6, 443, 7, 9, 0x18, rec,
			    tlb_hello_record(rec, sizeof(rec), &h));
}

static void
test_decide_encrypted_dns(void)
{
	static struct dg_encdns_counters ecnt;
	static uint64_t ep[4];
	struct dg_optout_prefix me;
	struct dg_optout *oo;
	size_t n;

	for (uint8_t mode = DG_ENCDNS_COUNT; mode <= DG_ENCDNS_BLOCK; mode++) {
		const bool block = mode == DG_ENCDNS_BLOCK;

		setup();
		memset(&ecnt, 0, sizeof(ecnt));
		memset(ep, 0, sizeof(ep));
		dcfg.encdns = encdns_table(mode);
		dcfg.encdns_log = true;
		dec.ecnt = &ecnt;
		dec.ep_hits = ep;
		/* DoT: a SYN */
		n = vec_l4_frame(buf, sizeof(buf), 4, 6, 853, 7, 0, 0x02, NULL, 0);
		CU_ASSERT_EQUAL(decide(n), block ? DG_DISP_RESET : DG_DISP_FORWARD);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_DOT_SYN], 1);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_DOT_RESET], block ? 1u : 0u);
		CU_ASSERT_EQUAL(dec.n_hits, 1);
		CU_ASSERT_STRING_EQUAL(dg_hit_category(&hits[0]), "encrypted-dns:dot");
		CU_ASSERT_EQUAL(hits[0].action, block ? DG_ACTION_DROP : DG_ACTION_LOG_ONLY);
		CU_ASSERT_EQUAL(hits[0].qname_len, 1);
		CU_ASSERT_PTR_NULL(dg_hit_identifier(&hits[0]));
		CU_ASSERT(hits[0].flags & DG_HIT_F_TCP);
		/* DoH: a ClientHello to a listed name */
		n = hello_v4("Doh.Example.net");
		CU_ASSERT_EQUAL(decide(n), block ? DG_DISP_RESET : DG_DISP_FORWARD);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_DOH_SNI], 1);
		CU_ASSERT_EQUAL(ep[1], 1);
		CU_ASSERT_EQUAL(dec.n_hits, 1);
		CU_ASSERT_STRING_EQUAL(dg_hit_category(&hits[0]), "encrypted-dns:doh");
		CU_ASSERT_STRING_EQUAL(dg_hit_identifier(&hits[0]), "doh.example.net");
		CU_ASSERT_EQUAL(hits[0].qname_len, 17);
		CU_ASSERT(memcmp(hits[0].msg + DG_HIT_QNAME_OFF, "\3Doh\7Example\3net", 17) == 0);
		CU_ASSERT(hits[0].flags & DG_HIT_F_ENCDNS);
		/* DoQ: a short header datagram, dropped only when blocked, never logged */
		n = vec_l4_frame(buf, sizeof(buf), 4, 17, 853, 0, 0, 0, (const uint8_t *)"\x41", 1);
		CU_ASSERT_EQUAL(decide(n), block ? DG_DISP_DROP : DG_DISP_FORWARD);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_DOQ_DROPPED], block ? 1u : 0u);
		CU_ASSERT_EQUAL(dec.n_hits, 0);
		/* TCP/443 that is no ClientHello: forwarded and counted as any other port */
		n = vec_l4_frame(buf, sizeof(buf), 4, 6, 443, 7, 9, 0x18, (const uint8_t *)"GET", 3);
		expect_fwd_frame(n, DG_FWD_NOT_DNS_PORT);
		/* the opted-out subscriber: forwarded, counted apart, not logged */
		CU_ASSERT_FATAL(dg_optout_prefix_parse("198.18.0.1", &me, NULL) == 0);
		CU_ASSERT_FATAL(dg_optout_build(&me, 1, &oo) == 0);
		pol.optout = oo;
		n = vec_l4_frame(buf, sizeof(buf), 4, 6, 853, 7, 0, 0x02, NULL, 0);
		CU_ASSERT_EQUAL(decide(n), DG_DISP_FORWARD);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_OPTOUT], 1);
		CU_ASSERT_EQUAL(ecnt.c[DG_ENCDNS_C_DOT_SYN], 1);
		CU_ASSERT_EQUAL(dec.n_hits, 0);
		pol.optout = NULL;
		dg_optout_free(oo);
		dg_encdns_free((struct dg_encdns *)(uintptr_t)dcfg.encdns);
		dcfg.encdns = NULL;
		dcfg.encdns_log = false;
		/* off: the same SYN is just another port */
		n = vec_l4_frame(buf, sizeof(buf), 4, 6, 853, 7, 0, 0x02, NULL, 0);
		expect_fwd_frame(n, DG_FWD_NOT_DNS_PORT);
	}
}

/* In a burst, refused frames are set apart and everything else goes on. */
static void
test_decide_encrypted_dns_burst(void)
{
	static struct dg_encdns_counters ecnt;
	static uint8_t b[4][2048];
	struct dg_frame f[4];
	struct dg_pkt p[4];
	uint8_t disp[4];
	size_t n[4];

	setup();
	memset(&ecnt, 0, sizeof(ecnt));
	dcfg.encdns = encdns_table(DG_ENCDNS_BLOCK);
	dec.ecnt = &ecnt;
	n[0] = vec_build(b[0], sizeof(b[0]), VEC_ETH4, VEC_IP4, VEC_UDP,
			 HDR("01 00", "00 01", "00 00", "00 00", "00 00") QN_GOOD Q_A, 0,
			 VEC_FIX_ALL);
	n[1] = vec_l4_frame(b[1], sizeof(b[1]), 6, 6, 853, 1, 0, 0x02, NULL, 0);
	n[2] = vec_l4_frame(b[2], sizeof(b[2]), 4, 6, 80, 1, 0, 0x02, NULL, 0);
	n[3] = vec_l4_frame(b[3], sizeof(b[3]), 6, 17, 853, 0, 0, 0, (const uint8_t *)"\xc0", 1);
	for (int i = 0; i < 4; i++)
		f[i] = (struct dg_frame){ .data = b[i], .len = (uint32_t)n[i], .room = 2048 };
	CU_ASSERT_EQUAL(dg_decide_burst(&dec, &pol, 1, f, 4, p, disp), 2);
	CU_ASSERT_EQUAL(disp[0], DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(disp[1], DG_DISP_RESET);
	CU_ASSERT_EQUAL(disp[2], DG_DISP_FORWARD);
	CU_ASSERT_EQUAL(disp[3], DG_DISP_DROP);
	CU_ASSERT_EQUAL(cnt.queries, 1);
	CU_ASSERT_EQUAL(cnt.fwd[DG_FWD_NOT_DNS_PORT], 1);
	dg_encdns_free((struct dg_encdns *)(uintptr_t)dcfg.encdns);
	dcfg.encdns = NULL;
}

/* The answer's DNS message in buf (a UDP answer: fresh 20/40-byte IP header). */
static const uint8_t *
answer_msg(size_t *len)
{
	struct dg_pkt a = answer();

	*len = a.dns_len;
	return buf + a.dns_off;
}

/* Build the answer again from hits[0] alone: it must be the bytes that were sent. */
static void
expect_reforged(void)
{
	uint8_t out[2048];
	size_t len = 0, sent_len;
	const uint8_t *sent = answer_msg(&sent_len);

	CU_ASSERT_EQUAL(hits[0].ans_len, sent_len);
	CU_ASSERT_EQUAL(dg_decide_reforge(&dcfg, &hits[0], out, sizeof(out), &len), 0);
	CU_ASSERT_EQUAL(len, sent_len);
	CU_ASSERT(memcmp(out, sent, sent_len) == 0);
	/* one byte short of the answer's length: refused, nothing half-built */
	CU_ASSERT_EQUAL(dg_decide_reforge(&dcfg, &hits[0], out, sent_len - 1, &len), -ENOSPC);
}

/* QinQ + IPv6 + EDNS: the record holds the tag stack, both ends, the ID and the query. */
static void
test_decide_record_complete(void)
{
	static const char qinq6[] = "02 00 00 00 00 02 02 00 00 00 00 01 "
				    "88 a8 f0 64 ; S-tag PCP 7 VID 100\n"
				    "81 00 30 c8 ; C-tag PCP 1 DEI 1 VID 200\n"
				    "86 dd";
	size_t n;
	struct dg_pkt q;

	setup();
	n = vec_build(buf, sizeof(buf), qinq6, VEC_IP6, VEC_UDP, VEC_DNS_A_EDNS, 0, VEC_FIX_ALL);
	CU_ASSERT_EQUAL_FATAL(dg_pkt_parse(buf, n, &dcfg.pkt, &q), DG_FWD_NONE);
	CU_ASSERT_EQUAL(decide(n), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL_FATAL(dec.n_hits, 1);
	CU_ASSERT_EQUAL(hits[0].vlan_n, 2);
	CU_ASSERT(memcmp(hits[0].vlan, "\x88\xa8\xf0\x64\x81\x00\x30\xc8", 8) == 0);
	CU_ASSERT_EQUAL(hits[0].family, 6);
	CU_ASSERT(memcmp(hits[0].src_addr, orig + q.l3_off + 8, 16) == 0);
	CU_ASSERT(memcmp(hits[0].dst_addr, orig + q.l3_off + 24, 16) == 0); /* the resolver */
	CU_ASSERT_EQUAL(hits[0].src_port, 40000);
	CU_ASSERT_EQUAL(hits[0].dst_port, 53);
	CU_ASSERT_EQUAL(dg_hit_id(&hits[0]), 0xabcd);
	CU_ASSERT_EQUAL(hits[0].msg_len, q.dns_len);
	CU_ASSERT(memcmp(hits[0].msg, orig + q.dns_off, q.dns_len) == 0); /* as received */
	CU_ASSERT_EQUAL(hits[0].flags & (DG_HIT_F_EDNS | DG_HIT_F_DO),
			DG_HIT_F_EDNS | DG_HIT_F_DO);
	CU_ASSERT_EQUAL(hits[0].edns_udp_size, 1232);
	expect_reforged();
}

/* What workers keep no copy of is built again, byte for byte, in every answer shape. */
static void
test_decide_reforge_matches_sent(void)
{
	struct dg_answer_soa soa = { .serial = 7, .minimum = 60, .ttl = 60 };
	struct dg_entry_meta own = { .identifier = "TEST-0002", .category = "backdoor",
				     .action = DG_ACTION_SINKHOLE, .mode = DG_MATCH_SUBTREE,
				     .end_day = DG_FILTER_DAY_OPEN_END, .has_sinkhole4 = 1,
				     .sinkhole4 = { 198, 18, 254, 7 } };
	struct dg_filter_builder *b;
	struct dg_filter *f2;
	struct dg_name n;
	uint8_t out[2048];
	size_t len;

	setup(); /* sinkhole A, no EDNS */
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_ANSWER);
	expect_reforged();
	setup(); /* the entry's own sinkhole, EDNS with EDE naming the identifier */
	CU_ASSERT_FATAL(dg_filter_builder_create(&b, 8) == 0);
	CU_ASSERT_FATAL(dg_name_from_text(&n, "example.com", 11) == 0);
	CU_ASSERT_FATAL(dg_filter_builder_add(b, &n, &own) >= 0);
	CU_ASSERT_FATAL(dg_filter_build(b, &f2) == 0);
	dg_filter_builder_free(b);
	pol.filter = f2;
	dcfg.ede_text = true;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A_EDNS)), DG_DISP_ANSWER);
	CU_ASSERT(memmem(buf, sizeof(buf), (const uint8_t[]){ 198, 18, 254, 7 }, 4) != NULL);
	expect_reforged();
	dcfg.ede_text = false;
	dg_filter_free(f2);
	setup(); /* NODATA with a SOA of 3 x 200-byte names, over 512 bytes: TC=1, no records */
	for (int i = 0; i < 3; i++) {
		struct dg_name *nm = i == 0 ? &soa.owner : i == 1 ? &soa.mname : &soa.rname;
		char text[200];

		memset(text, 'a' + i, sizeof(text));
		for (int k = 60; k < 200; k += 61)
			text[k] = '.';
		CU_ASSERT_FATAL(dg_name_from_text(nm, text, sizeof(text)) == 0);
	}
	dcfg.answer.soa = &soa;
	dcfg.answer.sinkhole4_set = false;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_ANSWER);
	CU_ASSERT(hits[0].flags & DG_HIT_F_TC);
	expect_reforged();
	setup(); /* the same with EDNS 1232: it fits, with the SOA */
	dcfg.answer.soa = &soa;
	dcfg.answer.sinkhole4_set = false;
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A_EDNS)), DG_DISP_ANSWER);
	CU_ASSERT_EQUAL(hits[0].flags & DG_HIT_F_TC, 0);
	expect_reforged();
	dcfg.answer.soa = NULL;
	/* a drop, a sample, a record whose question is cut: nothing to build */
	setup();
	CU_ASSERT_EQUAL(decide(v4(HDR("01 00", "00 01", "00 00", "00 00", "00 00")
		"04 64 72 6f 70 04 74 65 73 74 00" Q_A)), DG_DISP_DROP);
	CU_ASSERT_EQUAL(dg_decide_reforge(&dcfg, &hits[0], out, sizeof(out), &len), -ENOENT);
	setup();
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A)), DG_DISP_ANSWER);
	hits[0].msg_len = (uint16_t)(DG_HIT_QNAME_OFF + hits[0].qname_len + 3); /* one short */
	CU_ASSERT_EQUAL(dg_decide_reforge(&dcfg, &hits[0], out, sizeof(out), &len), -EBADMSG);
	hits[0].msg_len++; /* the last byte of QCLASS: whole again */
	CU_ASSERT_EQUAL(dg_decide_reforge(&dcfg, &hits[0], out, sizeof(out), &len), 0);
}

/* One benign query in N becomes a sample (the first, then every Nth); off: none. */
/* A quarantine answer carries EDE 17 Filtered (policy), a list's 15 Blocked; dnstap's
 * rebuild from the record gives the same bytes. */
static void
test_decide_quarantine_ede_filtered(void)
{
	static const uint8_t filtered[] = { 0x00, 0x0f, 0x00, 0x02, 0x00, 0x11 };
	static const uint8_t blocked[] = { 0x00, 0x0f, 0x00, 0x02, 0x00, 0x0f };
	struct dg_pkt a;

	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_HDR("00 01") QN_GOOD Q_A VEC_OPT_DO)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT(memcmp(buf + a.dns_off + a.dns_len - 6, filtered, 6) == 0);
	CU_ASSERT_EQUAL(hits[0].trigger, DG_HIT_TRIGGER_CLIENT_IP);
	expect_reforged();
	/* a listed name under quarantine: the list's answer, EDE 15 */
	quar_setup("198.18.0.0/24", DG_ACTION_SINKHOLE, "A AAAA");
	CU_ASSERT_EQUAL(decide(v4(VEC_DNS_A_EDNS)), DG_DISP_ANSWER);
	a = answer();
	CU_ASSERT(memcmp(buf + a.dns_off + a.dns_len - 6, blocked, 6) == 0);
	expect_reforged();
	quar_free();
}

static void
test_decide_samples_benign(void)
{
	static struct dg_hit_record samples[DG_DECIDE_BURST_MAX];
	struct dg_frame f[7];
	struct dg_pkt p[7];
	uint8_t frames[7][256], disp[7];

	for (unsigned int every = 0; every <= 3; every += 3) {
		size_t n;

		setup();
		dcfg.sample = every;
		dec.samples = samples;
		for (int i = 0; i < 7; i++) {
			char dns[256];

			/* the ID's low byte is i; checksums right: a bad one is no query */
			snprintf(dns, sizeof(dns), "ab %02x 01 00 00 01 00 00 00 00 00 00\n" QN_GOOD Q_A, i);
			n = vec_build(frames[i], sizeof(frames[i]), VEC_ETH4, VEC_IP4, VEC_UDP, dns,
				      0, VEC_FIX_ALL);
			f[i] = (struct dg_frame){ .data = frames[i], .len = (uint32_t)n,
						  .room = sizeof(frames[i]), .port = 513 };
		}
		dg_decide_burst(&dec, &pol, 1000, f, 7, p, disp);
		CU_ASSERT_EQUAL(dec.n_hits, 0);
		if (every == 0) {
			CU_ASSERT_EQUAL(dec.n_samples, 0);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(dec.n_samples, 3); /* queries 0, 3 and 6 */
		for (unsigned int k = 0; k < 3; k++) {
			CU_ASSERT(samples[k].flags & DG_HIT_F_SAMPLE);
			CU_ASSERT_PTR_NULL(samples[k].meta);
			CU_ASSERT_EQUAL(samples[k].port, 513);
			CU_ASSERT_EQUAL(samples[k].msg[1], (uint8_t)(3 * k));
		}
	}
	dcfg.sample = 0;
}

DG_TEST_MAIN("decide",
	DG_TEST(test_decide_record_complete),
	DG_TEST(test_decide_reforge_matches_sent),
	DG_TEST(test_decide_quarantine_ede_filtered),
	DG_TEST(test_decide_samples_benign),
	DG_TEST(test_decide_clean_query),
	DG_TEST(test_decide_unreadable_names_forwarded),
	DG_TEST(test_decide_header_rows),
	DG_TEST(test_decide_class_and_type_rows),
	DG_TEST(test_decide_additional_rows),
	DG_TEST(test_decide_l3_rows),
	DG_TEST(test_decide_bad_checksum_counted_alike),
	DG_TEST(test_decide_unsafe_sources_dropped),
	DG_TEST(test_decide_source_port_1023_and_1024),
	DG_TEST(test_decide_vlan_depth),
	DG_TEST(test_decide_pppoe_and_mpls),
	DG_TEST(test_decide_guard_drops_and_logs_the_drop),
	DG_TEST(test_decide_answer_too_big_truncated),
	DG_TEST(test_decide_policy_outcomes),
	DG_TEST(test_decide_optout_first),
	DG_TEST(test_decide_quarantine_answers),
	DG_TEST(test_decide_quarantine_precedence),
	DG_TEST(test_decide_quarantine_allow_list),
	DG_TEST(test_decide_quarantine_query),
	DG_TEST(test_decide_tcp_to_the_tracker),
	DG_TEST(test_decide_canary),
	DG_TEST(test_decide_encrypted_dns),
	DG_TEST(test_decide_encrypted_dns_burst))
