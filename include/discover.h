/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLAT prefix discovery, the I/O half: router advertisements received on a
 * raw ICMPv6 socket (PREF64, RFC 8781) and the DNS64 query for
 * ipv4only.arpa (RFC 7050), with their lifetimes and retries. The parsing
 * is in pref64.c and dns64.c. Times are CLOCK_MONOTONIC milliseconds. */
#ifndef CLAT_DISCOVER_H
#define CLAT_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "config.h"
#include "pref64.h"
#include "rfc6052.h"

struct discover {
	const struct config *c;
	int ra_fd;			/* -1: not listening */
	int dns_fd;			/* -1: none open */
	/* the prefix from router advertisements: the one chosen among what
	 * the uplink's routers announce (pref64_set), mirrored below */
	struct pref64_set ra_set;
	bool ra_have;
	struct rfc6052_prefix ra_prefix;
	uint64_t ra_expires;
	unsigned ra_ifindex;
	/* the prefix from DNS64 */
	bool dns_have;
	struct rfc6052_prefix dns_prefix;
	uint64_t dns_next;		/* next query (or retry) */
	uint32_t dns_backoff;		/* ms, doubles up to 30 s */
	uint16_t dns_id;
	unsigned nasked;		/* the servers of the last query */
	struct sockaddr_in6 asked[CONFIG_DNS_MAX];
	char dns_from[48];		/* the server that answered */
	uint64_t ra_count, dns_queries;	/* for status */
	uint64_t ra_ignored;		/* PREF64 RAs from elsewhere than the
					 * uplink, or where it takes no RAs */
};

uint64_t discover_now(void);

/* Start listening for router advertisements (only when no plat-prefix is
 * configured). 0 or -errno. */
int discover_open(struct discover *d, const struct config *c);
void discover_close(struct discover *d);

/* Read what arrived on ra_fd / dns_fd; true when a prefix changed. A
 * PREF64 counts only from the uplink (plat-dev, else the interface of the
 * IPv6 default route) and only where that interface accepts router
 * advertisements (accept_ra 1 without forwarding, or 2); the rest is
 * counted in ra_ignored. */
bool discover_ra_read(struct discover *d, uint64_t now);
bool discover_dns_read(struct discover *d, uint64_t now);

/* Lifetimes and queries due at now; want_dns says whether DNS64 is
 * needed (no better source). True when a prefix changed (expired). */
bool discover_tick(struct discover *d, uint64_t now, bool want_dns);

/* When discover_tick wants to run next (UINT64_MAX: nothing pending). */
uint64_t discover_next(const struct discover *d, bool want_dns);

/* The prefix to use, in the order configured, PREF64, DNS64, fallback;
 * false when there is none. *source names where it came from. */
bool discover_pick(const struct discover *d, struct rfc6052_prefix *p,
		   const char **source);

#endif
