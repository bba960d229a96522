/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed corpus for fuzz_tls: ClientHellos in the shapes tls_build makes (GREASE, ECH,
 * padding, no SNI, no extensions, a large key share), in one record and cut into several.
 * Usage: fuzz_tls_seedgen OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "tls_build.h"

static const char *out_dir;
static unsigned int nseeds;

static void
write_seed(const uint8_t *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%05u", out_dir, nseeds++);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fwrite(p, 1, len, f);
	fclose(f);
}

int
main(int argc, char **argv)
{
	static uint8_t msg[8192], rec[8192];
	static const size_t cuts[][4] = { { 0 }, { 40, 0 }, { 1, 60, 0 }, { 100, 3, 200, 0 } };
	struct tlb_hello h;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	for (int shape = 0; shape < 6; shape++) {
		size_t n;

		tlb_hello_init(&h, shape == 1 ? NULL : "doh.example.net");
		h.grease = shape >= 2;
		h.ech = shape == 3;
		h.pad = shape == 4 ? 100 : 0;
		h.no_ext = shape == 5;
		h.key_share = shape == 4 ? 1216 : 32;
		n = tlb_hello_msg(msg, sizeof(msg), &h);
		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++)
			write_seed(rec, tlb_records(rec, sizeof(rec), msg, n, cuts[c][0] ? cuts[c] : NULL));
	}
	printf("fuzz_tls_seedgen: %u seeds in %s\n", nseeds, out_dir);
	return 0;
}
