/* TCP segmentation and checksum completion for packets that reach the
 * translator with offloads still pending (NFQUEUE's NFQA_CFG_F_GSO): a
 * TCP super-packet is cut into segments that fit the next link, each with
 * a full checksum, the payload referenced from the input. */
#ifndef CLAT_XLAT_TCPSEG_H
#define CLAT_XLAT_TCPSEG_H

#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

struct tcpseg {
	int family;		/* of the output: AF_INET or AF_INET6 */
	const uint8_t *ip;	/* output IP header template (20 or 40 bytes):
				 * lengths and the IPv4 checksum are filled
				 * in per segment */
	const uint8_t *th;	/* the TCP header as received */
	size_t thl;		/* its length (data offset * 4) */
	const uint8_t *data;	/* the payload and its length */
	size_t len;
	size_t mss;		/* payload bytes per segment, > 0 */
	uint32_t addr_sum;	/* csum_add() of the output's addresses */
};

/* Append the segments to out: XLAT_R_NONE or XLAT_R_NO_ROOM. Sequence
 * numbers advance with the payload; FIN and PSH stay on the last segment,
 * CWR on the first (as the kernel's own GSO does). */
enum xlat_reason tcp_segment(const struct tcpseg *s, struct xlat_out *out);

/* What struct xlat_state remembers of remote (an IPv4 address): cap is
 * the largest TCP header + data it takes over IPv6; kept when smaller
 * than what is known. */
void tcpseg_learn(struct xlat_state *st, const uint8_t remote[4],
		  uint32_t cap);

/* The cap known for remote, or dflt. */
size_t tcpseg_cap(const struct xlat_state *st, const uint8_t remote[4],
		  size_t dflt);

/* A SYN's MSS option (RFC 9293 3.7.1) as a cap (MSS + 20), 556 when it
 * has none (the default of 536 that the host's IPv4 TCP then assumes);
 * 0 when th (thl bytes) is not a SYN. */
uint32_t tcpseg_syn_cap(const uint8_t *th, size_t thl);

#endif
