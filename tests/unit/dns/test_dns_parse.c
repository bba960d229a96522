/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS rows of DESIGN.md section 5, one test each, plus boundaries (last byte, one past)
 * and the lookup name. Frames come from annotated DNS vectors wrapped in
 * Ethernet/IPv4/UDP by dg_vec; parses run on exact-size heap copies (ASan).
 */
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_dns.h"
#include "dg_vec.h"

static uint8_t f[2048];
static struct dg_pkt pkt;

/*
 * Every frame also through dg_pkt_parse_buf(), the appliance's path (L2-L4 fast path,
 * qname folded in 64-byte blocks): same verdict and fields as the reference parser given
 * the same checksum hints.
 */
static void
check_buf(const uint8_t *copy, size_t len, const struct dg_pkt_cfg *cfg)
{
	const unsigned int both = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	enum dg_fwd_reason ra, rb;
	struct dg_pkt a, b;

	ra = dg_pkt_parse_hint(copy, len, cfg, both, &a);
	rb = dg_pkt_parse_buf(copy, len, len, cfg, both, &b);
	CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(rb), dg_fwd_reason_name(ra));
	CU_ASSERT_EQUAL(a.blk, b.blk);
	if (a.blk == DG_PKT_BLK_DROP)
		CU_ASSERT_EQUAL(a.blk_reason, b.blk_reason);
	if (a.blk == DG_PKT_BLK_FORWARD || b.blk == DG_PKT_BLK_FORWARD)
		return;
	CU_ASSERT(a.dns_off == b.dns_off && a.dns_len == b.dns_len && a.id == b.id);
	CU_ASSERT(a.flags == b.flags && a.qtype == b.qtype && a.qclass == b.qclass);
	CU_ASSERT(a.question_off == b.question_off && a.question_len == b.question_len);
	CU_ASSERT(a.edns == b.edns && a.edns_cookie == b.edns_cookie);
	CU_ASSERT(a.edns_udp_size == b.edns_udp_size && a.edns_flags == b.edns_flags);
	CU_ASSERT(a.qname.len == b.qname.len && a.qname.nlabels == b.qname.nlabels);
	CU_ASSERT(memcmp(a.qname.wire, b.qname.wire, a.qname.len) == 0);
}

static enum dg_fwd_reason
parse_frame(const uint8_t *frame, size_t len)
{
	const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
	uint8_t *copy = malloc(len);
	enum dg_fwd_reason r;

	memcpy(copy, frame, len);
	check_buf(copy, len, &cfg);
	r = dg_pkt_parse(copy, len, &cfg, &pkt);
	free(copy);
	pkt.src_addr = pkt.dst_addr = NULL;
	return r;
}

/* Parse the DNS message @p dns (annotated hex) inside a valid IPv4/UDP frame. */
static enum dg_fwd_reason
parse_dns(const char *dns)
{
	size_t n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, dns, 0, VEC_FIX_ALL);

	return parse_frame(f, n);
}

#define EXPECT(dns, reason) CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(parse_dns(dns)), \
						   dg_fwd_reason_name(reason))
#define Q_A "00 01 00 01 ; A IN\n"

static void
test_dns_plain_query(void)
{
	static const uint8_t lower[] = "\3www\7example\3com";

	EXPECT(VEC_DNS_A, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.id, 0xabcd);
	CU_ASSERT_EQUAL(pkt.flags, 0x0100);
	CU_ASSERT_EQUAL(pkt.qtype, 1);
	CU_ASSERT_EQUAL(pkt.qclass, 1);
	CU_ASSERT_EQUAL(pkt.question_off, 14 + 20 + 8 + 12);
	CU_ASSERT_EQUAL(pkt.question_len, 17 + 4);
	CU_ASSERT_EQUAL(pkt.edns, 0);
	CU_ASSERT_EQUAL(pkt.qname.len, 17);
	CU_ASSERT_EQUAL(memcmp(pkt.qname.wire, lower, 17), 0);
}

static void
test_dns_qname_parent_walk(void)
{
	static const char *const want[] = { "\3www\7example\3com", "\7example\3com", "\3com", "" };
	size_t len, i;

	EXPECT(VEC_DNS_A, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.qname.nlabels, 3);
	for (i = 0; i <= 3; i++) {
		const uint8_t *s = dg_name_suffix(&pkt.qname, (unsigned int)i, &len);

		CU_ASSERT_EQUAL(len, strlen(want[i]) + 1);
		CU_ASSERT_EQUAL(memcmp(s, want[i], len), 0);
	}
}

