/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tls: the ClientHello reader. Every input sits in a heap buffer of its exact length,
 * so a read one past the end is an ASan error in the sanitizer build. Vectors: one
 * annotated by hand (Unbound's style), the others from tls_build.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_test.h"
#include "dg_tls.h"
#include "tls_build.h"

/* One record: GREASE, server_name "doh.example.net", supported_versions TLS 1.3. */
static const char hello_vec[] =
	"16 03 01 00 52     ; record: handshake, 0x0301, 82 bytes\n"
	"01 00 00 4e        ; client_hello, 78 bytes\n"
	"03 03              ; legacy_version TLS 1.2\n"
	"00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 ; random\n"
	"00                 ; legacy_session_id: empty\n"
	"00 02 13 01        ; cipher_suites: TLS_AES_128_GCM_SHA256\n"
	"01 00              ; compression_methods: null\n"
	"00 23              ; extensions: 35 bytes\n"
	"0a 0a 00 00        ; GREASE, empty\n"
	"00 00 00 14        ; server_name, 20 bytes\n"
	"00 12              ;   server_name_list, 18 bytes\n"
	"00 00 0f           ;   host_name, 15 bytes\n"
	"64 6f 68 2e 65 78 61 6d 70 6c 65 2e 6e 65 74 ; doh.example.net\n"
	"00 2b 00 03 02 03 04 ; supported_versions: TLS 1.3\n";

/* Offsets in hello_vec. */
enum {
	V_REC_LEN = 3,
	V_HS_TYPE = 5,
	V_HS_LEN = 6,     /* 3 bytes */
	V_VERSION = 9,
	V_SID_LEN = 43,
	V_CS_LEN = 44,
	V_CM_LEN = 48,
	V_EXT_LEN = 50,
	V_SNI_EXT_LEN = 58,
	V_SNI_LIST = 60,
	V_SNI_TYPE = 62,
	V_SNI_LEN = 63,
	V_SNI = 65,
	V_SNI_END = 80,
	V_LEN = 87,
	V_MSG = 5,        /* the handshake message starts after the record header */
};

static const char vec_sni[] = "doh.example.net";

/* The server_name extension last: its end is the message's end. */
static const char sni_last_vec[] =
	"16 03 01 00 4b 01 00 00 47 03 03 ; record 75, client_hello 71, TLS 1.2\n"
	"00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 ; random\n"
	"00 00 02 13 01 01 00 ; session id, cipher suites, compression\n"
	"00 1c 0a 0a 00 00    ; extensions: 28 bytes; GREASE\n"
	"00 00 00 14 00 12 00 00 0f ; server_name 20, list 18, host_name 15\n"
	"64 6f 68 2e 65 78 61 6d 70 6c 65 2e 6e 65 74 ; doh.example.net\n";

/* Parse @p n bytes copied into a buffer of exactly that size. */
static int
parse(const uint8_t *p, size_t n, struct dg_tls_hello *h)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memcpy(c, p, n);
	rc = dg_tls_client_hello(c, n, h);
	free(c);
	return rc;
}

static size_t
vec(uint8_t *out)
{
	size_t n = dg_test_hex(hello_vec, out, 256);

	CU_ASSERT_EQUAL_FATAL(n, V_LEN);
	return n;
}

static void
assert_sni(const struct dg_tls_hello *h, const char *want)
{
	CU_ASSERT_TRUE(h->sni_present);
	CU_ASSERT_EQUAL(h->sni_len, strlen(want));
	CU_ASSERT_EQUAL(memcmp(h->sni, want, strlen(want)), 0);
}

static void
test_tls_vector(void)
{
	struct dg_tls_hello h;
	uint8_t v[256];
	size_t n = vec(v);

	CU_ASSERT_EQUAL(parse(v, n, &h), 0);
	CU_ASSERT_EQUAL(h.version, 0x0303);
	CU_ASSERT_EQUAL(h.n_ext, 3);
	CU_ASSERT_EQUAL(h.records, 1);
	CU_ASSERT_FALSE(h.ech);
	assert_sni(&h, vec_sni);
}

