/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed corpus for fuzz_pkt: the unit-test vectors (dg_vec.h pieces) in their answerable
 * and malformed variants, plus every Ethernet frame of the captures given on the
 * command line (directories are walked). Each seed is a selector byte, a mode byte
 * (see fuzz_pkt.c), then the frame.
 * Usage: fuzz_seedgen OUT_DIR [PCAP_DIR...]
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "dg_vec.h"
#include "tls_build.h"

static const char *out_dir;
static unsigned int nseeds;

static void
write_seed(uint8_t sel, uint8_t mode, const uint8_t *frame, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%05u", out_dir, nseeds++);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fputc(sel, f);
	fputc(mode, f);
	fwrite(frame, 1, len, f);
	fclose(f);
}

struct piece {
	const char *l2, *l3, *dns;
};

#define Q_WWW VEC_QNAME "00 01 00 01\n"
static const struct piece pieces[] = {
	{ VEC_ETH4, VEC_IP4, VEC_DNS_A },
	{ VEC_ETH4, VEC_IP4, VEC_DNS_A_EDNS },
	{ VEC_ETH6, VEC_IP6, VEC_DNS_A_EDNS },
	{ VEC_ETH6, VEC_IP6_NH("00") "3c 00 05 02 00 00 01 00 11 01 01 0a 00000000 00000000 00000000",
	  VEC_DNS_A },
	{ "02 00 00 00 00 02 02 00 00 00 00 01 88 a8 a0 64 81 00 20 0a 08 00", VEC_IP4,
	  VEC_DNS_A_EDNS },
	{ VEC_ETH4, "47 00 0000 1234 0000 40 11 0000 c6120001 c6120035 94 04 00 00 01 01 01 00",
	  VEC_DNS_A },
	{ VEC_ETH4, VEC_IP4, VEC_DNS_HDR("00 01") "04 45 76 69 6c 04 74 65 73 74 00 00 1c 00 01"
	  "00 00 29 10 00 00 00 00 00 00 10 00 0a 00 0c 0102030405060708 11121314" },
	{ VEC_ETH4, VEC_IP4, VEC_DNS_HDR("00 01") "01 61 07 65 78 61 6d 70 6c 65 03 63 6f 6d 00"
	  "00 ff 00 01 00 00 29 02 00 00 00 00 00 00 06 00 0c 00 02 00 00" },
	{ VEC_ETH4, VEC_IP4, VEC_DNS_HDR("00 00") "03 77 77 77 c0 0c 00 01 00 01" },
	{ VEC_ETH4, VEC_IP4, VEC_DNS_HDR("00 02") Q_WWW VEC_OPT_DO "03 6b 65 79 00 00 fa 00 ff "
	  "00000000 00 00" },
};

static int
one_pcap(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || strstr(path, ".pcap") == NULL)
		return 0;
	pc = pcap_open_offline(path, err);
	if (pc == NULL)
		return 0;
	if (pcap_datalink(pc) == DLT_EN10MB)
		while (pcap_next_ex(pc, &h, &data) == 1)
			{
			write_seed(0x03, 0x00, data, h->caplen);
			write_seed(0x03, 0x01, data, h->caplen); /* captures with offloaded csums */
		}
	pcap_close(pc);
	return 0;
}

int
main(int argc, char **argv)
{
	static const uint8_t sels[] = { 0x00, 0x03, 0x07, 0x3d, 0x5f, 0x96 };
	uint8_t f[2048];
	size_t i, j, n;
	int k;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT_DIR [PCAP_DIR...]\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		n = vec_build(f, sizeof(f), pieces[i].l2, pieces[i].l3, VEC_UDP, pieces[i].dns, 0,
			      VEC_FIX_ALL);
		for (j = 0; j < sizeof(sels); j++)
			write_seed(sels[j], (uint8_t)j, f, n);
		/* Boundary variants: one byte short, and with Ethernet padding. */
		write_seed(0x03, 0x00, f, n - 1);
		n = vec_build(f, sizeof(f), pieces[i].l2, pieces[i].l3, VEC_UDP, pieces[i].dns, 6,
			      VEC_FIX_ALL);
		write_seed(0x03, 0x01, f, n);
	}
	/* Encrypted DNS (mode bit 5, bit 6 blocked): DoT, DoQ, ClientHellos, the canary. */
	{
		static const uint8_t quic[] = { 0xc3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0 };
		static const char *const snis[] = { "doh.example.net", "www.example.com", NULL };
		struct tlb_hello h;
		uint8_t rec[2048];

		for (int ver = 4; ver <= 6; ver += 2) {
			for (j = 0; j < 3; j++) {
				tlb_hello_init(&h, snis[j]);
				h.grease = true;
				n = tlb_hello_record(rec, sizeof(rec), &h);
				n = vec_l4_frame(f, sizeof(f), ver, 6, 443, 77, 99, 0x18, rec, n);
				write_seed(0x03, 0x60, f, n);
				write_seed(0x03, 0x21, f, n);
			}
			n = vec_l4_frame(f, sizeof(f), ver, 6, 853, 5, 0, 0x02, NULL, 0);
			write_seed(0x03, 0x60, f, n);
			n = vec_l4_frame(f, sizeof(f), ver, 6, 853, 5, 6, 0x19, rec, 20);
			write_seed(0x03, 0x60, f, n);
			n = vec_l4_frame(f, sizeof(f), ver, 17, 853, 0, 0, 0, quic, sizeof(quic));
			write_seed(0x03, 0x60, f, n);
			write_seed(0x03, 0x20, f, n);
		}
		n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, VEC_UDP, VEC_DNS_HDR("00 00")
			      "13 75 73 65 2d 61 70 70 6c 69 63 61 74 69 6f 6e 2d 64 6e 73 03 6e 65 74 00"
			      "00 01 00 01", 0, VEC_FIX_ALL);
		write_seed(0x03, 0x20, f, n);
	}
	{
		/* network-side responses (fuzz_pkt runs them through the response policy too):
		 * www.ExAmpLe.com CNAME a listed name, and one DNAME, IPv4 and IPv6 */
		static const char *const resp[] = {
			"ab cd 81 80 00 01 00 02 00 00 00 01\n" VEC_QNAME "00 01 00 01\n"
			"c0 0c 00 05 00 01 00 00 01 2c 00 0b 04 65 76 69 6c 04 74 65 73 74 00\n"
			"c0 2d 00 01 00 01 00 00 00 3c 00 04 c6 12 07 07\n" VEC_OPT_DO,
			"ab cd 81 80 00 01 00 01 00 00 00 00\n" VEC_QNAME "00 1c 00 01\n"
			"c0 10 00 27 00 01 00 00 01 2c 00 0b 04 64 72 6f 70 04 74 65 73 74 00\n",
		};

		for (i = 0; i < sizeof(resp) / sizeof(resp[0]); i++) {
			n = vec_build(f, sizeof(f), VEC_ETH4, VEC_IP4, "00 35 9c 40 0000 0000",
				      resp[i], 0, VEC_FIX_ALL);
			write_seed(0x03, 0x00, f, n);
			write_seed(0x07, 0x11, f, n);
			n = vec_build(f, sizeof(f), VEC_ETH6, VEC_IP6, "00 35 9c 40 0000 0000",
				      resp[i], 0, VEC_FIX_ALL);
			write_seed(0x03, 0x01, f, n);
		}
	}
	for (k = 2; k < argc; k++)
		nftw(argv[k], one_pcap, 16, FTW_PHYS);
	printf("fuzz_seedgen: %u seeds in %s\n", nseeds, out_dir);
	return 0;
}