static void
test_dns_qname_compression_pointer(void)
{
	EXPECT(VEC_DNS_HDR("00 00") "03 77 77 77 c0 0c ; www + pointer to 12\n" Q_A,
	       DG_FWD_QNAME_POINTER);
	/* A pointer to itself: a loop, never followed. */
	EXPECT(VEC_DNS_HDR("00 00") "c0 0c ; pointer loop\n" Q_A, DG_FWD_QNAME_POINTER);
}

static void
test_dns_qname_bad_label_types(void)
{
	EXPECT(VEC_DNS_HDR("00 00") "41 00 ; extended label 0x41\n" Q_A, DG_FWD_QNAME_BAD_LABEL);
	EXPECT(VEC_DNS_HDR("00 00") "01 61 80 ; a, reserved 0x80\n" Q_A, DG_FWD_QNAME_BAD_LABEL);
	EXPECT(VEC_DNS_HDR("00 00") "40 ; length 64\n" Q_A, DG_FWD_QNAME_BAD_LABEL);
}

static char big[2048];

/* A name of @p nlab labels of 63 'a' then one of @p last 'b' bytes (0: none). */
static const char *
long_name_query(unsigned int nlab, unsigned int last)
{
	unsigned int i, j;
	char *p = big;

	p += sprintf(p, VEC_DNS_HDR("00 00"));
	for (i = 0; i < nlab; i++) {
		p += sprintf(p, "3f ");
		for (j = 0; j < 63; j++)
			p += sprintf(p, "61");
		p += sprintf(p, "\n");
	}
	if (last > 0) {
		p += sprintf(p, "%02x ", last);
		for (j = 0; j < last; j++)
			p += sprintf(p, "62");
	}
	sprintf(p, " 00\n" Q_A);
	return big;
}

static void
test_dns_qname_255_and_256(void)
{
	EXPECT(long_name_query(3, 61), DG_FWD_NONE); /* 192 + 62 + root = 255: the last byte */
	CU_ASSERT_EQUAL(pkt.qname.len, 255);
	EXPECT(long_name_query(3, 62), DG_FWD_QNAME_TOO_LONG); /* 256: one past */
}

static void
test_dns_qname_unterminated(void)
{
	EXPECT(VEC_DNS_HDR("00 00") "03 77 77 77 ; www, no root\n", DG_FWD_QNAME_TRUNCATED);
	EXPECT(VEC_DNS_HDR("00 00") "05 61 62 ; label runs past the end\n",
	       DG_FWD_QNAME_TRUNCATED);
}

static void
test_dns_short_and_header_only(void)
{
	EXPECT("ab cd 01 00 00 01 00 00 00 00 00 ; 11 bytes\n", DG_FWD_DNS_SHORT);
	EXPECT(VEC_DNS_HDR("00 00"), DG_FWD_QNAME_TRUNCATED); /* 12: header, no question */
}

static void
test_dns_counts(void)
{
	EXPECT("ab cd 01 00 00 00 00 00 00 00 00 00 ; QD=0\n", DG_FWD_DNS_QDCOUNT);
	EXPECT("ab cd 01 00 00 02 00 00 00 00 00 00 ; QD=2\n" VEC_QNAME Q_A VEC_QNAME Q_A,
	       DG_FWD_DNS_QDCOUNT);
	EXPECT("ab cd 01 00 00 01 00 01 00 00 00 00 ; AN=1\n" VEC_QNAME Q_A, DG_FWD_DNS_AN_NS_COUNT);
	EXPECT("ab cd 01 00 00 01 00 00 00 01 00 00 ; NS=1\n" VEC_QNAME Q_A, DG_FWD_DNS_AN_NS_COUNT);
}

static void
test_dns_flags_never_answered(void)
{
	EXPECT("ab cd 81 80 00 01 00 00 00 00 00 00 ; QR=1 response\n" VEC_QNAME Q_A,
	       DG_FWD_DNS_RESPONSE);
	EXPECT("ab cd 28 00 00 01 00 00 00 00 00 00 ; opcode 5 UPDATE\n" VEC_QNAME Q_A,
	       DG_FWD_DNS_OPCODE);
	EXPECT("ab cd 08 00 00 01 00 00 00 00 00 00 ; opcode 1 IQUERY\n" VEC_QNAME Q_A,
	       DG_FWD_DNS_OPCODE);
	EXPECT("ab cd 03 00 00 01 00 00 00 00 00 00 ; RD + TC\n" VEC_QNAME Q_A, DG_FWD_DNS_TC);
}

