/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ICMP for the translator: RFC 7915 type/code and pointer tables, the
 * RFC 1191 plateaus, and the ICMP errors the translator itself sends back. */
#ifndef CLAT_XLAT_ICMP_H
#define CLAT_XLAT_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

#define ICMP4_ECHOREPLY		0
#define ICMP4_UNREACH		3
#define ICMP4_ECHO		8
#define ICMP4_TIMXCEED		11
#define ICMP4_PARAMPROB		12
#define ICMP6_UNREACH		1
#define ICMP6_PACKET_TOO_BIG	2
#define ICMP6_TIME_EXCEEDED	3
#define ICMP6_PARAMPROB		4
#define ICMP6_ECHO		128
#define ICMP6_ECHOREPLY		129

/* What to do with an ICMP error: the new type and code, and how the
 * second word (pointer or MTU) is carried over. */
enum xlat_icmp_rest {
	XLAT_ICMP_REST_NONE,		/* unused, zero */
	XLAT_ICMP_REST_MTU,		/* PTB / Fragmentation Needed arithmetic */
	XLAT_ICMP_REST_POINTER,	/* parameter problem pointer, mapped */
	XLAT_ICMP_REST_FIXED,	/* constant pointer in .pointer */
};

struct xlat_icmp_map {
	uint8_t type;
	uint8_t code;
	uint8_t rest;		/* enum xlat_icmp_rest */
	uint8_t pointer;	/* for XLAT_ICMP_REST_FIXED */
};

bool xlat_icmp4_is_error(uint8_t type);
bool xlat_icmp6_is_error(uint8_t type);

/* RFC 7915 4.2 / 5.2 error tables: 0 and *m filled, or -1 to drop. */
int xlat_icmp_err_4to6(uint8_t type, uint8_t code, struct xlat_icmp_map *m);
int xlat_icmp_err_6to4(uint8_t type, uint8_t code, struct xlat_icmp_map *m);

/* RFC 7915 Figure 3 and Figure 6: pointer in the other family, or -1. */
int xlat_icmp_ptr_4to6(uint8_t p4);
int xlat_icmp_ptr_6to4(uint32_t p6);

/* RFC 1191 section 7 plateau for an MTU field of zero, as RFC 7915 4.2
 * asks: the greatest plateau below totlen that is at least 1280. */
uint16_t xlat_icmp_plateau(uint16_t totlen);

/* Build an ICMPv4 error (type, code, 32-bit rest of header) about the IPv4
 * packet pkt (len bytes, header already validated) into out as a REPLY.
 * Falls back to DROP when an error may not be sent: about an ICMP error
 * or a non-first fragment (caller says so in no_error), or to/from an
 * address that must not get one. Returns the verdict. */
enum xlat_verdict xlat_icmp_reply4(const struct xlat_cfg *cfg, const uint8_t *pkt,
			      size_t len, bool no_error, uint8_t type,
			      uint8_t code, uint32_t rest,
			      enum xlat_reason reason, struct xlat_out *out);

/* The same for an IPv6 packet; the error comes from cfg->clat6. */
enum xlat_verdict xlat_icmp_reply6(const struct xlat_cfg *cfg, const uint8_t *pkt,
			      size_t len, bool no_error, uint8_t type,
			      uint8_t code, uint32_t rest,
			      enum xlat_reason reason, struct xlat_out *out);

#endif
