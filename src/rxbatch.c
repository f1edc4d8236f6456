/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Receive and verdict batching (see rxbatch.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "rxbatch.h"

/* One queue message: packet + attributes, rounded up so that each slot of
 * the receive buffer starts aligned for struct nlmsghdr (0xffff + 512 is
 * odd: every other slot was misaligned, which UBSan reported in the soak). */
#define MSGBUF	((0xffff + 512 + 63) & ~63)

int rxbatch_init(struct rxbatch *b)
{
	b->rxbuf = malloc((size_t)RXBATCH * MSGBUF);
	if (!b->rxbuf)
		return -ENOMEM;
	/* Not pre-faulted: its pages become resident as the kernel fills
	 * deeper batches (4 MiB at most per worker), and an idle daemon
	 * stays small. (A memset to 0 here would not even do it: the
	 * compiler turns malloc + memset into calloc's untouched pages.) */
	for (int i = 0; i < RXBATCH; i++)
		b->rxiov[i] = (struct iovec){ b->rxbuf + (size_t)i * MSGBUF,
					      MSGBUF };
	return 0;
}

void rxbatch_free(struct rxbatch *b)
{
	free(b->rxbuf);
	b->rxbuf = NULL;
}

int rxbatch_recv(struct rxbatch *b, int fd)
{
	int r;

	for (int i = 0; i < RXBATCH; i++)
		b->rx[i].msg_hdr = (struct msghdr){ .msg_iov = &b->rxiov[i],
						    .msg_iovlen = 1 };
	r = recvmmsg(fd, b->rx, RXBATCH, MSG_DONTWAIT, NULL);
	return r < 0 ? -errno : r;
}

int rxbatch_parse(const struct rxbatch *b, int i, struct rxslot *s,
		  struct rxpkt *k)
{
	const struct nlmsghdr *nlh = b->rxiov[i].iov_base;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;

	if (!mnl_nlmsg_ok(nlh, (int)b->rx[i].msg_len) ||
	    nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET) ||
	    nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return -1;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	s->id = ntohl(ph->packet_id);
	s->queue = ntohs(((const struct nfgenmsg *)
			  mnl_nlmsg_get_payload(nlh))->res_id);
	s->nfv = NF_DROP;
	*k = (struct rxpkt){ 0 };
	if (!attr[NFQA_PAYLOAD])
		return 0;
	k->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	k->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	/* A packet longer than the copy range arrives cut (NFQA_CAP_LEN
	 * gives its length): it cannot be translated. */
	k->cut = attr[NFQA_CAP_LEN] &&
		 ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) > k->len;
	if (attr[NFQA_MARK])
		k->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_SKB_INFO]) {
		uint32_t info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));

		k->csum_partial = info & NFQA_SKB_CSUMNOTREADY;
		k->gso = info & NFQA_SKB_GSO;
	}
	return 0;
}

/* One message for the verdicts of slots [0, n): a VERDICT_BATCH for each
 * run of equal verdicts on one queue (it covers every id of that queue up
 * to the one named; ids arrive in order per queue and earlier ones already
 * have theirs). */
int rxbatch_error(const struct rxbatch *b, int i)
{
	const struct nlmsghdr *nlh = b->rxiov[i].iov_base;
	const struct nlmsgerr *e;

	if (!mnl_nlmsg_ok(nlh, (int)b->rx[i].msg_len) ||
	    nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return 0;
	e = mnl_nlmsg_get_payload(nlh);
	return e->error < 0 ? e->error : 0;
}

int rxbatch_verdicts(struct rxbatch *b, struct mnl_socket *nl, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		struct nlmsghdr *nlh;

		if (i + 1 < n && b->slot[i + 1].nfv == b->slot[i].nfv &&
		    b->slot[i + 1].queue == b->slot[i].queue)
			continue;
		nlh = nfq_nlmsg_put(b->vbuf + off, NFQNL_MSG_VERDICT_BATCH,
				    b->slot[i].queue);
		nfq_nlmsg_verdict_put(nlh, b->slot[i].id, b->slot[i].nfv);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (off && mnl_socket_sendto(nl, b->vbuf, off) < 0)
		return -errno;
	return 0;
}
