/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validation over real captures (DG_SHARED_DATA/pcaps, third-party test suites of
 * tcpdump and DNS-OARC tools): every frame is classified, every answerable query is
 * forged into a sinkhole answer that ldns must decode and that our own parser, seen
 * from the client's side, must read back as a response with valid checksums.
 * Non-Ethernet link types count as not_ethernet; their IP packets are also run through
 * the parser behind a synthetic Ethernet header ("inner" counts). Skips (exit 77) when
 * the data set is absent. DG_PCAP_OUT=file.pcap also writes every forged answer there
 * (for a second opinion: tshark -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <pcap/pcap.h>

#include "dg_dns.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static unsigned long counts[DG_FWD__MAX], inner[DG_FWD__MAX];
static unsigned long frames, answered, too_big, bad_answers, files, failures;

static struct dg_answer_cfg acfg;
static size_t root_len;
static pcap_dumper_t *dump;
static int verbose; /* DG_PCAP_VERBOSE=1: one line per frame */

/* Offset of the IP packet for link types we can look inside, or -1. */
static long
ip_offset(int dlt, const uint8_t *p, size_t len, uint16_t *ethertype)
{
	switch (dlt) {
	case DLT_RAW:
	case 101: /* LINKTYPE_RAW */
		if (len < 1)
			return -1;
		*ethertype = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		return 0;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		*ethertype = (uint16_t)(p[0] << 8 | p[1]);
		return 20;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		*ethertype = (uint16_t)(p[14] << 8 | p[15]);
		return 16;
	case 228: /* LINKTYPE_IPV4 */
		*ethertype = 0x0800;
		return 0;
	case 229: /* LINKTYPE_IPV6 */
		*ethertype = 0x86dd;
		return 0;
	case DLT_NULL: /* host-order address family: 2 = INET, 10/24/28/30 = INET6 */
		if (len < 4)
			return -1;
		*ethertype = (p[0] == 2 || p[3] == 2) ? 0x0800 : 0x86dd;
		return 4;
	case DLT_PPP_SERIAL:
	case DLT_PPP:
		if (len < 4)
			return -1;
		*ethertype = (p[2] << 8 | p[3]) == 0x0057 ? 0x86dd : 0x0800;
		return 4;
	default:
		return -1;
	}
}

static void
check_answer(uint8_t *buf, size_t room, struct dg_pkt *q)
{
	struct dg_pkt_cfg back = DG_PKT_CFG_DEFAULT;
	struct dg_pkt a;
	ldns_pkt *lp = NULL;
	size_t alen;
	uint16_t cport = q->src_port;
	int rc;

	rc = dg_dns_forge(buf, room, q, DG_ANSWER_SINKHOLE, &acfg, &alen);
	if (rc == -EMSGSIZE) {
		too_big++;
		return;
	}
	if (rc != 0) {
		fprintf(stderr, "  forge failed: %d\n", rc);
		bad_answers++;
		return;
	}
	answered++;
	if (dump != NULL) {
		struct pcap_pkthdr ph = { .caplen = (bpf_u_int32)alen, .len = (bpf_u_int32)alen };

		pcap_dump((u_char *)dump, &ph, buf);
	}
	back.dns_port = cport;
	back.min_src_port = 1;
	if (dg_pkt_parse(buf, alen, &back, &a) != DG_FWD_DNS_RESPONSE) {
		fprintf(stderr, "  answer re-parse: %s\n",
			dg_fwd_reason_name(dg_pkt_parse(buf, alen, &back, &a)));
		bad_answers++;
		return;
	}
	if (ldns_wire2pkt(&lp, buf + a.dns_off, a.dns_len) != LDNS_STATUS_OK ||
	    !ldns_pkt_qr(lp) || ldns_pkt_id(lp) != q->id || ldns_pkt_qdcount(lp) != 1 ||
	    a.dns_len > dg_pkt_udp_max(q)) {
		fprintf(stderr, "  answer rejected by ldns\n");
		bad_answers++;
	}
	if (lp != NULL)
		ldns_pkt_free(lp);
}

static int
one_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char err[PCAP_ERRBUF_SIZE];
	unsigned long n = 0, ans = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int dlt, rc;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || (!strstr(path, ".pcap") && !strstr(path, ".cap")))
		return 0;
	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		printf("%s: cannot open (%s)\n", path, err);
		failures++;
		return 0;
	}
	files++;
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		const struct dg_pkt_cfg cfg = DG_PKT_CFG_DEFAULT;
		size_t len = h->caplen;
		size_t room = len + 1500;
		uint8_t *buf = malloc(room);
		enum dg_fwd_reason r;
		struct dg_pkt q;

		n++;
		if (dlt == DLT_EN10MB) {
			/* Exact-size copy first, so ASan catches any read past caplen. */
			uint8_t *exact = malloc(len ? len : 1);

			memcpy(exact, data, len);
			r = dg_pkt_parse(exact, len, &cfg, &q);
			free(exact);
				if (r == DG_FWD_NONE) {
				memcpy(buf, data, len);
				if (dg_pkt_parse(buf, len, &cfg, &q) == DG_FWD_NONE) {
					check_answer(buf, room, &q);
					ans++;
				}
			}
		} else {
			uint16_t et = 0;
			long off = ip_offset(dlt, data, len, &et);

			r = DG_FWD_NOT_ETHERNET;
			if (off >= 0) {
				static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
				size_t il = 14 + len - (size_t)off;

				memcpy(buf, macs, 12);
				buf[12] = (uint8_t)(et >> 8);
				buf[13] = (uint8_t)et;
				memcpy(buf + 14, data + off, len - (size_t)off);
				enum dg_fwd_reason ir = dg_pkt_parse(buf, il, &cfg, &q);

				inner[ir]++;
				if (ir == DG_FWD_NONE)
					check_answer(buf, room, &q);
			}
		}
		counts[r]++;
		frames++;
		if (verbose)
			printf("  frame %lu: %s\n", n, dg_fwd_reason_name(r));
		free(buf);
	}
	printf("%-60s dlt %3d: %4lu frames, %3lu answerable\n", path + root_len,
	       dlt, n, ans);
	pcap_close(pc);
	return 0;
}

