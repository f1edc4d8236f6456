/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internet checksum (RFC 1071) and incremental update (RFC 1624).
 *
 * Sums are kept as 32-bit accumulators of big-endian 16-bit words read
 * byte by byte, so callers never cast possibly unaligned packet pointers. */
#ifndef CLAT_CSUM_H
#define CLAT_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at buf to a running sum. An odd trailing byte is padded with
 * zero, so only the last call of a sequence may have an odd length. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);

/* Add one 16-bit value (host order) to a running sum. */
static inline uint32_t csum_add16(uint32_t sum, uint16_t v)
{
	return sum + v;
}

/* Fold a running sum to 16 bits and complement it: the value to store. */
uint16_t csum_fold(uint32_t sum);

/* Pseudo-header sums (RFC 768/793 for IPv4, RFC 8200 section 8.1 for IPv6).
 * Addresses are network-order byte arrays; len is the upper-layer length. */
uint32_t csum_pseudo4(const uint8_t saddr[4], const uint8_t daddr[4],
		      uint8_t proto, uint32_t len);
uint32_t csum_pseudo6(const uint8_t saddr[16], const uint8_t daddr[16],
		      uint8_t proto, uint32_t len);

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). old_sum and new_sum are the
 * unfolded sums of the fields that were replaced and their replacements. */
uint16_t csum_adjust(uint16_t csum, uint32_t old_sum, uint32_t new_sum);

#endif
