/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NFQUEUE socket setup: libnetfilter_queue's message builders over
 * libmnl. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdio.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "nfqsock.h"

/* The socket holds every packet waiting on its queues: at least 16 MiB,
 * more when queue-length asks for it, at the cost per message of a small
 * packet (a full-size one costs about three times that: such a queue
 * fills its socket first, and the overrun is counted). */
#define RCVBUF		(16 << 20)
#define RCVBUF_MAX	(1 << 30)
#define MSG_TRUESIZE	1024

int nfqsock_open(struct mnl_socket **nlp, uint32_t queue_length)
{
	int rcv = queue_length > RCVBUF_MAX / MSG_TRUESIZE ? RCVBUF_MAX :
		  (int)queue_length * MSG_TRUESIZE;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int err;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	if (rcv < RCVBUF)
		rcv = RCVBUF;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
		   sizeof(rcv));
	/* Overruns come back as ENOBUFS from recv (the default): counted by
	 * the reader, not fatal. */
	*nlp = nl;
	return 0;
}

int nfqsock_bind(struct mnl_socket *nl, uint16_t queue, uint32_t maxlen,
		 bool gso)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	/* No NFQA_CFG_F_FAIL_OPEN: a full queue would pass IPv6 packets to
	 * the host's stack too (see nftrules.c); full means dropped. */
	uint32_t flags = gso ? NFQA_CFG_F_GSO : 0;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
			 htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(maxlen));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

void nfqsock_kernel_drops(unsigned first, unsigned count, uint64_t *full,
			  uint64_t *undeliverable)
{
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned long long q, qd, ud;
	unsigned num;
	char line[256];

	*full = *undeliverable = 0;
	if (!f)
		return;
	/* queue portid waiting copy_mode copy_range queue_dropped
	 * user_dropped id_sequence 1 */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %*u %*u %*u %*u %llu %llu %llu", &num, &qd,
			   &ud, &q) == 4 && num >= first &&
		    num < first + count) {
			*full += qd;
			*undeliverable += ud;
		}
	fclose(f);
}
