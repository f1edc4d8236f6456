/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's nftables rules, built with libnftnl and applied through
 * libmnl in one transaction. nft/clat-nfq.nft is the readable copy. */
#ifndef CLAT_NFTRULES_H
#define CLAT_NFTRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rfc6052.h"
#include "xlat.h"

struct mnl_socket;

#define NFTRULES_TABLE "clat-nfq"

struct nftrules_spec {
	uint8_t clat4[4];
	uint8_t clat6[16];
	struct rfc6052_prefix plat;	/* IPv6 is queued only from here */
	bool shared;		/* CLAT uses the host's IPv6 address and
				 * ctmark keeps the host's own flows apart */
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
	bool native_queue;	/* nft queue expression, else xt NFQUEUE */
	bool router;		/* IPv4 from elsewhere is masqueraded to
				 * clat4 and translated too */
	char clat_dev[16];	/* the CLAT device (router mode) */
	const struct xlat_eamt *eam;	/* RFC 7757: IPv6 from these prefixes
					 * is queued too; NULL: none */
	/* The ingress fast path (ingress-fwd=yes): IPv6 UDP and ICMPv6 from
	 * the PLAT prefix to clat6, with no extension header and a hop limit
	 * above 1, forwarded at the uplink's ingress (table netdev clat-nfq)
	 * straight into the CLAT device, where the workers read it: no
	 * queue, no verdict. The rest takes the queue rules, which stay. In
	 * shared mode, whose flows only conntrack told apart (and conntrack
	 * comes after ingress), UDP only, and only of flows the daemon's own
	 * packets put in a set on the uplink's egress. */
	int fwd_ifindex;	/* the CLAT device; 0: no fast path */
	char uplink[16];	/* the device whose ingress it hooks */
	int uplink_idx;		/* a new device of that name: new rules */
};

/* Whether spec has the ingress fast path (see fwd_ifindex). */
bool nftrules_fast(const struct nftrules_spec *spec);

/* Which worker takes a packet: for TCP and UDP, bits 1 and up of the
 * CLAT's own port (the IPv4 source port, the IPv6 destination port); for
 * the rest, the low bits of the remote IPv4 address's last octet, the same
 * whether it is the IPv4 destination or embedded in the IPv6 source. Both
 * directions of a flow meet one worker; flows to one server spread. Each
 * rule names one queue: sel rules per kind and direction, sel the power of
 * two >= queues, selector value v to queue v % queues. */
unsigned nftrules_selectors(const struct nftrules_spec *spec);

/* Table ownership (Linux 5.12+): a table made with NFT_TABLE_F_OWNER
 * belongs to the netlink socket that made it; `nft flush ruleset` skips
 * it, nobody else may change or delete it, and it goes when the socket
 * closes. NFT_TABLE_F_PERSIST (6.9+) keeps it after that, ownerless, for
 * the next run to replace. Older headers lack the second flag. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif
#define NFTRULES_OWNER		0x2	/* NFT_TABLE_F_OWNER */
#define NFTRULES_PERSIST	0x4	/* NFT_TABLE_F_PERSIST */

/* The daemon's handle on its tables: the socket every transaction goes
 * through (it owns the tables), and what the kernel accepted. */
struct nftrules {
	struct mnl_socket *nl;		/* NULL: not open */
	uint32_t portid;		/* events from it are our own */
	unsigned want;			/* flags to try: NFTRULES_* */
	unsigned flags;			/* flags the tables got */
	bool probed;			/* flags settled by a first apply */
	uint64_t last_us;		/* the last transaction took */
	/* The last apply asked for the ingress shortcut and the kernel
	 * refused it (no netdev egress hook before Linux 5.16, no nft fwd,
	 * the uplink gone in between): the rules went in without it, every
	 * IPv6 packet through the queues. shortcut_err: why. */
	bool shortcut_refused;
	int shortcut_err;
};

/* Open the socket; want: the ownership flags to try (the kernel may
 * refuse them; nftrules_apply then tries fewer). 0 or -errno. */
int nftrules_open(struct nftrules *n, unsigned want);
void nftrules_close(struct nftrules *n);

/* Replace whatever clat-nfq tables exist (a crashed run's included, owned
 * or ownerless) by the ones spec describes, atomically; when the kernel
 * refuses its ingress shortcut, by the same without it (shortcut_refused).
 * 0 or -errno. */
int nftrules_apply(struct nftrules *n, const struct nftrules_spec *spec);

/* Remove the tables; 0 when they are gone (or were never there). */
int nftrules_remove(struct nftrules *n);

/* The tables as the kernel has them now: for each family (0: ip, 1: ip6,
 * 2: netdev) whether it exists, and its flags and owner. 0 or -errno. */
struct nftrules_seen {
	bool present[3];		/* 2: netdev, the fast path's */
	uint32_t flags[3];
	uint32_t owner[3];		/* portid; 0: none */
};
int nftrules_look(struct nftrules_seen *seen);

/* nftables events (NFNLGRP_NFTABLES, what `nft monitor` reads): a
 * non-blocking socket, or NULL (errno set). */
struct mnl_socket *nftrules_events_open(void);
/* Drain it: true when someone other than portid changed a clat-nfq table
 * (or events were lost, so that may have happened). */
bool nftrules_events_read(struct mnl_socket *ev, uint32_t portid);
/* Whether a buffer of nftables notifications holds a change to a
 * clat-nfq table made by someone other than portid (parsing only). */
bool nftrules_events_foreign(const void *buf, size_t len, uint32_t portid);

/* Write the ruleset spec describes in nft's syntax (what "nft list table"
 * shows, counters at zero), for operators who install it themselves. */
void nftrules_print(const struct nftrules_spec *spec, FILE *f);

/* Whether the kernel has the native queue expression (CONFIG_NFT_QUEUE),
 * tried in a transaction that is aborted. */
bool nftrules_have_native_queue(void);

#endif
