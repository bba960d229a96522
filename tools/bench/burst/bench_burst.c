/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's per-frame work without DPDK, split in its three stages: a capture is
 * replayed in bursts of 32 through dg_pkt_parse_buf() (L2-L4, DNS, qname fold),
 * dg_filter_lookup_bulk() against a blocklist, and, for the listed names, what the
 * worker does before it answers: both checksums verified in software, then the answer
 * forged in place (sinkhole 198.18.255.1 / 2001:2:0:ff::1, EDNS and EDE as configured
 * by default). Each burst is first copied into 2 KiB buffers taken in turn from a pool
 * of 1024, as a PMD writes mbufs; the copy is not timed, the three stages are (TSC).
 * Then the same bursts go through dg_decide_burst(), the decision the worker runs (the
 * stages above plus opt-out, the fail-closed rules, the reflection guard, counters and hit
 * records), timed as a whole. Prints the best of 15 passes (the least disturbed on a
 * shared machine) in cycles per frame.
 *
 *   bench_burst CAPTURE.pcap LIST [FORMAT] [PASSES_OF_BURSTS]
 *
 * LIST is read as FORMAT (dg_list_format_parse(); default domains). The "answer" figure
 * is per frame of the burst, like the others (per answer: divide by the listed share).
 * The rest of the appliance (counters, guard, TX) is not in these figures: see the
 * dnsgate summary's cycles per frame for those.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>

#include "dg_decide.h"
#include "dg_dns.h"
#include "dg_filter.h"
#include "dg_lists.h"
#include "dg_wire.h"

enum { BURST = 32, POOL = 1024, BUF = 2048, HEADROOM = 128, MAX_FRAMES = 1 << 16, PASSES = 15 };

static uint8_t *frames[MAX_FRAMES];
static uint16_t flen[MAX_FRAMES];
static uint8_t pool[POOL][BUF];
static struct dg_pkt pk[BURST];

static unsigned int
load_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned int n = 0;
	pcap_t *pc = pcap_open_offline(path, err);

	if (pc == NULL) {
		fprintf(stderr, "bench_burst: %s\n", err);
		return 0;
	}
	while (n < MAX_FRAMES && pcap_next_ex(pc, &h, &d) == 1) {
		if (h->caplen > BUF - HEADROOM)
			continue;
		frames[n] = malloc(h->caplen);
		if (frames[n] == NULL)
			break;
		memcpy(frames[n], d, h->caplen);
		flen[n++] = (uint16_t)h->caplen;
	}
	pcap_close(pc);
	return n;
}

static int
load_list(const char *path, int fmt, struct dg_filter **f)
{
	struct dg_filter_builder *b;
	struct dg_list_opts o;
	struct dg_list_report rep;
	int rc;

	memset(&o, 0, sizeof(o));
	o.mode = -1;
	o.defaults.action = DG_ACTION_SINKHOLE;
	o.defaults.end_day = UINT32_MAX;
	if (dg_filter_builder_create(&b, 0) != 0)
		return -1;
	rc = dg_lists_load(b, path, (enum dg_list_format)fmt, &o, &rep);
	if (rc == 0)
		rc = dg_filter_build(b, f);
	dg_filter_builder_free(b);
	if (rc == 0) {
		struct dg_filter_info in;

		dg_filter_info(*f, &in);
		dg_filter_bloom_fp(*f, &in);
		printf("list %s: %" PRIu64 " policies; %" PRIu64 " top-set entries (%" PRIu64
		       " crowded zones), Bloom false positives %.3f%% mean\n", path, rep.loaded,
		       in.top_entries, in.crowded_zones, 100 * in.bloom_fp_mean);
	}
	return rc;
}

/* The worker's decision as a whole under @p pol, on the same bursts: best cycles a frame. */
static double
decide_best(const struct dg_decide_policy *polp, const struct dg_pkt_cfg *cfg,
	    const struct dg_answer_cfg *acfg, unsigned int nf, long bursts,
	    struct dg_decide_counters *out)
{
	static struct dg_hit_record recs[DG_DECIDE_BURST_MAX];
	struct dg_decide_counters cnt;
	struct dg_decide_cfg dcfg = { .pkt = *cfg, .answer = *acfg, .log = true };
	struct dg_decide d = { .cfg = &dcfg, .cnt = &cnt, .hits = recs };
	struct dg_decide_policy pol = *polp;
	unsigned int next = 0;
	double best = 0;

