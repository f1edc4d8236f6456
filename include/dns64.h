/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS64 prefix discovery (RFC 7050): the AAAA query for ipv4only.arpa and
 * the reading of its answer. Pure: bytes in, prefix out, no I/O; the
 * daemon's discover module sends and receives. */
#ifndef CLAT_DNS64_H
#define CLAT_DNS64_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "rfc6052.h"

#define DNS64_QUERY_MAX 64

/* Write the query (id, recursion desired, no EDNS, so no DNSSEC: RFC 7050
 * section 3 leaves validation to nodes that can) into buf; its length. */
size_t dns64_query(uint8_t buf[DNS64_QUERY_MAX], uint16_t id);

/* Read an answer to the query with this id. 0 with the prefix and the
 * smallest TTL of the records that show it; -ENOENT when the answer is
 * well formed but shows no prefix (no AAAA, a name error, or the
 * well-known addresses not both there); -EINVAL when it is not an answer
 * to our query at all. A prefix is accepted only where both 192.0.0.170
 * and 192.0.0.171 appear under it (RFC 7050 section 3), at any RFC 6052
 * length, the longest tried first. */
int dns64_parse(const uint8_t *msg, size_t len, uint16_t id,
		struct rfc6052_prefix *prefix, uint32_t *ttl);

#endif
