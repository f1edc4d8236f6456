/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address mapping of the CLAT (RFC 6877 section 6.3): the CLAT's own IPv4
 * address stands for its IPv6 address; every other IPv4 address is the
 * remote side: mapped by the explicit address table (RFC 7757) where an
 * entry matches, else embedded under the PLAT prefix (RFC 6052). */
#ifndef CLAT_XLAT_MAP_H
#define CLAT_XLAT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "xlat.h"

/* IPv4 addresses never translated: 0/8, 127/8, 169.254/16 (link-local,
 * RFC 3927 section 7), 224/4 multicast, 240/4 reserved and broadcast. */
bool xlat_map_v4_forbidden(const uint8_t a[4]);

/* A source or destination an ICMP error must never be sent to
 * (RFC 1812 section 4.3.2.7, RFC 4443 section 2.4 (e)). */
bool xlat_map_v4_no_error(const uint8_t a[4]);
bool xlat_map_v6_no_error(const uint8_t a[16]);

/* Remote IPv4 address to IPv6: 0, or -EPERM when it may not be translated
 * (forbidden, the CLAT's own address, or RFC 6052 3.1 under wkp_strict). */
int xlat_map_remote_4to6(const struct xlat_cfg *cfg, const uint8_t v4[4],
		    uint8_t v6[16]);

/* Remote IPv6 address to IPv4: 0, -ENOENT when not under the PLAT prefix,
 * -EPERM when it embeds an address that may not be translated. */
int xlat_map_remote_6to4(const struct xlat_cfg *cfg, const uint8_t v6[16],
		    uint8_t v4[4]);

#endif
