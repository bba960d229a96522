/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ClientHello, read once through a cursor that steps over record headers (a
 * handshake message may be fragmented over records, RFC 8446 5.1). The cursor has a
 * sticky error in lib/wire's style, with two kinds: bytes missing past the segment
 * (-EAGAIN, the message goes on in a later segment) and bytes that contradict a length
 * (-EBADMSG). Every length is checked against the one enclosing it as soon as it is
 * read, so a malformed message is told from a split one on the bytes at hand.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dg_tls.h"
#include "dg_wire.h"

enum {
	REC_TYPE = 0,
	REC_VERSION = 1,
	REC_LEN = 3,
	TLS_MAJOR = 3,
};

/* Read cursor over the handshake bytes of consecutive records in one payload. */
struct rd {
	const uint8_t *p;
	size_t len;       /* payload bytes */
	size_t pos;       /* next payload byte */
	size_t frag_left; /* handshake bytes left in the current record at pos */
	size_t off;       /* handshake bytes read so far */
	unsigned int records;
	int error;        /* 0, -EAGAIN or -EBADMSG (sticky) */
};

/* Enter the next record: a handshake record of TLS 1.x, 1..2^14 bytes. */
static void
next_record(struct rd *r)
{
	const uint8_t *h;
	size_t flen;

	if (r->len - r->pos < DG_TLS_REC_HLEN) {
		r->error = -EAGAIN;
		return;
	}
	h = r->p + r->pos;
	flen = dg_wire_get_u16(h + REC_LEN);
	/* RFC 8446 5.1: no other type between a message's fragments, none of length 0 */
	if (h[REC_TYPE] != DG_TLS_CT_HANDSHAKE || h[REC_VERSION] != TLS_MAJOR || flen == 0 ||
	    flen > DG_TLS_REC_MAX) {
		r->error = -EBADMSG;
		return;
	}
	r->pos += DG_TLS_REC_HLEN;
	r->frag_left = flen;
	r->records++;
}

/* take() across a record boundary or the segment's end. */
static void
take_slow(struct rd *r, uint8_t *dst, size_t n)
{
	while (n > 0 && r->error == 0) {
		size_t c;

		if (r->frag_left == 0) {
			next_record(r);
			continue;
		}
		c = r->len - r->pos;
		if (c == 0) {
			r->error = -EAGAIN;
			break;
		}
		if (c > r->frag_left)
			c = r->frag_left;
		if (c > n)
			c = n;
		if (dst != NULL) {
			memcpy(dst, r->p + r->pos, c);
			dst += c;
		}
		r->pos += c;
		r->frag_left -= c;
		r->off += c;
		n -= c;
	}
}

/* Are @p n bytes there in the current record, before the segment's end? */
static inline bool
here(const struct rd *r, size_t n)
{
	return r->error == 0 && n <= r->frag_left && n <= r->len - r->pos;
}

static inline void
advance(struct rd *r, size_t n)
{
	r->pos += n;
	r->frag_left -= n;
	r->off += n;
}

/* Consume @p n handshake bytes, copying them to @p dst unless it is NULL. */
static inline void
take(struct rd *r, uint8_t *dst, size_t n)
{
	if (!here(r, n)) {
		take_slow(r, dst, n);
		return;
	}
	if (dst != NULL)
		memcpy(dst, r->p + r->pos, n);
	advance(r, n);
}

/* A big-endian field of @p n (1..3) bytes; 0 once the cursor has an error. */
static inline uint32_t
get(struct rd *r, size_t n)
{
	const uint8_t *q = r->p + r->pos;
	uint8_t b[3] = { 0 };
	uint32_t v = 0;

	if (here(r, n)) {
		/* the common case: no record boundary inside the field */
		v = n == 1 ? q[0] : n == 2 ? dg_wire_get_u16(q) :
		    (uint32_t)q[0] << 16 | dg_wire_get_u16(q + 1);
		advance(r, n);
		return v;
	}
	take_slow(r, b, n);
	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	return r->error ? 0 : v;
}

/* @p n more bytes must fit before @p end (the enclosing block's end offset). */
static void
fits(struct rd *r, size_t n, size_t end)
{
	if (r->error == 0 && (r->off > end || n > end - r->off))
		r->error = -EBADMSG;
}

