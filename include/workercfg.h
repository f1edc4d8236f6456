/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The translator's configuration, shared by the workers and changed by the
 * main thread while they run (a new prefix, address or MTU): each worker
 * copies it under the lock when gen moves, at the start of a batch. */
#ifndef CLAT_WORKERCFG_H
#define CLAT_WORKERCFG_H

#include <pthread.h>
#include <stdbool.h>

#include "xlat.h"

struct worker_cfg {
	pthread_mutex_t lock;
	unsigned gen;			/* atomic; bumped on every change */
	struct xlat_cfg cfg;
	bool deliver_lo;		/* translations to the host enter
					 * through lo (see txq.c) */
};

/* Publish a new configuration to every worker reading box. */
void worker_cfg_publish(struct worker_cfg *box, const struct xlat_cfg *cfg,
			bool deliver_lo);

/* A reader's copy of the box; gen ~0u before the first take. */
struct worker_cfg_copy {
	unsigned gen;
	struct xlat_cfg cfg;
	bool deliver_lo;
};

/* Refresh copy when the box changed (one acquire load otherwise); true
 * when it did. The box before its first publish (gen 0) is not taken. */
bool worker_cfg_take(struct worker_cfg *box, struct worker_cfg_copy *copy);
/* Whether copy holds a published configuration (else: drop packets). */
bool worker_cfg_valid(const struct worker_cfg_copy *copy);

#endif