/* Every cut before the last byte leaves a ClientHello that goes on: unknown, no SNI. */
static void
test_tls_last_byte(void)
{
	struct dg_tls_hello h;
	uint8_t v[256];
	size_t n = vec(v);

	CU_ASSERT_EQUAL(parse(v, 0, &h), -ENOMSG);
	for (size_t k = 1; k < n; k++) {
		int rc = parse(v, k, &h);

		CU_ASSERT_EQUAL(rc, -EAGAIN);
		if (rc != -EAGAIN)
			fprintf(stderr, "cut at %zu: %d\n", k, rc);
		CU_ASSERT_FALSE(h.sni_present);
		CU_ASSERT_EQUAL(h.sni_len, 0);
	}
	CU_ASSERT_EQUAL(parse(v, n, &h), 0);
	/* One byte past the message (the next record starts): not read, not needed. */
	v[n] = 0x17;
	CU_ASSERT_EQUAL(parse(v, n + 1, &h), 0);
	assert_sni(&h, vec_sni);
}

/* Each length field one past what it encloses (or what follows it). */
static void
test_tls_one_past(void)
{
	static const struct { unsigned int off, bytes; int want; } f[] = {
		{ V_REC_LEN, 2, 0 },        /* the record's last byte is missing; the hello is whole */
		{ V_HS_LEN, 3, -EBADMSG },
		{ V_SID_LEN, 1, -EBADMSG },
		{ V_CS_LEN, 2, -EBADMSG },
		{ V_CM_LEN, 1, -EBADMSG },
		{ V_EXT_LEN, 2, -EBADMSG },
		{ V_SNI_EXT_LEN, 2, -EBADMSG },
		{ V_SNI_LIST, 2, -EBADMSG },
		{ V_SNI_LEN, 2, -EBADMSG },
	};
	struct dg_tls_hello h;
	uint8_t v[256];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t n = vec(v);
		unsigned int at = f[i].off + f[i].bytes - 1;

		v[at]++; /* no carry: every field's low byte is below 0xff */
		CU_ASSERT_EQUAL(parse(v, n, &h), f[i].want);
		v[at] -= 2; /* one short */
		CU_ASSERT_NOT_EQUAL(parse(v, n, &h), 0);
		CU_ASSERT_FALSE(h.sni_present);
	}
}

/*
 * A host name one past its extension, which ends the message, with one more byte in the
 * segment: the name must not run into bytes after the message.
 */
static void
test_tls_one_past_message(void)
{
	struct dg_tls_hello h;
	uint8_t v[256];
	size_t n = dg_test_hex(sni_last_vec, v, sizeof(v));

	CU_ASSERT_EQUAL_FATAL(n, 80);
	CU_ASSERT_EQUAL(parse(v, n, &h), 0);
	assert_sni(&h, vec_sni);
	v[n++] = 'x';
	CU_ASSERT_EQUAL(parse(v, n, &h), 0);
	v[n - 1 - 15 - 1]++; /* host_name length 16 */
	CU_ASSERT_EQUAL(parse(v, n, &h), -EBADMSG);
	v[n - 1 - 15 - 1]--;
	v[n - 1 - 15 - 4]++; /* server_name_list length 19 */
	CU_ASSERT_EQUAL(parse(v, n, &h), -EBADMSG);
}