	for (int pass = 0; pass < PASSES; pass++) {
		uint64_t t = 0;

		memset(&cnt, 0, sizeof(cnt));
		for (long it = 0; it < bursts; it++) {
			struct dg_frame fr[BURST];
			uint8_t disp[BURST];
			uint64_t t0;

			for (unsigned int i = 0; i < BURST; i++) {
				unsigned int fi = (unsigned int)((it * BURST + i) % nf);

				fr[i] = (struct dg_frame){ .data = pool[next] + HEADROOM,
							   .len = flen[fi], .room = BUF - HEADROOM };
				next = (next + 1) % POOL;
				memcpy(fr[i].data, frames[fi], flen[fi]);
			}
			t0 = rte_rdtsc();
			dg_decide_burst(&d, &pol, t0, fr, BURST, pk, disp);
			t += rte_rdtsc() - t0;
		}
		if (pass == 0 || (double)t / ((double)bursts * BURST) < best)
			best = (double)t / ((double)bursts * BURST);
	}
	*out = cnt;
	return best;
}

static void
bench_decide(const struct dg_filter *f, const struct dg_pkt_cfg *cfg,
	     const struct dg_answer_cfg *acfg, unsigned int nf, long bursts)
{
	struct dg_decide_policy pol = { .filter = f, .today = 20000 };
	struct dg_decide_counters cnt;
	double best = decide_best(&pol, cfg, acfg, nf, bursts, &cnt);

	printf("dg_decide_burst (the worker's decision): %.1f TSC cycles per frame; last pass: "
	       "queries %" PRIu64 ", answered %" PRIu64 ", dropped %" PRIu64 "\n", best,
	       cnt.queries, cnt.answered, cnt.verdict[DG_ACTION_DROP]);
}

/*
 * Quarantine's cost (docs/quarantine.md), as ratios to the decision without it measured
 * here: 4096 quarantined /32s none of the capture's clients is in (every source looked
 * up, none matches), then the same plus 198.18.0.0/20 and 2001:2::/116 (about a sixteenth
 * of pcapgen's clients answered with the walled garden).
 */
static void
bench_quarantine(const struct dg_filter *f, const struct dg_pkt_cfg *cfg,
		 const struct dg_answer_cfg *acfg, unsigned int nf, long bursts)
{
	enum { N = 4096 };
	static struct dg_optout_prefix p[N + 2];
	struct dg_quarantine_cfg qc = { .action = DG_ACTION_SINKHOLE, .n_qtypes = 2,
					.qtypes = { 1, 28 } };
	struct dg_decide_policy pol = { .filter = f, .today = 20000 };
	struct dg_optout *miss = NULL, *some = NULL;
	struct dg_quarantine *q = NULL;
	struct dg_decide_counters c0, c1, c2;
	double base, t1, t2;

	for (unsigned int i = 0; i < N; i++) /* 10.0.0.0/8: not pcapgen's */
		p[i] = (struct dg_optout_prefix){ .family = DG_OPTOUT_V4, .len = 32,
			.addr = { 10, (uint8_t)(i >> 8), (uint8_t)i, 7 } };
	if (dg_optout_prefix_parse("198.18.0.0/20", &p[N], NULL) != 0 ||
	    dg_optout_prefix_parse("2001:2::/116", &p[N + 1], NULL) != 0 ||
	    dg_optout_build(p, N, &miss) != 0 || dg_optout_build(p, N + 2, &some) != 0 ||
	    dg_quarantine_build(&qc, NULL, &q) != 0) {
		fprintf(stderr, "bench_burst: cannot build the quarantine tables\n");
		goto out;
	}
	base = decide_best(&pol, cfg, acfg, nf, bursts, &c0);
	pol.quarantine = q;
	pol.quar_prefixes = miss;
	t1 = decide_best(&pol, cfg, acfg, nf, bursts, &c1);
	pol.quar_prefixes = some;
	t2 = decide_best(&pol, cfg, acfg, nf, bursts, &c2);
	printf("quarantine: no prefix %.1f cycles per frame (1.00); %u prefixes, no client in "
	       "them %.1f (%.2f); %u + 2 covering %.1f%% of the queries %.1f (%.2f)\n", base,
	       N, t1, t1 / base, N, c2.queries ? 100.0 * (double)c2.quarantined /
	       (double)c2.queries : 0.0, t2, t2 / base);
out:
	dg_optout_free(miss);
	dg_optout_free(some);
	dg_quarantine_free(q);
}

