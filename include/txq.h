/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transmit queues: a worker's outgoing packets of one kind, flushed with
 * one sendmmsg() per batch.
 *
 * Three kinds: raw IPv4, raw IPv6 (IPPROTO_RAW, header included), and lo:
 * translations for the host itself (IPv6 -> IPv4, to the CLAT address)
 * go in through lo on a packet socket when the main thread allows it: the
 * kernel then treats them as received, and skips the output path that a
 * raw socket's local send runs first (route lookup, output hooks,
 * conntrack), 20 % of a worker's time on small packets. Strict reverse
 * path filtering on lo would drop them (their source routes via the CLAT
 * device), so then, and in router mode, they take the raw socket. */
#ifndef CLAT_TXQ_H
#define CLAT_TXQ_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>

#include "xlat.h"

#define TXQ_MAX		64		/* packets per sendmmsg */
#define TXQ_VIOV	8		/* lo: two headers and a packet's iovs */

enum txq_kind { TXQ_INET, TXQ_INET6, TXQ_LO };

struct txq {
	int fd;				/* -1: not open */
	enum txq_kind kind;
	unsigned n;
	uint64_t *errors;		/* counter of refused packets */
	struct mmsghdr msg[TXQ_MAX];
	/* lo only: each packet behind its offload header, which carries
	 * a checksum left partial (struct xlat_pkt) */
	struct virtio_net_hdr vh[TXQ_MAX];
	struct iovec viov[TXQ_MAX][TXQ_VIOV];
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_ll ll;
	} dst[TXQ_MAX];
};

/* Open q's socket, marked with mark so the rules never queue what it
 * sends; errors counts the packets the kernel refuses; 0 or -errno. */
int txq_open(struct txq *q, enum txq_kind kind, uint32_t mark,
	     uint64_t *errors);
void txq_close(struct txq *q);
/* Raw IPv6: bind to the CLAT's IPv6 address, the source of what it sends,
 * so the kernel's route lookup for each packet skips choosing a source
 * address (ipv6_dev_get_saddr: 4-5 % of a worker's upload time); the
 * packets keep the source their header names. IPV6_FREEBIND: the address
 * need not be local (explicit mode). 0 or -errno (then the kernel chooses,
 * as before). */
int txq_bind6(struct txq *q, const uint8_t addr[16]);
/* Queue the packets of one translation; they reference o's arena and the
 * receive buffer, which must stay untouched until txq_flush(). */
void txq_add(struct txq *q, struct xlat_out *o);
/* Send what is queued. */
void txq_flush(struct txq *q);

#endif
