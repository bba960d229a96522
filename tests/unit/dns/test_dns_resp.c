/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The response walker (dg_dns_resp_parse()): one test per reason, the last byte and one
 * past it, and what the policy reads (targets, addresses, OPT). Messages are built from
 * annotated hex here and parsed from exact-size heap copies (ASan sees any overread).
 */
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_dns.h"
#include "dg_dns_resp.h"

/* A message under construction. */
struct mb {
	uint8_t b[8192];
	size_t n;
};

static void
put(struct mb *m, const char *hex)
{
	m->n += dg_test_hex(hex, m->b + m->n, sizeof(m->b) - m->n);
}

static void
put16(struct mb *m, unsigned int v)
{
	m->b[m->n++] = (uint8_t)(v >> 8);
	m->b[m->n++] = (uint8_t)v;
}

static struct dg_dns_resp resp;

static enum dg_resp_reason
parse_len(const struct mb *m, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum dg_resp_reason r;

	memcpy(copy, m->b, len);
	r = dg_dns_resp_parse(copy, len, &resp);
	free(copy);
	return r;
}

#define EXPECT(m, reason) CU_ASSERT_STRING_EQUAL(dg_resp_reason_name(parse_len(m, (m)->n)), \
						 dg_resp_reason_name(reason))

/* Header: ID abcd, QR RD RA, then the counts. */
static void
hdr(struct mb *m, unsigned int an, unsigned int ns, unsigned int ar)
{
	m->n = 0;
	put(m, "ab cd 81 80 00 01");
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

#define QNAME "03 77 77 77 07 45 78 41 6d 70 4c 65 03 63 6f 6d 00 ; www.ExAmpLe.com at 12\n"
#define QUESTION QNAME "00 01 00 01 ; A IN\n"
enum { Q_END = 12 + 17 + 4, TARGET_OFF = Q_END + 12 };
/* www.example.com CNAME Evil.Example. (at TARGET_OFF), then its A 198.18.99.1 */
#define AN_CNAME "c0 0c 00 05 00 01 00 00 01 2c 00 0e\n" \
	"04 45 76 69 6c 07 45 78 61 6d 70 6c 65 00 ; Evil.Example.\n"
#define AN_A "c0 2d 00 01 00 01 00 00 01 2c 00 04 c6 12 63 01 ; -> Evil.Example. A\n"
#define OPT_DO "00 00 29 04 d0 00 00 80 00 00 00 ; OPT DO\n"

static void
chain(struct mb *m)
{
	hdr(m, 2, 0, 1);
	put(m, QUESTION AN_CNAME AN_A OPT_DO);
}

static void
test_dns_resp_cname_chain(void)
{
	static const uint8_t evil[] = "\4evil\7example";
	struct dg_name n;
	struct mb m;

	chain(&m);
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT_EQUAL(resp.id, 0xabcd);
	CU_ASSERT_EQUAL(resp.qtype, 1);
	CU_ASSERT_EQUAL(resp.question_off, 12);
	CU_ASSERT_EQUAL(resp.question_len, 21);
	CU_ASSERT_EQUAL(resp.n_targets, 1);
	CU_ASSERT_EQUAL(resp.target_off[0], TARGET_OFF);
	CU_ASSERT_EQUAL(resp.target_type[0], DG_DNS_TYPE_CNAME);
	CU_ASSERT_EQUAL(resp.n_addrs, 1);
	CU_ASSERT_EQUAL(resp.addr_len[0], 4);
	CU_ASSERT_EQUAL(m.b[resp.addr_off[0]], 198);
	CU_ASSERT_EQUAL(m.b[resp.addr_off[0] + 3], 1);
	CU_ASSERT(resp.edns == 1 && resp.edns_flags == 0x8000);
	CU_ASSERT_EQUAL(dg_dns_resp_name(m.b, m.n, resp.target_off[0], &n), DG_RESP_OK);
	CU_ASSERT(n.len == sizeof(evil) && memcmp(n.wire, evil, sizeof(evil)) == 0);
	/* the A record's owner is a pointer to the target: decompressed the same */
	CU_ASSERT_EQUAL(dg_dns_resp_name(m.b, m.n, Q_END + 12 + 14, &n), DG_RESP_OK);
	CU_ASSERT(n.len == sizeof(evil) && memcmp(n.wire, evil, sizeof(evil)) == 0);
}

/* Every cut of a whole response is a defect; bytes after the last record are not. */
static void
test_dns_resp_last_byte_and_one_past(void)
{
	struct mb m;

	chain(&m);
	for (size_t len = 0; len < m.n; len++)
		CU_ASSERT_NOT_EQUAL(parse_len(&m, len), DG_RESP_OK);
	CU_ASSERT_EQUAL(parse_len(&m, m.n - 1), DG_RESP_RR_TRUNCATED);
	EXPECT(&m, DG_RESP_OK);
	put(&m, "00");
	EXPECT(&m, DG_RESP_OK);
}

static void
test_dns_resp_header(void)
{
	struct mb m;

	chain(&m);
	CU_ASSERT_EQUAL(parse_len(&m, 11), DG_RESP_SHORT);
	CU_ASSERT_EQUAL(parse_len(&m, 12), DG_RESP_QNAME_BAD);
	m.b[2] &= 0x7f; /* QR=0: a query */
	EXPECT(&m, DG_RESP_NOT_RESPONSE);
	chain(&m);
	m.b[2] |= 0x28; /* opcode 5 UPDATE */
	EXPECT(&m, DG_RESP_OPCODE);
	chain(&m);
	m.b[5] = 2;
	EXPECT(&m, DG_RESP_QDCOUNT);
	m.b[5] = 0;
	EXPECT(&m, DG_RESP_QDCOUNT);
}

static void
test_dns_resp_question(void)
{
	struct mb m;

	hdr(&m, 0, 0, 0);
	put(&m, "c0 0c 00 01 00 01 ; pointer in the question\n");
	EXPECT(&m, DG_RESP_QNAME_BAD);
	hdr(&m, 0, 0, 0);
	put(&m, "41 61 00 00 01 00 01 ; extended label\n");
	EXPECT(&m, DG_RESP_QNAME_BAD);
	hdr(&m, 0, 0, 0);
	put(&m, QNAME "00 01 00 ; QCLASS cut\n");
	EXPECT(&m, DG_RESP_QUESTION_TRUNCATED);
	put(&m, "01");
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT(resp.n_targets == 0 && resp.n_addrs == 0 && resp.edns == 0);
}

static void
test_dns_resp_name_truncated(void)
{
	struct mb m;

	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "05 61 62 63 ; owner label runs past the end\n");
	EXPECT(&m, DG_RESP_NAME_TRUNCATED);
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 ; pointer cut\n");
	EXPECT(&m, DG_RESP_NAME_TRUNCATED);
	/* a target whose own bytes run past its RDATA */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 05 00 01 00 00 01 2c 00 03 04 65 76 69 6c 00\n");
	EXPECT(&m, DG_RESP_NAME_TRUNCATED);
}

