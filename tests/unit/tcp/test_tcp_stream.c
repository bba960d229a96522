/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream following: handshakes, DNS-over-TCP framing across and within segments,
 * trimming of bytes seen before, and everything the tracker must refuse to follow.
 */
#include <errno.h>
#include <string.h>

#include "dg_tcp.h"
#include "dg_wire.h"
#include "dg_test.h"
#include "tcp_build.h"

static struct dg_tcp_table *T;
static struct tb_conn C;
static struct tb_seg G;
static struct dg_tcp_msgs M;
static uint64_t now;
static uint32_t cseq, sseq; /* next sequence number each side sends */

static void
setup(uint32_t flows, uint64_t idle)
{
	dg_tcp_free(T);
	T = NULL;
	CU_ASSERT_EQUAL_FATAL(dg_tcp_create(&T, flows, idle), 0);
	tb_conn_init(&C, 4, 0, false);
	now = 1;
}

static enum dg_tcp_verdict
cli(uint8_t flags, uint32_t seq, const uint8_t *pl, size_t plen)
{
	tb_seg(&C, true, seq, sseq, flags, 0xffff, NULL, 0, pl, plen, &G);
	CU_ASSERT_EQUAL_FATAL(G.parse_rc, 0);
	return dg_tcp_client(T, G.frame, &G.p, &G.s, now, &M);
}

static void
srv(uint8_t flags, uint32_t seq, const uint8_t *pl, size_t plen)
{
	static struct tb_seg g;

	tb_seg(&C, false, seq, cseq, flags, C.s_win, NULL, 0, pl, plen, &g);
	CU_ASSERT_EQUAL_FATAL(g.parse_rc, 0);
	dg_tcp_server(T, g.frame, &g.p, &g.s, now);
}

/* Client data at the next sequence number. */
static enum dg_tcp_verdict
data(const uint8_t *pl, size_t n)
{
	enum dg_tcp_verdict v = cli(DG_TCP_F_ACK | DG_TCP_F_PSH, cseq, pl, n);

	cseq += (uint32_t)n;
	return v;
}

static void
handshake(void)
{
	cseq = C.c_isn + 1;
	sseq = 0;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	srv(DG_TCP_F_SYN | DG_TCP_F_ACK, C.s_isn, NULL, 0);
	sseq = C.s_isn + 1;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq, NULL, 0), DG_TCP_FORWARD);
}

static void
test_tcp_handshake_then_one_segment_query(void)
{
	uint8_t q[512], f[514];
	size_t ql, fl;

	setup(64, 1000);
	handshake();
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->flows, 1);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 1);
	ql = tb_query(q, 0x1234, "www.example.com");
	fl = tb_framed(f, q, ql);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_PTR_NOT_NULL(M.flow);
	/* wholly inside the segment: a pointer into it, every byte available */
	CU_ASSERT_PTR_EQUAL(M.msg[0].data, G.frame + G.s.payload_off + 2);
	CU_ASSERT_EQUAL(M.msg[0].len, ql);
	CU_ASSERT_EQUAL(M.msg[0].avail, ql);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 1);
	/* the server's answer, then the client's ACK: nothing to report */
	srv(DG_TCP_F_ACK | DG_TCP_F_PSH, sseq, f, fl);
	sseq += (uint32_t)fl;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
}

static void
test_tcp_length_prefix_split(void)
{
	uint8_t q[512], f[514];
	size_t ql;

	setup(64, 1000);
	handshake();
	ql = tb_query(q, 0x4321, "a.example");
	tb_framed(f, q, ql);
	/* 1 + 1 + message */
	CU_ASSERT_EQUAL(data(f, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + 1, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + 2, ql), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, ql);
	CU_ASSERT_EQUAL(M.msg[0].avail, ql);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q, ql), 0);
	/* 1 + (1 + message) */
	CU_ASSERT_EQUAL(data(f, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + 1, ql + 1), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, ql);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q, ql), 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 2);
}

static void
test_tcp_message_across_three_segments(void)
{
	uint8_t q[512], f[514];
	size_t ql, fl, a, b;

	setup(64, 1000);
	handshake();
	ql = tb_query(q, 0x1111, "three.segments.example.com");
	fl = tb_framed(f, q, ql);
	a = 7;
	b = 20;
	CU_ASSERT_EQUAL(data(f, a), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + a, b - a), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + b, fl - b - 1), DG_TCP_FORWARD); /* the last byte is missing */
	CU_ASSERT_EQUAL(data(f + fl - 1, 1), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, ql);
	CU_ASSERT_EQUAL(M.msg[0].avail, ql);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q, ql), 0);
	/* kept by the table, not in the segment */
	CU_ASSERT(M.msg[0].data < G.frame || M.msg[0].data >= G.frame + sizeof(G.frame));
}

