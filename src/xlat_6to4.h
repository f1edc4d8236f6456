/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 7915 section 5: IPv6 to IPv4. The entry point xlat_6to4() is
 * declared in xlat.h; this header holds the parsed form of an IPv6 header
 * chain. */
#ifndef CLAT_XLAT_6TO4_H
#define CLAT_XLAT_6TO4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

struct xlat_ip6_info {
	const uint8_t *p;
	uint8_t proto;		/* upper-layer protocol */
	const uint8_t *l4;	/* upper-layer data present in the buffer */
	size_t l4len;
	size_t exthdr;		/* bytes of extension headers skipped */
	bool frag;		/* a Fragment Header is present */
	bool mf;
	uint16_t off;		/* fragment offset in bytes */
	uint32_t id;
	size_t segleft;		/* offset of a non-zero Segments Left, or 0 */
};

/* Walk the header chain within avail bytes (RFC 8200 section 4):
 * XLAT_R_NONE or why not. */
enum xlat_reason xlat_ip6_walk(const uint8_t *pkt, size_t avail,
			  struct xlat_ip6_info *h);

#endif
