/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transmit queues: raw sockets and lo's packet socket (see txq.h). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>

#include "counter.h"
#include "txq.h"

/* lo's link header: Ethernet, both addresses zero, IPv4. */
static const uint8_t lo_eth[ETH_HLEN] = { [12] = 0x08, [13] = 0x00 };

/* A raw socket (AF_INET, AF_INET6) or, for AF_PACKET, a packet socket that
 * only sends (protocol 0: it receives nothing). */
static int raw_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC,
			family == AF_PACKET ? 0 : IPPROTO_RAW);

	if (fd < 0)
		return -errno;
	/* Our own packets carry the mark, so the rules never queue them. */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int txq_open(struct txq *q, enum txq_kind kind, uint32_t mark,
	     uint64_t *errors)
{
	static const int family[] = { [TXQ_INET] = AF_INET,
				      [TXQ_INET6] = AF_INET6,
				      [TXQ_LO] = AF_PACKET };
	int one = 1, fd = raw_socket(family[kind], mark);

	q->kind = kind;
	q->n = 0;
	q->errors = errors;
	q->fd = -1;
	if (fd < 0)
		return fd;
	if (kind == TXQ_LO && setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR,
					 &one, sizeof(one)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	q->fd = fd;
	return 0;
}

int txq_bind6(struct txq *q, const uint8_t addr[16])
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int one = 1;

	if (q->kind != TXQ_INET6 || q->fd < 0)
		return -EINVAL;
	memcpy(&a.sin6_addr, addr, 16);
	if (setsockopt(q->fd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
		       sizeof(one)) < 0 ||
	    bind(q->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

void txq_close(struct txq *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

void txq_flush(struct txq *q)
{
	unsigned done = 0;

	while (done < q->n) {
		int r = sendmmsg(q->fd, q->msg + done, q->n - done, 0);

		if (r <= 0) {
			/* The first message in line was refused: count it
			 * and go on with the rest. */
			STAT_INC(*q->errors);
			done++;
		} else {
			done += (unsigned)r;
		}
	}
	q->n = 0;
}

void txq_add(struct txq *q, struct xlat_out *o)
{
	for (unsigned i = 0; i < o->npkts; i++) {
		struct iovec *iov = &o->iov[o->pkt[i].iov_first];
		const uint8_t *h = iov[0].iov_base;
		struct msghdr *m;

		if (q->n == TXQ_MAX)
			txq_flush(q);
		m = &q->msg[q->n].msg_hdr;
		*m = (struct msghdr){ .msg_iov = iov,
				      .msg_iovlen = o->pkt[i].iovcnt,
				      .msg_name = &q->dst[q->n] };
		if (q->kind == TXQ_INET6) {
			q->dst[q->n].in6 = (struct sockaddr_in6){
				.sin6_family = AF_INET6 };
			memcpy(&q->dst[q->n].in6.sin6_addr, h + 24, 16);
			m->msg_namelen = sizeof(struct sockaddr_in6);
		} else if (q->kind == TXQ_LO) {
			struct virtio_net_hdr *vh = &q->vh[q->n];
			const struct xlat_pkt *k = &o->pkt[i];

			if (k->iovcnt > TXQ_VIOV - 2) {	/* the core makes 4 at most */
				STAT_INC(*q->errors);
				continue;
			}
			q->dst[q->n].ll = (struct sockaddr_ll){
				.sll_family = AF_PACKET,
				.sll_protocol = htons(ETH_P_IP),
				.sll_ifindex = 1,	/* lo, in every netns */
				.sll_halen = ETH_ALEN };
			m->msg_namelen = sizeof(struct sockaddr_ll);
			/* Offsets count from the frame: lo's 14-byte
			 * Ethernet header comes first. Little-endian: the
			 * packet socket's virtio header (x86, arm64). */
			*vh = (struct virtio_net_hdr){ 0 };
			if (k->csum_start) {
				vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
				vh->csum_start = htole16((uint16_t)
					(ETH_HLEN + k->csum_start));
				vh->csum_offset = htole16(k->csum_offset);
			}
			q->viov[q->n][0] = (struct iovec){ vh, sizeof(*vh) };
			q->viov[q->n][1] = (struct iovec){ (void *)lo_eth,
							   ETH_HLEN };
			memcpy(&q->viov[q->n][2], iov,
			       k->iovcnt * sizeof(*iov));
			m->msg_iov = q->viov[q->n];
			m->msg_iovlen = k->iovcnt + 2u;
		} else {
			q->dst[q->n].in = (struct sockaddr_in){
				.sin_family = AF_INET };
			memcpy(&q->dst[q->n].in.sin_addr, h + 16, 4);
			m->msg_namelen = sizeof(struct sockaddr_in);
		}
		q->n++;
	}
}