static void
test_dns_resp_name_bad_label(void)
{
	struct mb m;

	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "81 61 00 00 01 00 01 00 00 01 2c 00 04 01 02 03 04\n");
	EXPECT(&m, DG_RESP_NAME_BAD_LABEL);
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 05 00 01 00 00 01 2c 00 03 41 61 00 ; target 0x40\n");
	EXPECT(&m, DG_RESP_NAME_BAD_LABEL);
}

/* A CNAME whose target is @p labels labels of 63 bytes and one of @p last bytes. */
static void
long_target(struct mb *m, unsigned int labels, unsigned int last)
{
	hdr(m, 1, 0, 0);
	put(m, QUESTION "c0 0c 00 05 00 01 00 00 01 2c");
	put16(m, labels * 64 + (last ? last + 1 : 0) + 1);
	for (unsigned int i = 0; i < labels; i++) {
		m->b[m->n++] = 63;
		memset(m->b + m->n, 'a', 63);
		m->n += 63;
	}
	if (last) {
		m->b[m->n++] = (uint8_t)last;
		memset(m->b + m->n, 'b', last);
		m->n += last;
	}
	m->b[m->n++] = 0;
}

static void
test_dns_resp_name_255_and_256(void)
{
	struct dg_name n;
	struct mb m;

	long_target(&m, 3, 62); /* 3 * 64 + 63 + 1 = 256 */
	EXPECT(&m, DG_RESP_NAME_TOO_LONG);
	long_target(&m, 3, 61); /* 255 */
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT_EQUAL(dg_dns_resp_name(m.b, m.n, resp.target_off[0], &n), DG_RESP_OK);
	CU_ASSERT_EQUAL(n.len, 255);
}

