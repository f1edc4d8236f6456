/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PREF64 option of IPv6 router advertisements (RFC 8781): the NAT64
 * prefix a router announces, and for how long. Pure: bytes in, prefixes
 * out, no I/O. */
#ifndef CLAT_PREF64_H
#define CLAT_PREF64_H

#include <stddef.h>
#include <stdint.h>

#include "rfc6052.h"

#define PREF64_OPT_TYPE 38

struct pref64 {
	struct rfc6052_prefix prefix;
	uint32_t lifetime;	/* seconds; 0: withdrawn */
};

/* msg is an ICMPv6 message from its type field on. When it is a router
 * advertisement whose options are well formed (RFC 4861 6.1.2), store the
 * usable PREF64 options it carries (at most max) in out and return how
 * many (0 when there are none); -EINVAL when it is not a valid RA. Options
 * with a length other than 2 or an unknown prefix length code are ignored
 * (RFC 8781 section 4), as are prefixes RFC 6052 does not allow. */
int pref64_parse_ra(const uint8_t *msg, size_t len, struct pref64 *out,
		    size_t max);

/* Build one PREF64 option (16 bytes) for p and lifetime (rounded up to
 * the option's 8-second units, at most 65528 s). For tests and tools. */
void pref64_option(const struct rfc6052_prefix *p, uint32_t lifetime,
		   uint8_t opt[16]);

#endif
