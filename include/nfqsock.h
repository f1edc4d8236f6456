/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink socket a worker reads its NFQUEUE queues from. */
#ifndef CLAT_NFQSOCK_H
#define CLAT_NFQSOCK_H

#include <stdbool.h>
#include <stdint.h>

struct mnl_socket;

/* Open and bind a netfilter netlink socket whose receive buffer holds
 * queue_length packets (16 MiB at least); 0 or -errno. */
int nfqsock_open(struct mnl_socket **nl, uint32_t queue_length);
/* Bind queue to nl, copying whole packets, at most maxlen waiting. With
 * gso, the kernel hands over super-packets whole and leaves partial
 * checksums as they are; 0 or -errno. */
int nfqsock_bind(struct mnl_socket *nl, uint16_t queue, uint32_t maxlen,
		 bool gso);
/* What the kernel dropped on the queues first .. first + count - 1 of this
 * network namespace (/proc/net/netfilter/nfnetlink_queue): queue full
 * (queue_dropped) and not deliverable to the socket (user_dropped). */
void nfqsock_kernel_drops(unsigned first, unsigned count, uint64_t *full,
			  uint64_t *undeliverable);

#endif
