/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mklist: a synthetic blocklist for benchmarks, in plain domain-list form.
 *
 *   mklist COUNT [SAMPLE]      (build/tools/bench/mklist)
 *
 * Prints COUNT distinct names, one per line. Name i depends on i only, so the first
 * 1 000 names of a 10M list are the 1k list: every list size holds the smaller ones.
 * With SAMPLE, prints instead SAMPLE names spread evenly over the COUNT (indices
 * k * COUNT / SAMPLE), for a query capture whose blocked names touch the whole table,
 * not only its first entries.
 *
 * The names look like what a malware feed holds: a random-looking 9..14 character label
 * under one of 16 TLDs (registrable domains, each one its own Bloom block), and one in
 * four a host below such a domain. They are spread over ~COUNT registrable domains on
 * purpose: a list crowded under one suffix would measure a degenerate filter.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const tlds[16] = {
	"com", "net", "org", "info", "xyz", "top", "ru", "cn",
	"biz", "online", "site", "club", "io", "de", "su", "pw",
};

/* splitmix64 finaliser: a bijection on 64 bits, so distinct i give distinct labels. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* A bijection on 40 bits (odd multipliers and xor-shifts), so distinct i < 2^40 give
 * distinct ids and so distinct labels. */
static uint64_t
scramble40(uint64_t x)
{
	const uint64_t m = (1ULL << 40) - 1;

	x = (x * 0x9E3779B97FULL) & m;
	x ^= x >> 21;
	x = (x * 0xBF58476D1DULL) & m;
	x ^= x >> 19;
	return x;
}

static void
put_name(uint64_t i, char *buf, size_t cap)
{
	static const char d[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	uint64_t h = mix(i), id = scramble40(i);
	char label[32];
	int n = 0, pad = (int)(h % 6), k;

	/* A letter (all-numeric labels read as addresses), exactly 8 base-36 digits of the id
	 * (36^8 > 2^40) at fixed positions, which makes the label unique, then 0..5 letters so
	 * that lengths vary like real names. */
	label[n++] = (char)('a' + (h >> 8) % 26);
	for (k = 7; k >= 0; k--) {
		label[n + k] = d[id % 36];
		id /= 36;
	}
	n += 8;
	for (k = 0; k < pad; k++)
		label[n++] = (char)('a' + (h >> (13 + 5 * k)) % 26);
	label[n] = '\0';
	if ((h >> 56) % 4 == 0)
		snprintf(buf, cap, "%s%llu.%s.%s\n", (h >> 50) % 2 ? "cdn" : "api",
			 (unsigned long long)((h >> 40) % 100), label, tlds[(h >> 60) & 15]);
	else
		snprintf(buf, cap, "%s.%s\n", label, tlds[(h >> 60) & 15]);
}

int
main(int argc, char **argv)
{
	static char out[1 << 16];
	char line[128];
	uint64_t count, sample, i;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: mklist COUNT [SAMPLE]\n");
		return 2;
	}
	count = strtoull(argv[1], NULL, 10);
	sample = argc == 3 ? strtoull(argv[2], NULL, 10) : 0;
	if (count == 0 || count >= (1ULL << 40) || sample > count) {
		fprintf(stderr, "mklist: COUNT must be 1..2^40-1 and SAMPLE <= COUNT\n");
		return 2;
	}
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	if (sample == 0) {
		for (i = 0; i < count; i++) {
			put_name(i, line, sizeof(line));
			fputs(line, stdout);
		}
	} else {
		for (i = 0; i < sample; i++) {
			put_name(i * count / sample, line, sizeof(line));
			fputs(line, stdout);
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
