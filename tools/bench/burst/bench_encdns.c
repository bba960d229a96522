/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What encrypted-DNS inspection costs the worker, in bench_burst's manner: frames are
 * copied burst by burst into 2 KiB buffers taken in turn from a pool (as a PMD writes
 * mbufs; not timed), then dg_decide_burst() runs on them (timed, TSC), best of 15 passes,
 * in cycles per frame. Three populations, each with [intercept] dot, doq, doh = count and
 * the DoH lists loaded, and with all of it off:
 *  - TCP/443 first client segments: TLS ClientHellos (one record, GREASE, a 32-byte key
 *    share, as curl and most libraries send them) whose SNI is a name of NAMES (real
 *    resolver traffic), every 64th one a listed DoH endpoint, to unlisted addresses;
 *  - TCP/443 later segments (application data records): what most of port 443 is;
 *  - the DNS queries of CAPTURE (e.g. tools/bench/run.sh's benign mix), against LIST (with
 *    the canary entries added when inspected).
 *
 *   bench_encdns DOH_NAMES DOH_ADDRESSES NAMES.csv [CAPTURE.pcap LIST] [BURSTS]
 *
 * NAMES.csv: one name a line after a header line (Cloudflare Radar's format).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>

#include "dg_decide.h"
#include "dg_lists.h"
#include "dg_wire.h"
#include "tls_build.h"

enum { BURST = 32, POOL = 1024, BUF = 2048, HEADROOM = 128, NFRAMES = 4096, PASSES = 15 };

struct set {
	const char *what;
	unsigned int n;
	uint8_t *frame[NFRAMES];
	uint16_t len[NFRAMES];
};

static uint8_t pool[POOL][BUF];

static void
add(struct set *s, const uint8_t *f, size_t len)
{
	if (s->n == NFRAMES || len > BUF - HEADROOM)
		return;
	s->frame[s->n] = malloc(len);
	if (s->frame[s->n] == NULL)
		exit(1);
	memcpy(s->frame[s->n], f, len);
	s->len[s->n++] = (uint16_t)len;
}

/* An IPv4 TCP segment 198.18.0.1:40000 -> 198.18.100.N:443 with @p pl. */
static size_t
tcp443(uint8_t *f, unsigned int i, const uint8_t *pl, size_t plen)
{
	static const uint8_t hdr[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	uint8_t *ip = f + 14, *t = ip + 20;
	uint16_t c;

	memcpy(f, hdr, sizeof(hdr));
	memset(ip, 0, 40);
	ip[0] = 0x45;
	dg_wire_put_u16(ip + 2, (uint16_t)(40 + plen));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(ip + 16, (const uint8_t[]){ 198, 18, 100, (uint8_t)(1 + i % 250) }, 4);
	c = dg_wire_csum_final(dg_wire_csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	dg_wire_put_u16(t, (uint16_t)(40000 + i % 20000));
	dg_wire_put_u16(t + 2, 443);
	dg_wire_put_u32(t + 4, 1000 + i);
	dg_wire_put_u32(t + 8, 5000 + i);
	t[12] = 0x50;
	t[13] = 0x18;
	dg_wire_put_u16(t + 14, 64240);
	memcpy(t + 20, pl, plen);
	c = dg_wire_csum_final(dg_wire_csum_add(dg_wire_csum_pseudo(ip + 12, ip + 16, 4, 6,
								   (uint32_t)(20 + plen)),
						t, 20 + plen));
	memcpy(t + 16, &c, 2);
	return 14 + 40 + plen;
}

static void
load_hellos(struct set *hello, struct set *data, const char *csv)
{
	static const char *const doh[] = { "dns.google", "cloudflare-dns.com", "dns.quad9.net" };
	uint8_t rec[2048], f[2048];
	char line[512];
	struct tlb_hello h;
	unsigned int i = 0;
	FILE *in = fopen(csv, "r");

	if (in == NULL || fgets(line, sizeof(line), in) == NULL) {
		fprintf(stderr, "bench_encdns: cannot read %s\n", csv);
		exit(1);
	}
	while (hello->n < NFRAMES && fgets(line, sizeof(line), in) != NULL) {
		line[strcspn(line, "\r\n,")] = '\0';
		tlb_hello_init(&h, i % 64 == 63 ? doh[i / 64 % 3] : line);
		h.grease = true;
		h.key_share = 32;
		add(hello, f, tcp443(f, i, rec, tlb_hello_record(rec, sizeof(rec), &h)));
		memset(rec, 0x17, 5 + 80 + i % 900);
		rec[1] = 3;
		rec[2] = 3;
		add(data, f, tcp443(f, i, rec, 5 + 80 + i % 900));
		i++;
	}
	fclose(in);
}

static void
load_pcap(struct set *s, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(path, err);

	if (pc == NULL) {
		fprintf(stderr, "bench_encdns: %s\n", err);
		exit(1);
	}
	while (pcap_next_ex(pc, &h, &d) == 1)
		add(s, d, h->caplen);
	pcap_close(pc);
}

static struct dg_filter *
load_list(const char *path, bool canary)
{
	struct dg_filter_builder *b;
	struct dg_filter *f = NULL;
	struct dg_list_opts o;

	dg_list_opts_init(&o);
	o.defaults.action = DG_ACTION_SINKHOLE;
	o.defaults.end_day = UINT32_MAX;
	o.report = NULL;
	if (dg_filter_builder_create(&b, 0) != 0 || dg_lists_load(b, path, DG_LIST_DOMAINS, &o,
								   NULL) != 0 ||
	    (canary && dg_encdns_canary_add(b) != 0) || dg_filter_build(b, &f) != 0) {
		fprintf(stderr, "bench_encdns: cannot load %s\n", path);
		exit(1);
	}
	dg_filter_builder_free(b);
	return f;
}

/*
 * Best of PASSES: TSC cycles per frame of dg_decide_burst() over @p s, with @p t (NULL:
 * encrypted DNS and the canary off).
 */
static double
run(const struct set *s, const struct dg_encdns *t, const struct dg_filter *list, long bursts,
    struct dg_encdns_counters *ec, uint64_t *queries)
{
	static struct dg_hit_record recs[DG_DECIDE_BURST_MAX];
	static uint64_t ep[1 << 17];
	struct dg_decide_counters cnt;
	struct dg_decide_cfg cfg = { .encdns = t, .canary = t != NULL };
	struct dg_decide d = { .cfg = &cfg, .cnt = &cnt, .hits = recs, .ecnt = ec, .ep_hits = ep };
	struct dg_decide_policy pol = { .filter = list, .today = 20000 };
	unsigned int next = 0;
	double best = 0;

	dg_pkt_cfg_init(&cfg.pkt);
	dg_answer_cfg_init(&cfg.answer);
	for (int pass = 0; pass < PASSES; pass++) {
		uint64_t tsc = 0;

		memset(&cnt, 0, sizeof(cnt));
		memset(ec, 0, sizeof(*ec));
		for (long it = 0; it < bursts; it++) {
			struct dg_frame fr[BURST];
			struct dg_pkt pk[BURST];
			uint8_t disp[BURST];
			uint64_t t0;

			for (unsigned int i = 0; i < BURST; i++) {
				unsigned int fi = (unsigned int)((it * BURST + i) % s->n);

				fr[i] = (struct dg_frame){ .data = pool[next] + HEADROOM,
							   .len = s->len[fi], .room = BUF - HEADROOM };
				next = (next + 1) % POOL;
				memcpy(fr[i].data, s->frame[fi], s->len[fi]);
			}
			t0 = rte_rdtsc();
			dg_decide_burst(&d, &pol, t0, fr, BURST, pk, disp);
			tsc += rte_rdtsc() - t0;
		}
		if (pass == 0 || (double)tsc / ((double)bursts * BURST) < best)
			best = (double)tsc / ((double)bursts * BURST);
	}
	*queries = cnt.queries;
	return best;
}

int
main(int argc, char **argv)
{
	static struct set hello = { .what = "TCP/443 first segments (ClientHello)" };
	static struct set data = { .what = "TCP/443 later segments (application data)" };
	static struct set dns = { .what = "DNS queries of the capture" };
	const uint8_t modes[DG_ENCDNS__PROTO] = { DG_ENCDNS_COUNT, DG_ENCDNS_COUNT, DG_ENCDNS_COUNT };
	struct dg_encdns_counters ec;
	struct dg_filter *list = NULL, *list_canary = NULL;
	struct dg_encdns *t;
	struct set *sets[3] = { &hello, &data, &dns };
	char err[512];
	long bursts;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_encdns DOH_NAMES DOH_ADDRESSES NAMES.csv "
			"[CAPTURE.pcap LIST] [BURSTS]\n");
		return 2;
	}
	bursts = argc > 6 ? atol(argv[6]) : argc == 5 ? atol(argv[4]) : 3000;
	if (dg_encdns_load(&t, modes, argv[1], argv[2], NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_encdns: %s\n", err);
		return 1;
	}
	load_hellos(&hello, &data, argv[3]);
	if (argc > 5) {
		load_pcap(&dns, argv[4]);
		list = load_list(argv[5], false);
		list_canary = load_list(argv[5], true);
	}
	printf("DoH lists: %u names, %u addresses; %ld bursts of %d a pass, best of %d\n",
	       t->n_names, t->n_addrs, bursts, BURST, PASSES);
	for (int i = 0; i < 3; i++) {
		uint64_t q_off, q_on;
		double on, off;

		if (sets[i]->n == 0)
			continue;
		off = run(sets[i], NULL, list, bursts, &ec, &q_off);
		on = run(sets[i], t, list_canary, bursts, &ec, &q_on);
		printf("%-44s %5u frames: %6.1f cycles a frame inspected, %6.1f off (%+.1f)\n",
		       sets[i]->what, sets[i]->n, on, off, on - off);
		if (i == 2)
			printf("  last pass: queries decided %" PRIu64 " inspected, %" PRIu64
			       " off\n", q_on, q_off);
		if (i == 0)
			printf("  last pass: tls_hello %" PRIu64 ", doh_sni %" PRIu64 ", tls_no_sni %"
			       PRIu64 "\n", ec.c[DG_ENCDNS_C_TLS_HELLO], ec.c[DG_ENCDNS_C_DOH_SNI],
			       ec.c[DG_ENCDNS_C_TLS_NO_SNI]);
	}
	dg_encdns_free(t);
	dg_filter_free(list);
	dg_filter_free(list_canary);
	return 0;
}
