/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dnsgate-pcapgen: deterministic (seeded) test captures.
 *
 *   dnsgate-pcapgen --profile mixed|dns -n COUNT -o OUT.pcap [options]
 *
 * Profiles:
 *   mixed  every kind of frame a bump in the wire sees: ARP, IPv4/IPv6 over UDP, TCP and
 *          ICMP, DNS and non-DNS, 802.1Q, QinQ (0x88a8 and 0x9100 outer tags), EDNS with a
 *          cookie, DNS responses, frames padded to the Ethernet minimum.
 *   dns    DNS queries only (the benchmark mix): names from --names FILE (one per line,
 *          a first line "domain" is skipped) or synthetic, qtypes A/AAAA/HTTPS mixed.
 * Options:
 *   --seed N         random seed (default 1): same seed, same capture, byte for byte
 *   --names FILE     query names for the dns profile
 *   --ipv6 PCT       share of IPv6 transport in the dns profile (default 0)
 *   --vlan PCT       share of 802.1Q-tagged frames in the dns profile (default 0)
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dg_name.h"
#include "pg_frame.h"

struct gen {
	uint64_t rng;
	pcap_dumper_t *dump;
	uint64_t n;
	char **names;
	size_t n_names;
	unsigned int ipv6_pct, vlan_pct;
};

static uint64_t
rnd(struct gen *g)
{
	/* xorshift64*: small, fast and the same everywhere. */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

static void
emit(struct gen *g, const uint8_t *frame, size_t len)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = 1700000000 + (time_t)(g->n / 1000000);
	h.ts.tv_usec = (suseconds_t)(g->n % 1000000);
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)g->dump, &h, frame);
	g->n++;
}

static void
addr(struct gen *g, struct pg_frame *f, int client_to_server)
{
	/* Clients in 198.18.0.0/16 and 2001:2::/64, resolver 198.19.0.53 and 2001:2:0:1::53. */
	uint8_t cli4[4] = { 198, 18, (uint8_t)(rnd(g) % 256), (uint8_t)(1 + rnd(g) % 254) };
	uint8_t srv4[4] = { 198, 19, 0, 53 };
	uint8_t cli6[16] = { 0x20, 0x01, 0x00, 0x02 }, srv6[16] = { 0x20, 0x01, 0x00, 0x02, 0, 0,
		0, 1 };
	const uint8_t cmac[6] = { 0x02, 0, 0, 0, 0, 0x01 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	cli6[14] = (uint8_t)rnd(g);
	cli6[15] = (uint8_t)(1 + rnd(g) % 254);
	srv6[15] = 0x53;
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

static size_t
synth_name(struct gen *g, uint64_t i, uint8_t *wire)
{
	char text[64];
	struct dg_name n;
	int len;

	if (g->n_names > 0)
		len = snprintf(text, sizeof(text), "%s", g->names[i % g->n_names]);
	else
		len = snprintf(text, sizeof(text), "host%llu.example%llu.test",
			       (unsigned long long)(i % 100000), (unsigned long long)(i % 97));
	if (dg_name_from_text(&n, text, (size_t)len) < 0)
		dg_name_from_text(&n, "invalid.test", 12);
	/* Mixed case on the wire sometimes, as 0x20-randomising resolvers send. */
	memcpy(wire, n.wire, n.len);
	if (rnd(g) % 4 == 0)
		for (size_t k = 0; k < n.len; k++)
			if (wire[k] >= 'a' && wire[k] <= 'z' && rnd(g) % 2)
				wire[k] ^= 0x20;
	return n.len;
}

/* One DNS query frame with the given shape. */
static void
dns_query(struct gen *g, struct pg_frame *f, uint64_t i, uint16_t qtype, int edns)
{
	uint8_t qname[DG_NAME_MAXLEN], msg[600], frame[PG_FRAME_MAX];
	struct pg_dns_query q = {
		.id = (uint16_t)rnd(g), .qtype = qtype, .qclass = 1, .rd = 1,
		.edns = edns, .do_bit = edns && (i % 3 == 0), .udp_size = 1232,
		.cookie = edns && (i % 2 == 0),
	};
	size_t len;

	q.qname = qname;
	q.qname_len = synth_name(g, i, qname);
	f->payload = msg;
	f->payload_len = pg_dns_query(&q, msg, sizeof(msg));
	f->l4 = PG_L4_UDP;
	f->sport = (uint16_t)(1024 + rnd(g) % 64000);
	f->dport = 53;
	len = pg_frame_build(f, frame, sizeof(frame));
	emit(g, frame, len);
}

static void
gen_mixed(struct gen *g, uint64_t count)
{
	static const uint16_t qtypes[] = { 1, 28, 65, 15, 16, 255 };
	uint8_t frame[PG_FRAME_MAX], junk[300];

	for (size_t k = 0; k < sizeof(junk); k++)
		junk[k] = (uint8_t)(k * 7);
	for (uint64_t i = 0; g->n < count; i++) {
		struct pg_frame f = { 0 };
		unsigned int kind = (unsigned int)(i % 14);
		size_t len;

		f.ipv6 = kind >= 7;
		addr(g, &f, 1);
		switch (kind) {
		case 0: { /* ARP */
			const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x09 };
			const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

			len = pg_frame_arp(mac, a, b, frame, sizeof(frame));
			emit(g, frame, len);
			continue;
		}
		case 1: case 7: /* plain DNS query */
			dns_query(g, &f, i, qtypes[i % 6], 0);
			continue;
		case 2: case 8: /* EDNS query with cookie, maybe DO */
			dns_query(g, &f, i, qtypes[(i + 1) % 6], 1);
			continue;
		case 3: /* 802.1Q */
			f.n_vlan = 1;
			f.vlan[0] = (struct pg_vlan){ 0x8100, (uint16_t)(5 << 13 | 1 << 12 | 11) };
			dns_query(g, &f, i, 1, i % 2);
			continue;
		case 9: /* QinQ, 802.1ad outer */
			f.n_vlan = 2;
			f.vlan[0] = (struct pg_vlan){ 0x88a8, 100 };
			f.vlan[1] = (struct pg_vlan){ 0x8100, (uint16_t)(3 << 13 | 200) };
			dns_query(g, &f, i, 28, 1);
			continue;
		case 10: /* old-style QinQ, 0x9100 outer, IPv4 */
			f.ipv6 = 0;
			addr(g, &f, 1);
			f.n_vlan = 2;
			f.vlan[0] = (struct pg_vlan){ 0x9100, 300 };
			f.vlan[1] = (struct pg_vlan){ 0x8100, 301 };
			dns_query(g, &f, i, 65, 0);
			continue;
		case 4: case 11: /* DNS-looking TCP to port 53 and plain web TCP */
			f.l4 = PG_L4_TCP;
			f.sport = (uint16_t)(1024 + rnd(g) % 60000);
			f.dport = kind == 4 ? 53 : 443;
			f.payload = junk;
			f.payload_len = 40 + rnd(g) % 200;
			break;
		case 5: case 12: /* ICMP / ICMPv6 echo */
			f.l4 = f.ipv6 ? PG_L4_ICMP6 : PG_L4_ICMP;
			f.sport = (uint16_t)i;
			f.dport = 1;
			f.payload = junk;
			f.payload_len = 56;
			break;
		case 6: /* a DNS response travelling toward the client */
			addr(g, &f, 0);
			f.l4 = PG_L4_UDP;
			f.sport = 53;
			f.dport = (uint16_t)(1024 + rnd(g) % 60000);
			f.payload = junk;
			f.payload_len = 12 + rnd(g) % 100;
			break;
		default: /* 13: small non-DNS UDP, padded to the Ethernet minimum */
			f.l4 = PG_L4_UDP;
			f.sport = 5000;
			f.dport = 123;
			f.payload = junk;
			f.payload_len = 2;
			break;
		}
		len = pg_frame_build(&f, frame, sizeof(frame));
		if (len < 60) {
			memset(frame + len, 0, 60 - len);
			len = 60;
		}
		emit(g, frame, len);
	}
}

static void
gen_dns(struct gen *g, uint64_t count)
{
	static const uint16_t qtypes[] = { 1, 1, 1, 28, 28, 65 };

	for (uint64_t i = 0; g->n < count; i++) {
		struct pg_frame f = { 0 };

		f.ipv6 = rnd(g) % 100 < g->ipv6_pct;
		addr(g, &f, 1);
		if (rnd(g) % 100 < g->vlan_pct) {
			f.n_vlan = 1;
			f.vlan[0] = (struct pg_vlan){ 0x8100, 10 };
		}
		dns_query(g, &f, rnd(g), qtypes[i % 6], 0);
	}
}

static int
load_names(struct gen *g, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t cap = 0;

	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || strcmp(line, "domain") == 0)
			continue;
		if (g->n_names == cap) {
			cap = cap ? cap * 2 : 1024;
			g->names = realloc(g->names, cap * sizeof(*g->names));
			if (g->names == NULL) {
				fclose(f);
				return -ENOMEM;
			}
		}
		g->names[g->n_names++] = strdup(line);
	}
	fclose(f);
	return g->n_names > 0 ? 0 : -ENODATA;
}