static void
test_dns_qclass_and_qtype(void)
{
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 10 00 03 ; TXT CH\n", DG_FWD_QCLASS_NOT_IN);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 fc 00 01 ; AXFR\n", DG_FWD_QTYPE_REFUSED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 fb 00 01 ; IXFR\n", DG_FWD_QTYPE_REFUSED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 29 00 01 ; OPT\n", DG_FWD_QTYPE_REFUSED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 fa 00 01 ; TSIG\n", DG_FWD_QTYPE_REFUSED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 00 00 01 ; type 0\n", DG_FWD_QTYPE_REFUSED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 41 00 01 ; HTTPS\n", DG_FWD_NONE);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 ff 00 01 ; ANY\n", DG_FWD_NONE);
}

static void
test_dns_question_boundary(void)
{
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 ; class cut: one byte short\n",
	       DG_FWD_QUESTION_TRUNCATED);
	EXPECT(VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 01 00 ; one byte past the question\n",
	       DG_FWD_DNS_TRAILING);
}

static void
test_dns_edns_ok(void)
{
	EXPECT(VEC_DNS_A_EDNS, DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.edns, 1);
	CU_ASSERT_EQUAL(pkt.edns_udp_size, 1232);
	CU_ASSERT_EQUAL(pkt.edns_flags, DG_PKT_EDNS_DO);
	CU_ASSERT_EQUAL(pkt.edns_cookie, 0);
}

static void
test_dns_arcount_but_no_opt(void)
{
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A, DG_FWD_EDNS_MISSING);
}

static void
test_dns_opt_truncated(void)
{
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 00 00 80 00 00 ; RDLEN cut\n",
	       DG_FWD_EDNS_TRUNCATED);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "00 00 29 04 d0 00 00 00 00 00 04 00 0a 00 ; RDLEN 4, 3 there\n",
	       DG_FWD_EDNS_TRUNCATED);
}

static void
test_dns_two_opts(void)
{
	EXPECT(VEC_DNS_HDR("00 02") VEC_QNAME Q_A VEC_OPT_DO VEC_OPT_DO, DG_FWD_EDNS_DUPLICATE);
}

static void
test_dns_opt_owner_not_root(void)
{
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "01 61 00 00 29 04 d0 00 00 00 00 00 00 ; OPT owned by a.\n",
	       DG_FWD_EDNS_OWNER_NOT_ROOT);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "c0 0c 00 29 04 d0 00 00 00 00 00 00 ; OPT owned by a pointer\n",
	       DG_FWD_EDNS_OWNER_NOT_ROOT);
}

static void
test_dns_edns_version(void)
{
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 00 01 00 00 00 00 ; version 1\n",
	       DG_FWD_EDNS_BAD_VERSION);
}

static void
test_dns_edns_options_and_cookies(void)
{
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 0c ; RDLEN 12\n"
	       "00 0a 00 08 01 02 03 04 05 06 07 08 ; client cookie, 8 bytes\n", DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.edns_cookie, 1);
	CU_ASSERT_EQUAL(pkt.edns_udp_size, 4096);
	CU_ASSERT_EQUAL(pkt.edns_flags, 0);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 14 ; RDLEN 20\n"
	       "00 0a 00 10 0102030405060708 1112131415161718 ; client + server cookie\n",
	       DG_FWD_NONE);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 0b ; RDLEN 11\n"
	       "00 0a 00 07 01 02 03 04 05 06 07 ; cookie 7 bytes\n", DG_FWD_EDNS_BAD_COOKIE);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 10 ; RDLEN 16\n"
	       "00 0a 00 0c 0102030405060708 11121314 ; client + 4-byte server cookie\n",
	       DG_FWD_EDNS_BAD_COOKIE);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 06 ; RDLEN 6\n"
	       "00 0c 00 03 00 00 ; padding claims 3 bytes, 2 in RDATA\n", DG_FWD_EDNS_BAD_OPTION);
	/* Option data ending on the RDATA's last byte, then a lone byte one past. */
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 06 ; RDLEN 6\n"
	       "00 0c 00 02 00 00 ; padding 2\n", DG_FWD_NONE);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 10 00 00 00 00 00 00 07 ; RDLEN 7\n"
	       "00 0c 00 02 00 00 ff ; padding 2 + stray byte\n", DG_FWD_EDNS_BAD_OPTION);
}

static void
test_dns_trailing_after_opt(void)
{
	EXPECT(VEC_DNS_A_EDNS "00 ; one byte past the OPT\n", DG_FWD_DNS_TRAILING);
}

