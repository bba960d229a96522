/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TCP_H
#define DG_TCP_H

/**
 * @file
 * DNS over TCP (RFC 7766) seen from an inline box: follow the subscriber's byte stream on
 * port-53 flows, hand every complete DNS message to the caller, and forge the in-stream
 * answer (to the client) and the reset (to the resolver) for a message it blocks.
 *
 * Worker sequence for a client segment (TCP to port 53, dg_wire_parse_l2l4() gave
 * DG_FWD_TCP_DNS and filled @p p):
 * @code
 *   if (dg_tcp_seg_parse(frame, len, &p, hints, &seg) != 0) -> forward (the server drops it)
 *   switch (dg_tcp_client(t, frame, &p, &seg, now, &msgs)) {
 *   case DG_TCP_FORWARD: forward; break;
 *   case DG_TCP_DROP:    free the frame; break;
 *   case DG_TCP_MESSAGES:
 *       for each msgs.msg[i]: parse msg.data (msg.avail of msg.len bytes), look it up
 *       none blocked -> forward the segment; done
 *       blocked -> build the DNS answer, then
 *           dg_tcp_forge_rst(msgs.flow, frame, &p, &seg, rst, room, &rst_len) -> network side
 *           dg_tcp_forge_answer(msgs.flow, frame, &p, &seg, dns, dns_len, frame, room,
 *                               &alen) -> back to the client, in place
 *           (a forge that fails: drop the segment instead)
 *           dg_tcp_answered(t, msgs.flow)
 *   }
 * @endcode
 * and for a network-side segment (from port 53): dg_tcp_seg_parse(), then dg_tcp_server()
 * (the frame is forwarded unchanged whatever happens), or with response policy
 * dg_tcp_server_read(): each complete response in the segment is read as over UDP; a
 * listed one turns the segment into the answer to the client
 * (dg_tcp_forge_resp_answer(), in place) and a RST to the server
 * (dg_tcp_forge_resp_rst()), then dg_tcp_answered().
 *
 * What the tracker cannot follow is forwarded and counted (struct dg_tcp_stats): a flow
 * whose handshake it did not see, a full table, a gap in the client's stream. One table
 * per worker: both directions of a flow must reach the same one (symmetric RSS). No
 * allocation after dg_tcp_create(), no locks, no system calls; O(1) per segment plus the
 * payload bytes.
 *
 * No DPDK here: this library builds, tests and fuzzes anywhere.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** TCP header flags (RFC 9293 3.1). */
enum dg_tcp_flag {
	DG_TCP_F_FIN = 0x01,
	DG_TCP_F_SYN = 0x02,
	DG_TCP_F_RST = 0x04,
	DG_TCP_F_PSH = 0x08,
	DG_TCP_F_ACK = 0x10,
	DG_TCP_F_URG = 0x20,
};

/** Bytes of each DNS message kept across segments (its start: the question is there). */
#define DG_TCP_KEEP 1024

/** Most flows a table holds (at about 1.1 KiB each). */
#define DG_TCP_FLOWS_MAX (1u << 20)

/** Most messages one client segment may complete (every 1792-byte payload fits). */
#define DG_TCP_MSGS_MAX 128

/** Messages shorter than a DNS header carry no question and are not reported. */
#define DG_TCP_MSG_MIN 12

/** A parsed TCP header. Offsets are from the frame start. */
struct dg_tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint16_t win;          /**< raw window field (unscaled) */
	uint16_t urg_ptr;      /**< urgent pointer field */
	uint8_t flags;         /**< DG_TCP_F_* (the whole flags byte) */
	uint8_t hdr_len;       /**< data offset in bytes (20..60) */
	uint16_t payload_off;  /**< first payload byte */
	uint16_t payload_len;  /**< payload bytes inside the IP packet (padding excluded) */
	bool has_ts;           /**< RFC 7323 timestamps option */
	bool has_mss;
	bool has_wscale;
	bool sack_ok;
	bool bad_opts;         /**< option parsing stopped at a malformed option */
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
};

