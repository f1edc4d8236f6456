/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPv4-embedded IPv6 addresses (RFC 6052). Pure functions, no I/O. */
#ifndef CLAT_RFC6052_H
#define CLAT_RFC6052_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rfc6052_prefix {
	uint8_t addr[16];	/* bits beyond len are zero */
	uint8_t len;		/* 32, 40, 48, 56, 64 or 96 */
};

/* 0 when the prefix is usable (RFC 6052 section 2.2: an allowed length, no
 * bits set beyond it, bits 64..71 zero); -EINVAL otherwise. */
int rfc6052_prefix_check(const struct rfc6052_prefix *p);

/* Parse "2001:db8:64::/96" into p and check it; 0 or -EINVAL. */
int rfc6052_prefix_parse(const char *s, struct rfc6052_prefix *p);

/* Format as "2001:db8:64::/96"; buf should hold 50 bytes. Returns buf. */
char *rfc6052_prefix_format(const struct rfc6052_prefix *p, char *buf, size_t size);

/* Section 2.2: place v4 under the prefix; the u-octet and suffix are zero. */
void rfc6052_embed(const struct rfc6052_prefix *p, const uint8_t v4[4],
		   uint8_t v6[16]);

/* Section 2.2: take the IPv4 address out of v6. 0 when v6 is under the
 * prefix, -ENOENT when it is not. The u-octet and suffix are not checked:
 * section 2.2 asks the decoder to ignore the suffix, and RFC 7136 took away
 * the reason for the u-octet rule. */
int rfc6052_extract(const struct rfc6052_prefix *p, const uint8_t v6[16],
		    uint8_t v4[4]);

/* The Well-Known Prefix 64:ff9b::/96 (section 2.1). */
bool rfc6052_is_wkp(const struct rfc6052_prefix *p);

/* Section 3.1: the WKP MUST NOT carry non-global IPv4 addresses (RFC 1918,
 * shared, documentation, loopback, link-local, ... ranges). True when v4 is
 * global in that sense. */
bool rfc6052_v4_is_global(const uint8_t v4[4]);

#endif
