/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transmit queues: raw sockets and the CLAT tun (see txq.h). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "counter.h"
#include "csum.h"
#include "txq.h"

/* virtio 1.2 section 5.1.6: UDP segmentation (USO); the kernel's tun
 * takes it since Linux 6.2, older uapi headers lack the name. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4	5
#endif

#define IP4_HL		20
#define UDP_HL		8

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
	q->coalesced = NULL;
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
	q->uso_refused = false;
	q->udp_join = true;
	/* Its own descriptor: the main thread may close and replace the
	 * device's (a recreated device) while this queue still writes. */
	q->fd = dev_fd >= 0 ? fcntl(dev_fd, F_DUPFD_CLOEXEC, 0) : -1;
	return dev_fd >= 0 && q->fd < 0 ? -errno : 0;
}

/* The IPv4 and UDP headers of dev packet i, behind its vnet header. */
static uint8_t *ip_of(struct txq *q, unsigned i)
{
	return q->viov[i][1].iov_base;
}

static uint8_t *udp_of(struct txq *q, unsigned i)
{
	return q->viov[i][2].iov_base;
}

/* Set the lengths of a UDP packet of udplen bytes from the UDP header on:
 * IPv4 total length and header checksum (RFC 791), UDP length and the
 * pseudo-header sum a partial checksum starts from (RFC 768). */
static void udp_lengths(uint8_t *ip, uint8_t *udp, uint32_t udplen)
{
	put16(ip + 2, (uint16_t)(IP4_HL + udplen));
	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP4_HL)));
	put16(udp + 4, (uint16_t)udplen);
	put16(udp + 6, (uint16_t)~csum_fold(csum_pseudo4(ip + 12, ip + 16,
							 IPPROTO_UDP, udplen)));
}

/* A kernel older than 6.2 refuses UDP super-packets (EINVAL): packet i
 * goes as the datagrams it was made of, each with its own lengths and
 * Identification, and the queue stops joining them. */
static void dev_split(struct txq *q, unsigned i)
{
	struct iovec *v = q->viov[i];
	uint8_t *ip = ip_of(q, i), *udp = udp_of(q, i);
	uint16_t id = get16(ip + 4);
	unsigned np = (unsigned)q->msg[i].msg_hdr.msg_iovlen - 3;

	q->uso_refused = true;
	q->vh[i].gso_type = VIRTIO_NET_HDR_GSO_NONE;
	q->vh[i].gso_size = 0;
	q->vh[i].hdr_len = 0;
	for (unsigned k = 0; k < np; k++) {
		struct iovec one[4] = { v[0], v[1], v[2], v[3 + k] };

		put16(ip + 4, (uint16_t)(id + k));
		udp_lengths(ip, udp, (uint32_t)(UDP_HL + v[3 + k].iov_len));
		if (writev(q->fd, one, 4) < 0)
			STAT_INC(*q->errors);
	}
}

/* The CLAT tun takes one packet per write. A UDP super-packet's headers
 * get their lengths and sums here, once (udp_join() only counts). */
