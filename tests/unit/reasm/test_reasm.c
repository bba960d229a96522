/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reassembly table against the receiving host's rules (Linux: ip_frag_queue(),
 * ip6_frag_queue(), inet_frag_queue_insert()), written out case by case. Whole datagrams
 * come from dg_vec; the test cuts them into fragments itself and checks that what
 * dg_reasm_build() writes is the datagram it started from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dg_reasm.h"
#include "dg_test.h"
#include "dg_vec.h"

enum { FRAME_MAX = 2048, ETH = 14, IP4 = 20, IP6 = 40, FH = 8 };

struct tframe {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
static struct tframe whole, fr[80];
static size_t l3 = ETH; /* the IP header in whole (after a PPPoE header: 22) */
static struct dg_reasm_out out;
static uint8_t built[FRAME_MAX];

static int
read_frame(void *h, uint32_t off, uint32_t len, uint8_t *dst, void *arg)
{
	const struct tframe *f = h;

	(void)arg;
	if ((size_t)off + len > f->len)
		return -1;
	memcpy(dst, f->b + off, len);
	return 0;
}

/* A whole UDP datagram to port @p dport with @p extra zero bytes after the query. */
static void
make_whole(int ver, unsigned int extra, const char *udp)
{
	static char dns[8192];
	size_t o = (size_t)snprintf(dns, sizeof(dns), "%s", VEC_DNS_A_EDNS);

	for (unsigned int i = 0; i < extra; i++)
		o += (size_t)snprintf(dns + o, sizeof(dns) - o, "%02x ", i & 0xff);
	whole.len = vec_build(whole.b, sizeof(whole.b), ver == 4 ? VEC_ETH4 : VEC_ETH6,
			      ver == 4 ? VEC_IP4 : VEC_IP6, udp, dns, 0, VEC_FIX_ALL);
	l3 = ETH;
}

static void
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Fragment of @p whole: payload bytes [off, off + len) of its IP payload. */
static struct tframe *
frag(unsigned int i, uint32_t off, uint32_t len, bool more)
{
	struct tframe *f = &fr[i];
	uint8_t *ip = f->b + l3;
	const bool v4 = (whole.b[l3] >> 4) == 4;
	const size_t hl = v4 ? IP4 : IP6 + FH;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, whole.b, l3 + (v4 ? IP4 : IP6));
	if (l3 + (v4 ? IP4 : IP6) + off + len <= whole.len)
		memcpy(ip + hl, whole.b + l3 + (v4 ? IP4 : IP6) + off, len);
	f->len = l3 + hl + len;
	if (l3 != ETH) /* PPPoE: its length covers the PPP protocol field and the packet */
		put16(f->b + ETH + 4, 2 + hl + len);
	if (v4) {
		uint16_t c;

		put16(ip + 2, IP4 + len);
		put16(ip + 6, (more ? 0x2000 : 0) | off / 8);
		c = vec_ip4_csum(ip, IP4);
		put16(ip + 10, c);
	} else {
		uint8_t *fh = ip + IP6;

		put16(ip + 4, FH + len);
		ip[6] = 44;
		fh[0] = whole.b[l3 + 6];
		put16(fh + 2, off | (more ? 1 : 0));
		memcpy(fh + 4, "\xde\xad\xbe\xef", 4);
	}
	return f;
}

/* The IP payload bytes of the whole datagram (UDP header and DNS). */
static uint32_t
payload_len(void)
{
	return (uint32_t)(whole.len - l3 - ((whole.b[l3] >> 4) == 4 ? IP4 : IP6));
}

static int
parse(const struct tframe *f, struct dg_reasm_frag *rf)
{
	struct dg_pkt p;
	enum dg_fwd_reason r = dg_wire_parse_l2l4(f->b, f->len, &cfg, 0, &p);

	CU_ASSERT(r == DG_FWD_IP4_FRAGMENT || r == DG_FWD_IP6_FRAGMENT);
	return dg_reasm_parse(f->b, f->len, &p, &cfg, rf);
}

static enum dg_reasm_verdict
add(struct dg_reasm *t, struct tframe *f, uint64_t now)
{
	struct dg_reasm_frag rf;

	CU_ASSERT_EQUAL_FATAL(parse(f, &rf), 0);
	return dg_reasm_add(t, &rf, f->b, f, now, &out);
}

