/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PREF64 option of IPv6 router advertisements (RFC 8781): the NAT64
 * prefix a router announces, and for how long. Pure: bytes in, prefixes
 * out, no I/O. */
#ifndef CLAT_PREF64_H
#define CLAT_PREF64_H

#include <stdbool.h>
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

/* Several routers on the uplink may announce different prefixes (RFC 8781
 * section 5 leaves the choice to the host). The host keeps one: the first
 * it heard, for as long as its lifetime lasts and its router does not
 * withdraw or replace it; the others are remembered with their lifetimes,
 * and when the chosen one ends the longest-lived of them takes over. So
 * two routers that disagree never make the host flap between them. Times
 * are milliseconds of any monotonic clock. Pure, as the parser. */
#define PREF64_CANDS 8

struct pref64_cand {
	uint8_t router[16];		/* the link-local source of the RA */
	unsigned ifindex;
	struct rfc6052_prefix prefix;
	uint64_t expires;		/* 0: empty slot */
};

struct pref64_set {
	struct pref64_cand c[PREF64_CANDS];
	int cur;			/* index of the chosen one; -1: none */
};

void pref64_set_init(struct pref64_set *s);

/* One valid RA from router (on ifindex) carrying the n PREF64 options p
 * (pref64_parse_ra) at time now. A router that announces prefixes and no
 * longer the chosen one of its own has replaced it: the choice moves to
 * what it announces now. True when the chosen prefix changed. */
bool pref64_set_ra(struct pref64_set *s, const uint8_t router[16],
		   unsigned ifindex, const struct pref64 *p, int n,
		   uint64_t now);

/* Forget what expired by now; true when the chosen prefix changed. */
bool pref64_set_expire(struct pref64_set *s, uint64_t now);

/* The chosen candidate, or NULL. */
const struct pref64_cand *pref64_set_chosen(const struct pref64_set *s);

/* The earliest expiry of any candidate (UINT64_MAX: none). */
uint64_t pref64_set_next(const struct pref64_set *s);

#endif
