/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksum: RFC 1071 sums, RFC 1624 incremental update. */
#include <string.h>

#include "csum.h"

__extension__ typedef unsigned __int128 u128;

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t a, tail = 0;
	u128 acc = 0;

	/* RFC 1071 2(B): the sum can be taken in the machine's byte order
	 * and swapped at the end. 64-bit words into a 128-bit accumulator
	 * (add with carry), four per step; the tail zero-padded, which
	 * keeps an odd last byte in the high half of its 16-bit word. */
	while (len >= 32) {
		uint64_t w[4];

		memcpy(w, p, 32);
		acc += w[0];
		acc += w[1];
		acc += w[2];
		acc += w[3];
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		acc += w;
		p += 8;
		len -= 8;
	}
	memcpy(&tail, p, len);
	acc += tail;
	/* Fold 128 -> 64 -> 16 bits with end-around carries. */
	a = (uint64_t)acc + (uint64_t)(acc >> 64);
	a += a < (uint64_t)acc;
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	a = __builtin_bswap16((uint16_t)a);
#endif
	/* Keep the result below 2^31 so callers may add a few more words. */
	a += sum;
	a = (a & 0xffff) + (a >> 16);
	a = (a & 0xffff) + (a >> 16);
	return (uint32_t)a;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo4(const uint8_t saddr[4], const uint8_t daddr[4],
		      uint8_t proto, uint32_t len)
{
	uint32_t sum = csum_add(0, saddr, 4);

	sum = csum_add(sum, daddr, 4);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

uint32_t csum_pseudo6(const uint8_t saddr[16], const uint8_t daddr[16],
		      uint8_t proto, uint32_t len)
{
	uint32_t sum = csum_add(0, saddr, 16);

	sum = csum_add(sum, daddr, 16);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

uint16_t csum_adjust(uint16_t csum, uint32_t old_sum, uint32_t new_sum)
{
	/* ~HC + ~m + m', with m and m' folded to 16 bits first. */
	uint32_t m = old_sum, m2 = new_sum, sum;

	m = (m & 0xffff) + (m >> 16);
	m = (m & 0xffff) + (m >> 16);
	m2 = (m2 & 0xffff) + (m2 >> 16);
	m2 = (m2 & 0xffff) + (m2 >> 16);
	sum = (uint16_t)~csum + (uint16_t)~m + m2;
	return csum_fold(sum);
}
