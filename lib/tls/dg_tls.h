/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TLS_H
#define DG_TLS_H

/**
 * @file
 * The TLS ClientHello as an inline box sees it: the first client data segment of a TLS
 * flow, read for its server_name (SNI, RFC 6066 3) without keeping any state.
 *
 * Everything is read with bounds: each length in the message (record, handshake,
 * session id, cipher suites, compression methods, extensions, server name list, host
 * name) is checked against the length that encloses it and against the bytes given,
 * and every loop is bounded by the bytes given. A ClientHello may be cut into several
 * records (RFC 8446 5.1); the reader follows it across records inside the bytes given.
 * A ClientHello that goes on past them (split over TCP segments: a large key share
 * often does that) is reported as such, with no SNI: the part not seen is not guessed.
 *
 * No DPDK here: no allocation, lock or system call; the library builds, tests and
 * fuzzes anywhere.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TLS record and handshake constants (RFC 8446 5.1, 4; RFC 6066 3). */
enum dg_tls_const {
	DG_TLS_REC_HLEN = 5,            /**< type, legacy version (2), length (2) */
	DG_TLS_REC_MAX = 1u << 14,      /**< largest plaintext fragment */
	DG_TLS_CT_HANDSHAKE = 22,       /**< ContentType handshake */
	DG_TLS_HS_CLIENT_HELLO = 1,     /**< HandshakeType client_hello */
	DG_TLS_HS_HLEN = 4,             /**< msg_type, length (3) */
	DG_TLS_RANDOM_LEN = 32,
	DG_TLS_SESSION_ID_MAX = 32,
	DG_TLS_EXT_SERVER_NAME = 0,
	DG_TLS_EXT_ECH = 0xfe0d,        /**< encrypted_client_hello (draft-ietf-tls-esni) */
	DG_TLS_SNI_HOST_NAME = 0,       /**< NameType host_name */
	DG_TLS_SNI_MAX = 255,           /**< host_name bytes kept (a DNS name's text is shorter) */
};

/** What dg_tls_client_hello() read. */
struct dg_tls_hello {
	uint16_t version;        /**< legacy_version */
	uint16_t n_ext;          /**< extensions read */
	uint16_t records;        /**< TLS records the ClientHello spans */
	bool sni_present;        /**< a server_name extension with a host_name */
	bool ech;                /**< an encrypted_client_hello extension: the SNI is the
				  *   outer, public name */
	uint16_t sni_len;        /**< host_name bytes in @p sni; 0 when absent or over
				  *   DG_TLS_SNI_MAX (then sni_present is still set) */
	char sni[DG_TLS_SNI_MAX]; /**< the host_name as sent (not NUL-terminated) */
};

/**
 * Read a ClientHello from the start of a TCP payload.
 *
 * @param p    First payload byte (the first TLS record header).
 * @param len  Payload bytes; nothing past them is read.
 * @param h    Out: filled on 0; on any error only sni_len = 0 and sni_present = false are
 *             promised.
 * @return 0 (a whole ClientHello was read), or
 *   - -ENOMSG: not the start of a ClientHello (not a handshake record of TLS 1.x, or
 *     another handshake message);
 *   - -EAGAIN: a ClientHello that goes on past @p len (split over segments): unknown;
 *   - -EBADMSG: malformed (a length that does not fit the one enclosing it, a zero-length
 *     or oversized record, another content type inside the message, a session id over 32
 *     bytes, an empty or odd cipher suite list, no compression method, extensions that
 *     do not end with the message, two server_name extensions or two host names, an
 *     empty host name).
 */
int dg_tls_client_hello(const uint8_t *p, size_t len, struct dg_tls_hello *h);

#ifdef __cplusplus
}
#endif

#endif /* DG_TLS_H */