static void
test_dns_resp_pointer_bad(void)
{
	struct mb m;

	/* to itself */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 21 00 01 00 01 00 00 01 2c 00 04 01 02 03 04\n");
	EXPECT(&m, DG_RESP_POINTER_BAD);
	/* forward */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 22 00 01 00 01 00 00 01 2c 00 04 01 02 03 04\n");
	EXPECT(&m, DG_RESP_POINTER_BAD);
	/* into the header */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0b 00 01 00 01 00 00 01 2c 00 04 01 02 03 04\n");
	EXPECT(&m, DG_RESP_POINTER_BAD);
	/* one back from itself: the last byte of the question, a class byte (root label 0x01
	 * is a label running into the pointer, and on: read, not looped) */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 20 00 01 00 01 00 00 01 2c 00 04 01 02 03 04\n");
	CU_ASSERT_NOT_EQUAL(parse_len(&m, m.n), DG_RESP_OK);
}

/*
 * A record whose RDATA is a chain of @p n pointers, each to the one before (the first to
 * the question), then a CNAME whose target is a pointer to the last: n + 1 hops.
 */
static void
hops(struct mb *m, unsigned int n)
{
	size_t rd, last = 12;

	hdr(m, 2, 0, 0);
	put(m, QUESTION "c0 0c 00 10 00 01 00 00 01 2c ; TXT\n");
	put16(m, 2 * n);
	rd = m->n;
	for (unsigned int i = 0; i < n; i++) {
		put16(m, 0xc000 | (unsigned int)last);
		last = rd + 2 * i;
	}
	put(m, "c0 0c 00 05 00 01 00 00 01 2c 00 02");
	put16(m, 0xc000 | (unsigned int)last);
}

static void
test_dns_resp_pointer_hops(void)
{
	struct dg_name n;
	struct mb m;

	hops(&m, DG_DNS_RESP_HOPS_MAX - 1);
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT_EQUAL(dg_dns_resp_name(m.b, m.n, resp.target_off[0], &n), DG_RESP_OK);
	CU_ASSERT_EQUAL(n.len, 17); /* www.example.com. */
	hops(&m, DG_DNS_RESP_HOPS_MAX);
	EXPECT(&m, DG_RESP_POINTER_HOPS);
}

static void
test_dns_resp_rr_truncated(void)
{
	struct mb m;

	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 01 00 01 00 00 01 2c 00 ; RDLENGTH cut\n");
	EXPECT(&m, DG_RESP_RR_TRUNCATED);
	hdr(&m, 2, 0, 0);
	put(&m, QUESTION AN_CNAME);
	EXPECT(&m, DG_RESP_NAME_TRUNCATED); /* ANCOUNT 2, one record */
	/* authority and additional records are walked too */
	hdr(&m, 0, 1, 0);
	put(&m, QUESTION "c0 0c 00 06 00 01 00 00 01 2c 00 20 00 00 ; SOA cut\n");
	EXPECT(&m, DG_RESP_RR_TRUNCATED);
	hdr(&m, 0, 0, 1);
	put(&m, QUESTION "00 00 29 04 d0 00 00 80 00 00 04 00 0a ; OPT RDATA cut\n");
	EXPECT(&m, DG_RESP_RR_TRUNCATED);
}

