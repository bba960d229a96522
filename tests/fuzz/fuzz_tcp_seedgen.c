/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seed corpus for fuzz_tcp (input format in fuzz_tcp.c): handshakes followed by a query
 * in one segment, with a split length prefix, and pipelined, for IPv4 and IPv6, with and
 * without VLAN tags and timestamps; then forged answers and later data on answered flows;
 * then responses read from the server's stream (READ): one, two pipelined, one split.
 * Usage: fuzz_tcp_seedgen OUT_DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10,
	CLIENT = 0x01, TS = 0x20, FORGE = 0x40, ANSWERED = 0x80, READ = 0x80,
	CFG_MARK = 0x10,
};

static uint8_t seed[4096];
static size_t n;

static void
rec(uint8_t sel, uint8_t flags, const uint8_t *pl, size_t len)
{
	seed[n++] = sel;
	seed[n++] = flags;
	seed[n++] = 0; /* in order */
	seed[n++] = 0;
	seed[n++] = (uint8_t)len;
	if (len > 0)
		memcpy(seed + n, pl, len);
	n += len;
}

static void
handshake(uint8_t conn, uint8_t ts)
{
	rec(CLIENT | conn << 1 | ts, SYN, NULL, 0);
	rec(conn << 1 | ts, SYN | ACK, NULL, 0);
	rec(CLIENT | conn << 1 | ts, ACK, NULL, 0);
}

static void
save(const char *dir, unsigned int i)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tcp-seed-%02u", dir, i);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(seed, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	/* www.example.com A IN, RD, with its 2-byte length prefix */
	static const uint8_t q[] = { 0, 33, 0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1 };
	uint8_t two[2 * sizeof(q)];
	unsigned int cfg, k = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
		return 2;
	}
	memcpy(two, q, sizeof(q));
	memcpy(two + sizeof(q), q, sizeof(q));
	for (cfg = 0; cfg < 6; cfg++) { /* IPv4/IPv6 x 0, 1, 2 tags */
		const uint8_t ts = cfg & 1 ? TS : 0;

		n = 0;
		seed[n++] = (uint8_t)((cfg & 1) | (cfg >> 1) << 1);
		handshake(0, ts);
		rec(CLIENT | ts | FORGE | ANSWERED, ACK | PSH, q, sizeof(q));
		rec(CLIENT | ts, ACK | PSH | FIN, q, sizeof(q));
		save(argv[1], k++);

		n = 0;
		seed[n++] = (uint8_t)((cfg & 1) | (cfg >> 1) << 1 | 0x08);
		handshake(1, ts);
		rec(CLIENT | 1 << 1 | ts, ACK, q, 1);
		rec(CLIENT | 1 << 1 | ts, ACK, q + 1, 1);
		rec(1 << 1 | ts, ACK, NULL, 0);
		rec(CLIENT | 1 << 1 | ts | FORGE, ACK | PSH, q + 2, sizeof(q) - 2);
		rec(CLIENT | 1 << 1 | ts | FORGE, ACK | PSH, two, sizeof(two) - 3);
		rec(CLIENT | 1 << 1 | ts | FORGE, ACK | PSH | FIN, two + sizeof(two) - 3, 3);
		rec(1 << 1 | ts, ACK | FIN, NULL, 0);
		save(argv[1], k++);

		/* the query's bytes stand for a response: the tracker reads framing only */
		n = 0;
		seed[n++] = (uint8_t)((cfg & 1) | (cfg >> 1) << 1 | (cfg & 2 ? CFG_MARK : 0));
		handshake(2, ts);
		rec(CLIENT | 2 << 1 | ts, ACK | PSH, q, sizeof(q));
		rec(2 << 1 | ts | READ, ACK | PSH, q, sizeof(q));
		rec(CLIENT | 2 << 1 | ts, ACK | PSH, two, sizeof(two));
		rec(2 << 1 | ts | READ, ACK | PSH, two, sizeof(two));
		rec(2 << 1 | ts | READ, ACK | PSH, q, 9);
		rec(2 << 1 | ts | READ, ACK | PSH | FIN, q + 9, sizeof(q) - 9);
		save(argv[1], k++);
	}
	return 0;
}