static struct dg_reasm *
table(uint32_t flows, uint32_t held, uint64_t timeout)
{
	struct dg_reasm *t = NULL;

	CU_ASSERT_EQUAL_FATAL(dg_reasm_create(&t, flows, held, timeout, 7, read_frame, NULL), 0);
	return t;
}

/* out holds frames @p a.. in this order (NULL-terminated). */
static bool
out_is(struct tframe *a, ...)
{
	__builtin_va_list ap;
	unsigned int n = 0;
	bool ok = true;

	__builtin_va_start(ap, a);
	for (struct tframe *f = a; f != NULL; f = __builtin_va_arg(ap, struct tframe *), n++)
		ok = ok && n < out.n && out.p[n].h == f;
	__builtin_va_end(ap);
	return ok && n == out.n;
}

/* One fragment to add: payload bytes [off, off + len), len REST: to the datagram's end. */
struct step {
	uint32_t off;
	uint32_t len;
	bool more;
	enum dg_reasm_verdict verdict; /* what dg_reasm_add() must return */
};

#define REST UINT32_MAX

/* Cut fr[first..] as @p s says and add them at time @p now, in order; check each verdict. */
static void
add_steps(struct dg_reasm *t, unsigned int first, uint64_t now, const struct step *s, size_t n,
	  unsigned int line)
{
	char what[64];

	for (size_t i = 0; i < n; i++) {
		uint32_t len = s[i].len == REST ? payload_len() - s[i].off : s[i].len;
		enum dg_reasm_verdict v = add(t, frag(first + i, s[i].off, len, s[i].more), now);

		snprintf(what, sizeof(what), "step %zu: verdict %d, expected %d", i, v,
			 s[i].verdict);
		CU_assertImplementation(v == s[i].verdict, line, what, __FILE__, "", CU_FALSE);
	}
}

#define ADD_STEPS(t, first, now, ...)                                                          \
	add_steps(t, first, now, (const struct step[]){__VA_ARGS__},                           \
		  sizeof((const struct step[]){__VA_ARGS__}) / sizeof(struct step), __LINE__)

/* The datagram built from out is the whole one, byte for byte. */
static void
expect_whole(struct dg_reasm *t)
{
	long n = dg_reasm_build(t, &out, built, sizeof(built));

	CU_ASSERT_EQUAL(n, (long)whole.len);
	CU_ASSERT(n == (long)whole.len && memcmp(built, whole.b, whole.len) == 0);
}

