/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TCP_BUILD_H
#define TCP_BUILD_H

/**
 * @file
 * Test frames of one TCP connection between a client (198.18.0.1 / 2001:2::1, port
 * cport) and a resolver (198.18.0.53 / 2001:2::53, port 53), with up to two VLAN tags.
 * Lengths and checksums come from dg_vec (not lib/wire); frames are then parsed the way
 * the worker will: dg_wire_parse_l2l4() (server segments with the client's port as the
 * "DNS port") and dg_tcp_seg_parse().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dg_tcp.h"

#define TB_MAX 9000

/* Outer 802.1ad tag PCP 5 DEI 0 VID 100, inner 802.1Q PCP 1 DEI 1 VID 200. */
#define TB_TCI_OUTER 0xa064
#define TB_TCI_INNER 0x30c8

extern const uint8_t tb_client_mac[6], tb_server_mac[6];
extern const uint8_t tb_client4[4], tb_server4[4], tb_client6[16], tb_server6[16];

struct tb_conn {
	uint8_t ver;       /* 4 or 6 */
	uint8_t vlans;     /* 0, 1 or 2 tags */
	bool ts;           /* segments carry the timestamps option */
	uint16_t cport;
	uint16_t pad;      /* Ethernet padding after the IP packet */
	uint32_t c_isn, s_isn;
	uint32_t c_tsval, s_tsval; /* next TSval each side sends */
	uint16_t s_win;
};

/* A built frame and its parse. */
struct tb_seg {
	uint8_t frame[TB_MAX];
	size_t len;
	struct dg_pkt p;
	struct dg_tcp_seg s;
	int parse_rc;      /* dg_tcp_seg_parse() */
};

/** A connection with default values (IPv4, no tags, no timestamps). */
void tb_conn_init(struct tb_conn *c, uint8_t ver, uint8_t vlans, bool ts);

/**
 * Build a segment into @p g and parse it. @p opts / @p optlen: raw options (a multiple
 * of 4); NULL with c->ts adds NOP NOP TS from the sender's TSval counter (incremented)
 * and the other side's last one.
 */
void tb_seg(struct tb_conn *c, bool from_client, uint32_t seq, uint32_t ack, uint8_t flags,
	    uint16_t win, const uint8_t *opts, size_t optlen, const uint8_t *pl, size_t plen,
	    struct tb_seg *g);

/** A DNS query (RD, A IN) for dotted @p name with @p id; returns its length. */
size_t tb_query(uint8_t *out, uint16_t id, const char *name);

/** The answer to query @p q (@p qlen): QR RD RA, one A record 198.18.99.1. */
size_t tb_answer(uint8_t *out, const uint8_t *q, size_t qlen);

/** @p msg prefixed with its 2-byte length; returns 2 + len. */
size_t tb_framed(uint8_t *out, const uint8_t *msg, size_t len);

#endif /* TCP_BUILD_H */
