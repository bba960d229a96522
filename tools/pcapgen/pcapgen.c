/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgate-pcapgen: deterministic (seeded) test captures: same options, same bytes.
 *
 *   dnsgate-pcapgen --profile mixed|dns|frag|responses|carrier -n COUNT -o OUT.pcap [options]
 *
 * Profiles:
 *   mixed  every kind of frame a bump in the wire sees (passthrough tests)
 *   dns    DNS queries with the shares below (benchmarks, filtering tests)
 *   frag   DNS queries cut into IP fragments, cut and sent in every way pg_frag.c lists
 *          (in order, reversed, duplicated, overlapping, incomplete), one in five sent
 *          whole; takes --names, --blocked, --blocked-pct, --ipv6, --vlan, --edns and
 *          --manifest (one line per frame: index datagram kind name qtype ip-version
 *          dns-id cut order role payload-offset payload-end more-fragments)
 *   responses  network-side DNS responses from port 53, with and without CNAME chains
 *          (pg_resp.c: --blocked-pct chains end in a --blocked name, --malformed-pct cut
 *          short, --other-pct TCP/UDP 443; --names, --ipv6, --vlan, --edns, --do,
 *          --manifest: index kind qname target ip-version)
 *   carrier  all of a link's traffic (pg_carrier.c): IMIX 64/576/1500 bytes 7:4:1 over
 *          TCP, QUIC and other UDP, and --dns-pct (3) of DNS queries as the dns profile
 *          makes them (its options apply; --blocked-pct defaults to 0.0001, one in a
 *          million), --quic-pct (8) QUIC, 10% other UDP, --ipv6 (15) and --vlan (10)
 *          of every frame; --manifest as the dns profile's
 * Options of the dns profile (PCT: percent, may be fractional, default 0 unless said):
 *   --names FILE       benign query names, one per line (a first line "domain" is
 *                      skipped); default synthetic hostN.exampleM.test names
 *   --zipf S           draw names with Zipf popularity of exponent S (default: uniform)
 *   --blocked FILE     names for the blocked share (e.g. a domain blocklist)
 *   --blocked-pct PCT  share of queries for a blocked name (half of them for a name
 *                      below it)
 *   --malformed-pct PCT  share of queries broken in one of 14 ways dnsgate must forward
 *   --optout-pct PCT   share from opted-out clients (198.18.200.0/24, 2001:2:0:c8::/64)
 *   --other-pct PCT    share of frames that are not DNS queries (TCP/53, UDP/123, ICMP, ARP)
 *   --ipv6 PCT, --vlan PCT, --qinq PCT   transport shares
 *   --edns PCT, --do PCT, --cookie PCT   EDNS share; DO and cookie shares among EDNS
 *   --mixcase PCT      share with 0x20 mixed-case names
 *   --clients N        client address pool per family (default 65536)
 *   --manifest FILE    one line per frame: index kind name qtype ip-version optout
 * Common: --seed N (default 1).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_gen.h"

