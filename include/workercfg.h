/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The translator's configuration, shared by the workers and changed by the
 * main thread while they run (a new prefix, address or MTU): each worker
 * copies it under the lock when gen moves, at the start of a batch. */
#ifndef CLAT_WORKERCFG_H
#define CLAT_WORKERCFG_H

#include <pthread.h>
#include <stdbool.h>

#include "xlat.h"

#define WORKER_CFG_WATCHERS 256	/* a tun's queues at most */

struct worker_cfg {
	pthread_mutex_t lock;
	unsigned gen;			/* atomic; bumped on every change */
	struct xlat_cfg cfg;
	int dev_fd;			/* the CLAT tun's handle (each worker
					 * reads and writes its own queue,
					 * see txq.h); -1: none */
	unsigned dev_gen;		/* bumped when the device changes */
	char dev_name[16];		/* the device's name (IFNAMSIZ) */
	/* the workers' eventfds, written when the device changes: a
	 * worker reading nothing else still attaches its queue */
	int watch[WORKER_CFG_WATCHERS];
	unsigned nwatch;
};

/* Publish a new configuration to every worker reading box. dev_fd (the
 * device's handle, -1: none) says which device is meant, dev_name how
 * each worker attaches its own queue of it (tundev_queue): the caller
 * may close the old handle once the next one is published. */
void worker_cfg_publish(struct worker_cfg *box, const struct xlat_cfg *cfg,
			int dev_fd, const char *dev_name);
/* Have eventfd efd written when the device changes, or no longer; 0 or
 * -ENOSPC. */
int worker_cfg_watch(struct worker_cfg *box, int efd);
void worker_cfg_unwatch(struct worker_cfg *box, int efd);

/* A reader's copy of the box; gen ~0u before the first take. */
struct worker_cfg_copy {
	unsigned gen;
	struct xlat_cfg cfg;
	int dev_fd;			/* the box's, valid under its lock */
	unsigned dev_gen;
};

/* Refresh copy when the box changed (one acquire load otherwise); true
 * when it did. The box before its first publish (gen 0) is not taken.
 * When the device changed too, dev_changed (if not NULL) runs under the
 * box's lock, with the descriptor still open and the device's name. */
bool worker_cfg_take(struct worker_cfg *box, struct worker_cfg_copy *copy,
		     void (*dev_changed)(int dev_fd, const char *name,
					 void *arg),
		     void *arg);
/* Whether copy holds a published configuration (else: drop packets). */
bool worker_cfg_valid(const struct worker_cfg_copy *copy);

#endif
