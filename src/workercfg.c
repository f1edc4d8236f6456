/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration box the main thread publishes to the workers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "workercfg.h"

void worker_cfg_publish(struct worker_cfg *box, const struct xlat_cfg *cfg,
			int dev_fd, const char *dev_name)
{
	bool dev = false;

	pthread_mutex_lock(&box->lock);
	box->cfg = *cfg;
	if (dev_fd != box->dev_fd ||
	    strncmp(dev_name, box->dev_name, sizeof(box->dev_name)) != 0) {
		box->dev_gen++;
		dev = true;
	}
	box->dev_fd = dev_fd;
	snprintf(box->dev_name, sizeof(box->dev_name), "%s", dev_name);
	/* 0 is the zeroed box (never published) and ~0u a reader's "none
	 * yet": a wrapping counter skips both. */
	__atomic_store_n(&box->gen, box->gen + 1 >= ~0u ? 1 : box->gen + 1,
			 __ATOMIC_RELEASE);
	for (unsigned i = 0; dev && i < box->nwatch; i++) {
		uint64_t one = 1;

		/* Full (2^64 - 2 unread) cannot happen: it is read. */
		if (write(box->watch[i], &one, sizeof(one)) < 0)
			continue;
	}
	pthread_mutex_unlock(&box->lock);
}

int worker_cfg_watch(struct worker_cfg *box, int efd)
{
	int err = 0;

	pthread_mutex_lock(&box->lock);
	if (box->nwatch < WORKER_CFG_WATCHERS)
		box->watch[box->nwatch++] = efd;
	else
		err = -ENOSPC;
	pthread_mutex_unlock(&box->lock);
	return err;
}

void worker_cfg_unwatch(struct worker_cfg *box, int efd)
{
	pthread_mutex_lock(&box->lock);
	for (unsigned i = 0; i < box->nwatch; i++)
		if (box->watch[i] == efd) {
			box->watch[i] = box->watch[--box->nwatch];
			break;
		}
	pthread_mutex_unlock(&box->lock);
}

/* Take the published configuration when it changed: one load per batch
 * otherwise. */
bool worker_cfg_take(struct worker_cfg *box, struct worker_cfg_copy *copy,
		     void (*dev_changed)(int dev_fd, const char *name,
					 void *arg),
		     void *arg)
{
	unsigned gen = __atomic_load_n(&box->gen, __ATOMIC_ACQUIRE);

	/* Generation 0 is the box before the first publish: zeroes, with
	 * 0.0.0.0 as the CLAT address and no prefix, which is nothing to
	 * translate with (a restart's leftover rules queue packets before
	 * the main thread has published anything). */
	if (gen == copy->gen || gen == 0)
		return false;
	pthread_mutex_lock(&box->lock);
	copy->cfg = box->cfg;
	if (copy->gen == ~0u || copy->dev_gen != box->dev_gen) {
		copy->dev_fd = box->dev_fd;
		copy->dev_gen = box->dev_gen;
		if (dev_changed)
			dev_changed(box->dev_fd, box->dev_name, arg);
	}
	copy->gen = box->gen;
	pthread_mutex_unlock(&box->lock);
	return true;
}

bool worker_cfg_valid(const struct worker_cfg_copy *copy)
{
	return copy->gen != ~0u && copy->gen != 0;
}
