/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The running daemon's state for people and scripts: a unix socket per
 * network namespace, next to the lock, that answers "text" or "json" with
 * the configuration in force and the live counters. Only root and the
 * daemon's own user are answered. */
#ifndef CLAT_STATUS_H
#define CLAT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "worker.h"
#include "xlat.h"

/* What the daemon put back after someone else removed it, by kind: the
 * names status shows. */
#define STATUS_REPAIRS(X)						\
	X(rules) X(route) X(address) X(device) X(anycast)		\
	X(derived_address) X(workers)
enum status_repair {
#define STATUS_REPAIR_ENUM(n) STATUS_REPAIR_##n,
	STATUS_REPAIRS(STATUS_REPAIR_ENUM)
	STATUS_REPAIR_COUNT
};

/* What the daemon runs with, as text. */
struct status_info {
	char state[320];		/* "translating", or why not */
	char plat_prefix[64];		/* "none" while there is none */
	char prefix_source[96];		/* "configured", "router ..." */
	char clat4[16];
	char clat6[48];
	const char *v6_mode;		/* "shared", "derived", "explicit" */
	char plat_dev[16];
	char clat_dev[16];
	const char *clat_dev_kind;	/* "tun" */
	unsigned queue_num, gso_queue_num;	/* gso_queue_num 0: none */
	const char *queue_kind;		/* "nft queue" or "xt NFQUEUE" or "none" */
	const char *delivery;		/* how translations reach the host:
					 * "clat device" (see worker.c) */
	uint64_t ra_accepted;		/* PREF64 RAs taken from the uplink */
	uint64_t ra_ignored;		/* and from elsewhere, ignored */
	const struct xlat_eamt *eam;	/* RFC 7757 mappings, or NULL */
	long long prefix_lifetime;	/* s left of a PREF64 prefix; -1:
					 * none or not from an RA */
	const char *v6_how;		/* explicit mode: "routed to this
					 * host", "on-link, ..." ("" else) */
	const char *table_owner;	/* "owner, persistent", "owner",
					 * "none (watched)" */
	time_t started;			/* CLOCK_MONOTONIC s, for the uptime */
	uint64_t repairs[STATUS_REPAIR_COUNT];
	char last_repair[160];		/* "" until the first */
};

/* Where the daemon keeps its per-namespace files (RuntimeDirectory=). */
#define RUNDIR_NAME "clat-nfq"
#define RUNDIR "/run/" RUNDIR_NAME

/* RUNDIR/<inode of the caller's network namespace>.ext: 0 or -errno. */
int run_path(char *path, size_t size, const char *ext);

/* Listen on path (a stale socket there is replaced), mode 0600: the
 * listening fd or -errno. */
int status_listen(const char *path);

/* Answer one waiting client on lfd: "text", "json" or "metrics". */
void status_serve(int lfd, const struct status_info *si,
		  const struct worker *w, unsigned n);

/* The counters in Prometheus' text exposition format (version 0.0.4). */
void status_metrics(FILE *f, const struct status_info *si,
		    const struct worker *w, unsigned n);

/* Replace path with status_metrics() atomically: a new file in the same
 * directory, then rename(2), so a reader (node_exporter's textfile
 * collector) sees the old file or the new one, never part of one.
 * Mode 0644. 0 or -errno. */
int status_metrics_file(const char *path, const struct status_info *si,
			const struct worker *w, unsigned n);

enum status_kind { STATUS_TEXT, STATUS_JSON, STATUS_METRICS };

/* `clat-nfq status [--json]`, `clat-nfq metrics`: ask the daemon of this
 * namespace and print its answer. Exit status: 0, or 1 when no daemon
 * answers. */
int status_client(enum status_kind kind);

#endif