/* The message cut into 2, 3 and 82 records inside one segment: read across them. */
static void
test_tls_record_split(void)
{
	struct dg_tls_hello h;
	uint8_t v[256], seg[1024];
	const size_t mlen = V_LEN - V_MSG;
	size_t n;

	vec(v);
	for (size_t a = 1; a < mlen; a++) {
		const size_t frags[] = { a, 0 };

		n = tlb_records(seg, sizeof(seg), v + V_MSG, mlen, frags);
		CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
		CU_ASSERT_EQUAL(h.records, 2);
		assert_sni(&h, vec_sni);
		for (size_t b = 1; a + b < mlen; b += 7) {
			const size_t f3[] = { a, b, 0 };

			n = tlb_records(seg, sizeof(seg), v + V_MSG, mlen, f3);
			CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
			CU_ASSERT_EQUAL(h.records, 3);
			assert_sni(&h, vec_sni);
		}
	}
	{
		size_t ones[V_LEN - V_MSG + 1];

		for (size_t i = 0; i < mlen; i++)
			ones[i] = 1;
		ones[mlen] = 0;
		n = tlb_records(seg, sizeof(seg), v + V_MSG, mlen, ones);
		CU_ASSERT_EQUAL(n, mlen * 6);
		CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
		CU_ASSERT_EQUAL(h.records, mlen);
		assert_sni(&h, vec_sni);
	}
}

/* Records that go on past the segment: unknown, even when the SNI was already read. */
static void
test_tls_segment_split(void)
{
	struct dg_tls_hello h;
	uint8_t v[256], seg[1024];
	const size_t mlen = V_LEN - V_MSG;
	const size_t frags[] = { V_SNI_END - V_MSG, 0 }; /* the SNI whole in the first record */
	size_t n;

	vec(v);
	n = tlb_records(seg, sizeof(seg), v + V_MSG, mlen, frags);
	/* from the end of the first record: the next header, then its fragment, cut */
	for (size_t k = frags[0] + 5; k < n; k++)
		CU_ASSERT_EQUAL(parse(seg, k, &h), -EAGAIN);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);

	/* A post-quantum key share (a ~1.7 KB hello) cut by a 1460-byte segment. */
	{
		struct tlb_hello t;
		uint8_t big[4096];

		tlb_hello_init(&t, vec_sni);
		t.key_share = 1216;
		t.grease = true;
		t.pad = 256;
		n = tlb_hello_record(big, sizeof(big), &t);
		CU_ASSERT_TRUE_FATAL(n > 1460);
		CU_ASSERT_EQUAL(parse(big, 1460, &h), -EAGAIN);
		CU_ASSERT_FALSE(h.sni_present);
		CU_ASSERT_EQUAL(parse(big, n, &h), 0);
		assert_sni(&h, vec_sni);
	}
}

static void
test_tls_grease(void)
{
	struct tlb_hello t;
	struct dg_tls_hello h;
	uint8_t seg[2048];
	size_t n;

	tlb_hello_init(&t, "dns.example.test");
	t.grease = true;
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	CU_ASSERT_EQUAL(h.n_ext, 5); /* GREASE, groups, SNI, GREASE, versions */
	assert_sni(&h, "dns.example.test");
}

static void
test_tls_multiple_extensions(void)
{
	struct tlb_hello t;
	struct dg_tls_hello h;
	uint8_t seg[4096];
	size_t n;

	tlb_hello_init(&t, "a.b");
	t.grease = true;
	t.key_share = 36;
	t.ech = true;
	t.pad = 200;
	t.n_suites = 17;
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	CU_ASSERT_EQUAL(h.n_ext, 8);
	CU_ASSERT_TRUE(h.ech);
	assert_sni(&h, "a.b");
}

static void
test_tls_no_sni(void)
{
	struct tlb_hello t;
	struct dg_tls_hello h;
	uint8_t seg[2048];
	size_t n;

	tlb_hello_init(&t, NULL);
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	CU_ASSERT_FALSE(h.sni_present);
	CU_ASSERT_EQUAL(h.sni_len, 0);
	CU_ASSERT_EQUAL(h.n_ext, 2);
	/* TLS 1.2 may end after the compression methods */
	t.no_ext = true;
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	CU_ASSERT_EQUAL(h.n_ext, 0);
	CU_ASSERT_FALSE(h.sni_present);
}