/**
 * Parse the TCP header of a frame that dg_wire_parse_l2l4() parsed into @p p (l3_off,
 * l4_off, ip_len, ip_ver, addr_len, src_addr, dst_addr, l4_proto = 6), and verify the
 * checksums a receiver verifies (IPv4 header, TCP) unless @p hints vouches for them.
 *
 * Options are bounds-checked; unknown ones are skipped. A malformed option list (a
 * length below 2 or past the header) ends option parsing with what was read so far and
 * sets bad_opts, as receivers do (Linux and FreeBSD still accept such a segment): the
 * segment is followed, not passed around the tracker.
 *
 * @param len    Bytes in the frame; nothing past it is read.
 * @param hints  DG_PKT_HINT_* from the NIC, or 0 to verify every checksum here.
 * @return 0, or
 *   -EINVAL  @p p is not a TCP packet inside @p len bytes;
 *   -EBADMSG data offset below 5, or the header (with options) runs past the IP packet;
 *   -EILSEQ  IPv4 header or TCP checksum wrong (the receiver drops the segment, so it
 *            must not move the tracker either).
 */
int dg_tcp_seg_parse(const uint8_t *frame, size_t len, const struct dg_pkt *p,
		     unsigned int hints, struct dg_tcp_seg *s);

/** One complete DNS message of the client stream. */
struct dg_tcp_msg {
	const uint8_t *data; /**< its first byte (the DNS ID), after the length prefix */
	uint16_t avail;      /**< bytes readable at @p data: all, or DG_TCP_KEEP of a longer
			      *   message that spanned segments */
	uint16_t len;        /**< full length, from the 2-byte prefix */
};

struct dg_tcp_flow;

/**
 * What a client segment completed. @p data pointers are into the segment or into the
 * table, valid until the next call on the table or a change to the frame (forging in
 * place overwrites them: build the answer first).
 */
struct dg_tcp_msgs {
	struct dg_tcp_flow *flow;               /**< the flow, for the forge calls */
	unsigned int n;                         /**< messages in @p msg */
	struct dg_tcp_msg msg[DG_TCP_MSGS_MAX];
};

/** What to do with a client segment. */
enum dg_tcp_verdict {
	DG_TCP_FORWARD,  /**< forward it (tracked or not; state updated) */
	DG_TCP_MESSAGES, /**< it completed messages: see struct dg_tcp_msgs */
	DG_TCP_DROP,     /**< the flow was answered by us (or refused: urgent data):
			  *   nothing more of it reaches the server */
};

/** Why a client segment was not followed (each counted in struct dg_tcp_stats). */
enum dg_tcp_untracked {
	DG_TCP_UNTRACKED_NO_HANDSHAKE, /**< flow unknown: its SYN was not seen */
	DG_TCP_UNTRACKED_TABLE_FULL,   /**< a SYN found no free slot */
	DG_TCP_UNTRACKED_OUT_OF_ORDER, /**< a gap in the client stream (flow dropped from then on) */
	DG_TCP_UNTRACKED_OTHER,        /**< over DG_TCP_MSGS_MAX messages in a segment, SYN+FIN */
	DG_TCP_UNTRACKED__MAX
};

/** Stable snake_case name of @p r for counters, "unknown" if out of range. */
const char *dg_tcp_untracked_name(enum dg_tcp_untracked r);

/**
 * Why a server segment's data was forwarded without its DNS messages being read
 * (dg_tcp_server_read(); each counted in struct dg_tcp_stats).
 */
enum dg_tcp_unread {
	DG_TCP_UNREAD_UNTRACKED,    /**< the flow is not followed (no handshake seen, lost,
				     *   refused) */
	DG_TCP_UNREAD_SPLIT,        /**< a message (or its length prefix) spans segments */
	DG_TCP_UNREAD_OUT_OF_ORDER, /**< a gap or new bytes overlapping old ones: the server
				     *   stream's framing is lost for the rest of the flow */
	DG_TCP_UNREAD_RETRANSMIT,   /**< only bytes already seen */
	DG_TCP_UNREAD_BAD_SEGMENT,  /**< header or checksum wrong (counted by the caller,
				     *   dg_tcp_unread_count()) */
	DG_TCP_UNREAD_OTHER,        /**< urgent data, over DG_TCP_MSGS_MAX messages */
	DG_TCP_UNREAD__MAX
};

/** Stable snake_case name of @p r for counters, "unknown" if out of range. */
const char *dg_tcp_unread_name(enum dg_tcp_unread r);

