/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 4: IPv4 to IPv6. The entry point xlat_4to6() is
 * declared in xlat.h; this header holds the parsed form of an IPv4 header
 * shared with the ICMP code. */
#ifndef CLAT_XLAT_4TO6_H
#define CLAT_XLAT_4TO6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

struct xlat_ip4_info {
	const uint8_t *p;	/* the header */
	size_t ihl;		/* header length in bytes */
	size_t totlen;
	uint16_t id;
	uint16_t off;		/* fragment offset in bytes */
	bool df, mf;
	bool srcroute;		/* an unexpired LSRR or SSRR option */
	uint8_t proto;
	const uint8_t *l4;	/* upper-layer data and its length */
	size_t l4len;
};

/* Validate an IPv4 header (RFC 791, RFC 1122 3.2.1): XLAT_R_NONE or why
 * not. */
enum xlat_reason xlat_ip4_parse(const uint8_t *pkt, size_t len,
			   struct xlat_ip4_info *h);

#endif
