/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TCP_PVT_H
#define DG_TCP_PVT_H

/* Private to lib/tcp: the flow record and the table behind the opaque handles. */

#include <stdint.h>

#include "dg_tcp.h"

enum {
	TCP_HLEN = 20,
	TCP_SEQ = 4,
	TCP_ACK = 8,
	TCP_DOFF = 12,
	TCP_FLAGS = 13,
	TCP_WIN = 14,
	TCP_CSUM = 16,
	TCP_URP = 18,
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WS = 3,
	TCP_OPT_SACK_OK = 4,
	TCP_OPT_TS = 8,
	TCP_OPT_TS_LEN = 10,
	PROTO_TCP = 6,
	BUCKET_WAYS = 8,
};

enum flow_state {
	FLOW_FREE = 0,
	FLOW_SYN_SENT,    /* client SYN seen, no SYN-ACK yet */
	FLOW_ESTABLISHED, /* SYN-ACK seen: server sequence space known */
	FLOW_CLOSED,      /* FIN both ways: kept for the last ACKs, reused first */
};

enum flow_flag {
	FF_SYN_TS = 1u << 0,   /* the client's SYN offered timestamps */
	FF_TS = 1u << 1,       /* both SYNs had timestamps: every segment carries them */
	FF_C_FIN = 1u << 2,    /* client stream ended (c_nxt counts the FIN) */
	FF_S_FIN = 1u << 3,
	FF_ANSWERED = 1u << 4, /* we answered: client segments are dropped */
	FF_LOST = 1u << 5,     /* not followed any more: lost_reason says why */
	FF_REFUSED = 1u << 6,  /* urgent data: a stream the server reads differently */
	FF_S_DESYNC = 1u << 7, /* the server stream's framing is lost: not read any more */
};

/* Who talks to whom. Fixed layout, zero padding: compared and hashed as bytes. */
struct flow_key {
	uint8_t family;      /* 4 or 6 */
	uint8_t pad[3];
	uint16_t cport;      /* client (subscriber) port, host order */
	uint16_t sport;      /* server port */
	uint8_t caddr[16];   /* IPv4 in the first 4 bytes, the rest zero */
	uint8_t saddr[16];
};

struct dg_tcp_flow {
	struct flow_key key;
	uint64_t last_seen;
	uint32_t c_isn;
	uint32_t c_nxt;      /* next client sequence number expected */
	uint32_t c_new;      /* where the last client segment's new bytes started */
	uint32_t c_tsval;    /* client's newest TSval */
	uint32_t s_nxt;      /* server's next sequence number (highest seq + len) */
	uint32_t s_tsval;    /* server's newest TSval */
	uint32_t s_rd;       /* server stream: where the next length prefix starts */
	uint16_t s_win;      /* server's last raw window */
	uint16_t syn_len;    /* data on the client's SYN (TCP Fast Open) */
	uint8_t state;       /* enum flow_state */
	uint8_t flags;       /* enum flow_flag */
	uint8_t lost_reason; /* enum dg_tcp_untracked, with FF_LOST */
	/* DNS-over-TCP framing of the client stream */
	uint8_t pre;         /* length-prefix bytes read of the current message (0..2) */
	uint16_t msg_len;    /* its length, once pre == 2 */
	uint16_t msg_got;    /* its bytes seen so far */
	uint16_t buf_n;      /* its bytes kept in buf */
	uint8_t buf[DG_TCP_KEEP];
};

struct dg_tcp_table {
	uint64_t idle;       /* idle timeout, clock units */
	uint64_t seed;       /* hash seed: bucket placement is not predictable */
	uint32_t mask;       /* buckets - 1 */
	struct dg_tcp_stats st;
	uint32_t *sig;       /* per slot: hash signature, 0 when free */
	struct dg_tcp_flow *flow; /* BUCKET_WAYS slots per bucket */
	uint8_t scratch[DG_TCP_KEEP]; /* a reported message moved out of a flow's buf */
};

/* Serial number arithmetic (RFC 1982) on sequence numbers. */
static inline int32_t
seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

#endif /* DG_TCP_PVT_H */