/*
 * The appliance reads the usual OPT record with direct loads (one record, root owner,
 * version 0, ending the message); check_buf() holds it to the cursor's verdict on the
 * shapes that come closest to it.
 */
static void
test_dns_opt_fast_path_edges(void)
{
	/* ARCOUNT 2, one OPT ending the message */
	EXPECT(VEC_DNS_HDR("00 02") VEC_QNAME Q_A VEC_OPT_DO, DG_FWD_EDNS_MISSING);
	/* owner a pointer (c0 00) whose next bytes read as type OPT one byte early */
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "c0 00 29 04 d0 00 00 80 00 00 00 ; 11 bytes\n",
	       DG_FWD_EDNS_TRUNCATED);
	/* RDATA ending on the message's last byte, and RDLEN one past it */
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 00 00 00 00 00 01 ff ; RDLEN 1\n",
	       DG_FWD_EDNS_BAD_OPTION);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 00 00 00 00 00 02 ff ; RDLEN 2\n",
	       DG_FWD_EDNS_TRUNCATED);
	/* extended RCODE set (not the version): still version 0 */
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 01 00 80 00 00 00 ; ext rcode 1\n",
	       DG_FWD_NONE);
	CU_ASSERT_EQUAL(pkt.edns_flags, DG_PKT_EDNS_DO);
	CU_ASSERT_EQUAL(pkt.edns_udp_size, 1232);
}

static void
test_dns_signed_queries(void)
{
	/* TSIG: owner key name, type 250, class ANY, TTL 0, RDATA (not inspected). */
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "03 6b 65 79 00 00 fa 00 ff 00000000 00 04 de ad be ef ; TSIG\n", DG_FWD_DNS_SIGNED);
	EXPECT(VEC_DNS_HDR("00 02") VEC_QNAME Q_A VEC_OPT_DO
	       "03 6b 65 79 00 00 fa 00 ff 00000000 00 00 ; OPT then TSIG\n", DG_FWD_DNS_SIGNED);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "00 00 18 00 ff 00000000 00 02 00 00 ; SIG(0)\n", DG_FWD_DNS_SIGNED);
	EXPECT(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
	       "00 00 01 00 01 00000000 00 04 01 02 03 04 ; an A record\n", DG_FWD_DNS_ADDITIONAL);
}

/*
 * Fail closed (DESIGN.md 5): what a query whose name is blocked gets, given its defects.
 * The name must be read for anything but forward; the worst defect decides.
 */
static void
expect_blk(const char *dns, enum dg_fwd_reason reason, enum dg_pkt_blk blk,
	   enum dg_fwd_reason drop_reason)
{
	EXPECT(dns, reason);
	CU_ASSERT_EQUAL(pkt.blk, blk);
	if (blk == DG_PKT_BLK_DROP)
		CU_ASSERT_STRING_EQUAL(dg_fwd_reason_name(pkt.blk_reason),
				       dg_fwd_reason_name(drop_reason));
	if (blk != DG_PKT_BLK_FORWARD) {
		CU_ASSERT_EQUAL(pkt.qname.len, 17); /* the name was read */
		CU_ASSERT_EQUAL(pkt.question_len, 21);
	}
}

