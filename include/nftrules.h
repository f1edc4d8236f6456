/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's nftables rules, built with libnftnl and applied through
 * libmnl in one transaction. nft/clat-nfq.nft is the readable copy. */
#ifndef CLAT_NFTRULES_H
#define CLAT_NFTRULES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rfc6052.h"
#include "xlat.h"

#define NFTRULES_TABLE "clat-nfq"

struct nftrules_spec {
	uint8_t clat4[4];
	uint8_t clat6[16];
	struct rfc6052_prefix plat;	/* IPv6 is queued only from here */
	bool shared;		/* CLAT uses the host's IPv6 address */
	uint32_t fwmark;	/* on the daemon's own packets */
	uint32_t ctmark;	/* on CLAT flows (shared mode) */
	uint16_t queue_num;	/* first queue */
	uint16_t queues;	/* number of queues (workers), 1 to 64 */
	uint8_t sel6;		/* where the IPv4 address's last octet sits
				 * in an address under the PLAT prefix
				 * (RFC 6052 2.2): 7, 9, 10, 11, 12 or 15 */
	uint16_t gso_queue_num;	/* first of as many queues for IPv6 TCP with
				 * offloads pending (NFQA_CFG_F_GSO); 0: none */
	bool trace;		/* a first rule in each chain sets nftrace on
				 * the CLAT's packets: nft monitor trace */
	bool fail_open;		/* IPv4 rules bypass the queue when nobody
				 * listens; IPv6 rules never do */
	bool native_queue;	/* nft queue expression, else xt NFQUEUE */
	bool router;		/* IPv4 from elsewhere is masqueraded to
				 * clat4 and translated too */
	char clat_dev[16];	/* the CLAT device (router mode) */
	const struct xlat_eamt *eam;	/* RFC 7757: IPv6 from these prefixes
					 * is queued too; NULL: none */
};

/* Which worker takes a packet: for TCP and UDP, bits 1 and up of the
 * CLAT's own port (the IPv4 source port, the IPv6 destination port); for
 * the rest, the low bits of the remote IPv4 address's last octet, the same
 * whether it is the IPv4 destination or embedded in the IPv6 source. Both
 * directions of a flow meet one worker; flows to one server spread. Each
 * rule names one queue: sel rules per kind and direction, sel the power of
 * two >= queues, selector value v to queue v % queues. */
unsigned nftrules_selectors(const struct nftrules_spec *spec);

/* Replace whatever clat-nfq tables exist (a crashed run's included) by the
 * ones spec describes, atomically. 0 or -errno. */
int nftrules_apply(const struct nftrules_spec *spec);

/* Remove the tables; 0 when they are gone (or were never there). */
int nftrules_remove(void);

/* Write the ruleset spec describes in nft's syntax (what "nft list table"
 * shows, counters at zero), for operators who install it themselves. */
void nftrules_print(const struct nftrules_spec *spec, FILE *f);

/* Whether the kernel has the native queue expression (CONFIG_NFT_QUEUE),
 * tried in a transaction that is aborted. */
bool nftrules_have_native_queue(void);

#endif