/** Counters of one table (one writer: its worker; readers may see them torn by one). */
struct dg_tcp_stats {
	uint64_t flows;          /**< flows tracked from their SYN */
	uint64_t untracked[DG_TCP_UNTRACKED__MAX]; /**< client segments forwarded unfollowed */
	uint64_t messages;       /**< DNS messages completed in client streams */
	uint64_t answered;       /**< flows answered (dg_tcp_answered()) */
	uint64_t dropped;        /**< client segments with bytes dropped on answered flows */
	uint64_t evicted_idle;   /**< flows removed after idle_timeout */
	uint64_t bad_rst;        /**< RSTs ignored: not at the receiver's next sequence */
	uint64_t responses;      /**< DNS messages read whole in server segments */
	uint64_t resp_unread[DG_TCP_UNREAD__MAX]; /**< server data segments not read */
	uint64_t resp_dropped;   /**< server segments with bytes dropped on answered flows */
};

struct dg_tcp_table;

/**
 * Create a table for @p flows flows (rounded up to a multiple of 8, a power-of-two number
 * of 8-way buckets; about 1.1 KiB each). Flows whose last segment is older than
 * @p idle_timeout (in the clock units of the @p now values given later) are dropped.
 *
 * @return 0, or -EINVAL (flows 0 or over DG_TCP_FLOWS_MAX, idle_timeout 0), -ENOMEM.
 */
int dg_tcp_create(struct dg_tcp_table **t, uint32_t flows, uint64_t idle_timeout);

void dg_tcp_free(struct dg_tcp_table *t);

/** The table's counters. */
const struct dg_tcp_stats *dg_tcp_stats(const struct dg_tcp_table *t);

/** Flows in the table now (a debugging and test aid: walks the table). */
uint32_t dg_tcp_count(const struct dg_tcp_table *t);

/**
 * Follow a client segment (subscriber to server port; @p s from dg_tcp_seg_parse()).
 *
 * Tracks the SYN, then the client's byte stream as DNS over TCP: 2-byte length prefixes
 * and messages, pipelined or spanning segments. Bytes already seen are trimmed as a
 * receiver does; a gap stops tracking the flow (DG_TCP_UNTRACKED_OUT_OF_ORDER). A RST
 * ends the flow only at the exact next sequence number (RFC 5961); a SYN on a live flow
 * is ignored, as its server ignores it. A SYN with data (TCP Fast Open) is followed; if
 * the SYN-ACK then declines the data, the stream starts again after the SYN. Urgent data
 * makes the flow DG_TCP_DROP from then on: the server's socket takes the urgent byte out
 * of the stream (no resolver reads it inline), so it would read other bytes than we do.
 *
 * The caller withholds a segment whole: when one of its messages is blocked, the others
 * in it do not reach the server either (the client gets our answer, then FIN).
 *
 * @param out  Filled on DG_TCP_MESSAGES (messages shorter than DG_TCP_MSG_MIN are
 *             counted but not listed).
 * @return the verdict; flow handles stay valid until the next call on the table.
 */
enum dg_tcp_verdict dg_tcp_client(struct dg_tcp_table *t, const uint8_t *frame,
				  const struct dg_pkt *p, const struct dg_tcp_seg *s,
				  uint64_t now, struct dg_tcp_msgs *out);

/**
 * Follow a server segment (from the server port to the client): the SYN-ACK (server ISN,
 * whether timestamps are in use), the server's next sequence number (highest seq + length,
 * SYN and FIN counting one), its last raw window and newest TSval, FIN and RST. A RST
 * counts only at the client's next expected sequence. The frame is never changed.
 */
void dg_tcp_server(struct dg_tcp_table *t, const uint8_t *frame, const struct dg_pkt *p,
		   const struct dg_tcp_seg *s, uint64_t now);

/**
 * Follow a server segment as dg_tcp_server() does, and read the DNS messages it holds
 * (response policy): only a segment at the server stream's next sequence number is read,
 * from the length prefix the framing expects there; each message wholly inside it is
 * listed (avail == len, data into the frame), a message that continues past it is not and
 * the framing skips its body in later segments. Anything else is not read (enum
 * dg_tcp_unread, counted): the frame is forwarded byte for byte.
 *
 * @param out  Filled on DG_TCP_MESSAGES (out->flow for the forge calls).
 * @return DG_TCP_FORWARD (nothing read), DG_TCP_MESSAGES, or DG_TCP_DROP: a segment with
 *   bytes on a flow answered by us (its client has our answer and FIN at those sequence
 *   numbers; counted in resp_dropped).
 */