static void
test_dns_blocked_dispositions(void)
{
	const enum dg_fwd_reason n = DG_FWD_NONE;

	expect_blk(VEC_DNS_A, n, DG_PKT_BLK_ANSWER, n);
	expect_blk("ab cd 03 00 00 01 00 00 00 00 00 00 ; TC\n" VEC_QNAME Q_A, DG_FWD_DNS_TC,
		   DG_PKT_BLK_ANSWER, n);
	expect_blk("ab cd 10 00 00 01 00 00 00 00 00 00 ; STATUS\n" VEC_QNAME Q_A,
		   DG_FWD_DNS_OPCODE, DG_PKT_BLK_DROP, DG_FWD_DNS_OPCODE);
	/* TC then opcode: the first reason is reported, the worst disposition kept */
	expect_blk("ab cd 12 00 00 01 00 00 00 00 00 00 ; STATUS + TC\n" VEC_QNAME Q_A,
		   DG_FWD_DNS_OPCODE, DG_PKT_BLK_DROP, DG_FWD_DNS_OPCODE);
	expect_blk("ab cd 01 00 00 01 00 01 00 00 00 00 ; AN=1\n" VEC_QNAME Q_A,
		   DG_FWD_DNS_AN_NS_COUNT, DG_PKT_BLK_ANSWER_NO_OPT, n);
	expect_blk("ab cd 01 00 00 02 00 00 00 00 00 00 ; QD=2\n" VEC_QNAME Q_A VEC_QNAME Q_A,
		   DG_FWD_DNS_QDCOUNT, DG_PKT_BLK_FORWARD, n);
	expect_blk(VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 ff ; class ANY\n",
		   DG_FWD_QCLASS_ANY, DG_PKT_BLK_ANSWER, n);
	expect_blk(VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 03 ; class CH\n",
		   DG_FWD_QCLASS_NOT_IN, DG_PKT_BLK_DROP, DG_FWD_QCLASS_NOT_IN);
	expect_blk(VEC_DNS_HDR("00 00") VEC_QNAME "00 fc 00 01 ; AXFR\n",
		   DG_FWD_QTYPE_REFUSED, DG_PKT_BLK_DROP, DG_FWD_QTYPE_REFUSED);
	expect_blk(VEC_DNS_HDR("00 01") VEC_QNAME Q_A, DG_FWD_EDNS_MISSING,
		   DG_PKT_BLK_ANSWER_NO_OPT, n);
	expect_blk(VEC_DNS_HDR("00 01") VEC_QNAME Q_A "00 00 29 04 d0 00 01 00 00 00 00 ; v1\n",
		   DG_FWD_EDNS_BAD_VERSION, DG_PKT_BLK_ANSWER_NO_OPT, n);
	expect_blk(VEC_DNS_HDR("00 02") VEC_QNAME Q_A VEC_OPT_DO VEC_OPT_DO, DG_FWD_EDNS_DUPLICATE,
		   DG_PKT_BLK_ANSWER_NO_OPT, n);
	/* a signature after a bad OPT: still a drop */
	expect_blk(VEC_DNS_HDR("00 02") VEC_QNAME Q_A "00 00 29 04 d0 00 01 00 00 00 00 ; v1\n"
		   "03 6b 65 79 00 00 fa 00 ff 00000000 00 00 ; TSIG\n", DG_FWD_EDNS_BAD_VERSION,
		   DG_PKT_BLK_DROP, DG_FWD_DNS_SIGNED);
	expect_blk(VEC_DNS_HDR("00 01") VEC_QNAME Q_A
		   "00 00 01 00 01 00000000 00 04 01 02 03 04 ; an A record\n",
		   DG_FWD_DNS_ADDITIONAL, DG_PKT_BLK_ANSWER, n);
	expect_blk(VEC_DNS_A_EDNS "00 ; one byte past the OPT\n", DG_FWD_DNS_TRAILING,
		   DG_PKT_BLK_ANSWER, n);
	CU_ASSERT_EQUAL(pkt.edns, 1); /* the OPT before the trailing byte is still usable */
	expect_blk(VEC_DNS_HDR("00 00") "03 77 77 77 c0 0c" Q_A, DG_FWD_QNAME_POINTER,
		   DG_PKT_BLK_FORWARD, n);
	expect_blk(VEC_DNS_HDR("00 00") VEC_QNAME "00 01 00 ; class cut\n",
		   DG_FWD_QUESTION_TRUNCATED, DG_PKT_BLK_FORWARD, n);
}

DG_TEST_MAIN("dns_parse",
	DG_TEST(test_dns_blocked_dispositions),
	DG_TEST(test_dns_plain_query),
	DG_TEST(test_dns_qname_parent_walk),
	DG_TEST(test_dns_qname_compression_pointer),
	DG_TEST(test_dns_qname_bad_label_types),
	DG_TEST(test_dns_qname_255_and_256),
	DG_TEST(test_dns_qname_unterminated),
	DG_TEST(test_dns_short_and_header_only),
	DG_TEST(test_dns_counts),
	DG_TEST(test_dns_flags_never_answered),
	DG_TEST(test_dns_qclass_and_qtype),
	DG_TEST(test_dns_question_boundary),
	DG_TEST(test_dns_edns_ok),
	DG_TEST(test_dns_arcount_but_no_opt),
	DG_TEST(test_dns_opt_truncated),
	DG_TEST(test_dns_two_opts),
	DG_TEST(test_dns_opt_owner_not_root),
	DG_TEST(test_dns_edns_version),
	DG_TEST(test_dns_edns_options_and_cookies),
	DG_TEST(test_dns_trailing_after_opt),
	DG_TEST(test_dns_opt_fast_path_edges),
	DG_TEST(test_dns_signed_queries))
