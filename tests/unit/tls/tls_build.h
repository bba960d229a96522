/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TLS_BUILD_H
#define TLS_BUILD_H

/**
 * @file
 * TLS ClientHellos for tests, benchmarks and fuzz seeds, written here from RFC 8446 4.1.2
 * and RFC 6066 3 (not with lib/tls): the handshake message in the shapes clients send
 * (GREASE, many extensions, a large key share, ECH, TLS 1.2 without extensions), then cut
 * into records of chosen sizes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A ClientHello's shape (tlb_hello_init() for a plain TLS 1.3 one). */
struct tlb_hello {
	uint16_t version;    /* legacy_version (0x0303) */
	uint8_t sid_len;     /* legacy_session_id bytes (32; over 32 is malformed) */
	uint16_t n_suites;   /* cipher suites (3) */
	const char *sni;     /* host_name, NULL: no server_name extension */
	bool grease;         /* GREASE extensions (RFC 8701) before and after the others */
	bool ech;            /* an encrypted_client_hello extension */
	bool no_ext;         /* no extensions at all (a TLS 1.2 hello may end there) */
	uint16_t key_share;  /* bytes of key_share data, 0: none (1216: X25519MLKEM768 + X25519) */
	uint16_t pad;        /* bytes of a padding extension (RFC 7685), 0: none */
};

void tlb_hello_init(struct tlb_hello *h, const char *sni);

/** The handshake message (msg_type, 24-bit length, body). @return its length (aborts if
 *  over @p max: a test bug). */
size_t tlb_hello_msg(uint8_t *out, size_t max, const struct tlb_hello *h);

/**
 * @p msg in handshake records (type 22, version 0x0301) whose fragments take the sizes in
 * @p frags (0-terminated; the last fragment takes the rest; NULL: one record).
 * @return bytes written.
 */
size_t tlb_records(uint8_t *out, size_t max, const uint8_t *msg, size_t len,
		   const size_t *frags);

/** tlb_hello_msg() in one record. */
size_t tlb_hello_record(uint8_t *out, size_t max, const struct tlb_hello *h);

#endif /* TLS_BUILD_H */