static void dev_flush(struct txq *q)
{
	for (unsigned i = 0; i < q->n; i++) {
		if (q->vh[i].gso_type == VIRTIO_NET_HDR_GSO_UDP_L4)
			udp_lengths(ip_of(q, i), udp_of(q, i),
				    get16(ip_of(q, i) + 2) - (uint32_t)IP4_HL);
		if (writev(q->fd, q->msg[i].msg_hdr.msg_iov,
			   (int)q->msg[i].msg_hdr.msg_iovlen) < 0) {
			if (errno == EINVAL &&
			    q->vh[i].gso_type == VIRTIO_NET_HDR_GSO_UDP_L4)
				dev_split(q, i);
			else
				STAT_INC(*q->errors);
		}
	}
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

/* Whether dev packet k (its iovs at iov) is a datagram a UDP super-packet
 * may carry: IPv4 without options, not a fragment, its IPv4 and UDP
 * headers in iovs of their own and the payload in one more, as the core
 * writes a translation (xlat_6to4.c), with a UDP checksum. The kernel
 * numbers the datagrams it cuts from a super-packet with consecutive
 * Identifications from the first one's, so only a datagram whose
 * Identification is the translator's own choice joins (an atomic
 * fragment's comes from its Fragment Header, RFC 7915 5.1.1, and is
 * kept). RFC 6864 allows any value on a DF datagram; on another, the run
 * takes the first one's and those after it, unique in the flow as the
 * translator's own count is (the way Linux numbers its own UDP GSO). */
static bool udp_joinable(const struct xlat_pkt *k, const struct iovec *iov,
			 uint16_t gso_mss)
{
	const uint8_t *h = iov[0].iov_base;

	return !gso_mss && k->id_free && k->iovcnt == 3 &&
	       iov[0].iov_len == IP4_HL &&
	       iov[1].iov_len == UDP_HL && iov[2].iov_len > 0 &&
	       h[0] == 0x45 && h[9] == IPPROTO_UDP &&
	       !(get16(h + 6) & 0x3fff) &&	/* MF, fragment offset */
	       (k->csum_start ? k->csum_start == IP4_HL && k->csum_offset == 6
			      : get16((const uint8_t *)iov[1].iov_base + 6));
}

/* Whether a datagram's complete UDP checksum is right (RFC 768). The
 * queues without offloads get datagrams with their checksums complete,
 * checked or computed by the kernel; a super-packet's is left partial,
 * for the kernel to complete for each datagram it cuts, so only
 * datagrams whose checksum is right go into one: a wrong one stays as it
 * came, for the host's UDP to drop. */
static bool udp_csum_ok(const uint8_t *ip, const uint8_t *udp,
			const struct iovec *pay)
{
	uint32_t udplen = (uint32_t)(UDP_HL + pay->iov_len);
	uint32_t pseudo = csum_pseudo4(ip + 12, ip + 16, IPPROTO_UDP, udplen);

	return get16(udp + 4) == udplen &&
	       csum_fold(csum_add(csum_add(pseudo, udp, UDP_HL), pay->iov_base,
				  pay->iov_len)) == 0;
}

/* The same flow, for joining: addresses, ports, TOS, TTL and DF alike,
 * as GRO asks (RFC 791 fields the kernel's segmentation copies). */
static bool same_flow(const uint8_t *ip, const uint8_t *udp,
		      const uint8_t *ip2, const uint8_t *udp2)
{
	return ip[1] == ip2[1] && ip[8] == ip2[8] &&
	       (ip[6] & 0x40) == (ip2[6] & 0x40) &&
	       !memcmp(ip + 12, ip2 + 12, 8) && !memcmp(udp, udp2, 4);
}

/* Put datagram k of iov into an earlier UDP packet of its flow in the
 * queue, if one may take it; whether it did. Any earlier packet of the
 * flow that may not stops taking more, so that what comes later in the
 * flow is never written before it. */
static bool udp_join(struct txq *q, const struct xlat_pkt *k,
		     const struct iovec *iov)
{
	uint8_t *ip2 = iov[0].iov_base, *udp2 = iov[1].iov_base;
	size_t plen = iov[2].iov_len;
	unsigned i;

	for (i = q->n; i-- > 0;) {
		struct virtio_net_hdr *vh = &q->vh[i];
		uint8_t *ip, *udp;
		size_t total;

		if (!q->nseg[i])
			continue;
		ip = ip_of(q, i);
		udp = udp_of(q, i);
		if (!same_flow(ip, udp, ip2, udp2))
			continue;
		total = get16(ip + 2) + plen;
		if (plen > q->seg[i] || q->nseg[i] >= TXQ_UDP_SEGS ||
		    q->msg[i].msg_hdr.msg_iovlen >= TXQ_VIOV ||
		    total > 65535)
			break;
		if (!k->csum_start && !udp_csum_ok(ip2, udp2, &iov[2]))
			break;
		if (!vh->flags) {
			if (!udp_csum_ok(ip, udp, &q->viov[i][3]))
				break;
			/* dev_flush() leaves the pseudo-header sum */
			vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			vh->csum_start = htole16(IP4_HL);
			vh->csum_offset = htole16(6);
		}
		q->viov[i][q->msg[i].msg_hdr.msg_iovlen++] = iov[2];
		/* the rest of the headers once, at the flush */
		put16(ip + 2, (uint16_t)total);
		vh->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		vh->gso_size = htole16(q->seg[i]);
		vh->hdr_len = htole16(IP4_HL + UDP_HL);
		/* A shorter datagram can only be the last. */
		q->nseg[i] = plen < q->seg[i] ? 0 : (uint8_t)(q->nseg[i] + 1);
		if (q->coalesced)
			STAT_INC(*q->coalesced);
		return true;
	}
	/* Found and refused (break), or none open (i wrapped). */
	if (i < q->n)
		q->nseg[i] = 0;
	return false;
}

/* Stop every queued UDP packet between the addresses of h (an IPv4
 * header) from taking more: a packet of theirs that is not joined goes
 * after them. */
static void udp_close(struct txq *q, const uint8_t *h, size_t hlen)
{
	if (hlen < IP4_HL)
		return;
	for (unsigned i = 0; i < q->n; i++)
		if (q->nseg[i] && !memcmp(ip_of(q, i) + 12, h + 12, 8))
			q->nseg[i] = 0;
}

void txq_add(struct txq *q, struct xlat_out *o, uint16_t gso_mss)
{
	for (unsigned i = 0; i < o->npkts; i++) {
		struct iovec *iov = &o->iov[o->pkt[i].iov_first];
		const uint8_t *h = iov[0].iov_base;
		struct msghdr *m;
		bool join = false;

		if (q->kind == TXQ_DEV && q->udp_join && !q->uso_refused) {
			join = udp_joinable(&o->pkt[i], iov, gso_mss);
			if (join && udp_join(q, &o->pkt[i], iov))
				continue;
			if (!join)
				udp_close(q, h, iov[0].iov_len);
		}
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

			if (k->iovcnt > 4) {	/* the core makes 4 at most;
						 * the rest is for joining */
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
			q->nseg[q->n] = join ? 1 : 0;
			q->seg[q->n] = join ? (uint16_t)iov[2].iov_len : 0;
		} else {
			q->dst[q->n].in = (struct sockaddr_in){
				.sin_family = AF_INET };
			memcpy(&q->dst[q->n].in.sin_addr, h + 16, 4);
			m->msg_namelen = sizeof(struct sockaddr_in);
		}
		q->n++;
	}
}
