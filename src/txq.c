/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transmit queues: raw sockets and the CLAT tun (see txq.h). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "counter.h"
#include "txq.h"

/* A raw socket (AF_INET, AF_INET6) that only sends. */
static int raw_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

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
	int fd = raw_socket(kind == TXQ_INET6 ? AF_INET6 : AF_INET, mark);

	q->kind = kind;
	q->n = 0;
	q->errors = errors;
	q->refused = NULL;
	q->fd = -1;
	if (fd < 0)
		return fd;
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

int txq_open_dev(struct txq *q, int dev_fd, uint64_t *errors)
{
	if (q->fd >= 0)
		close(q->fd);
	q->kind = TXQ_DEV;
	q->n = 0;
	q->errors = errors;
	q->refused = NULL;
	/* Its own descriptor: the main thread may close and replace the
	 * device's (a recreated device) while this queue still writes. */
	q->fd = dev_fd >= 0 ? fcntl(dev_fd, F_DUPFD_CLOEXEC, 0) : -1;
	return dev_fd >= 0 && q->fd < 0 ? -errno : 0;
}

/* The CLAT tun takes one packet per write. */
static void dev_flush(struct txq *q)
{
	for (unsigned i = 0; i < q->n; i++)
		if (writev(q->fd, q->msg[i].msg_hdr.msg_iov,
			   (int)q->msg[i].msg_hdr.msg_iovlen) < 0)
			STAT_INC(*q->errors);
	q->n = 0;
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

	if (q->kind == TXQ_DEV) {
		dev_flush(q);
		return;
	}
	while (done < q->n) {
		int r = sendmmsg(q->fd, q->msg + done, q->n - done, 0);

		if (r <= 0) {
			/* The first message in line was refused: count it
			 * and go on with the rest. */
			STAT_INC(*q->errors);
			if (errno == EPERM && q->refused)
				q->refused[q->tag[done]] = true;
			done++;
		} else {
			done += (unsigned)r;
		}
	}
	q->n = 0;
}

/* The vnet header of packet k (IPv4, for the CLAT tun): a checksum left
 * partial stays so (csum_start counts from the IPv4 header: a tun frame
 * has no link header); a TCP super-packet larger than one segment is
 * marked GSO. Little-endian fields (virtio 1.0, TUNSETVNETLE). */
static void vnet_hdr(struct virtio_net_hdr *vh, const struct xlat_pkt *k,
		     const uint8_t *h, size_t hlen0, uint16_t gso_mss)
{
	*vh = (struct virtio_net_hdr){ 0 };
	if (!k->csum_start)
		return;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->csum_start = htole16(k->csum_start);
	vh->csum_offset = htole16(k->csum_offset);
	if (gso_mss && hlen0 >= 20 && h[9] == IPPROTO_TCP) {
		unsigned hl = (h[0] & 15u) * 4u + 60u;	/* TCP at most 60 */

		if (k->len > hl + gso_mss) {
			vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
			vh->gso_size = htole16(gso_mss);
			vh->hdr_len = htole16((uint16_t)hl);
		}
	}
}

void txq_add(struct txq *q, struct xlat_out *o, uint16_t gso_mss)
{
	for (unsigned i = 0; i < o->npkts; i++) {
		struct iovec *iov = &o->iov[o->pkt[i].iov_first];
		const uint8_t *h = iov[0].iov_base;
		struct msghdr *m;

		if (q->n == TXQ_MAX)
			txq_flush(q);
		q->tag[q->n] = q->cur_tag;
		m = &q->msg[q->n].msg_hdr;
		*m = (struct msghdr){ .msg_iov = iov,
				      .msg_iovlen = o->pkt[i].iovcnt,
				      .msg_name = &q->dst[q->n] };
		if (q->kind == TXQ_INET6) {
			q->dst[q->n].in6 = (struct sockaddr_in6){
				.sin6_family = AF_INET6 };
			memcpy(&q->dst[q->n].in6.sin6_addr, h + 24, 16);
			m->msg_namelen = sizeof(struct sockaddr_in6);
		} else if (q->kind == TXQ_DEV) {
			const struct xlat_pkt *k = &o->pkt[i];

			if (k->iovcnt > TXQ_VIOV - 1) {	/* the core makes 4 at most */
				STAT_INC(*q->errors);
				continue;
			}
			vnet_hdr(&q->vh[q->n], k, h, iov[0].iov_len, gso_mss);
			q->viov[q->n][0] = (struct iovec){ &q->vh[q->n],
							   sizeof(q->vh[0]) };
			memcpy(&q->viov[q->n][1], iov,
			       k->iovcnt * sizeof(*iov));
			m->msg_name = NULL;
			m->msg_iov = q->viov[q->n];
			m->msg_iovlen = k->iovcnt + 1u;
		} else {
			q->dst[q->n].in = (struct sockaddr_in){
				.sin_family = AF_INET };
			memcpy(&q->dst[q->n].in.sin_addr, h + 16, 4);
			m->msg_namelen = sizeof(struct sockaddr_in);
		}
		q->n++;
	}
}