static void
test_reasm_ip4_in_order_and_reversed(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(4, 0, VEC_UDP);
	ADD_STEPS(t, 0, 1, {0, 16, true, DG_REASM_HELD}, {16, 16, true, DG_REASM_HELD},
		  {32, REST, false, DG_REASM_COMPLETE});
	CU_ASSERT(out_is(&fr[0], &fr[1], &fr[2], NULL));
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_NONE);
	expect_whole(t);
	/* Last first: the same datagram, frames in their arrival order. */
	ADD_STEPS(t, 3, 2, {32, REST, false, DG_REASM_HELD}, {16, 16, true, DG_REASM_HELD},
		  {0, 16, true, DG_REASM_COMPLETE});
	CU_ASSERT(out_is(&fr[3], &fr[4], &fr[5], NULL));
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_ip6_in_order_and_reversed(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(6, 0, VEC_UDP);
	ADD_STEPS(t, 0, 1, {0, 24, true, DG_REASM_HELD}, {24, REST, false, DG_REASM_COMPLETE});
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	expect_whole(t);
	ADD_STEPS(t, 2, 1, {24, REST, false, DG_REASM_HELD}, {0, 24, true, DG_REASM_COMPLETE});
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_ip6_atomic_fragment(void)
{
	struct dg_reasm *t = table(64, 64, 1000);
	uint32_t flows, held;

	make_whole(6, 0, VEC_UDP);
	CU_ASSERT_EQUAL(add(t, frag(0, 0, payload_len(), false), 1), DG_REASM_COMPLETE);
	CU_ASSERT(out_is(&fr[0], NULL));
	expect_whole(t);
	dg_reasm_usage(t, &flows, &held);
	CU_ASSERT_EQUAL(flows, 0);
	dg_reasm_free(t);
}

static void
test_reasm_identical_duplicate_held(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(4, 0, VEC_UDP);
	/* The third, inside the first one's bytes, same bytes: a duplicate too. */
	ADD_STEPS(t, 0, 1, {0, 16, true, DG_REASM_HELD}, {0, 16, true, DG_REASM_HELD},
		  {8, 8, true, DG_REASM_HELD}, {16, REST, false, DG_REASM_COMPLETE});
	CU_ASSERT(out_is(&fr[0], &fr[1], &fr[2], &fr[3], NULL));
	CU_ASSERT_FALSE(out.p[0].dup);
	CU_ASSERT_TRUE(out.p[1].dup);
	CU_ASSERT_TRUE(out.p[2].dup);
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_duplicate_other_bytes_discarded(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(4, 0, VEC_UDP);
	ADD_STEPS(t, 0, 1, {0, 16, true, DG_REASM_HELD});
	frag(1, 0, 16, true)->b[ETH + IP4 + 15] ^= 0x20; /* the last byte differs */
	CU_ASSERT_EQUAL(add(t, &fr[1], 1), DG_REASM_DISCARD);
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERLAP);
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	/* The host would restart: the next fragments make a datagram of their own. */
	ADD_STEPS(t, 2, 1, {16, REST, false, DG_REASM_HELD}, {0, 16, true, DG_REASM_COMPLETE});
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_partial_overlap_discarded(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(6, 0, VEC_UDP);
	/* Same bytes, but not inside what is held: the host drops the datagram. */
	ADD_STEPS(t, 0, 1, {0, 16, true, DG_REASM_HELD}, {8, 16, true, DG_REASM_DISCARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERLAP);
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	/* Before the held data, ending inside it. */
	ADD_STEPS(t, 2, 1, {16, REST, false, DG_REASM_HELD}, {8, 16, true, DG_REASM_DISCARD});
	CU_ASSERT(out_is(&fr[2], &fr[3], NULL));
	dg_reasm_free(t);
}

static void
test_reasm_runs_follow_arrival_order(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	make_whole(4, 0, VEC_UDP);
	/* In order, [0,8) and [8,16) make one run: [0,16) is inside it, a duplicate. */
	ADD_STEPS(t, 0, 1, {0, 8, true, DG_REASM_HELD}, {8, 8, true, DG_REASM_HELD},
		  {0, 16, true, DG_REASM_HELD}, {16, REST, false, DG_REASM_COMPLETE});
	expect_whole(t);
	/* [8,16) filled in between [0,8) and [16,24) is a run of its own: [0,16) spans two. */
	ADD_STEPS(t, 4, 1, {0, 8, true, DG_REASM_HELD}, {16, 8, true, DG_REASM_HELD},
		  {8, 8, true, DG_REASM_HELD}, {0, 16, true, DG_REASM_DISCARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERLAP);
	dg_reasm_free(t);
}

static void
test_reasm_bad_lengths_discarded(void)
{
	struct dg_reasm *t = table(64, 64, 1000);
	uint32_t n;

	make_whole(4, 0, VEC_UDP);
	n = payload_len();
	/* Two last fragments that disagree on the length. */
	ADD_STEPS(t, 0, 1, {16, REST, false, DG_REASM_HELD}, {16, n - 24, false, DG_REASM_DISCARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_BAD);
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	/* A fragment past the last one's end. */
	ADD_STEPS(t, 2, 1, {8, 8, false, DG_REASM_HELD}, {16, 8, true, DG_REASM_DISCARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_BAD);
	/* A non-last fragment of under 8 bytes: nothing left once cut. */
	ADD_STEPS(t, 4, 1, {0, 16, true, DG_REASM_HELD}, {16, 7, true, DG_REASM_DISCARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_BAD);
	dg_reasm_free(t);
}

static void
test_reasm_ip4_non_last_cut_to_8(void)
{
	struct dg_reasm *t = table(64, 64, 1000);
	struct dg_reasm_frag rf;
	uint32_t n;

	make_whole(4, 0, VEC_UDP);
	n = payload_len();
	/* 21 bytes, not last: the host keeps 16; the next fragment brings 16 on. */
	frag(0, 0, 21, true)->b[ETH + IP4 + 20] ^= 0xff; /* the dropped byte, changed */
	CU_ASSERT_EQUAL(parse(&fr[0], &rf), 0);
	CU_ASSERT_EQUAL(rf.end, 16);
	CU_ASSERT_EQUAL(add(t, &fr[0], 1), DG_REASM_HELD);
	CU_ASSERT_EQUAL(add(t, frag(1, 16, n - 16, false), 1), DG_REASM_COMPLETE);
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_fragments_the_host_drops_alone(void)
{
	struct dg_reasm_frag rf;

	/* IPv6: not last and not a multiple of 8; a first one without the UDP header. */
	make_whole(6, 0, VEC_UDP);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 20, true), &rf), -EINVAL);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 24, true), &rf), 0);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 0, true), &rf), -EINVAL);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 7, false), &rf), -EINVAL);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 8, true), &rf), 0);
	/* IPv4: not UDP. */
	make_whole(4, 0, VEC_UDP);
	frag(1, 0, 16, true)->b[ETH + 9] = 1;
	CU_ASSERT_EQUAL(parse(&fr[1], &rf), -ENOTSUP);
}