static void
test_tcp_two_pipelined_messages(void)
{
	uint8_t q1[512], q2[512], f[1100];
	size_t l1, l2, fl;

	setup(64, 1000);
	handshake();
	l1 = tb_query(q1, 1, "one.example");
	l2 = tb_query(q2, 2, "two.example.org");
	fl = tb_framed(f, q1, l1);
	fl += tb_framed(f + fl, q2, l2);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 2);
	CU_ASSERT_PTR_EQUAL(M.msg[0].data, G.frame + G.s.payload_off + 2);
	CU_ASSERT_PTR_EQUAL(M.msg[1].data, G.frame + G.s.payload_off + 2 + l1 + 2);
	CU_ASSERT_EQUAL(M.msg[0].len, l1);
	CU_ASSERT_EQUAL(M.msg[1].len, l2);
	CU_ASSERT_EQUAL(memcmp(M.msg[1].data, q2, l2), 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 2);
}

static void
test_tcp_segment_completes_one_and_starts_next(void)
{
	uint8_t q1[512], q2[512], f[1100];
	size_t l1, l2, fl, cut1, cut2;

	setup(64, 1000);
	handshake();
	l1 = tb_query(q1, 1, "first.example");
	l2 = tb_query(q2, 2, "second.example");
	fl = tb_framed(f, q1, l1);
	fl += tb_framed(f + fl, q2, l2);
	cut1 = 10;          /* inside message 1 */
	cut2 = 2 + l1 + 9;  /* inside message 2 */
	CU_ASSERT_EQUAL(data(f, cut1), DG_TCP_FORWARD);
	/* completes message 1 (kept bytes) and fills the flow's buffer with message 2 */
	CU_ASSERT_EQUAL(data(f + cut1, cut2 - cut1), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, l1);
	CU_ASSERT_EQUAL(M.msg[0].avail, l1);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q1, l1), 0);
	CU_ASSERT_EQUAL(data(f + cut2, fl - cut2), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, l2);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q2, l2), 0);
	/* the prefix of the next one split 1+1 right at a segment's end */
	fl = tb_framed(f, q1, l1);
	fl += tb_framed(f + fl, q2, l2);
	CU_ASSERT_EQUAL(data(f, 2 + l1 + 1), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(data(f + 2 + l1 + 1, fl - (2 + l1 + 1)), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, l2);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q2, l2), 0);
}

static void
test_tcp_long_message_keeps_prefix(void)
{
	static uint8_t msg[3000], f[3002];
	size_t fl, i;

	setup(64, 1000);
	handshake();
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	fl = tb_framed(f, msg, sizeof(msg));
	CU_ASSERT_EQUAL(data(f, 1000), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + 1000, 1000), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f + 2000, fl - 2000), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, sizeof(msg));
	CU_ASSERT_EQUAL(M.msg[0].avail, DG_TCP_KEEP);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, msg, DG_TCP_KEEP), 0);
	/* the same message in one segment: all of it, in place */
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.msg[0].avail, sizeof(msg));
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, msg, sizeof(msg)), 0);
	/* exactly DG_TCP_KEEP and one past it, across two segments */
	for (i = DG_TCP_KEEP; i <= DG_TCP_KEEP + 1; i++) {
		fl = tb_framed(f, msg, i);
		CU_ASSERT_EQUAL(data(f, 5), DG_TCP_FORWARD);
		CU_ASSERT_EQUAL(data(f + 5, fl - 5), DG_TCP_MESSAGES);
		CU_ASSERT_EQUAL(M.msg[0].len, i);
		CU_ASSERT_EQUAL(M.msg[0].avail, DG_TCP_KEEP);
		CU_ASSERT_EQUAL(memcmp(M.msg[0].data, msg, DG_TCP_KEEP), 0);
	}
}

