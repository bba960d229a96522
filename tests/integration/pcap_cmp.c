/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dg-pcap-cmp A.pcap B.pcap: are the frames of A and B the same, byte for byte, in order?
 * Prints the first difference; exit 0 when identical, 1 when not, 2 on error.
 */
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

static pcap_t *
open_or_die(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL)
		fprintf(stderr, "dg-pcap-cmp: %s\n", err);
	return p;
}

int
main(int argc, char **argv)
{
	struct pcap_pkthdr *ha, *hb;
	const u_char *da, *db;
	unsigned long n = 0;
	pcap_t *a, *b;
	int rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: dg-pcap-cmp A.pcap B.pcap\n");
		return 2;
	}
	a = open_or_die(argv[1]);
	b = open_or_die(argv[2]);
	if (a == NULL || b == NULL) {
		if (a != NULL)
			pcap_close(a);
		if (b != NULL)
			pcap_close(b);
		return 2;
	}
	for (;;) {
		int ra = pcap_next_ex(a, &ha, &da), rb = pcap_next_ex(b, &hb, &db);

		if (ra == -2 && rb == -2)
			break;
		n++;
		if (ra != 1 || rb != 1) {
			printf("frame %lu: %s has %s\n", n, ra != 1 ? argv[1] : argv[2],
			       (ra == -2 || rb == -2) ? "no more frames" : "a read error");
			rc = 1;
			break;
		}
		if (ha->caplen != hb->caplen || memcmp(da, db, ha->caplen) != 0) {
			unsigned int i = 0;

			while (i < ha->caplen && i < hb->caplen && da[i] == db[i])
				i++;
			printf("frame %lu differs: lengths %u/%u, first differing byte %u\n", n,
			       ha->caplen, hb->caplen, i);
			rc = 1;
			break;
		}
	}
	if (rc == 0)
		printf("%lu frames identical\n", n);
	pcap_close(a);
	pcap_close(b);
	return rc;
}
