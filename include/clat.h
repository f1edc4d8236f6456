/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT on the host: from the configuration and the network as it is
 * right now, work out what should be in place (prefix, CLAT IPv6 address,
 * uplink and its MTU, rules, the IPv4 default route) and make it so,
 * changing only what differs: the rules in one nftables transaction, the
 * translator's configuration published to the running workers. Called at
 * start and after every event (rtnetlink, router advertisement, DNS64
 * answer, timer), so it never holds a stale interface index. */
#ifndef CLAT_CLAT_H
#define CLAT_CLAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clat_desire.h"
#include "config.h"
#include "discover.h"
#include "nftrules.h"
#include "scripts.h"
#include "status.h"
#include "worker.h"

#define CLAT_SAVED_ROUTES 4

struct clat {
	const struct config *c;
	struct discover disc;
	struct worker_cfg box;		/* what the workers translate with */
	struct xlat_cfg xc;		/* last published */
	bool xc_published;
	unsigned nworkers;
	uint16_t gso_queue_num;
	int clat_ifindex;
	int dev_fd;			/* the CLAT tun, written by the workers */
	const char *dev_kind;
	/* what is in place */
	bool up;			/* translating, IPv4 route offered */
	bool rules_on;
	bool rules_tampered;		/* someone else changed them */
	bool rules_reapply;		/* replace them anyway (reload) */
	struct nftrules nft;		/* owns the tables */
	struct nftrules_spec rs;	/* queues == 0: not ours (yet) */
	uint64_t leftover_until;	/* a crashed run's rules kept till */
	bool native_queue;
	bool route_on;
	uint32_t route_mtu, route_advmss, route_metric;
	int route_ifindex;
	uint8_t route_src[4];
	int anycast_fd, anycast_ifindex;
	uint8_t anycast_addr[16];
	int shared_ifindex;		/* where the shared address was seen */
	/* derived mode: the address added to the uplink */
	bool der_added, der_random;
	int der_ifindex;
	uint8_t der_addr[16];
	unsigned der_tries;
	bool again;			/* reconcile once more right away */
	/* native IPv4 (v4-conncheck, v4-defaultroute-replace) */
	bool first;
	uint64_t native_since;		/* 0: none seen */
	unsigned nsaved;
	size_t saved_len[CLAT_SAVED_ROUTES];
	uint8_t saved[CLAT_SAVED_ROUTES][512];
	int run_fd;			/* RUNDIR (rundir.h), set by the caller */
	char saved_name[32];		/* this namespace's file in it */
	struct scripts scripts;		/* script-up/-down running */
	char last_state[320];
	char rules_desc[96];		/* status: the rules with the shortcut */
	/* repairs: what was put back, logged once per kind */
	unsigned repaired_kinds;
	bool der_readd;			/* the derived address was removed:
					 * the same one goes back */
	/* status tells the truth: translating only with everything in */
	bool translating;
	unsigned workers_alive;		/* set by main before reconcile */
	char missing[96];		/* what is not in place, "" */
	uint64_t missing_since;		/* monotonic ms */
	time_t missing_wall;
	struct status_info si;
};

/* Remove what a crashed run left, create the CLAT device and its IPv4
 * address, open discovery. Logs what fails; 0 or -errno (-EEXIST: an
 * interface of that name that is not ours). */
int clat_start(struct clat *k, const struct config *c, unsigned nworkers);

/* Recompute the desired state and apply the difference: what the network
 * offers (prefix, route, uplink, its addresses) is gathered, clat_desire()
 * says what should be, and what the kernel has (device, addresses,
 * route, rules, anycast) is brought in line, each repair counted. */
void clat_reconcile(struct clat *k, uint64_t now);

/* Someone other than the daemon changed its tables (nftables events):
 * the next reconcile puts them back. */
void clat_rules_tampered(struct clat *k);

/* The configuration changed under k->c (SIGHUP); old is the one before.
 * Takes down what the new one no longer wants (device, address, route,
 * derived address, anycast, discovery) and lets the next reconcile bring
 * up the rest. nworkers: the workers running now. */
void clat_reload(struct clat *k, const struct config *old, unsigned nworkers);

/* Bring what status shows of the prefix's source up to now (the lifetime
 * left), before answering a status request. */
void clat_status_refresh(struct clat *k, uint64_t now);

/* When clat_reconcile wants to run again without an event (UINT64_MAX:
 * not before one). */
uint64_t clat_next(const struct clat *k, uint64_t now);

/* Take everything down (script-down first when translating). */
void clat_stop(struct clat *k);

/* -p: the ruleset this configuration installs on this host now, in nft's
 * syntax (the prefix configured or the fallback). 0 or -errno, logged. */
int clat_print_rules(const struct config *c, unsigned nworkers, FILE *f);

/* Remove what any run of clat-nfq in this namespace installed: rules,
 * the CLAT device when it is ours, its addresses, and put back a native
 * IPv4 default route a run took over. */
void clat_cleanup(const struct config *c, int run_fd, const char *saved_name,
		  bool keep_rules);

#endif