static void
usage(FILE *o)
{
	fprintf(o, "usage: dnsgate-pcapgen --profile mixed|dns -n COUNT -o OUT.pcap [--seed N]\n"
		   "                       [--names FILE] [--ipv6 PCT] [--vlan PCT]\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "out", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' }, { "seed", required_argument, NULL, 's' },
		{ "names", required_argument, NULL, 'N' }, { "ipv6", required_argument, NULL, '6' },
		{ "vlan", required_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = "mixed", *out = NULL, *names = NULL;
	struct gen g = { .rng = 1 };
	uint64_t count = 1000;
	pcap_t *dead;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "p:o:n:s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': profile = optarg; break;
		case 'o': out = optarg; break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 's': g.rng = strtoull(optarg, NULL, 10) * 2654435761ULL + 1; break;
		case 'N': names = optarg; break;
		case '6': g.ipv6_pct = (unsigned int)atoi(optarg); break;
		case 'v': g.vlan_pct = (unsigned int)atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (out == NULL || count == 0) {
		usage(stderr);
		return 2;
	}
	if (names != NULL && (rc = load_names(&g, names)) < 0) {
		fprintf(stderr, "dnsgate-pcapgen: %s: %s\n", names, strerror(-rc));
		return 2;
	}
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	g.dump = pcap_dump_open(dead, out);
	if (g.dump == NULL) {
		fprintf(stderr, "dnsgate-pcapgen: %s: %s\n", out, pcap_geterr(dead));
		return 2;
	}
	if (strcmp(profile, "mixed") == 0) {
		gen_mixed(&g, count);
	} else if (strcmp(profile, "dns") == 0) {
		gen_dns(&g, count);
	} else {
		fprintf(stderr, "dnsgate-pcapgen: unknown profile '%s'\n", profile);
		return 2;
	}
	pcap_dump_close(g.dump);
	pcap_close(dead);
	printf("dnsgate-pcapgen: wrote %llu frames to %s\n", (unsigned long long)g.n, out);
	return 0;
}