static void
test_tcp_duplicates_and_overlap_trimmed(void)
{
	uint8_t q[512], f[514];
	size_t ql, fl;
	uint32_t start;

	setup(64, 1000);
	handshake();
	ql = tb_query(q, 0x2222, "dup.example.net");
	fl = tb_framed(f, q, ql);
	start = cseq;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* the same segment again: nothing new */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_PSH, start, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	/* a keepalive (one old byte) */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq - 1, f + fl - 1, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 1);
	/* next message sent as 12 bytes, then resent overlapping with the rest:
	 * only the bytes past the expected sequence are read */
	start = cseq;
	CU_ASSERT_EQUAL(data(f, 12), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_PSH, start + 4, f + 4, fl - 4),
			DG_TCP_MESSAGES);
	cseq = start + (uint32_t)fl;
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, ql);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q, ql), 0);
	/* overlap by exactly all but the last byte */
	start = cseq;
	CU_ASSERT_EQUAL(data(f, fl - 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_PSH, start, f, fl), DG_TCP_MESSAGES);
	cseq = start + (uint32_t)fl;
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, q, ql), 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 3);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OUT_OF_ORDER], 0);
}

static void
test_tcp_gap_stops_tracking(void)
{
	uint8_t q[512], f[514];
	size_t ql, fl;

	setup(64, 1000);
	handshake();
	ql = tb_query(q, 0x3333, "gap.example");
	fl = tb_framed(f, q, ql);
	/* one byte ahead of the expected sequence */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_PSH, cseq + 1, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OUT_OF_ORDER], 1);
	/* from then on the flow is not followed, even in order */
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OUT_OF_ORDER], 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 0);
	/* a bare ACK ahead is no gap: only data and FIN count */
	setup(64, 1000);
	handshake();
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq + 100, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
}

static void
test_tcp_no_syn_not_tracked(void)
{
	uint8_t q[512], f[514];
	size_t ql, fl;

	setup(64, 1000);
	ql = tb_query(q, 0x4444, "nosyn.example");
	fl = tb_framed(f, q, ql);
	cseq = 1000;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_NO_HANDSHAKE], 1);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* a SYN-ACK alone creates nothing either */
	srv(DG_TCP_F_SYN | DG_TCP_F_ACK, C.s_isn, NULL, 0);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* SYN+FIN opens no connection anywhere */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN | DG_TCP_F_FIN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OTHER], 1);
}

static void
test_tcp_table_full(void)
{
	uint8_t q[512], f[514];
	size_t fl;
	unsigned int i;

	setup(8, 1000); /* one bucket of eight */
	fl = tb_framed(f, q, tb_query(q, 1, "full.example"));
	for (i = 0; i < 7; i++) {
		C.cport = (uint16_t)(50000 + i);
		handshake();
	}
	/* the eighth only half-open */
	C.cport = 50007;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 8);
	/* a ninth takes the half-open slot */
	now = 2;
	C.cport = 50008;
	handshake();
	CU_ASSERT_EQUAL(dg_tcp_count(T), 8);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->flows, 9);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* eight followed flows: a tenth is refused, and none of the eight is lost */
	C.cport = 50009;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_TABLE_FULL], 1);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->flows, 9);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD); /* its data: no handshake seen */
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_NO_HANDSHAKE], 1);
	C.cport = 50000;
	cseq = C.c_isn + 1;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* a closed flow (FIN both ways) gives its slot before any live one */
	C.cport = 50003;
	cseq = C.c_isn + 1;
	sseq = C.s_isn + 1;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_FIN | DG_TCP_F_ACK, cseq, NULL, 0), DG_TCP_FORWARD);
	cseq++;
	srv(DG_TCP_F_FIN | DG_TCP_F_ACK, sseq, NULL, 0);
	C.cport = 50009;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->flows, 10);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 8);
}

static void
test_tcp_idle_eviction(void)
{
	uint8_t q[512], f[514];
	size_t fl;
	unsigned int i;

	setup(8, 100);
	fl = tb_framed(f, q, tb_query(q, 1, "idle.example"));
	handshake();
	now = 101; /* exactly the timeout: still there */
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	now = 202; /* one past */
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->evicted_idle, 1);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_NO_HANDSHAKE], 1);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* a full bucket of idle flows makes room for new ones */
	for (i = 0; i < 8; i++) {
		C.cport = (uint16_t)(50000 + i);
		handshake();
	}
	now = 400;
	C.cport = 60000;
	handshake();
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->evicted_idle, 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_TABLE_FULL], 0);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* server segments keep a flow alive too */
	now = 480;
	srv(DG_TCP_F_ACK, sseq, NULL, 0);
	now = 560;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
}