enum dg_tcp_verdict dg_tcp_server_read(struct dg_tcp_table *t, const uint8_t *frame,
				       const struct dg_pkt *p, const struct dg_tcp_seg *s,
				       uint64_t now, struct dg_tcp_msgs *out);

/** Count a server segment not read for a reason found outside the table (a bad checksum). */
void dg_tcp_unread_count(struct dg_tcp_table *t, enum dg_tcp_unread why);

/**
 * Rewrite server segment @p frame in place into the in-stream answer to its client: the
 * payload's first @p keep bytes (messages before the listed one) stay, then
 * [length][@p dns] and FIN|PSH; every header field the server wrote stays (addresses,
 * sequence, ack, window, options), lengths and checksums are set again (IPv4 header, TCP,
 * a PPPoE session length). The client takes it in place of the server's bytes; the
 * sequence numbers after it never need patching since the flow ends here.
 *
 * @param p, s  The segment's parse (dg_wire_parse_l2l4(), dg_tcp_seg_parse()).
 * @param keep  Payload bytes kept, at most s->payload_len.
 * @param dns   The answer; must not overlap the frame's payload after @p keep.
 * @param room  Bytes writable at @p frame.
 * @return 0 with *@p out_len set, or
 *   -EINVAL   NULL argument, @p p not TCP, @p keep past the payload;
 *   -EMSGSIZE @p dns over 65535 bytes or the IP packet over 65535;
 *   -ENOSPC   over @p room. Nothing is written on error.
 */
int dg_tcp_forge_resp_answer(uint8_t *frame, const struct dg_pkt *p, const struct dg_tcp_seg *s,
			     size_t keep, const uint8_t *dns, size_t dns_len, size_t room,
			     size_t *out_len);

/**
 * Rewrite server segment @p frame in place into a RST|ACK to its client, at the segment's
 * own sequence number (the client's next expected one: only in-order segments are read),
 * window 0, no payload, the server's options kept: the `drop` action's reset towards the
 * client. Errors as dg_tcp_forge_resp_answer().
 */
int dg_tcp_forge_resp_reset(uint8_t *frame, const struct dg_pkt *p, const struct dg_tcp_seg *s,
			    size_t room, size_t *out_len);

/**
 * Forge the RST|ACK that makes the server drop its half after its response was replaced,
 * from the client's address and port, back out of the port the server segment came in
 * (MACs swapped, L2 as in @p server_frame): seq = the client stream's next sequence
 * number (what the server expects), ack = the end of the segment's data, window 0, the
 * timestamps option when negotiated.
 *
 * @param f  msgs.flow from the dg_tcp_server_read() call that reported the message.
 * @param out  A buffer that does not overlap @p server_frame.
 * @return 0 with *@p out_len set, or -EINVAL (NULL argument, @p p not the flow's server
 *   segment), -ENOTCONN (no SYN-ACK seen), -ENOSPC. Nothing is written on error.
 */
int dg_tcp_forge_resp_rst(const struct dg_tcp_flow *f, const uint8_t *server_frame,
			  const struct dg_pkt *p, const struct dg_tcp_seg *s, uint8_t *out,
			  size_t room, size_t *out_len);

/**
 * Forge the segment that answers the client in the stream: [length][@p dns], FIN|PSH|ACK,
 * from the server's address and port, seq = the server's next sequence number, ack = the
 * client stream's end (this segment and its FIN included), window = the server's last
 * raw window, and the timestamps option (TSval = the server's newest, TSecr = the client
 * segment's) when the handshake negotiated it. L2 is the client frame's with the MACs
 * swapped and every byte between them and l3_off kept (VLAN tags); then a fresh IPv4
 * header (20 bytes, TTL 64, DF, ID 0) or IPv6 header (hop limit 64, no extension
 * headers), and the TCP checksum.
 *
 * @param f             msgs.flow from the dg_tcp_client() call that reported the message.
 * @param client_frame  The client segment's frame, parsed into @p p and @p s.
 * @param dns           The answer; may lie anywhere, inside @p out too (it is moved).
 * @param out           Where to write: @p client_frame itself, or a buffer that does not
 *                      overlap it.
 * @param room          Bytes writable at @p out.
 * @return 0 with *@p out_len set, or
 *   -EINVAL   NULL argument, @p p not TCP, @p p's ports not the flow's;
 *   -ENOTCONN the flow's SYN-ACK was not seen (no server sequence number to answer with);
 *   -EMSGSIZE @p dns over 65535 bytes or the IP packet over 65535;
 *   -ENOSPC   over @p room.
 *   Nothing is written on error.
 */
