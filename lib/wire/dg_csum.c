/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum pseudo header (the running sum itself is inline in dg_wire.h). */
#include "dg_wire.h"

uint64_t
dg_wire_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		    uint32_t l4len)
{
	uint8_t tail[8] = { 0 };
	uint64_t sum;

	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header.
	 * Both sum the same once folded, so one layout serves. */
	dg_wire_put_u32(tail, l4len);
	tail[7] = proto;
	sum = dg_wire_csum_add(0, src, alen);
	sum = dg_wire_csum_add(sum, dst, alen);
	return dg_wire_csum_add(sum, tail, sizeof(tail));
}