/* A field of @p n bytes (1..3) inside the block that ends at @p end. */
static uint32_t
field(struct rd *r, size_t n, size_t end)
{
	fits(r, n, end);
	return get(r, n);
}

/* The server_name extension's body (@p end: its end offset). */
static void
server_name(struct rd *r, size_t end, struct dg_tls_hello *h)
{
	size_t list = field(r, 2, end);

	if (r->error == 0 && list != end - r->off)
		r->error = -EBADMSG;
	while (r->error == 0 && r->off < end) {
		unsigned int type = field(r, 1, end);
		size_t n = field(r, 2, end);

		fits(r, n, end);
		if (r->error != 0)
			break;
		if (type != DG_TLS_SNI_HOST_NAME) {
			take(r, NULL, n);
			continue;
		}
		/* RFC 6066 3: HostName<1..2^16-1>, one name of a type */
		if (n == 0 || h->sni_present) {
			r->error = -EBADMSG;
			break;
		}
		h->sni_present = true;
		if (n <= DG_TLS_SNI_MAX) {
			take(r, (uint8_t *)h->sni, n);
			h->sni_len = (uint16_t)n;
		} else {
			take(r, NULL, n);
		}
	}
}

static void
extensions(struct rd *r, size_t end, struct dg_tls_hello *h)
{
	bool seen_sni = false;

	while (r->error == 0 && r->off < end) {
		unsigned int type = field(r, 2, end);
		size_t n = field(r, 2, end), ext_end;

		fits(r, n, end);
		if (r->error != 0)
			break;
		ext_end = r->off + n;
		h->n_ext++;
		if (type == DG_TLS_EXT_SERVER_NAME) {
			if (seen_sni) { /* RFC 8446 4.2: one extension of a type */
				r->error = -EBADMSG;
				break;
			}
			seen_sni = true;
			server_name(r, ext_end, h);
		} else {
			if (type == DG_TLS_EXT_ECH)
				h->ech = true;
			take(r, NULL, n);
		}
	}
}

int
dg_tls_client_hello(const uint8_t *p, size_t len, struct dg_tls_hello *h)
{
	struct rd r = { .p = p, .len = len };
	size_t msg_len, end, n;

	memset(h, 0, offsetof(struct dg_tls_hello, sni));
	/* Cheap rejections first: most TCP payloads are no handshake record at all. */
	if (len == 0 || p[REC_TYPE] != DG_TLS_CT_HANDSHAKE ||
	    (len > REC_VERSION && p[REC_VERSION] != TLS_MAJOR))
		return -ENOMSG;
	if (get(&r, 1) != DG_TLS_HS_CLIENT_HELLO && r.error == 0)
		return -ENOMSG;
	msg_len = get(&r, 3);
	end = DG_TLS_HS_HLEN + msg_len;
	h->version = (uint16_t)field(&r, 2, end);
	if (r.error == 0 && (h->version >> 8) != TLS_MAJOR)
		r.error = -EBADMSG;
	fits(&r, DG_TLS_RANDOM_LEN, end);
	take(&r, NULL, DG_TLS_RANDOM_LEN);
	n = field(&r, 1, end);
	if (r.error == 0 && n > DG_TLS_SESSION_ID_MAX)
		r.error = -EBADMSG;
	fits(&r, n, end);
	take(&r, NULL, n);
	n = field(&r, 2, end);
	if (r.error == 0 && (n < 2 || n % 2 != 0))
		r.error = -EBADMSG;
	fits(&r, n, end);
	take(&r, NULL, n);
	n = field(&r, 1, end);
	if (r.error == 0 && n < 1)
		r.error = -EBADMSG;
	fits(&r, n, end);
	take(&r, NULL, n);
	/* Extensions may be absent (TLS 1.2); present, they end with the message. */
	if (r.error == 0 && r.off < end) {
		n = field(&r, 2, end);
		if (r.error == 0 && n != end - r.off)
			r.error = -EBADMSG;
		extensions(&r, end, h);
	}
	h->records = (uint16_t)r.records;
	if (r.error != 0) {
		h->sni_present = false;
		h->sni_len = 0;
		return r.error;
	}
	return 0;
}
