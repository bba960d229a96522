/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_build.h"

struct w {
	uint8_t *p;
	size_t n, max;
};

static void
put(struct w *w, const void *src, size_t n)
{
	if (n > w->max - w->n) {
		fprintf(stderr, "tls_build: buffer too small\n");
		abort();
	}
	if (src != NULL)
		memcpy(w->p + w->n, src, n);
	else
		memset(w->p + w->n, 0x5a, n);
	w->n += n;
}

static void
u8(struct w *w, unsigned int v)
{
	uint8_t b = (uint8_t)v;

	put(w, &b, 1);
}

static void
u16(struct w *w, unsigned int v)
{
	u8(w, v >> 8);
	u8(w, v);
}

static void
u24(struct w *w, size_t v)
{
	u8(w, (unsigned int)(v >> 16));
	u16(w, (unsigned int)(v & 0xffff));
}

/* Patch a 16- or 24-bit length at @p at to the bytes written since @p from. */
static void
patch(struct w *w, size_t at, size_t bytes, size_t from)
{
	size_t v = w->n - from;

	for (size_t i = 0; i < bytes; i++)
		w->p[at + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static void
ext(struct w *w, unsigned int type, const void *data, size_t n)
{
	u16(w, type);
	u16(w, (unsigned int)n);
	put(w, data, n);
}

void
tlb_hello_init(struct tlb_hello *h, const char *sni)
{
	memset(h, 0, sizeof(*h));
	h->version = 0x0303;
	h->sid_len = 32;
	h->n_suites = 3;
	h->sni = sni;
}

size_t
tlb_hello_msg(uint8_t *out, size_t max, const struct tlb_hello *h)
{
	static const uint8_t versions[] = { 4, 0x03, 0x04, 0x03, 0x03 }; /* 1.3, 1.2 */
	static const uint8_t groups[] = { 0, 4, 0x00, 0x1d, 0x00, 0x17 };
	struct w w = { out, 0, max };
	size_t len_at, body, ext_at, ext0;

	u8(&w, 1); /* client_hello */
	len_at = w.n;
	u24(&w, 0);
	body = w.n;
	u16(&w, h->version);
	put(&w, NULL, 32); /* random */
	u8(&w, h->sid_len);
	put(&w, NULL, h->sid_len);
	u16(&w, 2u * h->n_suites);
	for (unsigned int i = 0; i < h->n_suites; i++)
		u16(&w, 0x1301 + i);
	u8(&w, 1);
	u8(&w, 0); /* null compression */
	if (!h->no_ext) {
		ext_at = w.n;
		u16(&w, 0);
		ext0 = w.n;
		if (h->grease)
			ext(&w, 0x0a0a, NULL, 0);
		ext(&w, 10, groups, sizeof(groups));
		if (h->sni != NULL) {
			size_t n = strlen(h->sni), at;

			u16(&w, 0); /* server_name */
			at = w.n;
			u16(&w, 0); /* its length, patched below */
			u16(&w, (unsigned int)(n + 3));
			u8(&w, 0); /* host_name */
			u16(&w, (unsigned int)n);
			put(&w, h->sni, n);
			patch(&w, at, 2, at + 2);
		}
		if (h->grease)
			ext(&w, 0xfafa, "\x00", 1);
		ext(&w, 43, versions, sizeof(versions));
		if (h->key_share > 0) {
			u16(&w, 51);
			u16(&w, h->key_share + 2u);
			u16(&w, h->key_share);
			put(&w, NULL, h->key_share);
		}
		if (h->ech)
			ext(&w, 0xfe0d, NULL, 40);
		if (h->pad > 0)
			ext(&w, 21, NULL, h->pad);
		patch(&w, ext_at, 2, ext0);
	}
	patch(&w, len_at, 3, body);
	return w.n;
}

size_t
tlb_records(uint8_t *out, size_t max, const uint8_t *msg, size_t len, const size_t *frags)
{
	struct w w = { out, 0, max };
	size_t off = 0;

	do {
		size_t n = len - off;

		if (frags != NULL && *frags != 0 && *frags < n)
			n = *frags;
		if (frags != NULL && *frags != 0)
			frags++;
		u8(&w, 22);
		u16(&w, 0x0301);
		u16(&w, (unsigned int)n);
		put(&w, msg + off, n);
		off += n;
	} while (off < len);
	return w.n;
}

size_t
tlb_hello_record(uint8_t *out, size_t max, const struct tlb_hello *h)
{
	uint8_t msg[70000];
	size_t n = tlb_hello_msg(msg, sizeof(msg), h);

	return tlb_records(out, max, msg, n, NULL);
}
