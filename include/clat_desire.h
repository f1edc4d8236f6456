/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure half of clat.c's reconcile step (after gelatod): from what is
 * known of the network (struct clat_facts, gathered by clat.c) and the
 * configuration, what should be in place: the translator's configuration,
 * the rules, the IPv4 default route, the anycast join, or why nothing can
 * be. No I/O and no globals, so it is unit-tested without root. clat.c
 * compares the result with what the kernel has and applies the
 * difference. */
#ifndef CLAT_CLAT_DESIRE_H
#define CLAT_CLAT_DESIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "nftrules.h"
#include "rfc6052.h"
#include "xlat.h"

/* How the kernel reaches an explicit clat-v6-addr (RFC 6877 6.3). */
enum clat_v6route {
	CLAT_V6R_UNKNOWN,	/* the lookup failed: look again */
	CLAT_V6R_ONLINK,	/* on a link's prefix: answer ND (anycast) */
	CLAT_V6R_ROUTED,	/* through a gateway: the provider routes it
				 * to this host, no ND needed */
	CLAT_V6R_LOCAL,		/* an address of this host already */
	CLAT_V6R_NONE,		/* no route at all */
};

struct clat_facts {
	bool have_prefix;
	struct rfc6052_prefix pfx;
	bool plat_dev_missing;		/* plat-dev given, not there (yet) */
	int route_err;			/* route toward the prefix: 0, -errno */
	uint8_t src[16];		/* the source the kernel picks for it */
	uint32_t mtu6;			/* its path MTU */
	int uplink_idx;			/* the interface holding src; 0: none */
	/* shared mode: the address the CLAT uses, still on the uplink? */
	bool shared_kept;
	uint8_t shared_addr[16];
	/* derived mode: NULL when derived_addr is ready, else why not */
	const char *derived_wait;
	uint8_t derived_addr[16];
	/* explicit mode */
	enum clat_v6route v6route;
	int v6route_oif;		/* ONLINK: the link */
	bool aside;			/* native IPv4 (v4-conncheck) */
	bool native_queue;		/* the kernel has nft queue */
	unsigned nworkers;
	int clat_ifindex;		/* the CLAT device; <= 0: none */
	char uplink[16];		/* the name of uplink_idx */
};

struct clat_desired {
	const char *why;		/* NULL: translate; else why not */
	const char *v6_how;		/* explicit mode: how packets reach
					 * the address (for status) */
	uint8_t clat6[16];
	struct xlat_cfg xc;		/* base with plat, clat6, mtu6 set */
	struct nftrules_spec rs;	/* the rules (valid when !why) */
	bool route;			/* the IPv4 default route */
	uint32_t mtu4, advmss;
	int anycast_ifindex;		/* > 0: join clat6 as anycast there */
	bool serve;			/* IPv4 offered: !why && !aside */
};

/* Whether a source address can reach the PLAT: not link-local, not
 * unspecified or loopback (what the kernel picks once the global address
 * is gone). */
bool clat_src_usable(const uint8_t src[16]);

/* The rules for this configuration, prefix and CLAT IPv6 address. */
void clat_make_spec(const struct config *c, unsigned nworkers,
		    const struct rfc6052_prefix *pfx, const uint8_t clat6[16],
		    struct nftrules_spec *rs);

/* The desired state; base is the translator configuration in force (its
 * fields other than plat, clat6 and mtu6 are kept). */
void clat_desire(const struct config *c, const struct clat_facts *f,
		 const struct xlat_cfg *base, struct clat_desired *d);

/* Field by field (structs have padding): whether the rules differ, and
 * the translator's configuration. */
bool clat_spec_equal(const struct nftrules_spec *a,
		     const struct nftrules_spec *b);
bool clat_xc_equal(const struct xlat_cfg *a, const struct xlat_cfg *b);

#endif
