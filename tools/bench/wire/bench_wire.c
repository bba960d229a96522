/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the per-frame CPU cost in lib/wire + lib/dns, one core, no NIC:
 *   parse+decide  benign queries: dg_pkt_parse() (all checksums verified in software),
 *                 then the qname and each parent compared with a 2-entry list (a stand-in
 *                 for the filter; the real Bloom probe is not in this number).
 *   parse+forge   a blocked query: copy the query into the buffer (forging is in place),
 *                 dg_pkt_parse(), dg_dns_forge() sinkhole A with EDNS + EDE.
 * Queries are IPv4/UDP with an OPT record. With DG_SHARED_DATA set, the benign names are
 * the first 4096 of the Cloudflare Radar list; otherwise 16 built-in names.
 * Usage: bench_wire [iterations]   (default 10000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_dns.h"
#include "dg_wire.h"

enum { MAX_NAMES = 4096, FRAME_MAX = 384 };

struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

static struct frame frames[MAX_NAMES];
static unsigned int nframes;

static const char *const builtin[] = {
	"www.google.com", "clients1.google.com", "graph.facebook.com", "www.amazon.co.jp",
	"edge-mqtt.facebook.com", "api.twitter.com", "s3.amazonaws.com", "www.iij.ad.jp",
	"time.apple.com", "login.microsoftonline.com", "cdn.jsdelivr.net", "a.b.c.example.org",
	"ocsp.digicert.com", "www.youtube.com", "dns.google", "connectivitycheck.gstatic.com",
};

/* Ethernet + IPv4 + UDP + DNS query (A, RD, EDNS 1232) for @p name, checksums set. */
static int
build(struct frame *f, const char *name)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	uint8_t *ip = f->b + 14, *udp = ip + 20, *dns = udp + 8;
	struct dg_name n;
	size_t dlen, i;
	uint16_t c;

	if (dg_name_from_text(&n, name, strlen(name)) != 0 || 14 + 28 + 12 + n.len + 15 > FRAME_MAX)
		return -1;
	memset(f->b, 0, FRAME_MAX);
	memcpy(f->b, eth, 14);
	memcpy(dns, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01", 12);
	memcpy(dns + 12, n.wire, n.len);
	/* Clients send mixed case sometimes (0x20): make the parser fold it. */
	for (i = 12; i < 12u + n.len; i += 3)
		if (dns[i] >= 'a' && dns[i] <= 'z')
			dns[i] ^= 0x20;
	dg_wire_put_u16(dns + 12 + n.len, 1);
	dg_wire_put_u16(dns + 14 + n.len, 1);
	memcpy(dns + 16 + n.len, opt, sizeof(opt));
	dlen = 12 + n.len + 4 + sizeof(opt);
	ip[0] = 0x45;
	dg_wire_put_u16(ip + 2, (uint16_t)(28 + dlen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xc6\x12\x00\x01\xc6\x12\x00\x35", 8);
	c = dg_wire_csum_final(dg_wire_csum_add(0, ip, 20));
	memcpy(ip + 10, &c, 2);
	dg_wire_put_u16(udp, 40000);
	dg_wire_put_u16(udp + 2, 53);
	dg_wire_put_u16(udp + 4, (uint16_t)(8 + dlen));
	c = dg_wire_csum_final(dg_wire_csum_add(dg_wire_csum_pseudo(ip + 12, ip + 16, 4, 17, 8 + dlen),
						udp, 8 + dlen));
	memcpy(udp + 6, &c, 2);
	f->len = (uint16_t)(42 + dlen);
	return 0;
}

static void
load_names(void)
{
	const char *dir = getenv("DG_SHARED_DATA");
	char path[4096], line[512];
	FILE *fp = NULL;
	unsigned int i;

	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/names/cloudflare-radar-top100k.2024-01-22_29.csv", dir);
		fp = fopen(path, "r");
	}
	if (fp != NULL) {
		while (nframes < MAX_NAMES && fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (strcmp(line, "domain") == 0 || line[0] == '\0')
				continue;
			if (build(&frames[nframes], line) == 0)
				nframes++;
		}
		fclose(fp);
		printf("benign names: %u from %s\n", nframes, path);
		return;
	}
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (build(&frames[nframes], builtin[i]) == 0)
			nframes++;
	printf("benign names: %u built-in (set DG_SHARED_DATA for the Radar list)\n", nframes);
}

static const struct {
	uint8_t len;
	const uint8_t *wire;
} list[] = {
	{ 17, (const uint8_t *)"\7blocked\7example" },
	{ 10, (const uint8_t *)"\3c2c\4test" },
};

static int
decide(const struct dg_name *n)
{
	unsigned int i, j;

	for (i = 0; i <= n->nlabels; i++) {
		size_t len;
		const uint8_t *s = dg_name_suffix(n, i, &len);

		for (j = 0; j < 2; j++)
			if (len == list[j].len && memcmp(s, list[j].wire, len) == 0)
				return 1;
	}
	return 0;
}

enum bench_case {
	CASE_L2L4,        /* dg_wire_parse_l2l4() only */
	CASE_PARSE,       /* dg_pkt_parse() */
	CASE_PARSE_HINT,  /* dg_pkt_parse_hint() with the NIC's "checksums good" */
	CASE_DECIDE,      /* parse + decide: the benign path */
	CASE_COPY,        /* copy the blocked query into the buffer (part of CASE_FORGE) */
	CASE_FORGE,       /* copy + parse + decide + forge: the blocked path */
};

static const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
static struct dg_answer_cfg acfg;
static struct frame blocked;
static size_t answer_len;
static volatile unsigned long sink;

/* CPU time of this thread: time spent descheduled on a shared box is not counted. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run @p c for @p iters frames; returns seconds of CPU time; *ok = frames that passed. */
static double
run(enum bench_case c, unsigned long iters, unsigned long *ok)
{
	uint8_t buf[FRAME_MAX + 512];
	unsigned long i, n = 0;
	struct dg_pkt p;
	size_t alen = 0;
	double t0, t1;

	t0 = cpu_now();
	for (i = 0; i < iters; i++) {
		const struct frame *f = &frames[i % nframes];

		switch (c) {
		case CASE_L2L4:
			n += dg_wire_parse_l2l4(f->b, f->len, &cfg, 0, &p) == DG_FWD_NONE;
			break;
		case CASE_PARSE:
			n += dg_pkt_parse(f->b, f->len, &cfg, &p) == DG_FWD_NONE;
			break;
		case CASE_PARSE_HINT:
			n += dg_pkt_parse_hint(f->b, f->len, &cfg, DG_PKT_HINT_IP4_CSUM_GOOD |
					       DG_PKT_HINT_L4_CSUM_GOOD, &p) == DG_FWD_NONE;
			break;
		case CASE_DECIDE:
			/* counts frames parsed and NOT listed: forwarded unchanged */
			n += dg_pkt_parse(f->b, f->len, &cfg, &p) == DG_FWD_NONE && !decide(&p.qname);
			break;
		case CASE_COPY:
			memcpy(buf, blocked.b, blocked.len);
			buf[0] ^= (uint8_t)(i & 2); /* keep the copy from being hoisted */
			sink += buf[0];
			n++;
			break;
		case CASE_FORGE:
			memcpy(buf, blocked.b, blocked.len);
			if (dg_pkt_parse(buf, blocked.len, &cfg, &p) == DG_FWD_NONE &&
			    decide(&p.qname) &&
			    dg_dns_forge(buf, sizeof(buf), &p, DG_ANSWER_SINKHOLE, &acfg, &alen) == 0)
				n++;
			sink += alen;
			break;
		}
	}
	t1 = cpu_now();
	if (c == CASE_FORGE)
		answer_len = alen;
	*ok = n;
	return t1 - t0;
}

/* Best of 3 runs, printed as ns/frame and Mframes/s. */
static double
report(enum bench_case c, const char *what, unsigned long iters)
{
	double best = 1e9, t;
	unsigned long ok = 0;
	int r;

	for (r = 0; r < 3; r++) {
		t = run(c, iters, &ok);
		if (t < best)
			best = t;
	}
	printf("%-44s %7.1f ns/frame  %6.2f Mframes/s  (%lu frames, %lu passed)\n", what,
	       best * 1e9 / (double)iters, (double)iters / best / 1e6, iters, ok);
	return best;
}

int
main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000ul;
	struct dg_pkt p;
	unsigned int i;

	load_names();
	if (nframes == 0 || build(&blocked, "www.C2C.test") != 0)
		return 1;
	for (i = 0; i < nframes; i++)
		if (dg_pkt_parse(frames[i].b, frames[i].len, &cfg, &p) != DG_FWD_NONE) {
			fprintf(stderr, "frame %u not parsed\n", i);
			return 1;
		}
	dg_answer_cfg_init(&acfg);
	acfg.sinkhole4_set = true;
	memcpy(acfg.sinkhole4, "\xc6\x12\x63\x01", 4);
	acfg.extra_text = "IIJ-20240416-0001";
	printf("one core, thread CPU time, best of 3 runs of %lu frames each\n", iters);
	report(CASE_DECIDE, "parse+decide (benign query, forwarded)", iters);
	report(CASE_L2L4, "  of which L2-L4 incl. IPv4+UDP checksums", iters);
	report(CASE_PARSE, "  full parse (no decide)", iters);
	report(CASE_PARSE_HINT, "  full parse, checksums verified by the NIC", iters);
	report(CASE_FORGE, "parse+forge (blocked query, A sinkhole)", iters);
	report(CASE_COPY, "  of which copying the query in", iters);
	printf("answer: %zu bytes (EDNS + EDE 15 with 17 bytes of extra-text)\n", answer_len);
	return sink != 0 ? 0 : 1;
}
