/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hit log micro-benchmark: what one filtered query costs
 *  - the worker: filling a struct dg_hit_record in a ring-sized array of slots (the ring
 *    push itself is measured by the lead in app/),
 *  - the management core: formatting it as JSON, and formatting + buffered write(2)
 *    to /dev/null through the writer.
 * usage: bench_hitlog [RECORDS]   (default 2000000)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dg_filter.h"
#include "dg_hitlog.h"

enum { NAMES = 1024, SLOTS = 1024 };

struct src_name {
	uint8_t len;
	uint16_t msg_len;
	uint8_t wire[DG_HITLOG_QNAME_MAX];
	uint8_t msg[DG_HIT_MSG_MAX];
};

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Names of 2..4 labels, 3..20 bytes each, mixed case: typical malware C&C names. */
static void
make_names(struct src_name *n)
{
	unsigned int seed = 12345;

	for (int i = 0; i < NAMES; i++) {
		int labels = 2 + (int)(rand_r(&seed) % 3), off = 0;

		for (int l = 0; l < labels; l++) {
			int len = l == labels - 1 ? 3 : 3 + (int)(rand_r(&seed) % 18);

			n[i].wire[off++] = (uint8_t)len;
			for (int k = 0; k < len; k++)
				n[i].wire[off++] = (uint8_t)((rand_r(&seed) % 4 ? 'a' : 'A') +
							     rand_r(&seed) % 26);
		}
		n[i].wire[off++] = 0;
		n[i].len = (uint8_t)off;
		/* header, question (type A, class IN), OPT: a typical query message */
		memset(n[i].msg, 0, sizeof(n[i].msg));
		n[i].msg[2] = 0x01;
		n[i].msg[5] = 1;
		n[i].msg[11] = 1;
		memcpy(n[i].msg + DG_HIT_QNAME_OFF, n[i].wire, (size_t)off);
		off += DG_HIT_QNAME_OFF;
		memcpy(n[i].msg + off, "\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00"
		       "\x00\x00", 15);
		n[i].msg_len = (uint16_t)(off + 15);
	}
}

static const struct dg_entry_meta meta = { .identifier = "IIJ-20240416-0001",
					    .category = "backdoor" };

/*
 * What the worker does per filtered query (the fields come from the parsed packet): the
 * query message (header, question, an 11-byte OPT) is copied from the frame, here from
 * the prepared @p n.
 */
static inline void
fill(struct dg_hit_record *r, const struct src_name *n, uint64_t tsc, uint32_t i)
{
	r->tsc = tsc;
	r->meta = &meta;
	r->qtype = (i & 3) ? 1 : 28;
	r->src_port = (uint16_t)(1024 + i);
	r->dst_port = 53;
	r->family = (i & 7) ? 4 : 6;
	r->action = DG_ACTION_SINKHOLE;
	r->port = 0;
	r->qname_len = n->len;
	r->msg_len = n->msg_len;
	r->vlan_n = 1;
	memset(r->src_addr, 0, sizeof(r->src_addr));
	memcpy(r->src_addr, "\xc6\x12", 2);
	memcpy(r->src_addr + 2, &i, 2);
	memset(r->dst_addr, 0, sizeof(r->dst_addr));
	memcpy(r->dst_addr, "\xc6\x12\x00\x35", 4);
	memcpy(r->vlan, "\x81\x00\x00\x64", 4);
	memcpy(r->msg, n->msg, n->msg_len);
}

int
main(int argc, char **argv)
{
	static struct src_name names[NAMES];
	static struct dg_hit_record slots[SLOTS];
	struct dg_hitlog_clock clk = { .tsc0 = 0, .hz = 2500000000ULL,
				       .unix_ns0 = 1713236645000000000LL };
	long n = argc > 1 ? atol(argv[1]) : 2000000;
	char line[DG_HITLOG_LINE_MAX], err[256];
	struct dg_hitlog_stats st;
	struct dg_hitlog *h;
	uint64_t sink = 0, bytes = 0;
	double t0, t_fill, t_fmt, t_write;
	long i;

	if (n <= 0)
		n = 2000000;
	make_names(names);

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		fill(&slots[i & (SLOTS - 1)], &names[i & (NAMES - 1)], (uint64_t)i * 1000,
		     (uint32_t)i);
		sink += slots[(i + 7) & (SLOTS - 1)].msg[DG_HIT_QNAME_OFF];
	}
	t_fill = now_ns() - t0;

	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct dg_hit_record *r = &slots[i & (SLOTS - 1)];
		int len;

		fill(r, &names[i & (NAMES - 1)], (uint64_t)i * 1000, (uint32_t)i);
		len = dg_hitlog_format_json(r, &clk, line, sizeof(line));
		if (len < 0) {
			fprintf(stderr, "format failed: %d\n", len);
			return 1;
		}
		bytes += (uint64_t)len;
		sink += (uint8_t)line[len / 2];
	}
	t_fmt = now_ns() - t0;

	if (dg_hitlog_open(&h, "/dev/null", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct dg_hit_record *r = &slots[i & (SLOTS - 1)];

		fill(r, &names[i & (NAMES - 1)], (uint64_t)i * 1000, (uint32_t)i);
		if (dg_hitlog_write(h, r, &clk) != 0) {
			fprintf(stderr, "write failed\n");
			return 1;
		}
	}
	dg_hitlog_flush(h);
	t_write = now_ns() - t0;
	dg_hitlog_get_stats(h, &st);
	dg_hitlog_close(h);

	printf("records: %ld, sizeof(struct dg_hit_record) = %zu bytes, mean line %.1f bytes\n",
	       n, sizeof(struct dg_hit_record), (double)bytes / (double)n);
	printf("worker fill (record into a ring-sized slot array): %7.1f ns/record\n",
	       t_fill / (double)n);
	printf("fill + format JSON:                                %7.1f ns/record"
	       " (%.2f M records/s)\n", t_fmt / (double)n, (double)n * 1e3 / t_fmt);
	printf("fill + format + buffered write to /dev/null:      %7.1f ns/record"
	       " (%.2f M records/s, %" PRIu64 " written)\n", t_write / (double)n,
	       (double)n * 1e3 / t_write, st.written);
	printf("(checksum %" PRIu64 ")\n", sink);
	return 0;
}
