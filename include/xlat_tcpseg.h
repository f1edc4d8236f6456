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

#endif