uint64_t
pg_rnd(struct pg_gen *g)
{
	/* xorshift64*: small, fast and the same everywhere. */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

int
pg_chance(struct pg_gen *g, double pct)
{
	return pct > 0 && (double)(pg_rnd(g) % 1000000) < pct * 10000.0;
}

void
pg_emit(struct pg_gen *g, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = 1700000000 + (time_t)(g->n / 1000000);
	h.ts.tv_usec = (suseconds_t)(g->n % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->dump, &h, frame);
	g->n++;
}

void
pg_addr(struct pg_gen *g, struct pg_frame *f, int client_to_server, int optout)
{
	/* Clients in 198.18.0.0/16 and 2001:2::/64 (opted out: 198.18.200.0/24 and
	 * 2001:2:0:c8::/64); the resolver is 198.19.0.53 and 2001:2:0:1::53. */
	uint32_t c = (uint32_t)(pg_rnd(g) % (g->clients ? g->clients : 65536));
	uint8_t cli4[4] = { 198, 18, (uint8_t)(c >> 8), (uint8_t)c };
	uint8_t srv4[4] = { 198, 19, 0, 53 };
	uint8_t cli6[16] = { 0x20, 0x01, 0x00, 0x02 }, srv6[16] = { 0x20, 0x01, 0x00, 0x02, 0, 0,
		0, 1 };
	const uint8_t cmac[6] = { 0x02, 0, 0, 0, 0, 0x01 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	if (optout) {
		cli4[2] = 200;
		cli6[7] = 200;
	} else if (cli4[2] == 200) {
		cli4[2] = 201; /* keep the opt-out range for opted-out clients only */
	}
	cli6[12] = (uint8_t)(c >> 24);
	cli6[13] = (uint8_t)(c >> 16);
	cli6[14] = (uint8_t)(c >> 8);
	cli6[15] = (uint8_t)(c | 1);
	srv6[15] = 0x53;
	if (cli4[3] == 0 || cli4[3] == 255)
		cli4[3] = 1;
	if (f->ipv6) {
		memcpy(client_to_server ? f->src_ip : f->dst_ip, cli6, 16);
		memcpy(client_to_server ? f->dst_ip : f->src_ip, srv6, 16);
	} else {
		memcpy(client_to_server ? f->src_ip : f->dst_ip, cli4, 4);
		memcpy(client_to_server ? f->dst_ip : f->src_ip, srv4, 4);
	}
	memcpy(client_to_server ? f->src_mac : f->dst_mac, cmac, 6);
	memcpy(client_to_server ? f->dst_mac : f->src_mac, smac, 6);
}

const char *
pg_pick(struct pg_gen *g, const struct pg_names *n)
{
	size_t lo = 0, hi;
	double u;

	if (n->cdf == NULL)
		return n->v[pg_rnd(g) % n->n];
	/* Inverse CDF by binary search: name k has weight 1 / (k+1)^s. */
	u = (double)(pg_rnd(g) >> 11) / 9007199254740992.0 * n->cdf[n->n - 1];
	hi = n->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (n->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n->v[lo];
}

static int
load_names(struct pg_names *nm, const char *path, double zipf)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t cap = 0;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, " \t\r\n")] = '\0';
		if (s[0] == '\0' || s[0] == '#' || strcmp(s, "domain") == 0)
			continue;
		if (nm->n == cap) {
			char **v;

			cap = cap ? cap * 2 : 1024;
			v = realloc(nm->v, cap * sizeof(*v));
			if (v == NULL) {
				fclose(f);
				return -ENOMEM;
			}
			nm->v = v;
		}
		nm->v[nm->n] = strdup(s);
		if (nm->v[nm->n] == NULL) {
			fclose(f);
			return -ENOMEM;
		}
		nm->n++;
	}
	fclose(f);
	if (nm->n == 0)
		return -ENODATA;
	if (zipf > 0) {
		nm->cdf = malloc(nm->n * sizeof(*nm->cdf));
		if (nm->cdf == NULL)
			return -ENOMEM;
		for (size_t k = 0; k < nm->n; k++)
			nm->cdf[k] = (k ? nm->cdf[k - 1] : 0) + 1.0 / pow((double)(k + 1), zipf);
	}
	return 0;
}

static void
free_names(struct pg_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	free(nm->cdf);
}

static void
usage(FILE *o)
{
	fprintf(o, "usage: dnsgate-pcapgen --profile mixed|dns|frag|responses|carrier -n COUNT "
		   "-o OUT.pcap [--seed N]\n"
		   "  dns profile: [--names FILE] [--zipf S] [--blocked FILE] [--blocked-pct P]\n"
		   "  [--malformed-pct P] [--optout-pct P] [--other-pct P] [--ipv6 P] [--vlan P] [--qinq P]\n"
		   "  [--edns P] [--do P] [--cookie P] [--mixcase P] [--clients N] [--manifest FILE]\n"
		   "  carrier profile: the dns options, [--dns-pct P] [--quic-pct P]\n");
}

