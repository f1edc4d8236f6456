/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: what arrives from the network during PLAT discovery.
 * The first byte picks the parser: a router advertisement (RFC 8781) or a
 * DNS64 answer (RFC 7050); the rest is the message. Results must obey the
 * parsers' promises: a prefix RFC 6052 allows, never more than asked. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns64.h"
#include "pref64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct pref64 p[4];
		int n = pref64_parse_ra(data + 1, size - 1, p, 4);

		if (n > 4)
			abort();
		for (int i = 0; i < n; i++)
			if (rfc6052_prefix_check(&p[i].prefix) ||
			    p[i].lifetime > 8191 * 8)
				abort();
		/* And into the choice among routers: from a router named by
		 * the second byte, the RA announced several times over a
		 * fuzzer-chosen span; the chosen one must be a candidate
		 * that has not expired. */
		if (n > 0) {
			static struct pref64_set set;
			static int init;
			uint8_t router[16] = { 0xfe, 0x80, [15] = data[0] >> 1 };
			uint64_t now = (uint64_t)(size * 977u);
			const struct pref64_cand *c;

			if (!init) {
				pref64_set_init(&set);
				init = 1;
			}
			pref64_set_ra(&set, router, 1, p, n, now);
			pref64_set_expire(&set, now + (data[0] >> 1) * 1000u);
			c = pref64_set_chosen(&set);
			if (c && (!c->expires ||
				  rfc6052_prefix_check(&c->prefix)))
				abort();
		}
	} else {
		struct rfc6052_prefix p;
		uint32_t ttl;
		uint16_t id = size >= 3 ? (uint16_t)(data[1] << 8 | data[2]) : 0;

		if (dns64_parse(data + 1, size - 1, id, &p, &ttl) == 0 &&
		    rfc6052_prefix_check(&p))
			abort();
	}
	return 0;
}
