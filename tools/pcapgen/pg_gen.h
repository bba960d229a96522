/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PG_GEN_H
#define PG_GEN_H

/* Shared state of dnsgate-pcapgen's profiles (private to the tool). */

#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "pg_frame.h"

struct pg_names {
	char **v;
	size_t n;
	double *cdf; /**< Zipf cumulative weights, NULL = uniform */
};

struct pg_gen {
	uint64_t rng;
	pcap_dumper_t *dump;
	uint64_t n;           /**< frames written */
	FILE *manifest;       /**< one line per frame, or NULL */
	struct pg_names names, blocked;
	double zipf;
	/* Shares in percent; ipv6, vlan and blocked < 0: not given (a profile's default). */
	double ipv6_pct, vlan_pct, qinq_pct, edns_pct, do_pct, cookie_pct, mixcase_pct;
	double blocked_pct, malformed_pct, optout_pct, other_pct;
	double dns_pct, quic_pct; /**< carrier profile shares; < 0: its defaults */
	uint32_t clients;     /**< client address pool size */
};

uint64_t pg_rnd(struct pg_gen *g);
/** True with probability @p pct percent. */
int pg_chance(struct pg_gen *g, double pct);
void pg_emit(struct pg_gen *g, const uint8_t *frame, size_t len);
/** Client (and server) addresses and MACs; @p optout picks 198.18.200.0/24 / 2001:2:0:c8::/64. */
void pg_addr(struct pg_gen *g, struct pg_frame *f, int client_to_server, int optout);
/** Draw a name (Zipf or uniform). */
const char *pg_pick(struct pg_gen *g, const struct pg_names *n);

/** Wire form of @p text into @p wire (0x20 mixed case if @p mixcase). @return its length. */
size_t pg_name_wire(struct pg_gen *g, const char *text, int mixcase, uint8_t *wire);
/** Mnemonic of a query type ("OTHER" for the rest). */
const char *pg_qtype_name(uint16_t t);

void pg_profile_mixed(struct pg_gen *g, uint64_t count);
void pg_profile_dns(struct pg_gen *g, uint64_t count);
void pg_profile_frag(struct pg_gen *g, uint64_t count);
void pg_profile_responses(struct pg_gen *g, uint64_t count);
void pg_profile_carrier(struct pg_gen *g, uint64_t count);
/** One query of the dns profile (frame @p i), with its manifest line. */
void pg_dns_one(struct pg_gen *g, uint64_t i);

#endif /* PG_GEN_H */
