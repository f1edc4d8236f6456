/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One translation worker per NFQUEUE: receive, translate with the core,
 * send through its own marked raw sockets, give the verdict. */
#ifndef CLAT_WORKER_H
#define CLAT_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "workercfg.h"
#include "xlat.h"

struct worker_stats {
	uint64_t rx;			/* packets received from the queue */
	uint64_t xlat_4to6;		/* translated IPv4 -> IPv6 */
	uint64_t xlat_6to4;		/* translated IPv6 -> IPv4 */
	uint64_t icmp_errors;		/* errors the translator sent back */
	uint64_t send_errors;		/* raw socket refused a packet */
	uint64_t verdict_errors;	/* verdicts not sent, or refused */
	uint64_t unconfigured;		/* dropped before the first
					 * configuration was published */
	uint64_t overflows;		/* receive buffer overruns (ENOBUFS) */
	uint64_t offloaded;		/* super-packets taken whole (GSO) */
	uint64_t coalesced;		/* UDP datagrams written into the CLAT
					 * device inside another's UDP
					 * super-packet (txq.h) */
	uint64_t drop[XLAT_R_COUNT];	/* by reason */
};

struct worker {
	/* set by the caller */
	uint16_t queue;
	uint16_t gso_queue;		/* also bound, with NFQA_CFG_F_GSO;
					 * 0: none */
	uint32_t fwmark;
	uint32_t queue_length;		/* packets waiting per queue */
	bool udp_coalesce;		/* join UDP runs into the CLAT device */
	uint32_t busy_poll;		/* microseconds to keep looking for
					 * packets after a batch; 0: sleep */
	struct worker_cfg *cfg;
	struct xlat_segcache *segs;	/* shared by the workers; NULL: own */
	int stopfd;			/* readable: stop */
	/* the worker's own */
	pthread_t thread;
	bool done;			/* its thread ended (atomic) */
	struct worker_stats stats;	/* written by the worker only */
	void *priv;
};

/* Open the queue and sockets, then start the thread; 0 or -errno. */
int worker_start(struct worker *w);
/* Whether a started worker's thread still runs. */
bool worker_running(const struct worker *w);
/* Join a started worker and release what it holds. */
void worker_join(struct worker *w);
/* What the kernel dropped on the queues first .. first + count - 1 of this
 * network namespace (/proc/net/netfilter/nfnetlink_queue): queue full
 * (queue_dropped) and not deliverable to the socket (user_dropped). */
void worker_kernel_drops(unsigned first, unsigned count, uint64_t *full,
			 uint64_t *undeliverable);

/* A consistent-enough copy of the counters (relaxed loads). */
void worker_stats_read(const struct worker *w, struct worker_stats *s);
/* The counters of workers w[0 .. n - 1] added up. */
void worker_stats_sum(const struct worker *w, unsigned n,
		      struct worker_stats *t);

#endif
