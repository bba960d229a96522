/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum pseudo header (the running sum itself is inline in dg_wire.h). */
#include "dg_wire.h"

uint64_t
dg_wire_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
		    uint32_t l4len)
{
	uint64_t sum;

	/* IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header.
	 * Both sum the same once folded, so one layout serves. Added as the values a
	 * host-order load of those bytes would give: a buffer stored a byte at a time and
	 * read back at once would wait for the stores to reach the cache. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	sum = (uint64_t)__builtin_bswap32(l4len) + ((uint64_t)proto << 24);
#else
	sum = (uint64_t)l4len + proto;
#endif
	sum = dg_wire_csum_add(sum, src, alen);
	return dg_wire_csum_add(sum, dst, alen);
}
