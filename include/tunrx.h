/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Receive batching on a worker's queue of the CLAT tun (tundev.h): the
 * IPv4 packets routed to the device, each behind the vnet header that
 * says what the kernel left undone (a partial checksum, a TCP
 * super-packet and its segment size). A tun hands over one packet per
 * read(): the batch reads until the queue is empty, RXBATCH packets, or
 * no room is left for a packet of the largest size. */
#ifndef CLAT_TUNRX_H
#define CLAT_TUNRX_H

#include <stdint.h>
#include <linux/virtio_net.h>

#include "rxbatch.h"	/* RXBATCH */

/* The largest packet a tun hands over: a 64 KiB super-packet (the
 * device's default GSO limit; BIG TCP is IPv6 only there). */
#define TUNRX_MAX	65536u
#define TUNRX_BUF	(RXBATCH * 2048u + TUNRX_MAX)

struct tunpkt {
	struct virtio_net_hdr vh;	/* little-endian fields (virtio 1.0) */
	const uint8_t *data;
	uint32_t len;
	bool cut;			/* longer than the room it was read
					 * into: not whole */
};

struct tunrx {
	uint8_t *buf;			/* TUNRX_BUF bytes */
	struct tunpkt pkt[RXBATCH];
};

/* 0 or -ENOMEM. */
int tunrx_init(struct tunrx *r);
void tunrx_free(struct tunrx *r);
/* Read up to RXBATCH packets from the non-blocking tun queue fd without
 * waiting; their number, or -errno when there was none to read (-EAGAIN:
 * the queue is empty; -EBADFD: the device went away). */
int tunrx_recv(struct tunrx *r, int fd);

#endif
