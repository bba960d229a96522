/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the response walker (lib/dns dg_dns_resp_parse()): one DNS
 * message in a buffer of its exact length (ASan sees any read past it). Traps on a broken
 * invariant:
 *  - the reason is in range;
 *  - a response read whole: the question lies in it, every address lies in it, every
 *    target decompresses (dg_dns_resp_name()) to a name of at most 255 bytes, the counts
 *    are within their caps;
 *  - a byte appended after a response read whole changes nothing (trailing bytes are
 *    ignored), and a cut one byte short is never read whole unless the message had
 *    bytes after its last record.
 */
#include <stdlib.h>
#include <string.h>

#include "dg_dns.h"
#include "dg_dns_resp.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum dg_resp_reason
parse(const uint8_t *data, size_t n, size_t extra, struct dg_dns_resp *r)
{
	uint8_t *c = malloc(n + extra + 1);
	enum dg_resp_reason rc;

	memcpy(c, data, n);
	memset(c + n, 0xc0, extra);
	rc = dg_dns_resp_parse(c, n + extra, r);
	CHECK((unsigned int)rc < DG_RESP__MAX);
	if (rc == DG_RESP_OK) {
		CHECK(r->n_targets <= DG_DNS_RESP_TARGETS_MAX && r->n_addrs <= DG_DNS_RESP_ADDRS_MAX);
		CHECK(r->question_off == DG_DNS_HDR_LEN && r->question_len >= 5);
		CHECK((size_t)r->question_off + r->question_len <= n + extra);
		for (unsigned int i = 0; i < r->n_addrs; i++)
			CHECK((r->addr_len[i] == 4 || r->addr_len[i] == 16) &&
			      (size_t)r->addr_off[i] + r->addr_len[i] <= n + extra);
		for (unsigned int i = 0; i < r->n_targets; i++) {
			struct dg_name nm;

			CHECK(dg_dns_resp_name(c, n + extra, r->target_off[i], &nm) == DG_RESP_OK);
			CHECK(nm.len >= 1 && nm.len <= DG_NAME_MAXLEN);
		}
	}
	free(c);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_dns_resp a, b;
	enum dg_resp_reason rc = parse(data, size, 0, &a);

	if (rc != DG_RESP_OK)
		return 0;
	CHECK(parse(data, size, 1, &b) == DG_RESP_OK);
	CHECK(a.n_targets == b.n_targets && a.n_addrs == b.n_addrs && a.edns == b.edns);
	CHECK(memcmp(a.target_off, b.target_off, sizeof(a.target_off[0]) * a.n_targets) == 0);
	CHECK(memcmp(a.addr_off, b.addr_off, sizeof(a.addr_off[0]) * a.n_addrs) == 0);
	return 0;
}