static void
test_reasm_first_fragment_header_chain(void)
{
	struct dg_reasm_frag rf;

	/* Destination Options, then UDP: the first fragment must hold both headers. */
	whole.len = vec_build(whole.b, sizeof(whole.b), VEC_ETH6,
			      VEC_IP6_NH("3c") "11 00 01 04 00000000 ; DSTOPTS: UDP next, PadN",
			      VEC_UDP, VEC_DNS_A, 0, VEC_FIX_ALL);
	l3 = ETH;
	CU_ASSERT_EQUAL(parse(frag(0, 0, 16, true), &rf), 0);
	CU_ASSERT_TRUE(rf.maybe_dns);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 8, true), &rf), -EINVAL);
	/* the UDP port behind the options says no DNS */
	fr[1] = *frag(1, 0, 16, true);
	fr[1].b[ETH + IP6 + FH + 8 + 3] = 123;
	CU_ASSERT_EQUAL(parse(&fr[1], &rf), 0);
	CU_ASSERT_FALSE(rf.maybe_dns);
	/* options cut before their first two bytes: the host cannot follow either, keeps it */
	CU_ASSERT_EQUAL(parse(frag(2, 0, 0, true), &rf), 0);
	CU_ASSERT_TRUE(rf.maybe_dns);
	/* TCP: 20 bytes of header, and no DNS query for us */
	make_whole(6, 0, VEC_UDP);
	frag(3, 0, 16, true)->b[ETH + IP6] = 6;
	CU_ASSERT_EQUAL(parse(&fr[3], &rf), -EINVAL);
	frag(3, 0, 24, true)->b[ETH + IP6] = 6;
	CU_ASSERT_EQUAL(parse(&fr[3], &rf), 0);
	CU_ASSERT_FALSE(rf.maybe_dns);
}

static void
test_reasm_oversized_discarded(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	/* IPv4: a fragment ending at 65515 fits a 20-byte header; one more byte does not. */
	make_whole(4, 0, VEC_UDP);
	CU_ASSERT_EQUAL(add(t, frag(0, 65512, 3, false), 1), DG_REASM_HELD);
	frag(1, 65512, 4, false)->b[ETH + 5] ^= 1; /* another datagram */
	CU_ASSERT_EQUAL(add(t, &fr[1], 1), DG_REASM_DISCARD);
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_BAD);
	dg_reasm_free(t);
}