int
main(int argc, char **argv)
{
	struct dg_pkt_cfg cfg;
	struct dg_answer_cfg acfg;
	struct dg_filter *f = NULL;
	const struct dg_name *names[BURST];
	struct dg_match m[BURST];
	double best = 0, best_parse = 0, best_lookup = 0, best_answer = 0;
	uint64_t answerable = 0, hits = 0, answered = 0;
	unsigned int nf, next = 0, fmt;
	long bursts;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_burst CAPTURE.pcap LIST [FORMAT] [BURSTS]\n");
		return 2;
	}
	fmt = argc > 3 ? (unsigned int)dg_list_format_parse(argv[3]) : DG_LIST_DOMAINS;
	bursts = argc > 4 ? atol(argv[4]) : 3000;
	nf = load_pcap(argv[1]);
	if (nf == 0 || (int)fmt < 0 || bursts <= 0 || load_list(argv[2], (int)fmt, &f) != 0) {
		fprintf(stderr, "bench_burst: cannot load the capture or the list\n");
		return 1;
	}
	dg_pkt_cfg_init(&cfg);
	dg_answer_cfg_init(&acfg);
	acfg.sinkhole4_set = acfg.sinkhole6_set = true;
	memcpy(acfg.sinkhole4, (const uint8_t[]){ 198, 18, 255, 1 }, 4);
	memcpy(acfg.sinkhole6, (const uint8_t[]){ 0x20, 0x01, 0, 2, 0, 0, 0, 0xff, 0, 0, 0, 0,
						 0, 0, 0, 1 }, 16);
	for (int pass = 0; pass < PASSES; pass++) {
		uint64_t t_parse = 0, t_lookup = 0, t_answer = 0, frames_done = 0;

		answerable = hits = answered = 0;
		for (long it = 0; it < bursts; it++) {
			uint8_t *bp[BURST];
			unsigned int fi[BURST], idx[BURST], k = 0;
			uint64_t t0, t1, t2, t3;

			for (unsigned int i = 0; i < BURST; i++) {
				fi[i] = (unsigned int)((it * BURST + i) % nf);
				bp[i] = pool[next] + HEADROOM;
				next = (next + 1) % POOL;
				memcpy(bp[i], frames[fi[i]], flen[fi[i]]);
			}
			t0 = rte_rdtsc();
			for (unsigned int i = 0; i < BURST; i++) {
				/* checksums left to the NIC, as the appliance does on the miss path */
				if (dg_pkt_parse_buf(bp[i], flen[fi[i]], BUF - HEADROOM, &cfg,
						     DG_PKT_HINT_IP4_CSUM_GOOD |
						     DG_PKT_HINT_L4_CSUM_GOOD, &pk[i]) == DG_FWD_NONE) {
					idx[k] = i;
					names[k++] = &pk[i].qname;
				}
			}
			t1 = rte_rdtsc();
			hits += dg_filter_lookup_bulk(f, names, k, 20000, m);
			t2 = rte_rdtsc();
			for (unsigned int j = 0; j < k; j++) {
				const struct dg_pkt *q = &pk[idx[j]];
				uint8_t *fr = bp[idx[j]];
				size_t out_len;

				if (m[j].meta == NULL || !dg_wire_ip4_csum_ok(fr, q) ||
				    !dg_wire_udp_csum_ok(fr, BUF - HEADROOM, q))
					continue;
				answered += dg_dns_forge(fr, BUF - HEADROOM, q, DG_ANSWER_SINKHOLE,
							 &acfg, &out_len) == 0;
			}
			t3 = rte_rdtsc();
			t_parse += t1 - t0;
			t_lookup += t2 - t1;
			t_answer += t3 - t2;
			answerable += k;
			frames_done += BURST;
		}
		if (pass == 0 || (double)(t_parse + t_lookup + t_answer) / frames_done < best) {
			best = (double)(t_parse + t_lookup + t_answer) / frames_done;
			best_parse = (double)t_parse / frames_done;
			best_lookup = (double)t_lookup / frames_done;
			best_answer = (double)t_answer / frames_done;
		}
	}
	printf("%u frames, %ld bursts of %d a pass, best of %d passes: answerable queries %.1f%%, "
	       "listed %.1f%%, answered %.1f%%\n", nf, bursts, BURST, PASSES,
	       100.0 * (double)answerable / ((double)bursts * BURST),
	       answerable ? 100.0 * (double)hits / (double)answerable : 0.0,
	       100.0 * (double)answered / ((double)bursts * BURST));
	printf("TSC cycles per frame: parse %.1f, lookup %.1f, answer %.1f, total %.1f\n",
	       best_parse, best_lookup, best_answer, best);
	bench_decide(f, &cfg, &acfg, nf, bursts);
	bench_quarantine(f, &cfg, &acfg, nf, bursts);
	dg_filter_free(f);
	return 0;
}
