/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration box the main thread publishes to the workers. */
#include "workercfg.h"

void worker_cfg_publish(struct worker_cfg *box, const struct xlat_cfg *cfg,
			bool deliver_lo)
{
	pthread_mutex_lock(&box->lock);
	box->cfg = *cfg;
	box->deliver_lo = deliver_lo;
	__atomic_store_n(&box->gen, box->gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&box->lock);
}

/* Take the published configuration when it changed: one load per batch
 * otherwise. */
bool worker_cfg_take(struct worker_cfg *box, struct worker_cfg_copy *copy)
{
	if (__atomic_load_n(&box->gen, __ATOMIC_ACQUIRE) == copy->gen)
		return false;
	pthread_mutex_lock(&box->lock);
	copy->cfg = box->cfg;
	copy->deliver_lo = box->deliver_lo;
	copy->gen = box->gen;
	pthread_mutex_unlock(&box->lock);
	return true;
}