static void
test_reasm_not_dns_passes(void)
{
	struct dg_reasm *t = table(64, 64, 1000);

	/* UDP to port 123: held until the first fragment shows it, then passed. */
	make_whole(4, 0, "9c 40 00 7b 0000 0000");
	ADD_STEPS(t, 0, 1, {32, REST, false, DG_REASM_HELD}, {0, 16, true, DG_REASM_FORWARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_PASS);
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	/* A duplicate the host ignores passes too. */
	ADD_STEPS(t, 2, 1, {0, 16, true, DG_REASM_FORWARD});
	CU_ASSERT(out_is(&fr[2], NULL));
	/* An overlap passes (the host sees it and drops the datagram), and ends the entry:
	 * what comes next is held again. */
	ADD_STEPS(t, 3, 1, {8, 16, true, DG_REASM_FORWARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_PASS);
	ADD_STEPS(t, 4, 1, {16, 16, true, DG_REASM_HELD});
	dg_reasm_free(t);
}

static int
only_53_2(const struct dg_pkt *p, void *arg)
{
	(void)arg;
	return p->dst_addr[p->addr_len - 1] == 0x53 && p->dst_addr[p->addr_len - 2] == 0;
}

static void
test_reasm_resolver_filter(void)
{
	struct dg_reasm_frag rf;

	make_whole(6, 0, VEC_UDP);
	CU_ASSERT_EQUAL(parse(frag(0, 0, 24, true), &rf), 0);
	CU_ASSERT_TRUE(rf.maybe_dns);
	cfg.dst_filter = only_53_2;
	CU_ASSERT_EQUAL(parse(&fr[0], &rf), 0);
	CU_ASSERT_TRUE(rf.maybe_dns);
	fr[0].b[ETH + 24 + 15] = 0x54;
	CU_ASSERT_EQUAL(parse(&fr[0], &rf), 0);
	CU_ASSERT_FALSE(rf.maybe_dns);
	cfg.dst_filter = NULL;
	/* Not the first fragment: nothing to tell. */
	CU_ASSERT_EQUAL(parse(frag(1, 8, 16, true), &rf), 0);
	CU_ASSERT_FALSE(rf.maybe_dns);
}

static void
test_reasm_timeout_last_tick(void)
{
	struct dg_reasm *t = table(64, 64, 100);
	uint32_t n;

	make_whole(4, 0, VEC_UDP);
	n = payload_len();
	CU_ASSERT_EQUAL(add(t, frag(0, 16, n - 16, false), 1000), DG_REASM_HELD);
	CU_ASSERT_EQUAL(add(t, frag(1, 0, 8, true), 1050), DG_REASM_HELD);
	fr[2] = whole;
	fr[2].b[ETH + 15] ^= 1; /* another source: another datagram, born later */
	fr[2].b[ETH + 6] = 0x20;
	CU_ASSERT_EQUAL(add(t, &fr[2], 1010), DG_REASM_HELD);
	/* One tick before the time runs out: nothing; at it: the oldest, frames in order. */
	CU_ASSERT_FALSE(dg_reasm_expire(t, 1099, &out));
	CU_ASSERT_TRUE(dg_reasm_expire(t, 1100, &out));
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_TIMEOUT);
	CU_ASSERT(out_is(&fr[0], &fr[1], NULL));
	CU_ASSERT_FALSE(dg_reasm_expire(t, 1109, &out));
	CU_ASSERT_TRUE(dg_reasm_flush(t, &out));
	CU_ASSERT(out_is(&fr[2], NULL));
	CU_ASSERT_FALSE(dg_reasm_flush(t, &out));
	dg_reasm_free(t);
}

static void
test_reasm_table_full_overflows(void)
{
	struct dg_reasm *t = table(8, 64, 1000);
	uint32_t flows, held;

	/* One bucket of 8: the ninth datagram is not followed. */
	make_whole(4, 0, VEC_UDP);
	for (unsigned int i = 0; i < 9; i++) {
		frag(i, 0, 16, true)->b[ETH + 5] = (uint8_t)i; /* ID */
		CU_ASSERT_EQUAL(add(t, &fr[i], 1), i < 8 ? DG_REASM_HELD : DG_REASM_FORWARD);
	}
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERFLOW);
	CU_ASSERT(out_is(&fr[8], NULL));
	dg_reasm_usage(t, &flows, &held);
	CU_ASSERT_EQUAL(flows, 8);
	CU_ASSERT_EQUAL(held, 8);
	dg_reasm_free(t);
}

static void
test_reasm_held_budget_overflows(void)
{
	struct dg_reasm *t = table(64, 2, 1000);

	make_whole(4, 0, VEC_UDP);
	ADD_STEPS(t, 0, 1, {0, 8, true, DG_REASM_HELD}, {8, 8, true, DG_REASM_HELD},
		  {16, 8, true, DG_REASM_FORWARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERFLOW);
	CU_ASSERT(out_is(&fr[0], &fr[1], &fr[2], NULL));
	/* Passed undecided from now on, and counted so. */
	ADD_STEPS(t, 3, 1, {24, REST, false, DG_REASM_FORWARD});
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_OVERFLOW);
	dg_reasm_free(t);
}

static void
test_reasm_too_many_fragments_discarded(void)
{
	struct dg_reasm *t = table(64, 1000, 1000);
	unsigned int i;

	make_whole(4, 600, VEC_UDP);
	for (i = 0; i < DG_REASM_FRAGS_MAX; i++)
		CU_ASSERT_EQUAL(add(t, frag(i, i * 8, 8, true), 1), DG_REASM_HELD);
	CU_ASSERT_EQUAL(add(t, frag(i, i * 8, 8, true), 1), DG_REASM_DISCARD);
	CU_ASSERT_EQUAL(out.why, DG_REASM_WHY_TOO_MANY);
	CU_ASSERT_EQUAL(out.n, DG_REASM_FRAGS_MAX + 1);
	dg_reasm_free(t);
}

