/* Internet checksum: RFC 1071 sums, RFC 1624 incremental update. */
#include <string.h>

#include "csum.h"

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* Eight bytes per step: add the big-endian 16-bit words of each
	 * 32-bit half; a 64-bit accumulator cannot overflow below 4 GiB. */
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		w = __builtin_bswap64(w);
		acc += (w >> 48) + ((w >> 32) & 0xffff) +
		       ((w >> 16) & 0xffff) + (w & 0xffff);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	/* Keep the result below 2^31 so callers may add a few more words. */
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
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