static void
test_tls_sni_long(void)
{
	struct tlb_hello t;
	struct dg_tls_hello h;
	char name[300];
	uint8_t seg[2048];
	size_t n;

	memset(name, 'a', sizeof(name));
	name[DG_TLS_SNI_MAX] = '\0'; /* the longest kept */
	tlb_hello_init(&t, name);
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	assert_sni(&h, name);
	name[DG_TLS_SNI_MAX] = 'a'; /* one past: present, not kept */
	name[DG_TLS_SNI_MAX + 1] = '\0';
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), 0);
	CU_ASSERT_TRUE(h.sni_present);
	CU_ASSERT_EQUAL(h.sni_len, 0);
}

static void
test_tls_not_hello(void)
{
	static const char *const cases[] = {
		"17 03 03 00 05 0102030405",          /* application data */
		"16 03 03 00 04 02 00 00 00",          /* ServerHello */
		"16 03 03 00 04 0b 00 00 00",          /* Certificate */
		"474554202f20485454502f312e310d0a",     /* GET / HTTP/1.1 */
		"80 2e 01 0300 0015 0000 0010",         /* SSL 2.0 compatible hello */
		"16 02 00 00 04 01 00 00 00",           /* record version 2 */
		"14 03 03 00 01 01",                    /* ChangeCipherSpec */
		"16",                                   /* one byte: 0x16 but nothing else */
	};
	struct dg_tls_hello h;
	uint8_t b[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = dg_test_hex(cases[i], b, sizeof(b));
		int rc = parse(b, n, &h);

		/* a lone 0x16 may start a record: unknown, not a rejection */
		CU_ASSERT_EQUAL(rc, n == 1 ? -EAGAIN : -ENOMSG);
	}
}

/* Apply @p fn to the canonical vector and expect -EBADMSG. */
static void
bad_vec(void (*fn)(uint8_t *v, size_t *n))
{
	struct dg_tls_hello h;
	uint8_t v[512];
	size_t n = vec(v);

	fn(v, &n);
	CU_ASSERT_EQUAL(parse(v, n, &h), -EBADMSG);
	CU_ASSERT_FALSE(h.sni_present);
}

static void m_zero_record(uint8_t *v, size_t *n) { (void)n; v[V_REC_LEN] = 0; v[V_REC_LEN + 1] = 0; }
static void m_big_record(uint8_t *v, size_t *n) { (void)n; v[V_REC_LEN] = 0x40; v[V_REC_LEN + 1] = 1; }
static void m_version(uint8_t *v, size_t *n) { (void)n; v[V_VERSION] = 2; }
static void m_sid(uint8_t *v, size_t *n) { (void)n; v[V_SID_LEN] = 33; }
static void m_cs_empty(uint8_t *v, size_t *n) { (void)n; v[V_CS_LEN + 1] = 0; }
static void m_cs_odd(uint8_t *v, size_t *n) { (void)n; v[V_CS_LEN + 1] = 1; }
static void m_cm_empty(uint8_t *v, size_t *n) { (void)n; v[V_CM_LEN] = 0; }
static void m_empty_name(uint8_t *v, size_t *n)
{
	(void)n;
	v[V_SNI_LEN + 1] = 0; /* and the 15 name bytes become a bad next entry */
}
static void m_two_sni_ext(uint8_t *v, size_t *n)
{
	/* supported_versions (7 bytes) replaced by a second, empty server_name list */
	static const uint8_t dup[7] = { 0, 0, 0, 3, 0, 1, 0 };

	(void)n;
	memcpy(v + V_SNI_END, dup, sizeof(dup));
}
static void m_ext_short(uint8_t *v, size_t *n)
{
	/* the extensions end one byte before the message */
	(void)n;
	v[V_EXT_LEN + 1]--;
}
static void m_other_type(uint8_t *v, size_t *n)
{
	/* fragment 1 of 2 in the vector's record, fragment 2 an application data record */
	uint8_t msg[128];
	const size_t mlen = V_LEN - V_MSG;
	const size_t frags[] = { 20, 0 };

	memcpy(msg, v + V_MSG, mlen);
	*n = tlb_records(v, 512, msg, mlen, frags);
	v[5 + 20] = 0x17;
}