static void
test_reasm_build_cut_to_room(void)
{
	struct dg_reasm *t = table(64, 64, 1000);
	long len;

	make_whole(4, 100, VEC_UDP);
	ADD_STEPS(t, 0, 1, {0, 64, true, DG_REASM_HELD}, {64, REST, false, DG_REASM_COMPLETE});
	memset(built, 0xee, sizeof(built));
	len = dg_reasm_build(t, &out, built, 80);
	CU_ASSERT_EQUAL(len, (long)whole.len);
	/* 80 bytes written, the 81st untouched; lengths say 80. */
	CU_ASSERT_EQUAL(memcmp(built + ETH + IP4 + 8, whole.b + ETH + IP4 + 8, 80 - ETH - IP4 - 8),
			0);
	CU_ASSERT_EQUAL(built[80], 0xee);
	CU_ASSERT_EQUAL(built[ETH + 2] << 8 | built[ETH + 3], 80 - ETH);
	CU_ASSERT_EQUAL(built[ETH + IP4 + 4] << 8 | built[ETH + IP4 + 5], 80 - ETH - IP4);
	CU_ASSERT_EQUAL(vec_ip4_csum(built + ETH, IP4), built[ETH + 10] << 8 | built[ETH + 11]);
	CU_ASSERT_EQUAL(dg_reasm_build(t, &out, built, ETH + IP4 + 7), -ENOSPC);
	dg_reasm_free(t);
}

static void
test_reasm_pppoe_length_fixed(void)
{
	struct dg_reasm *t = table(64, 64, 1000);
	const char *l2 = "02 00 00 00 00 02 02 00 00 00 00 01 88 64 ; PPPoE session\n"
			 "11 00 0042 0000 0021 ; v1 t1, session 0x42, length, PPP IPv4\n";

	whole.len = vec_build(whole.b, sizeof(whole.b), l2, VEC_IP4, VEC_UDP, VEC_DNS_A, 0,
			      VEC_FIX_ALL);
	l3 = 22;
	put16(whole.b + ETH + 4, whole.len - l3 + 2);
	ADD_STEPS(t, 0, 1, {0, 16, true, DG_REASM_HELD}, {16, REST, false, DG_REASM_COMPLETE});
	expect_whole(t);
	dg_reasm_free(t);
}

static void
test_reasm_create_bounds(void)
{
	struct dg_reasm *t;

	CU_ASSERT_EQUAL(dg_reasm_create(&t, 0, 1, 1, 0, read_frame, NULL), -EINVAL);
	CU_ASSERT_EQUAL(dg_reasm_create(&t, DG_REASM_FLOWS_MAX + 1, 1, 1, 0, read_frame, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(dg_reasm_create(&t, 1, 0, 1, 0, read_frame, NULL), -EINVAL);
	CU_ASSERT_EQUAL(dg_reasm_create(&t, 1, 1, 1, 0, NULL, NULL), -EINVAL);
	CU_ASSERT_EQUAL(dg_reasm_create(&t, DG_REASM_FLOWS_MAX, 1, 1, 0, read_frame, NULL), 0);
	dg_reasm_free(t);
}

DG_TEST_MAIN("reasm",
	DG_TEST(test_reasm_ip4_in_order_and_reversed),
	DG_TEST(test_reasm_ip6_in_order_and_reversed),
	DG_TEST(test_reasm_ip6_atomic_fragment),
	DG_TEST(test_reasm_identical_duplicate_held),
	DG_TEST(test_reasm_duplicate_other_bytes_discarded),
	DG_TEST(test_reasm_partial_overlap_discarded),
	DG_TEST(test_reasm_runs_follow_arrival_order),
	DG_TEST(test_reasm_bad_lengths_discarded),
	DG_TEST(test_reasm_ip4_non_last_cut_to_8),
	DG_TEST(test_reasm_fragments_the_host_drops_alone),
	DG_TEST(test_reasm_first_fragment_header_chain),
	DG_TEST(test_reasm_oversized_discarded),
	DG_TEST(test_reasm_not_dns_passes),
	DG_TEST(test_reasm_resolver_filter),
	DG_TEST(test_reasm_timeout_last_tick),
	DG_TEST(test_reasm_table_full_overflows),
	DG_TEST(test_reasm_held_budget_overflows),
	DG_TEST(test_reasm_too_many_fragments_discarded),
	DG_TEST(test_reasm_build_cut_to_room),
	DG_TEST(test_reasm_pppoe_length_fixed),
	DG_TEST(test_reasm_create_bounds))
