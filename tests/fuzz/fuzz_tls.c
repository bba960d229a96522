/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over lib/tls: one TCP payload read as a ClientHello, in a buffer of its
 * exact length (ASan sees any read past it), then its prefixes (all of a short input),
 * as if the segment had ended there. Traps on a broken invariant:
 *  - the return is 0, -ENOMSG, -EAGAIN or -EBADMSG; the SNI is only given on 0, and fits;
 *  - in one record, the SNI is bytes of the input;
 *  - a cut never makes a verdict up: a prefix of a whole ClientHello is whole or unknown
 *    (-EAGAIN), never malformed; a prefix that is malformed or not a ClientHello says so
 *    of the whole input too; a prefix read whole reads the same SNI as the whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dg_tls.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
parse(const uint8_t *data, size_t n, struct dg_tls_hello *h)
{
	uint8_t *c = malloc(n ? n : 1);
	int rc;

	memcpy(c, data, n);
	rc = dg_tls_client_hello(c, n, h);
	CHECK(rc == 0 || rc == -ENOMSG || rc == -EAGAIN || rc == -EBADMSG);
	CHECK(h->sni_len <= DG_TLS_SNI_MAX);
	CHECK(rc == 0 || (!h->sni_present && h->sni_len == 0));
	CHECK(h->sni_len == 0 || h->sni_present);
	if (rc == 0 && h->records == 1 && h->sni_len > 0)
		CHECK(memmem(c, n, h->sni, h->sni_len) != NULL);
	free(c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_tls_hello whole, part;
	int rc = parse(data, size, &whole);

	/* prefixes: every one of a short input; of a long one, ~256 spread out and the last 32 */
	for (size_t k = 0, step = size / 256 + 1; k < size; k += k + 32 >= size ? 1 : step) {
		int rk = parse(data, k, &part);

		if (rc == 0)
			CHECK(rk == 0 || rk == -EAGAIN || (k == 0 && rk == -ENOMSG));
		if (rk == -EBADMSG || (rk == -ENOMSG && k > 0))
			CHECK(rc == rk);
		if (rk == 0) {
			CHECK(rc == 0 && part.sni_len == whole.sni_len &&
			      part.sni_present == whole.sni_present);
			CHECK(memcmp(part.sni, whole.sni, part.sni_len) == 0);
		}
	}
	return 0;
}
