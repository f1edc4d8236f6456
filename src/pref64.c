/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PREF64 router advertisement option, RFC 8781. */
#include <errno.h>
#include <string.h>

#include "bytes.h"
#include "pref64.h"

/* RFC 8781 section 4: Prefix Length Code 0..5. */
static const uint8_t plc_len[] = { 96, 64, 56, 48, 40, 32 };

int pref64_parse_ra(const uint8_t *msg, size_t len, struct pref64 *out,
		    size_t max)
{
	size_t off = 16, n = 0;	/* RA header: RFC 4861 section 4.2 */

	/* RFC 4861 6.1.2: type 134, code 0, at least 16 bytes. */
	if (len < 16 || msg[0] != 134 || msg[1] != 0)
		return -EINVAL;
	while (off < len) {
		const uint8_t *o = msg + off;
		size_t olen;

		/* Every option needs its two bytes, a non-zero length, and
		 * to end inside the message (6.1.2). */
		if (len - off < 2 || o[1] == 0)
			return -EINVAL;
		olen = (size_t)o[1] * 8;
		if (olen > len - off)
			return -EINVAL;
		if (o[0] == PREF64_OPT_TYPE && o[1] == 2 && n < max) {
			uint16_t sl = get16(o + 2);
			struct pref64 p = { .lifetime = (uint32_t)(sl >> 3) * 8 };

			if ((sl & 7) < sizeof(plc_len)) {
				p.prefix.len = plc_len[sl & 7];
				/* Only the bits the PLC names are the
				 * prefix; the rest are ignored. */
				memcpy(p.prefix.addr, o + 4, p.prefix.len / 8);
				if (rfc6052_prefix_check(&p.prefix) == 0)
					out[n++] = p;
			}
		}
		off += olen;
	}
	return (int)n;
}

void pref64_option(const struct rfc6052_prefix *p, uint32_t lifetime,
		   uint8_t opt[16])
{
	uint32_t units = (lifetime + 7) / 8;
	uint8_t plc = 0;

	if (units > 8191)
		units = 8191;
	while (plc < sizeof(plc_len) && plc_len[plc] != p->len)
		plc++;
	memset(opt, 0, 16);
	opt[0] = PREF64_OPT_TYPE;
	opt[1] = 2;
	put16(opt + 2, (uint16_t)(units << 3 | (plc & 7)));
	memcpy(opt + 4, p->addr, 12);
}