int dg_tcp_forge_answer(const struct dg_tcp_flow *f, const uint8_t *client_frame,
			const struct dg_pkt *p, const struct dg_tcp_seg *s, const uint8_t *dns,
			size_t dns_len, uint8_t *out, size_t room, size_t *out_len);

/**
 * Forge the RST|ACK that makes the server drop its half, from the client's address and
 * port (L2 as in @p client_frame): seq = where this segment's new bytes start (the
 * server's next expected sequence, since the segment is not forwarded), ack = the
 * server's next sequence number, window 0, the timestamps option when negotiated.
 *
 * @p out as in dg_tcp_forge_answer() (in place only if the client segment is not needed
 * any more). Nothing is written on error.
 * @return 0 with *@p out_len set, or -EINVAL, -ENOTCONN, -ENOSPC as dg_tcp_forge_answer().
 */
int dg_tcp_forge_rst(const struct dg_tcp_flow *f, const uint8_t *client_frame,
		     const struct dg_pkt *p, const struct dg_tcp_seg *s, uint8_t *out,
		     size_t room, size_t *out_len);

/** Which end a stateless reset goes to (dg_tcp_forge_reset()). */
enum dg_tcp_reset_to {
	DG_TCP_RESET_CLIENT, /**< back to the client, as if from the server */
	DG_TCP_RESET_SERVER, /**< on to the server, as if from the client */
};

/**
 * Forge a reset from one client segment alone, with no flow state (a connection refused
 * by policy: encrypted DNS, docs/encrypted-dns.md). The segment itself is not forwarded.
 *  - To the client, for a SYN (without ACK): RST|ACK, seq 0, ack = the SYN's seq + 1,
 *    which a client in SYN-SENT accepts (RFC 9293 3.10.7.3): "connection refused".
 *  - To the client, for a segment with ACK: RST|ACK, seq = the segment's ack (the
 *    client's next expected sequence, exact as RFC 5961 3 asks when nothing of the
 *    server's is in flight), ack = the end of the segment's data (FIN included).
 *  - To the server (a segment with ACK only): RST|ACK, seq = the segment's seq (the
 *    server's next expected sequence when the segment is in order), ack = its ack.
 * Window 0, no options (RFC 7323 exempts a RST from timestamps, and Linux accepts a RST
 * without them). L2 and fresh L3 headers as dg_tcp_forge_rst() writes them (MACs swapped
 * towards the client; a PPPoE session length set).
 *
 * @param client_frame  The client segment, parsed into @p p and @p s.
 * @param out           @p client_frame itself (the last forge that needs it), or a
 *                      buffer that does not overlap it.
 * @return 0 with *@p out_len set, or
 *   -EINVAL  NULL argument, @p p not TCP, a RST segment, a SYN|ACK, or a SYN (or a segment
 *            without ACK) towards the server;
 *   -ENOSPC  over @p room. Nothing is written on error.
 */
int dg_tcp_forge_reset(const uint8_t *client_frame, const struct dg_pkt *p,
		       const struct dg_tcp_seg *s, enum dg_tcp_reset_to to, uint8_t *out,
		       size_t room, size_t *out_len);

/**
 * The caller answered (or dropped) a message of flow @p f: every later client segment of
 * the flow that carries bytes (or repeats the SYN) gets DG_TCP_DROP, since the server's
 * half was reset or never saw the stream's end; bare ACK, FIN and RST segments are
 * forwarded, so that the server's stack resets the client's socket too. A new SYN on the
 * same addresses and ports starts a new flow.
 */
void dg_tcp_answered(struct dg_tcp_table *t, struct dg_tcp_flow *f);

#ifdef __cplusplus
}
#endif

#endif /* DG_TCP_H */
