/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transmit queues: a worker's outgoing packets of one kind, flushed with
 * one sendmmsg() per batch.
 *
 * Three kinds: raw IPv4, raw IPv6 (IPPROTO_RAW, header included), and the
 * CLAT device: translations for the host itself (IPv6 -> IPv4, to the CLAT
 * address) and the ICMP errors the translator returns to local
 * applications are written into the CLAT tun (tundev.h), so the kernel
 * receives them on the CLAT interface: the host firewall sees `iif clat`,
 * as with TAYGA, and decides about them as about anything from the
 * network; reverse path filtering checks them against the CLAT's route.
 * Their offloads ride in the vnet header: a checksum left partial, a TCP
 * super-packet kept whole (GSO). A tun takes one packet per write(), so
 * UDP datagrams of one flow in one batch, each with its checksum left
 * partial and all but the last of one size, go as one UDP super-packet
 * (VIRTIO_NET_HDR_GSO_UDP_L4): one write and one pass through the IPv4
 * input path and the host firewall, then the kernel cuts it back into
 * the datagrams before any socket sees them (unless the socket asked for
 * them whole, UDP_GRO), as GRO does for a network card. The kernel
 * numbers the datagrams of a run in sequence from the first one's
 * Identification, so only those whose Identification is the
 * translator's own choice join (struct xlat_pkt). */
#ifndef CLAT_TXQ_H
#define CLAT_TXQ_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#include "xlat.h"

#define TXQ_MAX		64		/* packets per sendmmsg */
#define TXQ_UDP_SEGS	16		/* dev: datagrams per UDP super-packet */
#define TXQ_VIOV	(4 + TXQ_UDP_SEGS)	/* dev: vnet header, a packet's
						 * iovs, the payloads joined */

enum txq_kind { TXQ_INET, TXQ_INET6, TXQ_DEV };

struct txq {
	int fd;				/* -1: not open */
	enum txq_kind kind;
	unsigned n;
	uint64_t *errors;		/* counter of refused packets */
	uint64_t *coalesced;		/* dev: datagrams that went inside
					 * another's UDP super-packet; NULL:
					 * none counted */
	/* Which translation each packet came from (tag, set by the caller
	 * before txq_add), and where a packet refused by the firewall
	 * (EPERM: a drop rule) marks its translation's tag; NULL: not
	 * kept. */
	uint8_t cur_tag;
	bool *refused;
	uint8_t tag[TXQ_MAX];
	struct mmsghdr msg[TXQ_MAX];
	/* dev only: each packet behind its offload header, which carries
	 * a checksum left partial (struct xlat_pkt) and GSO */
	struct virtio_net_hdr vh[TXQ_MAX];
	struct iovec viov[TXQ_MAX][TXQ_VIOV];
	/* dev only, per packet: datagrams in it when it is a UDP packet that
	 * may still take more of its flow (0: it may not), and their payload
	 * size (the segment size) */
	uint8_t nseg[TXQ_MAX];
	uint16_t seg[TXQ_MAX];
	bool uso_refused;		/* the kernel took none (before 6.2) */
	bool udp_join;			/* join at all (udp-coalesce=) */
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} dst[TXQ_MAX];
};

/* Open q's socket, marked with mark so the rules never queue what it
 * sends; errors counts the packets the kernel refuses; 0 or -errno. Not
 * for TXQ_DEV: see txq_open_dev. */
int txq_open(struct txq *q, enum txq_kind kind, uint32_t mark,
	     uint64_t *errors);
/* q writes into a duplicate of the CLAT tun descriptor dev_fd (-1: none;
 * q->fd stays -1); what it held before is closed. 0 or -errno. */
int txq_open_dev(struct txq *q, int dev_fd, uint64_t *errors);
void txq_close(struct txq *q);
/* Raw IPv6: bind to the CLAT's IPv6 address, the source of what it sends,
 * so the kernel's route lookup for each packet skips choosing a source
 * address (ipv6_dev_get_saddr: 4-5 % of a worker's upload time); the
 * packets keep the source their header names. IPV6_FREEBIND: the address
 * need not be local (explicit mode). 0 or -errno (then the kernel chooses,
 * as before). */
int txq_bind6(struct txq *q, const uint8_t addr[16]);
/* Queue the packets of one translation; they reference o's arena and the
 * receive buffer, which must stay untouched until txq_flush(). On a
 * TXQ_DEV queue, gso_mss > 0 marks a TCP super-packet of that segment
 * size (taken as the peer's by the receiving TCP; the kernel cuts it
 * there should it be forwarded, in router mode). */
void txq_add(struct txq *q, struct xlat_out *o, uint16_t gso_mss);
/* Send what is queued. */
void txq_flush(struct txq *q);

#endif