static void
test_tls_malformed(void)
{
	struct tlb_hello t;
	struct dg_tls_hello h;
	uint8_t seg[2048];
	size_t n;

	bad_vec(m_zero_record);
	bad_vec(m_big_record);
	bad_vec(m_version);
	bad_vec(m_sid);
	bad_vec(m_cs_empty);
	bad_vec(m_cs_odd);
	bad_vec(m_cm_empty);
	bad_vec(m_empty_name);
	bad_vec(m_two_sni_ext);
	bad_vec(m_ext_short);
	bad_vec(m_other_type);
	/* a session id over 32 bytes from the builder too */
	tlb_hello_init(&t, "x.test");
	t.sid_len = 33;
	n = tlb_hello_record(seg, sizeof(seg), &t);
	CU_ASSERT_EQUAL(parse(seg, n, &h), -EBADMSG);
}

/* Two host names in one list; a name of another type before the host name is skipped. */
static void
test_tls_sni_list(void)
{
	static const char two[] =
		"16 03 01 00 3d 01 00 00 39 03 03"
		"00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
		"00 00 02 13 01 01 00"
		"00 0e 00 00 00 0a 00 08 ; extensions 14, server_name 10, list 8\n"
		"00 00 01 61 00 00 01 62 ; host_name a, host_name b\n";
	static const char other[] =
		"16 03 01 00 3d 01 00 00 39 03 03"
		"00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
		"00 00 02 13 01 01 00"
		"00 0e 00 00 00 0a 00 08 ; extensions 14, server_name 10, list 8\n"
		"07 00 01 61 00 00 01 62 ; type 7 'a', host_name b\n";
	struct dg_tls_hello h;
	uint8_t b[128];
	size_t n;

	n = dg_test_hex(two, b, sizeof(b));
	CU_ASSERT_EQUAL(parse(b, n, &h), -EBADMSG);
	n = dg_test_hex(other, b, sizeof(b));
	CU_ASSERT_EQUAL(parse(b, n, &h), 0);
	assert_sni(&h, "b");
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random bytes behind a handshake record header, and random mutations of real hellos. */
static void
test_tls_garbage(void)
{
	struct dg_tls_hello h;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	uint8_t v[256], b[2048];
	unsigned int seen[4] = { 0 };

	vec(v);
	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + rnd(&s) % (i & 1 ? V_LEN : sizeof(b));
		int rc;

		if (i & 1) {
			memcpy(b, v, n);
			for (int k = 0; k < 1 + (int)(rnd(&s) % 4); k++)
				b[rnd(&s) % n] = (uint8_t)rnd(&s);
		} else {
			for (size_t k = 0; k < n; k++)
				b[k] = (uint8_t)rnd(&s);
			b[0] = 0x16;
			if (n > 1)
				b[1] = 3;
			if (n > 5)
				b[5] = 1;
		}
		rc = parse(b, n, &h);
		CU_ASSERT_TRUE(rc == 0 || rc == -ENOMSG || rc == -EAGAIN || rc == -EBADMSG);
		CU_ASSERT_TRUE(h.sni_len <= DG_TLS_SNI_MAX);
		CU_ASSERT_TRUE(rc == 0 || !h.sni_present);
		seen[rc == 0 ? 0 : rc == -ENOMSG ? 1 : rc == -EAGAIN ? 2 : 3]++;
	}
	/* the mutations reach every outcome */
	CU_ASSERT_TRUE(seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0);
}

DG_TEST_MAIN("tls",
	DG_TEST(test_tls_vector),
	DG_TEST(test_tls_last_byte),
	DG_TEST(test_tls_one_past),
	DG_TEST(test_tls_one_past_message),
	DG_TEST(test_tls_record_split),
	DG_TEST(test_tls_segment_split),
	DG_TEST(test_tls_grease),
	DG_TEST(test_tls_multiple_extensions),
	DG_TEST(test_tls_no_sni),
	DG_TEST(test_tls_sni_long),
	DG_TEST(test_tls_not_hello),
	DG_TEST(test_tls_malformed),
	DG_TEST(test_tls_sni_list),
	DG_TEST(test_tls_garbage))