static void
test_dns_resp_rdata_bad(void)
{
	struct mb m;

	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 01 00 01 00 00 01 2c 00 05 01 02 03 04 05 ; A of 5\n");
	EXPECT(&m, DG_RESP_RDATA_BAD);
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 1c 00 01 00 00 01 2c 00 04 01 02 03 04 ; AAAA of 4\n");
	EXPECT(&m, DG_RESP_RDATA_BAD);
	/* a target that ends before its RDATA does */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 05 00 01 00 00 01 2c 00 04 01 61 00 ff\n");
	EXPECT(&m, DG_RESP_RDATA_BAD);
	/* another class: not read (a CH A of 5 bytes is someone else's business) */
	hdr(&m, 1, 0, 0);
	put(&m, QUESTION "c0 0c 00 01 00 03 00 00 01 2c 00 05 01 02 03 04 05\n");
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT_EQUAL(resp.n_addrs, 0);
}

static void
test_dns_resp_too_many(void)
{
	struct mb m;

	for (unsigned int extra = 0; extra < 2; extra++) {
		hdr(&m, DG_DNS_RESP_ADDRS_MAX + extra, 0, 0);
		put(&m, QUESTION);
		for (unsigned int i = 0; i < DG_DNS_RESP_ADDRS_MAX + extra; i++)
			put(&m, "c0 0c 00 1c 00 01 00 00 01 2c 00 10 20010002000000000000000000000001");
		EXPECT(&m, extra ? DG_RESP_TOO_MANY : DG_RESP_OK);
		hdr(&m, DG_DNS_RESP_TARGETS_MAX + extra, 0, 0);
		put(&m, QUESTION);
		for (unsigned int i = 0; i < DG_DNS_RESP_TARGETS_MAX + extra; i++)
			put(&m, "c0 0c 00 27 00 01 00 00 01 2c 00 03 01 61 00 ; DNAME a.\n");
		EXPECT(&m, extra ? DG_RESP_TOO_MANY : DG_RESP_OK);
		if (!extra)
			CU_ASSERT_EQUAL(resp.target_type[0], DG_DNS_TYPE_DNAME);
	}
}

static void
test_dns_resp_edns(void)
{
	struct mb m;

	hdr(&m, 0, 0, 2);
	put(&m, QUESTION OPT_DO OPT_DO);
	EXPECT(&m, DG_RESP_EDNS_DUPLICATE);
	hdr(&m, 0, 0, 1);
	put(&m, QUESTION "00 00 29 04 d0 00 00 00 00 00 00 ; OPT no DO\n");
	EXPECT(&m, DG_RESP_OK);
	CU_ASSERT(resp.edns == 1 && resp.edns_flags == 0);
}

static void
test_dns_resp_reason_names(void)
{
	for (unsigned int r = 0; r < DG_RESP__MAX; r++)
		CU_ASSERT_STRING_NOT_EQUAL(dg_resp_reason_name((enum dg_resp_reason)r), "unknown");
	CU_ASSERT_STRING_EQUAL(dg_resp_reason_name(DG_RESP__MAX), "unknown");
}

DG_TEST_MAIN("dns_resp",
	     DG_TEST(test_dns_resp_cname_chain),
	     DG_TEST(test_dns_resp_last_byte_and_one_past),
	     DG_TEST(test_dns_resp_header),
	     DG_TEST(test_dns_resp_question),
	     DG_TEST(test_dns_resp_name_truncated),
	     DG_TEST(test_dns_resp_name_bad_label),
	     DG_TEST(test_dns_resp_name_255_and_256),
	     DG_TEST(test_dns_resp_pointer_bad),
	     DG_TEST(test_dns_resp_pointer_hops),
	     DG_TEST(test_dns_resp_rr_truncated),
	     DG_TEST(test_dns_resp_rdata_bad),
	     DG_TEST(test_dns_resp_too_many),
	     DG_TEST(test_dns_resp_edns),
	     DG_TEST(test_dns_resp_reason_names))
