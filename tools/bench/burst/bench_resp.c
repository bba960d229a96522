/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of response policy, without DPDK's PMDs: bursts of 32 frames of one kind,
 * copied into 2 KiB buffers taken in turn from a pool of 1024 (as a PMD writes mbufs; the
 * copy is not timed), through the decision the worker runs (TSC around the call):
 *  - benign queries (subscriber side, dg_decide_burst()): the baseline;
 *  - network side, dg_decide_net_burst(): TCP/443 segments and UDP/443 datagrams (what
 *    most of a link is: rejected before any parse), responses with one A record,
 *    responses with a CNAME chain (2 CNAMEs and an A, none listed), responses whose
 *    CNAME target is listed (rewritten into the sinkhole answer), and responses with one
 *    A record checked against a response-IP list (not listed);
 *  - the one-A and the chain responses read from a tracked TCP/53 flow (bench_tcp()).
 * The list is LIST (domains format, `-` for none) or, without it, 100000 generated
 * names; tracker.test (subtree, sinkhole) is added either way. The response-IP list is IPS
 * or, without it, 59510 generated IPv4 host routes. Prints the best of 15 passes in cycles
 * per frame and as a ratio to the benign query in the same run.
 *
 *   bench_resp [LIST|-] [BURSTS] [IPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "dg_decide.h"
#include "dg_lists.h"
#include "dg_tcp.h"
#include "dg_wire.h"

enum { BURST = 32, POOL = 1024, BUF = 2048, HEADROOM = 128, PASSES = 15, KINDS = 7 };

static uint8_t pool[POOL][BUF];
static struct dg_pkt pk[BURST];

/* A frame: Ethernet, IPv4 198.18.0.1 <-> 198.18.0.2, UDP or TCP, checksums computed. */
static size_t
frame(uint8_t *f, uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t n)
{
	const size_t l4 = proto == 6 ? 20 : 8;
	uint8_t *ip = f + 14, *t = ip + 20;
	uint64_t sum;
	uint16_t c;

	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	dg_wire_put_u16(ip + 2, (uint16_t)(20 + l4 + n));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, sport == 53 ? "\xc6\x12\0\x01\xc6\x12\0\x02" : "\xc6\x12\0\x02\xc6\x12\0\x01",
	       8);
	c = dg_wire_csum_final(dg_wire_csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	memset(t, 0, l4);
	dg_wire_put_u16(t, sport);
	dg_wire_put_u16(t + 2, dport);
	if (proto == 6) {
		t[12] = 0x50;
		t[13] = 0x18;
	} else {
		dg_wire_put_u16(t + 4, (uint16_t)(8 + n));
	}
	memcpy(t + l4, pl, n);
	sum = dg_wire_csum_pseudo(ip + 12, ip + 16, 4, proto, (uint16_t)(l4 + n));
	c = dg_wire_csum_final(dg_wire_csum_add(sum, t, l4 + n));
	memcpy(t + (proto == 6 ? 16 : 6), &c, 2);
	return 14 + 20 + l4 + n;
}

static const char *const kind_name[KINDS] = {
	"benign query (subscriber side, the baseline)",
	"network side: TCP/443 segment",
	"network side: UDP/443 datagram",
	"network side: response, one A",
	"network side: response, CNAME chain, not listed",
	"network side: response, CNAME to a listed name (rewritten)",
	"network side: response, one A, response-IP list (not listed)",
};

static uint8_t proto_[KINDS], msg_[KINDS][1400]; /* zeroed: payload past a header */
static uint16_t sp_[KINDS], dp_[KINDS];
static size_t mlen_[KINDS];

static void
kinds(void)
{
	static const uint8_t q[] = "\xab\xcd\x01\x00\0\x01\0\0\0\0\0\0\x03www\x07" "example\x03org\0\0\x01\0\x01";
	static const uint8_t a[] = "\xab\xcd\x81\x80\0\x01\0\x01\0\0\0\0\x03www\x07" "example\x03org\0\0\x01\0\x01"
		"\xc0\x0c\0\x01\0\x01\0\0\0\x3c\0\x04\xc6\x12\x07\x07";
	static const uint8_t chain[] = "\xab\xcd\x81\x80\0\x01\0\x03\0\0\0\0\x03www\x07" "example\x03org\0\0\x01\0\x01"
		"\xc0\x0c\0\x05\0\x01\0\0\x01\x2c\0\x0f\x03" "cdn\x04" "good\x04" "test\0"
		"\xc0\x2d\0\x05\0\x01\0\0\x01\x2c\0\x07\x04" "edge\xc0\x31"
		"\xc0\x48\0\x01\0\x01\0\0\0\x3c\0\x04\xc6\x12\x07\x07";
	static const uint8_t listed[] = "\xab\xcd\x81\x80\0\x01\0\x02\0\0\0\0\x03www\x07" "example\x03org\0\0\x01\0\x01"
		"\xc0\x0c\0\x05\0\x01\0\0\x01\x2c\0\x12\x03" "cdn\x07" "tracker\x04" "test\0"
		"\xc0\x2d\0\x01\0\x01\0\0\0\x3c\0\x04\xc6\x12\x07\x07";
	static const uint8_t tls[] = "\x16\x03\x01\x00\x40"; /* a record header and more */

	proto_[0] = 17, sp_[0] = 40000, dp_[0] = 53, memcpy(msg_[0], q, mlen_[0] = sizeof(q) - 1);
	proto_[1] = 6, sp_[1] = 443, dp_[1] = 40000, memcpy(msg_[1], tls, 5), mlen_[1] = 200;
	proto_[2] = 17, sp_[2] = 443, dp_[2] = 40000, memcpy(msg_[2], tls, 5), mlen_[2] = 1200;
	proto_[3] = 17, sp_[3] = 53, dp_[3] = 40000, memcpy(msg_[3], a, mlen_[3] = sizeof(a) - 1);
	proto_[4] = 17, sp_[4] = 53, dp_[4] = 40000;
	memcpy(msg_[4], chain, mlen_[4] = sizeof(chain) - 1);
	proto_[5] = 17, sp_[5] = 53, dp_[5] = 40000;
	memcpy(msg_[5], listed, mlen_[5] = sizeof(listed) - 1);
	proto_[6] = 17, sp_[6] = 53, dp_[6] = 40000, memcpy(msg_[6], a, mlen_[6] = sizeof(a) - 1);
}

static double
bench(int k, const struct dg_filter *flt, const struct dg_respip *ips, long bursts,
      struct dg_decide_counters *cnt)
{
	static struct dg_hit_record recs[DG_DECIDE_BURST_MAX];
	struct dg_decide_cfg dcfg = { .log = true, .responses = true };
	struct dg_decide d = { .cfg = &dcfg, .cnt = cnt, .hits = recs };
	struct dg_decide_policy pol = { .filter = flt, .today = 20000,
					.respip = k == 6 ? ips : NULL };
	uint8_t f[BUF];
	size_t n = frame(f, proto_[k], sp_[k], dp_[k], msg_[k], mlen_[k]);
	unsigned int next = 0;
	double best = 0;

	dg_pkt_cfg_init(&dcfg.pkt);
	dg_answer_cfg_init(&dcfg.answer);
	dcfg.answer.sinkhole4_set = true;
	memcpy(dcfg.answer.sinkhole4, "\xc6\x12\xff\x01", 4);
	for (int pass = 0; pass < PASSES; pass++) {
		uint64_t t = 0;

		memset(cnt, 0, sizeof(*cnt));
		for (long it = 0; it < bursts; it++) {
			struct dg_frame fr[BURST];
			uint8_t disp[BURST];
			uint64_t t0;

			for (unsigned int i = 0; i < BURST; i++) {
				fr[i] = (struct dg_frame){ .data = pool[next] + HEADROOM,
							   .len = (uint32_t)n, .room = BUF - HEADROOM };
				next = (next + 1) % POOL;
				memcpy(fr[i].data, f, n);
			}
			t0 = rte_rdtsc();
			if (k == 0)
				dg_decide_burst(&d, &pol, t0, fr, BURST, pk, disp);
			else
				dg_decide_net_burst(&d, &pol, t0, fr, BURST, disp);
			t += rte_rdtsc() - t0;
		}
		if (pass == 0 || (double)t / ((double)bursts * BURST) < best)
			best = (double)t / ((double)bursts * BURST);
	}
	return best;
}

/*
 * A response read from a tracked TCP/53 flow, as the worker reads a server segment
 * (dg_filtering_net()): L2-L4 parse, TCP header (checksums hinted good, as with NIC
 * offload), dg_tcp_server_read(), then dg_decide_resp_msg() for each message. Every
 * segment carries one length-prefixed response at the flow's next sequence number.
 */
static double
bench_tcp(int k, const struct dg_filter *flt, long bursts, struct dg_decide_counters *cnt)
{
	static struct dg_hit_record recs[DG_DECIDE_BURST_MAX];
	static struct dg_tcp_msgs m;
	static uint8_t ans[BUF];
	struct dg_decide_cfg dcfg = { .log = true, .responses = true };
	struct dg_decide d = { .cfg = &dcfg, .cnt = cnt, .hits = recs };
	struct dg_decide_policy pol = { .filter = flt, .today = 20000 };
	const unsigned int hints = DG_PKT_HINT_IP4_CSUM_GOOD | DG_PKT_HINT_L4_CSUM_GOOD;
	struct dg_pkt_cfg pc = DG_PKT_CFG_DEFAULT;
	struct dg_tcp_table *t;
	struct dg_tcp_seg sg;
	struct dg_pkt p;
	uint8_t f[BUF], pl[1402];
	size_t n;
	uint32_t s_next = 5001;
	unsigned int next = 0;
	double best = 0;

	dg_pkt_cfg_init(&dcfg.pkt);
	dg_answer_cfg_init(&dcfg.answer);
	if (dg_tcp_create(&t, 64, UINT64_MAX / 2) != 0)
		return 0;
	/* the handshake: the client's SYN, the server's SYN-ACK */
	n = frame(f, 6, 40000, 53, NULL, 0);
	f[47] = 0x02;
	dg_wire_put_u32(f + 38, 1000);
	dg_wire_parse_l2l4(f, n, &pc, hints, &p);
	if (dg_tcp_seg_parse(f, n, &p, hints, &sg) != 0)
		return 0;
	dg_tcp_client(t, f, &p, &sg, 1, &m);
	n = frame(f, 6, 53, 40000, NULL, 0);
	f[47] = 0x12;
	dg_wire_put_u32(f + 38, 5000);
	dg_wire_put_u32(f + 42, 1001);
	dg_wire_parse_l2l4(f, n, &pc, hints, &p);
	if (dg_tcp_seg_parse(f, n, &p, hints, &sg) != 0)
		return 0;
	dg_tcp_server(t, f, &p, &sg, 1);
	dg_wire_put_u16(pl, (uint16_t)mlen_[k]);
	memcpy(pl + 2, msg_[k], mlen_[k]);
	n = frame(f, 6, 53, 40000, pl, mlen_[k] + 2);
	dg_wire_put_u32(f + 42, 1001);
	for (int pass = 0; pass < PASSES; pass++) {
		uint64_t tt = 0;

		memset(cnt, 0, sizeof(*cnt));
		for (long it = 0; it < bursts; it++) {
			uint8_t *fr[BURST];
			uint64_t t0;

			for (unsigned int i = 0; i < BURST; i++) {
				fr[i] = pool[next] + HEADROOM;
				next = (next + 1) % POOL;
				memcpy(fr[i], f, n);
				dg_wire_put_u32(fr[i] + 38, s_next);
				s_next += (uint32_t)(mlen_[k] + 2);
			}
			t0 = rte_rdtsc();
			for (unsigned int i = 0; i < BURST; i++) {
				struct dg_frame df = { .data = fr[i], .len = (uint32_t)n,
						       .room = (uint32_t)n };
				size_t alen;

				dg_wire_parse_l2l4(fr[i], n, &pc, hints, &p);
				if (dg_tcp_seg_parse(fr[i], n, &p, hints, &sg) != 0 ||
				    dg_tcp_server_read(t, fr[i], &p, &sg, 1, &m) != DG_TCP_MESSAGES)
					continue;
				for (unsigned int j = 0; j < m.n; j++)
					dg_decide_resp_msg(&d, &pol, t0, &df, &p, m.msg[j].data,
							   m.msg[j].len, ans, sizeof(ans), &alen);
			}
			tt += rte_rdtsc() - t0;
		}
		if (pass == 0 || (double)tt / ((double)bursts * BURST) < best)
			best = (double)tt / ((double)bursts * BURST);
	}
	dg_tcp_free(t);
	return best;
}

int
main(int argc, char **argv)
{
	const struct dg_entry_meta ipd = { .action = DG_ACTION_SINKHOLE, .end_day = UINT32_MAX };
	struct dg_decide_counters cnt;
	struct dg_filter_builder *b;
	struct dg_respip *ips = NULL;
	struct dg_filter *flt;
	long bursts = argc > 2 ? atol(argv[2]) : 2000;
	struct dg_name n;
	double base = 0;

	if (dg_filter_builder_create(&b, 1 << 17) != 0)
		return 1;
	if (argc > 1 && strcmp(argv[1], "-") != 0) {
		if (dg_lists_load(b, argv[1], DG_LIST_DOMAINS, NULL, NULL) != 0) {
			fprintf(stderr, "bench_resp: cannot load %s\n", argv[1]);
			return 1;
		}
	} else {
		for (unsigned int i = 0; i < 100000; i++) {
			char s[64];
			int len = snprintf(s, sizeof(s), "host%u.domain%u.example", i, i % 997);

			if (dg_name_from_text(&n, s, (size_t)len) == 0)
				dg_filter_builder_add(b, &n, &(struct dg_entry_meta){
					.action = DG_ACTION_SINKHOLE, .mode = DG_MATCH_SUBTREE,
					.end_day = DG_FILTER_DAY_OPEN_END });
		}
	}
	dg_name_from_text(&n, "tracker.test", 12);
	dg_filter_builder_add(b, &n, &(struct dg_entry_meta){ .action = DG_ACTION_SINKHOLE,
		.mode = DG_MATCH_SUBTREE, .end_day = DG_FILTER_DAY_OPEN_END });
	if (dg_filter_build(b, &flt) != 0)
		return 1;
	dg_filter_builder_free(b);
	if (argc > 3) {
		if (dg_respip_load(argv[3], &ipd, &ips, NULL, NULL, 0) != 0)
			return 1;
	} else {
		char *text = NULL;
		size_t tl = 0;
		FILE *g = open_memstream(&text, &tl);
		uint32_t x = 2463534242u;

		for (unsigned int i = 0; i < 59510; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift */
			fprintf(g, "%u.%u.%u.%u\n", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
		}
		fclose(g);
		g = fmemopen(text, tl, "r");
		if (dg_respip_load_stream(g, "generated", &ipd, &ips, NULL, NULL, 0) != 0)
			return 1;
		fclose(g);
		free(text);
	}
	printf("response-IP list: %zu prefixes\n", dg_respip_count(ips));
	kinds();
	printf("bursts of %d, %ld a pass, best of %d passes; TSC cycles per frame:\n", BURST,
	       bursts, PASSES);
	for (int k = 0; k < KINDS; k++) {
		double c = bench(k, flt, ips, bursts, &cnt);

		if (k == 0)
			base = c;
		printf("  %-60s %7.1f  (x%.2f)  inspected %llu rewritten %llu\n", kind_name[k], c,
		       c / base, (unsigned long long)cnt.resp_inspected,
		       (unsigned long long)cnt.resp_rewritten);
	}
	for (int k = 3; k <= 4; k++) {
		double c = bench_tcp(k, flt, bursts, &cnt);

		printf("  TCP/53 %-53s %7.1f  (x%.2f)  inspected %llu rewritten %llu\n",
		       kind_name[k] + strlen("network side: "), c, c / base,
		       (unsigned long long)cnt.resp_inspected,
		       (unsigned long long)cnt.resp_rewritten);
	}
	dg_filter_free(flt);
	dg_respip_free(ips);
	return 0;
}
