/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TCP segmentation and checksum completion for packets that reach the
 * translator with offloads still pending (NFQUEUE's NFQA_CFG_F_GSO): a
 * TCP super-packet is cut into segments that fit the next link, each with
 * a full checksum, the payload referenced from the input. */
#ifndef CLAT_XLAT_TCPSEG_H
#define CLAT_XLAT_TCPSEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

/* The TCP header length of th (len bytes available), or 0 when the header
 * is not all there. */
size_t xlat_tcp_hlen(const uint8_t *th, size_t len);

/* Cut the TCP segment th (len bytes, header included) into packets of at
 * most cap bytes of TCP header and data each, behind copies of ip: the
 * output's IP header (20 or 40 bytes by family, already in out's arena),
 * whose lengths and IPv4 checksum are filled in per packet. addr_sum is
 * csum_add() of the output's addresses. Sequence numbers advance with the
 * data; FIN and PSH stay on the last packet, CWR on the first (as the
 * kernel's own GSO does). With leave, each checksum is left partial (see
 * struct xlat_pkt). XLAT_FORWARD, or a drop with its reason. */
enum xlat_verdict xlat_tcp_segment(struct xlat_out *out, int family,
			      const uint8_t *ip, const uint8_t *th, size_t len,
			      size_t cap, uint32_t addr_sum, bool leave);

/* What struct xlat_state remembers of remote (an IPv4 address): cap is
 * the largest TCP header + data it takes over IPv6; kept when smaller
 * than what is known. */
void xlat_tcpseg_learn(struct xlat_state *st, const uint8_t remote[4],
		  uint32_t cap);

/* The cap known for remote, or dflt. */
size_t xlat_tcpseg_cap(const struct xlat_state *st, const uint8_t remote[4],
		  size_t dflt);

/* A SYN's MSS option (RFC 9293 3.7.1) as a cap (MSS + 20), 556 when it
 * has none (the default of 536 that the host's IPv4 TCP then assumes);
 * 0 when th (thl bytes) is not a SYN. */
uint32_t xlat_tcpseg_syn_cap(const uint8_t *th, size_t thl);

#endif
