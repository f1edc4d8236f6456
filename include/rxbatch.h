/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Receive and verdict batching on a worker's queue socket: recvmmsg()
 * takes up to RXBATCH queued packets in one call, and one send carries the
 * verdicts for the whole batch (one NFQNL_MSG_VERDICT_BATCH per run of
 * equal verdicts on one queue). */
#ifndef CLAT_RXBATCH_H
#define CLAT_RXBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netlink.h>

#define RXBATCH	32			/* queued packets per receive */

struct mnl_socket;

/* A queued packet's verdict, filled in by the reader. */
struct rxslot {
	uint32_t id;
	uint16_t queue;
	int nfv;			/* NF_ACCEPT, NF_DROP */
};

/* What a queue message says of its packet. */
struct rxpkt {
	const uint8_t *data;		/* NULL: no payload */
	uint16_t len;
	bool cut;			/* longer than the copy range */
	bool csum_partial;		/* NFQA_SKB_CSUMNOTREADY */
	bool gso;			/* NFQA_SKB_GSO: a super-packet */
	uint32_t mark;			/* NFQA_MARK, 0 when absent */
};

struct rxbatch {
	struct mmsghdr rx[RXBATCH];
	struct iovec rxiov[RXBATCH];
	uint8_t *rxbuf;				/* RXBATCH * message size */
	struct rxslot slot[RXBATCH];
	char vbuf[RXBATCH * NLMSG_ALIGN(sizeof(struct nlmsghdr) + 64)];
};

/* 0 or -ENOMEM. */
int rxbatch_init(struct rxbatch *b);
void rxbatch_free(struct rxbatch *b);
/* Receive up to RXBATCH messages without waiting; their number or -errno
 * (-EAGAIN: none; -ENOBUFS: the socket overran). */
int rxbatch_recv(struct rxbatch *b, int fd);
/* Parse message i of the last receive into s (verdict NF_DROP) and k;
 * 0, or -1 when it is not a queued packet. */
int rxbatch_parse(const struct rxbatch *b, int i, struct rxslot *s,
		  struct rxpkt *k);
/* Send the verdicts of slots [0, n); 0 or -errno (the packets then stay
 * queued until the socket closes). */
int rxbatch_verdicts(struct rxbatch *b, struct mnl_socket *nl, unsigned n);
/* Message i of the last receive as the kernel's refusal of something sent
 * on the socket (a verdict: NLMSG_ERROR, -errno), or 0. */
int rxbatch_error(const struct rxbatch *b, int i);

#endif