int
main(void)
{
	const char *dir = getenv("DG_SHARED_DATA");
	char path[4096];
	unsigned long sum = 0;
	pcap_t *dead = NULL;
	unsigned int i;

	if (dir == NULL) {
		printf("SKIP: DG_SHARED_DATA is not set; no captures to validate against\n");
		return 77;
	}
	snprintf(path, sizeof(path), "%s/pcaps", dir);
	if (access(path, R_OK) != 0) {
		printf("SKIP: %s is absent\n", path);
		return 77;
	}
	root_len = strlen(path) + 1;
	verbose = getenv("DG_PCAP_VERBOSE") != NULL;
	dg_answer_cfg_init(&acfg);
	acfg.sinkhole4_set = acfg.sinkhole6_set = true;
	memcpy(acfg.sinkhole4, (const uint8_t[]){ 198, 18, 99, 1 }, 4);
	memcpy(acfg.sinkhole6, (const uint8_t[]){ 0x20, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	       16);
	acfg.extra_text = "validation";
	if (getenv("DG_PCAP_OUT") != NULL) {
		dead = pcap_open_dead(DLT_EN10MB, 65535);

		dump = pcap_dump_open(dead, getenv("DG_PCAP_OUT"));
		if (dump == NULL)
			printf("cannot write %s: %s\n", getenv("DG_PCAP_OUT"), pcap_geterr(dead));
	}
	nftw(path, one_file, 16, FTW_PHYS);
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);

	printf("\n%lu files, %lu frames\ndisposition (Ethernet frames; link type otherwise):\n",
	       files, frames);
	for (i = 0; i < DG_FWD__MAX; i++) {
		sum += counts[i];
		if (counts[i])
			printf("  %-24s %6lu\n", dg_fwd_reason_name((enum dg_fwd_reason)i), counts[i]);
	}
	printf("inner IP packets of non-Ethernet captures:\n");
	for (i = 0; i < DG_FWD__MAX; i++)
		if (inner[i])
			printf("  %-24s %6lu\n", dg_fwd_reason_name((enum dg_fwd_reason)i), inner[i]);
	printf("forged answers: %lu ok-checked, %lu over the client's size, %lu bad\n",
	       answered, too_big, bad_answers);
	if (sum != frames || bad_answers != 0 || failures != 0 || files == 0) {
		printf("FAIL: classified %lu of %lu frames, %lu bad answers, %lu unreadable files\n",
		       sum, frames, bad_answers, failures);
		return 1;
	}
	printf("PASS: every frame classified\n");
	return 0;
}
