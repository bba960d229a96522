/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum pseudo header (the running sum itself is inline in dg_wire.h). */
#include "dg_wire.h"

uint64_t
dg_wire_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		    uint32_t l4len)
{
	uint64_t sum;

	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header.
	 * Both sum the same once folded, so one layout serves: words l4len >> 16,
	 * l4len & 0xffff, 0, proto. */
	sum = dg_wire_csum_u16((uint16_t)(l4len >> 16)) + dg_wire_csum_u16((uint16_t)l4len) +
	      dg_wire_csum_u16(proto);
	sum = dg_wire_csum_add(sum, src, alen);
	return dg_wire_csum_add(sum, dst, alen);
}