static void
test_tcp_rst_and_fin(void)
{
	uint8_t q[512], f[514];
	size_t fl;

	fl = tb_framed(f, q, tb_query(q, 1, "rst.example"));
	/* client RST off the next sequence: ignored, as a server does (RFC 5961) */
	setup(64, 1000);
	handshake();
	CU_ASSERT_EQUAL(cli(DG_TCP_F_RST, cseq + 1, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_RST, cseq - 1, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->bad_rst, 2);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 1);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* at it: the flow is gone */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_RST, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* server RST: likewise at the client's next expected sequence only */
	setup(64, 1000);
	handshake();
	srv(DG_TCP_F_RST, sseq + 5, NULL, 0);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 1);
	srv(DG_TCP_F_RST | DG_TCP_F_ACK, sseq, NULL, 0);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* refused connection: RST|ACK to the SYN */
	setup(64, 1000);
	cseq = C.c_isn + 1;
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_FORWARD);
	srv(DG_TCP_F_RST | DG_TCP_F_ACK, 0, NULL, 0);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 0);
	/* FIN: data and FIN in one segment, then nothing more is read */
	setup(64, 1000);
	handshake();
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_FIN, cseq, f, fl), DG_TCP_MESSAGES);
	cseq += (uint32_t)fl + 1;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(dg_tcp_count(T), 1);
	/* the server's FIN closes it; a new SYN on the same ports starts again */
	srv(DG_TCP_F_FIN | DG_TCP_F_ACK, sseq, NULL, 0);
	C.c_isn += 100000;
	handshake();
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->flows, 2);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* a FIN-only segment retransmitted: no change */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_FIN, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_FIN, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OUT_OF_ORDER], 0);
}

static void
test_tcp_answered_flow_dropped(void)
{
	uint8_t q[512], f[514];
	size_t fl;
	struct dg_tcp_flow *flow;

	setup(64, 1000);
	fl = tb_framed(f, q, tb_query(q, 1, "blocked.example"));
	handshake();
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	flow = M.flow;
	dg_tcp_answered(T, flow);
	dg_tcp_answered(T, flow); /* once */
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->answered, 1);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_DROP);
	/* bare ACK and FIN go on: the reset server's stack then closes the client's socket */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_FIN, cseq, NULL, 0), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK, cseq, (const uint8_t *)"x", 1), DG_TCP_DROP);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, NULL, 0), DG_TCP_DROP);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->dropped, 3);
	/* a new connection on the same ports is followed again */
	C.c_isn += 5000;
	handshake();
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
}

static void
test_tcp_syn_on_live_flow_ignored(void)
{
	uint8_t q[512], f[514];
	size_t fl;

	setup(64, 1000);
	fl = tb_framed(f, q, tb_query(q, 1, "live.example"));
	handshake();
	/* a SYN with another ISN and data: a live server ignores both */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, cseq + 7, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	/* a SYN retransmitted with data at the next sequence: not the stream either */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, cseq - 1, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(memcmp(M.msg[0].data, f + 2, fl - 2), 0);
}

static void
test_tcp_fast_open(void)
{
	uint8_t q[512], f[514];
	size_t fl;

	fl = tb_framed(f, q, tb_query(q, 1, "tfo.example"));
	/* data on the SYN is read; the SYN-ACK takes it */
	setup(64, 1000);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	cseq = C.c_isn + 1 + (uint32_t)fl;
	srv(DG_TCP_F_SYN | DG_TCP_F_ACK, C.s_isn, NULL, 0);
	sseq = C.s_isn + 1;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	/* the SYN-ACK declines it: the client sends it again after the SYN, read again */
	setup(64, 1000);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, f, fl), DG_TCP_MESSAGES);
	cseq = C.c_isn + 1;
	srv(DG_TCP_F_SYN | DG_TCP_F_ACK, C.s_isn, NULL, 0);
	sseq = C.s_isn + 1;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	/* a SYN-ACK that acknowledges part of the data answers no SYN of ours */
	setup(64, 1000);
	CU_ASSERT_EQUAL(cli(DG_TCP_F_SYN, C.c_isn, f, fl), DG_TCP_MESSAGES);
	cseq = C.c_isn + 3;
	srv(DG_TCP_F_SYN | DG_TCP_F_ACK, C.s_isn, NULL, 0);
	CU_ASSERT_EQUAL(dg_tcp_forge_rst(M.flow, G.frame, &G.p, &G.s, G.frame, sizeof(G.frame),
					 &fl), -ENOTCONN);
}

static void
test_tcp_urgent_data_refused(void)
{
	uint8_t q[512], f[514];
	size_t fl;

	setup(64, 1000);
	fl = tb_framed(f, q, tb_query(q, 1, "urg.example"));
	handshake();
	/* urgent data: the server's socket would read other bytes than we do */
	CU_ASSERT_EQUAL(cli(DG_TCP_F_ACK | DG_TCP_F_URG, cseq, f, fl), DG_TCP_DROP);
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_DROP);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->dropped, 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 0);
}