static int
pct(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (*end != '\0' || v < 0 || v > 100)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_ZIPF = 256, O_BLOCKED, O_BPCT, O_MPCT, O_OPCT, O_QINQ, O_EDNS, O_DO, O_COOKIE,
	       O_MIX, O_CLIENTS, O_MANIFEST, O_OTHER, O_DNS, O_QUIC };
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "names", required_argument, NULL, 'N' }, { "ipv6", required_argument, NULL, '6' },
		{ "vlan", required_argument, NULL, 'v' }, { "zipf", required_argument, NULL, O_ZIPF },
		{ "blocked", required_argument, NULL, O_BLOCKED },
		{ "blocked-pct", required_argument, NULL, O_BPCT },
		{ "malformed-pct", required_argument, NULL, O_MPCT },
		{ "optout-pct", required_argument, NULL, O_OPCT },
		{ "other-pct", required_argument, NULL, O_OTHER },
		{ "qinq", required_argument, NULL, O_QINQ }, { "edns", required_argument, NULL, O_EDNS },
		{ "do", required_argument, NULL, O_DO }, { "cookie", required_argument, NULL, O_COOKIE },
		{ "mixcase", required_argument, NULL, O_MIX },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "manifest", required_argument, NULL, O_MANIFEST },
		{ "dns-pct", required_argument, NULL, O_DNS },
		{ "quic-pct", required_argument, NULL, O_QUIC },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *profile = "mixed", *out = NULL, *names = NULL, *blocked = NULL;
	const char *manifest = NULL;
	struct pg_gen g = { .rng = 1, .clients = 65536, .ipv6_pct = -1, .vlan_pct = -1,
			    .blocked_pct = -1, .dns_pct = -1, .quic_pct = -1 };
	uint64_t count = 1000;
	pcap_t *dead;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "p:o:n:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': profile = optarg; break;
		case 'o': out = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 's': g.rng = strtoull(optarg, NULL, 10) * 2654435761ULL + 1; break;
		case 'N': names = optarg; break;
		case O_BLOCKED: blocked = optarg; break;
		case O_MANIFEST: manifest = optarg; break;
		case O_ZIPF: g.zipf = strtod(optarg, NULL); break;
		case O_CLIENTS: g.clients = (uint32_t)strtoul(optarg, NULL, 10); break;
		case '6': rc |= pct(optarg, &g.ipv6_pct); break;
		case 'v': rc |= pct(optarg, &g.vlan_pct); break;
		case O_QINQ: rc |= pct(optarg, &g.qinq_pct); break;
		case O_EDNS: rc |= pct(optarg, &g.edns_pct); break;
		case O_DO: rc |= pct(optarg, &g.do_pct); break;
		case O_COOKIE: rc |= pct(optarg, &g.cookie_pct); break;
		case O_MIX: rc |= pct(optarg, &g.mixcase_pct); break;
		case O_BPCT: rc |= pct(optarg, &g.blocked_pct); break;
		case O_MPCT: rc |= pct(optarg, &g.malformed_pct); break;
		case O_OPCT: rc |= pct(optarg, &g.optout_pct); break;
		case O_OTHER: rc |= pct(optarg, &g.other_pct); break;
		case O_DNS: rc |= pct(optarg, &g.dns_pct); break;
		case O_QUIC: rc |= pct(optarg, &g.quic_pct); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (rc != 0 || out == NULL || count == 0) {
		fprintf(stderr, "dnsgate-pcapgen: %s\n", rc ? "a share must be 0..100" : "need -o and -n");
		usage(stderr);
		return 2;
	}
	if ((names && (rc = load_names(&g.names, names, g.zipf)) < 0) ||
	    (blocked && (rc = load_names(&g.blocked, blocked, 0)) < 0)) {
		fprintf(stderr, "dnsgate-pcapgen: %s: %s\n", rc && names ? names : blocked,
			strerror(-rc));
		return 2;
	}
	if (manifest != NULL && (g.manifest = fopen(manifest, "w")) == NULL) {
		fprintf(stderr, "dnsgate-pcapgen: %s: %s\n", manifest, strerror(errno));
		return 2;
	}
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	g.dump = pcap_dump_open(dead, out);
	if (g.dump == NULL) {
		fprintf(stderr, "dnsgate-pcapgen: %s: %s\n", out, pcap_geterr(dead));
		return 2;
	}
	if (strcmp(profile, "mixed") == 0) {
		pg_profile_mixed(&g, count);
	} else if (strcmp(profile, "dns") == 0) {
		pg_profile_dns(&g, count);
	} else if (strcmp(profile, "frag") == 0) {
		pg_profile_frag(&g, count);
	} else if (strcmp(profile, "responses") == 0) {
		pg_profile_responses(&g, count);
	} else if (strcmp(profile, "carrier") == 0) {
		pg_profile_carrier(&g, count);
	} else {
		fprintf(stderr, "dnsgate-pcapgen: unknown profile '%s'\n", profile);
		return 2;
	}
	pcap_dump_close(g.dump);
	pcap_close(dead);
	if (g.manifest != NULL)
		fclose(g.manifest);
	free_names(&g.names);
	free_names(&g.blocked);
	printf("dnsgate-pcapgen: wrote %llu frames to %s\n", (unsigned long long)g.n, out);
	return 0;
}