static void
test_tcp_message_count_limits(void)
{
	static uint8_t f[(DG_TCP_MSGS_MAX + 1) * 14 + 16];
	size_t fl = 0, i;

	/* DG_TCP_MSGS_MAX header-only messages in one segment: all listed */
	setup(64, 1000);
	handshake();
	memset(f, 0, sizeof(f));
	for (i = 0; i < DG_TCP_MSGS_MAX; i++) {
		f[fl + 1] = DG_TCP_MSG_MIN;
		f[fl + 2] = (uint8_t)i; /* ID */
		fl += 2 + DG_TCP_MSG_MIN;
	}
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, DG_TCP_MSGS_MAX);
	CU_ASSERT_EQUAL(M.msg[DG_TCP_MSGS_MAX - 1].data[0], DG_TCP_MSGS_MAX - 1);
	/* one more: the flow cannot be followed */
	f[fl + 1] = DG_TCP_MSG_MIN;
	fl += 2 + DG_TCP_MSG_MIN;
	CU_ASSERT_EQUAL(data(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->untracked[DG_TCP_UNTRACKED_OTHER], 1);
	/* shorter than a header (here 0 and 11 bytes): counted, not listed */
	setup(64, 1000);
	handshake();
	memset(f, 0, 40);
	f[3] = DG_TCP_MSG_MIN - 1;
	CU_ASSERT_EQUAL(data(f, 2 + 2 + DG_TCP_MSG_MIN - 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->messages, 2);
	f[1] = DG_TCP_MSG_MIN;
	CU_ASSERT_EQUAL(data(f, 2 + DG_TCP_MSG_MIN), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
}

/* A server data segment at @p seq, read as responses (dg_tcp_server_read()). */
static struct tb_seg SG;

static enum dg_tcp_verdict
srv_read(uint32_t seq, const uint8_t *pl, size_t plen)
{
	tb_seg(&C, false, seq, cseq, DG_TCP_F_ACK | DG_TCP_F_PSH, C.s_win, NULL, 0, pl, plen, &SG);
	CU_ASSERT_EQUAL_FATAL(SG.parse_rc, 0);
	return dg_tcp_server_read(T, SG.frame, &SG.p, &SG.s, now, &M);
}

/* Server data at its next sequence number. */
static enum dg_tcp_verdict
sdata(const uint8_t *pl, size_t n)
{
	enum dg_tcp_verdict v = srv_read(sseq, pl, n);

	sseq += (uint32_t)n;
	return v;
}

static uint64_t
unread_n(enum dg_tcp_unread r)
{
	return dg_tcp_stats(T)->resp_unread[r];
}

/* Handshake, one query; @p a / @p al: its answer. */
static void
resp_setup(uint8_t *a, size_t *al)
{
	uint8_t q[512], f[514];
	size_t ql;

	setup(64, 1000);
	handshake();
	ql = tb_query(q, 0x2222, "resp.example");
	CU_ASSERT_EQUAL(data(f, tb_framed(f, q, ql)), DG_TCP_MESSAGES);
	*al = tb_answer(a, q, ql);
}

static void
test_tcp_response_one_in_segment(void)
{
	uint8_t a[600], f[602];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 1);
	CU_ASSERT_PTR_NOT_NULL(M.flow);
	CU_ASSERT_PTR_EQUAL(M.msg[0].data, SG.frame + SG.s.payload_off + 2);
	CU_ASSERT_EQUAL(M.msg[0].len, al);
	CU_ASSERT_EQUAL(M.msg[0].avail, al);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 1);
	/* a bare ACK from the server: nothing to read, nothing counted */
	tb_seg(&C, false, sseq, cseq, DG_TCP_F_ACK, C.s_win, NULL, 0, NULL, 0, &SG);
	CU_ASSERT_EQUAL(dg_tcp_server_read(T, SG.frame, &SG.p, &SG.s, now, &M), DG_TCP_FORWARD);
	for (unsigned int r = 0; r < DG_TCP_UNREAD__MAX; r++)
		CU_ASSERT_EQUAL(unread_n(r), 0);
	/* and the next response is read at the new position */
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 2);
}

static void
test_tcp_response_two_pipelined(void)
{
	uint8_t a[600], f[1300];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	fl += tb_framed(f + fl, a, al);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 2);
	CU_ASSERT_PTR_EQUAL(M.msg[1].data, SG.frame + SG.s.payload_off + 2 + al + 2);
	CU_ASSERT_EQUAL(M.msg[1].len, al);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 2);
}

/* A message that ends exactly at the segment's last byte is read; one byte more is not. */
static void
test_tcp_response_last_byte_and_one_past(void)
{
	uint8_t a[600], f[602];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	/* the prefix claims one byte more than the segment holds */
	f[1]++;
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(M.n, 0);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_SPLIT), 1);
	/* that byte comes next: inside the skipped message, still unread */
	CU_ASSERT_EQUAL(sdata(f, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_SPLIT), 2);
	/* the framing skipped it whole: the next message is read */
	f[1]--;
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL(M.n, 1);
	CU_ASSERT_EQUAL(M.msg[0].len, al);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 1);
}

static void
test_tcp_response_split_forwarded_unread(void)
{
	uint8_t a[600], f[1300];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	/* one message over two segments */
	CU_ASSERT_EQUAL(sdata(f, 10), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(sdata(f + 10, fl - 10), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_SPLIT), 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 0);
	/* the tail of one message and a whole one: the whole one is read */
	memcpy(f + fl, f, fl);
	CU_ASSERT_EQUAL(sdata(f, 10), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(sdata(f + 10, 2 * fl - 10), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(M.n, 1);
	CU_ASSERT_PTR_EQUAL(M.msg[0].data, SG.frame + SG.s.payload_off + fl - 10 + 2);
	/* a length prefix cut in two: the framing is lost for good */
	CU_ASSERT_EQUAL(sdata(f, 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_SPLIT), 4);
	CU_ASSERT_EQUAL(sdata(f + 1, fl - 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 2);
}

static void
test_tcp_response_out_of_order_and_retransmit(void)
{
	uint8_t a[600], f[602];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	/* the same bytes again: a retransmission, not read, framing kept */
	CU_ASSERT_EQUAL(srv_read(sseq - (uint32_t)fl, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_RETRANSMIT), 1);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	/* a gap: not read, and nothing after it either */
	CU_ASSERT_EQUAL(srv_read(sseq + 5, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 1);
	CU_ASSERT_EQUAL(srv_read(sseq + 5 + (uint32_t)fl, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 2);
}

static void
test_tcp_response_untracked_and_answered(void)
{
	uint8_t a[600], f[602];
	size_t al, fl;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	/* another client port: no flow */
	C.cport++;
	CU_ASSERT_EQUAL(srv_read(sseq, f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_UNTRACKED), 1);
	C.cport--;
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	dg_tcp_answered(T, M.flow);
	/* the client has our answer at these sequence numbers: the server's bytes stop */
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_DROP);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->resp_dropped, 1);
	/* its bare FIN still goes through */
	tb_seg(&C, false, sseq, cseq, DG_TCP_F_ACK | DG_TCP_F_FIN, C.s_win, NULL, 0, NULL, 0, &SG);
	CU_ASSERT_EQUAL(dg_tcp_server_read(T, SG.frame, &SG.p, &SG.s, now, &M), DG_TCP_FORWARD);
	CU_ASSERT_STRING_EQUAL(dg_tcp_unread_name(DG_TCP_UNREAD_RETRANSMIT), "retransmitted");
	CU_ASSERT_STRING_EQUAL(dg_tcp_unread_name(DG_TCP_UNREAD__MAX), "unknown");
	dg_tcp_unread_count(T, DG_TCP_UNREAD_BAD_SEGMENT);
	dg_tcp_unread_count(T, DG_TCP_UNREAD__MAX);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_BAD_SEGMENT), 1);
}

static void
test_tcp_response_urgent_and_overlap(void)
{
	uint8_t a[600], f[1300];
	size_t al, fl;

	/* urgent data from the server: not read, and the framing is given up */
	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	tb_seg(&C, false, sseq, cseq, DG_TCP_F_ACK | DG_TCP_F_URG, C.s_win, NULL, 0, f, fl, &SG);
	sseq += (uint32_t)fl;
	CU_ASSERT_EQUAL(dg_tcp_server_read(T, SG.frame, &SG.p, &SG.s, now, &M), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OTHER), 1);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 1);
	/* old and new bytes in one segment: not guessed, framing given up */
	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_MESSAGES);
	memcpy(f + fl, f, fl);
	CU_ASSERT_EQUAL(srv_read(sseq - 1, f + fl - 1, fl + 1), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 1);
	sseq += (uint32_t)fl;
	CU_ASSERT_EQUAL(sdata(f, fl), DG_TCP_FORWARD);
	CU_ASSERT_EQUAL(unread_n(DG_TCP_UNREAD_OUT_OF_ORDER), 2);
	CU_ASSERT_EQUAL(dg_tcp_stats(T)->responses, 1);
}

/* A rewritten or forged frame, parsed again as the worker would (every checksum checked). */
static int
reparse(const uint8_t *frame, size_t len, uint16_t dns_port, struct dg_pkt *p,
	struct dg_tcp_seg *s)
{
	struct dg_pkt_cfg cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.dns_port = dns_port;
	dg_wire_parse_l2l4(frame, len, &cfg, 0, p);
	return dg_tcp_seg_parse(frame, len, p, 0, s);
}

static void
test_tcp_response_forges(void)
{
	static const uint8_t dns[] = { 0x22, 0x22, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0,
				       0, 0, 1, 0, 1 };
	uint8_t a[600], f[1300], out[256];
	struct dg_tcp_seg s2;
	struct dg_pkt p2;
	size_t al, fl, n, need;
	uint32_t seq;

	resp_setup(a, &al);
	fl = tb_framed(f, a, al);
	fl += tb_framed(f + fl, a, al);
	seq = sseq;
	CU_ASSERT_EQUAL_FATAL(sdata(f, fl), DG_TCP_MESSAGES);
	/* the RST to the server: from the client, at its next sequence number */
	CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_resp_rst(M.flow, SG.frame, &SG.p, &SG.s, out,
						    sizeof(out), &n), 0);
	CU_ASSERT_EQUAL_FATAL(reparse(out, n, 53, &p2, &s2), 0);
	CU_ASSERT_EQUAL(p2.src_port, C.cport);
	CU_ASSERT_EQUAL(s2.flags, DG_TCP_F_RST | DG_TCP_F_ACK);
	CU_ASSERT_EQUAL(s2.seq, cseq);
	CU_ASSERT_EQUAL(s2.ack, sseq);
	CU_ASSERT_EQUAL(s2.payload_len, 0);
	CU_ASSERT_EQUAL(memcmp(out, tb_server_mac, 6), 0); /* back where the segment came from */
	CU_ASSERT_EQUAL(dg_tcp_forge_resp_rst(M.flow, SG.frame, &SG.p, &SG.s, out, n - 1, &n),
			-ENOSPC);
	CU_ASSERT_EQUAL(dg_tcp_forge_resp_rst(M.flow, G.frame, &G.p, &G.s, out, sizeof(out), &n),
			-EINVAL); /* a client segment */
	/* the second message listed: the first stays, the answer replaces the rest, FIN */
	need = SG.s.payload_off + 2 + al + 2 + sizeof(dns);
	CU_ASSERT_EQUAL(dg_tcp_forge_resp_answer(SG.frame, &SG.p, &SG.s, 2 + al, dns, sizeof(dns),
						 need - 1, &n), -ENOSPC);
	CU_ASSERT_EQUAL(dg_tcp_forge_resp_answer(SG.frame, &SG.p, &SG.s, fl + 1, dns, sizeof(dns),
						 sizeof(SG.frame), &n), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_resp_answer(SG.frame, &SG.p, &SG.s, 2 + al, dns,
						       sizeof(dns), need, &n), 0);
	CU_ASSERT_EQUAL(n, need);
	CU_ASSERT_EQUAL_FATAL(reparse(SG.frame, n, C.cport, &p2, &s2), 0);
	CU_ASSERT_EQUAL(s2.seq, seq);
	CU_ASSERT(s2.flags & DG_TCP_F_FIN);
	CU_ASSERT_EQUAL(s2.payload_len, 2 + al + 2 + sizeof(dns));
	CU_ASSERT_EQUAL(memcmp(SG.frame + s2.payload_off, f, 2 + al), 0);
	CU_ASSERT_EQUAL(SG.frame[s2.payload_off + 2 + al + 1], sizeof(dns));
	CU_ASSERT_EQUAL(memcmp(SG.frame + s2.payload_off + 2 + al + 2, dns, sizeof(dns)), 0);
	/* drop: the segment becomes a RST to the client at its own sequence number */
	CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_resp_reset(SG.frame, &p2, &s2, sizeof(SG.frame), &n), 0);
	CU_ASSERT_EQUAL_FATAL(reparse(SG.frame, n, C.cport, &p2, &s2), 0);
	CU_ASSERT_EQUAL(s2.flags, DG_TCP_F_RST | DG_TCP_F_ACK);
	CU_ASSERT_EQUAL(s2.seq, seq);
	CU_ASSERT_EQUAL(s2.payload_len, 0);
}

static void
test_tcp_response_forges_ipv6_vlan_ts(void)
{
	static const uint8_t dns[] = { 0x22, 0x22, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0,
				       0, 0, 1, 0, 1 };
	uint8_t a[600], f[602], q[512], out[256];
	struct dg_tcp_seg s2;
	struct dg_pkt p2;
	size_t al, fl, ql, n;

	setup(64, 1000);
	tb_conn_init(&C, 6, 2, true);
	handshake();
	ql = tb_query(q, 0x3333, "six.example");
	CU_ASSERT_EQUAL(data(f, tb_framed(f, q, ql)), DG_TCP_MESSAGES);
	al = tb_answer(a, q, ql);
	fl = tb_framed(f, a, al);
	CU_ASSERT_EQUAL_FATAL(sdata(f, fl), DG_TCP_MESSAGES);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_resp_rst(M.flow, SG.frame, &SG.p, &SG.s, out,
						    sizeof(out), &n), 0);
	CU_ASSERT_EQUAL_FATAL(reparse(out, n, 53, &p2, &s2), 0);
	CU_ASSERT_EQUAL(p2.vlan_n, 2);
	CU_ASSERT(s2.has_ts);
	CU_ASSERT_EQUAL(s2.tsecr, SG.s.tsval);
	CU_ASSERT_EQUAL(s2.seq, cseq);
	CU_ASSERT_EQUAL_FATAL(dg_tcp_forge_resp_answer(SG.frame, &SG.p, &SG.s, 0, dns, sizeof(dns),
						       sizeof(SG.frame), &n), 0);
	CU_ASSERT_EQUAL_FATAL(reparse(SG.frame, n, C.cport, &p2, &s2), 0);
	CU_ASSERT(s2.has_ts);
	CU_ASSERT_EQUAL(s2.payload_len, 2 + sizeof(dns));
}

static void
test_tcp_names_and_args(void)
{
	struct dg_tcp_table *t = NULL;

	CU_ASSERT_STRING_EQUAL(dg_tcp_untracked_name(DG_TCP_UNTRACKED_NO_HANDSHAKE), "no_handshake");
	CU_ASSERT_STRING_EQUAL(dg_tcp_untracked_name(DG_TCP_UNTRACKED_OTHER), "other");
	CU_ASSERT_STRING_EQUAL(dg_tcp_untracked_name(DG_TCP_UNTRACKED__MAX), "unknown");
	CU_ASSERT_EQUAL(dg_tcp_create(&t, 0, 10), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_create(&t, DG_TCP_FLOWS_MAX + 1, 10), -EINVAL);
	CU_ASSERT_EQUAL(dg_tcp_create(&t, 8, 0), -EINVAL);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_EQUAL(dg_tcp_create(&t, 9, 10), 0);
	CU_ASSERT_EQUAL(dg_tcp_count(t), 0);
	dg_tcp_free(t);
	dg_tcp_free(NULL);
	dg_tcp_free(T);
	T = NULL;
}

DG_TEST_MAIN("tcp_stream",
	DG_TEST(test_tcp_handshake_then_one_segment_query),
	DG_TEST(test_tcp_length_prefix_split),
	DG_TEST(test_tcp_message_across_three_segments),
	DG_TEST(test_tcp_two_pipelined_messages),
	DG_TEST(test_tcp_segment_completes_one_and_starts_next),
	DG_TEST(test_tcp_long_message_keeps_prefix),
	DG_TEST(test_tcp_duplicates_and_overlap_trimmed),
	DG_TEST(test_tcp_gap_stops_tracking),
	DG_TEST(test_tcp_no_syn_not_tracked),
	DG_TEST(test_tcp_table_full),
	DG_TEST(test_tcp_idle_eviction),
	DG_TEST(test_tcp_rst_and_fin),
	DG_TEST(test_tcp_answered_flow_dropped),
	DG_TEST(test_tcp_syn_on_live_flow_ignored),
	DG_TEST(test_tcp_fast_open),
	DG_TEST(test_tcp_urgent_data_refused),
	DG_TEST(test_tcp_message_count_limits),
	DG_TEST(test_tcp_response_one_in_segment),
	DG_TEST(test_tcp_response_two_pipelined),
	DG_TEST(test_tcp_response_last_byte_and_one_past),
	DG_TEST(test_tcp_response_split_forwarded_unread),
	DG_TEST(test_tcp_response_out_of_order_and_retransmit),
	DG_TEST(test_tcp_response_untracked_and_answered),
	DG_TEST(test_tcp_response_urgent_and_overlap),
	DG_TEST(test_tcp_response_forges),
	DG_TEST(test_tcp_response_forges_ipv6_vlan_ts),
	DG_TEST(test_tcp_names_and_args))
